/// What a repository reader hands to the scan as it reads, and what it leaves behind.
enum RepositoryOutput {
    /// One index entry, ready for the detector.
    case observation(ItemObservation)
    /// An integrity problem (a checksum mismatch, a missing file) or a damaged index.
    case event(ScanEvent)

    /// An `integrity` event at `path`.
    static func integrity(at path: ScanPath, _ message: String) -> RepositoryOutput {
        .event(ScanEvent(kind: .integrity, location: Location(path: path), message: message))
    }
}

/// How repositories are read: whether every package is opened, which shard this is, and how
/// signatures are checked.
struct RepositoryOptions: Sendable {
    /// Whether the scan also opens every package the indexes name (`--deep`).
    var deep = false
    var shard = ScanShard.whole
    /// The keyrings signatures are checked against (`--keyring`); nil when none were given.
    var signatures: SignatureCheck?
    /// Whether an unsigned repository is an integrity event (`--require-signed`).
    var requireSigned = false
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
    /// What the signatures checks found, for the summary (`signed by …`, `unsigned`, `BAD …`).
    var signatures: [String] = []

    /// Checks the signature of `signed` (clear-signed, or with the `detached` signature file when
    /// there is one); a bad signature is an integrity event, and so is none under `--require-signed`.
    mutating func checkSignature(
        of signed: ScanPath,
        detached: ScanPath?,
        options: RepositoryOptions,
        emit: (RepositoryOutput) -> Void
    ) {
        guard let check = options.signatures else {
            signatures.append("signature not checked (no --keyring)")
            return
        }
        let outcome =
            detached.map { FileStamp.of($0) == nil ? .unsigned : check.verify(signed, signature: $0) }
            ?? check.verify(signed, signature: nil)
        let owned = options.shard.owns(signed.bytes)
        switch outcome {
        case .good(let signer):
            signatures.append("signed by \(signer)")
        case .bad(let reason):
            signatures.append("BAD signature: \(reason)")
            if owned {
                emit(.integrity(at: signed, "the signature does not verify: \(reason)"))
            }
        case .unsigned:
            signatures.append("unsigned")
            if owned, options.requireSigned {
                let missing = detached.map { String(decoding: $0.lastComponent, as: UTF8.self) } ?? "signature"
                emit(.integrity(at: signed, "not signed (no \(missing)); --require-signed"))
            }
        }
    }
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
                emit(
                    .integrity(at: index, "the index names '\(relative)', a path outside the repository; not followed")
                )
            }
            return
        }
        guard let size = FileStamp.regularFileSize(path) else {
            if owned {
                emit(.integrity(at: index, "the index names \(relative), which is missing from the repository"))
            }
            return
        }
        if let indexed = entry.size, indexed != size {
            if owned {
                emit(
                    .integrity(
                        at: path,
                        "\(size) bytes, but the index \(index) says \(indexed); the file is scanned on its own"
                    )
                )
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
