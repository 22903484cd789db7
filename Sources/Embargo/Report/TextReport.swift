import Foundation

/// The readable report of a scan: the findings grouped by verdict, each with its evidence and reason,
/// the events, and a summary with the counts per verdict and the as-of date.
package enum TextReport {
    /// One finding, for people.
    package static func line(for finding: Finding) -> String {
        let detection = finding.detection
        let assessment = finding.assessment
        var text =
            "[\(assessment.verdict.rawValue.uppercased())] \(detection.productName) (\(detection.vendorName), \(detection.family))"
        text += "\n    at \(detection.location.description.terminalSafe)"
        if let record = detection.record { text += " record \(record.terminalSafe)" }
        if let place = detection.imageLayer {
            text += "\n    in \(place.summary.terminalSafe)"
            if let removal = place.removalSummary { text += ", removed by \(removal.terminalSafe)" }
        }
        text += "\n    \(detection.confidence.rawValue), \(detection.form.rawValue), score \(detection.score)"
        if let sha256 = detection.item.sha256 { text += ", sha256 \(sha256)" }
        for evidence in detection.evidence.prefix(6) {
            var line = "\n    - \(evidence.kind)"
            if let field = evidence.field { line += " [\(field.terminalSafe)]" }
            line += ": \(String(evidence.value.prefix(160)).terminalSafe) (\(evidence.strength.rawValue)"
            if let offset = evidence.offset { line += ", offset \(offset)" }
            text += line + ")"
        }
        if detection.evidence.count > 6 { text += "\n    - … \(detection.evidence.count - 6) more" }
        text += "\n    \(assessment.reason)"
        text +=
            "\n    policy \(assessment.policy)" + (assessment.rule.map { ", rule \($0)" } ?? "")
            + ": \(assessment.citation)"
        for opinion in assessment.otherPolicies {
            text +=
                "\n    under \(opinion.policy)" + (opinion.rule.map { ", rule \($0)" } ?? "")
                + ": \(opinion.verdict.rawValue) — \(opinion.reason)"
        }
        if let exemption = assessment.exemption {
            text +=
                "\n    exemption \(exemption.exemption.id.terminalSafe)\(exemption.isExpired ? " (EXPIRED)" : ""): \(exemption.exemption.statement.terminalSafe)"
        }
        return text
    }

    /// One event, for people.
    package static func line(for event: ScanEvent) -> String {
        "[\(event.kind.rawValue)\(event.limit.map { " \($0)" } ?? "")] \(event.location.description.terminalSafe): \(event.message.terminalSafe)"
    }

    /// The summary line: files, bytes, archives, members, errors, findings, elapsed.
    package static func summaryLine(_ summary: ScanSummary) -> String {
        let counts = summary.counts
        let seconds = summary.elapsed.seconds
        let rate = seconds > 0 ? Double(counts.bytes) / seconds : 0
        var parts = [
            counted(counts.files, "file"), "\(ByteCount.format(counts.bytes)) (\(ByteCount.format(UInt64(rate)))/s)",
            counted(counts.archives, "archive"), counted(counts.members, "member"),
        ]
        if counts.indexEntries > 0 || counts.coveredByIndex > 0 {
            parts.append(
                "\(counted(counts.indexEntries, "index entry", "index entries")) "
                    + "(\(counted(counts.coveredByIndex, "package")) taken from their index)"
            )
        }
        if counts.unchanged > 0 { parts.append("\(counted(counts.unchanged, "unchanged file")) skipped") }
        if counts.otherShards > 0 { parts.append("\(counted(counts.otherShards, "file")) left to other shards") }
        parts += [
            counted(counts.errors, "error"), "\(counts.skipped) skipped", counted(counts.findings, "finding"),
            String(format: "%.2f", seconds) + " s",
        ]
        return parts.joined(separator: ", ")
    }

    /// `1 file`, `2 files`: a count with its noun in the right number.
    private static func counted<Count: BinaryInteger>(
        _ count: Count,
        _ singular: String,
        _ plural: String? = nil
    ) -> String {
        "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
    }

    /// What a report of a scan that was stopped before it finished says first.
    package static let interruptedNotice =
        "The scan did not finish (it was interrupted or stopped): what it did not reach is not in this report."

    /// The whole report.
    package static func render(
        findings: [Finding],
        events: [ScanEvent],
        summary: ScanSummary?,
        asOf: CalendarDate,
        policy: String
    ) -> String {
        var text = "Embargo scan, policy \(policy), as of \(asOf)\n"
        if summary?.interrupted == true { text += "\n\(interruptedNotice)\n" }
        let ordered = findings.sorted {
            ($0.assessment.verdict.severity, $1.detection.location) > (
                $1.assessment.verdict.severity, $0.detection.location
            )
        }
        if ordered.isEmpty { text += "\nNo findings.\n" }
        for finding in ordered { text += "\n" + line(for: finding) + "\n" }
        if !events.isEmpty {
            text += "\nEvents (\(events.count)):\n"
            for event in events.sorted(by: { $0.location < $1.location }).prefix(200) {
                text += "  " + line(for: event) + "\n"
            }
            if events.count > 200 { text += "  … \(events.count - 200) more (use --format jsonl for all)\n" }
        }
        text +=
            "\nVerdicts: "
            + Verdict.allCases.reversed().map { verdict in
                "\(findings.filter { $0.assessment.verdict == verdict }.count) \(verdict.rawValue)"
            }.joined(separator: ", ") + " (as of \(asOf))\n"
        if let summary {
            for tree in summary.recognised {
                text +=
                    "Recognised: \(tree.path.displayString.terminalSafe) — \(tree.kind): \(tree.detail.terminalSafe)\n"
            }
            text += "Scanned: " + summaryLine(summary) + "\n"
        }
        return text
    }
}

/// Byte counts for people.
enum ByteCount {
    static func format(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
