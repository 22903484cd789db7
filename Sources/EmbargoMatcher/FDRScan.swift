internal import CEmbargoSystem

#if arch(x86_64)
internal import EmbargoMatcherAVX512
#endif

/// The scan of an `FDRPrefilter`: the shift-or steps over the input, runs of one byte skipped, and the
/// confirmation of candidates in the buckets' hash tables.
extension FDRPrefilter {
    /// Finds and confirms every anchor occurrence in the block. With packed reach words (built for
    /// AVX-512), the steps run in `fdrRecordedStepsAVX512`, which writes the steps with candidates to
    /// the scratch's records and goes on.
    func scan<Sink: MatchSink>(_ block: ScanBlock, scratch: ScanScratch, verifier: Verifier, into sink: inout Sink) {
        if stride == 2 {
            unsafe scan(block, stride: 2, scratch: scratch, verifier: verifier, into: &sink)
        } else {
            unsafe scan(block, stride: 1, scratch: scratch, verifier: verifier, into: &sink)
        }
    }

    @inline(__always)
    private func scan<Sink: MatchSink>(
        _ block: ScanBlock,
        stride: Int,
        scratch: ScanScratch,
        verifier: Verifier,
        into sink: inout Sink
    ) {
        let count = unsafe block.count
        let reach = unsafe reachEntries
        let mask = reachOffsetMask
        let raw = unsafe UnsafeRawPointer(unsafe block.bytes)
        var carry: UInt64 = 0
        var base = 0
        if count >= 16 {
            let candidates = unsafe layoutStep(raw, base: 0, stride: stride, carry: &carry)
            if candidates != 0 { unsafe confirmCandidates(candidates, base: 0, block, verifier, &sink) }
            base = 8
            if packsWords {
                #if arch(x86_64)
                base = unsafe recordedSteps(
                    block,
                    from: base,
                    stride: stride,
                    carry: &carry,
                    scratch: scratch,
                    verifier,
                    &sink
                )
                #endif
            } else {
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
                let candidates = unsafe layoutStep(UnsafeRawPointer(copy), base: 0, stride: stride, carry: &carry)
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
        reach: UnsafeRawPointer,
        mask: UInt64,
        carry: inout UInt64
    ) -> (base: Int, candidates: UInt64) {
        guard stride == 2 else {
            return unsafe steps(
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
        #if arch(x86_64)
        let paired = unsafe pairedVectorSteps(raw, from: start, limit: limit, reach: reach, mask: mask, carry: &carry)
        if paired.candidates != 0 { return paired }
        return unsafe steps(
            raw,
            from: paired.base,
            limit: limit,
            stride: 2,
            paired: false,
            reach: reach,
            mask: mask,
            carry: &carry
        )
        #else
        return unsafe steps(
            raw,
            from: start,
            limit: limit,
            stride: 2,
            paired: true,
            reach: reach,
            mask: mask,
            carry: &carry
        )
        #endif
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
        reach: UnsafeRawPointer,
        mask: UInt64,
        carry: inout UInt64
    ) -> (base: Int, candidates: UInt64) {
        /// A step over the zero-padded layout, which these loops read.
        @inline(__always) func paddedStep(_ base: Int, _ carry: inout UInt64) -> UInt64 {
            unsafe step(raw, base: base, stride: stride, packed: false, reach: reach, mask: mask, carry: &carry)
        }
        var base = start
        var state = carry
        defer { carry = state }
        while paired, base &+ 8 <= limit {
            unsafe CEmbargoSystem_prefetch_ahead(raw + base)
            var afterFirst = state
            let first = paddedStep(base, &afterFirst)
            var afterSecond = afterFirst
            let second = paddedStep(base &+ 8, &afterSecond)
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
            unsafe CEmbargoSystem_prefetch_ahead(raw + base)
            let candidates = paddedStep(base, &state)
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
        let remaining = unsafe withoutRepeatedEnds(candidates, base: base, raw)
        guard remaining != 0 else { return (base &+ 8, nil) }
        if skipsRuns, let runEnd = unsafe runEnd(raw, base: base, count: block.count) {
            // Inside a run of one byte value, or of two alternating ones, no anchor can end (see
            // `skipsRuns` and `skipsAlternatingRuns`): skip to the first step that is not all run. The
            // carry into that step comes from the run's last eight positions alone (a sample speaks
            // of at most seven places on), so one step over them with nothing carried in gives it.
            var carry: UInt64 = 0
            _ = unsafe layoutStep(raw, base: runEnd &- 8, stride: stride, carry: &carry)
            return (runEnd, carry)
        }
        unsafe confirmCandidates(remaining, base: base, block, verifier, &sink)
        return (base &+ 8, nil)
    }

    /// One step of eight end positions from `base`: looks up the reach words of the sampled positions
    /// (every `stride`-th), combines them with the carry from the step before and returns the
    /// candidate bits (bucket `b` may end at lane `k` when bit `8k + b` is set).
    ///
    /// Each position's word speaks of the end positions up to seven places on, so its bytes go to the
    /// lanes they speak of and what falls past this step is carried into the next. In the zero-padded
    /// layout both are single loads (see `FDRPrefilter`); `packed` words are loaded and shifted. `mask`
    /// is `reachOffsetMask` of the layout.
    @inline(__always)
    private static func step(
        _ raw: UnsafeRawPointer,
        base: Int,
        stride: Int,
        packed: Bool,
        reach: UnsafeRawPointer,
        mask: UInt64,
        carry: inout UInt64
    ) -> UInt64 {
        /// The word at byte offset `offset`, shifted up `lanes` lanes.
        @inline(__always) func shifted(_ offset: Int, by lanes: Int) -> UInt64 {
            guard packed else { return unsafe reach.loadUnaligned(fromByteOffset: offset &- lanes, as: UInt64.self) }
            return unsafe reach.loadUnaligned(fromByteOffset: offset, as: UInt64.self) << UInt64(lanes &* 8)
        }
        /// The lanes that shift pushes out of the word (1 to 7 lanes), in the low lanes, for the next step.
        @inline(__always) func shiftedOut(_ offset: Int, by lanes: Int) -> UInt64 {
            guard packed else {
                return unsafe reach.loadUnaligned(fromByteOffset: offset &+ 8 &- lanes, as: UInt64.self)
            }
            return unsafe reach.loadUnaligned(fromByteOffset: offset, as: UInt64.self) >> UInt64(64 &- lanes &* 8)
        }
        let spacing: UInt64 = packed ? 3 : 4
        let state: UInt64
        if stride == 2 {
            // The sampled pairs lie side by side in one 64-bit load (bytes 0-1, 2-3, 4-5, 6-7).
            let pairs = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
            let offset0 = Int(truncatingIfNeeded: (pairs << spacing) & mask)
            let offset2 = Int(truncatingIfNeeded: (pairs >> (16 &- spacing)) & mask)
            let offset4 = Int(truncatingIfNeeded: (pairs >> (32 &- spacing)) & mask)
            let offset6 = Int(truncatingIfNeeded: (pairs >> (48 &- spacing)) & mask)
            state =
                carry | shifted(offset0, by: 0) | shifted(offset2, by: 2) | shifted(offset4, by: 4)
                | shifted(offset6, by: 6)
            carry = shiftedOut(offset2, by: 2) | shiftedOut(offset4, by: 4) | shiftedOut(offset6, by: 6)
        } else {
            @inline(__always) func offset(_ position: Int) -> Int {
                Int(
                    truncatingIfNeeded: UInt64(unsafe raw.loadUnaligned(fromByteOffset: position, as: UInt16.self))
                        << spacing & mask
                )
            }
            let offset0 = offset(base)
            let offset1 = offset(base &+ 1)
            let offset2 = offset(base &+ 2)
            let offset3 = offset(base &+ 3)
            let offset4 = offset(base &+ 4)
            let offset5 = offset(base &+ 5)
            let offset6 = offset(base &+ 6)
            let offset7 = offset(base &+ 7)
            state =
                carry | shifted(offset0, by: 0) | shifted(offset1, by: 1) | shifted(offset2, by: 2)
                | shifted(offset3, by: 3) | shifted(offset4, by: 4) | shifted(offset5, by: 5)
                | shifted(offset6, by: 6) | shifted(offset7, by: 7)
            carry =
                shiftedOut(offset1, by: 1) | shiftedOut(offset2, by: 2) | shiftedOut(offset3, by: 3)
                | shiftedOut(offset4, by: 4) | shiftedOut(offset5, by: 5) | shiftedOut(offset6, by: 6)
                | shiftedOut(offset7, by: 7)
        }
        return ~state
    }

    /// `step` over this prefilter's own reach layout, for the steps off the hot loops: a block's first,
    /// its last bytes, and the one after a skipped run.
    @inline(__always)
    private func layoutStep(_ raw: UnsafeRawPointer, base: Int, stride: Int, carry: inout UInt64) -> UInt64 {
        unsafe Self.step(
            raw,
            base: base,
            stride: stride,
            packed: packsWords,
            reach: reachEntries,
            mask: reachOffsetMask,
            carry: &carry
        )
    }

    /// If the 16 bytes up to the end of the step at `base` are a run that no anchor can end in (one
    /// byte value, or two alternating ones when `skipsAlternatingRuns`), the start of the first later
    /// step that is not all run; otherwise nil. The byte at the returned start is in the block, as a
    /// step over the run's last eight positions reads it.
    @inline(__always)
    private func runEnd(_ raw: UnsafeRawPointer, base: Int, count: Int) -> Int? {
        guard unsafe isInsideRun(raw, base: base) else { return nil }
        let current = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
        var next = base &+ 8
        while next &+ 9 <= count, unsafe raw.loadUnaligned(fromByteOffset: next, as: UInt64.self) == current {
            next &+= 8
        }
        return next
    }

    /// Whether the 16 bytes up to the end of the step at `base` are a run no anchor can end in: one
    /// byte value, or two alternating ones when `skipsAlternatingRuns`. An anchor ending in the step
    /// (at most 8 bytes long) would lie inside the run.
    @inline(__always)
    private func isInsideRun(_ raw: UnsafeRawPointer, base: Int) -> Bool {
        let current = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
        guard unsafe raw.loadUnaligned(fromByteOffset: base &- 8, as: UInt64.self) == current else { return false }
        let isUniform = current == (current & 0xFF) &* 0x0101_0101_0101_0101
        let isAlternating = current == (current & 0xFFFF) &* 0x0001_0001_0001_0001
        return isUniform || (isAlternating && skipsAlternatingRuns)
    }

    /// `candidates` of the step at `base` less those where the input repeats its last byte, for the
    /// buckets whose anchors never do.
    @inline(__always)
    private func withoutRepeatedEnds(_ candidates: UInt64, base: Int, _ raw: UnsafeRawPointer) -> UInt64 {
        let current = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
        let before = unsafe raw.loadUnaligned(fromByteOffset: base &- 1, as: UInt64.self)
        return candidates & ~(Self.repeatedByteLanes(current ^ before) & distinctEndBuckets)
    }

    #if arch(x86_64)
    /// The steps from `start` (at least 8) through the AVX-512 loop, which writes each step with
    /// candidates to the scratch's records and goes on, so that a candidate costs no exit from the
    /// loop and no entry back. Runs are not skipped there: their steps' candidates are dropped here (the
    /// carry stays exact, as every step was taken). Returns where the pairs of steps stopped fitting.
    @inline(never)
    private func recordedSteps<Sink: MatchSink>(
        _ block: ScanBlock,
        from start: Int,
        stride: Int,
        carry: inout UInt64,
        scratch: ScanScratch,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) -> Int {
        let raw = unsafe UnsafeRawPointer(unsafe block.bytes)
        let records = unsafe scratch.records
        let limit = unsafe block.count &- 9
        var base = start
        while base &+ 8 <= limit {
            let run = unsafe fdrRecordedStepsAVX512(
                bytes: raw,
                from: base,
                limit: limit,
                stride: stride,
                reach: reachEntries,
                domainMask: UInt64(domainMask),
                carry: &carry,
                records: records,
                capacity: ScanScratch.recordCapacity
            )
            for index in 0..<run.written {
                let stepBase = unsafe records.load(fromByteOffset: index &* 16, as: Int.self)
                let candidates = unsafe records.load(fromByteOffset: index &* 16 &+ 8, as: UInt64.self)
                let remaining = unsafe withoutRepeatedEnds(candidates, base: stepBase, raw)
                if remaining != 0, unsafe !(skipsRuns && isInsideRun(raw, base: stepBase)) {
                    unsafe confirmCandidates(remaining, base: stepBase, block, verifier, &sink)
                }
            }
            base = run.resume
        }
        return base
    }
    #endif

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
            let entry = buckets[bucket]
            let start = end - Int(entry.length) + 1
            guard start >= 0 else { continue }
            let key = unsafe block.foldedWord(at: start) & entry.keyMask
            // A run of one byte value is never an anchor here (see `skipsRuns`).
            if skipsRuns, key == (key & 0xFF) &* 0x0101_0101_0101_0101 & entry.keyMask {
                continue
            }
            let filterBit = Self.hash(key, shift: 64 &- keyFilterBits)
            let filterWord = bucket &<< (keyFilterBits &- 6) &+ filterBit &>> 6
            guard keyFilter[filterWord] & (1 << UInt64(filterBit & 63)) != 0 else {
                continue
            }
            let shift = Int(entry.slotShift)
            let first = Int(entry.slotStart)
            let slotMask = (1 << (64 - shift)) - 1
            var slot = Self.hash(key, shift: shift)
            while true {
                let candidate = slots[first + slot]
                if candidate.key == key {
                    if candidate.anchor >= 0 {
                        unsafe verifier.confirm(anchor: Int(candidate.anchor), at: start, in: block, into: &sink)
                    }
                    break
                }
                if candidate.anchor < 0 { break }
                slot = (slot + 1) & slotMask
            }
        }
    }
}
