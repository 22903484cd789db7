import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// ISO 9660 images, raw disk images with MBR and GPT tables, and the images Embargo cannot read.
@Suite struct DiskImageTests {
    @Test func anISOImageIsUnpacked() async throws {
        let directory = TemporaryDirectory()
        try directory.write("content/setup/installer.exe", try Fixtures.bytes("signed-kaspersky-avp.exe"))
        try directory.write("content/README.txt", text: "An ordinary disc.\n")
        try DiskImageFixture.iso(of: directory.file("content"), at: directory.file("disc.iso"))

        let outcome = try await scan([directory.file("disc.iso")])
        let detection = try #require(outcome.installations.first)
        #expect(outcome.installations.count == 1)
        #expect(detection.location.members.map(\.displayString) == ["setup/installer.exe"])
        #expect(detection.vendor == "kaspersky")
        #expect(outcome.events.isEmpty, "\(outcome.events)")
    }

    @Test func anMBRImageIsSplitIntoPartitionsAndItsFATPartitionRead() async throws {
        let directory = TemporaryDirectory()
        let image = directory.file("disk.img")
        try DiskImageFixture.mbr(at: image)
        let outcome = try await scan([image])

        let byMember = Dictionary(grouping: outcome.installations) {
            $0.location.members.dropFirst().map(\.displayString)
        }
        #expect(byMember[["/Tools/Kaspersky/Long Named Avp.exe"]] != nil)
        #expect(byMember[["/nested.tgz", "tools.zip", "tools/helper.bin"]] != nil)
        let partition = try #require(outcome.installations.first?.location.members.first?.displayString)
        #expect(partition.hasPrefix("partition 1 (MBR 0x0c FAT32 (LBA), offset 1048576"))

        // Partition 2 is an empty ext4 file system: read, nothing in it.
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.summary.recognised.map(\.kind) == ["disk image (MBR)"])
    }

    @Test func aGPTImageIsSplitIntoPartitions() async throws {
        let directory = TemporaryDirectory()
        let image = directory.file("gpt.img")
        try DiskImageFixture.gpt(at: image)
        let outcome = try await scan([image])

        let detection = try #require(outcome.installations.first)
        #expect(detection.location.members.map(\.displayString).last == "/EFI/BOOT/BOOTX64.EFI")
        #expect(
            detection.location.members.first?.displayString.contains(
                "GPT EFI system (C12A7328-F81F-11D2-BA4B-00A0C93EC93B) \"EFI\""
            ) == true
        )
        let unsupported = try #require(outcome.events(.unsupported).first)
        #expect(outcome.events(.unsupported).count == 1)
        #expect(unsupported.location.members.first?.displayString.hasPrefix("partition 2 (GPT Linux LVM") == true)
        #expect(unsupported.location.members.first?.displayString.contains("offset \(73728 * 512)") == true)
        #expect(unsupported.message.hasPrefix("no file system"))
    }

    @Test func aPartitionedImageInsideAnArchiveIsOpenedToo() async throws {
        let directory = TemporaryDirectory()
        try DiskImageFixture.gpt(at: directory.file("gpt.img"))
        try Tool.run("tar", ["-C", directory.path, "-czf", directory.file("images.tar.gz"), "gpt.img"])
        let outcome = try await scan([directory.file("images.tar.gz")])
        #expect(
            outcome.installations.contains { $0.location.members.map(\.displayString).last == "/EFI/BOOT/BOOTX64.EFI" }
        )
    }

    /// Images in formats Embargo recognises but cannot read give one `unsupported` event each and no
    /// finding, even when they hold vendor strings.
    @Test(arguments: [
        ("exfat", [0xEB, 0x76, 0x90] + Array("EXFAT   ".utf8), "exFAT file system"),
        ("squashfs", Array("hsqs".utf8) + [0, 0, 0, 0], "squashfs file system"),
    ])
    func anUnreadableImageIsReportedNotSkipped(name: String, magic: [UInt8], kind: String) async throws {
        let directory = TemporaryDirectory()
        var bytes = magic + [UInt8](repeating: 0, count: 70_000)
        bytes += Array("AO Kaspersky Lab avp.exe".utf8)
        let path = try directory.write("disk.\(name)", bytes)
        let outcome = try await scan([path])
        #expect(outcome.detections.isEmpty)
        #expect(outcome.events.map(\.kind) == [.unsupported])
        #expect(outcome.events.first?.message.hasPrefix("\(kind): not read") == true)
    }

    /// A damaged virtual disk is a `corrupt` event, not a crash and not silence.
    @Test(arguments: [
        ("qcow2", [UInt8]("QFI".utf8) + [0xFB, 0, 0, 0, 3], "virtual disk could not be read: qcow2 cluster size"),
        ("vmdk", Array("KDMV".utf8) + [1, 0, 0, 0], "virtual disk could not be read: VMDK grain of 0 sectors"),
    ])
    func aDamagedVirtualDiskIsReported(name: String, magic: [UInt8], message: String) async throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("disk.\(name)", magic + [UInt8](repeating: 0, count: 70_000))
        let outcome = try await scan([path])
        #expect(outcome.detections.isEmpty)
        #expect(outcome.events.map(\.kind) == [.corrupt])
        #expect(outcome.events.first?.message.hasPrefix(message) == true, "\(outcome.events)")
    }

    @Test func anEmptyExt4ImageIsReadAndAPureUDFImageIsReported() async throws {
        let directory = TemporaryDirectory()
        let ext = directory.file("root.ext4")
        try Tool.run("truncate", ["-s", "8M", ext])
        try Tool.run("mkfs.ext4", ["-q", "-F", ext])
        // A UDF volume recognition sequence (ECMA-167): BEA01, NSR02, TEA01 from sector 16.
        var udf = [UInt8](repeating: 0, count: 40 * 2048)
        for (index, identifier) in ["BEA01", "NSR02", "TEA01"].enumerated() {
            let start = (16 + index) * 2048
            udf[start + 1..<start + 6] = ArraySlice(identifier.utf8)
            udf[start + 6] = 1
        }
        let udfPath = try directory.write("disc.udf", udf)
        let outcome = try await scan([ext, udfPath])
        #expect(outcome.events.map(\.message).map { $0.prefix(20) } == ["UDF file system: not"])
        #expect(outcome.summary.recognised.map(\.kind).contains("disk image (ext4)"))
    }
}
