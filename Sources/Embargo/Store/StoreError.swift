/// A problem with a database: a database being read from the scanned content (rpmdb), or the
/// findings store.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case corrupt, unsupported, io, connection, other
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        /// The database file is damaged or not a database.
        public static let corrupt = Code(.corrupt)
        /// The database is valid but not of the layout expected (a table missing, say).
        public static let unsupported = Code(.unsupported)
        /// Its bytes could not be read or written.
        public static let io = Code(.io)
        /// The database server could not be reached or refused the connection.
        public static let connection = Code(.connection)
        /// Anything else.
        public static let other = Code(.other)

        /// The code's name.
        public var description: String { wrapped.rawValue }
    }

    /// The kind of problem.
    public let code: Code
    /// What happened.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
