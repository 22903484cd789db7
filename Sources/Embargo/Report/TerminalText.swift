extension String {
    /// The text with every control character written as an escape (`\x1B`, `\n`, `\u{9B}`), so that
    /// names and values taken from scanned content cannot move the cursor, recolour or retitle a
    /// terminal, or split a report line.
    public var terminalSafe: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return self }
        var result = ""
        for scalar in unicodeScalars {
            guard Self.isControl(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{\(hex)}"
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{202E}" || scalar == "\u{2066}"
            || scalar == "\u{2067}" || scalar == "\u{2068}" || scalar == "\u{202D}"
    }
}
