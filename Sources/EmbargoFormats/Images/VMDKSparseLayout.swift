/// The block map of a VMDK sparse extent (`KDMV`): monolithicSparse, one extent of a
/// twoGbMaxExtentSparse disk, and streamOptimized (OVA appliances), whose grains are zlib-compressed
/// behind a marker and whose grain directory may follow the data (found through the footer).
final class VMDKSparseLayout: VirtualDiskLayout {
    let virtualSize: UInt64
    let blockSize: UInt64
    private let image: any ByteSource
    private let directory: [UInt32]
    private let entriesPerTable: UInt64
    private let compressed: Bool
    private let zeroGrains: Bool
    private var cachedTable: (sector: UInt32, entries: [UInt8])?

    private static let magic = Array("KDMV".utf8)
    private static let directoryAtEnd = UInt64.max

    static func recognises(_ head: [UInt8]) -> Bool { head.starts(with: magic) }

    private struct Header {
        let flags: UInt32
        let capacity: UInt64
        let grainSize: UInt64
        let descriptor: (offset: UInt64, size: UInt64)
        let entriesPerTable: UInt64
        let directoryOffset: UInt64

        init(_ bytes: [UInt8]) throws(FormatError) {
            let cursor = BinaryCursor(bytes)
            guard cursor.bytes.starts(with: VMDKSparseLayout.magic) else {
                throw FormatError.badMagic("VMDK sparse header without its KDMV magic")
            }
            flags = try cursor.u32le(at: 8)
            capacity = try cursor.u64le(at: 12)
            grainSize = try cursor.u64le(at: 20)
            descriptor = (try cursor.u64le(at: 28), try cursor.u64le(at: 36))
            entriesPerTable = UInt64(try cursor.u32le(at: 44))
            directoryOffset = try cursor.u64le(at: 56)
        }
    }

    private init(
        image: any ByteSource,
        header: Header,
        directory: [UInt32]
    ) {
        self.image = image
        virtualSize = header.capacity * 512
        blockSize = header.grainSize * 512
        self.directory = directory
        entriesPerTable = header.entriesPerTable
        compressed = header.flags & (1 << 16) != 0
        zeroGrains = header.flags & (1 << 2) != 0
    }

    static func open(_ image: some ByteSource) throws -> VirtualDisk {
        var header = try Header(try image.exactBytes(at: 0, count: 512, what: "VMDK header"))
        if header.directoryOffset == directoryAtEnd {
            // A stream-optimized disk written in one pass: a copy of the header with the real offset
            // lies in the footer, the second-to-last sector (before the end-of-stream marker).
            guard image.size >= 1536 else { throw FormatError.truncated("VMDK stream without its footer") }
            header = try Header(try image.exactBytes(at: image.size - 1024, count: 512, what: "VMDK footer"))
            guard header.directoryOffset != directoryAtEnd else {
                throw FormatError.malformed("VMDK footer without a grain directory offset")
            }
        }
        guard header.grainSize >= 1, header.grainSize <= 1 << 15, header.grainSize & (header.grainSize - 1) == 0 else {
            throw FormatError.malformed("VMDK grain of \(header.grainSize) sectors")
        }
        guard header.entriesPerTable >= 1, header.entriesPerTable <= 1 << 16 else {
            throw FormatError.malformed("VMDK grain tables of \(header.entriesPerTable) entries")
        }
        guard header.capacity <= UInt64.max / 512 else { throw FormatError.overflow("VMDK capacity") }
        let grains = VirtualDisk.blockCount(header.capacity, of: header.grainSize)
        let tables = VirtualDisk.blockCount(grains, of: header.entriesPerTable)
        let directoryStart = try Checked.product(header.directoryOffset, 512, "VMDK grain directory")
        let directoryLength = try Checked.product(tables, 4, "VMDK grain directory")
        guard directoryLength <= image.size, directoryStart <= image.size - directoryLength else {
            throw FormatError.truncated("VMDK grain directory lies past the end of the image")
        }
        let cursor = BinaryCursor(
            try image.exactBytes(at: directoryStart, count: Int(directoryLength), what: "VMDK grain directory")
        )
        let directory = try (0..<Int(tables)).map { index throws(FormatError) in try cursor.u32le(at: index * 4) }
        let descriptor = try embeddedDescriptor(header, image: image)
        let layout = VMDKSparseLayout(image: image, header: header, directory: directory)
        return VirtualDisk(
            format: layout.compressed ? "VMDK stream-optimized" : "VMDK sparse",
            image: image,
            layout: layout,
            parentName: descriptor.flatMap(parentName(in:))
        )
    }

    private static func embeddedDescriptor(_ header: Header, image: some ByteSource) throws -> String? {
        guard header.descriptor.offset != 0, header.descriptor.size != 0 else { return nil }
        let start = try Checked.product(header.descriptor.offset, 512, "VMDK descriptor")
        let length = min(try Checked.product(header.descriptor.size, 512, "VMDK descriptor"), 1 << 20)
        let bytes = try image.bytes(at: start, count: Int(length))
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The parent a delta disk's descriptor names (`parentFileNameHint="base.vmdk"`).
    static func parentName(in descriptor: String) -> String? {
        for line in descriptor.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingWhitespace() == "parentFileNameHint" else {
                continue
            }
            let value = String(parts[1].trimmingWhitespace().filter { $0 != "\"" })
            return value.isEmpty ? nil : value
        }
        return nil
    }

    func block(_ index: UInt64) throws -> VirtualBlock {
        let tableIndex = index / entriesPerTable
        guard tableIndex < UInt64(directory.count) else {
            throw FormatError.malformed("VMDK grain \(index) beyond the grain directory")
        }
        let tableSector = directory[Int(tableIndex)]
        guard tableSector != 0 else { return .inParent }
        let table = try grainTable(at: tableSector)
        let sector = UInt64(try BinaryCursor(table).u32le(at: Int(index % entriesPerTable) * 4))
        switch sector {
        case 0: return .inParent
        case 1 where zeroGrains || compressed: return .zero
        default: break
        }
        let offset = sector * 512
        guard compressed else { return .stored(offset) }
        // A compressed grain starts with a marker: the grain's sector (8 bytes) and the data's size.
        let marker = BinaryCursor(try image.exactBytes(at: offset, count: 12, what: "VMDK grain marker"))
        let length = UInt64(try marker.u32le(at: 8))
        let start = offset + 12
        return .compressed(start..<(try Checked.sum(start, length, "VMDK compressed grain")), .zlib)
    }

    /// The grain table at `sector`; the last one read is kept.
    private func grainTable(at sector: UInt32) throws -> [UInt8] {
        if let cachedTable, cachedTable.sector == sector { return cachedTable.entries }
        let entries = try image.exactBytes(
            at: UInt64(sector) * 512,
            count: Int(entriesPerTable) * 4,
            what: "VMDK grain table"
        )
        cachedTable = (sector, entries)
        return entries
    }
}
