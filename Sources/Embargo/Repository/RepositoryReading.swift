/// What a repository reader hands to the scan as it reads, and what it leaves behind.
enum RepositoryOutput {
    /// One index entry, ready for the detector.
    case observation(ItemObservation)
    /// An integrity problem (a checksum mismatch, a missing file) or a damaged index.
    case event(ScanEvent)
}

/// The outcome of reading one repository's indexes.
struct RepositoryReading {
    /// What the repository is, for the summary (`Debian repository (2 suites)`).
    var description: String
    /// Index entries read (in this shard).
    var entries = 0
    /// Package files the indexes describe and the walk need not open (none when the scan is deep).
    var coveredPackages = 0
    /// Files the walk must not read again: the index files read or verified and, unless the scan is
    /// deep, the package files the indexes describe.
    var covered: Set<[UInt8]> = []
}

/// Where a repository says a package is, checked against the disk once per repository.
struct PoolCheck {
    let root: ScanPath
    let deep: Bool
    private var checked: Set<String> = []

    init(root: ScanPath, deep: Bool) {
        self.root = root
        self.deep = deep
    }

    /// Checks the file an entry names: a missing file or one of another size is an integrity event
    /// (reported by the shard that owns the entry); a file that is as indexed is covered by the index
    /// unless the scan is deep.
    mutating func check(
        _ entry: RepositoryIndexEntry,
        index: ScanPath,
        owned: Bool,
        reading: inout RepositoryReading,
        emit: (RepositoryOutput) -> Void
    ) {
        guard let relative = entry.relativePath, !entry.isElsewhere, checked.insert(relative).inserted else { return }
        guard let path = Self.resolve(relative, under: root) else {
            if owned {
                emit(.event(ScanEvent(kind: .integrity, location: Location(path: index),
                    message: "the index names '\(relative)', a path outside the repository; not followed")))
            }
            return
        }
        guard let size = FileStamp.regularFileSize(path) else {
            if owned {
                emit(.event(ScanEvent(kind: .integrity, location: Location(path: index),
                    message: "the index names \(relative), which is missing from the repository")))
            }
            return
        }
        if let indexed = entry.size, indexed != size {
            if owned {
                emit(.event(ScanEvent(kind: .integrity, location: Location(path: path),
                    message: "\(size) bytes, but the index \(index) says \(indexed); the file is scanned on its own")))
            }
            return
        }
        if !deep, reading.covered.insert(path.bytes).inserted { reading.coveredPackages += 1 }
    }

    /// `relative` under `root`, or nil when it climbs out (`..`) or is absolute.
    static func resolve(_ relative: String, under root: ScanPath) -> ScanPath? {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !relative.hasPrefix("/"), !parts.isEmpty, !parts.contains(where: { $0 == ".." }) else { return nil }
        return parts.filter { $0 != "." }.reduce(root) { $0.appending(Array($1.utf8)) }
    }
}
