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

    /// An rpm database written by `Tests/Fixtures/make-rpm-database.py` with the vendor package
    /// twice (two records of one name: one finding).
    static func rpmDatabase(_ kind: String, at path: String) throws {
        let package = Fixtures.vendor + "/kesl-12.1.0-1234.x86_64.rpm"
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path,
            withIntermediateDirectories: true
        )
        try Tool.run(Fixtures.directory + "/make-rpm-database.py", [kind, path, package, package])
    }

    @Test func berkeleyDBDatabasesAreReadAsRPMReadsThem() async throws {
        let directory = TemporaryDirectory()
        // rpm's default pages, small pages (a header spread over a chain of overflow pages), and a
        // big-endian database as s390x writes it.
        let roots = ["rhel8": "bdb", "small-pages": "bdb:512", "s390x": "bdb:1024:big"]
        for (root, kind) in roots {
            try Self.rpmDatabase(kind, at: directory.file("\(root)/var/lib/rpm/Packages"))
        }
        // Debian's rpm reads the same databases with its read-only Berkeley DB backend.
        for root in ["rhel8", "small-pages"] {
            let listed = try Tool.run(
                "rpm",
                ["--dbpath", directory.file("\(root)/var/lib/rpm"), "--define", "_db_backend bdb_ro", "-qa"]
            )
            #expect(String(decoding: listed, as: UTF8.self).contains("kesl-12.1.0-1234.x86_64"))
        }
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let found = outcome.installations.filter { $0.record == "package kesl" }
        #expect(found.count == 3, "one finding in each of three databases: \(found.map(\.location))")
        #expect(found.allSatisfy { $0.form == .installed && $0.product == "kaspersky-endpoint-security-linux" })
    }

    @Test func anNDBDatabaseIsRead() async throws {
        let directory = TemporaryDirectory()
        try Self.rpmDatabase("ndb", at: directory.file("sle15/usr/lib/sysimage/rpm/Packages.db"))
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.installations.filter { $0.record == "package kesl" }.count == 1)
    }

    @Test func damagedBerkeleyDBAndNDBDatabasesAreEventsNeverCrashes() async throws {
        let directory = TemporaryDirectory()
        for (kind, path) in [("bdb:512", "a/var/lib/rpm/Packages"), ("ndb", "b/var/lib/rpm/Packages.db")] {
            try Self.rpmDatabase(kind, at: directory.file(path))
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.file(path))))
            // Wreck everything after the first page, then cut the file short.
            for index in stride(from: 600, to: bytes.count, by: 5) { bytes[index] ^= 0x5A }
            bytes.removeLast(bytes.count / 3)
            try Data(bytes).write(to: URL(fileURLWithPath: directory.file(path)))
        }
        let outcome = try await scan([directory.path])
        let damaged = Set(outcome.events.filter { $0.kind == .corrupt }.map { $0.location.path.displayString })
        #expect(damaged.count == 2, "\(outcome.events)")
    }
}
