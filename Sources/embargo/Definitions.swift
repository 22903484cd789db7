import ArgumentParser
import Embargo
import Foundation

/// Options that choose the signatures, shared by the commands that detect.
struct SignatureOptions: ParsableArguments {
    @Option(name: .long, help: "Load signatures from this directory instead of the shipped ones.")
    var signatures: String?

    func load() throws -> SignatureSet {
        guard let signatures else { return try SignatureSet.shipped() }
        return try SignatureSet(directory: signatures)
    }
}

/// Options that choose the policy, the date and the exemptions.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The policy: a shipped policy name (default, us-bis-kaspersky-2024, fcc-covered-list) or a YAML file."
    )
    var policy: String = "default"

    @Option(name: .long, help: "Decide for this date (YYYY-MM-DD; default today, UTC).")
    var asOf: String?

    @Option(name: .long, help: "A YAML file of exemptions (each with a mandatory statement; at most 16 MiB).")
    var exemptions: String?

    func evaluator() throws -> PolicyEvaluator {
        var catalog = try PolicyCatalog.shipped()
        var selected = catalog.policy(policy)
        if selected == nil {
            guard FileManager.default.fileExists(atPath: policy) else {
                throw ValidationError(
                    "unknown policy '\(policy)' (shipped: \(catalog.policies.map(\.id).joined(separator: ", ")); or give a file)"
                )
            }
            let loaded = try PolicyCatalog.load(file: policy, text: try readText(policy, limit: definitionFileLimit))
            catalog = catalog.adding(loaded)
            selected = loaded
        }
        var date = CalendarDate.today
        if let asOf {
            guard let parsed = CalendarDate(asOf) else { throw ValidationError("--as-of must be a date as YYYY-MM-DD") }
            date = parsed
        }
        var exemptionList: [Exemption] = []
        if let exemptions {
            exemptionList = try Exemption.load(try readText(exemptions, limit: definitionFileLimit), file: exemptions)
        }
        guard let selected else { throw ValidationError("unknown policy '\(policy)'") }
        do {
            return try PolicyEvaluator(policy: selected, catalog: catalog, asOf: date, exemptions: exemptionList)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// The largest policy or exemptions file read.
let definitionFileLimit = 16 << 20

/// The UTF-8 text of the file at `path`, which may be at most `limit` bytes.
func readText(_ path: String, limit: Int) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read '\(path)'") }
    defer { try? handle.close() }
    let data: Data
    do {
        data = try handle.read(upToCount: limit + 1) ?? Data()
    } catch {
        throw ValidationError("cannot read '\(path)': \(error.localizedDescription)")
    }
    guard data.count <= limit else {
        throw ValidationError("'\(path)' is larger than \(ByteSize(UInt64(limit))) bytes")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("'\(path)' is not UTF-8 text") }
    return text
}

/// Writes a line to standard error, ignoring failure (there is nowhere left to say it).
func note(_ text: String) {
    writeStandardError("embargo: \(text.terminalSafe)\n")
}

/// Writes text to standard error, ignoring failure.
func writeStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}
