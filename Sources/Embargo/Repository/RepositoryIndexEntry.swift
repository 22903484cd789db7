internal import EmbargoFormats

/// One package named by a repository index, in the terms the detector needs: its facts, where its
/// file should be, and what the index says about that file.
struct RepositoryIndexEntry {
    /// The package's path relative to the repository root (`pool/main/k/kesl/kesl_12.1_amd64.deb`),
    /// if the index gives one.
    var relativePath: String?
    /// A name for the entry when it has no path: `name version architecture`.
    var label: String
    /// The package file's size, as indexed.
    var size: UInt64?
    /// The package file's SHA-256, as indexed.
    var sha256: String?
    /// Whether the index places the file elsewhere (an rpm-md `xml:base` URL), so it is not looked
    /// for under the repository root.
    var isElsewhere = false
    /// Name, maintainer or vendor, packager and description, as facts of the index.
    var facts: [Fact]

    /// The record that locates the entry within its index: the package path, or the label.
    var record: String { relativePath ?? label }

    /// An entry of a Debian `Packages` index.
    init(debian entry: DebianIndexEntry) {
        relativePath = entry.filename
        label = [entry.package, entry.version, entry.architecture].compactMap { $0 }.joined(separator: " ")
        size = entry.size
        sha256 = entry.sha256
        facts = []
        let record = entry.filename ?? label
        let fields: [(String, Fact.Kind)] = [
            ("Package", .packageName), ("Maintainer", .packageMaintainer), ("Description", .packageDescription),
        ]
        for (field, kind) in fields {
            if let value = entry.field(field), !value.isEmpty {
                facts.append(Fact(kind: kind, value: value, field: field, record: record, origin: .repositoryIndex))
            }
        }
    }

    /// A package of an rpm-md `primary.xml`.
    init(rpm package: RPMIndexPackage) {
        relativePath = package.location
        isElsewhere = package.locationBase.map { !$0.isEmpty && !$0.hasPrefix("file:") } ?? false
        label = [package.name, package.version, package.architecture].compactMap { $0 }.joined(separator: " ")
        size = package.size
        sha256 = package.checksum?.count == 64 ? package.checksum : nil
        facts = []
        let record = package.location ?? label
        let fields: [(String?, Fact.Kind, String)] = [
            (package.name, .packageName, "name"), (package.vendor, .packageVendor, "vendor"),
            (package.packager, .packagePackager, "packager"), (package.summary, .packageDescription, "summary"),
            (package.description, .packageDescription, "description"),
        ]
        for (value, kind, field) in fields {
            if let value, !value.isEmpty {
                facts.append(Fact(kind: kind, value: value, field: field, record: record, origin: .repositoryIndex))
            }
        }
    }

    /// The observation of this entry, located at the index file.
    func observation(index: ScanPath, kind: String) -> ItemObservation {
        ItemObservation(
            location: Location(path: index),
            logicalPath: index.bytes,
            item: ItemFacts(size: size, sha256: sha256, format: .text, mimeType: "text/plain", description: kind),
            stringHits: [],
            facts: facts
        )
    }
}
