#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import Crypto
public import EmbargoFormats
internal import EmbargoMatcher

/// One worker of a scan: takes directories and files from the shared queue and carries each file
/// through classify, extract and detect, unpacking archives on the way. It owns the resources that
/// are not thread-safe or are reused from file to file: a libmagic handle, a matcher scanner and a
/// read buffer.
final class ScanWorker {
    private let configuration: ScanConfiguration
    let limits: ScanLimits
    private let detector: Detector
    private let walker: DirectoryWalker
    let progress: ScanProgress
    private let emit: @Sendable (ScanRecord) -> Void
    private let magic: MagicCookie
    private let matchScanner: MatchScanner
    let buffer = ReadBuffer()
    private let extractor = FactExtractor()
    /// Vendors whose package is being unpacked, per nesting level: the package's finding covers their
    /// files inside it, which are not reported again.
    private var coveredVendors: [Set<String>] = []

    /// The first bytes that classification looks at (ISO 9660 needs about 37 KiB, btrfs 65 KiB).
    static let headSize = 68 << 10

    init(
        configuration: ScanConfiguration,
        detector: Detector,
        walker: DirectoryWalker,
        progress: ScanProgress,
        emit: @escaping @Sendable (ScanRecord) -> Void
    ) throws(MagicError) {
        self.configuration = configuration
        self.limits = configuration.limits
        self.detector = detector
        self.walker = walker
        self.progress = progress
        self.emit = emit
        self.magic = try MagicCookie()
        self.matchScanner = MatchScanner(matcher: configuration.signatures.matcher)
    }

    func run(_ queue: WorkQueue<WalkItem>) async {
        while let item = await queue.next() {
            switch item {
            case .directory(let path, let scope):
                let listing = walker.list(path)
                progress.update { $0.symbolicLinks += listing.symbolicLinks }
                for event in listing.events { report(event) }
                var scope = scope
                let priority = recogniseTree(at: path, listing: listing, scope: &scope)
                // What the walk finds below inherits the scope, narrowed where a tree was recognised.
                let rest = listing.items.compactMap { item -> WalkItem? in
                    if let scope, scope.covers(item.path) { return nil }
                    if case .directory(let directory, _) = item { return .directory(directory, scope) }
                    return item
                }
                // The queue is last-in first-out: the fixed places of a system root go first.
                queue.add(rest + priority)
            case .file(let path):
                if configuration.shard.owns(path.bytes) {
                    scanFile(path)
                } else {
                    progress.update { $0.otherShards += 1 }
                }
            }
            queue.finished()
        }
    }

    // MARK: - Recognised trees

    /// Reads a package repository's indexes, or queues a system root's fixed places, when `path` is
    /// the root of one; narrows `scope` to leave out what was accounted for. Returns the items to
    /// walk first.
    private func recogniseTree(at path: ScanPath, listing: DirectoryWalker.Listing, scope: inout WalkScope?) -> [WalkItem] {
        // The names of the subdirectories: what every kind of tree is first recognised by.
        let names = Set(listing.items.compactMap { item -> String? in
            guard case .directory(let directory, _) = item else { return nil }
            return String(decoding: directory.lastComponent, as: UTF8.self)
        })
        var covered: Set<[UInt8]> = []
        var reading: RepositoryReading?
        if names.contains("dists"), let repository = DebianRepository.recognise(path, walker: walker) {
            reading = repository.read(deep: configuration.deep, shard: configuration.shard, buffer: buffer, emit: take)
        } else if names.contains("repodata"), let repository = RPMRepository.recognise(path) {
            reading = repository.read(deep: configuration.deep, shard: configuration.shard, buffer: buffer, emit: take)
        }
        if let reading {
            covered.formUnion(reading.covered)
            progress.update {
                $0.indexEntries += reading.entries
                $0.coveredByIndex += reading.coveredPackages
            }
            let packages = configuration.deep ? "every package opened (--deep)" : "\(reading.coveredPackages) package files described by the indexes not opened"
            progress.recognise(RecognisedTree(
                path: path, kind: reading.description, detail: "\(reading.entries) index entries read; \(packages)"))
        }
        var priority: [WalkItem] = []
        if let root = SystemRoot.recognise(path, directoryNames: names, walker: walker) {
            priority = root.fixedPlaces
            covered.formUnion(root.fixedPlaces.map(\.path.bytes))
            progress.recognise(RecognisedTree(
                path: path, kind: root.description,
                detail: "\(root.fixedPlaces.count) fixed places read first: "
                    + root.fixedPlaces.map { String(decoding: $0.path.bytes.dropFirst(path.bytes.count + 1), as: UTF8.self) }.joined(separator: ", ")))
        }
        guard !covered.isEmpty else { return [] }
        let narrowed = WalkScope(covering: covered, within: scope)
        scope = narrowed
        return priority.map { item in
            if case .directory(let directory, _) = item { return .directory(directory, narrowed) }
            return item
        }
    }

    /// Takes what a repository reader produced.
    private func take(_ output: RepositoryOutput) {
        switch output {
        case .observation(let observation):
            for detection in detector.detections(for: observation) { report(detection) }
        case .event(let event):
            report(event)
        }
    }

    // MARK: - Files on disk

    private func scanFile(_ path: ScanPath) {
        progress.started(path)
        let location = Location(path: path)
        let content: ItemContent
        do {
            content = try ItemContent(path: path)
        } catch {
            report(ScanEvent(kind: .unreadable, location: location, message: error.description))
            return
        }
        if let stamp = content.stamp, let previous = configuration.previousFiles, previous.isUnchanged(path, stamp) {
            progress.update { $0.unchanged += 1 }
            emit(.unchanged(path, stamp))
            return
        }
        var budget = ExpansionBudget(limit: limits.maxExpandedBytes)
        var complete = false
        do {
            try analyze(content, location: location, logicalPath: path.bytes, streamedHash: nil, budget: &budget)
            complete = true
        } catch let error as SystemError {
            report(ScanEvent(kind: .unreadable, location: location, message: error.description))
        } catch {
            report(ScanEvent(kind: .unreadable, location: location, message: "\(error)"))
        }
        progress.update {
            $0.files += 1
            $0.bytes += content.size
        }
        // A file that could not be read to the end is read again by the next incremental scan.
        if complete, configuration.reportsFileStamps, let stamp = content.stamp { emit(.file(path, stamp)) }
    }

    // MARK: - Any item

    /// Classifies an item, unpacks it if it is a container, otherwise matches its content and reads its
    /// structure, and reports what the signatures make of it.
    func analyze(
        _ content: ItemContent,
        location: Location,
        logicalPath: [UInt8],
        streamedHash: String?,
        budget: inout ExpansionBudget
    ) throws {
        let head = try content.bytes(at: 0, count: Self.headSize)
        let kind = classify(head)
        func observation(hits: [PatternHit], facts: [Fact]) -> ItemObservation {
            ItemObservation(
                location: location, logicalPath: logicalPath,
                item: ItemFacts(size: content.size, sha256: streamedHash, format: kind.format, mimeType: kind.mime, description: ""),
                stringHits: hits, facts: facts)
        }
        switch kind.format {
        case .fileSystemImage:
            report(unreadableImage(head, at: location))
            return
        case .diskImage, .fat:
            guard !isTooDeep(location, "image not opened") else { return }
            if kind.format == .fat {
                scanFAT(content, offset: 0, size: content.size, location: location)
            } else {
                scanPartitions(content, location: location)
            }
            return
        default:
            break
        }
        if kind.format.isContainer {
            // A package's own metadata first: its detections cover the vendor's files inside it.
            let containerFacts = extractor.containerFacts(format: kind.format, content: content, location: location)
            for event in containerFacts.events { report(event) }
            let detections = detector.detections(for: observation(hits: [], facts: containerFacts.facts))
            report(detections, content: content, head: head)
            let covered = Set(detections.filter { $0.confidence == .installation && $0.form == .package }.map(\.vendor))
            if !isTooDeep(location, "archive not unpacked") {
                coveredVendors.append(covered)
                expand(content, format: kind.format, location: location, budget: &budget)
                coveredVendors.removeLast()
            }
            return
        }
        var hits: [PatternHit] = []
        if let maxFileSize = limits.maxFileSize, content.size > maxFileSize {
            report(ScanEvent(
                kind: .limit, location: location,
                message: "content not matched: \(content.size) bytes, the limit is \(maxFileSize)",
                limit: "max-file-size"))
        } else {
            hits = try matchContent(content)
        }
        let extracted = extractor.facts(format: kind.format, content: content, logicalPath: logicalPath, location: location)
        for event in extracted.events { report(event) }
        report(detector.detections(for: observation(hits: hits, facts: extracted.facts)), content: content, head: head)
    }

    /// Whether `location` is as deep as unpacking may go; if so, says so in a `limit` event that
    /// starts with `what`.
    private func isTooDeep(_ location: Location, _ what: String) -> Bool {
        guard location.depth >= limits.maxDepth else { return false }
        report(ScanEvent(
            kind: .limit, location: location,
            message: "\(what): it is \(location.depth) levels deep, the limit is \(limits.maxDepth)", limit: "max-depth"))
        return true
    }

    /// Reports an item's detections with its hash (computed now, only for items with detections) and
    /// libmagic's description.
    private func report(_ detections: [Detection], content: ItemContent, head: [UInt8]) {
        for var detection in detections {
            if detection.item.sha256 == nil, content.size <= limits.maxHashBytes {
                detection.item.sha256 = try? content.digest(SHA256(), buffer: buffer).hex
            }
            detection.item.description = describe(head, format: detection.item.format)
            report(detection)
        }
    }

    /// The format and MIME type of content that starts with `head`: from the first-bytes check for the
    /// common formats, from libmagic for the rest.
    private func classify(_ head: [UInt8]) -> (format: ContentFormat, mime: String) {
        let format = ContentSniffer.format(of: head)
        return (format, mimeType(of: head, format: format))
    }

    /// The MIME type of content in `format` that starts with `head`, from libmagic when the
    /// first-bytes check did not recognise it.
    private func mimeType(of head: [UInt8], format: ContentFormat) -> String {
        format == .other ? magic.mimeType(of: head) : format.mimeType
    }

    /// libmagic's description, asked for only when a finding needs it (text and unknown content).
    private func describe(_ head: [UInt8], format: ContentFormat) -> String {
        format == .other || format == .text ? magic.description(of: head) : format.summary
    }

    private func matchContent(_ content: ItemContent) throws -> [PatternHit] {
        matchScanner.reset()
        _ = try content.stream(
            from: 0, through: buffer,
            onData: { matchScanner.scan($0.bytes) },
            onHole: { matchScanner.skipZeros(count: $0) })
        return matchScanner.hits
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: - Archives

    /// Why reading an archive stopped early.
    private enum Stop: Error {
        case limit(ScanEvent)
    }

    /// Unpacks a container with libarchive and analyses each regular member; `slice` limits it to a
    /// part of the content (a partition of a disk image).
    func expand(
        _ content: ItemContent,
        format: ContentFormat,
        location: Location,
        budget: inout ExpansionBudget,
        slice: (offset: UInt64, length: UInt64)? = nil
    ) {
        guard !budget.isExhausted else { return }
        progress.update { $0.archives += 1 }
        let reader: ArchiveReader
        do {
            reader = try ArchiveReader()
        } catch {
            report(ScanEvent(kind: .unreadable, location: location, message: "\(error)"))
            return
        }
        do {
            if let slice {
                try reader.open(content, offset: slice.offset, length: slice.length)
            } else if let memory = content.memory {
                try reader.open(memory: memory)
            } else if let descriptor = content.descriptor {
                lseek(descriptor, 0, SEEK_SET)
                try reader.open(descriptor: descriptor)
            }
        } catch {
            report(ScanEvent(kind: .corrupt, location: location, message: "cannot open the \(format.summary): \(error)"))
            return
        }
        var archive = ArchiveProgress()
        while true {
            let entry: ArchiveReader.Entry
            do {
                guard let next = try reader.nextEntry() else { break }
                entry = next
            } catch {
                report(ScanEvent(
                    kind: .corrupt, location: location,
                    message: "damaged or truncated \(format.summary) after \(archive.members) members: \(error)"))
                return
            }
            guard entry.isRegularFile else { continue }
            archive.members += 1
            guard archive.members <= limits.maxMembers else {
                report(ScanEvent(
                    kind: .limit, location: location,
                    message: "only the first \(limits.maxMembers) members were read", limit: "max-members"))
                return
            }
            let name = reader.isRawStream ? Self.decompressedName(of: location) : entry.name
            let memberLocation = location.appending(member: ScanPath(bytes: name))
            if entry.isEncrypted {
                report(ScanEvent(kind: .unsupported, location: memberLocation, message: "encrypted member not read"))
                continue
            }
            progress.update { $0.members += 1 }
            do {
                try readMember(reader, entry: entry, location: memberLocation, archive: &archive, budget: &budget)
            } catch Stop.limit(let event) {
                report(event)
                return
            } catch let error as ArchiveError {
                report(ScanEvent(kind: .corrupt, location: memberLocation, message: "damaged member data: \(error)"))
                return
            } catch {
                report(ScanEvent(kind: .unreadable, location: memberLocation, message: "\(error)"))
                return
            }
        }
    }

    /// Reads one member: buffered for random access when it is a container or has structure to read,
    /// otherwise streamed through the matcher and the hash.
    private func readMember(
        _ reader: borrowing ArchiveReader,
        entry: ArchiveReader.Entry,
        location: Location,
        archive: inout ArchiveProgress,
        budget: inout ExpansionBudget
    ) throws {
        let logicalPath = ItemObservation.logicalPath(ofMember: location.members.last?.bytes ?? [])
        var head: [UInt8] = []
        var finished = false
        while head.count < Self.headSize {
            let count = try readChunk(reader, archive: &archive, budget: &budget, location: location)
            if count == 0 {
                finished = true
                break
            }
            head += UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<count])
        }
        let format = ContentSniffer.format(of: head)
        if format == .fileSystemImage {
            report(unreadableImage(head, at: location))
            return
        }
        if format.isContainer || format == .diskImage || format == .fat
            || FactExtractor.wantsWholeItem(format: format, logicalPath: logicalPath)
        {
            // SQLite databases are opened by name, so they always go to a file.
            let memoryLimit = format == .sqlite || FactExtractor.role(of: logicalPath) == .rpmSQLite ? 0 : limits.memberMemoryLimit
            let spool = try MemberSpool(initial: head, memoryLimit: memoryLimit, sizeHint: entry.declaredSize)
            while !finished {
                let count = try readChunk(reader, archive: &archive, budget: &budget, location: location)
                if count == 0 { break }
                try spool.append(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<count]))
            }
            let content = try spool.finish()
            try analyze(content, location: location, logicalPath: logicalPath, streamedHash: nil, budget: &budget)
            return
        }
        // Stream: the head first, then the rest as it comes.
        matchScanner.reset()
        var hasher = SHA256()
        var size = UInt64(head.count)
        head.withUnsafeBytes { bytes in
            matchScanner.scan(bytes.bytes)
            hasher.update(bufferPointer: bytes)
        }
        while !finished {
            let count = try readChunk(reader, archive: &archive, budget: &budget, location: location)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<count])
            matchScanner.scan(chunk.bytes)
            hasher.update(bufferPointer: chunk)
            size += UInt64(count)
        }
        let hits = matchScanner.hits
        let observation = ItemObservation(
            location: location, logicalPath: logicalPath,
            item: ItemFacts(
                size: size, sha256: Self.hex(hasher.finalize()), format: format, mimeType: mimeType(of: head, format: format),
                description: ""),
            stringHits: hits, facts: [])
        for var detection in detector.detections(for: observation) {
            detection.item.description = describe(head, format: format)
            report(detection)
        }
    }

    /// Reads the next piece of the current member into the buffer, enforcing the expansion limits.
    private func readChunk(
        _ reader: borrowing ArchiveReader,
        archive: inout ArchiveProgress,
        budget: inout ExpansionBudget,
        location: Location
    ) throws -> Int {
        let count = try reader.read(into: buffer.bytes)
        guard count > 0 else { return 0 }
        archive.expanded += UInt64(count)
        budget.used += UInt64(count)
        progress.update { $0.expandedBytes += UInt64(count) }
        if budget.used > budget.limit {
            budget.isExhausted = true
            throw Stop.limit(ScanEvent(
                kind: .limit, location: location,
                message: "expansion stopped: more than \(budget.limit) bytes expanded from one file",
                limit: "max-expanded"))
        }
        if archive.expanded > limits.ratioFloorBytes {
            let compressed = max(1, reader.compressedBytesConsumed)
            let ratio = Double(archive.expanded) / Double(compressed)
            if ratio > limits.maxRatio {
                throw Stop.limit(ScanEvent(
                    kind: .limit, location: location,
                    message: "expansion stopped: \(archive.expanded) bytes from \(compressed) compressed (ratio \(Int(ratio)):1, the limit is \(Int(limits.maxRatio)):1); a decompression bomb?",
                    limit: "max-ratio"))
            }
        }
        return count
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

    // MARK: - Reporting

    func report(_ event: ScanEvent) {
        progress.update { event.makesScanIncomplete ? ($0.errors += 1) : ($0.skipped += 1) }
        emit(.event(event))
    }

    func report(_ detection: Detection) {
        guard !coveredVendors.contains(where: { $0.contains(detection.vendor) }) else { return }
        progress.update { $0.findings += 1 }
        emit(.detection(detection))
    }
}

/// How much one file on disk may still expand, across all its nested archives.
struct ExpansionBudget {
    let limit: UInt64
    var used: UInt64 = 0
    var isExhausted = false

    init(limit: UInt64) {
        self.limit = limit
    }
}

/// Counts for one archive being read.
struct ArchiveProgress {
    var members = 0
    var expanded: UInt64 = 0
}
