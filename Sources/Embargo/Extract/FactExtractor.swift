#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import EmbargoFormats

extension ItemContent: ByteSource {}

/// The structural readers of the extract stage: pulls facts (signers, version resources, package
/// records, trust-store roots) out of an item by its format and name. A structure that cannot be read
/// becomes a `corrupt` event; a database format that cannot be read becomes an `unsupported` event.
struct FactExtractor: Sendable {
    /// Directories of system trust stores: a certificate there is trusted by the system.
    static let trustStoreDirectories = [
        "/etc/ssl/certs/", "/usr/local/share/ca-certificates/", "/usr/share/ca-certificates/",
        "/etc/pki/ca-trust/", "/etc/pki/tls/certs/", "/etc/ca-certificates/", "/var/lib/ca-certificates/",
        "/System/Library/Keychains/", "/Library/Keychains/",
    ]

    /// Whether the readers want random access to an item of this format and path, so that an archive
    /// member has to be held rather than streamed.
    static func wantsWholeItem(format: ContentFormat, logicalPath: [UInt8]) -> Bool {
        switch format {
        case .pe, .macho, .machoFat, .pem, .der, .sqlite: return true
        default: return role(of: logicalPath) != nil
        }
    }

    /// What a file is by where it lies.
    enum Role {
        case dpkgStatus, rpmSQLite, rpmBerkeley, rpmNDB, infoPlist, certificateFile
        /// A Debian `Packages` index or an rpm-md primary metadata document met outside a recognised
        /// repository root (scanned on its own, or inside an archive).
        case debianPackagesIndex, rpmPrimaryIndex
    }

    static func role(of logicalPath: [UInt8]) -> Role? {
        let path = String(decoding: logicalPath, as: UTF8.self)
        if path.hasSuffix("/var/lib/dpkg/status") || path.contains("/var/lib/dpkg/status.d/") { return .dpkgStatus }
        let rpmDirectories = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"]
        if path.hasSuffix("/rpmdb.sqlite") { return .rpmSQLite }
        if rpmDirectories.contains(where: { path.hasSuffix($0 + "Packages") }) { return .rpmBerkeley }
        if rpmDirectories.contains(where: { path.hasSuffix($0 + "Packages.db") }) { return .rpmNDB }
        if path.hasSuffix("/Info.plist") { return .infoPlist }
        if path.hasSuffix("/Packages") { return .debianPackagesIndex }
        if path.hasSuffix("primary.xml") { return .rpmPrimaryIndex }
        if [".crt", ".pem", ".cer", ".der", ".p7b"].contains(where: { path.lowercased().hasSuffix($0) }) { return .certificateFile }
        return nil
    }

    /// Facts of an item that is not a container.
    func facts(format: ContentFormat, content: ItemContent, logicalPath: [UInt8], location: Location)
        -> (facts: [Fact], events: [ScanEvent])
    {
        var facts: [Fact] = []
        var events: [ScanEvent] = []
        func damaged(_ what: String, _ error: any Error) {
            events.append(ScanEvent(kind: .corrupt, location: location, message: "\(what) could not be read: \(error)"))
        }
        switch format {
        case .pe:
            do {
                let binary = try PortableExecutable.read(content)
                facts += Self.versionFacts(binary.versionStrings)
                facts += Self.signatureFacts(binary.signatures)
                for warning in binary.warnings { damaged("part of the PE file", FormatError(warning)) }
            } catch {
                damaged("the PE headers", error)
            }
        case .macho, .machoFat:
            do {
                for slice in try MachOBinary.read(content).slices {
                    if let team = slice.teamIdentifier { facts.append(Fact(kind: .teamIdentifier, value: team, field: "code signature")) }
                    if let bundle = slice.bundleIdentifier { facts.append(Fact(kind: .bundleIdentifier, value: bundle, field: "__info_plist")) }
                    if let identifier = slice.codeIdentifier {
                        facts.append(Fact(kind: .bundleIdentifier, value: identifier, field: "code signature identifier"))
                    }
                    facts += Self.signatureFacts(slice.signatures)
                }
            } catch {
                damaged("the Mach-O headers", error)
            }
        case .pem, .der:
            facts += certificateFacts(content, logicalPath: logicalPath, location: location, events: &events)
        default:
            break
        }
        switch Self.role(of: logicalPath) {
        case .dpkgStatus:
            facts += dpkgFacts(content, location: location, events: &events)
        case .rpmSQLite:
            facts += rpmDatabaseFacts(content, location: location, events: &events)
        case .rpmBerkeley:
            events.append(ScanEvent(
                kind: .unsupported, location: location,
                message: "rpm Berkeley DB database (Packages): not read; its packages are not inventoried (convert it with 'rpmdb --rebuilddb' to sqlite, or scan the rpm files)"))
        case .rpmNDB:
            events.append(ScanEvent(
                kind: .unsupported, location: location,
                message: "rpm NDB database (Packages.db): not read; its packages are not inventoried (scan the rpm files, or convert the database to sqlite)"))
        case .infoPlist:
            if content.size <= 1 << 20, let bytes = try? content.bytes(at: 0, count: Int(content.size)),
                let identifier = PropertyList.bundleIdentifier(in: bytes)
            {
                facts.append(Fact(kind: .bundleIdentifier, value: identifier, field: "CFBundleIdentifier"))
            }
        case .debianPackagesIndex where format == .text:
            facts += debianIndexFacts(content, location: location, events: &events)
        case .rpmPrimaryIndex where format == .text:
            facts += rpmPrimaryFacts(content, location: location, events: &events)
        case .certificateFile where format != .pem && format != .der:
            facts += certificateFacts(content, logicalPath: logicalPath, location: location, events: &events)
        default:
            break
        }
        return (facts, events)
    }

    /// Facts of a container itself: an .rpm's header, a .deb's control file.
    func containerFacts(format: ContentFormat, content: ItemContent, location: Location) -> (facts: [Fact], events: [ScanEvent]) {
        switch format {
        case .rpm:
            do {
                return (Self.rpmFacts(try RPMHeader.readPackage(content), record: nil, origin: .packageFile), [])
            } catch {
                return ([], [ScanEvent(kind: .corrupt, location: location, message: "RPM header could not be read: \(error)")])
            }
        case .ar:
            return DebianPackage.controlFacts(content, location: location)
        default:
            return ([], [])
        }
    }

    // MARK: - Readers

    static func versionFacts(_ strings: [(key: String, value: String)]) -> [Fact] {
        let kinds: [String: Fact.Kind] = [
            "CompanyName": .versionCompanyName, "ProductName": .versionProductName,
            "FileDescription": .versionFileDescription, "OriginalFilename": .versionOriginalFilename,
            "LegalCopyright": .versionLegalCopyright,
        ]
        return strings.compactMap { entry in
            guard let kind = kinds[entry.key], !entry.value.isEmpty else { return nil }
            return Fact(kind: kind, value: entry.value, field: entry.key)
        }
    }

    static func signatureFacts(_ signatures: [SignedDataCertificates]) -> [Fact] {
        var facts: [Fact] = []
        for (index, signature) in signatures.enumerated() {
            let prefix = index == 0 ? "" : "nested signature \(index): "
            for (position, certificate) in signature.certificates.enumerated() {
                let field = prefix + (certificate == signature.signer ? "signer" : "chain[\(position)]")
                facts.append(Fact(kind: .certificateSubject, value: certificate.subject, field: field))
                facts.append(Fact(kind: .certificateIssuer, value: certificate.issuer, field: field))
            }
        }
        return facts
    }

    func certificateFacts(_ content: ItemContent, logicalPath: [UInt8], location: Location, events: inout [ScanEvent]) -> [Fact] {
        guard content.size <= 16 << 20, let bytes = try? content.bytes(at: 0, count: Int(content.size)) else { return [] }
        let path = String(decoding: logicalPath, as: UTF8.self)
        let inTrustStore = Self.trustStoreDirectories.contains { path.contains($0) }
        let (certificates, errors) = CertificateFile.read(bytes)
        for error in errors.prefix(3) {
            events.append(ScanEvent(kind: .corrupt, location: location, message: "a certificate could not be read: \(error)"))
        }
        // One certificate describes the file itself; in a bundle, each certificate is a record.
        let multiple = certificates.count > 1
        return certificates.flatMap { certificate in
            [
                Fact(kind: .certificateSubject, value: certificate.subject, field: certificate.isSelfIssued ? "root" : "certificate",
                     record: multiple ? certificate.subject : nil, origin: inTrustStore ? .installedRecord : .item),
                Fact(kind: .certificateIssuer, value: certificate.issuer, field: certificate.isSelfIssued ? "root" : "certificate",
                     record: multiple ? certificate.subject : nil, origin: inTrustStore ? .installedRecord : .item),
            ]
        }
    }

    func dpkgFacts(_ content: ItemContent, location: Location, events: inout [ScanEvent]) -> [Fact] {
        guard content.size <= 256 << 20, let bytes = try? content.bytes(at: 0, count: Int(content.size)) else {
            events.append(ScanEvent(kind: .unreadable, location: location, message: "dpkg database could not be read"))
            return []
        }
        return DebianControl.installedPackages(bytes).flatMap { paragraph in
            Self.debianFacts(paragraph, record: "package \(DebianControl.field("Package", in: paragraph) ?? "")", origin: .installedRecord)
        }
    }

    func debianIndexFacts(_ content: ItemContent, location: Location, events: inout [ScanEvent]) -> [Fact] {
        var facts: [Fact] = []
        var stream = DebianControl.ParagraphStream()
        let take = { (paragraph: DebianControl.Paragraph) in
            if let entry = DebianIndexEntry(paragraph) { facts += RepositoryIndexEntry(debian: entry).facts }
        }
        do {
            _ = try content.stream(from: 0, through: ReadBuffer(size: 1 << 16), onData: { try stream.feed($0, onParagraph: take) }, onHole: { _ in })
            stream.finish(onParagraph: take)
        } catch {
            events.append(ScanEvent(kind: .corrupt, location: location, message: "Packages index could not be read to the end: \(error)"))
        }
        return facts
    }

    func rpmPrimaryFacts(_ content: ItemContent, location: Location, events: inout [ScanEvent]) -> [Fact] {
        var facts: [Fact] = []
        let take = { (package: RPMIndexPackage) in facts += RepositoryIndexEntry(rpm: package).facts }
        do {
            try RPMRepository.parsePrimary(content, onPackage: take)
        } catch {
            events.append(ScanEvent(kind: .corrupt, location: location, message: "\(error)"))
        }
        return facts
    }

    static func debianFacts(_ paragraph: DebianControl.Paragraph, record: String?, origin: Fact.Origin) -> [Fact] {
        var facts: [Fact] = []
        if let name = DebianControl.field("Package", in: paragraph) {
            facts.append(Fact(kind: .packageName, value: name, field: "Package", record: record, origin: origin))
        }
        if let maintainer = DebianControl.field("Maintainer", in: paragraph) {
            facts.append(Fact(kind: .packageMaintainer, value: maintainer, field: "Maintainer", record: record, origin: origin))
        }
        if let description = DebianControl.field("Description", in: paragraph) {
            facts.append(Fact(kind: .packageDescription, value: description, field: "Description", record: record, origin: origin))
        }
        return facts
    }

    static func rpmFacts(_ header: RPMHeader, record: String?, origin: Fact.Origin) -> [Fact] {
        var facts: [Fact] = []
        let fields: [(RPMHeader.Tag, Fact.Kind, String)] = [
            (.name, .packageName, "NAME"), (.vendor, .packageVendor, "VENDOR"), (.packager, .packagePackager, "PACKAGER"),
            (.summary, .packageDescription, "SUMMARY"), (.description, .packageDescription, "DESCRIPTION"),
        ]
        for (tag, kind, field) in fields {
            if let value = header[tag], !value.isEmpty {
                facts.append(Fact(kind: kind, value: value, field: field, record: record, origin: origin))
            }
        }
        return facts
    }

    func rpmDatabaseFacts(_ content: ItemContent, location: Location, events: inout [ScanEvent]) -> [Fact] {
        // SQLite opens files by name: a file on disk by its path, a member through its descriptor.
        let path: String
        if let descriptor = content.descriptor {
            path = "/proc/self/fd/\(descriptor)"
        } else {
            events.append(ScanEvent(kind: .unsupported, location: location, message: "rpm database held in memory: not read"))
            return []
        }
        var facts: [Fact] = []
        do {
            let database = try SQLiteDatabase(path: path, readOnly: true)
            try database.query("SELECT hnum, blob FROM Packages") { columns in
                guard columns.count == 2, case .blob(let blob) = columns[1] else { return }
                do {
                    let header = try RPMHeader.parse(blob)
                    facts += Self.rpmFacts(header, record: "package \(header[.name] ?? "?")", origin: .installedRecord)
                } catch {
                    events.append(ScanEvent(kind: .corrupt, location: location, message: "an rpm database row could not be read: \(error)"))
                }
            }
        } catch {
            events.append(ScanEvent(kind: .corrupt, location: location, message: "rpm database could not be read: \(error)"))
        }
        return facts
    }
}
