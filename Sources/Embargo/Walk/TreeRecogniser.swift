internal import EmbargoFormats

/// Recognises the trees a walk meets that are read in their own way: package repositories (read
/// from their indexes) and mounted system roots (whose fixed places are read first).
struct TreeRecogniser {
    let walker: DirectoryWalker
    /// How repositories are read.
    let repositories: RepositoryOptions

    /// What was recognised at one directory.
    struct Recognition {
        /// Items to walk before the rest: a system root's fixed places.
        var priority: [WalkItem] = []
        /// The scope for what lies below, narrowed to leave out what was accounted for; nil when
        /// nothing was recognised.
        var scope: WalkScope?
        /// The trees, for the summary.
        var trees: [RecognisedTree] = []
        /// Repository index entries read.
        var indexEntries = 0
        /// Package files the indexes stand for.
        var coveredPackages = 0
    }

    /// Reads a package repository's indexes, or finds a system root's fixed places, when `path` is
    /// the root of one. Index entries and repository events go to `emit` as they are read.
    func recognise(
        at path: ScanPath,
        listing: DirectoryWalker.Listing,
        within scope: WalkScope?,
        buffer: ReadBuffer,
        emit: (RepositoryOutput) -> Void
    ) -> Recognition {
        var recognition = Recognition()
        // The names of the subdirectories: what every kind of tree is first recognised by.
        let names = Set(
            listing.items.filter(\.isDirectory).map { String(decoding: $0.path.lastComponent, as: UTF8.self) }
        )
        var covered: Set<[UInt8]> = []
        var reading: RepositoryReading?
        if names.contains("dists"), let repository = DebianRepository.recognise(path, walker: walker) {
            reading = repository.read(options: repositories, buffer: buffer, emit: emit)
        } else if names.contains("repodata"), let repository = RPMRepository.recognise(path) {
            reading = repository.read(options: repositories, buffer: buffer, emit: emit)
        }
        if let reading {
            covered.formUnion(reading.covered)
            recognition.indexEntries = reading.entries
            recognition.coveredPackages = reading.coveredPackages
            let packages =
                repositories.deep
                ? "every package opened (--deep)"
                : "\(reading.coveredPackages) package files described by the indexes not opened"
            let signatures = Array(Set(reading.signatures)).sorted().joined(separator: "; ")
            recognition.trees.append(
                RecognisedTree(
                    path: path,
                    kind: reading.description,
                    detail: "\(reading.entries) index entries read; \(packages); \(signatures)"
                )
            )
        }
        if let root = SystemRoot.recognise(path, directoryNames: names, walker: walker) {
            recognition.priority = root.fixedPlaces
            covered.formUnion(root.fixedPlaces.map(\.path.bytes))
            let places = root.fixedPlaces.map {
                String(decoding: $0.path.bytes.dropFirst(path.bytes.count + 1), as: UTF8.self)
            }
            recognition.trees.append(
                RecognisedTree(
                    path: path,
                    kind: root.description,
                    detail: "\(root.fixedPlaces.count) fixed places read first: " + places.joined(separator: ", ")
                )
            )
        }
        // An OCI image layout's blobs are read through its index, layer by layer (the index's
        // analysis does it), not one by one.
        if names.contains("blobs") {
            let files = Set(listing.items.filter { !$0.isDirectory }.map(\.path.lastComponent))
            if files.contains(Array("oci-layout".utf8)), files.contains(Array("index.json".utf8)) {
                covered.insert(path.appending(Array("blobs".utf8)).bytes)
            }
        }
        covered.formUnion(vmdkExtents(in: path, listing: listing))
        guard !covered.isEmpty else { return recognition }
        let narrowed = WalkScope(covering: covered, within: scope)
        recognition.scope = narrowed
        recognition.priority = recognition.priority.map { item in
            var item = item
            if item.isDirectory { item.scope = narrowed }
            return item
        }
        return recognition
    }

    /// The extent files that VMDK descriptors in the directory name: they are read through their
    /// descriptor, as one disk, not one by one.
    private func vmdkExtents(in path: ScanPath, listing: DirectoryWalker.Listing) -> Set<[UInt8]> {
        var extents: Set<[UInt8]> = []
        for item in listing.items
        where !item.isDirectory && item.path.lastComponent.reversed().starts(with: Array("kdmv.".utf8)) {
            guard let content = try? ItemContent(path: item.path), content.size < 1 << 20,
                let head = try? content.bytes(at: 0, count: 64 << 10), VMDKDescriptor.recognises(head),
                let descriptor = try? VMDKDescriptor(head)
            else { continue }
            for name in descriptor.extents.compactMap(\.file) where !name.contains("/") {
                extents.insert(path.appending(Array(name.utf8)).bytes)
            }
        }
        return extents
    }
}
