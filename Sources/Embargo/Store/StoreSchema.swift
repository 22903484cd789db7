import Foundation

/// The tables of the findings store, in the SQL both SQLite and PostgreSQL accept; only the id
/// column, binary and JSON types differ.
enum StoreSchema {
    static func statements(postgres: Bool) -> [String] {
        let id = postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        let bytes = postgres ? "BYTEA" : "BLOB"
        let json = postgres ? "JSONB" : "TEXT"
        return [
            """
            CREATE TABLE IF NOT EXISTS embargo_scans (
                id \(id), name TEXT NOT NULL, started TEXT NOT NULL, finished TEXT, targets TEXT NOT NULL,
                shard TEXT NOT NULL, policy TEXT NOT NULL, as_of TEXT NOT NULL, summary \(json))
            """,
            """
            CREATE TABLE IF NOT EXISTS embargo_findings (
                scan_id BIGINT NOT NULL REFERENCES embargo_scans(id) ON DELETE CASCADE, finding_id TEXT NOT NULL,
                vendor TEXT NOT NULL, product TEXT NOT NULL, verdict TEXT NOT NULL, path \(bytes) NOT NULL,
                record \(json) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS embargo_events (
                scan_id BIGINT NOT NULL REFERENCES embargo_scans(id) ON DELETE CASCADE, kind TEXT NOT NULL,
                path \(bytes) NOT NULL, record \(json) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS embargo_files (
                scan_id BIGINT NOT NULL REFERENCES embargo_scans(id) ON DELETE CASCADE, path \(bytes) NOT NULL,
                size BIGINT NOT NULL, modified BIGINT NOT NULL, inode BIGINT NOT NULL, device BIGINT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS embargo_findings_scan ON embargo_findings (scan_id)",
            "CREATE INDEX IF NOT EXISTS embargo_events_scan ON embargo_events (scan_id)",
            "CREATE INDEX IF NOT EXISTS embargo_files_scan ON embargo_files (scan_id)",
            "CREATE INDEX IF NOT EXISTS embargo_scans_name ON embargo_scans (name)",
        ]
    }

    /// Targets as one text column: JSON array of strings.
    static func encodeTargets(_ targets: [String]) -> String {
        JSONValue.array(targets.map(JSONValue.string)).serialized()
    }

    static func decodeTargets(_ text: String) -> [String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String] ?? []
    }
}
