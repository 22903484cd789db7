public import ArgumentParser
public import Embargo
public import EmbargoMatcher

extension ReportFormat: ExpressibleByArgument {}
extension PatternMatcher.Engine: ExpressibleByArgument {}
extension InstructionSet: ExpressibleByArgument {}

extension ByteSize: ExpressibleByArgument {
    /// Parses a size such as `512M` or `2G` from the command line.
    public init?(argument: String) {
        self.init(parsing: argument)
    }

    /// The size as help shows it.
    public var defaultValueDescription: String { description }
}

/// The verdict from which `--fail-on` fails the run.
enum FailLevel: String, CaseIterable, ExpressibleByArgument {
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

/// The summary format of `embargo bench`.
enum SummaryFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

/// The process exit codes, as documented in `--help` and the README.
enum ExitStatus {
    static let clean: Int32 = 0
    static let findings: Int32 = 1
    static let usage: Int32 = 2
    static let incomplete: Int32 = 3
    /// Interrupted by SIGINT or SIGTERM (128 + SIGINT, as shells report it).
    static let interrupted: Int32 = 130
}
