import Foundation

/// Virtual machine disks built for a test with the real tools: mkfs.ext4 `-d` fills a file system
/// from a directory, sfdisk partitions the raw disk, qemu-img turns it into qcow2, VMDK, VHD and
/// VHDX (and overlays with a backing file), cryptsetup formats a LUKS volume.
public enum VirtualDiskFixture {
    /// The `qemu-img convert` output formats and options of each virtual disk format read.
    public static let formats: [(name: String, arguments: [String])] = [
        ("qcow2", ["-O", "qcow2"]),
        ("compressed.qcow2", ["-c", "-O", "qcow2"]),
        ("qcow2-v2", ["-O", "qcow2", "-o", "compat=0.10"]),
        ("vmdk", ["-O", "vmdk"]),
        ("stream.vmdk", ["-O", "vmdk", "-o", "subformat=streamOptimized"]),
        // A descriptor with its extents in files beside it.
        ("split.vmdk", ["-O", "vmdk", "-o", "subformat=twoGbMaxExtentSparse"]),
        ("flat.vmdk", ["-O", "vmdk", "-o", "subformat=monolithicFlat"]),
        ("vhd", ["-O", "vpc"]),
        ("vhdx", ["-O", "vhdx"]),
    ]

    /// A Linux root with an installation: `/etc/os-release`, the dpkg status of the vendor fixtures
    /// (which lists Kaspersky packages), the signed vendor binary and a nested archive holding another.
    public static func linuxRoot(at root: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/var/lib/dpkg", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/opt/kaspersky/kesl/bin", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/usr/share/doc", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try Data("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/etc/os-release"))
        try manager.copyItem(
            atPath: Fixtures.vendor + "/dpkg-root/var/lib/dpkg/status",
            toPath: root + "/var/lib/dpkg/status"
        )
        try manager.copyItem(
            atPath: Fixtures.vendor + "/signed-kaspersky-avp.exe",
            toPath: root + "/opt/kaspersky/kesl/bin/avp.exe"
        )
        try manager.copyItem(
            atPath: Fixtures.vendor + "/nested-tools.tar.gz",
            toPath: root + "/usr/share/doc/nested-tools.tar.gz"
        )
    }

    /// A root that only mentions vendors: a news article, an audit script, a test named like a
    /// product, a signed binary of another maker.
    public static func cleanRoot(at root: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/home/user", withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: Fixtures.vendor + "/traps") {
            try manager.copyItem(atPath: Fixtures.vendor + "/traps/" + name, toPath: root + "/home/user/" + name)
        }
    }

    /// An ext4 file system of `megabytes` filled from `root`, in a file of its own; `options` go to
    /// mkfs.ext4 (`-t ext2`, `-O inline_data`).
    public static func extFileSystem(
        of root: String,
        at path: String,
        megabytes: Int = 32,
        options: [String] = []
    )
        throws
    {
        try Tool.run("mkfs.ext4", ["-q", "-F"] + options + ["-d", root, path, "\(megabytes)M"])
    }

    /// A raw disk of `megabytes` with a GPT whose first partition (at 1 MiB) holds an ext4 file system
    /// filled from `root`; a second partition, when `luks` is set, is a LUKS2 volume.
    public static func rawDisk(of root: String, at path: String, megabytes: Int = 48, luks: Bool = false) throws {
        try Tool.run("truncate", ["-s", "\(megabytes)M", path])
        let linuxSectors = (megabytes - (luks ? 20 : 2)) * 2048
        var table = "label: gpt\\nstart=2048, size=\(linuxSectors), type=0FC63DAF-8483-4772-8E79-3D69C3EC8CAA\\n"
        if luks {
            table += "start=\(2048 + linuxSectors), size=\(17 * 2048), type=CA7D7CCB-63ED-4C53-861C-1742536059CC\\n"
        }
        try Tool.shell("printf '\(table)' | sfdisk --quiet '\(path)'")
        try Tool.run(
            "mkfs.ext4",
            ["-q", "-F", "-E", "offset=\(1 << 20)", "-d", root, path, "\(linuxSectors / 2)k"]
        )
        if luks {
            let volume = path + ".luks"
            let key = path + ".key"
            try Tool.run("truncate", ["-s", "17M", volume])
            try Data("not a real secret".utf8).write(to: URL(fileURLWithPath: key))
            try Tool.run(
                "cryptsetup",
                [
                    "luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                    "1000", volume, key,
                ]
            )
            try Tool.run(
                "dd",
                [
                    "if=\(volume)", "of=\(path)", "bs=1M", "seek=\(1 + linuxSectors / 2048)", "conv=notrunc",
                    "status=none",
                ]
            )
        }
    }

    /// `raw` converted by qemu-img with `arguments` (see `formats`).
    public static func convert(_ raw: String, to path: String, arguments: [String]) throws {
        try Tool.run("qemu-img", ["convert"] + arguments + [raw, path])
    }

    /// A qcow2 overlay of `base` (named as qemu-img records it: relative to the overlay) that holds no
    /// block of its own.
    public static func overlay(of base: String, at path: String) throws {
        try Tool.run("qemu-img", ["create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", path])
    }

    /// A raw disk of 80 MiB whose GPT partition 1 (at 1 MiB) is a 64 MiB LVM2 physical volume, with
    /// the metadata LVM's tools wrote (`Tests/Fixtures/make-lvm-metadata.sh`): volume group `embargo`
    /// with `root` (linear, 16 MiB in two segments, extents 5-6 then 1-2) holding an ext4 filled from
    /// `root`, `swap` (extents 8-9) holding an ext4 filled from `other`, and `blank` (segment type
    /// `zero`).
    public static func lvmDisk(root: String, other: String, at path: String) throws {
        try Tool.run("truncate", ["-s", "80M", path])
        try Tool.shell(
            "printf 'label: gpt\\nstart=2048, size=131072, type=E6D6D379-F507-44C2-A23C-238F2A3DF928\\n' | sfdisk --quiet '\(path)'"
        )
        let volume = path + ".pv"
        try Tool.shell("gunzip -c '\(Fixtures.directory)/lvm/physical-volume-head.bin.gz' > '\(volume)'")
        try Tool.run("truncate", ["-s", "64M", volume])
        let extent = 4
        func place(_ file: String, from start: Int, extents: Int, at first: Int) throws {
            try Tool.run(
                "dd",
                [
                    "if=\(file)", "of=\(volume)", "bs=1M", "skip=\(start * extent)", "seek=\(1 + first * extent)",
                    "count=\(extents * extent)", "conv=notrunc", "status=none",
                ]
            )
        }
        try extFileSystem(of: root, at: path + ".root", megabytes: 16)
        try place(path + ".root", from: 0, extents: 2, at: 5)
        try place(path + ".root", from: 2, extents: 2, at: 1)
        try extFileSystem(of: other, at: path + ".swap", megabytes: 8)
        try place(path + ".swap", from: 0, extents: 2, at: 8)
        try Tool.run("dd", ["if=\(volume)", "of=\(path)", "bs=1M", "seek=1", "conv=notrunc", "status=none"])
    }

    /// The NTFS file system of `Tests/Fixtures/ntfs` (made by mkntfs and ntfs-3g:
    /// `make-ntfs-image.sh`), written to `path`.
    public static func ntfs(at path: String) throws {
        try Tool.shell("gunzip -c '\(Fixtures.directory)/ntfs/windows.ntfs.gz' > '\(path)'")
    }

    /// A file system image kept gzipped under `Tests/Fixtures` (`fixture`, as `xfs/btree.xfs.gz`),
    /// written to `path`: one the Linux kernel wrote, which a test machine may not be allowed to mount.
    public static func unpack(_ fixture: String, at path: String) throws {
        try Tool.shell("gunzip -c '\(Fixtures.directory)/\(fixture)' > '\(path)'")
    }

    /// The SHA-256 of each file in a file system fixture, by path, as sha256sum took them when it
    /// was made: `listing` is the fixture's list (`ntfs/windows.sha256`) under `Tests/Fixtures`.
    public static func hashes(_ listing: String) throws -> [String: String] {
        let text = try String(contentsOfFile: Fixtures.directory + "/" + listing, encoding: .utf8)
        var hashes: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            hashes[String(parts[1].dropFirst())] = String(parts[0])
        }
        return hashes
    }

    /// A Windows workstation's disk: a GPT whose partition 1 (at 1 MiB, "Microsoft basic data") holds
    /// the NTFS fixture.
    public static func windowsDisk(at path: String) throws {
        try Tool.run("truncate", ["-s", "16M", path])
        try Tool.shell(
            "printf 'label: gpt\\nstart=2048, size=26624, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=\"Basic data partition\"\\n' | sfdisk --quiet '\(path)'"
        )
        try ntfs(at: path + ".ntfs")
        try Tool.run("dd", ["if=\(path).ntfs", "of=\(path)", "bs=1M", "seek=1", "conv=notrunc", "status=none"])
    }

    /// An XFS file system (version 5, 300 MiB: mkfs.xfs's smallest) filled from `root` by mkfs.xfs's
    /// protofile, which names every directory and file (names must hold no blank).
    public static func xfsFileSystem(of root: String, at path: String) throws {
        var proto = "/dev/null\n0 0\nd--755 0 0\n"
        func add(_ directory: String, depth: Int) throws {
            let manager = FileManager.default
            for name in try manager.contentsOfDirectory(atPath: directory).sorted() {
                let full = directory + "/" + name
                var isDirectory: ObjCBool = false
                _ = manager.fileExists(atPath: full, isDirectory: &isDirectory)
                let indent = String(repeating: " ", count: depth)
                if isDirectory.boolValue {
                    proto += "\(indent)\(name) d--755 0 0\n"
                    try add(full, depth: depth + 1)
                    proto += "\(indent)$\n"
                } else {
                    proto += "\(indent)\(name) ---644 0 0 \(full)\n"
                }
            }
        }
        try add(root, depth: 1)
        proto += "$\n"
        try Data(proto.utf8).write(to: URL(fileURLWithPath: path + ".proto"))
        try Tool.run("truncate", ["-s", "300M", path])
        try Tool.run("mkfs.xfs", ["-q", "-f", "-p", path + ".proto", path])
    }

    /// A btrfs file system of 128 MiB filled from `root` by `mkfs.btrfs --rootdir`.
    public static func btrfsFileSystem(of root: String, at path: String) throws {
        try Tool.run("truncate", ["-s", "128M", path])
        try Tool.run("mkfs.btrfs", ["-q", "-r", root, path])
    }
}
