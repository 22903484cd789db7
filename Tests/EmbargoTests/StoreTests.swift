import EmbargoTestSupport
import Foundation
import Testing

/// The findings store, through the command line: SQLite and a real PostgreSQL server, incremental
/// rescans and stored reports.
@Suite struct StoreTests {
    /// The findings of a JSON Lines report: id and verdict.
    static func findings(_ result: EmbargoProcess.Result) throws -> [String: String] {
        var findings: [String: String] = [:]
        for record in try result.records() where record["type"] as? String == "finding" {
            findings[record["id"] as? String ?? ""] = record["verdict"] as? String
        }
        return findings
    }

    /// A scan target with findings in files, archives and a database, and one ordinary file.
    static func target(_ directory: TemporaryDirectory) throws -> String {
        try FileManager.default.copyItem(atPath: Fixtures.vendor, toPath: directory.file("tree"))
        try directory.write("tree/ordinary.txt", text: "nothing to see\n")
        return directory.file("tree")
    }

    func storeRoundTrip(database: String) throws {
        let directory = TemporaryDirectory()
        let tree = try Self.target(directory)
        let name = "run-\(UUID().uuidString)"
        let common = [
            "--format", "jsonl", "--as-of", "2024-08-15", "--fail-on", "never", "--db", database, "--scan-name", name,
        ]

        let first = try EmbargoProcess.run(["scan", tree] + common)
        #expect(first.status == 0, "\(first.errors)")
        let scanned = try Self.findings(first)
        #expect(scanned.count >= 10)

        // The stored scan renders the same findings and verdicts.
        let report = try EmbargoProcess.run(["report", "--db", database, "--name", name, "--format", "jsonl"])
        #expect(report.status == 0, "\(report.errors)")
        #expect(try Self.findings(report) == scanned)
        let listing = try EmbargoProcess.run(["report", "--db", database, "--list"])
        #expect(listing.text.contains(name))

        // An incremental rescan reads nothing and reports the same findings.
        let second = try EmbargoProcess.run(["scan", tree, "--incremental"] + common)
        #expect(second.status == 0, "\(second.errors)")
        #expect(try Self.findings(second) == scanned)
        let files = try FileManager.default.subpathsOfDirectory(atPath: tree).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(tree)/\(path)", isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        #expect(second.errors.contains("\(files.count) unchanged files skipped"), "\(second.errors)")
        #expect(
            second.errors.contains(" 0 files,") || second.errors.hasPrefix("0 files")
                || second.errors.contains(": 0 files,")
        )

        // A changed file is read again; the others are not.
        let changed = "\(tree)/invoice-2024.dat"
        let handle = try #require(FileHandle(forWritingAtPath: changed))
        handle.seekToEndOfFile()
        handle.write(Data([0]))
        try handle.close()
        let third = try EmbargoProcess.run(["scan", tree, "--incremental"] + common)
        #expect(third.errors.contains("\(files.count - 1) unchanged files skipped"), "\(third.errors)")
        #expect(third.errors.contains(": 1 file,"), "\(third.errors)")
        #expect(Set(try Self.findings(third).keys) == Set(scanned.keys))
    }

    @Test func theSQLiteStoreKeepsScansAndSkipsUnchangedFiles() throws {
        let directory = TemporaryDirectory()
        try storeRoundTrip(database: directory.file("findings.sqlite"))
    }

    /// Runs against the server that scripts/test.sh starts (EMBARGO_TEST_POSTGRES_URL); under plain
    /// `swift test` without a server it is skipped, and says why.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["EMBARGO_TEST_POSTGRES_URL"] != nil,
            "EMBARGO_TEST_POSTGRES_URL is not set: scripts/test.sh starts a local PostgreSQL server and sets it"
        )
    )
    func thePostgreSQLStoreKeepsScansAndSkipsUnchangedFiles() throws {
        let url = try #require(ProcessInfo.processInfo.environment["EMBARGO_TEST_POSTGRES_URL"])
        try storeRoundTrip(database: url)
    }

    @Test func withoutADatabaseIncrementalIsAUsageError() throws {
        let result = try EmbargoProcess.run(["scan", Fixtures.vendor, "--incremental"])
        #expect(result.status == 2)
        #expect(result.errors.contains("--incremental needs --db"))
    }

    @Test func anUnreachableDatabaseIsAClearError() throws {
        let result = try EmbargoProcess.run([
            "scan", Fixtures.vendor, "--db", "postgres://nobody:secret@127.0.0.1:1/none?sslmode=disable",
        ])
        #expect(result.status == 2)
        #expect(result.errors.contains("--db:"))
        #expect(!result.errors.contains("secret"))
    }
}
