internal import EmbargoFormats
import Foundation

/// Where a container image's files are: the members of an archive (`docker save`, an OCI layout in
/// a tar), or the files of an OCI image layout directory.
enum ContainerImageStore {
    /// A tar (`content`, at `location`) and its listing.
    case archive(ItemContent, TarListing, Location)
    /// An OCI image layout directory.
    case directory(ScanPath)

    /// One file of the store: its bytes (a range of `content`) and where it is, for findings.
    struct File {
        let content: ItemContent
        let range: Range<UInt64>
        let location: Location
    }

    /// The store's files, for the manifests and configurations.
    var files: any ContainerImageFiles {
        switch self {
        case .archive(let content, let listing, _): TarImageFiles(listing: listing, source: content)
        case .directory(let root): DirectoryImageFiles(root: root)
        }
    }

    /// Opens the file at `path` (relative to the archive or the layout).
    ///
    /// - Throws: `SystemError` when a layout's file cannot be opened.
    func open(_ path: String) throws -> File? {
        switch self {
        case .archive(let content, let listing, let location):
            guard let member = listing.member(path) else { return nil }
            return File(content: content, range: member.range, location: location.appending(member: ScanPath(path)))
        case .directory(let root):
            let file = root.appending(Array(path.utf8))
            let content = try ItemContent(path: file)
            return File(content: content, range: 0..<content.size, location: Location(path: file))
        }
    }

    /// Every regular file of the store (for a layout, those under `blobs/`: the walk reads the rest).
    var paths: [String] {
        switch self {
        case .archive(_, let listing, _):
            return listing.members.filter(\.isRegularFile).map(\.path)
        case .directory(let root):
            let blobs = root.displayString + "/blobs"
            let manager = FileManager.default
            return ((try? manager.contentsOfDirectory(atPath: blobs)) ?? []).sorted().flatMap { algorithm in
                ((try? manager.contentsOfDirectory(atPath: blobs + "/" + algorithm)) ?? []).sorted().map {
                    "blobs/\(algorithm)/\($0)"
                }
            }
        }
    }
}

/// The files of an OCI image layout directory, read through `ItemContent`.
struct DirectoryImageFiles: ContainerImageFiles {
    let root: ScanPath

    func contains(_ path: String) -> Bool {
        FileStamp.regularFileSize(root.appending(Array(path.utf8))) != nil
    }

    func bytes(_ path: String, limit: UInt64) throws -> [UInt8]? {
        let file = root.appending(Array(path.utf8))
        guard let size = FileStamp.regularFileSize(file), size <= limit else { return nil }
        return try ItemContent(path: file).bytes(at: 0, count: Int(size))
    }
}
