#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to scan and how.
public struct ScanConfiguration: Sendable {
    /// Files and directories to scan.
    public var targets: [ScanPath]
    /// Concurrent workers.
    public var jobs: Int
    /// The most workers a scan runs (each holds a read buffer, a libmagic handle and a thread).
    public static let maximumJobs = 1_024
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
    /// Where archive members too large to hold in memory are spooled (unlinked at once).
    public var temporaryDirectory: String
    /// OpenPGP keyrings that repository signatures are checked against with gpgv (`--keyring`);
    /// none: signatures are not checked.
    public var keyrings: [String] = [] {
        didSet { signatureCheck = nil }
    }
    /// Whether a repository without a signature is an integrity event (`--require-signed`).
    public var requireSigned = false
    /// The checker for `keyrings`, once prepared (see `prepareSignatureCheck`).
    var signatureCheck: SignatureCheck?

    /// Prepares the signature check for `keyrings` (armoured keyrings are de-armoured into the
    /// temporary directory).
    ///
    /// - Throws: `ScanError` when gpgv is missing or a keyring cannot be read.
    public mutating func prepareSignatureCheck() throws(ScanError) {
        guard !keyrings.isEmpty else { return }
        guard SignatureCheck.gpgvPath != nil else {
            throw ScanError(message: "--keyring: gpgv is not installed (Debian package gpgv)")
        }
        let check = try SignatureCheck.prepare(keyrings: keyrings, in: temporaryDirectory)
        signatureCheck = check
    }
    /// Set when the scan runs in a process supervised by a parent (see `ScanChild`).
    var supervision: Supervision?
    /// Whether to account time to the pipeline's stages (benchmark mode; `ScanSummary.stageTimes`).
    package var measuresStages = false
    /// Whether to count what each matcher pattern costs (benchmark mode; `ScanSummary.matchProfile`).
    package var profilesPatterns = false

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
        temporaryDirectory: String = ScanConfiguration.defaultTemporaryDirectory
    ) {
        self.targets = targets
        self.jobs = jobs
        self.limits = limits
        self.excludes = excludes
        self.signatures = signatures
        self.deep = deep
        self.shard = shard
        self.previousFiles = previousFiles
        self.temporaryDirectory = temporaryDirectory
    }

    /// `$TMPDIR`, or `/tmp`.
    public static var defaultTemporaryDirectory: String {
        guard let value = unsafe getenv("TMPDIR"), unsafe value.pointee != 0 else { return "/tmp" }
        return unsafe String(cString: value)
    }
}

/// The stamps of the files an earlier scan read, for an incremental scan.
public struct PreviousFiles: Sendable {
    let stamps: [[UInt8]: FileStamp]

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
