/// An RPM header: the tagged metadata of an .rpm file (after the lead and the signature header) and of
/// each row of the installed database (`rpmdb.sqlite` stores header blobs).
///
/// libarchive reads an .rpm's payload but skips its headers, so Embargo parses them itself.
public struct RPMHeader: Sendable, Hashable {
    /// The tags Embargo reads.
    public enum Tag: UInt32, Sendable, CaseIterable {
        case name = 1000
        case version = 1001
        case release = 1002
        case summary = 1004
        case description = 1005
        case vendor = 1011
        case license = 1014
        case packager = 1015
        case group = 1016
        case url = 1020
        case architecture = 1022
    }

    /// The string tags found, by tag (the first value of arrays and translated strings).
    public let strings: [UInt32: String]

    /// A tag's value.
    public subscript(tag: Tag) -> String? { strings[tag.rawValue] }

    static let intro: [UInt8] = [0x8E, 0xAD, 0xE8, 0x01]
    static let leadMagic: [UInt8] = [0xED, 0xAB, 0xEE, 0xDB]

    /// Reads the main header of an .rpm file: skips the 96-byte lead and the signature header.
    ///
    /// - Throws: `FormatError` for a file that is not an RPM or a damaged header, or an I/O error.
    public static func readPackage(_ source: some ByteSource) throws -> RPMHeader {
        let lead = try source.exactBytes(at: 0, count: 96, what: "RPM lead")
        guard Array(lead[0..<4]) == leadMagic else { throw FormatError.badMagic("not an RPM package") }
        let signatureSize = try headerSize(source, at: 96)
        let mainStart = (96 + signatureSize + 7) & ~7
        let mainSize = try headerSize(source, at: UInt64(mainStart))
        return try parse(try source.exactBytes(at: UInt64(mainStart), count: mainSize, what: "RPM header"))
    }

    /// The size of the header structure at `offset` (intro, index and data).
    static func headerSize(_ source: some ByteSource, at offset: UInt64) throws -> Int {
        let intro = BinaryCursor(try source.exactBytes(at: offset, count: 16, what: "RPM header intro"))
        guard try intro.slice(at: 0, count: 4, "magic") == Self.intro else {
            throw FormatError.badMagic("RPM header magic missing at \(offset)")
        }
        let indexCount = Int(try intro.u32be(at: 8))
        let dataLength = Int(try intro.u32be(at: 12))
        guard indexCount <= 100_000, dataLength <= 256 << 20 else {
            throw FormatError.limit("implausible RPM header sizes")
        }
        return 16 + indexCount * 16 + dataLength
    }

    /// Parses a header: with its 8-byte intro (as in .rpm files) or without (as stored in rpmdb).
    ///
    /// - Throws: `FormatError` for a damaged header.
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> RPMHeader {
        let cursor = BinaryCursor(bytes)
        var start = 0
        if bytes.count >= 8, Array(bytes[0..<4]) == intro { start = 8 }
        let indexCount = Int(try cursor.u32be(at: start))
        let dataLength = Int(try cursor.u32be(at: start + 4))
        guard indexCount >= 1, indexCount <= 100_000 else {
            throw FormatError.malformed("RPM header with \(indexCount) entries")
        }
        let indexStart = start + 8
        let dataStart = indexStart + indexCount * 16
        try cursor.require(dataLength, at: dataStart, "RPM header data")
        let wanted = Set(Tag.allCases.map(\.rawValue))
        var strings: [UInt32: String] = [:]
        for entry in 0..<indexCount {
            let base = indexStart + entry * 16
            let tag = try cursor.u32be(at: base)
            guard wanted.contains(tag) else { continue }
            let type = try cursor.u32be(at: base + 4)
            let offset = Int(try cursor.u32be(at: base + 8))
            guard [6, 8, 9].contains(type), offset < dataLength else { continue }
            strings[tag] = try cursor.cString(at: dataStart + offset, limit: min(65_536, dataLength - offset))
        }
        return RPMHeader(strings: strings)
    }
}
