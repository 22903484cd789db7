internal import EmbargoFormats

/// An rpm-md (yum/dnf) repository: a root with `repodata/repomd.xml`, which vouches for the
/// metadata files, of which `primary.xml` names every package and its file.
struct RPMRepository {
    /// The repository root (the directory holding `repodata/`).
    let root: ScanPath
    /// `repodata/repomd.xml`.
    let repomd: ScanPath

    /// The repository rooted at `root`, if `root/repodata/repomd.xml` exists.
    static func recognise(_ root: ScanPath) -> RPMRepository? {
        let repomd = root.appending(Array("repodata/repomd.xml".utf8))
        guard FileStamp.of(repomd) != nil else { return nil }
        return RPMRepository(root: root, repomd: repomd)
    }

    /// Verifies the metadata files against repomd.xml, reads the primary metadata and checks the
    /// package files it names.
    func read(options: RepositoryOptions, buffer: ReadBuffer, emit: (RepositoryOutput) -> Void) -> RepositoryReading {
        let shard = options.shard
        let deep = options.deep
        var reading = RepositoryReading(description: "rpm-md repository")
        for name in ["repomd.xml", "repomd.xml.asc", "repomd.xml.key"] {
            reading.covered.insert(root.appending(Array("repodata/\(name)".utf8)).bytes)
        }
        reading.checkSignature(
            of: repomd,
            detached: root.appending(Array("repodata/repomd.xml.asc".utf8)),
            options: options,
            emit: emit
        )
        let metadata: RPMRepositoryMetadata
        do {
            metadata = try RPMRepositoryMetadata.parse(try IndexFile.contents(repomd, buffer: buffer))
        } catch {
            if shard.owns(repomd.bytes) {
                emit(
                    .event(ScanEvent(failure: error, at: Location(path: repomd), doing: "repomd.xml could not be read"))
                )
            }
            return reading
        }
        for file in metadata.files {
            guard let path = PoolCheck.resolve(file.href, under: root) else { continue }
            reading.covered.insert(path.bytes)
            guard shard.owns(path.bytes) else { continue }
            guard FileStamp.regularFileSize(path) != nil else {
                emit(.integrity(at: repomd, "repomd.xml lists \(file.href) (\(file.type)), which is missing"))
                continue
            }
            guard let algorithm = file.checksumType, let expected = file.checksum else { continue }
            do {
                guard let actual = try IndexFile.checksum(path, algorithm: algorithm, buffer: buffer) else { continue }
                if actual.hex != expected || (file.size.map { $0 != actual.size } ?? false) {
                    emit(
                        .integrity(
                            at: path,
                            "does not match repomd.xml: \(actual.size) bytes, \(algorithm) \(actual.hex); repomd.xml says \(file.size.map(String.init) ?? "?") bytes, \(expected)"
                        )
                    )
                }
            } catch {
                emit(.event(ScanEvent(failure: error, at: Location(path: path))))
            }
        }
        guard let primary = metadata.primary, let index = PoolCheck.resolve(primary.href, under: root),
            FileStamp.regularFileSize(index) != nil
        else { return reading }
        readPrimary(index, deep: deep, shard: shard, buffer: buffer, reading: &reading, emit: emit)
        return reading
    }

    private func readPrimary(
        _ index: ScanPath,
        deep: Bool,
        shard: ScanShard,
        buffer: ReadBuffer,
        reading: inout RepositoryReading,
        emit: (RepositoryOutput) -> Void
    ) {
        var pool = PoolCheck(root: root, deep: deep)
        var parser = RPMPrimaryMetadata()
        func take(_ package: RPMIndexPackage) {
            let entry = RepositoryIndexEntry(rpm: package)
            let owned = shard.owns(
                entry.relativePath.flatMap { PoolCheck.resolve($0, under: root)?.bytes } ?? index.bytes
                    + Array(entry.label.utf8)
            )
            if owned {
                reading.entries += 1
                emit(.observation(entry.observation(index: index, kind: "rpm-md repository primary metadata entry")))
            }
            pool.check(entry, index: index, owned: owned, reading: &reading, emit: emit)
        }
        do {
            try IndexFile.stream(index, buffer: buffer) { chunk in try parser.feed(chunk.bytesArray, onPackage: take) }
            try parser.finish()
        } catch {
            if shard.owns(index.bytes) {
                emit(
                    .event(
                        ScanEvent(
                            failure: error,
                            at: Location(path: index),
                            doing: "primary metadata could not be read to the end"
                        )
                    )
                )
            }
        }
    }
}
