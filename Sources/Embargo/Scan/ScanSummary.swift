package import EmbargoMatcher

/// The outcome of a scan.
public struct ScanSummary: Sendable {
    /// The final counts.
    public var counts: ScanCounts
    /// How long the scan took.
    public var elapsed: Duration
    /// The repositories, system roots and disk images the scan recognised.
    public var recognised: [RecognisedTree]
    /// Whether the scan was stopped before it finished (an interrupt, a failure of its output).
    public var interrupted: Bool
    /// Time per stage, summed over workers (benchmark mode only).
    package var stageTimes = StageTimes()
    /// What each matcher pattern cost, summed over workers (benchmark mode with a profile only).
    package var matchProfile: MatchProfile?

    /// A summary.
    public init(counts: ScanCounts, elapsed: Duration, recognised: [RecognisedTree] = [], interrupted: Bool = false) {
        self.counts = counts
        self.elapsed = elapsed
        self.recognised = recognised
        self.interrupted = interrupted
    }

    /// Whether some content went unscanned (see `ScanEvent.makesScanIncomplete`), or the scan was
    /// stopped before it finished.
    public var isIncomplete: Bool { counts.errors > 0 || interrupted }
}

/// A tree the scan recognised and read in its own way: a package repository, a system root or a disk
/// image.
public struct RecognisedTree: Sendable, Hashable {
    /// The tree's root.
    public var path: ScanPath
    /// What it is (`Debian repository (1 suite)`, `rpm-md repository`, `Linux root (dpkg)`).
    public var kind: String
    /// What was read there (`2000 index entries`, `4 fixed places read first`).
    public var detail: String

    /// A recognised tree.
    public init(path: ScanPath, kind: String, detail: String) {
        self.path = path
        self.kind = kind
        self.detail = detail
    }
}
