import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Debian and rpm-md repositories built with the real tools: index findings, deep scans, tampered
/// indexes and missing packages.
@Suite struct RepositoryTests {
    static let ordinary = 5

    @Test func aDebianRepositoryIsReadFromItsIndexWithoutOpeningThePackages() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: Self.ordinary)
        let outcome = try await scan([directory.path])

        let index = "\(directory.path)/dists/stable/main/binary-amd64/Packages"
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(
            Set(outcome.detections.map(\.product)) == [
                "kaspersky-endpoint-security-linux", "kaspersky-threat-intelligence",
            ]
        )
        for detection in outcome.detections {
            #expect(detection.location == Location(path: ScanPath(index)))
            #expect(detection.confidence == .installation)
            #expect(detection.form == .package)
            #expect(detection.record?.hasPrefix("pool/main/") == true)
            #expect(detection.evidence.contains { $0.kind == "package.name" })
            #expect(detection.item.sha256?.count == 64)
        }
        #expect(
            Set(outcome.detections.compactMap(\.record))
                == Set(RepositoryFixture.debianVendorPackages.map { "pool/main/\($0)" })
        )
        #expect(outcome.summary.counts.indexEntries == Self.ordinary + 2)
        #expect(outcome.summary.counts.coveredByIndex == Self.ordinary + 2)
        // The packages and the index files are accounted for: no file was read as a file.
        #expect(outcome.summary.counts.files == 0)
        #expect(outcome.summary.recognised.map(\.kind) == ["Debian repository (1 suite)"])
    }

    @Test func aDeepScanAlsoOpensEveryPackage() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: Self.ordinary)
        let outcome = try await scan([directory.path], deep: true)

        let atIndex = outcome.detections.filter { $0.location.path.displayString.hasSuffix("/Packages") }
        let atPool = outcome.detections.filter { $0.location.path.displayString.contains("/pool/main/") }
        #expect(atIndex.count == 2)
        #expect(
            Set(atPool.map { String($0.location.path.displayString.split(separator: "/").last ?? "") })
                == Set(RepositoryFixture.debianVendorPackages)
        )
        #expect(atPool.allSatisfy { $0.form == .package && $0.confidence == .installation })
        #expect(outcome.summary.counts.files == Self.ordinary + 2)
        #expect(outcome.summary.counts.coveredByIndex == 0)
    }

    @Test func aTamperedIndexAndAMissingPackageAreReported() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: Self.ordinary)
        let binary = "\(directory.path)/dists/stable/main/binary-amd64"
        let handle = try #require(FileHandle(forWritingAtPath: "\(binary)/Packages.gz"))
        handle.seekToEndOfFile()
        handle.write(Data("appended".utf8))
        try handle.close()
        try FileManager.default.removeItem(atPath: "\(directory.path)/pool/main/ordinary-tool1_1.1_amd64.deb")

        let outcome = try await scan([directory.path])
        let integrity = outcome.events(.integrity)
        #expect(integrity.count == 2, "\(integrity)")
        #expect(
            integrity.contains {
                $0.location.path.displayString == "\(binary)/Packages.gz"
                    && $0.message.contains("does not match the Release file")
            }
        )
        #expect(integrity.contains { $0.message.contains("pool/main/ordinary-tool1_1.1_amd64.deb, which is missing") })
        #expect(outcome.summary.isIncomplete)
        // The index itself is still read: the vendor packages are still found.
        #expect(outcome.detections.count == 2)
    }

    @Test func aPackageOfAnotherSizeThanIndexedIsScannedOnItsOwn() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: 1)
        // Swap the contents of a vendor package for a package of another vendor name and size.
        let pool = "\(directory.path)/pool/main"
        try FileManager.default.removeItem(atPath: "\(pool)/kesl_12.1.0-1234_amd64.deb")
        try FileManager.default.copyItem(
            atPath: "\(Fixtures.vendor)/kaspersky-cybertrace_4.3.0-1_amd64.deb",
            toPath: "\(pool)/kesl_12.1.0-1234_amd64.deb"
        )

        let outcome = try await scan([directory.path])
        #expect(
            outcome.events(.integrity).contains {
                $0.location.path.displayString == "\(pool)/kesl_12.1.0-1234_amd64.deb"
            }
        )
        #expect(
            outcome.detections.contains {
                $0.location.path.displayString == "\(pool)/kesl_12.1.0-1234_amd64.deb"
                    && $0.product == "kaspersky-threat-intelligence"
            }
        )
    }

    @Test func anRPMRepositoryIsReadFromItsPrimaryMetadata() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.rpm(at: directory.path, ordinary: 2)
        let outcome = try await scan([directory.path])

        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let detection = try #require(outcome.detections.first)
        #expect(outcome.detections.count == 1)
        #expect(detection.product == "kaspersky-endpoint-security-linux")
        #expect(detection.location.path.displayString.hasPrefix("\(directory.path)/repodata/"))
        #expect(detection.location.path.displayString.hasSuffix("-primary.xml.gz"))
        #expect(detection.record == "Packages/kesl-12.1.0-1234.x86_64.rpm")
        #expect(detection.form == .package)
        #expect(detection.evidence.contains { $0.kind == "package.vendor" })
        #expect(outcome.summary.counts.indexEntries == 3)
        #expect(outcome.summary.counts.files == 0)

        let deep = try await scan([directory.path], deep: true)
        #expect(
            deep.detections.contains {
                $0.location.path.displayString == "\(directory.path)/Packages/kesl-12.1.0-1234.x86_64.rpm"
            }
        )
    }

    @Test func aTamperedRPMMetadataFileIsReported() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.rpm(at: directory.path, ordinary: 1)
        let repodata = "\(directory.path)/repodata"
        let other = try #require(
            try FileManager.default.contentsOfDirectory(atPath: repodata).first { $0.hasSuffix("-other.xml.gz") }
        )
        try Data("not what repomd.xml says".utf8).write(to: URL(fileURLWithPath: "\(repodata)/\(other)"))
        let outcome = try await scan([directory.path])
        #expect(outcome.events(.integrity).map(\.location.path.displayString) == ["\(repodata)/\(other)"])
        #expect(outcome.detections.count == 1)
    }

    @Test func aPackagesIndexOutsideARepositoryRootIsStillRead() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: 2)
        // Only the dists tree: no root to recognise; the compressed index is unpacked and read.
        let outcome = try await scan(["\(directory.path)/dists/stable/main/binary-amd64/Packages.xz"])
        #expect(
            Set(outcome.installations.compactMap(\.record))
                == Set(RepositoryFixture.debianVendorPackages.map { "pool/main/\($0)" })
        )
        #expect(outcome.installations.allSatisfy { $0.location.members.map(\.displayString) == ["Packages"] })
    }
}

/// Copies of one index side by side give one finding per package.
@Suite struct IndexCopyTests {
    @Test func copiesOfAPackagesIndexWithoutReleaseGiveOneFindingPerPackage() async throws {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: 3)
        // A copied dists folder without its Release: the three Packages files are read on their own.
        let copy = directory.file("copied")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for name in ["Packages", "Packages.gz", "Packages.xz"] {
            try FileManager.default.copyItem(
                atPath: directory.file("dists/stable/main/binary-amd64/\(name)"),
                toPath: "\(copy)/\(name)"
            )
        }
        let outcome = try await scan([copy])
        let findings = outcome.detections
        // The session merges copies; the in-process helper shows what the workers found.
        #expect(findings.count == 6, "three copies of two vendor packages: \(findings.map(\.location))")
        let result = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", copy])
        let records = try result.records().filter { $0["type"] as? String == "finding" }
        #expect(records.count == 2, "one finding per package")
        for record in records {
            let copies = (record["evidence"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "index.copy" }
            #expect(copies.count == 2, "the other two copies are named: \(copies)")
        }
        #expect(try result.records().last?["findings"] as? Int == 2, "the summary counts the merged findings")
    }
}

/// Repository signatures checked with gpgv against keyrings made with gpg: good, tampered, by an
/// unknown key, and missing under `--require-signed`.
@Suite struct RepositorySignatureTests {
    static let key = Result { try SigningKey() }

    /// A Debian repository whose Release is signed both ways (`InRelease` and `Release.gpg`).
    func signedDebian(_ key: SigningKey) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try RepositoryFixture.debian(at: directory.path, ordinary: 2)
        let suite = directory.file("dists/stable")
        try key.clearSign("\(suite)/Release", to: "\(suite)/InRelease")
        try key.detachSign("\(suite)/Release", to: "\(suite)/Release.gpg", armoured: false)
        return directory
    }

    func signatureDetail(_ outcome: ScanOutcome) -> String {
        outcome.summary.recognised.map(\.detail).joined(separator: " | ")
    }

    @Test(arguments: [false, true])
    func aSignedDebianRepositoryVerifiesAgainstItsKeyring(armoured: Bool) async throws {
        let key = try Self.key.get()
        let directory = try signedDebian(key)
        let outcome = try await scan([directory.path]) {
            $0.keyrings = [armoured ? key.armouredKeyring : key.keyring]
            $0.requireSigned = true
            try $0.prepareSignatureCheck()
        }
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(
            signatureDetail(outcome).contains("signed by Embargo Test Archive <archive@example.org>"),
            "\(signatureDetail(outcome))"
        )
        #expect(outcome.detections.count == 2)
    }

    @Test func aReleaseChangedAfterSigningIsAnIntegrityEvent() async throws {
        let key = try Self.key.get()
        let directory = try signedDebian(key)
        // Rewrite InRelease's signed text: an attacker adding a suite line after signing.
        let inRelease = directory.file("dists/stable/InRelease")
        let text = try String(contentsOfFile: inRelease, encoding: .utf8)
        try text.replacingOccurrences(of: "Suite: stable", with: "Suite: stab1e").write(
            toFile: inRelease,
            atomically: true,
            encoding: .utf8
        )
        let outcome = try await scan([directory.path]) {
            $0.keyrings = [key.keyring]
            try $0.prepareSignatureCheck()
        }
        let events = outcome.events(.integrity)
        #expect(events.map(\.location.path.displayString) == [inRelease], "\(outcome.events)")
        #expect(events.first?.message.contains("bad signature") == true, "\(events)")
        #expect(signatureDetail(outcome).contains("BAD signature"))
    }

    @Test func aSignatureByAKeyTheKeyringsLackIsAnIntegrityEvent() async throws {
        let key = try Self.key.get()
        let other = try SigningKey(identity: "Someone Else <else@example.org>")
        let directory = TemporaryDirectory()
        try RepositoryFixture.rpm(at: directory.path, ordinary: 1)
        let repomd = directory.file("repodata/repomd.xml")
        try other.detachSign(repomd, to: "\(repomd).asc", armoured: true)
        let outcome = try await scan([directory.path]) {
            $0.keyrings = [key.keyring]
            try $0.prepareSignatureCheck()
        }
        let events = outcome.events(.integrity)
        #expect(events.map(\.location.path.displayString) == [repomd], "\(outcome.events)")
        #expect(events.first?.message.contains("which the keyrings do not hold") == true, "\(events)")

        let trusted = try await scan([directory.path]) {
            $0.keyrings = [key.keyring, other.armouredKeyring]
            try $0.prepareSignatureCheck()
        }
        #expect(trusted.events.isEmpty, "\(trusted.events)")
        #expect(signatureDetail(trusted).contains("signed by Someone Else"))
    }

    @Test func anUnsignedRepositoryIsAnEventOnlyWhenSignaturesAreRequired() async throws {
        let key = try Self.key.get()
        let directory = TemporaryDirectory()
        try RepositoryFixture.rpm(at: directory.path, ordinary: 1)
        let relaxed = try await scan([directory.path]) {
            $0.keyrings = [key.keyring]
            try $0.prepareSignatureCheck()
        }
        #expect(relaxed.events.isEmpty)
        #expect(signatureDetail(relaxed).contains("unsigned"))

        let result = try EmbargoProcess.run([
            "scan", "--format", "jsonl", "--fail-on", "never", "--fail-on-incomplete", "--keyring", key.keyring,
            "--require-signed",
            directory.path,
        ])
        #expect(result.status == 3, "an integrity event makes the scan incomplete")
        let events = try result.records().filter { $0["type"] as? String == "event" }
        #expect(
            events.contains { ($0["message"] as? String)?.contains("not signed (no repomd.xml.asc)") == true },
            "\(events)"
        )
    }

    @Test func theCommandLineRejectsRequireSignedWithoutAKeyringAndAnUnreadableKeyring() throws {
        let directory = TemporaryDirectory()
        let withoutKeyring = try EmbargoProcess.run(["scan", "--require-signed", directory.path])
        #expect(withoutKeyring.status == 2)
        #expect(withoutKeyring.errors.contains("--require-signed needs --keyring"), "\(withoutKeyring.errors)")
        let missing = try EmbargoProcess.run(["scan", "--keyring", directory.file("absent.gpg"), directory.path])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("--keyring: cannot read"), "\(missing.errors)")
    }
}
