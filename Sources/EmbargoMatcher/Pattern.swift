/// One position of a pattern: an input byte `b` matches when `b & mask == value`.
///
/// A full mask is an exact byte, `0xDF` on a letter is that letter in either ASCII case,
/// `0xF0`/`0x0F` are nibble wildcards and a zero mask matches any byte.
public struct PatternByte: Sendable, Hashable {
    /// The bits the input byte must have where `mask` is set.
    public let value: UInt8
    /// The bits of the input byte that are compared.
    public let mask: UInt8

    /// Creates a pattern byte; bits of `value` outside `mask` are ignored.
    public init(value: UInt8, mask: UInt8 = 0xFF) {
        self.value = value & mask
        self.mask = mask
    }

    /// A byte that matches any input byte (`??` in hex syntax).
    public static let any = PatternByte(value: 0, mask: 0)

    /// Matches `byte` exactly, or in either ASCII case when it is a letter.
    public static func caseInsensitive(_ byte: UInt8) -> PatternByte {
        CaseFolding.isLetter(byte) ? PatternByte(value: byte, mask: 0xDF) : PatternByte(value: byte)
    }

    /// Whether `byte` matches this position.
    @inlinable
    public func matches(_ byte: UInt8) -> Bool {
        byte & mask == value
    }

    /// Whether the position can be part of a literal anchor: an exact byte, or a letter in either case.
    var isAnchorable: Bool {
        mask == 0xFF || (mask == 0xDF && CaseFolding.isLetter(value | 0x20))
    }

    /// The case-folded byte an anchor stores for this position (only meaningful when anchorable).
    var foldedValue: UInt8 {
        CaseFolding.lower(mask == 0xDF ? value | 0x20 : value)
    }
}

/// A byte pattern: a sequence of masked bytes that must occur contiguously in the input.
///
/// Patterns are built from literal bytes, ASCII text (optionally case-insensitive and/or as
/// UTF-16LE "wide" text) or hex strings with `??` wildcards.
public struct Pattern: Sendable, Hashable {
    /// The positions of the pattern, first to last.
    public let bytes: [PatternByte]

    /// Creates a pattern from masked bytes.
    public init(bytes: [PatternByte]) {
        self.bytes = bytes
    }

    /// A case-sensitive literal.
    public init(literal: some Sequence<UInt8>) {
        self.bytes = literal.map { PatternByte(value: $0) }
    }

    /// A pattern for text: its UTF-8 bytes, or with `wide` its UTF-16LE code units; ASCII letters match
    /// either case when `caseInsensitive` is set.
    public init(text: String, caseInsensitive: Bool = false, wide: Bool = false) {
        let units: [UInt8]
        if wide {
            units = text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        } else {
            units = Array(text.utf8)
        }
        self.bytes = units.map { caseInsensitive ? PatternByte.caseInsensitive($0) : PatternByte(value: $0) }
    }

    /// A pattern from hex text such as `4D 5A ?? 00 4?`: pairs of hex digits, `?` for a wildcard
    /// nibble, spaces ignored.
    ///
    /// - Throws: `PatternSyntaxError` for a character that is not a hex digit, `?` or a space, or an
    ///   odd number of digits.
    public init(hex: String) throws(PatternSyntaxError) {
        var nibbles: [(value: UInt8, mask: UInt8)] = []
        for (index, character) in hex.utf8.enumerated() {
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "?"):
                nibbles.append((0, 0))
            default:
                guard let digit = Self.hexDigit(character) else {
                    throw PatternSyntaxError(message: "not a hex digit or '?'", column: index)
                }
                nibbles.append((digit, 0xF))
            }
        }
        guard nibbles.count % 2 == 0 else {
            throw PatternSyntaxError(message: "odd number of hex digits", column: hex.utf8.count)
        }
        guard !nibbles.isEmpty else {
            throw PatternSyntaxError(message: "empty hex pattern", column: 0)
        }
        var bytes: [PatternByte] = []
        bytes.reserveCapacity(nibbles.count / 2)
        for index in stride(from: 0, to: nibbles.count, by: 2) {
            let high = nibbles[index]
            let low = nibbles[index + 1]
            bytes.append(PatternByte(value: high.value << 4 | low.value, mask: high.mask << 4 | low.mask))
        }
        self.bytes = bytes
    }

    /// The number of bytes the pattern spans.
    public var count: Int { bytes.count }

    /// Whether the pattern occurs in `input` with its first byte at `start`.
    public func matches(_ input: [UInt8], at start: Int) -> Bool {
        guard start >= 0, start + bytes.count <= input.count else { return false }
        for (index, byte) in bytes.enumerated() where !byte.matches(input[start + index]) {
            return false
        }
        return true
    }

    static func hexDigit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A pattern written in a form the matcher cannot read.
public struct PatternSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// The zero-based byte column of the problem in the pattern text.
    public let column: Int

    /// Creates the error.
    public init(message: String, column: Int) {
        self.message = message
        self.column = column
    }

    /// The message with its column.
    public var description: String { "\(message) at column \(column + 1)" }
}
