public import EmbargoMatcher
import Foundation

/// Compiled signatures: every string rule in one multi-pattern matcher, every other rule indexed by
/// what it looks at. Immutable and shared by all workers.
public struct SignatureSet: Sendable {
    /// The vendors, in load order.
    package let vendors: [VendorSignature]
    /// The matcher over every string and hex rule.
    public let matcher: PatternMatcher
    /// For each matcher pattern id: the rule it came from and the text it stands for.
    let patternRules: [(rule: RuleReference, text: String)]
    /// Fact rules by the fact kind they look at.
    let factRules: [Fact.Kind: [RuleReference]]
    /// Path and file-name rules.
    let locationRules: [RuleReference]
    /// Which location rules could match a path.
    let locationPrefilter: LocationPrefilter

    /// Where a rule sits: vendor, product and rule indices.
    struct RuleReference: Sendable, Hashable {
        let vendor: Int
        let product: Int
        let rule: Int
    }

    /// Where matcher pattern `pattern` comes from, for a profile: `vendor/product`, the rule's place
    /// in its definition file, and the string with its encoding (`ascii`, `nocase`, `wide`, ...).
    package func origin(ofPattern pattern: Int) -> (product: String, place: String, text: String)? {
        guard patternRules.indices.contains(pattern) else { return nil }
        let (reference, text) = patternRules[pattern]
        let vendor = vendors[reference.vendor]
        let product = vendor.products[reference.product]
        let rule = product.evidence[reference.rule]
        var form = "hex"
        if case .string(_, let encodings) = rule.kind {
            // The rule's patterns sit side by side, one per encoding in order.
            var first = pattern
            while first > 0, patternRules[first - 1].rule == reference { first -= 1 }
            form = encodings.indices.contains(pattern - first) ? encodings[pattern - first].rawValue : "?"
        }
        return ("\(vendor.id)/\(product.id)", rule.origin, "\(text) (\(form))")
    }

    /// Compiles `vendors`.
    ///
    /// - Throws: `DefinitionError` for a vendor id used twice, or `MatcherError` when the strings do
    ///   not compile.
    package init(vendors: [VendorSignature]) throws {
        var seen: [String: String] = [:]
        for vendor in vendors {
            if let other = seen[vendor.id] {
                throw DefinitionError(
                    file: vendor.source,
                    line: nil,
                    column: nil,
                    field: "vendor",
                    message: "vendor '\(vendor.id)' is also defined in \(other)"
                )
            }
            seen[vendor.id] = vendor.source
        }
        var patterns: [Pattern] = []
        var patternRules: [(RuleReference, String)] = []
        var factRules: [Fact.Kind: [RuleReference]] = [:]
        var locationRules: [RuleReference] = []
        for (vendorIndex, vendor) in vendors.enumerated() {
            for (productIndex, product) in vendor.products.enumerated() {
                for (ruleIndex, rule) in product.evidence.enumerated() {
                    let reference = RuleReference(vendor: vendorIndex, product: productIndex, rule: ruleIndex)
                    switch rule.kind {
                    case .string(let text, let encodings):
                        for encoding in encodings {
                            patterns.append(
                                Pattern(
                                    text: text,
                                    caseInsensitive: encoding == .nocase || encoding == .wideNocase,
                                    wide: encoding == .wide || encoding == .wideNocase
                                )
                            )
                            patternRules.append((reference, text))
                        }
                    case .hex(let text):
                        patterns.append(try Pattern(hex: text))
                        patternRules.append((reference, "hex:" + text))
                    case .fact(let kind, _):
                        factRules[kind, default: []].append(reference)
                    case .path, .fileName:
                        locationRules.append(reference)
                    }
                }
            }
        }
        self.vendors = vendors
        do {
            self.matcher = try PatternMatcher(patterns: patterns)
        } catch {
            // Name the rule the pattern came from (the loader refuses what it can see coming).
            guard let index = error.patternIndex, patternRules.indices.contains(index) else { throw error }
            let reference = patternRules[index].0
            let vendor = vendors[reference.vendor]
            let rule = vendor.products[reference.product].evidence[reference.rule]
            throw DefinitionError(
                file: vendor.source,
                line: Int(rule.origin.split(separator: ":").last ?? ""),
                column: nil,
                field: "products[\(reference.product)].evidence[\(reference.rule)]",
                message: error.description
            )
        }
        self.patternRules = patternRules
        self.factRules = factRules
        self.locationRules = locationRules
        locationPrefilter = LocationPrefilter(
            globs: locationRules.map { reference in
                switch vendors[reference.vendor].products[reference.product].evidence[reference.rule].kind {
                case .path(let glob, _), .fileName(let glob): glob
                default: ""
                }
            }
        )
    }

    func rule(_ reference: RuleReference) -> EvidenceRule {
        vendors[reference.vendor].products[reference.product].evidence[reference.rule]
    }

    func ruleName(_ reference: RuleReference) -> String {
        let vendor = vendors[reference.vendor]
        return "\(vendor.id)/\(vendor.products[reference.product].id)#\(reference.rule + 1)"
    }

    /// Every product as (vendor, product).
    package var products: [(vendor: VendorSignature, product: ProductSignature)] {
        vendors.flatMap { vendor in vendor.products.map { (vendor, $0) } }
    }

    /// Loads every `*.yaml` signature file in `directory` (not its subdirectories), in name order.
    ///
    /// - Throws: `DefinitionError` for the first file that is not valid.
    package static func load(directory: String) throws(DefinitionError) -> [VendorSignature] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw DefinitionError(
                file: directory,
                line: nil,
                column: nil,
                field: "",
                message: "cannot read the directory"
            )
        }
        guard !names.isEmpty else {
            throw DefinitionError(
                file: directory,
                line: nil,
                column: nil,
                field: "",
                message: "no signature files (*.yaml)"
            )
        }
        let fileLimit = 16 << 20
        var vendors: [VendorSignature] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > fileLimit {
                throw DefinitionError(
                    file: path,
                    line: nil,
                    column: nil,
                    field: "",
                    message: "larger than \(fileLimit) bytes"
                )
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw DefinitionError(
                    file: path,
                    line: nil,
                    column: nil,
                    field: "",
                    message: "cannot read the file as UTF-8"
                )
            }
            vendors.append(try SignatureLoader.load(text, file: path))
        }
        return vendors
    }

    /// The signatures in every `*.yaml` file of `directory`, compiled.
    ///
    /// - Throws: `DefinitionError` for the first file that is not valid, or `MatcherError` when the
    ///   strings do not compile.
    public init(directory: String) throws {
        try self.init(vendors: try Self.load(directory: directory))
    }

    /// The date of the shipped signature set (`Signatures/set-date.txt`).
    public static var shippedSetDate: String { EmbeddedDefinitions.setDate }

    /// The signatures shipped with Embargo (`Signatures/*.yaml`, embedded at build time).
    public static func shipped() throws -> SignatureSet {
        var vendors: [VendorSignature] = []
        for (name, text) in EmbeddedDefinitions.signatures {
            vendors.append(try SignatureLoader.load(text, file: "Signatures/\(name)"))
        }
        return try SignatureSet(vendors: vendors)
    }
}
