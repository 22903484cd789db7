/// LVM2's metadata text (the volume group description in a physical volume's metadata area):
/// `name = value` assignments and `name { ... }` sections, values being strings, integers or lists,
/// `#` comments to the end of the line.
public indirect enum LVMMetadataText: Sendable {
    case string(String)
    case number(Int64)
    case list([LVMMetadataText])
    case section([(name: String, value: LVMMetadataText)])

    /// Parses a whole description (the top level is a section without braces).
    ///
    /// - Throws: `FormatError` on text that does not follow the grammar, or nests too deep.
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> LVMMetadataText {
        var parser = Parser(bytes: bytes)
        let top = try parser.entries(depth: 0)
        guard parser.atEnd else { throw FormatError.malformed("LVM metadata: unexpected '}'") }
        return .section(top)
    }

    /// The value of `name` in a section.
    public subscript(_ name: String) -> LVMMetadataText? {
        guard case .section(let entries) = self else { return nil }
        return entries.first { $0.name == name }?.value
    }

    /// The entries of a section, in order.
    public var entries: [(name: String, value: LVMMetadataText)] {
        if case .section(let entries) = self { return entries }
        return []
    }

    /// The string, if the value is one.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The integer, if the value is one.
    public var number: Int64? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The elements, if the value is a list.
    public var list: [LVMMetadataText]? {
        if case .list(let elements) = self { return elements }
        return nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        static let maximumDepth = 32

        var atEnd: Bool {
            mutating get {
                skipBlank()
                return index >= bytes.count
            }
        }

        mutating func skipBlank() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                case 0x23:
                    while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                case 0x00:
                    // The text ends at its NUL.
                    index = bytes.count
                default: return
                }
            }
        }

        mutating func entries(depth: Int) throws(FormatError) -> [(name: String, value: LVMMetadataText)] {
            guard depth < Self.maximumDepth else { throw FormatError.limit("LVM metadata nested too deep") }
            var found: [(name: String, value: LVMMetadataText)] = []
            while true {
                skipBlank()
                guard index < bytes.count, bytes[index] != 0x7D else { return found }
                let name = try identifier()
                skipBlank()
                guard index < bytes.count else { throw FormatError.truncated("LVM metadata ends after '\(name)'") }
                if bytes[index] == 0x7B {
                    index += 1
                    let inner = try entries(depth: depth + 1)
                    skipBlank()
                    guard index < bytes.count, bytes[index] == 0x7D else {
                        throw FormatError.truncated("LVM metadata: section '\(name)' is not closed")
                    }
                    index += 1
                    found.append((name, .section(inner)))
                } else if bytes[index] == 0x3D {
                    index += 1
                    found.append((name, try value(depth: depth + 1)))
                } else {
                    throw FormatError.malformed("LVM metadata: '=' or '{' expected after '\(name)'")
                }
            }
        }

        mutating func identifier() throws(FormatError) -> String {
            let start = index
            while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
            guard index > start else { throw FormatError.malformed("LVM metadata: a name expected at \(start)") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2D, 0x2E, 0x2B: true
            default: false
            }
        }

        mutating func value(depth: Int) throws(FormatError) -> LVMMetadataText {
            guard depth < Self.maximumDepth else { throw FormatError.limit("LVM metadata nested too deep") }
            skipBlank()
            guard index < bytes.count else { throw FormatError.truncated("LVM metadata ends before a value") }
            switch bytes[index] {
            case 0x22:
                return .string(try quoted())
            case 0x5B:
                index += 1
                var elements: [LVMMetadataText] = []
                while true {
                    skipBlank()
                    guard index < bytes.count else { throw FormatError.truncated("LVM metadata: list not closed") }
                    if bytes[index] == 0x5D {
                        index += 1
                        return .list(elements)
                    }
                    if bytes[index] == 0x2C, !elements.isEmpty {
                        index += 1
                        continue
                    }
                    elements.append(try value(depth: depth + 1))
                }
            default:
                let start = index
                if bytes[index] == 0x2D { index += 1 }
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                // Floating-point values (rare in volume group descriptions) keep their integer part.
                if index < bytes.count, bytes[index] == 0x2E {
                    index += 1
                    while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                guard let number = Int64(text.split(separator: ".").first ?? "") else {
                    throw FormatError.malformed("LVM metadata: a value expected at \(start)")
                }
                return .number(number)
            }
        }

        mutating func quoted() throws(FormatError) -> String {
            index += 1
            var text: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x22: return String(decoding: text, as: UTF8.self)
                case 0x5C where index < bytes.count:
                    text.append(bytes[index])
                    index += 1
                default: text.append(byte)
                }
            }
            throw FormatError.truncated("LVM metadata: string not closed")
        }
    }
}
