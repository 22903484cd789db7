/// What each pattern cost a scan: how many anchor occurrences reached the pattern's check (its
/// candidates) and how many of those were occurrences of the whole pattern (its matches).
///
/// A pattern with many candidates and few matches has an anchor that common data shares; one with
/// many matches is a string the data is full of. Either makes a scan slow.
public struct MatchProfile: Sendable, Hashable {
    /// Candidates checked, by pattern id.
    public private(set) var candidates: [UInt64]
    /// Occurrences found, by pattern id.
    public private(set) var matches: [UInt64]

    /// An empty profile for `patternCount` patterns.
    public init(patternCount: Int) {
        candidates = [UInt64](repeating: 0, count: patternCount)
        matches = [UInt64](repeating: 0, count: patternCount)
    }

    /// Adds the counts of `other`, a profile of the same patterns.
    public mutating func add(_ other: MatchProfile) {
        for index in candidates.indices where index < other.candidates.count {
            candidates[index] &+= other.candidates[index]
            matches[index] &+= other.matches[index]
        }
    }

    /// The patterns with the most candidates (then matches), at most `limit`, costliest first.
    public func costliest(_ limit: Int) -> [Int] {
        candidates.indices.filter { candidates[$0] > 0 }
            .sorted { (candidates[$0], matches[$0], $1) > (candidates[$1], matches[$1], $0) }
            .prefix(limit).map { $0 }
    }

    mutating func countCandidate(_ pattern: Int) {
        candidates[pattern] &+= 1
    }

    mutating func countMatch(_ pattern: Int) {
        matches[pattern] &+= 1
    }
}
