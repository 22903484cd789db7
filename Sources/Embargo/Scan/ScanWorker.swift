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
            case .file where crashGuard.isDone(item.path):
                // An earlier process of this scan read it; its parent has the result.
                queue.finished()
                continue
            case .file:
                recorder.begin(.file(item.path))
                scanFile(item)
            }
            let result = recorder.finish()
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
    /// disk image is read by every shard, each reading its own part of the files inside.
    private func scanFile(_ item: WalkItem) {
        let path = item.path
        let owned = configuration.shard.owns(path.bytes)
        guard owned || isDiskImage(item) else {
            recorder.counts.otherShards += 1
            return
        }
        recorder.imageShard =
            configuration.shard.count > 1 ? ImageShard(shard: configuration.shard, ownsImage: owned) : nil
        defer { recorder.imageShard = nil }
        if !owned {
            recorder.counts.otherShards += 1
            scanImagePart(item)
            return
        }
        progress.started(path)
        let location = Location(path: path)
        let content: ItemContent
        do {
            content = try recorder.timer.measure(.read) { try ItemContent(path: path, followingLink: item.followsLink) }
        } catch {
            recorder.report(ScanEvent(failure: error, at: location))
            return
        }
        if let stamp = content.stamp, let previous = configuration.previousFiles, previous.isUnchanged(path, stamp) {
            recorder.counts.unchanged += 1
            recorder.noteUnchanged(stamp)
            return
        }
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
            recorder.report(ScanEvent(failure: error, at: location))
        }
        recorder.counts.files += 1
        recorder.counts.bytes += content.size
        // A file that could not be read to the end is read again by the next incremental scan.
        if complete, let stamp = content.stamp { recorder.noteRead(stamp) }
    }

    /// Whether a file another shard owns is a disk image, whose files the shards share: only files
    /// of a megabyte or more are looked at.
    private func isDiskImage(_ item: WalkItem) -> Bool {
        guard configuration.shard.count > 1,
            let content = try? ItemContent(path: item.path, followingLink: item.followsLink),
            content.size >= 1 << 20,
            let head = try? content.bytes(at: 0, count: ItemClassifier.headSize)
        else { return false }
        return ContentSniffer.format(of: head, distinguishingText: false).isImage
    }

    /// Reads this shard's part of the files inside a disk image another shard owns.
    private func scanImagePart(_ item: WalkItem) {
        let location = Location(path: item.path)
        do {
            let content = try ItemContent(path: item.path, followingLink: item.followsLink)
            try analyzer.analyze(
                content,
                location: location,
                logicalPath: item.path.bytes,
                budget: ExpansionBudget(limit: configuration.limits.maxExpandedBytes)
            )
        } catch {
            // The owning shard reports what keeps the image from being read.
        }
    }
}
