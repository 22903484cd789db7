internal import EmbargoFormats

/// The classify stage: what an item is, from its first bytes. Every decision the scan makes about an
/// item rests on the formats recognised by their magic numbers (`ContentSniffer`); libmagic (one
/// handle per worker) is asked only to name and describe the content of items with findings, so an
/// archive of a hundred thousand object files costs no libmagic call at all.
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

    /// What content that starts with `head` is; text is `.other` here, told apart when it matters
    /// (a finding, an index file read by its name).
    func classify(_ head: [UInt8]) -> ContentFormat {
        ContentSniffer.format(of: head, distinguishingText: false)
    }

    /// Fills in the format (text or not), MIME type and description of a finding's item, whose
    /// content starts with `head`: libmagic's for text and unknown content, the format's own
    /// otherwise.
    func describe(_ item: inout ItemFacts, head: [UInt8]) {
        if item.format == .other, ContentSniffer.isText(head) { item.format = .text }
        let askMagic = item.format == .other || item.format == .text
        if item.mimeType.isEmpty {
            item.mimeType = item.format == .other ? magic.mimeType(of: head) : item.format.mimeType
        }
        item.description = askMagic ? magic.description(of: head) : item.format.summary
    }
}
