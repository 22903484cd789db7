/// Byte ranges of a source read one after another as one item (a logical volume in several
/// segments).
public final class JoinedRanges: ByteSource {
    private let source: any ByteSource
    private let ranges: [Range<UInt64>]
    private let starts: [UInt64]
    /// The sum of the ranges' lengths.
    public let size: UInt64

    /// `ranges` of `source`, in order.
    public init(_ source: some ByteSource, ranges: [Range<UInt64>]) {
        self.source = source
        self.ranges = ranges
        var total: UInt64 = 0
        var starts: [UInt64] = []
        for range in ranges {
            starts.append(total)
            total += UInt64(range.count)
        }
        self.starts = starts
        size = total
    }

    /// Up to `length` bytes at `offset`.
    public func bytes(at offset: UInt64, count length: Int) throws -> [UInt8] {
        guard offset < size, length > 0 else { return [] }
        var result: [UInt8] = []
        var position = offset
        let end = offset + min(UInt64(length), size - offset)
        // The last range that starts at or before the position.
        var index = (starts.lastIndex { $0 <= position }) ?? 0
        while position < end, index < ranges.count {
            let within = position - starts[index]
            let count = Int(min(UInt64(ranges[index].count) - within, end - position))
            let bytes = try source.bytes(at: ranges[index].lowerBound + within, count: count)
            result += bytes
            guard bytes.count == count else { break }
            position += UInt64(count)
            index += 1
        }
        return result
    }
}
