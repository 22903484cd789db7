#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the operation, `errno` and the system's description of it.
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The operation that failed (`open`, `read`, ...).
    public let operation: String
    /// The `errno` value.
    public let code: Int32
    /// The system's description of the error.
    public let message: String

    /// An error.
    public init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// The operation and the message.
    public var description: String { "\(operation): \(message)" }

    /// The error `errno` holds now, for `operation`.
    @inline(never)
    static func lastError(_ operation: String) -> SystemError {
        let code = errno
        return SystemError(operation: operation, code: code, message: unsafe String(cString: strerror(code)))
    }
}
