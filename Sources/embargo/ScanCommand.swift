import ArgumentParser
import Embargo
import Foundation

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan files, directories, archives and mounted images for software from prohibited vendors.",
        discussion: """
            Every finding carries its vendor, product, evidence, verdict, policy rule, citation and reason. \
            Files that cannot be read or unpacked, and limits that are hit, are reported as events; they \
            never stop the scan.

            Formats: text (default when standard output is a terminal), jsonl (default otherwise: one JSON \
            object a line, findings, events and a last summary record), json (one document), sarif \
            (SARIF 2.1.0), csv, html, cyclonedx (CycloneDX 1.6 JSON).

            Sizes are bytes, or a number with K, M, G, T (powers of 1000) or KiB, MiB, GiB, TiB (powers of \
            1024): 400M is 400,000,000 bytes.

            Exit codes: 0 nothing at or above --fail-on; 1 findings at or above --fail-on; 2 usage or fatal \
            error; 3 incomplete scan with --fail-on-incomplete; 130 interrupted (SIGINT or SIGTERM: the \
            report and the store are finished and say so).
            """
    )

    @Argument(help: "Files or directories to scan.")
    var paths: [String]

    @OptionGroup var signatureOptions: SignatureOptions
    @OptionGroup var policyOptions: PolicyOptions

    @Option(name: .long, help: "Output format.")
    var format: ReportFormat?

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(
        name: .shortAndLong,
        help: "Concurrent workers, 1 to \(ScanConfiguration.maximumJobs) (default: the number of cores)."
    )
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Exit with 1 when a finding has this verdict or a stricter one.")
    var failOn: FailLevel = .prohibited

    @Flag(
        name: .long,
        help: "Exit with 3 when the scan was incomplete (unreadable files, limits hit, damaged archives)."
    )
    var failOnIncomplete = false

    @Option(
        name: .long,
        help: "Leave out paths matching this glob (a name, or a path when it has a slash); repeatable."
    )
    var exclude: [String] = []

    @Option(name: .long, help: "How many archives deep to unpack.")
    var maxDepth: Int = ScanLimits().maxDepth

    @Option(name: .long, help: "How many members of one archive to read.")
    var maxMembers: Int = ScanLimits().maxMembers

    @Option(
        name: .long,
        help:
            "How many files of one file system in a disk image to read (each takes a few hundred bytes while it is read)."
    )
    var maxImageFiles: Int = ScanLimits().maxImageFiles

    @Option(name: .long, help: "How much to expand from one file, nested archives included.")
    var maxExpanded = ByteSize(ScanLimits().maxExpandedBytes)

    @Option(name: .long, help: "The largest expanded-to-compressed ratio before an archive counts as a bomb.")
    var maxRatio: Double = ScanLimits().maxRatio

    @Option(name: .long, help: "Do not match the content of files larger than this (default: no limit).")
    var maxFileSize: ByteSize?

    @Flag(
        name: .long,
        help:
            "In package repositories, also open every package the indexes name (by default verified indexes stand for the packages they describe)."
    )
    var deep = false

    @Option(
        name: .long,
        help:
            "Check repository signatures (InRelease, Release.gpg, repomd.xml.asc) against this OpenPGP keyring, binary or armoured; repeatable. Needs gpgv."
    )
    var keyring: [String] = []

    @Flag(name: .long, help: "With --keyring: a repository without a signature is an integrity event.")
    var requireSigned = false

    @Option(
        name: .long,
        help: "Scan part K of N (K from 1): files, and repository packages, are split by a hash of their path."
    )
    var shard: String?

    @Option(
        name: .long,
        help:
            "Split the work into N parts and scan the one JOB_COMPLETION_INDEX names (from 0), as a Kubernetes Indexed Job sets it."
    )
    var shards: Int?

    @Option(
        name: .long,
        help:
            "Store the scan, its findings and events in this SQLite file, or a PostgreSQL database (postgres://user@host:5432/db)."
    )
    var db: String?

    @Flag(
        name: .long,
        help:
            "With --db: do not read files whose size, modification time and inode are unchanged since the last scan of the same targets; carry their findings and events over."
    )
    var incremental = false

    @Option(
        name: .long,
        help:
            "With --db: the name of the run this scan belongs to; the shards of one run share it (default: embargo-START-TIME)."
    )
    var scanName: String?

    @Flag(name: .long, help: "No progress display on standard error.")
    var noProgress = false

    @Flag(name: .shortAndLong, help: "No progress and no summary on standard error.")
    var quiet = false

    @Flag(name: .long, help: "Scan in this process, without a supervising parent that survives a crash of a reader.")
    var inProcess = false

    /// Set by a supervising parent for the scanning child it starts.
    @Option(name: .long, help: .hidden)
    var supervisedChildState: String?

    func validate() throws {
        guard (1...ScanConfiguration.maximumJobs).contains(jobs) else {
            throw ValidationError("--jobs must be between 1 and \(ScanConfiguration.maximumJobs)")
        }
        do {
            try limits().validate()
        } catch {
            throw ValidationError(error.message)
        }
        if incremental, db == nil { throw ValidationError("--incremental needs --db") }
        if requireSigned, keyring.isEmpty { throw ValidationError("--require-signed needs --keyring") }
        _ = try resolveShard()
    }

    func limits() -> ScanLimits {
        var limits = ScanLimits()
        limits.maxDepth = maxDepth
        limits.maxMembers = maxMembers
        limits.maxImageFiles = maxImageFiles
        limits.maxRatio = maxRatio
        limits.maxExpandedBytes = maxExpanded.bytes
        limits.maxFileSize = maxFileSize?.bytes
        return limits
    }

    func run() async throws {
        let signatures: SignatureSet
        let evaluator: PolicyEvaluator
        do {
            signatures = try signatureOptions.load()
            evaluator = try policyOptions.evaluator()
        } catch let error as DefinitionError {
            throw ValidationError(error.description)
        }
        var configuration = ScanConfiguration(
            targets: paths.map { ScanPath(bytes: Array($0.utf8)) },
            jobs: jobs,
            limits: limits(),
            excludes: exclude.map(ExcludeGlob.init),
            signatures: signatures,
            deep: deep,
            shard: try resolveShard()
        )
        configuration.keyrings = keyring
        configuration.requireSigned = requireSigned
        do {
            try configuration.prepareSignatureCheck()
            try Embargo.Scanner(configuration: configuration).checkTargets()
        } catch {
            throw ValidationError(error.message)
        }
        if let supervisedChildState {
            try await ScanExecution.runChild(configuration: configuration, statePath: supervisedChildState)
            return
        }
        var outputFile = OutputFile.standardOutput
        if let output {
            do {
                outputFile = try OutputFile(path: output)
            } catch {
                throw ValidationError(error.message)
            }
        }
        let reportFormat = format ?? (output == nil && outputFile.isTerminal ? .text : .jsonl)
        let started = Date()
        var stored: StoredScanStart?
        if let db {
            do {
                stored = try await StoredScanStart.begin(
                    at: db,
                    scan: StoredScan(
                        name: scanName ?? "embargo-" + Self.timestamp(started),
                        started: Self.timestamp(started),
                        targets: paths,
                        shard: configuration.shard.description,
                        policy: evaluator.policy.id,
                        asOf: evaluator.asOf.description
                    ),
                    incremental: incremental
                )
            } catch {
                throw ValidationError("--db: \(error)")
            }
            if incremental, !quiet {
                if let previous = stored?.previousScan {
                    note("incremental: comparing with scan \(previous.id) of \(previous.started)")
                } else {
                    note(
                        "incremental: no earlier scan of these targets\(configuration.shard.count > 1 ? " and shard" : ""); reading everything"
                    )
                }
            }
            configuration.previousFiles = stored?.previousFiles
        }
        let session = ScanSession(
            evaluator: evaluator,
            report: ReportWriter(format: reportFormat, output: outputFile, evaluator: evaluator, targets: paths),
            recorder: stored?.recorder,
            carried: stored?.carried ?? CarriedRecords()
        )
        let outcome: ScanOutcome
        let showsProgress = !noProgress && !quiet && isatty(2) != 0
        if inProcess {
            let scanner = Embargo.Scanner(configuration: configuration)
            outcome = await ScanExecution.run(
                scanner: scanner,
                session: session,
                display: ProgressDisplay(progress: scanner.progress, enabled: showsProgress)
            )
        } else {
            let supervisor = SupervisedScan(
                executable: ScanExecution.executablePath,
                arguments: Array(CommandLine.arguments.dropFirst()),
                jobs: jobs,
                previousFiles: configuration.previousFiles,
                temporaryDirectory: configuration.temporaryDirectory
            )
            let progress = ScanProgress()
            outcome = await ScanExecution.run(
                supervisor: supervisor,
                progress: progress,
                session: session,
                display: ProgressDisplay(progress: progress, enabled: showsProgress)
            )
        }
        await stored?.store.close()
        switch outcome {
        case .failed(let message):
            note(message)
            throw ExitCode(ExitStatus.usage)
        case .finished(let summary):
            if !quiet, reportFormat != .text || output != nil { note(TextReport.summaryLine(summary)) }
            if let stored, !quiet {
                note("stored as scan \(stored.recorder.scan) in \(FindingsStores.redacted(db ?? ""))")
            }
            if summary.interrupted { throw ExitCode(ExitStatus.interrupted) }
            if let threshold = failOn.verdict, let worst = session.worstVerdict, worst >= threshold {
                throw ExitCode(ExitStatus.findings)
            }
            if failOnIncomplete, summary.isIncomplete { throw ExitCode(ExitStatus.incomplete) }
        }
    }

    /// The part of the work to do, from `--shard K/N` or from `--shards N` and `JOB_COMPLETION_INDEX`.
    func resolveShard() throws -> ScanShard {
        switch (shard, shards) {
        case (nil, nil):
            return .whole
        case (let text?, nil):
            guard let part = ScanShard(parsing: text) else {
                throw ValidationError("--shard must be K/N with 1 <= K <= N")
            }
            return part
        case (nil, let count?):
            guard let text = ProcessInfo.processInfo.environment["JOB_COMPLETION_INDEX"], let index = Int(text) else {
                throw ValidationError(
                    "--shards needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job); or use --shard K/N"
                )
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
}
