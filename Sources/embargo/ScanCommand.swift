import ArgumentParser
import Embargo
import Foundation
import Synchronization

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan files, directories, archives and mounted images for software from prohibited vendors.",
        discussion: """
            Every finding carries its vendor, product, evidence, verdict, policy rule, citation and reason. \
            Files that cannot be read or unpacked, and limits that are hit, are reported as events; they \
            never stop the scan.

            Formats: text (default when standard output is a terminal), jsonl (default otherwise: one JSON \
            object a line, findings and events), json (one document), sarif (SARIF 2.1.0), csv, html.

            Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on; 2 usage or fatal \
            error; 3 incomplete scan with --fail-on-incomplete.
            """
    )

    @Argument(help: "Files or directories to scan.")
    var paths: [String]

    @OptionGroup var signatureOptions: SignatureOptions
    @OptionGroup var policyOptions: PolicyOptions

    @Option(name: .long, help: "Output format: text, json, jsonl, sarif, csv, html.")
    var format: String?

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .shortAndLong, help: "Concurrent workers (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Exit with 1 when a finding has this verdict or a stricter one: prohibited, restricted, review, never.")
    var failOn: String = "prohibited"

    @Flag(name: .long, help: "Exit with 3 when the scan was incomplete (unreadable files, limits hit, damaged archives).")
    var failOnIncomplete = false

    @Option(name: .long, help: "Leave out paths matching this glob (a name, or a path when it has a slash); repeatable.")
    var exclude: [String] = []

    @Option(name: .long, help: "How many archives deep to unpack (default 17).")
    var maxDepth: Int = 17

    @Option(name: .long, help: "How many members of one archive to read (default 10000).")
    var maxMembers: Int = 10_000

    @Option(name: .long, help: "How much to expand from one file, nested archives included (default 400M).")
    var maxExpanded: String = "400000000"

    @Option(name: .long, help: "The largest expanded-to-compressed ratio before an archive counts as a bomb (default 1000).")
    var maxRatio: Double = 1_000

    @Option(name: .long, help: "Do not match the content of files larger than this (default: no limit).")
    var maxFileSize: String?

    @Flag(name: .long, help: "No progress display on standard error.")
    var noProgress = false

    @Flag(name: .shortAndLong, help: "No progress and no summary on standard error.")
    var quiet = false

    func run() async throws {
        let reportFormat = try ReportFormat.resolve(format, output: output)
        guard let failLevel = FailLevel(rawValue: failOn) else {
            throw ValidationError("--fail-on must be prohibited, restricted, review or never")
        }
        var limits = ScanLimits()
        limits.maxDepth = maxDepth
        limits.maxMembers = maxMembers
        limits.maxRatio = maxRatio
        guard let expanded = parseSize(maxExpanded) else { throw ValidationError("--max-expanded: not a size") }
        limits.maxExpandedBytes = expanded
        if let maxFileSize {
            guard let size = parseSize(maxFileSize) else { throw ValidationError("--max-file-size: not a size") }
            limits.maxFileSize = size
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }

        let signatures: SignatureSet
        let evaluator: PolicyEvaluator
        do {
            signatures = try signatureOptions.load()
            evaluator = try policyOptions.evaluator()
        } catch let error as DefinitionError {
            throw ValidationError(error.description)
        }
        let sink = try ReportSink(format: reportFormat, output: output, evaluator: evaluator)
        let scanner = Scanner(configuration: ScanConfiguration(
            targets: paths.map { ScanPath(bytes: Array($0.utf8)) }, jobs: jobs, limits: limits,
            excludes: exclude.map(ExcludeGlob.init), signatures: signatures))
        let display = ProgressDisplay(progress: scanner.progress, enabled: !noProgress && !quiet && isatty(2) != 0)
        display.start()
        let summary: ScanSummary
        do {
            summary = try await scanner.run { record in sink.take(record) }
        } catch {
            display.stop()
            FileHandle.standardError.write(Data("embargo: \(error)\n".utf8))
            throw ExitCode(ExitStatus.usage)
        }
        display.stop()
        try sink.finish(summary: summary)
        if !quiet, reportFormat != .text || output != nil {
            FileHandle.standardError.write(Data(("embargo: " + TextReport.summaryLine(summary) + "\n").utf8))
        }
        let worst = sink.worstVerdict
        if let threshold = failLevel.verdict, let worst, worst >= threshold { throw ExitCode(ExitStatus.findings) }
        if failOnIncomplete, summary.isIncomplete { throw ExitCode(ExitStatus.incomplete) }
    }
}

/// The verdict from which `--fail-on` fails the run.
enum FailLevel: String {
    case prohibited, restricted, review, never

    var verdict: Verdict? {
        switch self {
        case .prohibited: .prohibited
        case .restricted: .restricted
        case .review: .review
        case .never: nil
        }
    }
}

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
}

/// Receives records from every worker, evaluates detections, and writes the report: line by line for
/// JSON Lines, at the end for the other formats.
final class ReportSink: Sendable {
    private struct State {
        var findings: [Finding] = []
        var events: [ScanEvent] = []
        var worst: Verdict?
        var pending: [UInt8] = []
    }

    private let format: ReportFormat
    private let handle: FileHandle
    private let evaluator: PolicyEvaluator
    private let state = Mutex(State())

    init(format: ReportFormat, output: String?, evaluator: PolicyEvaluator) throws {
        self.format = format
        self.evaluator = evaluator
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                let handle = FileHandle(forWritingAtPath: output)
            else { throw ValidationError("cannot write '\(output)'") }
            self.handle = handle
        } else {
            self.handle = FileHandle.standardOutput
        }
    }

    var worstVerdict: Verdict? { state.withLock { $0.worst } }

    func take(_ record: ScanRecord) {
        let finding: Finding?
        let line: String?
        switch record {
        case .detection(let detection):
            let assessed = Finding(detection: detection, assessment: evaluator.assess(detection))
            finding = assessed
            line = format.isStreaming ? RecordCoding.json(assessed).serialized() : nil
        case .event(let event):
            finding = nil
            line = format.isStreaming ? RecordCoding.json(event).serialized() : nil
        }
        let flush: [UInt8]? = state.withLock { state in
            if let finding {
                state.worst = max(state.worst ?? finding.assessment.verdict, finding.assessment.verdict)
                if !format.isStreaming { state.findings.append(finding) }
            } else if case .event(let event) = record, !format.isStreaming {
                state.events.append(event)
            }
            guard let line else { return nil }
            state.pending += Array(line.utf8) + [0x0A]
            guard state.pending.count > 1 << 16 else { return nil }
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        if let flush { handle.write(Data(flush)) }
    }

    func finish(summary: ScanSummary) throws {
        let (findings, events, pending) = state.withLock { ($0.findings, $0.events, $0.pending) }
        let text: String
        switch format {
        case .jsonl:
            handle.write(Data(pending))
            return
        case .text:
            text = TextReport.render(
                findings: findings, events: events, summary: summary, asOf: evaluator.asOf, policy: evaluator.policy.id)
        case .json:
            text = JSONReport.render(findings: findings, events: events, summary: summary, evaluator: evaluator) + "\n"
        case .sarif:
            text = SARIFReport.render(findings: findings, events: events, evaluator: evaluator) + "\n"
        case .csv:
            text = CSVReport.render(findings: findings)
        case .html:
            text = HTMLReport.render(findings: findings, events: events, summary: summary, evaluator: evaluator)
        }
        handle.write(Data(text.utf8))
    }
}

/// The progress line on standard error: files, bytes, rate and the current path, redrawn a few times
/// a second while the scan runs.
final class ProgressDisplay: Sendable {
    private let progress: ScanProgress
    private let enabled: Bool
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(progress: ScanProgress, enabled: Bool) {
        self.progress = progress
        self.enabled = enabled
    }

    func start() {
        guard enabled else { return }
        let progress = progress
        let clock = ContinuousClock()
        let started = clock.now
        let running = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let counts = progress.counts
                let seconds = (clock.now - started).seconds
                let rate = seconds > 0 ? Double(counts.bytes) / seconds / 1_048_576 : 0
                var current = progress.currentPath
                if current.count > 60 { current = "…" + current.suffix(59) }
                let line = String(format: "\r\u{1B}[K%d files, %.1f MiB, %.1f MiB/s, %d findings, %d errors  ", counts.files,
                    Double(counts.bytes) / 1_048_576, rate, counts.findings, counts.errors) + current
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        task.withLock { $0 = running }
    }

    func stop() {
        guard enabled else { return }
        task.withLock { $0?.cancel() }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
