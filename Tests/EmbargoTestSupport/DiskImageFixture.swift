import Foundation

/// Disk images built for a test with the real tools: sfdisk for MBR and GPT tables, mkfs.vfat and
/// mtools for FAT file systems, mkfs.ext4 for a partition Embargo cannot read, xorriso for ISO 9660.
public enum DiskImageFixture {
    /// A 40 MiB image with an MBR: partition 1 is FAT16 (at 1 MiB, 10 MiB) holding the signed vendor
    /// binary under a long name and a nested archive; partition 2 is ext4 (at 11 MiB).
    public static func mbr(at path: String) throws {
        try Tool.run("truncate", ["-s", "40M", path])
        try Tool.shell(
            "printf 'label: dos\\nstart=2048, size=20480, type=c\\nstart=22528, size=40000, type=83\\n' | sfdisk --quiet '\(path)'"
        )
        try Tool.run("mkfs.vfat", ["-F", "16", "--offset", "2048", path, "10240"])
        try Tool.run("mmd", ["-i", "\(path)@@1M", "::/Tools", "::/Tools/Kaspersky"])
        try Tool.run(
            "mcopy",
            [
                "-i", "\(path)@@1M", "\(Fixtures.vendor)/signed-kaspersky-avp.exe",
                "::/Tools/Kaspersky/Long Named Avp.exe",
            ]
        )
        try Tool.run("mcopy", ["-i", "\(path)@@1M", "\(Fixtures.vendor)/nested-tools.tar.gz", "::/nested.tgz"])
        try Tool.run("mkfs.ext4", ["-q", "-F", "-E", "offset=\(22528 * 512)", path, "20000k"])
    }

    /// The offset of the ext4 partition of `mbr(at:)`.
    public static let mbrExtOffset = 22528 * 512

    /// A 40 MiB image with a GPT: partition 1 is an EFI system partition (FAT32, named "EFI")
    /// holding the signed vendor binary as the boot loader; partition 2 is an empty Linux LVM
    /// partition.
    public static func gpt(at path: String) throws {
        try Tool.run("truncate", ["-s", "40M", path])
        try Tool.shell(
            """
            printf 'label: gpt\\nstart=2048, size=70000, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI"\\nstart=73728, size=2000, type=E6D6D379-F507-44C2-A23C-238F2A3DF928\\n' | sfdisk --quiet '\(path)'
            """
        )
        try Tool.run("mkfs.vfat", ["-F", "32", "--offset", "2048", path, "35000"])
        try Tool.run("mmd", ["-i", "\(path)@@1M", "::/EFI", "::/EFI/BOOT"])
        try Tool.run(
            "mcopy",
            ["-i", "\(path)@@1M", "\(Fixtures.vendor)/signed-kaspersky-avp.exe", "::/EFI/BOOT/BOOTX64.EFI"]
        )
    }

    /// An ISO 9660 image (with Joliet and Rock Ridge) of the files in `directory`.
    public static func iso(of directory: String, at path: String) throws {
        try Tool.run("xorriso", ["-as", "mkisofs", "-quiet", "-J", "-R", "-V", "EMBARGO_TEST", "-o", path, directory])
    }
}
