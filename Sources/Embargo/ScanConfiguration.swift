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

    /// A configuration.
    public init(
        targets: [ScanPath],
        jobs: Int,
        limits: ScanLimits = ScanLimits(),
        excludes: [ExcludeGlob] = [],
        signatures: SignatureSet
    ) {
        self.targets = targets
        self.jobs = jobs
        self.limits = limits
        self.excludes = excludes
        self.signatures = signatures
    }
}
