/// A FAT12, FAT16 or FAT32 file system (an EFI system partition, a USB stick image, a Windows
/// data partition of old), read directly from its bytes: the directory tree with long names, and
/// where each file's clusters lie.
public struct FATFileSystem: Sendable {
    /// A file in the file system.
    public struct File: Sendable, Hashable {
        /// The path from the root, `/`-separated, long names where present.
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        /// The first cluster of its data (0 for an empty file).
        let firstCluster: UInt32
    }

    /// FAT12, FAT16 or FAT32.
    public let variant: String
    /// The bytes per cluster.
    public let clusterSize: Int
    private let base: UInt64
    private let size: UInt64
    private let fat: [UInt8]
    private let dataStart: UInt64
    private let clusterCount: UInt32
    private let rootDirectory: RootDirectory

    private enum RootDirectory: Sendable {
        case region(offset: UInt64, length: Int)
        case chain(UInt32)
    }

    /// Whether `head` is the boot sector of a FAT file system.
    public static func recognises(_ head: [UInt8]) -> Bool {
        guard head.count >= 512, head[510] == 0x55, head[511] == 0xAA, head[0] == 0xEB || head[0] == 0xE9 else {
            return false
        }
        let bytes = Head(head)
        return fat16Labels.contains { bytes.starts($0, at: 0x36) } || bytes.starts(fat32Label, at: 0x52)
    }

    /// The file system type labels of a FAT12/16 boot sector (the last one, of formatters that write
    /// no number), and of a FAT32 one.
    private static let fat16Labels = ["FAT12", "FAT16", "FAT  "].map { Array($0.utf8) }
    private static let fat32Label = Array("FAT32".utf8)

    /// Opens the file system that occupies `size` bytes at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the boot sector's geometry is impossible, or an I/O error.
    public init(_ source: some ByteSource, offset: UInt64, size: UInt64) throws {
        let boot = BinaryCursor(try source.exactBytes(at: offset, count: 512, what: "FAT boot sector"))
        let bytesPerSector = Int(try boot.u16le(at: 11))
        let sectorsPerCluster = Int(try boot.u8(at: 13))
        let reserved = UInt64(try boot.u16le(at: 14))
        let fatCount = UInt64(try boot.u8(at: 16))
        let rootEntries = Int(try boot.u16le(at: 17))
        let totalSectors = try boot.u16le(at: 19) != 0 ? UInt64(try boot.u16le(at: 19)) : UInt64(try boot.u32le(at: 32))
        let fatSectors = try boot.u16le(at: 22) != 0 ? UInt64(try boot.u16le(at: 22)) : UInt64(try boot.u32le(at: 36))
        guard [512, 1024, 2048, 4096].contains(bytesPerSector), sectorsPerCluster > 0,
            sectorsPerCluster & (sectorsPerCluster - 1) == 0,
            reserved > 0, fatCount > 0, fatCount <= 4, fatSectors > 0, totalSectors > 0
        else { throw FormatError.malformed("FAT boot sector with impossible geometry") }
        let sector = UInt64(bytesPerSector)
        let rootSectors = (UInt64(rootEntries) * 32 + sector - 1) / sector
        let firstData = reserved + fatCount * fatSectors + rootSectors
        guard firstData < totalSectors, totalSectors * sector <= size + sector else {
            throw FormatError.malformed(
                "FAT file system larger than its partition (\(totalSectors * sector) bytes in \(size))"
            )
        }
        let clusters = (totalSectors - firstData) / UInt64(sectorsPerCluster)
        variant = clusters < 4085 ? "FAT12" : clusters < 65525 ? "FAT16" : "FAT32"
        clusterSize = bytesPerSector * sectorsPerCluster
        base = offset
        self.size = size
        clusterCount = UInt32(min(clusters, 0x0FFF_FFF5))
        let fatBytes = Int(min(fatSectors * sector, 256 << 20))
        fat = try source.exactBytes(
            at: try Checked.sum(offset, reserved * sector, "FAT offset"),
            count: fatBytes,
            what: "file allocation table"
        )
        dataStart = try Checked.sum(offset, firstData * sector, "FAT data offset")
        if variant == "FAT32" {
            rootDirectory = .chain(try boot.u32le(at: 44) & 0x0FFF_FFFF)
        } else {
            rootDirectory = .region(
                offset: try Checked.sum(
                    offset,
                    (reserved + fatCount * fatSectors) * sector,
                    "FAT root directory offset"
                ),
                length: rootEntries * 32
            )
        }
    }

    /// The byte ranges (absolute in the source) holding a file's data, in order.
    ///
    /// - Throws: `FormatError` for a cluster chain that loops, leaves the file system or ends early.
    public func extents(of file: File) throws(FormatError) -> [(offset: UInt64, length: UInt64)] {
        var extents: [(offset: UInt64, length: UInt64)] = []
        var remaining = file.size
        for cluster in try chain(from: file.firstCluster, limit: file.size) where remaining > 0 {
            let offset = dataStart + UInt64(cluster - 2) * UInt64(clusterSize)
            let length = min(remaining, UInt64(clusterSize))
            if let last = extents.last, last.offset + last.length == offset {
                extents[extents.count - 1].length += length
            } else {
                extents.append((offset, length))
            }
            remaining -= length
        }
        guard remaining == 0 else {
            throw FormatError.truncated("\(file.path): cluster chain ends \(remaining) bytes early")
        }
        return extents
    }

    /// Every regular file, depth first; directories that loop or cannot be read are reported in
    /// `problems` and skipped.
    public func files(_ source: some ByteSource, limit: Int = 10_000_000) throws -> (files: [File], problems: [String])
    {
        var files: [File] = []
        var problems: [String] = []
        var visited: Set<UInt32> = []
        var pending: [(path: String, bytes: [UInt8])] = []
        switch rootDirectory {
        case .region(let offset, let length):
            pending.append(("", try source.exactBytes(at: offset, count: length, what: "FAT root directory")))
        case .chain(let cluster):
            visited.insert(cluster)
            pending.append(("", try directoryBytes(source, cluster: cluster)))
        }
        while let (path, bytes) = pending.popLast(), files.count < limit {
            for entry in Self.entries(bytes) {
                let child = path + "/" + entry.name
                if entry.isDirectory {
                    guard entry.cluster >= 2 else { continue }
                    guard visited.insert(entry.cluster).inserted else {
                        problems.append("\(child): directory loops back to an earlier one")
                        continue
                    }
                    do {
                        pending.append((child, try directoryBytes(source, cluster: entry.cluster)))
                    } catch {
                        problems.append("\(child): \(error)")
                    }
                } else {
                    files.append(File(path: child, size: entry.size, firstCluster: entry.cluster))
                }
            }
        }
        return (files, problems)
    }

    private func directoryBytes(_ source: some ByteSource, cluster: UInt32) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for cluster in try chain(from: cluster, limit: 64 << 20) {
            bytes += try source.exactBytes(
                at: dataStart + UInt64(cluster - 2) * UInt64(clusterSize),
                count: clusterSize,
                what: "FAT directory"
            )
        }
        return bytes
    }

    /// The clusters of a chain, stopping once `limit` bytes are covered.
    private func chain(from first: UInt32, limit: UInt64) throws(FormatError) -> [UInt32] {
        guard first != 0 else { return [] }
        var clusters: [UInt32] = []
        var cluster = first
        let maximum = min(UInt64(clusterCount), limit / UInt64(clusterSize) + 1)
        while true {
            guard cluster >= 2, cluster < clusterCount + 2 else {
                throw FormatError.malformed("cluster \(cluster) is outside the file system")
            }
            clusters.append(cluster)
            guard UInt64(clusters.count) <= maximum else {
                throw FormatError.malformed("cluster chain loops or is longer than its file")
            }
            let next = try entry(cluster)
            if next >= endOfChain { return clusters }
            cluster = next
        }
    }

    private var endOfChain: UInt32 {
        switch variant {
        case "FAT12": 0xFF8
        case "FAT16": 0xFFF8
        default: 0x0FFF_FFF8
        }
    }

    /// The FAT entry of a cluster.
    private func entry(_ cluster: UInt32) throws(FormatError) -> UInt32 {
        let index = Int(cluster)
        switch variant {
        case "FAT12":
            let offset = index + index / 2
            guard offset + 1 < fat.count else {
                throw FormatError.malformed("cluster \(cluster) beyond the allocation table")
            }
            let pair = UInt32(fat[offset]) | UInt32(fat[offset + 1]) << 8
            return index & 1 == 0 ? pair & 0xFFF : pair >> 4
        case "FAT16":
            guard index * 2 + 1 < fat.count else {
                throw FormatError.malformed("cluster \(cluster) beyond the allocation table")
            }
            return UInt32(fat[index * 2]) | UInt32(fat[index * 2 + 1]) << 8
        default:
            guard index * 4 + 3 < fat.count else {
                throw FormatError.malformed("cluster \(cluster) beyond the allocation table")
            }
            return PartitionTable.le32(fat, index * 4) & 0x0FFF_FFFF
        }
    }

    /// The live entries of a directory: long names joined to their short entries, `.`, `..`,
    /// deleted entries and volume labels left out.
    static func entries(_ bytes: [UInt8]) -> [(name: String, isDirectory: Bool, cluster: UInt32, size: UInt64)] {
        var result: [(name: String, isDirectory: Bool, cluster: UInt32, size: UInt64)] = []
        var longName: [UInt16] = []
        var longChecksum: UInt8?
        for start in stride(from: 0, to: bytes.count - 31, by: 32) {
            let entry = bytes[start..<start + 32]
            let first = entry[start]
            if first == 0x00 { break }
            let attributes = entry[start + 11]
            if first == 0xE5 {
                longName = []
                continue
            }
            if attributes & 0x3F == 0x0F {
                // A long-name piece: 13 UTF-16 units, pieces stored last first.
                let offsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30]
                let units = offsets.map { UInt16(entry[start + $0]) | UInt16(entry[start + $0 + 1]) << 8 }
                if first & 0x40 != 0 { longName = [] }
                longName = units.prefix { $0 != 0 && $0 != 0xFFFF } + longName
                longChecksum = entry[start + 13]
                continue
            }
            defer {
                longName = []
                longChecksum = nil
            }
            if attributes & 0x08 != 0 { continue }
            let short = Array(entry[start..<start + 11])
            if short == Array(".          ".utf8) || short == Array("..         ".utf8) { continue }
            let checksum = short.reduce(UInt8(0)) { (($0 & 1) << 7 | $0 >> 1) &+ $1 }
            let name: String
            if !longName.isEmpty, longChecksum == checksum {
                name = String(decoding: longName, as: UTF16.self)
            } else {
                name = shortName(
                    short,
                    lowerBase: entry[start + 12] & 0x08 != 0,
                    lowerExtension: entry[start + 12] & 0x10 != 0
                )
            }
            guard !name.isEmpty, !name.contains("/") else { continue }
            let cluster =
                UInt32(entry[start + 26]) | UInt32(entry[start + 27]) << 8 | UInt32(entry[start + 20]) << 16 | UInt32(
                    entry[start + 21]
                ) << 24
            let size = UInt64(PartitionTable.le32(Array(entry), 28))
            result.append((name, attributes & 0x10 != 0, cluster, size))
        }
        return result
    }

    /// An 8.3 name as text, with the case flags Windows records.
    static func shortName(_ raw: [UInt8], lowerBase: Bool, lowerExtension: Bool) -> String {
        var bytes = raw
        if bytes[0] == 0x05 { bytes[0] = 0xE5 }
        func part(_ slice: ArraySlice<UInt8>, lower: Bool) -> String {
            let trimmed = slice.reversed().drop { $0 == 0x20 }.reversed()
            let text = String(decoding: trimmed.map { $0 < 0x80 ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
            return lower ? text.lowercased() : text
        }
        let base = part(bytes[0..<8], lower: lowerBase)
        let ext = part(bytes[8..<11], lower: lowerExtension)
        return ext.isEmpty ? base : base + "." + ext
    }
}
