/// The distinct anchors of a pattern set and, for each, the patterns that contain it and where.
///
/// Anchors are case-folded: a case-sensitive pattern and a case-insensitive one with the same
/// letters share one anchor, and the verifier tells them apart.
struct AnchorTable: Sendable {
    let count: Int
    /// The folded bytes of each anchor, little-endian in a word.
    let keys: FlatTable<UInt64>
    let lengths: FlatTable<UInt8>
    /// References of anchor `a` are `referenceStarts[a] ..< referenceStarts[a + 1]`.
    let referenceStarts: FlatTable<Int32>
    let referencePatterns: FlatTable<Int32>
    /// Where the anchor begins inside the referencing pattern.
    let referenceOffsets: FlatTable<Int32>
    /// The folded bytes of each anchor, for building the prefilters.
    let foldedBytes: [[UInt8]]

    /// Chooses the anchors of `patterns`.
    ///
    /// - Throws: `MatcherError.noLiteralByte` for a pattern without a fixed byte.
    init(patterns: [Pattern]) throws(MatcherError) {
        var indexByBytes: [[UInt8]: Int] = [:]
        var foldedBytes: [[UInt8]] = []
        var references: [[(pattern: Int32, offset: Int32)]] = []
        for (index, pattern) in patterns.enumerated() {
            guard let anchor = AnchorSelection.anchors(of: pattern) else {
                throw MatcherError.pattern(index, .noLiteralByte, "has no fixed bit to anchor on")
            }
            for folded in anchor.variants {
                let anchorIndex: Int
                if let existing = indexByBytes[folded] {
                    anchorIndex = existing
                } else {
                    anchorIndex = foldedBytes.count
                    indexByBytes[folded] = anchorIndex
                    foldedBytes.append(folded)
                    references.append([])
                }
                references[anchorIndex].append((Int32(index), Int32(anchor.offset)))
            }
        }
        var keys: [UInt64] = []
        var lengths: [UInt8] = []
        var starts: [Int32] = [0]
        var referencePatterns: [Int32] = []
        var referenceOffsets: [Int32] = []
        for (anchorIndex, folded) in foldedBytes.enumerated() {
            keys.append(Self.key(folded))
            lengths.append(UInt8(folded.count))
            for reference in references[anchorIndex] {
                referencePatterns.append(reference.pattern)
                referenceOffsets.append(reference.offset)
            }
            starts.append(Int32(referencePatterns.count))
        }
        self.count = foldedBytes.count
        self.keys = FlatTable(keys)
        self.lengths = FlatTable(lengths)
        self.referenceStarts = FlatTable(starts)
        self.referencePatterns = FlatTable(referencePatterns)
        self.referenceOffsets = FlatTable(referenceOffsets)
        self.foldedBytes = foldedBytes
    }

    var byteCount: Int {
        keys.byteCount + lengths.byteCount + referenceStarts.byteCount + referencePatterns.byteCount
            + referenceOffsets.byteCount + foldedBytes.reduce(0) { $0 + $1.count }
    }

    /// Packs up to eight bytes into a word, first byte lowest.
    static func key(_ bytes: [UInt8]) -> UInt64 {
        var key: UInt64 = 0
        for (shift, byte) in bytes.enumerated() { key |= UInt64(byte) << (8 * shift) }
        return key
    }

    /// The mask that keeps the first `length` bytes of a word.
    @inline(__always)
    static func keyMask(length: Int) -> UInt64 {
        length >= 8 ? ~0 : (1 << UInt64(length * 8)) &- 1
    }
}
