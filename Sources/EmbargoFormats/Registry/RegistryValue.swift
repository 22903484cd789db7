/// A named value of a registry key, with its type and raw data.
public struct RegistryValue: Sendable, Hashable {
    /// The value's name; empty for the key's default value.
    public let name: String
    /// The data type (`REG_SZ` is 1, `REG_EXPAND_SZ` 2, `REG_BINARY` 3, `REG_DWORD` 4,
    /// `REG_MULTI_SZ` 7).
    public let type: UInt32
    /// The data as stored.
    public let data: [UInt8]

    /// A value.
    public init(name: String, type: UInt32, data: [UInt8]) {
        self.name = name
        self.type = type
        self.data = data
    }

    /// The data as text, for the string types (`REG_SZ`, `REG_EXPAND_SZ`, `REG_MULTI_SZ`, whose
    /// strings are joined with "; "), up to the first NUL; nil for other types.
    public var string: String? {
        switch type {
        case 1, 2: Self.utf16String(data)
        case 7:
            Self.utf16Units(data).split(separator: 0).map { String(decoding: $0, as: UTF16.self) }
                .joined(separator: "; ")
        default: nil
        }
    }

    /// The data as a number, for `REG_DWORD` (4) and `REG_QWORD` (11).
    public var number: UInt64? {
        guard type == 4 || type == 11, data.count == (type == 4 ? 4 : 8) else { return nil }
        return data.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// UTF-16LE text up to its first NUL (an odd last byte is dropped).
    static func utf16String(_ bytes: [UInt8]) -> String {
        let units = utf16Units(bytes)
        return String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
    }

    /// All of UTF-16LE text (a text registry file after its byte-order mark).
    static func utf16Text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: utf16Units(Array(bytes)), as: UTF16.self)
    }

    private static func utf16Units(_ bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }
}

/// A tree of registry keys: a hive file, or a text registry file (`.reg`, Wine's `system.reg`).
public protocol RegistryTree {
    /// A key of the tree.
    associatedtype Key

    /// The root key.
    func root() throws(FormatError) -> Key
    /// The key's name (one path component).
    func name(of key: Key) -> String
    /// The key's subkeys.
    func children(of key: Key) throws(FormatError) -> [Key]
    /// The key's values.
    func values(of key: Key) throws(FormatError) -> [RegistryValue]
}

extension RegistryTree {
    /// The subkey of `key` named `name`, compared without regard to ASCII case as Windows does.
    public func child(of key: Key, named name: String) throws(FormatError) -> Key? {
        let wanted = name.lowercased()
        return try children(of: key).first { self.name(of: $0).lowercased() == wanted }
    }

    /// The key at `path` below `key`, one name per component; nil where one is missing.
    public func descendant(of key: Key, path: [String]) throws(FormatError) -> Key? {
        var current = key
        for component in path {
            guard let next = try child(of: current, named: component) else { return nil }
            current = next
        }
        return current
    }
}
