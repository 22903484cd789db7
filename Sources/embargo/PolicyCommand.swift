import ArgumentParser
import Embargo
import Foundation

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "List and show policies, and re-evaluate stored findings without rescanning.",
        subcommands: [List.self, Show.self, Evaluate.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the shipped policies.")

        func run() throws {
            for policy in try PolicyCatalog.shipped().policies {
                print("\(policy.id)\t\(policy.name)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a policy's rules, periods and citations."
        )
        @Argument(help: "A shipped policy name or a policy file.") var name: String

        func run() throws {
            let catalog = try PolicyCatalog.shipped()
            let policy: Policy
            if let shipped = catalog.policy(name) {
                policy = shipped
            } else {
                policy = try PolicyCatalog.load(file: name, text: try readText(name, limit: definitionFileLimit))
            }
            print("\(policy.name) (\(policy.id))")
            if !policy.summary.isEmpty { print(policy.summary) }
            if !policy.citation.isEmpty { print("citation: \(policy.citation)") }
            print("mentions: \(policy.mentionVerdict.rawValue)")
            if !policy.combines.isEmpty {
                print("combines (strictest verdict wins): \(policy.combines.joined(separator: ", "))")
            }
            for rule in policy.rules {
                let selector = rule.selector
                var select: [String] = []
                if !selector.vendors.isEmpty { select.append("vendor \(selector.vendors.joined(separator: "|"))") }
                if !selector.products.isEmpty { select.append("product \(selector.products.joined(separator: "|"))") }
                if !selector.families.isEmpty { select.append("family \(selector.families.joined(separator: "|"))") }
                if !selector.forms.isEmpty {
                    select.append("form \(selector.forms.map(\.rawValue).joined(separator: "|"))")
                }
                if !selector.confidences.isEmpty {
                    select.append("confidence \(selector.confidences.map(\.rawValue).joined(separator: "|"))")
                }
                if !selector.evidenceKinds.isEmpty {
                    select.append("evidence \(selector.evidenceKinds.joined(separator: "|"))")
                }
                print("\nrule \(rule.id): \(select.joined(separator: ", "))")
                print("  citation: \(rule.citation)")
                for period in rule.periods {
                    let from = period.from.map { "from \($0)" } ?? (period.until == nil ? "always" : "")
                    let until = period.until.map { " until \($0)" } ?? ""
                    print("  \(from)\(until): \(period.verdict.rawValue) — \(period.reason)")
                }
            }
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Re-evaluate the findings of a JSON Lines report under a policy and date, without rescanning."
        )
        @Argument(help: "A JSON Lines report (embargo scan --format jsonl).") var findings: String
        @OptionGroup var policyOptions: PolicyOptions
        @Option(name: .long, help: "Output format.") var format: ReportFormat?
        @Option(name: .long, help: "Exit with 1 when a finding has this verdict or a stricter one.")
        var failOn: FailLevel = .prohibited

        func run() throws {
            guard let data = FileManager.default.contents(atPath: findings) else {
                throw ValidationError("cannot read '\(findings)'")
            }
            let evaluator = try policyOptions.evaluator()
            let detections = try RecordCoding.detections(fromJSONLines: Array(data))
            let assessed = detections.map { Finding(detection: $0, assessment: evaluator.assess($0)) }
            let output = OutputFile.standardOutput
            let reportFormat = format ?? (output.isTerminal ? .text : .jsonl)
            do {
                try output.write(
                    reportFormat.render(findings: assessed, events: [], summary: nil, evaluator: evaluator)
                )
            } catch {
                throw ValidationError(error.message)
            }
            if let threshold = failOn.verdict, assessed.contains(where: { $0.assessment.verdict >= threshold }) {
                throw ExitCode(ExitStatus.findings)
            }
        }
    }
}
