import EmbargoTestSupport
import Foundation
import Testing

@testable import EmbargoFormats

/// The tar listing against archives Python's tarfile and GNU tar write, and the OCI whiteout rules.
@Suite struct ContainerImageReaderTests {
    /// Writes a tar of `files` (name → size) in `format` with Python's tarfile and returns it with
    /// tarfile's own account of each member: name, data offset, size.
    static func pythonTar(
        _ files: [(String, Int)],
        format: String
    ) throws -> (
        bytes: [UInt8], members: [(name: String, offset: UInt64, size: UInt64)]
    ) {
        let directory = TemporaryDirectory()
        let specification = files.map { "\($0.0)\t\($0.1)" }.joined(separator: "\n")
        let script = """
            import io, sys, tarfile
            out = sys.argv[1]
            with tarfile.open(out, "w", format=tarfile.\(format)) as tar:
                for line in sys.stdin.read().splitlines():
                    name, size = line.split("\\t")
                    info = tarfile.TarInfo(name)
                    info.size = int(size)
                    tar.addfile(info, io.BytesIO(bytes(index % 251 for index in range(int(size)))))
            with tarfile.open(out) as tar:
                for member in tar:
                    print("%s\\t%d\\t%d" % (member.name, member.offset_data, member.size))
            """
        let path = directory.file("made.tar")
        try directory.write("spec.txt", text: specification)
        try directory.write("make.py", text: script)
        let output = try Tool.shell("python3 make.py made.tar < spec.txt", in: directory.path)
        let members = String(decoding: output, as: UTF8.self).split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            return (String(fields[0]), UInt64(fields[1]) ?? 0, UInt64(fields[2]) ?? 0)
        }
        return (try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))), members)
    }

    @Test(arguments: ["PAX_FORMAT", "GNU_FORMAT", "USTAR_FORMAT"])
    func theListingAgreesWithPythonsTarfile(format: String) throws {
        let long = "blobs/sha256/" + String(repeating: "ab", count: 32) + "/" + String(repeating: "deep/", count: 12)
        var files = [("manifest.json", 10), ("blobs/sha256/" + String(repeating: "0", count: 64), 1_000), ("empty", 0)]
        if format != "USTAR_FORMAT" { files.append((long + "layer.tar", 513)) }
        let (bytes, expected) = try Self.pythonTar(files, format: format)
        let listing = try TarListing(bytes, maxMembers: 100)
        #expect(listing.members.map(\.path) == expected.map(\.name))
        #expect(listing.members.map(\.offset) == expected.map(\.offset))
        #expect(listing.members.map(\.size) == expected.map(\.size))
        for member in listing.members where member.size > 0 {
            #expect(bytes[Int(member.offset)] == 0 && bytes[Int(member.offset) + 1] == 1, "data starts at the offset")
        }
        #expect(listing.member("./manifest.json")?.size == 10)
        #expect(TarListing.firstName(bytes) == "manifest.json")
    }

    @Test func damagedListingsEndInErrors() throws {
        let (bytes, _) = try Self.pythonTar([("manifest.json", 2_000)], format: "PAX_FORMAT")
        #expect(throws: FormatError.self) { try TarListing(Array(bytes.prefix(1_200)), maxMembers: 10) }
        var corrupt = bytes
        corrupt[130] ^= 0x01
        #expect(throws: FormatError.self) { try TarListing(corrupt, maxMembers: 10) }
        #expect(throws: FormatError.self) { try TarListing(bytes, maxMembers: 0) }
        #expect(TarListing.firstName(corrupt) == nil)
    }

    @Test func whiteoutsHideWhatTheyNameAndEverythingUnderIt() {
        var changes = LayerChanges()
        changes.note("opt/.wh.kaspersky", isDirectory: false)
        changes.note("etc/ssl/.wh..wh..opq", isDirectory: false)
        changes.note("usr/bin/tool", isDirectory: false)
        changes.note("var/lib/dpkg", isDirectory: true)
        #expect(changes.hides("opt/kaspersky"))
        #expect(changes.hides("opt/kaspersky/kesl/bin/kesl-control"))
        #expect(!changes.hides("opt/kasperskyx"))
        #expect(!changes.hides("opt"))
        #expect(changes.hides("etc/ssl/certs/ca.pem"), "an opaque directory hides what lower layers hold under it")
        #expect(!changes.hides("etc/ssl"), "but not the directory itself")
        #expect(changes.hides("usr/bin/tool"), "a file replaces the same path below")
        #expect(changes.hides("usr/bin/tool/inner"), "and a directory of that name below")
        #expect(!changes.hides("var/lib/dpkg/status"), "a directory entry alone hides nothing")
        #expect(LayerChanges.isWhiteout("opt/.wh.kaspersky") && !LayerChanges.isWhiteout("opt/kaspersky"))
        var root = LayerChanges()
        root.note(".wh..wh..opq", isDirectory: false)
        #expect(root.hides("anything/at/all"))
    }

    @Test func imageArchivesAreToldByTheirFirstMember() {
        #expect(ContainerImageArchive.mightStartWith("blobs"))
        #expect(ContainerImageArchive.mightStartWith("blobs/sha256/abc"))
        #expect(ContainerImageArchive.mightStartWith("oci-layout"))
        #expect(ContainerImageArchive.mightStartWith(String(repeating: "a1", count: 32) + "/layer.tar"))
        #expect(ContainerImageArchive.mightStartWith(String(repeating: "a1", count: 32) + ".json"))
        #expect(!ContainerImageArchive.mightStartWith("usr/bin/ls"))
        #expect(!ContainerImageArchive.mightStartWith("blobsy"))
    }
}
