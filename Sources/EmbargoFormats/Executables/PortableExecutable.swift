/// What a Windows PE file (EXE, DLL, SYS) says about its maker: the version-resource strings and the
/// Authenticode signature's certificates.
///
/// Only the headers, the resource directory path to the version resource and the certificate table
/// are read, so a large installer costs a few reads.
public struct PortableExecutable: Sendable {
    /// The strings of the first string table of the version resource, in file order
    /// (`CompanyName`, `ProductName`, `FileDescription`, `OriginalFilename`, `LegalCopyright`, ...).
    public let versionStrings: [(key: String, value: String)]
    /// The Authenticode signatures (one per PKCS#7 entry of the certificate table).
    public let signatures: [SignedDataCertificates]
    /// Problems met on the way that did not stop the reading (a damaged certificate table, say).
    public let warnings: [String]
    /// The section names (`.text`, `.rsrc`, `.wixburn`, ...).
    public var sectionNames: [String] = []
    /// Where the sections' raw data ends: what follows (an installer's payload, the certificate
    /// table) is the overlay, which the loader does not map.
    public var imageEnd: UInt64 = 0

    /// The value of a version string, if present.
    public func versionString(_ key: String) -> String? {
        versionStrings.first { $0.key == key }?.value
    }

    /// Reads a PE file.
    ///
    /// - Throws: `FormatError` when the headers are not those of a PE file, or an I/O error from the source.
    /// With `layoutOnly`, only the headers and the section table are read (the section names and
    /// `imageEnd`), for a look at the overlay that costs no certificate parsing.
    public static func read(_ source: some ByteSource, layoutOnly: Bool = false) throws -> PortableExecutable {
        let headerBytes = try source.bytes(at: 0, count: 4096)
        let header = BinaryCursor(headerBytes)
        guard headerBytes.count >= 0x40, headerBytes[0] == 0x4D, headerBytes[1] == 0x5A else {
            throw FormatError.badMagic("PE: no MZ header")
        }
        let peOffset = Int(try header.u32le(at: 0x3C))
        guard peOffset < 1 << 20 else { throw FormatError.malformed("PE: header offset \(peOffset) is implausible") }
        let peHeader = try source.exactBytes(at: UInt64(peOffset), count: 24, what: "PE header")
        guard Array(peHeader[0..<4]) == [0x50, 0x45, 0, 0] else { throw FormatError.badMagic("PE: no PE signature") }
        let coff = BinaryCursor(peHeader)
        let sectionCount = Int(try coff.u16le(at: 6))
        let optionalSize = Int(try coff.u16le(at: 20))
        guard sectionCount <= 96, optionalSize <= 4096 else { throw FormatError.limit("PE: implausible header sizes") }
        let optional = BinaryCursor(
            try source.exactBytes(at: UInt64(peOffset + 24), count: optionalSize, what: "optional header")
        )
        let magic = try optional.u16le(at: 0)
        let directoryStart: Int
        switch magic {
        case 0x10B: directoryStart = 96
        case 0x20B: directoryStart = 112
        default: throw FormatError.unsupported("PE: unknown optional header magic 0x\(String(magic, radix: 16))")
        }
        let directoryCount = Int(try optional.u32le(at: directoryStart - 4))
        func directory(_ index: Int) throws(FormatError) -> (address: UInt32, size: UInt32)? {
            guard index < directoryCount, directoryStart + index * 8 + 8 <= optionalSize else { return nil }
            let address = try optional.u32le(at: directoryStart + index * 8)
            let size = try optional.u32le(at: directoryStart + index * 8 + 4)
            return address == 0 || size == 0 ? nil : (address, size)
        }
        let sectionBytes = try source.exactBytes(
            at: UInt64(peOffset + 24 + optionalSize),
            count: sectionCount * 40,
            what: "section table"
        )
        let sections = try (0..<sectionCount).map { (index) throws(FormatError) -> Section in
            let cursor = BinaryCursor(sectionBytes)
            let base = index * 40
            return Section(
                name: try cursor.cString(at: base, limit: 8),
                virtualSize: try cursor.u32le(at: base + 8),
                virtualAddress: try cursor.u32le(at: base + 12),
                rawSize: try cursor.u32le(at: base + 16),
                rawOffset: try cursor.u32le(at: base + 20)
            )
        }
        var warnings: [String] = []
        var strings: [(String, String)] = []
        if !layoutOnly, let resources = try directory(2) {
            do {
                strings = try readVersionStrings(source, sections: sections, resourceRVA: resources.address)
            } catch let error as FormatError {
                warnings.append("version resource: \(error.message)")
            }
        }
        var signatures: [SignedDataCertificates] = []
        if !layoutOnly, let security = try directory(4) {
            do {
                signatures = try readCertificateTable(
                    source,
                    offset: UInt64(security.address),
                    size: Int(security.size)
                )
            } catch let error as FormatError {
                warnings.append("certificate table: \(error.message)")
            }
        }
        var executable = PortableExecutable(versionStrings: strings, signatures: signatures, warnings: warnings)
        executable.sectionNames = sections.map(\.name)
        executable.imageEnd = sections.map { UInt64($0.rawOffset) + UInt64($0.rawSize) }.max() ?? 0
        return executable
    }

    struct Section {
        let name: String
        let virtualSize: UInt32
        let virtualAddress: UInt32
        let rawSize: UInt32
        let rawOffset: UInt32

        func contains(_ address: UInt32) -> Bool {
            let extent = max(virtualSize, rawSize)
            return address >= virtualAddress && UInt64(address) < UInt64(virtualAddress) + UInt64(extent)
        }
    }

    static func fileOffset(of address: UInt32, in sections: [Section]) throws(FormatError) -> UInt64 {
        guard let section = sections.first(where: { $0.contains(address) }) else {
            throw FormatError.malformed("address 0x\(String(address, radix: 16)) is in no section")
        }
        return UInt64(section.rawOffset) + UInt64(address - section.virtualAddress)
    }

    // MARK: - Version resource

    /// RT_VERSION: the resource type that holds VS_VERSIONINFO.
    static let versionResourceType: UInt32 = 16

    static func readVersionStrings(
        _ source: some ByteSource,
        sections: [Section],
        resourceRVA: UInt32
    ) throws -> [(String, String)] {
        let base = try fileOffset(of: resourceRVA, in: sections)
        // Resource directory entries point at other directories by offsets from the section start.
        func entries(atDirectory offset: UInt32) throws -> [(id: UInt32, target: UInt32)] {
            let header = BinaryCursor(
                try source.exactBytes(at: base + UInt64(offset), count: 16, what: "resource directory")
            )
            let count = Int(try header.u16le(at: 12)) + Int(try header.u16le(at: 14))
            guard count <= 4096 else { throw FormatError.limit("resource directory with \(count) entries") }
            let table = BinaryCursor(
                try source.exactBytes(at: base + UInt64(offset) + 16, count: count * 8, what: "resource entries")
            )
            return try (0..<count).map { (index) throws(FormatError) in
                (try table.u32le(at: index * 8), try table.u32le(at: index * 8 + 4))
            }
        }
        let subdirectory: UInt32 = 0x8000_0000
        guard let type = try entries(atDirectory: 0).first(where: { $0.id == versionResourceType }),
            type.target & subdirectory != 0,
            let name = try entries(atDirectory: type.target & ~subdirectory).first,
            name.target & subdirectory != 0,
            let language = try entries(atDirectory: name.target & ~subdirectory).first,
            language.target & subdirectory == 0
        else { return [] }
        let dataEntry = BinaryCursor(
            try source.exactBytes(at: base + UInt64(language.target), count: 16, what: "resource data entry")
        )
        let address = try dataEntry.u32le(at: 0)
        let size = Int(try dataEntry.u32le(at: 4))
        guard size <= 1 << 20 else { throw FormatError.limit("version resource of \(size) bytes") }
        let data = try source.exactBytes(
            at: try fileOffset(of: address, in: sections),
            count: size,
            what: "version resource"
        )
        return try VersionInfo.strings(in: data)
    }

    // MARK: - Certificate table

    /// WIN_CERT_TYPE_PKCS_SIGNED_DATA.
    static let pkcsSignedData: UInt16 = 2

    static func readCertificateTable(
        _ source: some ByteSource,
        offset: UInt64,
        size: Int
    ) throws -> [SignedDataCertificates] {
        guard size <= 64 << 20 else { throw FormatError.limit("certificate table of \(size) bytes") }
        let table = try source.exactBytes(at: offset, count: size, what: "certificate table")
        let cursor = BinaryCursor(table)
        var signatures: [SignedDataCertificates] = []
        var position = 0
        while position + 8 <= table.count {
            let length = Int(try cursor.u32le(at: position))
            let type = try cursor.u16le(at: position + 6)
            guard length >= 8, position + length <= table.count else {
                throw FormatError.malformed("certificate entry of \(length) bytes")
            }
            if type == pkcsSignedData {
                signatures += try SignedDataReader.read(Array(table[(position + 8)..<(position + length)]))
            }
            position += (length + 7) & ~7
        }
        return signatures
    }
}

/// Reads the `StringFileInfo` strings of a VS_VERSIONINFO resource.
///
/// Every node is: wLength, wValueLength, wType (1 for text), the key (UTF-16LE, NUL-terminated),
/// padding to 4 bytes, the value, padding, then the child nodes up to wLength. The strings sit three
/// levels down: VS_VERSION_INFO, StringFileInfo, a string table per language, the strings.
enum VersionInfo {
    struct Node {
        let key: String
        let value: [UInt8]
        let isText: Bool
        let childrenStart: Int
        let end: Int
    }

    /// The strings of every string table, in file order.
    static func strings(in data: [UInt8]) throws(FormatError) -> [(String, String)] {
        let cursor = BinaryCursor(data)
        let root = try node(cursor, at: 0, limit: data.count)
        guard root.key == "VS_VERSION_INFO" else {
            throw FormatError.malformed("version resource key is '\(root.key)'")
        }
        var strings: [(String, String)] = []
        for block in try children(cursor, of: root) where block.key == "StringFileInfo" {
            for table in try children(cursor, of: block) {
                for string in try children(cursor, of: table) {
                    strings.append((string.key, text(string.value)))
                }
            }
        }
        return strings
    }

    static func children(_ cursor: BinaryCursor, of parent: Node) throws(FormatError) -> [Node] {
        var nodes: [Node] = []
        var position = parent.childrenStart
        while position + 6 <= parent.end {
            let child = try node(cursor, at: position, limit: parent.end)
            nodes.append(child)
            guard nodes.count <= 1024 else { throw FormatError.limit("version resource with too many entries") }
            position = align4(child.end)
        }
        return nodes
    }

    static func node(_ cursor: BinaryCursor, at start: Int, limit: Int) throws(FormatError) -> Node {
        let length = Int(try cursor.u16le(at: start))
        let valueLength = Int(try cursor.u16le(at: start + 2))
        let isText = try cursor.u16le(at: start + 4) == 1
        guard length >= 6, start + length <= limit else {
            throw FormatError.malformed("version resource node of \(length) bytes at \(start)")
        }
        let end = start + length
        var units: [UInt16] = []
        var position = start + 6
        while position + 2 <= end {
            let unit = try cursor.u16le(at: position)
            position += 2
            if unit == 0 { break }
            units.append(unit)
        }
        let valueStart = min(end, align4(position))
        let valueEnd = min(end, valueStart + (isText ? valueLength * 2 : valueLength))
        return Node(
            key: String(decoding: units, as: UTF16.self),
            value: try cursor.slice(at: valueStart, count: valueEnd - valueStart, "value"),
            isText: isText,
            childrenStart: min(end, align4(valueEnd)),
            end: end
        )
    }

    /// A UTF-16LE text value without its terminating NUL.
    static func text(_ bytes: [UInt8]) -> String {
        var units: [UInt16] = []
        var index = 0
        while index + 1 < bytes.count {
            let unit = UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
            if unit == 0 { break }
            units.append(unit)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static func align4(_ value: Int) -> Int { (value + 3) & ~3 }
}
