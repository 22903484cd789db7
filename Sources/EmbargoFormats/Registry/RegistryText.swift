/// A registry in text form: Wine's `system.reg` and `user.reg` (`WINE REGISTRY Version 2`, key
/// paths relative to the hive, backslashes escaped) and regedit exports (`REGEDIT4`, `Windows
/// Registry Editor Version 5.00`, UTF-8 or UTF-16LE, absolute key paths). Keys are read into a tree;
/// values of the string, dword, qword and hex kinds keep their type and data. Deletions (`[-KEY]`,
/// `"NAME"=-`) are skipped, and a line that cannot be read is counted in `skippedLines`.
public struct RegistryText: Sendable, RegistryTree {
    private struct Node: Sendable {
        var name: String
        var children: [Int] = []
        var values: [RegistryValue] = []
    }

    /// Which program wrote the file.
    public enum Dialect: String, Sendable {
        case wine, regedit
    }

    /// The dialect.
    public let dialect: Dialect
    /// For Wine files, the hive the keys are relative to (`\Machine`, `\User\S-1-5-21-...`), from the
    /// header comment; nil when the file does not say.
    public private(set) var relativeTo: String?
    /// Lines that are neither keys, values, comments nor continuations.
    public private(set) var skippedLines = 0
    private var nodes: [Node] = [Node(name: "")]
    private var index: [String: Int] = [:]

    /// The dialect of a file that starts with `head`, if it is a text registry.
    public static func dialect(of head: [UInt8]) -> Dialect? {
        let text = decode(Array(head.prefix(256)))
        let first = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingWhitespace() } ?? ""
        if first.hasPrefix("WINE REGISTRY Version") { return .wine }
        if first == "REGEDIT4" || first.hasPrefix("Windows Registry Editor Version") { return .regedit }
        return nil
    }

    /// Reads the text registry in `bytes`.
    ///
    /// - Throws: `FormatError` when the header is not a text registry's.
    public init(_ bytes: [UInt8]) throws(FormatError) {
        guard let dialect = Self.dialect(of: bytes) else {
            throw FormatError.badMagic("not a text registry (no WINE REGISTRY or regedit header)")
        }
        self.dialect = dialect
        let text = Self.decode(bytes)
        var current: Int?
        var pending = ""
        // The first line is the header `dialect(of:)` read.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).dropFirst() {
            let line = pending + rawLine.trimmingWhitespace()
            pending = ""
            // A hex value continues on the next line after a trailing backslash.
            if line.hasSuffix("\\"), line.contains("=hex") {
                pending = String(line.dropLast())
                continue
            }
            if line.hasPrefix(";; All keys relative to ") {
                relativeTo = String(line.dropFirst(";; All keys relative to ".count)).replacingOccurrences("\\\\", "\\")
                continue
            }
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                current = nil
                guard let close = line.lastIndex(of: "]") else {
                    skippedLines += 1
                    continue
                }
                let path = line[line.index(after: line.startIndex)..<close]
                if path.hasPrefix("-") { continue }
                current = node(at: Self.components(of: String(path), dialect: dialect))
                continue
            }
            guard let key = current else {
                skippedLines += 1
                continue
            }
            if let value = Self.value(line: line) {
                nodes[key].values.append(value)
            } else if !line.hasSuffix("=-") {
                skippedLines += 1
            }
        }
    }

    /// The root: the hive the keys are relative to (Wine), or what holds the `HKEY_...` roots (regedit).
    public func root() throws(FormatError) -> Int { 0 }

    /// The key's name.
    public func name(of key: Int) -> String { nodes[key].name }

    /// The key's subkeys, in the order the file first names them.
    public func children(of key: Int) throws(FormatError) -> [Int] { nodes[key].children }

    /// The key's values, in the order of the file.
    public func values(of key: Int) throws(FormatError) -> [RegistryValue] { nodes[key].values }

    /// The node at `components`, made with its parents where missing.
    private mutating func node(at components: [String]) -> Int {
        var current = 0
        var path = ""
        for component in components {
            path += "\\" + component.lowercased()
            if let existing = index[path] {
                current = existing
                continue
            }
            nodes.append(Node(name: component))
            let created = nodes.count - 1
            nodes[current].children.append(created)
            index[path] = created
            current = created
        }
        return current
    }

    /// The components of a key path: Wine escapes each backslash of the path, regedit does not.
    private static func components(of path: String, dialect: Dialect) -> [String] {
        let plain = dialect == .wine ? path.replacingOccurrences("\\\\", "\\") : path
        return plain.split(separator: "\\").map(String.init)
    }

    /// The value a line defines (`"NAME"=DATA` or `@=DATA`), nil when it defines none.
    private static func value(line: String) -> RegistryValue? {
        var rest = Substring(line)
        let name: String
        if rest.hasPrefix("@=") {
            name = ""
            rest = rest.dropFirst(2)
        } else {
            guard rest.hasPrefix("\""), let (quoted, after) = quotedString(rest), after.hasPrefix("=") else {
                return nil
            }
            name = quoted
            rest = after.dropFirst()
        }
        if rest.hasPrefix("\"") {
            guard let (text, _) = quotedString(rest) else { return nil }
            return RegistryValue(name: name, type: 1, data: utf16(text))
        }
        if rest.hasPrefix("str("), let close = rest.firstIndex(of: ")"),
            let type = UInt32(rest[rest.index(rest.startIndex, offsetBy: 4)..<close]),
            rest[rest.index(after: close)...].hasPrefix(":"),
            let (text, _) = quotedString(rest[rest.index(close, offsetBy: 2)...])
        {
            return RegistryValue(name: name, type: type, data: utf16(text))
        }
        if rest.hasPrefix("dword:"), let number = UInt32(rest.dropFirst(6), radix: 16) {
            return RegistryValue(
                name: name,
                type: 4,
                data: (0..<4).map { UInt8(truncatingIfNeeded: number >> (8 * $0)) }
            )
        }
        if rest.hasPrefix("hex"), let colon = rest.firstIndex(of: ":") {
            var type: UInt32 = 3
            let kind = rest[rest.startIndex..<colon]
            if kind.hasPrefix("hex("), kind.hasSuffix(")") {
                guard let parsed = UInt32(kind.dropFirst(4).dropLast(), radix: 16) else { return nil }
                type = parsed
            } else if kind != "hex" {
                return nil
            }
            var data: [UInt8] = []
            for part in rest[rest.index(after: colon)...].split(separator: ",") {
                guard let byte = UInt8(part.trimmingWhitespace(), radix: 16) else { return nil }
                data.append(byte)
            }
            return RegistryValue(name: name, type: type, data: data)
        }
        return nil
    }

    /// The text of the quoted string at the start of `text`, unescaped, and what follows it.
    private static func quotedString(_ text: Substring) -> (String, Substring)? {
        guard text.first == "\"" else { return nil }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { return (result, text[text.index(after: index)...]) }
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex else { return nil }
                switch text[index] {
                case "n": result.append("\n")
                case "r": result.append("\r")
                case "t": result.append("\t")
                case "0": result.append("\u{0}")
                case "x":
                    // Wine writes characters outside ASCII as \x and up to four hex digits.
                    var digits = ""
                    var next = text.index(after: index)
                    while next < text.endIndex, digits.count < 4, text[next].isHexDigit {
                        digits.append(text[next])
                        next = text.index(after: next)
                    }
                    if let scalar = UInt32(digits, radix: 16).flatMap(Unicode.Scalar.init) {
                        result.unicodeScalars.append(scalar)
                    }
                    index = text.index(before: next)
                default: result.append(text[index])
                }
            } else {
                result.append(character)
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// `text` as UTF-16LE bytes, as a string value is stored in a hive (so that both sources read
    /// alike).
    private static func utf16(_ text: String) -> [UInt8] {
        text.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    /// The file's text: UTF-16LE after its byte-order mark, else UTF-8 (a UTF-8 mark dropped).
    private static func decode(_ bytes: [UInt8]) -> String {
        if bytes.starts(with: [0xFF, 0xFE]) { return RegistryValue.utf16Text(bytes.dropFirst(2)) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return String(decoding: bytes.dropFirst(3), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// The text with every occurrence of `target` replaced by `replacement`.
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        String(self).split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
