/// What the walk leaves out below a recognised tree: files that a repository's indexes account for,
/// and the fixed places of a system root that were queued ahead of the rest.
final class WalkScope: Sendable {
    private let covered: Set<[UInt8]>

    /// A scope covering `paths` and whatever `parent` covers.
    init(covering paths: Set<[UInt8]>, within parent: WalkScope?) {
        covered = paths.union(parent?.covered ?? [])
    }

    /// Whether the walk has this path accounted for already.
    func covers(_ path: ScanPath) -> Bool {
        covered.contains(path.bytes)
    }
}
