/// A pattern set the matcher cannot compile.
public struct MatcherError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is.
    public let code: Code
    /// A sentence for people.
    public let message: String
    /// The index of the pattern at fault, when one is.
    public let patternIndex: Int?

    /// The kinds of compile errors.
    public struct Code: Hashable, Sendable {
        private enum Kind { case emptyPattern, patternTooLong, noLiteralByte, tooManyPatterns, engineUnavailable }
        private let kind: Kind

        /// A pattern has no bytes.
        public static let emptyPattern = Code(kind: .emptyPattern)
        /// A pattern is longer than `PatternMatcher.maximumPatternLength`.
        public static let patternTooLong = Code(kind: .patternTooLong)
        /// A pattern has no byte that is at least partly fixed.
        public static let noLiteralByte = Code(kind: .noLiteralByte)
        /// More patterns than `PatternMatcher.maximumPatternCount`.
        public static let tooManyPatterns = Code(kind: .tooManyPatterns)
        /// The requested engine cannot serve this pattern set (too many anchors, or over the memory budget).
        public static let engineUnavailable = Code(kind: .engineUnavailable)
    }

    /// The message.
    public var description: String { message }

    @inline(never)
    static func pattern(_ index: Int, _ code: Code, _ problem: String) -> MatcherError {
        MatcherError(code: code, message: "pattern \(index): \(problem)", patternIndex: index)
    }

    @inline(never)
    static func engine(_ problem: String) -> MatcherError {
        MatcherError(code: .engineUnavailable, message: problem, patternIndex: nil)
    }
}
