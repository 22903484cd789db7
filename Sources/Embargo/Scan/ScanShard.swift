/// One of N parts of a scan (`--shard K/N`): files, and packages of repository indexes, are assigned
/// to parts by a hash of their path, so that N scans with K = 1...N together cover everything once.
public struct ScanShard: Sendable, Hashable, CustomStringConvertible {
    /// The part, from 0.
    public let index: Int
    /// The number of parts.
    public let count: Int

    /// The whole scan, undivided.
    public static let whole = ScanShard(uncheckedIndex: 0, count: 1)

    /// Part `index` (from 0) of `count`, or nil when out of range.
    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    /// Parses `K/N` with K counted from 1.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let part = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: part - 1, count: count)
    }

    /// `K/N`, with K counted from 1.
    public var description: String { "\(index + 1)/\(count)" }

    /// Whether the item with this key (a path's bytes) belongs to this part.
    public func owns(_ key: [UInt8]) -> Bool {
        count == 1 || Int(StableHash.value(of: key) % UInt64(count)) == index
    }
}
