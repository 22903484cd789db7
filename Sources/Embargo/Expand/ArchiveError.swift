#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libarchive could not read an archive, with the kind of problem it reported.
struct ArchiveError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    enum Code: Sendable, Hashable {
        /// The archive's structure or compressed data is damaged or cut short.
        case damaged
        /// A format, filter or feature libarchive does not read.
        case unsupported
        /// The data is encrypted.
        case encrypted
        /// Reading the archive's own bytes failed.
        case io
        /// libarchive could not allocate what it needed.
        case resource
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The error libarchive reported with `errno` value `code` and `message`.
    init(code errnoValue: Int32, message: String) {
        self.message = message
        let lowered = message.lowercased()
        if lowered.contains("encrypt") || lowered.contains("passphrase") || lowered.contains("password") {
            code = .encrypted
        } else if lowered.contains("unsupported") || lowered.contains("not supported")
            || lowered.contains("unrecognized archive format")
        {
            code = .unsupported
        } else if errnoValue == ENOMEM {
            code = .resource
        } else if errnoValue == EIO || errnoValue == ENOENT || errnoValue == EBADF {
            code = .io
        } else {
            code = .damaged
        }
    }

    var description: String { message }
}
