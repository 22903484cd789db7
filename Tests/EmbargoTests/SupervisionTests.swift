import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// A scan survives a crash it did not foresee: a planted trap (test builds only: content that
/// starts with the marker in EMBARGO_TEST_TRAP) kills the scanning process; the supervising parent
/// reports the item as `crashed` and a new process finishes the scan.
@Suite struct SupervisionTests {
    static let marker = "EMBARGO-PLANTED-TRAP"

    /// Mentions everywhere, and the trap in a file on disk and in an archive member.
    static func tree() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        for index in 0..<20 { try directory.write("tree/note-\(index).txt", text: mentionText) }
        try directory.write("tree/crash.txt", text: marker + " " + mentionText)
        try ArchiveBuilder.write(
            directory.file("tree/bundle.tar.gz"),
            format: .tar,
            filter: .gzip,
            entries: [
                ("a.txt".bytes, mentionText.bytes), ("trap.bin".bytes, (marker + mentionText).bytes),
                ("z.txt".bytes, mentionText.bytes),
            ]
        )
        return directory
    }

    @Test func aPlantedCrashIsSurvivedAndReported() throws {
        let directory = try Self.tree()
        let database = directory.file("findings.sqlite")
        let result = try EmbargoProcess.run(
            [
                "scan", "--format", "jsonl", "--fail-on", "never", "--fail-on-incomplete", "--db", database,
                directory.file("tree"),
            ],
            environment: ["EMBARGO_TEST_TRAP": Self.marker]
        )
        #expect(result.status == 3, "incomplete: \(result.errors)")
        let records = try result.records()
        let crashed = records.filter { $0["kind"] as? String == "crashed" }
        #expect(crashed.count == 2)
        #expect(
            crashed.contains {
                ($0["path"] as? String) == directory.file("tree/crash.txt") && ($0["members"] as? [String]) == []
            }
        )
        #expect(
            crashed.contains {
                ($0["path"] as? String) == directory.file("tree/bundle.tar.gz")
                    && ($0["members"] as? [String]) == ["trap.bin"]
            }
        )
        #expect(crashed.allSatisfy { ($0["message"] as? String)?.contains("crashed (SIG") == true })
        let findings = records.filter { $0["type"] as? String == "finding" }
        #expect(findings.count == 22, "every other file and member is still read: \(findings.count)")
        #expect(
            findings.contains { ($0["members"] as? [String]) == ["z.txt"] },
            "the archive goes on after the member that crashed"
        )
        let summary = try #require(records.last)
        #expect(summary["errors"] as? Int == 2)
        #expect(summary["files"] as? Int == 22)
        #expect(summary["interrupted"] as? Bool == false)
        let stored = try EmbargoProcess.run(["report", "--db", database, "--format", "jsonl"])
        #expect(
            try stored.records().filter { $0["kind"] as? String == "crashed" }.count == 2,
            "the store ends complete"
        )
        #expect(try EmbargoProcess.run(["report", "--db", database, "--list"]).text.contains("unfinished") == false)
    }

    @Test func withoutTheSupervisorTheSameCrashEndsTheScan() throws {
        let directory = try Self.tree()
        let result = try EmbargoProcess.run(
            ["scan", "--in-process", "--format", "jsonl", "--fail-on", "never", directory.file("tree")],
            environment: ["EMBARGO_TEST_TRAP": Self.marker]
        )
        #expect(result.status > 128, "the process died of a signal: \(result.status)")
        #expect(try result.records().last?["type"] as? String != "summary", "and its report is lost")
    }

    @Test func slotsHoldTheLocationOfEachWorker() throws {
        let slots = try CrashSlots.create(count: 3, in: "/tmp")
        let deep = Location(
            path: ScanPath("/srv/image.tar"),
            members: [ScanPath("layer.tar"), ScanPath("usr/bin/\u{00e9}t\u{00e9}")]
        )
        slots.write(CrashSlots.frame(of: deep), slot: 1)
        #expect(slots.read(slot: 1).location == deep)
        #expect(slots.read(slot: 0).location == nil)
        #expect(slots.read(slot: 1).signal == 0)
        // A location longer than a slot keeps its path and the members that fit.
        let long = Location(
            path: ScanPath("/x"),
            members: (0..<40).map { _ in ScanPath(String(repeating: "m", count: 1_000)) }
        )
        slots.write(CrashSlots.frame(of: long), slot: 2)
        let kept = try #require(slots.read(slot: 2).location)
        #expect(kept.path == long.path)
        #expect(kept.members.count < long.members.count && kept.members.count > 0)
        slots.clear()
        #expect(slots.read(slot: 1).location == nil)
    }

    @Test func unitResultsSurviveTheirFrames() throws {
        var result = ScanUnitResult(unit: .file(ScanPath(bytes: Array("/data/odd-".utf8) + [0xC3, 0x28])))
        result.events.append(
            ScanEvent(kind: .limit, location: Location(path: result.unit.path), message: "m", limit: "max-depth")
        )
        result.counts.files = 1
        result.counts.bytes = 1 << 40
        result.readStamp = FileStamp(size: 5, modified: -7, inode: 9, device: 11)
        result.recognised.append(RecognisedTree(path: ScanPath("/r"), kind: "k", detail: "d"))
        let decoded = try UnitResultCoding.decode(UnitResultCoding.encode(result))
        #expect(decoded.unit == result.unit)
        #expect(decoded.events == result.events)
        #expect(decoded.counts == result.counts)
        #expect(decoded.readStamp == result.readStamp)
        #expect(decoded.recognised == result.recognised)
        // Damaged frames are errors, never traps.
        let frame = UnitResultCoding.encode(result)
        for cut in 0..<frame.count { _ = try? UnitResultCoding.decode(Array(frame[0..<cut])) }
    }
}
