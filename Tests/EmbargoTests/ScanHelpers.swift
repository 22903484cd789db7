import EmbargoTestSupport
import Foundation
import Synchronization

@testable import Embargo

/// What an in-process scan reported.
struct ScanOutcome {
    var detections: [Detection]
    var events: [ScanEvent]
    var summary: ScanSummary

    /// Detections that are installations.
    var installations: [Detection] { detections.filter { $0.confidence == .installation } }

    /// Events of one kind.
    func events(_ kind: ScanEvent.Kind) -> [ScanEvent] { events.filter { $0.kind == kind } }
}

/// The shipped signatures, compiled once.
let shippedSignatures: SignatureSet = {
    do {
        return try SignatureSet.shipped()
    } catch {
        fatalError("the shipped signatures do not load: \(error)")
    }
}()

/// Scans `paths` in-process with the shipped signatures.
func scan(
    _ paths: [String],
    limits: ScanLimits = ScanLimits(),
    jobs: Int = 2,
    deep: Bool = false,
    shard: ScanShard = .whole,
    configure: (inout ScanConfiguration) throws -> Void = { _ in }
) async throws -> ScanOutcome {
    let collected = Mutex<([Detection], [ScanEvent])>(([], []))
    var configuration = ScanConfiguration(
        targets: paths.map { ScanPath(bytes: Array($0.utf8)) },
        jobs: jobs,
        limits: limits,
        signatures: shippedSignatures,
        deep: deep,
        shard: shard
    )
    try configure(&configuration)
    let scanner = Scanner(configuration: configuration)
    let summary = try await scanner.run { result in
        collected.withLock { state in
            state.0 += result.detections
            state.1 += result.events
        }
    }
    let (detections, events) = collected.withLock { $0 }
    return ScanOutcome(
        detections: detections.sorted { $0.location < $1.location },
        events: events.sorted { $0.location < $1.location },
        summary: summary
    )
}

/// A line of text that names Kaspersky's legal entity: a mention in any file.
let mentionText = "Press release: AO Kaspersky Lab announced a new product.\n"

/// Whether the tests run as root (permissions do not stop root, so such tests drop privileges).
var isRoot: Bool { getuid() == 0 }

/// A scan run once and shared by the tests of a suite.
actor ScanCache {
    let paths: [String]
    private var result: ScanOutcome?

    init(paths: [String]) {
        self.paths = paths
    }

    func outcome() async throws -> ScanOutcome {
        if let result { return result }
        let fresh = try await scan(paths)
        result = fresh
        return fresh
    }
}
