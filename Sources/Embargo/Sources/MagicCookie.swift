internal import CEmbargoMagic

/// One libmagic handle. libmagic handles are not thread-safe: each worker owns one.
struct MagicCookie: ~Copyable {
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
        guard let cookie = magic_open(Self.flags) else { throw MagicError(message: "magic_open failed") }
        guard magic_load(cookie, nil) == 0 else {
            let message = magic_error(cookie).map { String(cString: $0) } ?? "magic_load failed"
            magic_close(cookie)
            throw MagicError(message: message)
        }
        self.cookie = cookie
    }

    deinit {
        magic_close(cookie)
    }

    /// The MIME type and the description of content that begins with `bytes`.
    func classify(_ bytes: UnsafeRawBufferPointer) -> (mime: String, description: String) {
        magic_setflags(cookie, Self.flags | MAGIC_MIME_TYPE)
        let mime = magic_buffer(cookie, bytes.baseAddress, bytes.count).map { String(cString: $0) }
        magic_setflags(cookie, Self.flags)
        let description = magic_buffer(cookie, bytes.baseAddress, bytes.count).map { String(cString: $0) }
        return (mime ?? "application/octet-stream", description ?? "data")
    }

    /// The libmagic version, for reports.
    static var version: Int { Int(magic_version()) }
}

/// libmagic could not be set up.
struct MagicError: Error, CustomStringConvertible {
    let message: String
    var description: String { "libmagic: \(message)" }
}
