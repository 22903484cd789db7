/// A pattern that occurs in the input, with the end of its first occurrence.
public struct PatternHit: Sendable, Hashable {
    /// The pattern id (its index in the compiled list).
    public let pattern: Int
    /// The offset just past the last byte of the pattern's first occurrence.
    public let firstEnd: UInt64

    /// Creates a hit.
    public init(pattern: Int, firstEnd: UInt64) {
        self.pattern = pattern
        self.firstEnd = firstEnd
    }
}

/// One occurrence of a pattern.
public struct PatternMatch: Sendable, Hashable {
    /// The pattern id.
    public let pattern: Int
    /// The offset just past the occurrence's last byte (as Hyperscan reports it).
    public let end: UInt64

    /// Creates a match.
    public init(pattern: Int, end: UInt64) {
        self.pattern = pattern
        self.end = end
    }
}

/// One worker's scanner: streams an input through a shared `PatternMatcher` chunk by chunk.
///
/// Chunks may have any size; matches that span chunk edges are found, and offsets count from the
/// start of the input (64-bit, so inputs over 4 GiB work). Use one scanner per worker and call
/// `reset()` between inputs. A scanner either collects distinct patterns (`scan(_:)`, the cheap mode:
/// each pattern is verified until first seen) or reports every occurrence
/// (`scanEveryOccurrence(_:onMatch:)`); use one mode per input.
@safe
public final class MatchScanner {
    /// The compiled patterns.
    public let matcher: PatternMatcher
    private let scratch = ScanScratch()
    private let historyCapacity: Int
    /// The last `historyCapacity` bytes of the stream, followed (during a boundary scan) by the head
    /// of the next chunk.
    private let history: UnsafeMutablePointer<UInt8>
    private var historyCount = 0
    private var offset = 0
    private let seen: UnsafeMutablePointer<UInt64>
    private var distinctHits: [PatternHit] = []
    private var occurrenceCounts: [UInt32]
    private var countedPatterns: [Int] = []
    private var saturated: [Int] = []
    /// While profiling: what each pattern cost so far.
    private var profile: MatchProfile?

    /// Creates a scanner for `matcher`; one that is `profiling` counts what each pattern costs in
    /// its distinct scans (`takeProfile()`), checking every candidate rather than stopping at a
    /// pattern's first occurrence.
    public init(matcher: PatternMatcher, profiling: Bool = false) {
        self.matcher = matcher
        profile = profiling ? MatchProfile(patternCount: matcher.patternCount) : nil
        historyCapacity = max(0, matcher.maximumLength - 1)
        unsafe history = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, 2 * historyCapacity))
        let words = (matcher.patternCount + 63) / 64
        unsafe seen = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, words))
        unsafe seen.initialize(repeating: 0, count: max(1, words))
        occurrenceCounts = []
    }

    deinit {
        unsafe history.deallocate()
        unsafe seen.deallocate()
    }

    /// Whether this scanner's Teddy let through so many candidates that FDR would be faster, so that
    /// FDR now serves its scans (see `PatternMatcher`); it stays so across `reset()`.
    public var switchedToFallback: Bool { scratch.guardTripped }

    /// The number of input bytes consumed since the last reset.
    public var bytesScanned: UInt64 { UInt64(offset) }

    /// The distinct patterns found by `scan(_:)` since the last reset, by pattern id.
    public var hits: [PatternHit] { distinctHits.sorted { $0.pattern < $1.pattern } }

    /// Patterns whose every-occurrence reports reached the matcher's per-pattern limit; their later
    /// occurrences were not reported.
    public var saturatedPatterns: [Int] { saturated.sorted() }

    /// The costs counted since the last call, for a profiling scanner; the counts start again from
    /// zero.
    public func takeProfile() -> MatchProfile? {
        guard let taken = profile else { return nil }
        profile = MatchProfile(patternCount: matcher.patternCount)
        return taken
    }

    /// Starts a new input.
    public func reset() {
        for hit in distinctHits { unsafe seen[hit.pattern >> 6] &= ~(1 << UInt64(hit.pattern & 63)) }
        distinctHits.removeAll(keepingCapacity: true)
        for pattern in countedPatterns { occurrenceCounts[pattern] = 0 }
        countedPatterns.removeAll(keepingCapacity: true)
        saturated.removeAll(keepingCapacity: true)
        historyCount = 0
        offset = 0
    }

    /// Feeds the next chunk of the input, collecting distinct patterns.
    public func scan(_ chunk: Span<UInt8>) {
        unsafe chunk.withUnsafeBufferPointer { buffer in
            unsafe scan(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Feeds the next chunk of the input, collecting distinct patterns.
    public func scan(_ chunk: RawSpan) {
        unsafe chunk.withUnsafeBytes { buffer in
            unsafe scan(buffer)
        }
    }

    /// Feeds the next chunk of the input, reporting every occurrence (up to the per-pattern limit).
    public func scanEveryOccurrence(_ chunk: RawSpan, onMatch: (PatternMatch) -> Void) {
        unsafe chunk.withUnsafeBytes { buffer in
            unsafe scanEveryOccurrence(buffer, onMatch: onMatch)
        }
    }

    /// Feeds the next chunk of the input, reporting every occurrence (up to the per-pattern limit).
    public func scanEveryOccurrence(_ chunk: Span<UInt8>, onMatch: (PatternMatch) -> Void) {
        unsafe chunk.withUnsafeBufferPointer { buffer in
            unsafe scanEveryOccurrence(UnsafeRawBufferPointer(buffer), onMatch: onMatch)
        }
    }

    /// Advances over `count` zero bytes (a hole in a sparse file) as if they had been scanned.
    ///
    /// Only the zeros next to the surrounding data can take part in a match, unless a pattern matches
    /// zeros alone; then a distinct scan reads only as many zeros as its first occurrence needs, and
    /// an every-occurrence scan (`everyOccurrence`) reads them all.
    public func skipZeros(count: UInt64, everyOccurrence: Bool = false, onMatch: (PatternMatch) -> Void = { _ in }) {
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        var remaining = count
        let mustReadAll = everyOccurrence && matcher.matchesZeroRun
        var head = mustReadAll ? remaining : min(remaining, UInt64(historyCapacity + 1))
        remaining -= head
        unsafe zeros.withUnsafeBytes { buffer in
            while head > 0 {
                let step = Int(min(head, UInt64(buffer.count)))
                let piece = unsafe UnsafeRawBufferPointer(rebasing: buffer[0..<step])
                if everyOccurrence {
                    unsafe scanEveryOccurrence(piece, onMatch: onMatch)
                } else {
                    unsafe scan(piece)
                }
                head -= UInt64(step)
            }
        }
        guard remaining > 0 else { return }
        offset += Int(remaining)
        historyCount = historyCapacity
        unsafe history.update(repeating: 0, count: historyCapacity)
    }

    func scan(_ buffer: UnsafeRawBufferPointer) {
        var hits: [PatternHit] = []
        swap(&hits, &distinctHits)
        if let counted = profile {
            profile = nil
            var sink = unsafe ProfilingSink(distinct: DistinctSink(seen: seen, hits: hits), profile: counted)
            unsafe feed(buffer, into: &sink)
            distinctHits = sink.distinct.hits
            profile = sink.profile
        } else {
            var sink = unsafe DistinctSink(seen: seen, hits: hits)
            unsafe feed(buffer, into: &sink)
            distinctHits = sink.hits
        }
    }

    func scanEveryOccurrence(_ buffer: UnsafeRawBufferPointer, onMatch: (PatternMatch) -> Void) {
        if occurrenceCounts.isEmpty { occurrenceCounts = [UInt32](repeating: 0, count: matcher.patternCount) }
        var counts: [UInt32] = []
        swap(&counts, &occurrenceCounts)
        withoutActuallyEscaping(onMatch) { onMatch in
            var sink = OccurrenceSink(
                counts: counts,
                counted: countedPatterns,
                saturated: saturated,
                limit: UInt32(clamping: matcher.maximumMatchesPerPattern),
                onMatch: onMatch
            )
            unsafe feed(buffer, into: &sink)
            counts = sink.counts
            countedPatterns = sink.counted
            saturated = sink.saturated
        }
        swap(&counts, &occurrenceCounts)
    }

    /// Scans the boundary between the stream so far and `buffer`, then `buffer`, then keeps its tail.
    private func feed<Sink: MatchSink>(_ buffer: UnsafeRawBufferPointer, into sink: inout Sink) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let bytes = unsafe base.assumingMemoryBound(to: UInt8.self)
        let count = buffer.count
        if historyCount > 0 {
            // Matches that start in the history and end in this chunk lie in history + head.
            let head = min(historyCapacity, count)
            unsafe (history + historyCount).update(from: bytes, count: head)
            let boundary = unsafe ScanBlock(
                bytes: history,
                count: historyCount + head,
                baseOffset: offset - historyCount,
                startLimit: historyCount,
                endMinimum: historyCount
            )
            unsafe matcher.scan(boundary, scratch: scratch, into: &sink)
        }
        let block = unsafe ScanBlock(bytes: bytes, count: count, baseOffset: offset, startLimit: .max, endMinimum: 0)
        unsafe matcher.scan(block, scratch: scratch, into: &sink)
        if historyCapacity > 0 {
            if count >= historyCapacity {
                unsafe history.update(from: bytes + (count - historyCapacity), count: historyCapacity)
                historyCount = historyCapacity
            } else {
                let keep = min(historyCount, historyCapacity - count)
                unsafe history.update(from: history + (historyCount - keep), count: keep)
                unsafe (history + keep).update(from: bytes, count: count)
                historyCount = keep + count
            }
        }
        offset += count
    }
}

@available(*, unavailable)
extension MatchScanner: Sendable {}

/// Keeps the first occurrence of each pattern.
@safe
struct DistinctSink: MatchSink {
    let seen: UnsafeMutablePointer<UInt64>
    var hits: [PatternHit]

    @inline(__always)
    func wants(_ pattern: Int) -> Bool {
        unsafe seen[pattern >> 6] & (1 << UInt64(pattern & 63)) == 0
    }

    mutating func report(pattern: Int, end: Int) {
        guard wants(pattern) else { return }
        unsafe seen[pattern >> 6] |= 1 << UInt64(pattern & 63)
        hits.append(PatternHit(pattern: pattern, firstEnd: UInt64(end)))
    }
}

/// Keeps the first occurrence of each pattern as `DistinctSink` does, but checks every candidate,
/// counting candidates and occurrences per pattern.
struct ProfilingSink: MatchSink {
    var distinct: DistinctSink
    var profile: MatchProfile

    @inline(__always)
    func wants(_ pattern: Int) -> Bool { true }

    @inline(__always)
    mutating func willCheck(_ pattern: Int) {
        profile.countCandidate(pattern)
    }

    mutating func report(pattern: Int, end: Int) {
        profile.countMatch(pattern)
        distinct.report(pattern: pattern, end: end)
    }
}

/// Hands every occurrence to a closure until a pattern reaches the limit.
struct OccurrenceSink: MatchSink {
    var counts: [UInt32]
    var counted: [Int]
    var saturated: [Int]
    let limit: UInt32
    let onMatch: (PatternMatch) -> Void

    /// Occurrences are verified until one past the limit, which marks the pattern saturated.
    @inline(__always)
    func wants(_ pattern: Int) -> Bool {
        counts[pattern] <= limit
    }

    mutating func report(pattern: Int, end: Int) {
        if counts[pattern] == 0 { counted.append(pattern) }
        counts[pattern] += 1
        guard counts[pattern] <= limit else {
            saturated.append(pattern)
            return
        }
        onMatch(PatternMatch(pattern: pattern, end: UInt64(end)))
    }
}
