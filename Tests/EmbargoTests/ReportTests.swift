import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Reports over the vendor fixtures, and `policy evaluate` against a fresh scan.
@Suite struct ReportTests {
    @Test(arguments: ["2024-07-01", "2024-08-15", "2026-11-29"])
    func scanningTheFixturesGivesTheVerdictsOfEachPeriod(date: String) throws {
        let result = try EmbargoProcess.run(
            [
                "scan", "--format", "jsonl", "--policy", "us-bis-kaspersky-2024", "--as-of", date, "--fail-on", "never",
                Fixtures.vendor,
            ])
        let findings = try result.records().filter {
            $0["type"] as? String == "finding" && $0["confidence"] as? String == "installation"
        }
        let installed = findings.filter {
            $0["form"] as? String == "installed" && $0["family"] as? String != "threat-intelligence"
        }
        let threatIntelligence = findings.filter { $0["family"] as? String == "threat-intelligence" }
        let expected = ["2024-07-01": "allowed", "2024-08-15": "restricted", "2026-11-29": "prohibited"][date]
        #expect(!installed.isEmpty)
        #expect(
            installed.allSatisfy { $0["verdict"] as? String == expected },
            "\(installed.map { $0["verdict"] ?? "" })"
        )
        #expect(!threatIntelligence.isEmpty)
        #expect(threatIntelligence.allSatisfy { $0["verdict"] as? String == "exempt" })
        #expect(findings.allSatisfy { $0["asOf"] as? String == date })
    }

    @Test func policyEvaluateGivesTheVerdictsOfAFreshScan() throws {
        let directory = TemporaryDirectory()
        let stored = try EmbargoProcess.run([
            "scan", "--format", "jsonl", "--as-of", "2024-08-15", "--fail-on", "never", Fixtures.vendor,
        ])
        try directory.write("findings.jsonl", stored.output)
        for (policy, date) in [
            ("us-bis-kaspersky-2024", "2026-11-29"), ("default", "2024-07-01"), ("fcc-covered-list", "2021-01-01"),
        ] {
            let fresh = try EmbargoProcess.run(
                [
                    "scan", "--format", "jsonl", "--policy", policy, "--as-of", date, "--fail-on", "never",
                    Fixtures.vendor,
                ])
            let evaluated = try EmbargoProcess.run(
                [
                    "policy", "evaluate", directory.file("findings.jsonl"), "--format", "jsonl", "--policy", policy,
                    "--as-of", date, "--fail-on", "never",
                ])
            func verdicts(_ result: EmbargoProcess.Result) throws -> [String: String] {
                Dictionary(
                    uniqueKeysWithValues: try result.records().filter { $0["type"] as? String == "finding" }.map {
                        ($0["id"] as? String ?? "", "\($0["verdict"] ?? "")/\($0["rule"] ?? "")")
                    }
                )
            }
            #expect(try verdicts(evaluated) == verdicts(fresh), "\(policy) as of \(date)")
            #expect(!(try verdicts(fresh)).isEmpty)
        }
    }

    @Test func sarifHasTheStructureGitHubExpects() throws {
        let directory = TemporaryDirectory()
        try directory.write(
            "exemptions.yaml",
            text: """
                exemptions:
                  - id: training-lab
                    match: {path: "**/dpkg-root/**"}
                    statement: Training lab image, approved by the CISO (ticket SEC-42).
                """
        )
        let result = try EmbargoProcess.run(
            [
                "scan", "--format", "sarif", "--exemptions", directory.file("exemptions.yaml"), "--fail-on", "never",
                Fixtures.vendor,
            ])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "embargo")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let ruleIDs = rules.compactMap { $0["id"] as? String }
        #expect(Set(ruleIDs).count == ruleIDs.count, "one rule per policy rule")
        #expect(
            rules.allSatisfy {
                (($0["properties"] as? [String: Any])?["tags"] as? [String])?.contains("security") == true
            }
        )
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(!results.isEmpty)
        for item in results {
            let ruleIndex = try #require(item["ruleIndex"] as? Int)
            #expect(ruleIDs[ruleIndex] == item["ruleId"] as? String)
            #expect(((item["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            #expect(((item["partialFingerprints"] as? [String: String])?["embargoFindingId/v1"])?.count == 32)
            let location = try #require((item["locations"] as? [[String: Any]])?.first)
            let uri =
                ((location["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"]
                as? String
            #expect(uri?.hasPrefix("file:///") == true || uri?.first != "/")
            let verdict = (item["properties"] as? [String: Any])?["verdict"] as? String
            let level = item["level"] as? String
            if verdict == "prohibited" { #expect(level == "error") }
            if verdict == "exempt" {
                let suppression = try #require((item["suppressions"] as? [[String: Any]])?.first)
                #expect(suppression["kind"] as? String == "external")
                #expect(suppression["status"] as? String == "accepted")
                #expect((suppression["justification"] as? String)?.isEmpty == false)
            }
        }
        #expect(
            results.contains {
                ($0["suppressions"] as? [[String: Any]])?.first?["justification"] as? String
                    == "Training lab image, approved by the CISO (ticket SEC-42)."
            }
        )
        #expect(
            results.contains {
                (($0["locations"] as? [[String: Any]])?.first?["logicalLocations"] as? [[String: Any]])?.count == 2
            },
            "archive members appear as logical locations"
        )
        let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == true)
    }

    @Test func csvHasOneRowPerFindingAndPerEvent() throws {
        let jsonl = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", Fixtures.vendor])
        let records = try jsonl.records()
        let findings = records.filter { $0["type"] as? String == "finding" }.count
        let events = records.filter { $0["type"] as? String == "event" }.count
        let csv = try EmbargoProcess.run(["scan", "--format", "csv", "--fail-on", "never", Fixtures.vendor]).text
        let rows = csv.split(separator: "\r\n")
        #expect(rows.first?.hasPrefix("type,id,verdict,vendor,product") == true)
        #expect(rows.filter { $0.hasPrefix("finding,") }.count == findings)
        #expect(rows.filter { $0.hasPrefix("event,") }.count == events)
        #expect(rows.count == findings + events + 1)
    }

    @Test func failOnSetsTheExitCode() throws {
        let base = [
            "scan", "--format", "jsonl", "--policy", "us-bis-kaspersky-2024", "--as-of", "2024-08-15", Fixtures.vendor,
        ]
        // On that date the fixtures have prohibited (packages), restricted (installed) and review (mentions).
        #expect(try EmbargoProcess.run(base + ["--fail-on", "prohibited"]).status == 1)
        #expect(try EmbargoProcess.run(base + ["--fail-on", "never"]).status == 0)
        let early = [
            "scan", "--format", "jsonl", "--policy", "us-bis-kaspersky-2024", "--as-of", "2024-07-01", Fixtures.vendor,
        ]
        // Before July 20, 2024 everything is allowed (mentions included) or exempt.
        #expect(try EmbargoProcess.run(early + ["--fail-on", "review"]).status == 0)
        #expect(try EmbargoProcess.run(base + ["--fail-on", "review"]).status == 1)
    }
}
