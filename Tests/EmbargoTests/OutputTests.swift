import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// The command line over hostile input: every record is valid JSON with the documented fields, and
/// the exit codes follow the documented rules.
@Suite struct OutputTests {
    /// A tree with the hostile inputs of the foundation tests and a vendor finding.
    static func hostileTree() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try directory.write("tree/news.txt", text: mentionText)
        try FileManager.default.copyItem(
            atPath: Fixtures.vendor + "/signed-kaspersky-avp.exe",
            toPath: directory.file("tree/avp.exe")
        )
        try directory.write("tree/empty", [])
        try directory.write("tree/fake.zip", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0x41, count: 100))
        let whole = try ArchiveBuilder.bytes(
            format: .tar,
            filter: .gzip,
            entries: [("a".bytes, (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) })]
        )
        try directory.write("tree/truncated.tar.gz", Array(whole.prefix(whole.count / 2)))
        var deep = try ArchiveBuilder.bytes(format: .zip, entries: [("bottom.txt".bytes, mentionText.bytes)])
        for level in 0..<20 { deep = try ArchiveBuilder.bytes(format: .zip, entries: [("l\(level).zip".bytes, deep)]) }
        try directory.write("tree/deep.zip", deep)
        try ArchiveBuilder.write(
            directory.file("tree/bomb.tar.zst"),
            format: .tar,
            filter: .zstd,
            entries: [("z".bytes, [UInt8](repeating: 0, count: 24 << 20))]
        )
        let odd: [UInt8] = Array(directory.file("tree/odd-").utf8) + [0xC3, 0x28] + Array(".txt".utf8)
        try Data(mentionText.utf8).write(to: URL(fileURLWithPath: String(decoding: odd, as: UTF8.self)))
        (odd + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { path in
                guard let name = path.baseAddress else { return }
                let descriptor = open(name, O_CREAT | O_WRONLY, 0o644)
                _ = mentionText.withCString { write(descriptor, $0, strlen($0)) }
                close(descriptor)
            }
        }
        mkfifo(directory.file("tree/fifo"), 0o644)
        try FileManager.default.createSymbolicLink(atPath: directory.file("tree/loop"), withDestinationPath: ".")
        return directory
    }

    @Test func everyRecordIsValidJSONWithTheDocumentedFields() throws {
        let directory = try Self.hostileTree()
        let result = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", directory.file("tree")])
        #expect(result.status == 0)
        let records = try result.records()
        #expect(!records.isEmpty)
        var kinds: Set<String> = []
        #expect(records.last?["type"] as? String == "summary", "the last record is the summary")
        #expect(records.filter { $0["type"] as? String == "summary" }.count == 1)
        for record in records {
            if record["type"] as? String == "summary" {
                #expect(record["files"] is NSNumber)
                #expect(record["interrupted"] as? Bool == false)
                #expect(record["incomplete"] as? Bool == true, "the hostile tree has unreadable content")
                continue
            }
            #expect(record["path"] is String)
            #expect(record["members"] is [Any])
            switch record["type"] as? String {
            case "finding":
                for field in [
                    "id", "vendor", "product", "verdict", "policy", "citation", "reason", "asOf", "sha256", "format",
                ] {
                    #expect(record[field] is String, "finding field \(field)")
                }
                #expect(record["evidence"] is [[String: Any]])
                #expect(record["size"] is NSNumber)
            case "event":
                #expect(record["kind"] is String)
                #expect(record["message"] is String)
                kinds.insert(record["kind"] as? String ?? "")
            default:
                Issue.record("unknown record type: \(record)")
            }
        }
        #expect(kinds.isSuperset(of: ["corrupt", "limit", "skipped"]))
        #expect(
            records.contains { ($0["pathHex"] as? String)?.contains("c328") == true },
            "a name that is not UTF-8 carries its bytes"
        )
        #expect(result.errors.contains("files"), "the summary goes to standard error")
    }

    @Test func theJSONDocumentHoldsFindingsEventsAndSummary() throws {
        let directory = try Self.hostileTree()
        let result = try EmbargoProcess.run(["scan", "--format", "json", "--fail-on", "never", directory.file("tree")])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
        #expect((document["findings"] as? [Any])?.isEmpty == false)
        #expect((document["events"] as? [Any])?.isEmpty == false)
        #expect((document["summary"] as? [String: Any])?["files"] is NSNumber)
        #expect(document["asOf"] as? String == CalendarDate.today.description)
    }

    @Test func exitCodesFollowFailOnAndIncompleteness() throws {
        let directory = try Self.hostileTree()
        let clean = TemporaryDirectory()
        try clean.write("hello.txt", text: "hello\n")
        #expect(try EmbargoProcess.run(["scan", "--format", "jsonl", clean.path]).status == 0)
        #expect(try EmbargoProcess.run(["scan", "--format", "jsonl", directory.file("tree")]).status == 1)
        #expect(
            try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", directory.file("tree")]).status
                == 0
        )
        #expect(
            try EmbargoProcess.run([
                "scan", "--format", "jsonl", "--fail-on", "never", "--fail-on-incomplete", directory.file("tree"),
            ]).status == 3
        )
        #expect(try EmbargoProcess.run(["scan", "--fail-on", "sometimes", clean.path]).status == 2)
        #expect(try EmbargoProcess.run(["scan", "--policy", "no-such-policy", clean.path]).status == 2)
        // Review: a mention is enough; prohibited: it is not.
        let mention = TemporaryDirectory()
        try mention.write("news.txt", text: mentionText)
        #expect(try EmbargoProcess.run(["scan", "--format", "jsonl", mention.path]).status == 0)
        #expect(try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "review", mention.path]).status == 1)
    }

    @Test func theTextReportShowsVerdictCountsAndTheDate() throws {
        let directory = try Self.hostileTree()
        let result = try EmbargoProcess.run([
            "scan", "--format", "text", "--as-of", "2024-08-15", "--fail-on", "never", directory.file("tree"),
        ])
        #expect(result.text.contains("as of 2024-08-15"))
        #expect(result.text.contains("Verdicts: "))
        #expect(result.text.contains("[PROHIBITED]"))
        #expect(result.text.contains("Scanned: "))
    }
}
