/// One result of a scan, in the order it was produced.
public enum ScanRecord: Sendable {
    /// A vendor product found at a location.
    case detection(Detection)
    /// Something the scan could not or would not do.
    case event(ScanEvent)
    /// A file on disk was read, with its stamp (only when `reportsFileStamps` is set).
    case file(ScanPath, FileStamp)
    /// A file was not read because its stamp is unchanged since the previous scan; that scan's
    /// findings and events for it still hold.
    case unchanged(ScanPath, FileStamp)
}

/// The scan engine: walks the targets with a bounded number of workers, unpacks archives, classifies
/// and reads every item, and reports detections and events as they are made. It never prints.
///
/// ```swift
/// let scanner = Scanner(configuration: ScanConfiguration(
///     targets: [ScanPath("/srv/images/host01")], jobs: 4, signatures: try SignatureSet.shipped()))
/// let summary = try await scanner.run { record in print(record) }
/// ```
public final class Scanner: Sendable {
    /// What to scan.
    public let configuration: ScanConfiguration
    /// Live counts, for progress displays.
    public let progress = ScanProgress()

    /// A scanner.
    public init(configuration: ScanConfiguration) {
        self.configuration = configuration
    }

    /// Scans every target, handing each record to `onRecord` (from any worker; the closure must be
    /// safe to call concurrently).
    ///
    /// - Throws: `MagicError` when libmagic's database cannot be loaded; problems with single files
    ///   are events, never errors.
    public func run(onRecord: @escaping @Sendable (ScanRecord) -> Void) async throws -> ScanSummary {
        _ = try MagicCookie()
        let clock = ContinuousClock()
        let started = clock.now
        let walker = DirectoryWalker(excludes: configuration.excludes)
        var initial: [WalkItem] = []
        for target in configuration.targets {
            let resolved = walker.target(target)
            if let item = resolved.item { initial.append(item) }
            if let event = resolved.event {
                progress.update { event.makesScanIncomplete ? ($0.errors += 1) : ($0.skipped += 1) }
                onRecord(.event(event))
            }
        }
        let queue = WorkQueue(initial)
        let detector = Detector(signatures: configuration.signatures)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, configuration.jobs) {
                group.addTask { [configuration, progress] in
                    let worker = try ScanWorker(
                        configuration: configuration, detector: detector, walker: walker, progress: progress,
                        emit: onRecord)
                    await worker.run(queue)
                }
            }
            try await group.waitForAll()
        }
        return ScanSummary(counts: progress.counts, elapsed: clock.now - started, recognised: progress.recognised)
    }
}
