@testable import EmbargoMatcher

/// A random pattern set and an input with planted occurrences, built from a seed.
struct RandomCase: CustomStringConvertible {
    var patterns: [Pattern]
    var input: [UInt8]
    var cuts: [Int]

    var description: String { "\(patterns.count) patterns, \(input.count) bytes, \(cuts.count) cuts" }

    /// A small alphabet, so that patterns overlap, share prefixes and occur by chance; it has letters
    /// in both cases, zeros and 0xFF.
    static let alphabet: [UInt8] = Array("abkAKB.".utf8) + [0x00, 0xFF, 0x20]

    /// Makes a case with up to `maximumPatterns` patterns; the seed picks the mix of pattern kinds.
    static func make(seed: UInt64, maximumPatterns: Int, maximumInput: Int = 3000) -> RandomCase {
        var random = SeededGenerator(seed: seed)
        let patternCount = Int.random(in: 1...maximumPatterns, using: &random)
        var patterns: [Pattern] = []
        while patterns.count < patternCount {
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 10, let base = patterns.randomElement(using: &random), base.count > 1 {
                // A prefix or a suffix of an existing pattern.
                let cut = Int.random(in: 1..<base.count, using: &random)
                let piece = Bool.random(using: &random) ? Array(base.bytes.prefix(cut)) : Array(base.bytes.suffix(cut))
                if piece.contains(where: { $0.mask != 0 }) { patterns.append(Pattern(bytes: piece)) }
                continue
            }
            let length =
                roll < 15
                ? Int.random(in: 1...2, using: &random)
                : roll < 20 ? Int.random(in: 9...40, using: &random) : Int.random(in: 3...10, using: &random)
            let text = (0..<length).map { _ in alphabet.randomElement(using: &random) ?? 0 }
            switch Int.random(in: 0..<5, using: &random) {
            case 0:
                patterns.append(Pattern(bytes: text.map(PatternByte.caseInsensitive)))
            case 1:
                let wide = Pattern(
                    text: String(decoding: text.filter { $0 < 0x80 && $0 != 0 }, as: UTF8.self),
                    caseInsensitive: Bool.random(using: &random),
                    wide: true
                )
                if !wide.bytes.isEmpty { patterns.append(wide) }
            case 2:
                var bytes = text.map { PatternByte(value: $0) }
                for _ in 0..<Int.random(in: 0...2, using: &random) where bytes.count > 2 {
                    let position = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[position] =
                        [
                            PatternByte.any, PatternByte(value: bytes[position].value, mask: 0xF0),
                            PatternByte(value: bytes[position].value, mask: 0x0F),
                        ].randomElement(using: &random) ?? .any
                }
                if bytes.contains(where: { $0.mask != 0 }) { patterns.append(Pattern(bytes: bytes)) }
            default:
                patterns.append(Pattern(literal: text))
            }
        }
        let length = Int.random(in: 0...maximumInput, using: &random)
        var input = (0..<length).map { _ in alphabet.randomElement(using: &random) ?? 0 }
        // Plant occurrences, with random case and random bytes under wildcards.
        for _ in 0..<Int.random(in: 0...20, using: &random) where !patterns.isEmpty {
            guard let pattern = patterns.randomElement(using: &random), pattern.count <= input.count else { continue }
            let start = Int.random(in: 0...(input.count - pattern.count), using: &random)
            for (index, byte) in pattern.bytes.enumerated() {
                let noise = UInt8.random(in: 0...255, using: &random)
                var planted = byte.value | (noise & ~byte.mask)
                if byte.mask == 0xDF, Bool.random(using: &random) { planted ^= 0x20 }
                input[start + index] = planted
            }
        }
        var cuts: [Int] = []
        if !input.isEmpty {
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                cuts.append(Int.random(in: 0...input.count, using: &random))
            }
        }
        return RandomCase(patterns: patterns, input: input, cuts: cuts.sorted())
    }

    /// The input split at the cut points (some pieces may be empty).
    var chunks: [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        for cut in cuts {
            pieces.append(input[start..<cut])
            start = cut
        }
        pieces.append(input[start...])
        return pieces
    }
}
