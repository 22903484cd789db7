/// A Java key store in Sun's JKS format (`0xFEEDFEED`, Java's `cacerts`) or its JCEKS variant
/// (`0xCECECECE`): aliases with their certificates. Trusted-certificate entries are what a Java
/// trust store trusts; private-key entries carry their certificate chain. The keys themselves, and
/// the keyed digest at the end, are not read: certificates are stored in the clear.
public struct JavaKeyStore: Sendable {
    /// An entry of the store.
    public struct Entry: Sendable, Hashable {
        /// What the entry holds.
        public enum Kind: Sendable, Hashable {
            /// A certificate the store trusts (a CA root in `cacerts`).
            case trustedCertificate
            /// A private key with its certificate chain.
            case privateKey
        }

        /// The entry's alias.
        public let alias: String
        /// What it holds.
        public let kind: Kind
        /// Its DER certificates: one for a trusted certificate, the chain for a private key.
        public let certificates: [[UInt8]]
    }

    /// The entries read, in the store's order.
    public let entries: [Entry]
    /// Whether reading stopped at a JCEKS secret-key entry (a serialised Java object, whose length
    /// only Java's deserialiser knows), leaving later entries unread.
    public let stoppedAtSecretKey: Bool

    /// The largest certificate or key read.
    static let itemLimit = 1 << 20

    /// Whether `head` starts a JKS or JCEKS store.
    public static func recognises(_ head: [UInt8]) -> Bool {
        let bytes = Head(head)
        guard let magic = bytes.u32le(0), let version = bytes.u32be(4) else { return false }
        return (magic == 0xEDFE_EDFE || magic == 0xCECE_CECE) && (version == 1 || version == 2)
    }

    /// Reads the store in `bytes`.
    ///
    /// - Throws: `FormatError` when the header is not a key store's or an entry runs past the end.
    public init(_ bytes: [UInt8]) throws(FormatError) {
        let cursor = BinaryCursor(bytes)
        guard Self.recognises(bytes) else { throw FormatError.badMagic("not a Java key store (JKS or JCEKS)") }
        let version = try cursor.u32be(at: 4)
        let count = try cursor.u32be(at: 8)
        var offset = 12
        var entries: [Entry] = []
        var stopped = false
        // Each entry takes at least 14 bytes, so a count beyond that is a lie.
        guard UInt64(count) <= UInt64(bytes.count / 14) else {
            throw FormatError.malformed("Java key store claims \(count) entries in \(bytes.count) bytes")
        }
        entryLoop: for index in 0..<Int(count) {
            let tag = try cursor.u32be(at: offset)
            offset += 4
            let alias = try Self.string(cursor, at: &offset)
            offset = try Checked.sum(offset, 8, "entry \(index) timestamp")
            switch tag {
            case 1:
                let keyLength = try Self.length(cursor, at: &offset, "private key of '\(alias)'")
                offset = try Checked.sum(offset, keyLength, "private key of '\(alias)'")
                let chainLength = try cursor.u32be(at: offset)
                offset += 4
                guard UInt64(chainLength) <= UInt64(bytes.count - offset) / 4 else {
                    throw FormatError.malformed("certificate chain of '\(alias)' claims \(chainLength) certificates")
                }
                var chain: [[UInt8]] = []
                for _ in 0..<Int(chainLength) {
                    chain.append(try Self.certificate(cursor, at: &offset, version: version, alias: alias))
                }
                entries.append(Entry(alias: alias, kind: .privateKey, certificates: chain))
            case 2:
                let certificate = try Self.certificate(cursor, at: &offset, version: version, alias: alias)
                entries.append(Entry(alias: alias, kind: .trustedCertificate, certificates: [certificate]))
            case 3:
                stopped = true
                break entryLoop
            default:
                throw FormatError.malformed("Java key store entry '\(alias)' of unknown kind \(tag)")
            }
        }
        self.entries = entries
        stoppedAtSecretKey = stopped
    }

    /// A certificate: its type (from version 2 on), then its length and bytes.
    private static func certificate(
        _ cursor: BinaryCursor,
        at offset: inout Int,
        version: UInt32,
        alias: String
    ) throws(FormatError) -> [UInt8] {
        if version == 2 {
            let type = try string(cursor, at: &offset)
            guard type == "X.509" else {
                throw FormatError.unsupported("certificate of type '\(type)' in entry '\(alias)'")
            }
        }
        let length = try Self.length(cursor, at: &offset, "certificate of '\(alias)'")
        let certificate = try cursor.slice(at: offset, count: length, "certificate of '\(alias)'")
        offset += length
        return certificate
    }

    /// A 32-bit length, within the item limit.
    private static func length(_ cursor: BinaryCursor, at offset: inout Int, _ what: String) throws(FormatError) -> Int
    {
        let length = Int(try cursor.u32be(at: offset))
        offset += 4
        guard length <= itemLimit else { throw FormatError.limit("\(what) of \(length) bytes") }
        return length
    }

    /// A string as Java's `DataOutput.writeUTF` writes it: a 16-bit length, then modified UTF-8.
    private static func string(_ cursor: BinaryCursor, at offset: inout Int) throws(FormatError) -> String {
        let length = Int(try cursor.u16be(at: offset))
        let bytes = try cursor.slice(at: offset + 2, count: length, "key store string")
        offset += 2 + length
        return String(decoding: bytes, as: UTF8.self)
    }
}
