#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `--exclude` pattern: a shell glob matched against the last path component, or against the
/// whole path when it contains a slash.
public struct ExcludeGlob: Sendable, Hashable {
    /// The glob as given.
    public let pattern: String

    /// Creates the glob.
    public init(_ pattern: String) {
        self.pattern = pattern
    }

    func matches(_ path: ScanPath) -> Bool {
        let subject = pattern.contains("/") ? path.bytes : path.lastComponent
        return unsafe ScanPath(bytes: subject).withCString { unsafe fnmatch(pattern, $0, 0) == 0 }
    }
}
