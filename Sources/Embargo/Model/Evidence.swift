/// How much a piece of evidence says about whether software is installed.
public enum EvidenceStrength: String, Sendable, Hashable, Comparable, CaseIterable {
    /// Names the vendor or product only in passing: a string in a document, a script, a list.
    case mention
    /// Adds confidence but cannot prove an installation alone: product strings inside a binary, a
    /// configuration file at an install path.
    case supporting
    /// Proves the software is there: a vendor signing certificate, version resources, an installed
    /// package record, a package's own metadata, a trust-store root, a binary at its install path.
    case identity

    private var rank: Int {
        switch self {
        case .mention: 0
        case .supporting: 1
        case .identity: 2
        }
    }

    /// Orders from the weakest.
    public static func < (lhs: EvidenceStrength, rhs: EvidenceStrength) -> Bool { lhs.rank < rhs.rank }
}

/// One observation that points at a vendor product, and where it was made.
public struct Evidence: Sendable, Hashable {
    /// What was observed: `string`, `path`, or a fact kind such as `certificate.subject`.
    public var kind: String
    /// The observed value (the string's text, the certificate subject, the package name).
    public var value: String
    /// The structure field it was read from, if any.
    public var field: String?
    /// The byte offset in the item, if any (for strings, the end of the first occurrence).
    public var offset: UInt64?
    /// How much it counts.
    public var strength: EvidenceStrength
    /// Its weight towards the detection's score (0–100).
    public var weight: Int
    /// The signature rule that recognised it (`vendor/product#n`).
    public var rule: String

    /// Evidence.
    public init(
        kind: String,
        value: String,
        field: String? = nil,
        offset: UInt64? = nil,
        strength: EvidenceStrength,
        weight: Int,
        rule: String
    ) {
        self.kind = kind
        self.value = value
        self.field = field
        self.offset = offset
        self.strength = strength
        self.weight = weight
        self.rule = rule
    }
}
