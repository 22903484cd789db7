/// A list of patterns in the line format shared with the peer tools in `shared/peers`.
///
/// One pattern a line; ids count from 0 over the non-empty lines in file order:
/// - plain text is a case-sensitive literal of the line's bytes;
/// - `i:TEXT` is TEXT, ASCII case-insensitive;
/// - `hex:4D5A??00` is raw bytes in hex, with `?` wildcard nibbles.
public enum PatternList {
    /// Parses the lines of a pattern file.
    ///
    /// - Throws: `PatternListError` naming the line of a `hex:` pattern that is not valid hex.
    public static func parse(_ contents: [UInt8]) throws(PatternListError) -> [Pattern] {
        var patterns: [Pattern] = []
        for line in lines(contents) {
            patterns.append(try parseLine(line.text, lineNumber: line.number))
        }
        return patterns
    }

    /// The non-empty lines of a pattern file, without their line ends, with their one-based line
    /// numbers: the pattern with id `i` is the `i`th.
    public static func lines(_ contents: [UInt8]) -> [(number: Int, text: ArraySlice<UInt8>)] {
        var lines: [(number: Int, text: ArraySlice<UInt8>)] = []
        var lineNumber = 0
        var lineStart = 0
        while lineStart < contents.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < contents.count, contents[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var contentEnd = lineEnd
            while contentEnd > lineStart, contents[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            let line = contents[lineStart..<contentEnd]
            lineStart = lineEnd + 1
            if !line.isEmpty { lines.append((lineNumber, line)) }
        }
        return lines
    }

    static func parseLine(_ line: ArraySlice<UInt8>, lineNumber: Int) throws(PatternListError) -> Pattern {
        if line.starts(with: Array("i:".utf8)) {
            return Pattern(bytes: line.dropFirst(2).map(PatternByte.caseInsensitive))
        }
        if line.starts(with: Array("hex:".utf8)) {
            do {
                return try Pattern(hex: String(decoding: line.dropFirst(4), as: UTF8.self))
            } catch {
                throw PatternListError(line: lineNumber, reason: error)
            }
        }
        return Pattern(literal: line)
    }
}

/// A line of a pattern list that could not be read.
public struct PatternListError: Error, Sendable, CustomStringConvertible {
    /// The one-based line number.
    public let line: Int
    /// What is wrong with the pattern on that line.
    public let reason: PatternSyntaxError

    /// The line and the reason.
    public var description: String { "line \(line): \(reason)" }
}
