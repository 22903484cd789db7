/// Writes one scan's records into a findings store as they arrive, in batches, on a task of its
/// own. The queue to that task is bounded: when the store falls behind, `record` waits, so memory
/// does not grow with the scan.
public final class ScanRecorder: Sendable {
    private enum Item: Sendable {
        case finding(Finding)
        case event(ScanEvent)
        case file([UInt8], FileStamp)
    }

    /// The store's id for the scan being recorded.
    public let scan: Int64
    private let store: any FindingsStore
    private let queue = ResultChannel<Item>(capacity: 4 * batchSize, senders: 1)
    private let writer: Task<Void, any Error>
    /// Rows written together in one transaction.
    static let batchSize = 2_000

    /// Starts recording into `store` for the scan with id `scan` (from `beginScan`).
    public init(store: any FindingsStore, scan: Int64) {
        self.store = store
        self.scan = scan
        writer = Task { [queue] in
            var batch = StoreBatch()
            var failure: (any Error)?
            // After a failed write the queue is still drained, so that the scan is not held up; the
            // failure is thrown at the end.
            while let item = await queue.next() {
                guard failure == nil else { continue }
                switch item {
                case .finding(let finding):
                    batch.findings.append(
                        (
                            finding.id, finding.detection.vendor, finding.detection.product,
                            finding.assessment.verdict.rawValue,
                            StoredRecord(
                                path: finding.detection.location.path.bytes,
                                json: RecordCoding.json(finding).serialized()
                            )
                        )
                    )
                case .event(let event):
                    batch.events.append(
                        (
                            event.kind.rawValue,
                            StoredRecord(path: event.location.path.bytes, json: RecordCoding.json(event).serialized())
                        )
                    )
                case .file(let path, let stamp):
                    batch.files.append((path, stamp))
                }
                if batch.count >= Self.batchSize {
                    do {
                        try await store.write(batch, scan: scan)
                    } catch {
                        failure = error
                    }
                    batch = StoreBatch()
                }
            }
            if let failure { throw failure }
            if batch.count > 0 { try await store.write(batch, scan: scan) }
        }
    }

    /// Records a finding.
    public func record(_ finding: Finding) async {
        await queue.send(.finding(finding))
    }

    /// Records an event.
    public func record(_ event: ScanEvent) async {
        await queue.send(.event(event))
    }

    /// Records that a file was read with this stamp, for the next incremental scan.
    public func record(file path: ScanPath, stamp: FileStamp) async {
        await queue.send(.file(path.bytes, stamp))
    }

    /// Writes what is left and marks the scan finished with its summary (which says whether the
    /// scan was interrupted).
    ///
    /// - Throws: the store's error, if a write failed.
    public func finish(summary: ScanSummary, finished: String) async throws {
        queue.senderFinished()
        try await writer.value
        try await store.finishScan(scan, finished: finished, summary: RecordCoding.json(summary).serialized())
    }
}
