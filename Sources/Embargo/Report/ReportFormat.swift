/// The report formats. Every format is built from the same records: findings and events.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, jsonl, sarif, csv, html, cyclonedx

    /// Whether records are written as they come (otherwise the report is written at the end).
    public var isStreaming: Bool { self == .jsonl }

    /// The whole report of findings and events in this format; `targets` are the paths the scan was
    /// given (for the formats that name them).
    public func render(
        findings: [Finding],
        events: [ScanEvent],
        summary: ScanSummary?,
        evaluator: PolicyEvaluator,
        targets: [String] = []
    ) -> String {
        switch self {
        case .jsonl:
            findings.map { RecordCoding.json($0).serialized() + "\n" }.joined()
                + events.map { RecordCoding.json($0).serialized() + "\n" }.joined()
                + (summary.map { RecordCoding.summaryRecord($0).serialized() + "\n" } ?? "")
        case .text:
            TextReport.render(
                findings: findings,
                events: events,
                summary: summary,
                asOf: evaluator.asOf,
                policy: evaluator.policy.id
            )
        case .json:
            JSONReport.render(findings: findings, events: events, summary: summary, evaluator: evaluator) + "\n"
        case .sarif:
            SARIFReport.render(findings: findings, events: events, summary: summary, evaluator: evaluator) + "\n"
        case .csv:
            CSVReport.render(findings: findings, events: events)
        case .html:
            HTMLReport.render(
                findings: findings,
                events: events,
                summary: summary,
                evaluator: evaluator,
                targets: targets
            )
        case .cyclonedx:
            CycloneDXReport.render(
                findings: findings,
                events: events,
                summary: summary,
                evaluator: evaluator,
                targets: targets
            )
        }
    }
}
