import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

@Suite struct ArchiveTests {
    @Test func aFileInAZipInATarGzIsFoundWithItsMemberChain() async throws {
        let directory = TemporaryDirectory()
        let zip = try ArchiveBuilder.bytes(format: .zip, entries: [("docs/note.txt".bytes, mentionText.bytes)])
        try ArchiveBuilder.write(
            directory.file("outer.tar.gz"),
            format: .tar,
            filter: .gzip,
            entries: [("bundle/inner.zip".bytes, zip)]
        )
        let outcome = try await scan([directory.file("outer.tar.gz")])
        let detection = try #require(outcome.detections.first)
        #expect(detection.location.members.map(\.displayString) == ["bundle/inner.zip", "docs/note.txt"])
        #expect(outcome.summary.counts.archives == 2)
        #expect(outcome.events.isEmpty)
    }

    @Test(arguments: [
        (ArchiveBuilder.Format.tar, ArchiveBuilder.Filter.bzip2), (.tar, .xz), (.tar, .zstd), (.sevenZip, .none),
        (.cpio, .gzip), (.ar, .none), (.iso9660, .none), (.zip, .none),
    ])
    func everyWritableFormatIsUnpacked(format: ArchiveBuilder.Format, filter: ArchiveBuilder.Filter) async throws {
        let directory = TemporaryDirectory()
        try ArchiveBuilder.write(
            directory.file("archive"),
            format: format,
            filter: filter,
            entries: [
                ("readme.txt".bytes, "nothing here\n".bytes), ("mention.txt".bytes, mentionText.bytes),
            ]
        )
        let outcome = try await scan([directory.file("archive")])
        let detection = try #require(outcome.detections.first, "\(format) with \(filter)")
        #expect(detection.location.members.last?.displayString.hasSuffix("mention.txt") == true)
        #expect(outcome.events.isEmpty)
    }

    @Test func aSingleCompressedFileIsReadAsItsContent() async throws {
        let directory = TemporaryDirectory()
        let source = try directory.write("notes.txt", mentionText.bytes)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = [source]
        try gzip.run()
        gzip.waitUntilExit()
        let outcome = try await scan([directory.file("notes.txt.gz")])
        let detection = try #require(outcome.detections.first)
        #expect(detection.location.members.map(\.displayString) == ["notes.txt"])
    }

    @Test func aDebianPackageIsUnpackedDownToItsFiles() async throws {
        let directory = TemporaryDirectory()
        let control = try ArchiveBuilder.bytes(
            format: .tar,
            filter: .gzip,
            entries: [
                (
                    "./control".bytes,
                    "Package: example\nVersion: 1.0\nArchitecture: all\nMaintainer: Example <e@example.invalid>\nDescription: example\n"
                        .bytes
                )
            ]
        )
        let data = try ArchiveBuilder.bytes(
            format: .tar,
            filter: .xz,
            entries: [("./usr/share/doc/example/notes".bytes, mentionText.bytes)]
        )
        try ArchiveBuilder.write(
            directory.file("example_1.0_all.deb"),
            format: .ar,
            entries: [
                ("debian-binary".bytes, "2.0\n".bytes), ("control.tar.gz".bytes, control), ("data.tar.xz".bytes, data),
            ]
        )
        let outcome = try await scan([directory.file("example_1.0_all.deb")])
        let detection = try #require(outcome.detections.first)
        #expect(detection.location.members.map(\.displayString) == ["data.tar.xz", "./usr/share/doc/example/notes"])
        #expect(outcome.events.isEmpty)
    }

    @Test func aTruncatedArchiveIsReportedAndTheScanGoesOn() async throws {
        let directory = TemporaryDirectory()
        let filler = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let whole = try ArchiveBuilder.bytes(
            format: .tar,
            filter: .gzip,
            entries: [("big.bin".bytes, filler), ("b.txt".bytes, mentionText.bytes)]
        )
        try directory.write("tree/truncated.tar.gz", Array(whole.prefix(whole.count / 2)))
        try directory.write("tree/other.txt", text: mentionText)
        let outcome = try await scan([directory.file("tree")])
        #expect(outcome.events(.corrupt).count == 1)
        #expect(outcome.events(.corrupt).first?.location.path.displayString.hasSuffix("truncated.tar.gz") == true)
        #expect(outcome.detections.contains { $0.location.path.displayString.hasSuffix("other.txt") })
        #expect(outcome.summary.isIncomplete)
    }

    @Test func aFakeZipHeaderIsReportedAsCorrupt() async throws {
        let directory = TemporaryDirectory()
        try directory.write("fake.zip", [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0x41, count: 300))
        let outcome = try await scan([directory.file("fake.zip")])
        #expect(outcome.events(.corrupt).count == 1)
        #expect(outcome.detections.isEmpty)
    }

    @Test func nestingDeeperThanTheLimitStopsThereAndSaysSo() async throws {
        let directory = TemporaryDirectory()
        var current = try ArchiveBuilder.bytes(format: .zip, entries: [("bottom.txt".bytes, mentionText.bytes)])
        for level in (1..<24).reversed() {
            current = try ArchiveBuilder.bytes(format: .zip, entries: [("level\(level).zip".bytes, current)])
        }
        try directory.write("deep.zip", current)
        let outcome = try await scan([directory.file("deep.zip")])
        let limits = outcome.events(.limit)
        #expect(limits.count == 1)
        #expect(limits.first?.limit == "max-depth")
        #expect(limits.first?.location.depth == ScanLimits().maxDepth)
        #expect(outcome.detections.isEmpty, "the file at the bottom, 24 archives deep, is not reached")
        #expect(outcome.summary.counts.archives == ScanLimits().maxDepth)
    }

    @Test func aDecompressionBombIsStoppedByTheRatioLimit() async throws {
        let directory = TemporaryDirectory()
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        try ArchiveBuilder.write(
            directory.file("bomb.tar.zst"),
            format: .tar,
            filter: .zstd,
            entries: [("zeros".bytes, zeros)]
        )
        let compressed = try #require(
            FileManager.default.attributesOfItem(atPath: directory.file("bomb.tar.zst"))[.size] as? Int
        )
        #expect(compressed < 64 << 10)
        let outcome = try await scan([directory.file("bomb.tar.zst")])
        let limit = try #require(outcome.events(.limit).first)
        #expect(limit.limit == "max-ratio")
        #expect(outcome.summary.counts.expandedBytes < 16 << 20, "expansion stops soon after the floor")
        #expect(outcome.detections.isEmpty)
    }

    @Test func theMemberCountAndExpansionLimitsAreReported() async throws {
        let directory = TemporaryDirectory()
        let entries = (0..<30).map { ("file\($0).txt".bytes, "nothing\n".bytes) }
        try ArchiveBuilder.write(directory.file("many.zip"), format: .zip, entries: entries)
        var limits = ScanLimits()
        limits.maxMembers = 10
        var outcome = try await scan([directory.file("many.zip")], limits: limits)
        #expect(outcome.events(.limit).map(\.limit) == ["max-members"])
        #expect(outcome.summary.counts.members == 10)

        let noise = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 9) }
        try ArchiveBuilder.write(
            directory.file("large.tar.gz"),
            format: .tar,
            filter: .gzip,
            entries: [("a".bytes, noise), ("b".bytes, noise)]
        )
        limits = ScanLimits()
        limits.maxExpandedBytes = 400_000
        outcome = try await scan([directory.file("large.tar.gz")], limits: limits)
        #expect(outcome.events(.limit).map(\.limit) == ["max-expanded"])
    }

    @Test func anRPMPayloadIsUnpacked() async throws {
        let outcome = try await scan([Fixtures.vendor + "/kesl-12.1.0-1234.x86_64.rpm"])
        #expect(outcome.summary.counts.members == 1, "the payload's one file is read")
        #expect(outcome.events.isEmpty)
    }
}
