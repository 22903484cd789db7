/// An XFS file system (version 5, as mkfs.xfs has made them since 2015, and version 4) read directly
/// from its bytes: the superblock, inodes found from their numbers, data forks in extent lists and
/// B+trees, and directories in their short form (in the inode), block, leaf and node forms (their
/// data blocks read entry by entry). Unwritten extents and holes read as zeros.
public final class XFSFileSystem {
    /// A regular file.
    public struct File: Sendable, Hashable {
        /// The path from the root, `/`-separated.
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        let inode: UInt64
    }

    private let source: any ByteSource
    private let base: UInt64
    private let size: UInt64
    private let blockSize: UInt64
    private let blockCount: UInt64
    private let agBlocks: UInt64
    private let agBlockLog: UInt64
    private let inodeSize: UInt64
    private let inodesPerBlockLog: UInt64
    private let rootInode: UInt64
    private let isVersion5: Bool
    private let hasFileType: Bool
    private let hasBigExtentCounts: Bool
    private let directoryBlockSize: UInt64

    private static let maximumDirectoryBytes: UInt64 = 64 << 20
    /// Directory data lives in the first 32 GiB of a directory's logical space (leaves and free
    /// indexes after it).
    private static let directoryDataSpace: UInt64 = 32 << 30

    /// Whether `head` starts an XFS superblock.
    public static func recognises(_ head: [UInt8]) -> Bool { Head(head).u32be(0) == 0x5846_5342 }  // "XFSB"

    /// Opens the file system that occupies `size` bytes at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the superblock is impossible, or the source's read errors.
    public init(_ source: some ByteSource, offset: UInt64, size: UInt64) throws {
        let superblock = BinaryCursor(try source.exactBytes(at: offset, count: 512, what: "XFS superblock"))
        guard Self.recognises(superblock.bytes) else { throw FormatError.badMagic("not an XFS file system") }
        let blockSize = UInt64(try superblock.u32be(at: 4))
        let blockLog = UInt64(try superblock.u8(at: 120))
        let inodeSize = UInt64(try superblock.u16be(at: 104))
        let inodesPerBlockLog = UInt64(try superblock.u8(at: 123))
        let agBlockLog = UInt64(try superblock.u8(at: 124))
        guard blockLog >= 9, blockLog <= 16, blockSize == 1 << blockLog else {
            throw FormatError.malformed("XFS block of \(blockSize) bytes")
        }
        guard inodeSize >= 256, inodeSize <= 2048, inodeSize & (inodeSize - 1) == 0,
            inodeSize << inodesPerBlockLog == blockSize
        else { throw FormatError.malformed("XFS inodes of \(inodeSize) bytes") }
        let agBlocks = UInt64(try superblock.u32be(at: 84))
        guard agBlockLog <= 31, agBlocks > 0, agBlocks <= 1 << agBlockLog else {
            throw FormatError.malformed("XFS allocation groups of \(agBlocks) blocks")
        }
        let version = try superblock.u16be(at: 100) & 0x000F
        guard version == 4 || version == 5 else { throw FormatError.unsupported("XFS version \(version)") }
        let incompatible = version == 5 ? try superblock.u32be(at: 216) : 0
        let blockCount = try superblock.u64be(at: 8)
        guard blockCount <= UInt64.max >> blockLog else { throw FormatError.overflow("XFS block count") }
        self.source = source
        base = offset
        self.size = size
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.agBlocks = agBlocks
        self.agBlockLog = agBlockLog
        self.inodeSize = inodeSize
        self.inodesPerBlockLog = inodesPerBlockLog
        rootInode = try superblock.u64be(at: 56)
        isVersion5 = version == 5
        // The file type in directory entries: a version 5 feature, or version 4's "ftype" bit.
        hasFileType = version == 5 ? incompatible & 0x1 != 0 : try superblock.u32be(at: 200) & 0x200 != 0
        hasBigExtentCounts = incompatible & 0x20 != 0
        let directoryLog = UInt64(try superblock.u8(at: 192))
        guard directoryLog <= 8 else { throw FormatError.malformed("XFS directory blocks of 2^\(directoryLog) blocks") }
        directoryBlockSize = blockSize << directoryLog
    }

    /// Every regular file, walking the directory tree from the root; damage to a directory is a
    /// problem and the walk goes on. At most `limit` files are listed.
    public func files(limit: Int = 10_000_000) throws -> (files: [File], problems: [String]) {
        let walk = try DirectoryTreeWalk.files(
            from: rootInode,
            limit: limit,
            fileSystem: "XFS",
            entries: { number in try directoryEntries(try inode(number)).map { ($0.name, $0.inode) } },
            kind: { number in
                let node = try inode(number)
                switch node.mode & 0xF000 {
                case 0x4000: return .directory
                case 0x8000: return .file(size: node.size)
                default: return .other
                }
            }
        )
        return (walk.files.map { File(path: $0.path, size: $0.size, inode: $0.node) }, walk.problems)
    }

    /// Where the bytes of `file` lie in the source, in order, holes and unwritten extents as zeros.
    public func pieces(of file: File) throws -> [FilePiece] {
        let node = try inode(file.inode)
        var pieces: [FilePiece] = []
        var position: UInt64 = 0
        for extent in try extents(of: node).sorted(by: { $0.logical < $1.logical }) {
            let start = try Checked.product(extent.logical, blockSize, "XFS extent")
            guard start < node.size else { break }
            guard start >= position else { throw FormatError.malformed("XFS extents overlap") }
            if start > position { pieces.append(.zeros(start - position)) }
            let length = min(try Checked.product(extent.count, blockSize, "XFS extent"), node.size - start)
            if extent.unwritten {
                pieces.append(.zeros(length))
            } else {
                let offset = try byteOffset(ofBlock: extent.physical)
                guard offset < size, length <= size - offset else {
                    throw FormatError.malformed("XFS extent beyond the volume")
                }
                pieces.append(.stored((base + offset)..<(base + offset + length)))
            }
            position = start + length
        }
        if position < node.size { pieces.append(.zeros(node.size - position)) }
        return pieces
    }

    // MARK: Inodes

    private struct Inode {
        let mode: UInt16
        let format: UInt8
        let size: UInt64
        let extentCount: UInt64
        /// The data fork's bytes (the extent list, the B+tree root, or a short-form directory).
        let fork: [UInt8]
    }

    private func inode(_ number: UInt64) throws -> Inode {
        let group = number >> (agBlockLog + inodesPerBlockLog)
        let block = (number >> inodesPerBlockLog) & ((1 << agBlockLog) - 1)
        let index = number & ((1 << inodesPerBlockLog) - 1)
        let groupStart = try Checked.product(group, agBlocks, "XFS inode \(number)")
        let blockOffset = try Checked.product(try Checked.sum(groupStart, block, "XFS inode"), blockSize, "XFS inode")
        let offset = try Checked.sum(blockOffset, index * inodeSize, "XFS inode \(number)")
        guard offset < size, inodeSize <= size - offset else {
            throw FormatError.malformed("inode \(number) beyond the volume")
        }
        let bytes = BinaryCursor(try source.exactBytes(at: base + offset, count: Int(inodeSize), what: "XFS inode"))
        guard try bytes.u16be(at: 0) == 0x494E else {
            throw FormatError.badMagic("XFS inode \(number) without its magic")
        }
        let version = try bytes.u8(at: 4)
        let coreSize = version >= 3 ? 176 : 100
        let forkOffset = Int(try bytes.u8(at: 82)) * 8
        let forkEnd = forkOffset > 0 ? min(coreSize + forkOffset, Int(inodeSize)) : Int(inodeSize)
        guard forkEnd > coreSize else { throw FormatError.malformed("XFS inode \(number) without a data fork") }
        let extentCount = hasBigExtentCounts && version >= 3 ? try bytes.u64be(at: 24) : UInt64(try bytes.u32be(at: 76))
        return Inode(
            mode: try bytes.u16be(at: 2),
            format: try bytes.u8(at: 5),
            size: try bytes.u64be(at: 56),
            extentCount: extentCount,
            fork: try bytes.slice(at: coreSize, count: forkEnd - coreSize, "XFS data fork")
        )
    }

    /// The byte offset in the file system of a block numbered as XFS numbers them (group in the high
    /// bits, block in the group in the low).
    private func byteOffset(ofBlock block: UInt64) throws -> UInt64 {
        let group = block >> agBlockLog
        let within = block & ((1 << agBlockLog) - 1)
        let linear = try Checked.sum(try Checked.product(group, agBlocks, "XFS block"), within, "XFS block")
        guard linear < blockCount else { throw FormatError.malformed("XFS block \(block) beyond the file system") }
        return linear << UInt64(blockSize.trailingZeroBitCount)
    }

    private func block(_ number: UInt64) throws -> [UInt8] {
        let offset = try byteOffset(ofBlock: number)
        guard offset < size else { throw FormatError.malformed("XFS block \(number) beyond the volume") }
        return try source.exactBytes(at: base + offset, count: Int(blockSize), what: "XFS block \(number)")
    }

    // MARK: Extents

    private struct Extent {
        let logical: UInt64
        let physical: UInt64
        let count: UInt64
        let unwritten: Bool
    }

    /// The extents of an inode's data fork, from its extent list or its B+tree.
    private func extents(of node: Inode) throws -> [Extent] {
        switch node.format {
        case 2:
            let fork = BinaryCursor(node.fork)
            guard node.extentCount <= UInt64(node.fork.count / 16) else {
                throw FormatError.malformed("XFS extent list of \(node.extentCount) extents in its fork")
            }
            return try (0..<Int(node.extentCount)).map { index throws(FormatError) in
                try Self.extent(fork, at: index * 16)
            }
        case 3:
            // The root in the inode: level, count, then keys and pointers, each half of the room.
            let root = BinaryCursor(node.fork)
            let level = Int(try root.u16be(at: 0))
            let count = Int(try root.u16be(at: 2))
            let room = (node.fork.count - 4) / 16
            guard level >= 1, level <= 8, count <= room else { throw FormatError.malformed("XFS B+tree root") }
            var budget = Int(min(node.size / blockSize / 32 + 64, blockCount))
            var extents: [Extent] = []
            for index in 0..<count {
                let child = try root.u64be(at: 4 + room * 8 + index * 8)
                try collect(child, level: level - 1, into: &extents, budget: &budget)
            }
            return extents
        default:
            throw FormatError.unsupported("XFS data fork of format \(node.format)")
        }
    }

    /// Adds the extents under a B+tree block, `level` above the leaves.
    private func collect(_ number: UInt64, level: Int, into extents: inout [Extent], budget: inout Int) throws {
        budget -= 1
        guard budget >= 0 else { throw FormatError.malformed("XFS B+tree larger than its file needs (a loop?)") }
        let node = BinaryCursor(try block(number))
        let header = isVersion5 ? 72 : 24
        guard try node.u16be(at: 4) == UInt16(level) else {
            throw FormatError.malformed("XFS B+tree level out of place")
        }
        let count = Int(try node.u16be(at: 6))
        let room = (Int(blockSize) - header) / 16
        guard count <= room else { throw FormatError.malformed("XFS B+tree block of \(count) records") }
        if level == 0 {
            for index in 0..<count { extents.append(try Self.extent(node, at: header + index * 16)) }
        } else {
            for index in 0..<count {
                try collect(
                    try node.u64be(at: header + room * 8 + index * 8),
                    level: level - 1,
                    into: &extents,
                    budget: &budget
                )
            }
        }
    }

    /// An extent record: a flag bit (unwritten), 54 bits of logical block, 52 of block, 21 of count.
    private static func extent(_ cursor: BinaryCursor, at offset: Int) throws(FormatError) -> Extent {
        let high = try cursor.u64be(at: offset)
        let low = try cursor.u64be(at: offset + 8)
        return Extent(
            logical: (high >> 9) & ((1 << 54) - 1),
            physical: ((high & 0x1FF) << 43) | (low >> 21),
            count: low & ((1 << 21) - 1),
            unwritten: high >> 63 != 0
        )
    }

    // MARK: Directories

    private func directoryEntries(_ node: Inode) throws -> [(name: [UInt8], inode: UInt64)] {
        guard node.mode & 0xF000 == 0x4000 else { throw FormatError.malformed("not a directory") }
        if node.format == 1 { return try shortFormEntries(node.fork) }
        var entries: [(name: [UInt8], inode: UInt64)] = []
        var read: UInt64 = 0
        for extent in try extents(of: node) where !extent.unwritten {
            let start = try Checked.product(extent.logical, blockSize, "XFS directory")
            guard start < Self.directoryDataSpace else { continue }
            let length = min(
                try Checked.product(extent.count, blockSize, "XFS directory"),
                Self.directoryDataSpace - start
            )
            read += length
            guard read <= Self.maximumDirectoryBytes else { throw FormatError.limit("directory of more than 64 MiB") }
            let offset = try byteOffset(ofBlock: extent.physical)
            guard offset < size, length <= size - offset else {
                throw FormatError.malformed("XFS directory beyond the volume")
            }
            var at: UInt64 = 0
            while at + directoryBlockSize <= length {
                let bytes = try source.exactBytes(
                    at: base + offset + at,
                    count: Int(directoryBlockSize),
                    what: "XFS directory block"
                )
                entries += try dataBlockEntries(bytes)
                at += directoryBlockSize
            }
        }
        return entries
    }

    /// The entries of a short-form directory: a count, the parent, then name and inode per entry.
    private func shortFormEntries(_ fork: [UInt8]) throws(FormatError) -> [(name: [UInt8], inode: UInt64)] {
        let cursor = BinaryCursor(fork)
        let count = Int(try cursor.u8(at: 0))
        let wide = try cursor.u8(at: 1) > 0
        let inodeWidth = wide ? 8 : 4
        var at = 2 + inodeWidth
        var entries: [(name: [UInt8], inode: UInt64)] = []
        for _ in 0..<count {
            let length = Int(try cursor.u8(at: at))
            let name = try cursor.slice(at: at + 3, count: length, "XFS short-form name")
            at += 3 + length + (hasFileType ? 1 : 0)
            let inode = wide ? try cursor.u64be(at: at) : UInt64(try cursor.u32be(at: at))
            at += inodeWidth
            entries.append((name, inode))
        }
        return entries
    }

    /// The entries of one directory data block (`XDB3`/`XD2B` with its leaf at the end, or
    /// `XDD3`/`XD2D`); other blocks of the data space hold none.
    private func dataBlockEntries(_ bytes: [UInt8]) throws(FormatError) -> [(name: [UInt8], inode: UInt64)] {
        let cursor = BinaryCursor(bytes)
        let magic = try cursor.u32be(at: 0)
        let header: Int
        var end = bytes.count
        switch magic {
        case 0x5844_4233, 0x5844_3242:
            // Block form: the tail's leaf count and the leaf entries end the data.
            header = magic == 0x5844_4233 ? 64 : 16
            let leaves = Int(try cursor.u32be(at: bytes.count - 8))
            guard leaves <= bytes.count / 8 else {
                throw FormatError.malformed("XFS directory block of \(leaves) leaves")
            }
            end = bytes.count - 8 - leaves * 8
        case 0x5844_4433: header = 64
        case 0x5844_3244: header = 16
        default: return []
        }
        var entries: [(name: [UInt8], inode: UInt64)] = []
        var at = header
        while at + 8 <= end {
            if try cursor.u16be(at: at) == 0xFFFF {
                // An unused region: its length follows the tag.
                let length = Int(try cursor.u16be(at: at + 2))
                guard length >= 8, length % 8 == 0 else { throw FormatError.malformed("XFS directory free region") }
                at += length
                continue
            }
            let inode = try cursor.u64be(at: at)
            let length = Int(try cursor.u8(at: at + 8))
            let name = try cursor.slice(at: at + 9, count: length, "XFS directory name")
            entries.append((name, inode))
            // Inode, length, name, file type, tag; rounded up to 8 bytes.
            at += (8 + 1 + length + (hasFileType ? 1 : 0) + 2 + 7) & ~7
        }
        return entries
    }
}
