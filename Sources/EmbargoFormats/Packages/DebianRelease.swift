/// A Debian repository's `Release` or `InRelease` file: the suite's description and the size and
/// checksums of every index file under its `dists/SUITE/` directory.
///
/// The OpenPGP armour of an `InRelease` file is removed (its signature is not checked here).
public struct DebianRelease: Sendable, Hashable {
    /// One index file the Release file vouches for.
    public struct IndexFile: Sendable, Hashable {
        /// The path relative to the Release file's directory (`main/binary-amd64/Packages.xz`).
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        /// The SHA-256 in lower-case hex, when the Release file lists one.
        public let sha256: String?
        /// The MD5 in lower-case hex, when listed (old repositories list no SHA-256).
        public let md5: String?
    }

    /// The suite (`stable`), or nil.
    public let suite: String?
    /// The code name (`bookworm`), or nil.
    public let codename: String?
    /// The origin (`Debian`), or nil.
    public let origin: String?
    /// The index files, in the order of first listing.
    public let files: [IndexFile]

    /// Parses a Release or InRelease file.
    ///
    /// - Throws: `FormatError` when the file has no fields or lists no checksums.
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> DebianRelease {
        let paragraphs = DebianControl.paragraphs(Self.removingArmour(bytes))
        guard let paragraph = paragraphs.first else { throw FormatError.malformed("empty Release file") }
        var sizes: [String: UInt64] = [:]
        var sha256: [String: String] = [:]
        var md5: [String: String] = [:]
        var order: [String] = []
        for (name, table) in [("SHA256", 0), ("MD5Sum", 1)] {
            guard let block = DebianControl.field(name, in: paragraph) else { continue }
            for line in block.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count == 3, let size = UInt64(parts[1]) else {
                    throw FormatError.malformed("\(name) line is not 'checksum size path': \(line.prefix(120))")
                }
                let path = String(parts[2])
                if sizes[path] == nil { order.append(path) }
                sizes[path] = size
                if table == 0 { sha256[path] = parts[0].lowercased() } else { md5[path] = parts[0].lowercased() }
            }
        }
        guard !order.isEmpty else { throw FormatError.malformed("Release file lists no SHA256 or MD5Sum checksums") }
        return DebianRelease(
            suite: DebianControl.field("Suite", in: paragraph),
            codename: DebianControl.field("Codename", in: paragraph),
            origin: DebianControl.field("Origin", in: paragraph),
            files: order.map { IndexFile(path: $0, size: sizes[$0] ?? 0, sha256: sha256[$0], md5: md5[$0]) }
        )
    }

    /// The signed text of a clear-signed message (dash-escaping undone), or the bytes unchanged.
    static func removingArmour(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("-----BEGIN PGP SIGNED MESSAGE-----") else { return bytes }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        // Armour headers (Hash: ...) end at the first empty line.
        while let line = lines.first, !line.trimmingSuffix("\r").isEmpty { lines = lines.dropFirst() }
        lines = lines.dropFirst()
        var body: [Substring] = []
        for line in lines {
            if line.hasPrefix("-----BEGIN PGP SIGNATURE-----") { break }
            body.append(line.hasPrefix("- ") ? line.dropFirst(2) : line)
        }
        return Array(body.joined(separator: "\n").utf8)
    }
}

extension Substring {
    func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self
    }
}
