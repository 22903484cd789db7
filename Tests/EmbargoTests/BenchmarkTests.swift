import EmbargoMatcher
import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Benchmark mode of the pipeline: the profile of what each signature string costs.
@Suite struct BenchmarkTests {
    /// A file that names the vendor three times and a gzip member that names it once more: the profile
    /// counts four occurrences of the string, attributed to its signature, in files and members alike.
    @Test func aProfileCountsEachStringsOccurrencesAndNamesItsSignature() async throws {
        let directory = TemporaryDirectory()
        let line = "Copyright AO Kaspersky Lab. All rights reserved.\n"
        _ = try directory.write("notes.txt", Array(String(repeating: line, count: 3).utf8))
        let member = try directory.write("member.txt", Array(line.utf8))
        _ = try Tool.run("gzip", [member])

        let profiled = try await scan([directory.path]) { $0.profilesPatterns = true }
        let profile = try #require(profiled.summary.matchProfile)
        let named = profile.matches.indices.filter {
            shippedSignatures.origin(ofPattern: $0)?.text == "AO Kaspersky Lab (ascii)"
        }
        #expect(named.count == 1)
        #expect(named.map { profile.matches[$0] } == [4])
        #expect(named.allSatisfy { profile.candidates[$0] >= 4 })
        #expect(shippedSignatures.origin(ofPattern: named.first ?? -1)?.product.hasPrefix("kaspersky/") == true)

        let plain = try await scan([directory.path])
        #expect(plain.summary.matchProfile == nil)
        #expect(plain.detections.count == profiled.detections.count)

        let configuration = ScanConfiguration(
            targets: [ScanPath(bytes: Array(directory.path.utf8))],
            jobs: 2,
            signatures: shippedSignatures
        )
        let benchmark = PipelineBenchmark(
            configuration: configuration,
            evaluator: try policyEvaluator(),
            runs: 1,
            profile: true
        )
        let best = try #require(try await benchmark.run().best)
        #expect(named.map { best.matchProfile?.matches[$0] } == [4])
    }
}
