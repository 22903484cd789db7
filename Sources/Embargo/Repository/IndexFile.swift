internal import Crypto
internal import EmbargoFormats

/// A repository index file on disk (`Packages.xz`, `primary.xml.gz`, `repomd.xml`): its decompressed
/// bytes, streamed, and its checksum as stored.
enum IndexFile {
    /// The most an index may expand to; a larger one is treated as damaged (Debian's largest
    /// `Packages` is under 100 MB, Fedora's `primary.xml` under 500 MB).
    static let expansionLimit: UInt64 = 4 << 30

    /// The compression of a stream that starts with `head`, or nil for plain bytes.
    static func compression(of head: [UInt8]) -> String? {
        let signatures: [(String, [UInt8])] = [
            ("gzip", [0x1F, 0x8B]), ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), ("bzip2", [0x42, 0x5A, 0x68]),
            ("zstd", [0x28, 0xB5, 0x2F, 0xFD]), ("lz4", [0x04, 0x22, 0x4D, 0x18]), ("lzma", [0x5D, 0x00, 0x00]),
        ]
        return signatures.first { head.starts(with: $0.1) }?.0
    }

    /// Streams the decompressed content of the file at `path` to `onChunk`.
    ///
    /// - Throws: `SystemError` when the file cannot be read, `ArchiveError` when it does not
    ///   decompress, `FormatError` when it expands past `expansionLimit`.
    static func stream(_ path: ScanPath, buffer: ReadBuffer, onChunk: (RawSpan) throws -> Void) throws {
        let content = try ItemContent(path: path)
        guard compression(of: try content.bytes(at: 0, count: 8)) != nil else {
            try content.stream(through: buffer, onData: onChunk)
            return
        }
        let reader = try ArchiveReader(rawStream: true)
        try reader.open(content)
        guard try reader.nextEntry() != nil else { return }
        var expanded: UInt64 = 0
        while try reader.readBlock({ block, _ in
            expanded += UInt64(block.byteCount)
            guard expanded <= expansionLimit else {
                throw FormatError.limit("expands to more than \(expansionLimit) bytes")
            }
            try onChunk(block)
        }) {}
    }

    /// The whole decompressed content, for small indexes (`repomd.xml`, `Release`).
    static func contents(_ path: ScanPath, buffer: ReadBuffer, limit: Int = 64 << 20) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try stream(path, buffer: buffer) { chunk in
            bytes += chunk.bytesArray
            guard bytes.count <= limit else { throw FormatError.limit("larger than \(limit) bytes") }
        }
        return bytes
    }

    /// The stored size and the checksum of the file with `algorithm` (`sha256`, `sha512`, `sha1`,
    /// `md5`), in lower-case hex; nil for an algorithm Embargo does not know.
    ///
    /// - Throws: `SystemError` when the file cannot be read or changes while it is read.
    static func checksum(_ path: ScanPath, algorithm: String, buffer: ReadBuffer) throws -> (size: UInt64, hex: String)?
    {
        let content = try ItemContent(path: path)
        let result: (size: UInt64, hex: String)?
        switch algorithm.lowercased() {
        case "sha256": result = try content.digest(SHA256(), buffer: buffer)
        case "sha512": result = try content.digest(SHA512(), buffer: buffer)
        case "sha1", "sha": result = try content.digest(Insecure.SHA1(), buffer: buffer)
        case "md5", "md5sum": result = try content.digest(Insecure.MD5(), buffer: buffer)
        default: return nil
        }
        guard let result else {
            throw SystemError(
                operation: "read",
                code: 0,
                message: "the file changed while it was read: \(content.change ?? "")"
            )
        }
        return result
    }
}
