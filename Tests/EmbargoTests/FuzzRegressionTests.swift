import EmbargoFuzzTargets
import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Every input that ever crashed a reader (Tests/Fixtures/fuzz-regressions/TARGET/, saved by
/// scripts/fuzz.sh or written from a crash report) is run again: through its reader, and through the
/// whole pipeline, where it must end as events, never as a crash.
@Suite struct FuzzRegressionTests {
    static var inputs: [(target: String, file: String)] {
        let root = Fixtures.directory + "/fuzz-regressions"
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return targets.sorted().flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + target)) ?? []).sorted().map {
                (target, root + "/" + target + "/" + $0)
            }
        }
    }

    static func read(_ path: String) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: path), "\(path)"))
    }

    @Test func thereAreRegressionInputs() {
        #expect(Self.inputs.count >= 5)
        #expect(
            Set(Self.inputs.map(\.target)).isSubset(of: Set(FuzzTarget.allCases.map(\.rawValue))),
            "directories are named after targets"
        )
    }

    @Test(arguments: inputs.map(\.file))
    func aSavedCrashInputIsReadSafely(_ file: String) throws {
        let target = try #require(
            FuzzTarget(rawValue: URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent)
        )
        let bytes = try Self.read(file)
        try FuzzRunner(target: target).run(bytes)
        try FuzzRunner(target: .item).run(bytes)
    }

    @Test func theCrashReportsRepositoryIndexesEndAsCorruptEvents() async throws {
        for input in ["processing-instruction-only.xml", "name-not-utf8.xml"] {
            let directory = TemporaryDirectory()
            try directory.write(
                "mirror/repodata/repomd.xml",
                try Self.read(Fixtures.directory + "/fuzz-regressions/repomd/" + input)
            )
            try directory.write("mirror/Packages/placeholder.txt", text: "x\n")
            let outcome = try await scan([directory.file("mirror")])
            let event = try #require(
                outcome.events.first { $0.location.path.displayString.hasSuffix("repodata/repomd.xml") },
                "\(input)"
            )
            #expect(event.kind == .corrupt, "\(input): \(event)")
            #expect(event.message.contains("repomd.xml could not be read"))
        }
    }

    @Test func theCrashReportsGPTImagesEndAsCorruptEvents() async throws {
        for input in ["gpt-entries-lba-overflow", "gpt-entry-range-overflow"] {
            let directory = TemporaryDirectory()
            var bytes = try Self.read(Fixtures.directory + "/fuzz-regressions/partition-table/" + input)
            bytes += [UInt8](repeating: 0, count: 64 << 10)
            try directory.write("disk.img", bytes)
            let outcome = try await scan([directory.file("disk.img")])
            #expect(
                outcome.events.contains { $0.kind == .corrupt && $0.message.contains("overflows") },
                "\(input): \(outcome.events)"
            )
        }
    }
}
