internal import CEmbargoArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libarchive reader: opens an archive held in an item (or a slice of one) and walks its members.
///
/// The handle is freed when the value goes away. A reader is used by one worker at a time.
@safe final class ArchiveReader {
    private let handle: OpaquePointer
    /// The input served to libarchive through callbacks, kept alive while the handle may call them.
    private var input: ArchiveInput?

    /// A member's header.
    struct Entry {
        /// The member's name as stored (bytes; not necessarily UTF-8).
        let name: [UInt8]
        /// Whether the member is a regular file (directories, links and devices have no data to scan).
        let isRegularFile: Bool
        /// Whether the member is a directory.
        let isDirectory: Bool
        /// The size the header declares, if any.
        let declaredSize: Int64?
        /// Whether the member's data is encrypted (and cannot be read without a password).
        let isEncrypted: Bool
    }

    /// Creates a reader for every format and filter, or with `rawStream` for a single compressed
    /// stream read as one member whatever it holds.
    ///
    /// - Throws: `ArchiveError` if libarchive cannot allocate one.
    init(rawStream: Bool = false) throws(ArchiveError) {
        guard let handle = unsafe rawStream ? CEmbargoArchive_read_new_raw() : CEmbargoArchive_read_new_all() else {
            throw ArchiveError(.resource, "cannot create an archive reader")
        }
        unsafe self.handle = handle
    }

    deinit {
        unsafe archive_read_free(handle)
    }

    /// Opens the archive held in `content`, or in the `range` of it (a partition of a disk image).
    /// Memory is read in place; anything else through positioned reads, so that several readers may
    /// share one descriptor.
    func open(_ content: ItemContent, range: Range<UInt64>? = nil) throws(ArchiveError) {
        if range == nil, case .memory(let memory) = content.storage {
            let bytes = unsafe memory.unsafeBytes
            guard unsafe archive_read_open_memory(handle, bytes.baseAddress, bytes.count) == ARCHIVE_OK else {
                throw error()
            }
            input = ArchiveInput(memory: memory)
            return
        }
        let bounds = range ?? 0..<content.size
        let source = ArchiveInput(content: content, range: bounds)
        input = source
        unsafe archive_read_set_callback_data(handle, Unmanaged.passUnretained(source).toOpaque())
        unsafe archive_read_set_read_callback(handle) { _, data, block in
            guard let data = unsafe data, let block = unsafe block else { return -1 }
            return unsafe Unmanaged<ArchiveInput>.fromOpaque(data).takeUnretainedValue().read(block)
        }
        unsafe archive_read_set_skip_callback(handle) { _, data, request in
            guard let data = unsafe data else { return 0 }
            return unsafe Unmanaged<ArchiveInput>.fromOpaque(data).takeUnretainedValue().skip(request)
        }
        unsafe archive_read_set_seek_callback(handle) { _, data, request, whence in
            guard let data = unsafe data else { return -1 }
            return unsafe Unmanaged<ArchiveInput>.fromOpaque(data).takeUnretainedValue().seek(request, whence: whence)
        }
        guard unsafe archive_read_open1(handle) == ARCHIVE_OK else { throw error() }
    }

    /// The next member, or nil at the end of the archive.
    ///
    /// - Throws: `ArchiveError` for a damaged or truncated archive.
    func nextEntry() throws(ArchiveError) -> Entry? {
        var entry: OpaquePointer?
        let status = unsafe archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry = unsafe entry else { throw error() }
        var name: [UInt8] = []
        if let pathname = unsafe archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry) {
            name = unsafe Array(UnsafeRawBufferPointer(start: pathname, count: strlen(pathname)))
        }
        return unsafe Entry(
            name: name,
            isRegularFile: archive_entry_filetype(entry) == S_IFREG,
            isDirectory: archive_entry_filetype(entry) == S_IFDIR,
            declaredSize: archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil,
            isEncrypted: archive_entry_is_data_encrypted(entry) != 0
        )
    }

    /// The next block of the current member's data, in libarchive's own buffer (for an uncompressed
    /// archive, the container's bytes themselves): handed to `use` with its offset in the member,
    /// valid only during the call. Returns false at the end of the member.
    ///
    /// - Throws: `ArchiveError` when the data is damaged, or `use`'s error.
    func readBlock(_ use: (RawSpan, Int64) throws -> Void) throws -> Bool {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: Int64 = 0
        let status = unsafe archive_read_data_block(handle, &block, &size, &offset)
        if status == ARCHIVE_EOF { return false }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN else { throw error() }
        guard size > 0, let start = unsafe block else { return true }
        try unsafe use(UnsafeRawBufferPointer(start: start, count: size).bytes, offset)
        return true
    }

    /// Bytes consumed from the archive's own input (compressed), for the expansion ratio.
    var compressedBytesConsumed: Int64 { unsafe archive_filter_bytes(handle, -1) }

    /// Whether the archive turned out to be a single compressed stream rather than an archive.
    var isRawStream: Bool { unsafe archive_format(handle) == ARCHIVE_FORMAT_RAW }

    private func error() -> ArchiveError {
        let message = unsafe archive_error_string(handle).map { unsafe String(cString: $0) } ?? "unknown archive error"
        return ArchiveError(code: unsafe archive_errno(handle), message: message)
    }
}

/// The bytes of an item, or of a range of one, served to libarchive through its callbacks.
@safe private final class ArchiveInput {
    private let content: ItemContent?
    /// Keeps memory handed to libarchive alive.
    private let memory: OwnedBytes?
    private let start: UInt64
    private let end: UInt64
    private var position: UInt64
    private let buffer: UnsafeMutableRawBufferPointer

    init(content: ItemContent, range: Range<UInt64>) {
        self.content = content
        memory = nil
        start = range.lowerBound
        end = range.upperBound
        position = range.lowerBound
        unsafe buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    }

    init(memory: OwnedBytes) {
        content = nil
        self.memory = memory
        start = 0
        end = 0
        position = 0
        unsafe buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 16)
    }

    deinit {
        unsafe buffer.deallocate()
    }

    func read(_ block: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        guard let content else { return -1 }
        let want = Int(min(UInt64(unsafe buffer.count), end - position))
        guard want > 0 else { return 0 }
        guard
            let count = try? unsafe content.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]),
                at: position
            )
        else {
            return -1
        }
        position += UInt64(count)
        unsafe block.pointee = UnsafeRawPointer(buffer.baseAddress)
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
        let (target, overflow) = base.addingReportingOverflow(request)
        guard !overflow, target >= 0, UInt64(target) <= end - start else { return -1 }
        position = start + UInt64(target)
        return target
    }
}
