/// A vendor and the products Embargo recognises of it, as written in a signature file.
public struct VendorSignature: Sendable, Hashable {
    /// The vendor id (`kaspersky`): lower-case letters, digits and dashes.
    public var id: String
    /// The display name.
    public var name: String
    /// Legal names the vendor trades or signs under.
    public var legalNames: [String]
    /// The products, including at most one fallback product for evidence that names only the vendor.
    public var products: [ProductSignature]
    /// The file the signature came from, for messages.
    public var source: String
}

/// A product and the evidence that identifies it.
public struct ProductSignature: Sendable, Hashable {
    /// The product id (`kaspersky-endpoint-security-linux`).
    public var id: String
    /// The display name.
    public var name: String
    /// The product family (`endpoint-protection`, `threat-intelligence`, `security-training`, ...);
    /// policies select by family.
    public var family: String
    /// Whether this product stands for "some product of the vendor": its evidence (signers, legal
    /// names) joins any more specific product found in the same item, and it is reported only when
    /// no specific product is.
    public var isFallback: Bool
    /// The evidence rules.
    public var evidence: [EvidenceRule]
}

/// One way to recognise a product.
public struct EvidenceRule: Sendable, Hashable {
    /// What the rule looks at.
    public enum Kind: Sendable, Hashable {
        /// Bytes in the content: text in the given encodings, or hex with wildcards.
        case string(text: String, encodings: [StringEncoding])
        case hex(String)
        /// The item's logical path (on-disk path, or member name inside an archive), as a glob.
        case path(glob: String, caseInsensitive: Bool)
        /// The item's file name (last path component), as a glob, case-insensitive.
        case fileName(glob: String)
        /// A structural fact.
        case fact(Fact.Kind, ValueMatch)
    }

    /// The kind and what it matches.
    public var kind: Kind
    /// How much an observation counts.
    public var strength: EvidenceStrength
    /// Its weight towards the detection score (0–100).
    public var weight: Int
    /// Where the fact behind the rule comes from (a citation), if the file gives one.
    public var note: String?
    /// The rule's position in its file (`kaspersky.yaml:42`), for messages and reports.
    public var origin: String
}

/// The encodings a string rule is searched in.
public enum StringEncoding: String, Sendable, Hashable, CaseIterable {
    /// The UTF-8 bytes, case-sensitive.
    case ascii
    /// The UTF-8 bytes, ASCII case-insensitive.
    case nocase
    /// UTF-16LE, case-sensitive.
    case wide
    /// UTF-16LE, ASCII case-insensitive.
    case wideNocase = "wide-nocase"
}

/// How a fact's value is compared with a rule's.
public struct ValueMatch: Sendable, Hashable, CustomStringConvertible {
    /// The comparison.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case equals, contains, prefix, glob
    }

    /// The comparison.
    public var mode: Mode
    /// The value to compare with.
    public var value: String
    /// Whether ASCII case is ignored.
    public var caseInsensitive: Bool

    /// A match.
    public init(mode: Mode, value: String, caseInsensitive: Bool) {
        self.mode = mode
        self.value = value
        self.caseInsensitive = caseInsensitive
    }

    /// Whether `candidate` matches.
    public func matches(_ candidate: String) -> Bool {
        let subject = caseInsensitive ? candidate.lowercased() : candidate
        let expected = caseInsensitive ? value.lowercased() : value
        switch mode {
        case .equals: return subject == expected
        case .contains: return subject.contains(expected)
        case .prefix: return subject.hasPrefix(expected)
        case .glob: return Glob.matches(expected, subject)
        }
    }

    /// `mode: value`.
    public var description: String { "\(mode.rawValue) \"\(value)\"\(caseInsensitive ? " (any case)" : "")" }
}
