internal import EmbargoFormats

/// The expand stage for container images (`docker save` archives, OCI layouts in a tar or a
/// directory): every layer is read once, however many images share it, and each of its files is
/// read like an archive member that knows its place: the layer, the images on it, and whether every
/// one of those images removes or replaces the file in a later layer (the OCI whiteout rules), in
/// which case the file ships in the image but is not in the file system the image runs with. The
/// other files (manifests, configurations with their build history, stray blobs) are read as plain
/// items.
struct ContainerImageExpander {
    let limits: ScanLimits
    /// An OCI image layout's index, as the end of a path.
    private static let indexName = Array("/index.json".utf8)

    /// The store and images of the tar in `content` (`head` its first bytes), when it is a container
    /// image archive; nil for any other tar. A tar whose headers cannot be listed is left to the
    /// archive reader, which reports the damage.
    func archive(
        _ content: ItemContent,
        head: [UInt8],
        location: Location
    ) -> (store: ContainerImageStore, archive: ContainerImageArchive)? {
        guard let first = TarListing.firstName(head), ContainerImageArchive.mightStartWith(first),
            let listing = try? TarListing(content, maxMembers: limits.maxMembers)
        else { return nil }
        let store = ContainerImageStore.archive(content, listing, location)
        guard let archive = try? ContainerImageArchive(store.files), !archive.images.isEmpty else { return nil }
        return (store, archive)
    }

    /// The store and images of the OCI image layout directory whose `index.json` is at `location`;
    /// nil when the directory is not one (no `oci-layout` beside it).
    func layout(at location: Location) -> (store: ContainerImageStore, archive: ContainerImageArchive)? {
        let bytes = location.path.bytes
        guard location.members.isEmpty, bytes.count > Self.indexName.count,
            bytes.suffix(Self.indexName.count).elementsEqual(Self.indexName), let root = location.path.parent
        else { return nil }
        let store = ContainerImageStore.directory(root)
        guard store.files.contains("oci-layout"), let archive = try? ContainerImageArchive(store.files) else {
            return nil
        }
        return (store, archive)
    }

    /// Reads the images' layers, each once, lowest first, then the files they do not name.
    func read(
        _ store: ContainerImageStore,
        archive: ContainerImageArchive,
        location: Location,
        budget: ExpansionBudget,
        analyzer: ItemAnalyzer
    ) {
        let recorder = analyzer.recorder
        for problem in archive.problems {
            recorder.report(ScanEvent(kind: .corrupt, location: location, message: "container image: \(problem)"))
        }
        var layers: [ContainerLayer] = []
        var seen: Set<String> = []
        for image in archive.images {
            for layer in image.layers where seen.insert(layer.member).inserted { layers.append(layer) }
        }
        if location.members.isEmpty {
            recognise(archive, layers: layers.count, in: store, at: location, recorder: recorder)
        }
        var opened: [String: ContainerImageStore.File] = [:]
        for layer in layers {
            do {
                opened[layer.member] = try store.open(layer.member)
            } catch {
                recorder.report(
                    ScanEvent(failure: error, at: location, doing: "layer \(layer.member) could not be opened")
                )
            }
        }
        // Top layers first: a layer is read once every layer above it (in any image) has been, so
        // what those layers remove is known from their own reading. Layers that no order puts last
        // (one above the other in two images) are listed without their data first.
        let (order, unordered) = Self.topDown(layers, in: archive.images)
        var changes: [String: LayerChanges] = [:]
        for layer in unordered {
            guard let file = opened[layer.member] else { continue }
            changes[layer.member] = self.changes(file.content, range: file.range, recorder: recorder)
        }
        for layer in order + unordered {
            guard let file = opened[layer.member] else { continue }
            let uses = archive.images.compactMap { image in
                image.layers.firstIndex(of: layer).map { (image: image, index: $0) }
            }
            let place = ImageLayerPlace(
                layerDigest: layer.digest,
                images: uses.map { use in
                    ImageLayerPlace.Image(
                        references: use.image.references,
                        manifestDigest: use.image.manifestDigest,
                        configDigest: use.image.configDigest,
                        layerNumber: use.index + 1
                    )
                }
            )
            var own = LayerChanges()
            let above = changes
            // A layer is a file system, not a bomb: each has an expansion budget of its own (its
            // compression ratio is still bounded), as each file of a disk image has.
            analyzer.expandLayer(
                file.content,
                range: file.range,
                location: file.location,
                budget: ExpansionBudget(limit: limits.maxExpandedBytes),
                place: { path in
                    var placed = place
                    placed.removedBy = Self.removal(of: path, uses: uses, changes: above)
                    return placed
                },
                onEntry: { path, isDirectory in own.note(path, isDirectory: isDirectory) }
            )
            if changes[layer.member] == nil { changes[layer.member] = own }
        }
        readOthers(store, archive: archive, location: location, budget: budget, analyzer: analyzer)
    }

    /// Reads the files of the store that are no image's layers, as plain items.
    private func readOthers(
        _ store: ContainerImageStore,
        archive: ContainerImageArchive,
        location: Location,
        budget: ExpansionBudget,
        analyzer: ItemAnalyzer
    ) {
        let layers = archive.layerPaths
        for path in store.paths where !layers.contains(path) {
            do {
                guard let file = try store.open(path) else { continue }
                analyzer.recorder.counts.members += 1
                try analyzer.analyze(
                    pieces: [.stored(file.range)],
                    of: file.content,
                    size: UInt64(file.range.count),
                    location: file.location,
                    logicalPath: Array(path.utf8),
                    budget: budget
                )
            } catch {
                analyzer.recorder.report(ScanEvent(failure: error, at: location.appending(member: ScanPath(path))))
            }
        }
    }

    /// The layers in an order where each comes after every layer above it in any image, and those
    /// left over when no such order exists.
    private static func topDown(
        _ layers: [ContainerLayer],
        in images: [ContainerImage]
    ) -> (order: [ContainerLayer], unordered: [ContainerLayer]) {
        var above: [String: Set<String>] = [:]
        for image in images {
            for (index, layer) in image.layers.enumerated() {
                above[layer.member, default: []].formUnion(image.layers[(index + 1)...].map(\.member))
            }
        }
        var order: [ContainerLayer] = []
        var placed: Set<String> = []
        var remaining = layers
        while let next = remaining.firstIndex(where: { (above[$0.member] ?? []).isSubset(of: placed) }) {
            let layer = remaining.remove(at: next)
            order.append(layer)
            placed.insert(layer.member)
        }
        return (order, remaining)
    }

    /// The later layer that hides `path` in every image that uses the layer; nil when some image
    /// keeps it.
    private static func removal(
        of path: String,
        uses: [(image: ContainerImage, index: Int)],
        changes: [String: LayerChanges]
    ) -> ImageLayerPlace.Removal? {
        var first: ImageLayerPlace.Removal?
        for use in uses {
            let upper = use.image.layers.indices.dropFirst(use.index + 1)
            guard let hiding = upper.first(where: { changes[use.image.layers[$0].member]?.hides(path) ?? false })
            else { return nil }
            if first == nil {
                first = ImageLayerPlace.Removal(
                    layerDigest: use.image.layers[hiding].digest,
                    layerNumber: hiding + 1,
                    image: use.image.name
                )
            }
        }
        return first
    }

    /// What a layer does to the layers below: its entries' names, read without their data.
    private func changes(_ content: ItemContent, range: Range<UInt64>, recorder: UnitRecorder) -> LayerChanges {
        var changes = LayerChanges()
        do {
            let reader = try ArchiveReader()
            try reader.open(content, range: range)
            var entries = 0
            while entries < limits.maxMembers,
                let entry = try recorder.timer.measure(.unpack, { try reader.nextEntry() })
            {
                entries += 1
                changes.note(
                    TarListing.normalise(String(decoding: entry.name, as: UTF8.self)),
                    isDirectory: entry.isDirectory
                )
            }
        } catch {
            // The layer's own read reports the damage; what was listed still counts.
        }
        return changes
    }

    private func recognise(
        _ archive: ContainerImageArchive,
        layers: Int,
        in store: ContainerImageStore,
        at location: Location,
        recorder: UnitRecorder
    ) {
        let names = archive.images.map(\.name)
        let count = archive.images.count
        var detail =
            "\(count) image\(count == 1 ? "" : "s") (\(names.joined(separator: ", "))), \(layers) layer\(layers == 1 ? "" : "s") read"
        if archive.absentManifests > 0 {
            detail +=
                "; \(archive.absentManifests) manifest(s) the index names are not in the archive (other platforms)"
        }
        if case .directory(let root) = store {
            recorder.recognise(RecognisedTree(path: root, kind: "OCI image layout", detail: detail))
        } else {
            recorder.recognise(RecognisedTree(path: location.path, kind: "container image archive", detail: detail))
        }
    }
}
