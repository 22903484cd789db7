internal import Yams

/// A YAML node with its place in the file, for readers that report errors by file, line and field.
struct YAMLNode {
    let node: Node
    let file: String
    /// The field path from the document root (`products[2].evidence[0]`).
    let path: String

    /// Parses a document.
    ///
    /// - Throws: `DefinitionError` for YAML that does not parse or an empty document.
    static func parse(_ text: String, file: String) throws(DefinitionError) -> YAMLNode {
        do {
            // Every value is read as text (`string`, `integer(in:)`, `boolean()`), so no scalar's type
            // is resolved: the default resolver runs regular expressions on every key a lookup compares.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw DefinitionError(file: file, line: 1, column: 1, field: "", message: "the file is empty")
            }
            return YAMLNode(node: node, file: file, path: "")
        } catch let error as DefinitionError {
            throw error
        } catch let error as YamlError {
            throw DefinitionError(
                file: file,
                line: Self.line(of: error),
                column: nil,
                field: "",
                message: "not valid YAML: \(Self.problem(of: error))"
            )
        } catch {
            throw DefinitionError(file: file, line: nil, column: nil, field: "", message: "not valid YAML: \(error)")
        }
    }

    func error(_ message: String) -> DefinitionError {
        DefinitionError(file: file, line: node.mark?.line, column: node.mark?.column, field: path, message: message)
    }

    /// The mapping's entries by key, or an error naming the field.
    func mapping() throws(DefinitionError) -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        var entries: [(String, YAMLNode)] = []
        for (key, value) in mapping {
            guard let name = key.string else { throw error("keys must be text") }
            entries.append((name, YAMLNode(node: value, file: file, path: path.isEmpty ? name : "\(path).\(name)")))
        }
        return entries
    }

    /// Checks that every key is one of `allowed`; an unknown key is reported where the key is written.
    func requireKeys(in allowed: Set<String>) throws(DefinitionError) {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        for (key, _) in mapping {
            guard let name = key.string, !allowed.contains(name) else { continue }
            throw DefinitionError(
                file: file,
                line: key.mark?.line,
                column: key.mark?.column,
                field: path.isEmpty ? name : "\(path).\(name)",
                message: "unknown key '\(name)' (expected one of: \(allowed.sorted().joined(separator: ", ")))"
            )
        }
    }

    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let mapping) = node, let value = mapping[key] else { return nil }
        return YAMLNode(node: value, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// The value at `key`, which must be present.
    func required(_ key: String) throws(DefinitionError) -> YAMLNode {
        guard let value = self[key] else { throw error("missing required key '\(key)'") }
        return value
    }

    /// The sequence's elements.
    func sequence() throws(DefinitionError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { YAMLNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// The scalar as text.
    func string() throws(DefinitionError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected text") }
        return scalar.string
    }

    /// The scalar as a non-empty string.
    func nonEmptyString() throws(DefinitionError) -> String {
        let value = try string()
        guard !value.allSatisfy(\.isWhitespace) else { throw error("must not be empty") }
        return value
    }

    /// The scalar as an integer in `range`.
    func integer(in range: ClosedRange<Int>) throws(DefinitionError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string), range.contains(value) else {
            throw error("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The scalar as a boolean.
    func boolean() throws(DefinitionError) -> Bool {
        guard case .scalar(let scalar) = node else { throw error("expected true or false") }
        switch scalar.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw error("expected true or false")
        }
    }

    /// A list of strings, or a single string as a one-element list.
    func strings() throws(DefinitionError) -> [String] {
        if case .scalar = node { return [try string()] }
        var values: [String] = []
        for element in try sequence() { values.append(try element.string()) }
        return values
    }

    /// An identifier: lower-case letters, digits and dashes.
    func identifier() throws(DefinitionError) -> String {
        let value = try string()
        guard !value.isEmpty,
            value.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        else { throw error("'\(value)' is not an identifier (lower-case letters, digits and dashes)") }
        return value
    }

    /// `file:line`.
    var origin: String { "\(file):\(node.mark?.line ?? 0)" }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }
}
