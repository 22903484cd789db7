internal import EmbargoFormats
internal import EmbargoMatcher

/// Turns an item's observations into detections with the signatures.
///
/// The rules of evidence:
/// - strings never prove an installation: in an executable they count as their rule says (mention or
///   supporting), anywhere else as a mention;
/// - a path or file-name rule proves an installation only for an executable at that path; any other
///   file there is supporting evidence;
/// - facts (signers, version resources, package records, trust roots, Team IDs, bundle ids) count as
///   their rule says;
/// - a detection is an installation when it has identity evidence, otherwise a mention;
/// - evidence for a vendor's fallback product joins every specific product found in the same item and
///   record, and mentions of a vendor are dropped where the same item proves an installation of it;
/// - one item, one product: a product claimed only by a path or file name supports the product that
///   more specific evidence names in the same item, rather than standing beside it.
///
/// What a package around an item covers is decided elsewhere (`PackageCoverage`). One detector per
/// worker: it keeps the scanner of the location prefilter.
final class Detector {
    let signatures: SignatureSet
    private let locationScanner: MatchScanner?

    init(signatures: SignatureSet) {
        self.signatures = signatures
        locationScanner = signatures.locationPrefilter.makeScanner()
    }

    func detections(for observation: ItemObservation) -> [Detection] {
        let locationCandidates = signatures.locationPrefilter.candidates(
            in: observation.logicalPath,
            scanner: locationScanner
        )
        // Nothing to go on: most items of a scan.
        guard !observation.stringHits.isEmpty || !observation.facts.isEmpty || !locationCandidates.isEmpty else {
            return []
        }
        var grouped: [Key: [Evidence]] = [:]
        var origins: [Key: Set<Fact.Origin>] = [:]
        let executable = observation.item.format.isExecutable
        for hit in observation.stringHits {
            let (reference, text) = signatures.patternRules[hit.pattern]
            let rule = signatures.rule(reference)
            let strength = executable ? min(rule.strength, .supporting) : .mention
            grouped[Key(reference, record: nil), default: []].append(
                Evidence(
                    kind: "string",
                    value: text,
                    offset: hit.firstEnd,
                    strength: strength,
                    weight: strength == rule.strength ? rule.weight : SignatureLoader.defaultWeight(strength),
                    rule: signatures.ruleName(reference)
                )
            )
        }
        let fileName = observation.fileName
        for index in locationCandidates {
            let reference = signatures.locationRules[index]
            let rule = signatures.rule(reference)
            let matched: Bool
            let kind: String
            switch rule.kind {
            case .path(let glob, let caseInsensitive):
                matched = Glob.matches(glob, bytes: observation.logicalPath, caseInsensitive: caseInsensitive)
                kind = "path"
            case .fileName(let glob):
                matched = Glob.matches(glob, bytes: fileName, caseInsensitive: true)
                kind = "file-name"
            default:
                continue
            }
            guard matched else { continue }
            let strength = executable ? rule.strength : min(rule.strength, .supporting)
            grouped[Key(reference, record: nil), default: []].append(
                Evidence(
                    kind: kind,
                    value: ScanPath(bytes: kind == "path" ? observation.logicalPath : fileName).displayString,
                    strength: strength,
                    weight: strength == rule.strength ? rule.weight : SignatureLoader.defaultWeight(strength),
                    rule: signatures.ruleName(reference)
                )
            )
        }
        for fact in observation.facts {
            for reference in signatures.factRules[fact.kind] ?? [] {
                let rule = signatures.rule(reference)
                guard case .fact(_, let match) = rule.kind, match.matches(fact.value) else { continue }
                origins[Key(reference, record: fact.record), default: []].insert(fact.origin)
                grouped[Key(reference, record: fact.record), default: []].append(
                    Evidence(
                        kind: fact.kind.rawValue,
                        value: fact.value,
                        field: fact.field,
                        offset: fact.offset,
                        strength: rule.strength,
                        weight: rule.weight,
                        rule: signatures.ruleName(reference)
                    )
                )
            }
        }
        return assemble(grouped, origins: origins, observation)
    }

    private struct Key: Hashable {
        let vendor: Int
        let product: Int
        let record: String?

        init(_ reference: SignatureSet.RuleReference, record: String?) {
            vendor = reference.vendor
            product = reference.product
            self.record = record
        }

        init(vendor: Int, product: Int, record: String?) {
            self.vendor = vendor
            self.product = product
            self.record = record
        }
    }

    private func assemble(
        _ grouped: [Key: [Evidence]],
        origins: [Key: Set<Fact.Origin>],
        _ observation: ItemObservation
    ) -> [Detection] {
        var byProduct = grouped
        var originsByProduct = origins
        // Fallback evidence joins the specific products of the same vendor and record.
        for (key, evidence) in grouped where signatures.vendors[key.vendor].products[key.product].isFallback {
            let specific = grouped.keys.filter {
                $0.vendor == key.vendor && $0.record == key.record
                    && !signatures.vendors[$0.vendor].products[$0.product].isFallback
            }
            guard !specific.isEmpty else { continue }
            for other in specific {
                byProduct[other, default: []] += evidence
                originsByProduct[other, default: []].formUnion(origins[key] ?? [])
            }
            byProduct[key] = nil
        }
        let locatedByPath = attributeToTheMostSpecificProduct(&byProduct, own: grouped, origins: &originsByProduct)
        var detections: [Detection] = []
        for (key, evidence) in byProduct {
            let vendor = signatures.vendors[key.vendor]
            let product = vendor.products[key.product]
            // One observation matched by several rules is kept once, with its strongest reading.
            var unique: [Evidence] = []
            for item in evidence.sorted(by: { ($0.strength, $0.weight) > ($1.strength, $1.weight) })
            where !unique.contains(where: {
                $0.kind == item.kind && $0.value == item.value && $0.field == item.field && $0.offset == item.offset
            }) {
                unique.append(item)
            }
            let confidence: DetectionConfidence =
                unique.contains { $0.strength == .identity } ? .installation : .mention
            var form = Self.form(
                origins: originsByProduct[key] ?? [],
                evidence: unique,
                facts: observation.facts,
                format: observation.item.format
            )
            if form == .file, locatedByPath.contains(key) { form = .installed }
            detections.append(
                Detection(
                    location: observation.location,
                    record: key.record,
                    vendor: vendor.id,
                    vendorName: vendor.name,
                    product: product.id,
                    productName: product.name,
                    family: product.family,
                    confidence: confidence,
                    form: form,
                    score: min(100, unique.reduce(0) { $0 + $1.weight }),
                    evidence: unique,
                    item: observation.item
                )
            )
        }
        // Where an item proves an installation of a vendor (in any record), its mentions of that vendor
        // add nothing.
        let installed = Set(detections.filter { $0.confidence == .installation }.map(\.vendor))
        detections.removeAll { $0.confidence == .mention && installed.contains($0.vendor) }
        return detections.sorted { ($0.vendor, $0.product, $0.record ?? "") < ($1.vendor, $1.product, $1.record ?? "") }
    }

    /// One item, one product: where several specific products of a vendor claim the same item and
    /// record as an installation, the product whose own identity evidence is most specific (see
    /// `specificity`) keeps it, and the products that claim it by a less specific kind of evidence (a
    /// path glob, a file name) only support it: their evidence joins the winner as supporting. Products
    /// that tie stay side by side (the item really holds both, as a suite installer does).
    ///
    /// - Returns: the winners that took over identity evidence of a path, whose item lies at an
    ///   install path.
    private func attributeToTheMostSpecificProduct(
        _ byProduct: inout [Key: [Evidence]],
        own: [Key: [Evidence]],
        origins: inout [Key: Set<Fact.Origin>]
    ) -> Set<Key> {
        var locatedByPath: Set<Key> = []
        let claims = byProduct.keys.compactMap { key -> (key: Key, specificity: Int)? in
            guard !signatures.vendors[key.vendor].products[key.product].isFallback,
                let specificity = Self.specificity(own[key] ?? [])
            else { return nil }
            return (key, specificity)
        }
        let contested = Dictionary(grouping: claims) { Key(vendor: $0.key.vendor, product: 0, record: $0.key.record) }
        for claimants in contested.values where claimants.count > 1 {
            guard let best = claimants.map(\.specificity).max() else { continue }
            let winners = claimants.filter { $0.specificity == best }.map(\.key)
            for loser in claimants where loser.specificity < best {
                let supporting = (byProduct[loser.key] ?? []).map { evidence in
                    var evidence = evidence
                    if evidence.strength > .supporting {
                        if evidence.kind == "path" { locatedByPath.formUnion(winners) }
                        evidence.strength = .supporting
                        evidence.weight = SignatureLoader.defaultWeight(.supporting)
                    }
                    return evidence
                }
                for winner in winners {
                    byProduct[winner, default: []] += supporting
                    origins[winner, default: []].formUnion(origins[loser.key] ?? [])
                }
                byProduct[loser.key] = nil
                origins[loser.key] = nil
            }
        }
        return locatedByPath
    }

    /// How specifically a product's own identity evidence names it: 2 for a fact (version resources,
    /// a package record, a signer, a bundle id), 1 for a file name, 0 for a path glob; nil without
    /// identity evidence.
    static func specificity(_ evidence: [Evidence]) -> Int? {
        evidence.filter { $0.strength == .identity }.map { item -> Int in
            switch item.kind {
            case "path": 0
            case "file-name": 1
            default: 2
            }
        }.max()
    }

    /// The form of a detection: installed when it rests on an installed record or a binary at its
    /// install path; a package when it rests on a package's metadata or a repository index; an
    /// installer when the binary's version resources call it a setup program; otherwise a file.
    static func form(
        origins: Set<Fact.Origin>,
        evidence: [Evidence],
        facts: [Fact],
        format: ContentFormat
    ) -> DetectionForm {
        if origins.contains(.installedRecord)
            || evidence.contains(where: { $0.kind == "path" && $0.strength == .identity })
        {
            return .installed
        }
        if origins.contains(.packageFile) || origins.contains(.repositoryIndex) { return .package }
        let setupWords = ["setup", "install"]
        let describesSetup = facts.contains { fact in
            [.versionOriginalFilename, .versionFileDescription].contains(fact.kind)
                && setupWords.contains { fact.value.lowercased().contains($0) }
        }
        return describesSetup && format == .pe ? .installer : .file
    }
}
