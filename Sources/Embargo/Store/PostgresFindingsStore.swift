import Foundation
internal import Logging
internal import NIOSSL
internal import PostgresNIO

/// The shared findings store: a PostgreSQL database (`--db postgres://user@host:5432/db`) that many
/// scanners — the pods of a Kubernetes Indexed Job, a fleet of hosts — report into.
///
/// The URL takes `sslmode=disable|prefer|require` (default `prefer`, as libpq) and, for a Unix
/// socket, `host=/path/to/socket-directory`; the password may be given in the URL or in
/// `PGPASSWORD`.
public actor PostgresFindingsStore: FindingsStore {
    private let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger = Logger(label: "embargo.store")
    /// Rows per INSERT statement (PostgreSQL allows 65,535 parameters in one statement).
    private static let rowsPerStatement = 1_000

    /// Connects to the database the URL names.
    ///
    /// - Throws: `StoreError` for a malformed URL or when the server cannot be reached.
    public init(url: String) async throws(StoreError) {
        let parsed = try Self.configuration(url)
        var configuration = parsed
        configuration.options.connectTimeout = Self.connectTimeout
        let client = PostgresClient(configuration: configuration)
        self.client = client
        running = Task { await client.run() }
        // The pool retries a failed connection with backoff; a first query that does not answer
        // within the timeout means the server cannot be reached.
        let logger = logger
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.query("SELECT 1", logger: logger) }
                group.addTask {
                    try await Task.sleep(for: Self.connectTimeout)
                    throw StoreError(.connection, "no answer within \(Self.connectTimeout)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            running.cancel()
            throw StoreError(.connection, "PostgreSQL \(Self.redacted(url)): \(String(reflecting: error))")
        }
    }

    /// How long to wait for the server's first answer.
    static let connectTimeout = Duration.seconds(10)

    static func configuration(_ url: String) throws(StoreError) -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "")
        else {
            throw StoreError(.other, "not a PostgreSQL URL: \(redacted(url))")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { $1 }
        )
        let user = components.user ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "postgres"
        let password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let database = components.path.isEmpty ? nil : String(components.path.dropFirst())
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: user,
                password: password,
                database: database
            )
        }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let mode: throw StoreError(.other, "unknown sslmode '\(mode)'")
        }
        return PostgresClient.Configuration(
            host: components.host ?? "localhost",
            port: components.port ?? 5432,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// Creates the tables if they are missing.
    public func prepare() async throws {
        for statement in StoreSchema.statements(postgres: true) {
            try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    /// Records the start of a scan; returns its id.
    public func beginScan(_ scan: StoredScan) async throws -> Int64 {
        let targets = StoreSchema.encodeTargets(scan.targets)
        let rows = try await client.query(
            """
            INSERT INTO embargo_scans (name, started, targets, shard, policy, as_of)
            VALUES (\(scan.name), \(scan.started), \(targets), \(scan.shard), \(scan.policy), \(scan.asOf)) RETURNING id
            """,
            logger: logger
        )
        for try await id in rows.decode(Int64.self) { return id }
        throw StoreError(.other, "PostgreSQL returned no scan id")
    }

    /// Adds records to a scan in one transaction.
    public func write(_ batch: StoreBatch, scan: Int64) async throws {
        try await client.withTransaction(logger: logger) { connection in
            for chunk in batch.findings.chunked(Self.rowsPerStatement) {
                try await insert(
                    connection,
                    "embargo_findings (scan_id, finding_id, vendor, product, verdict, path, record)",
                    casts: ["", "", "", "", "", "", "::jsonb"],
                    rows: chunk
                ) { finding, binds in
                    binds.append(scan)
                    binds.append(finding.id)
                    binds.append(finding.vendor)
                    binds.append(finding.product)
                    binds.append(finding.verdict)
                    try binds.append(Data(finding.record.path))
                    binds.append(finding.record.json)
                }
            }
            for chunk in batch.events.chunked(Self.rowsPerStatement) {
                try await insert(
                    connection,
                    "embargo_events (scan_id, kind, path, record)",
                    casts: ["", "", "", "::jsonb"],
                    rows: chunk
                ) { event, binds in
                    binds.append(scan)
                    binds.append(event.kind)
                    try binds.append(Data(event.record.path))
                    binds.append(event.record.json)
                }
            }
            for chunk in batch.files.chunked(Self.rowsPerStatement) {
                try await insert(
                    connection,
                    "embargo_files (scan_id, path, size, modified, inode, device)",
                    casts: ["", "", "", "", "", ""],
                    rows: chunk
                ) { file, binds in
                    binds.append(scan)
                    try binds.append(Data(file.path))
                    binds.append(Int64(clamping: file.stamp.size))
                    binds.append(file.stamp.modified)
                    binds.append(Int64(bitPattern: file.stamp.inode))
                    binds.append(Int64(bitPattern: file.stamp.device))
                }
            }
        }
    }

    /// One multi-row INSERT.
    private func insert<Row>(
        _ connection: PostgresConnection,
        _ table: String,
        casts: [String],
        rows: ArraySlice<Row>,
        bind: (Row, inout PostgresBindings) throws -> Void
    ) async throws {
        guard !rows.isEmpty else { return }
        var binds = PostgresBindings(capacity: rows.count * casts.count)
        var values: [String] = []
        for row in rows {
            let first = binds.count
            try bind(row, &binds)
            values.append("(" + casts.indices.map { "$\(first + $0 + 1)\(casts[$0])" }.joined(separator: ", ") + ")")
        }
        try await connection.query(
            PostgresQuery(unsafeSQL: "INSERT INTO \(table) VALUES " + values.joined(separator: ", "), binds: binds),
            logger: logger
        )
    }

    /// Records the end of a scan and its summary record.
    public func finishScan(_ scan: Int64, finished: String, summary: String) async throws {
        try await client.query(
            "UPDATE embargo_scans SET finished = \(finished), summary = \(summary)::jsonb WHERE id = \(scan)",
            logger: logger
        )
    }

    /// Every scan, newest first; only those of run `name` when it is given.
    public func scans(named name: String?) async throws -> [StoredScan] {
        let query: PostgresQuery
        let columns = "id, name, started, finished, targets, shard, policy, as_of, summary::text"
        if let name {
            query = "SELECT \(unescaped: columns) FROM embargo_scans WHERE name = \(name) ORDER BY id DESC"
        } else {
            query = "SELECT \(unescaped: columns) FROM embargo_scans ORDER BY id DESC"
        }
        var scans: [StoredScan] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, name, started, finished, targets, shard, policy, asOf, summary)
            in rows.decode((Int64, String, String, String?, String, String, String, String, String?).self)
        {
            scans.append(
                StoredScan(
                    id: id,
                    name: name,
                    started: started,
                    finished: finished,
                    targets: StoreSchema.decodeTargets(targets),
                    shard: shard,
                    policy: policy,
                    asOf: asOf,
                    summary: summary
                )
            )
        }
        return scans
    }

    /// The stamps of the files a scan read.
    public func files(of scan: Int64) async throws -> [[UInt8]: FileStamp] {
        var files: [[UInt8]: FileStamp] = [:]
        let rows = try await client.query(
            "SELECT path, size, modified, inode, device FROM embargo_files WHERE scan_id = \(scan)",
            logger: logger
        )
        for try await (path, size, modified, inode, device) in rows.decode((Data, Int64, Int64, Int64, Int64).self) {
            files[Array(path)] = FileStamp(
                size: UInt64(clamping: size),
                modified: modified,
                inode: UInt64(bitPattern: inode),
                device: UInt64(bitPattern: device)
            )
        }
        return files
    }

    /// A scan's findings.
    public func findings(of scan: Int64) async throws -> [StoredRecord] {
        try await records(
            try await client.query(
                "SELECT path, record::text FROM embargo_findings WHERE scan_id = \(scan) ORDER BY ctid",
                logger: logger
            )
        )
    }

    /// A scan's events.
    public func events(of scan: Int64) async throws -> [StoredRecord] {
        try await records(
            try await client.query(
                "SELECT path, record::text FROM embargo_events WHERE scan_id = \(scan) ORDER BY ctid",
                logger: logger
            )
        )
    }

    private func records(_ rows: PostgresRowSequence) async throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        for try await (path, json) in rows.decode((Data, String).self) {
            records.append(StoredRecord(path: Array(path), json: json))
        }
        return records
    }

    /// Closes the connection.
    public func close() {
        running.cancel()
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min(count, $0 + size)] }
    }
}
