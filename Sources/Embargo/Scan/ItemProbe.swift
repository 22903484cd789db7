/// One item carried through the stages in this process, without a walk: the whole pipeline
/// (classification, archives, images, readers, detection) on bytes, for fuzzing and tests.
package final class ItemProbe {
    private let recorder = UnitRecorder()
    private let analyzer: ItemAnalyzer
    private let limits: ScanLimits

    /// A probe with `signatures` and `limits` (small limits keep a fuzzer's inputs fast).
    package init(signatures: SignatureSet, limits: ScanLimits) throws {
        var configuration = ScanConfiguration(targets: [], jobs: 1, limits: limits, signatures: signatures)
        configuration.temporaryDirectory = ScanConfiguration.defaultTemporaryDirectory
        self.limits = limits
        analyzer = try ItemAnalyzer(
            configuration: configuration,
            detector: Detector(signatures: signatures),
            recorder: recorder,
            crashGuard: CrashGuard(supervision: nil, slot: 0)
        )
    }

    /// What the scan makes of `bytes` as a file at `path`.
    package func analyze(_ bytes: [UInt8], path: String) -> ScanUnitResult {
        let location = Location(path: ScanPath(path))
        recorder.begin(.file(location.path))
        do {
            try analyzer.analyze(
                ItemContent(copying: bytes),
                location: location,
                logicalPath: Array(path.utf8),
                budget: ExpansionBudget(limit: limits.maxExpandedBytes)
            )
        } catch {
            recorder.report(ScanEvent(failure: error, at: location))
        }
        return recorder.finish()
    }
}
