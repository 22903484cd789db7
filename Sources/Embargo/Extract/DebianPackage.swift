internal import EmbargoFormats

/// Reads a .deb package's own metadata: the `control` file inside its `control.tar.*` member.
enum DebianPackage {
    /// The largest control member read.
    static let memberLimit = 16 << 20

    /// The package facts of an ar archive that is a Debian package; none for another ar archive.
    static func controlFacts(
        _ content: ItemContent,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        do {
            let outer = try ArchiveReader()
            try outer.open(content)
            guard let first = try outer.nextEntry(), first.name == Array("debian-binary".utf8) else { return }
            while let entry = try outer.nextEntry() {
                guard entry.name.starts(with: Array("control.tar".utf8)) else { continue }
                guard let control = try controlFile(in: ItemContent(copying: try readAll(outer))) else {
                    extraction.events.append(
                        ScanEvent(kind: .corrupt, location: location, message: "Debian package without a control file")
                    )
                    return
                }
                extraction.facts += PackageFacts.debian(
                    DebianControl.paragraphs(control).first ?? [],
                    record: nil,
                    origin: .packageFile
                )
                return
            }
            extraction.events.append(
                ScanEvent(kind: .corrupt, location: location, message: "Debian package without a control.tar member")
            )
        } catch {
            extraction.events.append(
                ScanEvent(failure: error, at: location, doing: "Debian package metadata could not be read")
            )
        }
    }

    /// The bytes of `control` in a control tarball.
    static func controlFile(in tarball: ItemContent) throws -> [UInt8]? {
        let reader = try ArchiveReader()
        try reader.open(tarball)
        while let entry = try reader.nextEntry() {
            if entry.name == Array("control".utf8) || entry.name == Array("./control".utf8) {
                return try readAll(reader)
            }
        }
        return nil
    }

    /// The current member's bytes, up to `memberLimit`.
    static func readAll(_ reader: ArchiveReader) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while try reader.readBlock({ block, _ in bytes.append(block) }) {
            guard bytes.count <= memberLimit else {
                throw FormatError.limit("control member larger than \(memberLimit) bytes")
            }
        }
        return bytes
    }
}
