/// How Teddy spreads anchors over its buckets, chosen by estimated cost rather than by order: a
/// bucket lets through every input position whose bytes fall in the nibble sets of all its anchors
/// at every mask position, so anchors that share nibbles (UTF-16 anchors with their zero bytes,
/// case-insensitive words) belong together, and anchors that would widen each other's sets (a wide
/// anchor beside a narrow one) apart. The layout minimises the estimated candidates per input byte
/// (`ByteFrequency`), by merging the pair of groups that adds least until the buckets suffice.
struct TeddyLayout {
    /// The anchors of each bucket (indices into the anchors given).
    let buckets: [[Int]]
    /// The mask positions used (1 to 4).
    let maskCount: Int
    /// Whether the layout uses 16 buckets (fat Teddy: half as many positions per step).
    let isFat: Bool
    /// Estimated candidates per input byte.
    let candidateRate: Double

    /// The nibble sets of a group at each mask position: a 16-bit set of low nibbles and one of
    /// high nibbles.
    struct Nibbles: Equatable {
        var low: [UInt16]
        var high: [UInt16]

        init(maskCount: Int) {
            low = [UInt16](repeating: 0, count: maskCount)
            high = [UInt16](repeating: 0, count: maskCount)
        }

        mutating func add(_ bytes: [UInt8]) {
            for position in low.indices {
                for byte in CaseFolding.variants(bytes[position]) {
                    low[position] |= 1 << UInt16(byte & 0xF)
                    high[position] |= 1 << UInt16(byte >> 4)
                }
            }
        }

        func union(_ other: Nibbles) -> Nibbles {
            var result = self
            for position in low.indices {
                result.low[position] |= other.low[position]
                result.high[position] |= other.high[position]
            }
            return result
        }

        /// The probability that an input position passes every mask position.
        var passRate: Double {
            var rate = 1.0
            for position in low.indices {
                var passing = 0.0
                for high in 0..<16 where self.high[position] & (1 << UInt16(high)) != 0 {
                    for low in 0..<16 where self.low[position] & (1 << UInt16(low)) != 0 {
                        passing += ByteFrequency.probability[high << 4 | low]
                    }
                }
                rate *= passing
            }
            return rate
        }
    }

    /// The best layout of `anchors` (folded bytes, each at least `maskCount` long) over `bucketCount`
    /// buckets with `maskCount` mask positions.
    static func cluster(_ anchors: [[UInt8]], bucketCount: Int, maskCount: Int) -> TeddyLayout {
        var groups: [(members: [Int], nibbles: Nibbles, rate: Double)] = anchors.indices.map { index in
            var nibbles = Nibbles(maskCount: maskCount)
            nibbles.add(anchors[index])
            return ([index], nibbles, nibbles.passRate)
        }
        // Anchors with the same nibble sets cost nothing together.
        var merged: [(members: [Int], nibbles: Nibbles, rate: Double)] = []
        for group in groups {
            if let same = merged.firstIndex(where: { $0.nibbles == group.nibbles }) {
                merged[same].members += group.members
            } else {
                merged.append(group)
            }
        }
        groups = merged
        // Then the merge that adds least, until the groups fit the buckets.
        var cost = [[Double]](repeating: [Double](repeating: 0, count: groups.count), count: groups.count)
        func mergeCost(_ first: Int, _ second: Int) -> Double {
            groups[first].nibbles.union(groups[second].nibbles).passRate - groups[first].rate - groups[second].rate
        }
        for first in groups.indices {
            for second in (first + 1)..<groups.count { cost[first][second] = mergeCost(first, second) }
        }
        var alive = Array(groups.indices)
        while alive.count > bucketCount {
            var best = (first: alive[0], second: alive[1], cost: Double.infinity)
            for (position, first) in alive.enumerated() {
                for second in alive[(position + 1)...] where cost[first][second] < best.cost {
                    best = (first, second, cost[first][second])
                }
            }
            let nibbles = groups[best.first].nibbles.union(groups[best.second].nibbles)
            groups[best.first] = (groups[best.first].members + groups[best.second].members, nibbles, nibbles.passRate)
            alive.removeAll { $0 == best.second }
            for other in alive where other != best.first {
                let (low, high) = other < best.first ? (other, best.first) : (best.first, other)
                cost[low][high] = mergeCost(low, high)
            }
        }
        let buckets = alive.map { groups[$0].members }
        return TeddyLayout(
            buckets: buckets,
            maskCount: maskCount,
            isFat: bucketCount > 8,
            candidateRate: alive.reduce(0) { $0 + groups[$1].rate }
        )
    }

    /// The layout of least estimated cost among the mask counts (2 to 4, as the anchors allow) and
    /// bucket counts (8, or 16 for more than 8 anchors) Teddy offers.
    static func best(_ anchors: [[UInt8]]) -> TeddyLayout {
        let shortest = max(1, anchors.map(\.count).min() ?? 1)
        var best = cluster(anchors, bucketCount: 8, maskCount: min(shortest, 4))
        for maskCount in max(1, min(2, shortest))...min(4, shortest) {
            for bucketCount in anchors.count > 8 ? [8, 16] : [8] {
                let layout = cluster(anchors, bucketCount: bucketCount, maskCount: maskCount)
                if layout.estimatedCost < best.estimatedCost { best = layout }
            }
        }
        return best
    }

    /// Estimated nanoseconds per input byte: the vector loop (fat steps cover half as many positions)
    /// and one confirmation per candidate.
    var estimatedCost: Double {
        Self.cost(isFat: isFat, maskCount: maskCount, candidateRate: candidateRate)
    }

    /// Nanoseconds per input byte of a layout of this shape that lets through `candidateRate`
    /// candidates per byte.
    static func cost(isFat: Bool, maskCount: Int, candidateRate: Double) -> Double {
        (isFat ? 0.16 : 0.08) + Double(maskCount) * 0.01 + candidateRate * nanosecondsPerCandidate
    }

    /// Nanoseconds per input byte, reading included, of a scan of this shape that met `stepsPerByte`
    /// vector steps with candidates: fitted on one core of the build machine over shared libraries,
    /// on the 23 generated sets of `Benchmarks/patterns` (seeds 1 to 48) that Teddy serves, to within
    /// 0.015. Unlike `cost`, which weighs estimated candidate positions, this weighs what a scan saw.
    static func observedCost(isFat: Bool, maskCount: Int, stepsPerByte: Double) -> Double {
        0.064 + (isFat ? 0.052 : 0) + Double(maskCount) * 0.034 + stepsPerByte * 62
    }

    /// What confirming one candidate costs, about.
    static let nanosecondsPerCandidate = 25.0
}
