/// Collects what one worker finds in the unit it is working on: detections (less those a package
/// around them covers), events and counts, handed over whole when the unit is done.
final class UnitRecorder {
    private var result: ScanUnitResult
    /// What packages being unpacked cover.
    var coverage = PackageCoverage()
    /// The stopwatch of the stages (on in benchmark mode).
    let timer: StageTimer
    /// The container image layer being read, if any: given to every detection made in it.
    var imageLayer: ImageLayerPlace?
    /// Real names for the members of one archive (a Windows Installer cabinet names its files by
    /// their `File` keys): member name → name to report.
    var memberNames: (archive: Location, names: [String: String])?
    /// For a scan in shards, while it reads a disk image on disk: which of its files this part reads.
    var imageShard: ImageShard?

    init(measuringStages: Bool = false) {
        timer = StageTimer(enabled: measuringStages)
        result = ScanUnitResult(unit: .directory(ScanPath(bytes: [])))
    }

    /// The counts of the unit so far.
    var counts: ScanCounts {
        get { result.counts }
        set { result.counts = newValue }
    }

    /// Starts a unit.
    func begin(_ unit: ScanUnitResult.Unit) {
        result = ScanUnitResult(unit: unit)
        coverage = PackageCoverage()
        imageLayer = nil
        memberNames = nil
    }

    /// The unit's result; the recorder is empty afterwards.
    func finish() -> ScanUnitResult {
        defer { result = ScanUnitResult(unit: result.unit) }
        if timer.isEnabled { result.stageTimes = timer.take() }
        return result
    }

    func report(_ event: ScanEvent) {
        if event.makesScanIncomplete { result.counts.errors += 1 } else { result.counts.skipped += 1 }
        result.events.append(event)
    }

    func report(_ detection: Detection) {
        guard coverage.admits(detection) else { return }
        result.counts.findings += 1
        var detection = detection
        if detection.imageLayer == nil { detection.imageLayer = imageLayer }
        result.detections.append(detection)
    }

    func recognise(_ tree: RecognisedTree) {
        result.recognised.append(tree)
    }

    func noteRead(_ stamp: FileStamp) {
        result.readStamp = stamp
    }

    func noteUnchanged(_ stamp: FileStamp) {
        result.unchangedStamp = stamp
    }

    /// Notes that the unit's disk image was split into `parts` parts among the workers.
    func noteSplit(into parts: Int) {
        result.imageParts = parts
    }
}
