import Foundation
internal import CEmbargoSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shell-style globs: `*` and `**` match any run of characters (slashes included), `?` one
/// character, `[...]` a set.
enum Glob {
    static func matches(_ pattern: String, _ subject: String, caseInsensitive: Bool = false) -> Bool {
        let normalized = pattern.replacingOccurrences(of: "**", with: "*")
        return fnmatch(normalized, subject, caseInsensitive ? CEmbargoSystem_fnm_casefold() : 0) == 0
    }

    static func matches(_ pattern: String, bytes: [UInt8], caseInsensitive: Bool = false) -> Bool {
        let normalized = pattern.replacingOccurrences(of: "**", with: "*")
        return (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                fnmatch(normalized, characters.baseAddress.unsafelyUnwrapped, caseInsensitive ? CEmbargoSystem_fnm_casefold() : 0) == 0
            }
        }
    }
}
