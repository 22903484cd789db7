/// One entry of a Debian repository's `Packages` index: a binary package and where the pool holds it.
public struct DebianIndexEntry: Sendable, Hashable {
    /// The control fields of the entry, as written.
    public let paragraph: [DebianControl.Field]
    /// `Package`.
    public let package: String
    /// `Version`, or nil.
    public let version: String?
    /// `Architecture`, or nil.
    public let architecture: String?
    /// `Filename`: the package's path relative to the repository root, or nil.
    public let filename: String?
    /// `Size`, or nil.
    public let size: UInt64?
    /// `SHA256`, or nil.
    public let sha256: String?

    /// The entry of one `Packages` paragraph, or nil for a paragraph without `Package`.
    public init?(_ paragraph: DebianControl.Paragraph) {
        guard let package = DebianControl.field("Package", in: paragraph) else { return nil }
        self.paragraph = paragraph.map { DebianControl.Field(name: $0.name, value: $0.value) }
        self.package = package
        version = DebianControl.field("Version", in: paragraph)
        architecture = DebianControl.field("Architecture", in: paragraph)
        filename = DebianControl.field("Filename", in: paragraph)
        size = DebianControl.field("Size", in: paragraph).flatMap { UInt64($0) }
        sha256 = DebianControl.field("SHA256", in: paragraph)?.lowercased()
    }

    /// A field's value.
    public func field(_ name: String) -> String? {
        paragraph.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

extension DebianControl {
    /// A named field, for storage in `Sendable`, `Hashable` values.
    public struct Field: Sendable, Hashable {
        /// The field name as written.
        public let name: String
        /// The value; continuation lines joined with newlines.
        public let value: String
    }

    /// Splits control data that arrives in chunks (a large `Packages` index being decompressed) into
    /// paragraphs, holding only the paragraph being read.
    public struct ParagraphStream {
        private var pending: [UInt8] = []
        /// The largest paragraph accepted; a longer run without a blank line is malformed.
        public static let maximumParagraphBytes = 4 << 20

        /// A stream with nothing read.
        public init() {}

        /// Takes the next chunk and hands each paragraph it completes to `onParagraph`.
        ///
        /// - Throws: `FormatError` for a paragraph over `maximumParagraphBytes`.
        public mutating func feed(_ chunk: some Collection<UInt8>, onParagraph: (Paragraph) throws -> Void) throws {
            pending.append(contentsOf: chunk)
            var start = 0
            var index = 0
            let newline = UInt8(ascii: "\n")
            while index + 1 < pending.count {
                if pending[index] == newline,
                    pending[index + 1] == newline
                        || (pending[index + 1] == UInt8(ascii: "\r")
                            && index + 2 < pending.count && pending[index + 2] == newline)
                {
                    let end = index + 1
                    if end > start {
                        for paragraph in DebianControl.paragraphs(Array(pending[start..<end])) {
                            try onParagraph(paragraph)
                        }
                    }
                    start = end
                }
                index += 1
            }
            pending.removeFirst(start)
            guard pending.count <= Self.maximumParagraphBytes else {
                throw FormatError.limit("a paragraph longer than \(Self.maximumParagraphBytes) bytes")
            }
        }

        /// Hands the last paragraph, if any, to `onParagraph`.
        public mutating func finish(onParagraph: (Paragraph) throws -> Void) rethrows {
            for paragraph in DebianControl.paragraphs(pending) { try onParagraph(paragraph) }
            pending = []
        }
    }
}
