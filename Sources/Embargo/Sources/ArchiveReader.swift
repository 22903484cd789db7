#if canImport(Glibc)
import Glibc
#endif
internal import CEmbargoArchive

/// One libarchive reader: opens an archive (from a descriptor or from memory) and walks its members.
///
/// The handle is freed when the value goes away. A reader is used by one worker at a time.
struct ArchiveReader: ~Copyable {
    private let handle: OpaquePointer

    /// A member's header.
    struct Entry {
        /// The member's name as stored (bytes; not necessarily UTF-8).
        let name: [UInt8]
        /// Whether the member is a regular file (directories, links and devices have no data to scan).
        let isRegularFile: Bool
        /// The size the header declares, if any.
        let declaredSize: Int64?
        /// Whether the member's data is encrypted (and cannot be read without a password).
        let isEncrypted: Bool
    }

    /// Creates a reader for every format and filter.
    ///
    /// - Throws: `ArchiveError` if libarchive cannot allocate one.
    init() throws(ArchiveError) {
        guard let handle = CEmbargoArchive_read_new_all() else {
            throw ArchiveError(message: "cannot create an archive reader")
        }
        self.handle = handle
    }

    deinit {
        archive_read_free(handle)
    }

    /// Opens the archive in an open file, from its current offset.
    func open(descriptor: Int32) throws(ArchiveError) {
        guard archive_read_open_fd(handle, descriptor, 1 << 16) == ARCHIVE_OK else { throw error() }
    }

    /// Opens an archive held in memory; the memory must stay valid until the reader is freed.
    func open(memory: UnsafeRawBufferPointer) throws(ArchiveError) {
        guard archive_read_open_memory(handle, memory.baseAddress, memory.count) == ARCHIVE_OK else {
            throw error()
        }
    }

    /// Opens the archive held in `length` bytes at `offset` of `content` (a partition of a disk
    /// image); `content` must outlive the reader.
    func open(_ content: ItemContent, offset: UInt64, length: UInt64) throws(ArchiveError) {
        let input = Unmanaged.passRetained(SliceInput(content: content, start: offset, end: offset + length))
        archive_read_set_callback_data(handle, input.toOpaque())
        archive_read_set_read_callback(handle) { _, data, block in
            guard let data, let block else { return -1 }
            return Unmanaged<SliceInput>.fromOpaque(data).takeUnretainedValue().read(block)
        }
        archive_read_set_skip_callback(handle) { _, data, request in
            guard let data else { return 0 }
            return Unmanaged<SliceInput>.fromOpaque(data).takeUnretainedValue().skip(request)
        }
        archive_read_set_seek_callback(handle) { _, data, request, whence in
            guard let data else { return -1 }
            return Unmanaged<SliceInput>.fromOpaque(data).takeUnretainedValue().seek(request, whence: whence)
        }
        archive_read_set_close_callback(handle) { _, data in
            if let data { Unmanaged<SliceInput>.fromOpaque(data).release() }
            return ARCHIVE_OK
        }
        guard archive_read_open1(handle) == ARCHIVE_OK else { throw error() }
    }

    /// The next member, or nil at the end of the archive.
    ///
    /// - Throws: `ArchiveError` for a damaged or truncated archive.
    func nextEntry() throws(ArchiveError) -> Entry? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw error() }
        var name: [UInt8] = []
        if let pathname = archive_entry_pathname(entry) {
            name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pathname).assumingMemoryBound(to: UInt8.self), count: strlen(pathname)))
        } else if let pathname = archive_entry_pathname_utf8(entry) {
            name = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pathname).assumingMemoryBound(to: UInt8.self), count: strlen(pathname)))
        }
        return Entry(
            name: name,
            isRegularFile: archive_entry_filetype(entry) == S_IFREG,
            declaredSize: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil,
            isEncrypted: archive_entry_is_data_encrypted(entry) != 0
        )
    }

    /// Reads the current member's data; returns 0 at its end.
    ///
    /// - Throws: `ArchiveError` when the data is damaged.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveError) -> Int {
        let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
        guard count >= 0 else { throw error() }
        return count
    }

    /// Bytes consumed from the archive's own input (compressed), for the expansion ratio.
    var compressedBytesConsumed: Int64 { archive_filter_bytes(handle, -1) }

    /// Whether the archive turned out to be a single compressed stream rather than an archive.
    var isRawStream: Bool { archive_format(handle) == ARCHIVE_FORMAT_RAW }

    private func error() -> ArchiveError {
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "unknown archive error"
        return ArchiveError(message: message)
    }
}

/// The bytes of a slice of an item, served to libarchive through its callbacks.
private final class SliceInput {
    let content: ItemContent
    let start: UInt64
    let end: UInt64
    var position: UInt64
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)

    init(content: ItemContent, start: UInt64, end: UInt64) {
        self.content = content
        self.start = start
        self.end = end
        position = start
    }

    deinit {
        buffer.deallocate()
    }

    func read(_ block: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        let want = Int(min(UInt64(buffer.count), end - position))
        guard want > 0 else { return 0 }
        guard let count = try? content.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: position) else {
            return -1
        }
        position += UInt64(count)
        block.pointee = UnsafeRawPointer(buffer.baseAddress)
        return count
    }

    func skip(_ request: Int64) -> Int64 {
        let step = min(UInt64(max(0, request)), end - position)
        position += step
        return Int64(step)
    }

    func seek(_ request: Int64, whence: Int32) -> Int64 {
        let base: Int64
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = Int64(position - start)
        case SEEK_END: base = Int64(end - start)
        default: return -1
        }
        let target = base + request
        guard target >= 0, UInt64(target) <= end - start else { return -1 }
        position = start + UInt64(target)
        return target
    }
}

/// libarchive could not read an archive.
struct ArchiveError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
