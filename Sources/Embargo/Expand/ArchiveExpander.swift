internal import EmbargoFormats

/// The expand stage for archives: opens a container with libarchive and hands each regular member
/// to the caller with a reader of its data, within the limits on members, depth, expanded bytes and
/// ratio. Every limit hit and every damaged archive or member is an event; nothing is skipped
/// silently.
struct ArchiveExpander {
    let limits: ScanLimits

    /// Walks the regular members of the archive in `content` (or in its `range`), calling
    /// `onMember` for each with a reader of its data. A compressed archive whose first member
    /// satisfies `wholeIf` (a container image, whose layers are read in the order its manifests give)
    /// is read again as one member, the whole decompressed content. `onEntry` sees every entry,
    /// directories and links included.
    func expand(
        _ content: ItemContent,
        format: ContentFormat,
        location: Location,
        range: Range<UInt64>? = nil,
        budget: ExpansionBudget,
        recorder: UnitRecorder,
        wholeIf: ((ArchiveReader.Entry) -> Bool)? = nil,
        onEntry: (ArchiveReader.Entry) -> Void = { _ in },
        onMember: (inout MemberReader) throws -> Void
    ) {
        guard !budget.isExhausted else { return }
        recorder.counts.archives += 1
        let outcome = walk(
            content,
            format: format,
            location: location,
            range: range,
            rawStream: false,
            budget: budget,
            recorder: recorder,
            wholeIf: format.isCompressedStream ? wholeIf : nil,
            onEntry: onEntry,
            onMember: onMember
        )
        // A compressed stream whose contents read as an empty archive (a gzip of data that starts with
        // 512 zero bytes looks like an empty tar) is read again as the single file it is.
        if outcome == .wholeStream || (outcome == .members(0) && format.isCompressedStream) {
            walk(
                content,
                format: format,
                location: location,
                range: range,
                rawStream: true,
                budget: budget,
                recorder: recorder,
                wholeIf: nil,
                onEntry: { _ in },
                onMember: onMember
            )
        }
    }

    /// How a walk ended.
    private enum Outcome: Equatable {
        /// At the end of the archive, with this many regular members.
        case members(Int)
        /// Early, at damage or a limit (reported).
        case stopped
        /// At the first member, which asks for the whole stream.
        case wholeStream
    }

    @discardableResult
    private func walk(
        _ content: ItemContent,
        format: ContentFormat,
        location: Location,
        range: Range<UInt64>?,
        rawStream: Bool,
        budget: ExpansionBudget,
        recorder: UnitRecorder,
        wholeIf: ((ArchiveReader.Entry) -> Bool)?,
        onEntry: (ArchiveReader.Entry) -> Void,
        onMember: (inout MemberReader) throws -> Void
    ) -> Outcome {
        let reader: ArchiveReader
        do {
            reader = try ArchiveReader(rawStream: rawStream)
            try reader.open(content, range: range)
        } catch {
            recorder.report(ScanEvent(failure: error, at: location, doing: "cannot open the \(format.summary)"))
            return .stopped
        }
        var members = 0
        var expanded: UInt64 = 0
        while true {
            let entry: ArchiveReader.Entry
            do {
                guard let next = try recorder.timer.measure(.unpack, { try reader.nextEntry() }) else {
                    return .members(members)
                }
                entry = next
            } catch {
                recorder.report(
                    ScanEvent(
                        failure: error,
                        at: location,
                        doing: "damaged or truncated \(format.summary) after \(members) members"
                    )
                )
                return .stopped
            }
            if members == 0, let wholeIf, !reader.isRawStream, wholeIf(entry) { return .wholeStream }
            onEntry(entry)
            guard entry.isRegularFile else { continue }
            members += 1
            guard members <= limits.maxMembers else {
                recorder.report(
                    ScanEvent(
                        kind: .limit,
                        location: location,
                        message: "only the first \(limits.maxMembers) members were read",
                        limit: "max-members"
                    )
                )
                return .stopped
            }
            var name = reader.isRawStream ? Self.decompressedName(of: location) : entry.name
            if let renaming = recorder.memberNames, renaming.archive == location,
                let real = renaming.names[String(decoding: name, as: UTF8.self)]
            {
                name = Array(real.utf8)
            }
            let memberLocation = location.appending(member: ScanPath(bytes: name))
            if entry.isEncrypted {
                recorder.report(
                    ScanEvent(kind: .unsupported, location: memberLocation, message: "encrypted member not read")
                )
                continue
            }
            recorder.counts.members += 1
            var member = MemberReader(
                reader: reader,
                entry: entry,
                location: memberLocation,
                budget: budget,
                limits: limits,
                archiveExpanded: expanded
            )
            do {
                try onMember(&member)
                expanded = member.archiveExpanded
                recorder.counts.expandedBytes += member.memberBytes
            } catch let stop as ExpansionStop {
                recorder.counts.expandedBytes += member.memberBytes
                recorder.report(stop.event)
                return .stopped
            } catch {
                recorder.counts.expandedBytes += member.memberBytes
                recorder.report(ScanEvent(failure: error, at: memberLocation, doing: "damaged member data"))
                return .stopped
            }
        }
    }

    /// The name of the single file inside a compressed stream: the container's name without its
    /// compression extension.
    static func decompressedName(of location: Location) -> [UInt8] {
        let last = location.members.last ?? location.path
        let name = last.lastComponent
        for suffix in [".gz", ".tgz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".Z", ".z"] {
            let bytes = Array(suffix.utf8)
            if name.count > bytes.count, Array(name.suffix(bytes.count)) == bytes {
                let stem = Array(name.dropLast(bytes.count))
                return suffix == ".tgz" ? stem + Array(".tar".utf8) : stem
            }
        }
        return name + Array(".decompressed".utf8)
    }
}
