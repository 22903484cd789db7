import ArgumentParser
import Embargo
import EmbargoMatcher
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the whole scanning pipeline over files, or the pattern matcher alone.",
        discussion: """
            Without --patterns: the scan of PATHs with the shipped (or --signatures) set, in this process, \
            a warm-up run and then --runs measured runs, no report written. Prints files/s, bytes/s, \
            members/s, peak memory and the time of every stage (walk, read, classify, unpack, match, \
            extract, detect, evaluate), summed over workers.

            With --patterns: the matcher alone, for comparison with hsscan and YARA. Reads a pattern file \
            in the peers' format (one pattern a line: plain text, i:TEXT for ASCII case-insensitive, \
            hex:4D5A90 for bytes; ids count non-empty lines from 0). With --print-hits, prints one line \
            'path<TAB>id,id,...' per file with matches (distinct ids, ascending), the same as hsscan. The \
            summary goes to standard error.

            With --profile (either mode): every candidate the prefilter lets through is checked, and the \
            patterns that cost most are listed with their candidates and occurrences, so that a signature \
            author sees which string makes a scan slow. Profiled runs are slower than plain ones.
            """
    )

    @Option(name: .long, help: "The pattern file: measure the matcher alone.")
    var patterns: String?

    @Option(name: .long, help: "Measured runs of the pipeline, after one warm-up run.")
    var runs: Int = 3

    @Flag(name: .long, help: "Instead: compare the first-bytes classification with libmagic's on every file.")
    var classification = false

    @OptionGroup var signatureOptions: SignatureOptions
    @OptionGroup var policyOptions: PolicyOptions

    @Option(name: .shortAndLong, help: "Concurrent workers (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print the files with matches and their pattern ids.")
    var printHits = false

    @Flag(
        name: .long,
        help: "Count what each pattern costs (candidates checked, occurrences) and print the costliest."
    )
    var profile = false

    @Option(name: .long, help: "How many of the costliest patterns --profile prints.")
    var profileLimit = 20

    @Option(name: .long, help: "The literal engine.")
    var engine: PatternMatcher.Engine = .automatic

    @Option(name: .long, help: "The widest instructions to use (default: the CPU's best).")
    var instructionSet: InstructionSet?

    @Option(name: .long, help: "Summary format.")
    var format: SummaryFormat = .text

    @Argument(help: "Files or directories to scan.")
    var paths: [String]

    func validate() throws {
        guard (1...ScanConfiguration.maximumJobs).contains(jobs) else {
            throw ValidationError("--jobs must be between 1 and \(ScanConfiguration.maximumJobs)")
        }
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be between 1 and 100") }
        guard profileLimit >= 1 else { throw ValidationError("--profile-limit must be at least 1") }
    }

    func run() async throws {
        if classification {
            try survey()
            return
        }
        guard let patterns else {
            try await runPipeline()
            return
        }
        guard let contents = FileManager.default.contents(atPath: patterns) else {
            throw ValidationError("cannot read the pattern file '\(patterns)'")
        }
        let patternList = try PatternList.parse(Array(contents))
        let patternLines = PatternList.lines(Array(contents))
        let patternLabel = { (id: Int) in
            let line = patternLines[id]
            return "line \(line.number): \(String(decoding: line.text, as: UTF8.self))"
        }
        let benchmark = PatternBenchmark(
            configuration: .init(
                paths: paths.map(ScanPath.init),
                patterns: patternList,
                jobs: max(1, jobs),
                matcherOptions: .init(engine: engine, instructionSet: instructionSet),
                profile: profile
            )
        )
        let result = try await benchmark.run()
        if printHits {
            var output = ""
            do {
                for file in result.hits {
                    output +=
                        file.path.displayString + "\t" + file.patterns.map(String.init).joined(separator: ",") + "\n"
                    if output.utf8.count > 1 << 16 {
                        try OutputFile.standardOutput.write(output)
                        output = ""
                    }
                }
                try OutputFile.standardOutput.write(output)
            } catch {
                throw ValidationError(error.message)
            }
        }
        let seconds =
            Double(result.scanDuration.components.seconds) + Double(result.scanDuration.components.attoseconds) / 1e18
        let compile = result.plan.compileDuration
        let compileSeconds = Double(compile.components.seconds) + Double(compile.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(result.bytes) / seconds / 1e6 : 0
        let summary: String
        if format == .json {
            summary = """
                {"files":\(result.files),"bytes":\(result.bytes),"unreadable":\(result.unreadable),\
                "seconds":\(seconds),"megabytesPerSecond":\(rate),"compileSeconds":\(compileSeconds),\
                "peakResidentBytes":\(result.peakResidentBytes),"engine":"\(result.plan.engine.rawValue)",\
                "instructionSet":"\(result.plan.instructionSet.rawValue)","switchedToFDR":\(result.switchedWorkers),"patterns":\(result.plan.patternCount),\
                "anchors":\(result.plan.anchorCount),"tableBytes":\(result.plan.tableBytes)\
                \(profileJSON(result.profile, describe: patternLabel))}
                """
        } else {
            summary =
                String(
                    format:
                        "embargo bench: %d files, %llu bytes, %d unreadable, scan %.3f s, %.1f MB/s, compile %.3f s, peak RSS %.1f MiB\n  %@",
                    result.files,
                    result.bytes,
                    result.unreadable,
                    seconds,
                    rate,
                    compileSeconds,
                    Double(result.peakResidentBytes) / 1_048_576,
                    result.plan.description
                        + (result.switchedWorkers > 0
                            ? "; FDR took over from Teddy in \(result.switchedWorkers) of \(jobs) workers" : "")
                ) + profileText(result.profile, describe: patternLabel)
        }
        writeStandardError(summary + "\n")
    }

    /// The pipeline benchmark.
    private func runPipeline() async throws {
        let signatures = try signatureOptions.load()
        let configuration = ScanConfiguration(
            targets: paths.map { ScanPath(bytes: Array($0.utf8)) },
            jobs: jobs,
            signatures: signatures
        )
        let evaluator = try policyOptions.evaluator()
        let result = try await PipelineBenchmark(
            configuration: configuration,
            evaluator: evaluator,
            runs: runs,
            profile: profile
        ).run()
        let patternLabel = { (id: Int) in
            guard let origin = signatures.origin(ofPattern: id) else { return "pattern \(id)" }
            return "\(origin.product) \(origin.place): \(origin.text)"
        }
        guard let best = result.best else { return }
        let seconds = best.elapsed.seconds
        let counts = best.counts
        let rate = { (value: Double) in seconds > 0 ? value / seconds : 0 }
        let stages = Stage.allCases.map { ($0.name, Double(best.stageTimes[$0]) / 1e9) }
        let text: String
        if format == .json {
            let stageJSON = stages.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
            text = """
                {"runs":[\(result.runs.map { String($0.elapsed.seconds) }.joined(separator: ","))],"seconds":\(seconds),\
                "files":\(counts.files),"bytes":\(counts.bytes),"members":\(counts.members),"archives":\(counts.archives),\
                "filesPerSecond":\(rate(Double(counts.files))),"bytesPerSecond":\(rate(Double(counts.bytes))),\
                "membersPerSecond":\(rate(Double(counts.members))),"peakResidentBytes":\(result.peakResidentBytes),\
                "findings":\(counts.findings),"errors":\(counts.errors),"stageSeconds":{\(stageJSON)}\
                \(profileJSON(best.matchProfile, describe: patternLabel))}
                """
        } else {
            // Shares of the workers' time (wall time × workers); "other" is what no stage accounts for:
            // bookkeeping between stages, waiting for work, handing results over.
            let workerTime = seconds * Double(jobs)
            let total = stages.reduce(0) { $0 + $1.1 }
            var lines = [
                String(
                    format:
                        "embargo bench: best of %d runs %.3f s (%@); %d files, %.1f MiB, %d members; %.0f files/s, %.1f MiB/s, %.0f members/s; peak RSS %.1f MiB",
                    result.runs.count,
                    seconds,
                    result.runs.map { String(format: "%.3f", $0.elapsed.seconds) }.joined(separator: ", "),
                    counts.files,
                    Double(counts.bytes) / 1_048_576,
                    counts.members,
                    rate(Double(counts.files)),
                    rate(Double(counts.bytes)) / 1_048_576,
                    rate(Double(counts.members)),
                    Double(result.peakResidentBytes) / 1_048_576
                ),
                "  stage      seconds   share of the \(jobs) workers' time",
            ]
            for (name, value) in stages + [("other", max(0, workerTime - total))] {
                let padded = name + String(repeating: " ", count: max(0, 9 - name.count))
                lines.append(
                    "  " + padded
                        + String(format: "%9.3f  %5.1f%%", value, workerTime > 0 ? value / workerTime * 100 : 0)
                )
            }
            text = lines.joined(separator: "\n") + profileText(best.matchProfile, describe: patternLabel)
        }
        writeStandardError(text + "\n")
    }

    /// The costliest patterns of a profile as lines to append to the text summary (empty without one).
    private func profileText(_ profile: MatchProfile?, describe: (Int) -> String) -> String {
        guard let profile else { return "" }
        let costliest = profile.costliest(profileLimit)
        var lines = [
            "",
            "  costliest patterns (\(costliest.count) of \(profile.candidates.filter { $0 > 0 }.count) with candidates):",
            "  candidates  occurrences  pattern",
        ]
        for id in costliest {
            lines.append(
                String(format: "  %10llu  %11llu  ", profile.candidates[id], profile.matches[id]) + describe(id)
            )
        }
        return lines.joined(separator: "\n")
    }

    /// The costliest patterns of a profile as a JSON member to append to the summary object (empty
    /// without one).
    private func profileJSON(_ profile: MatchProfile?, describe: (Int) -> String) -> String {
        guard let profile else { return "" }
        let entries = profile.costliest(profileLimit).map { id in
            JSONValue.object([
                ("pattern", .int(Int64(id))),
                ("candidates", .int(Int64(clamping: profile.candidates[id]))),
                ("occurrences", .int(Int64(clamping: profile.matches[id]))),
                ("label", .string(describe(id))),
            ])
        }
        return ",\"profile\":" + JSONValue.array(entries).serialized()
    }

    /// The classification survey.
    private func survey() throws {
        let result = try ClassificationSurvey(paths: paths.map(ScanPath.init)).run()
        var lines = [
            String(
                format:
                    "embargo bench --classification: %d files; first-bytes format and libmagic agree on %d (%.3f%%)",
                result.files,
                result.agreeing,
                result.agreement * 100
            ),
            "  files per format: "
                + result.formats.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ]
        for difference in result.differences.prefix(40) {
            lines.append(
                "  \(difference.count)\t\(difference.format) / libmagic \(difference.mimeType): \(difference.examples.joined(separator: " "))"
            )
        }
        try OutputFile.standardOutput.write(lines.joined(separator: "\n") + "\n")
    }
}
