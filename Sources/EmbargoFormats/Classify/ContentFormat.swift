/// The formats Embargo recognises from their first bytes, without asking libmagic.
public enum ContentFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case elf, pe, macho
    case machoFat = "macho-fat"
    case javaClass = "java-class"
    case zip, gzip, bzip2, xz, zstd, lz4, lzma
    case sevenZip = "7z"
    case ar, tar, cpio, iso9660, cab, rar, xar, rpm
    case pem, der, sqlite
    /// A Windows registry hive (`regf`) or one of its transaction logs.
    case registryHive = "registry-hive"
    /// A registry in text form: Wine's `system.reg`/`user.reg`, a regedit export.
    case registryText = "registry-text"
    /// A Java key store (JKS, JCEKS).
    case javaKeyStore = "java-keystore"
    /// A PKCS#12 file (`.p12`, `.pfx`).
    case pkcs12
    case compoundFile = "compound-file"
    /// A raw disk image with an MBR or GPT partition table.
    case diskImage = "disk-image"
    /// A FAT12/16/32 file system image.
    case fat
    /// A virtual machine's disk: qcow2, VMDK (sparse, stream-optimized), VHD (dynamic,
    /// differencing), VHDX.
    case virtualDisk = "virtual-disk"
    /// An ext2, ext3 or ext4 file system image.
    case extFileSystem = "ext-file-system"
    /// A btrfs file system image.
    case btrfsFileSystem = "btrfs-file-system"
    /// An XFS file system image.
    case xfsFileSystem = "xfs-file-system"
    /// An NTFS file system image.
    case ntfsFileSystem = "ntfs-file-system"
    /// An LVM2 physical volume.
    case lvmPhysicalVolume = "lvm-physical-volume"
    /// An encrypted volume (LUKS, BitLocker), which is never read.
    case encryptedVolume = "encrypted-volume"
    /// A file system or virtual disk image Embargo cannot read (NTFS, XFS, LVM, VDI, ...).
    case fileSystemImage = "file-system-image"
    /// Text (ASCII or UTF-8, no NUL bytes in the first 8 KiB): scripts, documents, configuration.
    case text
    /// Anything else; libmagic gives its type.
    case other
    /// No bytes at all.
    case empty

    /// Whether the format holds other files that the scan unpacks with libarchive.
    public var isContainer: Bool {
        switch self {
        case .zip, .gzip, .bzip2, .xz, .zstd, .lz4, .lzma, .sevenZip, .ar, .tar, .cpio, .iso9660, .cab, .rar, .xar,
            .rpm:
            true
        default:
            false
        }
    }

    /// Whether the format is a disk or file system image that Embargo reads file by file.
    public var isImage: Bool {
        switch self {
        case .diskImage, .fat, .extFileSystem, .ntfsFileSystem, .xfsFileSystem, .btrfsFileSystem, .virtualDisk,
            .lvmPhysicalVolume:
            true
        default: false
        }
    }

    /// Whether the format is a compressed stream (which may hold an archive, or a single file).
    public var isCompressedStream: Bool {
        switch self {
        case .gzip, .bzip2, .xz, .zstd, .lz4, .lzma: true
        default: false
        }
    }

    /// Whether the format is an executable or library whose structure identifies its maker.
    public var isExecutable: Bool {
        switch self {
        case .elf, .pe, .macho, .machoFat: true
        default: false
        }
    }

    /// The MIME type, for formats recognised here.
    public var mimeType: String {
        switch self {
        case .elf: "application/x-executable"
        case .pe: "application/vnd.microsoft.portable-executable"
        case .macho, .machoFat: "application/x-mach-binary"
        case .javaClass: "application/x-java-applet"
        case .zip: "application/zip"
        case .gzip: "application/gzip"
        case .bzip2: "application/x-bzip2"
        case .xz: "application/x-xz"
        case .zstd: "application/zstd"
        case .lz4: "application/x-lz4"
        case .lzma: "application/x-lzma"
        case .sevenZip: "application/x-7z-compressed"
        case .ar: "application/x-archive"
        case .tar: "application/x-tar"
        case .cpio: "application/x-cpio"
        case .iso9660: "application/x-iso9660-image"
        case .cab: "application/vnd.ms-cab-compressed"
        case .rar: "application/x-rar"
        case .xar: "application/x-xar"
        case .rpm: "application/x-rpm"
        case .pem: "application/x-pem-file"
        case .der: "application/pkix-cert"
        case .sqlite: "application/vnd.sqlite3"
        case .registryHive: "application/x-ms-registry-hive"
        case .registryText: "text/x-ms-regedit"
        case .javaKeyStore: "application/x-java-keystore"
        case .pkcs12: "application/x-pkcs12"
        case .compoundFile: "application/x-ole-storage"
        case .diskImage: "application/x-raw-disk-image"
        case .fat: "application/x-fat-image"
        case .virtualDisk: "application/x-virtual-disk"
        case .extFileSystem: "application/x-ext-image"
        case .lvmPhysicalVolume: "application/x-lvm2-physical-volume"
        case .ntfsFileSystem: "application/x-ntfs-image"
        case .xfsFileSystem: "application/x-xfs-image"
        case .btrfsFileSystem: "application/x-btrfs-image"
        case .encryptedVolume: "application/x-encrypted-volume"
        case .fileSystemImage: "application/x-filesystem-image"
        case .text: "text/plain"
        case .other: "application/octet-stream"
        case .empty: "application/x-empty"
        }
    }

    /// A short description, for formats recognised here.
    public var summary: String {
        switch self {
        case .elf: "ELF executable or library"
        case .pe: "PE executable or library (Windows)"
        case .macho: "Mach-O executable or library"
        case .machoFat: "Mach-O universal binary"
        case .javaClass: "Java class file"
        case .zip: "Zip archive"
        case .gzip: "gzip compressed data"
        case .bzip2: "bzip2 compressed data"
        case .xz: "XZ compressed data"
        case .zstd: "Zstandard compressed data"
        case .lz4: "LZ4 compressed data"
        case .lzma: "LZMA compressed data"
        case .sevenZip: "7-zip archive"
        case .ar: "ar archive"
        case .tar: "tar archive"
        case .cpio: "cpio archive"
        case .iso9660: "ISO 9660 filesystem image"
        case .cab: "Microsoft Cabinet archive"
        case .rar: "RAR archive"
        case .xar: "xar archive"
        case .rpm: "RPM package"
        case .pem: "PEM encoded data"
        case .der: "DER encoded certificate"
        case .sqlite: "SQLite 3 database"
        case .registryHive: "Windows registry hive"
        case .registryText: "Windows registry in text form (Wine, regedit)"
        case .javaKeyStore: "Java key store"
        case .pkcs12: "PKCS#12 certificate store"
        case .compoundFile: "OLE compound file (Windows Installer package, Office 97-2003 document)"
        case .diskImage: "disk image with a partition table"
        case .fat: "FAT file system image"
        case .virtualDisk: "virtual machine disk (qcow2, VMDK, VHD, VHDX)"
        case .extFileSystem: "ext2/3/4 file system image"
        case .lvmPhysicalVolume: "LVM2 physical volume"
        case .ntfsFileSystem: "NTFS file system image"
        case .xfsFileSystem: "XFS file system image"
        case .btrfsFileSystem: "btrfs file system image"
        case .encryptedVolume: "encrypted volume (LUKS, BitLocker)"
        case .fileSystemImage: "file system or virtual disk image"
        case .text: "text"
        case .other: "data"
        case .empty: "empty"
        }
    }
}

/// Recognises common formats from the first bytes of a file.
public enum ContentSniffer {
    /// The format of content that starts with `head` (the more of it, the better: tar needs 262
    /// bytes, ISO 9660 about 37 KiB, btrfs 65 KiB).
    public static func format(of head: RawSpan) -> ContentFormat {
        unsafe head.withUnsafeBytes { unsafe format(of: Array($0.prefix(68 << 10))) }
    }

    /// The format of content that starts with `head`. Runs for every item and archive member of a
    /// scan, so it compares bytes in place and allocates nothing; without `distinguishingText`, text
    /// is not told from other content (`.other`), which saves reading the first 8 KiB of every item
    /// whose text-ness nothing depends on (see `isText`).
    public static func format(of head: [UInt8], distinguishingText: Bool = true) -> ContentFormat {
        let bytes = Head(head)
        guard !head.isEmpty else { return .empty }
        switch bytes.u32le(0) {
        case 0x464C_457F: return .elf
        case 0xFEED_FACE, 0xCEFA_EDFE, 0xFEED_FACF, 0xCFFA_EDFE: return .macho
        case 0xBEBA_FECA:
            guard let count = bytes.u32be(4) else { return .other }
            // Fat Mach-O counts its architectures here; a Java class has its version (45 and up).
            return count < 45 ? .machoFat : .javaClass
        case 0x0403_4B50, 0x0605_4B50, 0x0807_4B50: return .zip
        case 0xFD2F_B528: return .zstd
        case 0x184D_2204: return .lz4
        case 0xDBEE_ABED: return .rpm
        case 0x4643_534D: return .cab
        case 0x2172_6178: return .xar
        default: break
        }
        switch bytes.u16le(0) {
        case 0x5A4D where isPortableExecutable(head): return .pe
        case 0x8B1F: return .gzip
        case 0x71C7, 0xC771: return .cpio
        default: break
        }
        if bytes.starts(Magic.bzip2), let level = bytes.byte(3), level >= 0x31, level <= 0x39 { return .bzip2 }
        if bytes.starts(Magic.xz) { return .xz }
        if bytes.starts(Magic.lzma), let flag = bytes.byte(12), head.count > 13, flag == 0 || flag == 0xFF {
            return .lzma
        }
        if bytes.starts(Magic.sevenZip) { return .sevenZip }
        if bytes.starts(Magic.ar) { return .ar }
        if bytes.starts(Magic.ustar, at: 257) { return .tar }
        if bytes.starts(Magic.cpioNewASCII) || bytes.starts(Magic.cpioCRC) || bytes.starts(Magic.cpioOldASCII) {
            return .cpio
        }
        if bytes.starts(Magic.rar) { return .rar }
        if bytes.starts(Magic.sqlite) { return .sqlite }
        if RegistryHive.recognises(head) { return .registryHive }
        if CompoundFile.recognises(head) { return .compoundFile }
        if Magic.textRegistries.contains(where: { bytes.starts($0) }) { return .registryText }
        for offset in [0x8001, 0x8801, 0x9001] where bytes.starts(Magic.iso9660, at: offset) { return .iso9660 }
        if FATFileSystem.recognises(head) { return .fat }
        if VirtualDisk.recognises(head) || VMDKDescriptor.recognises(head) { return .virtualDisk }
        if ExtFileSystem.recognises(head) { return .extFileSystem }
        if NTFSFileSystem.recognises(head) { return .ntfsFileSystem }
        if XFSFileSystem.recognises(head) { return .xfsFileSystem }
        if BtrfsFileSystem.recognises(head) { return .btrfsFileSystem }
        if EncryptedVolume.kind(of: head) != nil { return .encryptedVolume }
        if LVMPhysicalVolume.recognises(head) { return .lvmPhysicalVolume }
        if unreadableImageKind(head) != nil { return .fileSystemImage }
        if PartitionTable.isPartitioned(head) { return .diskImage }
        if JavaKeyStore.recognises(head) { return .javaKeyStore }
        if PKCS12Store.recognises(head) { return .pkcs12 }
        if startsWithPEM(head) { return .pem }
        if isDERCertificate(head) { return .der }
        if distinguishingText, isText(head) { return .text }
        return .other
    }

    /// Magic numbers longer than an integer, as bytes.
    private enum Magic {
        static let bzip2 = Array("BZh".utf8)
        static let xz: [UInt8] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]
        static let lzma: [UInt8] = [0x5D, 0x00, 0x00]
        static let sevenZip: [UInt8] = [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]
        static let ar = Array("!<arch>\n".utf8)
        static let ustar = Array("ustar".utf8)
        static let cpioNewASCII = Array("070701".utf8)
        static let cpioCRC = Array("070702".utf8)
        static let cpioOldASCII = Array("070707".utf8)
        static let rar = Array("Rar!\u{1A}\u{07}".utf8)
        static let sqlite = Array("SQLite format 3".utf8) + [0]
        static let iso9660 = Array("CD001".utf8)
        static let udf = Array("BEA01".utf8)
        /// The headers of text registries: Wine's, regedit's in UTF-8 and (after a byte-order mark)
        /// in UTF-16LE.
        static let textRegistries =
            ["WINE REGISTRY Version ", "REGEDIT4", "Windows Registry Editor Version "].map { Array($0.utf8) }
            + [[0xEF, 0xBB, 0xBF] + Array("Windows Registry Editor Version ".utf8)]
            + [[0xFF, 0xFE] + "Windows Registry Editor Version ".utf8.flatMap { [$0, 0] }]
    }

    /// The name of the file system or virtual disk format that `head` starts, for the formats
    /// Embargo recognises but cannot read; nil for anything else.
    public static func unreadableImageKind(_ head: [UInt8]) -> String? {
        let bytes = Head(head)
        for image in unreadableImages where bytes.starts(image.magic, at: image.offset) { return image.name }
        if bytes.starts(Magic.udf, at: 0x8001), !bytes.starts(Magic.iso9660, at: 0x8001) { return "UDF file system" }
        return nil
    }

    /// The images recognised by one magic number at one offset.
    private static let unreadableImages: [(magic: [UInt8], offset: Int, name: String)] = [
        ([0x7F, 0x10, 0xDA, 0xBE], 0x40, "VirtualBox VDI disk"),
        (Array("hsqs".utf8), 0, "squashfs file system"),
        (Array("EXFAT   ".utf8), 3, "exFAT file system"),
        ([0x10, 0x20, 0xF5, 0xF2], 0x400, "F2FS file system"),
        (Array("NXSB".utf8), 32, "APFS container"), (Array("H+".utf8), 0x400, "HFS+ file system"),
        (Array("HX".utf8), 0x400, "HFS+ file system"),
    ]

    /// Whether the first 8 KiB are text: no NUL, and nearly all printable ASCII, whitespace or
    /// UTF-8 sequences.
    public static func isText(_ bytes: [UInt8]) -> Bool {
        let window = bytes.prefix(8 << 10)
        var unusual = 0
        var index = window.startIndex
        while index < window.endIndex {
            let byte = window[index]
            switch byte {
            case 0:
                return false
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1B, 0x20...0x7E:
                index += 1
            case 0xC2...0xF4:
                let length = byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
                let end = index + length
                if end <= window.endIndex, window[(index + 1)..<end].allSatisfy({ $0 & 0xC0 == 0x80 }) {
                    index = end
                } else if end > window.endIndex {
                    index = window.endIndex
                } else {
                    unusual += 1
                    index += 1
                }
            default:
                unusual += 1
                index += 1
            }
        }
        return unusual * 50 <= window.count
    }

    /// Whether an `MZ` file has a PE header where its DOS header points.
    static func isPortableExecutable(_ bytes: [UInt8]) -> Bool {
        let head = Head(bytes)
        guard let value = head.u32le(0x3C) else { return false }
        let offset = Int(value)
        guard offset >= 0x40, offset + 4 <= bytes.count else { return bytes.count < offset + 4 && offset < 1 << 20 }
        return head.u32le(offset) == 0x0000_4550
    }

    /// Whether the text starts (after blank space) with a PEM armour line.
    static func startsWithPEM(_ bytes: [UInt8]) -> Bool {
        var index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        if isCertificateArmour(bytes[index...]) { return true }
        // Certificate bundles often open with comments.
        guard bytes.first == UInt8(ascii: "#") else { return false }
        return bytes.prefix(4096).split(separator: 0x0A, maxSplits: 64, omittingEmptySubsequences: true)
            .contains { isCertificateArmour($0) }
    }

    /// Whether a line opens a PEM block of certificates (not a key, not an OpenPGP armour).
    private static func isCertificateArmour(_ line: ArraySlice<UInt8>) -> Bool {
        certificateArmours.contains { line.starts(with: $0) }
    }

    private static let certificateArmours = [
        "CERTIFICATE-----", "TRUSTED CERTIFICATE-----", "X509 CERTIFICATE-----", "PKCS7-----", "CMS-----",
    ]
    .map { Array("-----BEGIN \($0)".utf8) }

    /// Whether the bytes look like a DER certificate: a SEQUENCE holding a SEQUENCE, both with
    /// long-form lengths that fit.
    static func isDERCertificate(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 8, bytes[0] == 0x30, bytes[1] == 0x82, bytes[4] == 0x30, bytes[5] == 0x82 else {
            return false
        }
        let outer = Int(bytes[2]) << 8 | Int(bytes[3])
        let inner = Int(bytes[6]) << 8 | Int(bytes[7])
        return inner + 4 <= outer
    }
}

/// Bounds-checked reads of the first bytes of an item, without copying them.
struct Head {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func byte(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    func u16le(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32le(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
            bytes[offset + 3]
        ) << 24
    }

    func u32be(_ offset: Int) -> UInt32? {
        u32le(offset).map(\.byteSwapped)
    }

    /// Whether `magic` is at `offset`.
    func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, offset + magic.count <= bytes.count else { return false }
        var index = 0
        while index < magic.count {
            if bytes[offset + index] != magic[index] { return false }
            index += 1
        }
        return true
    }
}
