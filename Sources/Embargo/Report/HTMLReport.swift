/// `--format html`: one self-contained page for an auditor — the policy and date, a summary by
/// verdict and by vendor with a bar chart, then every finding with its evidence and reason, then the
/// events. No scripts, no external resources.
package enum HTMLReport {
    static let colors: [Verdict: String] = [
        .prohibited: "#b42318", .restricted: "#dc6803", .review: "#1570ef", .exempt: "#6941c6", .allowed: "#079455",
    ]

    /// The page.
    package static func render(
        findings: [Finding], events: [ScanEvent], summary: ScanSummary?, evaluator: PolicyEvaluator, targets: [String] = []
    ) -> String {
        let verdicts = Verdict.allCases.reversed()
        let counts = Dictionary(grouping: findings, by: \.assessment.verdict).mapValues(\.count)
        let vendors = Dictionary(grouping: findings, by: \.detection.vendorName)
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Embargo report — \(escape(evaluator.policy.name)) — as of \(evaluator.asOf)</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#101828;max-width:1200px}
            h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #eaecf0;padding-bottom:.3rem}
            .meta{color:#475467} table{border-collapse:collapse;width:100%;margin:.5rem 0}
            th,td{border:1px solid #eaecf0;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
            th{background:#f9fafb} .verdict{font-weight:600;color:#fff;padding:.1rem .45rem;border-radius:.3rem;white-space:nowrap}
            code{font-size:.8rem;word-break:break-all} .evidence{margin:0;padding-left:1.1rem}
            .chart text{font-size:12px;fill:#344054}
            </style></head><body>
            <h1>Embargo report</h1>
            <p class="meta">Policy <strong>\(escape(evaluator.policy.name))</strong> (<code>\(escape(evaluator.policy.id))</code>), as of <strong>\(evaluator.asOf)</strong>. \(escape(evaluator.policy.summary))</p>

            """
        if let summary {
            if summary.interrupted { html += "<p class=\"meta\"><strong>\(escape(TextReport.interruptedNotice))</strong></p>\n" }
            html += "<p class=\"meta\">Scanned \(escape(TextReport.summaryLine(summary))).</p>\n"
            for tree in summary.recognised {
                html += "<p class=\"meta\">Recognised <code>\(escape(tree.path.displayString))</code>: \(escape(tree.kind)), \(escape(tree.detail)).</p>\n"
            }
        }
        html += "<h2>Summary</h2>\n<table id=\"summary-by-verdict\"><tr><th>Verdict</th><th>Findings</th></tr>\n"
        for verdict in verdicts {
            html += "<tr><td>\(badge(verdict))</td><td>\(counts[verdict] ?? 0)</td></tr>\n"
        }
        html += "</table>\n" + chart(counts: counts)
        html += "<table id=\"summary-by-vendor\"><tr><th>Vendor</th>" + verdicts.map { "<th>\($0.rawValue)</th>" }.joined() + "<th>Total</th></tr>\n"
        for vendor in vendors.keys.sorted() {
            let items = vendors[vendor] ?? []
            html += "<tr><td>\(escape(vendor))</td>"
                + verdicts.map { verdict in "<td>\(items.filter { $0.assessment.verdict == verdict }.count)</td>" }.joined()
                + "<td>\(items.count)</td></tr>\n"
        }
        html += "</table>\n<h2>Findings (\(findings.count))</h2>\n"
        html += "<table id=\"findings\"><tr><th>Verdict</th><th>Product</th><th>Location</th><th>Evidence</th><th>Reason and citation</th></tr>\n"
        let ordered = findings.sorted {
            ($0.assessment.verdict.severity, $1.detection.location) > ($1.assessment.verdict.severity, $0.detection.location)
        }
        for finding in ordered {
            let detection = finding.detection
            let assessment = finding.assessment
            var location = "<code>\(escape(detection.location.description))</code>"
            if let record = detection.record { location += "<br>record <code>\(escape(record))</code>" }
            if let sha256 = detection.item.sha256 { location += "<br>sha256 <code>\(sha256)</code>" }
            let evidence = detection.evidence.map { item in
                "<li>\(escape(item.kind))\(item.field.map { " [\(escape($0))]" } ?? ""): <code>\(escape(String(item.value.prefix(200))))</code> (\(item.strength.rawValue)\(item.offset.map { ", offset \($0)" } ?? ""))</li>"
            }.joined()
            var reason = escape(assessment.reason)
            reason += "<br><small>\(escape(assessment.policy))\(assessment.rule.map { "/" + escape($0) } ?? ""): \(escape(assessment.citation))"
            if let date = assessment.effectiveDate { reason += "; effective \(date)" }
            reason += "</small>"
            if let exemption = assessment.exemption {
                reason += "<br><em>Exemption \(escape(exemption.exemption.id))\(exemption.isExpired ? " (expired)" : ""): \(escape(exemption.exemption.statement))</em>"
            }
            html += "<tr data-finding-id=\"\(finding.id)\"><td>\(badge(assessment.verdict))</td>"
                + "<td>\(escape(detection.productName))<br><small>\(escape(detection.vendorName)), \(escape(detection.family)), \(detection.confidence.rawValue), \(detection.form.rawValue)</small></td>"
                + "<td>\(location)</td><td><ul class=\"evidence\">\(evidence)</ul></td><td>\(reason)</td></tr>\n"
        }
        html += "</table>\n"
        if !events.isEmpty {
            html += "<h2>Events (\(events.count))</h2>\n<p class=\"meta\">What the scan could not or would not read.</p>\n"
            html += "<table id=\"events\"><tr><th>Kind</th><th>Location</th><th>Message</th></tr>\n"
            for event in events.sorted(by: { $0.location < $1.location }) {
                html += "<tr><td>\(event.kind.rawValue)\(event.limit.map { " (\($0))" } ?? "")</td><td><code>\(escape(event.location.description))</code></td><td>\(escape(event.message))</td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<p class=\"meta\">Generated by embargo \(EmbargoVersion.current).</p>\n</body></html>\n"
        return html
    }

    /// A horizontal bar chart of findings per verdict, as inline SVG.
    static func chart(counts: [Verdict: Int]) -> String {
        let maximum = max(1, counts.values.max() ?? 1)
        let rowHeight = 28
        var svg = "<svg class=\"chart\" id=\"verdict-chart\" role=\"img\" aria-label=\"Findings by verdict\" width=\"640\" height=\"\(rowHeight * 5 + 10)\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (row, verdict) in Verdict.allCases.reversed().enumerated() {
            let count = counts[verdict] ?? 0
            let width = count == 0 ? 0 : max(2, 440 * count / maximum)
            let y = row * rowHeight + 5
            svg += "<text x=\"0\" y=\"\(y + 17)\">\(verdict.rawValue)</text>"
            svg += "<rect x=\"100\" y=\"\(y)\" width=\"\(width)\" height=\"20\" fill=\"\(colors[verdict] ?? "#999")\"></rect>"
            svg += "<text x=\"\(110 + width)\" y=\"\(y + 17)\">\(count)</text>\n"
        }
        return svg + "</svg>\n"
    }

    static func badge(_ verdict: Verdict) -> String {
        "<span class=\"verdict\" style=\"background:\(colors[verdict] ?? "#999")\">\(verdict.rawValue)</span>"
    }

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
