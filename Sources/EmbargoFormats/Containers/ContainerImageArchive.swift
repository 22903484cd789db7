internal import Foundation

/// One image in a container image archive: its names, digests and layers, lowest first.
public struct ContainerImage: Sendable, Hashable {
    /// The image's names (`registry/name:tag`), from the archive's annotations or tags; may be empty.
    public var references: [String]
    /// The digest of the image manifest (OCI layouts and Docker ≥ 25 archives), if the archive has one.
    public var manifestDigest: String?
    /// The digest of the image configuration (Docker's image id).
    public var configDigest: String?
    /// The layers, lowest first.
    public var layers: [ContainerLayer]

    /// The first name, else the manifest or configuration digest.
    public var name: String { references.first ?? manifestDigest ?? configDigest ?? "unnamed image" }
}

/// One layer of an image.
public struct ContainerLayer: Sendable, Hashable {
    /// The layer's digest (`sha256:…`): of the blob as stored, or for Docker ≤ 24 archives the
    /// uncompressed layer's id from the configuration.
    public var digest: String
    /// The archive member that holds the layer.
    public var member: String
}

/// The files of an image archive or layout, by path (`index.json`, `blobs/sha256/…`): a tar's
/// members, or the files of a directory.
public protocol ContainerImageFiles {
    /// Whether a regular file is at `path`.
    func contains(_ path: String) -> Bool
    /// The bytes of the file at `path`; nil when it is absent or longer than `limit`.
    ///
    /// - Throws: the error of reading it.
    func bytes(_ path: String, limit: UInt64) throws -> [UInt8]?
}

/// The members of a tar as the files of an image archive.
public struct TarImageFiles<Source: ByteSource>: ContainerImageFiles {
    /// The tar's members.
    public let listing: TarListing
    /// The tar's bytes.
    public let source: Source

    /// The files of the tar `source` listed by `listing`.
    public init(listing: TarListing, source: Source) {
        self.listing = listing
        self.source = source
    }

    /// Whether the tar has a regular member at `path`.
    public func contains(_ path: String) -> Bool { listing.member(path) != nil }

    /// The data of the member at `path`, when it is at most `limit` bytes long.
    public func bytes(_ path: String, limit: UInt64) throws -> [UInt8]? {
        guard let member = listing.member(path), member.size <= limit else { return nil }
        return try source.exactBytes(at: member.offset, count: Int(member.size), what: member.path)
    }
}

/// The images of a `docker save` archive (both the Docker ≤ 24 layout and the OCI layout Docker ≥ 25
/// writes) or of an OCI image layout (in a tar or a directory), read from `manifest.json`,
/// `index.json` and the manifests and configurations they point to.
public struct ContainerImageArchive: Sendable {
    /// The images, in the order the archive lists them.
    public private(set) var images: [ContainerImage] = []
    /// What the archive names but does not hold, or could not be read (each for an event).
    public private(set) var problems: [String] = []
    /// Manifests an index names that the archive does not hold (other platforms of a multi-platform
    /// image, which `docker save` leaves out): nothing of them is in the archive to scan.
    public private(set) var absentManifests = 0

    /// Blobs read as JSON are at most this long.
    private static let maxJSONBytes: UInt64 = 4 << 20

    /// Whether the first member name of a tar (`TarListing.firstName`) is one that container image
    /// archives start with: a `blobs` directory, an OCI or Docker metadata file, or a Docker ≤ 24
    /// layer directory or configuration named by a 64-digit hex id.
    public static func mightStartWith(_ firstName: String) -> Bool {
        if ["blobs", "oci-layout", "index.json", "manifest.json", "repositories"].contains(where: {
            firstName == $0 || firstName.hasPrefix($0 + "/")
        }) {
            return true
        }
        let id = firstName.split(separator: "/").first.map { $0.hasSuffix(".json") ? $0.dropLast(5) : $0 } ?? ""
        return id.count == 64 && id.allSatisfy(\.isHexDigit)
    }

    /// Reads the images of the archive or layout whose files are `files`; nil when it is not one.
    ///
    /// - Throws: an error when a file cannot be read.
    public init?(_ files: some ContainerImageFiles) throws {
        if files.contains("oci-layout"), files.contains("index.json") {
            let tags = try Self.dockerTags(files)
            guard let object = try Self.json("index.json", in: files) else {
                problems.append("index.json is not valid JSON")
                return
            }
            var reader = Reader(files: files, tags: tags)
            try reader.descriptors(in: object, reference: nil, depth: 0)
            (images, problems, absentManifests) = (reader.images, reader.problems, reader.absentManifests)
        } else if files.contains("manifest.json") {
            guard let entries = try Self.json("manifest.json", in: files) as? [[String: Any]] else {
                problems.append("manifest.json is not a list of images")
                return
            }
            for entry in entries {
                readDockerImage(entry, files: files)
            }
        } else {
            return nil
        }
    }

    /// The paths of every image's layers.
    public var layerPaths: Set<String> {
        Set(images.flatMap { $0.layers.map(\.member) })
    }

    /// A Docker ≤ 24 entry of `manifest.json`: `Config`, `RepoTags` and `Layers`, layer ids from the
    /// configuration's `rootfs.diff_ids`.
    private mutating func readDockerImage(_ entry: [String: Any], files: some ContainerImageFiles) {
        let configPath = entry["Config"] as? String
        let layerPaths = entry["Layers"] as? [String] ?? []
        var diffIDs: [String] = []
        if let configPath, let object = (try? Self.json(TarListing.normalise(configPath), in: files)) as? [String: Any],
            let rootfs = object["rootfs"] as? [String: Any]
        {
            diffIDs = rootfs["diff_ids"] as? [String] ?? []
        }
        var layers: [ContainerLayer] = []
        for (number, path) in layerPaths.enumerated() {
            guard files.contains(TarListing.normalise(path)) else {
                problems.append("layer \(path) is named in manifest.json but not in the archive")
                continue
            }
            let digest = Self.digest(ofBlobPath: path) ?? (number < diffIDs.count ? diffIDs[number] : path)
            layers.append(ContainerLayer(digest: digest, member: TarListing.normalise(path)))
        }
        images.append(
            ContainerImage(
                references: entry["RepoTags"] as? [String] ?? [],
                manifestDigest: nil,
                configDigest: configPath.flatMap { Self.digest(ofBlobPath: $0) ?? Self.digest(ofConfigName: $0) },
                layers: layers
            )
        )
    }

    /// Docker ≥ 25 archives also carry `manifest.json`: its tags, by configuration digest.
    private static func dockerTags(_ files: some ContainerImageFiles) throws -> [String: [String]] {
        guard let entries = try json("manifest.json", in: files) as? [[String: Any]] else { return [:] }
        var tags: [String: [String]] = [:]
        for entry in entries {
            guard let config = (entry["Config"] as? String).flatMap(digest(ofBlobPath:)) else { continue }
            tags[config, default: []] += entry["RepoTags"] as? [String] ?? []
        }
        return tags
    }

    /// Walks OCI descriptors: indexes are followed (to a depth of 4), manifests become images.
    private struct Reader {
        let files: any ContainerImageFiles
        let tags: [String: [String]]
        var images: [ContainerImage] = []
        var problems: [String] = []
        var absentManifests = 0
        var seen: Set<String> = []

        mutating func descriptors(in index: Any, reference: String?, depth: Int) throws {
            guard depth < 4 else {
                problems.append("image indexes nested more than 4 deep are not followed")
                return
            }
            for descriptor in (index as? [String: Any])?["manifests"] as? [[String: Any]] ?? [] {
                guard let digest = descriptor["digest"] as? String else { continue }
                let annotations = descriptor["annotations"] as? [String: String] ?? [:]
                // BuildKit's attestations are manifests too; they hold no file system.
                if annotations["vnd.docker.reference.type"] != nil { continue }
                let name = annotations["io.containerd.image.name"] ?? annotations["org.opencontainers.image.ref.name"]
                guard let blob = ContainerImageArchive.blobPath(digest), files.contains(blob) else {
                    absentManifests += 1
                    continue
                }
                guard seen.insert(digest).inserted else { continue }
                guard let object = try ContainerImageArchive.json(blob, in: files) as? [String: Any] else {
                    problems.append("manifest \(digest) is not valid JSON")
                    continue
                }
                if object["manifests"] != nil {
                    try descriptors(in: object, reference: name ?? reference, depth: depth + 1)
                } else {
                    image(object, digest: digest, reference: name ?? reference)
                }
            }
        }

        private mutating func image(_ manifest: [String: Any], digest: String, reference: String?) {
            let config = (manifest["config"] as? [String: Any])?["digest"] as? String
            var layers: [ContainerLayer] = []
            for layer in manifest["layers"] as? [[String: Any]] ?? [] {
                guard let layerDigest = layer["digest"] as? String else { continue }
                guard let member = ContainerImageArchive.blobPath(layerDigest), files.contains(member) else {
                    problems.append("layer \(layerDigest) of manifest \(digest) is not in the archive")
                    continue
                }
                layers.append(ContainerLayer(digest: layerDigest, member: member))
            }
            var references = reference.map { [$0] } ?? []
            for tag in config.flatMap({ tags[$0] }) ?? [] where !references.contains(tag) { references.append(tag) }
            images.append(
                ContainerImage(references: references, manifestDigest: digest, configDigest: config, layers: layers)
            )
        }
    }

    /// `blobs/ALGORITHM/HEX` for a digest `ALGORITHM:HEX`.
    static func blobPath(_ digest: String) -> String? {
        let parts = digest.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[1].contains("/"), !parts[0].contains("/") else { return nil }
        return "blobs/\(parts[0])/\(parts[1])"
    }

    /// `ALGORITHM:HEX` for a member `blobs/ALGORITHM/HEX`.
    static func digest(ofBlobPath path: String) -> String? {
        let parts = TarListing.normalise(path).split(separator: "/")
        guard parts.count == 3, parts[0] == "blobs" else { return nil }
        return "\(parts[1]):\(parts[2])"
    }

    /// `sha256:HEX` for a Docker ≤ 24 configuration named `HEX.json`.
    static func digest(ofConfigName path: String) -> String? {
        let name = TarListing.normalise(path)
        guard name.hasSuffix(".json") else { return nil }
        let id = name.dropLast(5)
        return id.count == 64 && id.allSatisfy(\.isHexDigit) ? "sha256:\(id)" : nil
    }

    /// A file's data parsed as JSON; nil when it is absent, too long or not JSON.
    static func json(_ path: String, in files: some ContainerImageFiles) throws -> Any? {
        guard let bytes = try files.bytes(path, limit: maxJSONBytes) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(bytes))
    }
}
