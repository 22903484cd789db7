import ArgumentParser
import Embargo
import EmbargoMatcher
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the pattern matcher alone over files, for comparison with hsscan and YARA.",
        discussion: """
            Reads a pattern file in the peers' format (one pattern a line: plain text, i:TEXT for ASCII \
            case-insensitive, hex:4D5A90 for bytes; ids count non-empty lines from 0). With --print-hits, \
            prints one line 'path<TAB>id,id,...' per file with matches (distinct ids, ascending), the same \
            as hsscan. The summary goes to standard error.
            """
    )

    @Option(name: .long, help: "The pattern file.")
    var patterns: String

    @Option(name: .shortAndLong, help: "Concurrent workers (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print the files with matches and their pattern ids.")
    var printHits = false

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
    }

    func run() async throws {
        guard let contents = FileManager.default.contents(atPath: patterns) else {
            throw ValidationError("cannot read the pattern file '\(patterns)'")
        }
        let patternList = try PatternList.parse(Array(contents))
        let benchmark = PatternBenchmark(configuration: .init(
            paths: paths.map(ScanPath.init), patterns: patternList, jobs: max(1, jobs),
            matcherOptions: .init(engine: engine, instructionSet: instructionSet)))
        let result = try await benchmark.run()
        if printHits {
            var output = ""
            do {
                for file in result.hits {
                    output += file.path.displayString + "\t" + file.patterns.map(String.init).joined(separator: ",") + "\n"
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
        let seconds = Double(result.scanDuration.components.seconds) + Double(result.scanDuration.components.attoseconds) / 1e18
        let compile = result.plan.compileDuration
        let compileSeconds = Double(compile.components.seconds) + Double(compile.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(result.bytes) / seconds / 1e6 : 0
        let summary: String
        if format == .json {
            summary = """
                {"files":\(result.files),"bytes":\(result.bytes),"unreadable":\(result.unreadable),\
                "seconds":\(seconds),"megabytesPerSecond":\(rate),"compileSeconds":\(compileSeconds),\
                "peakResidentBytes":\(result.peakResidentBytes),"engine":"\(result.plan.engine.rawValue)",\
                "instructionSet":"\(result.plan.instructionSet.rawValue)","patterns":\(result.plan.patternCount),\
                "anchors":\(result.plan.anchorCount),"tableBytes":\(result.plan.tableBytes)}
                """
        } else {
            summary = String(
                format: "embargo bench: %d files, %llu bytes, %d unreadable, scan %.3f s, %.1f MB/s, compile %.3f s, peak RSS %.1f MiB\n  %@",
                result.files, result.bytes, result.unreadable, seconds, rate, compileSeconds,
                Double(result.peakResidentBytes) / 1_048_576, result.plan.description)
        }
        writeStandardError(summary + "\n")
    }
}
