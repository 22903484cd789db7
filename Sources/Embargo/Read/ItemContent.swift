internal import EmbargoFormats

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one item — a file on disk, an archive member held in memory, or a large member
/// spooled to an unlinked temporary file — with random access for the structural readers and
/// streaming for the matcher.
///
/// Files are opened without following symbolic links (unless asked, for a path named on the command
/// line) and without blocking on FIFOs; descriptors and memory are released when the value goes away.
@safe final class ItemContent {
    enum Storage {
        case descriptor(Int32)
        case memory(OwnedBytes)
        case virtual(any ByteSource)
    }

    let storage: Storage
    /// The size in bytes, when the item was opened.
    let size: UInt64
    /// Whether the file has holes (it occupies fewer blocks than its size).
    let isSparse: Bool
    /// The size, modification time and inode of a file on disk; nil for memory and spooled members.
    let stamp: FileStamp?
    /// How the item changed while it was read (a file on disk truncated or grown), if a pass over it
    /// noticed; what was read is then not all of it, or not all there is.
    private(set) var change: String?

    /// Opens a regular file; a symbolic link is followed only when `followingLink` is set.
    ///
    /// - Throws: `SystemError` when the file cannot be opened or is not a regular file.
    init(path: ScanPath, followingLink: Bool = false) throws(SystemError) {
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (followingLink ? 0 : O_NOFOLLOW)
        let descriptor = unsafe path.withCString { unsafe open($0, flags) }
        guard descriptor >= 0 else { throw SystemError.lastError("open") }
        var status = stat()
        guard unsafe fstat(descriptor, &status) == 0 else {
            let error = SystemError.lastError("fstat")
            close(descriptor)
            throw error
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw SystemError(operation: "open", code: EINVAL, message: "not a regular file")
        }
        storage = .descriptor(descriptor)
        size = UInt64(clamping: status.st_size)
        isSparse = Int64(status.st_blocks) * 512 < Int64(status.st_size)
        stamp = FileStamp(status)
    }

    /// Takes ownership of bytes held in memory.
    init(memory: OwnedBytes) {
        storage = .memory(memory)
        size = UInt64(memory.count)
        isSparse = false
        stamp = nil
    }

    /// An item holding a copy of `bytes`.
    convenience init(copying bytes: [UInt8]) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        unsafe storage.copyBytes(from: bytes)
        self.init(memory: unsafe OwnedBytes(taking: storage, count: bytes.count))
    }

    /// The disk that a virtual machine's disk image holds, read through the image's block tables.
    init(virtual disk: any ByteSource) {
        storage = .virtual(disk)
        size = disk.size
        isSparse = false
        stamp = nil
    }

    /// Takes ownership of a descriptor of an (unlinked) temporary file holding an item's bytes.
    init(spooled descriptor: Int32, count: UInt64) {
        storage = .descriptor(descriptor)
        size = count
        isSparse = false
        stamp = nil
    }

    deinit {
        if case .descriptor(let descriptor) = storage { close(descriptor) }
    }

    /// Notes that the item turned out to change while it was read.
    func noteChange(_ what: String) {
        if change == nil { change = what }
    }

    /// Reads up to `buffer.count` bytes at `offset` into `buffer`; returns how many were read (0 at
    /// the end of the item as it was opened).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(SystemError) -> Int {
        guard offset < size else { return 0 }
        let wanted = Int(min(UInt64(buffer.count), size - offset))
        switch storage {
        case .memory(let memory):
            unsafe memory.copy(from: Int(offset), count: wanted, to: buffer)
            return wanted
        case .virtual(let disk):
            do {
                let bytes = try disk.bytes(at: offset, count: wanted)
                unsafe buffer.copyBytes(from: bytes)
                return bytes.count
            } catch {
                // The image's tables are damaged or its file could not be read: the disk's bytes
                // cannot be had, whichever it was.
                throw SystemError(operation: "read", code: EIO, message: "virtual disk: \(error)")
            }
        case .descriptor(let descriptor):
            while true {
                let count = unsafe pread(descriptor, buffer.baseAddress, wanted, off_t(offset))
                if count >= 0 { return count }
                if errno == EINTR { continue }
                throw SystemError.lastError("read")
            }
        }
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the item).
    func bytes(at offset: UInt64, count: Int) throws(SystemError) -> [UInt8] {
        guard offset < size, count > 0 else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        var result = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        var failure: SystemError?
        unsafe result.withUnsafeMutableBytes { buffer in
            while filled < wanted {
                do throws(SystemError) {
                    let got = try unsafe read(
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]),
                        at: offset + UInt64(filled)
                    )
                    if got == 0 { break }
                    filled += got
                } catch {
                    failure = error
                    break
                }
            }
        }
        if let failure { throw failure }
        if filled < wanted {
            noteChange("it ended at \(offset + UInt64(filled)) bytes, not the \(size) it had when opened")
        }
        return filled == wanted ? result : Array(result[0..<filled])
    }

    /// Whether a file on disk has more bytes now than when it was opened.
    func hasGrown() -> Bool {
        guard case .descriptor(let descriptor) = storage, stamp != nil else { return false }
        var byte: UInt8 = 0
        return unsafe pread(descriptor, &byte, 1, off_t(size)) == 1
    }
}

extension ItemContent: ByteSource {}

/// Bytes in memory that an item owns: an archive member or a partition held for random access.
@safe final class OwnedBytes {
    private let storage: UnsafeMutableRawBufferPointer
    /// How many bytes are in use.
    let count: Int

    /// Takes ownership of `storage`, of which the first `count` bytes are in use.
    init(taking storage: UnsafeMutableRawBufferPointer, count: Int) {
        unsafe self.storage = storage
        self.count = min(count, storage.count)
    }

    deinit {
        unsafe storage.deallocate()
    }

    /// The bytes in use, for libarchive; valid while this value lives.
    var unsafeBytes: UnsafeRawBufferPointer {
        unsafe UnsafeRawBufferPointer(rebasing: storage[0..<count])
    }

    /// Copies `count` bytes from `offset` to `destination` (the caller has checked the range).
    func copy(from offset: Int, count: Int, to destination: UnsafeMutableRawBufferPointer) {
        let length = min(count, self.count - offset, destination.count)
        guard length > 0, let target = destination.baseAddress, let source = unsafe storage.baseAddress else { return }
        unsafe target.copyMemory(from: source + offset, byteCount: length)
    }
}
