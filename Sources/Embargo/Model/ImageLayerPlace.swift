/// Where in a container image a detection lies: the layer that holds its bytes, the images built on
/// that layer, and the later layer (if any) that removes or replaces it, so that it ships inside the
/// image but is not in the image's file system.
public struct ImageLayerPlace: Sendable, Hashable {
    /// One image that has the layer.
    public struct Image: Sendable, Hashable {
        /// The image's names (`registry/name:tag`); may be empty.
        public var references: [String]
        /// The digest of the image's manifest, where the archive has one.
        public var manifestDigest: String?
        /// The digest of the image's configuration (Docker's image id).
        public var configDigest: String?
        /// The layer's position in this image, from 1 at the bottom.
        public var layerNumber: Int

        /// An image that has the layer.
        public init(references: [String], manifestDigest: String?, configDigest: String?, layerNumber: Int) {
            self.references = references
            self.manifestDigest = manifestDigest
            self.configDigest = configDigest
            self.layerNumber = layerNumber
        }

        /// The first name, else the manifest or configuration digest.
        public var name: String { references.first ?? manifestDigest ?? configDigest ?? "unnamed image" }
    }

    /// The later layer that removes or replaces the content.
    public struct Removal: Sendable, Hashable {
        /// That layer's digest.
        public var layerDigest: String
        /// Its position in the image, from 1 at the bottom.
        public var layerNumber: Int
        /// The image it was found in (the first image that has both layers).
        public var image: String

        /// A removal.
        public init(layerDigest: String, layerNumber: Int, image: String) {
            self.layerDigest = layerDigest
            self.layerNumber = layerNumber
            self.image = image
        }
    }

    /// The digest of the layer that holds the bytes.
    public var layerDigest: String
    /// The images that have the layer (several when images share it).
    public var images: [Image]
    /// Set when every image that has the layer removes or replaces the content in a later layer.
    public var removedBy: Removal?

    /// A place in an image.
    public init(layerDigest: String, images: [Image], removedBy: Removal? = nil) {
        self.layerDigest = layerDigest
        self.images = images
        self.removedBy = removedBy
    }

    /// `image alpine:3.20 layer 2 (sha256:…)`, for people.
    public var summary: String {
        let image = images.first.map { "image \($0.name) layer \($0.layerNumber)" } ?? "image layer"
        let others = images.count > 1 ? " (and \(images.count - 1) more image\(images.count == 2 ? "" : "s"))" : ""
        return "\(image) (\(layerDigest))\(others)"
    }

    /// `layer 3 (sha256:…) of image alpine:3.20`, for people; nil when the content is not removed.
    public var removalSummary: String? {
        removedBy.map { "layer \($0.layerNumber) (\($0.layerDigest)) of image \($0.image)" }
    }
}
