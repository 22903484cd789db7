/// The embedded findings store: one SQLite file (`--db FILE.sqlite`), written by one scan at a time.
public actor SQLiteFindingsStore: FindingsStore {
    private let database: SQLiteDatabase

    /// Opens or creates the file.
    ///
    /// - Throws: `StoreError` when it cannot be opened.
    public init(path: String) throws(StoreError) {
        database = try SQLiteDatabase(storeAt: path)
    }

    /// Creates the tables if they are missing.
    public func prepare() throws {
        try database.execute("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL")
        for statement in StoreSchema.statements(postgres: false) { try database.execute(statement) }
    }

    /// Records the start of a scan; returns its id.
    public func beginScan(_ scan: StoredScan) throws -> Int64 {
        try database.query(
            "INSERT INTO embargo_scans (name, started, targets, shard, policy, as_of) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(scan.name), .text(scan.started), .text(StoreSchema.encodeTargets(scan.targets)),
                .text(scan.shard),
                .text(scan.policy), .text(scan.asOf),
            ]
        )
        var id: Int64 = 0
        try database.query("SELECT last_insert_rowid()") { row in
            if case .integer(let value) = row.first { id = value }
        }
        return id
    }

    /// Adds records to a scan in one transaction.
    public func write(_ batch: StoreBatch, scan: Int64) throws {
        try database.execute("BEGIN")
        do {
            for finding in batch.findings {
                try database.query(
                    "INSERT INTO embargo_findings (scan_id, finding_id, vendor, product, verdict, path, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        .integer(scan), .text(finding.id), .text(finding.vendor), .text(finding.product),
                        .text(finding.verdict),
                        .blob(finding.record.path), .text(finding.record.json),
                    ]
                )
            }
            for event in batch.events {
                try database.query(
                    "INSERT INTO embargo_events (scan_id, kind, path, record) VALUES (?, ?, ?, ?)",
                    [.integer(scan), .text(event.kind), .blob(event.record.path), .text(event.record.json)]
                )
            }
            for file in batch.files {
                try database.query(
                    "INSERT INTO embargo_files (scan_id, path, size, modified, inode, device) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .integer(scan), .blob(file.path), .integer(Int64(clamping: file.stamp.size)),
                        .integer(file.stamp.modified),
                        .integer(Int64(bitPattern: file.stamp.inode)), .integer(Int64(bitPattern: file.stamp.device)),
                    ]
                )
            }
            try database.execute("COMMIT")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    /// Records the end of a scan and its summary record.
    public func finishScan(_ scan: Int64, finished: String, summary: String) throws {
        try database.query(
            "UPDATE embargo_scans SET finished = ?, summary = ? WHERE id = ?",
            [.text(finished), .text(summary), .integer(scan)]
        )
    }

    /// Every scan, newest first; only those of run `name` when it is given.
    public func scans(named name: String?) throws -> [StoredScan] {
        var scans: [StoredScan] = []
        let filter = name == nil ? "" : " WHERE name = ?"
        try database.query(
            "SELECT id, name, started, finished, targets, shard, policy, as_of, summary FROM embargo_scans\(filter) ORDER BY id DESC",
            name.map { [.text($0)] } ?? []
        ) { row in
            func text(_ index: Int) -> String? { if case .text(let value) = row[index] { value } else { nil } }
            guard case .integer(let id) = row[0] else { return }
            scans.append(
                StoredScan(
                    id: id,
                    name: text(1) ?? "",
                    started: text(2) ?? "",
                    finished: text(3),
                    targets: StoreSchema.decodeTargets(text(4) ?? "[]"),
                    shard: text(5) ?? "1/1",
                    policy: text(6) ?? "",
                    asOf: text(7) ?? "",
                    summary: text(8)
                )
            )
        }
        return scans
    }

    /// The stamps of the files a scan read.
    public func files(of scan: Int64) throws -> [[UInt8]: FileStamp] {
        var files: [[UInt8]: FileStamp] = [:]
        try database.query(
            "SELECT path, size, modified, inode, device FROM embargo_files WHERE scan_id = ?",
            [.integer(scan)]
        ) { row in
            guard case .blob(let path) = row[0], case .integer(let size) = row[1], case .integer(let modified) = row[2],
                case .integer(let inode) = row[3], case .integer(let device) = row[4]
            else { return }
            files[path] = FileStamp(
                size: UInt64(clamping: size),
                modified: modified,
                inode: UInt64(bitPattern: inode),
                device: UInt64(bitPattern: device)
            )
        }
        return files
    }

    /// A scan's findings.
    public func findings(of scan: Int64) throws -> [StoredRecord] {
        try records("SELECT path, record FROM embargo_findings WHERE scan_id = ? ORDER BY rowid", scan)
    }

    /// A scan's events.
    public func events(of scan: Int64) throws -> [StoredRecord] {
        try records("SELECT path, record FROM embargo_events WHERE scan_id = ? ORDER BY rowid", scan)
    }

    private func records(_ sql: String, _ scan: Int64) throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        try database.query(sql, [.integer(scan)]) { row in
            guard case .blob(let path) = row[0], case .text(let json) = row[1] else { return }
            records.append(StoredRecord(path: path, json: json))
        }
        return records
    }

    /// Closes the connection.
    public func close() {}
}
