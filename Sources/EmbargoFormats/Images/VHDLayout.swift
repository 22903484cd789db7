/// The block map of a dynamic or differencing VHD (Virtual PC, Hyper-V's first format): the footer
/// (copied at the start), the dynamic header, and the block allocation table, each block a sector
/// bitmap followed by the data. A fixed VHD is a raw image with a footer and is read as one.
final class VHDLayout: VirtualDiskLayout {
    let virtualSize: UInt64
    let blockSize: UInt64
    private let table: [UInt32]
    private let bitmapSize: UInt64

    private static let cookie = Array("conectix".utf8)

    static func recognises(_ head: [UInt8]) -> Bool { head.starts(with: cookie) }

    private init(virtualSize: UInt64, blockSize: UInt64, table: [UInt32]) {
        self.virtualSize = virtualSize
        self.blockSize = blockSize
        self.table = table
        // One bit per sector, padded to whole sectors.
        bitmapSize = (blockSize / 512 / 8 + 511) / 512 * 512
    }

    static func open(_ image: some ByteSource) throws -> VirtualDisk {
        let footer = BinaryCursor(try image.exactBytes(at: 0, count: 512, what: "VHD footer copy"))
        let dataOffset = try footer.u64be(at: 16)
        let virtualSize = try footer.u64be(at: 48)
        let diskType = try footer.u32be(at: 60)
        guard diskType == 3 || diskType == 4 else {
            throw FormatError.unsupported("VHD of disk type \(diskType) with its footer copied at the start")
        }
        let dynamic = BinaryCursor(try image.exactBytes(at: dataOffset, count: 1024, what: "VHD dynamic header"))
        guard dynamic.bytes.starts(with: Array("cxsparse".utf8)) else {
            throw FormatError.badMagic("VHD dynamic header without its cxsparse cookie")
        }
        let tableOffset = try dynamic.u64be(at: 16)
        let entries = UInt64(try dynamic.u32be(at: 28))
        let blockSize = UInt64(try dynamic.u32be(at: 32))
        guard blockSize >= 512, blockSize <= 256 << 20, blockSize % 512 == 0 else {
            throw FormatError.malformed("VHD block of \(blockSize) bytes")
        }
        let needed = VirtualDisk.blockCount(virtualSize, of: blockSize)
        guard entries >= needed else {
            throw FormatError.malformed("VHD allocation table of \(entries) entries for \(needed) blocks")
        }
        let tableLength = needed * 4
        guard tableLength <= image.size, tableOffset <= image.size - tableLength else {
            throw FormatError.truncated("VHD allocation table lies past the end of the image")
        }
        let cursor = BinaryCursor(try image.exactBytes(at: tableOffset, count: Int(tableLength), what: "VHD table"))
        let table = try (0..<Int(needed)).map { index throws(FormatError) in try cursor.u32be(at: index * 4) }
        var parentName: String?
        if diskType == 4 {
            // The parent's name, UTF-16 big-endian, at 64 of the dynamic header.
            let units = try (0..<256).map { index throws(FormatError) in try dynamic.u16be(at: 64 + index * 2) }
            let name = String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
            parentName = name.isEmpty ? "(unnamed parent)" : name
        }
        return VirtualDisk(
            format: diskType == 3 ? "VHD dynamic" : "VHD differencing",
            image: image,
            layout: VHDLayout(virtualSize: virtualSize, blockSize: blockSize, table: table),
            parentName: parentName
        )
    }

    func block(_ index: UInt64) throws -> VirtualBlock {
        guard index < UInt64(table.count) else { throw FormatError.malformed("VHD block \(index) beyond its table") }
        let sector = table[Int(index)]
        guard sector != .max else { return .inParent }
        // A differencing disk's blocks may hold only some sectors; the rest are the parent's. Sectors
        // are not told apart here: a present block is read whole.
        return .stored(UInt64(sector) * 512 + bitmapSize)
    }
}
