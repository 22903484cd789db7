internal import EmbargoFormats
internal import EmbargoMatcher

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Carries one item through the stages: classify it, then expand it (archives, disk images) or match
/// and extract it, and detect. Archive members come back here one by one, streamed when they hold
/// nothing to read structurally, held otherwise. One analyzer per worker: it owns the worker's
/// libmagic handle, matcher scanner and read buffer.
final class ItemAnalyzer {
    let recorder: UnitRecorder
    let buffer = ReadBuffer()
    private let limits: ScanLimits
    private let temporaryDirectory: String
    private let classifier: ItemClassifier
    private let matcher: ContentMatcher
    private let extractor: FactExtractor
    private let detector: Detector
    private let archives: ArchiveExpander
    private let images: DiskImageExpander
    private let containerImages: ContainerImageExpander
    private let compoundFiles: CompoundFileExpander
    private let installers: InstallerExpander
    private let crashGuard: CrashGuard
    /// A member's first bytes, kept between members so that reading one allocates nothing.
    private var headScratch: [UInt8] = []
    #if DEBUG
    /// Test builds only: content starting with these bytes makes the analyzer trap, so that tests can
    /// show that a supervised scan survives a crash it did not foresee (`EMBARGO_TEST_TRAP`).
    private let trapMarker: [UInt8]? = unsafe getenv("EMBARGO_TEST_TRAP").map { unsafe Array(String(cString: $0).utf8) }
    #endif

    init(
        configuration: ScanConfiguration,
        detector: Detector,
        recorder: UnitRecorder,
        crashGuard: CrashGuard
    ) throws(MagicError) {
        limits = configuration.limits
        temporaryDirectory = configuration.temporaryDirectory
        classifier = try ItemClassifier()
        matcher = ContentMatcher(matcher: configuration.signatures.matcher, profiling: configuration.profilesPatterns)
        extractor = FactExtractor(buffer: ReadBuffer(size: 1 << 16))
        self.detector = detector
        self.recorder = recorder
        archives = ArchiveExpander(limits: configuration.limits)
        images = DiskImageExpander(limits: configuration.limits)
        containerImages = ContainerImageExpander(limits: configuration.limits)
        compoundFiles = CompoundFileExpander(limits: configuration.limits)
        installers = InstallerExpander(limits: configuration.limits)
        self.crashGuard = crashGuard
    }

    /// What each matcher pattern cost since the last call, when the scan profiles its patterns.
    func takeMatchProfile() -> MatchProfile? {
        matcher.takeProfile()
    }

    /// Analyses an item whose bytes are all at hand (a file, or a member held for random access).
    func analyze(_ content: ItemContent, location: Location, logicalPath: [UInt8], budget: ExpansionBudget) throws {
        guard crashGuard.enter(location) else { return }
        defer { crashGuard.leave() }
        defer {
            if let change = content.change {
                recorder.report(
                    ScanEvent(
                        kind: .unreadable,
                        location: location,
                        message: "the file changed while it was read: \(change)"
                    )
                )
            }
        }
        let timer = recorder.timer
        let head = try timer.measure(.read) { try content.bytes(at: 0, count: ItemClassifier.headSize) }
        trapIfMarked(head)
        let format = timer.measure(.classify) { classifier.classify(head) }
        switch format {
        case .fileSystemImage:
            recorder.report(images.unreadableImage(head, at: location))
        case .encryptedVolume:
            recorder.report(images.encryptedVolume(head, size: content.size, at: location))
        case let format where format.isImage:
            guard !isTooDeep(location, "image not opened") else { return }
            // A scan in shards shares the files of an image on disk, not of one inside another file.
            let shard = location.members.isEmpty ? recorder.imageShard : nil
            let whole = 0..<content.size
            switch format {
            case .fat: images.readFAT(content, range: whole, location: location, analyzer: self, shard: shard)
            case .extFileSystem, .xfsFileSystem, .btrfsFileSystem, .ntfsFileSystem:
                images.readFileSystem(format, content, range: whole, location: location, analyzer: self, shard: shard)
            case .virtualDisk: images.readVirtualDisk(content, location: location, analyzer: self, shard: shard)
            case .lvmPhysicalVolume:
                images.readLVM(content, range: whole, location: location, analyzer: self, shard: shard)
            default: images.readPartitions(content, location: location, analyzer: self, shard: shard)
            }
        case .compoundFile:
            guard !isTooDeep(location, "compound file not opened") else { return }
            compoundFiles.read(content, location: location, budget: budget, analyzer: self)
        case let format where format.isContainer:
            // A package's own metadata first: its detections cover the vendor's files inside it.
            let extraction = timer.measure(.extract) {
                extractor.containerFacts(format: format, content: content, location: location)
            }
            let detections = detect(
                extraction,
                hits: [],
                format: format,
                size: content.size,
                sha256: nil,
                location: location,
                logicalPath: logicalPath
            )
            report(detections, content: content, head: head)
            guard !isTooDeep(location, "archive not unpacked") else { return }
            if format == .iso9660, location.members.isEmpty {
                recorder.recognise(
                    RecognisedTree(path: location.path, kind: "disk image (ISO 9660)", detail: "read with libarchive")
                )
            }
            recorder.coverage.enter(detections)
            defer { recorder.coverage.leave() }
            if format == .tar, let images = containerImages.archive(content, head: head, location: location) {
                containerImages.read(
                    images.store,
                    archive: images.archive,
                    location: location,
                    budget: budget,
                    analyzer: self
                )
                return
            }
            expand(content, format: format, location: location, budget: budget)
        default:
            var hits: [PatternHit] = []
            if let maxFileSize = limits.maxFileSize, content.size > maxFileSize {
                recorder.report(
                    ScanEvent(
                        kind: .limit,
                        location: location,
                        message: "content not matched: \(content.size) bytes, the limit is \(maxFileSize)",
                        limit: "max-file-size"
                    )
                )
            } else if UInt64(head.count) == content.size {
                // A small file is all in its head: it is not read again.
                hits = timer.measure(.match) { matcher.match(head) }
            } else {
                hits = try timer.measure(.match) { try matcher.match(content, buffer: buffer) }
            }
            let extraction = timer.measure(.extract) {
                extractor.facts(format: format, content: content, logicalPath: logicalPath, location: location)
            }
            let detections = detect(
                extraction,
                hits: hits,
                format: format,
                size: content.size,
                sha256: nil,
                location: location,
                logicalPath: logicalPath
            )
            report(detections, content: content, head: head)
            if format == .pe, !isTooDeep(location, "setup program's payload not unpacked") {
                installers.read(content, location: location, budget: budget, analyzer: self)
            }
            // The index of an OCI image layout directory stands for the layout (the walk leaves its
            // blobs to this).
            if format == .other || format == .text, let layout = containerImages.layout(at: location) {
                containerImages.read(
                    layout.store,
                    archive: layout.archive,
                    location: location,
                    budget: budget,
                    analyzer: self
                )
            }
        }
    }

    /// Unpacks a container (or the `range` of an image that holds one), analysing each member. A
    /// compressed container image archive (`docker save | gzip`) is decompressed whole first, for its
    /// layers are read in the order its manifests give, not the order they are stored.
    func expand(
        _ content: ItemContent,
        format: ContentFormat,
        location: Location,
        range: Range<UInt64>? = nil,
        budget: ExpansionBudget
    ) {
        archives.expand(
            content,
            format: format,
            location: location,
            range: range,
            budget: budget,
            recorder: recorder,
            wholeIf: {
                ContainerImageArchive.mightStartWith(TarListing.normalise(String(decoding: $0.name, as: UTF8.self)))
            },
            onMember: { member in try analyze(member: &member, budget: budget) }
        )
    }

    /// Unpacks one layer of a container image (the `range` of `content`), each file with its place in
    /// the image (`place`, from the file's path in the layer); `onEntry` sees every entry's path
    /// (whiteouts included, which are the layer's metadata and are not read).
    func expandLayer(
        _ content: ItemContent,
        range: Range<UInt64>,
        location: Location,
        budget: ExpansionBudget,
        place: (String) -> ImageLayerPlace,
        onEntry: (_ path: String, _ isDirectory: Bool) -> Void
    ) {
        archives.expand(
            content,
            format: .tar,
            location: location,
            range: range,
            budget: budget,
            recorder: recorder,
            onEntry: { entry in
                onEntry(TarListing.normalise(String(decoding: entry.name, as: UTF8.self)), entry.isDirectory)
            },
            onMember: { member in
                let path = TarListing.normalise(String(decoding: member.entry.name, as: UTF8.self))
                guard !LayerChanges.isWhiteout(path) else { return }
                let outer = recorder.imageLayer
                recorder.imageLayer = place(path)
                defer { recorder.imageLayer = outer }
                try analyze(member: &member, budget: budget)
            }
        )
    }

    /// Analyses one archive member: held for random access when it is a container or has structure
    /// to read, otherwise streamed through the matcher and the hash.
    private func analyze(member: inout MemberReader, budget: ExpansionBudget) throws {
        let location = member.location
        guard crashGuard.enter(location) else { return }
        defer { crashGuard.leave() }
        let logicalPath = ItemObservation.logicalPath(ofMember: location.members.last?.bytes ?? [])
        // A nested archive's members take a scratch of their own while this one is out.
        var head: [UInt8] = []
        swap(&head, &headScratch)
        head.removeAll(keepingCapacity: true)
        defer { swap(&head, &headScratch) }
        var finished = false
        let timer = recorder.timer
        member.timer = timer
        while head.count < ItemClassifier.headSize {
            if try !member.next(use: { head.append($0) }) {
                finished = true
                break
            }
        }
        trapIfMarked(head)
        let format = timer.measure(.classify) { classifier.classify(head) }
        if format == .fileSystemImage {
            recorder.report(images.unreadableImage(head, at: location))
            return
        }
        if format == .encryptedVolume {
            let size = member.entry.declaredSize.map { UInt64(clamping: $0) }
            recorder.report(images.encryptedVolume(head, size: size, at: location))
            return
        }
        if format.isContainer || format.isImage || format == .compoundFile
            || FactExtractor.wantsWholeItem(format: format, logicalPath: logicalPath)
        {
            let spool = makeSpool(sizeHint: member.entry.declaredSize)
            try spool.append(head)
            while !finished, try member.next(use: { try spool.append($0) }) {}
            try analyze(spool.finish(), location: location, logicalPath: logicalPath, budget: budget)
            return
        }
        // A member that is all in its head (most are) is matched at once and hashed only if it has
        // findings; a longer one is streamed through the matcher and the hash, the head first.
        let hits: [PatternHit]
        var sha256: String?
        if finished {
            hits = timer.measure(.match) { matcher.match(head) }
        } else {
            matcher.beginStream()
            timer.measure(.match) { matcher.feed(head) }
            while try member.next(use: { span in timer.measure(.match) { matcher.feed(span) } }) {}
            (hits, sha256) = matcher.finishStream()
        }
        for var detection in detect(
            .init(),
            hits: hits,
            format: format,
            size: member.memberBytes,
            sha256: sha256,
            location: location,
            logicalPath: logicalPath
        ) {
            detection.item.sha256 = detection.item.sha256 ?? ContentMatcher.sha256(head)
            classifier.describe(&detection.item, head: head)
            recorder.report(detection)
        }
    }

    /// Test builds only: traps on content that starts with the test marker (see `trapMarker`).
    private func trapIfMarked(_ head: [UInt8]) {
        #if DEBUG
        if let trapMarker, !trapMarker.isEmpty, head.starts(with: trapMarker) {
            preconditionFailure("EMBARGO_TEST_TRAP: a planted crash")
        }
        #endif
    }

    /// Analyses an item made of pieces of `content` (a file in a file system image, a stream of a
    /// compound file), gathered into a spool first; holes are written as zeros.
    func analyze(
        pieces: [FilePiece],
        of content: ItemContent,
        size: UInt64,
        location: Location,
        logicalPath: [UInt8],
        budget: ExpansionBudget
    ) throws {
        let spool = makeSpool(sizeHint: Int64(clamping: size))
        for piece in pieces {
            switch piece {
            case .stored(let range):
                var position = range.lowerBound
                while position < range.upperBound {
                    let want = Int(min(UInt64(buffer.count), range.upperBound - position))
                    let count = try unsafe buffer.chunk(
                        upTo: want,
                        fill: { room throws(SystemError) in try unsafe content.read(into: room, at: position) },
                        use: { try spool.append($0) }
                    )
                    guard count > 0 else { throw FormatError.truncated("the container ends inside \(location)") }
                    position += UInt64(count)
                }
            case .literal(let bytes):
                try spool.append(bytes)
            case .compressed(let run):
                let stored = try content.bytes(at: run.stored.lowerBound, count: run.stored.count)
                guard stored.count == run.stored.count else {
                    throw FormatError.truncated("the container ends inside \(location)")
                }
                try spool.append(Array(try run.decode(stored)))
            case .zeros(let count):
                var remaining = count
                while remaining > 0 {
                    let run = Int(min(remaining, UInt64(Self.zeros.count)))
                    try spool.append(run == Self.zeros.count ? Self.zeros : Array(Self.zeros[0..<run]))
                    remaining -= UInt64(run)
                }
            }
        }
        try analyze(spool.finish(), location: location, logicalPath: logicalPath, budget: budget)
    }

    /// Zeros for the holes of sparse files.
    private static let zeros = [UInt8](repeating: 0, count: 1 << 16)

    /// A spool for a member's bytes, in memory up to the limit and in a temporary file beyond.
    func makeSpool(sizeHint: Int64?) -> MemberSpool {
        MemberSpool(memoryLimit: limits.memberMemoryLimit, sizeHint: sizeHint, temporaryDirectory: temporaryDirectory)
    }

    // MARK: - Detect

    private func detect(
        _ extraction: FactExtractor.Extraction,
        hits: [PatternHit],
        format: ContentFormat,
        size: UInt64,
        sha256: String?,
        location: Location,
        logicalPath: [UInt8]
    ) -> [Detection] {
        for event in extraction.events { recorder.report(event) }
        return recorder.timer.measure(.detect) {
            detector.detections(
                for: ItemObservation(
                    location: location,
                    logicalPath: logicalPath,
                    item: ItemFacts(size: size, sha256: sha256, format: format, mimeType: "", description: ""),
                    stringHits: hits,
                    facts: extraction.facts
                )
            )
        }
    }

    /// Reports an item's detections with its hash (computed now, only for items with detections) and
    /// a description of its content.
    private func report(_ detections: [Detection], content: ItemContent, head: [UInt8]) {
        let timer = recorder.timer
        for var detection in detections {
            let started = timer.isEnabled ? ContinuousClock().now : nil
            defer { if let started { timer.add(ContinuousClock().now - started, to: .detect) } }
            if detection.item.sha256 == nil, content.size <= limits.maxHashBytes {
                detection.item.sha256 = (try? content.sha256(buffer: buffer)) ?? nil
            }
            classifier.describe(&detection.item, head: head)
            recorder.report(detection)
        }
    }

    /// Whether `location` is as deep as unpacking may go; if so, says so in a `limit` event that
    /// starts with `what`.
    private func isTooDeep(_ location: Location, _ what: String) -> Bool {
        guard location.depth >= limits.maxDepth else { return false }
        recorder.report(
            ScanEvent(
                kind: .limit,
                location: location,
                message: "\(what): it is \(location.depth) levels deep, the limit is \(limits.maxDepth)",
                limit: "max-depth"
            )
        )
        return true
    }
}
