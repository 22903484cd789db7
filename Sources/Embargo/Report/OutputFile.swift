#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a report goes: a file (created or truncated in place, so that `/dev/null`, a FIFO or a
/// symbolic link is written through, never replaced), or standard output. Every write failure —
/// a full disk, an I/O error, a closed pipe — is a `ReportError`, never a crash.
public final class OutputFile: Sendable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// The name used in messages (`standard output` or the path).
    public let name: String

    /// Standard output.
    public static let standardOutput = OutputFile(descriptor: 1, owns: false, name: "standard output")

    private init(descriptor: Int32, owns: Bool, name: String) {
        self.descriptor = descriptor
        ownsDescriptor = owns
        self.name = name
    }

    /// Opens `path` for writing, creating or truncating it in place.
    ///
    /// - Throws: `ReportError` when it cannot be opened.
    public convenience init(path: String) throws(ReportError) {
        let descriptor = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ReportError.lastError("cannot write '\(path)'") }
        self.init(descriptor: descriptor, owns: true, name: path)
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Whether the output is a terminal.
    public var isTerminal: Bool { isatty(descriptor) != 0 }

    /// Writes all of `bytes`.
    ///
    /// - Throws: `ReportError` when the system refuses (`EPIPE`, `ENOSPC`, `EIO`, ...).
    public func write(_ bytes: [UInt8]) throws(ReportError) {
        do {
            try writeAll(descriptor, bytes, what: "write")
        } catch {
            throw ReportError(message: "cannot write the report to \(name): \(error.message)")
        }
    }

    /// Writes text as UTF-8.
    public func write(_ text: String) throws(ReportError) {
        try write(Array(text.utf8))
    }
}

/// The report could not be written.
public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed, and why.
    public let message: String

    init(message: String) {
        self.message = message
    }

    static func lastError(_ what: String) -> ReportError {
        ReportError(message: "\(what): \(unsafe String(cString: strerror(errno)))")
    }

    /// The message.
    public var description: String { message }
}
