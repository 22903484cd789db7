internal import CEmbargoSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shell-style globs: `*` and `**` match any run of characters (slashes included), `?` one
/// character, `[...]` a set.
/// Without `FNM_PATHNAME`, fnmatch's `*` already crosses slashes, so `**` means the same as `*`.
enum Glob {
    static func matches(_ pattern: String, _ subject: String, caseInsensitive: Bool = false) -> Bool {
        unsafe fnmatch(pattern, subject, caseInsensitive ? CEmbargoSystem_fnm_casefold() : 0) == 0
    }

    static func matches(_ pattern: String, bytes: [UInt8], caseInsensitive: Bool = false) -> Bool {
        unsafe ScanPath(bytes: bytes).withCString {
            unsafe fnmatch(pattern, $0, caseInsensitive ? CEmbargoSystem_fnm_casefold() : 0) == 0
        }
    }
}
