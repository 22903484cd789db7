#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the walker found at a path.
enum WalkItem: Sendable {
    /// A directory, and the scope of the recognised tree it lies in, if any.
    case directory(ScanPath, WalkScope?)
    case file(ScanPath)
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
    func target(_ path: ScanPath) -> (item: WalkItem?, event: ScanEvent?) {
        var status = stat()
        guard path.withCString({ stat($0, &status) }) == 0 else {
            return (nil, ScanEvent(kind: .unreadable, location: Location(path: path), message: SystemError.lastError("stat").description))
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return (.directory(path, nil), nil)
        case S_IFREG: return (.file(path), nil)
        default: return (nil, Self.skipped(path, mode: status.st_mode))
        }
    }

    /// Lists `directory`: its subdirectories (without a scope) and regular files as items, the rest
    /// as events or counts.
    func list(_ directory: ScanPath) -> Listing {
        var listing = Listing()
        let descriptor = directory.withCString { open($0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0, let stream = fdopendir(descriptor) else {
            let error = SystemError.lastError("opendir")
            if descriptor >= 0 { close(descriptor) }
            listing.events.append(ScanEvent(kind: .unreadable, location: Location(path: directory), message: error.description))
            return listing
        }
        defer { closedir(stream) }
        var directories: [WalkItem] = []
        var files: [WalkItem] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 {
                    listing.events.append(ScanEvent(
                        kind: .unreadable, location: Location(path: directory),
                        message: SystemError.lastError("readdir").description))
                }
                break
            }
            let name = Self.name(of: entry)
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            let path = directory.appending(name)
            if excludes.contains(where: { $0.matches(path) }) { continue }
            var type = entry.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                var status = stat()
                guard fstatat(dirfd(stream), entry.d_name_pointer, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                    listing.events.append(ScanEvent(
                        kind: .unreadable, location: Location(path: path), message: SystemError.lastError("stat").description))
                    continue
                }
                type = Self.directoryEntryType(mode: status.st_mode)
            }
            switch Int32(type) {
            case Int32(DT_DIR): directories.append(.directory(path, nil))
            case Int32(DT_REG): files.append(.file(path))
            case Int32(DT_LNK): listing.symbolicLinks += 1
            default:
                listing.events.append(Self.skipped(path, mode: Self.mode(directoryEntryType: type)))
            }
        }
        // Files are pushed last so that they are taken first: the queue stays short.
        directories.sort { ($0.path) > ($1.path) }
        files.sort { ($0.path) > ($1.path) }
        listing.items = directories + files
        return listing
    }

    static func name(of entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        withUnsafePointer(to: &entry.pointee.d_name) { tuple in
            tuple.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { bytes in
                Array(UnsafeBufferPointer(start: bytes, count: strlen(UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self))))
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

extension WalkItem {
    var path: ScanPath {
        switch self {
        case .directory(let path, _), .file(let path): path
        }
    }
}

extension UnsafeMutablePointer<dirent> {
    /// The entry's name as a C string.
    var d_name_pointer: UnsafePointer<CChar> {
        UnsafeRawPointer(self).advanced(by: MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0)
            .assumingMemoryBound(to: CChar.self)
    }
}

/// A `--exclude` pattern: a shell glob matched against the last path component, or against the
/// whole path when it contains a slash.
public struct ExcludeGlob: Sendable, Hashable {
    /// The glob as given.
    public let pattern: String

    /// Creates the glob.
    public init(_ pattern: String) {
        self.pattern = pattern
    }

    func matches(_ path: ScanPath) -> Bool {
        let subject = pattern.contains("/") ? path.bytes : path.lastComponent
        return (subject + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                fnmatch(pattern, characters.baseAddress.unsafelyUnwrapped, 0) == 0
            }
        }
    }
}
