#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the walker found at a path: a unit of the scan's work.
struct WalkItem: Sendable {
    enum Kind: Sendable, Hashable {
        case directory, file
    }

    /// A directory or a regular file.
    var kind: Kind
    /// The path, as found by the walk or given on the command line.
    var path: ScanPath
    /// The scope of the recognised tree the item lies in, if any.
    var scope: WalkScope?
    /// Whether the path is a symbolic link named on the command line, which is followed once.
    var followsLink = false
    /// For a part of a disk image split among the workers: which part, of how many.
    var imagePart: (part: Int, parts: Int)?

    static func directory(_ path: ScanPath, _ scope: WalkScope? = nil) -> WalkItem {
        WalkItem(kind: .directory, path: path, scope: scope)
    }

    static func file(_ path: ScanPath) -> WalkItem {
        WalkItem(kind: .file, path: path)
    }

    var isDirectory: Bool { kind == .directory }
}

/// Lists directories for the scan without ever following a symbolic link.
///
/// Regular files and directories are returned as work; symbolic links are counted and left alone, so
/// a link loop ends nothing; sockets, FIFOs and devices are skipped with an event, since reading them
/// could block or never end. Names are kept as bytes, so a name that is not UTF-8 is read and reported
/// exactly.
struct DirectoryWalker: Sendable {
    let excludes: [ExcludeGlob]

    /// What listing one directory produced.
    struct Listing {
        var items: [WalkItem] = []
        var events: [ScanEvent] = []
        var symbolicLinks = 0
    }

    /// Resolves a path given on the command line. Like `find -H`, a symbolic link named there is
    /// followed (once); links found inside directories never are.
    ///
    /// - Throws: `SystemError` when the path does not exist or cannot be examined.
    func target(_ path: ScanPath) throws(SystemError) -> (item: WalkItem?, event: ScanEvent?) {
        var status = stat()
        guard unsafe path.withCString({ unsafe stat($0, &status) }) == 0 else {
            throw SystemError.lastError("stat \(path)")
        }
        var link = stat()
        let isLink = unsafe path.withCString { unsafe lstat($0, &link) } == 0 && link.st_mode & S_IFMT == S_IFLNK
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return (WalkItem(kind: .directory, path: path, followsLink: isLink), nil)
        case S_IFREG: return (WalkItem(kind: .file, path: path, followsLink: isLink), nil)
        default: return (nil, Self.skipped(path, mode: status.st_mode))
        }
    }

    /// Lists `directory`: its subdirectories (without a scope) and regular files as items, the rest
    /// as events or counts. The directory itself is opened through a symbolic link only when
    /// `followingLink` is set.
    func list(_ directory: ScanPath, followingLink: Bool = false) -> Listing {
        var listing = Listing()
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingLink ? 0 : O_NOFOLLOW)
        let descriptor = unsafe directory.withCString { unsafe open($0, flags) }
        guard descriptor >= 0, let stream = unsafe fdopendir(descriptor) else {
            let error = SystemError.lastError("opendir")
            if descriptor >= 0 { close(descriptor) }
            listing.events.append(
                ScanEvent(kind: .unreadable, location: Location(path: directory), message: error.description)
            )
            return listing
        }
        defer { unsafe closedir(stream) }
        var directories: [WalkItem] = []
        var files: [WalkItem] = []
        while true {
            errno = 0
            guard let entry = unsafe readdir(stream) else {
                if errno != 0 {
                    listing.events.append(
                        ScanEvent(
                            kind: .unreadable,
                            location: Location(path: directory),
                            message: SystemError.lastError("readdir").description
                        )
                    )
                }
                break
            }
            let name = unsafe Self.name(of: entry)
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            let path = directory.appending(name)
            if excludes.contains(where: { $0.matches(path) }) { continue }
            var type = unsafe entry.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                var status = stat()
                guard unsafe fstatat(dirfd(stream), entry.d_name_pointer, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                    listing.events.append(
                        ScanEvent(
                            kind: .unreadable,
                            location: Location(path: path),
                            message: SystemError.lastError("stat").description
                        )
                    )
                    continue
                }
                type = Self.directoryEntryType(mode: status.st_mode)
            }
            switch Int32(type) {
            case Int32(DT_DIR): directories.append(.directory(path))
            case Int32(DT_REG): files.append(.file(path))
            case Int32(DT_LNK): listing.symbolicLinks += 1
            default:
                listing.events.append(Self.skipped(path, mode: Self.mode(directoryEntryType: type)))
            }
        }
        // Files are pushed last so that they are taken first: the queue stays short.
        directories.sort { $0.path > $1.path }
        files.sort { $0.path > $1.path }
        listing.items = directories + files
        return listing
    }

    static func name(of entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        let capacity = unsafe MemoryLayout.size(ofValue: entry.pointee.d_name)
        return unsafe withUnsafePointer(to: &entry.pointee.d_name) { tuple in
            unsafe tuple.withMemoryRebound(to: UInt8.self, capacity: capacity) { bytes in
                unsafe Array(
                    UnsafeBufferPointer(
                        start: bytes,
                        count: strnlen(UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self), capacity)
                    )
                )
            }
        }
    }

    static func skipped(_ path: ScanPath, mode: mode_t) -> ScanEvent {
        let kind: String
        switch mode & S_IFMT {
        case S_IFIFO: kind = "FIFO"
        case S_IFSOCK: kind = "socket"
        case S_IFCHR: kind = "character device"
        case S_IFBLK: kind = "block device"
        case S_IFLNK: kind = "symbolic link"
        default: kind = "special file"
        }
        return ScanEvent(kind: .skipped, location: Location(path: path), message: "\(kind): not read")
    }

    static func directoryEntryType(mode: mode_t) -> UInt8 {
        switch mode & S_IFMT {
        case S_IFDIR: UInt8(DT_DIR)
        case S_IFREG: UInt8(DT_REG)
        case S_IFLNK: UInt8(DT_LNK)
        case S_IFIFO: UInt8(DT_FIFO)
        case S_IFSOCK: UInt8(DT_SOCK)
        case S_IFCHR: UInt8(DT_CHR)
        case S_IFBLK: UInt8(DT_BLK)
        default: UInt8(DT_UNKNOWN)
        }
    }

    static func mode(directoryEntryType type: UInt8) -> mode_t {
        switch Int32(type) {
        case Int32(DT_FIFO): S_IFIFO
        case Int32(DT_SOCK): S_IFSOCK
        case Int32(DT_CHR): S_IFCHR
        case Int32(DT_BLK): S_IFBLK
        default: 0
        }
    }
}

extension UnsafeMutablePointer<dirent> {
    /// The entry's name as a C string.
    var d_name_pointer: UnsafePointer<CChar> {
        unsafe UnsafeRawPointer(self).advanced(by: MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0)
            .assumingMemoryBound(to: CChar.self)
    }
}
