/// Chooses each pattern's anchor: the stretch of at most eight fixed (or case-insensitive) bytes that
/// the prefilters look for. A good anchor is long and made of bytes that are rare in binaries and
/// text, so that it occurs seldom where the pattern does not.
enum AnchorSelection {
    /// The longest anchor the prefilters handle: one 64-bit word.
    static let maximumLength = 8

    /// The anchor of `pattern`: where it starts and its case-folded bytes, or nil when no byte of the
    /// pattern is fixed at all.
    ///
    /// A pattern without a single fully fixed byte (only nibble wildcards, say) is anchored on its
    /// most fixed position, written out as every byte value it admits; those one-byte anchors are
    /// disjoint, so each occurrence is found through exactly one of them.
    static func anchors(of pattern: Pattern) -> (offset: Int, variants: [[UInt8]])? {
        if let run = bestRun(of: pattern) {
            return (run.offset, [pattern.bytes[run.offset..<run.offset + run.length].map(\.foldedValue)])
        }
        guard
            let position = pattern.bytes.indices.max(by: {
                pattern.bytes[$0].mask.nonzeroBitCount < pattern.bytes[$1].mask.nonzeroBitCount
            }), pattern.bytes[position].mask != 0
        else { return nil }
        let byte = pattern.bytes[position]
        let values = Set((0...255).map(UInt8.init).filter(byte.matches).map(CaseFolding.lower))
        return (position, values.sorted().map { [$0] })
    }

    /// The best window of anchorable bytes. Windows that end in a repeated fill byte (`00 00`) come
    /// last: FDR ignores every place where the input repeats a byte for buckets without them, and
    /// such runs fill binaries. Then windows of at least 4 bytes come first (FDR checks a 3-byte
    /// anchor with one or two samples, and one of the 4-letter code `NERR` let through a hundred times
    /// the candidates of `NERR` itself), then windows whose last two bytes differ, then longer windows
    /// (up to 8 bytes, at least 3 where the pattern allows), then rarer ones.
    static func bestRun(of pattern: Pattern) -> (offset: Int, length: Int)? {
        var best: (offset: Int, length: Int, rank: (Int, Int, Int, Int, Int))?
        var runStart = 0
        let bytes = pattern.bytes
        for position in 0...bytes.count {
            let anchorable = position < bytes.count && bytes[position].isAnchorable
            if anchorable { continue }
            let runLength = position - runStart
            let longest = min(runLength, maximumLength)
            for length in stride(from: longest, through: min(longest, 3), by: -1) where length > 0 {
                for offset in runStart...(position - length) {
                    let window = bytes[offset..<offset + length].map(\.foldedValue)
                    let repeatsAtEnd = length >= 2 && window[length - 1] == window[length - 2]
                    let endsInFill = repeatsAtEnd && fillBytes.contains(window[length - 1])
                    let rank = (
                        endsInFill ? 1 : 0, length >= 4 ? 0 : 1, repeatsAtEnd ? 1 : 0, -length, commonness(of: window)
                    )
                    if let current = best, current.rank <= rank { continue }
                    best = (offset, length, rank)
                }
            }
            runStart = position + 1
        }
        return best.map { ($0.offset, $0.length) }
    }

    /// Whether an anchor would make a prefilter report candidates nearly everywhere in common data:
    /// shorter than 3 bytes, one byte repeated, or a period of one or two made only of the bytes that
    /// fill padding and runs (zeros, 0xFF, spaces, NOPs). Such anchors go to the automaton pass, whose
    /// cost does not grow with the number of occurrences.
    static func isFloodProne(_ folded: [UInt8]) -> Bool {
        if folded.count < 3 { return true }
        let distinct = Set(folded)
        if distinct.count == 1 { return true }
        let periodTwo = folded.indices.dropLast(2).allSatisfy { folded[$0] == folded[$0 + 2] }
        return periodTwo && distinct.isSubset(of: fillBytes)
    }

    /// Bytes that fill padding and long runs in binaries and text.
    static let fillBytes: Set<UInt8> = [0x00, 0xFF, 0x20, 0x90, 0xCC]

    /// How common a window of bytes is in typical files; lower is rarer.
    static func commonness(of window: [UInt8]) -> Int {
        var cost = 0
        var previous: UInt8?
        for byte in window {
            cost += byteCommonness[Int(byte)]
            if byte == previous { cost += 20 }
            previous = byte
        }
        return cost
    }

    /// A rough frequency rank of byte values in executables and text (higher is more common).
    static let byteCommonness: [Int] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case 0x00: return 100
        case 0xFF: return 50
        case 0x20: return 40
        case 0x01, 0x48, 0x89, 0x8B: return 25
        case 0x90, 0xCC, 0x0A, 0x0D, 0x09, 0xE8: return 20
        case UInt8(ascii: "e"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "o"), UInt8(ascii: "i"),
            UInt8(ascii: "n"), UInt8(ascii: "s"), UInt8(ascii: "r"), UInt8(ascii: "l"), UInt8(ascii: "c"),
            UInt8(ascii: "d"), UInt8(ascii: "u"):
            return 18
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return 12
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "-"): return 12
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return 10
        case 0x02...0x1F: return 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return 8
        case 0x21...0x7F: return 6
        default: return 5
        }
    }
}
