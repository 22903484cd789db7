extension FDRPrefilter {
    /// Groups anchors by length, gives each length buckets in proportion to its anchors, and keeps
    /// similar anchors together inside a length. Anchors are 1 to 8 bytes long, so every length
    /// present gets at least one of the 8 buckets. (Giving the buckets beyond one per length where an
    /// estimate from byte frequencies said they cut the most candidates, tried instead, ran the
    /// repository's 315-pattern vendor set 20 % slower: the estimate takes samples as independent.)
    static func assignBuckets(_ anchorIndices: [Int], table: AnchorTable) -> [[Int]] {
        // Groups: one per length. Within a length, anchors whose last two bytes are equal come first,
        // so that a split tends to give them buckets of their own: the others' buckets can then ignore
        // every end position where the input repeats a byte.
        let groups = Dictionary(grouping: anchorIndices) { table.foldedBytes[$0].count }
            .sorted { $0.key > $1.key }
            .map { _, members in
                members.sorted {
                    let (first, second) = (table.foldedBytes[$0], table.foldedBytes[$1])
                    let (firstDoubled, secondDoubled) = (Self.endsDoubled(first), Self.endsDoubled(second))
                    if firstDoubled != secondDoubled { return firstDoubled }
                    return first.lexicographicallyPrecedes(second)
                }
            }
        var share = [Int](repeating: 1, count: groups.count)
        for _ in groups.count..<bucketCount {
            guard
                let neediest = groups.indices.max(by: {
                    groups[$0].count * share[$1] < groups[$1].count * share[$0]
                })
            else { break }
            share[neediest] += 1
        }
        var buckets = groups.indices.flatMap { split(groups[$0], into: share[$0]) }
        while buckets.count < bucketCount { buckets.append([]) }
        return buckets
    }

    /// Whether an anchor's last two bytes are equal.
    static func endsDoubled(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[bytes.count - 1] == bytes[bytes.count - 2]
    }

    /// `members` cut into `parts` runs of (nearly) equal size, in order.
    private static func split(_ members: [Int], into parts: Int) -> [[Int]] {
        (0..<parts).map { part in
            Array(members[part * members.count / parts..<(part + 1) * members.count / parts])
        }
    }
}
