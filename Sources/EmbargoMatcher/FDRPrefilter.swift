/// A bucketed shift-or prefilter in the style of Hyperscan's FDR, for anchor sets of any size.
///
/// Anchors are spread over 8 buckets, each holding anchors of one length. The input is read as
/// "super-characters": a byte plus a few low bits of the byte after it, which indexes a table of
/// 64-bit words. Byte `j` of a word says, for each bucket, whether that super-character may stand
/// `j` places before the end of one of the bucket's anchors (a zero bit means it may). ORing each
/// position's word, shifted to the end position it speaks about, leaves a zero bit exactly where a
/// bucket's anchor may end: eight positions are resolved per step with plain 64-bit shifts, and each
/// candidate is confirmed in the bucket's hash table of anchor keys.
struct FDRPrefilter: Sendable {
    static let bucketCount = 8

    let domainMask: UInt16
    let reach: FlatTable<UInt64>
    let bucketLengths: FlatTable<Int32>
    let bucketKeyMasks: FlatTable<UInt64>
    let bucketSlotStarts: FlatTable<Int32>
    let bucketSlotShifts: FlatTable<UInt8>
    /// Per bucket, an open-addressing table of (folded anchor key, anchor index); index -1 is empty.
    let slotKeys: FlatTable<UInt64>
    let slotAnchors: FlatTable<Int32>
    /// How many positions apart the input is sampled: 1, 2 or 4. Sampling every second position
    /// checks each anchor at half the places, which suits sets of up to a thousand anchors of 4 bytes
    /// or more; every fourth position (two lookups per eight bytes) pays off for a few hundred
    /// anchors of 5 bytes or more, with a 15-bit domain to keep each check sharp.
    let stride: Int
    /// Whether no anchor is one byte repeated, so that runs of one byte value can be skipped.
    let skipsRuns: Bool
    /// In every byte lane, the buckets none of whose anchors ends with a repeated byte: they cannot
    /// match where the input repeats its last byte.
    let distinctEndBuckets: UInt64

    init(anchorIndices: [Int], table: AnchorTable) {
        // Every anchor is checked at about length / stride places. Few anchors of five bytes or more
        // are checked at every fourth position (two lookups per eight bytes) against a wide domain,
        // whose super-characters are nearly whole byte pairs; otherwise at every second position
        // while at least two checks fall inside each anchor, or at every position.
        let shortest = anchorIndices.map { table.foldedBytes[$0].count }.min() ?? 1
        let stride =
            anchorIndices.count < 500 && shortest >= 5 ? 4 : anchorIndices.count < 1_000 && shortest >= 4 ? 2 : 1
        let domainBits: Int
        switch anchorIndices.count {
        case _ where stride == 4: domainBits = 15
        case ..<100: domainBits = 10
        case ..<500: domainBits = 12
        case ..<1_000: domainBits = 12
        case ..<2_000: domainBits = 13
        case ..<4_000: domainBits = 14
        default: domainBits = 15
        }
        let nextMask = UInt8((1 << (domainBits - 8)) - 1)
        let buckets = Self.assignBuckets(anchorIndices, table: table)

        var reach = [UInt64](repeating: ~0, count: 1 << domainBits)
        var bucketLengths = [Int32](repeating: 0, count: Self.bucketCount)
        var bucketKeyMasks = [UInt64](repeating: 0, count: Self.bucketCount)
        var bucketSlotStarts = [Int32](repeating: 0, count: Self.bucketCount)
        var bucketSlotShifts = [UInt8](repeating: 63, count: Self.bucketCount)
        var slotKeys: [UInt64] = []
        var slotAnchors: [Int32] = []
        for (bucket, members) in buckets.enumerated() {
            guard let first = members.first else { continue }
            let length = table.foldedBytes[first].count
            bucketLengths[bucket] = Int32(length)
            bucketKeyMasks[bucket] = AnchorTable.keyMask(length: length)
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
            bucketSlotStarts[bucket] = Int32(slotAnchors.count)
            bucketSlotShifts[bucket] = UInt8(64 - slotBits)
            var bucketSlots = [Int32](repeating: -1, count: 1 << slotBits)
            for anchor in members {
                var slot = Self.hash(table.keys[anchor], shift: 64 - slotBits)
                while bucketSlots[slot] >= 0 { slot = (slot + 1) & ((1 << slotBits) - 1) }
                bucketSlots[slot] = Int32(anchor)
            }
            slotAnchors += bucketSlots
            slotKeys += bucketSlots.map { $0 >= 0 ? table.keys[Int($0)] : 0 }
        }
        self.domainMask = UInt16((1 << domainBits) - 1)
        self.reach = FlatTable(reach)
        self.bucketLengths = FlatTable(bucketLengths)
        self.bucketKeyMasks = FlatTable(bucketKeyMasks)
        self.bucketSlotStarts = FlatTable(bucketSlotStarts)
        self.bucketSlotShifts = FlatTable(bucketSlotShifts)
        self.slotKeys = FlatTable(slotKeys)
        self.slotAnchors = FlatTable(slotAnchors)
        var distinctEnd: UInt64 = 0
        for (bucket, members) in buckets.enumerated() where !members.isEmpty {
            let endsRepeated = members.contains {
                let bytes = table.foldedBytes[$0]
                return bytes.count < 2 || bytes[bytes.count - 1] == bytes[bytes.count - 2]
            }
            if !endsRepeated { distinctEnd |= 1 << UInt64(bucket) }
        }
        self.distinctEndBuckets = distinctEnd &* 0x0101_0101_0101_0101
        self.stride = stride
        self.skipsRuns = anchorIndices.allSatisfy { Set(table.foldedBytes[$0]).count > 1 }
    }

    var byteCount: Int {
        reach.byteCount + bucketLengths.byteCount + bucketKeyMasks.byteCount + bucketSlotStarts.byteCount
            + bucketSlotShifts.byteCount + slotKeys.byteCount + slotAnchors.byteCount
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

    /// Finds and confirms every anchor occurrence in the block.
    func scan<Sink: MatchSink>(_ block: ScanBlock, verifier: Verifier, into sink: inout Sink) {
        if stride == 4 {
            unsafe scan(block, stride: 4, verifier: verifier, into: &sink)
        } else if stride == 2 {
            unsafe scan(block, stride: 2, verifier: verifier, into: &sink)
        } else {
            unsafe scan(block, stride: 1, verifier: verifier, into: &sink)
        }
    }

    @inline(__always)
    private func scan<Sink: MatchSink>(_ block: ScanBlock, stride: Int, verifier: Verifier, into sink: inout Sink) {
        let count = unsafe block.count
        let reach = unsafe reach.base
        let mask = domainMask
        let raw = unsafe UnsafeRawPointer(unsafe block.bytes)
        var carry: UInt64 = 0
        var base = 0
        if count >= 16 {
            let candidates = unsafe Self.step(raw, base: 0, stride: stride, reach: reach, mask: mask, carry: &carry)
            if candidates != 0 { unsafe confirmCandidates(candidates, base: 0, block, verifier, &sink) }
            base = 8
            // A step reads one byte past its eight positions.
            while base &+ 9 <= count {
                let found = unsafe Self.nextCandidates(
                    raw,
                    from: base,
                    limit: count &- 9,
                    stride: stride,
                    reach: reach,
                    mask: mask,
                    carry: &carry
                )
                base = found.base
                guard found.candidates != 0 else { break }
                let next = unsafe screen(found.candidates, base: base, stride: stride, block, verifier, &sink)
                if let runCarry = next.carry { carry = runCarry }
                base = next.base
            }
        }
        // The last bytes go through a zero-padded copy. Padding stands in for the successor of the last
        // byte (which no anchor ending there looks at) and for positions past the block, which are
        // never confirmed.
        while base < count {
            var padded = (UInt64(0), UInt64(0), UInt64(0))
            let stepBase = base
            unsafe withUnsafeMutableBytes(of: &padded) { buffer in
                guard let copy = buffer.baseAddress else { return }
                unsafe copy.copyMemory(from: raw + stepBase, byteCount: min(9, count - stepBase))
                let candidates = unsafe Self.step(
                    UnsafeRawPointer(copy),
                    base: 0,
                    stride: stride,
                    reach: reach,
                    mask: mask,
                    carry: &carry
                )
                if candidates != 0 { unsafe confirmCandidates(candidates, base: stepBase, block, verifier, &sink) }
            }
            base += 8
        }
    }

    /// The hot loop: steps from `start` while a step's start is at most `limit`, until a step has
    /// candidates. Returns that step's start and its candidates, or the first start past `limit`
    /// and no candidates.
    @inline(never)
    private static func nextCandidates(
        _ raw: UnsafeRawPointer,
        from start: Int,
        limit: Int,
        stride: Int,
        reach: UnsafeMutablePointer<UInt64>,
        mask: UInt16,
        carry: inout UInt64
    ) -> (base: Int, candidates: UInt64) {
        switch stride {
        case 4:
            unsafe steps(
                raw,
                from: start,
                limit: limit,
                stride: 4,
                paired: true,
                reach: reach,
                mask: mask,
                carry: &carry
            )
        case 2:
            unsafe steps(
                raw,
                from: start,
                limit: limit,
                stride: 2,
                paired: true,
                reach: reach,
                mask: mask,
                carry: &carry
            )
        default:
            unsafe steps(
                raw,
                from: start,
                limit: limit,
                stride: 1,
                paired: false,
                reach: reach,
                mask: mask,
                carry: &carry
            )
        }
    }

    /// The loop of `nextCandidates` for one stride (a constant once inlined). When `paired`, two
    /// steps are taken an iteration with one branch for both: the second step's lookups overlap the
    /// first's, and the carry after each is kept for the return.
    @inline(__always)
    private static func steps(
        _ raw: UnsafeRawPointer,
        from start: Int,
        limit: Int,
        stride: Int,
        paired: Bool,
        reach: UnsafeMutablePointer<UInt64>,
        mask: UInt16,
        carry: inout UInt64
    ) -> (base: Int, candidates: UInt64) {
        var base = start
        var state = carry
        defer { carry = state }
        while paired, base &+ 8 <= limit {
            var afterFirst = state
            let first = unsafe step(raw, base: base, stride: stride, reach: reach, mask: mask, carry: &afterFirst)
            var afterSecond = afterFirst
            let second = unsafe step(
                raw,
                base: base &+ 8,
                stride: stride,
                reach: reach,
                mask: mask,
                carry: &afterSecond
            )
            if first | second != 0 {
                if first != 0 {
                    state = afterFirst
                    return (base, first)
                }
                state = afterSecond
                return (base &+ 8, second)
            }
            state = afterSecond
            base &+= 16
        }
        while base <= limit {
            let candidates = unsafe step(raw, base: base, stride: stride, reach: reach, mask: mask, carry: &state)
            if candidates != 0 { return (base, candidates) }
            base &+= 8
        }
        return (base, 0)
    }

    /// Takes a step's candidates off the hot loop: drops those where the input repeats its last byte
    /// (for buckets whose anchors never do) and those inside a run of one byte value, which it skips
    /// over, then confirms the rest. Returns the next step's start, and the carry into it when a run
    /// was skipped.
    @inline(never)
    private func screen<Sink: MatchSink>(
        _ candidates: UInt64,
        base: Int,
        stride: Int,
        _ block: ScanBlock,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) -> (base: Int, carry: UInt64?) {
        let raw = unsafe UnsafeRawPointer(unsafe block.bytes)
        let current = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
        let before = unsafe raw.loadUnaligned(fromByteOffset: base &- 1, as: UInt64.self)
        let remaining = candidates & ~(Self.repeatedByteLanes(current ^ before) & distinctEndBuckets)
        guard remaining != 0 else { return (base &+ 8, nil) }
        if skipsRuns, let runEnd = unsafe runEnd(raw, base: base, count: block.count) {
            // Inside a run of one byte value no anchor can end (uniform anchors are served by another
            // pass): skip to the first step that is not all run, with the state the run leaves behind.
            let word = unsafe reach.base[Int((UInt16(current & 0xFF) &* 0x0101) & domainMask)]
            return (runEnd, Self.carryAfterRun(of: word, stride: stride))
        }
        unsafe confirmCandidates(remaining, base: base, block, verifier, &sink)
        return (base &+ 8, nil)
    }

    /// One step of eight end positions from `base`: looks up the reach words of the sampled positions
    /// (every `stride`-th), combines them with the carry from the step before and returns the
    /// candidate bits (bucket `b` may end at lane `k` when bit `8k + b` is set).
    ///
    /// Each position's word speaks of the end positions up to seven places on, so its bytes are
    /// shifted into the lanes they speak of; what falls past this step is carried into the next.
    @inline(__always)
    private static func step(
        _ raw: UnsafeRawPointer,
        base: Int,
        stride: Int,
        reach: UnsafeMutablePointer<UInt64>,
        mask: UInt16,
        carry: inout UInt64
    ) -> UInt64 {
        let state: UInt64
        if stride == 4 {
            let pairs = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
            let wideMask = UInt64(mask)
            let word0 = unsafe reach[Int(truncatingIfNeeded: pairs & wideMask)]
            let word4 = unsafe reach[Int(truncatingIfNeeded: (pairs >> 32) & wideMask)]
            state = carry | word0 | word4 << 32
            carry = word4 >> 32
        } else if stride == 2 {
            // The sampled pairs lie side by side in one 64-bit load (bytes 0-1, 2-3, 4-5, 6-7).
            let pairs = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
            let wideMask = UInt64(mask)
            let word0 = unsafe reach[Int(truncatingIfNeeded: pairs & wideMask)]
            let word2 = unsafe reach[Int(truncatingIfNeeded: (pairs >> 16) & wideMask)]
            let word4 = unsafe reach[Int(truncatingIfNeeded: (pairs >> 32) & wideMask)]
            let word6 = unsafe reach[Int(truncatingIfNeeded: (pairs >> 48) & wideMask)]
            state = carry | word0 | word2 << 16 | word4 << 32 | word6 << 48
            carry = word2 >> 48 | word4 >> 32 | word6 >> 16
        } else {
            @inline(__always) func word(_ position: Int) -> UInt64 {
                unsafe reach[Int(raw.loadUnaligned(fromByteOffset: position, as: UInt16.self) & mask)]
            }
            let word0 = word(base)
            let word1 = word(base &+ 1)
            let word2 = word(base &+ 2)
            let word3 = word(base &+ 3)
            let word4 = word(base &+ 4)
            let word5 = word(base &+ 5)
            let word6 = word(base &+ 6)
            let word7 = word(base &+ 7)
            state =
                carry | word0 | word1 << 8 | word2 << 16 | word3 << 24 | word4 << 32 | word5 << 40 | word6 << 48
                | word7 << 56
            carry = word1 >> 56 | word2 >> 48 | word3 >> 40 | word4 >> 32 | word5 >> 24 | word6 >> 16 | word7 >> 8
        }
        return ~state
    }

    /// If the 16 bytes up to the end of the step at `base` are one byte value, the start of the first
    /// later step that is not all that value; otherwise nil.
    @inline(__always)
    private func runEnd(_ raw: UnsafeRawPointer, base: Int, count: Int) -> Int? {
        let current = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
        guard current == (current & 0xFF) &* 0x0101_0101_0101_0101,
            unsafe raw.loadUnaligned(fromByteOffset: base &- 8, as: UInt64.self) == current
        else { return nil }
        var next = base &+ 8
        while next &+ 8 <= count, unsafe raw.loadUnaligned(fromByteOffset: next, as: UInt64.self) == current {
            next &+= 8
        }
        return next
    }

    /// The carry out of a step whose positions and the byte before are all one value, whose reach
    /// word is `word`.
    @inline(__always)
    static func carryAfterRun(of word: UInt64, stride: Int) -> UInt64 {
        stride == 4
            ? word >> 32
            : stride == 2
                ? word >> 48 | word >> 32 | word >> 16
                : word >> 56 | word >> 48 | word >> 40 | word >> 32 | word >> 24 | word >> 16 | word >> 8
    }

    @inline(never)
    private func confirmCandidates<Sink: MatchSink>(
        _ candidates: UInt64,
        base: Int,
        _ block: ScanBlock,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) {
        var remaining = candidates
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let end = base + bit >> 3
            guard unsafe end < block.count else { continue }
            let bucket = bit & 7
            let start = end - Int(bucketLengths[bucket]) + 1
            guard start >= 0 else { continue }
            let key = unsafe block.foldedWord(at: start) & bucketKeyMasks[bucket]
            // A run of one byte value is never an anchor here (see `skipsRuns`).
            if skipsRuns, key == (key & 0xFF) &* 0x0101_0101_0101_0101 & bucketKeyMasks[bucket] {
                continue
            }
            let shift = Int(bucketSlotShifts[bucket])
            let first = Int(bucketSlotStarts[bucket])
            let slotMask = (1 << (64 - shift)) - 1
            var slot = Self.hash(key, shift: shift)
            while true {
                let anchor = Int(slotAnchors[first + slot])
                if anchor < 0 { break }
                if slotKeys[first + slot] == key {
                    unsafe verifier.confirm(anchor: anchor, at: start, in: block, into: &sink)
                    break
                }
                slot = (slot + 1) & slotMask
            }
        }
    }
}
