/// Teddy's confirmation: per bucket, the folded keys of its anchors, compared with the input where a
/// candidate names that bucket.
///
/// A candidate says which buckets may start there. For each, a bitmap of the prefixes of the bucket's
/// anchors (their first four bytes, or as many as the shortest anchor has, hashed to 12 bits: 512
/// bytes a bucket) turns away nearly every candidate that is no anchor with one load; what passes is
/// compared with the bucket's anchors, one masked compare each. (A bitmap of the first two bytes
/// only, as before, let through the candidates where Teddy's nibble masks mixed the third and fourth
/// bytes of different anchors: confirming was a quarter of a 100-pattern scan.)
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
    /// Per bucket, `prefixBitmapWords` words: bit `prefixHash(w)` is set when an anchor of the bucket
    /// may begin with the folded word `w`, read through `prefixMask`.
    let prefixBitmaps: FlatTable<UInt64>
    static let prefixBitmapWords = 64
    /// The bytes of an anchor's start that the bitmaps speak of: four, or the shortest anchor's length.
    let prefixMask: UInt64

    /// The confirmation of `buckets`, each a list of anchor indices into `table`.
    init(buckets: [[Int]], table: AnchorTable) {
        var starts: [Int32] = [0]
        var entries: [Entry] = []
        var bitmaps = [UInt64](repeating: 0, count: buckets.count * Self.prefixBitmapWords)
        let shortest = buckets.joined().map { table.foldedBytes[$0].count }.min() ?? 1
        let prefixMask = AnchorTable.keyMask(length: min(4, shortest))
        for (bucket, members) in buckets.enumerated() {
            for anchor in members {
                let bytes = table.foldedBytes[anchor]
                let hash = Self.prefixHash(table.keys[anchor] & prefixMask)
                bitmaps[bucket * Self.prefixBitmapWords + hash >> 6] |= 1 << UInt64(hash & 63)
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
        self.prefixBitmaps = FlatTable(bitmaps)
        self.prefixMask = prefixMask
    }

    var byteCount: Int { starts.byteCount + entries.byteCount + prefixBitmaps.byteCount }

    /// A folded prefix (first byte lowest) hashed to 12 bits.
    @inline(__always)
    static func prefixHash(_ prefix: UInt64) -> Int {
        Int(truncatingIfNeeded: (prefix &* 0x9E37_79B9_7F4A_7C15) >> 52)
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
        let hash = Self.prefixHash(word & prefixMask)
        var remaining = buckets
        while remaining != 0 {
            let bucket = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            guard prefixBitmaps[bucket &* Self.prefixBitmapWords &+ hash >> 6] >> UInt64(hash & 63) & 1 != 0 else {
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
