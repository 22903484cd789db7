internal import Synchronization

/// Live counters of a running scan, for a progress display; safe to read from any thread.
public final class ScanProgress: Sendable {
    private let counters = Mutex(ScanCounts())
    private let current = Mutex<String>("")
    private let trees = Mutex<[RecognisedTree]>([])

    /// A snapshot of the counts.
    public var counts: ScanCounts { counters.withLock { $0 } }

    /// The path a worker started on most recently.
    public var currentPath: String { current.withLock { $0 } }

    func update(_ body: (inout ScanCounts) -> Void) {
        counters.withLock { body(&$0) }
    }

    /// The repositories and system roots recognised so far.
    public var recognised: [RecognisedTree] { trees.withLock { $0 }.sorted { $0.path < $1.path } }

    func recognise(_ tree: RecognisedTree) {
        trees.withLock { $0.append(tree) }
    }

    func started(_ path: ScanPath) {
        let text = path.displayString
        current.withLock { $0 = text }
    }
}

/// What a scan has done so far.
public struct ScanCounts: Sendable, Hashable {
    /// Files on disk read.
    public var files = 0
    /// Bytes read from disk (holes of sparse files included).
    public var bytes: UInt64 = 0
    /// Archives opened (nested ones included).
    public var archives = 0
    /// Archive members read.
    public var members = 0
    /// Bytes expanded from archives.
    public var expandedBytes: UInt64 = 0
    /// Events that mean something went unscanned (unreadable, limit, corrupt, unsupported).
    public var errors = 0
    /// Special files skipped.
    public var skipped = 0
    /// Symbolic links seen and not followed.
    public var symbolicLinks = 0
    /// Detections made.
    public var findings = 0
    /// Repository index entries read.
    public var indexEntries = 0
    /// Package files not read because a verified repository index describes them.
    public var coveredByIndex = 0
    /// Files not read because they are unchanged since the previous scan (`--incremental`).
    public var unchanged = 0
    /// Files left to the other shards (`--shard`).
    public var otherShards = 0

    /// No counts.
    public init() {}

    /// Adds the counts of another scan (a shard of the same run, say).
    public mutating func add(_ other: ScanCounts) {
        files += other.files
        bytes += other.bytes
        archives += other.archives
        members += other.members
        expandedBytes += other.expandedBytes
        errors += other.errors
        skipped += other.skipped
        symbolicLinks += other.symbolicLinks
        findings += other.findings
        indexEntries += other.indexEntries
        coveredByIndex += other.coveredByIndex
        unchanged += other.unchanged
        otherShards += other.otherShards
    }
}

/// The outcome of a scan.
public struct ScanSummary: Sendable {
    /// The final counts.
    public var counts: ScanCounts
    /// How long the scan took.
    public var elapsed: Duration
    /// The repositories and system roots the scan recognised.
    public var recognised: [RecognisedTree]

    /// A summary.
    public init(counts: ScanCounts, elapsed: Duration, recognised: [RecognisedTree] = []) {
        self.counts = counts
        self.elapsed = elapsed
        self.recognised = recognised
    }
    /// Whether some content went unscanned (see `ScanEvent.makesScanIncomplete`).
    public var isIncomplete: Bool { counts.errors > 0 }
}

/// A tree the scan recognised and read in its own way: a package repository or a system root.
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
