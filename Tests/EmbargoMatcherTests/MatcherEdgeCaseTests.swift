import Testing

@testable import EmbargoMatcher

/// Inputs and pattern sets chosen to reach the corners of the matcher: floods, saturation, holes past
/// 4 GiB, large sets on the FDR strides, and malformed patterns.
@Suite struct MatcherEdgeCaseTests {
    /// Every occurrence, sorted as the reference sorts them.
    static func occurrences(
        _ patterns: [Pattern],
        _ input: [UInt8],
        path: MatcherPath,
        chunk: Int = 4096
    ) throws -> [PatternMatch] {
        let matcher = try PatternMatcher(patterns: patterns, options: path.options)
        let scanner = MatchScanner(matcher: matcher)
        var found: [PatternMatch] = []
        var start = 0
        while start < input.count {
            let end = min(input.count, start + chunk)
            scanner.scanEveryOccurrence(input[start..<end].span) { found.append($0) }
            start = end
        }
        return found.sorted { ($0.pattern, $0.end) < ($1.pattern, $1.end) }
    }

    /// A scanner of `matcher` that has scanned `input` in 1 MiB blocks, as a file is read.
    static func scanned(_ input: [UInt8], with matcher: PatternMatcher) -> MatchScanner {
        let scanner = MatchScanner(matcher: matcher)
        for start in stride(from: 0, to: input.count, by: 1 << 20) {
            scanner.scan(input[start..<min(input.count, start + (1 << 20))].span)
        }
        return scanner
    }

    @Test(arguments: MatcherPath.all)
    func floodingPatternsOnLongRunsAgreeWithTheReference(path: MatcherPath) throws {
        let patterns = [
            Pattern(literal: [0, 0, 0, 0]), Pattern(text: "aaaa", caseInsensitive: true), Pattern(text: "a"),
            Pattern(literal: [0]), Pattern(text: "abab"), Pattern(text: "kaspersky", caseInsensitive: true, wide: true),
        ]
        var input = [UInt8](repeating: 0, count: 20_000)
        input += [UInt8](repeating: UInt8(ascii: "A"), count: 10_000)
        input += Array(String(repeating: "ab", count: 5_000).utf8)
        input += Array("K\0a\0S\0p\0E\0r\0S\0k\0Y\0".utf8)
        input += [UInt8](repeating: UInt8(ascii: "a"), count: 7_000)
        let found = try Self.occurrences(patterns, input, path: path)
        #expect(found == ReferenceMatcher.occurrences(of: patterns, in: input))
    }

    @Test func aPatternThatMatchesTooOftenIsReportedAsSaturatedAndTheOthersStillMatch() throws {
        let options = PatternMatcher.Options(maximumMatchesPerPattern: 100)
        let matcher = try PatternMatcher(patterns: [Pattern(literal: [0]), Pattern(text: "KLIF")], options: options)
        let scanner = MatchScanner(matcher: matcher)
        var input = [UInt8](repeating: 0, count: 50_000)
        input += Array("KLIF".utf8)
        var found: [PatternMatch] = []
        scanner.scanEveryOccurrence(input.span) { found.append($0) }
        #expect(scanner.saturatedPatterns == [0])
        #expect(found.filter { $0.pattern == 0 }.count == 100)
        #expect(found.filter { $0.pattern == 1 } == [PatternMatch(pattern: 1, end: UInt64(input.count))])
    }

    @Test func holesPast4GiBKeepOffsetsExact() throws {
        let fourGiB: UInt64 = 1 << 32
        let patterns = [Pattern(text: "avp.exe"), Pattern(text: "xy"), Pattern(literal: Array("yz".utf8) + [0, 0])]
        let matcher = try PatternMatcher(patterns: patterns)
        #expect(!matcher.matchesZeroRun)
        let scanner = MatchScanner(matcher: matcher)
        var found: [PatternMatch] = []
        scanner.scanEveryOccurrence(Array("xyz".utf8).span) { found.append($0) }
        scanner.skipZeros(count: fourGiB + 5, everyOccurrence: true) { found.append($0) }
        scanner.scanEveryOccurrence(Array("--avp.exe".utf8).span) { found.append($0) }
        #expect(scanner.bytesScanned == 3 + fourGiB + 5 + 9)
        #expect(
            found.sorted { $0.pattern < $1.pattern } == [
                PatternMatch(pattern: 0, end: 3 + fourGiB + 5 + 9),
                PatternMatch(pattern: 1, end: 2),
                PatternMatch(pattern: 2, end: 5),
            ]
        )
    }

    @Test func aPatternOfZerosInsideAHoleIsFoundInBothModes() throws {
        let patterns = [Pattern(literal: [UInt8](repeating: 0, count: 6)), Pattern(literal: [0x4B, 0, 0])]
        let matcher = try PatternMatcher(patterns: patterns)
        #expect(matcher.matchesZeroRun)

        let distinct = MatchScanner(matcher: matcher)
        distinct.scan(Array("K".utf8).span)
        distinct.skipZeros(count: (1 << 32) + 1)
        #expect(distinct.hits == [PatternHit(pattern: 0, firstEnd: 7), PatternHit(pattern: 1, firstEnd: 3)])
        #expect(distinct.bytesScanned == (1 << 32) + 2)

        let every = MatchScanner(matcher: matcher)
        var count = 0
        every.scan(Array("K".utf8).span)
        every.reset()
        every.scanEveryOccurrence(Array("K".utf8).span) { _ in count += 1 }
        every.skipZeros(count: 1_000_000, everyOccurrence: true) { _ in count += 1 }
        // One "K\0\0", and a run of six zeros ends at every zero from the sixth on.
        #expect(count == 1 + (1_000_000 - 5))
    }

    /// Set sizes and lengths that put the automatic choice on FDR: under a thousand anchors of at
    /// least three bytes take stride 2 (anchors of one or two bytes are served beside FDR), more
    /// anchors stride 1, and from 4,000 the widest domain; each on every FDR loop.
    @Test(
        arguments: [
            (150, 6, 24, 2), (600, 8, 24, 2), (400, 3, 6, 2), (1_500, 4, 7, 1), (1_500, 8, 24, 1), (700, 1, 30, 2),
            (4_500, 5, 9, 1),
        ],
        MatcherPath.fdrInstructionSets
    )
    func largeSetsOnEveryFDRStrideAgreeWithTheReference(
        shape: (count: Int, shortest: Int, longest: Int, stride: Int),
        instructionSet: InstructionSet
    ) throws {
        var random = SeededGenerator(seed: UInt64(shape.count * 100 + shape.shortest * 10 + shape.longest))
        let alphabet = Array("abcdefgh".utf8) + [0, 0xFF]
        var patterns: [Pattern] = []
        for index in 0..<shape.count {
            let length = Int.random(in: shape.shortest...shape.longest, using: &random)
            let text = (0..<length).map { _ in alphabet.randomElement(using: &random) ?? 0 }
            patterns.append(
                index % 3 == 0 ? Pattern(bytes: text.map(PatternByte.caseInsensitive)) : Pattern(literal: text)
            )
        }
        var input = (0..<12_000).map { _ in alphabet.randomElement(using: &random) ?? 0 }
        for _ in 0..<300 {
            let pattern = patterns[Int.random(in: 0..<patterns.count, using: &random)]
            let start = Int.random(in: 0...(input.count - pattern.count), using: &random)
            for (index, byte) in pattern.bytes.enumerated() { input[start + index] = byte.value }
        }
        let path = MatcherPath(engine: .automatic, instructionSet: instructionSet, maximumPatterns: 0)
        let matcher = try PatternMatcher(patterns: patterns, options: path.options)
        #expect(matcher.plan.engine == .fdr)
        #expect(matcher.plan.engineDetails.contains("stride \(shape.stride)"), "\(matcher.plan)")
        if shape.count > 4_000 {
            #expect(matcher.plan.engineDetails.contains(instructionSet >= .avx512 ? "16-bit" : "15-bit"))
        }
        let found = try Self.occurrences(patterns, input, path: path, chunk: 1000)
        #expect(found == ReferenceMatcher.occurrences(of: patterns, in: input))
    }

    /// FDR skips runs of one byte value and of two alternating ones (UTF-16 text of one letter), and
    /// must still find anchors that end right after a run, start inside one, or are themselves
    /// alternating, on both strides and each of FDR's loops.
    @Test(arguments: [(150, 2), (1_500, 1)], MatcherPath.fdrInstructionSets)
    func runsFDRSkipsKeepTheMatchesAtTheirEdges(
        shape: (count: Int, stride: Int),
        instructionSet: InstructionSet
    ) throws {
        var random = SeededGenerator(seed: UInt64(shape.count))
        let alphabet = Array("klmnop".utf8)
        var patterns = [
            Pattern(text: "zzzc", wide: true), Pattern(text: "qqqr"), Pattern(text: "QQQR", caseInsensitive: true),
            Pattern(literal: [7, 0, 7, 0, 8]), Pattern(text: "cz", wide: true),
        ]
        while patterns.count < shape.count {
            let length = Int.random(in: 4...8, using: &random)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &random) ?? 0 }
            // A filler whose anchor had period one or two would turn the skipping off.
            let alternates = bytes.indices.dropLast(3).contains {
                bytes[$0] == bytes[$0 + 2] && bytes[$0 + 1] == bytes[$0 + 3]
            }
            guard !alternates else { continue }
            patterns.append(Pattern(literal: bytes))
        }
        func input(_ runs: [(unit: [UInt8], count: Int, then: [UInt8])]) -> [UInt8] {
            var bytes: [UInt8] = []
            for run in runs {
                bytes += (0..<Int.random(in: 1...40, using: &random)).map { _ in
                    alphabet.randomElement(using: &random) ?? 0
                }
                for _ in 0..<run.count { bytes += run.unit }
                bytes += run.then
            }
            return bytes
        }
        let runs: [(unit: [UInt8], count: Int, then: [UInt8])] = [
            (Array("z\0".utf8), 3_001, Array("c\0".utf8)), (Array("\0z".utf8), 2_000, Array("\0c\0z".utf8)),
            (Array("q".utf8), 4_003, Array("r".utf8)), (Array("Q".utf8), 999, Array("R".utf8)),
            (Array("Z\0".utf8), 501, Array("C\0".utf8)), ([7, 0], 1_234, [8]), ([0], 5_000, Array("qqqr".utf8)),
            // Runs of the fillers' letters, which let candidates through on both strides.
            (Array("kl".utf8), 3_000, Array("mnop".utf8)), (Array("m".utf8), 3_000, Array("nopk".utf8)),
        ]
        let bytes = input(runs + runs.reversed())
        let path = MatcherPath(engine: .fdr, instructionSet: instructionSet, maximumPatterns: 0)
        let matcher = try PatternMatcher(patterns: patterns, options: path.options)
        #expect(matcher.plan.engineDetails.contains("stride \(shape.stride)"), "\(matcher.plan)")
        guard case .fdr(let fdr) = matcher.main else {
            Issue.record("not FDR: \(matcher.plan)")
            return
        }
        #expect(fdr.skipsRuns && fdr.skipsAlternatingRuns)
        let expected = ReferenceMatcher.occurrences(of: patterns, in: bytes)
        #expect(expected.count >= 14)
        for chunk in [1_000, 4_096, 1 << 20] {
            #expect(try Self.occurrences(patterns, bytes, path: path, chunk: chunk) == expected)
        }
    }

    /// Teddy's guard: input that floods it with candidates (40 MB of near misses) moves the scan to
    /// FDR, still finding what is there; input that lets through a few more than estimated, but not
    /// so many that FDR would be faster, stays with Teddy.
    @Test func teddyGivesWayToFDROnlyWhenFDRWouldBeFaster() throws {
        let matcher = try PatternMatcher(patterns: [Pattern(text: "Kaspersky"), Pattern(text: "Hikvision")])
        try #require(matcher.plan.engine == .teddy, "\(matcher.plan)")
        let flood = Array(String(repeating: "Kasperskz ", count: 4_000_000).utf8) + Array("Kaspersky".utf8)
        let flooded = Self.scanned(flood, with: matcher)
        #expect(flooded.switchedToFallback)
        #expect(flooded.hits == [PatternHit(pattern: 0, firstEnd: UInt64(flood.count))])

        // One near miss per 2 KiB: far above the estimate, far below what would make FDR faster.
        var sparse = [UInt8](repeating: 0x41, count: 40 << 20)
        for start in stride(from: 0, to: sparse.count - 9, by: 2048) {
            sparse.replaceSubrange(start..<(start + 9), with: Array("Kasperskz".utf8))
        }
        let steady = Self.scanned(sparse, with: matcher)
        #expect(!steady.switchedToFallback)
        #expect(steady.hits.isEmpty)
    }

    /// The guard judges a scanner's whole history, and not before 32 MiB: a dense start (4 MiB of near
    /// misses, which alone would make Teddy the costlier engine) followed by ordinary input keeps Teddy.
    @Test func teddyKeepsTheScanThroughADenseStart() throws {
        let matcher = try PatternMatcher(patterns: [Pattern(text: "Kaspersky"), Pattern(text: "Hikvision")])
        try #require(matcher.plan.engine == .teddy, "\(matcher.plan)")
        var input = Array(String(repeating: "Kasperskz ", count: 420_000).utf8)
        input += [UInt8](repeating: 0x41, count: 36 << 20)
        input += Array("Hikvision".utf8)
        let scanner = Self.scanned(input, with: matcher)
        #expect(!scanner.switchedToFallback)
        #expect(scanner.hits == [PatternHit(pattern: 1, firstEnd: UInt64(input.count))])
    }

    @Test func malformedPatternsAreRejectedWithTheirIndex() {
        #expect(compileError([Pattern(text: "ok"), Pattern(literal: [])])?.code == .emptyPattern)
        #expect(compileError([Pattern(text: "ok"), Pattern(literal: [])])?.message.hasPrefix("pattern 1") == true)
        #expect(compileError([Pattern(bytes: [.any, .any])])?.code == .noLiteralByte)
        let long = Pattern(literal: [UInt8](repeating: 0x41, count: PatternMatcher.maximumPatternLength + 1))
        #expect(compileError([long])?.code == .patternTooLong)
        let many = (0..<100).map { Pattern(text: "pattern \($0)") }
        #expect(compileError(many, engine: .teddy)?.code == .engineUnavailable)
    }

    @Test func hexSyntaxAcceptsNibbleWildcardsAndRejectsTheRest() throws {
        let pattern = try Pattern(hex: "4D 5a ?? 4? ?0")
        #expect(
            pattern.bytes == [
                PatternByte(value: 0x4D), PatternByte(value: 0x5A), .any,
                PatternByte(value: 0x40, mask: 0xF0), PatternByte(value: 0x00, mask: 0x0F),
            ]
        )
        #expect(pattern.matches([0x4D, 0x5A, 0x99, 0x4F, 0xE0], at: 0))
        #expect(!pattern.matches([0x4D, 0x5A, 0x99, 0x5F, 0xE0], at: 0))
        #expect(hexError("4G")?.column == 1)
        #expect(hexError("4D5")?.message == "odd number of hex digits")
        #expect(hexError("  ")?.message == "empty hex pattern")
    }

    @Test func patternListsNumberNonEmptyLines() throws {
        let list = Array("kaspersky\n\ni:AVP.EXE\r\nhex:4B??\n".utf8)
        let patterns = try PatternList.parse(list)
        #expect(
            patterns == [
                Pattern(text: "kaspersky"), Pattern(text: "AVP.EXE", caseInsensitive: true), try Pattern(hex: "4B??"),
            ]
        )
        do {
            _ = try PatternList.parse(Array("ok\nhex:zz\n".utf8))
            Issue.record("a bad hex line was accepted")
        } catch {
            #expect(error.line == 2)
        }
    }

    private func compileError(_ patterns: [Pattern], engine: PatternMatcher.Engine = .automatic) -> MatcherError? {
        do {
            _ = try PatternMatcher(patterns: patterns, options: PatternMatcher.Options(engine: engine))
            return nil
        } catch {
            return error
        }
    }

    private func hexError(_ text: String) -> PatternSyntaxError? {
        do {
            _ = try Pattern(hex: text)
            return nil
        } catch {
            return error
        }
    }
}
