import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Reading files in place: large files are read through guarded mappings, which survive a file
/// that shrinks under them (a log truncated by rotation) and say so.
@Suite struct FileReadingTests {
    @Test func aLargeFileIsStreamedWhole() throws {
        let directory = TemporaryDirectory()
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let path = try directory.write("large.bin", bytes)
        let content = try ItemContent(path: ScanPath(path))
        var seen: [UInt8] = []
        let end = try content.stream(
            through: ReadBuffer(),
            onData: { seen += $0.bytesArray },
            onHole: { count in Issue.record("no holes here: \(count)") }
        )
        #expect(end == UInt64(bytes.count))
        #expect(seen == bytes)
        #expect(content.change == nil)
    }

    @Test func aFileThatShrinksWhileItIsReadIsNotedNotACrash() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("rotating.log", [UInt8](repeating: 0x41, count: 4 << 20))
        let content = try ItemContent(path: ScanPath(path))
        var chunks = 0
        var zeros = 0
        try content.stream(
            through: ReadBuffer(),
            onData: { chunk in
                chunks += 1
                if chunks == 1 { truncate(path, 100_000) }
                zeros += chunk.bytesArray.filter { $0 == 0 }.count
            }
        )
        // Past the new end the mapping reads as zeros instead of raising SIGBUS, and the change is noted.
        #expect(chunks == 4)
        #expect(zeros > 0)
        #expect(content.change?.contains("shrank") == true)
    }

    @Test func aFileThatGrowsWhileItIsReadIsNoted() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("growing.log", [UInt8](repeating: 0x41, count: 100_000))
        let content = try ItemContent(path: ScanPath(path))
        var seen = 0
        try content.stream(
            through: ReadBuffer(size: 4096),
            onData: { chunk in
                if seen == 0, let handle = FileHandle(forWritingAtPath: path) {
                    handle.seekToEndOfFile()
                    handle.write(Data(repeating: 0x42, count: 5000))
                    handle.closeFile()
                }
                seen += chunk.byteCount
            }
        )
        #expect(seen == 100_000, "only the bytes the file had when opened are read")
        #expect(content.change?.contains("grew") == true)
        #expect(try content.sha256(buffer: ReadBuffer()) == nil, "no checksum over other bytes than the size says")
    }

    @Test func aShrinkingFileInAScanIsReportedAsUnreadable() async throws {
        // The scan's own reading path: the file is truncated from another task while being matched.
        let directory = TemporaryDirectory()
        let path = try directory.write("big.log", [UInt8](repeating: 0x42, count: 64 << 20))
        let truncating = Task.detached {
            try? await Task.sleep(for: .milliseconds(1))
            truncate(path, 0)
        }
        let outcome = try await scan([path], jobs: 1)
        _ = await truncating.value
        // Either the scan finished before the truncation, or it reports the file; it never crashes.
        #expect(
            outcome.events.allSatisfy { $0.kind == .unreadable && $0.message.contains("changed while it was read") }
        )
        #expect(outcome.events.isEmpty || outcome.summary.isIncomplete)
    }
}
