/// A VMDK descriptor (`# Disk DescriptorFile`): the text that lists a disk's extents, each a file
/// beside it (monolithicFlat, twoGbMaxExtentFlat, twoGbMaxExtentSparse, vmfs) or zeros, and names
/// the parent of a delta disk.
public struct VMDKDescriptor: Sendable, Hashable {
    /// One extent of the disk, in order.
    public struct Extent: Sendable, Hashable {
        /// How the extent keeps its sectors.
        public enum Kind: String, Sendable, Hashable {
            /// A raw file (`FLAT`, `VMFS`), read from `offset`.
            case flat
            /// A sparse extent file (`SPARSE`, `VMFSSPARSE`), itself a `KDMV` image.
            case sparse
            /// No file: zeros.
            case zero
        }

        /// How the extent keeps its sectors.
        public let kind: Kind
        /// The extent's length in bytes.
        public let size: UInt64
        /// The extent file's name, relative to the descriptor (none for zeros).
        public let file: String?
        /// Where a flat extent starts in its file, in bytes.
        public let offset: UInt64
    }

    /// The extents, in order.
    public let extents: [Extent]
    /// The parent of a delta disk (`parentFileNameHint`).
    public let parentName: String?

    /// Whether `head` starts a descriptor.
    public static func recognises(_ head: [UInt8]) -> Bool { Head(head).starts(header) }

    private static let header = Array("# Disk DescriptorFile".utf8)

    /// Parses a descriptor's text (at most its first 64 KiB).
    ///
    /// - Throws: `FormatError` on an extent line it cannot read, or a kind of extent it does not know.
    public init(_ bytes: [UInt8]) throws(FormatError) {
        let text = String(decoding: bytes.prefix(64 << 10).prefix { $0 != 0 }, as: UTF8.self)
        var extents: [Extent] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            guard !line.hasPrefix("#"), !line.isEmpty else { continue }
            let words = line.split(separator: " ", maxSplits: 3)
            guard words.count >= 3, ["RW", "RDONLY", "NOACCESS"].contains(words[0]) else { continue }
            guard let sectors = UInt64(words[1]), sectors <= UInt64.max / 512 else {
                throw FormatError.malformed("VMDK extent of \(words[1]) sectors")
            }
            let kind: Extent.Kind
            switch words[2] {
            case "FLAT", "VMFS": kind = .flat
            case "SPARSE", "VMFSSPARSE": kind = .sparse
            case "ZERO": kind = .zero
            default: throw FormatError.unsupported("VMDK extent of type \(words[2])")
            }
            var file: String?
            var offset: UInt64 = 0
            if kind != .zero {
                let rest = words.count > 3 ? String(words[3]) : ""
                let parts = rest.split(separator: "\"", omittingEmptySubsequences: false)
                guard parts.count >= 3, !parts[1].isEmpty else {
                    throw FormatError.malformed("VMDK extent without a file")
                }
                file = String(parts[1])
                if let sectorOffset = UInt64(parts[2].trimmingWhitespace()) {
                    guard sectorOffset <= UInt64.max / 512 else { throw FormatError.overflow("VMDK extent offset") }
                    offset = sectorOffset * 512
                }
            }
            extents.append(Extent(kind: kind, size: sectors * 512, file: file, offset: offset))
        }
        self.extents = extents
        parentName = VMDKSparseLayout.parentName(in: text)
    }
}
