#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies a file's version without reading it: size, modification time and inode. An
/// incremental scan skips a file whose stamp is unchanged since the last scan.
public struct FileStamp: Sendable, Hashable {
    /// The size in bytes.
    public var size: UInt64
    /// The modification time in nanoseconds since the epoch.
    public var modified: Int64
    /// The inode number.
    public var inode: UInt64
    /// The device number.
    public var device: UInt64

    /// A stamp.
    public init(size: UInt64, modified: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.modified = modified
        self.inode = inode
        self.device = device
    }

    init(_ status: stat) {
        size = UInt64(status.st_size)
        modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        inode = UInt64(status.st_ino)
        device = UInt64(status.st_dev)
    }

    /// The stamp of a regular file (symbolic links are not followed), or nil.
    static func of(_ path: ScanPath) -> FileStamp? {
        var status = stat()
        guard unsafe path.withCString({ unsafe lstat($0, &status) }) == 0, status.st_mode & S_IFMT == S_IFREG else {
            return nil
        }
        return FileStamp(status)
    }

    /// The size of a regular file (symbolic links are not followed), or nil when there is none.
    static func regularFileSize(_ path: ScanPath) -> UInt64? {
        of(path)?.size
    }

    /// Whether `path` is a directory (symbolic links are not followed).
    static func isDirectory(_ path: ScanPath) -> Bool {
        var status = stat()
        return unsafe path.withCString { unsafe lstat($0, &status) } == 0 && status.st_mode & S_IFMT == S_IFDIR
    }
}
