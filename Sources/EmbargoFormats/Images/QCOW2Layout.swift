/// The block map of a qcow2 image (QEMU's format, versions 2 and 3): a header, an L1 table of L2
/// tables, each L2 entry a cluster stored, compressed (raw deflate), zeroed, or left to the
/// backing file. Encrypted images, external data files, zstd compression and extended L2 entries
/// are refused with `unsupported`.
final class QCOW2Layout: VirtualDiskLayout {
    let virtualSize: UInt64
    let blockSize: UInt64
    private let image: any ByteSource
    private let version: UInt32
    private let clusterBits: UInt64
    private let l1: [UInt64]
    private var cachedL2: (offset: UInt64, entries: [UInt8])?

    private static let magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]
    private static let offsetMask: UInt64 = 0x00FF_FFFF_FFFF_FE00

    static func recognises(_ head: [UInt8]) -> Bool { head.starts(with: magic) }

    private init(image: any ByteSource, version: UInt32, clusterBits: UInt64, virtualSize: UInt64, l1: [UInt64]) {
        self.image = image
        self.version = version
        self.clusterBits = clusterBits
        self.virtualSize = virtualSize
        self.l1 = l1
        blockSize = 1 << clusterBits
    }

    static func open(_ image: some ByteSource) throws -> VirtualDisk {
        let header = BinaryCursor(try image.exactBytes(at: 0, count: 72, what: "qcow2 header"))
        let version = try header.u32be(at: 4)
        guard version == 2 || version == 3 else { throw FormatError.unsupported("qcow2 version \(version)") }
        let clusterBits = UInt64(try header.u32be(at: 20))
        guard (9...21).contains(clusterBits) else {
            throw FormatError.malformed("qcow2 cluster size of 2^\(clusterBits) bytes")
        }
        let virtualSize = try header.u64be(at: 24)
        guard try header.u32be(at: 32) == 0 else {
            throw FormatError.unsupported("encrypted qcow2 image (its clusters cannot be read without the key)")
        }
        let l1Size = UInt64(try header.u32be(at: 36))
        let l1Offset = try header.u64be(at: 40)
        var notes: [String] = []
        if version == 3 {
            let extended = BinaryCursor(try image.exactBytes(at: 72, count: 33, what: "qcow2 version 3 header"))
            let incompatible = try extended.u64be(at: 0)
            let headerLength = try extended.u32be(at: 28)
            if incompatible & 0b100 != 0 {
                throw FormatError.unsupported("qcow2 image whose data is in an external file")
            }
            if incompatible & 0b1000 != 0, headerLength > 104, try extended.u8(at: 32) != 0 {
                throw FormatError.unsupported("qcow2 image compressed with zstd")
            }
            if incompatible & 0b1_0000 != 0 {
                throw FormatError.unsupported("qcow2 image with extended L2 entries (subclusters)")
            }
            if incompatible & ~UInt64(0b1_1111) != 0 {
                throw FormatError.unsupported(
                    "qcow2 image with unknown incompatible features 0x\(String(incompatible, radix: 16))"
                )
            }
            if incompatible & 0b1 != 0 { notes.append("the image was not closed cleanly (dirty flag set)") }
            if incompatible & 0b10 != 0 { notes.append("QEMU marked the image corrupt") }
        }
        let clusterSize = UInt64(1) << clusterBits
        let entriesPerL2 = clusterSize / 8
        let needed = VirtualDisk.blockCount(VirtualDisk.blockCount(virtualSize, of: clusterSize), of: entriesPerL2)
        guard l1Size >= needed else {
            throw FormatError.malformed("qcow2 L1 table of \(l1Size) entries for \(needed) L2 tables")
        }
        let l1Length = try Checked.product(needed, 8, "qcow2 L1 table")
        guard l1Length <= image.size, l1Offset <= image.size - l1Length else {
            throw FormatError.truncated("qcow2 L1 table lies past the end of the image")
        }
        let table = BinaryCursor(try image.exactBytes(at: l1Offset, count: Int(l1Length), what: "qcow2 L1 table"))
        let l1 = try (0..<Int(needed)).map { index throws(FormatError) in try table.u64be(at: index * 8) & offsetMask }
        let backing = try backingName(header, image: image)
        let layout = QCOW2Layout(
            image: image,
            version: version,
            clusterBits: clusterBits,
            virtualSize: virtualSize,
            l1: l1
        )
        return VirtualDisk(
            format: "qcow2 v\(version)",
            image: image,
            layout: layout,
            parentName: backing,
            notes: notes
        )
    }

    private static func backingName(_ header: BinaryCursor, image: some ByteSource) throws -> String? {
        let offset = try header.u64be(at: 8)
        let length = Int(try header.u32be(at: 16))
        guard offset != 0, length > 0 else { return nil }
        guard length <= 1023 else { throw FormatError.malformed("qcow2 backing file name of \(length) bytes") }
        let name = try image.exactBytes(at: offset, count: length, what: "qcow2 backing file name")
        return String(decoding: name, as: UTF8.self)
    }

    func block(_ index: UInt64) throws -> VirtualBlock {
        let l2Bits = clusterBits - 3
        let l1Index = index >> l2Bits
        guard l1Index < UInt64(l1.count) else {
            throw FormatError.malformed("qcow2 cluster \(index) beyond the L1 table")
        }
        let l2Offset = l1[Int(l1Index)]
        guard l2Offset != 0 else { return .inParent }
        let entries = try l2Table(at: l2Offset)
        let entry = try BinaryCursor(entries).u64be(at: Int(index & ((1 << l2Bits) - 1)) * 8)
        if entry & (1 << 62) != 0 {
            let offsetBits = 62 - (clusterBits - 8)
            let offset = entry & ((1 << offsetBits) - 1)
            let sectors = ((entry >> offsetBits) & ((1 << (clusterBits - 8)) - 1)) + 1
            let length = sectors * 512 - (offset & 511)
            return .compressed(offset..<(try Checked.sum(offset, length, "qcow2 compressed cluster")), .deflate)
        }
        if version == 3, entry & 1 != 0 { return .zero }
        let offset = entry & Self.offsetMask
        return offset == 0 ? .inParent : .stored(offset)
    }

    /// The L2 table at `offset`; the last one read is kept (reads go through the disk in order).
    private func l2Table(at offset: UInt64) throws -> [UInt8] {
        if let cachedL2, cachedL2.offset == offset { return cachedL2.entries }
        let entries = try image.exactBytes(at: offset, count: Int(blockSize), what: "qcow2 L2 table")
        cachedL2 = (offset, entries)
        return entries
    }
}
