internal import EmbargoFormats

/// The extract stage's structural readers: pulls facts (signers, version resources, package records,
/// registry records, trust-store roots) out of an item by its format and where it lies. A structure that cannot be read
/// becomes an event of the kind its error says (see `ScanEvent.kind(for:)`).
struct FactExtractor {
    /// A buffer for streaming index files through their parsers.
    let buffer: ReadBuffer

    /// What an extractor found in one item.
    struct Extraction {
        var facts: [Fact] = []
        var events: [ScanEvent] = []
    }

    /// Whether the readers want random access to an item of this format and path, so that an archive
    /// member has to be held rather than streamed.
    static func wantsWholeItem(format: ContentFormat, logicalPath: [UInt8]) -> Bool {
        switch format {
        case .pe, .macho, .machoFat, .pem, .der, .sqlite, .registryHive, .registryText, .javaKeyStore, .pkcs12: true
        default: ItemRole(logicalPath) != nil
        }
    }

    /// Facts of an item that is not a container.
    func facts(format: ContentFormat, content: ItemContent, logicalPath: [UInt8], location: Location) -> Extraction {
        var extraction = Extraction()
        let role = ItemRole(logicalPath)
        switch format {
        case .pe: ExecutableFacts.portableExecutable(content, location: location, into: &extraction)
        case .macho, .machoFat: ExecutableFacts.machO(content, location: location, into: &extraction)
        case .pem, .der: CertificateFacts.read(content, logicalPath: logicalPath, location: location, into: &extraction)
        case .javaKeyStore: TrustStoreFacts.javaKeyStore(content, location: location, into: &extraction)
        case .pkcs12: TrustStoreFacts.pkcs12(content, location: location, into: &extraction)
        case .sqlite where role != .rpmSQLite:
            do {
                TrustStoreFacts.nss(try SQLiteDatabase(reading: content), location: location, into: &extraction)
            } catch  where role == .nssDatabase {
                extraction.events.append(
                    ScanEvent(failure: error, at: location, doing: "NSS certificate database could not be read")
                )
            } catch {
                // Another program's database that SQLite cannot open: not Embargo's to read.
            }
        case .registryHive, .registryText:
            RegistryFacts.read(
                content,
                format: format,
                logicalPath: logicalPath,
                location: location,
                into: &extraction
            )
        default: break
        }
        switch role {
        case .dpkgStatus:
            PackageDatabaseFacts.dpkg(content, location: location, into: &extraction)
        case .rpmSQLite:
            PackageDatabaseFacts.rpmSQLite(content, location: location, into: &extraction)
        case .rpmBerkeley:
            PackageDatabaseFacts.rpmDatabaseFile(content, ndb: false, location: location, into: &extraction)
        case .rpmNDB:
            PackageDatabaseFacts.rpmDatabaseFile(content, ndb: true, location: location, into: &extraction)
        case .infoPlist:
            if content.size <= 1 << 20, let bytes = try? content.bytes(at: 0, count: Int(content.size)),
                let identifier = PropertyList.bundleIdentifier(in: bytes)
            {
                extraction.facts.append(Fact(kind: .bundleIdentifier, value: identifier, field: "CFBundleIdentifier"))
            }
        case .debianPackagesIndex where Self.isText(format, content):
            PackageDatabaseFacts.debianIndex(content, buffer: buffer, location: location, into: &extraction)
        case .rpmPrimaryIndex where Self.isText(format, content):
            PackageDatabaseFacts.rpmPrimary(content, buffer: buffer, location: location, into: &extraction)
        case .certificateFile where format != .pem && format != .der:
            CertificateFacts.read(content, logicalPath: logicalPath, location: location, into: &extraction)
        default:
            break
        }
        return extraction
    }

    /// Whether an item of `format` (from a classification that does not tell text apart) is text.
    private static func isText(_ format: ContentFormat, _ content: ItemContent) -> Bool {
        format == .text
            || (format == .other && (try? content.bytes(at: 0, count: 8 << 10)).map(ContentSniffer.isText) == true)
    }

    /// Facts of a container itself: an .rpm's header, a .deb's control file.
    func containerFacts(format: ContentFormat, content: ItemContent, location: Location) -> Extraction {
        var extraction = Extraction()
        switch format {
        case .rpm:
            do {
                extraction.facts = PackageFacts.rpm(
                    try RPMHeader.readPackage(content),
                    record: nil,
                    origin: .packageFile
                )
            } catch {
                extraction.events.append(ScanEvent(failure: error, at: location, doing: "RPM header could not be read"))
            }
        case .ar:
            DebianPackage.controlFacts(content, location: location, into: &extraction)
        default:
            break
        }
        return extraction
    }
}

extension FactExtractor.Extraction {
    /// All of `content`'s bytes for a reader that needs them at once, or nil with an event: a `limit`
    /// event (named `limitName`) when the item is larger than `limit`, the read error otherwise.
    mutating func wholeBytes(
        of content: ItemContent,
        limit: UInt64,
        limitName: String,
        what: String,
        location: Location
    ) -> [UInt8]? {
        guard content.size <= limit else {
            events.append(
                ScanEvent(
                    kind: .limit,
                    location: location,
                    message: "\(what) of \(content.size) bytes not read (the limit is \(limit))",
                    limit: limitName
                )
            )
            return nil
        }
        do {
            return try content.bytes(at: 0, count: Int(content.size))
        } catch {
            events.append(ScanEvent(failure: error, at: location, doing: "\(what) could not be read"))
            return nil
        }
    }
}

/// What a file is by where it lies.
enum ItemRole {
    case dpkgStatus, rpmSQLite, rpmBerkeley, rpmNDB, infoPlist, certificateFile
    /// An NSS certificate database (read by content as any SQLite file is; by name, a failure to open
    /// it is reported).
    case nssDatabase
    /// A Debian `Packages` index or an rpm-md primary metadata document met outside a recognised
    /// repository root (scanned on its own, or inside an archive).
    case debianPackagesIndex, rpmPrimaryIndex

    /// The role of the item at `logicalPath`, if it has one. Compared as bytes: this runs for every
    /// item and archive member of a scan.
    init?(_ logicalPath: [UInt8]) {
        func ends(_ suffix: [UInt8]) -> Bool {
            logicalPath.count >= suffix.count
                && logicalPath[(logicalPath.count - suffix.count)...].elementsEqual(suffix)
        }
        if ends(Names.dpkgStatus) || Self.contains(logicalPath, Names.dpkgStatusDirectory) {
            self = .dpkgStatus
        } else if ends(Names.rpmSQLite) {
            self = .rpmSQLite
        } else if Names.rpmBerkeley.contains(where: ends) {
            self = .rpmBerkeley
        } else if Names.rpmNDB.contains(where: ends) {
            self = .rpmNDB
        } else if ends(Names.nssDatabase) {
            self = .nssDatabase
        } else if ends(Names.infoPlist) {
            self = .infoPlist
        } else if ends(Names.packagesIndex) {
            self = .debianPackagesIndex
        } else if ends(Names.primaryIndex) {
            self = .rpmPrimaryIndex
        } else if Names.certificateExtensions.contains(where: { suffix in
            logicalPath.count >= suffix.count
                && zip(logicalPath[(logicalPath.count - suffix.count)...], suffix).allSatisfy {
                    Self.lowercased($0) == $1
                }
        }) {
            self = .certificateFile
        } else {
            return nil
        }
    }

    /// The names roles are recognised by, as bytes.
    private enum Names {
        static let dpkgStatus = Array("/var/lib/dpkg/status".utf8)
        static let dpkgStatusDirectory = Array("/var/lib/dpkg/status.d/".utf8)
        static let rpmSQLite = Array("/rpmdb.sqlite".utf8)
        static let rpmDirectories = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"]
        static let rpmBerkeley = rpmDirectories.map { Array(($0 + "Packages").utf8) }
        static let rpmNDB = rpmDirectories.map { Array(($0 + "Packages.db").utf8) }
        static let infoPlist = Array("/Info.plist".utf8)
        static let nssDatabase = Array("/cert9.db".utf8)
        static let packagesIndex = Array("/Packages".utf8)
        static let primaryIndex = Array("primary.xml".utf8)
        static let certificateExtensions = [".crt", ".pem", ".cer", ".der", ".p7b"].map { Array($0.utf8) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func contains(_ bytes: [UInt8], _ part: [UInt8]) -> Bool {
        guard let first = part.first, bytes.count >= part.count else { return false }
        var index = 0
        while index + part.count <= bytes.count {
            if bytes[index] == first, bytes[index..<(index + part.count)].elementsEqual(part) { return true }
            index += 1
        }
        return false
    }
}
