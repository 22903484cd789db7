import EmbargoFormats
import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// A vendor root in any trust store is a finding that names it: Java key stores written by keytool
/// (JKS, and PKCS12 with Java's default password), PKCS#12 files written by OpenSSL, and NSS
/// databases written by certutil. Stock stores, and stores that distrust the root, give nothing.
@Suite struct TrustStoreTests {
    static let rootName = "Kaspersky Anti-Virus Personal Root Certificate"

    /// A self-signed root of the name Kaspersky's TLS inspection installs, as PEM, in `directory`.
    static func root(in directory: TemporaryDirectory) throws -> String {
        try Tool.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("root.key"), "-days", "30",
                "-subj", "/CN=\(rootName)/O=AO Kaspersky Lab", "-out", directory.file("root.pem"),
            ]
        )
        return directory.file("root.pem")
    }

    static func roots(_ outcome: ScanOutcome) -> [[String]] {
        outcome.installations.map {
            [$0.product, URL(fileURLWithPath: $0.location.path.displayString).lastPathComponent, $0.record ?? ""]
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test func javaKeyStoresOfBothTypesNameTheRoot() async throws {
        let directory = TemporaryDirectory()
        let root = try Self.root(in: directory)
        for type in ["JKS", "PKCS12"] {
            try Tool.run(
                "keytool",
                [
                    "-importcert", "-noprompt", "-alias", "kl-root", "-file", root, "-keystore",
                    directory.file("store.\(type.lowercased())"), "-storetype", type, "-storepass", "changeit",
                ]
            )
        }
        try FileManager.default.removeItem(atPath: root)
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(
            Self.roots(outcome) == [
                ["kaspersky-traffic-inspection-root", "store.jks", "alias kl-root"],
                ["kaspersky-traffic-inspection-root", "store.pkcs12", "alias kl-root"],
            ]
        )
        #expect(
            outcome.installations.allSatisfy { $0.form == .installed && $0.evidence.contains { $0.field == "root" } }
        )
    }

    @Test func javasStockTrustStoreGivesNothing() async throws {
        let cacerts = "/etc/ssl/certs/java/cacerts"
        let outcome = try await scan([cacerts])
        #expect(outcome.detections.isEmpty && outcome.events.isEmpty, "\(outcome.detections) \(outcome.events)")
        let store = try JavaKeyStore([UInt8](Data(contentsOf: URL(fileURLWithPath: cacerts))))
        #expect(store.entries.count > 100, "the stock store is read through: \(store.entries.count) entries")
        #expect(store.entries.allSatisfy { $0.kind == .trustedCertificate && $0.certificates.count == 1 })
    }

    @Test func pkcs12FilesOpenWithNoPasswordOrJavasAndNameWhatTheyCannotOpen() async throws {
        let directory = TemporaryDirectory()
        let root = try Self.root(in: directory)
        func export(_ name: String, _ options: [String]) throws {
            try Tool.run(
                "openssl",
                ["pkcs12", "-export", "-nokeys", "-in", root, "-out", directory.file(name)] + options
            )
        }
        try export("roots.p12", ["-passout", "pass:"])
        // The legacy schemes (RC2-40 for certificates) of OpenSSL 1.x and of Java up to 11.0.11.
        try export("legacy.p12", ["-legacy", "-passout", "pass:"])
        try Tool.run(
            "keytool",
            [
                "-J-Dkeystore.pkcs12.legacy", "-importcert", "-noprompt", "-alias", "kl-root", "-file", root,
                "-keystore", directory.file("java-legacy.p12"), "-storetype", "PKCS12", "-storepass", "changeit",
            ]
        )
        try export("secret.p12", ["-passout", "pass:s3cret"])
        try export("legacy-secret.p12", ["-legacy", "-passout", "pass:s3cret"])
        try FileManager.default.removeItem(atPath: root)
        let outcome = try await scan([directory.path])
        #expect(
            Self.roots(outcome) == [
                ["kaspersky-traffic-inspection-root", "java-legacy.p12", "alias kl-root"],
                ["kaspersky-traffic-inspection-root", "legacy.p12", "certificate 1"],
                ["kaspersky-traffic-inspection-root", "roots.p12", "certificate 1"],
            ]
        )
        let reasons = outcome.events(.unsupported).map(\.message)
        #expect(reasons.count == 2, "\(reasons)")
        #expect(reasons.allSatisfy { $0.contains("password other than") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("RC2") }, "the legacy scheme is named: \(reasons)")
    }

    @Test func anNSSDatabaseNamesTheRootItTrustsAndNotOneItDistrusts() async throws {
        let directory = TemporaryDirectory()
        let root = try Self.root(in: directory)
        for (profile, trust) in [("trusting", "C,,"), ("distrusting", "p,p,p")] {
            let database = "sql:" + directory.file(profile)
            try FileManager.default.createDirectory(atPath: directory.file(profile), withIntermediateDirectories: true)
            try Tool.run("certutil", ["-N", "-d", database, "--empty-password"])
            try Tool.run("certutil", ["-A", "-n", Self.rootName, "-t", trust, "-i", root, "-d", database])
            // Only the database: key4.db and pkcs11.txt are not trust stores.
            for other in ["key4.db", "pkcs11.txt"] {
                try? FileManager.default.removeItem(atPath: directory.file("\(profile)/\(other)"))
            }
        }
        try FileManager.default.createDirectory(atPath: directory.file("clean"), withIntermediateDirectories: true)
        try Tool.run("certutil", ["-N", "-d", "sql:" + directory.file("clean"), "--empty-password"])
        try FileManager.default.removeItem(atPath: root)
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let found = outcome.installations.map { ($0.location.path.displayString, $0.record ?? "") }
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.0.hasSuffix("trusting/cert9.db") == true)
        #expect(found.first?.1 == "nickname \(Self.rootName)")
    }
}
