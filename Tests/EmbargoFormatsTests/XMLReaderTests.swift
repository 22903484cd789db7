import EmbargoTestSupport
import Foundation
import Testing

@testable import EmbargoFormats

/// The XML reader that replaced FoundationXML: every malformed document is an error value, chunks
/// may be cut anywhere, and nothing is expanded or fetched.
@Suite struct XMLReaderTests {
    static let document = Array(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE metadata [ <!ENTITY x "y"> ]>
        <!-- a comment -->
        <metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">
          <package type="rpm">
            <name>kesl</name>
            <summary>Kaspersky &amp; friends &#x263A; &#9731; Grüße</summary>
            <description><![CDATA[<not markup> & raw]]></description>
            <location xml:base="file:///srv" href="pool/k/kesl.rpm"/>
            <format><rpm:vendor>AO Kaspersky Lab</rpm:vendor></format>
          </package>
        </metadata>
        """.utf8
    )

    /// The events of a document, with adjacent text pieces joined.
    static func events(_ bytes: [UInt8], chunkSizes: [Int]) throws -> [XMLEvent] {
        var reader = XMLReader()
        var events: [XMLEvent] = []
        let take = { (event: XMLEvent) in
            if case .text(let piece) = event, case .text(let before)? = events.last {
                events[events.count - 1] = .text(before + piece)
            } else {
                events.append(event)
            }
        }
        var offset = 0
        var sizes = chunkSizes.makeIterator()
        while offset < bytes.count {
            let size = max(1, sizes.next() ?? bytes.count)
            try reader.feed(bytes[offset..<min(bytes.count, offset + size)], onEvent: take)
            offset += size
        }
        try reader.finish(onEvent: take)
        return events
    }

    @Test func elementsAttributesReferencesAndCDATAAreRead() throws {
        let events = try Self.events(Self.document, chunkSizes: [])
        let starts = events.compactMap { event -> XMLElement? in
            if case .start(let element) = event { return element }
            return nil
        }
        #expect(
            starts.map(\.name) == [
                "metadata", "package", "name", "summary", "description", "location", "format", "rpm:vendor",
            ]
        )
        let location = try #require(starts.first { $0.name == "location" })
        #expect(location[attribute: "xml:base"] == "file:///srv")
        #expect(location[attribute: "href"] == "pool/k/kesl.rpm")
        #expect(starts.last?.localName == "vendor")
        #expect(events.contains(.text("Kaspersky & friends ☺ ☃ Grüße")))
        #expect(events.contains(.text("<not markup> & raw")))
    }

    @Test func anyChunkingGivesTheSameEvents() throws {
        let whole = try Self.events(Self.document, chunkSizes: [])
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let sizes = (0..<200).map { _ in Int.random(in: 1...40, using: &generator) }
            #expect(try Self.events(Self.document, chunkSizes: sizes) == whole, "chunks \(sizes.prefix(12))")
        }
        #expect(try Self.events(Self.document, chunkSizes: Array(repeating: 1, count: Self.document.count)) == whole)
    }

    static let malformed: [(String, [UInt8], FormatError.Code)] = [
        ("a processing instruction alone", Array("<?x?>".utf8), .malformed),
        ("a name that is not UTF-8", Array("<repomd><x".utf8) + [0xFF] + Array("/></repomd>".utf8), .malformed),
        ("mismatched tags", Array("<a><b></a></b>".utf8), .malformed),
        ("an unclosed element", Array("<a><b>text</b>".utf8), .truncated),
        ("a cut tag", Array("<a><b attr=\"x".utf8), .truncated),
        ("two roots", Array("<a/><b/>".utf8), .malformed),
        ("text outside the root", Array("junk<a/>".utf8), .malformed),
        ("an undeclared entity", Array("<a>&lol9;</a>".utf8), .unsupported),
        ("an unterminated reference", Array("<a>fish & chips</a>".utf8), .malformed),
        ("a duplicate attribute", Array("<a x='1' x='2'/>".utf8), .malformed),
        ("an unquoted attribute", Array("<a x=1/>".utf8), .malformed),
        ("UTF-16", [0xFF, 0xFE, 0x3C, 0x00, 0x61, 0x00], .unsupported),
        ("nothing", [], .malformed),
        (
            "nesting past the limit",
            Array((String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)).utf8), .limit
        ),
    ]

    @Test(arguments: malformed.indices)
    func aMalformedDocumentIsAnErrorValue(_ index: Int) throws {
        let (what, bytes, code) = Self.malformed[index]
        do {
            _ = try Self.events(bytes, chunkSizes: [])
            Issue.record("\(what): accepted")
        } catch let error as FormatError {
            #expect(error.code == code, "\(what): \(error)")
        }
    }

    @Test func entityDeclarationsAreNeverExpanded() throws {
        let laughs = Array(
            """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <lolz>&lol2;</lolz>
            """.utf8
        )
        #expect(throws: FormatError.self) { try Self.events(laughs, chunkSizes: []) }
    }

    @Test func theRepositoryIndexesOfTheCrashReportAreErrorsNow() {
        #expect(throws: FormatError.self) { try RPMRepositoryMetadata.parse(Array("<?x?>".utf8)) }
        #expect(throws: FormatError.self) {
            try RPMRepositoryMetadata.parse(Array("<repomd><x".utf8) + [0xFF] + Array("/></repomd>".utf8))
        }
        #expect(throws: FormatError.self) { try RPMPrimaryMetadata.parse(Array("<?x?>".utf8)) { _ in } }
    }

    @Test func primaryMetadataIsReadPackageByPackage() throws {
        var packages: [RPMIndexPackage] = []
        try RPMPrimaryMetadata.parse(Self.document) { packages.append($0) }
        let package = try #require(packages.first)
        #expect(packages.count == 1)
        #expect(package.name == "kesl")
        #expect(package.vendor == "AO Kaspersky Lab")
        #expect(package.location == "pool/k/kesl.rpm")
        #expect(package.locationBase == "file:///srv")
        #expect(package.description == "<not markup> & raw")
    }

    @Test func propertyListsAreReadInBothForms() throws {
        let script = """
            import plistlib, sys
            value = {"CFBundleIdentifier": "com.kaspersky.kav.agent", "Nested": {"CFBundleIdentifier": "no"}, "N": 1}
            sys.stdout.buffer.write(plistlib.dumps(value, fmt=plistlib.FMT_BINARY if sys.argv[1] == "binary" else plistlib.FMT_XML))
            """
        for form in ["binary", "xml"] {
            let bytes = try Tool.run("python3", ["-c", script, form])
            #expect(PropertyList.bundleIdentifier(in: bytes) == "com.kaspersky.kav.agent", "\(form)")
        }
        let binary = try Tool.run("python3", ["-c", script, "binary"])
        // Damage anywhere is "no value", never a crash.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var damaged = binary
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(
                    in: 0...255,
                    using: &generator
                )
            }
            _ = PropertyList.bundleIdentifier(in: damaged)
        }
    }
}

/// Sizes and offsets in partition tables go through checked arithmetic.
@Suite struct PartitionArithmeticTests {
    /// A protective MBR and a GPT header at LBA 1 whose fields are `entriesLBA` and one entry with
    /// `first` and `last`.
    static func image(entriesLBA: UInt64, first: UInt64, last: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 512 * 40)
        bytes[0x1BE + 4] = 0xEE
        bytes[0x1BE + 8] = 1
        bytes[0x1BE + 12] = 0xFF
        bytes[510] = 0x55
        bytes[511] = 0xAA
        func put64(_ value: UInt64, at offset: Int) {
            for index in 0..<8 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        func put32(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        bytes.replaceSubrange(512..<520, with: Array("EFI PART".utf8))
        put64(entriesLBA, at: 512 + 72)
        put32(1, at: 512 + 80)
        put32(128, at: 512 + 84)
        let entry = 1024
        for index in 0..<16 { bytes[entry + index] = UInt8(index + 1) }
        put64(first, at: entry + 32)
        put64(last, at: entry + 40)
        return bytes
    }

    @Test func aSaneTableIsRead() throws {
        let table = try PartitionTable.read(Self.image(entriesLBA: 2, first: 34, last: 39))
        #expect(table.partitions.map(\.offset) == [34 * 512])
        #expect(table.partitions.map(\.size) == [6 * 512])
    }

    static let huge: [(UInt64, UInt64, UInt64)] = [
        (UInt64.max / 100, 34, 39), (2, UInt64.max / 256, UInt64.max / 256 + 5), (2, 0, UInt64.max),
    ]

    @Test(arguments: huge)
    func hugeSectorNumbersAreAnOverflowError(_ entries: UInt64, _ first: UInt64, _ last: UInt64) {
        do {
            _ = try PartitionTable.read(Self.image(entriesLBA: entries, first: first, last: last))
            Issue.record("accepted")
        } catch let error as FormatError {
            #expect(error.code == .overflow, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
