internal import EmbargoMatcher

/// Which location rules (path and file-name globs) could match a path, found with one pass of the
/// matcher over the path: each glob's longest literal piece is a case-insensitive pattern, and only
/// the rules whose piece occurs in the path are tried with `fnmatch`. A glob without a piece of three
/// bytes or more is always tried.
struct LocationPrefilter: Sendable {
    private let matcher: PatternMatcher?
    /// For each pattern, the rules (indices into the location rules) it stands for.
    private let rulesByPattern: [[Int]]
    /// Rules tried on every path.
    private let unconditional: [Int]

    /// A prefilter for `globs`, one per location rule, in order.
    init(globs: [String]) {
        var pieces: [String: Int] = [:]
        var patterns: [Pattern] = []
        var rulesByPattern: [[Int]] = []
        var unconditional: [Int] = []
        for (index, glob) in globs.enumerated() {
            guard let piece = Self.longestLiteral(glob), piece.utf8.count >= 3 else {
                unconditional.append(index)
                continue
            }
            let key = piece.lowercased()
            if let existing = pieces[key] {
                rulesByPattern[existing].append(index)
            } else {
                pieces[key] = patterns.count
                patterns.append(Pattern(text: piece, caseInsensitive: true))
                rulesByPattern.append([index])
            }
        }
        matcher = patterns.isEmpty ? nil : try? PatternMatcher(patterns: patterns)
        self.rulesByPattern = rulesByPattern
        // Without a matcher (it would not compile), every rule is tried.
        self.unconditional = matcher == nil ? Array(globs.indices) : unconditional
    }

    /// A scanner for `candidates`, one per worker.
    func makeScanner() -> MatchScanner? {
        matcher.map { MatchScanner(matcher: $0) }
    }

    /// The rules that could match `path`, in ascending order.
    func candidates(in path: [UInt8], scanner: MatchScanner?) -> [Int] {
        guard let scanner else { return unconditional }
        scanner.reset()
        scanner.scan(path.span)
        let hits = scanner.hits
        guard !hits.isEmpty else { return unconditional }
        var rules = unconditional
        for hit in hits { rules += rulesByPattern[hit.pattern] }
        return rules.sorted()
    }

    /// The longest run of a glob that has no wildcard, character class or escape in it.
    static func longestLiteral(_ glob: String) -> String? {
        var longest = ""
        var current = ""
        var inClass = false
        for character in glob {
            if inClass {
                if character == "]" { inClass = false }
                continue
            }
            switch character {
            case "*", "?", "\\":
                if current.count > longest.count { longest = current }
                current = ""
            case "[":
                if current.count > longest.count { longest = current }
                current = ""
                inClass = true
            default:
                current.append(character)
            }
        }
        if current.count > longest.count { longest = current }
        return longest.isEmpty ? nil : longest
    }
}
