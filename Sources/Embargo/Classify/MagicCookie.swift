internal import CEmbargoMagic

/// One libmagic handle. libmagic handles are not thread-safe: each worker owns one.
@safe struct MagicCookie: ~Copyable {
    private let cookie: OpaquePointer

    /// Tests that cost time without telling Embargo anything it uses: decompressing, the details of
    /// ELF and CDF files, tar (recognised before libmagic is asked), JSON and CSV.
    private static let flags =
        MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_CDF | MAGIC_NO_CHECK_TAR
        | MAGIC_NO_CHECK_APPTYPE | MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_CSV

    /// Opens a handle and loads the system's compiled magic database.
    ///
    /// - Throws: `MagicError` if the database cannot be loaded.
    init() throws(MagicError) {
        guard let cookie = unsafe magic_open(Self.flags) else { throw MagicError(message: "magic_open failed") }
        guard unsafe magic_load(cookie, nil) == 0 else {
            let message = unsafe magic_error(cookie).map { unsafe String(cString: $0) } ?? "magic_load failed"
            unsafe magic_close(cookie)
            throw MagicError(message: message)
        }
        unsafe self.cookie = cookie
    }

    deinit {
        unsafe magic_close(cookie)
    }

    /// How much of the content libmagic looks at: its text tests read the whole buffer.
    static let window = 16 << 10

    /// The MIME type of content that begins with `bytes`.
    func mimeType(of bytes: [UInt8]) -> String {
        classify(bytes, flags: Self.flags | MAGIC_MIME_TYPE) ?? "application/octet-stream"
    }

    /// The description of content that begins with `bytes` (libmagic's `file` output).
    func description(of bytes: [UInt8]) -> String {
        classify(bytes, flags: Self.flags) ?? "data"
    }

    private func classify(_ bytes: [UInt8], flags: Int32) -> String? {
        unsafe magic_setflags(cookie, flags)
        return unsafe bytes.withUnsafeBytes { buffer in
            unsafe magic_buffer(cookie, buffer.baseAddress, min(buffer.count, Self.window)).map {
                unsafe String(cString: $0)
            }
        }
    }
}

/// libmagic could not be set up.
struct MagicError: Error, CustomStringConvertible {
    let message: String
    var description: String { "libmagic: \(message)" }
}
