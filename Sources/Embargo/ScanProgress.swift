internal import Synchronization

/// Live counters of a running scan, for a progress display; safe to read from any thread.
public final class ScanProgress: Sendable {
    private let counters = Mutex(ScanCounts())
    private let current = Mutex<String>("")

    /// A snapshot of the counts.
    public var counts: ScanCounts { counters.withLock { $0 } }

    /// The path a worker started on most recently.
    public var currentPath: String { current.withLock { $0 } }

    func update(_ body: (inout ScanCounts) -> Void) {
        counters.withLock { body(&$0) }
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

    /// No counts.
    public init() {}
}

/// The outcome of a scan.
public struct ScanSummary: Sendable {
    /// The final counts.
    public var counts: ScanCounts
    /// How long the scan took.
    public var elapsed: Duration
    /// Whether some content went unscanned (see `ScanEvent.makesScanIncomplete`).
    public var isIncomplete: Bool { counts.errors > 0 }
}
