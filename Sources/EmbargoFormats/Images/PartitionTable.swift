/// One partition of a raw disk image.
public struct DiskPartition: Sendable, Hashable {
    /// The partition's number as tools show it (MBR: 1–4 primary, 5 and up logical; GPT: entry index
    /// from 1).
    public let number: Int
    /// `MBR` or `GPT`.
    public let scheme: String
    /// The partition type, for people (`0x0c FAT32 (LBA)`, `EFI system`, `Linux filesystem`).
    public let type: String
    /// The GPT partition name, if any.
    public let name: String?
    /// The byte offset of the partition in the image.
    public let offset: UInt64
    /// The partition's length in bytes.
    public let size: UInt64
}

/// The partition table of a raw disk image: an MBR (with extended partitions) or a GPT (behind its
/// protective MBR).
public enum PartitionTable {
    /// The sector size of MBR addressing and of most GPT disks.
    static let sectorSize: UInt64 = 512

    /// Whether the first sector holds a plausible partition table: the 0x55AA signature, entries with
    /// valid status bytes and a start and length, and not the boot sector of a FAT or NTFS volume
    /// (which carries the same signature). Partitions past the image's end are reported when read.
    public static func isPartitioned(_ head: [UInt8]) -> Bool {
        guard head.count >= 512, head[510] == 0x55, head[511] == 0xAA, !isVolumeBootSector(head) else { return false }
        var used = 0
        for index in 0..<4 {
            let entry = 0x1BE + index * 16
            let status = head[entry]
            let type = head[entry + 4]
            guard status == 0x00 || status == 0x80 else { return false }
            if type == 0 { continue }
            guard le32(head, entry + 8) > 0, le32(head, entry + 12) > 0 else { return false }
            used += 1
        }
        return used > 0
    }

    /// Whether a sector is the boot sector of a FAT, exFAT or NTFS volume.
    static func isVolumeBootSector(_ head: [UInt8]) -> Bool {
        guard head.count >= 512, head[0] == 0xEB || head[0] == 0xE9 else { return false }
        let oem = Array(head[3..<11])
        if oem == Array("NTFS    ".utf8) || oem == Array("EXFAT   ".utf8) { return true }
        let bytesPerSector = Int(head[11]) | Int(head[12]) << 8
        return [512, 1024, 2048, 4096].contains(bytesPerSector) && head[13] != 0 && head[13] & (head[13] - 1) == 0
    }

    /// Reads the partitions.
    ///
    /// - Throws: `FormatError` for a table that cannot be read (a GPT whose header or entries are
    ///   damaged, an extended-partition chain that loops), or an I/O error.
    public static func read(_ source: some ByteSource) throws -> (scheme: String, partitions: [DiskPartition]) {
        let mbr = try source.exactBytes(at: 0, count: 512, what: "master boot record")
        let types = (0..<4).map { mbr[0x1BE + $0 * 16 + 4] }
        if types.contains(0xEE) { return ("GPT", try readGPT(source)) }
        return ("MBR", try readMBR(source, mbr))
    }

    private static func readMBR(_ source: some ByteSource, _ mbr: [UInt8]) throws -> [DiskPartition] {
        var partitions: [DiskPartition] = []
        for index in 0..<4 {
            let entry = 0x1BE + index * 16
            let type = mbr[entry + 4]
            let start = UInt64(le32(mbr, entry + 8)) * sectorSize
            let length = UInt64(le32(mbr, entry + 12)) * sectorSize
            guard type != 0, length > 0 else { continue }
            if [0x05, 0x0F, 0x85].contains(type) {
                partitions += try readExtended(source, base: start, firstNumber: 5)
            } else {
                partitions.append(
                    DiskPartition(
                        number: index + 1,
                        scheme: "MBR",
                        type: mbrTypeName(type),
                        name: nil,
                        offset: start,
                        size: length
                    )
                )
            }
        }
        return partitions
    }

    /// Follows the chain of extended boot records; each holds one logical partition and a link to the
    /// next, both relative to the extended partition.
    private static func readExtended(
        _ source: some ByteSource,
        base: UInt64,
        firstNumber: Int
    ) throws -> [DiskPartition] {
        var partitions: [DiskPartition] = []
        var next: UInt64 = 0
        var seen: Set<UInt64> = []
        while partitions.count < 128 {
            let position = try Checked.sum(base, next, "extended boot record offset")
            guard seen.insert(position).inserted else {
                throw FormatError.malformed("extended partition chain loops at offset \(position)")
            }
            let record = try source.exactBytes(at: position, count: 512, what: "extended boot record")
            guard record[510] == 0x55, record[511] == 0xAA else {
                throw FormatError.badMagic("extended boot record without signature at offset \(position)")
            }
            let type = record[0x1BE + 4]
            let length = UInt64(le32(record, 0x1BE + 12)) * sectorSize
            if type != 0, length > 0 {
                partitions.append(
                    DiskPartition(
                        number: firstNumber + partitions.count,
                        scheme: "MBR",
                        type: mbrTypeName(type),
                        name: nil,
                        offset: try Checked.sum(
                            position,
                            UInt64(le32(record, 0x1BE + 8)) * sectorSize,
                            "logical partition offset"
                        ),
                        size: length
                    )
                )
            }
            let link = UInt64(le32(record, 0x1CE + 8)) * sectorSize
            guard record[0x1CE + 4] != 0, link > 0 else { break }
            next = link
        }
        return partitions
    }

    private static func readGPT(_ source: some ByteSource) throws -> [DiskPartition] {
        for sector: UInt64 in [512, 4096] {
            let header = try source.bytes(at: sector, count: 92)
            guard header.count == 92, Array(header[0..<8]) == Array("EFI PART".utf8) else { continue }
            let cursor = BinaryCursor(header)
            let entriesStart = try Checked.product(try cursor.u64le(at: 72), sector, "GPT partition entries offset")
            let count = Int(try cursor.u32le(at: 80))
            let entrySize = Int(try cursor.u32le(at: 84))
            guard count <= 1024, entrySize >= 128, entrySize <= 4096 else {
                throw FormatError.limit("GPT header with \(count) entries of \(entrySize) bytes")
            }
            let table = BinaryCursor(
                try source.exactBytes(at: entriesStart, count: count * entrySize, what: "GPT partition entries")
            )
            var partitions: [DiskPartition] = []
            for index in 0..<count {
                let entry = index * entrySize
                let type = try table.slice(at: entry, count: 16, "partition type")
                guard type.contains(where: { $0 != 0 }) else { continue }
                let first = try table.u64le(at: entry + 32)
                let last = try table.u64le(at: entry + 40)
                guard last >= first else { throw FormatError.malformed("GPT entry \(index + 1) ends before it starts") }
                let sectors = try Checked.sum(last - first, 1, "GPT entry \(index + 1) length")
                let nameBytes = try table.slice(at: entry + 56, count: 72, "partition name")
                let units = stride(from: 0, to: 72, by: 2).map {
                    UInt16(nameBytes[$0]) | UInt16(nameBytes[$0 + 1]) << 8
                }
                let name = String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
                partitions.append(
                    DiskPartition(
                        number: index + 1,
                        scheme: "GPT",
                        type: gptTypeName(type),
                        name: name.isEmpty ? nil : name,
                        offset: try Checked.product(first, sector, "GPT entry \(index + 1) offset"),
                        size: try Checked.product(sectors, sector, "GPT entry \(index + 1) size")
                    )
                )
            }
            return partitions
        }
        throw FormatError.malformed("protective MBR without a GPT header")
    }

    /// A GUID in its usual text form from its on-disk (mixed-endian) bytes.
    static func guid(_ bytes: [UInt8]) -> String {
        func hex(_ range: [Int]) -> String { range.map { String(bytes[$0], radix: 16).leftPadded(to: 2) }.joined() }
        return [hex([3, 2, 1, 0]), hex([5, 4]), hex([7, 6]), hex([8, 9]), hex(Array(10..<16))].joined(separator: "-")
            .uppercased()
    }

    static func gptTypeName(_ bytes: [UInt8]) -> String {
        let names: [String: String] = [
            "C12A7328-F81F-11D2-BA4B-00A0C93EC93B": "EFI system",
            "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "Microsoft basic data",
            "E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "Microsoft reserved",
            "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "Windows recovery",
            "0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux filesystem",
            "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709": "Linux root (x86-64)",
            "E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
            "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
            "A19D880F-05FC-4D3B-A006-743F0F84911E": "Linux RAID",
            "21686148-6449-6E6F-744E-656564454649": "BIOS boot",
            "7C3457EF-0000-11AA-AA11-00306543ECAC": "Apple APFS",
            "48465300-0000-11AA-AA11-00306543ECAC": "Apple HFS+",
        ]
        let text = guid(bytes)
        return names[text].map { "\($0) (\(text))" } ?? text
    }

    static func mbrTypeName(_ type: UInt8) -> String {
        let names: [UInt8: String] = [
            0x01: "FAT12", 0x04: "FAT16 (<32 MiB)", 0x06: "FAT16", 0x07: "NTFS/exFAT", 0x0B: "FAT32",
            0x0C: "FAT32 (LBA)",
            0x0E: "FAT16 (LBA)", 0x11: "hidden FAT12", 0x14: "hidden FAT16", 0x16: "hidden FAT16", 0x17: "hidden NTFS",
            0x1B: "hidden FAT32", 0x1C: "hidden FAT32 (LBA)", 0x27: "Windows recovery", 0x82: "Linux swap",
            0x83: "Linux",
            0x8E: "Linux LVM", 0xA5: "FreeBSD", 0xAF: "HFS/HFS+", 0xEF: "EFI system", 0xFD: "Linux RAID",
        ]
        return "0x" + String(type, radix: 16).leftPadded(to: 2) + (names[type].map { " " + $0 } ?? "")
    }

    static func le32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
            bytes[offset + 3]
        ) << 24
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    package func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
