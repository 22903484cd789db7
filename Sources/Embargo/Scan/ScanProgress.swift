internal import Synchronization

/// Live counters of a running scan, for a progress display; safe to read from any thread. Workers
/// add each unit's counts when the unit is done.
public final class ScanProgress: Sendable {
    private let counters = Mutex(ScanCounts())
    private let current = Mutex<String>("")

    /// A progress with nothing counted.
    public init() {}

    /// A snapshot of the counts.
    public var counts: ScanCounts { counters.withLock { $0 } }

    /// The path a worker started on most recently.
    public var currentPath: String { current.withLock { $0 } }

    /// Adds a finished unit's counts.
    public func add(_ result: ScanUnitResult) {
        counters.withLock { $0.add(result.counts) }
    }

    /// Notes the path a worker is starting on.
    public func started(_ path: ScanPath) {
        let text = path.displayString
        current.withLock { $0 = text }
    }
}
