/// A file system that a scan reads file by file from an image (ext2/3/4, XFS, btrfs, NTFS): its
/// files, where each one's bytes lie, and what a reader should know about the whole.
public protocol ImageFileSystem: AnyObject {
    /// A file of the file system.
    associatedtype File: ImageFileSystemFile

    /// The file system's name, for people (`ext4`, `XFS`).
    var name: String { get }
    /// What a reader should know about the file system as a whole (a journal not replayed, a dirty
    /// flag).
    var notes: [String] { get }

    /// Every regular file, and the problems met while listing them; at most `limit` files.
    func files(limit: Int) throws -> (files: [File], problems: [String])

    /// Where the bytes of `file` lie, in order.
    func pieces(of file: File) throws -> [FilePiece]
}

/// A regular file of an `ImageFileSystem`.
public protocol ImageFileSystemFile {
    /// The path from the root, `/`-separated.
    var path: String { get }
    /// The size in bytes.
    var size: UInt64 { get }
}

extension ExtFileSystem: ImageFileSystem {
    /// `ext2`, `ext3` or `ext4`.
    public var name: String { variant }
}

extension ExtFileSystem.File: ImageFileSystemFile {}

extension XFSFileSystem: ImageFileSystem {
    /// `XFS`.
    public var name: String { "XFS" }
    /// Nothing: the log is not examined.
    public var notes: [String] { [] }
}

extension XFSFileSystem.File: ImageFileSystemFile {}

extension BtrfsFileSystem: ImageFileSystem {
    /// `btrfs`.
    public var name: String { "btrfs" }
    /// Nothing: the log tree is not examined.
    public var notes: [String] { [] }
}

extension BtrfsFileSystem.File: ImageFileSystemFile {}

extension NTFSFileSystem: ImageFileSystem {
    /// `NTFS`.
    public var name: String { "NTFS" }
}

extension NTFSFileSystem.File: ImageFileSystemFile {}
