import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

@Suite struct WalkerTests {
    @Test func symbolicLinkLoopsEndNothingAndLinksAreNotFollowed() async throws {
        let directory = TemporaryDirectory()
        try directory.write("tree/sub/mention.txt", text: mentionText)
        try FileManager.default.createSymbolicLink(atPath: directory.file("tree/sub/loop"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: directory.file("tree/a"), withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: directory.file("tree/b"), withDestinationPath: "a")
        try FileManager.default.createSymbolicLink(atPath: directory.file("tree/outside"), withDestinationPath: "/etc")
        let outcome = try await scan([directory.file("tree")])
        #expect(outcome.detections.count == 1, "the file is found once, not again through the loop")
        #expect(outcome.summary.counts.symbolicLinks == 4)
        #expect(outcome.summary.counts.files == 1)
        #expect(outcome.events.isEmpty)
    }

    @Test func specialFilesAreSkippedWithAnEventAndNeverRead() async throws {
        let directory = TemporaryDirectory()
        try directory.write("tree/mention.txt", text: mentionText)
        #expect(mkfifo(directory.file("tree/fifo"), 0o644) == 0)
        let socketPath = directory.file("tree/socket")
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in socketPath.utf8.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        defer { close(descriptor) }
        var expectedSkips = 2
        if isRoot, mknod(directory.file("tree/null"), S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 { expectedSkips += 1 }
        let outcome = try await scan([directory.file("tree")])
        let skipped = outcome.events(.skipped)
        #expect(skipped.count == expectedSkips)
        #expect(skipped.contains { $0.message.contains("FIFO") })
        #expect(skipped.contains { $0.message.contains("socket") })
        #expect(outcome.detections.count == 1)
        #expect(!outcome.summary.isIncomplete, "skipping special files does not make a scan incomplete")
    }

    @Test func anEmptyFileIsScannedWithoutTrouble() async throws {
        let directory = TemporaryDirectory()
        try directory.write("tree/empty", [])
        try directory.write("tree/empty.gz", [])
        let outcome = try await scan([directory.file("tree")])
        #expect(outcome.summary.counts.files == 2)
        #expect(outcome.detections.isEmpty)
        #expect(outcome.events.isEmpty)
    }

    @Test func aNameThatIsNotUTF8IsReadAndReportedByteForByte() async throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("tree"), withIntermediateDirectories: true)
        let name: [UInt8] = Array("report-".utf8) + [0xFF, 0xFE, 0x80] + Array(".txt".utf8)
        let path = Array(directory.file("tree/").utf8) + name
        let descriptor = (path + [0]).withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(descriptor >= 0)
        _ = mentionText.withCString { write(descriptor, $0, strlen($0)) }
        close(descriptor)
        let outcome = try await scan([directory.file("tree")])
        let detection = try #require(outcome.detections.first)
        #expect(detection.location.path.bytes == path)
        // The JSON record keeps the exact bytes in hex and shows them escaped in the path.
        let record = RecordCoding.json(
            Finding(detection: detection, assessment: try policyEvaluator().assess(detection))
        ).serialized()
        #expect(record.contains(#""pathHex":""# + RecordCoding.hex(path) + #"""#))
        #expect(record.contains(#"report-\\xFF\\xFE\\x80.txt"#))
        _ = try JSONSerialization.jsonObject(with: Data(record.utf8))
    }

    @Test func anUnreadableFileIsReportedAndTheScanGoesOn() throws {
        let directory = TemporaryDirectory()
        try directory.write("tree/a-mention.txt", text: mentionText)
        let secret = try directory.write("tree/b-secret.txt", text: mentionText)
        try directory.write("tree/closed/inside.txt", text: mentionText)
        try directory.write("tree/c-mention.txt", text: mentionText)
        chmod(secret, 0)
        chmod(directory.file("tree/closed"), 0)
        // Root reads anything: drop to nobody for the run.
        chmod(directory.path, 0o755)
        let result = try EmbargoProcess.run(
            ["scan", "--format", "jsonl", "--fail-on", "never", "--fail-on-incomplete", directory.file("tree")],
            asUser: isRoot ? (65534, 65534) : nil
        )
        let records = try result.records()
        let unreadable = records.filter { $0["kind"] as? String == "unreadable" }
        #expect(unreadable.contains { ($0["path"] as? String)?.hasSuffix("b-secret.txt") == true })
        #expect(unreadable.contains { ($0["path"] as? String)?.hasSuffix("closed") == true })
        let findings = records.filter { $0["type"] as? String == "finding" }
        #expect(findings.count == 2, "both readable files are still scanned")
        #expect(result.status == 3, "an incomplete scan exits with 3 under --fail-on-incomplete")
    }

    @Test func aTenGigabyteSparseFileIsScannedInBoundedMemory() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("disk.img")
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o644)
        #expect(descriptor >= 0)
        let markerOffset: off_t = 5 << 30
        _ = "AO Kaspersky Lab".withCString { pwrite(descriptor, $0, 16, markerOffset) }
        #expect(ftruncate(descriptor, 10_000_000_000) == 0)
        close(descriptor)
        let result = try EmbargoProcess.run(
            ["scan", "--format", "jsonl", "--fail-on", "never", path],
            measuringMemory: true
        )
        #expect(result.status == 0)
        let finding = try #require(try result.records().first { $0["type"] as? String == "finding" })
        let evidence = try #require((finding["evidence"] as? [[String: Any]])?.first)
        #expect(
            (evidence["offset"] as? NSNumber)?.int64Value == Int64(markerOffset) + 16,
            "offsets past 4 GiB are exact"
        )
        #expect((finding["size"] as? NSNumber)?.int64Value == 10_000_000_000)
        let peak = try #require(result.peakResidentBytes)
        #expect(peak < 300 << 20, "peak memory \(peak) bytes")
    }
}

/// The default policy for today.
func policyEvaluator(_ name: String = "default", asOf: String? = nil) throws -> PolicyEvaluator {
    let catalog = try PolicyCatalog.shipped()
    let date = asOf.flatMap(CalendarDate.init) ?? CalendarDate.today
    return try PolicyEvaluator(policy: try #require(catalog.policy(name)), catalog: catalog, asOf: date)
}
