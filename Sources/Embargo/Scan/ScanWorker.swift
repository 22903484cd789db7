internal import EmbargoFormats

/// One worker of a scan: takes directories and files from the shared queue, one unit at a time,
/// and hands each unit's result to the scan's output. Directories are listed and their recognised
/// trees read; files are carried through the stages by the worker's analyzer.
final class ScanWorker {
    private let configuration: ScanConfiguration
    private let walker: DirectoryWalker
    private let recogniser: TreeRecogniser
    private let detector: Detector
    private let recorder: UnitRecorder
    private let analyzer: ItemAnalyzer
    private let progress: ScanProgress
    private let crashGuard: CrashGuard

    /// A worker; `slot` numbers it among the scan's workers.
    init(
        configuration: ScanConfiguration,
        walker: DirectoryWalker,
        progress: ScanProgress,
        slot: Int
    ) throws(MagicError) {
        self.configuration = configuration
        self.walker = walker
        detector = Detector(signatures: configuration.signatures)
        self.progress = progress
        recorder = UnitRecorder(measuringStages: configuration.measuresStages)
        crashGuard = CrashGuard(supervision: configuration.supervision, slot: slot)
        recogniser = TreeRecogniser(
            walker: walker,
            repositories: RepositoryOptions(
                deep: configuration.deep,
                shard: configuration.shard,
                signatures: configuration.signatureCheck,
                requireSigned: configuration.requireSigned
            )
        )
        analyzer = try ItemAnalyzer(
            configuration: configuration,
            detector: detector,
            recorder: recorder,
            crashGuard: crashGuard
        )
    }

    /// Results are handed over in batches of up to this many units, or once this long has passed
    /// since the last batch: one hand-off per small file would cost more than reading it.
    static let batchSize = 32
    static let batchInterval = Duration.milliseconds(50)

    /// Works until the queue is empty or cancelled, sending the units' results to `output` in batches.
    func run(_ queue: WorkQueue<WalkItem>, output: ResultChannel<[ScanUnitResult]>) async {
        let clock = ContinuousClock()
        var batch: [ScanUnitResult] = []
        var lastSent = clock.now
        defer { if !batch.isEmpty { output.sendWithoutWaiting(batch) } }
        while let item = await queue.next() {
            if Task.isCancelled {
                queue.cancel()
                queue.finished()
                return
            }
            crashGuard.beginUnit()
            switch item.kind {
            case .directory:
                recorder.begin(.directory(item.path))
                queue.add(recorder.timer.measure(.walk) { walk(item) })
            case .file:
                if let (part, parts) = item.imagePart {
                    if crashGuard.isDone(item.path, part: part, parts: parts) {
                        queue.finished()
                        continue
                    }
                    recorder.begin(.imagePart(item.path, part: part, parts: parts))
                    scanImage(item, part: part, parts: parts)
                } else if crashGuard.isDone(item.path) {
                    // An earlier process read it, and its parent has the result; the parts of a disk
                    // image it split and did not finish are read now.
                    if crashGuard.wasSplit(item.path, parts: configuration.jobs) {
                        queue.add(
                            partItems(item, parts: configuration.jobs).filter { part in
                                !crashGuard.isDone(
                                    item.path,
                                    part: part.imagePart?.part ?? 0,
                                    parts: configuration.jobs
                                )
                            }
                        )
                    }
                    queue.finished()
                    continue
                } else {
                    recorder.begin(.file(item.path))
                    scanFile(item, share: queue.add)
                }
            }
            var result = recorder.finish()
            result.matchProfile = analyzer.takeMatchProfile()
            progress.add(result)
            queue.finished()
            batch.append(result)
            if batch.count >= Self.batchSize || clock.now - lastSent >= Self.batchInterval {
                await output.send(batch)
                batch.removeAll(keepingCapacity: true)
                lastSent = clock.now
            }
        }
    }

    /// Lists a directory and reads what is recognised there; returns the items to walk next.
    private func walk(_ item: WalkItem) -> [WalkItem] {
        let listing = walker.list(item.path, followingLink: item.followsLink)
        recorder.counts.symbolicLinks += listing.symbolicLinks
        for event in listing.events { recorder.report(event) }
        // A directory whose repository indexes an earlier process crashed on is walked as plain files.
        var recognition = TreeRecogniser.Recognition()
        if crashGuard.enter(Location(path: item.path)) {
            recognition = recogniser.recognise(
                at: item.path,
                listing: listing,
                within: item.scope,
                buffer: analyzer.buffer
            ) { output in
                switch output {
                case .observation(let observation):
                    for detection in detector.detections(for: observation) { recorder.report(detection) }
                case .event(let event):
                    recorder.report(event)
                }
            }
            crashGuard.leave()
        }
        recorder.counts.indexEntries += recognition.indexEntries
        recorder.counts.coveredByIndex += recognition.coveredPackages
        for tree in recognition.trees { recorder.recognise(tree) }
        // What the walk finds below inherits the scope, narrowed where a tree was recognised.
        let scope = recognition.scope ?? item.scope
        let rest = listing.items.compactMap { child -> WalkItem? in
            if let scope, scope.covers(child.path) { return nil }
            var child = child
            if child.isDirectory { child.scope = scope }
            return child
        }
        // The queue is last-in first-out: the fixed places of a system root go first.
        return rest + recognition.priority
    }

    /// Reads a file on disk, unless another shard owns it or it is unchanged since the last scan. A
    /// disk image of a megabyte or more is shared: every shard opens it, and a shard with several
    /// workers splits its share into parts, handing the other parts to `share` before it reads its
    /// own, so that the workers read the image side by side.
    private func scanFile(_ item: WalkItem, share: ([WalkItem]) -> Void) {
        let path = item.path
        let owned = configuration.shard.owns(path.bytes)
        let sharesImages = configuration.shard.count > 1 || configuration.jobs > 1
        guard owned || configuration.shard.count > 1 else {
            recorder.counts.otherShards += 1
            return
        }
        if owned { progress.started(path) }
        let location = Location(path: path)
        let content: ItemContent
        do {
            content = try recorder.timer.measure(.read) { try ItemContent(path: path, followingLink: item.followsLink) }
        } catch {
            if owned {
                recorder.report(ScanEvent(failure: error, at: location))
            } else {
                recorder.counts.otherShards += 1
            }
            return
        }
        // An image is shared only when it is opened at all (`--max-depth 0` opens none).
        let isImage = sharesImages && configuration.limits.maxDepth > 0 && Self.isDiskImage(content)
        guard owned || isImage else {
            recorder.counts.otherShards += 1
            return
        }
        if owned, let stamp = content.stamp, let previous = configuration.previousFiles,
            previous.isUnchanged(path, stamp)
        {
            recorder.counts.unchanged += 1
            recorder.noteUnchanged(stamp)
            return
        }
        let parts = isImage ? configuration.jobs : 1
        if isImage {
            recorder.imageShard = ImageShard(shard: configuration.shard, ownsPath: owned, part: 0, parts: parts)
            if parts > 1 {
                recorder.noteSplit(into: parts)
                share(partItems(item, parts: parts))
            }
        }
        defer { recorder.imageShard = nil }
        var complete = false
        do {
            try analyzer.analyze(
                content,
                location: location,
                logicalPath: path.bytes,
                budget: ExpansionBudget(limit: configuration.limits.maxExpandedBytes)
            )
            complete = content.change == nil
        } catch {
            if owned { recorder.report(ScanEvent(failure: error, at: location)) }
        }
        if owned {
            recorder.counts.files += 1
            recorder.counts.bytes += content.size
            // A file that could not be read to the end is read again by the next incremental scan.
            if complete, let stamp = content.stamp { recorder.noteRead(stamp) }
        } else {
            recorder.counts.otherShards += 1
        }
    }

    /// Parts 1 and up of a disk image split into `parts`.
    private func partItems(_ item: WalkItem, parts: Int) -> [WalkItem] {
        (1..<max(1, parts)).map { part in
            var partItem = item
            partItem.imagePart = (part, parts)
            return partItem
        }
    }

    /// Whether a file is a disk image whose files are shared among shards and workers: only files
    /// of a megabyte or more are looked at.
    private static func isDiskImage(_ content: ItemContent) -> Bool {
        guard content.size >= 1 << 20, let head = try? content.bytes(at: 0, count: ItemClassifier.headSize) else {
            return false
        }
        return ContentSniffer.format(of: head, distinguishingText: false).isImage
    }

    /// Reads one part (from 1) of the files inside a disk image; the unit that read part 0 counted the
    /// file and reported what concerns the image as a whole.
    private func scanImage(_ item: WalkItem, part: Int, parts: Int) {
        let location = Location(path: item.path)
        recorder.imageShard = ImageShard(
            shard: configuration.shard,
            ownsPath: configuration.shard.owns(item.path.bytes),
            part: part,
            parts: parts
        )
        defer { recorder.imageShard = nil }
        do {
            let content = try ItemContent(path: item.path, followingLink: item.followsLink)
            try analyzer.analyze(
                content,
                location: location,
                logicalPath: item.path.bytes,
                budget: ExpansionBudget(limit: configuration.limits.maxExpandedBytes)
            )
        } catch {
            // Part 0 reports what keeps the image from being read.
        }
    }
}
