/// Writes one report: JSON Lines record by record as they come (each record whole, from one writer,
/// so lines never interleave), the other formats at the end from the records collected.
public final class ReportWriter {
    /// The format.
    public let format: ReportFormat
    private let output: OutputFile
    private let evaluator: PolicyEvaluator
    private let targets: [String]
    private var findings: [Finding] = []
    private var events: [ScanEvent] = []
    private var pending: [UInt8] = []
    /// How much JSON Lines output is gathered before it is written.
    static let flushBytes = 1 << 16

    /// A writer of `format` to `output`, naming `evaluator`'s policy and date and the scan's
    /// `targets`.
    public init(format: ReportFormat, output: OutputFile, evaluator: PolicyEvaluator, targets: [String] = []) {
        self.format = format
        self.output = output
        self.evaluator = evaluator
        self.targets = targets
    }

    /// Adds a finding.
    ///
    /// - Throws: `ReportError` when the output refuses it.
    public func add(_ finding: Finding) throws(ReportError) {
        if format.isStreaming {
            try queue(RecordCoding.json(finding).serialized())
        } else {
            findings.append(finding)
        }
    }

    /// Adds an event.
    ///
    /// - Throws: `ReportError` when the output refuses it.
    public func add(_ event: ScanEvent) throws(ReportError) {
        if format.isStreaming {
            try queue(RecordCoding.json(event).serialized())
        } else {
            events.append(event)
        }
    }

    /// Writes what is left: the summary record for JSON Lines, the whole report for the others.
    ///
    /// - Throws: `ReportError` when the output refuses it.
    public func finish(summary: ScanSummary) throws(ReportError) {
        if format.isStreaming {
            pending += Array((RecordCoding.summaryRecord(summary).serialized() + "\n").utf8)
            try output.write(pending)
            pending = []
            return
        }
        try output.write(
            format.render(findings: findings, events: events, summary: summary, evaluator: evaluator, targets: targets)
        )
    }

    private func queue(_ line: String) throws(ReportError) {
        pending += Array(line.utf8)
        pending.append(0x0A)
        guard pending.count >= Self.flushBytes else { return }
        try output.write(pending)
        pending.removeAll(keepingCapacity: true)
    }
}
