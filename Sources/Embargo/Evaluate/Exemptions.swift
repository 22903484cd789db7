/// A user's exemption: findings it matches are exempt, on the user's stated grounds, until it expires.
public struct Exemption: Sendable, Hashable {
    /// An id for reports (the file's, or `exemption-N`).
    public var id: String
    /// A finding id (any of the match fields given must all match).
    public var findingID: String?
    /// A vendor id.
    public var vendor: String?
    /// A product id.
    public var product: String?
    /// A glob matched against the on-disk path (`*` and `**` cross slashes).
    public var pathGlob: String?
    /// A SHA-256 of the item, lower-case hex.
    public var sha256: String?
    /// Why the finding may stay, and on whose word. Mandatory.
    public var statement: String
    /// The last day the exemption holds, if it expires.
    public var expires: CalendarDate?

    /// Whether every field given matches `detection`.
    public func matches(_ detection: Detection) -> Bool {
        (findingID.map { $0 == detection.id } ?? true)
            && (vendor.map { $0 == detection.vendor } ?? true)
            && (product.map { $0 == detection.product } ?? true)
            && (pathGlob.map { Glob.matches($0, bytes: detection.location.path.bytes) } ?? true)
            && (sha256.map { $0.lowercased() == detection.item.sha256 } ?? true)
    }

    /// Reads an exemptions file:
    ///
    /// ```yaml
    /// exemptions:
    ///   - id: quarantine
    ///     match: {path: "/srv/quarantine/**", vendor: kaspersky}
    ///     statement: "Kept for forensic analysis (ticket SEC-123, approved by the CISO)."
    ///     expires: 2026-12-31
    /// ```
    ///
    /// - Throws: `DefinitionError` for a missing statement, an empty match or an unknown key.
    public static func load(_ text: String, file: String) throws(DefinitionError) -> [Exemption] {
        let root = try YAMLNode.parse(text, file: file)
        try root.requireKeys(in: ["exemptions"])
        var exemptions: [Exemption] = []
        for (index, node) in try root.required("exemptions").sequence().enumerated() {
            try node.requireKeys(in: ["id", "match", "statement", "expires"])
            let match = try node.required("match")
            try match.requireKeys(in: ["finding", "vendor", "product", "path", "sha256"])
            guard try !match.mapping().isEmpty else {
                throw match.error("give at least one of: finding, vendor, product, path, sha256")
            }
            guard let statementNode = node["statement"] else {
                throw node.error("missing required key 'statement': say why the finding may stay and on whose word")
            }
            var expires: CalendarDate?
            if let expiry = node["expires"] {
                guard let date = CalendarDate(try expiry.string()) else {
                    throw expiry.error("expected a date as YYYY-MM-DD")
                }
                expires = date
            }
            exemptions.append(
                Exemption(
                    id: try node["id"]?.nonEmptyString() ?? "exemption-\(index + 1)",
                    findingID: try match["finding"]?.nonEmptyString(),
                    vendor: try match["vendor"]?.nonEmptyString(),
                    product: try match["product"]?.nonEmptyString(),
                    pathGlob: try match["path"]?.nonEmptyString(),
                    sha256: try match["sha256"]?.nonEmptyString(),
                    statement: try statementNode.nonEmptyString(),
                    expires: expires
                )
            )
        }
        return exemptions
    }
}

/// An exemption that matched a finding, and whether it had expired on the as-of date.
public struct AppliedExemption: Sendable, Hashable {
    /// The exemption.
    public var exemption: Exemption
    /// Whether it expired before the as-of date (and so no longer applies).
    public var isExpired: Bool
}
