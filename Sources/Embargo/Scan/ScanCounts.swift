/// What a scan has done so far.
public struct ScanCounts: Sendable, Hashable {
    /// Files on disk read.
    public var files = 0
    /// Bytes read from disk (holes of sparse files included).
    public var bytes: UInt64 = 0
    /// Archives opened (nested ones included).
    public var archives = 0
    /// Archive members read.
    public var members = 0
    /// Bytes expanded from archives.
    public var expandedBytes: UInt64 = 0
    /// Events that mean something went unscanned (unreadable, limit, corrupt, unsupported).
    public var errors = 0
    /// Special files skipped.
    public var skipped = 0
    /// Symbolic links seen and not followed.
    public var symbolicLinks = 0
    /// Detections made.
    public var findings = 0
    /// Repository index entries read.
    public var indexEntries = 0
    /// Package files not read because a verified repository index describes them.
    public var coveredByIndex = 0
    /// Files not read because they are unchanged since the previous scan (`--incremental`).
    public var unchanged = 0
    /// Files left to the other shards (`--shard`).
    public var otherShards = 0

    /// No counts.
    public init() {}

    /// Adds the counts of another scan (a shard of the same run, say).
    public mutating func add(_ other: ScanCounts) {
        files += other.files
        bytes += other.bytes
        archives += other.archives
        members += other.members
        expandedBytes += other.expandedBytes
        errors += other.errors
        skipped += other.skipped
        symbolicLinks += other.symbolicLinks
        findings += other.findings
        indexEntries += other.indexEntries
        coveredByIndex += other.coveredByIndex
        unchanged += other.unchanged
        otherShards += other.otherShards
    }
}
