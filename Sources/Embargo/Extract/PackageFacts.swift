internal import EmbargoFormats

/// The facts of one package's metadata, from Debian control fields or an RPM header.
enum PackageFacts {
    static func debian(_ paragraph: DebianControl.Paragraph, record: String?, origin: Fact.Origin) -> [Fact] {
        var facts: [Fact] = []
        let fields: [(String, Fact.Kind)] = [
            ("Package", .packageName), ("Maintainer", .packageMaintainer), ("Description", .packageDescription),
        ]
        for (name, kind) in fields {
            if let value = DebianControl.field(name, in: paragraph) {
                facts.append(Fact(kind: kind, value: value, field: name, record: record, origin: origin))
            }
        }
        return facts
    }

    static func rpm(_ header: RPMHeader, record: String?, origin: Fact.Origin) -> [Fact] {
        var facts: [Fact] = []
        let fields: [(RPMHeader.Tag, Fact.Kind, String)] = [
            (.name, .packageName, "NAME"), (.vendor, .packageVendor, "VENDOR"),
            (.packager, .packagePackager, "PACKAGER"),
            (.summary, .packageDescription, "SUMMARY"), (.description, .packageDescription, "DESCRIPTION"),
        ]
        for (tag, kind, field) in fields {
            if let value = header[tag], !value.isEmpty {
                facts.append(Fact(kind: kind, value: value, field: field, record: record, origin: origin))
            }
        }
        return facts
    }
}
