/// An ext2, ext3 or ext4 file system read directly from its bytes: superblock, group descriptors
/// (32- and 64-bit), inodes, extent trees and the indirect block maps of ext2/3, directories (linear
/// and hashed ones alike, read entry by entry) and inline data. A journal that still needs recovery
/// is noted and the committed view is read; encrypted files and directories are listed as problems.
public final class ExtFileSystem {
    /// A regular file.
    public struct File: Sendable, Hashable {
        /// The path from the root, `/`-separated.
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        let inode: UInt32
    }

    /// `ext2`, `ext3` or `ext4`.
    public let variant: String
    /// What a reader should know about the file system as a whole (a journal not recovered).
    public let notes: [String]
    private let source: any ByteSource
    private let base: UInt64
    private let size: UInt64
    private let blockSize: UInt64
    private let inodeSize: UInt64
    private let inodesPerGroup: UInt32
    private let inodeCount: UInt32
    private let inodeTables: [UInt64]
    private let blockCount: UInt64
    private var cachedInodeBlock: (block: UInt64, bytes: [UInt8])?

    private static let magic: UInt16 = 0xEF53
    private static let extentMagic: UInt16 = 0xF30A
    private static let maximumDirectoryBytes: UInt64 = 64 << 20

    /// Whether `head` (at least 1,080 bytes) starts an ext2/3/4 file system.
    public static func recognises(_ head: [UInt8]) -> Bool {
        // Read through `Head`, which answers nil past the end: this runs for every item of a scan, and
        // a cursor would build an error message for every item shorter than a superblock.
        let bytes = Head(head)
        guard bytes.u16le(0x438) == magic, let logBlock = bytes.u32le(0x418), let revision = bytes.u32le(0x44C)
        else { return false }
        return logBlock <= 6 && revision <= 1
    }

    /// Opens the file system that occupies `size` bytes at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the superblock is impossible or uses a feature not read here
    ///   (`meta_bg`), or the source's read errors.
    public init(_ source: some ByteSource, offset: UInt64, size: UInt64) throws {
        let superblock = BinaryCursor(try source.exactBytes(at: offset + 1024, count: 1024, what: "ext superblock"))
        guard try superblock.u16le(at: 0x38) == Self.magic else { throw FormatError.badMagic("not an ext file system") }
        let logBlock = try superblock.u32le(at: 0x18)
        guard logBlock <= 6 else { throw FormatError.malformed("ext block size exponent \(logBlock) (at most 6)") }
        let blockSize = UInt64(1024) << logBlock
        let revision = try superblock.u32le(at: 0x4C)
        let inodeSize = revision == 0 ? 128 : UInt64(try superblock.u16le(at: 0x58))
        guard inodeSize >= 128, inodeSize <= blockSize, inodeSize & (inodeSize - 1) == 0 else {
            throw FormatError.malformed("ext inodes of \(inodeSize) bytes")
        }
        let compatible = try superblock.u32le(at: 0x5C)
        let incompatible = try superblock.u32le(at: 0x60)
        let is64Bit = incompatible & 0x80 != 0
        guard incompatible & 0x10 == 0 else {
            throw FormatError.unsupported("ext file system with meta_bg group descriptors")
        }
        let blocksPerGroup = UInt64(try superblock.u32le(at: 0x20))
        let inodesPerGroup = try superblock.u32le(at: 0x28)
        let firstDataBlock = UInt64(try superblock.u32le(at: 0x14))
        var blockCount = UInt64(try superblock.u32le(at: 0x04))
        if is64Bit { blockCount |= UInt64(try superblock.u32le(at: 0x150)) << 32 }
        guard blocksPerGroup > 0, inodesPerGroup > 0, blockCount > firstDataBlock, blockCount <= UInt64.max / blockSize
        else {
            throw FormatError.malformed("ext superblock with empty groups")
        }
        let groups = VirtualDisk.blockCount(blockCount - firstDataBlock, of: blocksPerGroup)
        guard groups <= size / blockSize + 1, groups <= 1 << 22 else {
            throw FormatError.malformed("ext file system of \(groups) groups in \(size) bytes")
        }
        let descriptorSize = is64Bit ? UInt64(try superblock.u16le(at: 0xFE)) : 32
        guard descriptorSize >= 32, descriptorSize <= 1024 else {
            throw FormatError.malformed("ext group descriptors of \(descriptorSize) bytes")
        }
        let tableStart = try Checked.sum(offset, (firstDataBlock + 1) * blockSize, "ext group descriptors")
        let descriptors = BinaryCursor(
            try source.exactBytes(at: tableStart, count: Int(groups * descriptorSize), what: "ext group descriptors")
        )
        inodeTables = try (0..<Int(groups)).map { group throws(FormatError) in
            let at = group * Int(descriptorSize)
            var table = UInt64(try descriptors.u32le(at: at + 0x8))
            if descriptorSize >= 64 { table |= UInt64(try descriptors.u32le(at: at + 0x28)) << 32 }
            return table
        }
        var notes: [String] = []
        if incompatible & 0x4 != 0 {
            notes.append(
                "its journal needs recovery (the system was not shut down cleanly); the committed view is read"
            )
        }
        variant = incompatible & 0x40 != 0 || is64Bit ? "ext4" : compatible & 0x4 != 0 ? "ext3" : "ext2"
        self.notes = notes
        self.source = source
        base = offset
        self.size = size
        self.blockSize = blockSize
        self.inodeSize = inodeSize
        self.inodesPerGroup = inodesPerGroup
        self.blockCount = blockCount
        inodeCount = try superblock.u32le(at: 0x00)
    }

    /// Every regular file, walking the directory tree from the root; damage to a directory is a
    /// problem and the walk goes on. At most `limit` files are listed.
    public func files(limit: Int = 10_000_000) throws -> (files: [File], problems: [String]) {
        var walk = try DirectoryTreeWalk.files(
            from: UInt32(2),
            limit: limit,
            fileSystem: "ext",
            entries: { number in try directoryEntries(try inode(number)).map { ($0.name, $0.inode) } },
            kind: { number in
                let node = try inode(number)
                if node.flags & 0x800 != 0 { return .encrypted }
                switch node.mode & 0xF000 {
                case 0x4000: return .directory
                case 0x8000: return .file(size: node.size)
                default: return .other
                }
            }
        )
        if walk.encrypted > 0 {
            let count = walk.encrypted
            walk.problems.append(
                "\(count) encrypted file\(count == 1 ? "" : "s") or director\(count == 1 ? "y" : "ies") (fscrypt) not read"
            )
        }
        return (walk.files.map { File(path: $0.path, size: $0.size, inode: $0.node) }, walk.problems)
    }

    /// Where the bytes of `file` lie in the source, in order, holes as zeros.
    public func pieces(of file: File) throws -> [FilePiece] {
        try pieces(of: try inode(file.inode))
    }

    // MARK: Inodes

    private struct Inode {
        let mode: UInt16
        let size: UInt64
        let flags: UInt32
        /// The 60 bytes of `i_block`: block map, extent tree root or inline data.
        let blockArea: [UInt8]
        /// The extended attributes kept in the inode after its fixed part.
        let inlineAttributes: [UInt8]
        /// Where the inode lies in the source.
        let offset: UInt64
        /// Where `inlineAttributes` lie in the source.
        let attributesOffset: UInt64
    }

    private func inode(_ number: UInt32) throws -> Inode {
        guard number >= 1, number <= inodeCount else { throw FormatError.malformed("inode \(number) out of range") }
        let group = Int((number - 1) / inodesPerGroup)
        guard group < inodeTables.count else { throw FormatError.malformed("inode \(number) beyond the groups") }
        let within = try Checked.product(UInt64((number - 1) % inodesPerGroup), inodeSize, "ext inode offset")
        let block = try Checked.sum(inodeTables[group], within / blockSize, "ext inode block")
        let bytes = try blockBytes(block, cached: true)
        let cursor = BinaryCursor(bytes, at: 0)
        let start = Int(within % blockSize)
        let raw = try cursor.slice(at: start, count: Int(inodeSize), "ext inode \(number)")
        let node = BinaryCursor(raw)
        let offset = try Checked.sum(base, block * blockSize + UInt64(start), "ext inode \(number)")
        var attributes: [UInt8] = []
        var attributesOffset = offset
        if inodeSize > 128 {
            let extra = Int(try node.u16le(at: 0x80))
            if 128 + extra + 4 <= raw.count, try node.u32le(at: 128 + extra) == 0xEA02_0000 {
                attributes = Array(raw[(128 + extra + 4)...])
                attributesOffset = offset + UInt64(128 + extra + 4)
            }
        }
        return Inode(
            mode: try node.u16le(at: 0),
            size: UInt64(try node.u32le(at: 0x04)) | UInt64(try node.u32le(at: 0x6C)) << 32,
            flags: try node.u32le(at: 0x20),
            blockArea: try node.slice(at: 0x28, count: 60, "ext i_block"),
            inlineAttributes: attributes,
            offset: offset,
            attributesOffset: attributesOffset
        )
    }

    private func blockBytes(_ block: UInt64, cached: Bool = false) throws -> [UInt8] {
        if cached, let cachedInodeBlock, cachedInodeBlock.block == block { return cachedInodeBlock.bytes }
        guard block < blockCount else { throw FormatError.malformed("block \(block) beyond the file system") }
        let at = try Checked.sum(base, try Checked.product(block, blockSize, "ext block"), "ext block")
        let bytes = try source.exactBytes(at: at, count: Int(blockSize), what: "ext block \(block)")
        if cached { cachedInodeBlock = (block, bytes) }
        return bytes
    }

    // MARK: File data

    private func pieces(of node: Inode) throws -> [FilePiece] {
        if node.flags & 0x1000_0000 != 0 { return try inlinePieces(node) }
        // A map never needs more of its own blocks than one per 64 blocks of data it maps (and a few
        // for the tree's levels); more means it points back into itself.
        var reads = Int(min(VirtualDisk.blockCount(node.size, of: blockSize) / 64 + 64, blockCount))
        let runs =
            node.flags & 0x8_0000 != 0
            ? try extentRuns(node.blockArea, reads: &reads)
            : try mappedRuns(node.blockArea, size: node.size, reads: &reads)
        var pieces: [FilePiece] = []
        var position: UInt64 = 0
        for run in runs.sorted(by: { $0.logical < $1.logical }) {
            let start = try Checked.product(run.logical, blockSize, "ext extent")
            guard start < node.size else { break }
            guard start >= position else { throw FormatError.malformed("ext extents overlap") }
            if start > position { pieces.append(.zeros(start - position)) }
            let length = min(try Checked.product(run.count, blockSize, "ext extent"), node.size - start)
            if run.unwritten {
                pieces.append(.zeros(length))
            } else {
                guard run.physical < blockCount, run.count <= blockCount - run.physical else {
                    throw FormatError.malformed("ext extent beyond the file system")
                }
                let offset = try Checked.sum(base, run.physical * blockSize, "ext extent")
                pieces.append(.stored(offset..<(offset + length)))
            }
            position = start + length
        }
        if position < node.size { pieces.append(.zeros(node.size - position)) }
        return pieces
    }

    private struct Run {
        let logical: UInt64
        let physical: UInt64
        let count: UInt64
        let unwritten: Bool
    }

    /// The runs of an extent tree whose root is `root` (the inode's 60 bytes or a tree block).
    private func extentRuns(_ root: [UInt8], depth limit: Int = 6, reads: inout Int) throws -> [Run] {
        let node = BinaryCursor(root)
        guard try node.u16le(at: 0) == Self.extentMagic else { throw FormatError.badMagic("ext extent header") }
        let entries = Int(try node.u16le(at: 2))
        let depth = try node.u16le(at: 6)
        guard limit > 0, Int(depth) < limit else { throw FormatError.malformed("ext extent tree too deep") }
        var runs: [Run] = []
        for index in 0..<entries {
            let at = 12 + index * 12
            if depth == 0 {
                let length = UInt64(try node.u16le(at: at + 4))
                let physical = UInt64(try node.u16le(at: at + 6)) << 32 | UInt64(try node.u32le(at: at + 8))
                runs.append(
                    Run(
                        logical: UInt64(try node.u32le(at: at)),
                        physical: physical,
                        count: length > 32768 ? length - 32768 : length,
                        unwritten: length > 32768
                    )
                )
            } else {
                let child = UInt64(try node.u16le(at: at + 8)) << 32 | UInt64(try node.u32le(at: at + 4))
                runs += try extentRuns(try mapBlock(child, reads: &reads), depth: Int(depth), reads: &reads)
            }
        }
        return runs
    }

    /// The runs of an ext2/3 block map: twelve direct blocks, then single, double and triple
    /// indirect blocks; block 0 is a hole.
    private func mappedRuns(_ area: [UInt8], size: UInt64, reads: inout Int) throws -> [Run] {
        let map = BinaryCursor(area)
        let wanted = VirtualDisk.blockCount(size, of: blockSize)
        let perBlock = blockSize / 4
        var runs: [Run] = []
        var logical: UInt64 = 0
        func add(_ block: UInt64) {
            if block != 0 {
                if let last = runs.last, last.physical + last.count == block, last.logical + last.count == logical {
                    runs[runs.count - 1] = Run(
                        logical: last.logical,
                        physical: last.physical,
                        count: last.count + 1,
                        unwritten: false
                    )
                } else {
                    runs.append(Run(logical: logical, physical: block, count: 1, unwritten: false))
                }
            }
            logical += 1
        }
        func walk(_ block: UInt64, level: Int) throws {
            guard logical < wanted else { return }
            guard block != 0 else {
                logical += (0..<level).reduce(1) { total, _ in total * perBlock }
                return
            }
            if level == 0 {
                add(block)
                return
            }
            let pointers = BinaryCursor(try mapBlock(block, reads: &reads))
            for index in 0..<Int(perBlock) where logical < wanted {
                try walk(UInt64(try pointers.u32le(at: index * 4)), level: level - 1)
            }
        }
        for index in 0..<15 where logical < wanted {
            let block = UInt64(try map.u32le(at: index * 4))
            try walk(block, level: max(0, index - 11))
        }
        return runs
    }

    /// A block of an extent tree or block map, counted against what the file's size allows.
    private func mapBlock(_ block: UInt64, reads: inout Int) throws -> [UInt8] {
        reads -= 1
        guard reads >= 0 else { throw FormatError.malformed("ext block map larger than its file needs (a loop?)") }
        return try blockBytes(block)
    }

    /// All of a directory's bytes.
    private func contents(_ node: Inode) throws -> [UInt8] {
        guard node.size <= Self.maximumDirectoryBytes else {
            throw FormatError.limit("directory of \(node.size) bytes")
        }
        var bytes: [UInt8] = []
        for piece in try pieces(of: node) {
            switch piece {
            case .stored(let range):
                bytes += try source.exactBytes(at: range.lowerBound, count: range.count, what: "ext directory")
            case .zeros:
                // A hole holds no entries (entries never cross a block).
                continue
            case .literal(let literal):
                bytes += literal
            case .compressed:
                throw FormatError.malformed("an ext directory with compressed bytes")
            }
        }
        return bytes
    }

    /// Where the bytes of a file or directory kept in its inode lie: `i_block`, then the value of
    /// its `system.data` attribute.
    private func inlinePieces(_ node: Inode) throws -> [FilePiece] {
        var pieces: [FilePiece] = []
        var remaining = node.size
        func take(_ start: UInt64, _ length: UInt64) {
            let count = min(length, remaining)
            if count > 0 { pieces.append(.stored(start..<(start + count))) }
            remaining -= count
        }
        take(node.offset + 0x28, 60)
        let attributes = BinaryCursor(node.inlineAttributes)
        var at = 0
        while remaining > 0, at + 16 <= attributes.bytes.count {
            let nameLength = Int(try attributes.u8(at: at))
            let nameIndex = try attributes.u8(at: at + 1)
            if nameLength == 0, nameIndex == 0 { break }
            let valueOffset = Int(try attributes.u16le(at: at + 2))
            let valueSize = Int(try attributes.u32le(at: at + 8))
            let name = try attributes.slice(at: at + 16, count: nameLength, "ext attribute name")
            if nameIndex == 7, name == Array("data".utf8) {
                try attributes.require(valueSize, at: valueOffset, "ext inline data")
                take(node.attributesOffset + UInt64(valueOffset), UInt64(valueSize))
                break
            }
            at += (16 + nameLength + 3) & ~3
        }
        if remaining > 0 { throw FormatError.truncated("inline data shorter than its inode's size") }
        return pieces
    }

    /// The entries of a directory: name and inode, in stored order, empty slots left out.
    private func directoryEntries(_ node: Inode) throws -> [(name: [UInt8], inode: UInt32)] {
        guard node.mode & 0xF000 == 0x4000 else { throw FormatError.malformed("not a directory") }
        var bytes = try contents(node)
        if node.flags & 0x1000_0000 != 0 {
            // An inline directory starts with its parent's inode number, not a `..` entry.
            bytes = Array(bytes.dropFirst(4))
        }
        let cursor = BinaryCursor(bytes)
        var entries: [(name: [UInt8], inode: UInt32)] = []
        var at = 0
        while at + 8 <= bytes.count {
            let inode = try cursor.u32le(at: at)
            let recordLength = Int(try cursor.u16le(at: at + 4))
            let nameLength = Int(try cursor.u8(at: at + 6))
            guard recordLength >= 8, recordLength % 4 == 0, nameLength + 8 <= recordLength else {
                // A damaged block: go on at the next block.
                let next = (at / Int(blockSize) + 1) * Int(blockSize)
                guard next > at else { break }
                at = next
                continue
            }
            if inode != 0, nameLength > 0 {
                entries.append((try cursor.slice(at: at + 8, count: nameLength, "ext entry name"), inode))
            }
            at += recordLength
        }
        return entries
    }
}
