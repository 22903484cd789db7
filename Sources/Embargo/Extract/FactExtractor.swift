internal import EmbargoFormats

/// The extract stage's structural readers: pulls facts (signers, version resources, package records,
/// trust-store roots) out of an item by its format and where it lies. A structure that cannot be read
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
        case .pe, .macho, .machoFat, .pem, .der, .sqlite: true
        default: ItemRole(logicalPath) != nil
        }
    }

    /// Facts of an item that is not a container.
    func facts(format: ContentFormat, content: ItemContent, logicalPath: [UInt8], location: Location) -> Extraction {
        var extraction = Extraction()
        switch format {
        case .pe: ExecutableFacts.portableExecutable(content, location: location, into: &extraction)
        case .macho, .machoFat: ExecutableFacts.machO(content, location: location, into: &extraction)
        case .pem, .der: CertificateFacts.read(content, logicalPath: logicalPath, location: location, into: &extraction)
        default: break
        }
        switch ItemRole(logicalPath) {
        case .dpkgStatus:
            PackageDatabaseFacts.dpkg(content, location: location, into: &extraction)
        case .rpmSQLite:
            PackageDatabaseFacts.rpmSQLite(content, location: location, into: &extraction)
        case .rpmBerkeley:
            extraction.events.append(ScanEvent(
                kind: .unsupported, location: location,
                message: "rpm Berkeley DB database (Packages): not read; its packages are not inventoried (convert it with 'rpmdb --rebuilddb' to sqlite, or scan the rpm files)"))
        case .rpmNDB:
            extraction.events.append(ScanEvent(
                kind: .unsupported, location: location,
                message: "rpm NDB database (Packages.db): not read; its packages are not inventoried (scan the rpm files, or convert the database to sqlite)"))
        case .infoPlist:
            if content.size <= 1 << 20, let bytes = try? content.bytes(at: 0, count: Int(content.size)),
                let identifier = PropertyList.bundleIdentifier(in: bytes)
            {
                extraction.facts.append(Fact(kind: .bundleIdentifier, value: identifier, field: "CFBundleIdentifier"))
            }
        case .debianPackagesIndex where format == .text:
            PackageDatabaseFacts.debianIndex(content, buffer: buffer, location: location, into: &extraction)
        case .rpmPrimaryIndex where format == .text:
            PackageDatabaseFacts.rpmPrimary(content, buffer: buffer, location: location, into: &extraction)
        case .certificateFile where format != .pem && format != .der:
            CertificateFacts.read(content, logicalPath: logicalPath, location: location, into: &extraction)
        default:
            break
        }
        return extraction
    }

    /// Facts of a container itself: an .rpm's header, a .deb's control file.
    func containerFacts(format: ContentFormat, content: ItemContent, location: Location) -> Extraction {
        var extraction = Extraction()
        switch format {
        case .rpm:
            do {
                extraction.facts = PackageFacts.rpm(try RPMHeader.readPackage(content), record: nil, origin: .packageFile)
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

/// What a file is by where it lies.
enum ItemRole {
    case dpkgStatus, rpmSQLite, rpmBerkeley, rpmNDB, infoPlist, certificateFile
    /// A Debian `Packages` index or an rpm-md primary metadata document met outside a recognised
    /// repository root (scanned on its own, or inside an archive).
    case debianPackagesIndex, rpmPrimaryIndex

    /// The role of the item at `logicalPath`, if it has one.
    init?(_ logicalPath: [UInt8]) {
        let path = String(decoding: logicalPath, as: UTF8.self)
        let rpmDirectories = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"]
        if path.hasSuffix("/var/lib/dpkg/status") || path.contains("/var/lib/dpkg/status.d/") {
            self = .dpkgStatus
        } else if path.hasSuffix("/rpmdb.sqlite") {
            self = .rpmSQLite
        } else if rpmDirectories.contains(where: { path.hasSuffix($0 + "Packages") }) {
            self = .rpmBerkeley
        } else if rpmDirectories.contains(where: { path.hasSuffix($0 + "Packages.db") }) {
            self = .rpmNDB
        } else if path.hasSuffix("/Info.plist") {
            self = .infoPlist
        } else if path.hasSuffix("/Packages") {
            self = .debianPackagesIndex
        } else if path.hasSuffix("primary.xml") {
            self = .rpmPrimaryIndex
        } else if [".crt", ".pem", ".cer", ".der", ".p7b"].contains(where: { path.lowercased().hasSuffix($0) }) {
            self = .certificateFile
        } else {
            return nil
        }
    }
}
