/// Reads the data of the archive member a reader is on, chunk by chunk, within the expansion
/// limits: the file's budget (`--max-expanded`) and the archive's ratio (`--max-ratio`).
struct MemberReader {
    let reader: ArchiveReader
    let entry: ArchiveReader.Entry
    /// The member's location.
    let location: Location
    let budget: ExpansionBudget
    let limits: ScanLimits
    /// Bytes expanded from the member's archive so far, this member included.
    var archiveExpanded: UInt64
    /// Bytes expanded from this member so far.
    private(set) var memberBytes: UInt64 = 0

    init(reader: ArchiveReader, entry: ArchiveReader.Entry, location: Location, budget: ExpansionBudget, limits: ScanLimits, archiveExpanded: UInt64) {
        self.reader = reader
        self.entry = entry
        self.location = location
        self.budget = budget
        self.limits = limits
        self.archiveExpanded = archiveExpanded
    }

    /// Reads the next piece of the member into `buffer` and hands it to `use`.
    ///
    /// - Returns: how many bytes were read; 0 at the end of the member.
    /// - Throws: `ExpansionStop` when a limit is passed, `ArchiveError` for damaged data, or
    ///   `use`'s error.
    mutating func next(through buffer: ReadBuffer, use: (RawSpan) throws -> Void) throws -> Int {
        try unsafe buffer.chunk(
            upTo: buffer.count,
            fill: { room in
                let count = try unsafe reader.read(into: room)
                if count > 0 { try account(count) }
                return count
            },
            use: use)
    }

    private mutating func account(_ count: Int) throws {
        archiveExpanded += UInt64(count)
        memberBytes += UInt64(count)
        guard budget.spend(count) else {
            throw ExpansionStop(event: ScanEvent(
                kind: .limit, location: location,
                message: "expansion stopped: more than \(budget.limit) bytes expanded from one file",
                limit: "max-expanded"))
        }
        guard archiveExpanded > limits.ratioFloorBytes else { return }
        let compressed = max(1, reader.compressedBytesConsumed)
        let ratio = Double(archiveExpanded) / Double(compressed)
        if ratio > limits.maxRatio {
            throw ExpansionStop(event: ScanEvent(
                kind: .limit, location: location,
                message: "expansion stopped: \(archiveExpanded) bytes from \(compressed) compressed (ratio \(Int(ratio)):1, the limit is \(Int(limits.maxRatio)):1); a decompression bomb?",
                limit: "max-ratio"))
        }
    }
}
