/// An OLE compound file (MS-CFB): the container of Windows Installer packages (.msi, .msp, .mst) and
/// of Office 97–2003 documents. Read to the published specification: the header, the FAT (with the
/// DIFAT beyond the header's 109 entries), the directory tree and the mini stream. Every sector
/// number, chain and size is checked; a chain that loops or leaves the file is an error.
public struct CompoundFile: Sendable {
    /// One stream: its path through the storages and where its bytes lie.
    public struct Stream: Sendable, Hashable {
        /// `Storage/Stream`, names decoded (Windows Installer's packed names included).
        public var path: String
        /// Its length.
        public var size: UInt64
        fileprivate var start: UInt32
        fileprivate var inMiniStream: Bool
    }

    /// Every stream, in directory order.
    public private(set) var streams: [Stream] = []
    private let sectorSize: UInt64
    private let fat: [UInt32]
    private let miniFAT: [UInt32]
    private let miniCutoff: UInt64
    /// The file offsets of the mini stream's sectors, in order.
    private let miniStreamSectors: [UInt64]
    private static let miniSectorSize: UInt64 = 64
    /// The directory and the mini FAT are read whole, up to this length.
    private static let maxTableBytes = 32 << 20
    private static let endOfChain: UInt32 = 0xFFFF_FFFE
    private static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    /// Whether `head` starts a compound file.
    public static func recognises(_ head: [UInt8]) -> Bool {
        head.count >= 512 && head.starts(with: signature) && head[0x1C] == 0xFE && head[0x1D] == 0xFF
    }

    /// Reads the structure of the compound file in `source`.
    ///
    /// - Throws: `FormatError` for a damaged file, or the source's error.
    public init(_ source: some ByteSource) throws {
        let header = BinaryCursor(try source.exactBytes(at: 0, count: 512, what: "compound file header"))
        guard Self.recognises(header.bytes) else { throw FormatError.badMagic("not a compound file") }
        let shift = try header.u16le(at: 0x1E)
        guard shift == 9 || shift == 12 else { throw FormatError.malformed("compound file sector shift \(shift)") }
        guard try header.u16le(at: 0x20) == 6 else { throw FormatError.malformed("compound file mini sector shift") }
        sectorSize = 1 << UInt64(shift)
        miniCutoff = UInt64(try header.u32le(at: 0x38))
        let sectorCount = source.size / sectorSize
        // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
        let fatSectorCount = Int(try header.u32le(at: 0x2C))
        guard UInt64(fatSectorCount) <= sectorCount else {
            throw FormatError.malformed("more FAT sectors than the file holds")
        }
        var fatSectors: [UInt32] = []
        for index in 0..<109 where fatSectors.count < fatSectorCount {
            fatSectors.append(try header.u32le(at: 0x4C + 4 * index))
        }
        var difat = try header.u32le(at: 0x44)
        var difatSteps: UInt64 = 0
        let perDIFAT = Int(sectorSize / 4) - 1
        while fatSectors.count < fatSectorCount, difat < Self.endOfChain - 1 {
            difatSteps += 1
            guard difatSteps <= sectorCount else { throw FormatError.malformed("the DIFAT chain loops") }
            let sector = BinaryCursor(try Self.sector(difat, size: sectorSize, in: source))
            for index in 0..<perDIFAT where fatSectors.count < fatSectorCount {
                fatSectors.append(try sector.u32le(at: 4 * index))
            }
            difat = try sector.u32le(at: 4 * perDIFAT)
        }
        guard fatSectors.count == fatSectorCount else {
            throw FormatError.truncated("the DIFAT lists too few FAT sectors")
        }
        var fat: [UInt32] = []
        fat.reserveCapacity(fatSectorCount * Int(sectorSize / 4))
        for number in fatSectors {
            let sector = BinaryCursor(try Self.sector(number, size: sectorSize, in: source))
            for index in 0..<Int(sectorSize / 4) { fat.append(try sector.u32le(at: 4 * index)) }
        }
        self.fat = fat
        // The directory, then the mini FAT and the mini stream (the root entry's stream).
        let directory = try Self.chainBytes(from: try header.u32le(at: 0x30), fat: fat, size: sectorSize, in: source)
        let entries = try Self.entries(directory)
        guard let root = entries.first, root.type == 5 else { throw FormatError.malformed("no root storage entry") }
        var miniFAT: [UInt32] = []
        let miniFATBytes = try Self.chainBytes(from: try header.u32le(at: 0x3C), fat: fat, size: sectorSize, in: source)
        let miniFATCursor = BinaryCursor(miniFATBytes)
        for index in 0..<(miniFATBytes.count / 4) { miniFAT.append(try miniFATCursor.u32le(at: 4 * index)) }
        self.miniFAT = miniFAT
        let size = sectorSize
        miniStreamSectors = try Self.chain(from: root.start, fat: fat, limit: sectorCount).map {
            try Checked.product(UInt64($0) + 1, size, "mini stream sector offset")
        }
        streams = try Self.streams(in: entries, sectorSize: sectorSize, miniCutoff: miniCutoff)
    }

    /// The byte ranges of `stream` in the file, in order.
    ///
    /// - Throws: `FormatError` when its chain loops, ends early or leaves the file.
    public func extents(of stream: Stream, fileSize: UInt64) throws -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        var remaining = stream.size
        if stream.inMiniStream {
            let limit = UInt64(miniFAT.count)
            for mini in try Self.chain(from: stream.start, fat: miniFAT, limit: limit) where remaining > 0 {
                let position = UInt64(mini) * Self.miniSectorSize
                let index = Int(position / sectorSize)
                guard index < miniStreamSectors.count else {
                    throw FormatError.malformed("\(stream.path): mini sector \(mini) lies past the mini stream")
                }
                let start = miniStreamSectors[index] + position % sectorSize
                let length = min(remaining, Self.miniSectorSize)
                ranges.append(start..<(start + length))
                remaining -= length
            }
        } else {
            for sector in try Self.chain(from: stream.start, fat: fat, limit: fileSize / sectorSize) where remaining > 0
            {
                let start = try Checked.product(UInt64(sector) + 1, sectorSize, "\(stream.path) sector offset")
                let length = min(remaining, sectorSize)
                if let last = ranges.last, last.upperBound == start {
                    ranges[ranges.count - 1] = last.lowerBound..<(start + length)
                } else {
                    ranges.append(start..<(start + length))
                }
                remaining -= length
            }
        }
        guard remaining == 0 else {
            throw FormatError.truncated("\(stream.path): its chain ends \(remaining) bytes early")
        }
        guard ranges.allSatisfy({ $0.upperBound <= fileSize }) else {
            throw FormatError.truncated("\(stream.path) lies partly past the end of the file (\(fileSize) bytes)")
        }
        return ranges
    }

    // MARK: - Directory

    private struct Entry {
        var name: String
        var type: UInt8
        var left: UInt32
        var right: UInt32
        var child: UInt32
        var start: UInt32
        var size: UInt64
    }

    private static func entries(_ directory: [UInt8]) throws -> [Entry] {
        let cursor = BinaryCursor(directory)
        var entries: [Entry] = []
        for offset in stride(from: 0, to: directory.count - 127, by: 128) {
            let nameLength = Int(try cursor.u16le(at: offset + 0x40))
            var units: [UInt16] = []
            for index in 0..<(min(max(nameLength, 2), 64) / 2 - 1) {
                units.append(try cursor.u16le(at: offset + 2 * index))
            }
            entries.append(
                Entry(
                    name: MSIStreamName.decode(units),
                    type: try cursor.u8(at: offset + 0x42),
                    left: try cursor.u32le(at: offset + 0x44),
                    right: try cursor.u32le(at: offset + 0x48),
                    child: try cursor.u32le(at: offset + 0x4C),
                    start: try cursor.u32le(at: offset + 0x74),
                    size: try cursor.u64le(at: offset + 0x78)
                )
            )
        }
        return entries
    }

    /// The streams under the root, walking each storage's sibling tree; an entry met twice ends the
    /// walk with an error (a cycle).
    private static func streams(in entries: [Entry], sectorSize: UInt64, miniCutoff: UInt64) throws -> [Stream] {
        var streams: [Stream] = []
        var visited: Set<UInt32> = [0]
        var pending: [(UInt32, String)] = [(entries[0].child, "")]
        while let (index, prefix) = pending.popLast() {
            guard index < UInt32(entries.count) else { continue }
            guard visited.insert(index).inserted else { throw FormatError.malformed("the directory tree has a cycle") }
            let entry = entries[Int(index)]
            pending.append((entry.left, prefix))
            pending.append((entry.right, prefix))
            let path = prefix + entry.name
            switch entry.type {
            case 1: pending.append((entry.child, path + "/"))
            case 2:
                // Version 3 files keep only the low 32 bits of a size.
                let size = sectorSize == 512 ? entry.size & 0xFFFF_FFFF : entry.size
                streams.append(Stream(path: path, size: size, start: entry.start, inMiniStream: size < miniCutoff))
            default: break
            }
        }
        return streams.sorted { $0.path < $1.path }
    }

    // MARK: - Sectors and chains

    private static func sector(_ number: UInt32, size: UInt64, in source: some ByteSource) throws -> [UInt8] {
        let offset = try Checked.product(UInt64(number) + 1, size, "compound file sector \(number)")
        return try source.exactBytes(at: offset, count: Int(size), what: "compound file sector \(number)")
    }

    /// The sector numbers of the chain from `start`, at most `limit` of them.
    private static func chain(from start: UInt32, fat: [UInt32], limit: UInt64) throws -> [UInt32] {
        var sectors: [UInt32] = []
        var current = start
        while current != endOfChain, current < 0xFFFF_FFFA {
            guard UInt64(sectors.count) < limit else { throw FormatError.malformed("a sector chain loops") }
            sectors.append(current)
            guard Int(current) < fat.count else {
                throw FormatError.malformed("sector \(current) lies past the allocation table")
            }
            current = fat[Int(current)]
        }
        return sectors
    }

    private static func chainBytes(
        from start: UInt32,
        fat: [UInt32],
        size: UInt64,
        in source: some ByteSource
    ) throws
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        for number in try chain(from: start, fat: fat, limit: source.size / size) {
            guard bytes.count < maxTableBytes else {
                throw FormatError.limit("a compound file directory or mini FAT over \(maxTableBytes) bytes")
            }
            bytes += try sector(number, size: size, in: source)
        }
        return bytes
    }
}
