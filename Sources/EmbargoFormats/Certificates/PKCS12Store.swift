internal import CryptoExtras
internal import Foundation
internal import SwiftASN1

/// The certificates of a PKCS#12 file (RFC 7292: a `.p12`/`.pfx`, a Java trust store of type
/// PKCS12): certificate bags from plain safe contents, and from encrypted ones when they open with no
/// password or with Java's default `changeit` under PBES2 (PBKDF2 with HMAC-SHA-1/256/384/512,
/// AES-CBC) — what OpenSSL 3 and Java 12 and later write — or under the legacy PKCS#12 schemes (RC2,
/// 3DES, RC4; what older Java and `openssl pkcs12 -legacy` write, decrypted by libcrypto). Contents
/// under another password or scheme are named in `unreadable`, not guessed at.
public struct PKCS12Store: Sendable {
    /// A certificate bag.
    public struct Certificate: Sendable, Hashable {
        /// The bag's friendly name (a Java alias), if it has one.
        public let friendlyName: String?
        /// Whether Java marked it a trusted certificate entry (its trusted-key-usage attribute).
        public let isTrustedEntry: Bool
        /// The DER certificate.
        public let der: [UInt8]
    }

    /// The certificates read.
    public private(set) var certificates: [Certificate] = []
    /// Whether the file holds private keys (then its certificates are its own, not a trust store's).
    public private(set) var holdsKeys = false
    /// Why some contents could not be read (their encryption, or a password that is not tried).
    public private(set) var unreadable: [String] = []

    /// The passwords tried on encrypted contents: none, and Java's default.
    static let passwords = ["", "changeit"]
    /// The most PBKDF2 iterations computed for one password (OpenSSL writes 2,048, Java 10,000).
    static let iterationLimit = 1_000_000
    /// The most PBKDF2 iterations computed for one file, all contents and passwords together.
    static let iterationBudget = 4_000_000
    private var iterationsLeft = PKCS12Store.iterationBudget
    /// How deep safe-contents bags may nest.
    static let depthLimit = 4

    /// Whether `head` starts a PFX: a SEQUENCE whose first element is the INTEGER 3.
    public static func recognises(_ head: [UInt8]) -> Bool {
        guard head.count >= 8, head[0] == 0x30 else { return false }
        let lengthBytes = head[1] < 0x80 ? 0 : Int(head[1] & 0x7F)
        guard lengthBytes <= 4, head.count >= 2 + lengthBytes + 4 else { return false }
        let body = 2 + lengthBytes
        return head[body] == 0x02 && head[body + 1] == 0x01 && head[body + 2] == 0x03 && head[body + 3] == 0x30
    }

    /// Reads the PFX in `bytes`.
    ///
    /// - Throws: `FormatError` when the bytes are not a PFX; contents that cannot be opened are
    ///   named in `unreadable` instead.
    public init(_ bytes: [UInt8]) throws(FormatError) {
        let pfx = try Self.sequence(try Self.parse(bytes, "PFX"), "PFX")
        guard pfx.count >= 2 else { throw FormatError.malformed("PFX without authenticated safe") }
        let (type, content) = try Self.contentInfo(pfx[1])
        guard type == Self.dataType, let content else {
            throw FormatError.unsupported("PFX whose authenticated safe is not data (public-key integrity mode)")
        }
        let safe = try Self.sequence(try Self.parse(try Self.octets(content, "authenticated safe"), "safe"), "safe")
        for info in safe {
            let (type, content) = try Self.contentInfo(info)
            guard let content else { continue }
            switch type {
            case Self.dataType:
                try readSafeContents(try Self.octets(content, "safe contents"), depth: 0)
            case Self.encryptedDataType:
                if let plain = try decrypt(content) { try readSafeContents(plain, depth: 0) }
            default:
                unreadable.append("safe contents of type \(type) (enveloped with a public key)")
            }
        }
    }

    private mutating func readSafeContents(_ bytes: [UInt8], depth: Int) throws(FormatError) {
        guard depth < Self.depthLimit else { throw FormatError.limit("safe contents nested too deep") }
        for bag in try Self.sequence(try Self.parse(bytes, "safe contents"), "safe contents") {
            let parts = try Self.sequence(bag, "safe bag")
            guard parts.count >= 2, let kind = try? ASN1ObjectIdentifier(derEncoded: parts[0]) else {
                throw FormatError.malformed("safe bag without type or value")
            }
            let value = try Self.explicit(parts[1], "bag value")
            if kind == Self.safeContentsBag {
                try readSafeContents(Array(value.encodedBytes), depth: depth + 1)
                continue
            }
            if kind == Self.keyBag || kind == Self.shroudedKeyBag { holdsKeys = true }
            guard kind == Self.certificateBag else { continue }
            let certificateBag = try Self.sequence(value, "certificate bag")
            guard certificateBag.count == 2, (try? ASN1ObjectIdentifier(derEncoded: certificateBag[0])) == Self.x509Type
            else { continue }
            let der = try Self.octets(try Self.explicit(certificateBag[1], "certificate value"), "certificate")
            var friendlyName: String?
            var trusted = false
            if parts.count >= 3 {
                for attribute in try Self.children(parts[2], "bag attributes") {
                    let fields = try Self.sequence(attribute, "attribute")
                    guard fields.count == 2, let type = try? ASN1ObjectIdentifier(derEncoded: fields[0]) else {
                        continue
                    }
                    if type == Self.friendlyNameAttribute,
                        case .primitive(let text) = try Self.children(fields[1], "friendly name").first?.content
                    {
                        friendlyName = String(decoding: Self.bigEndianUnits(Array(text)), as: UTF16.self)
                    } else if type == Self.javaTrustedKeyUsage {
                        trusted = true
                    }
                }
            }
            certificates.append(Certificate(friendlyName: friendlyName, isTrustedEntry: trusted, der: der))
        }
    }

    /// The plaintext of EncryptedData, or nil (with the reason in `unreadable`) when it cannot be
    /// opened.
    private mutating func decrypt(_ node: ASN1Node) throws(FormatError) -> [UInt8]? {
        let encryptedData = try Self.sequence(node, "EncryptedData")
        guard encryptedData.count >= 2 else { throw FormatError.malformed("EncryptedData without content") }
        let info = try Self.sequence(encryptedData[1], "EncryptedContentInfo")
        guard info.count >= 3 else {
            unreadable.append("encrypted contents without ciphertext")
            return nil
        }
        let algorithm = try Self.sequence(info[1], "content encryption algorithm")
        guard let scheme = algorithm.first.flatMap({ try? ASN1ObjectIdentifier(derEncoded: $0) }) else {
            throw FormatError.malformed("content encryption algorithm without identifier")
        }
        let ciphertext = try Self.octets(info[2], "encrypted content")
        if let legacy = Self.legacySchemes[scheme] {
            return legacyDecrypt(Array(info[1].encodedBytes), ciphertext, scheme: legacy)
        }
        guard scheme == Self.pbes2, algorithm.count == 2 else {
            unreadable.append("contents encrypted with \(scheme), which Embargo does not decrypt")
            return nil
        }
        let parameters = try PBES2Parameters(algorithm[1])
        guard let parameters else {
            unreadable.append("contents encrypted with a PBES2 key derivation or cipher Embargo does not implement")
            return nil
        }
        guard parameters.iterations <= Self.iterationLimit else {
            unreadable.append(
                "contents whose key takes \(parameters.iterations) PBKDF2 iterations (the limit is \(Self.iterationLimit))"
            )
            return nil
        }
        for password in Self.passwords {
            guard parameters.iterations <= iterationsLeft else {
                unreadable.append("contents past the file's budget of \(Self.iterationBudget) PBKDF2 iterations")
                return nil
            }
            iterationsLeft -= parameters.iterations
            if let plain = parameters.decrypt(ciphertext, password: password),
                (try? Self.sequence(try Self.parse(plain, "safe contents"), "safe contents")) != nil
            {
                return plain
            }
        }
        unreadable.append("contents encrypted with a password other than none or 'changeit'")
        return nil
    }

    /// Contents under a legacy PKCS#12 scheme (libcrypto decrypts), tried with each password.
    private mutating func legacyDecrypt(_ algorithm: [UInt8], _ ciphertext: [UInt8], scheme: String) -> [UInt8]? {
        guard LegacyPKCS12Cipher.isAvailable else {
            unreadable.append("contents encrypted with \(scheme): OpenSSL's legacy provider is not installed")
            return nil
        }
        // The legacy key derivation iterates too: a budget as for PBES2, from the parameters' count.
        let iterations = Self.legacyIterations(algorithm) ?? Self.iterationLimit
        for password in Self.passwords {
            guard iterations <= iterationsLeft else {
                unreadable.append(
                    "contents past the file's budget of \(Self.iterationBudget) key derivation iterations"
                )
                return nil
            }
            iterationsLeft -= iterations
            if let plain = LegacyPKCS12Cipher.decrypt(algorithm: algorithm, ciphertext: ciphertext, password: password),
                (try? Self.sequence(try Self.parse(plain, "safe contents"), "safe contents")) != nil
            {
                return plain
            }
        }
        unreadable.append("contents encrypted (\(scheme)) with a password other than none or 'changeit'")
        return nil
    }

    /// The iteration count of a legacy scheme's parameters (SEQUENCE { salt, iterations }).
    private static func legacyIterations(_ algorithm: [UInt8]) -> Int? {
        guard let parts = try? sequence(try parse(algorithm, "algorithm"), "algorithm"), parts.count == 2,
            let parameters = try? sequence(parts[1], "PBE parameters"), parameters.count == 2,
            case .primitive(let count) = parameters[1].content, count.count <= 4
        else { return nil }
        return count.reduce(0) { $0 << 8 | Int($1) }
    }

    /// PBES2 with PBKDF2 and AES-CBC (RFC 8018).
    private struct PBES2Parameters {
        let salt: [UInt8]
        let iterations: Int
        let hash: KDF.Insecure.PBKDF2.HashFunction
        let keySize: Int
        let iv: [UInt8]

        /// The parameters, or nil when the derivation or cipher is another.
        init?(_ node: ASN1Node) throws(FormatError) {
            let parts = try PKCS12Store.sequence(node, "PBES2 parameters")
            guard parts.count == 2 else { throw FormatError.malformed("PBES2 parameters of \(parts.count) parts") }
            let derivation = try PKCS12Store.sequence(parts[0], "key derivation")
            let cipher = try PKCS12Store.sequence(parts[1], "encryption scheme")
            guard derivation.count == 2, (try? ASN1ObjectIdentifier(derEncoded: derivation[0])) == PKCS12Store.pbkdf2,
                cipher.count == 2, let cipherType = try? ASN1ObjectIdentifier(derEncoded: cipher[0]),
                let keySize = PKCS12Store.aesKeySizes[cipherType]
            else { return nil }
            let fields = try PKCS12Store.sequence(derivation[1], "PBKDF2 parameters")
            guard fields.count >= 2, case .primitive(let salt) = fields[0].content,
                case .primitive(let count) = fields[1].content, count.count <= 4
            else { throw FormatError.malformed("PBKDF2 parameters without salt or iteration count") }
            var hash = KDF.Insecure.PBKDF2.HashFunction.insecureSHA1
            if let prf = fields.dropFirst(2).first(where: { $0.identifier == .sequence }) {
                guard let identifier = try PKCS12Store.sequence(prf, "PRF").first,
                    let prfType = try? ASN1ObjectIdentifier(derEncoded: identifier),
                    let known = PKCS12Store.pseudorandomFunctions[prfType]
                else { return nil }
                hash = known
            }
            self.salt = Array(salt)
            iterations = count.reduce(0) { $0 << 8 | Int($1) }
            self.hash = hash
            self.keySize = keySize
            guard case .primitive(let iv) = cipher[1].content, iv.count == 16 else {
                throw FormatError.malformed("AES-CBC parameters without a 16-byte IV")
            }
            self.iv = Array(iv)
        }

        /// The plaintext under `password`, or nil when the key does not open it.
        func decrypt(_ ciphertext: [UInt8], password: String) -> [UInt8]? {
            guard iterations > 0,
                let key = try? KDF.Insecure.PBKDF2.deriveKey(
                    from: Array(password.utf8),
                    salt: salt,
                    using: hash,
                    outputByteCount: keySize,
                    unsafeUncheckedRounds: iterations
                ),
                let iv = try? AES._CBC.IV(ivBytes: iv),
                let plain = try? AES._CBC.decrypt(ciphertext, using: key, iv: iv)
            else { return nil }
            return Array(plain)
        }
    }

    // MARK: ASN.1 helpers

    private static func parse(_ bytes: [UInt8], _ what: String) throws(FormatError) -> ASN1Node {
        do {
            return try DER.parse(bytes)
        } catch {
            do {
                return try BER.parse(bytes)
            } catch {
                throw FormatError.malformed("\(what) is not DER or BER: \(error)")
            }
        }
    }

    fileprivate static func children(_ node: ASN1Node, _ what: String) throws(FormatError) -> [ASN1Node] {
        try SignedDataReader.children(of: node, what)
    }

    fileprivate static func sequence(_ node: ASN1Node, _ what: String) throws(FormatError) -> [ASN1Node] {
        guard node.identifier == .sequence else { throw FormatError.malformed("\(what) is not a SEQUENCE") }
        return try children(node, what)
    }

    /// The single element inside an explicit context tag.
    private static func explicit(_ node: ASN1Node, _ what: String) throws(FormatError) -> ASN1Node {
        guard node.identifier.tagClass == .contextSpecific, let inner = try children(node, what).first else {
            throw FormatError.malformed("\(what) is not an explicitly tagged value")
        }
        return inner
    }

    /// A ContentInfo's type and its explicitly tagged content.
    private static func contentInfo(_ node: ASN1Node) throws(FormatError) -> (ASN1ObjectIdentifier, ASN1Node?) {
        let parts = try sequence(node, "ContentInfo")
        guard let first = parts.first, let type = try? ASN1ObjectIdentifier(derEncoded: first) else {
            throw FormatError.malformed("ContentInfo without a content type")
        }
        return (type, parts.count > 1 ? try explicit(parts[1], "content") : nil)
    }

    /// The bytes of an OCTET STRING (or an implicitly tagged one), joined from its pieces when BER
    /// splits it.
    private static func octets(_ node: ASN1Node, _ what: String, depth: Int = 0) throws(FormatError) -> [UInt8] {
        switch node.content {
        case .primitive(let bytes): return Array(bytes)
        case .constructed(let pieces):
            guard depth < 4 else { throw FormatError.limit("\(what): OCTET STRING pieces nested too deep") }
            var joined: [UInt8] = []
            for piece in pieces { joined += try octets(piece, what, depth: depth + 1) }
            return joined
        }
    }

    private static func bigEndianUnits(_ bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    static let dataType: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 1]
    static let encryptedDataType: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 6]
    static let keyBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 1]
    static let shroudedKeyBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 2]
    static let certificateBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 3]
    static let safeContentsBag: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 12, 10, 1, 6]
    static let x509Type: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 22, 1]
    static let friendlyNameAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 20]
    /// Oracle's attribute on the certificate bags of Java's trusted-certificate entries.
    static let javaTrustedKeyUsage: ASN1ObjectIdentifier = [2, 16, 840, 1, 113_894, 746_875, 1, 1]
    static let pbes2: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 5, 13]
    static let pbkdf2: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 5, 12]
    static let aesKeySizes: [ASN1ObjectIdentifier: Int] = [
        [2, 16, 840, 1, 101, 3, 4, 1, 2]: 16, [2, 16, 840, 1, 101, 3, 4, 1, 22]: 24,
        [2, 16, 840, 1, 101, 3, 4, 1, 42]: 32,
    ]
    static let pseudorandomFunctions: [ASN1ObjectIdentifier: KDF.Insecure.PBKDF2.HashFunction] = [
        [1, 2, 840, 113_549, 2, 7]: .insecureSHA1, [1, 2, 840, 113_549, 2, 9]: .sha256,
        [1, 2, 840, 113_549, 2, 10]: .sha384, [1, 2, 840, 113_549, 2, 11]: .sha512,
    ]
    static let legacySchemes: [ASN1ObjectIdentifier: String] = [
        [1, 2, 840, 113_549, 1, 12, 1, 1]: "pbeWithSHAAnd128BitRC4",
        [1, 2, 840, 113_549, 1, 12, 1, 2]: "pbeWithSHAAnd40BitRC4",
        [1, 2, 840, 113_549, 1, 12, 1, 3]: "pbeWithSHAAnd3-KeyTripleDES-CBC",
        [1, 2, 840, 113_549, 1, 12, 1, 4]: "pbeWithSHAAnd2-KeyTripleDES-CBC",
        [1, 2, 840, 113_549, 1, 12, 1, 5]: "pbeWithSHAAnd128BitRC2-CBC",
        [1, 2, 840, 113_549, 1, 12, 1, 6]: "pbeWithSHAAnd40BitRC2-CBC",
    ]
}
