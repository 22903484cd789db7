import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// `--shard K/N`: the shards together find exactly what one scan finds, each finding once.
@Suite struct ShardTests {
    @Test func theUnionOfTheShardsEqualsTheWholeScan() async throws {
        let directory = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.vendor, toPath: directory.file("files"))
        try RepositoryFixture.debian(at: directory.file("mirror"), ordinary: 6)
        for deep in [false, true] {
            let whole = try await scan([directory.path], deep: deep)
            var union: [String] = []
            for index in 0..<3 {
                let part = try await scan(
                    [directory.path],
                    deep: deep,
                    shard: try #require(ScanShard(index: index, count: 3))
                )
                union += part.detections.map(\.id)
                #expect(part.summary.counts.files + part.summary.counts.otherShards == whole.summary.counts.files)
            }
            #expect(union.count == Set(union).count, "a finding was made by two shards")
            #expect(Set(union) == Set(whole.detections.map(\.id)))
            #expect(union.count == whole.detections.count)
        }
    }

    @Test func aKubernetesIndexedJobTakesItsShardFromTheCompletionIndex() throws {
        var union: [String] = []
        for index in 0..<2 {
            let result = try EmbargoProcess.run(
                ["scan", Fixtures.vendor, "--shards", "2", "--format", "jsonl", "--fail-on", "never"],
                environment: ["JOB_COMPLETION_INDEX": String(index)]
            )
            #expect(result.status == 0, "\(result.errors)")
            union += try result.records().filter { $0["type"] as? String == "finding" }.compactMap {
                $0["id"] as? String
            }
        }
        let whole = try EmbargoProcess.run(["scan", Fixtures.vendor, "--format", "jsonl", "--fail-on", "never"])
        let wholeIDs = try whole.records().filter { $0["type"] as? String == "finding" }.compactMap {
            $0["id"] as? String
        }
        #expect(union.sorted() == wholeIDs.sorted())
    }

    @Test func shardArgumentsAreChecked() throws {
        #expect(try EmbargoProcess.run(["scan", Fixtures.vendor, "--shard", "3/2"]).status == 2)
        #expect(try EmbargoProcess.run(["scan", Fixtures.vendor, "--shard", "0/2"]).status == 2)
        let missing = try EmbargoProcess.run(
            ["scan", Fixtures.vendor, "--shards", "2"],
            environment: ["JOB_COMPLETION_INDEX": ""]
        )
        #expect(missing.status == 2)
        #expect(missing.errors.contains("JOB_COMPLETION_INDEX"))
        #expect(ScanShard(parsing: "2/3") == ScanShard(index: 1, count: 3))
    }
}
