/// The block map of a VHDX image (Hyper-V, MS-VHDX): the newer of the two headers, the region
/// table's block allocation table and metadata region, whose items give the block size, the
/// logical sector size, the disk's size and whether it has a parent. Sector-bitmap entries sit
/// between the payload entries of the table, one after every chunk.
final class VHDXLayout: VirtualDiskLayout {
    let virtualSize: UInt64
    let blockSize: UInt64
    private let table: [UInt64]
    private let chunkRatio: UInt64

    private static let signature = Array("vhdxfile".utf8)
    private static let tableRegion = VirtualDisk.guidBytes("2DC27766-F623-4200-9D64-115E9BFD4A08")
    private static let metadataRegion = VirtualDisk.guidBytes("8B7CA206-4790-4B9A-B8FE-575F050F886E")
    private static let fileParameters = VirtualDisk.guidBytes("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
    private static let diskSize = VirtualDisk.guidBytes("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
    private static let logicalSectorSize = VirtualDisk.guidBytes("8141BF1D-A96F-4709-BA47-F233A8FAAB5F")

    static func recognises(_ head: [UInt8]) -> Bool { head.starts(with: signature) }

    private init(virtualSize: UInt64, blockSize: UInt64, table: [UInt64], chunkRatio: UInt64) {
        self.virtualSize = virtualSize
        self.blockSize = blockSize
        self.table = table
        self.chunkRatio = chunkRatio
    }

    static func open(_ image: some ByteSource) throws -> VirtualDisk {
        var notes: [String] = []
        let header = try currentHeader(image)
        if header.bytes[48..<64].contains(where: { $0 != 0 }) {
            notes.append("the image's log was not replayed (Hyper-V did not close it): the last writes may be missing")
        }
        let regions = try regionTable(image)
        guard let tableRegion = regions[tableRegion], let metadataRegion = regions[metadataRegion] else {
            throw FormatError.malformed("VHDX region table without its allocation table or metadata")
        }
        let metadata = try Metadata(image, region: metadataRegion)
        let blockSize = UInt64(try metadata.u32(fileParameters, at: 0))
        let flags = try metadata.u32(fileParameters, at: 4)
        let virtualSize = try metadata.u64(diskSize)
        let sectorSize = UInt64(try metadata.u32(logicalSectorSize, at: 0))
        guard blockSize >= 1 << 20, blockSize <= 256 << 20, blockSize & (blockSize - 1) == 0 else {
            throw FormatError.malformed("VHDX block of \(blockSize) bytes")
        }
        guard sectorSize == 512 || sectorSize == 4096 else {
            throw FormatError.malformed("VHDX logical sector of \(sectorSize) bytes")
        }
        let chunkRatio = (UInt64(1) << 23) * sectorSize / blockSize
        let blocks = VirtualDisk.blockCount(virtualSize, of: blockSize)
        let entries = try Checked.sum(blocks, blocks / chunkRatio, "VHDX allocation table") + 1
        let length = min(try Checked.product(entries, 8, "VHDX allocation table"), UInt64(tableRegion.length))
        guard length <= image.size, tableRegion.offset <= image.size - length else {
            throw FormatError.truncated("VHDX allocation table lies past the end of the image")
        }
        let cursor = BinaryCursor(try image.exactBytes(at: tableRegion.offset, count: Int(length), what: "VHDX table"))
        let table = try (0..<Int(length / 8)).map { index throws(FormatError) in try cursor.u64le(at: index * 8) }
        let hasParent = flags & 0b10 != 0
        return VirtualDisk(
            format: hasParent ? "VHDX differencing" : "VHDX",
            image: image,
            layout: VHDXLayout(virtualSize: virtualSize, blockSize: blockSize, table: table, chunkRatio: chunkRatio),
            parentName: hasParent ? "(the parent named in its locator)" : nil,
            notes: notes
        )
    }

    /// The valid header with the higher sequence number (of the two at 64 and 128 KiB).
    private static func currentHeader(_ image: some ByteSource) throws -> BinaryCursor {
        var best: (sequence: UInt64, header: BinaryCursor)?
        for offset: UInt64 in [64 << 10, 128 << 10] {
            let header = BinaryCursor(try image.exactBytes(at: offset, count: 4096, what: "VHDX header"))
            guard header.bytes.starts(with: Array("head".utf8)),
                crc32c(header.bytes, skipping: 4) == (try header.u32le(at: 4))
            else { continue }
            let sequence = try header.u64le(at: 8)
            if best.map({ sequence > $0.sequence }) ?? true { best = (sequence, header) }
        }
        guard let best else { throw FormatError.malformed("VHDX without a valid header") }
        return best.header
    }

    /// The region table (the first valid of the two at 192 and 256 KiB): each region's GUID with its
    /// offset and length.
    private static func regionTable(_ image: some ByteSource) throws -> [[UInt8]: (offset: UInt64, length: UInt32)] {
        for offset: UInt64 in [192 << 10, 256 << 10] {
            let table = BinaryCursor(try image.exactBytes(at: offset, count: 64 << 10, what: "VHDX region table"))
            guard table.bytes.starts(with: Array("regi".utf8)),
                crc32c(table.bytes, skipping: 4) == (try table.u32le(at: 4))
            else { continue }
            let count = Int(try table.u32le(at: 8))
            guard count <= 2047 else { throw FormatError.malformed("VHDX region table of \(count) entries") }
            var regions: [[UInt8]: (offset: UInt64, length: UInt32)] = [:]
            for index in 0..<count {
                let entry = 16 + index * 32
                regions[try table.slice(at: entry, count: 16, "VHDX region")] =
                    (try table.u64le(at: entry + 16), try table.u32le(at: entry + 24))
            }
            return regions
        }
        throw FormatError.malformed("VHDX without a valid region table")
    }

    /// The metadata region's items, by GUID.
    private struct Metadata {
        let region: BinaryCursor
        let items: [[UInt8]: (offset: Int, length: Int)]

        init(_ image: some ByteSource, region: (offset: UInt64, length: UInt32)) throws {
            let length = Int(min(region.length, 1 << 20))
            self.region = BinaryCursor(try image.exactBytes(at: region.offset, count: length, what: "VHDX metadata"))
            guard self.region.bytes.starts(with: Array("metadata".utf8)) else {
                throw FormatError.badMagic("VHDX metadata region without its signature")
            }
            let count = Int(try self.region.u16le(at: 10))
            var items: [[UInt8]: (offset: Int, length: Int)] = [:]
            for index in 0..<min(count, 2047) {
                let entry = 32 + index * 32
                items[try self.region.slice(at: entry, count: 16, "VHDX metadata entry")] =
                    (Int(try self.region.u32le(at: entry + 16)), Int(try self.region.u32le(at: entry + 20)))
            }
            self.items = items
        }

        func u32(_ item: [UInt8], at offset: Int) throws(FormatError) -> UInt32 {
            try region.u32le(at: try place(item, offset, 4))
        }

        func u64(_ item: [UInt8]) throws(FormatError) -> UInt64 { try region.u64le(at: try place(item, 0, 8)) }

        private func place(_ item: [UInt8], _ offset: Int, _ width: Int) throws(FormatError) -> Int {
            guard let found = items[item], offset + width <= found.length else {
                throw FormatError.malformed("VHDX metadata without a required item")
            }
            return found.offset + offset
        }
    }

    func block(_ index: UInt64) throws -> VirtualBlock {
        let entryIndex = index + index / chunkRatio
        guard entryIndex < UInt64(table.count) else {
            throw FormatError.malformed("VHDX block \(index) beyond its allocation table")
        }
        let entry = table[Int(entryIndex)]
        switch entry & 0b111 {
        case 6, 7:
            // Fully present, or partly present in a differencing disk (read whole here).
            return .stored((entry >> 20) << 20)
        case 2, 3: return .zero
        default: return .inParent
        }
    }
}

/// CRC-32C (Castagnoli) of `bytes` with the four bytes at `skipping` taken as zeros, as VHDX checks
/// its headers and region tables.
func crc32c(_ bytes: [UInt8], skipping: Int) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for (index, byte) in bytes.enumerated() {
        let value = index >= skipping && index < skipping + 4 ? 0 : byte
        crc = crc32cTable[Int(UInt8(truncatingIfNeeded: crc) ^ value)] ^ (crc >> 8)
    }
    return ~crc
}

/// The CRC-32C of each byte value.
private let crc32cTable: [UInt32] = (0..<256).map { value in
    var crc = UInt32(value)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    return crc
}
