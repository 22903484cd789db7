/// A btrfs file system on one device, read directly from its bytes: the superblock, logical
/// addresses mapped through the chunk tree (bootstrapped from the superblock's system chunks;
/// single and DUP profiles), the root tree, and each subvolume's file tree — inodes, directory
/// index entries and file extents (inline, regular, preallocated, holes; zlib, LZO and zstd
/// compressed, decoded when read). Multi-device profiles and encoded extents of other kinds are
/// named as problems, not read.
public final class BtrfsFileSystem {
    /// A regular file.
    public struct File: Sendable, Hashable {
        /// The path from the top-level subvolume's root, `/`-separated.
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        let tree: UInt64
        let inode: UInt64
    }

    private let source: any ByteSource
    private let base: UInt64
    private let size: UInt64
    private let nodeSize: Int
    private var chunks: [(logical: UInt64, length: UInt64, physical: UInt64)] = []
    /// Each subvolume's items, read once: inodes, directory entries, extents.
    private var trees: [UInt64: FileTree] = [:]
    private var treeRoots: [UInt64: UInt64] = [:]
    /// The most inodes one file tree may hold in memory (the listing's limit).
    private var inodeLimit = Int.max

    private static let superblockOffset: UInt64 = 0x10000
    private static let magic = Array("_BHRfS_M".utf8)
    private static let topSubvolume: UInt64 = 5
    private static let firstInode: UInt64 = 256
    /// The most tree nodes read for one tree (a loop in a damaged tree ends here).
    private static let maximumNodes = 1 << 20

    private struct Key {
        let objectID: UInt64
        let type: UInt8
        let offset: UInt64
    }

    private struct FileExtent {
        let logical: UInt64
        let kind: Kind
        enum Kind {
            case inline([UInt8])
            case stored(address: UInt64, length: UInt64)
            case zeros(UInt64)
            case compressed(CompressedRun)
            case compressedInline(codec: CompressedRun.Codec, decodedLength: UInt64, bytes: [UInt8])
            /// Encrypted or otherwise encoded, or an unknown compression.
            case encoded(String)
        }
    }

    private struct FileTree {
        var inodes: [UInt64: (mode: UInt32, size: UInt64)] = [:]
        var entries: [UInt64: [(name: [UInt8], target: Key)]] = [:]
        var extents: [UInt64: [FileExtent]] = [:]
    }

    /// Whether `head` (at least 68 KiB) holds a btrfs superblock.
    public static func recognises(_ head: [UInt8]) -> Bool {
        head.count >= 0x10048 && head[0x10040..<0x10048].elementsEqual(magic)
    }

    /// Opens the file system that occupies `size` bytes at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the superblock or the chunk tree is damaged, the file system
    ///   spans several devices, or the source's read errors.
    public init(_ source: some ByteSource, offset: UInt64, size: UInt64) throws {
        let superblock = BinaryCursor(
            try source.exactBytes(at: offset + Self.superblockOffset, count: 4096, what: "btrfs superblock")
        )
        guard try superblock.slice(at: 0x40, count: 8, "btrfs magic") == Self.magic else {
            throw FormatError.badMagic("not a btrfs file system")
        }
        let nodeSize = Int(try superblock.u32le(at: 0x94))
        guard nodeSize >= 4096, nodeSize <= 65536, nodeSize & (nodeSize - 1) == 0 else {
            throw FormatError.malformed("btrfs nodes of \(nodeSize) bytes")
        }
        let devices = try superblock.u64le(at: 0x88)
        guard devices == 1 else {
            throw FormatError.unsupported("btrfs file system on \(devices) devices (only its first is here)")
        }
        self.source = source
        base = offset
        self.size = size
        self.nodeSize = nodeSize
        // The system chunks in the superblock map the chunk tree itself.
        let arraySize = Int(try superblock.u32le(at: 0xA0))
        guard arraySize <= 2048 else { throw FormatError.malformed("btrfs system chunk array of \(arraySize) bytes") }
        var at = 0x32B
        while at < 0x32B + arraySize {
            let key = try Self.key(superblock, at: at)
            let stripes = Int(try superblock.u16le(at: at + 17 + 44))
            try addChunk(superblock, key: key, at: at + 17)
            at += 17 + 48 + stripes * 32
        }
        try walkTree(try superblock.u64le(at: 0x58)) { key, item in
            if key.type == 228 { try self.addChunk(item, key: key, at: 0) }
        }
        try walkTree(try superblock.u64le(at: 0x50)) { key, item in
            // ROOT_ITEM: a subvolume's tree, its root node at 176.
            if key.type == 132, key.objectID == Self.topSubvolume || key.objectID >= Self.firstInode {
                self.treeRoots[key.objectID] = try item.u64le(at: 176)
            }
        }
    }

    private func addChunk(_ cursor: BinaryCursor, key: Key, at offset: Int) throws {
        let length = try cursor.u64le(at: offset)
        let type = try cursor.u64le(at: offset + 24)
        let stripes = Int(try cursor.u16le(at: offset + 44))
        guard stripes >= 1 else { throw FormatError.malformed("btrfs chunk without stripes") }
        // RAID0, RAID1 and the like need the other devices (or stripe across them).
        guard type & 0x1F8 == 0 || (type & 0x20 != 0 && stripes <= 2) else {
            throw FormatError.unsupported("btrfs chunk profile 0x\(String(type, radix: 16)) across devices")
        }
        chunks.append((key.offset, length, try cursor.u64le(at: offset + 48 + 8)))
    }

    /// The byte offset in the volume of logical address `address`.
    private func physical(_ address: UInt64, count: UInt64) throws -> UInt64 {
        guard let chunk = chunks.first(where: { address >= $0.logical && address - $0.logical < $0.length }) else {
            throw FormatError.malformed("btrfs address \(address) in no chunk")
        }
        let within = address - chunk.logical
        guard count <= chunk.length - within else { throw FormatError.malformed("btrfs range across chunks") }
        let offset = try Checked.sum(chunk.physical, within, "btrfs address")
        guard offset < size, count <= size - offset else {
            throw FormatError.malformed("btrfs address beyond the volume")
        }
        return base + offset
    }

    private static func key(_ cursor: BinaryCursor, at offset: Int) throws(FormatError) -> Key {
        Key(
            objectID: try cursor.u64le(at: offset),
            type: try cursor.u8(at: offset + 8),
            offset: try cursor.u64le(at: offset + 9)
        )
    }

    /// Calls `body` with every item of the tree whose root node is at logical `root`, in key order.
    private func walkTree(_ root: UInt64, _ body: (Key, BinaryCursor) throws -> Void) throws {
        var pending = [root]
        var visited = 0
        while let address = pending.popLast() {
            visited += 1
            guard visited <= Self.maximumNodes else {
                throw FormatError.limit("btrfs tree of more than \(Self.maximumNodes) nodes")
            }
            let node = BinaryCursor(
                try source.exactBytes(
                    at: try physical(address, count: UInt64(nodeSize)),
                    count: nodeSize,
                    what: "btrfs node"
                )
            )
            guard try node.u64le(at: 0x30) == address else {
                throw FormatError.malformed("btrfs node not where its parent says")
            }
            let count = Int(try node.u32le(at: 0x60))
            let level = try node.u8(at: 0x64)
            if level == 0 {
                for index in 0..<count {
                    let at = 0x65 + index * 25
                    let key = try Self.key(node, at: at)
                    let dataOffset = 0x65 + Int(try node.u32le(at: at + 17))
                    let dataSize = Int(try node.u32le(at: at + 21))
                    try body(key, BinaryCursor(try node.slice(at: dataOffset, count: dataSize, "btrfs item")))
                }
            } else {
                // Children pushed last first, so that they are read in key order.
                for index in (0..<count).reversed() { pending.append(try node.u64le(at: 0x65 + index * 33 + 17)) }
            }
        }
    }

    /// The items of a subvolume's file tree, read once.
    private func fileTree(_ id: UInt64) throws -> FileTree {
        if let tree = trees[id] { return tree }
        guard let root = treeRoots[id] else { throw FormatError.malformed("btrfs subvolume \(id) without its tree") }
        var tree = FileTree()
        try walkTree(root) { key, item in
            switch key.type {
            case 1:
                // INODE_ITEM: size at 16, mode at 52.
                tree.inodes[key.objectID] = (try item.u32le(at: 52), try item.u64le(at: 16))
                guard tree.inodes.count <= inodeLimit else {
                    throw FormatError.limit("btrfs file system with more than \(inodeLimit) files")
                }
            case 96:
                // DIR_INDEX: the target's key, then the name.
                let nameLength = Int(try item.u16le(at: 27))
                let name = try item.slice(at: 30, count: nameLength, "btrfs name")
                tree.entries[key.objectID, default: []].append((name, try Self.key(item, at: 0)))
            case 108:
                tree.extents[key.objectID, default: []].append(try Self.fileExtent(item, at: key.offset))
            default:
                break
            }
        }
        trees[id] = tree
        return tree
    }

    private static func fileExtent(_ item: BinaryCursor, at logical: UInt64) throws(FormatError) -> FileExtent {
        // EXTENT_DATA: decoded size at 8, compression at 16, encryption at 17, other encoding at 18,
        // type at 20; inline data from 21, or the disk extent: address, size on disk, offset into
        // the decoded extent, bytes of the file.
        let decodedLength = try item.u64le(at: 8)
        let compression = try item.u8(at: 16)
        let type = try item.u8(at: 20)
        let encryption = try item.u8(at: 17)
        let otherEncoding = try item.u16le(at: 18)
        if encryption != 0 || otherEncoding != 0 {
            return FileExtent(logical: logical, kind: .encoded("encrypted or encoded"))
        }
        let codec: CompressedRun.Codec?
        switch compression {
        case 0: codec = nil
        case 1: codec = .zlib
        case 2: codec = .lzo
        case 3: codec = .zstd
        default: return FileExtent(logical: logical, kind: .encoded("compression \(compression)"))
        }
        if type == 0 {
            let bytes = Array(item.bytes.dropFirst(21))
            guard let codec else { return FileExtent(logical: logical, kind: .inline(bytes)) }
            return FileExtent(
                logical: logical,
                kind: .compressedInline(codec: codec, decodedLength: decodedLength, bytes: bytes)
            )
        }
        let address = try item.u64le(at: 21)
        let storedLength = try item.u64le(at: 29)
        let within = try item.u64le(at: 37)
        let length = try item.u64le(at: 45)
        // A hole (no address) and a preallocated extent read as zeros.
        if address == 0 || type == 2 { return FileExtent(logical: logical, kind: .zeros(length)) }
        if let codec {
            // The disk extent is compressed whole; the file takes `length` bytes from `within`.
            let taken = within..<(try Checked.sum(within, length, "btrfs compressed extent"))
            return FileExtent(
                logical: logical,
                kind: .compressed(
                    try CompressedRun(
                        stored: address..<(try Checked.sum(address, storedLength, "btrfs compressed extent")),
                        codec: codec,
                        decodedLength: decodedLength,
                        taken: taken
                    )
                )
            )
        }
        return FileExtent(
            logical: logical,
            kind: .stored(address: try Checked.sum(address, within, "btrfs extent"), length: length)
        )
    }

    /// Every regular file of every subvolume reachable from the top-level one, walking directories
    /// from each subvolume's root; damaged directories are problems and the walk goes on.
    public func files(limit: Int = 10_000_000) throws -> (files: [File], problems: [String]) {
        // Each file tree is read whole: stop one that holds more inodes than the listing may.
        inodeLimit = limit
        var files: [File] = []
        var problems: [String] = []
        var encoded = 0
        var visited: Set<[UInt64]> = [[Self.topSubvolume, Self.firstInode]]
        var pending: [(tree: UInt64, inode: UInt64, path: String)] = [(Self.topSubvolume, Self.firstInode, "")]
        while let directory = pending.popLast() {
            let tree: FileTree
            do {
                tree = try fileTree(directory.tree)
            } catch let error as FormatError where error.code == .limit {
                throw error
            } catch {
                problems.append("subvolume at \(directory.path.isEmpty ? "/" : directory.path): \(error)")
                continue
            }
            for entry in tree.entries[directory.inode] ?? [] {
                let path = directory.path + "/" + String(decoding: entry.name, as: UTF8.self)
                if entry.target.type == 132 {
                    // A subvolume: its own tree, from its root directory.
                    if visited.insert([entry.target.objectID, Self.firstInode]).inserted {
                        pending.append((entry.target.objectID, Self.firstInode, path))
                    }
                    continue
                }
                guard let inode = tree.inodes[entry.target.objectID] else { continue }
                switch inode.mode & 0xF000 {
                case 0x4000:
                    if visited.insert([directory.tree, entry.target.objectID]).inserted {
                        pending.append((directory.tree, entry.target.objectID, path))
                    }
                case 0x8000:
                    if (tree.extents[entry.target.objectID] ?? []).contains(where: {
                        if case .encoded = $0.kind { return true }
                        return false
                    }) {
                        encoded += 1
                        continue
                    }
                    guard files.count < limit else {
                        throw FormatError.limit("btrfs file system with more than \(limit) files")
                    }
                    files.append(File(path: path, size: inode.size, tree: directory.tree, inode: entry.target.objectID))
                default:
                    continue
                }
            }
        }
        if encoded > 0 {
            problems.append(
                "\(encoded) encrypted or otherwise encoded file\(encoded == 1 ? "" : "s") (not zlib, LZO or zstd) not read"
            )
        }
        return (files.sorted { $0.path < $1.path }, problems)
    }

    /// Where the bytes of `file` lie in the source, in order (holes as zeros, inline data as bytes).
    public func pieces(of file: File) throws -> [FilePiece] {
        let extents = (try fileTree(file.tree).extents[file.inode] ?? []).sorted { $0.logical < $1.logical }
        var pieces: [FilePiece] = []
        var position: UInt64 = 0
        for extent in extents {
            guard extent.logical < file.size else { break }
            guard extent.logical >= position else { throw FormatError.malformed("btrfs extents overlap") }
            if extent.logical > position { pieces.append(.zeros(extent.logical - position)) }
            let room = file.size - extent.logical
            switch extent.kind {
            case .inline(let bytes):
                let taken = Array(bytes.prefix(Int(min(room, UInt64(bytes.count)))))
                pieces.append(.literal(taken))
                position = extent.logical + UInt64(taken.count)
            case .zeros(let length):
                pieces.append(.zeros(min(length, room)))
                position = extent.logical + min(length, room)
            case .stored(let address, let length):
                let count = min(length, room)
                let offset = try physical(address, count: count)
                pieces.append(.stored(offset..<(offset + count)))
                position = extent.logical + count
            case .compressed(let run):
                let count = min(UInt64(run.taken.count), room)
                let offset = try physical(run.stored.lowerBound, count: UInt64(run.stored.count))
                let taken = UInt64(run.taken.lowerBound)
                pieces.append(
                    .compressed(
                        try CompressedRun(
                            stored: offset..<(offset + UInt64(run.stored.count)),
                            codec: run.codec,
                            decodedLength: UInt64(run.decodedLength),
                            taken: taken..<(taken + count)
                        )
                    )
                )
                position = extent.logical + count
            case .compressedInline(let codec, let decodedLength, let bytes):
                let run = try CompressedRun(
                    stored: 0..<UInt64(bytes.count),
                    codec: codec,
                    decodedLength: decodedLength,
                    taken: 0..<min(decodedLength, room)
                )
                let taken = try run.decode(bytes)
                pieces.append(.literal(Array(taken)))
                position = extent.logical + UInt64(taken.count)
            case .encoded(let what):
                throw FormatError.unsupported("btrfs extent \(what)")
            }
        }
        if position < file.size { pieces.append(.zeros(file.size - position)) }
        return pieces
    }
}
