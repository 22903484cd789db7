/// A vendor and the products Embargo recognises of it, as written in a signature file.
package struct VendorSignature: Sendable, Hashable {
    /// The vendor id (`kaspersky`): lower-case letters, digits and dashes.
    package var id: String
    /// The display name.
    package var name: String
    /// Legal names the vendor trades or signs under.
    package var legalNames: [String]
    /// The products, including at most one fallback product for evidence that names only the vendor.
    package var products: [ProductSignature]
    /// The file the signature came from, for messages.
    package var source: String
}

/// A product and the evidence that identifies it.
package struct ProductSignature: Sendable, Hashable {
    /// The product id (`kaspersky-endpoint-security-linux`).
    package var id: String
    /// The display name.
    package var name: String
    /// The product family (`endpoint-protection`, `threat-intelligence`, `security-training`, ...);
    /// policies select by family.
    package var family: String
    /// Whether this product stands for "some product of the vendor": its evidence (signers, legal
    /// names) joins any more specific product found in the same item, and it is reported only when
    /// no specific product is.
    package var isFallback: Bool
    /// The evidence rules.
    package var evidence: [EvidenceRule]
}

/// One way to recognise a product.
package struct EvidenceRule: Sendable, Hashable {
    /// What the rule looks at.
    package enum Kind: Sendable, Hashable {
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
    package var kind: Kind
    /// How much an observation counts.
    package var strength: EvidenceStrength
    /// Its weight towards the detection score (0–100).
    package var weight: Int
    /// Where the fact behind the rule comes from (a citation), if the file gives one.
    package var note: String?
    /// The rule's position in its file (`kaspersky.yaml:42`), for messages and reports.
    package var origin: String
}

/// The encodings a string rule is searched in.
package enum StringEncoding: String, Sendable, Hashable, CaseIterable {
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
package struct ValueMatch: Sendable, Hashable, CustomStringConvertible {
    /// The comparison.
    package enum Mode: String, Sendable, Hashable, CaseIterable {
        case equals, contains, prefix, glob
    }

    /// The comparison.
    package let mode: Mode
    /// The value to compare with.
    package let value: String
    /// Whether ASCII case is ignored.
    package let caseInsensitive: Bool

    /// The value as compared: its UTF-8 bytes, ASCII letters folded to lower case where case is
    /// ignored.
    private let pattern: [UInt8]

    /// A match.
    package init(mode: Mode, value: String, caseInsensitive: Bool) {
        self.mode = mode
        self.value = value
        self.caseInsensitive = caseInsensitive
        pattern = Self.bytes(value, folding: caseInsensitive)
    }

    /// Whether `candidate` matches. Compared as bytes (a fact is matched against every rule of its
    /// kind, for every record of a database or registry): no string search builds tables per call.
    package func matches(_ candidate: String) -> Bool {
        if mode == .glob {
            return Glob.matches(
                caseInsensitive ? value.lowercased() : value,
                caseInsensitive ? candidate.lowercased() : candidate
            )
        }
        let subject = Self.bytes(candidate, folding: caseInsensitive)
        switch mode {
        case .equals: return subject == pattern
        case .prefix: return subject.starts(with: pattern)
        case .contains, .glob: return Self.contains(subject, pattern)
        }
    }

    private static func bytes(_ text: String, folding: Bool) -> [UInt8] {
        var bytes = Array(text.utf8)
        if folding {
            for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A { bytes[index] |= 0x20 }
        }
        return bytes
    }

    private static func contains(_ subject: [UInt8], _ pattern: [UInt8]) -> Bool {
        guard let first = pattern.first else { return true }
        guard subject.count >= pattern.count else { return false }
        var index = 0
        let last = subject.count - pattern.count
        while index <= last {
            if subject[index] == first, subject[index..<(index + pattern.count)].elementsEqual(pattern) { return true }
            index += 1
        }
        return false
    }

    /// `mode: value`.
    package var description: String { "\(mode.rawValue) \"\(value)\"\(caseInsensitive ? " (any case)" : "")" }
}
