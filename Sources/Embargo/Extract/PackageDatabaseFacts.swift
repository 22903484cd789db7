internal import EmbargoFormats

/// Facts of installed-package databases (dpkg status, rpm's SQLite, Berkeley DB and NDB databases)
/// and of repository indexes met outside a recognised repository root: one record per package.
enum PackageDatabaseFacts {
    /// The largest dpkg status file read.
    static let dpkgLimit: UInt64 = 256 << 20

    static func dpkg(_ content: ItemContent, location: Location, into extraction: inout FactExtractor.Extraction) {
        guard
            let bytes = extraction.wholeBytes(
                of: content,
                limit: dpkgLimit,
                limitName: "dpkg-status",
                what: "dpkg database",
                location: location
            )
        else { return }
        for paragraph in DebianControl.installedPackages(bytes) {
            let record = "package \(DebianControl.field("Package", in: paragraph) ?? "")"
            extraction.facts += PackageFacts.debian(paragraph, record: record, origin: .installedRecord)
        }
    }

    static func rpmSQLite(_ content: ItemContent, location: Location, into extraction: inout FactExtractor.Extraction) {
        do {
            let database = try SQLiteDatabase(reading: content)
            try database.query("SELECT hnum, blob FROM Packages") { columns in
                guard columns.count == 2, case .blob(let blob) = columns[1] else { return }
                installedRPM(blob, of: "rpm database", location: location, into: &extraction)
            }
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "rpm database could not be read"))
        }
    }

    /// The facts of one installed package, from its header blob in an rpm database called `name`.
    private static func installedRPM(
        _ blob: [UInt8],
        of name: String,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        do {
            let header = try RPMHeader.parse(blob)
            extraction.facts += PackageFacts.rpm(
                header,
                record: "package \(header[.name] ?? "?")",
                origin: .installedRecord
            )
        } catch {
            extraction.events.append(
                ScanEvent(failure: error, at: location, doing: "a record of the \(name) could not be read")
            )
        }
    }

    /// The packages of a Berkeley DB (`Packages`) or NDB (`Packages.db`) rpm database.
    static func rpmDatabaseFile(
        _ content: ItemContent,
        ndb: Bool,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        let name = ndb ? "rpm NDB database" : "rpm Berkeley DB database"
        do {
            let found = ndb ? try RPMDatabaseFile.ndbBlobs(content) : try RPMDatabaseFile.berkeleyHashBlobs(content)
            for blob in found.blobs { installedRPM(blob, of: name, location: location, into: &extraction) }
            for problem in found.problems {
                extraction.events.append(
                    ScanEvent(failure: problem, at: location, doing: "part of the \(name) could not be read")
                )
            }
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "\(name) could not be read"))
        }
    }

    static func debianIndex(
        _ content: ItemContent,
        buffer: ReadBuffer,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        var stream = DebianControl.ParagraphStream()
        var facts: [Fact] = []
        let take = { (paragraph: DebianControl.Paragraph) in
            if let entry = DebianIndexEntry(paragraph) { facts += RepositoryIndexEntry(debian: entry).facts }
        }
        do {
            try content.stream(through: buffer, onData: { span in try stream.feed(span.bytesArray, onParagraph: take) })
            stream.finish(onParagraph: take)
        } catch {
            extraction.events.append(
                ScanEvent(failure: error, at: location, doing: "Packages index could not be read to the end")
            )
        }
        extraction.facts += facts
    }

    static func rpmPrimary(
        _ content: ItemContent,
        buffer: ReadBuffer,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        var parser = RPMPrimaryMetadata()
        var facts: [Fact] = []
        do {
            try content.stream(
                through: buffer,
                onData: { span in
                    try parser.feed(span.bytesArray) { facts += RepositoryIndexEntry(rpm: $0).facts }
                }
            )
            try parser.finish()
        } catch {
            extraction.events.append(
                ScanEvent(failure: error, at: location, doing: "primary metadata could not be read")
            )
        }
        extraction.facts += facts
    }
}

extension RawSpan {
    /// The bytes, copied into an array (for the line- and markup-oriented readers, which keep the
    /// unfinished end of a chunk).
    var bytesArray: [UInt8] {
        unsafe withUnsafeBytes { unsafe Array($0) }
    }
}

extension [UInt8] {
    /// Appends the bytes of `span`.
    mutating func append(_ span: RawSpan) {
        unsafe span.withUnsafeBytes { unsafe append(contentsOf: $0) }
    }
}
