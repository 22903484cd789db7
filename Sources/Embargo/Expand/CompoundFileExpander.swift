internal import EmbargoFormats

/// The expand stage for OLE compound files (Windows Installer packages, patches and transforms,
/// Office 97–2003 documents): each stream is read as a member named by its decoded path, so that the
/// cabinets an installer embeds are unpacked like any archive and the files in them are read. A
/// document's streams are only streams: nothing in them is taken for an installation.
struct CompoundFileExpander {
    let limits: ScanLimits

    /// Reads every stream of the compound file in `content`.
    func read(_ content: ItemContent, location: Location, budget: ExpansionBudget, analyzer: ItemAnalyzer) {
        let recorder = analyzer.recorder
        recorder.counts.archives += 1
        let file: CompoundFile
        do {
            file = try CompoundFile(content)
        } catch {
            recorder.report(ScanEvent(failure: error, at: location, doing: "compound file could not be read"))
            return
        }
        let names = installerFileNames(file, content: content, location: location, recorder: recorder)
        let outerNames = recorder.memberNames
        defer { recorder.memberNames = outerNames }
        for (index, stream) in file.streams.enumerated() {
            guard index < limits.maxMembers else {
                recorder.report(
                    ScanEvent(
                        kind: .limit,
                        location: location,
                        message: "only the first \(limits.maxMembers) streams were read",
                        limit: "max-members"
                    )
                )
                return
            }
            let streamLocation = location.appending(member: ScanPath(stream.path))
            recorder.counts.members += 1
            recorder.counts.expandedBytes += stream.size
            recorder.memberNames = names.isEmpty ? outerNames : (streamLocation, names)
            do {
                try analyzer.analyze(
                    pieces: try file.extents(of: stream, fileSize: content.size).map(FilePiece.stored),
                    of: content,
                    size: stream.size,
                    location: streamLocation,
                    logicalPath: Array(stream.path.utf8),
                    budget: budget
                )
            } catch {
                recorder.report(
                    ScanEvent(failure: error, at: streamLocation, doing: "compound file stream could not be read")
                )
            }
        }
    }

    /// For a Windows Installer database, the real names of the files its cabinets name by `File` key
    /// (a name two files share gets its key in brackets); empty for other compound files.
    private func installerFileNames(
        _ file: CompoundFile,
        content: ItemContent,
        location: Location,
        recorder: UnitRecorder
    ) -> [String: String] {
        let wanted = MSIFileTable.streamNames
        func bytes(_ path: String) throws -> [UInt8]? {
            guard let stream = file.streams.first(where: { $0.path == path }) else { return nil }
            guard stream.size <= 16 << 20 else { throw FormatError.limit("\(path) is over 16 MiB") }
            var bytes: [UInt8] = []
            for extent in try file.extents(of: stream, fileSize: content.size) {
                bytes += try content.bytes(at: extent.lowerBound, count: extent.count)
            }
            return bytes
        }
        do {
            guard let pool = try bytes(wanted.pool), let data = try bytes(wanted.data),
                let columns = try bytes(wanted.columns), let table = try bytes(wanted.file)
            else { return [:] }
            let names = try MSIFileTable.names(pool: pool, data: data, columns: columns, file: table)
            let counts = Dictionary(names.values.map { ($0, 1) }, uniquingKeysWith: +)
            return Dictionary(
                uniqueKeysWithValues: names.map { key, name in
                    (key, counts[name, default: 0] > 1 ? "\(name) [\(key)]" : name)
                }
            )
        } catch {
            recorder.report(
                ScanEvent(
                    failure: error,
                    at: location,
                    doing: "Windows Installer File table could not be read; cabinet members keep their File keys"
                )
            )
            return [:]
        }
    }
}
