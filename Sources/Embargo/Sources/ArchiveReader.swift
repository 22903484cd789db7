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

    /// The detected archive format, for instance "ZIP 2.0 (deflation)".
    var formatName: String {
        guard let name = archive_format_name(handle) else { return "unknown" }
        return String(cString: name)
    }

    /// Whether the archive turned out to be a single compressed stream rather than an archive.
    var isRawStream: Bool { archive_format(handle) == ARCHIVE_FORMAT_RAW }

    /// Whether a compression filter is in use (raw streams without one are not archives at all).
    var isCompressed: Bool { archive_filter_count(handle) > 1 }

    private func error() -> ArchiveError {
        let message = archive_error_string(handle).map { String(cString: $0) } ?? "unknown archive error"
        return ArchiveError(message: message)
    }
}

/// libarchive could not read an archive.
struct ArchiveError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
