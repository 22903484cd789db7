/// What one layer of a container image does to the layers below it, under the OCI image
/// specification's rules: a file it holds replaces the same path below (and, replacing a directory,
/// everything under it), a whiteout `DIR/.wh.NAME` removes `DIR/NAME` and everything under it, and an
/// opaque marker `DIR/.wh..wh..opq` hides everything the layers below hold under `DIR`.
public struct LayerChanges: Sendable {
    private var replaced: Set<String> = []
    private var removed: Set<String> = []
    private var opaque: Set<String> = []

    /// No changes.
    public init() {}

    /// The whiteout prefix.
    public static let whiteoutPrefix = ".wh."
    /// The name of an opaque-directory marker.
    public static let opaqueMarker = ".wh..wh..opq"

    /// Whether the last component of `path` is a whiteout or an opaque marker (metadata, not content).
    public static func isWhiteout(_ path: String) -> Bool {
        lastComponent(of: path).hasPrefix(whiteoutPrefix)
    }

    /// Notes one entry of the layer (`path` normalised as by `TarListing.normalise`).
    public mutating func note(_ path: String, isDirectory: Bool) {
        let name = Self.lastComponent(of: path)
        let directory = Self.parent(of: path)
        if name == Self.opaqueMarker {
            opaque.insert(directory)
        } else if name.hasPrefix(Self.whiteoutPrefix) {
            let target = String(name.dropFirst(Self.whiteoutPrefix.count))
            guard !target.isEmpty else { return }
            removed.insert(directory.isEmpty ? target : directory + "/" + target)
        } else if !isDirectory {
            replaced.insert(path)
        }
    }

    /// Whether this layer hides `path` of a layer below it (removes it, replaces it, or hides the
    /// directory that holds it).
    public func hides(_ path: String) -> Bool {
        if replaced.contains(path) || removed.contains(path) { return true }
        var ancestor = Self.parent(of: path)
        if opaque.contains(ancestor) { return true }
        while !ancestor.isEmpty {
            if replaced.contains(ancestor) || removed.contains(ancestor) { return true }
            ancestor = Self.parent(of: ancestor)
            if opaque.contains(ancestor) { return true }
        }
        return false
    }

    private static func lastComponent(of path: String) -> Substring {
        guard let slash = path.lastIndex(of: "/") else { return Substring(path) }
        return path[path.index(after: slash)...]
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
