extension FDRPrefilter {
    /// Groups anchors by length, gives each length buckets in proportion to its anchors, and keeps
    /// similar anchors together inside a length. Anchors are 1 to 8 bytes long, so every length
    /// present gets at least one of the 8 buckets.
    static func assignBuckets(_ anchorIndices: [Int], table: AnchorTable) -> [[Int]] {
        // Groups: one per length; within a length, anchors whose last two bytes are equal apart from
        // the rest, whose buckets can then ignore every end position where the input repeats a byte.
        var groups: [[Int]] = []
        var groupIndex: [Int: Int] = [:]
        for anchor in anchorIndices {
            let bytes = table.foldedBytes[anchor]
            let doubled = bytes.count >= 2 && bytes[bytes.count - 1] == bytes[bytes.count - 2]
            let key = bytes.count * 2 + (doubled ? 1 : 0)
            if let index = groupIndex[key] {
                groups[index].append(anchor)
            } else {
                groupIndex[key] = groups.count
                groups.append([anchor])
            }
        }
        // Too many groups for the buckets: merge the shortest lengths' doubled groups into the others.
        while groups.filter({ !$0.isEmpty }).count > bucketCount {
            guard let merge = groupIndex.keys.filter({ $0 % 2 == 1 && groupIndex[$0 - 1] != nil }).min(),
                let from = groupIndex[merge], let into = groupIndex[merge - 1]
            else { break }
            groups[into] += groups[from]
            groups[from] = []
            groupIndex[merge] = nil
        }
        groups.removeAll { $0.isEmpty }
        var share = [Int](repeating: 1, count: groups.count)
        for _ in groups.count..<bucketCount {
            guard
                let neediest = groups.indices.max(by: {
                    groups[$0].count * share[$1] < groups[$1].count * share[$0]
                })
            else { break }
            share[neediest] += 1
        }
        var buckets: [[Int]] = []
        for (index, group) in groups.enumerated() {
            let members = group.sorted {
                table.foldedBytes[$0].lexicographicallyPrecedes(table.foldedBytes[$1])
            }
            let parts = min(share[index], members.count)
            for part in 0..<parts {
                buckets.append(Array(members[part * members.count / parts..<(part + 1) * members.count / parts]))
            }
        }
        while buckets.count < bucketCount { buckets.append([]) }
        return buckets
    }
}
