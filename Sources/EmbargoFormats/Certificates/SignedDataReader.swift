internal import SwiftASN1
internal import X509

/// What Embargo keeps of an X.509 certificate: names, serial number and validity.
///
/// Only the to-be-signed fields are read (names through swift-certificates' `DistinguishedName`,
/// which prints RFC 4514 strings); the public key is not parsed, so certificates with keys or
/// algorithms a cryptography library would refuse (old 512-bit RSA roots, say) still give their names.
public struct CertificateSummary: Sendable, Hashable {
    /// The subject, as an RFC 4514 string (`CN=AO Kaspersky Lab,O=AO Kaspersky Lab,C=RU`).
    public let subject: String
    /// The issuer, as an RFC 4514 string.
    public let issuer: String
    /// The serial number in hex.
    public let serialNumber: String
    /// The start of validity, as written (UTCTime or GeneralizedTime text).
    public let notBefore: String
    /// The end of validity, as written.
    public let notAfter: String

    /// Parses one DER certificate.
    ///
    /// - Throws: `FormatError` when the bytes are not a certificate.
    public init(der: [UInt8]) throws(FormatError) {
        let root: ASN1Node
        do {
            root = try DER.parse(der)
        } catch {
            throw FormatError.malformed("not an X.509 certificate: \(error)")
        }
        let certificate = try SignedDataReader.children(of: root, "Certificate")
        guard let tbsNode = certificate.first else { throw FormatError.malformed("empty certificate") }
        let tbs = try SignedDataReader.children(of: tbsNode, "TBSCertificate")
        let first = tbs.first?.identifier.tagClass == .contextSpecific ? 1 : 0
        guard tbs.count >= first + 5, case .primitive(let serial) = tbs[first].content else {
            throw FormatError.malformed("certificate without serial number, names or validity")
        }
        let validity = try SignedDataReader.children(of: tbs[first + 3], "Validity")
        guard validity.count == 2, case .primitive(let start) = validity[0].content,
            case .primitive(let end) = validity[1].content
        else { throw FormatError.malformed("certificate validity is malformed") }
        do {
            issuer = String(describing: try DistinguishedName(derEncoded: tbs[first + 2]))
            subject = String(describing: try DistinguishedName(derEncoded: tbs[first + 4]))
        } catch {
            throw FormatError.malformed("certificate names are malformed: \(error)")
        }
        serialNumber = Self.hex(serial)
        notBefore = String(decoding: start, as: UTF8.self)
        notAfter = String(decoding: end, as: UTF8.self)
    }

    /// Lower-case hex of an integer's bytes, without leading zero bytes.
    static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes.drop(while: { $0 == 0 }) {
            text += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
        }
        return text.isEmpty ? "0" : String(decoding: text, as: UTF8.self)
    }

    /// Whether subject and issuer are the same name (a root or a self-signed certificate).
    public var isSelfIssued: Bool { subject == issuer }
}

/// The certificates of one CMS/PKCS#7 SignedData structure (an Authenticode signature, a Mach-O code
/// signature), with the signer's certificate picked out.
public struct SignedDataCertificates: Sendable, Hashable {
    /// The certificate of the (first) signer, when it is among the certificates.
    public let signer: CertificateSummary?
    /// Every certificate carried, the signer's included.
    public let certificates: [CertificateSummary]
}

/// Reads the certificates out of CMS SignedData (RFC 5652), in DER or BER, including Authenticode's
/// nested signatures (dual signing with SHA-1 and SHA-256).
public enum SignedDataReader {
    /// The id-signedData content type, 1.2.840.113549.1.7.2.
    static let signedDataType: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 2]
    /// Authenticode's nested signature attribute, 1.3.6.1.4.1.311.2.4.1.
    static let nestedSignature: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 2, 4, 1]

    /// Parses a ContentInfo holding SignedData; returns the signature and any nested ones.
    ///
    /// - Throws: `FormatError` when the bytes are not a SignedData ContentInfo.
    public static func read(_ bytes: [UInt8]) throws(FormatError) -> [SignedDataCertificates] {
        // Authenticode pads the structure to a multiple of 8 bytes: parse the first element only
        // (unless its length is indefinite, as BER allows).
        let element = bytes.count > 1 && bytes[1] == 0x80 ? bytes : (try? CertificateFile.firstElement(bytes)) ?? bytes
        let root: ASN1Node
        do {
            root = try DER.parse(element)
        } catch {
            do {
                root = try BER.parse(element)
            } catch {
                throw FormatError.malformed("signature is not DER or BER: \(error)")
            }
        }
        return try read(contentInfo: root, depth: 0)
    }

    static func read(contentInfo: ASN1Node, depth: Int) throws(FormatError) -> [SignedDataCertificates] {
        guard depth < 4 else { throw FormatError.limit("signatures nested too deep") }
        let info = try children(of: contentInfo, "ContentInfo")
        guard info.count >= 2, let type = try? ASN1ObjectIdentifier(derEncoded: info[0]), type == signedDataType else {
            throw FormatError.unsupported("ContentInfo is not SignedData")
        }
        guard let signedData = try children(of: info[1], "content").first else {
            throw FormatError.malformed("empty SignedData")
        }
        let fields = try children(of: signedData, "SignedData")
        var certificates: [(summary: CertificateSummary, serial: String)] = []
        var signerInfos: [ASN1Node] = []
        for field in fields.dropFirst(3) {
            if field.identifier.tagClass == .contextSpecific, field.identifier.tagNumber == 0 {
                for node in try children(of: field, "certificates") where node.identifier == .sequence {
                    if let summary = try? CertificateSummary(der: Array(node.encodedBytes)) {
                        certificates.append((summary, summary.serialNumber))
                    }
                }
            } else if field.identifier == .set {
                signerInfos = try children(of: field, "signerInfos")
            }
        }
        var signer: CertificateSummary?
        var nested: [SignedDataCertificates] = []
        if let first = signerInfos.first {
            let info = try children(of: first, "SignerInfo")
            if info.count > 1, info[1].identifier == .sequence,
                let identifier = try? children(of: info[1], "IssuerAndSerialNumber"), identifier.count == 2,
                case .primitive(let serial) = identifier[1].content
            {
                signer = certificates.first { $0.serial == CertificateSummary.hex(serial) }?.summary
            }
            for attributes in info
            where attributes.identifier.tagClass == .contextSpecific && attributes.identifier.tagNumber == 1 {
                for attribute in try children(of: attributes, "unsignedAttrs") {
                    let parts = try children(of: attribute, "Attribute")
                    guard parts.count == 2, (try? ASN1ObjectIdentifier(derEncoded: parts[0])) == nestedSignature else {
                        continue
                    }
                    for value in try children(of: parts[1], "attribute values") {
                        nested += try read(contentInfo: value, depth: depth + 1)
                    }
                }
            }
        }
        return [SignedDataCertificates(signer: signer, certificates: certificates.map(\.summary))] + nested
    }

    static func children(of node: ASN1Node, _ what: String) throws(FormatError) -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else {
            throw FormatError.malformed("\(what) is not constructed")
        }
        return Array(nodes)
    }
}
