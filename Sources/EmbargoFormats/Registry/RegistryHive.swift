/// A Windows registry hive file (`regf`: SOFTWARE, SYSTEM, NTUSER.DAT, ...), read from its bytes:
/// the key tree (`nk` records and their `li`/`lf`/`lh`/`ri` subkey lists) and each key's values
/// (`vk` records, with `db` big data). Every offset is checked against the hive's cells, and a cell
/// that does not hold the record it should is an error, so a damaged hive ends in `FormatError`.
///
/// A hive whose primary and secondary sequence numbers differ is dirty: changes in its transaction
/// logs (`.LOG1`, `.LOG2`) were never written into it. Such a hive is read as it stands — its last
/// committed state — and `isDirty` says so. Transaction logs start with the same base block and are
/// recognised (`isTransactionLog`), not replayed.
public struct RegistryHive: Sendable, RegistryTree {
    /// The bytes of the base block and the hive bins.
    private let cursor: BinaryCursor
    /// The end of the hive bins in `cursor`'s bytes.
    private let binsEnd: Int
    private let rootOffset: UInt32
    /// Whether the hive has its changes pending in transaction logs.
    public let isDirty: Bool
    /// The sequence numbers of the base block: primary (written before a change), secondary (after).
    public let sequenceNumbers: (primary: UInt32, secondary: UInt32)
    /// Whether the file is a transaction log rather than a hive.
    public let isTransactionLog: Bool
    /// The file name recorded in the base block (its last 31 characters), e.g.
    /// `\SystemRoot\System32\Config\SOFTWARE` cut from the left; empty when none is recorded.
    public let recordedFileName: String
    /// The format's minor version (big data records exist from 1.4 on).
    public let minorVersion: UInt32

    /// Where the hive bins start in the file.
    private static let binsStart = 4096
    /// The most bytes of data a single cell holds before big data records are used.
    private static let bigDataThreshold = 16344
    /// The largest value read (a certificate blob is a few KiB; an Uninstall string less).
    public static let valueSizeLimit = 16 << 20

    /// Whether `head` starts a registry hive or transaction log (version 1.x).
    public static func recognises(_ head: [UInt8]) -> Bool {
        // "regf", compared as an integer: this runs for every item of a scan.
        let bytes = Head(head)
        return bytes.u32le(0) == 0x6667_6572 && bytes.u32le(20) == 1
    }

    /// Reads the base block of the hive in `bytes`.
    ///
    /// - Throws: `FormatError` when the base block is not a registry hive's.
    public init(_ bytes: [UInt8]) throws(FormatError) {
        let cursor = BinaryCursor(bytes)
        guard bytes.count >= 512, Array(bytes[0..<4]) == Array("regf".utf8) else {
            throw FormatError.badMagic("not a registry hive (no 'regf' base block)")
        }
        let major = try cursor.u32le(at: 20)
        minorVersion = try cursor.u32le(at: 24)
        guard major == 1 else { throw FormatError.unsupported("registry hive of version \(major).\(minorVersion)") }
        sequenceNumbers = (try cursor.u32le(at: 4), try cursor.u32le(at: 8))
        isDirty = sequenceNumbers.primary != sequenceNumbers.secondary
        let fileType = try cursor.u32le(at: 28)
        isTransactionLog = fileType == 1 || fileType == 2 || fileType == 6
        rootOffset = try cursor.u32le(at: 36)
        let binsSize = try Checked.convert(try cursor.u32le(at: 40), to: Int.self, "hive bins size")
        // A dirty hive may have grown in its logs only: read the bins the file holds.
        binsEnd = min(bytes.count, try Checked.sum(Self.binsStart, binsSize, "hive bins end"))
        var name: [UInt16] = []
        for index in 0..<32 {
            let unit = try cursor.u16le(at: 48 + 2 * index)
            if unit == 0 { break }
            name.append(unit)
        }
        recordedFileName = String(decoding: name, as: UTF16.self)
        self.cursor = cursor
    }

    /// The root key.
    public func root() throws(FormatError) -> RegistryKey {
        try key(at: rootOffset)
    }

    /// The subkeys of `key`, in the order the hive lists them.
    public func children(of key: RegistryKey) throws(FormatError) -> [RegistryKey] {
        guard key.subkeyCount > 0 else { return [] }
        var offsets: [UInt32] = []
        try collectSubkeyOffsets(key.subkeyList, into: &offsets, nested: false)
        return try offsets.map { offset throws(FormatError) in try self.key(at: offset) }
    }

    /// The name of `key`.
    public func name(of key: RegistryKey) -> String { key.name }

    /// The values of `key`.
    public func values(of key: RegistryKey) throws(FormatError) -> [RegistryValue] {
        guard key.valueCount > 0 else { return [] }
        let list = try cell(at: key.valueList, "value list")
        let count = try Checked.convert(key.valueCount, to: Int.self, "value count")
        guard count <= list.count / 4 else {
            throw FormatError.malformed("key '\(key.name)' lists \(count) values in a cell of \(list.count) bytes")
        }
        return try (0..<count).map { index throws(FormatError) in
            try value(at: try cursor.u32le(at: list.lowerBound + 4 * index))
        }
    }

    /// The data of the cell at `offset` (relative to the hive bins): the range after its size field.
    private func cell(at offset: UInt32, _ what: String) throws(FormatError) -> Range<Int> {
        let start = try Checked.sum(Self.binsStart, try Checked.convert(offset, to: Int.self, what), what)
        guard offset != 0xFFFF_FFFF, start <= binsEnd - 4 else {
            throw FormatError.malformed("\(what) at cell offset \(offset), outside the hive bins")
        }
        let size = Int32(bitPattern: try cursor.u32le(at: start))
        guard size < 0, size != Int32.min else {
            throw FormatError.malformed("\(what) at cell offset \(offset) is not an allocated cell")
        }
        let length = Int(-size)
        guard length >= 8, length <= binsEnd - start else {
            throw FormatError.malformed("\(what) at cell offset \(offset): a cell of \(length) bytes does not fit")
        }
        return (start + 4)..<(start + length)
    }

    private func signature(of cell: Range<Int>) throws(FormatError) -> UInt16 {
        try cursor.u16le(at: cell.lowerBound)
    }

    private func key(at offset: UInt32) throws(FormatError) -> RegistryKey {
        let cell = try cell(at: offset, "key")
        guard try signature(of: cell) == Self.nk else {
            throw FormatError.malformed("cell at offset \(offset) is not a key ('nk') record")
        }
        let base = cell.lowerBound
        let flags = try cursor.u16le(at: base + 2)
        let nameLength = Int(try cursor.u16le(at: base + 72))
        guard base + 76 + nameLength <= cell.upperBound else {
            throw FormatError.malformed("key record at offset \(offset): its name runs past its cell")
        }
        let nameBytes = try cursor.slice(at: base + 76, count: nameLength, "key name")
        return RegistryKey(
            name: Self.decodeName(nameBytes, compressed: flags & 0x20 != 0),
            offset: offset,
            lastWritten: try cursor.u64le(at: base + 4),
            subkeyCount: try cursor.u32le(at: base + 20),
            subkeyList: try cursor.u32le(at: base + 28),
            valueCount: try cursor.u32le(at: base + 36),
            valueList: try cursor.u32le(at: base + 40)
        )
    }

    /// Appends the key offsets of the subkey list at `offset`; an index root (`ri`) holds lists,
    /// never another index root.
    private func collectSubkeyOffsets(_ offset: UInt32, into offsets: inout [UInt32], nested: Bool) throws(FormatError)
    {
        let list = try cell(at: offset, "subkey list")
        let kind = try signature(of: list)
        let count = Int(try cursor.u16le(at: list.lowerBound + 2))
        let stride: Int
        switch kind {
        case Self.li, Self.ri: stride = 4
        case Self.lf, Self.lh: stride = 8
        default: throw FormatError.malformed("cell at offset \(offset) is not a subkey list")
        }
        guard 4 + count * stride <= list.count else {
            throw FormatError.malformed("subkey list at offset \(offset) holds \(count) entries past its cell")
        }
        for index in 0..<count {
            let entry = try cursor.u32le(at: list.lowerBound + 4 + index * stride)
            if kind == Self.ri {
                guard !nested else { throw FormatError.malformed("index root inside an index root at \(offset)") }
                try collectSubkeyOffsets(entry, into: &offsets, nested: true)
            } else {
                offsets.append(entry)
            }
        }
    }

    private func value(at offset: UInt32) throws(FormatError) -> RegistryValue {
        let cell = try cell(at: offset, "value")
        guard try signature(of: cell) == Self.vk else {
            throw FormatError.malformed("cell at offset \(offset) is not a value ('vk') record")
        }
        let base = cell.lowerBound
        let nameLength = Int(try cursor.u16le(at: base + 2))
        let rawSize = try cursor.u32le(at: base + 4)
        let dataOffset = try cursor.u32le(at: base + 8)
        let type = try cursor.u32le(at: base + 12)
        let flags = try cursor.u16le(at: base + 16)
        guard base + 20 + nameLength <= cell.upperBound else {
            throw FormatError.malformed("value record at offset \(offset): its name runs past its cell")
        }
        let name = Self.decodeName(
            try cursor.slice(at: base + 20, count: nameLength, "value name"),
            compressed: flags & 1 != 0
        )
        let data: [UInt8]
        if rawSize & 0x8000_0000 != 0 {
            // Up to four bytes are held in the offset field itself.
            let size = Int(rawSize & 0x7FFF_FFFF)
            data = try cursor.slice(at: base + 8, count: min(size, 4), "resident value data")
        } else {
            let size = try Checked.convert(rawSize, to: Int.self, "value size")
            guard size <= Self.valueSizeLimit else {
                throw FormatError.limit("value '\(name)' of \(size) bytes (the limit is \(Self.valueSizeLimit))")
            }
            data = size == 0 ? [] : try valueData(at: dataOffset, size: size)
        }
        return RegistryValue(name: name, type: type, data: data)
    }

    /// A value's data of `size` bytes, from one cell or from a big data record's segments.
    private func valueData(at offset: UInt32, size: Int) throws(FormatError) -> [UInt8] {
        let cell = try cell(at: offset, "value data")
        if size > Self.bigDataThreshold, minorVersion >= 4, cell.count >= 8, try signature(of: cell) == Self.db {
            let segments = Int(try cursor.u16le(at: cell.lowerBound + 2))
            let list = try self.cell(at: try cursor.u32le(at: cell.lowerBound + 4), "big data segment list")
            guard segments * 4 <= list.count else {
                throw FormatError.malformed("big data record at \(offset) lists \(segments) segments past its cell")
            }
            var data: [UInt8] = []
            data.reserveCapacity(size)
            for index in 0..<segments where data.count < size {
                let segment = try self.cell(at: try cursor.u32le(at: list.lowerBound + 4 * index), "big data segment")
                let take = min(size - data.count, segment.count, Self.bigDataThreshold)
                data += try cursor.slice(at: segment.lowerBound, count: take, "big data segment")
            }
            guard data.count == size else {
                throw FormatError.truncated("big data value of \(size) bytes has only \(data.count) in its segments")
            }
            return data
        }
        guard size <= cell.count else {
            throw FormatError.malformed("value data of \(size) bytes in a cell of \(cell.count) at offset \(offset)")
        }
        return try cursor.slice(at: cell.lowerBound, count: size, "value data")
    }

    /// A key or value name: Latin-1 when stored compressed, otherwise UTF-16LE.
    private static func decodeName(_ bytes: [UInt8], compressed: Bool) -> String {
        if compressed { return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })) }
        return RegistryValue.utf16String(bytes)
    }

    private static let nk: UInt16 = 0x6B6E
    private static let vk: UInt16 = 0x6B76
    private static let li: UInt16 = 0x696C
    private static let lf: UInt16 = 0x666C
    private static let lh: UInt16 = 0x686C
    private static let ri: UInt16 = 0x6972
    private static let db: UInt16 = 0x6264
}

/// A key of a registry hive.
public struct RegistryKey: Sendable, Hashable {
    /// The key's name (one path component).
    public let name: String
    /// The offset of its record among the hive's cells.
    let offset: UInt32
    /// When it was last written (a Windows FILETIME).
    public let lastWritten: UInt64
    let subkeyCount: UInt32
    let subkeyList: UInt32
    let valueCount: UInt32
    let valueList: UInt32
}
