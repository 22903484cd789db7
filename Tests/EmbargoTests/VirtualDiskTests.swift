import EmbargoFormats
import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Virtual machine disks (qcow2, VMDK, VHD, VHDX, OVA) and the ext2/3/4 file systems in them, read in
/// place without mounting; encrypted volumes; differencing disks and their parents; shards.
@Suite struct VirtualDiskTests {
    /// What a scan found, as (member chain, product) pairs.
    private func found(_ outcome: ScanOutcome) -> Set<[String]> {
        Set(outcome.installations.map { $0.location.members.map(\.displayString) + [$0.record ?? $0.product] })
    }

    @Test func everyVirtualDiskFormatShowsWhatTheRawDiskHolds() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        let raw = directory.file("disk.raw")
        try VirtualDiskFixture.rawDisk(of: directory.file("root"), at: raw)
        let expected = found(try await scan([raw]))
        let partition = "partition 1 (GPT 0FC63DAF-8483-4772-8E79-3D69C3EC8CAA, offset 1048576"
        #expect(
            expected.contains { $0.first?.hasPrefix(partition) == true && $0[1] == "/opt/kaspersky/kesl/bin/avp.exe" }
        )
        #expect(expected.contains { $0.dropFirst().first == "/usr/share/doc/nested-tools.tar.gz" && $0.count == 5 })
        // The dpkg status inside the file system gives the installed packages as records.
        let records = try await scan([raw]).installations.compactMap(\.record)
        #expect(Set(records).isSuperset(of: ["package kesl", "package klnagent64"]), "\(records)")

        for format in VirtualDiskFixture.formats {
            let image = directory.file("disk.\(format.name)")
            try VirtualDiskFixture.convert(raw, to: image, arguments: format.arguments)
            let outcome = try await scan([image])
            #expect(found(outcome) == expected, "\(format.name)")
            #expect(outcome.events.isEmpty, "\(format.name): \(outcome.events)")
            #expect(outcome.summary.recognised.first?.kind.hasPrefix("virtual disk (") == true, "\(format.name)")
            #expect(outcome.summary.recognised.contains { $0.kind == "Linux root (dpkg)" }, "\(format.name)")
        }
    }

    @Test func filesComeOutByteForByteFromEveryKindOfLinuxFileSystem() async throws {
        let directory = TemporaryDirectory()
        let root = directory.file("root")
        try FileManager.default.createDirectory(atPath: root + "/deep/er", withIntermediateDirectories: true)
        let mention = Array("Installed by AO Kaspersky Lab setup\n".utf8)
        try directory.write("root/small.txt", mention)
        // Holes around the mentions: a sparse file.
        let sparse = directory.file("root/deep/er/sparse.bin")
        _ = FileManager.default.createFile(atPath: sparse, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sparse))
        try handle.seek(toOffset: 3 << 20)
        try handle.write(contentsOf: mention)
        try handle.seek(toOffset: 5 << 20)
        try handle.write(contentsOf: mention)
        try handle.close()
        var large = [UInt8]()
        for index in 0..<300_000 { large.append(UInt8(truncatingIfNeeded: index &* 7)) }
        try directory.write("root/deep/large.bin", large + mention)
        let expected = try Dictionary(
            uniqueKeysWithValues: ["/small.txt", "/deep/er/sparse.bin", "/deep/large.bin"].map { path in
                (path, String(decoding: try Tool.run("sha256sum", [root + path]).prefix(64), as: UTF8.self))
            }
        )
        let variants: [(String, (String) throws -> Void)] = [
            ("ext4", { try VirtualDiskFixture.extFileSystem(of: root, at: $0) }),
            ("ext2", { try VirtualDiskFixture.extFileSystem(of: root, at: $0, options: ["-t", "ext2"]) }),
            ("ext3", { try VirtualDiskFixture.extFileSystem(of: root, at: $0, options: ["-t", "ext3"]) }),
            ("inline", { try VirtualDiskFixture.extFileSystem(of: root, at: $0, options: ["-O", "inline_data"]) }),
            ("1k-blocks", { try VirtualDiskFixture.extFileSystem(of: root, at: $0, options: ["-b", "1024"]) }),
            ("xfs", { try VirtualDiskFixture.xfsFileSystem(of: root, at: $0) }),
            ("btrfs", { try VirtualDiskFixture.btrfsFileSystem(of: root, at: $0) }),
        ]
        for (name, make) in variants {
            let image = directory.file("\(name).img")
            try make(image)
            let outcome = try await scan([image])
            let hashes = Self.fileHashes(outcome)
            #expect(hashes == expected, "\(name)")
            #expect(outcome.events.isEmpty, "\(name): \(outcome.events)")
            #expect(outcome.summary.recognised.first?.kind.hasPrefix("disk image (") == true, "\(name)")
        }
    }

    @Test func aSplitVMDKIsReadThroughItsDescriptorAndItsExtentsAreNotReadTwice() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        try VirtualDiskFixture.rawDisk(of: directory.file("root"), at: directory.file("disk.raw"))
        try FileManager.default.createDirectory(atPath: directory.file("vm"), withIntermediateDirectories: true)
        try VirtualDiskFixture.convert(
            directory.file("disk.raw"),
            to: directory.file("vm/disk.vmdk"),
            arguments: ["-O", "vmdk", "-o", "subformat=twoGbMaxExtentSparse"]
        )
        let expected = found(try await scan([directory.file("disk.raw")]))
        let outcome = try await scan([directory.file("vm")])
        #expect(found(outcome) == expected)
        #expect(outcome.installations.allSatisfy { $0.location.path.displayString.hasSuffix("/vm/disk.vmdk") })
        #expect(outcome.summary.counts.files == 1, "the extent was read on its own too")
        #expect(outcome.events.isEmpty, "\(outcome.events)")

        // Without its extent the descriptor says so.
        try FileManager.default.removeItem(atPath: directory.file("vm/disk-s001.vmdk"))
        let alone = try await scan([directory.file("vm/disk.vmdk")])
        #expect(
            alone.events.map(\.message) == [
                "VMDK descriptor: not read (its extent \"disk-s001.vmdk\" is not beside it)"
            ]
        )
    }

    @Test func aDifferencingDiskIsReadWithItsParentAndSaysWhenItIsMissing() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        try VirtualDiskFixture.rawDisk(of: directory.file("root"), at: directory.file("disk.raw"))
        try FileManager.default.createDirectory(atPath: directory.file("images"), withIntermediateDirectories: true)
        try VirtualDiskFixture.convert(
            directory.file("disk.raw"),
            to: directory.file("images/base.qcow2"),
            arguments: ["-O", "qcow2"]
        )
        try VirtualDiskFixture.overlay(of: "base.qcow2", at: directory.file("images/overlay.qcow2"))

        let overlay = try await scan([directory.file("images/overlay.qcow2")])
        #expect(
            overlay.installations.contains {
                $0.location.members.last?.displayString == "/opt/kaspersky/kesl/bin/avp.exe"
            }
        )
        #expect(overlay.events.isEmpty, "\(overlay.events)")

        // A child that names its parent by the absolute path it had where it was made (libvirt's
        // way): the parent is found by its name beside the child.
        try FileManager.default.createDirectory(atPath: directory.file("moved"), withIntermediateDirectories: true)
        try VirtualDiskFixture.overlay(
            of: directory.file("images/base.qcow2"),
            at: directory.file("moved/overlay.qcow2")
        )
        try FileManager.default.copyItem(
            atPath: directory.file("images/base.qcow2"),
            toPath: directory.file("moved/base.qcow2")
        )
        try FileManager.default.removeItem(atPath: directory.file("images/base.qcow2"))
        let moved = try await scan([directory.file("moved/overlay.qcow2")])
        #expect(
            moved.installations.contains {
                $0.location.members.last?.displayString == "/opt/kaspersky/kesl/bin/avp.exe"
            }
        )
        #expect(moved.events.isEmpty, "\(moved.events)")
        try FileManager.default.copyItem(
            atPath: directory.file("moved/base.qcow2"),
            toPath: directory.file("images/base.qcow2")
        )
        #expect(
            DiskImageExpander.parentCandidates("C:\\VMs\\base.vhdx", beside: ScanPath("/images")).map(\.displayString)
                == ["/images/base.vhdx"]
        )
        #expect(
            DiskImageExpander.parentCandidates("../base/disk.qcow2", beside: ScanPath("/images")).map(\.displayString)
                == ["/images/../base/disk.qcow2", "/images/disk.qcow2"]
        )

        try FileManager.default.removeItem(atPath: directory.file("images/base.qcow2"))
        let alone = try await scan([directory.file("images/overlay.qcow2")])
        #expect(alone.installations.isEmpty)
        let missing = try #require(alone.events(.unsupported).first)
        #expect(missing.message.contains("parent disk \"base.qcow2\""), "\(missing.message)")
        #expect(alone.summary.isIncomplete)
    }

    @Test func anOVAApplianceIsReadThroughItsStreamOptimizedDisk() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        try VirtualDiskFixture.rawDisk(of: directory.file("root"), at: directory.file("disk.raw"))
        try FileManager.default.createDirectory(atPath: directory.file("ova"), withIntermediateDirectories: true)
        try VirtualDiskFixture.convert(
            directory.file("disk.raw"),
            to: directory.file("ova/appliance-disk1.vmdk"),
            arguments: ["-O", "vmdk", "-o", "subformat=streamOptimized"]
        )
        try directory.write("ova/appliance.ovf", text: "<?xml version=\"1.0\"?><Envelope/>\n")
        try Tool.run(
            "tar",
            [
                "-C", directory.file("ova"), "-cf", directory.file("appliance.ova"), "appliance.ovf",
                "appliance-disk1.vmdk",
            ]
        )
        let outcome = try await scan([directory.file("appliance.ova")])
        let avp = try #require(
            outcome.installations.first { $0.location.members.last?.displayString == "/opt/kaspersky/kesl/bin/avp.exe" }
        )
        #expect(avp.location.members.first?.displayString == "appliance-disk1.vmdk")
        #expect(outcome.events.isEmpty, "\(outcome.events)")
    }

    @Test func aLUKSPartitionIsAnEncryptedEventAndTheRestIsRead() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        let raw = directory.file("disk.raw")
        try VirtualDiskFixture.rawDisk(of: directory.file("root"), at: raw, luks: true)
        try VirtualDiskFixture.convert(raw, to: directory.file("disk.qcow2"), arguments: ["-O", "qcow2"])
        let outcome = try await scan([directory.file("disk.qcow2")])
        #expect(!outcome.installations.isEmpty)
        let encrypted = try #require(outcome.events(.encrypted).first)
        #expect(outcome.events.count == 1, "\(outcome.events)")
        #expect(encrypted.location.members.first?.displayString.hasPrefix("partition 2 (GPT") == true)
        #expect(encrypted.message.hasPrefix("LUKS2 encrypted volume of \(17 << 20) bytes: not read"))

        // A LUKS volume on its own is the same event.
        let alone = try await scan([raw + ".luks"])
        #expect(alone.events.map(\.kind) == [.encrypted])
    }

    @Test func logicalVolumesAreReadSegmentBySegment() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        try VirtualDiskFixture.cleanRoot(at: directory.file("clean"))
        let raw = directory.file("lvm.raw")
        try VirtualDiskFixture.lvmDisk(root: directory.file("root"), other: directory.file("clean"), at: raw)
        try VirtualDiskFixture.convert(raw, to: directory.file("lvm.vmdk"), arguments: ["-O", "vmdk"])
        let outcome = try await scan([directory.file("lvm.vmdk")])
        let avp = try #require(
            outcome.installations.first { $0.location.members.last?.displayString == "/opt/kaspersky/kesl/bin/avp.exe" }
        )
        #expect(
            avp.location.members.map(\.displayString).dropFirst().first
                == "logical volume embargo/root (linear, 16777216 bytes)"
        )
        #expect(Set(outcome.installations.compactMap(\.record)).isSuperset(of: ["package kesl"]))
        #expect(
            outcome.installations.allSatisfy {
                $0.location.members.dropFirst().first?.displayString.contains("/root ") == true
            }
        )
        let blank = try #require(outcome.events.first)
        #expect(outcome.events.count == 1, "\(outcome.events)")
        #expect(blank.kind == .unsupported)
        #expect(blank.location.members.last?.displayString == "logical volume embargo/blank (zero, 4194304 bytes)")
        #expect(blank.message == "logical volume not read: segment type zero is not read")
        #expect(outcome.summary.counts.members > 8)
    }

    @Test func anNTFSFileSystemGivesEveryFileByteForByte() async throws {
        let directory = TemporaryDirectory()
        let image = directory.file("windows.ntfs")
        try VirtualDiskFixture.ntfs(at: image)
        let outcome = try await scan([image])
        let hashes = Self.fileHashes(outcome)
        // Resident (notes.txt), non-resident (avp.exe), LZNT1-compressed (Compressed/) and sparse data,
        // and data in extension records behind an attribute list (Fragmented/).
        #expect(hashes == (try VirtualDiskFixture.hashes("ntfs/windows.sha256")))
        #expect(outcome.events.isEmpty, "\(outcome.events)")

        // The records held while paths are resolved stop at --max-image-files.
        try await Self.expectImageFileLimit(10, stops: image)
        #expect(
            outcome.installations.filter { $0.location.members.last?.displayString.hasSuffix("avp.exe") == true }.count
                == 2
        )
    }

    /// Files the kernel's btrfs driver compressed: zlib, LZO and zstd extents (a file that takes
    /// bytes from the middle of an older extent), compressed inline data, incompressible data kept as
    /// is, and a file in a subvolume, each byte for byte; the dpkg status inside a zstd extent gives
    /// the installed package.
    @Test func aBtrfsFileSystemGivesCompressedFilesByteForByte() async throws {
        let directory = TemporaryDirectory()
        let image = directory.file("compressed.btrfs")
        try VirtualDiskFixture.unpack("btrfs/compressed.btrfs.gz", at: image)
        let outcome = try await scan([image])
        let hashes = Self.fileHashes(outcome)
        #expect(hashes == (try VirtualDiskFixture.hashes("btrfs/compressed.sha256")))
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let installed = try #require(outcome.installations.first { $0.record?.contains("kesl") == true })
        #expect(installed.location.members.last?.displayString == "/zstd/var/lib/dpkg/status")

        // The logs are really compressed, each in its codec, and each takes bytes from inside an
        // extent the rewrite split.
        let content = try ItemContent(path: ScanPath(image), followingLink: false)
        let fileSystem = try BtrfsFileSystem(content, offset: 0, size: content.size)
        let files = try fileSystem.files().files
        for (folder, codec) in [("zlib", CompressedRun.Codec.zlib), ("lzo", .lzo), ("zstd", .zstd)] {
            let log = try #require(files.first { $0.path == "/\(folder)/log.txt" })
            let runs = try fileSystem.pieces(of: log).compactMap { piece -> CompressedRun? in
                if case .compressed(let run) = piece { return run }
                return nil
            }
            #expect(runs.count >= 3 && runs.allSatisfy { $0.codec == codec }, "\(folder): \(runs)")
            #expect(runs.contains { $0.taken.lowerBound > 0 }, "\(folder): \(runs)")
        }

        // The file tree, read whole, stops at --max-image-files inodes.
        try await Self.expectImageFileLimit(3, stops: image)
        // A run whose stored length is past Int.max is an error, not a trap.
        #expect(throws: FormatError.self) {
            try CompressedRun(stored: 0..<UInt64.max, codec: .zstd, decodedLength: 1, taken: 0..<1)
        }
    }

    /// An XFS file whose 400 extents need a B+tree data fork, byte for byte.
    @Test func anXFSFileInBTreeFormIsReadByteForByte() async throws {
        let directory = TemporaryDirectory()
        let image = directory.file("btree.xfs")
        try VirtualDiskFixture.unpack("xfs/btree.xfs.gz", at: image)
        let outcome = try await scan([image])
        let hashes = Self.fileHashes(outcome)
        #expect(hashes == (try VirtualDiskFixture.hashes("xfs/btree.sha256")))
        #expect(outcome.events.isEmpty, "\(outcome.events)")
    }

    /// An ext4 copied while mounted: its journal needs recovery, which is said, and the files in
    /// place are read (the installed package among them).
    @Test func anExt4WhoseJournalNeedsRecoveryIsReadAndSaysSo() async throws {
        let directory = TemporaryDirectory()
        let image = directory.file("unclean.ext4")
        try VirtualDiskFixture.unpack("ext4/unclean.ext4.gz", at: image)
        let outcome = try await scan([image])
        let hashes = Self.fileHashes(outcome)
        #expect(hashes == (try VirtualDiskFixture.hashes("ext4/unclean.sha256")))
        #expect(outcome.installations.contains { $0.record?.contains("kesl") == true })
        let note = try #require(outcome.events.first)
        #expect(outcome.events.count == 1, "\(outcome.events)")
        #expect(note.message.contains("journal needs recovery"), "\(note.message)")

        // A file system with more files than --max-image-files allows is not listed: the limit
        // bounds the memory a listing takes, and says so.
        try await Self.expectImageFileLimit(1, stops: image)
    }

    @Test func aWindowsVHDXIsReadDownToItsRegistry() async throws {
        let directory = TemporaryDirectory()
        let raw = directory.file("windows.raw")
        try VirtualDiskFixture.windowsDisk(at: raw)
        try VirtualDiskFixture.convert(raw, to: directory.file("windows.vhdx"), arguments: ["-O", "vhdx"])
        let outcome = try await scan([directory.file("windows.vhdx")])
        let uninstall = try #require(outcome.installations.first { $0.record?.contains("\\Uninstall\\") == true })
        #expect(
            uninstall.location.members.map(\.displayString) == [
                "partition 1 (GPT Microsoft basic data (EBD0A0A2-B9E5-4433-87C0-68B6B72699C7) \"Basic data partition\", offset 1048576, 13631488 bytes)",
                "/Windows/System32/config/SOFTWARE",
            ]
        )
        #expect(uninstall.product == "kaspersky-endpoint-security-windows")
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.summary.recognised.first?.kind == "virtual disk (VHDX, GPT)")
        #expect(outcome.summary.recognised.contains { $0.kind == "Windows system drive" })
    }

    /// XFS: directories of 3, 40 and 600 entries are in short form (in the inode), block form, and
    /// leaf or node form; btrfs keeps them all as items of its file tree.
    @Test(arguments: ["XFS", "btrfs"])
    func anXFSOrBtrfsRootIsReadInEveryDirectoryForm(fileSystem: String) async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.linuxRoot(at: directory.file("root"))
        for (folder, count) in [("few", 3), ("some", 40), ("many", 600)] {
            for index in 0..<count {
                try directory.write(
                    "root/logs/\(folder)/entry-\(index).log",
                    text: "Scanned by AO Kaspersky Lab \(index)\n"
                )
            }
        }
        let image = directory.file("root.img")
        if fileSystem == "XFS" {
            try VirtualDiskFixture.xfsFileSystem(of: directory.file("root"), at: image)
        } else {
            try VirtualDiskFixture.btrfsFileSystem(of: directory.file("root"), at: image)
        }
        let outcome = try await scan([image])
        let logs = outcome.detections.compactMap { $0.location.members.last?.displayString }.filter {
            $0.hasPrefix("/logs/")
        }
        #expect(Set(logs).count == 643)
        #expect(logs.contains("/logs/many/entry-599.log"))
        let avp = try #require(
            outcome.installations.first { $0.location.members.last?.displayString == "/opt/kaspersky/kesl/bin/avp.exe" }
        )
        let original = try Tool.run("sha256sum", [Fixtures.vendor + "/signed-kaspersky-avp.exe"]).prefix(64)
        #expect(avp.item.sha256 == String(decoding: original, as: UTF8.self))
        #expect(Set(outcome.installations.compactMap(\.record)).isSuperset(of: ["package kesl"]))
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.summary.recognised.map(\.kind) == ["disk image (\(fileSystem))", "Linux root (dpkg)"])
    }

    @Test func aCleanImageHasNoInstallation() async throws {
        let directory = TemporaryDirectory()
        try VirtualDiskFixture.cleanRoot(at: directory.file("root"))
        try VirtualDiskFixture.rawDisk(of: directory.file("root"), at: directory.file("clean.raw"))
        try VirtualDiskFixture.convert(
            directory.file("clean.raw"),
            to: directory.file("clean.vhdx"),
            arguments: ["-O", "vhdx"]
        )
        let outcome = try await scan([directory.file("clean.vhdx")])
        #expect(outcome.installations.isEmpty, "\(outcome.installations.map(\.location))")
        #expect(outcome.summary.counts.members >= 5)
        #expect(outcome.events.isEmpty)
    }

    @Test func twoWorkersShareAnImageUnderSupervisionAndACrashInsideIsSurvived() async throws {
        let marker = "EMBARGO-PLANTED-TRAP"
        let directory = TemporaryDirectory()
        let root = directory.file("root")
        try VirtualDiskFixture.linuxRoot(at: root)
        for index in 0..<12 {
            try directory.write("root/srv/notes-\(index).txt", text: "Installed by AO Kaspersky Lab setup \(index)\n")
        }
        try directory.write("root/srv/crash.txt", text: marker + " AO Kaspersky Lab\n")
        try VirtualDiskFixture.rawDisk(of: root, at: directory.file("disk.raw"))
        let image = directory.file("disk.qcow2")
        try VirtualDiskFixture.convert(directory.file("disk.raw"), to: image, arguments: ["-O", "qcow2"])

        let alone = try await scan([image], jobs: 1)
        let expected = Set(
            alone.detections.map { $0.location.members.map(\.displayString) + [$0.product] }.filter {
                !$0.contains("/srv/crash.txt")
            }
        )
        let result = try EmbargoProcess.run(
            ["scan", "--jobs", "2", "--format", "jsonl", "--fail-on", "never", image],
            environment: ["EMBARGO_TEST_TRAP": marker]
        )
        #expect(result.status == 0, "\(result.errors)")
        let records = try result.records()
        let findings = records.filter { $0["type"] as? String == "finding" }.map { record in
            ((record["members"] as? [String]) ?? []) + [(record["product"] as? String) ?? ""]
        }
        #expect(findings.count == Set(findings).count, "a file was read by two workers")
        #expect(Set(findings) == expected)
        let crashed = records.filter { $0["kind"] as? String == "crashed" }
        #expect(crashed.count == 1)
        #expect((crashed.first?["members"] as? [String])?.last == "/srv/crash.txt")
        let summary = try #require(records.first { $0["type"] as? String == "summary" })
        #expect(summary["files"] as? Int == 1)
    }

    @Test func theShardsOfAnImageTogetherReadEachFileOnce() async throws {
        let directory = TemporaryDirectory()
        let root = directory.file("root")
        try VirtualDiskFixture.linuxRoot(at: root)
        for index in 0..<12 {
            try FileManager.default.copyItem(
                atPath: Fixtures.vendor + "/signed-kaspersky-avp.exe",
                toPath: root + "/opt/kaspersky/kesl/bin/copy\(index).exe"
            )
        }
        try VirtualDiskFixture.rawDisk(of: root, at: directory.file("disk.raw"))
        try VirtualDiskFixture.convert(
            directory.file("disk.raw"),
            to: directory.file("disk.qcow2"),
            arguments: ["-O", "qcow2"]
        )
        try FileManager.default.removeItem(atPath: directory.file("disk.raw"))
        try FileManager.default.removeItem(atPath: root)

        let whole = try await scan([directory.path])
        #expect(whole.installations.count >= 14)
        var union: [String] = []
        var members = 0
        var archives = 0
        for index in 0..<3 {
            let part = try await scan([directory.path], shard: try #require(ScanShard(index: index, count: 3)))
            union += part.detections.map(\.id)
            members += part.summary.counts.members
            archives += part.summary.counts.archives
            #expect(part.detections.count < whole.detections.count, "shard \(index) read the whole image")
        }
        #expect(union.count == Set(union).count, "a finding was made by two shards")
        #expect(Set(union) == Set(whole.detections.map(\.id)))
        // The image's partition and file system are counted once, each file inside once.
        #expect(members == whole.summary.counts.members)
        #expect(archives == whole.summary.counts.archives)
    }

    /// Expects a scan of `image` with `--max-image-files limit` to read nothing inside it and to say
    /// which limit stopped it.
    static func expectImageFileLimit(_ limit: Int, stops image: String) async throws {
        var limits = ScanLimits()
        limits.maxImageFiles = limit
        let limited = try await scan([image], limits: limits)
        #expect(limited.detections.isEmpty)
        #expect(
            limited.events(.limit).first?.message.contains("--max-image-files \(limit)") == true,
            "\(limited.events)"
        )
    }

    /// The SHA-256 of each file inside an image that gave a detection, by its path there.
    static func fileHashes(_ outcome: ScanOutcome) -> [String: String] {
        Dictionary(
            outcome.detections.map { ($0.location.members.last?.displayString ?? "", $0.item.sha256 ?? "") },
            uniquingKeysWith: { first, _ in first }
        )
    }
}
