/// Random access to the bytes of an item, so that a reader can look at a large file's headers and
/// tables without holding the whole file. The engine implements it over files and archive members;
/// tests use byte arrays.
public protocol ByteSource {
    /// The item's size in bytes.
    var size: UInt64 { get }

    /// Up to `length` bytes at `offset` (fewer at the end of the item, none past it).
    ///
    /// - Throws: an error when the bytes cannot be read (an I/O error, not a format problem).
    func bytes(at offset: UInt64, count length: Int) throws -> [UInt8]
}

extension Array: ByteSource where Element == UInt8 {
    /// The array's length.
    public var size: UInt64 { UInt64(count) }

    /// A slice of the array, clipped to its end.
    public func bytes(at offset: UInt64, count length: Int) throws -> [UInt8] {
        guard offset < UInt64(count), length > 0 else { return [] }
        let start = Int(offset)
        return Array(self[start..<(start + Swift.min(count - start, length))])
    }
}

extension ByteSource {
    /// Exactly `length` bytes at `offset`.
    ///
    /// - Throws: `FormatError` when the item ends first.
    package func exactBytes(at offset: UInt64, count length: Int, what: String) throws -> [UInt8] {
        guard length >= 0 else { throw FormatError.malformed("\(what): negative length") }
        let bytes = try bytes(at: offset, count: length)
        guard bytes.count == length else { throw FormatError.truncated("\(what): truncated at offset \(offset)") }
        return bytes
    }
}

/// Bounds-checked reads of little- and big-endian integers from a byte array.
struct BinaryCursor {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    func require(_ count: Int, at offset: Int, _ what: String) throws(FormatError) {
        guard count >= 0, offset >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw FormatError.truncated(
                "\(what): out of bounds (offset \(offset), length \(count), size \(bytes.count))"
            )
        }
    }

    func u8(at offset: Int) throws(FormatError) -> UInt8 {
        try require(1, at: offset, "byte")
        return bytes[offset]
    }

    func u16le(at offset: Int) throws(FormatError) -> UInt16 {
        try require(2, at: offset, "16-bit value")
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32le(at offset: Int) throws(FormatError) -> UInt32 {
        try require(4, at: offset, "32-bit value")
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    func u64le(at offset: Int) throws(FormatError) -> UInt64 {
        try require(8, at: offset, "64-bit value")
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
    }

    func u16be(at offset: Int) throws(FormatError) -> UInt16 {
        try require(2, at: offset, "16-bit value")
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func u32be(at offset: Int) throws(FormatError) -> UInt32 {
        try require(4, at: offset, "32-bit value")
        return (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    func u64be(at offset: Int) throws(FormatError) -> UInt64 {
        try require(8, at: offset, "64-bit value")
        return (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    func slice(at offset: Int, count: Int, _ what: String) throws(FormatError) -> [UInt8] {
        try require(count, at: offset, what)
        return Array(bytes[offset..<offset + count])
    }

    /// A NUL-terminated string starting at `offset` (at most `limit` bytes), decoded as UTF-8.
    func cString(at offset: Int, limit: Int = 4096) throws(FormatError) -> String {
        try require(0, at: offset, "string")
        var end = offset
        while end < bytes.count, end - offset < limit, bytes[end] != 0 { end += 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}
