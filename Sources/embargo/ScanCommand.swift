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

    @Option(name: .long, help: "How many archives deep to unpack.")
    var maxDepth: Int = 17

    @Option(name: .long, help: "How many members of one archive to read.")
    var maxMembers: Int = 10_000

    @Option(name: .long, help: "How much to expand from one file, nested archives included (400M, 2G, ...).")
    var maxExpanded: String = "400000000"

    @Option(name: .long, help: "The largest expanded-to-compressed ratio before an archive counts as a bomb.")
    var maxRatio: Double = 1_000

    @Option(name: .long, help: "Do not match the content of files larger than this (default: no limit).")
    var maxFileSize: String?

    @Flag(name: .long, help: "In package repositories, also open every package the indexes name (by default verified indexes stand for the packages they describe).")
    var deep = false

    @Option(name: .long, help: "Scan part K of N (K from 1): files, and repository packages, are split by a hash of their path.")
    var shard: String?

    @Option(name: .long, help: "Split the work into N parts and scan the one JOB_COMPLETION_INDEX names (from 0), as a Kubernetes Indexed Job sets it.")
    var shards: Int?

    @Option(name: .long, help: "Store the scan, its findings and events in this SQLite file, or a PostgreSQL database (postgres://user@host:5432/db).")
    var db: String?

    @Flag(name: .long, help: "With --db: do not read files whose size, modification time and inode are unchanged since the last scan of the same targets; carry their findings and events over.")
    var incremental = false

    @Option(name: .long, help: "With --db: the name of the run this scan belongs to; the shards of one run share it (default: embargo-START-TIME).")
    var scanName: String?

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
        let part = try resolveShard()
        if incremental, db == nil { throw ValidationError("--incremental needs --db") }
        let targets = paths.map { ScanPath(bytes: Array($0.utf8)) }
        let started = Date()
        var store: (any FindingsStore)?
        var previousFiles: PreviousFiles?
        var carried = CarriedRecords()
        var recorder: ScanRecorder?
        if let db {
            do {
                let opened = try await FindingsStores.open(db)
                store = opened
                try await opened.prepare()
                if incremental {
                    if let last = try await opened.latestFinishedScan(targets: paths, shard: part.description) {
                        previousFiles = PreviousFiles(try await opened.files(of: last.id))
                        carried = CarriedRecords(findings: try await opened.findings(of: last.id), events: try await opened.events(of: last.id))
                        note("incremental: comparing with scan \(last.id) of \(last.started)")
                    } else {
                        note("incremental: no earlier scan of these targets\(part.count > 1 ? " and shard" : ""); reading everything")
                    }
                }
                let id = try await opened.beginScan(StoredScan(
                    name: scanName ?? "embargo-" + Self.timestamp(started), started: Self.timestamp(started), targets: paths,
                    shard: part.description, policy: evaluator.policy.id, asOf: evaluator.asOf.description))
                recorder = ScanRecorder(store: opened, scan: id)
            } catch {
                await store?.close()
                throw ValidationError("--db: \(error)")
            }
        }
        let sink = ReportSink(
            format: reportFormat, handle: try reportHandle(output), evaluator: evaluator, recorder: recorder, carried: carried)
        let scanner = Scanner(configuration: ScanConfiguration(
            targets: targets, jobs: jobs, limits: limits, excludes: exclude.map(ExcludeGlob.init), signatures: signatures,
            deep: deep, shard: part, previousFiles: previousFiles, reportsFileStamps: recorder != nil))
        let display = ProgressDisplay(progress: scanner.progress, enabled: !noProgress && !quiet && isatty(2) != 0)
        display.start()
        var summary: ScanSummary
        do {
            summary = try await scanner.run { record in sink.take(record) }
        } catch {
            display.stop()
            await store?.close()
            FileHandle.standardError.write(Data("embargo: \(error)\n".utf8))
            throw ExitCode(ExitStatus.usage)
        }
        display.stop()
        summary = sink.completed(summary)
        sink.finish(summary: summary)
        if let recorder {
            do {
                try await recorder.finish(summary: summary, finished: Self.timestamp(Date()))
                if !quiet { note("stored as scan \(recorder.scan) in \(FindingsStores.redacted(db ?? ""))") }
            } catch {
                await store?.close()
                FileHandle.standardError.write(Data("embargo: --db: the findings store failed: \(error)\n".utf8))
                throw ExitCode(ExitStatus.usage)
            }
        }
        await store?.close()
        if !quiet, reportFormat != .text || output != nil {
            note(TextReport.summaryLine(summary))
        }
        let worst = sink.worstVerdict
        if let threshold = failLevel.verdict, let worst, worst >= threshold { throw ExitCode(ExitStatus.findings) }
        if failOnIncomplete, summary.isIncomplete { throw ExitCode(ExitStatus.incomplete) }
    }

    /// The part of the work to do, from `--shard K/N` or from `--shards N` and `JOB_COMPLETION_INDEX`.
    func resolveShard() throws -> ScanShard {
        switch (shard, shards) {
        case (nil, nil):
            return .whole
        case (let text?, nil):
            guard let part = ScanShard(parsing: text) else { throw ValidationError("--shard must be K/N with 1 <= K <= N") }
            return part
        case (nil, let count?):
            guard let text = ProcessInfo.processInfo.environment["JOB_COMPLETION_INDEX"], let index = Int(text) else {
                throw ValidationError("--shards needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job); or use --shard K/N")
            }
            guard let part = ScanShard(index: index, count: count) else {
                throw ValidationError("JOB_COMPLETION_INDEX \(index) is not within 0..<\(count)")
            }
            return part
        default:
            throw ValidationError("give --shard or --shards, not both")
        }
    }

    /// An ISO 8601 time in UTC.
    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    private func note(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("embargo: \(text)\n".utf8))
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
