/// The members of an uncompressed tar archive with where their data lies, read from the headers
/// alone (ustar, GNU long names and base-256 sizes, pax `path` and `size` records), so that a
/// container image's manifest and layers can be read in any order straight from the archive.
public struct TarListing: Sendable {
    /// One member.
    public struct Member: Sendable, Hashable {
        /// The member's path, normalised (no leading `./` or `/`, no trailing `/`).
        public var path: String
        /// Where the member's data starts in the archive.
        public var offset: UInt64
        /// The data's length.
        public var size: UInt64
        /// Whether it is a directory.
        public var isDirectory: Bool
        /// Whether it is a regular file (the others have no data).
        public var isRegularFile: Bool

        /// The data's byte range in the archive.
        public var range: Range<UInt64> { offset..<(offset + size) }
    }

    /// The members, in archive order.
    public let members: [Member]
    private let byPath: [String: Int]

    /// The regular member at `path` (normalised), if any.
    public func member(_ path: String) -> Member? {
        byPath[Self.normalise(path)].map { members[$0] }
    }

    private static let block: UInt64 = 512

    /// Lists the members of the tar archive in `source`.
    ///
    /// - Throws: `FormatError` when a header is damaged (bad checksum, a size or record that is not a
    ///   number, data past the end of the source) or there are more than `maxMembers` members.
    public init(_ source: some ByteSource, maxMembers: Int) throws {
        var members: [Member] = []
        var byPath: [String: Int] = [:]
        var position: UInt64 = 0
        var longName: String?
        var paxPath: String?
        var paxSize: UInt64?
        while position < source.size {
            let header = try source.bytes(at: position, count: Int(Self.block))
            guard header.count == Int(Self.block) else { throw FormatError.truncated("tar header at \(position)") }
            if header.allSatisfy({ $0 == 0 }) { break }
            try Self.verifyChecksum(header, at: position)
            let type = header[156]
            var size = try Self.number(header[124..<136], "size of the tar member at \(position)")
            if let paxSize, type != UInt8(ascii: "x"), type != UInt8(ascii: "L") { size = paxSize }
            let dataOffset = try Checked.sum(position, Self.block, "tar member data offset")
            let dataEnd = try Checked.sum(dataOffset, size, "tar member end")
            guard dataEnd <= source.size else {
                throw FormatError.truncated("tar member at \(position) runs past the end (\(size) bytes)")
            }
            position = try Checked.alignedUp(dataEnd, to: Self.block, "next tar header")
            switch type {
            case UInt8(ascii: "L"):
                longName = try Self.text(source, at: dataOffset, size: size, "GNU long name")
                continue
            case UInt8(ascii: "x"):
                let records = try Self.paxRecords(Self.bytes(source, at: dataOffset, size: size, "pax header"))
                paxPath = records["path"] ?? paxPath
                if let text = records["size"] {
                    guard let value = UInt64(text) else {
                        throw FormatError.malformed("pax size '\(text)' is not a number")
                    }
                    paxSize = value
                }
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "K"):
                continue
            default:
                break
            }
            let name = paxPath ?? longName ?? Self.ustarName(header)
            longName = nil
            paxPath = nil
            paxSize = nil
            guard members.count < maxMembers else {
                throw FormatError.limit("the tar archive has more than \(maxMembers) members")
            }
            let isRegular = type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "7")
            let member = Member(
                path: Self.normalise(name),
                offset: dataOffset,
                size: isRegular ? size : 0,
                isDirectory: type == UInt8(ascii: "5"),
                isRegularFile: isRegular
            )
            if isRegular { byPath[member.path] = members.count }
            members.append(member)
        }
        self.members = members
        self.byPath = byPath
    }

    /// A member path without a leading `./` or `/` and without a trailing `/`.
    public static func normalise(_ path: String) -> String {
        var path = Substring(path)
        while true {
            if path.hasPrefix("./") {
                path = path.dropFirst(2)
            } else if path.hasPrefix("/") {
                path = path.dropFirst()
            } else {
                break
            }
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        return path == "." ? "" : String(path)
    }

    /// Whether `header` is a tar header (its checksum matches), so that a tar can be told by its first
    /// block without reading further.
    public static func isHeader(_ header: [UInt8]) -> Bool {
        guard header.count >= Int(block) else { return false }
        return (try? verifyChecksum(Array(header.prefix(Int(block))), at: 0)) != nil
    }

    /// The name of the first member, when `head` starts with a tar header.
    public static func firstName(_ head: [UInt8]) -> String? {
        guard isHeader(head) else { return nil }
        return normalise(ustarName(Array(head.prefix(Int(block)))))
    }

    private static func ustarName(_ header: [UInt8]) -> String {
        let name = field(header[0..<100])
        let isUstar = header[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar && header[262] == 0 ? field(header[345..<500]) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func field(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func verifyChecksum(_ header: [UInt8], at position: UInt64) throws(FormatError) {
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        let stored = try number(header[148..<156], "tar header checksum at \(position)")
        guard stored == UInt64(sum) else { throw FormatError.badMagic("tar header at \(position): bad checksum") }
    }

    /// A numeric header field: octal digits (space or NUL padded), or base-256 when the high bit of the
    /// first byte is set.
    private static func number(_ bytes: ArraySlice<UInt8>, _ what: String) throws(FormatError) -> UInt64 {
        guard let first = bytes.first else { return 0 }
        if first & 0x80 != 0 {
            guard first == 0x80 else { throw FormatError.malformed("\(what): negative or oversized base-256 number") }
            var value: UInt64 = 0
            for byte in bytes.dropFirst() {
                guard value >> 56 == 0 else { throw FormatError.overflow("\(what): base-256 number too large") }
                value = value << 8 | UInt64(byte)
            }
            return value
        }
        var value: UInt64 = 0
        var seenDigit = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                value = try Checked.sum(
                    Checked.product(value, 8, what),
                    UInt64(byte - UInt8(ascii: "0")),
                    what
                )
                seenDigit = true
            case UInt8(ascii: " "), 0:
                if seenDigit { return value }
            default:
                throw FormatError.malformed("\(what): not an octal number")
            }
        }
        return value
    }

    private static func bytes(
        _ source: some ByteSource,
        at offset: UInt64,
        size: UInt64,
        _ what: String
    ) throws
        -> [UInt8]
    {
        guard size <= 1 << 20 else { throw FormatError.limit("\(what) of \(size) bytes") }
        return try source.exactBytes(at: offset, count: Int(size), what: what)
    }

    private static func text(
        _ source: some ByteSource,
        at offset: UInt64,
        size: UInt64,
        _ what: String
    ) throws
        -> String
    {
        field(try bytes(source, at: offset, size: size, what)[...])
    }

    /// The records of a pax extended header: `LENGTH KEY=VALUE\n`, the length counting the whole record.
    private static func paxRecords(_ bytes: [UInt8]) throws(FormatError) -> [String: String] {
        var records: [String: String] = [:]
        var start = 0
        while start < bytes.count {
            guard let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: bytes[start..<space], as: UTF8.self)),
                length > space - start, length <= bytes.count - start
            else {
                if bytes[start...].allSatisfy({ $0 == 0 }) { break }
                throw FormatError.malformed("pax record at \(start) has no valid length")
            }
            let record = bytes[(space + 1)..<(start + length)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[..<equals], as: UTF8.self)
                var value = record[(equals + 1)...]
                if value.last == UInt8(ascii: "\n") { value = value.dropLast() }
                records[key] = String(decoding: value, as: UTF8.self)
            }
            start += length
        }
        return records
    }
}
