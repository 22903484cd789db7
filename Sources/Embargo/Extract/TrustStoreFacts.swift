internal import EmbargoFormats

/// Facts of the trust stores that are not certificate files: Java key stores (JKS, JCEKS), PKCS#12
/// files (a `.p12`, Java's PKCS12 stores) and NSS databases (`cert9.db` of Firefox, Thunderbird,
/// Chromium on Linux). A certificate the store trusts as an authority is a trust-store root (an
/// installed record named by its alias); other certificates describe the store's own keys.
enum TrustStoreFacts {
    /// The largest store read.
    static let sizeLimit: UInt64 = 64 << 20

    static func javaKeyStore(
        _ content: ItemContent,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        guard let bytes = wholeStore(content, location: location, into: &extraction) else { return }
        do {
            let store = try JavaKeyStore(bytes)
            for entry in store.entries {
                let trusted = entry.kind == .trustedCertificate
                for certificate in entry.certificates {
                    Self.certificate(
                        certificate,
                        record: "alias \(entry.alias)",
                        trusted: trusted,
                        location: location,
                        into: &extraction
                    )
                }
            }
            if store.stoppedAtSecretKey {
                extraction.events.append(
                    ScanEvent(
                        kind: .unsupported,
                        location: location,
                        message:
                            "Java key store: a secret-key entry (a serialised Java object) ends what can be read; \(store.entries.count) entries before it were read"
                    )
                )
            }
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "Java key store could not be read"))
        }
    }

    static func pkcs12(_ content: ItemContent, location: Location, into extraction: inout FactExtractor.Extraction) {
        guard let bytes = wholeStore(content, location: location, into: &extraction) else { return }
        do {
            let store = try PKCS12Store(bytes)
            for (index, certificate) in store.certificates.enumerated() {
                Self.certificate(
                    certificate.der,
                    record: certificate.friendlyName.map { "alias \($0)" } ?? "certificate \(index + 1)",
                    // Java marks its trusted entries; a file of certificates without keys is a store of
                    // them.
                    trusted: certificate.isTrustedEntry || !store.holdsKeys,
                    location: location,
                    into: &extraction
                )
            }
            for reason in store.unreadable.prefix(3) {
                extraction.events.append(
                    ScanEvent(kind: .unsupported, location: location, message: "PKCS#12 file: \(reason)")
                )
            }
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "PKCS#12 file could not be read"))
        }
    }

    /// NSS trust values: a trusted authority, a trusted peer, and distrust.
    private static let trustedDelegator: [UInt8] = [0xCE, 0x53, 0x43, 0x52]
    private static let notTrusted: [UInt8] = [0xCE, 0x53, 0x43, 0x5A]

    /// The certificates of an NSS database with the trust NSS keeps beside them (a trust object with
    /// the same issuer and serial number; its columns are named after the PKCS #11 attribute types:
    /// `a11` is CKA_VALUE, `a81` CKA_ISSUER, `ace536358` CKA_TRUST_SERVER_AUTH, ...). A database that
    /// is not NSS's gives nothing.
    static func nss(_ database: SQLiteDatabase, location: Location, into extraction: inout FactExtractor.Extraction) {
        var isNSS = false
        try? database.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'nssPublic'") { _ in
            isNSS = true
        }
        guard isNSS else { return }
        let query = """
            SELECT c.a3, c.a11, t.ace536358, t.ace536359, t.ace53635a, t.ace53635b
            FROM nssPublic c LEFT JOIN nssPublic t ON t.a0 = x'CE534353' AND t.a81 = c.a81 AND t.a82 = c.a82
            WHERE c.a0 = x'00000001'
            """
        do {
            try database.query(query) { columns in
                guard columns.count == 6, case .blob(let der) = columns[1] else { return }
                let trust = columns[2...].compactMap { column -> [UInt8]? in
                    if case .blob(let value) = column { return value }
                    return nil
                }
                // Distrusted for every purpose: the opposite of an installation.
                if !trust.isEmpty, trust.allSatisfy({ $0 == notTrusted }) { return }
                let label: String
                switch columns[0] {
                case .blob(let bytes): label = String(decoding: bytes, as: UTF8.self)
                case .text(let text): label = text
                default: label = "?"
                }
                Self.certificate(
                    der,
                    record: "nickname \(label)",
                    trusted: trust.contains(trustedDelegator),
                    location: location,
                    into: &extraction
                )
            }
        } catch {
            extraction.events.append(
                ScanEvent(failure: error, at: location, doing: "NSS certificate database could not be read")
            )
        }
    }

    /// The facts of one DER certificate of a trust store (a key store, an NSS database, a registry
    /// certificate store): a trusted one is an installed trust-store record, a root when self-issued.
    static func certificate(
        _ der: [UInt8],
        record: String,
        trusted: Bool,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        do {
            let certificate = try CertificateSummary(der: der)
            extraction.facts += CertificateFacts.facts(
                of: certificate,
                field: trusted && certificate.isSelfIssued ? "root" : "certificate",
                record: record,
                origin: trusted ? .installedRecord : .item
            )
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "certificate \(record)"))
        }
    }

    private static func wholeStore(
        _ content: ItemContent,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) -> [UInt8]? {
        extraction.wholeBytes(
            of: content,
            limit: sizeLimit,
            limitName: "trust-store",
            what: "trust store",
            location: location
        )
    }
}
