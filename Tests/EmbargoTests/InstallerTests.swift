import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Windows setup programs that bundle the Kaspersky SDK (`kavsdk.dll`, here the signed Kaspersky
/// fixture under that name), built by wixl, makensis, zip, 7z and gcab: the DLL inside is the
/// finding, under its real name; installers that only list antivirus products stay mentions.
@Suite struct InstallerTests {
    /// The signed Kaspersky binary, copied as `kavsdk.dll`, and an ordinary text file, in `directory`.
    static func payload(in directory: TemporaryDirectory) throws -> (sdk: String, text: String) {
        let sdk = try directory.write("kavsdk.dll", Fixtures.bytes("signed-kaspersky-avp.exe"))
        let text = try directory.write("readme.txt", text: "Example Scanner: installs into Program Files.\n")
        return (sdk, text)
    }

    static func isKasperskyInstallation(_ detection: Detection) -> Bool {
        detection.confidence == .installation && detection.vendor == "kaspersky"
            && detection.evidence.contains { $0.kind == "certificate.subject" }
    }

    @Test func aWindowsInstallerPackagesFilesAreFoundUnderTheirRealNames() async throws {
        let directory = TemporaryDirectory()
        let (sdk, text) = try Self.payload(in: directory)
        let msi = try InstallerFixture.msi(
            directory.file("setup.msi"),
            files: [("kavsdk.dll", sdk), ("readme.txt", text)]
        )
        let outcome = try await scan([msi])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let finding = try #require(outcome.detections.first(where: Self.isKasperskyInstallation))
        #expect(finding.location.members.map(\.displayString) == ["product.cab", "kavsdk.dll"])
    }

    @Test func anInstallerThatOnlyListsAntivirusProductsHasNoInstallation() async throws {
        let directory = TemporaryDirectory()
        let list = try directory.write("products.txt", Fixtures.bytes("traps/antivirus-products.txt"))
        let msi = try InstallerFixture.msi(directory.file("compat.msi"), files: [("products.txt", list)])
        let nsis = try InstallerFixture.nsis(
            directory.file("compat.exe"),
            compressor: "lzma",
            solid: true,
            files: [list]
        )
        let outcome = try await scan([msi, nsis])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.installations.isEmpty, "\(outcome.installations.map(\.location))")
    }

    @Test func aDamagedPackageIsReportedAndTheScanGoesOn() async throws {
        let directory = TemporaryDirectory()
        let (sdk, _) = try Self.payload(in: directory)
        let msi = try InstallerFixture.msi(directory.file("full.msi"), files: [("kavsdk.dll", sdk)])
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: msi)))
        // The header's first directory sector points past the end of the file.
        bytes.replaceSubrange(0x30..<0x34, with: [0xF0, 0xFF, 0xFF, 0x0F])
        try directory.write("broken.msi", bytes)
        let outcome = try await scan([directory.path])
        #expect(outcome.events(.corrupt).contains { $0.location.path.displayString.hasSuffix("broken.msi") })
        #expect(
            outcome.detections.contains {
                Self.isKasperskyInstallation($0) && $0.location.path.displayString.hasSuffix("full.msi")
            }
        )
    }

    @Test(arguments: [
        ("zlib", false), ("zlib", true), ("lzma", false), ("lzma", true), ("bzip2", false), ("bzip2", true),
    ])
    func anNSISInstallersFilesAreUnpacked(compressor: String, solid: Bool) async throws {
        let directory = TemporaryDirectory()
        let (sdk, text) = try Self.payload(in: directory)
        let setup = try InstallerFixture.nsis(
            directory.file("setup.exe"),
            compressor: compressor,
            solid: solid,
            files: [sdk],
            docs: [text]
        )
        let outcome = try await scan([setup])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let finding = try #require(outcome.detections.first(where: Self.isKasperskyInstallation))
        #expect(finding.location.members.map(\.displayString) == ["$INSTDIR/kavsdk.dll"])
        #expect(outcome.summary.counts.members == 2, "the SDK and the readme")
    }

    @Test(arguments: ["zip", "zip-raw", "7z", "cab"])
    func aSelfExtractorsArchiveIsUnpacked(format: String) async throws {
        let directory = TemporaryDirectory()
        let (sdk, text) = try Self.payload(in: directory)
        let stub = try directory.write("stub.exe", Fixtures.bytes("traps/unrelated-signed.exe"))
        let setup = try InstallerFixture.selfExtractor(
            directory.file("setup.exe"),
            stub: stub,
            format: format,
            files: [sdk, text]
        )
        let outcome = try await scan([setup])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let finding = try #require(outcome.detections.first(where: Self.isKasperskyInstallation))
        #expect(finding.location.members.map(\.displayString) == ["kavsdk.dll"])
    }

    @Test func installerEnginesEmbargoDoesNotUnpackAreNamedInAnEvent() async throws {
        let directory = TemporaryDirectory()
        let stub = try directory.write("stub.exe", Fixtures.bytes("traps/unrelated-signed.exe"))
        let bundle = try InstallerFixture.burnLikeBundle(directory.file("bundle.exe"), stub: stub)
        let outcome = try await scan([bundle, stub])
        let events = outcome.events(.unsupported)
        #expect(events.count == 1, "a plain signed program carries no payload: \(events)")
        #expect(events.first?.message.hasPrefix("WiX Burn bundle") == true, "\(events)")
    }
}
