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
        let end = try content.stream(from: 0, through: ReadBuffer(), onData: { seen += $0 }, onHole: { count in Issue.record("no holes here: \(count)") })
        #expect(end == UInt64(bytes.count))
        #expect(seen == bytes)
    }

    @Test func aFileThatShrinksWhileItIsReadIsAnErrorNotACrash() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("rotating.log", [UInt8](repeating: 0x41, count: 4 << 20))
        let content = try ItemContent(path: ScanPath(path))
        var chunks = 0
        var zeros = 0
        #expect(throws: SystemError.self) {
            _ = try content.stream(from: 0, through: ReadBuffer(), onData: { chunk in
                chunks += 1
                if chunks == 1 { truncate(path, 100_000) }
                zeros += chunk.filter { $0 == 0 }.count
            }, onHole: { _ in })
        }
        // Past the new end the mapping reads as zeros instead of raising SIGBUS.
        #expect(chunks == 4)
        #expect(zeros > 0)
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
        #expect(outcome.events.allSatisfy { $0.kind == .unreadable && $0.message.contains("shrank") })
    }
}
