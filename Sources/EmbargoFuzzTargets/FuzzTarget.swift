internal import Embargo
internal import EmbargoFormats

/// Every reader of hostile bytes, as a fuzz target: each takes any bytes and must return, never
/// trap. `item` is the whole pipeline on a file (archives, disk images, SQLite, libmagic included).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case pe, macho, certificates
    case signedData = "signed-data"
    case rpmHeader = "rpm-header"
    case debianControl = "debian-control"
    case debianRelease = "debian-release"
    case debianPackages = "debian-packages"
    case repomd
    case rpmPrimary = "rpm-primary"
    case xml
    case propertyList = "property-list"
    case partitionTable = "partition-table"
    case fat
    case registryHive = "registry-hive"
    case registryText = "registry-text"
    case javaKeyStore = "java-keystore"
    case pkcs12
    case rpmDatabase = "rpm-database"
    case containerImage = "container-image"
    case compoundFile = "compound-file"
    case nsis
    case virtualDisk = "virtual-disk"
    case ext, xfs, btrfs, ntfs, lvm
    case compressedRun = "compressed-run"
    case sniffer, item

    /// Runs the target on `bytes`; `probe` is the pipeline, for `item`.
    func run(_ bytes: [UInt8], probe: ItemProbe?) {
        switch self {
        case .pe: _ = try? PortableExecutable.read(bytes)
        case .macho: _ = try? MachOBinary.read(bytes)
        case .certificates: _ = CertificateFile.read(bytes)
        case .signedData: _ = try? SignedDataReader.read(bytes)
        case .rpmHeader:
            _ = try? RPMHeader.readPackage(bytes)
            _ = try? RPMHeader.parse(bytes)
        case .debianControl: _ = DebianControl.installedPackages(bytes)
        case .debianRelease: _ = try? DebianRelease.parse(bytes)
        case .debianPackages:
            var stream = DebianControl.ParagraphStream()
            let half = bytes.count / 2
            try? stream.feed(bytes[..<half]) { _ = DebianIndexEntry($0) }
            try? stream.feed(bytes[half...]) { _ = DebianIndexEntry($0) }
            stream.finish { _ = DebianIndexEntry($0) }
        case .repomd: _ = try? RPMRepositoryMetadata.parse(bytes)
        case .rpmPrimary:
            var parser = RPMPrimaryMetadata()
            // Fed in two pieces, so that chunk boundaries are fuzzed too.
            let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % bytes.count
            try? parser.feed(bytes[..<cut]) { _ in }
            try? parser.feed(bytes[cut...]) { _ in }
            try? parser.finish()
        case .xml: try? XMLReader.parse(bytes) { _ in }
        case .propertyList: _ = PropertyList.bundleIdentifier(in: bytes)
        case .partitionTable: _ = try? PartitionTable.read(bytes)
        case .fat:
            if let fileSystem = try? FATFileSystem(bytes, offset: 0, size: UInt64(bytes.count)),
                let listing = try? fileSystem.files(bytes)
            {
                for file in listing.files.prefix(64) { _ = try? fileSystem.extents(of: file) }
            }
        case .registryHive:
            if let hive = try? RegistryHive(bytes) {
                _ = try? RegistryRecords(reading: hive)
                Self.walk(hive)
            }
        case .registryText:
            if let text = try? RegistryText(bytes) {
                _ = try? RegistryRecords(reading: text)
                Self.walk(text)
            }
        case .javaKeyStore: _ = try? JavaKeyStore(bytes)
        case .pkcs12: _ = try? PKCS12Store(bytes)
        case .rpmDatabase:
            for blob in (try? RPMDatabaseFile.berkeleyHashBlobs(bytes))?.blobs ?? [] { _ = try? RPMHeader.parse(blob) }
            for blob in (try? RPMDatabaseFile.ndbBlobs(bytes))?.blobs ?? [] { _ = try? RPMHeader.parse(blob) }
        case .containerImage:
            guard let listing = try? TarListing(bytes, maxMembers: 256) else { break }
            _ = (try? ContainerImageArchive(TarImageFiles(listing: listing, source: bytes)))??.layerPaths
            var changes = LayerChanges()
            for member in listing.members {
                changes.note(member.path, isDirectory: member.isDirectory)
                _ = changes.hides(member.path)
            }
        case .compoundFile:
            guard let file = try? CompoundFile(bytes) else { break }
            var streams: [String: [UInt8]] = [:]
            for stream in file.streams.prefix(64) {
                guard let extents = try? file.extents(of: stream, fileSize: UInt64(bytes.count)) else { continue }
                streams[stream.path] = extents.prefix(4096).flatMap { bytes[Int($0.lowerBound)..<Int($0.upperBound)] }
            }
            let names = MSIFileTable.streamNames
            _ = try? MSIFileTable.names(
                pool: streams[names.pool] ?? [],
                data: streams[names.data] ?? [],
                columns: streams[names.columns] ?? [],
                file: streams[names.file] ?? []
            )
        case .nsis:
            guard let installer = try? NSISInstaller(bytes, offset: 0) else { break }
            // As the scan does, stop the whole reading once 4 MiB came out (a bomb's data is not skipped).
            var budget = 1 << 22
            try? installer.read { _, data in
                while let piece = try data.next(upTo: 65_536) {
                    budget -= piece.count
                    guard budget > 0 else { throw FormatError.limit("fuzz budget") }
                }
            }
        case .virtualDisk:
            _ = try? VMDKDescriptor(bytes)
            guard let disk = try? VirtualDisk.open(bytes) else { break }
            // The start, and places the input picks.
            _ = try? disk.bytes(at: 0, count: 65_536)
            for byte in bytes.prefix(8) { _ = try? disk.bytes(at: disk.size / 256 * UInt64(byte), count: 4096) }
        case .ext: Self.list(try? ExtFileSystem(bytes, offset: 0, size: UInt64(bytes.count)), in: bytes)
        case .xfs: Self.list(try? XFSFileSystem(bytes, offset: 0, size: UInt64(bytes.count)), in: bytes)
        case .btrfs: Self.list(try? BtrfsFileSystem(bytes, offset: 0, size: UInt64(bytes.count)), in: bytes)
        case .ntfs: Self.list(try? NTFSFileSystem(bytes, offset: 0, size: UInt64(bytes.count)), in: bytes)
        case .compressedRun:
            // The first byte picks the codec; the rest is a run as a file system stores it, decoded
            // to at most 128 KiB as btrfs writes them.
            guard let first = bytes.first else { break }
            let codecs: [CompressedRun.Codec] = [.zlib, .lzo, .zstd]
            let stored = Array(bytes.dropFirst())
            let run = try? CompressedRun(
                stored: 0..<UInt64(stored.count),
                codec: codecs[Int(first) % codecs.count],
                decodedLength: 128 << 10,
                taken: 0..<0
            )
            _ = try? run?.decode(stored)
        case .lvm:
            _ = try? LVMMetadataText.parse(bytes)
            _ = try? LVMPhysicalVolume(bytes, offset: 0, size: UInt64(bytes.count))
        case .sniffer:
            _ = ContentSniffer.format(of: bytes)
            _ = ContentSniffer.unreadableImageKind(bytes)
        case .item:
            _ = probe?.analyze(bytes, path: "/fuzz/var/lib/rpm/rpmdb.sqlite")
            _ = probe?.analyze(bytes, path: "/fuzz/input")
        }
    }
}

extension FuzzTarget {
    /// Lists a file system's files (a bounded number), finds the bytes of the first ones and decodes
    /// their compressed runs.
    static func list(_ fileSystem: (some ImageFileSystem)?, in image: [UInt8]) {
        guard let fileSystem, let listing = try? fileSystem.files(limit: 4096) else { return }
        for file in listing.files.prefix(64) {
            for piece in (try? fileSystem.pieces(of: file)) ?? [] {
                guard case .compressed(let run) = piece,
                    let stored = try? image.exactBytes(at: run.stored.lowerBound, count: run.stored.count, what: "run")
                else { continue }
                _ = try? run.decode(stored)
            }
        }
    }

    /// Visits the keys and values of a registry tree, a bounded number of them (a hostile hive's
    /// subkey lists may form a cycle; a reader of the tree must bound its own walk).
    static func walk<Tree: RegistryTree>(_ tree: Tree) {
        guard let root = try? tree.root() else { return }
        var pending = [(root, 0)]
        var visited = 0
        while let (key, depth) = pending.popLast(), visited < 4096 {
            visited += 1
            _ = try? tree.values(of: key).map { ($0.string, $0.number) }
            guard depth < 16 else { continue }
            for child in (try? tree.children(of: key)) ?? [] { pending.append((child, depth + 1)) }
        }
    }
}

/// Runs one fuzz target again and again in one thread, with what it needs set up once.
public final class FuzzRunner {
    /// The target.
    public let target: FuzzTarget
    private let probe: ItemProbe?

    /// A runner of `target`.
    ///
    /// - Throws: when the pipeline cannot be set up (for `item`).
    public init(target: FuzzTarget) throws {
        self.target = target
        guard target == .item else {
            probe = nil
            return
        }
        // Small limits keep each input fast.
        var limits = ScanLimits()
        limits.maxDepth = 4
        limits.maxMembers = 64
        limits.maxExpandedBytes = 16 << 20
        limits.memberMemoryLimit = 4 << 20
        probe = try ItemProbe(signatures: SignatureSet.shipped(), limits: limits)
    }

    /// Runs the target on `bytes`.
    public func run(_ bytes: [UInt8]) {
        target.run(bytes, probe: probe)
    }

    /// What the pipeline makes of `bytes` (for `item` regression inputs: each must end as events).
    public func events(of bytes: [UInt8]) -> [String] {
        probe?.analyze(bytes, path: "/fuzz/input").events.map { "\($0.kind.rawValue): \($0.message)" } ?? []
    }
}
