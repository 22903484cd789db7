/// The stages of the pipeline a benchmark accounts time to.
package enum Stage: Int, CaseIterable, Sendable {
    /// Listing directories and reading the repository indexes and system roots recognised there.
    case walk
    /// Opening files and reading their first bytes.
    case read
    /// Telling formats apart from the first bytes.
    case classify
    /// Decompressing and reading archive members (libarchive), partitions and FAT files.
    case unpack
    /// The matcher, with the reads that feed it when a file is streamed.
    case match
    /// The structural readers.
    case extract
    /// Signatures turning observations into detections, with the hash and description of findings.
    case detect
    /// Deciding findings under the policy, writing the report and the store (the session).
    case evaluate

    /// The stage's name, for reports.
    package var name: String {
        switch self {
        case .walk: "walk"
        case .read: "read"
        case .classify: "classify"
        case .unpack: "unpack"
        case .match: "match"
        case .extract: "extract"
        case .detect: "detect"
        case .evaluate: "evaluate"
        }
    }
}

/// Time spent per stage, summed over workers, in nanoseconds.
package struct StageTimes: Sendable, Hashable {
    package var nanoseconds = [UInt64](repeating: 0, count: Stage.allCases.count)

    package init() {}

    package subscript(stage: Stage) -> UInt64 {
        get { nanoseconds[stage.rawValue] }
        set { nanoseconds[stage.rawValue] = newValue }
    }

    package mutating func add(_ other: StageTimes) {
        for index in nanoseconds.indices { nanoseconds[index] &+= other.nanoseconds[index] }
    }
}

/// A worker's stopwatch for the stages, on only in benchmark mode (otherwise each measurement is one
/// branch). Measurements do not nest: only the innermost work of a stage is timed.
final class StageTimer {
    let isEnabled: Bool
    private(set) var times = StageTimes()
    private let clock = ContinuousClock()

    init(enabled: Bool) {
        isEnabled = enabled
    }

    /// Runs `body`, adding its time to `stage`.
    @inline(__always)
    func measure<Result>(_ stage: Stage, _ body: () throws -> Result) rethrows -> Result {
        guard isEnabled else { return try body() }
        let start = clock.now
        defer { add(clock.now - start, to: stage) }
        return try body()
    }

    /// Adds a time measured elsewhere.
    func add(_ duration: Duration, to stage: Stage) {
        let (seconds, attoseconds) = duration.components
        times[stage] &+= UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
    }

    /// The times so far; the timer starts again from zero.
    func take() -> StageTimes {
        defer { times = StageTimes() }
        return times
    }
}
