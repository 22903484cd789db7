internal import CEmbargoCompression

/// A deflate (raw or zlib) or LZMA stream in a byte range of a source (NSIS's data blocks, a virtual
/// disk's compressed clusters), decompressed on demand by zlib or liblzma, so that a large block is
/// never held whole.
@safe final class BlockDecompressor {
    /// The compression methods read here.
    enum Method {
        /// Raw deflate (zlib without its header).
        case deflate
        /// zlib: deflate behind its two-byte header.
        case zlib
        /// LZMA: five bytes of properties, then the data, with no size and maybe no end marker.
        case lzma
    }

    private let method: Method
    private let source: any ByteSource
    private var position: UInt64
    private let end: UInt64
    private let input: UnsafeMutableRawBufferPointer
    private var zlib = unsafe z_stream()
    private var lzma = unsafe lzma_stream()
    private var started = false
    private var finished = false

    /// A decompressor of `range` of `source`.
    ///
    /// - Throws: `FormatError` when the library cannot start a stream.
    init(_ method: Method, source: some ByteSource, range: Range<UInt64>) throws {
        self.method = method
        self.source = source
        position = range.lowerBound
        end = min(range.upperBound, source.size)
        unsafe input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        let status: Bool
        switch method {
        case .deflate, .zlib:
            let windowBits: Int32 = method == .deflate ? -15 : 15
            status = unsafe inflateInit2_(&zlib, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        case .lzma:
            // Up to 256 MiB of dictionary (NSIS's default is 8 MiB); a larger one is an error.
            status = unsafe lzma_alone_decoder(&lzma, 256 << 20) == LZMA_OK
        }
        guard status else {
            unsafe input.deallocate()
            throw FormatError.unsupported("the \(method) decoder could not start")
        }
    }

    deinit {
        switch method {
        case .deflate, .zlib: _ = unsafe inflateEnd(&zlib)
        case .lzma: unsafe lzma_end(&lzma)
        }
        unsafe input.deallocate()
    }

    /// Up to `count` more decompressed bytes; fewer only at the end of the stream, none after it.
    ///
    /// - Throws: `FormatError` when the data is damaged, or the source's read error.
    func read(upTo count: Int) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        var produced = 0
        while produced < count, !finished {
            if availableInput == 0 { try refill() }
            let before = produced
            let inputBefore = availableInput
            try unsafe output.withUnsafeMutableBytes { room in
                let window = unsafe UnsafeMutableRawBufferPointer(rebasing: room[produced...])
                produced += try unsafe step(into: window)
            }
            // No progress with no input left: the stream ended (NSIS's LZMA blocks need no end marker).
            if produced == before, availableInput == inputBefore, position >= end { finished = true }
        }
        output.removeSubrange(produced...)
        return output
    }

    private var availableInput: Int {
        switch method {
        case .deflate, .zlib: Int(unsafe zlib.avail_in)
        case .lzma: unsafe lzma.avail_in
        }
    }

    /// Reads the next piece of the block into the input buffer; the first LZMA piece gets the
    /// 13-byte header of an LZMA "alone" file (the block's properties, an unknown size).
    private func refill() throws {
        guard position < end else { return }
        var bytes = try source.bytes(at: position, count: Int(min(UInt64(unsafe input.count - 13), end - position)))
        guard !bytes.isEmpty else {
            position = end
            return
        }
        position += UInt64(bytes.count)
        if method == .lzma, !started {
            guard bytes.count >= 5 else { throw FormatError.truncated("LZMA properties") }
            bytes.insert(contentsOf: [UInt8](repeating: 0xFF, count: 8), at: 5)
        }
        started = true
        unsafe input.copyBytes(from: bytes)
        let base = unsafe input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        switch method {
        case .deflate, .zlib:
            unsafe zlib.next_in = base
            unsafe zlib.avail_in = UInt32(bytes.count)
        case .lzma:
            unsafe lzma.next_in = UnsafePointer(base)
            unsafe lzma.avail_in = bytes.count
        }
    }

    private func step(into room: UnsafeMutableRawBufferPointer) throws -> Int {
        let start = unsafe room.baseAddress?.assumingMemoryBound(to: UInt8.self)
        switch method {
        case .deflate, .zlib:
            unsafe zlib.next_out = start
            unsafe zlib.avail_out = UInt32(clamping: room.count)
            let status = unsafe inflate(&zlib, Z_NO_FLUSH)
            let produced = unsafe room.count - Int(zlib.avail_out)
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK, Z_BUF_ERROR: break
            default: throw FormatError.malformed("deflate data is damaged (zlib \(status))")
            }
            return produced
        case .lzma:
            unsafe lzma.next_out = start
            unsafe lzma.avail_out = room.count
            let status = unsafe lzma_code(&lzma, position >= end ? LZMA_FINISH : LZMA_RUN)
            let produced = unsafe room.count - lzma.avail_out
            switch status {
            case LZMA_STREAM_END: finished = true
            case LZMA_OK, LZMA_BUF_ERROR: break
            case LZMA_DATA_ERROR where unsafe position >= end && lzma.avail_in == 0:
                finished = true  // the data ends without an end marker
            case LZMA_MEMLIMIT_ERROR: throw FormatError.limit("LZMA data with a dictionary over 256 MiB")
            default: throw FormatError.malformed("LZMA data is damaged (liblzma \(status.rawValue))")
            }
            return produced
        }
    }
}
