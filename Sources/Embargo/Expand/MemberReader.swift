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
    /// The stopwatch decompression is accounted to, if any.
    var timer: StageTimer?

    init(
        reader: ArchiveReader,
        entry: ArchiveReader.Entry,
        location: Location,
        budget: ExpansionBudget,
        limits: ScanLimits,
        archiveExpanded: UInt64
    ) {
        self.reader = reader
        self.entry = entry
        self.location = location
        self.budget = budget
        self.limits = limits
        self.archiveExpanded = archiveExpanded
    }

    /// Hands the next piece of the member to `use`, read in place from libarchive's buffer (the holes
    /// of a sparse member as zeros).
    ///
    /// - Returns: false at the end of the member (nothing was handed over).
    /// - Throws: `ExpansionStop` when a limit is passed, `ArchiveError` for damaged data, or
    ///   `use`'s error.
    mutating func next(use: (RawSpan) throws -> Void) throws -> Bool {
        let started = timer?.isEnabled == true ? ContinuousClock().now : nil
        let more = try reader.readBlock { block, offset in
            if let started, let timer { timer.add(ContinuousClock().now - started, to: .unpack) }
            // A sparse member's hole: zeros up to the block, counted against the limits like data.
            while UInt64(max(0, offset)) > memberBytes {
                let gap = Int(min(UInt64(max(0, offset)) - memberBytes, UInt64(Self.zeros.count)))
                try account(gap)
                unsafe try Self.zeros.withUnsafeBytes {
                    try unsafe use(UnsafeRawBufferPointer(rebasing: $0[0..<gap]).bytes)
                }
            }
            try account(block.byteCount)
            try use(block)
        }
        return more
    }

    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    private mutating func account(_ count: Int) throws {
        archiveExpanded += UInt64(count)
        memberBytes += UInt64(count)
        guard budget.spend(count) else {
            throw ExpansionStop(
                event: ScanEvent(
                    kind: .limit,
                    location: location,
                    message: "expansion stopped: more than \(budget.limit) bytes expanded from one file",
                    limit: "max-expanded"
                )
            )
        }
        guard archiveExpanded > limits.ratioFloorBytes else { return }
        let compressed = max(1, reader.compressedBytesConsumed)
        let ratio = Double(archiveExpanded) / Double(compressed)
        if ratio > limits.maxRatio {
            throw ExpansionStop(
                event: ScanEvent(
                    kind: .limit,
                    location: location,
                    message:
                        "expansion stopped: \(archiveExpanded) bytes from \(compressed) compressed (ratio \(Int(ratio)):1, the limit is \(Int(limits.maxRatio)):1); a decompression bomb?",
                    limit: "max-ratio"
                )
            )
        }
    }
}
