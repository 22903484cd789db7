/// One thing an XML document says, in document order.
public enum XMLEvent: Sendable, Hashable {
    /// An element opens (an empty element `<a/>` gives `start` and then `end`).
    case start(XMLElement)
    /// The element with this qualified name closes.
    case end(name: String)
    /// Character data inside an element (entity and character references replaced, CDATA included);
    /// one run of text may arrive in several pieces.
    case text(String)
}

/// An element's start tag.
public struct XMLElement: Sendable, Hashable {
    /// The qualified name as written (`rpm:vendor`).
    public let name: String
    /// The attributes in document order, with qualified names (`xml:base`).
    public let attributes: [XMLAttribute]

    /// The name without its namespace prefix (`vendor`).
    public var localName: Substring { name.split(separator: ":", maxSplits: 1).last ?? name[...] }

    /// The value of the attribute with this qualified name, or else with this local name.
    public subscript(attribute name: String) -> String? {
        attributes.first { $0.name == name }?.value
            ?? attributes.first { $0.name.split(separator: ":", maxSplits: 1).last.map(String.init) == name }?.value
    }
}

/// One attribute of a start tag.
public struct XMLAttribute: Sendable, Hashable {
    /// The qualified name.
    public let name: String
    /// The value, references replaced.
    public let value: String
}

/// A streaming reader of XML 1.0 documents in UTF-8, for the metadata Embargo reads (rpm-md
/// indexes, property lists, OVF descriptors).
///
/// It is built for hostile input: bytes arrive in chunks of any size, nothing is fetched from the
/// network, entities other than the five predefined ones and character references are refused
/// (no expansion, so no entity bombs), the nesting depth and the size of one markup token are
/// bounded, and every problem is a `FormatError` — never a crash. Document type declarations and
/// processing instructions are skipped; comments are dropped.
public struct XMLReader {
    /// The deepest element nesting accepted.
    public static let maximumDepth = 256
    /// The longest single piece of markup (a start tag with its attributes, a comment, a CDATA
    /// section, a document type declaration).
    public static let maximumTokenBytes = 16 << 20

    private var pending: [UInt8] = []
    private var open: [String] = []
    private var sawRoot = false
    private var finishedRoot = false
    private var consumed: UInt64 = 0

    /// A reader at the start of a document.
    public init() {}

    /// Reads the next chunk, handing each complete event to `onEvent`.
    ///
    /// - Throws: `FormatError` for a document that is not well-formed (or the handler's error).
    public mutating func feed(_ chunk: some Sequence<UInt8>, onEvent: (XMLEvent) throws -> Void) throws {
        pending.append(contentsOf: chunk)
        if consumed == 0, pending.count >= 3, pending[0] == 0xEF, pending[1] == 0xBB, pending[2] == 0xBF {
            pending.removeFirst(3)
            consumed = 3
        }
        if consumed == 0, pending.count >= 2,
            (pending[0] == 0xFE && pending[1] == 0xFF) || (pending[0] == 0xFF && pending[1] == 0xFE)
        {
            throw FormatError.unsupported("XML in UTF-16 is not read")
        }
        var position = 0
        while position < pending.count {
            if pending[position] == UInt8(ascii: "<") {
                guard let end = try markupEnd(from: position) else {
                    guard pending.count - position <= Self.maximumTokenBytes else {
                        throw FormatError.limit(
                            "XML markup longer than \(Self.maximumTokenBytes) bytes at byte \(consumed + UInt64(position))"
                        )
                    }
                    break
                }
                try markup(from: position, to: end, onEvent: onEvent)
                position = end
            } else {
                let end = text(from: position)
                guard end > position else {
                    guard pending.count - position <= Self.maximumTokenBytes else {
                        throw FormatError.limit(
                            "an XML reference or text run longer than \(Self.maximumTokenBytes) bytes at byte \(consumed + UInt64(position))"
                        )
                    }
                    break
                }
                try characters(from: position, to: end, onEvent: onEvent)
                position = end
            }
        }
        consumed += UInt64(position)
        pending.removeFirst(position)
    }

    /// Ends the document.
    ///
    /// - Throws: `FormatError` when it ends inside markup or an element, or holds no element.
    public mutating func finish(onEvent: (XMLEvent) throws -> Void) throws {
        if !pending.isEmpty {
            guard pending.allSatisfy(Self.isSpace) else {
                throw FormatError.truncated("XML document ends inside markup or a reference at byte \(consumed)")
            }
        }
        guard open.isEmpty else { throw FormatError.truncated("XML document ends inside <\(open.last ?? "")>") }
        guard sawRoot else { throw FormatError.malformed("XML document holds no element") }
    }

    /// Parses a whole document held in memory.
    ///
    /// - Throws: `FormatError` for a document that is not well-formed (or the handler's error).
    public static func parse(_ bytes: [UInt8], onEvent: (XMLEvent) throws -> Void) throws {
        var reader = XMLReader()
        try reader.feed(bytes, onEvent: onEvent)
        try reader.finish(onEvent: onEvent)
    }

    // MARK: - Tokens

    /// Where the markup starting at `start` ends (one past its `>`), or nil when it is not complete.
    private func markupEnd(from start: Int) throws -> Int? {
        if starts(with: "<!--", at: start) { return find("-->", from: start + 4) }
        if starts(with: "<![CDATA[", at: start) { return find("]]>", from: start + 9) }
        if starts(with: "<?", at: start) { return find("?>", from: start + 2) }
        if starts(with: "<!", at: start) {
            // A document type declaration: `>` ends it outside quotes and the internal subset.
            var brackets = 0
            var quote: UInt8?
            var index = start + 2
            while index < pending.count {
                let byte = pending[index]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: "[") {
                    brackets += 1
                } else if byte == UInt8(ascii: "]") {
                    brackets -= 1
                } else if byte == UInt8(ascii: ">"), brackets <= 0 {
                    return index + 1
                }
                index += 1
            }
            return nil
        }
        var quote: UInt8?
        var index = start + 1
        while index < pending.count {
            let byte = pending[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return index + 1
            } else if byte == UInt8(ascii: "<") {
                throw FormatError.malformed("'<' inside a tag at byte \(consumed + UInt64(index))")
            }
            index += 1
        }
        return nil
    }

    /// Handles one complete piece of markup in `pending[start..<end]`.
    private mutating func markup(from start: Int, to end: Int, onEvent: (XMLEvent) throws -> Void) throws {
        if starts(with: "<!--", at: start) || starts(with: "<?", at: start) { return }
        if starts(with: "<![CDATA[", at: start) {
            guard !open.isEmpty else { throw FormatError.malformed("CDATA outside the root element") }
            try onEvent(.text(String(decoding: pending[(start + 9)..<(end - 3)], as: UTF8.self)))
            return
        }
        if starts(with: "<!", at: start) {
            guard !sawRoot else { throw FormatError.malformed("a document type declaration after the root element") }
            return
        }
        if starts(with: "</", at: start) {
            var index = start + 2
            let name = try readName(&index, limit: end - 1)
            skipSpace(&index, limit: end - 1)
            guard index == end - 1 else { throw malformed("junk in the end tag </\(name)>", at: index) }
            guard let expected = open.popLast() else {
                throw malformed("end tag </\(name)> without a start tag", at: start)
            }
            guard expected == name else { throw malformed("end tag </\(name)> closes <\(expected)>", at: start) }
            try onEvent(.end(name: name))
            if open.isEmpty { finishedRoot = true }
            return
        }
        guard !finishedRoot else { throw malformed("a second root element", at: start) }
        var index = start + 1
        let name = try readName(&index, limit: end - 1)
        var attributes: [XMLAttribute] = []
        var isEmpty = false
        while true {
            let hadSpace = skipSpace(&index, limit: end - 1)
            if index == end - 1 { break }
            if pending[index] == UInt8(ascii: "/"), index + 1 == end - 1 {
                isEmpty = true
                break
            }
            guard hadSpace else { throw malformed("attributes of <\(name)> are not separated by space", at: index) }
            let attribute = try readName(&index, limit: end - 1)
            skipSpace(&index, limit: end - 1)
            guard index < end - 1, pending[index] == UInt8(ascii: "=") else {
                throw malformed("attribute \(attribute) of <\(name)> has no value", at: index)
            }
            index += 1
            skipSpace(&index, limit: end - 1)
            guard index < end - 1, pending[index] == UInt8(ascii: "\"") || pending[index] == UInt8(ascii: "'") else {
                throw malformed("the value of \(attribute) is not quoted", at: index)
            }
            let quote = pending[index]
            let valueStart = index + 1
            var valueEnd = valueStart
            while valueEnd < end - 1, pending[valueEnd] != quote { valueEnd += 1 }
            guard valueEnd < end - 1 else { throw malformed("the value of \(attribute) is not closed", at: index) }
            guard !attributes.contains(where: { $0.name == attribute }) else {
                throw malformed("attribute \(attribute) given twice in <\(name)>", at: index)
            }
            guard attributes.count < 256 else { throw FormatError.limit("<\(name)> has more than 256 attributes") }
            attributes.append(
                XMLAttribute(
                    name: attribute,
                    value: try Self.resolve(pending[valueStart..<valueEnd], at: consumed + UInt64(valueStart))
                )
            )
            index = valueEnd + 1
        }
        guard open.count < Self.maximumDepth else {
            throw FormatError.limit("XML elements nested more than \(Self.maximumDepth) deep")
        }
        sawRoot = true
        try onEvent(.start(XMLElement(name: name, attributes: attributes)))
        if isEmpty {
            try onEvent(.end(name: name))
            if open.isEmpty { finishedRoot = true }
        } else {
            open.append(name)
        }
    }

    /// Where the character data starting at `start` can be cut: at the next `<`, or at the end of
    /// the bytes so far unless a reference or a UTF-8 sequence may be cut in two there.
    private func text(from start: Int) -> Int {
        var index = start
        while index < pending.count, pending[index] != UInt8(ascii: "<") { index += 1 }
        if index < pending.count { return index }
        // Keep back an unfinished reference (`&am` at the end of a chunk).
        if let ampersand = pending[start...].lastIndex(of: UInt8(ascii: "&")),
            !pending[ampersand...].contains(UInt8(ascii: ";"))
        {
            return ampersand
        }
        // Keep back an unfinished UTF-8 sequence.
        var lead = index
        while lead > start, index - lead < 4, pending[lead - 1] & 0xC0 == 0x80 { lead -= 1 }
        if lead > start, pending[lead - 1] >= 0xC0 {
            let byte = pending[lead - 1]
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            if index - (lead - 1) < length { return lead - 1 }
        }
        return index
    }

    private func characters(from start: Int, to end: Int, onEvent: (XMLEvent) throws -> Void) throws {
        let bytes = pending[start..<end]
        guard !open.isEmpty else {
            guard bytes.allSatisfy(Self.isSpace) else { throw malformed("text outside the root element", at: start) }
            return
        }
        guard end - start <= Self.maximumTokenBytes || !bytes.contains(UInt8(ascii: "&")) else {
            throw FormatError.limit("a reference-laden text run longer than \(Self.maximumTokenBytes) bytes")
        }
        try onEvent(.text(try Self.resolve(bytes, at: consumed + UInt64(start))))
    }

    // MARK: - Pieces

    private func readName(_ index: inout Int, limit: Int) throws -> String {
        let start = index
        while index < limit, !Self.isSpace(pending[index]),
            ![UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: ">")].contains(pending[index])
        {
            index += 1
        }
        guard index > start else { throw malformed("a name is missing", at: start) }
        guard index - start <= 1024 else { throw FormatError.limit("an XML name longer than 1024 bytes") }
        guard let name = String(validating: pending[start..<index], as: UTF8.self) else {
            throw malformed("a name that is not UTF-8", at: start)
        }
        let first = pending[start]
        guard !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")), first != UInt8(ascii: "-"),
            first != UInt8(ascii: "."),
            !name.contains(where: { $0 == "\"" || $0 == "'" || $0 == "<" || $0 == "&" })
        else { throw malformed("'\(name)' is not an XML name", at: start) }
        return name
    }

    @discardableResult
    private func skipSpace(_ index: inout Int, limit: Int) -> Bool {
        let start = index
        while index < limit, Self.isSpace(pending[index]) { index += 1 }
        return index > start
    }

    private func starts(with literal: String, at index: Int) -> Bool {
        let prefix = literal.utf8
        guard index + prefix.count <= pending.count else { return false }
        var position = index
        for byte in prefix {
            if pending[position] != byte { return false }
            position += 1
        }
        return true
    }

    private func find(_ literal: String, from start: Int) -> Int? {
        let count = literal.utf8.count
        guard let first = literal.utf8.first else { return nil }
        var index = start
        while index + count <= pending.count {
            if pending[index] == first, starts(with: literal, at: index) { return index + count }
            index += 1
        }
        return nil
    }

    private func malformed(_ what: String, at index: Int) -> FormatError {
        FormatError.malformed("XML: \(what) (byte \(consumed + UInt64(index)))")
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Text with its references replaced: the five predefined entities and character references.
    static func resolve(_ bytes: ArraySlice<UInt8>, at offset: UInt64) throws(FormatError) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "&") else {
                output.append(byte)
                index += 1
                continue
            }
            guard let semicolon = bytes[index...].prefix(16).firstIndex(of: UInt8(ascii: ";")) else {
                throw FormatError.malformed(
                    "XML: an unterminated reference (byte \(offset + UInt64(index - bytes.startIndex)))"
                )
            }
            let name = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
            switch name {
            case "lt": output.append(UInt8(ascii: "<"))
            case "gt": output.append(UInt8(ascii: ">"))
            case "amp": output.append(UInt8(ascii: "&"))
            case "quot": output.append(UInt8(ascii: "\""))
            case "apos": output.append(UInt8(ascii: "'"))
            default:
                guard name.hasPrefix("#"),
                    let value = name.hasPrefix("#x")
                        ? UInt32(name.dropFirst(2), radix: 16) : UInt32(name.dropFirst(), radix: 10),
                    value != 0, let scalar = Unicode.Scalar(value)
                else {
                    throw FormatError.unsupported(
                        "XML: the reference &\(name); is not one Embargo resolves (no entities are expanded)"
                    )
                }
                output.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            index = semicolon + 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
