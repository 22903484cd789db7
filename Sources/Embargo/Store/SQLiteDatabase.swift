internal import CEmbargoSQLite
internal import CEmbargoSQLiteSource

/// A SQLite connection (the C library), for databases read from the scanned content (rpmdb) and for
/// the findings store. Not thread-safe: each user opens its own.
@safe final class SQLiteDatabase {
    private let handle: OpaquePointer
    /// What serves the bytes of a database read from content; kept alive with the connection.
    private let source: DatabaseSource?

    /// Opens the findings store at `path`, read-write, created if missing.
    ///
    /// - Throws: `StoreError` when the file cannot be opened.
    init(storeAt path: String) throws(StoreError) {
        var connection: OpaquePointer?
        let status = unsafe sqlite3_open_v2(
            path,
            &connection,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
            nil
        )
        guard status == SQLITE_OK, let connection = unsafe connection else {
            let error = unsafe Self.error(status, connection, "SQLite \(path)")
            if let connection = unsafe connection { unsafe sqlite3_close_v2(connection) }
            throw error
        }
        unsafe handle = connection
        source = nil
        unsafe sqlite3_busy_timeout(handle, 10_000)
    }

    /// Opens a database whose bytes are `content` (a file or an archive member), read-only and
    /// immutable: nothing is written, no lock is taken, no path is needed.
    ///
    /// - Throws: `StoreError` when the bytes are not a database SQLite can open.
    init(reading content: ItemContent) throws(StoreError) {
        let source = DatabaseSource(content)
        var connection: OpaquePointer?
        let status = unsafe source.withDescription { unsafe CEmbargoSQLiteSource_open($0, &connection) }
        guard status == SQLITE_OK, let connection = unsafe connection else {
            let error = unsafe Self.error(status, connection, "SQLite")
            if let connection = unsafe connection { unsafe sqlite3_close_v2(connection) }
            throw error
        }
        unsafe handle = connection
        self.source = source
    }

    deinit {
        unsafe sqlite3_close_v2(handle)
    }

    /// A value to bind to a statement parameter.
    enum Value {
        case null
        case integer(Int64)
        case text(String)
        case blob([UInt8])
    }

    /// Runs statements without results.
    func execute(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = unsafe sqlite3_exec(handle, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            let text = unsafe message.map { unsafe String(cString: $0) } ?? "error"
            unsafe sqlite3_free(message)
            throw StoreError(Self.code(status), "SQLite: \(text)")
        }
    }

    /// Runs one statement with parameters, calling `row` with each result row's columns.
    func query(_ sql: String, _ parameters: [Value] = [], row: ([Value]) throws -> Void = { _ in }) throws {
        var prepared: OpaquePointer?
        let status = unsafe sqlite3_prepare_v2(handle, sql, -1, &prepared, nil)
        guard status == SQLITE_OK, let statement = unsafe prepared else {
            throw unsafe Self.error(status, handle, "SQLite")
        }
        defer { unsafe sqlite3_finalize(statement) }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch parameter {
            case .null: unsafe sqlite3_bind_null(statement, position)
            case .integer(let value): unsafe sqlite3_bind_int64(statement, position, value)
            case .text(let value): unsafe sqlite3_bind_text(statement, position, value, -1, CEmbargoSQLite_transient())
            case .blob(let value):
                _ = unsafe value.withUnsafeBytes {
                    unsafe sqlite3_bind_blob(
                        statement,
                        position,
                        $0.baseAddress,
                        Int32($0.count),
                        CEmbargoSQLite_transient()
                    )
                }
            }
        }
        while true {
            let step = unsafe sqlite3_step(statement)
            if step == SQLITE_DONE { return }
            guard step == SQLITE_ROW else { throw unsafe Self.error(step, handle, "SQLite") }
            var columns: [Value] = []
            let columnCount = unsafe sqlite3_column_count(statement)
            for column in 0..<columnCount {
                switch unsafe sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: columns.append(.integer(unsafe sqlite3_column_int64(statement, column)))
                case SQLITE_TEXT:
                    let count = Int(unsafe sqlite3_column_bytes(statement, column))
                    let text = unsafe sqlite3_column_text(statement, column).map {
                        unsafe String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                    }
                    columns.append(.text(text ?? ""))
                case SQLITE_BLOB:
                    let count = Int(unsafe sqlite3_column_bytes(statement, column))
                    if let bytes = unsafe sqlite3_column_blob(statement, column) {
                        columns.append(.blob(unsafe Array(UnsafeRawBufferPointer(start: bytes, count: count))))
                    } else {
                        columns.append(.blob([]))
                    }
                default: columns.append(.null)
                }
            }
            try row(columns)
        }
    }

    /// The error for result `status`, with the connection's message where there is one.
    private static func error(_ status: Int32, _ connection: OpaquePointer?, _ what: String) -> StoreError {
        let message =
            unsafe (connection.map { unsafe String(cString: sqlite3_errmsg($0)) }
            ?? String(cString: sqlite3_errstr(status)))
        return StoreError(code(status), "\(what): \(message)")
    }

    /// The kind of problem an SQLite result code means.
    private static func code(_ status: Int32) -> StoreError.Code {
        switch status & 0xFF {
        case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_FORMAT, SQLITE_RANGE: .corrupt
        case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_READONLY: .io
        case SQLITE_ERROR: .unsupported
        default: .other
        }
    }
}

/// Serves an item's bytes to SQLite through `CEmbargoSQLiteSource`.
@safe private final class DatabaseSource {
    private let content: ItemContent
    private let description: UnsafeMutablePointer<CEmbargoSQLiteSource>

    init(_ content: ItemContent) {
        self.content = content
        unsafe description = UnsafeMutablePointer<CEmbargoSQLiteSource>.allocate(capacity: 1)
        unsafe description.initialize(
            to: CEmbargoSQLiteSource(
                context: nil,
                size: Int64(clamping: content.size),
                read: { context, buffer, amount, offset in
                    guard let context = unsafe context, let buffer = unsafe buffer, amount >= 0, offset >= 0 else {
                        return -1
                    }
                    let source = unsafe Unmanaged<DatabaseSource>.fromOpaque(context).takeUnretainedValue()
                    let room = unsafe UnsafeMutableRawBufferPointer(start: buffer, count: Int(amount))
                    var filled = 0
                    while filled < room.count {
                        guard
                            let count = try? unsafe source.content.read(
                                into: UnsafeMutableRawBufferPointer(rebasing: room[filled...]),
                                at: UInt64(offset) + UInt64(filled)
                            )
                        else {
                            return -1
                        }
                        if count == 0 { break }
                        filled += count
                    }
                    return Int64(filled)
                }
            )
        )
        unsafe description.pointee.context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        unsafe description.deinitialize(count: 1)
        unsafe description.deallocate()
    }

    /// Calls `body` with the description SQLite reads through.
    func withDescription<Result>(_ body: (UnsafePointer<CEmbargoSQLiteSource>) -> Result) -> Result {
        unsafe body(description)
    }
}
