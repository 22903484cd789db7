/// A signature or policy file that is not valid, with the place of the problem.
public struct DefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The line (1-based), where known.
    public var line: Int?
    /// The column (1-based), where known.
    public var column: Int?
    /// The field, as a path (`products[2].evidence[0].strength`).
    public var field: String
    /// What is wrong.
    public var message: String

    /// An error.
    public init(file: String, line: Int?, column: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `file:line:column: field: message`.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return field.isEmpty ? "\(place): \(message)" : "\(place): \(field): \(message)"
    }
}
