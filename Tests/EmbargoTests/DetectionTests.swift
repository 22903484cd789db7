import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// The vendor fixtures (made with real tools by Tests/Fixtures/make-vendor-fixtures.sh): every real
/// installation is found with the right vendor, product and family; no trap is an installation.
@Suite struct DetectionTests {
    /// One scan of the fixtures, shared by the tests of the suite.
    static let cache = ScanCache(paths: [Fixtures.vendor])

    struct Expected: Sendable, CustomTestStringConvertible {
        let path: String
        let members: [String]
        let record: String?
        let product: String
        let family: String
        let evidence: String
        var testDescription: String { ([path] + members).joined(separator: "!") }
    }

    static let installations: [Expected] = [
        Expected(
            path: "signed-kaspersky-avp.exe",
            members: [],
            record: nil,
            product: "kaspersky-endpoint-security-windows",
            family: "endpoint-protection",
            evidence: "certificate.subject"
        ),
        Expected(
            path: "invoice-2024.dat",
            members: [],
            record: nil,
            product: "kaspersky-endpoint-security-windows",
            family: "endpoint-protection",
            evidence: "version.CompanyName"
        ),
        Expected(
            path: "signed-kaspersky-neutral.exe",
            members: [],
            record: nil,
            product: "kaspersky-unidentified",
            family: "unidentified",
            evidence: "certificate.subject"
        ),
        Expected(
            path: "macos-kav-agent",
            members: [],
            record: nil,
            product: "kaspersky-macos",
            family: "endpoint-protection",
            evidence: "team.id"
        ),
        Expected(
            path: "trust-store/etc/ssl/certs/ca-certificates.crt",
            members: [],
            record: "CN=Kaspersky Anti-Virus Personal Root Certificate,O=AO Kaspersky Lab,C=RU",
            product: "kaspersky-traffic-inspection-root",
            family: "endpoint-protection",
            evidence: "certificate.subject"
        ),
        Expected(
            path: "dpkg-root/var/lib/dpkg/status",
            members: [],
            record: "package kesl",
            product: "kaspersky-endpoint-security-linux",
            family: "endpoint-protection",
            evidence: "package.name"
        ),
        Expected(
            path: "dpkg-root/var/lib/dpkg/status",
            members: [],
            record: "package klnagent64",
            product: "kaspersky-security-center-network-agent",
            family: "management-agent",
            evidence: "package.name"
        ),
        Expected(
            path: "rpm-root/var/lib/rpm/rpmdb.sqlite",
            members: [],
            record: "package kesl",
            product: "kaspersky-endpoint-security-linux",
            family: "endpoint-protection",
            evidence: "package.vendor"
        ),
        Expected(
            path: "kesl_12.1.0-1234_amd64.deb",
            members: [],
            record: nil,
            product: "kaspersky-endpoint-security-linux",
            family: "endpoint-protection",
            evidence: "package.name"
        ),
        Expected(
            path: "kesl-12.1.0-1234.x86_64.rpm",
            members: [],
            record: nil,
            product: "kaspersky-endpoint-security-linux",
            family: "endpoint-protection",
            evidence: "package.vendor"
        ),
        Expected(
            path: "kaspersky-cybertrace_4.3.0-1_amd64.deb",
            members: [],
            record: nil,
            product: "kaspersky-threat-intelligence",
            family: "threat-intelligence",
            evidence: "package.description"
        ),
        Expected(
            path: "Program Files/Kaspersky Lab/Kaspersky CyberTrace/cybertrace.exe",
            members: [],
            record: nil,
            product: "kaspersky-threat-intelligence",
            family: "threat-intelligence",
            evidence: "version.ProductName"
        ),
        Expected(
            path: "nested-tools.tar.gz",
            members: ["tools.zip", "tools/helper.bin"],
            record: nil,
            product: "kaspersky-endpoint-security-windows",
            family: "endpoint-protection",
            evidence: "certificate.subject"
        ),
        Expected(
            path: "packages.tar",
            members: ["kesl_12.1.0-1234_amd64.deb"],
            record: nil,
            product: "kaspersky-endpoint-security-linux",
            family: "endpoint-protection",
            evidence: "package.name"
        ),
    ]

    @Test(arguments: installations)
    func everyInstallationIsFound(_ expected: Expected) async throws {
        let outcome = try await Self.cache.outcome()
        let detection = try #require(
            outcome.installations.first {
                $0.location.path.displayString == Fixtures.vendor + "/" + expected.path
                    && $0.location.members.map(\.displayString) == expected.members && $0.record == expected.record
            }
        )
        #expect(detection.vendor == "kaspersky")
        #expect(detection.product == expected.product)
        #expect(detection.family == expected.family)
        #expect(detection.evidence.contains { $0.kind == expected.evidence && $0.strength == .identity })
        #expect(detection.item.sha256?.count == 64)
    }

    @Test func nothingElseIsAnInstallation() async throws {
        let outcome = try await Self.cache.outcome()
        #expect(outcome.installations.count == Self.installations.count)
    }

    @Test(arguments: [
        "traps/news-article.html", "traps/audit-antivirus.sh", "traps/antivirus-products.txt",
        "traps/unrelated-signed.exe", "traps/kaspresso-test.kt", "unsigned-wide-strings.exe",
    ])
    func aTrapIsNeverAnInstallation(_ path: String) async throws {
        let found = try await Self.cache.outcome().detections.filter {
            $0.location.path.displayString == Fixtures.vendor + "/" + path
        }
        #expect(found.allSatisfy { $0.confidence == .mention }, "\(found.map(\.product))")
    }

    @Test func wideStringsInAnUnsignedBinaryAreOnlyAMention() async throws {
        let detection = try #require(
            try await Self.cache.outcome().detections.first {
                $0.location.path.displayString.hasSuffix("unsigned-wide-strings.exe")
            }
        )
        #expect(detection.confidence == .mention)
        #expect(detection.evidence.allSatisfy { $0.kind == "string" })
    }

    @Test func aRenamedSignedBinaryIsStillFoundBySignerAndVersionResources() async throws {
        let renamed = try #require(
            try await Self.cache.outcome().installations.first {
                $0.location.path.displayString.hasSuffix("invoice-2024.dat")
            }
        )
        let kinds = Set(renamed.evidence.map(\.kind))
        #expect(kinds.isSuperset(of: ["certificate.subject", "version.CompanyName", "version.ProductName"]))
        #expect(renamed.evidence.contains { $0.field == "signer" && $0.value.contains("CN=AO Kaspersky Lab") })
    }

    @Test func evidenceSaysWhereItWasFound() async throws {
        let outcome = try await Self.cache.outcome()
        let status = try #require(outcome.installations.first { $0.record == "package klnagent64" })
        #expect(
            status.evidence.contains { $0.kind == "package.name" && $0.field == "Package" && $0.value == "klnagent64" }
        )
        #expect(status.form == .installed)
        let nested = try #require(outcome.installations.first { $0.location.members.count == 2 })
        #expect(nested.location.description.hasSuffix("nested-tools.tar.gz!tools.zip!tools/helper.bin"))
    }

    /// `Program Files/Kaspersky Lab/Kaspersky CyberTrace/cybertrace.exe` lies where the consumer
    /// product's glob (`Kaspersky Lab/Kaspersky *`) points, but its version resources name CyberTrace.
    static let cyberTrace = "Program Files/Kaspersky Lab/Kaspersky CyberTrace/cybertrace.exe"

    @Test func aPathAloneSupportsTheProductThatVersionResourcesName() async throws {
        let found = try await Self.cache.outcome().detections.filter {
            $0.location.path.displayString == Fixtures.vendor + "/" + Self.cyberTrace
        }
        #expect(found.map(\.product) == ["kaspersky-threat-intelligence"])
        let detection = try #require(found.first)
        #expect(detection.form == .installed, "the binary lies at an install path")
        #expect(
            detection.evidence.contains {
                $0.kind == "path" && $0.strength == .supporting
                    && $0.rule.hasPrefix("kaspersky/kaspersky-consumer-windows")
            }
        )
    }

    @Test func anExcludedProductKeepsItsVerdictWithNoProhibitedFindingBesideIt() throws {
        let result = try EmbargoProcess.run([
            "scan", Fixtures.vendor + "/Program Files", "--policy", "us-bis-kaspersky-2024", "--as-of", "2026-01-01",
            "--format", "jsonl", "--fail-on", "prohibited",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let findings = try result.records().filter { $0["type"] as? String == "finding" }
        #expect(findings.map { $0["product"] as? String } == ["kaspersky-threat-intelligence"])
        #expect(findings.map { $0["verdict"] as? String } == ["exempt"])
    }

    @Test func aRemovedPackageWhoseConfigurationAloneRemainsIsNotInstalled() async throws {
        #expect(!(try await Self.cache.outcome()).detections.contains { $0.record == "package kav4fs" })
    }

    @Test func filesInsideAVendorPackageAreCoveredByThePackageFinding() async throws {
        let insideDeb = try await Self.cache.outcome().detections.filter {
            $0.location.path.displayString.hasSuffix("kesl_12.1.0-1234_amd64.deb")
        }
        #expect(insideDeb.count == 1)
        #expect(insideDeb.first?.form == .package)
    }
}
