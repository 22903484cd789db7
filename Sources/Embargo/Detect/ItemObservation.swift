internal import EmbargoFormats
import EmbargoMatcher

/// Everything the extract stage observed about one item, ready for the signatures.
struct ItemObservation: Sendable {
    /// Where the item is.
    var location: Location
    /// The item's path as software on the scanned system would see it: the on-disk path, or for an
    /// archive member its name inside the archive, starting with `/`.
    var logicalPath: [UInt8]
    /// The recognised format, MIME type, size and hash.
    var item: ItemFacts
    /// The distinct signature strings found in the content, with their first end offsets.
    var stringHits: [PatternHit]
    /// Structural facts (certificate subjects, version fields, package records).
    var facts: [Fact]

    /// An observation.
    init(location: Location, logicalPath: [UInt8], item: ItemFacts, stringHits: [PatternHit], facts: [Fact]) {
        self.location = location
        self.logicalPath = logicalPath
        self.item = item
        self.stringHits = stringHits
        self.facts = facts
    }

    /// The last component of the logical path.
    var fileName: [UInt8] {
        guard let slash = logicalPath.lastIndex(of: UInt8(ascii: "/")) else { return logicalPath }
        return Array(logicalPath[(slash + 1)...])
    }

    /// The logical path of an archive member: its name without a leading `./`, under `/`.
    static func logicalPath(ofMember name: [UInt8]) -> [UInt8] {
        var bytes = name[...]
        while bytes.starts(with: [UInt8(ascii: "."), UInt8(ascii: "/")]) { bytes = bytes.dropFirst(2) }
        while bytes.first == UInt8(ascii: "/") { bytes = bytes.dropFirst() }
        return [UInt8(ascii: "/")] + bytes
    }
}
