internal import EmbargoFormats

/// `--format cyclonedx`: a CycloneDX 1.6 JSON bill of materials, for Dependency-Track, GUAC and the
/// GRC platforms that import CycloneDX. One component per product instance found (a finding), with
/// the vendor as supplier and publisher, a package URL for Debian and RPM packages, the item's
/// SHA-256, every location in `evidence.occurrences`, the identity evidence, and the verdict, policy,
/// rule, citation, as-of date, exemption and every piece of evidence as properties in the `embargo:`
/// namespace. The scan's
/// targets, policy and counts are properties of the metadata.
package enum CycloneDXReport {
    /// The document.
    package static func render(
        findings: [Finding],
        events: [ScanEvent],
        summary: ScanSummary?,
        evaluator: PolicyEvaluator,
        targets: [String]
    ) -> String {
        let ordered = findings.sorted { $0.detection.location < $1.detection.location }
        var metadataProperties: [JSONValue] = [
            property("embargo:policy", evaluator.policy.id), property("embargo:asOf", evaluator.asOf.description),
        ]
        metadataProperties += targets.map { property("embargo:target", $0) }
        if let summary {
            metadataProperties += [
                property("embargo:files", String(summary.counts.files)),
                property("embargo:errors", String(summary.counts.errors)),
                property("embargo:incomplete", String(summary.isIncomplete)),
                property("embargo:interrupted", String(summary.interrupted)),
            ]
        }
        metadataProperties.append(property("embargo:events", String(events.count)))
        let document: JSONValue = .object([
            ("bomFormat", .string("CycloneDX")),
            ("specVersion", .string("1.6")),
            ("serialNumber", .string(serialNumber(ordered, evaluator: evaluator, targets: targets))),
            ("version", .int(1)),
            (
                "metadata",
                .object([
                    (
                        "tools",
                        .object([
                            (
                                "components",
                                .array([
                                    .object([
                                        ("type", .string("application")), ("name", .string("embargo")),
                                        ("version", .string(EmbargoVersion.current)),
                                    ])
                                ])
                            )
                        ])
                    ),
                    ("properties", .array(metadataProperties)),
                ])
            ),
            ("components", .array(ordered.map(component))),
        ])
        return document.pretty() + "\n"
    }

    static func component(_ finding: Finding) -> JSONValue {
        let detection = finding.detection
        let assessment = finding.assessment
        var members: [(String, JSONValue)] = [
            ("type", .string("application")),
            ("bom-ref", .string(finding.id)),
            ("supplier", .object([("name", .string(detection.vendorName))])),
            ("publisher", .string(detection.vendorName)),
            ("name", .string(detection.productName)),
        ]
        if let purl = packageURL(detection) { members.append(("purl", .string(purl))) }
        if let sha256 = detection.item.sha256 {
            members.append(("hashes", .array([.object([("alg", .string("SHA-256")), ("content", .string(sha256))])])))
        }
        // CycloneDX identity evidence is about the component's own fields: its name, here.
        let naming: Set<String> = ["package.name", "version.ProductName", "bundle.id"]
        let identity = detection.evidence.filter { $0.strength == .identity && naming.contains($0.kind) }.prefix(8).map
        { evidence -> JSONValue in
            .object([
                ("field", .string("name")),
                ("confidence", .double(1)),
                ("concludedValue", .string(evidence.value)),
                (
                    "methods",
                    .array([
                        .object([
                            ("technique", .string(technique(evidence.kind))), ("confidence", .double(1)),
                            (
                                "value",
                                .string("\(evidence.kind)\(evidence.field.map { " [\($0)]" } ?? ""): \(evidence.value)")
                            ),
                        ])
                    ])
                ),
            ])
        }
        var occurrence: [(String, JSONValue)] = [("location", .string(detection.location.description))]
        var context = detection.record.map { ["record \($0)"] } ?? []
        if let place = detection.imageLayer {
            context.append("in \(place.summary)" + (place.removalSummary.map { ", removed by \($0)" } ?? ""))
        }
        if !context.isEmpty { occurrence.append(("additionalContext", .string(context.joined(separator: "; ")))) }
        var evidence: [(String, JSONValue)] = [("occurrences", .array([.object(occurrence)]))]
        if !identity.isEmpty { evidence.insert(("identity", .array(Array(identity))), at: 0) }
        members.append(("evidence", .object(evidence)))
        var properties = [
            property("embargo:vendor", detection.vendor), property("embargo:product", detection.product),
            property("embargo:family", detection.family), property("embargo:confidence", detection.confidence.rawValue),
            property("embargo:form", detection.form.rawValue), property("embargo:verdict", assessment.verdict.rawValue),
            property("embargo:policyVerdict", assessment.policyVerdict.rawValue),
            property("embargo:policy", assessment.policy),
            property("embargo:citation", assessment.citation), property("embargo:reason", assessment.reason),
            property("embargo:asOf", assessment.asOf.description),
        ]
        if let rule = assessment.rule { properties.append(property("embargo:rule", rule)) }
        for opinion in assessment.otherPolicies {
            properties.append(
                property("embargo:otherPolicy", "\(opinion.policy): \(opinion.verdict.rawValue) — \(opinion.reason)")
            )
        }
        for item in detection.evidence.prefix(16) {
            properties.append(
                property(
                    "embargo:evidence",
                    "\(item.kind)\(item.field.map { " [\($0)]" } ?? ""): \(item.value) (\(item.strength.rawValue))"
                )
            )
        }
        if let date = assessment.effectiveDate {
            properties.append(property("embargo:effectiveDate", date.description))
        }
        if let exemption = assessment.exemption {
            properties.append(property("embargo:exemption", exemption.exemption.statement))
            properties.append(property("embargo:exemptionExpired", String(exemption.isExpired)))
        }
        members.append(("properties", .array(properties)))
        return .object(members)
    }

    /// `pkg:deb/NAME` or `pkg:rpm/NAME` for a package, from its name evidence.
    static func packageURL(_ detection: Detection) -> String? {
        guard let name = detection.evidence.first(where: { $0.kind == "package.name" }) else { return nil }
        let type = name.field == "Package" ? "deb" : "rpm"
        return "pkg:\(type)/" + percentEncoded(name.value)
    }

    static func technique(_ kind: String) -> String {
        switch kind {
        case "certificate.subject", "certificate.issuer", "team.id": "attestation"
        case let kind where kind.hasPrefix("package"): "manifest-analysis"
        case "path", "file-name": "filename"
        default: "binary-analysis"
        }
    }

    static func property(_ name: String, _ value: String) -> JSONValue {
        .object([("name", .string(name)), ("value", .string(value))])
    }

    /// Characters a package URL keeps as they are; everything else is percent-encoded.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// A UUID-shaped serial number derived from what the document says, so that the same scan gives
    /// the same serial number.
    static func serialNumber(_ findings: [Finding], evaluator: PolicyEvaluator, targets: [String]) -> String {
        let digest = StableHash.hex(
            of: Array(
                (findings.map(\.id) + targets + [evaluator.policy.id, evaluator.asOf.description]).joined(
                    separator: "\n"
                ).utf8
            )
        )
        let hex = Array(digest.prefix(32))
        let groups = [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]].map { String($0) }
        return "urn:uuid:" + groups.joined(separator: "-")
    }
}
