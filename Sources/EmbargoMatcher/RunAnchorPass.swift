/// Finds anchors that are one byte value repeated (`00 00 00 00`, `========`), which would flood any
/// prefilter in padding and separator runs.
///
/// Every run of at least `n` equal bytes contains a position that is a multiple of `n`, so the pass
/// samples one byte in `stride` (the shortest such anchor's length), and only where a sampled byte
/// is a run byte does it measure the run and confirm the anchors it contains. Its cost falls with the
/// anchors' length and does not grow with how often they occur, except for the occurrences an
/// every-occurrence scan has to report.
final class RunAnchorPass: Sendable {
    /// For each folded byte value, the run anchors of that byte as (anchor, length), shortest first.
    let anchorsByByte: [[(anchor: Int, length: Int)]]
    /// Whether a folded byte value has run anchors.
    let isRunByte: FlatTable<Bool>
    let stride: Int
    let patternsOfAnchor: [[Int32]]

    /// Builds the pass, or returns nil when none of `anchorIndices` is a run of one byte of length 3+.
    init?(anchorIndices: [Int], table: AnchorTable) {
        var byByte = [[(anchor: Int, length: Int)]](repeating: [], count: 256)
        var shortest = Int.max
        var patterns: [[Int32]] = []
        for anchor in anchorIndices {
            let bytes = table.foldedBytes[anchor]
            guard let first = bytes.first, bytes.count >= 3, bytes.allSatisfy({ $0 == first }) else { continue }
            byByte[Int(first)].append((anchor, bytes.count))
            shortest = min(shortest, bytes.count)
        }
        guard shortest != .max else { return nil }
        for index in byByte.indices { byByte[index].sort { $0.length < $1.length } }
        for anchor in 0..<table.count {
            let references = Int(table.referenceStarts[anchor])..<Int(table.referenceStarts[anchor + 1])
            patterns.append(references.map { table.referencePatterns[$0] })
        }
        anchorsByByte = byByte
        isRunByte = FlatTable((0..<256).map { value in !byByte[Int(CaseFolding.lower(UInt8(value)))].isEmpty })
        stride = shortest
        patternsOfAnchor = patterns
    }

    /// Whether an anchor is a run of one byte that this pass would take.
    static func takes(_ folded: [UInt8]) -> Bool {
        guard let first = folded.first else { return false }
        return folded.count >= 3 && folded.allSatisfy { $0 == first }
    }

    var byteCount: Int { isRunByte.byteCount + anchorsByByte.reduce(0) { $0 + $1.count * 16 } }

    /// Finds every run of a run byte in the block and confirms the anchors it holds.
    func scan<Sink: MatchSink>(_ block: ScanBlock, verifier: Verifier, into sink: inout Sink) {
        let bytes = unsafe block.bytes
        let count = unsafe block.count
        var sample = stride - 1
        var previousRunEnd = 0
        while sample < count {
            let byte = unsafe bytes[sample]
            guard isRunByte[Int(byte)] else {
                sample += stride
                continue
            }
            let folded = CaseFolding.lower(byte)
            var start = sample
            while start > previousRunEnd, CaseFolding.lower(unsafe bytes[start - 1]) == folded { start -= 1 }
            var end = sample + 1
            while end < count, CaseFolding.lower(unsafe bytes[end]) == folded { end += 1 }
            unsafe confirmRun(of: folded, from: start, to: end, block, verifier, &sink)
            previousRunEnd = end
            sample = max(sample + stride, end + stride - 1)
        }
    }

    private func confirmRun<Sink: MatchSink>(
        of byte: UInt8,
        from start: Int,
        to end: Int,
        _ block: ScanBlock,
        _ verifier: Verifier,
        _ sink: inout Sink
    ) {
        for (anchor, length) in anchorsByByte[Int(byte)] {
            guard end - start >= length else { return }
            guard patternsOfAnchor[anchor].contains(where: { sink.wants(Int($0)) }) else { continue }
            for anchorStart in start...(end - length) {
                unsafe verifier.confirm(anchor: anchor, at: anchorStart, in: block, into: &sink)
                if !patternsOfAnchor[anchor].contains(where: { sink.wants(Int($0)) }) { break }
            }
        }
    }
}
