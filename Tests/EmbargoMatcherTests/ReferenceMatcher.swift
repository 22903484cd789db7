@testable import EmbargoMatcher

/// The obvious matcher the real one must agree with: every pattern tried at every position.
enum ReferenceMatcher {
    /// Every occurrence, as (pattern id, end offset just past the last byte), sorted.
    static func occurrences(of patterns: [Pattern], in input: [UInt8], baseOffset: UInt64 = 0) -> [PatternMatch] {
        var matches: [PatternMatch] = []
        for (id, pattern) in patterns.enumerated() where pattern.count <= input.count {
            for start in 0...(input.count - pattern.count) where pattern.matches(input, at: start) {
                matches.append(PatternMatch(pattern: id, end: baseOffset + UInt64(start + pattern.count)))
            }
        }
        return matches.sorted { ($0.pattern, $0.end) < ($1.pattern, $1.end) }
    }

    /// The first occurrence of each pattern that occurs.
    static func distinct(of patterns: [Pattern], in input: [UInt8], baseOffset: UInt64 = 0) -> [PatternHit] {
        var firstEnds: [Int: UInt64] = [:]
        for match in occurrences(of: patterns, in: input, baseOffset: baseOffset) where firstEnds[match.pattern] == nil
        {
            firstEnds[match.pattern] = match.end
        }
        return firstEnds.keys.sorted().map { PatternHit(pattern: $0, firstEnd: firstEnds[$0] ?? 0) }
    }
}

/// A small, seedable random number generator (SplitMix64), so that every failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
