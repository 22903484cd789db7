import EmbargoTestSupport
import Foundation
import Testing

@testable import EmbargoFormats

@Suite struct ReaderTests {
    @Test func thePEReaderReturnsVersionStringsAndTheSigner() throws {
        let binary = try PortableExecutable.read(try Fixtures.bytes("signed-kaspersky-avp.exe"))
        #expect(binary.versionString("CompanyName") == "AO Kaspersky Lab")
        #expect(binary.versionString("ProductName") == "Kaspersky Endpoint Security for Windows")
        #expect(binary.versionString("OriginalFilename") == "avp.exe")
        #expect(binary.versionString("LegalCopyright") == "Copyright (C) 2023 AO Kaspersky Lab")
        let signature = try #require(binary.signatures.first)
        let signer = try #require(signature.signer)
        #expect(signer.subject.contains("CN=AO Kaspersky Lab"))
        #expect(signer.subject.contains("O=AO Kaspersky Lab"))
        #expect(signer.issuer.contains("CN=Embargo Test Code Signing CA"))
        #expect(signature.certificates.count == 2, "the signer and its CA")
        #expect(binary.warnings.isEmpty)
    }

    @Test func anUnsignedPEHasVersionStringsAndNoSignature() throws {
        let binary = try PortableExecutable.read(try Fixtures.bytes("unsigned-wide-strings.exe"))
        #expect(binary.versionString("CompanyName") == "Example Corp")
        #expect(binary.signatures.isEmpty)
    }

    @Test func theMachOReaderReturnsTeamIdentifierBundleAndSigner() throws {
        let binary = try MachOBinary.read(try Fixtures.bytes("macos-kav-agent"))
        let slice = try #require(binary.slices.first)
        #expect(slice.teamIdentifier == "2Y8XE5CQ94")
        #expect(slice.codeIdentifier == "com.kaspersky.kav.agent")
        #expect(slice.bundleIdentifier == "com.kaspersky.kav.agent")
        #expect(slice.signatures.first?.signer?.subject.contains("OU=2Y8XE5CQ94") == true)
    }

    @Test func aUniversalMachOIsReadSliceBySlice() throws {
        let thin = try Fixtures.bytes("macos-kav-agent")
        // A fat header with two slices of the same thin binary, each aligned to 4 KiB.
        func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        var fat = be32(0xCAFE_BABE) + be32(2)
        fat += be32(0x0100_0007) + be32(3) + be32(4096) + be32(UInt32(thin.count)) + be32(12)
        fat += be32(0x0100_000C) + be32(0) + be32(8192) + be32(UInt32(thin.count)) + be32(12)
        fat += [UInt8](repeating: 0, count: 4096 - fat.count) + thin
        fat += [UInt8](repeating: 0, count: 8192 - fat.count) + thin
        let binary = try MachOBinary.read(fat)
        #expect(binary.slices.count == 2)
        #expect(binary.slices.allSatisfy { $0.teamIdentifier == "2Y8XE5CQ94" })
    }

    @Test func aCertificateBundleGivesEveryCertificate() throws {
        let (certificates, errors) = CertificateFile.read(
            try Fixtures.bytes("trust-store/etc/ssl/certs/ca-certificates.crt")
        )
        #expect(errors.isEmpty)
        #expect(certificates.count == 3)
        let root = try #require(
            certificates.first { $0.subject.contains("Kaspersky Anti-Virus Personal Root Certificate") }
        )
        #expect(root.isSelfIssued)
        #expect(root.subject == "CN=Kaspersky Anti-Virus Personal Root Certificate,O=AO Kaspersky Lab,C=RU")
    }

    @Test func dpkgStatusListsInstalledPackagesOnly() throws {
        let packages = DebianControl.installedPackages(try Fixtures.bytes("dpkg-root/var/lib/dpkg/status"))
        #expect(
            packages.compactMap { DebianControl.field("Package", in: $0) } == [
                "bash", "kesl", "klnagent64", "coreutils",
            ]
        )
        let kesl = try #require(packages.first { DebianControl.field("package", in: $0) == "kesl" })
        #expect(DebianControl.field("Maintainer", in: kesl) == "AO Kaspersky Lab <support@example.invalid>")
        #expect(
            DebianControl.field("Description", in: packages[0])?.contains("\n") == true,
            "continuation lines are kept"
        )
    }

    @Test func theRPMHeaderOfAPackageIsParsedByUs() throws {
        let header = try RPMHeader.readPackage(try Fixtures.bytes("kesl-12.1.0-1234.x86_64.rpm"))
        #expect(header[.name] == "kesl")
        #expect(header[.version] == "12.1.0")
        #expect(header[.release] == "1234")
        #expect(header[.vendor] == "AO Kaspersky Lab")
        #expect(header[.packager] == "AO Kaspersky Lab <support@example.invalid>")
        #expect(header[.summary] == "Kaspersky Endpoint Security for Linux")
    }

    @Test func formatsAreRecognisedFromTheirFirstBytes() throws {
        #expect(ContentSniffer.format(of: try Fixtures.bytes("signed-kaspersky-avp.exe")) == .pe)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("macos-kav-agent")) == .macho)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("kesl-12.1.0-1234.x86_64.rpm")) == .rpm)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("kesl_12.1.0-1234_amd64.deb")) == .ar)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("nested-tools.tar.gz")) == .gzip)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("packages.tar")) == .tar)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("trust-store/etc/ssl/certs/ca-certificates.crt")) == .pem)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("rpm-root/var/lib/rpm/rpmdb.sqlite")) == .sqlite)
        #expect(ContentSniffer.format(of: try Fixtures.bytes("traps/audit-antivirus.sh")) == .text)
        #expect(ContentSniffer.format(of: try elfExecutable()) == .elf)
        #expect(ContentSniffer.format(of: [UInt8]()) == .empty)
        #expect(ContentSniffer.format(of: [0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 52]) == .javaClass)
    }
}

/// Truncated and corrupted input: every reader returns or throws, never traps.
@Suite struct HostileInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let fixture: String
        let reader: @Sendable ([UInt8]) throws -> Void
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "signed-kaspersky-avp.exe") { _ = try PortableExecutable.read($0) },
        Case(fixture: "macos-kav-agent") { _ = try MachOBinary.read($0) },
        Case(fixture: "kesl-12.1.0-1234.x86_64.rpm") { _ = try RPMHeader.readPackage($0) },
        Case(fixture: "trust-store/etc/ssl/certs/ca-certificates.crt") { _ = CertificateFile.read($0) },
        Case(fixture: "dpkg-root/var/lib/dpkg/status") { _ = DebianControl.installedPackages($0) },
        Case(fixture: "signed-kaspersky-neutral.exe") { bytes in
            // The certificate table alone, as SignedData.
            _ = try SignedDataReader.read(Array(bytes.suffix(2048)))
        },
    ]

    @Test(arguments: cases)
    func truncatedInputNeverTraps(_ test: Case) throws {
        let bytes = try Fixtures.bytes(test.fixture)
        var length = 0
        while length < bytes.count {
            _ = try? test.reader(Array(bytes.prefix(length)))
            length += max(1, length / 8)
        }
    }

    @Test(arguments: cases)
    func corruptedInputNeverTraps(_ test: Case) throws {
        let bytes = try Fixtures.bytes(test.fixture)
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        for _ in 0..<1000 {
            var mutated = bytes
            for _ in 0..<Int(1 + next() % 16) {
                let position = Int(next() % UInt64(mutated.count))
                mutated[position] = next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: next())
            }
            _ = try? test.reader(mutated)
        }
    }

    @Test func aHeaderThatClaimsHugeSizesIsRejected() {
        var rpm = [UInt8](repeating: 0, count: 200)
        rpm[0...3] = [0xED, 0xAB, 0xEE, 0xDB]
        rpm[96...99] = [0x8E, 0xAD, 0xE8, 0x01]
        rpm[104...107] = [0x7F, 0xFF, 0xFF, 0xFF]
        #expect(throws: FormatError.self) { _ = try RPMHeader.readPackage(rpm) }
        var pe = [UInt8](repeating: 0, count: 256)
        pe[0] = 0x4D
        pe[1] = 0x5A
        pe[0x3C] = 0xFF
        pe[0x3F] = 0x7F
        #expect(throws: FormatError.self) { _ = try PortableExecutable.read(pe) }
    }
}
