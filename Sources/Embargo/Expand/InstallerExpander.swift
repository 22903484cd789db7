internal import EmbargoFormats

/// The expand stage for a setup program's payload: a self-extractor's archive (zip, 7z, RAR, cabinet)
/// is unpacked by libarchive and an NSIS installer's files by Embargo's NSIS reader, each file read as
/// a member of the program; the data of engines Embargo does not unpack (Inno Setup, InstallShield,
/// WiX Burn) is an `unsupported` event naming the engine. The program itself has been read before
/// (its signature and version resources).
struct InstallerExpander {
    let limits: ScanLimits

    func read(_ content: ItemContent, location: Location, budget: ExpansionBudget, analyzer: ItemAnalyzer) {
        let recorder = analyzer.recorder
        guard let executable = try? PortableExecutable.read(content, layoutOnly: true),
            let payload = try? recorder.timer.measure(
                .extract,
                { try InstallerPayload.find(in: content, executable: executable) }
            )
        else { return }
        if let archive = payload.kind.archiveFormat {
            // A zip is read whole: its central directory gives offsets from the start of the file
            // (`zip -A` rebases them so); the other archives are handed the payload alone.
            let range = archive == .zip ? nil : payload.offset..<content.size
            analyzer.expand(content, format: archive, location: location, range: range, budget: budget)
            return
        }
        if payload.kind == .nsis {
            do {
                let installer = try recorder.timer.measure(.unpack) {
                    try NSISInstaller(content, offset: payload.offset)
                }
                try readFiles(
                    of: installer,
                    compressedSize: content.size - payload.offset,
                    location: location,
                    budget: budget,
                    analyzer: analyzer
                )
            } catch {
                // LZMA with a branch filter is `unsupported` (the program itself has been read), damage `corrupt`.
                recorder.report(ScanEvent(failure: error, at: location, doing: "NSIS installer data not unpacked"))
            }
            return
        }
        recorder.report(
            ScanEvent(
                kind: .unsupported,
                location: location,
                message:
                    "\(payload.kind.rawValue): the files it installs are not unpacked (Embargo unpacks MSI packages, NSIS installers and zip, 7z, RAR and cabinet self-extractors); the setup program itself was read"
            )
        )
    }

    /// Each file of an NSIS installer, spooled and analysed as a member of the program.
    private func readFiles(
        of installer: NSISInstaller,
        compressedSize: UInt64,
        location: Location,
        budget: ExpansionBudget,
        analyzer: ItemAnalyzer
    ) throws {
        let recorder = analyzer.recorder
        recorder.counts.archives += 1
        var members = 0
        var expanded: UInt64 = 0
        try installer.read { file, data in
            members += 1
            let fileLocation = location.appending(member: ScanPath(file.name))
            guard members <= limits.maxMembers else {
                throw ExpansionStop(
                    event: ScanEvent(
                        kind: .limit,
                        location: location,
                        message: "only the first \(limits.maxMembers) files were read",
                        limit: "max-members"
                    )
                )
            }
            recorder.counts.members += 1
            let spool = analyzer.makeSpool(sizeHint: nil)
            while let piece = try recorder.timer.measure(.unpack, { try data.next(upTo: 1 << 20) }) {
                recorder.counts.expandedBytes += UInt64(piece.count)
                expanded += UInt64(piece.count)
                // A bomb: past the floor, more than the allowed ratio of the data the installer carries.
                guard
                    expanded <= limits.ratioFloorBytes
                        || Double(expanded) <= limits.maxRatio * Double(max(compressedSize, 1))
                else {
                    throw ExpansionStop(
                        event: ScanEvent(
                            kind: .limit,
                            location: fileLocation,
                            message:
                                "the installer's data expands more than \(limits.maxRatio) times its size; the rest was not read",
                            limit: "max-ratio"
                        )
                    )
                }
                guard budget.spend(piece.count) else {
                    throw ExpansionStop(
                        event: ScanEvent(
                            kind: .limit,
                            location: fileLocation,
                            message: "the installer expands past \(budget.limit) bytes; the rest was not read",
                            limit: "max-expanded"
                        )
                    )
                }
                try spool.append(piece)
            }
            try analyzer.analyze(
                spool.finish(),
                location: fileLocation,
                logicalPath: Array(file.name.utf8),
                budget: budget
            )
        }
    }
}
