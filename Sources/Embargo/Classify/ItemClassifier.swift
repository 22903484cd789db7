internal import EmbargoFormats

/// The classify stage: what an item is, from its first bytes. The formats the extractors and the
/// expanders handle are recognised by their magic numbers; libmagic (one handle per worker) names
/// the rest, and describes the content of findings.
struct ItemClassifier: ~Copyable {
    /// The first bytes classification looks at (ISO 9660 needs about 37 KiB, btrfs 65 KiB).
    static let headSize = 68 << 10

    private let magic: MagicCookie

    /// A classifier with its own libmagic handle.
    ///
    /// - Throws: `MagicError` when libmagic's database cannot be loaded.
    init() throws(MagicError) {
        magic = try MagicCookie()
    }

    /// What content that starts with `head` is.
    func classify(_ head: [UInt8]) -> ItemKind {
        let format = ContentSniffer.format(of: head)
        return ItemKind(format: format, mimeType: format == .other ? magic.mimeType(of: head) : format.mimeType)
    }

    /// A description of content that starts with `head`, for a finding: libmagic's for text and
    /// unknown content, the format's own otherwise.
    func describe(_ head: [UInt8], format: ContentFormat) -> String {
        format == .other || format == .text ? magic.description(of: head) : format.summary
    }
}

/// The classification of an item.
struct ItemKind {
    /// The format recognised from the first bytes.
    let format: ContentFormat
    /// The MIME type.
    let mimeType: String
}
