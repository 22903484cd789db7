extension FDRPrefilter {
    /// Groups anchors by length, gives each length one bucket and the rest of the 8 buckets where they
    /// cut the estimated candidates most, and keeps similar anchors together inside a length. Anchors
    /// are 1 to 8 bytes long, so every length present gets at least one bucket.
    static func assignBuckets(_ anchorIndices: [Int], table: AnchorTable, stride: Int, nextMask: UInt8) -> [[Int]] {
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
        let estimate = CandidateEstimate(table: table, stride: stride, nextMask: nextMask)
        var share = [Int](repeating: 1, count: groups.count)
        var rates = groups.map { estimate.rate(of: split($0, into: 1)) }
        for _ in groups.count..<bucketCount {
            // The group whose next split saves the most estimated candidates.
            let splits = groups.indices.map { index -> (saving: Double, rate: Double) in
                guard share[index] < groups[index].count else { return (-1, rates[index]) }
                let rate = estimate.rate(of: split(groups[index], into: share[index] + 1))
                return (rates[index] - rate, rate)
            }
            guard let best = splits.indices.max(by: { splits[$0].saving < splits[$1].saving }),
                splits[best].saving >= 0
            else { break }
            share[best] += 1
            rates[best] = splits[best].rate
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

/// The candidates a bucket lets through per input position, estimated from the byte frequencies of
/// typical data (`ByteFrequency`), each sample taken as independent: for every alignment of the
/// sampled positions within an anchor, the product over its samples of the probability that the
/// input's super-character at that place is one the bucket allows there.
private struct CandidateEstimate {
    let table: AnchorTable
    let stride: Int
    let nextMask: UInt8
    /// The probability of each value of a byte's bits under `nextMask`.
    let nextProbability: [Double]

    init(table: AnchorTable, stride: Int, nextMask: UInt8) {
        self.table = table
        self.stride = stride
        self.nextMask = nextMask
        var next = [Double](repeating: 0, count: Int(nextMask) + 1)
        for byte in 0..<256 { next[byte & Int(nextMask)] += ByteFrequency.probability[byte] }
        self.nextProbability = next
    }

    /// The estimated candidates of the buckets `buckets` together.
    func rate(of buckets: [[Int]]) -> Double {
        buckets.reduce(0) { $0 + rate(ofBucket: $1) }
    }

    private func rate(ofBucket members: [Int]) -> Double {
        guard let first = members.first else { return 0 }
        let length = table.foldedBytes[first].count
        var passing = [Double](repeating: 1, count: length)
        for distance in 0..<length {
            let place = length - 1 - distance
            if place == length - 1 {
                // The last byte's successor lies outside the anchors: only the byte counts.
                let bytes = Set(members.flatMap { CaseFolding.variants(table.foldedBytes[$0][place]) })
                passing[distance] = min(1, ByteFrequency.probability(ofAny: bytes))
                continue
            }
            var pairs = Set<UInt16>()
            for anchor in members {
                let bytes = table.foldedBytes[anchor]
                for byte in CaseFolding.variants(bytes[place]) {
                    for next in CaseFolding.variants(bytes[place + 1]) {
                        pairs.insert(UInt16(byte) << 8 | UInt16(next & nextMask))
                    }
                }
            }
            passing[distance] = min(
                1,
                pairs.reduce(0) { $0 + ByteFrequency.probability[Int($1 >> 8)] * nextProbability[Int($1 & 0xFF)] }
            )
        }
        return (0..<stride).reduce(0) { sum, alignment in
            sum + Swift.stride(from: alignment, to: length, by: stride).reduce(1) { $0 * passing[$1] }
        }
    }
}
