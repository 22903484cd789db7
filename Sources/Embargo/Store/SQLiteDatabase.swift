internal import CEmbargoSQLite

/// A SQLite connection (the C library), for the rpm database and the findings store. Not
/// thread-safe: each user opens its own.
final class SQLiteDatabase {
    private let handle: OpaquePointer

    /// Opens a database: read-only and immutable (no locks, no journal, nothing written) for reading
    /// other systems' databases, or read-write, created if missing, for the store.
    ///
    /// - Throws: `StoreError` when the file cannot be opened.
    init(path: String, readOnly: Bool) throws(StoreError) {
        var connection: OpaquePointer?
        let target = readOnly ? "file:" + Self.uriEscape(path) + "?immutable=1" : path
        let flags = (readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(target, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let connection { sqlite3_close_v2(connection) }
            throw StoreError("SQLite \(path): \(message)")
        }
        handle = connection
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        sqlite3_close_v2(handle)
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
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw StoreError("SQLite: \(text)")
        }
    }

    /// Runs one statement with parameters, calling `row` with each result row's columns.
    func query(_ sql: String, _ parameters: [Value] = [], row: ([Value]) throws -> Void = { _ in }) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw StoreError("SQLite: \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch parameter {
            case .null: sqlite3_bind_null(statement, position)
            case .integer(let value): sqlite3_bind_int64(statement, position, value)
            case .text(let value): sqlite3_bind_text(statement, position, value, -1, CEmbargoSQLite_transient())
            case .blob(let value):
                _ = value.withUnsafeBytes {
                    sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), CEmbargoSQLite_transient())
                }
            }
        }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw StoreError("SQLite: \(String(cString: sqlite3_errmsg(handle)))") }
            var columns: [Value] = []
            for column in 0..<sqlite3_column_count(statement) {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: columns.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_TEXT: columns.append(.text(String(cString: sqlite3_column_text(statement, column))))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    if let bytes = sqlite3_column_blob(statement, column) {
                        columns.append(.blob(Array(UnsafeRawBufferPointer(start: bytes, count: count))))
                    } else {
                        columns.append(.blob([]))
                    }
                default: columns.append(.null)
                }
            }
            try row(columns)
        }
    }

    static func uriEscape(_ path: String) -> String {
        var result = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"), 0x80...0xFF:
                result += "%" + String(byte, radix: 16, uppercase: true)
            default: result.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return result
    }
}

/// A problem with a database: the rpm database being read or the findings store.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What happened.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
