/// A compiled, immutable set of patterns, shared by every worker of a scan.
///
/// Compilation chooses each pattern's anchor (at most 8 fixed bytes), then a literal engine for the
/// anchors: Teddy (SIMD nibble shuffles) for up to 64 anchors when its estimated cost on typical
/// data (`TeddyLayout`, `ByteFrequency`) beats the bucketed shift-or in the style of Hyperscan's FDR,
/// FDR otherwise, or a dense Aho–Corasick DFA when asked for. A scan that finds Teddy letting through
/// so many candidates that FDR would be faster switches to FDR for the rest of its input. Anchors
/// shorter than 3 bytes or made of the commonest bytes would flood a prefilter with candidates; they
/// go to a separate Aho–Corasick pass, whose cost does not depend on how often they occur. Every
/// engine and every instruction set reports the same matches.
///
/// ```swift
/// let matcher = try PatternMatcher(patterns: [Pattern(text: "Kaspersky", caseInsensitive: true)])
/// let scanner = MatchScanner(matcher: matcher)
/// scanner.scan(Array("... KASPERSKY ...".utf8).span)
/// print(scanner.hits)   // [PatternHit(pattern: 0, firstEnd: 13)]
/// ```
public final class PatternMatcher: Sendable {
    /// The longest pattern, in bytes.
    public static let maximumPatternLength = 16_384
    /// The most patterns one matcher takes.
    public static let maximumPatternCount = 4_000_000

    /// How to compile.
    public struct Options: Sendable {
        /// The engine for the anchors; `.automatic` picks by the number of anchors.
        public var engine: Engine
        /// The widest instructions to use; the CPU's best when nil, never more than it supports.
        public var instructionSet: InstructionSet?
        /// The most memory one Aho–Corasick transition table may take.
        public var automatonBudgetBytes: Int
        /// In every-occurrence scans, how many occurrences of one pattern an input may report before
        /// the pattern is reported as saturated and its further occurrences are dropped.
        public var maximumMatchesPerPattern: Int

        /// Options with the given values.
        public init(
            engine: Engine = .automatic,
            instructionSet: InstructionSet? = nil,
            automatonBudgetBytes: Int = 64 << 20,
            maximumMatchesPerPattern: Int = 1_000_000
        ) {
            self.engine = engine
            self.instructionSet = instructionSet
            self.automatonBudgetBytes = automatonBudgetBytes
            self.maximumMatchesPerPattern = maximumMatchesPerPattern
        }
    }

    /// The literal engines.
    public enum Engine: String, Sendable, CaseIterable {
        /// Teddy for up to 64 anchors (with SSSE3 or AVX2) when its estimated cost is lower, FDR
        /// otherwise; a run-time guard moves a scan from Teddy to FDR.
        case automatic
        /// SIMD nibble-table prefilter confirmed by the trie; at most 64 anchors.
        case teddy
        /// Bucketed shift-or prefilter with hashed confirmation; any number of anchors.
        case fdr
        /// Byte-at-a-time dense DFA; within the automaton memory budget.
        case ahoCorasick = "aho-corasick"
    }

    /// What the compiler chose and what it costs.
    public struct Plan: Sendable, CustomStringConvertible {
        /// The engine that serves the anchors of 3 or more uncommon bytes.
        public let engine: Engine
        /// The instruction set the scan uses.
        public let instructionSet: InstructionSet
        /// The patterns compiled.
        public let patternCount: Int
        /// The distinct anchors.
        public let anchorCount: Int
        /// Anchors left to the passes for short or flood-prone anchors (runs of one byte, automaton).
        public let automatonPassAnchorCount: Int
        /// The memory the compiled tables take, in bytes.
        public let tableBytes: Int
        /// How long compiling took.
        public let compileDuration: Duration
        /// Engine details: buckets, masks, stride, table sizes.
        public let engineDetails: String

        /// A one-line summary.
        public var description: String {
            "\(patternCount) patterns, \(anchorCount) anchors (\(automatonPassAnchorCount) in the automaton pass), "
                + "engine \(engine.rawValue) (\(engineDetails)), \(instructionSet.rawValue), \(tableBytes) bytes of tables"
        }
    }

    /// The engine serving the prefilter's anchors. The engines are classes, so that switching over
    /// this for every block retains one object rather than copying an engine and each of its tables.
    enum MainEngine: Sendable {
        case none
        case teddy(TeddyPrefilter)
        case fdr(FDRPrefilter)
        case automaton(AhoCorasickAutomaton)
    }

    let verifier: Verifier
    let main: MainEngine
    /// FDR over Teddy's anchors, for a scan whose Teddy candidates make Teddy the costlier engine.
    let fallback: FDRPrefilter?
    let automatonPass: AhoCorasickAutomaton?
    /// The pass over anchors that are one byte repeated.
    let runPass: RunAnchorPass?
    /// The patterns served by the automaton pass, so that a distinct scan can skip the pass once it
    /// has seen them all.
    let automatonPassPatterns: [Int32]
    let maximumMatchesPerPattern: Int
    /// What the compiler chose.
    public let plan: Plan

    /// The number of patterns.
    public var patternCount: Int { verifier.patterns.count }
    /// The length of the longest pattern.
    public var maximumLength: Int { verifier.patterns.maximumLength }
    /// Whether some pattern matches inside a run of zero bytes.
    public var matchesZeroRun: Bool { verifier.patterns.matchesZeroRun }

    /// Compiles `patterns`; pattern ids are their indices.
    ///
    /// - Throws: `MatcherError` for an empty or too long pattern, a pattern without a fixed byte, too
    ///   many patterns, or an engine in `options` that cannot serve the set.
    public init(patterns: [Pattern], options: Options = Options()) throws(MatcherError) {
        let clock = ContinuousClock()
        let started = clock.now
        guard patterns.count <= Self.maximumPatternCount else {
            throw MatcherError(
                code: .tooManyPatterns,
                message: "\(patterns.count) patterns, at most \(Self.maximumPatternCount)",
                patternIndex: nil
            )
        }
        for (index, pattern) in patterns.enumerated() {
            if pattern.bytes.isEmpty { throw MatcherError.pattern(index, .emptyPattern, "is empty") }
            if pattern.count > Self.maximumPatternLength {
                throw MatcherError.pattern(
                    index,
                    .patternTooLong,
                    "is \(pattern.count) bytes, at most \(Self.maximumPatternLength)"
                )
            }
        }
        let patternTable = PatternTable(patterns: patterns)
        let anchors = try AnchorTable(patterns: patterns)
        let instructionSet = min(options.instructionSet ?? InstructionSet.best, InstructionSet.best)
        let budget = options.automatonBudgetBytes

        var prefilterAnchors: [Int] = []
        var passAnchors: [Int] = []
        for anchor in 0..<anchors.count {
            if options.engine != .ahoCorasick, AnchorSelection.isFloodProne(anchors.foldedBytes[anchor]) {
                passAnchors.append(anchor)
            } else {
                prefilterAnchors.append(anchor)
            }
        }
        let runAnchors = passAnchors.filter { RunAnchorPass.takes(anchors.foldedBytes[$0]) }
        let runPass = RunAnchorPass(anchorIndices: runAnchors, table: anchors)
        passAnchors.removeAll { RunAnchorPass.takes(anchors.foldedBytes[$0]) }
        var automatonPass: AhoCorasickAutomaton?
        if !passAnchors.isEmpty {
            automatonPass = AhoCorasickAutomaton(anchorIndices: passAnchors, table: anchors, budgetBytes: budget)
            if automatonPass == nil {
                // Too many short anchors for the budget: the shift-or prefilter takes them too.
                prefilterAnchors += passAnchors
                passAnchors = []
            }
        }

        var engine = options.engine
        var layout: TeddyLayout?
        if engine == .teddy
            || (engine == .automatic && instructionSet >= .ssse3
                && prefilterAnchors.count <= Self.teddyAnchorLimit(instructionSet))
        {
            layout = TeddyLayout.best(prefilterAnchors.map { anchors.foldedBytes[$0] })
        }
        if engine == .automatic {
            engine = (layout?.estimatedCost ?? .infinity) < Self.fdrEstimatedCost ? .teddy : .fdr
        }
        let main: MainEngine
        var fallback: FDRPrefilter?
        if prefilterAnchors.isEmpty {
            main = .none
        } else {
            switch engine {
            case .teddy:
                guard let layout,
                    let teddy = TeddyPrefilter(anchorIndices: prefilterAnchors, table: anchors, layout: layout)
                else {
                    throw MatcherError.engine(
                        "Teddy takes at most \(TeddyPrefilter.maximumAnchors) anchors; this set has \(prefilterAnchors.count)"
                    )
                }
                main = .teddy(teddy)
                if options.engine == .automatic {
                    fallback = FDRPrefilter(
                        anchorIndices: prefilterAnchors,
                        table: anchors,
                        instructionSet: instructionSet
                    )
                }
            case .ahoCorasick:
                guard
                    let automaton = AhoCorasickAutomaton(
                        anchorIndices: prefilterAnchors,
                        table: anchors,
                        budgetBytes: budget
                    )
                else {
                    throw MatcherError.engine("the Aho-Corasick automaton would exceed \(budget) bytes")
                }
                main = .automaton(automaton)
            case .fdr, .automatic:
                main = .fdr(
                    FDRPrefilter(anchorIndices: prefilterAnchors, table: anchors, instructionSet: instructionSet)
                )
            }
        }

        var passPatterns: Set<Int32> = []
        self.runPass = runPass
        for anchor in passAnchors {
            for reference in Int(anchors.referenceStarts[anchor])..<Int(anchors.referenceStarts[anchor + 1]) {
                passPatterns.insert(anchors.referencePatterns[reference])
            }
        }
        self.verifier = Verifier(patterns: patternTable, anchors: anchors)
        self.main = main
        self.fallback = fallback
        self.automatonPass = automatonPass
        self.automatonPassPatterns = passPatterns.sorted()
        self.maximumMatchesPerPattern = options.maximumMatchesPerPattern
        let mainBytes: Int
        let details: String
        switch main {
        case .none:
            mainBytes = 0
            details = "no anchors"
        case .teddy(let teddy):
            mainBytes = teddy.byteCount
            let perMegabyte = Int((teddy.estimatedCandidateRate * 1e6).rounded())
            details =
                "\(teddy.isFat ? 16 : 8) buckets, \(teddy.maskCount) masks, \(perMegabyte) candidates per MB estimated"
                + (fallback == nil ? "" : "; FDR if a scan sees so many that FDR would be faster")
        case .fdr(let fdr):
            mainBytes = fdr.byteCount
            details =
                "\(FDRPrefilter.bucketCount) buckets, stride \(fdr.stride), \(fdr.domainBits)-bit domain"
        case .automaton(let automaton):
            mainBytes = automaton.byteCount
            details = "\(automaton.stateCount) states, \(automaton.classCount) byte classes"
        }
        self.plan = Plan(
            engine: engine,
            instructionSet: instructionSet,
            patternCount: patterns.count,
            anchorCount: anchors.count,
            automatonPassAnchorCount: passAnchors.count + runAnchors.count,
            tableBytes: patternTable.byteCount + anchors.byteCount + mainBytes + (automatonPass?.byteCount ?? 0)
                + (runPass?.byteCount ?? 0),
            compileDuration: clock.now - started,
            engineDetails: details
        )
    }

    /// Scans one contiguous block with every engine.
    func scan<Sink: MatchSink>(_ block: ScanBlock, scratch: ScanScratch, into sink: inout Sink) {
        switch main {
        case .none:
            break
        case .teddy(let teddy):
            if scratch.guardTripped, let fallback {
                unsafe fallback.scan(block, scratch: scratch, verifier: verifier, into: &sink)
            } else {
                let steps = unsafe teddy.scan(
                    block,
                    instructionSet: plan.instructionSet,
                    records: scratch.records,
                    recordCapacity: ScanScratch.recordCapacity,
                    verifier: verifier,
                    into: &sink
                )
                if let fallback {
                    unsafe scratch.observe(bytes: block.count, candidates: steps) { rate in
                        TeddyLayout.observedCost(isFat: teddy.isFat, maskCount: teddy.maskCount, stepsPerByte: rate)
                            > fallback.estimatedCost * Self.guardMargin
                    }
                }
            }
        case .fdr(let fdr):
            unsafe fdr.scan(block, scratch: scratch, verifier: verifier, into: &sink)
        case .automaton(let automaton):
            unsafe automaton.scan(block, verifier: verifier, into: &sink)
        }
        if let runPass {
            unsafe runPass.scan(block, verifier: verifier, into: &sink)
        }
        if let automatonPass, automatonPassIsLive(for: sink) {
            unsafe automatonPass.scan(block, verifier: verifier, into: &sink)
        }
    }

    /// How much costlier than FDR's estimate Teddy must seem before the guard moves a scan. FDR's
    /// estimate leaves out its own candidates, which grow with whatever floods Teddy: on the generated
    /// sets, Teddy seeing 2,000 to 2,500 candidate steps a MB still matched or beat FDR.
    static let guardMargin = 1.5

    /// What the compiler weighs Teddy's estimate (`TeddyLayout.cost`, in its units) against when it
    /// chooses between Teddy and FDR. The guard at run time uses measured costs instead
    /// (`TeddyLayout.observedCost`, `FDRPrefilter.estimatedCost`).
    static let fdrEstimatedCost = 0.6

    /// The most anchors the automatic choice gives Teddy. FDR's AVX-512 loop beat Teddy on every
    /// generated set of 60 anchors or more (12 to 18 %, `Benchmarks/patterns/engines.sh`), whatever
    /// Teddy's estimate, and lost to it on every set of 37 or fewer; without AVX-512, Teddy takes
    /// what it can hold.
    static func teddyAnchorLimit(_ instructionSet: InstructionSet) -> Int {
        instructionSet >= .avx512 ? 48 : TeddyPrefilter.maximumAnchors
    }

    /// Whether the automaton pass can still report something to `sink`: a distinct scan stops the
    /// pass once every pattern it serves has been seen.
    private func automatonPassIsLive<Sink: MatchSink>(for sink: Sink) -> Bool {
        guard automatonPassPatterns.count <= 64 else { return true }
        return automatonPassPatterns.contains { sink.wants(Int($0)) }
    }
}

/// Per-scanner working memory for the kernels.
@safe
final class ScanScratch {
    static let recordCapacity = 64
    /// Room for `recordCapacity` records of Teddy's kernels (`teddyRecordSize` bytes each) or of FDR's
    /// AVX-512 loop (16 bytes each).
    let records: UnsafeMutableRawPointer
    /// Bytes and candidate steps Teddy saw in this scanner's life, for the guard.
    private var observedBytes = 0
    private var observedCandidates = 0
    private var nextJudgement = ScanScratch.guardHistory
    /// Set once Teddy let through so many candidates that FDR would be faster: FDR takes over.
    private(set) var guardTripped = false
    /// How much input the guard sees between judgements.
    static let guardWindow = 8 << 20
    /// How much input the guard sees before its first judgement. The first files of a scan can be far
    /// denser than the rest: on shared libraries, the first 8 MiB let through four to five times the
    /// candidate steps of the whole scan, and judged there, generated sets moved to FDR that Teddy
    /// served as fast or faster (seed 39: 0.35 s against 0.40 s on one core).
    static let guardHistory = 32 << 20

    /// Counts what one Teddy block let through; after `guardHistory` bytes and then every
    /// `guardWindow`, trips the guard when `costlier` says that Teddy at the candidate rate seen so
    /// far costs more than FDR would. The rate is the scanner's whole history, not the last window's,
    /// so that one file dense in near misses does not move the rest of a scan to the slower engine.
    func observe(bytes: Int, candidates: Int, costlier: (_ candidatesPerByte: Double) -> Bool) {
        observedBytes += bytes
        observedCandidates += candidates
        guard observedBytes >= nextJudgement else { return }
        nextJudgement = observedBytes + Self.guardWindow
        if costlier(Double(observedCandidates) / Double(observedBytes)) { guardTripped = true }
    }

    init() {
        unsafe records = UnsafeMutableRawPointer.allocate(
            byteCount: Self.recordCapacity * teddyRecordSize,
            alignment: 32
        )
    }

    deinit {
        unsafe records.deallocate()
    }
}
