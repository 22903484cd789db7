import ArgumentParser
import Embargo
import Foundation

/// Options that choose the signatures, shared by the commands that detect.
struct SignatureOptions: ParsableArguments {
    @Option(name: .long, help: "Load signatures from this directory instead of the shipped ones.")
    var signatures: String?

    func load() throws -> SignatureSet {
        guard let signatures else { return try SignatureSet.shipped() }
        return try SignatureSet(vendors: try SignatureSet.load(directory: signatures))
    }
}

/// Options that choose the policy, the date and the exemptions.
struct PolicyOptions: ParsableArguments {
    @Option(name: .long, help: "The policy: a shipped policy name (default, us-bis-kaspersky-2024, fcc-covered-list) or a YAML file.")
    var policy: String = "default"

    @Option(name: .long, help: "Decide for this date (YYYY-MM-DD; default today, UTC).")
    var asOf: String?

    @Option(name: .long, help: "A YAML file of exemptions (each with a mandatory statement).")
    var exemptions: String?

    func evaluator() throws -> PolicyEvaluator {
        var catalog = try PolicyCatalog.shipped()
        var selected = catalog.policy(policy)
        if selected == nil {
            guard FileManager.default.fileExists(atPath: policy) else {
                throw ValidationError(
                    "unknown policy '\(policy)' (shipped: \(catalog.policies.map(\.id).joined(separator: ", ")); or give a file)")
            }
            let loaded = try PolicyCatalog.load(file: policy, text: try readText(policy))
            catalog = catalog.adding(loaded)
            selected = loaded
        }
        var date = CalendarDate.today
        if let asOf {
            guard let parsed = CalendarDate(asOf) else { throw ValidationError("--as-of must be a date as YYYY-MM-DD") }
            date = parsed
        }
        var exemptionList: [Exemption] = []
        if let exemptions { exemptionList = try Exemption.load(try readText(exemptions), file: exemptions) }
        guard let selected else { throw ValidationError("unknown policy '\(policy)'") }
        return try PolicyEvaluator(policy: selected, catalog: catalog, asOf: date, exemptions: exemptionList)
    }
}

func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read '\(path)'") }
    guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("'\(path)' is not UTF-8 text") }
    return text
}

/// Parses sizes such as `400M`, `10GB`, `64KiB`, `1000`.
func parseSize(_ text: String) -> UInt64? {
    let lower = text.lowercased().replacingOccurrences(of: "ib", with: "").replacingOccurrences(of: "b", with: "")
    let units: [(String, UInt64)] = [("t", 1 << 40), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)]
    for (suffix, factor) in units where lower.hasSuffix(suffix) {
        guard let value = Double(lower.dropLast()) else { return nil }
        return UInt64(value * Double(factor))
    }
    return UInt64(lower)
}
