import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An rpm-md repository's `repodata/repomd.xml`: the metadata files (primary, filelists, other, ...)
/// with their locations, sizes and checksums.
public struct RPMRepositoryMetadata: Sendable, Hashable {
    /// One metadata file.
    public struct DataFile: Sendable, Hashable {
        /// The data type (`primary`, `filelists`, `other`, `primary_db`, `updateinfo`, ...).
        public let type: String
        /// The location, relative to the repository root (`repodata/…-primary.xml.gz`).
        public let href: String
        /// The checksum algorithm (`sha256`, `sha1`, `sha512`, `md5`).
        public let checksumType: String?
        /// The checksum of the file as stored, in lower-case hex.
        public let checksum: String?
        /// The size as stored, when listed.
        public let size: UInt64?
    }

    /// The metadata files, in document order.
    public let files: [DataFile]

    /// The primary metadata file, if listed.
    public var primary: DataFile? { files.first { $0.type == "primary" } }

    /// Parses `repomd.xml`.
    ///
    /// - Throws: `FormatError` when the document is not well-formed XML or lists no data.
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> RPMRepositoryMetadata {
        let collector = RepomdCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.delegate = collector
        guard parser.parse() else {
            throw FormatError("repomd.xml is not well-formed: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        guard !collector.files.isEmpty else { throw FormatError("repomd.xml lists no metadata files") }
        return RPMRepositoryMetadata(files: collector.files)
    }
}

/// One package of an rpm-md repository's primary metadata.
public struct RPMIndexPackage: Sendable, Hashable {
    /// `name`.
    public var name = ""
    /// `arch`.
    public var architecture: String?
    /// `version` as `[epoch:]version-release`.
    public var version: String?
    /// `summary`.
    public var summary: String?
    /// `description`.
    public var description: String?
    /// `packager`.
    public var packager: String?
    /// `url`.
    public var url: String?
    /// `rpm:vendor`.
    public var vendor: String?
    /// `location href`: the package's path relative to the repository root.
    public var location: String?
    /// `location xml:base`: where the package is when it is not under the repository root (a URL).
    public var locationBase: String?
    /// `checksum` (the package file's), lower-case hex.
    public var checksum: String?
    /// The package file's size (`size package`).
    public var size: UInt64?
}

/// Reads an rpm-md `primary.xml` document package by package, from a stream, so a large repository's
/// metadata never has to be held whole.
public enum RPMPrimaryMetadata {
    /// Parses the primary document in the file at `path`, streaming, handing each package to
    /// `onPackage`.
    ///
    /// - Throws: `FormatError` when the file cannot be opened or the document is not well-formed
    ///   (packages read before the error have been handed over).
    public static func parse(file path: String, onPackage: @escaping (RPMIndexPackage) -> Void) throws(FormatError) {
        guard let stream = InputStream(fileAtPath: path) else { throw FormatError("cannot open \(path)") }
        try run(XMLParser(stream: stream), onPackage: onPackage)
    }

    /// Parses a primary document held in memory.
    public static func parse(_ bytes: [UInt8], onPackage: @escaping (RPMIndexPackage) -> Void) throws(FormatError) {
        try run(XMLParser(data: Data(bytes)), onPackage: onPackage)
    }

    private static func run(_ parser: XMLParser, onPackage: @escaping (RPMIndexPackage) -> Void) throws(FormatError) {
        let collector = PrimaryCollector(onPackage: onPackage)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        guard parser.parse() else {
            throw FormatError("primary metadata is not well-formed: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        guard collector.sawRoot else { throw FormatError("not rpm-md primary metadata (no <metadata> element)") }
    }
}

/// Gathers the `<data>` elements of repomd.xml.
private final class RepomdCollector: NSObject, XMLParserDelegate {
    var files: [RPMRepositoryMetadata.DataFile] = []
    private var type: String?
    private var href: String?
    private var checksumType: String?
    private var checksum: String?
    private var size: UInt64?
    private var text = ""
    private var path: [String] = []

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        path.append(element)
        text = ""
        switch element {
        case "data":
            type = attributes["type"]
            href = nil
            checksumType = nil
            checksum = nil
            size = nil
        case "location" where path.dropLast().last == "data":
            href = attributes["href"]
        case "checksum" where path.dropLast().last == "data":
            checksumType = attributes["type"]?.lowercased()
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        defer { path.removeLast() }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch element {
        case "checksum" where path.dropLast().last == "data": checksum = value.lowercased()
        case "size" where path.dropLast().last == "data": size = UInt64(value)
        case "data":
            if let type, let href {
                files.append(.init(type: type, href: href, checksumType: checksumType, checksum: checksum, size: size))
            }
        default: break
        }
        text = ""
    }
}

/// Gathers the `<package>` elements of primary.xml and hands each one over when it closes.
private final class PrimaryCollector: NSObject, XMLParserDelegate {
    private let onPackage: (RPMIndexPackage) -> Void
    private var current: RPMIndexPackage?
    private var text = ""
    private(set) var sawRoot = false

    init(onPackage: @escaping (RPMIndexPackage) -> Void) {
        self.onPackage = onPackage
    }

    func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        text = ""
        switch element {
        case "metadata": sawRoot = true
        case "package": current = RPMIndexPackage()
        case "version":
            let epoch = attributes["epoch"].flatMap { $0 == "0" ? nil : $0 }
            let version = [attributes["ver"], attributes["rel"]].compactMap { $0 }.joined(separator: "-")
            current?.version = (epoch.map { $0 + ":" } ?? "") + version
        case "location":
            current?.location = attributes["href"]
            current?.locationBase = attributes["xml:base"] ?? attributes["base"]
        case "size": current?.size = attributes["package"].flatMap { UInt64($0) }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if current != nil { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        defer { text = "" }
        guard current != nil else { return }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let given = value.isEmpty ? nil : value
        switch element {
        case "name": current?.name = value
        case "arch": current?.architecture = given
        case "summary": current?.summary = given
        case "description": current?.description = given
        case "packager": current?.packager = given
        case "url": current?.url = given
        case "vendor": current?.vendor = given
        case "checksum": current?.checksum = given?.lowercased()
        case "package":
            if let package = current { onPackage(package) }
            current = nil
        default: break
        }
    }
}
