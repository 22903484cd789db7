/// A scan being recorded in a findings store: the store, the recorder of the new scan and, for an
/// incremental scan, what the newest finished scan of the same targets and shard left to carry over.
public struct StoredScanStart: Sendable {
    /// The open store.
    public let store: any FindingsStore
    /// The recorder of the new scan.
    public let recorder: ScanRecorder
    /// The scan an incremental scan compares with, if there is one.
    public let previousScan: StoredScan?
    /// The files that scan read, with their stamps.
    public let previousFiles: PreviousFiles?
    /// That scan's findings and events, by file.
    public let carried: CarriedRecords

    /// Opens the store at `location` (an SQLite file or a PostgreSQL URL), looks up the previous scan
    /// when `incremental` is set, and records the start of `scan`.
    ///
    /// - Throws: `StoreError` (or the database driver's error) when the store cannot be used; the store
    ///   is closed again then.
    public static func begin(at location: String, scan: StoredScan, incremental: Bool) async throws -> StoredScanStart {
        let store = try await FindingsStores.open(location)
        do {
            try await store.prepare()
            var previous: StoredScan?
            var files: PreviousFiles?
            var carried = CarriedRecords()
            if incremental, let last = try await store.latestFinishedScan(targets: scan.targets, shard: scan.shard) {
                previous = last
                files = PreviousFiles(try await store.files(of: last.id))
                carried = CarriedRecords(
                    findings: try await store.findings(of: last.id),
                    events: try await store.events(of: last.id)
                )
            }
            let id = try await store.beginScan(scan)
            return StoredScanStart(
                store: store,
                recorder: ScanRecorder(store: store, scan: id),
                previousScan: previous,
                previousFiles: files,
                carried: carried
            )
        } catch {
            await store.close()
            throw error
        }
    }
}
