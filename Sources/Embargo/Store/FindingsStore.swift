/// A scan as the findings store keeps it.
public struct StoredScan: Sendable, Hashable {
    /// The store's id for the scan.
    public var id: Int64
    /// The name of the run the scan belongs to: the shards of one run share it (`--scan-name`).
    public var name: String
    /// When the scan started (ISO 8601, UTC).
    public var started: String
    /// When it finished, or nil if it never did.
    public var finished: String?
    /// The targets as given.
    public var targets: [String]
    /// The shard (`K/N`).
    public var shard: String
    /// The policy id.
    public var policy: String
    /// The as-of date.
    public var asOf: String
    /// The summary record (JSON), once finished.
    public var summary: String?

    /// A stored scan.
    public init(
        id: Int64 = 0,
        name: String,
        started: String,
        finished: String? = nil,
        targets: [String],
        shard: String,
        policy: String,
        asOf: String,
        summary: String? = nil
    ) {
        self.id = id
        self.name = name
        self.started = started
        self.finished = finished
        self.targets = targets
        self.shard = shard
        self.policy = policy
        self.asOf = asOf
        self.summary = summary
    }
}

/// A finding or event as stored: its JSON record and the exact bytes of its on-disk path.
public struct StoredRecord: Sendable, Hashable {
    /// The on-disk path's bytes.
    public var path: [UInt8]
    /// The record, as in `--format jsonl`.
    public var json: String

    /// A stored record.
    public init(path: [UInt8], json: String) {
        self.path = path
        self.json = json
    }
}

/// Records written together.
public struct StoreBatch: Sendable {
    /// Findings: id, vendor, product, verdict and the record.
    public var findings: [(id: String, vendor: String, product: String, verdict: String, record: StoredRecord)] = []
    /// Events: kind and the record.
    public var events: [(kind: String, record: StoredRecord)] = []
    /// Files read, with their stamps.
    public var files: [(path: [UInt8], stamp: FileStamp)] = []

    /// An empty batch.
    public init() {}

    /// How many rows the batch holds.
    public var count: Int { findings.count + events.count + files.count }
}

/// Where scans, findings and events are kept: an SQLite file (the embedded default) or a
/// PostgreSQL database that a fleet of scanners reports into. Both have the same tables
/// (`embargo_scans`, `embargo_findings`, `embargo_events`, `embargo_files`).
public protocol FindingsStore: Sendable {
    /// Creates the tables if they are missing.
    func prepare() async throws
    /// Records the start of a scan; returns its id.
    func beginScan(_ scan: StoredScan) async throws -> Int64
    /// Adds records to a scan.
    func write(_ batch: StoreBatch, scan: Int64) async throws
    /// Records the end of a scan and its summary record.
    func finishScan(_ scan: Int64, finished: String, summary: String) async throws
    /// Every scan, newest first; only those of run `name` when it is given.
    func scans(named name: String?) async throws -> [StoredScan]
    /// The stamps of the files a scan read.
    func files(of scan: Int64) async throws -> [[UInt8]: FileStamp]
    /// A scan's findings.
    func findings(of scan: Int64) async throws -> [StoredRecord]
    /// A scan's events.
    func events(of scan: Int64) async throws -> [StoredRecord]
    /// Closes the connection.
    func close() async
}

extension FindingsStore {
    /// The newest finished scan of exactly these targets and this shard, for an incremental scan.
    public func latestFinishedScan(targets: [String], shard: String) async throws -> StoredScan? {
        try await scans(named: nil).first { $0.finished != nil && $0.targets == targets && $0.shard == shard }
    }
}

/// Opens the store a `--db` argument names.
public enum FindingsStores {
    /// A PostgreSQL store for `postgres://` and `postgresql://` URLs, an SQLite store for anything
    /// else (a file path).
    ///
    /// - Throws: `StoreError` when the database cannot be opened or the URL is malformed.
    public static func open(_ location: String) async throws -> any FindingsStore {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await PostgresFindingsStore(url: location)
        }
        return try SQLiteFindingsStore(path: location)
    }

    /// The location without any password, for messages.
    public static func redacted(_ location: String) -> String {
        PostgresFindingsStore.redacted(location)
    }
}
