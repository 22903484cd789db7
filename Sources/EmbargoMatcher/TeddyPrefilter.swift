#if arch(x86_64)
internal import EmbargoMatcherAVX2
internal import EmbargoMatcherSSSE3
#endif

/// Teddy: a SIMD prefilter for small anchor sets (up to 64).
///
/// Anchors are spread over 8 buckets ("slim") or 16 ("fat"). For each of the first `maskCount`
/// anchor positions, two 16-entry tables map the low and the high nibble of an input byte to the
/// buckets whose anchors allow that nibble there; one `pshufb` per table looks up 16 or 32 bytes at
/// once, and ANDing the results over the positions leaves, for every input position, the buckets
/// whose anchors may start there. Candidates are confirmed against the anchors of the buckets they
/// name (see `TeddyConfirmation`).
final class TeddyPrefilter: Sendable {
    /// The most anchors Teddy takes; larger sets go to FDR.
    static let maximumAnchors = 64

    let maskCount: Int
    let isFat: Bool
    /// Per mask: 32 bytes of low-nibble table, then 32 of high-nibble table. Slim tables repeat their
    /// 16 bytes in both halves; fat tables hold buckets 0–7 in the first half and 8–15 in the second.
    let vectorTables: FlatTable<UInt8>
    /// Per mask and nibble: the bucket bits, for the scalar path and the tail of a buffer.
    let scalarLow: FlatTable<UInt16>
    let scalarHigh: FlatTable<UInt16>
    let confirmation: TeddyConfirmation
    /// The estimated candidates per input byte of the layout (see `TeddyLayout`).
    let estimatedCandidateRate: Double

    /// Teddy over `anchorIndices` with `layout` (from `TeddyLayout.best` over their folded bytes).
    init?(anchorIndices: [Int], table: AnchorTable, layout: TeddyLayout) {
        guard !anchorIndices.isEmpty, anchorIndices.count <= Self.maximumAnchors else { return nil }
        let maskCount = layout.maskCount
        let isFat = layout.isFat
        var low = [UInt16](repeating: 0, count: maskCount * 16)
        var high = [UInt16](repeating: 0, count: maskCount * 16)
        for (bucket, members) in layout.buckets.enumerated() {
            for position in 0..<maskCount {
                for member in members {
                    for byte in CaseFolding.variants(table.foldedBytes[anchorIndices[member]][position]) {
                        low[position * 16 + Int(byte & 0xF)] |= 1 << bucket
                        high[position * 16 + Int(byte >> 4)] |= 1 << bucket
                    }
                }
            }
        }
        var vector = [UInt8](repeating: 0, count: maskCount * 64)
        for position in 0..<maskCount {
            for nibble in 0..<16 {
                let lowBits = low[position * 16 + nibble]
                let highBits = high[position * 16 + nibble]
                vector[position * 64 + nibble] = UInt8(truncatingIfNeeded: lowBits)
                vector[position * 64 + 32 + nibble] = UInt8(truncatingIfNeeded: highBits)
                vector[position * 64 + 16 + nibble] = UInt8(truncatingIfNeeded: isFat ? lowBits >> 8 : lowBits)
                vector[position * 64 + 48 + nibble] = UInt8(truncatingIfNeeded: isFat ? highBits >> 8 : highBits)
            }
        }
        self.maskCount = maskCount
        self.isFat = isFat
        self.vectorTables = FlatTable(vector)
        self.scalarLow = FlatTable(low)
        self.scalarHigh = FlatTable(high)
        self.confirmation = TeddyConfirmation(
            buckets: layout.buckets.map { members in members.map { anchorIndices[$0] } },
            table: table
        )
        estimatedCandidateRate = layout.candidateRate
    }

    var byteCount: Int { vectorTables.byteCount + scalarLow.byteCount + scalarHigh.byteCount + confirmation.byteCount }

    /// Finds and confirms every anchor occurrence in the block; returns how many vector steps had
    /// candidates (about the candidates per byte times the bytes, when candidates are rare).
    @discardableResult
    func scan<Sink: MatchSink>(
        _ block: ScanBlock,
        instructionSet: InstructionSet,
        records: UnsafeMutableRawPointer,
        recordCapacity: Int,
        verifier: Verifier,
        into sink: inout Sink
    ) -> Int {
        let lastStart = unsafe block.count - maskCount
        guard lastStart >= 0 else { return 0 }
        var position = 0
        var steps = 0
        #if arch(x86_64)
        if instructionSet >= .ssse3 {
            let width = instructionSet >= .avx2 && !isFat ? 32 : 16
            let vectorLimit = unsafe block.count - (maskCount - 1) - (instructionSet >= .avx2 && isFat ? 16 : width)
            while position <= vectorLimit {
                let run: (resume: Int, written: Int)
                if instructionSet >= .avx2 {
                    run = unsafe teddyScanAVX2(
                        bytes: block.bytes,
                        from: position,
                        limit: vectorLimit,
                        tables: vectorTables.base,
                        maskCount: maskCount,
                        isFat: isFat,
                        records: records,
                        capacity: recordCapacity
                    )
                } else {
                    run = unsafe teddyScanSSSE3(
                        bytes: block.bytes,
                        from: position,
                        limit: vectorLimit,
                        tables: vectorTables.base,
                        maskCount: maskCount,
                        isFat: isFat,
                        records: records,
                        capacity: recordCapacity
                    )
                }
                for record in 0..<run.written {
                    unsafe confirmRecord(records + record * teddyRecordSize, block, verifier, &sink)
                }
                steps += run.written
                position = run.resume
            }
        }
        #endif
        while position <= lastStart {
            let buckets = unsafe candidateBuckets(at: position, block)
            if buckets != 0 {
                unsafe confirmation.confirm(buckets: buckets, at: position, block, verifier: verifier, into: &sink)
            }
            position += 1
        }
        return steps
    }

    /// The buckets whose anchors may start at `position`, computed without vector instructions.
    @inline(__always)
    func candidateBuckets(at position: Int, _ block: ScanBlock) -> UInt16 {
        var buckets: UInt16 = 0xFFFF
        for mask in 0..<maskCount {
            let byte = Int(unsafe block.bytes[position + mask])
            buckets &= scalarLow[mask << 4 | byte & 0xF] & scalarHigh[mask << 4 | byte >> 4]
        }
        return buckets
    }

    /// Confirms each position a kernel record marks.
    ///
    /// A record is the block's start position followed by 32 result bytes: one per position for
    /// slim tables, or positions 0–15 twice (buckets 0–7, then 8–15) for fat ones.
    @inline(__always)
    private func confirmRecord<Sink: MatchSink>(
        _ record: UnsafeMutableRawPointer,
        _ block: ScanBlock,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) {
        let start = unsafe record.load(as: Int.self)
        let word0 = unsafe record.load(fromByteOffset: 8, as: UInt64.self)
        let word1 = unsafe record.load(fromByteOffset: 16, as: UInt64.self)
        let word2 = unsafe record.load(fromByteOffset: 24, as: UInt64.self)
        let word3 = unsafe record.load(fromByteOffset: 32, as: UInt64.self)
        if isFat {
            unsafe confirmPositions(word0, high: word2, from: start, block, verifier, &sink)
            unsafe confirmPositions(word1, high: word3, from: start + 8, block, verifier, &sink)
        } else {
            unsafe confirmPositions(word0, high: 0, from: start, block, verifier, &sink)
            unsafe confirmPositions(word1, high: 0, from: start + 8, block, verifier, &sink)
            unsafe confirmPositions(word2, high: 0, from: start + 16, block, verifier, &sink)
            unsafe confirmPositions(word3, high: 0, from: start + 24, block, verifier, &sink)
        }
    }

    /// Confirms the eight positions from `start` whose byte in `low` (buckets 0–7) or `high`
    /// (buckets 8–15) is nonzero.
    @inline(__always)
    private func confirmPositions<Sink: MatchSink>(
        _ low: UInt64,
        high: UInt64,
        from start: Int,
        _ block: ScanBlock,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) {
        var remaining = low | high
        while remaining != 0 {
            let shift = UInt64(remaining.trailingZeroBitCount & ~7)
            remaining &= ~(0xFF << shift)
            let buckets = UInt16(truncatingIfNeeded: low >> shift & 0xFF | (high >> shift & 0xFF) << 8)
            unsafe confirmation.confirm(
                buckets: buckets,
                at: start + Int(shift >> 3),
                block,
                verifier: verifier,
                into: &sink
            )
        }
    }
}

/// The size of one Teddy kernel record: an `Int` position and 32 result bytes.
let teddyRecordSize = 40
