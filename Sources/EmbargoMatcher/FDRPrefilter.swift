/// A bucketed shift-or prefilter in the style of Hyperscan's FDR, for anchor sets of any size.
///
/// Anchors are spread over 8 buckets, each holding anchors of one length. The input is read as
/// "super-characters": a byte plus a few low bits of the byte after it, which indexes a table of
/// 64-bit words. Byte `j` of a word says, for each bucket, whether that super-character may stand
/// `j` places before the end of one of the bucket's anchors (a zero bit means it may). ORing each
/// position's word, shifted to the end position it speaks about, leaves a zero bit exactly where a
/// bucket's anchor may end: eight positions are resolved per step, and each candidate is confirmed in
/// the bucket's hash table of anchor keys.
///
/// The words are laid out 16 bytes apart, each followed by 8 zero bytes (and the first preceded by 8),
/// so that a word shifted by whole bytes is one unaligned load: the 8 bytes `k` before a word are the
/// word shifted up `k` lanes, and the 8 bytes `k` before its end the lanes shifted out, for the next
/// step. Zero lanes rule nothing out, so the shifts need no masking. The AVX-512 loop reads them
/// packed instead (see `packsWords`).
final class FDRPrefilter: Sendable {
    static let bucketCount = 8
    /// The shortest anchor FDR samples every second position for: an anchor of three bytes holds one
    /// or two samples, each a byte and part of the next. (Shorter anchors go to the automaton pass,
    /// see `AnchorSelection.isFloodProne`.) Taking three-byte anchors into FDR, rather than into a
    /// Teddy pass beside it as when this was four, ran 15 of 19 generated FDR sets 3 to 13 % faster
    /// and one 4 % slower.
    static let shortestAnchorForStrideTwo = 3

    let domainMask: UInt16
    /// The reach words, after one zero word: 16 bytes apart in the layout above, or packed 8 bytes
    /// apart and followed by a zero word when `packsWords`.
    let reach: FlatTable<UInt64>
    /// Whether the reach words are packed, for the AVX-512 loop (`fdrRecordedStepsAVX512`), whose masked
    /// loads need no zeros between words: the table is half the size, which leaves room in the cache
    /// for a larger domain.
    let packsWords: Bool
    /// What confirming each bucket's candidates needs, one entry per bucket.
    let buckets: FlatTable<Bucket>
    /// Per bucket, an open-addressing table of folded anchor keys and their anchors. A key and its
    /// anchor share one entry, so a candidate that is no anchor costs one memory access.
    let slots: FlatTable<Slot>
    /// Per bucket, `1 << keyFilterBits` bits, one set for the top bits of each anchor key's hash: a
    /// candidate whose bit is clear is no anchor, found without touching the slots. Candidates are
    /// hundreds of times as many as anchor occurrences on large sets, and the slots lie farther out
    /// in the cache (on a 1,000-pattern set, the first slot load was a sixth of confirming).
    let keyFilter: FlatTable<UInt64>
    /// How many bits of a key's hash pick its bit in `keyFilter`: at least 12, and enough for
    /// `keyFilterBitsPerAnchor` bits an anchor of the largest bucket.
    let keyFilterBits: Int
    /// How many positions apart the input is sampled: 1 or 2. Sampling every second position checks
    /// each anchor at half the places, which suits sets of up to a thousand anchors of 4 bytes or
    /// more. (Every fourth position, tried before, let through so many candidates on vendor-style
    /// sets of a few hundred anchors that it ran up to 1.8 times slower than every second one; see
    /// `Benchmarks/patterns/sweep.sh`.)
    let stride: Int
    /// Whether no anchor is one byte repeated, so that runs of one byte value can be skipped.
    let skipsRuns: Bool
    /// Whether no anchor repeats with period two (`abab…`), so that runs of two alternating byte values
    /// (UTF-16 text of one letter, arrays of one 16-bit value) can be skipped as well. Inside such a
    /// run every sample is alike and passes as often as one does: in shared libraries they made a
    /// third of a 1,000-pattern set's candidates.
    let skipsAlternatingRuns: Bool
    /// In every byte lane, the buckets none of whose anchors ends with a repeated byte: they cannot
    /// match where the input repeats its last byte.
    let distinctEndBuckets: UInt64

    init(anchorIndices: [Int], table: AnchorTable, instructionSet: InstructionSet) {
        // Every anchor is checked at about length / stride places: at every second position while at
        // least two checks fall inside each anchor, else at every position. Sampled every second
        // position, each check must be sharper: 12 bits of domain even for a few dozen anchors, and
        // from 200 anchors 13 bits (at 12 bits, candidates doubled the scan time on shared
        // libraries; 13 bits still fit the L2 cache). The AVX-512 loop's packed words take half the
        // cache, so it takes 13 bits from any count (sets of 100 to 200 patterns ran up to 6 % faster)
        // and 16 rather than 15 for the largest sets (a 10,000-pattern set 6 % faster).
        let shortest = anchorIndices.map { table.foldedBytes[$0].count }.min() ?? 1
        let stride = anchorIndices.count < 1_000 && shortest >= Self.shortestAnchorForStrideTwo ? 2 : 1
        let packsWords = instructionSet >= .avx512
        let domainBits: Int
        switch anchorIndices.count {
        case ..<200 where stride == 2 && !packsWords: domainBits = 12
        case _ where stride == 2: domainBits = 13
        case ..<100: domainBits = 10
        case ..<1_000: domainBits = 12
        case ..<2_000: domainBits = 13
        case ..<4_000: domainBits = 14
        case _ where !packsWords: domainBits = 15
        default: domainBits = 16
        }
        let nextMask = UInt8((1 << (domainBits - 8)) - 1)
        let buckets = Self.assignBuckets(anchorIndices, table: table)

        var reach = [UInt64](repeating: ~0, count: 1 << domainBits)
        var bucketEntries = [Bucket](
            repeating: Bucket(keyMask: 0, length: 0, slotStart: 0, slotShift: 63),
            count: Self.bucketCount
        )
        var slots: [Slot] = []
        let largestBucket = buckets.map(\.count).max() ?? 0
        var keyFilterBits = Self.smallestKeyFilterBits
        while 1 << keyFilterBits < largestBucket * Self.keyFilterBitsPerAnchor { keyFilterBits += 1 }
        let keyFilterWords = 1 << (keyFilterBits - 6)
        var keyFilter = [UInt64](repeating: 0, count: Self.bucketCount * keyFilterWords)
        for (bucket, members) in buckets.enumerated() {
            guard let first = members.first else { continue }
            let length = table.foldedBytes[first].count
            // Places further from the end than the anchors are long: anything goes.
            for distance in length..<8 {
                let bit: UInt64 = 1 << UInt64(distance * 8 + bucket)
                for index in reach.indices { reach[index] &= ~bit }
            }
            for anchor in members {
                let bytes = table.foldedBytes[anchor]
                for distance in 0..<length {
                    let place = length - 1 - distance
                    let bit: UInt64 = 1 << UInt64(distance * 8 + bucket)
                    // The last byte's successor is outside the anchor: any low bits go.
                    let nextBits: [UInt8] =
                        place == length - 1
                        ? Array(0...nextMask)
                        : Array(Set(CaseFolding.variants(bytes[place + 1]).map { $0 & nextMask }))
                    for byte in CaseFolding.variants(bytes[place]) {
                        for next in nextBits {
                            reach[Int(byte) | Int(next) << 8] &= ~bit
                        }
                    }
                }
            }
            // The bucket's confirm table: open addressing on the folded anchor key.
            var slotBits = 3
            while 1 << slotBits < members.count * 2 { slotBits += 1 }
            bucketEntries[bucket] = Bucket(
                keyMask: AnchorTable.keyMask(length: length),
                length: Int32(length),
                slotStart: Int32(slots.count),
                slotShift: UInt8(64 - slotBits)
            )
            var bucketSlots = [Slot](repeating: .empty, count: 1 << slotBits)
            for anchor in members {
                let filterBit = Self.hash(table.keys[anchor], shift: 64 - keyFilterBits)
                keyFilter[bucket * keyFilterWords + filterBit >> 6] |= 1 << UInt64(filterBit & 63)
                var slot = Self.hash(table.keys[anchor], shift: 64 - slotBits)
                while bucketSlots[slot].anchor >= 0 { slot = (slot + 1) & ((1 << slotBits) - 1) }
                bucketSlots[slot] = Slot(key: table.keys[anchor], anchor: Int32(anchor))
            }
            slots += bucketSlots
        }
        self.domainMask = UInt16((1 << domainBits) - 1)
        if packsWords {
            self.reach = FlatTable([0] + reach + [0])
        } else {
            var laidOut = [UInt64](repeating: 0, count: 1 + 2 * reach.count)
            for (index, word) in reach.enumerated() { laidOut[1 + 2 * index] = word }
            self.reach = FlatTable(laidOut)
        }
        self.packsWords = packsWords
        self.buckets = FlatTable(bucketEntries)
        self.slots = FlatTable(slots)
        self.keyFilter = FlatTable(keyFilter)
        self.keyFilterBits = keyFilterBits
        var distinctEnd: UInt64 = 0
        for (bucket, members) in buckets.enumerated() where !members.isEmpty {
            let endsRepeated = members.contains {
                table.foldedBytes[$0].count < 2 || Self.endsDoubled(table.foldedBytes[$0])
            }
            if !endsRepeated { distinctEnd |= 1 << UInt64(bucket) }
        }
        self.distinctEndBuckets = distinctEnd &* 0x0101_0101_0101_0101
        self.stride = stride
        self.skipsRuns = anchorIndices.allSatisfy { Set(table.foldedBytes[$0]).count > 1 }
        self.skipsAlternatingRuns = anchorIndices.allSatisfy { anchor in
            let bytes = table.foldedBytes[anchor]
            return bytes.indices.dropLast(2).contains { bytes[$0] != bytes[$0 + 2] }
        }
    }

    /// Nanoseconds per input byte, reading included, of a scan on one core of the build machine over
    /// shared libraries: 0.33 to 0.40 sampling every second position on generated vendor sets of 10 to
    /// 100 patterns, about 0.6 sampling every position. What the guard weighs Teddy's cost against.
    var estimatedCost: Double { stride == 2 ? 0.40 : 0.65 }

    /// How many bits of input index the reach table.
    var domainBits: Int { (Int(domainMask) + 1).trailingZeroBitCount }

    /// The domain mask times the spacing of the reach words (16 bytes, or 8 when packed): ANDed with a
    /// sample shifted up by `reachOffsetShift` bits, it gives the sample's byte offset in `reachEntries`.
    var reachOffsetMask: UInt64 { UInt64(domainMask) << UInt64(reachOffsetShift) }

    /// The base-2 logarithm of the spacing of the reach words.
    var reachOffsetShift: Int { packsWords ? 3 : 4 }

    /// The first reach word, where the byte offset of super-character `i`'s word is `i` times the
    /// spacing.
    var reachEntries: UnsafeRawPointer { unsafe UnsafeRawPointer(reach.base + 1) }

    var byteCount: Int {
        reach.byteCount + buckets.byteCount + slots.byteCount + keyFilter.byteCount
    }

    /// 0xFF in each byte lane where `difference` (a word XOR the same word one byte earlier) is zero,
    /// that is, where the input repeats the byte before.
    @inline(__always)
    static func repeatedByteLanes(_ difference: UInt64) -> UInt64 {
        let low = difference & 0x7F7F_7F7F_7F7F_7F7F
        let zero = ~((low &+ 0x7F7F_7F7F_7F7F_7F7F) | difference | 0x7F7F_7F7F_7F7F_7F7F)
        return (zero >> 7) &* 0xFF
    }

    @inline(__always)
    static func hash(_ key: UInt64, shift: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// The least size of a bucket's part of `keyFilter`, 4,096 bits (512 bytes): with a thousand
    /// anchors over eight buckets, about 3 % of the candidates that are no anchor pass.
    static let smallestKeyFilterBits = 12

    /// The bits of `keyFilter` a bucket gets for each anchor of the largest bucket, past the least
    /// size. A 10,000-pattern set has about a thousand anchors a bucket, which set a fifth of 4,096
    /// bits (so about a fifth of the candidates that are no anchor pass); at 32 bits an anchor, 3 %
    /// do, and the set ran 4 % faster.
    static let keyFilterBitsPerAnchor = 32

    /// A bucket's anchor length, the mask of its keys, and where its slots lie and how they are hashed.
    struct Bucket: BitwiseCopyable {
        let keyMask: UInt64
        let length: Int32
        let slotStart: Int32
        let slotShift: UInt8
    }

    /// An entry of a bucket's confirm table: a folded anchor key and its anchor, or `empty`.
    struct Slot: BitwiseCopyable {
        let key: UInt64
        let anchor: Int32

        static let empty = Slot(key: 0, anchor: -1)
    }
}
