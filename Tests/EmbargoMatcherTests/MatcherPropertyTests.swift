import Testing

@testable import EmbargoMatcher

/// One way through the matcher: an engine and an instruction set.
struct MatcherPath: Sendable, CustomTestStringConvertible {
    let engine: PatternMatcher.Engine
    let instructionSet: InstructionSet
    let maximumPatterns: Int

    var testDescription: String { "\(engine.rawValue)/\(instructionSet.rawValue)" }

    var options: PatternMatcher.Options { PatternMatcher.Options(engine: engine, instructionSet: instructionSet) }

    /// Every path this CPU can run: Teddy on each instruction set, FDR on each of its loops, the
    /// automaton, and the automatic choice.
    static let all: [MatcherPath] =
        InstructionSet.supported.map { MatcherPath(engine: .teddy, instructionSet: $0, maximumPatterns: 60) }
        + InstructionSet.supported.map { MatcherPath(engine: .automatic, instructionSet: $0, maximumPatterns: 120) }
        + fdrInstructionSets.map { MatcherPath(engine: .fdr, instructionSet: $0, maximumPatterns: 400) }
        + [MatcherPath(engine: .ahoCorasick, instructionSet: .scalar, maximumPatterns: 400)]

    /// The instruction sets that take FDR through different loops on this CPU: the baseline (SSE2 on
    /// x86-64), and AVX-512 where the CPU has it.
    static let fdrInstructionSets: [InstructionSet] = InstructionSet.best >= .avx512 ? [.scalar, .avx512] : [.scalar]
}

@Suite struct MatcherPropertyTests {
    static let seeds: ClosedRange<UInt64> = 1...60

    @Test(arguments: MatcherPath.all)
    func everyOccurrenceAgreesWithTheReference(path: MatcherPath) throws {
        for seed in Self.seeds {
            let testCase = RandomCase.make(
                seed: seed &* 7919 &+ UInt64(path.maximumPatterns),
                maximumPatterns: path.maximumPatterns
            )
            let matcher = try PatternMatcher(patterns: testCase.patterns, options: path.options)
            let scanner = MatchScanner(matcher: matcher)
            var found: [PatternMatch] = []
            for chunk in testCase.chunks {
                scanner.scanEveryOccurrence(chunk.span) { found.append($0) }
            }
            found.sort { ($0.pattern, $0.end) < ($1.pattern, $1.end) }
            let expected = ReferenceMatcher.occurrences(of: testCase.patterns, in: testCase.input)
            #expect(found == expected, "seed \(seed): \(testCase)")
            if found != expected { return }
        }
    }

    @Test(arguments: MatcherPath.all)
    func distinctPatternsAgreeWithTheReference(path: MatcherPath) throws {
        for seed in Self.seeds {
            let testCase = RandomCase.make(seed: seed &* 104_729 &+ 3, maximumPatterns: path.maximumPatterns)
            let matcher = try PatternMatcher(patterns: testCase.patterns, options: path.options)
            let scanner = MatchScanner(matcher: matcher)
            for chunk in testCase.chunks { scanner.scan(chunk.span) }
            let expected = ReferenceMatcher.distinct(of: testCase.patterns, in: testCase.input)
            #expect(scanner.hits == expected, "seed \(seed): \(testCase)")
            if scanner.hits != expected { return }
        }
    }

    @Test(arguments: MatcherPath.all)
    func byteByByteFeedingFindsMatchesAcrossEveryEdge(path: MatcherPath) throws {
        let testCase = RandomCase.make(seed: 42, maximumPatterns: min(path.maximumPatterns, 30), maximumInput: 600)
        let matcher = try PatternMatcher(patterns: testCase.patterns, options: path.options)
        let scanner = MatchScanner(matcher: matcher)
        var found: [PatternMatch] = []
        for byte in testCase.input {
            scanner.scanEveryOccurrence([byte].span) { found.append($0) }
        }
        found.sort { ($0.pattern, $0.end) < ($1.pattern, $1.end) }
        #expect(found == ReferenceMatcher.occurrences(of: testCase.patterns, in: testCase.input))
    }

    @Test(arguments: MatcherPath.all)
    func aProfileCountsEveryOccurrenceAndKeepsTheDistinctHits(path: MatcherPath) throws {
        for seed in Self.seeds.prefix(20) {
            let testCase = RandomCase.make(seed: seed &* 6_151 &+ 11, maximumPatterns: path.maximumPatterns)
            let matcher = try PatternMatcher(patterns: testCase.patterns, options: path.options)
            let scanner = MatchScanner(matcher: matcher, profiling: true)
            for chunk in testCase.chunks { scanner.scan(chunk.span) }
            let profile = try #require(scanner.takeProfile())
            var expected = [UInt64](repeating: 0, count: testCase.patterns.count)
            for match in ReferenceMatcher.occurrences(of: testCase.patterns, in: testCase.input) {
                expected[match.pattern] += 1
            }
            #expect(scanner.hits == ReferenceMatcher.distinct(of: testCase.patterns, in: testCase.input))
            #expect(profile.matches == expected, "seed \(seed): \(testCase)")
            #expect(zip(profile.candidates, profile.matches).allSatisfy { $0 >= $1 })
            #expect(scanner.takeProfile()?.matches.allSatisfy { $0 == 0 } == true)
            if profile.matches != expected { return }
        }
        let plain = MatchScanner(matcher: try PatternMatcher(patterns: [Pattern(text: "abc")]))
        #expect(plain.takeProfile() == nil)
    }

    @Test func resetStartsANewInput() throws {
        let matcher = try PatternMatcher(patterns: [Pattern(text: "abc")])
        let scanner = MatchScanner(matcher: matcher)
        scanner.scan(Array("xxab".utf8).span)
        scanner.reset()
        scanner.scan(Array("cxxabc".utf8).span)
        #expect(scanner.hits == [PatternHit(pattern: 0, firstEnd: 6)])
    }
}
