internal import EmbargoFormats

/// The expand stage for raw disk images: the partitions of an MBR or GPT table, and FAT file systems
/// read file by file; ISO 9660 partitions go to libarchive. Partitions and images Embargo cannot read
/// are reported as `unsupported` events with their number, type, offset and size.
struct DiskImageExpander {
    let limits: ScanLimits

    /// The event for an image in a format Embargo recognises but cannot read.
    func unreadableImage(_ head: [UInt8], at location: Location) -> ScanEvent {
        let kind = ContentSniffer.unreadableImageKind(head) ?? ContentFormat.fileSystemImage.summary
        return ScanEvent(
            kind: .unsupported,
            location: location,
            message:
                "\(kind): not read (Embargo reads ISO 9660, FAT and MBR/GPT-partitioned raw images; mount it and scan the mount point)"
        )
    }

    /// Scans each partition of a partitioned image.
    func readPartitions(_ content: ItemContent, location: Location, analyzer: ItemAnalyzer) {
        let recorder = analyzer.recorder
        recorder.counts.archives += 1
        let table: (scheme: String, partitions: [DiskPartition])
        do {
            table = try PartitionTable.read(content)
        } catch {
            recorder.report(ScanEvent(failure: error, at: location, doing: "partition table could not be read"))
            return
        }
        if table.partitions.isEmpty {
            recorder.report(
                ScanEvent(
                    kind: .unsupported,
                    location: location,
                    message: "\(table.scheme) partition table lists no partitions"
                )
            )
        }
        if location.members.isEmpty {
            let count = table.partitions.count
            recorder.recognise(
                RecognisedTree(
                    path: location.path,
                    kind: "disk image (\(table.scheme))",
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
                recorder.report(
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
                recorder.report(
                    ScanEvent(
                        kind: .corrupt,
                        location: partitionLocation,
                        message: "partition runs past the end of the image; only its first \(size) bytes are there"
                    )
                )
            }
            recorder.counts.members += 1
            let head: [UInt8]
            do {
                head = try content.bytes(at: partition.offset, count: ItemClassifier.headSize)
            } catch {
                recorder.report(ScanEvent(failure: error, at: partitionLocation))
                continue
            }
            let format = ContentSniffer.format(of: head)
            let range = partition.offset..<(partition.offset + size)
            switch format {
            case .fat:
                readFAT(content, range: range, location: partitionLocation, analyzer: analyzer)
            case let format where format.isContainer:
                analyzer.expand(
                    content,
                    format: format,
                    location: partitionLocation,
                    range: range,
                    budget: ExpansionBudget(limit: limits.maxExpandedBytes)
                )
            default:
                let what: String
                if let kind = ContentSniffer.unreadableImageKind(head) {
                    what = kind
                } else if head.allSatisfy({ $0 == 0 }) {
                    what = "no file system (the partition starts with zeros)"
                } else {
                    what = "unrecognised content (\(format.summary))"
                }
                recorder.report(
                    ScanEvent(
                        kind: .unsupported,
                        location: partitionLocation,
                        message:
                            "\(what): not read (Embargo reads FAT and ISO 9660 partitions; mount it and scan the mount point)"
                    )
                )
            }
        }
    }

    /// Scans every file of the FAT file system in `range` of `content`.
    func readFAT(_ content: ItemContent, range: Range<UInt64>, location: Location, analyzer: ItemAnalyzer) {
        let recorder = analyzer.recorder
        recorder.counts.archives += 1
        let fileSystem: FATFileSystem
        let listing: (files: [FATFileSystem.File], problems: [String])
        do {
            fileSystem = try FATFileSystem(content, offset: range.lowerBound, size: UInt64(range.count))
            listing = try fileSystem.files(content)
        } catch {
            recorder.report(ScanEvent(failure: error, at: location, doing: "FAT file system could not be read"))
            return
        }
        for problem in listing.problems {
            recorder.report(ScanEvent(kind: .corrupt, location: location, message: "FAT file system: \(problem)"))
        }
        if location.members.isEmpty {
            recorder.recognise(
                RecognisedTree(
                    path: location.path,
                    kind: "disk image (FAT)",
                    detail: "\(listing.files.count) file\(listing.files.count == 1 ? "" : "s") read"
                )
            )
        }
        for file in listing.files {
            let fileLocation = location.appending(member: ScanPath(file.path))
            recorder.counts.members += 1
            do {
                let extents = try fileSystem.extents(of: file).map { extent in
                    extent.offset..<(try Checked.sum(extent.offset, extent.length, "FAT extent of \(file.path)"))
                }
                // Each file of a file system is read like a file on disk, with an expansion budget of its own.
                try analyzer.analyze(
                    extents: extents,
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
}
