import Foundation

/// `--format csv`: one row per finding and per event, for spreadsheets (RFC 4180 quoting). A cell
/// that a spreadsheet would read as a formula (it begins with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) is prefixed with `'`, as OWASP advises against CSV injection: names inside archives are
/// chosen by whoever made the archive.
package enum CSVReport {
    static let columns = [
        "type", "id", "verdict", "vendor", "product", "product_name", "family", "confidence", "form", "path", "members",
        "record", "policy", "rule", "citation", "reason", "effective_date", "as_of", "exemption", "sha256", "size",
        "evidence", "event_kind", "message", "limit",
    ]

    /// The table: findings first, then events.
    package static func render(findings: [Finding], events: [ScanEvent] = []) -> String {
        var rows = [columns.joined(separator: ",")]
        for finding in findings.sorted(by: { $0.detection.location < $1.detection.location }) {
            let detection = finding.detection
            let assessment = finding.assessment
            let exemption = assessment.exemption.map {
                "\($0.exemption.id)\($0.isExpired ? " (expired)" : ""): \($0.exemption.statement)"
            }
            let evidence = detection.evidence.map { "\($0.kind)=\($0.value) (\($0.strength.rawValue))" }.joined(
                separator: "; "
            )
            let fields: [String] = [
                "finding", finding.id, assessment.verdict.rawValue, detection.vendor, detection.product,
                detection.productName,
                detection.family, detection.confidence.rawValue, detection.form.rawValue,
                detection.location.path.displayString,
                detection.location.members.map(\.displayString).joined(separator: "!"), detection.record ?? "",
                assessment.policy, assessment.rule ?? "", assessment.citation, assessment.reason,
                assessment.effectiveDate?.description ?? "", assessment.asOf.description, exemption ?? "",
                detection.item.sha256 ?? "", detection.item.size.map(String.init) ?? "", evidence, "", "", "",
            ]
            rows.append(fields.map(cell).joined(separator: ","))
        }
        for event in events.sorted(by: { $0.location < $1.location }) {
            var fields = [String](repeating: "", count: columns.count)
            fields[0] = "event"
            fields[9] = event.location.path.displayString
            fields[10] = event.location.members.map(\.displayString).joined(separator: "!")
            fields[22] = event.kind.rawValue
            fields[23] = event.message
            fields[24] = event.limit ?? ""
            rows.append(fields.map(cell).joined(separator: ","))
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }

    /// A field as a cell: neutralised if a spreadsheet would take it for a formula, quoted if it
    /// holds a separator, a quote or a line break.
    static func cell(_ field: String) -> String {
        var value = field
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
