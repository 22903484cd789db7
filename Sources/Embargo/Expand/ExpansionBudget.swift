/// How much one file on disk may still expand, across all its nested archives (`--max-expanded`).
/// Shared by the archives nested in one file, so it is a reference.
final class ExpansionBudget {
    let limit: UInt64
    private(set) var used: UInt64 = 0
    /// Set once the limit was passed: no further archive in the file is opened.
    private(set) var isExhausted = false

    init(limit: UInt64) {
        self.limit = limit
    }

    /// Counts `count` more bytes; returns false when that passes the limit.
    func spend(_ count: Int) -> Bool {
        used += UInt64(count)
        if used > limit { isExhausted = true }
        return !isExhausted
    }
}

/// A limit stopped the expansion of an archive; the event says which and where.
struct ExpansionStop: Error {
    let event: ScanEvent
}
