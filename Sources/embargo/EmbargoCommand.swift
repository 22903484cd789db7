import ArgumentParser
import Embargo
import Foundation

@main
struct EmbargoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embargo",
        abstract: "Find software from prohibited vendors and say, under a policy and for a date, what must go.",
        discussion: """
            Embargo scans filesystems, mounted disk images, archives and package repositories for software \
            from vendors under the 2024 US Commerce (BIS) ban on Kaspersky and the FCC Covered List, and \
            reports each finding with its evidence, verdict, legal citation and reason.

            Exit codes:
              0  no finding at or above --fail-on (default: prohibited)
              1  findings at or above --fail-on
              2  usage or fatal error (bad arguments, unreadable signatures or policy, a report or store that cannot be written)
              3  the scan was incomplete (files that could not be read or unpacked) and --fail-on-incomplete was given
              130  interrupted by SIGINT or SIGTERM
            """,
        version: "embargo \(EmbargoVersion.current), signature set of \(SignatureSet.shippedSetDate)",
        subcommands: [
            ScanCommand.self, ReportCommand.self, SignaturesCommand.self, PolicyCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: nil
    )

    /// Runs the command, mapping every usage or fatal error to exit status 2 (ArgumentParser's own
    /// default for usage errors is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if error is ExitCode || exitCode(for: error) == .success {
                exit(withError: error)
            }
            writeStandardError("embargo: " + fullMessage(for: error) + "\n")
            Foundation.exit(ExitStatus.usage)
        }
    }
}
