/// The files an NSIS installer carries: its first header (found after the setup stub), the
/// compressed script header with its `File` instructions (for names and data positions), and each
/// file's data block, decompressed with zlib (deflate), liblzma (LZMA) or Embargo's decoder of NSIS's
/// own bzip2 variant, solid or not.
public struct NSISInstaller {
    /// One file the installer writes.
    public struct File: Sendable, Hashable {
        /// `$INSTDIR/sub/name.dll` (the output directory the script set, then the name).
        public var name: String
        /// Where its data block lies, from the start of the data.
        var position: UInt64
    }

    /// The data of one file, read piece by piece.
    public struct FileData {
        fileprivate let reader: BlockReader
        fileprivate var remaining: UInt64

        /// The next piece (at most `count` bytes); nil at the end of the file's data.
        ///
        /// - Throws: `FormatError` when the data is damaged or ends early, or the source's error.
        public mutating func next(upTo count: Int) throws -> [UInt8]? {
            guard remaining > 0 else { return nil }
            let piece = try reader.read(upTo: Int(min(UInt64(count), remaining)))
            if piece.isEmpty {
                guard remaining == .max else { throw FormatError.truncated("NSIS file data ends early") }
                remaining = 0
                return nil
            }
            if remaining != .max { remaining -= UInt64(piece.count) }
            return piece
        }
    }

    /// How the data is compressed.
    public enum Compression: String, Sendable {
        case deflate, lzma, bzip2, none
    }

    /// The files, in data order, each data block once.
    public private(set) var files: [File] = []
    /// Whether all data is one compressed stream.
    public let isSolid: Bool
    /// The compression.
    public let compression: Compression
    private let source: any ByteSource
    /// The first byte after the first header.
    private let start: UInt64
    /// Where the files' data starts: in the file (not solid), or in the decompressed stream (solid).
    private let dataStart: UInt64
    private let dataEnd: UInt64
    /// Script headers are a few KiB to a few MiB; a larger one is refused.
    private static let maxHeaderBytes = 16 << 20

    /// Reads the installer whose first header is at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the header is damaged, or `unsupported` for LZMA with a branch filter.
    public init(_ source: some ByteSource, offset: UInt64) throws {
        self.source = source
        let first = BinaryCursor(try source.exactBytes(at: offset, count: 32, what: "NSIS first header"))
        guard try first.u32le(at: 4) == 0xDEAD_BEEF else { throw FormatError.badMagic("no NSIS first header") }
        let headerLength = Int(try first.u32le(at: 20))
        let total = UInt64(try first.u32le(at: 24))
        guard headerLength > 0, headerLength <= Self.maxHeaderBytes else {
            throw FormatError.limit("NSIS header of \(headerLength) bytes")
        }
        start = try Checked.sum(offset, 28, "NSIS data start")
        dataEnd = min(try Checked.sum(offset, total, "NSIS data end"), source.size)
        guard start < dataEnd else { throw FormatError.truncated("NSIS data") }
        // Not solid, the header is a block of its own, its length first (the top bit: compressed);
        // solid, one stream starts at once. LZMA data starts with its properties byte 0x5D.
        let lead = try first.u32le(at: 28)
        let bytes = try source.bytes(at: start, count: 6)
        let stored = lead == UInt32(headerLength)
        let blockFits = lead & 0x8000_0000 != 0 && UInt64(lead & 0x7FFF_FFFF) < total
        if stored {
            isSolid = false
        } else if blockFits, bytes.count > 4, bytes[4] == 0x5D {
            isSolid = false
        } else if bytes.first == 0x5D {
            isSolid = true
        } else {
            isSolid = !blockFits
        }
        let method = Array(bytes.dropFirst(isSolid ? 0 : 4))
        if stored {
            compression = .none
        } else if method.first == 0x5D {
            compression = .lzma
        } else if method.first == 0x31 {
            compression = .bzip2
        } else if method.count >= 2, method[0] <= 1, method[1] == 0x5D {
            throw FormatError.unsupported("NSIS LZMA data with the x86 branch filter")
        } else {
            compression = .deflate
        }
        let header: [UInt8]
        if isSolid {
            let stream = try BlockReader(compression, source: source, range: start..<dataEnd)
            guard try BinaryCursor(try stream.read(upTo: 4)).u32le(at: 0) == UInt32(headerLength) else {
                throw FormatError.malformed("NSIS solid stream does not start with its header")
            }
            header = try stream.read(upTo: headerLength)
            dataStart = UInt64(4 + headerLength)
        } else {
            let blockEnd = try Checked.sum(start + 4, UInt64(lead & 0x7FFF_FFFF), "NSIS header block")
            // The data may end before the block does (a truncated installer): what is there is read.
            let available = (start + 4)..<max(start + 4, min(blockEnd, dataEnd))
            header = try BlockReader(compression, source: source, range: available).read(upTo: headerLength)
            dataStart = blockEnd
        }
        guard header.count == headerLength else { throw FormatError.truncated("NSIS header") }
        files = NSISScript.files(in: header)
    }

    /// Visits each file with its data, in data order (a solid stream is decompressed once, front to
    /// back; what `visit` leaves unread is skipped).
    ///
    /// - Throws: `FormatError` when the data is damaged, the source's error, or `visit`'s.
    public func read(_ visit: (File, inout FileData) throws -> Void) throws {
        let solid = isSolid ? try BlockReader(compression, source: source, range: start..<dataEnd) : nil
        var streamPosition: UInt64 = 0
        for file in files {
            var data: FileData
            if let solid {
                let target = try Checked.sum(dataStart, file.position, "NSIS data position")
                guard target >= streamPosition else { continue }
                try solid.skip(target - streamPosition)
                let length = UInt64(try BinaryCursor(try solid.read(upTo: 4)).u32le(at: 0))
                streamPosition = target + 4
                data = FileData(reader: solid, remaining: length)
                try visit(file, &data)
                try solid.skip(data.remaining)
                streamPosition += length
            } else {
                let at = try Checked.sum(dataStart, file.position, "NSIS data block")
                let lead = try BinaryCursor(try source.exactBytes(at: at, count: 4, what: "NSIS data block")).u32le(
                    at: 0
                )
                let length = UInt64(lead & 0x7FFF_FFFF)
                let end = max(at + 4, min(try Checked.sum(at + 4, length, "NSIS data block end"), dataEnd))
                if lead & 0x8000_0000 == 0 {
                    data = FileData(
                        reader: try BlockReader(.none, source: source, range: (at + 4)..<end),
                        remaining: length
                    )
                } else {
                    data = FileData(
                        reader: try BlockReader(compression, source: source, range: (at + 4)..<end),
                        remaining: .max
                    )
                }
                try visit(file, &data)
            }
        }
    }
}

/// Bytes of a range, stored or decompressed.
final class BlockReader {
    private let decompressor: BlockDecompressor?
    private let bzip2: NSISBzip2Decoder?
    private let source: any ByteSource
    private var position: UInt64
    private let end: UInt64

    init(_ compression: NSISInstaller.Compression, source: some ByteSource, range: Range<UInt64>) throws {
        switch compression {
        case .deflate: decompressor = try BlockDecompressor(.deflate, source: source, range: range)
        case .lzma: decompressor = try BlockDecompressor(.lzma, source: source, range: range)
        case .bzip2, .none: decompressor = nil
        }
        bzip2 = compression == .bzip2 ? NSISBzip2Decoder(source: source, range: range) : nil
        self.source = source
        position = range.lowerBound
        end = range.upperBound
    }

    func read(upTo count: Int) throws -> [UInt8] {
        if let decompressor { return try decompressor.read(upTo: count) }
        if let bzip2 { return try bzip2.read(upTo: count) }
        let bytes = try source.bytes(at: position, count: Int(min(UInt64(count), end - min(position, end))))
        position += UInt64(bytes.count)
        return bytes
    }

    func skip(_ count: UInt64) throws {
        var remaining = count
        while remaining > 0 {
            let piece = try read(upTo: Int(min(remaining, 1 << 20)))
            guard !piece.isEmpty else { throw FormatError.truncated("NSIS data ends early") }
            remaining -= UInt64(piece.count)
        }
    }
}
