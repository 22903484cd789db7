internal import EmbargoFormats
import Foundation

/// The JSON form of findings and events: the records of `--format json` and `jsonl`, of the findings
/// store and of `embargo policy evaluate`. The schema is documented in `docs/records.md`.
public enum RecordCoding {
    /// A finding as a JSON object.
    public static func json(_ finding: Finding) -> JSONValue {
        .object(
            [("type", .string("finding")), ("id", .string(finding.id))]
                + members(of: finding.detection, assessment: finding.assessment)
        )
    }

    /// A detection, not yet decided under a policy, as a JSON object (as a supervised scanning process
    /// hands it over).
    public static func json(_ detection: Detection) -> JSONValue {
        .object(
            [("type", .string("detection")), ("id", .string(detection.id))] + members(of: detection, assessment: nil)
        )
    }

    /// The members of a finding record after its type and id: the detection's, with the assessment's
    /// after the score.
    private static func members(of detection: Detection, assessment: Assessment?) -> [(String, JSONValue)] {
        var members = location(detection.location)
        members += [
            ("record", .string(detection.record)),
            ("vendor", .string(detection.vendor)),
            ("vendorName", .string(detection.vendorName)),
            ("product", .string(detection.product)),
            ("productName", .string(detection.productName)),
            ("family", .string(detection.family)),
            ("confidence", .string(detection.confidence.rawValue)),
            ("form", .string(detection.form.rawValue)),
            ("score", .int(Int64(detection.score))),
        ]
        if let assessment { members += self.members(of: assessment) }
        members += [
            ("evidence", .array(detection.evidence.map(json))),
            ("sha256", .string(detection.item.sha256)),
            ("size", detection.item.size.map { .int(Int64(clamping: $0)) } ?? .null),
            ("format", .string(detection.item.format.rawValue)),
            ("mimeType", .string(detection.item.mimeType)),
            ("description", .string(detection.item.description)),
            ("imageLayer", detection.imageLayer.map(json) ?? .null),
        ]
        return members
    }

    /// A detection's place in a container image as a JSON object (also in SARIF's properties).
    static func json(_ place: ImageLayerPlace) -> JSONValue {
        .object([
            ("layerDigest", .string(place.layerDigest)),
            (
                "images",
                .array(
                    place.images.map { image in
                        .object([
                            ("references", .array(image.references.map { .string($0) })),
                            ("manifestDigest", .string(image.manifestDigest)),
                            ("configDigest", .string(image.configDigest)),
                            ("layerNumber", .int(Int64(image.layerNumber))),
                        ])
                    }
                )
            ),
            (
                "removedBy",
                place.removedBy.map { removal in
                    .object([
                        ("layerDigest", .string(removal.layerDigest)),
                        ("layerNumber", .int(Int64(removal.layerNumber))),
                        ("image", .string(removal.image)),
                    ])
                } ?? .null
            ),
        ])
    }

    private static func imageLayer(from object: Any?) -> ImageLayerPlace? {
        guard let object = object as? [String: Any], let layerDigest = object["layerDigest"] as? String else {
            return nil
        }
        let images = (object["images"] as? [[String: Any]] ?? []).map { image in
            ImageLayerPlace.Image(
                references: image["references"] as? [String] ?? [],
                manifestDigest: image["manifestDigest"] as? String,
                configDigest: image["configDigest"] as? String,
                layerNumber: (image["layerNumber"] as? NSNumber)?.intValue ?? 0
            )
        }
        let removal = (object["removedBy"] as? [String: Any]).flatMap { removal -> ImageLayerPlace.Removal? in
            guard let digest = removal["layerDigest"] as? String else { return nil }
            return ImageLayerPlace.Removal(
                layerDigest: digest,
                layerNumber: (removal["layerNumber"] as? NSNumber)?.intValue ?? 0,
                image: removal["image"] as? String ?? ""
            )
        }
        return ImageLayerPlace(layerDigest: layerDigest, images: images, removedBy: removal)
    }

    private static func members(of assessment: Assessment) -> [(String, JSONValue)] {
        [
            ("verdict", .string(assessment.verdict.rawValue)),
            ("policyVerdict", .string(assessment.policyVerdict.rawValue)),
            ("policy", .string(assessment.policy)),
            ("rule", .string(assessment.rule)),
            ("citation", .string(assessment.citation)),
            ("reason", .string(assessment.reason)),
            ("effectiveDate", .string(assessment.effectiveDate?.description)),
            ("asOf", .string(assessment.asOf.description)),
            ("exemption", assessment.exemption.map(json) ?? .null),
            ("otherPolicies", .array(assessment.otherPolicies.map(json))),
        ]
    }

    private static func json(_ opinion: PolicyOpinion) -> JSONValue {
        .object([
            ("policy", .string(opinion.policy)), ("rule", .string(opinion.rule)),
            ("verdict", .string(opinion.verdict.rawValue)), ("citation", .string(opinion.citation)),
            ("reason", .string(opinion.reason)),
        ])
    }

    /// An event as a JSON object.
    public static func json(_ event: ScanEvent) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string("event")), ("kind", .string(event.kind.rawValue))]
        members += location(event.location)
        members += [("message", .string(event.message)), ("limit", .string(event.limit))]
        return .object(members)
    }

    /// The scan summary as a JSON object.
    public static func json(_ summary: ScanSummary) -> JSONValue {
        let counts = summary.counts
        return .object([
            ("files", .int(Int64(counts.files))),
            ("bytes", .int(Int64(clamping: counts.bytes))),
            ("archives", .int(Int64(counts.archives))),
            ("members", .int(Int64(counts.members))),
            ("expandedBytes", .int(Int64(clamping: counts.expandedBytes))),
            ("errors", .int(Int64(counts.errors))),
            ("skipped", .int(Int64(counts.skipped))),
            ("symbolicLinks", .int(Int64(counts.symbolicLinks))),
            ("findings", .int(Int64(counts.findings))),
            ("indexEntries", .int(Int64(counts.indexEntries))),
            ("coveredByIndex", .int(Int64(counts.coveredByIndex))),
            ("unchanged", .int(Int64(counts.unchanged))),
            ("otherShards", .int(Int64(counts.otherShards))),
            ("elapsedSeconds", .double(summary.elapsed.seconds)),
            ("incomplete", .bool(summary.isIncomplete)),
            ("interrupted", .bool(summary.interrupted)),
            (
                "recognised",
                .array(
                    summary.recognised.map { tree in
                        .object([
                            ("path", .string(tree.path.displayString)), ("kind", .string(tree.kind)),
                            ("detail", .string(tree.detail)),
                        ])
                    }
                )
            ),
        ])
    }

    /// The summary as the last record of a JSON Lines report: `{"type":"summary", ...}`.
    public static func summaryRecord(_ summary: ScanSummary) -> JSONValue {
        guard case .object(let members) = json(summary) else { return json(summary) }
        return .object([("type", .string("summary"))] + members)
    }

    static func json(_ evidence: Evidence) -> JSONValue {
        .object([
            ("kind", .string(evidence.kind)),
            ("value", .string(evidence.value)),
            ("field", .string(evidence.field)),
            ("offset", evidence.offset.map { .int(Int64(clamping: $0)) } ?? .null),
            ("strength", .string(evidence.strength.rawValue)),
            ("weight", .int(Int64(evidence.weight))),
            ("rule", .string(evidence.rule)),
        ])
    }

    static func json(_ applied: AppliedExemption) -> JSONValue {
        .object([
            ("id", .string(applied.exemption.id)),
            ("statement", .string(applied.exemption.statement)),
            ("expires", .string(applied.exemption.expires?.description)),
            ("expired", .bool(applied.isExpired)),
        ])
    }

    /// `path` and `members` as text (bytes that are not UTF-8 appear as `\xNN`), plus the exact
    /// bytes in hex as `pathHex` and `membersHex` when some name is not UTF-8.
    static func location(_ location: Location) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("path", .string(location.path.displayString)),
            ("members", .array(location.members.map { .string($0.displayString) })),
        ]
        if !location.path.isValidUTF8 || location.members.contains(where: { !$0.isValidUTF8 }) {
            members.append(("pathHex", .string(hex(location.path.bytes))))
            members.append(("membersHex", .array(location.members.map { .string(hex($0.bytes)) })))
        }
        return members
    }

    static func hex(_ bytes: [UInt8]) -> String {
        Hex.string(bytes)
    }

    // MARK: - Reading records back

    /// A record that could not be read back.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        /// The line of the JSON Lines file.
        public let line: Int
        /// What is wrong.
        public let message: String

        /// `line N: message`.
        public var description: String { "line \(line): \(message)" }
    }

    /// Reads the detections back out of a JSON Lines file of findings (other records are skipped),
    /// for `embargo policy evaluate`.
    ///
    /// - Throws: `DecodingError` for a line that is not a finding record.
    public static func detections(fromJSONLines data: [UInt8]) throws(DecodingError) -> [Detection] {
        var detections: [Detection] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated()
        where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw DecodingError(line: index + 1, message: "not a JSON object")
                }
                object = parsed
            } catch let error as DecodingError {
                throw error
            } catch {
                throw DecodingError(line: index + 1, message: "not valid JSON")
            }
            guard object["type"] as? String == "finding" else { continue }
            detections.append(try detection(from: object, line: index + 1))
        }
        return detections
    }

    /// Reads one finding record back, verdict and reasons included, as stored by the findings store.
    ///
    /// - Throws: `DecodingError` (line 1) when the text is not a finding record.
    public static func finding(fromJSON json: String) throws(DecodingError) -> Finding {
        let object = try jsonObject(json)
        let detection = try detection(from: object, line: 1)
        func text(_ key: String) -> String? { object[key] as? String }
        guard let verdict = text("verdict").flatMap(Verdict.init(rawValue:)),
            let asOf = text("asOf").flatMap(CalendarDate.init)
        else {
            throw DecodingError(line: 1, message: "a finding without verdict or asOf")
        }
        var applied: AppliedExemption?
        if let exemption = object["exemption"] as? [String: Any], let statement = exemption["statement"] as? String {
            applied = AppliedExemption(
                exemption: Exemption(
                    id: exemption["id"] as? String ?? "",
                    statement: statement,
                    expires: (exemption["expires"] as? String).flatMap(CalendarDate.init)
                ),
                isExpired: exemption["expired"] as? Bool ?? false
            )
        }
        return Finding(
            detection: detection,
            assessment: Assessment(
                verdict: verdict,
                policyVerdict: text("policyVerdict").flatMap(Verdict.init(rawValue:)) ?? verdict,
                policy: text("policy") ?? "",
                rule: text("rule"),
                citation: text("citation") ?? "",
                reason: text("reason") ?? "",
                effectiveDate: text("effectiveDate").flatMap(CalendarDate.init),
                asOf: asOf,
                exemption: applied,
                otherPolicies: (object["otherPolicies"] as? [[String: Any]] ?? []).compactMap { opinion in
                    guard let policy = opinion["policy"] as? String,
                        let verdict = (opinion["verdict"] as? String).flatMap(Verdict.init(rawValue:))
                    else { return nil }
                    return PolicyOpinion(
                        policy: policy,
                        rule: opinion["rule"] as? String,
                        verdict: verdict,
                        citation: opinion["citation"] as? String ?? "",
                        reason: opinion["reason"] as? String ?? ""
                    )
                }
            )
        )
    }

    /// Reads one detection record back (see `json(_:)` for a detection).
    ///
    /// - Throws: `DecodingError` (line 1) when the text is not a detection record.
    public static func detection(fromJSON json: String) throws(DecodingError) -> Detection {
        try detection(from: try jsonObject(json), line: 1)
    }

    /// Reads one event record back.
    ///
    /// - Throws: `DecodingError` (line 1) when the text is not an event record.
    public static func event(fromJSON text: String) throws(DecodingError) -> ScanEvent {
        let object = try jsonObject(text)
        guard let kind = (object["kind"] as? String).flatMap(ScanEvent.Kind.init(rawValue:)),
            let message = object["message"] as? String
        else {
            throw DecodingError(line: 1, message: "an event without kind or message")
        }
        return ScanEvent(
            kind: kind,
            location: location(from: object),
            message: message,
            limit: object["limit"] as? String
        )
    }

    /// Reads a summary record back (counts and recognised trees).
    public static func summary(fromJSON text: String) -> ScanSummary? {
        guard let object = try? jsonObject(text) else { return nil }
        func count(_ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        var counts = ScanCounts()
        counts.files = count("files")
        counts.bytes = (object["bytes"] as? NSNumber)?.uint64Value ?? 0
        counts.archives = count("archives")
        counts.members = count("members")
        counts.expandedBytes = (object["expandedBytes"] as? NSNumber)?.uint64Value ?? 0
        counts.errors = count("errors")
        counts.skipped = count("skipped")
        counts.symbolicLinks = count("symbolicLinks")
        counts.findings = count("findings")
        counts.indexEntries = count("indexEntries")
        counts.coveredByIndex = count("coveredByIndex")
        counts.unchanged = count("unchanged")
        counts.otherShards = count("otherShards")
        let seconds = (object["elapsedSeconds"] as? NSNumber)?.doubleValue ?? 0
        let trees = (object["recognised"] as? [[String: Any]] ?? []).map { tree in
            RecognisedTree(
                path: ScanPath(tree["path"] as? String ?? ""),
                kind: tree["kind"] as? String ?? "",
                detail: tree["detail"] as? String ?? ""
            )
        }
        return ScanSummary(
            counts: counts,
            elapsed: .milliseconds(Int64(seconds * 1000)),
            recognised: trees,
            interrupted: object["interrupted"] as? Bool ?? false
        )
    }

    private static func jsonObject(_ text: String) throws(DecodingError) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw DecodingError(line: 1, message: "not a JSON object")
        }
        return object
    }

    /// The location of a record: exact bytes from `pathHex`/`membersHex` when present.
    static func location(from object: [String: Any]) -> Location {
        if let pathHex = object["pathHex"] as? String, let membersHex = object["membersHex"] as? [String] {
            return Location(
                path: ScanPath(bytes: unhex(pathHex)),
                members: membersHex.map { ScanPath(bytes: unhex($0)) }
            )
        }
        return Location(
            path: ScanPath(object["path"] as? String ?? ""),
            members: (object["members"] as? [String] ?? []).map(ScanPath.init)
        )
    }

    static func detection(from object: [String: Any], line: Int) throws(DecodingError) -> Detection {
        func text(_ key: String) throws(DecodingError) -> String {
            guard let value = object[key] as? String else {
                throw DecodingError(line: line, message: "missing '\(key)'")
            }
            return value
        }
        guard object["path"] is String else { throw DecodingError(line: line, message: "missing 'path'") }
        let location = location(from: object)
        guard let confidence = DetectionConfidence(rawValue: try text("confidence")),
            let form = DetectionForm(rawValue: try text("form")),
            let format = ContentFormat(rawValue: try text("format"))
        else { throw DecodingError(line: line, message: "unknown confidence, form or format") }
        var evidence: [Evidence] = []
        for item in object["evidence"] as? [[String: Any]] ?? [] {
            guard let kind = item["kind"] as? String, let value = item["value"] as? String,
                let strength = (item["strength"] as? String).flatMap(EvidenceStrength.init(rawValue:))
            else { throw DecodingError(line: line, message: "evidence without kind, value or strength") }
            evidence.append(
                Evidence(
                    kind: kind,
                    value: value,
                    field: item["field"] as? String,
                    offset: (item["offset"] as? NSNumber).map { $0.uint64Value },
                    strength: strength,
                    weight: (item["weight"] as? NSNumber)?.intValue ?? 0,
                    rule: item["rule"] as? String ?? ""
                )
            )
        }
        var detection = Detection(
            location: location,
            record: object["record"] as? String,
            vendor: try text("vendor"),
            vendorName: try text("vendorName"),
            product: try text("product"),
            productName: try text("productName"),
            family: try text("family"),
            confidence: confidence,
            form: form,
            score: (object["score"] as? NSNumber)?.intValue ?? 0,
            evidence: evidence,
            item: ItemFacts(
                size: (object["size"] as? NSNumber).map { $0.uint64Value },
                sha256: object["sha256"] as? String,
                format: format,
                mimeType: object["mimeType"] as? String ?? "",
                description: object["description"] as? String ?? ""
            )
        )
        detection.imageLayer = imageLayer(from: object["imageLayer"])
        return detection
    }

    static func unhex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in text.utf8 {
            guard let digit = Self.hexDigit(character) else { continue }
            if let value = high {
                bytes.append(value << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        return bytes
    }

    private static func hexDigit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Duration {
    /// The duration in seconds.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
