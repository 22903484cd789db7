/// Where a block scan delivers verified matches.
protocol MatchSink {
    /// Whether an occurrence of `pattern` still has to be verified and reported. A sink that keeps
    /// distinct patterns answers false once it has seen the pattern; one that keeps every occurrence,
    /// once the pattern has reached its match limit.
    func wants(_ pattern: Int) -> Bool

    /// Takes one occurrence: the pattern and the absolute offset just past its last byte.
    mutating func report(pattern: Int, end: Int)

    /// Learns that an anchor occurrence inside the block's window is about to be checked against
    /// `pattern` (a profiling sink counts it).
    mutating func willCheck(_ pattern: Int)
}

extension MatchSink {
    @inline(__always)
    mutating func willCheck(_ pattern: Int) {}
}

/// A contiguous buffer to scan and the window of matches to report from it.
///
/// Streaming scans read the tail of the previous chunks and the head of the next one as a
/// boundary block; the window keeps each match to the one block that owns it.
@unsafe
struct ScanBlock {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    /// The absolute stream offset of `bytes[0]`.
    let baseOffset: Int
    /// Matches must start before this position in the block.
    let startLimit: Int
    /// Matches must end (exclusively) after this position in the block.
    let endMinimum: Int

    /// Reads the folded anchor word at `position`; bytes past the end of the block read as zero.
    @inline(__always)
    func foldedWord(at position: Int) -> UInt64 {
        if unsafe position + 8 <= count {
            return CaseFolding.lower(
                word: unsafe UnsafeRawPointer(bytes).loadUnaligned(fromByteOffset: position, as: UInt64.self)
            )
        }
        var word: UInt64 = 0
        for index in unsafe 0..<max(0, count - position) {
            word |= UInt64(unsafe bytes[position + index]) << (8 * index)
        }
        return CaseFolding.lower(word: word)
    }
}

/// Confirms an anchor occurrence against every pattern that contains the anchor.
struct Verifier: Sendable {
    let patterns: PatternTable
    let anchors: AnchorTable

    /// Checks the patterns of `anchor`, whose folded bytes are known to occur at `position`.
    @inline(__always)
    func confirm<Sink: MatchSink>(anchor: Int, at position: Int, in block: ScanBlock, into sink: inout Sink) {
        let first = Int(anchors.referenceStarts[anchor])
        let last = Int(anchors.referenceStarts[anchor + 1])
        for reference in first..<last {
            let pattern = Int(anchors.referencePatterns[reference])
            guard sink.wants(pattern) else { continue }
            let start = position - Int(anchors.referenceOffsets[reference])
            guard start >= 0, unsafe start < block.startLimit else { continue }
            let end = start + Int(patterns.lengths[pattern])
            guard unsafe end <= block.count, unsafe end > block.endMinimum else { continue }
            sink.willCheck(pattern)
            if unsafe patterns.matches(pattern, at: block.bytes + start, available: block.count - start) {
                unsafe sink.report(pattern: pattern, end: block.baseOffset + end)
            }
        }
    }
}
