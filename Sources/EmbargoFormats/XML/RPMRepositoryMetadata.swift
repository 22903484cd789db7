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
        var collector = RepomdCollector()
        do {
            try XMLReader.parse(bytes) { collector.take($0) }
        } catch let error as FormatError {
            throw FormatError(error.code, "repomd.xml: \(error.message)")
        } catch {
            throw FormatError.malformed("repomd.xml: \(error)")
        }
        guard !collector.files.isEmpty else { throw FormatError.malformed("repomd.xml lists no metadata files") }
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

/// Reads an rpm-md `primary.xml` document package by package, from chunks, so a large repository's
/// metadata never has to be held whole.
public struct RPMPrimaryMetadata {
    private var reader = XMLReader()
    private var collector = PrimaryCollector()

    /// A parser at the start of a document.
    public init() {}

    /// Reads the next chunk of the document, handing each package it completes to `onPackage`.
    ///
    /// - Throws: `FormatError` when the document is not well-formed (packages read before the error
    ///   have been handed over).
    public mutating func feed(_ chunk: some Sequence<UInt8>, onPackage: (RPMIndexPackage) throws -> Void) throws {
        do {
            try reader.feed(chunk) { event in
                if let package = collector.take(event) { try onPackage(package) }
            }
        } catch let error as FormatError {
            throw FormatError(error.code, "primary metadata: \(error.message)")
        }
    }

    /// Ends the document.
    ///
    /// - Throws: `FormatError` when it ends early or is not rpm-md primary metadata.
    public mutating func finish() throws {
        do {
            try reader.finish { _ in }
        } catch let error as FormatError {
            throw FormatError(error.code, "primary metadata: \(error.message)")
        }
        guard collector.sawRoot else {
            throw FormatError.badMagic("not rpm-md primary metadata (no <metadata> element)")
        }
    }

    /// Parses a primary document held in memory.
    public static func parse(_ bytes: [UInt8], onPackage: (RPMIndexPackage) throws -> Void) throws {
        var parser = RPMPrimaryMetadata()
        try parser.feed(bytes, onPackage: onPackage)
        try parser.finish()
    }
}

/// Gathers the `<data>` elements of repomd.xml.
private struct RepomdCollector {
    var files: [RPMRepositoryMetadata.DataFile] = []
    private var type: String?
    private var href: String?
    private var checksumType: String?
    private var checksum: String?
    private var size: UInt64?
    private var text = ""
    private var path: [Substring] = []

    mutating func take(_ event: XMLEvent) {
        switch event {
        case .start(let element):
            let name = element.localName
            let parent = path.last
            path.append(name)
            text = ""
            switch name {
            case "data":
                type = element[attribute: "type"]
                href = nil
                checksumType = nil
                checksum = nil
                size = nil
            case "location" where parent == "data":
                href = element[attribute: "href"]
            case "checksum" where parent == "data":
                checksumType = element[attribute: "type"]?.lowercased()
            default:
                break
            }
        case .text(let piece):
            if text.utf8.count < 4096 { text += piece }
        case .end:
            let name = path.popLast() ?? ""
            let parent = path.last
            let value = text.trimmingXMLSpace()
            switch name {
            case "checksum" where parent == "data": checksum = value.lowercased()
            case "size" where parent == "data": size = UInt64(value)
            case "data":
                if let type, let href {
                    files.append(
                        .init(type: type, href: href, checksumType: checksumType, checksum: checksum, size: size)
                    )
                }
            default: break
            }
            text = ""
        }
    }
}

/// Gathers the `<package>` elements of primary.xml and hands each one over when it closes.
private struct PrimaryCollector {
    private var current: RPMIndexPackage?
    private var text = ""
    private(set) var sawRoot = false
    /// The most text kept of one field (a description, say).
    static let fieldLimit = 1 << 20

    /// Takes an event; returns the package it completes, if any.
    mutating func take(_ event: XMLEvent) -> RPMIndexPackage? {
        switch event {
        case .start(let element):
            text = ""
            switch element.localName {
            case "metadata": sawRoot = true
            case "package": current = RPMIndexPackage()
            case "version":
                let epoch = element[attribute: "epoch"].flatMap { $0 == "0" ? nil : $0 }
                let version = [element[attribute: "ver"], element[attribute: "rel"]].compactMap { $0 }.joined(
                    separator: "-"
                )
                current?.version = (epoch.map { $0 + ":" } ?? "") + version
            case "location":
                current?.location = element[attribute: "href"]
                current?.locationBase = element[attribute: "xml:base"]
            case "size": current?.size = element[attribute: "package"].flatMap { UInt64($0) }
            default: break
            }
            return nil
        case .text(let piece):
            if current != nil, text.utf8.count < Self.fieldLimit { text += piece }
            return nil
        case .end(let name):
            defer { text = "" }
            guard current != nil else { return nil }
            let value = text.trimmingXMLSpace()
            let given = value.isEmpty ? nil : value
            switch name.split(separator: ":", maxSplits: 1).last ?? "" {
            case "name": current?.name = value
            case "arch": current?.architecture = given
            case "summary": current?.summary = given
            case "description": current?.description = given
            case "packager": current?.packager = given
            case "url": current?.url = given
            case "vendor": current?.vendor = given
            case "checksum": current?.checksum = given?.lowercased()
            case "package":
                defer { current = nil }
                return current
            default: break
            }
            return nil
        }
    }
}

extension String {
    /// The string without leading and trailing XML white space.
    func trimmingXMLSpace() -> String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !XMLReader.isSpace($0) }),
            let last = bytes.lastIndex(where: { !XMLReader.isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
