/// A compact binary encoding for what a supervised scanning process and its parent exchange: unit
/// results, the state a restarted process resumes from, and the location in a crash slot.
struct FrameWriter {
    private(set) var bytes: [UInt8] = []

    mutating func integer(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func integer(_ value: Int) {
        integer(UInt64(bitPattern: Int64(value)))
    }

    mutating func data(_ value: [UInt8]) {
        integer(value.count)
        bytes += value
    }

    mutating func text(_ value: String) {
        data(Array(value.utf8))
    }

    mutating func flag(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func location(_ location: Location) {
        data(location.path.bytes)
        integer(location.members.count)
        for member in location.members { data(member.bytes) }
    }

    mutating func stamp(_ stamp: FileStamp?) {
        flag(stamp != nil)
        guard let stamp else { return }
        integer(stamp.size)
        integer(UInt64(bitPattern: stamp.modified))
        integer(stamp.inode)
        integer(stamp.device)
    }
}

/// Reads what `FrameWriter` wrote; anything short or inconsistent is an error, never a trap.
struct FrameReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func integer() throws(FrameError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count, shift < 64 else { throw FrameError("a number is cut short") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func int() throws(FrameError) -> Int {
        Int(Int64(bitPattern: try integer()))
    }

    mutating func count(limit: Int = 1 << 30) throws(FrameError) -> Int {
        let value = try integer()
        guard value <= UInt64(limit) else { throw FrameError("a count of \(value) is out of range") }
        return Int(value)
    }

    mutating func data() throws(FrameError) -> [UInt8] {
        let length = try count()
        guard length <= bytes.count - position else { throw FrameError("a field of \(length) bytes is cut short") }
        defer { position += length }
        return Array(bytes[position..<position + length])
    }

    mutating func text() throws(FrameError) -> String {
        String(decoding: try data(), as: UTF8.self)
    }

    mutating func flag() throws(FrameError) -> Bool {
        guard position < bytes.count else { throw FrameError("a flag is cut short") }
        defer { position += 1 }
        return bytes[position] != 0
    }

    mutating func location() throws(FrameError) -> Location {
        let path = ScanPath(bytes: try data())
        var members: [ScanPath] = []
        for _ in 0..<(try count(limit: 1 << 16)) { members.append(ScanPath(bytes: try data())) }
        return Location(path: path, members: members)
    }

    mutating func stamp() throws(FrameError) -> FileStamp? {
        guard try flag() else { return nil }
        return FileStamp(
            size: try integer(),
            modified: Int64(bitPattern: try integer()),
            inode: try integer(),
            device: try integer()
        )
    }
}

/// A frame that does not decode.
struct FrameError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
