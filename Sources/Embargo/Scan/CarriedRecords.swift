/// The previous scan's findings and events of each file, for an incremental scan: a file that is
/// not read again keeps them (its findings decided again under today's policy and date).
public struct CarriedRecords: Sendable {
    private var findings: [[UInt8]: [String]] = [:]
    private var events: [[UInt8]: [String]] = [:]

    /// No records.
    public init() {}

    /// The records of a stored scan.
    public init(findings: [StoredRecord], events: [StoredRecord]) {
        for record in findings { self.findings[record.path, default: []].append(record.json) }
        for record in events { self.events[record.path, default: []].append(record.json) }
    }

    /// The detections and events recorded for the file at `path`; records that no longer decode are
    /// left out.
    func records(for path: ScanPath) -> (detections: [Detection], events: [ScanEvent]) {
        (
            (findings[path.bytes] ?? []).compactMap { try? RecordCoding.finding(fromJSON: $0).detection },
            (events[path.bytes] ?? []).compactMap { try? RecordCoding.event(fromJSON: $0) }
        )
    }
}
