/// The `File` table of a Windows Installer database, for the real names of the files its cabinets
/// hold (a cabinet names each file by its `File` key). Read as the installer stores tables: strings
/// in a pool (`_StringPool` lengths, `_StringData` bytes), each table column by column, its column
/// types from `_Columns`, integers offset by 0x8000 or 0x80000000.
public enum MSIFileTable {
    /// The stream names the table is read from, as `CompoundFile` decodes them.
    public static let streamNames = (pool: "!_StringPool", data: "!_StringData", columns: "!_Columns", file: "!File")

    /// File key → long file name (the part after `|` of a `SHORT~1.EXT|long name.ext` pair).
    ///
    /// - Throws: `FormatError` when the pool, the columns or the table are inconsistent.
    public static func names(pool: [UInt8], data: [UInt8], columns: [UInt8], file: [UInt8]) throws -> [String: String] {
        let (strings, referenceSize) = try stringPool(pool, data: data)
        func string(_ id: UInt32) -> String { Int(id) < strings.count ? strings[Int(id)] : "" }
        // _Columns: Table (string), Number (i2), Name (string), Type (i2).
        let columnTable = try Table(columns, sizes: [referenceSize, 2, referenceSize, 2])
        var fileColumns: [(number: UInt32, name: String, type: UInt32)] = []
        for row in 0..<columnTable.rows where string(try columnTable.value(row: row, column: 0)) == "File" {
            fileColumns.append(
                (
                    try columnTable.value(row: row, column: 1) ^ 0x8000,
                    string(try columnTable.value(row: row, column: 2)),
                    try columnTable.value(row: row, column: 3) ^ 0x8000
                )
            )
        }
        fileColumns.sort { $0.number < $1.number }
        guard let key = fileColumns.firstIndex(where: { $0.name == "File" }),
            let fileName = fileColumns.firstIndex(where: { $0.name == "FileName" })
        else { return [:] }
        let sizes = fileColumns.map { column -> Int in
            let isString = column.type & 0x0800 != 0
            if isString, column.type & ~0x1000 == 0x0900 { return 2 }  // a binary stream column
            if isString { return referenceSize }
            return column.type & 0xFF == 4 ? 4 : 2
        }
        let table = try Table(file, sizes: sizes)
        var names: [String: String] = [:]
        for row in 0..<table.rows {
            let long = string(try table.value(row: row, column: fileName)).split(separator: "|").last.map(String.init)
            names[string(try table.value(row: row, column: key))] = long ?? ""
        }
        return names.filter { !$0.key.isEmpty && !$0.value.isEmpty }
    }

    /// The strings by id (id 0 is the empty string) and the size of a string reference (2 or 3 bytes).
    static func stringPool(_ pool: [UInt8], data: [UInt8]) throws -> (strings: [String], referenceSize: Int) {
        let cursor = BinaryCursor(pool)
        let count = pool.count / 4
        guard count > 0 else { return ([""], 2) }
        let referenceSize = try cursor.u16le(at: 2) & 0x8000 != 0 ? 3 : 2
        var strings = [""]
        var offset = 0
        var index = 1
        while index < count {
            let length = Int(try cursor.u16le(at: 4 * index))
            let references = try cursor.u16le(at: 4 * index + 2)
            var total = length
            if length == 0, references != 0 {
                // A string of 64 KiB or more takes two entries: the length's low half is the next
                // entry's length, its high half that entry's reference count.
                guard index + 1 < count else { throw FormatError.truncated("string pool ends in a long entry") }
                total =
                    Int(try cursor.u16le(at: 4 * (index + 1) + 2)) << 16 | Int(try cursor.u16le(at: 4 * (index + 1)))
                index += 1
            }
            // An entry of two zeros is an empty string that still takes an id.
            index += 1
            guard total <= data.count - offset else { throw FormatError.truncated("string data shorter than the pool") }
            strings.append(String(decoding: data[offset..<(offset + total)], as: UTF8.self))
            offset += total
        }
        return (strings, referenceSize)
    }

    /// A table stored column by column, each column `sizes[c]` bytes a value.
    struct Table {
        let bytes: [UInt8]
        let sizes: [Int]
        let rows: Int

        init(_ bytes: [UInt8], sizes: [Int]) throws {
            let rowSize = sizes.reduce(0, +)
            guard rowSize > 0, bytes.count % rowSize == 0 else {
                throw FormatError.malformed(
                    "table of \(bytes.count) bytes is not a whole number of \(rowSize)-byte rows"
                )
            }
            self.bytes = bytes
            self.sizes = sizes
            rows = bytes.count / rowSize
        }

        func value(row: Int, column: Int) throws -> UInt32 {
            guard column < sizes.count, row < rows else {
                throw FormatError.malformed("no table cell \(row), \(column)")
            }
            let offset = sizes[..<column].reduce(0, +) * rows + row * sizes[column]
            var value: UInt32 = 0
            for byte in 0..<sizes[column] { value |= UInt32(bytes[offset + byte]) << (8 * UInt32(byte)) }
            return value
        }
    }
}
