/// Resource limits that keep hostile input from taking the scan down. A limit that is hit is
/// reported as a `limit` event at the location, never silently and never as a detection.
///
/// The defaults are no looser than ClamAV's (recursion 17, 10,000 files per archive, 400 MB scanned
/// per file).
public struct ScanLimits: Sendable, Hashable {
    /// How many archives deep to unpack (`--max-depth`).
    public var maxDepth: Int = 17
    /// How many members of one archive to read (`--max-members`).
    public var maxMembers: Int = 10_000
    /// How many bytes to expand from one file on disk, nested archives included (`--max-expanded`).
    public var maxExpandedBytes: UInt64 = 400_000_000
    /// The largest expanded-to-compressed ratio an archive may show once it has expanded
    /// `ratioFloorBytes` (`--max-ratio`); above it the archive is treated as a bomb.
    public var maxRatio: Double = 1_000
    /// How much an archive must expand before its ratio is judged.
    public var ratioFloorBytes: UInt64 = 10 << 20
    /// The largest file whose content is matched (`--max-file-size`); nil for no limit.
    public var maxFileSize: UInt64?
    /// The largest item whose SHA-256 is computed for a finding (hashing reads the whole item, holes
    /// of sparse files included); larger items get no hash.
    public var maxHashBytes: UInt64 = 2 << 30
    /// The largest archive member held in memory for random access; larger ones go to a temporary file.
    public var memberMemoryLimit: Int = 64 << 20

    /// The defaults.
    public init() {}
}

/// What to scan and how.
public struct ScanConfiguration: Sendable {
    /// Files and directories to scan.
    public var targets: [ScanPath]
    /// Concurrent workers.
    public var jobs: Int
    /// Resource limits.
    public var limits: ScanLimits
    /// Paths to leave out.
    public var excludes: [ExcludeGlob]
    /// The signatures to detect with.
    public var signatures: SignatureSet
    /// Whether repository scans open every package the indexes name (`--deep`), rather than trusting
    /// the indexes for the packages they describe.
    public var deep: Bool
    /// The part of the work this scan does (`--shard K/N`).
    public var shard: ScanShard
    /// Files seen by an earlier scan; those whose stamp is unchanged are not read again
    /// (`--incremental`).
    public var previousFiles: PreviousFiles?
    /// Whether to report each file's stamp (`ScanRecord.file`), for a findings store.
    public var reportsFileStamps: Bool

    /// A configuration.
    public init(
        targets: [ScanPath],
        jobs: Int,
        limits: ScanLimits = ScanLimits(),
        excludes: [ExcludeGlob] = [],
        signatures: SignatureSet,
        deep: Bool = false,
        shard: ScanShard = .whole,
        previousFiles: PreviousFiles? = nil,
        reportsFileStamps: Bool = false
    ) {
        self.targets = targets
        self.jobs = jobs
        self.limits = limits
        self.excludes = excludes
        self.signatures = signatures
        self.deep = deep
        self.shard = shard
        self.previousFiles = previousFiles
        self.reportsFileStamps = reportsFileStamps
    }
}

/// The stamps of the files an earlier scan read, for an incremental scan.
public struct PreviousFiles: Sendable {
    private let stamps: [[UInt8]: FileStamp]

    /// The stamps, by path.
    public init(_ stamps: [[UInt8]: FileStamp]) {
        self.stamps = stamps
    }

    /// How many files the earlier scan read.
    public var count: Int { stamps.count }

    /// Whether the file at `path` has the same size, modification time and inode as before.
    func isUnchanged(_ path: ScanPath, _ stamp: FileStamp) -> Bool {
        guard let previous = stamps[path.bytes] else { return false }
        return previous.size == stamp.size && previous.modified == stamp.modified && previous.inode == stamp.inode
    }
}
