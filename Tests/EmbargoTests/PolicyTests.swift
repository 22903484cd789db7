import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo
@testable import EmbargoFormats

/// A detection made up for policy tests.
func detection(
    vendor: String = "kaspersky",
    product: String = "kaspersky-endpoint-security-linux",
    family: String = "endpoint-protection",
    confidence: DetectionConfidence = .installation,
    form: DetectionForm = .installed,
    path: String = "/opt/kaspersky/kesl/bin/kesl-control",
    sha256: String? = "aa"
) -> Detection {
    Detection(
        location: Location(path: ScanPath(path)),
        record: nil,
        vendor: vendor,
        vendorName: vendor,
        product: product,
        productName: product,
        family: family,
        confidence: confidence,
        form: form,
        score: 100,
        evidence: [
            Evidence(
                kind: "path",
                value: path,
                strength: confidence == .installation ? .identity : .mention,
                weight: 100,
                rule: "test"
            )
        ],
        item: ItemFacts(
            size: 10,
            sha256: sha256,
            format: .elf,
            mimeType: "application/x-executable",
            description: "ELF"
        )
    )
}

@Suite struct PolicyTests {
    static let catalog: PolicyCatalog = {
        do { return try PolicyCatalog.shipped() } catch { fatalError("\(error)") }
    }()

    func verdict(
        _ policy: String,
        _ date: String,
        _ detection: Detection,
        exemptions: [Exemption] = []
    ) throws -> Assessment {
        let evaluator = try PolicyEvaluator(
            policy: try #require(Self.catalog.policy(policy)),
            catalog: Self.catalog,
            asOf: try #require(CalendarDate(date)),
            exemptions: exemptions
        )
        return evaluator.assess(detection)
    }

    @Test(arguments: [
        ("2024-07-19", Verdict.allowed, Verdict.allowed), ("2024-07-20", .restricted, .prohibited),
        ("2024-09-28", .restricted, .prohibited), ("2024-09-29", .prohibited, .prohibited),
        ("2026-11-29", .prohibited, .prohibited),
    ])
    func theBISDeterminationOnBothSidesOfEachDate(date: String, installed: Verdict, package: Verdict) throws {
        #expect(try verdict("us-bis-kaspersky-2024", date, detection()).verdict == installed)
        #expect(try verdict("us-bis-kaspersky-2024", date, detection(form: .package)).verdict == package)
        #expect(try verdict("us-bis-kaspersky-2024", date, detection(form: .installer)).verdict == package)
        let assessment = try verdict("us-bis-kaspersky-2024", date, detection())
        #expect(assessment.citation.contains("89 FR 52434"))
        #expect(!assessment.reason.isEmpty)
        #expect(assessment.asOf.description == date)
    }

    @Test(arguments: ["threat-intelligence", "security-training"])
    func excludedFamiliesAreExemptWithTheExclusionCited(family: String) throws {
        for date in ["2024-07-01", "2024-08-15", "2026-11-29"] {
            let assessment = try verdict("us-bis-kaspersky-2024", date, detection(product: "x", family: family))
            #expect(assessment.verdict == .exempt)
            #expect(assessment.rule == "excluded-threat-intelligence-and-training")
            #expect(assessment.citation.contains("exclusions"))
        }
    }

    @Test func theFCCCoveredListOnBothSidesOfItsDates() throws {
        #expect(try verdict("fcc-covered-list", "2022-03-24", detection()).verdict == .allowed)
        #expect(try verdict("fcc-covered-list", "2022-03-25", detection()).verdict == .prohibited)
        for vendor in ["huawei", "zte", "hikvision", "dahua", "hytera"] {
            let before = try verdict("fcc-covered-list", "2021-03-11", detection(vendor: vendor, product: "p"))
            let after = try verdict("fcc-covered-list", "2021-03-12", detection(vendor: vendor, product: "p"))
            #expect(before.verdict == .allowed, "\(vendor)")
            #expect(after.verdict == .review, "\(vendor): equipment, not host software")
            #expect(after.effectiveDate?.description == "2021-03-12")
        }
    }

    @Test func theDefaultPolicyTakesTheStricterVerdict() throws {
        // BIS alone allows Kaspersky before July 20, 2024; the Covered List prohibits it since 2022.
        let early = try verdict("default", "2024-07-01", detection())
        #expect(early.verdict == .prohibited)
        #expect(early.policy == "fcc-covered-list")
        // Threat Intelligence: exempt under BIS, covered by the FCC entry: the stricter wins.
        #expect(try verdict("default", "2026-11-29", detection(family: "threat-intelligence")).verdict == .prohibited)
        #expect(try verdict("default", "2026-11-29", detection(vendor: "hikvision")).verdict == .review)
    }

    @Test func aMentionIsNeverProhibited() throws {
        for policy in ["default", "us-bis-kaspersky-2024", "fcc-covered-list"] {
            for date in ["2020-01-01", "2024-08-15", "2030-01-01"] {
                for form in DetectionForm.allCases {
                    let assessment = try verdict(policy, date, detection(confidence: .mention, form: form))
                    #expect(assessment.verdict < .restricted, "\(policy) \(date) \(form)")
                }
            }
        }
    }

    @Test func anExemptionMatchesByEachKeyAndKeepsTheFindingMarked() throws {
        let subject = detection(path: "/srv/quarantine/kesl-control", sha256: "abcd")
        let keys: [Exemption] = [
            Exemption(id: "by-id", findingID: subject.id, statement: "ticket 1"),
            Exemption(
                id: "by-product",
                vendor: "kaspersky",
                product: "kaspersky-endpoint-security-linux",
                statement: "ticket 2"
            ),
            Exemption(id: "by-path", pathGlob: "/srv/quarantine/**", statement: "ticket 3"),
            Exemption(id: "by-hash", sha256: "ABCD", statement: "ticket 4"),
        ]
        for exemption in keys {
            let assessment = try verdict("default", "2026-11-29", subject, exemptions: [exemption])
            #expect(assessment.verdict == .exempt, "\(exemption.id)")
            #expect(assessment.policyVerdict == .prohibited)
            #expect(assessment.exemption?.exemption.id == exemption.id)
            #expect(assessment.reason.contains(exemption.statement))
        }
        let other = Exemption(id: "other", vendor: "kaspersky", product: "another-product", statement: "no")
        #expect(try verdict("default", "2026-11-29", subject, exemptions: [other]).verdict == .prohibited)
    }

    @Test func anExpiredExemptionIsReportedAndNoLongerApplies() throws {
        let exemption = Exemption(
            id: "temporary",
            vendor: "kaspersky",
            statement: "migration window",
            expires: CalendarDate("2025-06-30")
        )
        let during = try verdict("default", "2025-06-30", detection(), exemptions: [exemption])
        #expect(during.verdict == .exempt)
        let after = try verdict("default", "2025-07-01", detection(), exemptions: [exemption])
        #expect(after.verdict == .prohibited)
        #expect(after.exemption?.isExpired == true)
        #expect(after.reason.contains("expired"))
    }

    @Test func anExemptionWithoutAStatementIsRejected() throws {
        let text = "exemptions:\n  - match: {vendor: kaspersky}\n    expires: 2027-01-01\n"
        let caught = definitionError { () throws(DefinitionError) in
            _ = try Exemption.load(text, file: "exemptions.yaml")
        }
        let error = try #require(caught)
        #expect(error.description.contains("exemptions.yaml:2"))
        #expect(error.description.contains("statement"))
        let valid = try Exemption.load(
            "exemptions:\n  - id: q\n    match: {path: \"/srv/q/**\"}\n    statement: kept for forensics\n    expires: 2027-01-01\n",
            file: "exemptions.yaml"
        )
        #expect(valid.first?.pathGlob == "/srv/q/**")
        #expect(valid.first?.expires == CalendarDate("2027-01-01"))
    }

    @Test func theSameInputsAndDateAlwaysGiveTheSameVerdict() throws {
        let first = try verdict("default", "2024-08-15", detection())
        for _ in 0..<5 { #expect(try verdict("default", "2024-08-15", detection()) == first) }
    }

    @Test func aPolicyFileIsValidatedWithFileLineAndField() throws {
        let broken = """
            policy: custom
            name: Custom
            citation: test
            rules:
              - id: one
                select: {vendor: kaspersky}
                periods:
                  - from: 2024-01-01
                    verdict: forbidden
                    reason: no
            """
        let caught = definitionError { () throws(DefinitionError) in
            _ = try PolicyCatalog.load(file: "custom.yaml", text: broken)
        }
        let error = try #require(caught)
        #expect(error.description.hasPrefix("custom.yaml:9"))
        #expect(error.field == "rules[0].periods[0].verdict")
    }
}

/// The definition error `body` throws, or nil.
func definitionError(_ body: () throws(DefinitionError) -> Void) -> DefinitionError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}
