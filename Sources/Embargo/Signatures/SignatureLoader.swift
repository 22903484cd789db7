internal import EmbargoMatcher

/// Reads signature files (YAML, one vendor a file) into `VendorSignature` values.
///
/// Every problem is reported with its file, line and field; the format is documented in
/// `Signatures/README.md`.
enum SignatureLoader {
    static let vendorKeys: Set<String> = ["vendor", "name", "legal-names", "products", "sources"]
    static let productKeys: Set<String> = ["id", "name", "family", "fallback", "evidence", "description"]
    static let matchKinds: [String: Fact.Kind] = [
        "certificate-subject": .certificateSubject, "certificate-issuer": .certificateIssuer,
        "package": .packageName, "package-maintainer": .packageMaintainer, "package-vendor": .packageVendor,
        "package-packager": .packagePackager, "package-description": .packageDescription,
        "version-company": .versionCompanyName, "version-product": .versionProductName,
        "version-description": .versionFileDescription, "version-original-filename": .versionOriginalFilename,
        "version-copyright": .versionLegalCopyright, "bundle-id": .bundleIdentifier, "team-id": .teamIdentifier,
        "installed-name": .installedName, "installed-publisher": .installedPublisher, "service": .serviceName,
        "service-image": .serviceImage, "registry-key": .softwareKey,
    ]
    static let ruleKinds: Set<String> = Set(matchKinds.keys).union(["string", "hex", "path", "file-name"])
    static let modifierKeys: Set<String> = ["strength", "weight", "note", "encodings", "nocase", "match"]

    /// Parses one signature file.
    ///
    /// - Throws: `DefinitionError` naming the file, line and field of the first problem.
    static func load(_ text: String, file: String) throws(DefinitionError) -> VendorSignature {
        let root = try YAMLNode.parse(text, file: file)
        try root.requireKeys(in: vendorKeys)
        let id = try root.required("vendor").identifier()
        let name = try root.required("name").nonEmptyString()
        var legalNames: [String] = []
        if let names = root["legal-names"] { legalNames = try names.strings() }
        var products: [ProductSignature] = []
        var seenIDs: Set<String> = []
        for node in try root.required("products").sequence() {
            let product = try loadProduct(node)
            guard seenIDs.insert(product.id).inserted else {
                throw try node.required("id").error("product id '\(product.id)' is used twice")
            }
            products.append(product)
        }
        guard products.filter(\.isFallback).count <= 1 else {
            throw try root.required("products").error("at most one product may be the fallback")
        }
        guard !products.isEmpty else {
            throw try root.required("products").error("a vendor needs at least one product")
        }
        return VendorSignature(id: id, name: name, legalNames: legalNames, products: products, source: file)
    }

    static func loadProduct(_ node: YAMLNode) throws(DefinitionError) -> ProductSignature {
        try node.requireKeys(in: productKeys)
        let id = try node.required("id").identifier()
        let name = try node.required("name").nonEmptyString()
        let family = try node.required("family").identifier()
        let isFallback = try node["fallback"]?.boolean() ?? false
        var rules: [EvidenceRule] = []
        for element in try node.required("evidence").sequence() {
            rules.append(try loadRule(element))
        }
        guard !rules.isEmpty else {
            throw try node.required("evidence").error("a product needs at least one evidence rule")
        }
        return ProductSignature(id: id, name: name, family: family, isFallback: isFallback, evidence: rules)
    }

    static func loadRule(_ node: YAMLNode) throws(DefinitionError) -> EvidenceRule {
        try node.requireKeys(in: ruleKinds.union(modifierKeys))
        let kinds = try node.mapping().map(\.key).filter(ruleKinds.contains)
        guard kinds.count == 1, let kindKey = kinds.first, let value = node[kindKey] else {
            throw node.error("a rule needs exactly one of: \(ruleKinds.sorted().joined(separator: ", "))")
        }
        let kind: EvidenceRule.Kind
        var defaultStrength = EvidenceStrength.identity
        switch kindKey {
        case "string":
            let text = try value.nonEmptyString()
            var encodings: [StringEncoding] = [.ascii]
            if let list = node["encodings"] {
                encodings = []
                for element in try list.sequence() {
                    guard let encoding = StringEncoding(rawValue: try element.string()) else {
                        throw element.error(
                            "unknown encoding (expected one of: \(StringEncoding.allCases.map(\.rawValue).joined(separator: ", ")))"
                        )
                    }
                    encodings.append(encoding)
                }
            }
            let longest = text.utf8.count * (encodings.contains { $0 == .wide || $0 == .wideNocase } ? 2 : 1)
            guard longest <= PatternMatcher.maximumPatternLength else {
                throw value.error(
                    "a string of \(longest) bytes as matched; patterns are at most \(PatternMatcher.maximumPatternLength) bytes"
                )
            }
            kind = .string(text: text, encodings: encodings)
            defaultStrength = .mention
        case "hex":
            let text = try value.nonEmptyString()
            let pattern: Pattern
            do {
                pattern = try Pattern(hex: text)
            } catch {
                throw value.error("not a hex pattern: \(error)")
            }
            guard pattern.count <= PatternMatcher.maximumPatternLength else {
                throw value.error(
                    "a hex pattern of \(pattern.count) bytes; patterns are at most \(PatternMatcher.maximumPatternLength) bytes"
                )
            }
            kind = .hex(text)
            defaultStrength = .mention
        case "path":
            kind = .path(glob: try value.nonEmptyString(), caseInsensitive: try node["nocase"]?.boolean() ?? false)
        case "file-name":
            kind = .fileName(glob: try value.nonEmptyString())
            defaultStrength = .supporting
        default:
            guard let factKind = matchKinds[kindKey] else { throw value.error("unknown rule kind") }
            kind = .fact(factKind, try valueMatch(for: factKind, value: value, rule: node))
        }
        for key in ["encodings"] where node[key] != nil && kindKey != "string" {
            throw try node.required(key).error("'\(key)' applies only to string rules")
        }
        for key in ["nocase"] where node[key] != nil && kindKey != "path" && !matchKinds.keys.contains(kindKey) {
            throw try node.required(key).error("'\(key)' applies only to path and fact rules")
        }
        var strength = defaultStrength
        if let node = node["strength"] {
            guard let parsed = EvidenceStrength(rawValue: try node.string()) else {
                throw node.error("unknown strength (expected one of: identity, supporting, mention)")
            }
            strength = parsed
        }
        if case .string = kind, strength == .identity {
            throw try node.required("strength").error(
                "a string rule cannot be identity: strings name a product, they do not prove it"
            )
        }
        if case .hex = kind, strength == .identity {
            throw try node.required("strength").error(
                "a hex rule cannot be identity: strings name a product, they do not prove it"
            )
        }
        let weight = try node["weight"]?.integer(in: 0...100) ?? defaultWeight(strength)
        let note = try node["note"]?.string()
        return EvidenceRule(kind: kind, strength: strength, weight: weight, note: note, origin: node.origin)
    }

    /// A fact rule's value: text (equals for identifiers, contains for names) or a mapping with
    /// `match: equals|contains|prefix|glob`.
    static func valueMatch(for kind: Fact.Kind, value: YAMLNode, rule: YAMLNode) throws(DefinitionError) -> ValueMatch {
        let text = try value.nonEmptyString()
        let exactByDefault: Set<Fact.Kind> = [
            .packageName, .bundleIdentifier, .teamIdentifier, .serviceName, .softwareKey,
        ]
        // Registry names are compared as Windows compares them, without regard to case.
        let caseSensitiveByDefault: Set<Fact.Kind> = [.packageName, .bundleIdentifier, .teamIdentifier]
        var mode: ValueMatch.Mode = exactByDefault.contains(kind) ? .equals : .contains
        if let node = rule["match"] {
            guard let parsed = ValueMatch.Mode(rawValue: try node.string()) else {
                throw node.error("unknown match (expected one of: equals, contains, prefix, glob)")
            }
            mode = parsed
        }
        let caseInsensitive = try rule["nocase"]?.boolean() ?? !caseSensitiveByDefault.contains(kind)
        return ValueMatch(mode: mode, value: text, caseInsensitive: caseInsensitive)
    }

    static func defaultWeight(_ strength: EvidenceStrength) -> Int {
        switch strength {
        case .identity: 100
        case .supporting: 40
        case .mention: 10
        }
    }
}
