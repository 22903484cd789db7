import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

@Suite struct SignatureTests {
    @Test func theShippedSignaturesValidate() throws {
        let result = try EmbargoProcess.run(["signatures", "validate", Fixtures.packageRoot + "/Signatures"])
        #expect(result.status == 0)
        #expect(result.text.contains("valid: 6 vendors"))
    }

    @Test func theEmbeddedDefinitionsAreTheFilesInSignatures() throws {
        let root = Fixtures.packageRoot + "/Signatures"
        for (name, text) in EmbeddedDefinitions.signatures {
            #expect(
                try String(contentsOfFile: root + "/" + name, encoding: .utf8) == text,
                "run scripts/embed-definitions.py"
            )
        }
        for (name, text) in EmbeddedDefinitions.policies {
            #expect(
                try String(contentsOfFile: root + "/policies/" + name, encoding: .utf8) == text,
                "run scripts/embed-definitions.py"
            )
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files) == Set(EmbeddedDefinitions.signatures.map(\.0)))
        let policies = try FileManager.default.contentsOfDirectory(atPath: root + "/policies").filter {
            $0.hasSuffix(".yaml")
        }
        #expect(
            Set(policies) == Set(EmbeddedDefinitions.policies.map(\.0)),
            "every policy file is embedded, and nothing else"
        )
        let date = try String(contentsOfFile: root + "/set-date.txt", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(EmbeddedDefinitions.setDate == date)
        #expect(CalendarDate(date) != nil, "the set date is a date")
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        let yaml: String
        let expected: String
        var testDescription: String { expected }
    }

    static let broken: [Broken] = [
        Broken(
            yaml:
                "vendor: acme\nname: Acme\nproducts:\n  - id: acme-x\n    name: X\n    family: tool\n    evidence:\n      - package: x\n        strenght: identity\n",
            expected: "broken.yaml:9:9: products[0].evidence[0].strenght: unknown key 'strenght'"
        ),
        Broken(
            yaml:
                "vendor: acme\nname: Acme\nproducts:\n  - id: acme-x\n    name: X\n    family: tool\n    evidence:\n      - string: hello\n        strength: identity\n",
            expected: "broken.yaml:9:19: products[0].evidence[0].strength: a string rule cannot be identity"
        ),
        Broken(
            yaml: "vendor: Acme Corp\nname: Acme\nproducts: []\n",
            expected: "broken.yaml:1:9: vendor: 'Acme Corp' is not an identifier"
        ),
        Broken(
            yaml:
                "vendor: acme\nname: Acme\nproducts:\n  - id: acme-x\n    name: X\n    evidence:\n      - package: x\n",
            expected: "broken.yaml:4:5: products[0]: missing required key 'family'"
        ),
        Broken(
            yaml:
                "vendor: acme\nname: Acme\nproducts:\n  - id: acme-x\n    name: X\n    family: tool\n    evidence:\n      - hex: \"4D 5Z\"\n",
            expected: "broken.yaml:8:14: products[0].evidence[0].hex: not a hex pattern"
        ),
        Broken(yaml: "vendor: acme\nname: [unclosed\n", expected: "broken.yaml:3: not valid YAML"),
        Broken(
            yaml:
                "vendor: acme\nname: Acme\nproducts:\n  - id: acme-x\n    name: X\n    family: tool\n    evidence:\n      - string: \""
                + String(repeating: "a", count: 20_000) + "\"\n",
            expected:
                "broken.yaml:8:17: products[0].evidence[0].string: a string of 20000 bytes as matched; patterns are at most 16384 bytes"
        ),
    ]

    @Test(arguments: broken)
    func aBrokenFileIsRejectedWithAPreciseMessage(_ broken: Broken) throws {
        let directory = TemporaryDirectory()
        try directory.write("broken.yaml", text: broken.yaml)
        let result = try EmbargoProcess.run(["signatures", "validate", directory.path])
        #expect(result.status == 2)
        let message = result.errors.replacingOccurrences(of: directory.path + "/", with: "")
        #expect(message.hasPrefix(broken.expected), "\(message)")
    }

    @Test func listAndShowDescribeTheSignatures() throws {
        let list = try EmbargoProcess.run(["signatures", "list"])
        #expect(list.text.contains("kaspersky-threat-intelligence\tthreat-intelligence"))
        let show = try EmbargoProcess.run(["signatures", "show", "kaspersky-endpoint-security-linux"])
        #expect(show.text.contains("package.name equals \"kesl\""))
        #expect(show.text.contains("kaspersky.yaml:"))
        #expect(try EmbargoProcess.run(["signatures", "show", "no-such-product"]).status == 2)
    }

    @Test func stringEvidenceInTextIsAMentionAndPathEvidenceNeedsAnExecutable() async throws {
        let directory = TemporaryDirectory()
        try directory.write("root/opt/kaspersky/kesl/etc/kesl.conf", text: "EULA_AGREED=yes\n")
        try directory.write("root/opt/kaspersky/kesl/libexec/kesl", try elfExecutable())
        let outcome = try await scan([directory.file("root")])
        let binary = try #require(outcome.detections.first { $0.location.path.displayString.hasSuffix("libexec/kesl") })
        #expect(binary.confidence == .installation)
        #expect(binary.form == .installed)
        let configuration = try #require(
            outcome.detections.first { $0.location.path.displayString.hasSuffix("kesl.conf") }
        )
        #expect(configuration.confidence == .mention)
        #expect(configuration.evidence.first?.strength == .supporting)
    }
}
