import Embargo
import Foundation
import Synchronization

/// Receives records from every worker, evaluates detections, records them in the findings store if
/// there is one, and writes the report: line by line for JSON Lines, at the end for the other
/// formats. For files an incremental scan did not read again, it carries the previous scan's
/// findings (re-evaluated) and events over.
final class ReportSink: Sendable {
    private struct State {
        var findings: [Finding] = []
        var events: [ScanEvent] = []
        var worst: Verdict?
        var pending: [UInt8] = []
        var carriedFindings = 0
        var carriedErrors = 0
    }

    private let format: ReportFormat
    private let handle: FileHandle
    private let evaluator: PolicyEvaluator
    private let recorder: ScanRecorder?
    private let carried: CarriedRecords
    private let state = Mutex(State())

    init(format: ReportFormat, handle: FileHandle, evaluator: PolicyEvaluator, recorder: ScanRecorder?, carried: CarriedRecords = CarriedRecords()) {
        self.format = format
        self.handle = handle
        self.evaluator = evaluator
        self.recorder = recorder
        self.carried = carried
    }

    var worstVerdict: Verdict? { state.withLock { $0.worst } }

    func take(_ record: ScanRecord) {
        switch record {
        case .detection(let detection):
            take(finding: Finding(detection: detection, assessment: evaluator.assess(detection)))
        case .event(let event):
            take(event: event)
        case .file(let path, let stamp):
            recorder?.record(file: path, stamp: stamp)
        case .unchanged(let path, let stamp):
            recorder?.record(file: path, stamp: stamp)
            let previous = carried.records(for: path)
            for detection in previous.detections {
                take(finding: Finding(detection: detection, assessment: evaluator.assess(detection)))
            }
            for event in previous.events { take(event: event) }
            state.withLock {
                $0.carriedFindings += previous.detections.count
                $0.carriedErrors += previous.events.filter(\.makesScanIncomplete).count
            }
        }
    }

    private func take(finding: Finding) {
        recorder?.record(finding)
        let line = format.isStreaming ? RecordCoding.json(finding).serialized() : nil
        let flush: [UInt8]? = state.withLock { state in
            state.worst = max(state.worst ?? finding.assessment.verdict, finding.assessment.verdict)
            if !format.isStreaming { state.findings.append(finding) }
            return Self.append(line, to: &state)
        }
        if let flush { handle.write(Data(flush)) }
    }

    private func take(event: ScanEvent) {
        recorder?.record(event)
        let line = format.isStreaming ? RecordCoding.json(event).serialized() : nil
        let flush: [UInt8]? = state.withLock { state in
            if !format.isStreaming { state.events.append(event) }
            return Self.append(line, to: &state)
        }
        if let flush { handle.write(Data(flush)) }
    }

    /// Queues a line; returns the buffer to write when it has grown large.
    private static func append(_ line: String?, to state: inout State) -> [UInt8]? {
        guard let line else { return nil }
        state.pending += Array(line.utf8) + [0x0A]
        guard state.pending.count > 1 << 16 else { return nil }
        defer { state.pending.removeAll(keepingCapacity: true) }
        return state.pending
    }

    /// The summary with the carried-over findings and errors counted.
    func completed(_ summary: ScanSummary) -> ScanSummary {
        var summary = summary
        state.withLock {
            summary.counts.findings += $0.carriedFindings
            summary.counts.errors += $0.carriedErrors
        }
        return summary
    }

    func finish(summary: ScanSummary) {
        let (findings, events, pending) = state.withLock { ($0.findings, $0.events, $0.pending) }
        if format.isStreaming {
            handle.write(Data(pending))
            return
        }
        handle.write(Data(format.render(findings: findings, events: events, summary: summary, evaluator: evaluator).utf8))
    }
}

/// The previous scan's findings and events of each file, for an incremental scan.
struct CarriedRecords: Sendable {
    private var findings: [[UInt8]: [String]] = [:]
    private var events: [[UInt8]: [String]] = [:]

    init() {}

    init(findings: [StoredRecord], events: [StoredRecord]) {
        for record in findings { self.findings[record.path, default: []].append(record.json) }
        for record in events { self.events[record.path, default: []].append(record.json) }
    }

    /// The detections and events recorded for the file at `path`; records that no longer decode are
    /// left out.
    func records(for path: ScanPath) -> (detections: [Detection], events: [ScanEvent]) {
        (
            (findings[path.bytes] ?? []).compactMap { try? RecordCoding.finding(fromJSON: $0).detection },
            (events[path.bytes] ?? []).compactMap { try? RecordCoding.event(fromJSON: $0) }
        )
    }
}
