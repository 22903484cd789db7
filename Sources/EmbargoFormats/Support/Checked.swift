/// Arithmetic on sizes, offsets and counts read from input. Every operation that could overflow or
/// leave a type's range throws `FormatError.overflow` naming what was being computed, so hostile
/// input ends in an error, never in a trap.
package enum Checked {
    /// `lhs + rhs`.
    @inlinable
    package static func sum<T: FixedWidthInteger>(
        _ lhs: T,
        _ rhs: T,
        _ what: @autoclosure () -> String
    ) throws(FormatError) -> T {
        let (result, overflow) = lhs.addingReportingOverflow(rhs)
        guard !overflow else { throw FormatError.overflow("\(what()): \(lhs) + \(rhs) overflows") }
        return result
    }

    /// `lhs - rhs`, which must not go below the type's minimum (below zero for unsigned types).
    @inlinable
    package static func difference<T: FixedWidthInteger>(
        _ lhs: T,
        _ rhs: T,
        _ what: @autoclosure () -> String
    ) throws(FormatError) -> T {
        let (result, overflow) = lhs.subtractingReportingOverflow(rhs)
        guard !overflow else { throw FormatError.overflow("\(what()): \(lhs) - \(rhs) overflows") }
        return result
    }

    /// `lhs * rhs`.
    @inlinable
    package static func product<T: FixedWidthInteger>(
        _ lhs: T,
        _ rhs: T,
        _ what: @autoclosure () -> String
    ) throws(FormatError) -> T {
        let (result, overflow) = lhs.multipliedReportingOverflow(by: rhs)
        guard !overflow else { throw FormatError.overflow("\(what()): \(lhs) × \(rhs) overflows") }
        return result
    }

    /// `value` converted to `T`, when it fits.
    @inlinable
    package static func convert<T: FixedWidthInteger>(
        _ value: some BinaryInteger,
        to _: T.Type = T.self,
        _ what: @autoclosure () -> String
    ) throws(FormatError) -> T {
        guard let result = T(exactly: value) else { throw FormatError.overflow("\(what()): \(value) is out of range") }
        return result
    }

    /// `value` rounded up to a multiple of `alignment` (a power of two).
    @inlinable
    package static func alignedUp<T: FixedWidthInteger>(
        _ value: T,
        to alignment: T,
        _ what: @autoclosure () -> String
    ) throws(FormatError) -> T {
        let mask = alignment - 1
        return try sum(value, mask, what()) & ~mask
    }
}
