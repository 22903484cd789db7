/// Takes a scan's results to findings: decides every detection under the policy for the as-of date,
/// carries an incremental scan's earlier records over for the files it did not read again, records
/// everything in the findings store, and writes the report. Results come in one at a time (from
/// `Scanner.run`, or from a supervised scanning process).
///
/// When the report cannot be written, a scan with a findings store goes on (the store is the
/// durable record) and the failure is thrown by `finish`; without a store `take` throws at once, which
/// stops the scan.
public final class ScanSession {
    /// The policy, date and exemptions findings are decided under.
    public let evaluator: PolicyEvaluator
    private let report: ReportWriter?
    private let recorder: ScanRecorder?
    private let carried: CarriedRecords
    private var tally = ScanTally()
    private var indexCopies = IndexCopies()
    private var reportFailure: ReportError?
    /// The strictest verdict so far.
    public private(set) var worstVerdict: Verdict?

    /// A session deciding under `evaluator`, writing `report` and recording into `recorder` where
    /// given, carrying `carried` over for unchanged files.
    public init(
        evaluator: PolicyEvaluator,
        report: ReportWriter?,
        recorder: ScanRecorder?,
        carried: CarriedRecords = CarriedRecords()
    ) {
        self.evaluator = evaluator
        self.report = report
        self.recorder = recorder
        self.carried = carried
    }

    /// Takes one unit's result.
    ///
    /// - Throws: `ReportError` when the report cannot be written and there is no findings store.
    public func take(_ result: ScanUnitResult) async throws(ReportError) {
        tally.add(result)
        for detection in result.detections { try await take(detection) }
        for event in result.events { try await take(event) }
        if let stamp = result.readStamp { await recorder?.record(file: result.unit.path, stamp: stamp) }
        if let stamp = result.unchangedStamp {
            await recorder?.record(file: result.unit.path, stamp: stamp)
            let previous = carried.records(for: result.unit.path)
            for detection in previous.detections { try await take(detection) }
            for event in previous.events { try await take(event) }
            var counts = ScanCounts()
            counts.findings = previous.detections.count
            counts.errors = previous.events.filter(\.makesScanIncomplete).count
            counts.skipped = previous.events.count - counts.errors
            tally.add(counts)
        }
    }

    /// Takes an event that belongs to no unit's result (an item a supervised scan crashed on).
    ///
    /// - Throws: `ReportError` when the report cannot be written and there is no findings store.
    public func take(standalone event: ScanEvent) async throws(ReportError) {
        var counts = ScanCounts()
        if event.makesScanIncomplete { counts.errors = 1 } else { counts.skipped = 1 }
        tally.add(counts)
        try await take(event)
    }

    /// Finishes the report and the store with the summary of the scan.
    ///
    /// - Throws: `ReportError` when the report could not be written, or the store's error.
    public func finish(elapsed: Duration, interrupted: Bool, finishedAt: String) async throws -> ScanSummary {
        // Index entries were held, so that copies of one index give one finding each.
        for detection in indexCopies.detections() { try await decide(detection) }
        tally.withdrawFindings(indexCopies.merged)
        let summary = tally.summary(elapsed: elapsed, interrupted: interrupted)
        if reportFailure == nil {
            do {
                try report?.finish(summary: summary)
            } catch {
                reportFailure = error
            }
        }
        try await recorder?.finish(summary: summary, finished: finishedAt)
        if let reportFailure { throw reportFailure }
        return summary
    }

    private func take(_ detection: Detection) async throws(ReportError) {
        if IndexCopies.holds(detection) {
            indexCopies.hold(detection)
        } else {
            try await decide(detection)
        }
    }

    private func decide(_ detection: Detection) async throws(ReportError) {
        let finding = Finding(detection: detection, assessment: evaluator.assess(detection))
        worstVerdict = max(worstVerdict ?? finding.assessment.verdict, finding.assessment.verdict)
        await recorder?.record(finding)
        try write { (writer) throws(ReportError) in try writer.add(finding) }
    }

    private func take(_ event: ScanEvent) async throws(ReportError) {
        await recorder?.record(event)
        try write { (writer) throws(ReportError) in try writer.add(event) }
    }

    private func write(_ body: (ReportWriter) throws(ReportError) -> Void) throws(ReportError) {
        guard let report, reportFailure == nil else { return }
        do {
            try body(report)
        } catch {
            reportFailure = error
            if recorder == nil { throw error }
        }
    }
}
