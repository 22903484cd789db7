/// Teddy's confirmation: per bucket, the folded keys of its anchors, compared with the input where a
/// candidate names that bucket.
///
/// A candidate says which buckets may start there. For each, a bitmap of the bucket's first two
/// bytes (hashed to 12 bits, 512 bytes a bucket) turns away nearly every candidate that is no anchor
/// with one load; what passes is compared with the bucket's anchors, one masked compare each.
/// Walking a trie of all anchors from the candidate, as before, took a dependent load per byte and
/// ignored the buckets; on a 100-pattern set with many candidates that walk was a third of the scan.
struct TeddyConfirmation: Sendable {
    /// One anchor of a bucket: its folded key, the mask of its length, its index and its length.
    struct Entry: BitwiseCopyable {
        let key: UInt64
        let mask: UInt64
        let anchor: Int32
        let length: Int32
    }

    /// Bucket `b`'s entries are `entries[starts[b]..<starts[b + 1]]`.
    let starts: FlatTable<Int32>
    let entries: FlatTable<Entry>
    /// Per bucket, `pairBitmapWords` words: bit `pairHash(p)` is set when an anchor of the bucket may
    /// begin with the folded byte pair `p`.
    let pairBitmaps: FlatTable<UInt64>
    static let pairBitmapWords = 64

    /// The confirmation of `buckets`, each a list of anchor indices into `table`.
    init(buckets: [[Int]], table: AnchorTable) {
        var starts: [Int32] = [0]
        var entries: [Entry] = []
        var bitmaps = [UInt64](repeating: 0, count: buckets.count * Self.pairBitmapWords)
        for (bucket, members) in buckets.enumerated() {
            for anchor in members {
                let bytes = table.foldedBytes[anchor]
                // An anchor of one byte may be followed by anything.
                let seconds = bytes.count > 1 ? [bytes[1]] : (0...255).map { UInt8($0) }
                for second in seconds {
                    let hash = Self.pairHash(UInt16(bytes[0]) | UInt16(second) << 8)
                    bitmaps[bucket * Self.pairBitmapWords + hash >> 6] |= 1 << UInt64(hash & 63)
                }
                let length = bytes.count
                entries.append(
                    Entry(
                        key: table.keys[anchor],
                        mask: AnchorTable.keyMask(length: length),
                        anchor: Int32(anchor),
                        length: Int32(length)
                    )
                )
            }
            starts.append(Int32(entries.count))
        }
        self.starts = FlatTable(starts)
        self.entries = FlatTable(entries)
        self.pairBitmaps = FlatTable(bitmaps)
    }

    var byteCount: Int { starts.byteCount + entries.byteCount + pairBitmaps.byteCount }

    /// A folded byte pair (first byte lowest) hashed to 12 bits.
    @inline(__always)
    static func pairHash(_ pair: UInt16) -> Int {
        Int(truncatingIfNeeded: (UInt32(pair) &* 0x9E37) >> 4 & 0xFFF)
    }

    /// Confirms every anchor of the buckets set in `buckets` that begins at `position`.
    @inline(__always)
    func confirm<Sink: MatchSink>(
        buckets: UInt16,
        at position: Int,
        _ block: ScanBlock,
        verifier: Verifier,
        into sink: inout Sink
    ) {
        let word = unsafe block.foldedWord(at: position)
        let available = unsafe block.count - position
        let hash = Self.pairHash(UInt16(truncatingIfNeeded: word))
        var remaining = buckets
        while remaining != 0 {
            let bucket = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            guard pairBitmaps[bucket &* Self.pairBitmapWords &+ hash >> 6] >> UInt64(hash & 63) & 1 != 0 else {
                continue
            }
            for index in Int(starts[bucket])..<Int(starts[bucket + 1]) {
                let entry = entries[index]
                if word & entry.mask == entry.key, Int(entry.length) <= available {
                    unsafe verifier.confirm(anchor: Int(entry.anchor), at: position, in: block, into: &sink)
                }
            }
        }
    }
}
