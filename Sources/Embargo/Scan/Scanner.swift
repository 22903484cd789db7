internal import EmbargoMatcher
internal import Synchronization

/// The scan engine: walks the targets with a bounded number of workers on threads of their own,
/// unpacks archives, classifies and reads every item, and hands over what each unit of work found
/// as it is done. It never prints.
///
/// ```swift
/// let scanner = Scanner(configuration: ScanConfiguration(
///     targets: [ScanPath("/srv/images/host01")], jobs: 4, signatures: try SignatureSet.shipped()))
/// let summary = try await scanner.run { result in print(result.detections) }
/// ```
public final class Scanner: Sendable {
    /// What to scan.
    public let configuration: ScanConfiguration
    /// Live counts, for progress displays.
    public let progress = ScanProgress()
    /// The queue of the scan under way, and whether `stop()` was called.
    private let control = Mutex<(queue: WorkQueue<WalkItem>?, stopped: Bool)>((nil, false))

    /// A scanner.
    public init(configuration: ScanConfiguration) {
        self.configuration = configuration
    }

    /// Stops the scan under way (from any thread, a signal handler's queue say): no new work is
    /// taken, the units under way finish, and `run` returns a summary that says it was interrupted.
    public func stop() {
        control.withLock { control in
            control.stopped = true
            control.queue?.cancel()
        }
    }

    /// Checks that every target exists.
    ///
    /// - Throws: `ScanError.missingTargets` naming each target that cannot be examined.
    public func checkTargets() throws(ScanError) {
        let walker = DirectoryWalker(excludes: configuration.excludes)
        var missing: [String] = []
        for target in configuration.targets {
            do {
                _ = try walker.target(target)
            } catch {
                missing.append("\(target): \(error.message)")
            }
        }
        guard missing.isEmpty else { throw ScanError.missingTargets(missing) }
    }

    /// Scans every target, handing each unit's result to `onResult` — one at a time, from the
    /// calling task, so that the consumer needs no locking. The workers wait while the consumer
    /// falls behind. Cancelling the calling task stops the scan: no new work is taken, the units
    /// under way finish, and the summary says the scan was interrupted.
    ///
    /// - Throws: `ScanError` for a target that does not exist or libmagic's database not loading,
    ///   or `onResult`'s error (which stops the scan); problems with single files are events, never
    ///   errors.
    public func run(onResult: (ScanUnitResult) async throws -> Void) async throws -> ScanSummary {
        try checkTargets()
        do {
            _ = try MagicCookie()
        } catch {
            throw ScanError.setup(error.description)
        }
        let clock = ContinuousClock()
        let started = clock.now
        let walker = DirectoryWalker(excludes: configuration.excludes)
        var tally = ScanTally()
        var initial: [WalkItem] = []
        var targetEvents = ScanUnitResult(unit: .directory(ScanPath(bytes: [])))
        for target in configuration.targets {
            let resolved = try walker.target(target)
            if let item = resolved.item { initial.append(item) }
            if let event = resolved.event {
                targetEvents.events.append(event)
                targetEvents.counts.skipped += 1
            }
        }
        if !targetEvents.events.isEmpty {
            tally.add(targetEvents)
            try await onResult(targetEvents)
        }
        let jobs = max(1, configuration.jobs)
        let queue = WorkQueue(initial)
        let stoppedAlready = control.withLock { control in
            control.queue = queue
            return control.stopped
        }
        if stoppedAlready { queue.cancel() }
        let channel = ResultChannel<[ScanUnitResult]>(capacity: 4 * jobs, senders: jobs)
        let pool = WorkerThreadPool(threads: jobs)
        defer { pool.shutdown() }
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<jobs {
                    group.addTask(executorPreference: pool) { [configuration, progress] in
                        defer { channel.senderFinished() }
                        let worker = try ScanWorker(
                            configuration: configuration,
                            walker: walker,
                            progress: progress,
                            slot: index
                        )
                        await worker.run(queue, output: channel)
                    }
                }
                do {
                    while let batch = await channel.next() {
                        for result in batch {
                            tally.add(result)
                            try await onResult(result)
                        }
                    }
                } catch {
                    queue.cancel()
                    channel.close()
                    throw error
                }
                try await group.waitForAll()
            }
        } onCancel: {
            queue.cancel()
        }
        let stopped = control.withLock { control in
            control.queue = nil
            return control.stopped
        }
        return tally.summary(
            elapsed: clock.now - started,
            interrupted: stopped || Task.isCancelled || queue.isCancelled
        )
    }
}

/// A scan that could not start.
public struct ScanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public let message: String

    /// Targets that do not exist or cannot be examined, each with the reason.
    static func missingTargets(_ reasons: [String]) -> ScanError {
        ScanError(message: "cannot scan " + reasons.joined(separator: "; "))
    }

    /// A part of the engine could not be set up.
    static func setup(_ reason: String) -> ScanError {
        ScanError(message: reason)
    }

    /// The message.
    public var description: String { message }
}

/// Adds up the results of a scan's units into its summary.
struct ScanTally: Sendable {
    /// The counts so far.
    private(set) var counts = ScanCounts()
    /// The trees recognised so far.
    private(set) var recognised: [RecognisedTree] = []

    /// An empty tally.
    init() {}

    /// Time per stage so far.
    private(set) var stageTimes = StageTimes()
    /// What each matcher pattern cost so far, when profiled.
    private(set) var matchProfile: MatchProfile?

    /// Adds one unit's result.
    mutating func add(_ result: ScanUnitResult) {
        counts.add(result.counts)
        recognised += result.recognised
        stageTimes.add(result.stageTimes)
        if let profile = result.matchProfile {
            if matchProfile == nil { matchProfile = profile } else { matchProfile?.add(profile) }
        }
    }

    /// Adds counts that come from elsewhere (records carried over from an earlier scan).
    mutating func add(_ other: ScanCounts) {
        counts.add(other)
    }

    /// Takes back findings that were merged into others (copies of one package index).
    mutating func withdrawFindings(_ count: Int) {
        counts.findings -= count
    }

    /// The summary of a scan that took `elapsed`.
    func summary(elapsed: Duration, interrupted: Bool) -> ScanSummary {
        var summary = ScanSummary(
            counts: counts,
            elapsed: elapsed,
            recognised: recognised.sorted { $0.path < $1.path },
            interrupted: interrupted
        )
        summary.stageTimes = stageTimes
        summary.matchProfile = matchProfile
        return summary
    }
}
