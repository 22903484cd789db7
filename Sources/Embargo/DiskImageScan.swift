internal import EmbargoFormats

/// Raw disk images: the partitions of an MBR or GPT table, and FAT file systems read file by file.
/// Partitions libarchive or Embargo's readers cannot open are reported as `unsupported` events
/// with their number, type, offset and size.
extension ScanWorker {
    /// The event for an image in a format Embargo recognises but cannot read.
    func unreadableImage(_ head: [UInt8], at location: Location) -> ScanEvent {
        let kind = ContentSniffer.unreadableImageKind(head) ?? ContentFormat.fileSystemImage.summary
        return ScanEvent(
            kind: .unsupported, location: location,
            message: "\(kind): not read (Embargo reads ISO 9660, FAT and MBR/GPT-partitioned raw images; mount it and scan the mount point)")
    }

    /// Scans each partition of a partitioned image.
    func scanPartitions(_ content: ItemContent, location: Location) {
        progress.update { $0.archives += 1 }
        let table: (scheme: String, partitions: [DiskPartition])
        do {
            table = try PartitionTable.read(content)
        } catch {
            report(ScanEvent(kind: .corrupt, location: location, message: "partition table could not be read: \(error)"))
            return
        }
        if table.partitions.isEmpty {
            report(ScanEvent(kind: .unsupported, location: location, message: "\(table.scheme) partition table lists no partitions"))
        }
        for partition in table.partitions {
            let name = partition.name.map { " \"\($0)\"" } ?? ""
            let label = "partition \(partition.number) (\(partition.scheme) \(partition.type)\(name), offset \(partition.offset), \(partition.size) bytes)"
            let partitionLocation = location.appending(member: ScanPath(label))
            guard partition.offset < content.size else {
                report(ScanEvent(kind: .corrupt, location: partitionLocation, message: "partition lies beyond the end of the image (\(content.size) bytes); truncated image?"))
                continue
            }
            var size = partition.size
            if partition.offset + size > content.size {
                size = content.size - partition.offset
                report(ScanEvent(kind: .corrupt, location: partitionLocation, message: "partition runs past the end of the image; only its first \(size) bytes are there"))
            }
            progress.update { $0.members += 1 }
            let head: [UInt8]
            do {
                head = try content.bytes(at: partition.offset, count: Self.headSize)
            } catch {
                report(ScanEvent(kind: .unreadable, location: partitionLocation, message: error.description))
                continue
            }
            let format = ContentSniffer.format(of: head)
            switch format {
            case .fat:
                scanFAT(content, offset: partition.offset, size: size, location: partitionLocation)
            case let format where format.isContainer:
                var budget = ExpansionBudget(limit: limits.maxExpandedBytes)
                expand(content, format: format, location: partitionLocation, budget: &budget, slice: (partition.offset, size))
            default:
                let what: String
                if let kind = ContentSniffer.unreadableImageKind(head) {
                    what = kind
                } else if head.allSatisfy({ $0 == 0 }) {
                    what = "no file system (the partition starts with zeros)"
                } else {
                    what = "unrecognised content (\(format.summary))"
                }
                report(ScanEvent(
                    kind: .unsupported, location: partitionLocation,
                    message: "\(what): not read (Embargo reads FAT and ISO 9660 partitions; mount it and scan the mount point)"))
            }
        }
    }

    /// Scans every file of the FAT file system in `size` bytes at `offset` of `content`.
    func scanFAT(_ content: ItemContent, offset: UInt64, size: UInt64, location: Location) {
        progress.update { $0.archives += 1 }
        let fileSystem: FATFileSystem
        let listing: (files: [FATFileSystem.File], problems: [String])
        do {
            fileSystem = try FATFileSystem(content, offset: offset, size: size)
            listing = try fileSystem.files(content)
        } catch {
            report(ScanEvent(kind: .corrupt, location: location, message: "FAT file system could not be read: \(error)"))
            return
        }
        for problem in listing.problems {
            report(ScanEvent(kind: .corrupt, location: location, message: "FAT file system: \(problem)"))
        }
        for file in listing.files {
            let fileLocation = location.appending(member: ScanPath(file.path))
            progress.update { $0.members += 1 }
            do {
                let spool = try MemberSpool(initial: [], memoryLimit: limits.memberMemoryLimit, sizeHint: Int64(clamping: file.size))
                for extent in try fileSystem.extents(of: file) {
                    var position = extent.offset
                    let end = extent.offset + extent.length
                    while position < end {
                        let want = Int(min(UInt64(buffer.bytes.count), end - position))
                        let count = try content.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want]), at: position)
                        guard count > 0 else { throw FormatError("the image ends inside \(file.path)") }
                        try spool.append(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<count]))
                        position += UInt64(count)
                    }
                }
                let member = try spool.finish()
                // Each file of a file system is read like a file on disk, with an expansion budget of its own.
                var budget = ExpansionBudget(limit: limits.maxExpandedBytes)
                try analyze(member, location: fileLocation, logicalPath: Array(file.path.utf8), streamedHash: nil, budget: &budget)
            } catch let error as FormatError {
                report(ScanEvent(kind: .corrupt, location: fileLocation, message: error.description))
            } catch {
                report(ScanEvent(kind: .unreadable, location: fileLocation, message: "\(error)"))
            }
        }
    }
}
