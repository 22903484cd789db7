internal import EmbargoFormats

/// A Debian repository: a root with `dists/SUITE/InRelease` or `Release` files that vouch for the
/// `Packages` indexes, whose entries name the package files under `pool/`.
struct DebianRepository {
    /// The repository root (the directory holding `dists/`).
    let root: ScanPath
    /// Each suite directory and the Release file read for it (InRelease preferred).
    let suites: [(directory: ScanPath, release: ScanPath)]

    /// The repository rooted at `root`, if `root/dists/*/` holds a Release or InRelease file.
    static func recognise(_ root: ScanPath, walker: DirectoryWalker) -> DebianRepository? {
        let dists = root.appending(Array("dists".utf8))
        guard FileStamp.isDirectory(dists) else { return nil }
        var suites: [(ScanPath, ScanPath)] = []
        for suite in walker.list(dists).items.filter(\.isDirectory).map(\.path) {
            let release = ["InRelease", "Release"].map { suite.appending(Array($0.utf8)) }.first {
                FileStamp.of($0) != nil
            }
            if let release { suites.append((suite, release)) }
        }
        guard !suites.isEmpty else { return nil }
        return DebianRepository(root: root, suites: suites.sorted { $0.0 < $1.0 })
    }

    /// Verifies the indexes against the Release files, reads the `Packages` indexes and checks the
    /// package files they name.
    func read(options: RepositoryOptions, buffer: ReadBuffer, emit: (RepositoryOutput) -> Void) -> RepositoryReading {
        let shard = options.shard
        var reading = RepositoryReading(
            description: "Debian repository (\(suites.count) suite\(suites.count == 1 ? "" : "s"))"
        )
        var pool = PoolCheck(root: root, deep: options.deep)
        for suite in suites {
            for name in ["InRelease", "Release", "Release.gpg"] {
                reading.covered.insert(suite.directory.appending(Array(name.utf8)).bytes)
            }
            let isInRelease = suite.release.lastComponent == Array("InRelease".utf8)
            reading.checkSignature(
                of: suite.release,
                detached: isInRelease ? nil : suite.directory.appending(Array("Release.gpg".utf8)),
                options: options,
                emit: emit
            )
            let release: DebianRelease
            do {
                release = try DebianRelease.parse(
                    try IndexFile.contents(suite.release, buffer: buffer, limit: 256 << 20)
                )
            } catch {
                if shard.owns(suite.release.bytes) {
                    emit(
                        .event(
                            ScanEvent(
                                failure: error,
                                at: Location(path: suite.release),
                                doing: "Release file could not be read"
                            )
                        )
                    )
                }
                continue
            }
            let present = verify(
                release,
                suite: suite.directory,
                shard: shard,
                buffer: buffer,
                reading: &reading,
                emit: emit
            )
            for (directory, variants) in Self.packagesIndexes(release) {
                guard let chosen = variants.first(where: { present.contains($0) }) else {
                    // A mirror may leave out architectures; an index directory that exists without
                    // any of its Packages files is damaged.
                    let path = suite.directory.appending(Array(directory.utf8))
                    if FileStamp.isDirectory(path), shard.owns(path.bytes) {
                        emit(
                            .integrity(
                                at: path,
                                "the Release file lists \(variants.joined(separator: ", ")) here, but none is present"
                            )
                        )
                    }
                    continue
                }
                readPackages(
                    suite.directory.appending(Array(chosen.utf8)),
                    pool: &pool,
                    shard: shard,
                    buffer: buffer,
                    reading: &reading,
                    emit: emit
                )
            }
        }
        return reading
    }

    /// Checks the size and checksum of every listed file that is present; returns the paths present.
    private func verify(
        _ release: DebianRelease,
        suite: ScanPath,
        shard: ScanShard,
        buffer: ReadBuffer,
        reading: inout RepositoryReading,
        emit: (RepositoryOutput) -> Void
    ) -> Set<String> {
        var present: Set<String> = []
        for file in release.files {
            guard let path = PoolCheck.resolve(file.path, under: suite), FileStamp.regularFileSize(path) != nil else {
                continue
            }
            present.insert(file.path)
            reading.covered.insert(path.bytes)
            // Acquire-by-hash copies are the same files under their checksum.
            if let sha256 = file.sha256, let directory = path.parent {
                reading.covered.insert(directory.appending(Array("by-hash/SHA256/\(sha256)".utf8)).bytes)
            }
            guard shard.owns(path.bytes) else { continue }
            let algorithm = file.sha256 != nil ? "sha256" : "md5"
            guard let expected = file.sha256 ?? file.md5 else { continue }
            do {
                guard let actual = try IndexFile.checksum(path, algorithm: algorithm, buffer: buffer) else { continue }
                if actual.size != file.size || actual.hex != expected {
                    emit(
                        .integrity(
                            at: path,
                            "does not match the Release file: \(actual.size) bytes, \(algorithm) \(actual.hex); the Release file says \(file.size) bytes, \(expected)"
                        )
                    )
                }
            } catch {
                emit(.event(ScanEvent(failure: error, at: Location(path: path))))
            }
        }
        return present
    }

    /// The binary `Packages` indexes a Release file lists, by directory, each with its variants in
    /// the order they are best read (plain first, then the faster decompressors).
    static func packagesIndexes(_ release: DebianRelease) -> [(directory: String, variants: [String])] {
        let preference = ["", ".gz", ".zst", ".lz4", ".xz", ".bz2", ".lzma"]
        var groups: [String: [String]] = [:]
        for file in release.files {
            let parts = file.path.split(separator: "/")
            guard parts.count >= 2, parts[parts.count - 2].hasPrefix("binary-") else { continue }
            let name = parts[parts.count - 1]
            guard preference.contains(where: { name == "Packages" + $0 }) else { continue }
            let directory = parts.dropLast().joined(separator: "/")
            groups[directory, default: []].append(file.path)
        }
        return groups.keys.sorted().map { directory in
            let variants = groups[directory, default: []].sorted { lhs, rhs in
                let rank = { (path: String) in
                    preference.firstIndex { path.hasSuffix("/Packages" + $0) } ?? preference.count
                }
                return rank(lhs) < rank(rhs)
            }
            return (directory, variants)
        }
    }

    private func readPackages(
        _ index: ScanPath,
        pool: inout PoolCheck,
        shard: ScanShard,
        buffer: ReadBuffer,
        reading: inout RepositoryReading,
        emit: (RepositoryOutput) -> Void
    ) {
        var stream = DebianControl.ParagraphStream()
        func take(_ paragraph: DebianControl.Paragraph) {
            guard let parsed = DebianIndexEntry(paragraph) else { return }
            let entry = RepositoryIndexEntry(debian: parsed)
            let owned = shard.owns(
                entry.relativePath.flatMap { PoolCheck.resolve($0, under: root)?.bytes } ?? index.bytes
                    + Array(entry.label.utf8)
            )
            if owned {
                reading.entries += 1
                emit(.observation(entry.observation(index: index, kind: "Debian repository index entry")))
            }
            pool.check(entry, index: index, owned: owned, reading: &reading, emit: emit)
        }
        do {
            try IndexFile.stream(index, buffer: buffer) { chunk in try stream.feed(chunk.bytesArray, onParagraph: take)
            }
            stream.finish(onParagraph: take)
        } catch {
            if shard.owns(index.bytes) {
                emit(
                    .event(
                        ScanEvent(
                            failure: error,
                            at: Location(path: index),
                            doing: "Packages index could not be read to the end"
                        )
                    )
                )
            }
        }
    }
}
