import Foundation

/// `--format csv`: one row per finding, for spreadsheets (RFC 4180 quoting).
public enum CSVReport {
    static let columns = [
        "id", "verdict", "vendor", "product", "product_name", "family", "confidence", "form", "path", "members",
        "record", "policy", "rule", "citation", "reason", "effective_date", "as_of", "exemption", "sha256", "size",
        "evidence",
    ]

    /// The table.
    public static func render(findings: [Finding]) -> String {
        var rows = [columns.joined(separator: ",")]
        for finding in findings.sorted(by: { $0.detection.location < $1.detection.location }) {
            let detection = finding.detection
            let assessment = finding.assessment
            let exemption = assessment.exemption.map {
                "\($0.exemption.id)\($0.isExpired ? " (expired)" : ""): \($0.exemption.statement)"
            }
            let evidence = detection.evidence.map { "\($0.kind)=\($0.value) (\($0.strength.rawValue))" }.joined(separator: "; ")
            let fields: [String] = [
                finding.id, assessment.verdict.rawValue, detection.vendor, detection.product, detection.productName,
                detection.family, detection.confidence.rawValue, detection.form.rawValue, detection.location.path.displayString,
                detection.location.members.map(\.displayString).joined(separator: "!"), detection.record ?? "",
                assessment.policy, assessment.rule ?? "", assessment.citation, assessment.reason,
                assessment.effectiveDate?.description ?? "", assessment.asOf.description, exemption ?? "",
                detection.item.sha256 ?? "", detection.item.size.map(String.init) ?? "", evidence,
            ]
            rows.append(fields.map(quote).joined(separator: ","))
        }
        return rows.joined(separator: "\r\n") + "\r\n"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
