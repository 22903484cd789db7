/// Where something was found: a path on disk and, inside it, the chain of archive members
/// (outermost first).
public struct Location: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The on-disk path, as given or as found by the walk.
    public var path: ScanPath
    /// The member names, from the outermost archive inwards; empty for a file on disk.
    public var members: [ScanPath]

    /// A location.
    public init(path: ScanPath, members: [ScanPath] = []) {
        self.path = path
        self.members = members
    }

    /// The location of a member inside this one.
    public func appending(member: ScanPath) -> Location {
        Location(path: path, members: members + [member])
    }

    /// How many archives deep the location is.
    public var depth: Int { members.count }

    /// `path!member!member`, for people.
    public var description: String {
        ([path] + members).map(\.displayString).joined(separator: "!")
    }

    /// Orders by path, then by member chain.
    public static func < (lhs: Location, rhs: Location) -> Bool {
        if lhs.path != rhs.path { return lhs.path < rhs.path }
        return lhs.members.lexicographicallyPrecedes(rhs.members)
    }
}
