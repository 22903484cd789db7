internal import EmbargoFormats

/// The expand stage for container image archives (`docker save`, OCI layouts in a tar): every layer
/// is read once, however many images share it, and each of its files is read like an archive member
/// that knows its place: the layer, the images on it, and whether every one of those images removes
/// or replaces the file in a later layer (the OCI whiteout rules), in which case the file ships in the
/// image but is not in the file system the image runs with.
struct ContainerImageExpander {
    let limits: ScanLimits

    /// The images of the tar in `content` (`head` its first bytes), when it is a container image
    /// archive; nil for any other tar. A tar whose headers cannot be listed is left to the archive
    /// reader, which reports the damage.
    func archive(_ content: ItemContent, head: [UInt8]) -> (listing: TarListing, archive: ContainerImageArchive)? {
        guard let first = TarListing.firstName(head), ContainerImageArchive.mightStartWith(first) else { return nil }
        guard let listing = try? TarListing(content, maxMembers: limits.maxMembers),
            let archive = try? ContainerImageArchive(listing, source: content)
        else { return nil }
        return (listing, archive)
    }

    /// Whether the compressed stream in `content` holds a tar that starts like a container image
    /// archive (`docker save | gzip`); only its first block is decompressed to tell.
    func isCompressedImageArchive(_ content: ItemContent) -> Bool {
        guard let reader = try? ArchiveReader(rawStream: true), (try? reader.open(content)) != nil,
            (try? reader.nextEntry()) != nil
        else { return false }
        var head: [UInt8] = []
        while head.count < 512,
            (try? reader.readBlock({ span, _ in unsafe span.withUnsafeBytes { unsafe head.append(contentsOf: $0) } }))
                == true
        {}
        guard let first = TarListing.firstName(head) else { return false }
        return ContainerImageArchive.mightStartWith(first)
    }

    /// Reads the images' layers, each once, lowest first.
    func read(
        _ content: ItemContent,
        listing: TarListing,
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
            recognise(archive, layers: layers.count, at: location, recorder: recorder)
        }
        var changes: [String: LayerChanges] = [:]
        for layer in layers {
            guard let member = listing.member(layer.member) else { continue }
            changes[layer.member] = self.changes(content, range: member.range, location: location, recorder: recorder)
        }
        for layer in layers {
            guard let member = listing.member(layer.member) else { continue }
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
            analyzer.expandLayer(
                content,
                range: member.range,
                location: location.appending(member: ScanPath(layer.member)),
                budget: budget
            ) { path in
                var placed = place
                placed.removedBy = Self.removal(of: path, uses: uses, changes: changes)
                return placed
            }
        }
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
    private func changes(
        _ content: ItemContent,
        range: Range<UInt64>,
        location: Location,
        recorder: UnitRecorder
    ) -> LayerChanges {
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
        recorder.recognise(RecognisedTree(path: location.path, kind: "container image archive", detail: detail))
    }
}
