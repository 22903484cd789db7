/// What a Mach-O binary (thin or universal) says about its maker: per architecture slice, the code
/// signature's identifier, Team ID and CMS certificates, and the bundle identifier of an embedded
/// Info.plist.
public struct MachOBinary: Sendable {
    /// One architecture's facts.
    public struct Slice: Sendable, Hashable {
        /// The CPU type number.
        public let cpuType: UInt32
        /// The code signature's identifier (usually the bundle id), if signed.
        public let codeIdentifier: String?
        /// The Apple Developer Team ID, if the signature carries one.
        public let teamIdentifier: String?
        /// The certificates of the CMS signature.
        public let signatures: [SignedDataCertificates]
        /// `CFBundleIdentifier` of the Info.plist embedded in `__TEXT,__info_plist`, if any.
        public let bundleIdentifier: String?
    }

    /// The slices: one for a thin binary, several for a universal one.
    public let slices: [Slice]

    static let loadCodeSignature: UInt32 = 0x1D
    static let loadSegment: UInt32 = 0x1
    static let loadSegment64: UInt32 = 0x19

    /// Reads a thin or universal Mach-O binary.
    ///
    /// - Throws: `FormatError` when the headers are not Mach-O, or an I/O error from the source.
    public static func read(_ source: some ByteSource) throws -> MachOBinary {
        let head = BinaryCursor(try source.exactBytes(at: 0, count: 8, what: "Mach-O header"))
        let magic = try head.u32be(at: 0)
        if magic == 0xCAFE_BABE || magic == 0xCAFE_BABF {
            let is64 = magic == 0xCAFE_BABF
            let count = Int(try head.u32be(at: 4))
            guard count > 0, count < 32 else {
                throw FormatError.malformed("universal binary with \(count) architectures")
            }
            let entrySize = is64 ? 32 : 20
            let table = BinaryCursor(try source.exactBytes(at: 8, count: count * entrySize, what: "fat header"))
            var slices: [Slice] = []
            for index in 0..<count {
                let base = index * entrySize
                let offset = is64 ? try table.u64be(at: base + 8) : UInt64(try table.u32be(at: base + 8))
                let size = is64 ? try table.u64be(at: base + 16) : UInt64(try table.u32be(at: base + 12))
                guard offset < source.size, size <= source.size - offset else {
                    throw FormatError.malformed("architecture \(index) lies outside the file")
                }
                slices.append(try readSlice(source, base: offset, size: size))
            }
            return MachOBinary(slices: slices)
        }
        return MachOBinary(slices: [try readSlice(source, base: 0, size: source.size)])
    }

    static func readSlice(_ source: some ByteSource, base: UInt64, size: UInt64) throws -> Slice {
        let header = try source.exactBytes(at: base, count: 32, what: "Mach-O header")
        let cursor = BinaryCursor(header)
        let rawMagic = try cursor.u32le(at: 0)
        let littleEndian: Bool
        let is64: Bool
        switch rawMagic {
        case 0xFEED_FACE: (littleEndian, is64) = (true, false)
        case 0xFEED_FACF: (littleEndian, is64) = (true, true)
        case 0xCEFA_EDFE: (littleEndian, is64) = (false, false)
        case 0xCFFA_EDFE: (littleEndian, is64) = (false, true)
        default: throw FormatError.badMagic("not a Mach-O slice (magic 0x\(String(rawMagic, radix: 16)))")
        }
        func u32(_ cursor: BinaryCursor, _ offset: Int) throws(FormatError) -> UInt32 {
            littleEndian ? try cursor.u32le(at: offset) : try cursor.u32be(at: offset)
        }
        func u64(_ cursor: BinaryCursor, _ offset: Int) throws(FormatError) -> UInt64 {
            littleEndian ? try cursor.u64le(at: offset) : try cursor.u64be(at: offset)
        }
        let cpuType = try u32(cursor, 4)
        let commandCount = Int(try u32(cursor, 16))
        let commandsSize = Int(try u32(cursor, 20))
        guard commandCount <= 4096, commandsSize <= 16 << 20 else {
            throw FormatError.limit("implausible load commands")
        }
        let headerSize = is64 ? 32 : 28
        let commands = BinaryCursor(
            try source.exactBytes(at: base + UInt64(headerSize), count: commandsSize, what: "load commands")
        )
        var signatureRange: (offset: UInt64, size: Int)?
        var plistRange: (offset: UInt64, size: Int)?
        var position = 0
        for _ in 0..<commandCount {
            guard position + 8 <= commandsSize else { break }
            let command = try u32(commands, position)
            let length = Int(try u32(commands, position + 4))
            guard length >= 8, position + length <= commandsSize else {
                throw FormatError.malformed("load command of \(length) bytes")
            }
            if command == loadCodeSignature {
                signatureRange = (UInt64(try u32(commands, position + 8)), Int(try u32(commands, position + 12)))
            } else if command == loadSegment || command == loadSegment64 {
                let segmentHeader = command == loadSegment64 ? 72 : 56
                let sectionSize = command == loadSegment64 ? 80 : 68
                let sectionCount = Int(try u32(commands, position + (command == loadSegment64 ? 64 : 48)))
                for index in 0..<min(sectionCount, 256) {
                    let section = position + segmentHeader + index * sectionSize
                    guard section + sectionSize <= position + length else { break }
                    let name = try commands.cString(at: section, limit: 16)
                    let segment = try commands.cString(at: section + 16, limit: 16)
                    guard name == "__info_plist", segment == "__TEXT" else { continue }
                    let size =
                        command == loadSegment64
                        ? Int(clamping: try u64(commands, section + 40)) : Int(try u32(commands, section + 36))
                    let offset = UInt64(try u32(commands, section + (command == loadSegment64 ? 48 : 40)))
                    plistRange = (offset, size)
                }
            }
            position += length
        }
        var codeIdentifier: String?
        var teamIdentifier: String?
        var signatures: [SignedDataCertificates] = []
        if let signatureRange, signatureRange.size > 0, signatureRange.size <= 16 << 20, signatureRange.offset < size {
            let blob = try source.exactBytes(
                at: base + signatureRange.offset,
                count: signatureRange.size,
                what: "code signature"
            )
            (codeIdentifier, teamIdentifier, signatures) = try CodeSignature.read(blob)
        }
        var bundleIdentifier: String?
        if let plistRange, plistRange.size > 0, plistRange.size <= 1 << 20, plistRange.offset < size {
            let plist = try source.exactBytes(at: base + plistRange.offset, count: plistRange.size, what: "Info.plist")
            bundleIdentifier = PropertyList.bundleIdentifier(in: plist)
        }
        return Slice(
            cpuType: cpuType,
            codeIdentifier: codeIdentifier,
            teamIdentifier: teamIdentifier,
            signatures: signatures,
            bundleIdentifier: bundleIdentifier
        )
    }
}

/// Reads Apple code signature blobs (big-endian): the SuperBlob index, the CodeDirectory's identifier
/// and Team ID, and the CMS signature's certificates.
enum CodeSignature {
    static let superBlob: UInt32 = 0xFADE_0CC0
    static let codeDirectory: UInt32 = 0xFADE_0C02
    static let signatureWrapper: UInt32 = 0xFADE_0B01

    static func read(_ blob: [UInt8]) throws(FormatError) -> (String?, String?, [SignedDataCertificates]) {
        let cursor = BinaryCursor(blob)
        guard try cursor.u32be(at: 0) == superBlob else {
            throw FormatError.badMagic("code signature is not a SuperBlob")
        }
        let count = Int(try cursor.u32be(at: 8))
        guard count <= 64 else { throw FormatError.limit("code signature with \(count) blobs") }
        var identifier: String?
        var team: String?
        var signatures: [SignedDataCertificates] = []
        for index in 0..<count {
            let offset = Int(try cursor.u32be(at: 12 + index * 8 + 4))
            let magic = try cursor.u32be(at: offset)
            let length = Int(try cursor.u32be(at: offset + 4))
            try cursor.require(length, at: offset, "code signature blob")
            if magic == codeDirectory, identifier == nil {
                let version = try cursor.u32be(at: offset + 8)
                let identOffset = Int(try cursor.u32be(at: offset + 20))
                identifier = try cursor.cString(at: offset + identOffset, limit: 1024)
                if version >= 0x20200 {
                    let teamOffset = Int(try cursor.u32be(at: offset + 48))
                    if teamOffset != 0 { team = try cursor.cString(at: offset + teamOffset, limit: 64) }
                }
            } else if magic == signatureWrapper, length > 8 {
                signatures += try SignedDataReader.read(
                    try cursor.slice(at: offset + 8, count: length - 8, "CMS signature")
                )
            }
        }
        return (identifier, team, signatures)
    }
}
