internal import EmbargoFormats

/// A filesystem path as the bytes the kernel knows it by.
///
/// Linux file names are byte strings, not text: a name that is not valid UTF-8 must still be opened,
/// reported and written back exactly. `ScanPath` keeps the bytes; `displayString` is for people and
/// escapes what is not UTF-8.
public struct ScanPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    /// A path from its bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A path from text.
    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    /// Whether the bytes are valid UTF-8.
    public var isValidUTF8: Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    /// The path as text; bytes that are not UTF-8 appear as `\xNN`.
    public var displayString: String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var result = ""
        var index = 0
        while index < bytes.count {
            let length = Self.validSequenceLength(bytes, at: index)
            if length > 0 {
                result += String(decoding: bytes[index..<index + length], as: UTF8.self)
                index += length
            } else {
                result += "\\x" + String(bytes[index], radix: 16, uppercase: true).leftPadded(to: 2)
                index += 1
            }
        }
        return result
    }

    /// The display string.
    public var description: String { displayString }

    /// The path with `component` appended after a slash.
    public func appending(_ component: [UInt8]) -> ScanPath {
        if bytes.isEmpty { return ScanPath(bytes: component) }
        if bytes.last == UInt8(ascii: "/") { return ScanPath(bytes: bytes + component) }
        return ScanPath(bytes: bytes + [UInt8(ascii: "/")] + component)
    }

    /// The path without its last component, or nil for a single component.
    public var parent: ScanPath? {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return ScanPath(bytes: slash == 0 ? [UInt8(ascii: "/")] : Array(bytes[..<slash]))
    }

    /// The last component.
    public var lastComponent: [UInt8] {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return bytes }
        return Array(bytes[(slash + 1)...])
    }

    /// Orders paths by their bytes, as `strcmp` does.
    public static func < (lhs: ScanPath, rhs: ScanPath) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// Calls `body` with the path as a NUL-terminated C string, valid during the call.
    func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        return try unsafe body(terminated)
    }

    /// The length of the valid UTF-8 sequence at `index`, or 0 if none starts there.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        return String(validating: bytes[index..<index + length], as: UTF8.self) != nil ? length : 0
    }
}
