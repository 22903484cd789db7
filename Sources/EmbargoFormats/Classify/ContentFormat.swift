/// The formats Embargo recognises from their first bytes, without asking libmagic.
public enum ContentFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case elf, pe, macho, machoFat = "macho-fat", javaClass = "java-class"
    case zip, gzip, bzip2, xz, zstd, lz4, lzma, sevenZip = "7z", ar, tar, cpio, iso9660, cab, rar, xar, rpm
    case pem, der, sqlite
    /// A raw disk image with an MBR or GPT partition table.
    case diskImage = "disk-image"
    /// A FAT12/16/32 file system image.
    case fat
    /// A file system or virtual disk image Embargo cannot read (ext4, NTFS, XFS, LVM, qcow2, VMDK, ...).
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
        case .diskImage: "application/x-raw-disk-image"
        case .fat: "application/x-fat-image"
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
        case .diskImage: "disk image with a partition table"
        case .fat: "FAT file system image"
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

    /// The format of content that starts with `head`.
    public static func format(of head: [UInt8]) -> ContentFormat {
        let bytes = head
        guard !bytes.isEmpty else { return .empty }
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            offset + magic.count <= bytes.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if starts([0x4D, 0x5A]), isPortableExecutable(bytes) { return .pe }
        if starts([0xFE, 0xED, 0xFA, 0xCE]) || starts([0xCE, 0xFA, 0xED, 0xFE]) || starts([0xFE, 0xED, 0xFA, 0xCF])
            || starts([0xCF, 0xFA, 0xED, 0xFE])
        {
            return .macho
        }
        if starts([0xCA, 0xFE, 0xBA, 0xBE]), bytes.count >= 8 {
            // Fat Mach-O counts its architectures here; a Java class has its version (45 and up).
            let value = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            return value < 45 ? .machoFat : .javaClass
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) || starts([0x50, 0x4B, 0x07, 0x08]) {
            return .zip
        }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts(Array("BZh".utf8)), bytes.count > 3, bytes[3] >= 0x31, bytes[3] <= 0x39 { return .bzip2 }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if starts([0x04, 0x22, 0x4D, 0x18]) { return .lz4 }
        if starts([0x5D, 0x00, 0x00]), bytes.count > 13, bytes[12] == 0 || bytes[12] == 0xFF { return .lzma }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .sevenZip }
        if starts(Array("!<arch>\n".utf8)) { return .ar }
        if starts([0xED, 0xAB, 0xEE, 0xDB]) { return .rpm }
        if starts(Array("ustar".utf8), at: 257) { return .tar }
        if starts(Array("070701".utf8)) || starts(Array("070702".utf8)) || starts(Array("070707".utf8))
            || starts([0xC7, 0x71]) || starts([0x71, 0xC7])
        {
            return .cpio
        }
        if starts(Array("MSCF".utf8)) { return .cab }
        if starts(Array("Rar!\u{1A}\u{07}".utf8)) { return .rar }
        if starts(Array("xar!".utf8)) { return .xar }
        if starts(Array("SQLite format 3".utf8) + [0]) { return .sqlite }
        for offset in [0x8001, 0x8801, 0x9001] where starts(Array("CD001".utf8), at: offset) { return .iso9660 }
        if FATFileSystem.recognises(bytes) { return .fat }
        if unreadableImageKind(bytes) != nil { return .fileSystemImage }
        if PartitionTable.isPartitioned(bytes) { return .diskImage }
        if startsWithPEM(bytes) { return .pem }
        if isDERCertificate(bytes) { return .der }
        if isText(bytes) { return .text }
        return .other
    }

    /// The name of the file system or virtual disk format that `head` starts, for the formats
    /// Embargo recognises but cannot read; nil for anything else.
    public static func unreadableImageKind(_ head: [UInt8]) -> String? {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            offset + magic.count <= head.count && Array(head[offset..<offset + magic.count]) == magic
        }
        func le32(_ offset: Int) -> UInt32 {
            offset + 4 <= head.count ? PartitionTable.le32(head, offset) : .max
        }
        if starts(Array("QFI".utf8) + [0xFB]) { return "qcow2 virtual disk" }
        if starts(Array("KDMV".utf8)) || starts(Array("# Disk DescriptorFile".utf8)) { return "VMDK virtual disk" }
        if starts(Array("vhdxfile".utf8)) { return "VHDX virtual disk" }
        if starts(Array("conectix".utf8)) { return "VHD virtual disk" }
        if starts([0x7F, 0x10, 0xDA, 0xBE], at: 0x40) { return "VirtualBox VDI disk" }
        if starts(Array("LUKS".utf8) + [0xBA, 0xBE]) { return "LUKS encrypted volume" }
        if starts(Array("LABELONE".utf8), at: 0x200) { return "LVM physical volume" }
        if starts(Array("XFSB".utf8)) { return "XFS file system" }
        if starts(Array("hsqs".utf8)) { return "squashfs file system" }
        if starts(Array("NTFS    ".utf8), at: 3) { return "NTFS file system" }
        if starts(Array("EXFAT   ".utf8), at: 3) { return "exFAT file system" }
        if starts([0x53, 0xEF], at: 0x438), le32(0x418) <= 6, le32(0x44C) <= 1 { return "ext2/3/4 file system" }
        if starts(Array("_BHRfS_M".utf8), at: 0x10040) { return "btrfs file system" }
        if starts([0x10, 0x20, 0xF5, 0xF2], at: 0x400) { return "F2FS file system" }
        if starts(Array("NXSB".utf8), at: 32) { return "APFS container" }
        if starts(Array("H+".utf8), at: 0x400) || starts(Array("HX".utf8), at: 0x400) { return "HFS+ file system" }
        if starts(Array("BEA01".utf8), at: 0x8001), !starts(Array("CD001".utf8), at: 0x8001) { return "UDF file system" }
        return nil
    }

    /// Whether the first 8 KiB are text: no NUL, and nearly all printable ASCII, whitespace or
    /// UTF-8 sequences.
    static func isText(_ bytes: [UInt8]) -> Bool {
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
        guard bytes.count >= 0x40 else { return false }
        let offset = Int(bytes[0x3C]) | Int(bytes[0x3D]) << 8 | Int(bytes[0x3E]) << 16 | Int(bytes[0x3F]) << 24
        guard offset >= 0x40, offset + 4 <= bytes.count else { return bytes.count < offset + 4 && offset < 1 << 20 }
        return Array(bytes[offset..<offset + 4]) == [0x50, 0x45, 0, 0]
    }

    /// Whether the text starts (after blank space) with a PEM armour line.
    static func startsWithPEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        var index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        if index + marker.count <= bytes.count, Array(bytes[index..<index + marker.count]) == marker { return true }
        // Certificate bundles often open with comments.
        guard bytes.first == UInt8(ascii: "#") else { return false }
        return bytes.prefix(4096).split(separator: 0x0A, maxSplits: 64, omittingEmptySubsequences: true)
            .contains { $0.starts(with: marker) }
    }

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
