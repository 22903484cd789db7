import EmbargoTestSupport
import Foundation
import Synchronization
import Testing

@testable import Embargo

/// Mounted system roots: recognised, their installed-software records read first.
@Suite struct SystemRootTests {
    /// A Linux root with dpkg and rpm databases and a trust store, and a Windows drive with a product
    /// and a driver, from the committed fixtures.
    static func makeRoots(in directory: TemporaryDirectory) throws {
        try directory.write("linux/var/lib/dpkg/status", try Fixtures.bytes("dpkg-root/var/lib/dpkg/status"))
        try directory.write(
            "linux/usr/lib/sysimage/rpm/rpmdb.sqlite",
            try Fixtures.bytes("rpm-root/var/lib/rpm/rpmdb.sqlite")
        )
        try directory.write(
            "linux/etc/ssl/certs/ca-certificates.crt",
            try Fixtures.bytes("trust-store/etc/ssl/certs/ca-certificates.crt")
        )
        try directory.write("linux/etc/hostname", text: "host01\n")
        try directory.write("linux/home/user/notes.txt", text: mentionText)
        try directory.write(
            "windows/Program Files/Kaspersky Lab/KES/avp.exe",
            try Fixtures.bytes("signed-kaspersky-avp.exe")
        )
        try directory.write("windows/Windows/System32/drivers/null.sys", try elfExecutable())
        try directory.write("windows/Users/Public/readme.txt", text: "nothing\n")
    }

    @Test func mountedRootsAreRecognisedAndTheirRecordsRead() async throws {
        let directory = TemporaryDirectory()
        try Self.makeRoots(in: directory)
        let outcome = try await scan([directory.path])

        #expect(outcome.summary.recognised.map(\.kind) == ["Linux root (dpkg, rpm)", "Windows system drive"])
        let linux = try #require(outcome.summary.recognised.first)
        #expect(linux.detail.contains("var/lib/dpkg/status"))
        #expect(linux.detail.contains("usr/lib/sysimage/rpm"))
        #expect(linux.detail.contains("etc/ssl/certs"))
        #expect(outcome.summary.recognised.last?.detail.contains("Windows/System32/drivers") == true)

        let installed = Set(
            outcome.installations.map {
                $0.location.path.displayString.replacingOccurrences(of: directory.path + "/", with: "")
            }
        )
        #expect(
            installed == [
                "linux/var/lib/dpkg/status", "linux/usr/lib/sysimage/rpm/rpmdb.sqlite",
                "linux/etc/ssl/certs/ca-certificates.crt",
                "windows/Program Files/Kaspersky Lab/KES/avp.exe",
            ]
        )
        // Every file is read once: the fixed places are not walked again.
        #expect(outcome.summary.counts.files == 8)
        #expect(
            outcome.detections.filter { $0.location.path.displayString.hasSuffix("/linux/var/lib/dpkg/status") }.count
                == 2
        )
    }

    @Test func theFixedPlacesAreReadFirst() async throws {
        let directory = TemporaryDirectory()
        try Self.makeRoots(in: directory)
        // With one worker the order of reading is the order of the queue.
        let order = Mutex<[String]>([])
        let scanner = Scanner(
            configuration: ScanConfiguration(
                targets: [ScanPath(directory.file("linux"))],
                jobs: 1,
                signatures: shippedSignatures
            )
        )
        _ = try await scanner.run { result in
            if case .file(let path) = result.unit, result.readStamp != nil {
                order.withLock { $0.append(path.displayString) }
            }
        }
        let read = order.withLock { $0 }.map { $0.replacingOccurrences(of: directory.file("linux") + "/", with: "") }
        #expect(
            Set(read.prefix(3)) == [
                "var/lib/dpkg/status", "usr/lib/sysimage/rpm/rpmdb.sqlite", "etc/ssl/certs/ca-certificates.crt",
            ]
        )
        #expect(read.count == 5)
    }

    @Test func aDirectoryWithEtcButNoPackageDatabaseIsNotARoot() async throws {
        let directory = TemporaryDirectory()
        try directory.write("project/etc/config.yaml", text: "a: 1\n")
        try directory.write("project/usr/readme", text: "b\n")
        let outcome = try await scan([directory.path])
        #expect(outcome.summary.recognised.isEmpty)
    }
}
