#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CEmbargoSystem

/// An open regular file, read without following symlinks and without blocking on FIFOs.
///
/// The descriptor is closed when the value goes away.
struct SystemFile: ~Copyable {
    let descriptor: Int32
    /// The size at open time.
    let size: Int64
    /// Whether the file occupies fewer blocks than its size (it has holes).
    let isSparse: Bool
    let inode: UInt64
    let device: UInt64
    let modificationTime: Int64

    /// Opens `path` for reading.
    ///
    /// - Throws: `SystemError` when the file cannot be opened or is not a regular file (a symlink is
    ///   never followed; the open fails with `ELOOP` instead).
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
        self.descriptor = descriptor
        self.size = Int64(status.st_size)
        self.isSparse = Int64(status.st_blocks) * 512 < Int64(status.st_size)
        self.inode = UInt64(status.st_ino)
        self.device = UInt64(status.st_dev)
        self.modificationTime = Int64(status.st_mtim.tv_sec)
    }

    deinit {
        close(descriptor)
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many were read (0 at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(SystemError) -> Int {
        while true {
            let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw SystemError.lastError("read")
        }
    }

    /// The next data offset at or after `offset`, or nil when only a hole remains.
    func nextData(from offset: Int64) -> Int64? {
        let result = lseek(descriptor, off_t(offset), CEmbargoSystem_seek_data())
        return result < 0 ? nil : Int64(result)
    }

    /// The next hole offset at or after `offset` (the end of the file counts as a hole).
    func nextHole(from offset: Int64) -> Int64 {
        let result = lseek(descriptor, off_t(offset), CEmbargoSystem_seek_hole())
        return result < 0 ? Int64.max : Int64(result)
    }

    /// Streams the file: data chunks to `onData`, holes of sparse files to `onHole` (as a length), so
    /// that a 10 GB sparse file costs as much as its data. Reads until the end of file, even if the
    /// file grew since it was opened.
    ///
    /// - Returns: the number of bytes delivered (data plus holes).
    func stream(
        through buffer: ReadBuffer,
        onData: (UnsafeRawBufferPointer) throws -> Void,
        onHole: (UInt64) throws -> Void
    ) throws -> UInt64 {
        var offset: Int64 = 0
        var segmentEnd = Int64.max
        if isSparse {
            guard let data = nextData(from: 0) else {
                if size > 0 { try onHole(UInt64(size)) }
                return UInt64(size)
            }
            if data > 0 { try onHole(UInt64(data)) }
            offset = data
            segmentEnd = nextHole(from: data)
        }
        while true {
            let want = Int(min(Int64(buffer.bytes.count), segmentEnd - offset))
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<want]), at: offset)
            guard count > 0 else { return UInt64(offset) }
            try onData(UnsafeRawBufferPointer(rebasing: buffer.bytes[0..<count]))
            offset += Int64(count)
            guard offset >= segmentEnd else { continue }
            // The end of a data segment of a sparse file: skip the hole after it.
            guard let data = nextData(from: offset) else {
                if size > offset { try onHole(UInt64(size - offset)) }
                return UInt64(max(size, offset))
            }
            if data > offset { try onHole(UInt64(data - offset)) }
            offset = data
            segmentEnd = nextHole(from: data)
        }
    }
}

/// A worker's reusable read buffer.
final class ReadBuffer {
    /// 512 KiB: large enough to amortise system calls, small enough to stay in the L2 cache.
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
