import EmbargoTestSupport
import Foundation
import Testing

@testable import EmbargoFormats

/// The compound-file, Windows Installer and NSIS readers against what wixl and makensis wrote, checked
/// with msitools' own account of the package and byte for byte against the files put in; damaged
/// input ends in errors, never in a trap.
@Suite struct InstallerReaderTests {
    static func bytes(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A package holding a large file (over 7 MB compressed, so that the FAT needs sectors beyond the
    /// 109 the header lists: the DIFAT chain) and a small one (in the mini stream).
    static func package(in directory: TemporaryDirectory) throws -> (msi: [UInt8], files: [String: [UInt8]]) {
        var state: UInt64 = 7
        let large = (0..<14_000_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 59)
        }
        let files = ["data.bin": large, "notes.txt": Array("Example notes.\n".utf8)]
        for (name, bytes) in files { try directory.write(name, bytes) }
        let msi = try InstallerFixture.msi(
            directory.file("setup.msi"),
            files: files.keys.sorted().map { ($0, directory.file($0)) }
        )
        return (try bytes(msi), files)
    }

    @Test func theStreamsOfAPackageAreThoseMsitoolsLists() throws {
        let directory = TemporaryDirectory()
        let (msi, _) = try Self.package(in: directory)
        #expect(msi.count > 109 * 128 * 512, "large enough to need DIFAT sectors")
        let file = try CompoundFile(msi)
        let listed = String(decoding: try Tool.run("msiinfo", ["streams", directory.file("setup.msi")]), as: UTF8.self)
        let streams = Set(file.streams.map(\.path))
        for name in listed.split(separator: "\n") {
            #expect(streams.contains(String(name)) || streams.contains("\u{5}" + name), "\(name) in \(streams)")
        }
        #expect(streams.contains("!File") && streams.contains("!_StringPool"), "tables decode to !NAME: \(streams)")
        let cabinet = try #require(file.streams.first { $0.path == "product.cab" })
        var bytes: [UInt8] = []
        for extent in try file.extents(of: cabinet, fileSize: UInt64(msi.count)) {
            bytes += msi[Int(extent.lowerBound)..<Int(extent.upperBound)]
        }
        #expect(bytes.count == Int(cabinet.size))
        #expect(bytes.starts(with: Array("MSCF".utf8)))
    }

    @Test func theFileTableGivesTheNamesMsitoolsExports() throws {
        let directory = TemporaryDirectory()
        let (msi, files) = try Self.package(in: directory)
        let file = try CompoundFile(msi)
        func stream(_ path: String) throws -> [UInt8] {
            let stream = try #require(file.streams.first { $0.path == path })
            return try file.extents(of: stream, fileSize: UInt64(msi.count)).flatMap {
                msi[Int($0.lowerBound)..<Int($0.upperBound)]
            }
        }
        let names = try MSIFileTable.names(
            pool: try stream("!_StringPool"),
            data: try stream("!_StringData"),
            columns: try stream("!_Columns"),
            file: try stream("!File")
        )
        // msiinfo export prints the table as tab-separated rows after three header lines.
        let export = String(
            decoding: try Tool.run("msiinfo", ["export", directory.file("setup.msi"), "File"]),
            as: UTF8.self
        )
        var expected: [String: String] = [:]
        for row in export.split(separator: "\r\n").dropFirst(3) {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count > 2 else { continue }
            expected[String(fields[0])] = String(fields[2].split(separator: "|").last ?? "")
        }
        #expect(names == expected)
        #expect(Set(names.values) == Set(files.keys))
    }

    @Test(arguments: [
        ("zlib", false), ("zlib", true), ("lzma", false), ("lzma", true), ("bzip2", false), ("bzip2", true),
    ])
    func anNSISInstallerGivesBackEveryFileByteForByte(compressor: String, solid: Bool) throws {
        let directory = TemporaryDirectory()
        var state: UInt64 = 11
        let binary = (0..<3_000_000).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 60)
        }
        let files = ["tool.dll": binary, "notes.txt": Array(String(repeating: "notes ", count: 5_000).utf8)]
        for (name, bytes) in files { try directory.write(name, bytes) }
        let path = try InstallerFixture.nsis(
            directory.file("setup.exe"),
            compressor: compressor,
            solid: solid,
            files: [directory.file("tool.dll")],
            docs: [directory.file("notes.txt")]
        )
        let exe = try Self.bytes(path)
        let executable = try PortableExecutable.read(exe)
        let payload = try #require(try InstallerPayload.find(in: exe, executable: executable))
        #expect(payload.kind == .nsis)
        let installer = try NSISInstaller(exe, offset: payload.offset)
        #expect(installer.isSolid == solid)
        var read: [String: [UInt8]] = [:]
        try installer.read { file, data in
            var bytes: [UInt8] = []
            while let piece = try data.next(upTo: 100_000) { bytes += piece }
            read[file.name] = bytes
        }
        #expect(read["$INSTDIR/tool.dll"] == binary)
        #expect(read["$INSTDIR/docs/notes.txt"] == files["notes.txt"])
        #expect(read.count == 2, "\(read.keys)")
    }

    @Test func damagedInstallersEndInErrorsNotTraps() throws {
        let directory = TemporaryDirectory()
        try directory.write("tool.dll", Array(repeating: 0x41, count: 70_000))
        let path = try InstallerFixture.nsis(
            directory.file("setup.exe"),
            compressor: "lzma",
            solid: true,
            files: [directory.file("tool.dll")]
        )
        let exe = try Self.bytes(path)
        let payload = try #require(try InstallerPayload.find(in: exe, executable: try PortableExecutable.read(exe)))
        let nsis = Array(exe[Int(payload.offset)...])
        let (msi, _) = try Self.package(in: directory)
        let small = try CompoundFile(msi).streams.count
        #expect(small > 4)
        var state: UInt64 = 0xBAD
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        for round in 0..<400 {
            var damaged = round % 2 == 0 ? nsis : Array(msi.prefix(200_000))
            for _ in 0..<(1 + next() % 8) {
                damaged[next() % damaged.count] = UInt8(truncatingIfNeeded: next())
            }
            if round % 2 == 0 {
                if let installer = try? NSISInstaller(damaged, offset: 0) {
                    try? installer.read { _, data in while (try data.next(upTo: 65_536)) != nil {} }
                }
            } else if let file = try? CompoundFile(damaged) {
                for stream in file.streams { _ = try? file.extents(of: stream, fileSize: UInt64(damaged.count)) }
            }
        }
        #expect(throws: FormatError.self) { _ = try NSISInstaller(Array(nsis.prefix(40)), offset: 0) }
        // A first header whose data ends (30 bytes in) before its compressed header block begins.
        var short = nsis
        short.replaceSubrange(24..<32, with: [30, 0, 0, 0, 0x10, 0, 0, 0x80])
        #expect(throws: FormatError.self) { _ = try NSISInstaller(short, offset: 0) }
        #expect(throws: FormatError.self) { _ = try CompoundFile(Array(msi.prefix(1_000))) }
    }
}
