import ArgumentParser
import Embargo
import Foundation

/// The report formats.
enum ReportFormat: String, CaseIterable {
    case text, json, jsonl, sarif, csv, html

    static func resolve(_ name: String?, output: String?) throws -> ReportFormat {
        guard let name else { return output == nil && isatty(1) != 0 ? .text : .jsonl }
        guard let format = ReportFormat(rawValue: name) else {
            throw ValidationError("--format must be one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }

    /// Whether records are written as they come (otherwise the report is written at the end).
    var isStreaming: Bool { self == .jsonl }

    /// The whole report of findings and events in this format.
    func render(findings: [Finding], events: [ScanEvent], summary: ScanSummary?, evaluator: PolicyEvaluator) -> String {
        switch self {
        case .jsonl:
            return findings.map { RecordCoding.json($0).serialized() + "\n" }.joined()
                + events.map { RecordCoding.json($0).serialized() + "\n" }.joined()
        case .text:
            return TextReport.render(findings: findings, events: events, summary: summary, asOf: evaluator.asOf, policy: evaluator.policy.id)
        case .json:
            return JSONReport.render(findings: findings, events: events, summary: summary, evaluator: evaluator) + "\n"
        case .sarif:
            return SARIFReport.render(findings: findings, events: events, evaluator: evaluator) + "\n"
        case .csv:
            return CSVReport.render(findings: findings)
        case .html:
            return HTMLReport.render(findings: findings, events: events, summary: summary, evaluator: evaluator)
        }
    }
}

/// Where a report goes: a file (created or truncated in place, so that `/dev/null`, a FIFO or a
/// symbolic link is written through, never replaced), or standard output.
func reportHandle(_ output: String?) throws -> FileHandle {
    guard let output else { return FileHandle.standardOutput }
    let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw ValidationError("cannot write '\(output)': \(String(cString: strerror(errno)))")
    }
    return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
}
