/// A reader's verdict on bytes that do not have the structure it expects.
///
/// The `code` says what kind of problem it is, so that the scan can turn it into the right event
/// without reading the message; the message says what and where, for people.
public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem the bytes have.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case truncated
            case badMagic = "bad magic"
            case malformed, limit, unsupported, overflow
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        /// The item ends before a structure it promises.
        public static let truncated = Code(.truncated)
        /// The bytes do not start with the format's signature.
        public static let badMagic = Code(.badMagic)
        /// A structure is inconsistent: an impossible size, a loop, a bad encoding.
        public static let malformed = Code(.malformed)
        /// A structure is larger or deeper than a reader accepts.
        public static let limit = Code(.limit)
        /// The structure is valid but of a kind the reader does not read.
        public static let unsupported = Code(.unsupported)
        /// A size or offset from the input does not fit the arithmetic it takes part in.
        public static let overflow = Code(.overflow)

        /// The code's name.
        public var description: String { wrapped.rawValue }
    }

    /// The kind of problem.
    public let code: Code
    /// What is wrong, and where.
    public let message: String

    /// An error of a kind, with its message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// The item ends before a structure it promises.
    @inline(never)
    public static func truncated(_ message: String) -> FormatError { FormatError(.truncated, message) }

    /// The bytes do not start with the format's signature.
    @inline(never)
    public static func badMagic(_ message: String) -> FormatError { FormatError(.badMagic, message) }

    /// A structure is inconsistent.
    @inline(never)
    public static func malformed(_ message: String) -> FormatError { FormatError(.malformed, message) }

    /// A structure is larger or deeper than the reader accepts.
    @inline(never)
    public static func limit(_ message: String) -> FormatError { FormatError(.limit, message) }

    /// A valid structure of a kind the reader does not read.
    @inline(never)
    public static func unsupported(_ message: String) -> FormatError { FormatError(.unsupported, message) }

    /// A size or offset that overflows.
    @inline(never)
    public static func overflow(_ message: String) -> FormatError { FormatError(.overflow, message) }
}
