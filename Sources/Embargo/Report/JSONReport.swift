/// `--format json`: one document with the scan's policy, date, summary, findings and events.
package enum JSONReport {
    /// The document.
    package static func render(
        findings: [Finding],
        events: [ScanEvent],
        summary: ScanSummary?,
        evaluator: PolicyEvaluator
    ) -> String {
        var members: [(String, JSONValue)] = [
            ("tool", .object([("name", .string("embargo")), ("version", .string(EmbargoVersion.current))])),
            ("policy", .object([("id", .string(evaluator.policy.id)), ("name", .string(evaluator.policy.name))])),
            ("asOf", .string(evaluator.asOf.description)),
        ]
        if let summary { members.append(("summary", RecordCoding.json(summary))) }
        members.append(
            (
                "findings",
                .array(findings.sorted { $0.detection.location < $1.detection.location }.map(RecordCoding.json))
            )
        )
        members.append(("events", .array(events.sorted { $0.location < $1.location }.map(RecordCoding.json))))
        return JSONValue.object(members).pretty()
    }
}

/// The version reported by the tool and its reports.
public enum EmbargoVersion {
    /// The version.
    public static let current = "0.1.0"
}
