internal import EmbargoFormats

/// The expand stage for disk images: virtual machine disks (qcow2, VMDK, VHD, VHDX) read through
/// their block tables, the partitions of an MBR or GPT table, and the FAT and ext2/3/4 file systems
/// in them read file by file; ISO 9660 partitions go to libarchive. Encrypted volumes are
/// `encrypted` events; partitions and images Embargo cannot read are `unsupported` events with
/// their number, type, offset and size.
struct DiskImageExpander {
    let limits: ScanLimits

    /// How deep parents of differencing disks are followed (a chain that loops ends here).
    private static let maximumParents = 8

    /// The event for an image in a format Embargo recognises but cannot read.
    func unreadableImage(_ head: [UInt8], at location: Location) -> ScanEvent {
        let kind = ContentSniffer.unreadableImageKind(head) ?? ContentFormat.fileSystemImage.summary
        return ScanEvent(
            kind: .unsupported,
            location: location,
            message:
                "\(kind): not read (Embargo reads qcow2, VMDK, VHD, VHDX, MBR/GPT, LVM, ext2/3/4, XFS, btrfs, NTFS, FAT and ISO 9660; mount it and scan the mount point)"
        )
    }

    /// The event for an encrypted volume, which is never read.
    func encryptedVolume(_ head: [UInt8], size: UInt64?, at location: Location) -> ScanEvent {
        let kind = EncryptedVolume.kind(of: head) ?? "encrypted"
        let bytes = size.map { " of \($0) bytes" } ?? ""
        return ScanEvent(
            kind: .encrypted,
            location: location,
            message: "\(kind) encrypted volume\(bytes): not read (its contents cannot be seen without the key)"
        )
    }

    /// Scans the disk that a virtual machine's disk image holds: its partitions, or the one file
    /// system that fills it. A differencing disk's parent, and the extents a VMDK descriptor names,
    /// are looked for beside an image on disk.
    func readVirtualDisk(_ content: ItemContent, location: Location, analyzer: ItemAnalyzer, shard: ImageShard?) {
        let recorder = analyzer.recorder
        if shard?.ownsImage ?? true { recorder.counts.archives += 1 }
        let disk: ItemContent
        let format: String
        do {
            if VMDKDescriptor.recognises(try content.bytes(at: 0, count: 64)) {
                guard let joined = try joinedExtents(content, location: location, recorder: recorder, shard: shard)
                else {
                    return
                }
                (disk, format) = (ItemContent(virtual: joined), "VMDK descriptor")
            } else {
                var image = try VirtualDisk.open(content)
                for note in image.notes {
                    report(
                        shard,
                        recorder,
                        ScanEvent(kind: .corrupt, location: location, message: "\(image.format): \(note)")
                    )
                }
                image = withParents(image, location: location, recorder: recorder, shard: shard)
                (disk, format) = (ItemContent(virtual: image), image.format)
            }
        } catch {
            report(shard, recorder, ScanEvent(failure: error, at: location, doing: "virtual disk could not be read"))
            return
        }
        let head: [UInt8]
        do {
            head = try disk.bytes(at: 0, count: ItemClassifier.headSize)
        } catch {
            report(shard, recorder, ScanEvent(failure: error, at: location, doing: "virtual disk could not be read"))
            return
        }
        if ContentSniffer.format(of: head) == .diskImage {
            readPartitions(disk, location: location, analyzer: analyzer, image: format, shard: shard)
        } else {
            readVolume(
                disk,
                range: 0..<disk.size,
                head: head,
                location: location,
                analyzer: analyzer,
                image: format,
                shard: shard
            )
        }
    }

    /// The disk a VMDK descriptor describes: its extent files, found beside it, joined in order;
    /// nil (after an event) when the descriptor is not a file on disk or an extent is missing.
    private func joinedExtents(
        _ content: ItemContent,
        location: Location,
        recorder: UnitRecorder,
        shard: ImageShard?
    ) throws -> JoinedRanges? {
        let descriptor = try VMDKDescriptor(try content.bytes(at: 0, count: 64 << 10))
        func notRead(_ why: String) -> JoinedRanges? {
            report(
                shard,
                recorder,
                ScanEvent(kind: .unsupported, location: location, message: "VMDK descriptor: not read (\(why))")
            )
            return nil
        }
        guard location.members.isEmpty, let directory = location.path.parent else {
            return notRead("its extents are separate files, and this descriptor is not a file on disk")
        }
        if let parent = descriptor.parentName {
            report(
                shard,
                recorder,
                ScanEvent(
                    kind: .unsupported,
                    location: location,
                    message:
                        "VMDK descriptor records changes to the parent disk \"\(parent)\", which is not read: what the parent holds is not scanned"
                )
            )
        }
        var parts: [(source: any ByteSource, range: Range<UInt64>)] = []
        for extent in descriptor.extents {
            guard let name = extent.file else {
                parts.append((ZeroBytes(size: extent.size), 0..<extent.size))
                continue
            }
            let path = directory.appending(Array(name.utf8))
            guard let file = try? ItemContent(path: path, followingLink: true) else {
                return notRead("its extent \"\(name)\" is not beside it")
            }
            switch extent.kind {
            case .sparse:
                let sparse = try VirtualDisk.open(file)
                parts.append((sparse, 0..<min(extent.size, sparse.size)))
            default:
                guard extent.offset <= file.size else {
                    return notRead("its extent \"\(name)\" is shorter than it says")
                }
                parts.append((file, extent.offset..<(extent.offset + min(extent.size, file.size - extent.offset))))
            }
        }
        guard !parts.isEmpty else { return notRead("it lists no extents") }
        return JoinedRanges(parts: parts)
    }

    /// `disk` with its parent chain attached, when it names parents that lie beside the image on
    /// disk; an event says which parent is missing (the disk's own blocks are still read).
    private func withParents(
        _ disk: VirtualDisk,
        location: Location,
        recorder: UnitRecorder,
        shard: ImageShard?
    ) -> VirtualDisk {
        var chain = [disk]
        var directory = location.members.isEmpty ? location.path.parent : nil
        while let name = chain.last?.parentName {
            let opened = directory.flatMap { directory in
                Self.parentCandidates(name, beside: directory).lazy.compactMap { path in
                    (try? VirtualDisk.open(ItemContent(path: path, followingLink: true))).map { (path, $0) }
                }.first
            }
            guard chain.count <= Self.maximumParents, let (parentPath, parent) = opened else {
                let why =
                    chain.count > Self.maximumParents
                    ? "a chain of more than \(Self.maximumParents) parents"
                    : directory == nil ? "an image inside another is read alone" : "it is not beside the image"
                report(
                    shard,
                    recorder,
                    ScanEvent(
                        kind: .unsupported,
                        location: location,
                        message:
                            "\(chain[chain.count - 1].format) records changes to the parent disk \"\(name)\", which is not read (\(why)): what the parent holds is not scanned, and files that span both may read as damaged"
                    )
                )
                break
            }
            chain.append(parent)
            directory = parentPath.parent
        }
        var result = chain.removeLast()
        while let child = chain.popLast() { result = child.withParent(result) }
        return result
    }

    /// Where a parent disk named `name` may lie beside its child in `directory`: the name as written
    /// when relative (Windows names separate with backslashes; the name's bytes are kept as they are),
    /// then its last component alone, since tools often record the absolute path the parent had on
    /// the machine that made the child (libvirt does). An absolute path is never read as it stands:
    /// an image must not make a scan read the scanning host's files.
    static func parentCandidates(_ name: String, beside directory: ScanPath) -> [ScanPath] {
        let components = name.split(separator: "/", omittingEmptySubsequences: false).flatMap {
            $0.split(separator: "\\", omittingEmptySubsequences: false)
        }
        let isAbsolute = name.hasPrefix("/") || name.hasPrefix("\\") || (components.first?.last == ":")
        var candidates: [ScanPath] = []
        if !isAbsolute { candidates.append(directory.appending(Array(components.joined(separator: "/").utf8))) }
        if let last = components.last, !last.isEmpty, last != "..", last != ".",
            isAbsolute || components.count > 1
        {
            candidates.append(directory.appending(Array(last.utf8)))
        }
        return candidates
    }

    /// Scans each partition of a partitioned image.
    func readPartitions(
        _ content: ItemContent,
        location: Location,
        analyzer: ItemAnalyzer,
        image: String? = nil,
        shard: ImageShard?
    ) {
        let recorder = analyzer.recorder
        if shard?.ownsImage ?? true { recorder.counts.archives += 1 }
        let table: (scheme: String, partitions: [DiskPartition])
        do {
            table = try PartitionTable.read(content)
        } catch {
            report(shard, recorder, ScanEvent(failure: error, at: location, doing: "partition table could not be read"))
            return
        }
        if table.partitions.isEmpty {
            report(
                shard,
                recorder,
                ScanEvent(
                    kind: .unsupported,
                    location: location,
                    message: "\(table.scheme) partition table lists no partitions"
                )
            )
        }
        if location.members.isEmpty, shard?.ownsImage ?? true {
            let count = table.partitions.count
            recorder.recognise(
                RecognisedTree(
                    path: location.path,
                    kind: Self.kind(image, table.scheme),
                    detail: "\(count) partition\(count == 1 ? "" : "s") read"
                )
            )
        }
        for partition in table.partitions {
            let name = partition.name.map { " \"\($0)\"" } ?? ""
            let label =
                "partition \(partition.number) (\(partition.scheme) \(partition.type)\(name), offset \(partition.offset), \(partition.size) bytes)"
            let partitionLocation = location.appending(member: ScanPath(label))
            guard partition.offset < content.size else {
                report(
                    shard,
                    recorder,
                    ScanEvent(
                        kind: .corrupt,
                        location: partitionLocation,
                        message: "partition lies beyond the end of the image (\(content.size) bytes); truncated image?"
                    )
                )
                continue
            }
            var size = partition.size
            if size > content.size - partition.offset {
                size = content.size - partition.offset
                report(
                    shard,
                    recorder,
                    ScanEvent(
                        kind: .corrupt,
                        location: partitionLocation,
                        message: "partition runs past the end of the image; only its first \(size) bytes are there"
                    )
                )
            }
            if shard?.ownsImage ?? true { recorder.counts.members += 1 }
            let head: [UInt8]
            do {
                head = try content.bytes(at: partition.offset, count: ItemClassifier.headSize)
            } catch {
                report(shard, recorder, ScanEvent(failure: error, at: partitionLocation))
                continue
            }
            readVolume(
                content,
                range: partition.offset..<(partition.offset + size),
                head: head,
                location: partitionLocation,
                analyzer: analyzer,
                shard: shard
            )
        }
    }

    /// Scans the volume in `range` of `content`, whose first bytes are `head`: a file system read
    /// here, a container libarchive reads, an encrypted volume (an event), or an event saying what
    /// it is and that it was not read.
    private func readVolume(
        _ content: ItemContent,
        range: Range<UInt64>,
        head: [UInt8],
        location: Location,
        analyzer: ItemAnalyzer,
        image: String? = nil,
        shard: ImageShard?
    ) {
        let format = ContentSniffer.format(of: head)
        switch format {
        case .fat:
            readFAT(content, range: range, location: location, analyzer: analyzer, image: image, shard: shard)
        case .extFileSystem, .xfsFileSystem, .btrfsFileSystem, .ntfsFileSystem:
            readFileSystem(
                format,
                content,
                range: range,
                location: location,
                analyzer: analyzer,
                image: image,
                shard: shard
            )
        case .lvmPhysicalVolume:
            readLVM(content, range: range, location: location, analyzer: analyzer, image: image, shard: shard)
        case .encryptedVolume:
            report(shard, analyzer.recorder, encryptedVolume(head, size: UInt64(range.count), at: location))
        case _ where format.isContainer:
            // An ISO 9660 volume inside an image is read whole by the part that owns the image.
            guard shard?.ownsImage ?? true else { return }
            analyzer.expand(
                content,
                format: format,
                location: location,
                range: range,
                budget: ExpansionBudget(limit: limits.maxExpandedBytes)
            )
        default:
            let what: String
            if let kind = ContentSniffer.unreadableImageKind(head) {
                what = kind
            } else if head.allSatisfy({ $0 == 0 }) {
                what = "no file system (the volume starts with zeros)"
            } else {
                what = "unrecognised content (\(format.summary))"
            }
            report(
                shard,
                analyzer.recorder,
                ScanEvent(
                    kind: .unsupported,
                    location: location,
                    message:
                        "\(what): not read (Embargo reads ext2/3/4, XFS, btrfs, NTFS, FAT and ISO 9660 volumes and LVM; mount it and scan the mount point)"
                )
            )
        }
    }

    /// Scans each logical volume of the LVM2 physical volume in `range` of `content`: a volume in
    /// one piece as a range of `content`, one in several segments through the segments joined.
    func readLVM(
        _ content: ItemContent,
        range: Range<UInt64>,
        location: Location,
        analyzer: ItemAnalyzer,
        image: String? = nil,
        shard: ImageShard?
    ) {
        let recorder = analyzer.recorder
        if shard?.ownsImage ?? true { recorder.counts.archives += 1 }
        let volume: LVMPhysicalVolume
        do {
            volume = try LVMPhysicalVolume(content, offset: range.lowerBound, size: UInt64(range.count))
        } catch {
            report(
                shard,
                recorder,
                ScanEvent(failure: error, at: location, doing: "LVM physical volume could not be read")
            )
            return
        }
        if location.members.isEmpty, shard?.ownsImage ?? true {
            let count = volume.logicalVolumes.count
            recorder.recognise(
                RecognisedTree(
                    path: location.path,
                    kind: Self.kind(image, "LVM volume group \(volume.groupName)"),
                    detail: "\(count) logical volume\(count == 1 ? "" : "s")"
                )
            )
        }
        for logical in volume.logicalVolumes {
            let types = Array(Set(logical.types)).sorted().joined(separator: ", ")
            let volumeLocation = location.appending(
                member: ScanPath("logical volume \(volume.groupName)/\(logical.name) (\(types), \(logical.size) bytes)")
            )
            if shard?.ownsImage ?? true { recorder.counts.members += 1 }
            guard let ranges = logical.ranges, let first = ranges.first else {
                let why = logical.unreadable ?? "it has no extents"
                report(
                    shard,
                    recorder,
                    ScanEvent(kind: .unsupported, location: volumeLocation, message: "logical volume not read: \(why)")
                )
                continue
            }
            let volumeContent =
                ranges.count == 1 ? content : ItemContent(virtual: JoinedRanges(content, ranges: ranges))
            let volumeRange = ranges.count == 1 ? first : 0..<volumeContent.size
            do {
                let head = try volumeContent.bytes(at: volumeRange.lowerBound, count: ItemClassifier.headSize)
                readVolume(
                    volumeContent,
                    range: volumeRange,
                    head: head,
                    location: volumeLocation,
                    analyzer: analyzer,
                    shard: shard
                )
            } catch {
                report(shard, recorder, ScanEvent(failure: error, at: volumeLocation))
            }
        }
    }

    /// Scans every file of the FAT file system in `range` of `content`.
    func readFAT(
        _ content: ItemContent,
        range: Range<UInt64>,
        location: Location,
        analyzer: ItemAnalyzer,
        image: String? = nil,
        shard: ImageShard?
    ) {
        do {
            let fileSystem = try FATFileSystem(content, offset: range.lowerBound, size: UInt64(range.count))
            let listing = try fileSystem.files(content)
            let files = listing.files.map { file in
                ImageFile(path: file.path, size: file.size) {
                    try fileSystem.extents(of: file).map { extent in
                        .stored(
                            extent
                                .offset..<(try Checked.sum(extent.offset, extent.length, "FAT extent of \(file.path)"))
                        )
                    }
                }
            }
            readFiles(
                files,
                problems: listing.problems,
                of: content,
                kind: Self.kind(image, fileSystem.variant),
                location: location,
                analyzer: analyzer,
                shard: shard
            )
        } catch {
            report(
                shard,
                analyzer.recorder,
                ScanEvent(failure: error, at: location, doing: "FAT file system could not be read")
            )
        }
    }

    /// Reports an event about the image as a whole: in a scan in shards or parts, only the unit that
    /// owns the image does (as it alone counts the image's partitions and volumes).
    private func report(_ shard: ImageShard?, _ recorder: UnitRecorder, _ event: ScanEvent) {
        if shard?.ownsImage ?? true { recorder.report(event) }
    }

    /// Scans every file of the file system of `format` (ext2/3/4, XFS, btrfs, NTFS) in `range` of
    /// `content`.
    func readFileSystem(
        _ format: ContentFormat,
        _ content: ItemContent,
        range: Range<UInt64>,
        location: Location,
        analyzer: ItemAnalyzer,
        image: String? = nil,
        shard: ImageShard?
    ) {
        let (offset, size) = (range.lowerBound, UInt64(range.count))
        do {
            switch format {
            case .extFileSystem:
                try read(ExtFileSystem(content, offset: offset, size: size), content, location, analyzer, image, shard)
            case .xfsFileSystem:
                try read(XFSFileSystem(content, offset: offset, size: size), content, location, analyzer, image, shard)
            case .btrfsFileSystem:
                try read(
                    BtrfsFileSystem(content, offset: offset, size: size),
                    content,
                    location,
                    analyzer,
                    image,
                    shard
                )
            default:
                try read(NTFSFileSystem(content, offset: offset, size: size), content, location, analyzer, image, shard)
            }
        } catch {
            report(
                shard,
                analyzer.recorder,
                ScanEvent(failure: error, at: location, doing: "\(format.summary) could not be read")
            )
        }
    }

    private func read<FileSystem: ImageFileSystem>(
        _ fileSystem: FileSystem,
        _ content: ItemContent,
        _ location: Location,
        _ analyzer: ItemAnalyzer,
        _ image: String?,
        _ shard: ImageShard?
    ) throws {
        let listing: (files: [FileSystem.File], problems: [String])
        do {
            listing = try fileSystem.files(limit: limits.maxImageFiles)
        } catch let error as FormatError where error.code == .limit {
            throw FormatError.limit("\(error.message) (--max-image-files \(limits.maxImageFiles))")
        }
        let files = listing.files.map { file in
            ImageFile(path: file.path, size: file.size) { try fileSystem.pieces(of: file) }
        }
        readFiles(
            files,
            problems: fileSystem.notes + listing.problems,
            of: content,
            kind: Self.kind(image, fileSystem.name),
            location: location,
            analyzer: analyzer,
            shard: shard
        )
    }

    /// A file found in a file system image, with the way to find its bytes.
    private struct ImageFile {
        let path: String
        let size: UInt64
        let pieces: () throws -> [FilePiece]
    }

    /// Reads each file of a file system like a file on disk, with an expansion budget of its own;
    /// the file system's problems are `corrupt` events.
    private func readFiles(
        _ files: [ImageFile],
        problems: [String],
        of content: ItemContent,
        kind: String,
        location: Location,
        analyzer: ItemAnalyzer,
        shard: ImageShard?
    ) {
        let recorder = analyzer.recorder
        if shard?.ownsImage ?? true { recorder.counts.archives += 1 }
        for problem in problems {
            report(shard, recorder, ScanEvent(kind: .corrupt, location: location, message: "\(kind): \(problem)"))
        }
        if location.members.isEmpty, shard?.ownsImage ?? true {
            recorder.recognise(
                RecognisedTree(
                    path: location.path,
                    kind: kind,
                    detail: "\(files.count) file\(files.count == 1 ? "" : "s") read"
                )
            )
        }
        // A system root's fixed places (package databases, registry hives, trust stores) go first, as
        // in a walk of a mounted root.
        var files = files
        if let root = SystemRoot.recognise(filePaths: files.map(\.path)) {
            var (fixed, rest): ([ImageFile], [ImageFile]) = ([], [])
            for file in files {
                if root.isFixed(file.path) { fixed.append(file) } else { rest.append(file) }
            }
            files = fixed + rest
            if shard?.ownsImage ?? true {
                let place =
                    location.members.isEmpty
                    ? "the image" : location.members.map(\.displayString).joined(separator: "!")
                recorder.recognise(
                    RecognisedTree(
                        path: location.path,
                        kind: root.description,
                        detail:
                            "in \(place): \(fixed.count) file\(fixed.count == 1 ? "" : "s") in its fixed places read first"
                    )
                )
            }
        }
        for file in files {
            let fileLocation = location.appending(member: ScanPath(file.path))
            if let shard, !shard.owns(fileLocation) { continue }
            recorder.counts.members += 1
            do {
                try analyzer.analyze(
                    pieces: try file.pieces(),
                    of: content,
                    size: file.size,
                    location: fileLocation,
                    logicalPath: Array(file.path.utf8),
                    budget: ExpansionBudget(limit: limits.maxExpandedBytes)
                )
            } catch {
                recorder.report(ScanEvent(failure: error, at: fileLocation))
            }
        }
    }

    /// How a recognised image is described: `disk image (GPT)`, `virtual disk (qcow2 v3, GPT)`.
    private static func kind(_ image: String?, _ layout: String) -> String {
        image.map { "virtual disk (\($0), \(layout))" } ?? "disk image (\(layout))"
    }
}
