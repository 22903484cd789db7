/// Where one block of a virtual disk is kept in its image file.
package enum VirtualBlock {
    /// The block's bytes, uncompressed, at this offset of the image file.
    case stored(UInt64)
    /// The block reads as zeros.
    case zero
    /// The block's bytes, compressed, in this range of the image file.
    case compressed(Range<UInt64>, CompressedBlockFormat)
    /// The image does not hold the block; its parent (backing file) does, or it reads as zeros.
    case inParent
}

/// How a compressed block is compressed.
package enum CompressedBlockFormat: Equatable {
    /// Raw deflate (qcow2).
    case deflate
    /// zlib: deflate with its two-byte header (VMDK stream-optimized grains).
    case zlib
}

/// The block map of one virtual disk format: how a virtual disk's blocks are found in its file.
package protocol VirtualDiskLayout: AnyObject {
    /// The virtual disk's size in bytes.
    var virtualSize: UInt64 { get }
    /// The size of a block in bytes.
    var blockSize: UInt64 { get }
    /// Where block `index` (below `virtualSize / blockSize`, rounded up) is kept.
    func block(_ index: UInt64) throws -> VirtualBlock
}

/// A virtual machine's disk — qcow2, VMDK (sparse and stream-optimized), VHD (dynamic and
/// differencing) or VHDX — read in place: its bytes are the disk's bytes as the machine sees them,
/// found through the format's block tables. Blocks the image does not hold read from the parent
/// disk when one is given, else as zeros (and `parentName` says which parent was missing).
public final class VirtualDisk: ByteSource {
    /// The format, for people: `qcow2 v3`, `VMDK stream-optimized`, `VHDX`.
    public let format: String
    /// The size of the disk in bytes.
    public let size: UInt64
    /// The name of the parent (backing) disk that this one records only the changes to, when it
    /// names one.
    public let parentName: String?
    /// What a reader should know about the image: a dirty or corrupt flag, a log not replayed.
    public let notes: [String]
    private let image: any ByteSource
    private let layout: any VirtualDiskLayout
    private let parent: VirtualDisk?
    private var cachedBlock: (index: UInt64, bytes: [UInt8])?

    init(
        format: String,
        image: some ByteSource,
        layout: some VirtualDiskLayout,
        parentName: String? = nil,
        notes: [String] = []
    ) {
        self.format = format
        self.image = image
        self.layout = layout
        self.parentName = parentName
        self.notes = notes
        size = layout.virtualSize
        parent = nil
    }

    private init(_ child: VirtualDisk, parent: VirtualDisk) {
        format = child.format
        image = child.image
        layout = child.layout
        parentName = child.parentName
        notes = child.notes
        size = child.size
        self.parent = parent
    }

    /// This disk with the blocks it does not hold read from `parent`.
    public func withParent(_ parent: VirtualDisk) -> VirtualDisk { VirtualDisk(self, parent: parent) }

    /// Whether `head` starts a virtual disk format this type reads.
    public static func recognises(_ head: [UInt8]) -> Bool {
        QCOW2Layout.recognises(head) || VMDKSparseLayout.recognises(head) || VHDLayout.recognises(head)
            || VHDXLayout.recognises(head)
    }

    /// Opens the virtual disk held in `image`, recognised by its content.
    ///
    /// - Throws: `FormatError` when the image is not one, is damaged, or uses a feature Embargo does
    ///   not read (encryption, external data files); the image's read errors.
    public static func open(_ image: some ByteSource) throws -> VirtualDisk {
        let head = try image.bytes(at: 0, count: 512)
        if QCOW2Layout.recognises(head) { return try QCOW2Layout.open(image) }
        if VMDKSparseLayout.recognises(head) { return try VMDKSparseLayout.open(image) }
        if VHDLayout.recognises(head) { return try VHDLayout.open(image) }
        if VHDXLayout.recognises(head) { return try VHDXLayout.open(image) }
        throw FormatError.badMagic("not a qcow2, VMDK, VHD or VHDX image")
    }

    /// Up to `length` bytes of the disk at `offset`.
    public func bytes(at offset: UInt64, count length: Int) throws -> [UInt8] {
        guard offset < size, length > 0 else { return [] }
        let end = offset + min(UInt64(length), size - offset)
        var result: [UInt8] = []
        result.reserveCapacity(Int(end - offset))
        var position = offset
        let blockSize = layout.blockSize
        while position < end {
            let index = position / blockSize
            let within = position % blockSize
            let count = Int(min(blockSize - within, end - position))
            try append(block: index, from: within, count: count, at: position, to: &result)
            position += UInt64(count)
        }
        return result
    }

    private func append(
        block index: UInt64,
        from within: UInt64,
        count: Int,
        at position: UInt64,
        to result: inout [UInt8]
    )
        throws
    {
        switch try layout.block(index) {
        case .stored(let offset):
            let start = try Checked.sum(offset, within, "\(format) block \(index)")
            let bytes = try image.bytes(at: start, count: count)
            guard bytes.count == count else {
                throw FormatError.truncated("\(format): block \(index) lies past the end of the image")
            }
            result.append(contentsOf: bytes)
        case .zero:
            result.append(contentsOf: repeatElement(0, count: count))
        case .inParent:
            if let parent {
                let bytes = try parent.bytes(at: position, count: count)
                result.append(contentsOf: bytes)
                result.append(contentsOf: repeatElement(0, count: count - bytes.count))
            } else {
                result.append(contentsOf: repeatElement(0, count: count))
            }
        case .compressed(let range, let compression):
            let bytes = try decompressed(block: index, range: range, compression)
            let start = Int(within)
            guard start + count <= bytes.count else {
                throw FormatError.truncated("\(format): compressed block \(index) is shorter than a block")
            }
            result.append(contentsOf: bytes[start..<(start + count)])
        }
    }

    /// A compressed block's bytes; the last one is kept, as reads come in pieces smaller than a block.
    private func decompressed(
        block index: UInt64,
        range: Range<UInt64>,
        _ compression: CompressedBlockFormat
    )
        throws -> [UInt8]
    {
        if let cachedBlock, cachedBlock.index == index { return cachedBlock.bytes }
        let decompressor = try BlockDecompressor(
            compression == .deflate ? .deflate : .zlib,
            source: image,
            range: range
        )
        let bytes = try decompressor.read(upTo: Int(layout.blockSize))
        cachedBlock = (index, bytes)
        return bytes
    }
}

extension VirtualDisk {
    /// The number of blocks of `size` bytes that hold `total` bytes.
    static func blockCount(_ total: UInt64, of size: UInt64) -> UInt64 {
        total / size + (total % size == 0 ? 0 : 1)
    }

    /// The bytes of a GUID written as text (`2DC27766-F623-4200-9D64-115E9BFD4A08`) as Windows stores
    /// it: the first three fields little-endian.
    static func guidBytes(_ text: StaticString) -> [UInt8] {
        let hex = text.description.filter { $0 != "-" }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        guard bytes.count == 16 else { return bytes }
        return bytes[0..<4].reversed() + bytes[4..<6].reversed() + bytes[6..<8].reversed() + bytes[8..<16]
    }
}
