/// Byte ranges, of one source or several, read one after another as one item: a logical volume in
/// several segments, a VMDK disk split into extent files.
public final class JoinedRanges: ByteSource {
    private let parts: [(source: any ByteSource, range: Range<UInt64>)]
    private let starts: [UInt64]
    /// The sum of the ranges' lengths.
    public let size: UInt64

    /// `ranges` of `source`, in order.
    public convenience init(_ source: some ByteSource, ranges: [Range<UInt64>]) {
        self.init(parts: ranges.map { (source, $0) })
    }

    /// Each part's range of its source, in order.
    public init(parts: [(source: any ByteSource, range: Range<UInt64>)]) {
        self.parts = parts
        var total: UInt64 = 0
        var starts: [UInt64] = []
        for part in parts {
            starts.append(total)
            total =
                total.addingReportingOverflow(UInt64(part.range.count)).overflow
                ? .max : total + UInt64(part.range.count)
        }
        self.starts = starts
        size = total
    }

    /// Up to `length` bytes at `offset` (fewer where a part's source ends early).
    public func bytes(at offset: UInt64, count length: Int) throws -> [UInt8] {
        guard offset < size, length > 0 else { return [] }
        var result: [UInt8] = []
        var position = offset
        let end = offset + min(UInt64(length), size - offset)
        // The last part that starts at or before the position.
        var index = (starts.lastIndex { $0 <= position }) ?? 0
        while position < end, index < parts.count {
            let part = parts[index]
            let within = position - starts[index]
            let count = Int(min(UInt64(part.range.count) - within, end - position))
            let bytes = try part.source.bytes(at: part.range.lowerBound + within, count: count)
            result += bytes
            guard bytes.count == count else { break }
            position += UInt64(count)
            index += 1
        }
        return result
    }
}
