/// A walk of a file system's directory tree from its root, for the readers that find files
/// through their directories (ext, XFS): each directory is listed once (a loop in a damaged tree
/// ends), its regular files are taken with their paths, and what cannot be read is a problem while
/// the walk goes on.
enum DirectoryTreeWalk {
    /// What an entry leads to.
    enum Kind {
        case directory
        case file(size: UInt64)
        /// Encrypted (ext's fscrypt): counted, not read.
        case encrypted
        /// A symbolic link, device, FIFO or socket: not a file to read.
        case other
    }

    /// Every regular file under `root`, sorted by path, with the problems met and how many
    /// encrypted entries were left out. `entries` lists a directory (names and nodes), `kind` says
    /// what a node is; at most `limit` files, or `FormatError.limit` naming `fileSystem`.
    static func files<Node: Hashable>(
        from root: Node,
        limit: Int,
        fileSystem: String,
        entries: (Node) throws -> [(name: [UInt8], node: Node)],
        kind: (Node) throws -> Kind
    ) throws -> (files: [(path: String, node: Node, size: UInt64)], problems: [String], encrypted: Int) {
        var files: [(path: String, node: Node, size: UInt64)] = []
        var problems: [String] = []
        var encrypted = 0
        var visited: Set<Node> = [root]
        var pending: [(node: Node, path: String)] = [(root, "")]
        while let directory = pending.popLast() {
            let listing: [(name: [UInt8], node: Node)]
            do {
                listing = try entries(directory.node)
            } catch {
                problems.append("directory \(directory.path.isEmpty ? "/" : directory.path): \(error)")
                continue
            }
            for entry in listing where entry.name != [0x2E] && entry.name != [0x2E, 0x2E] {
                let path = directory.path + "/" + String(decoding: entry.name, as: UTF8.self)
                let found: Kind
                do {
                    found = try kind(entry.node)
                } catch {
                    problems.append("\(path): \(error)")
                    continue
                }
                switch found {
                case .directory:
                    if visited.insert(entry.node).inserted { pending.append((entry.node, path)) }
                case .file(let size):
                    guard files.count < limit else {
                        throw FormatError.limit("\(fileSystem) file system with more than \(limit) files")
                    }
                    files.append((path, entry.node, size))
                case .encrypted:
                    encrypted += 1
                case .other:
                    continue
                }
            }
        }
        return (files.sorted { $0.path < $1.path }, problems, encrypted)
    }
}
