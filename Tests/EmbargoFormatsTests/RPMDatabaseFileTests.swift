import EmbargoTestSupport
import Foundation
import Testing

@testable import EmbargoFormats

/// The rpm databases that are not SQLite, as libdb and rpm's NDB layout write them.
@Suite struct RPMDatabaseFileTests {
    static func database(_ kind: String) throws -> [UInt8] {
        let directory = TemporaryDirectory()
        let package = Fixtures.vendor + "/kesl-12.1.0-1234.x86_64.rpm"
        try Tool.run(Fixtures.directory + "/make-rpm-database.py", [kind, directory.file("db"), package, package])
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.file("db"))))
    }

    @Test(arguments: ["bdb", "bdb:512", "bdb:1024:big", "ndb"])
    func everyHeaderBlobIsRead(kind: String) throws {
        let bytes = try Self.database(kind)
        let found = kind == "ndb" ? try RPMDatabaseFile.ndbBlobs(bytes) : try RPMDatabaseFile.berkeleyHashBlobs(bytes)
        #expect(found.problems.isEmpty, "\(found.problems)")
        #expect(try found.blobs.map { try RPMHeader.parse($0)[.name] } == ["kesl", "kesl"])
    }

    @Test(arguments: ["bdb:512", "ndb"])
    func truncatedAndCorruptedDatabasesEndInErrors(kind: String) throws {
        let bytes = try Self.database(kind)
        for length in stride(from: 0, through: bytes.count, by: 37) {
            let prefix = Array(bytes.prefix(length))
            _ = kind == "ndb" ? try? RPMDatabaseFile.ndbBlobs(prefix) : try? RPMDatabaseFile.berkeleyHashBlobs(prefix)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var damaged = bytes
            for _ in 0..<4 { damaged[Int.random(in: 0..<bytes.count, using: &generator)] = .random(in: 0...255) }
            _ = kind == "ndb" ? try? RPMDatabaseFile.ndbBlobs(damaged) : try? RPMDatabaseFile.berkeleyHashBlobs(damaged)
        }
    }
}
