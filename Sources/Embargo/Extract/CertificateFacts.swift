internal import EmbargoFormats

/// Facts of certificate files: the subject and issuer of each certificate, as installed records
/// when the file lies in a system trust store.
enum CertificateFacts {
    /// Directories of system trust stores: a certificate there is trusted by the system.
    static let trustStoreDirectories = [
        "/etc/ssl/certs/", "/usr/local/share/ca-certificates/", "/usr/share/ca-certificates/",
        "/etc/pki/ca-trust/", "/etc/pki/tls/certs/", "/etc/ca-certificates/", "/var/lib/ca-certificates/",
        "/System/Library/Keychains/", "/Library/Keychains/",
    ]

    /// The largest certificate file read.
    static let sizeLimit: UInt64 = 16 << 20

    static func read(
        _ content: ItemContent,
        logicalPath: [UInt8],
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        guard
            let bytes = extraction.wholeBytes(
                of: content,
                limit: sizeLimit,
                limitName: "certificate-file",
                what: "certificate file",
                location: location
            )
        else { return }
        let path = String(decoding: logicalPath, as: UTF8.self)
        let inTrustStore = trustStoreDirectories.contains { path.contains($0) }
        let (certificates, errors) = CertificateFile.read(bytes)
        for error in errors.prefix(3) {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "a certificate could not be read"))
        }
        // One certificate describes the file itself; in a bundle, each certificate is a record.
        let multiple = certificates.count > 1
        for certificate in certificates {
            extraction.facts += facts(
                of: certificate,
                field: certificate.isSelfIssued ? "root" : "certificate",
                record: multiple ? certificate.subject : nil,
                origin: inTrustStore ? .installedRecord : .item
            )
        }
    }

    /// A certificate's subject and issuer, as facts of one kind of evidence (`root`, `signer`, ...).
    static func facts(of certificate: CertificateSummary, field: String, record: String?, origin: Fact.Origin) -> [Fact]
    {
        [
            Fact(kind: .certificateSubject, value: certificate.subject, field: field, record: record, origin: origin),
            Fact(kind: .certificateIssuer, value: certificate.issuer, field: field, record: record, origin: origin),
        ]
    }
}
