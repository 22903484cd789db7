internal import CEmbargoCompression

/// A run of a file's bytes that a file system keeps compressed in the image (a btrfs compressed
/// extent): decoded only when the file is read, one run at a time, so that a compressed file never
/// has to be held whole.
public struct CompressedRun: Sendable, Hashable {
    /// How the run is compressed.
    public enum Codec: Sendable, Hashable, CustomStringConvertible {
        /// One zlib stream.
        case zlib
        /// btrfs's LZO framing: a total length, then LZO1X segments, each of one page at most and with
        /// a length that never straddles a sector.
        case lzo
        /// One zstd frame.
        case zstd

        /// The codec's name.
        public var description: String {
            switch self {
            case .zlib: "zlib"
            case .lzo: "LZO"
            case .zstd: "zstd"
            }
        }
    }

    /// The most bytes one run decodes to (btrfs writes at most 128 KiB).
    public static let maximumDecodedLength = 1 << 20

    /// Where the compressed bytes lie in the image.
    public let stored: Range<UInt64>
    /// The codec.
    public let codec: Codec
    /// How many bytes the compressed bytes decode to.
    public let decodedLength: Int
    /// Which of the decoded bytes belong to the file.
    public let taken: Range<Int>

    /// A run; `taken` must lie within the decoded bytes.
    ///
    /// - Throws: `FormatError` when the lengths are out of bounds.
    package init(stored: Range<UInt64>, codec: Codec, decodedLength: UInt64, taken: Range<UInt64>) throws(FormatError) {
        // The stored length is compared as a difference: `Range.count` would trap past `Int.max`.
        let storedLength = stored.upperBound - stored.lowerBound
        guard decodedLength <= UInt64(Self.maximumDecodedLength), taken.upperBound <= decodedLength,
            storedLength <= UInt64(Self.maximumDecodedLength + (1 << 16))
        else {
            throw FormatError.malformed(
                "a \(codec) compressed run of \(storedLength) bytes decoding to \(decodedLength) (bytes \(taken) taken)"
            )
        }
        self.stored = stored
        self.codec = codec
        self.decodedLength = Int(decodedLength)
        self.taken = Int(taken.lowerBound)..<Int(taken.upperBound)
    }

    /// The file's bytes of the run, from its compressed bytes.
    ///
    /// - Throws: `FormatError` when the data does not decode to the length recorded.
    public func decode(_ compressed: [UInt8]) throws(FormatError) -> ArraySlice<UInt8> {
        let decoded: [UInt8]
        switch codec {
        case .zlib: decoded = try Self.inflate(compressed, length: decodedLength)
        case .zstd: decoded = try Self.zstd(compressed, length: decodedLength)
        case .lzo: decoded = try Self.lzo(compressed, length: decodedLength)
        }
        guard decoded.count >= taken.upperBound else {
            throw FormatError.truncated(
                "a \(codec) compressed run decodes to \(decoded.count) bytes, not \(decodedLength)"
            )
        }
        return decoded[taken]
    }

    private static func inflate(_ input: [UInt8], length: Int) throws(FormatError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: length)
        var produced = UInt(length)
        var consumed = UInt(input.count)
        let status = unsafe output.withUnsafeMutableBufferPointer { target in
            unsafe input.withUnsafeBufferPointer { source in
                unsafe uncompress2(target.baseAddress, &produced, source.baseAddress, &consumed)
            }
        }
        // A stream that fills the output exactly may end without its checksum being reached.
        guard status == Z_OK || (status == Z_BUF_ERROR && produced == UInt(length)) else {
            throw FormatError.malformed("zlib compressed run: error \(status)")
        }
        output.removeSubrange(Int(produced)...)
        return output
    }

    private static func zstd(_ input: [UInt8], length: Int) throws(FormatError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: length)
        let produced = unsafe output.withUnsafeMutableBytes { target in
            unsafe input.withUnsafeBytes { source in
                // The run is padded to whole sectors: decode the one frame at its start.
                let frame = unsafe ZSTD_findFrameCompressedSize(source.baseAddress, source.count)
                if ZSTD_isError(frame) != 0 { return frame }
                return unsafe ZSTD_decompress(target.baseAddress, target.count, source.baseAddress, frame)
            }
        }
        guard ZSTD_isError(produced) == 0 else {
            throw FormatError.malformed("zstd compressed run: \(unsafe String(cString: ZSTD_getErrorName(produced)))")
        }
        output.removeSubrange(produced...)
        return output
    }

    /// btrfs's LZO framing: a 32-bit total length (itself included), then segments, each a 32-bit
    /// length and LZO1X data decoding to one page at most; a segment length that would straddle a
    /// 4 KiB sector starts at the next sector instead.
    private static func lzo(_ input: [UInt8], length: Int) throws(FormatError) -> [UInt8] {
        let sector = 4096
        let page = 4096
        let header = BinaryCursor(input)
        let total = Int(try header.u32le(at: 0))
        guard total >= 4, total <= input.count else {
            throw FormatError.malformed("LZO compressed run of \(input.count) bytes says \(total)")
        }
        var output = [UInt8](repeating: 0, count: length)
        var produced = 0
        var position = 4
        while position < total, produced < length {
            if sector - position % sector < 4 { position += sector - position % sector }
            guard position + 4 <= total else { break }
            let segment = Int(try header.u32le(at: position))
            position += 4
            guard segment > 0, segment <= total - position else {
                throw FormatError.malformed("LZO segment of \(segment) bytes at \(position) of \(total)")
            }
            var written = lzo_uint(min(page, length - produced))
            let start = position
            let status = unsafe output.withUnsafeMutableBufferPointer { target in
                unsafe input.withUnsafeBufferPointer { source in
                    guard let from = source.baseAddress, let into = target.baseAddress else { return LZO_E_ERROR }
                    return unsafe lzo1x_decompress_safe(from + start, lzo_uint(segment), into + produced, &written, nil)
                }
            }
            guard status == LZO_E_OK || (status == LZO_E_OUTPUT_OVERRUN && produced + Int(written) == length) else {
                throw FormatError.malformed("LZO segment at \(position): error \(status)")
            }
            produced += Int(written)
            position += segment
        }
        output.removeSubrange(produced...)
        return output
    }
}
