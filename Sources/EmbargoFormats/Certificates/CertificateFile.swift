import Foundation

/// Reads X.509 certificates from files: PEM (one or many, as in `ca-certificates.crt`), OpenSSL
/// "TRUSTED CERTIFICATE" blocks, PKCS#7 bundles and single DER certificates.
public enum CertificateFile {
    /// The certificates in `bytes`, in file order; blocks that do not parse are returned as errors
    /// beside them.
    public static func read(_ bytes: [UInt8]) -> (certificates: [CertificateSummary], errors: [FormatError]) {
        if ContentSniffer.isDERCertificate(bytes) {
            do {
                return ([try CertificateSummary(der: bytes)], [])
            } catch {
                return ([], [error])
            }
        }
        var certificates: [CertificateSummary] = []
        var errors: [FormatError] = []
        let text = String(decoding: bytes, as: UTF8.self)
        var remaining = text[...]
        while let begin = remaining.range(of: "-----BEGIN ") {
            let afterBegin = remaining[begin.upperBound...]
            guard let labelEnd = afterBegin.range(of: "-----") else { break }
            let label = String(afterBegin[..<labelEnd.lowerBound])
            let body = afterBegin[labelEnd.upperBound...]
            guard let end = body.range(of: "-----END \(label)-----") else {
                if label.hasSuffix("CERTIFICATE") {
                    errors.append(FormatError.truncated("PEM block '\(label)' has no end"))
                }
                break
            }
            remaining = body[end.upperBound...]
            guard ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "PKCS7"].contains(label) else { continue }
            guard let der = Data(base64Encoded: String(body[..<end.lowerBound]), options: .ignoreUnknownCharacters)
            else {
                errors.append(FormatError.malformed("PEM block '\(label)' is not base64"))
                continue
            }
            do {
                switch label {
                case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
                    // A trusted certificate is the certificate followed by OpenSSL's trust settings.
                    certificates.append(try CertificateSummary(der: firstElement(Array(der))))
                case "PKCS7":
                    for signature in try SignedDataReader.read(Array(der)) { certificates += signature.certificates }
                default:
                    continue
                }
            } catch {
                errors.append(error)
            }
        }
        return (certificates, errors)
    }

    /// The first DER element of `bytes` (its tag, length and content).
    static func firstElement(_ bytes: [UInt8]) throws(FormatError) -> [UInt8] {
        guard bytes.count >= 2 else { throw FormatError.truncated("DER element truncated") }
        var length = Int(bytes[1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 4, bytes.count >= 2 + count else {
                throw FormatError.malformed("DER length invalid")
            }
            length = bytes[2..<2 + count].reduce(0) { $0 << 8 | Int($1) }
            header += count
        }
        guard header + length <= bytes.count else { throw FormatError.truncated("DER element truncated") }
        return Array(bytes[0..<header + length])
    }
}
