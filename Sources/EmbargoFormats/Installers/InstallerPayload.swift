/// What a Windows setup program carries after its code: the archive of a self-extractor (zip, 7z,
/// RAR or cabinet appended to a stub), or the data of an installer engine (NSIS, Inno Setup,
/// InstallShield, a WiX Burn bundle), told from the PE's overlay and sections.
public struct InstallerPayload: Sendable, Hashable {
    /// The kinds told apart.
    public enum Kind: String, Sendable, Hashable {
        case zip = "zip self-extractor"
        case sevenZip = "7-Zip self-extractor"
        case rar = "RAR self-extractor"
        case cab = "cabinet self-extractor"
        case nsis = "NSIS installer"
        case innoSetup = "Inno Setup installer"
        case installShield = "InstallShield installer"
        case wixBurn = "WiX Burn bundle"

        /// The archive format a self-extractor's payload is in; nil for installer engines.
        public var archiveFormat: ContentFormat? {
            switch self {
            case .zip: .zip
            case .sevenZip: .sevenZip
            case .rar: .rar
            case .cab: .cab
            default: nil
            }
        }
    }

    /// What the payload is.
    public var kind: Kind
    /// Where it starts in the file.
    public var offset: UInt64

    /// How far into the overlay a payload's signature is looked for (stubs pad to a boundary).
    private static let searchWindow = 64 << 10

    /// The payload of the PE in `source`, if it carries one.
    ///
    /// - Throws: the source's read errors.
    public static func find(in source: some ByteSource, executable: PortableExecutable) throws -> InstallerPayload? {
        if executable.sectionNames.contains(".wixburn") {
            return InstallerPayload(kind: .wixBurn, offset: executable.imageEnd)
        }
        let start = executable.imageEnd
        guard start > 0, start < source.size else { return nil }
        let window = try source.bytes(at: start, count: searchWindow)
        let signatures: [(Kind, [UInt8])] = [
            (.zip, [0x50, 0x4B, 0x03, 0x04]),
            (.sevenZip, [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]),
            (.rar, Array("Rar!\u{1A}\u{07}".utf8)),
            (.cab, Array("MSCF".utf8) + [0, 0, 0, 0]),
            (.nsis, [0xEF, 0xBE, 0xAD, 0xDE] + Array("NullsoftInst".utf8)),
            (.innoSetup, Array("zlb\u{1A}".utf8)),
            (.innoSetup, Array("Inno Setup Setup Data".utf8)),
            (.installShield, Array("InstallShield".utf8)),
            (.installShield, Array("ISSetupStream".utf8)),
        ]
        var best: InstallerPayload?
        for (kind, signature) in signatures {
            guard let position = firstIndex(of: signature, in: window) else { continue }
            // NSIS's first header starts four bytes (its flags) before the signature.
            let offset = start + UInt64(kind == .nsis ? max(0, position - 4) : position)
            if best.map({ offset < $0.offset }) ?? true { best = InstallerPayload(kind: kind, offset: offset) }
        }
        return best
    }

    private static func firstIndex(of signature: [UInt8], in bytes: [UInt8]) -> Int? {
        guard let first = signature.first, bytes.count >= signature.count else { return nil }
        var index = 0
        while index <= bytes.count - signature.count {
            guard let candidate = bytes[index...(bytes.count - signature.count)].firstIndex(of: first) else {
                return nil
            }
            if bytes[candidate..<(candidate + signature.count)].elementsEqual(signature) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
