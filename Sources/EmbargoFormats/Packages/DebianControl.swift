/// Debian control data: the fields of a package's `control` file and the paragraphs of the dpkg
/// database (`var/lib/dpkg/status`, `status.d/*`).
public enum DebianControl {
    /// One paragraph: fields in order, names as written; continuation lines are joined with newlines.
    public typealias Paragraph = [(name: String, value: String)]

    /// The paragraphs of a control file.
    public static func paragraphs(_ bytes: [UInt8]) -> [Paragraph] {
        var paragraphs: [Paragraph] = []
        var current: Paragraph = []
        for rawLine in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !current.isEmpty { paragraphs.append(current) }
                current = []
                continue
            }
            if line.first == " " || line.first == "\t" {
                guard !current.isEmpty else { continue }
                let continuation = line.drop { $0 == " " || $0 == "\t" }
                current[current.count - 1].value += "\n" + (continuation == "." ? "" : continuation)
                continue
            }
            if line.first == "#" { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            current.append((name, value))
        }
        if !current.isEmpty { paragraphs.append(current) }
        return paragraphs
    }

    /// A field's value (names compare without regard to case, as Debian policy says).
    public static func field(_ name: String, in paragraph: Paragraph) -> String? {
        paragraph.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The packages of a dpkg status file that are installed (or half-installed, unpacked or
    /// awaiting configuration: their files are on disk), leaving out removed packages whose
    /// configuration files alone remain.
    public static func installedPackages(_ bytes: [UInt8]) -> [Paragraph] {
        paragraphs(bytes).filter { paragraph in
            guard field("Package", in: paragraph) != nil else { return false }
            guard let status = field("Status", in: paragraph) else { return true }
            let state = status.split(separator: " ").last.map(String.init) ?? ""
            return !["not-installed", "config-files"].contains(state)
        }
    }
}
