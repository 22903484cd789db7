import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// `--format cyclonedx`: CycloneDX 1.6 JSON that the official schema accepts (validated with PyPI's
/// cyclonedx-python-lib, which ships the schema), one component per finding.
@Suite struct CycloneDXTests {
    /// Validates a document with the official schema; returns the validator's verdict.
    static func validate(_ document: [UInt8]) throws -> String {
        let directory = TemporaryDirectory()
        let path = try directory.write("bom.json", document)
        return String(
            decoding: try Tool.run("python3", [Fixtures.packageRoot + "/scripts/validate-cyclonedx.py", path]),
            as: UTF8.self
        )
    }

    @Test func aScanIsAValidBillOfMaterialsWithAComponentPerFinding() throws {
        let jsonl = try EmbargoProcess.run([
            "scan", "--format", "jsonl", "--fail-on", "never", "--as-of", "2024-10-01", Fixtures.vendor,
        ])
        let findings = try jsonl.records().filter { $0["type"] as? String == "finding" }
        let result = try EmbargoProcess.run([
            "scan", "--format", "cyclonedx", "--fail-on", "never", "--as-of", "2024-10-01", Fixtures.vendor,
        ])
        #expect(result.status == 0)
        #expect(try Self.validate(result.output).contains("valid CycloneDX 1.6"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        let components = try #require(document["components"] as? [[String: Any]])
        #expect(components.count == findings.count)
        #expect(
            Set(components.compactMap { $0["bom-ref"] as? String }) == Set(findings.compactMap { $0["id"] as? String })
        )
        // A Debian package record carries its package URL, and every component its verdict and location.
        let kesl = try #require(components.first { ($0["purl"] as? String) == "pkg:deb/kesl" })
        let properties = try #require(kesl["properties"] as? [[String: String]])
        #expect(properties.contains { $0["name"] == "embargo:verdict" && $0["value"] == "prohibited" })
        #expect(properties.contains { $0["name"] == "embargo:citation" })
        #expect(components.contains { ($0["purl"] as? String) == "pkg:rpm/kesl" })
        for component in components {
            let occurrences = (component["evidence"] as? [String: Any])?["occurrences"] as? [[String: Any]]
            #expect(occurrences?.first?["location"] is String)
        }
        let metadata = try #require(document["metadata"] as? [String: Any])
        let targets = (metadata["properties"] as? [[String: String]] ?? []).filter { $0["name"] == "embargo:target" }
        #expect(targets.map { $0["value"] } == [Fixtures.vendor])
    }

    @Test func aStoredScanRendersAsCycloneDXToo() throws {
        let directory = TemporaryDirectory()
        let database = directory.file("findings.sqlite")
        _ = try EmbargoProcess.run([
            "scan", "--format", "jsonl", "--fail-on", "never", "--db", database, Fixtures.vendor,
        ])
        let report = try EmbargoProcess.run(["report", "--db", database, "--format", "cyclonedx"])
        #expect(report.status == 0)
        #expect(try Self.validate(report.output).contains("valid CycloneDX 1.6"))
    }
}
