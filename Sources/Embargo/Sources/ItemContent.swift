#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CEmbargoSystem

/// The bytes of one item — a file on disk, an archive member held in memory, or a large member
/// spooled to an unlinked temporary file — with random access for the structural readers and
/// streaming for the matcher.
///
/// Files are opened without following symbolic links and without blocking on FIFOs; descriptors and
/// memory are released when the value goes away.
final class ItemContent {
    private enum Storage {
        case descriptor(Int32)
        case memory(UnsafeMutableRawBufferPointer)
    }

    private let storage: Storage
    /// The size in bytes.
    let size: UInt64
    /// Whether the file has holes (it occupies fewer blocks than its size).
    let isSparse: Bool
    /// The size, modification time and inode of a file on disk; nil for memory and spooled members.
    let stamp: FileStamp?

    /// Opens a regular file.
    ///
    /// - Throws: `SystemError` when the file cannot be opened or is not a regular file.
    init(path: ScanPath) throws(SystemError) {
        let descriptor = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        guard descriptor >= 0 else { throw SystemError.lastError("open") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = SystemError.lastError("fstat")
            close(descriptor)
            throw error
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw SystemError(operation: "open", code: EINVAL, message: "not a regular file")
        }
        storage = .descriptor(descriptor)
        size = UInt64(status.st_size)
        isSparse = Int64(status.st_blocks) * 512 < Int64(status.st_size)
        stamp = FileStamp(status)
    }

    /// Takes ownership of memory holding an item's bytes.
    init(memory: UnsafeMutableRawBufferPointer, count: Int) {
        storage = .memory(memory)
        size = UInt64(count)
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
        switch storage {
        case .descriptor(let descriptor): close(descriptor)
        case .memory(let memory): memory.deallocate()
        }
    }

    /// The descriptor, for libarchive, or nil for memory.
    var descriptor: Int32? {
        if case .descriptor(let descriptor) = storage { return descriptor }
        return nil
    }

    /// The memory, for libarchive, or nil for a descriptor.
    var memory: UnsafeRawBufferPointer? {
        if case .memory(let memory) = storage { return UnsafeRawBufferPointer(rebasing: memory[0..<Int(size)]) }
        return nil
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (0 at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(SystemError) -> Int {
        switch storage {
        case .memory(let memory):
            guard offset < size else { return 0 }
            let count = min(buffer.count, Int(size - offset))
            buffer.baseAddress?.copyMemory(from: memory.baseAddress.unsafelyUnwrapped + Int(offset), byteCount: count)
            return count
        case .descriptor(let descriptor):
            while true {
                let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
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
        while filled < wanted {
            let got: Int
            do {
                got = try result.withUnsafeMutableBytes { buffer in
                    try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: offset + UInt64(filled))
                }
            } catch let error as SystemError {
                throw error
            } catch {
                throw SystemError(operation: "read", code: EIO, message: "\(error)")
            }
            if got == 0 { break }
            filled += got
        }
        return filled == wanted ? result : Array(result[0..<filled])
    }

    /// Streams the content from `start`: data chunks to `onData`, holes of sparse files to `onHole`
    /// (as a length), so that a 10 GB sparse file costs as much as its data. Reads to the end of file
    /// even if the file grew since it was opened.
    ///
    /// - Returns: the offset reached (data plus holes).
    func stream(
        from start: UInt64,
        through buffer: ReadBuffer,
        onData: (UnsafeRawBufferPointer) throws -> Void,
        onHole: (UInt64) throws -> Void
    ) throws -> UInt64 {
        var offset = start
        var segmentEnd = UInt64.max
        if !isSparse, case .descriptor(let descriptor) = storage, size >= Self.mappingThreshold {
            offset = try streamMapped(descriptor, from: start, onData: onData)
        }
        if isSparse, case .descriptor(let descriptor) = storage {
            guard let segment = try skipHole(descriptor, from: offset, onHole: onHole) else { return max(size, offset) }
            (offset, segmentEnd) = segment
        }
        while true {
            let want = Int(min(UInt64(buffer.bytes.count), segmentEnd - offset))
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want]), at: offset)
            guard count > 0 else { return offset }
            try onData(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<count]))
            offset += UInt64(count)
            guard offset >= segmentEnd, case .descriptor(let descriptor) = storage else { continue }
            // The end of a data segment of a sparse file: skip the hole after it.
            guard let segment = try skipHole(descriptor, from: offset, onHole: onHole) else { return max(size, offset) }
            (offset, segmentEnd) = segment
        }
    }

    /// Skips the hole (if any) at `offset` of a sparse file, reporting its length; returns the next
    /// data segment's start and end, or nil when only a hole is left (which is reported too).
    private func skipHole(_ descriptor: Int32, from offset: UInt64, onHole: (UInt64) throws -> Void) throws -> (start: UInt64, end: UInt64)? {
        let data = lseek(descriptor, off_t(offset), CEmbargoSystem_seek_data())
        guard data >= 0 else {
            if size > offset { try onHole(size - offset) }
            return nil
        }
        if UInt64(data) > offset { try onHole(UInt64(data) - offset) }
        let hole = lseek(descriptor, data, CEmbargoSystem_seek_hole())
        return (UInt64(data), hole < 0 ? UInt64.max : UInt64(hole))
    }

    /// Files at least this large are streamed through a read-only mapping rather than copied with
    /// `pread`: the page cache is read in place.
    static let mappingThreshold: UInt64 = 256 << 10
    /// How much of a file is mapped at once, so that resident memory stays bounded.
    static let mappingWindow = 64 << 20
    /// How much of a mapping is handed over at a time (the matcher streams either way).
    static let mappingChunk = 1 << 20

    /// Streams the file's bytes from `start` to the size it had when opened through guarded
    /// mappings (see `CEmbargoSystem_map_guarded`); returns the offset reached. A file that shrinks
    /// meanwhile reads as zeros past its new end, and the read fails with an error saying so.
    private func streamMapped(_ descriptor: Int32, from start: UInt64, onData: (UnsafeRawBufferPointer) throws -> Void) throws -> UInt64 {
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        var offset = start
        while offset < size {
            let windowStart = offset / page * page
            let length = Int(min(UInt64(Self.mappingWindow), size - windowStart))
            var slot: Int32 = 0
            guard let base = CEmbargoSystem_map_guarded(descriptor, Int64(windowStart), UInt(length), &slot) else {
                return offset  // Not mappable (or no guard slot free): the caller reads the rest with pread.
            }
            var position = Int(offset - windowStart)
            do {
                while position < length {
                    let end = min(length, position + Self.mappingChunk)
                    try onData(UnsafeRawBufferPointer(start: base + position, count: end - position))
                    position = end
                }
            } catch {
                _ = CEmbargoSystem_unmap_guarded(base, UInt(length), slot)
                throw error
            }
            if CEmbargoSystem_unmap_guarded(base, UInt(length), slot) != 0 {
                throw SystemError(operation: "read", code: EIO, message: "the file shrank while it was read (its end read as zeros)")
            }
            offset = windowStart + UInt64(length)
        }
        return offset
    }
}

/// A worker's reusable read buffer.
final class ReadBuffer {
    /// 1 MiB: large enough to amortise system calls, small enough to stay in the L2 cache.
    static let defaultSize = 1 << 20
    let bytes: UnsafeMutableRawBufferPointer

    init(size: Int = ReadBuffer.defaultSize) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    }

    deinit {
        bytes.deallocate()
    }
}

/// A failed system call.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The operation that failed (`open`, `read`, ...).
    public let operation: String
    /// The `errno` value.
    public let code: Int32
    /// The system's description of the error.
    public let message: String

    /// The operation and the message.
    public var description: String { "\(operation): \(message)" }

    static func lastError(_ operation: String) -> SystemError {
        let code = errno
        return SystemError(operation: operation, code: code, message: String(cString: strerror(code)))
    }
}
