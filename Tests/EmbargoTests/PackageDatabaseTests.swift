import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Installed-package databases are read from their bytes wherever they are: on disk, or inside an
/// archive (a container layer, a root file system tarball), held in memory or spooled.
@Suite struct PackageDatabaseTests {
    @Test func anRPMDatabaseInsideATarballIsRead() async throws {
        let directory = TemporaryDirectory()
        let database = try Fixtures.bytes("rpm-root/var/lib/rpm/rpmdb.sqlite")
        try ArchiveBuilder.write(
            directory.file("rootfs.tar.gz"),
            format: .tar,
            filter: .gzip,
            entries: [("./var/lib/rpm/rpmdb.sqlite".bytes, database)]
        )
        let outcome = try await scan([directory.file("rootfs.tar.gz")])
        let installed = outcome.installations.filter { $0.record == "package kesl" }
        #expect(installed.count == 1, "\(outcome.detections.map(\.record)) \(outcome.events)")
        #expect(installed.first?.form == .installed)
        #expect(installed.first?.location.members.map(\.displayString) == ["./var/lib/rpm/rpmdb.sqlite"])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
    }

    @Test func aDamagedRPMDatabaseIsACorruptEvent() async throws {
        let directory = TemporaryDirectory()
        var database = try Fixtures.bytes("rpm-root/var/lib/rpm/rpmdb.sqlite")
        // Keep the header, wreck the pages.
        for index in stride(from: 200, to: database.count, by: 7) { database[index] ^= 0xA5 }
        try directory.write("root/var/lib/rpm/rpmdb.sqlite", database)
        try directory.write("root/usr/share/doc/README", text: "nothing\n")
        let outcome = try await scan([directory.file("root/var/lib/rpm/rpmdb.sqlite")])
        #expect(
            outcome.events.contains { $0.kind == .corrupt && $0.message.contains("rpm database") },
            "\(outcome.events)"
        )
    }
}
