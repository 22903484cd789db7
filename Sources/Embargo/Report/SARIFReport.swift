/// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
///
/// One rule per policy rule; `level` error for prohibited, warning for restricted, note for review;
/// exempt findings carry an accepted external suppression with its justification; each result has
/// `partialFingerprints` from the finding id (GitHub cannot compute them for binaries), the on-disk
/// path as its physical location and the archive member chain as logical locations. Scan events go
/// to the invocation's tool execution notifications.
package enum SARIFReport {
    static let fingerprintKey = "embargoFindingId/v1"

    /// The SARIF log.
    package static func render(
        findings: [Finding],
        events: [ScanEvent],
        summary: ScanSummary? = nil,
        evaluator: PolicyEvaluator
    ) -> String {
        let ordered = findings.sorted { $0.detection.location < $1.detection.location }
        var ruleIDs: [String] = []
        var ruleInfo: [String: (finding: Finding, worst: Verdict)] = [:]
        for finding in ordered {
            let id = ruleID(finding.assessment)
            if let known = ruleInfo[id] {
                ruleInfo[id] = (known.finding, max(known.worst, finding.assessment.policyVerdict))
            } else {
                ruleIDs.append(id)
                ruleInfo[id] = (finding, finding.assessment.policyVerdict)
            }
        }
        let rules: [JSONValue] = ruleIDs.map { id in
            let (finding, worst) = ruleInfo[id] ?? (ordered[0], .review)
            let assessment = finding.assessment
            let short = "\(assessment.policy): \(assessment.rule ?? "no rule applies")"
            return .object([
                ("id", .string(id)),
                ("name", .string(camelName(id))),
                ("shortDescription", .object([("text", .string(short))])),
                ("fullDescription", .object([("text", .string(assessment.citation))])),
                (
                    "help",
                    .object([
                        (
                            "text",
                            .string("\(assessment.citation)\n\nEach result states its verdict, reason and evidence.")
                        )
                    ])
                ),
                ("defaultConfiguration", .object([("level", .string(level(worst)))])),
                (
                    "properties",
                    .object([
                        ("tags", .array([.string("security"), .string("supply-chain"), .string("compliance")])),
                        ("security-severity", .string(securitySeverity(worst))),
                        ("precision", .string("high")),
                    ])
                ),
            ])
        }
        let results: [JSONValue] = ordered.map { finding in
            result(finding, ruleIndex: ruleIDs.firstIndex(of: ruleID(finding.assessment)) ?? 0)
        }
        var notifications: [JSONValue] = events.sorted { $0.location < $1.location }.map { event in
            .object([
                ("level", .string(event.kind == .skipped ? "note" : "warning")),
                (
                    "message",
                    .object([("text", .string("\(event.kind.rawValue): \(event.location): \(event.message)"))])
                ),
                ("locations", .array([location(event.location)])),
            ])
        }
        let interrupted = summary?.interrupted ?? false
        if interrupted {
            notifications.insert(
                .object([
                    ("level", .string("error")),
                    ("message", .object([("text", .string(TextReport.interruptedNotice))])),
                ]),
                at: 0
            )
        }
        let run: JSONValue = .object([
            (
                "tool",
                .object([
                    (
                        "driver",
                        .object([
                            ("name", .string("embargo")),
                            ("version", .string(EmbargoVersion.current)),
                            ("semanticVersion", .string(EmbargoVersion.current)),
                            ("informationUri", .string("https://github.com/embargo-scanner/embargo")),
                            ("rules", .array(rules)),
                        ])
                    )
                ])
            ),
            ("automationDetails", .object([("id", .string("embargo/\(evaluator.policy.id)/\(evaluator.asOf)"))])),
            (
                "invocations",
                .array([
                    .object([
                        ("executionSuccessful", .bool(!interrupted)),
                        ("toolExecutionNotifications", .array(notifications)),
                    ])
                ])
            ),
            ("results", .array(results)),
            (
                "properties",
                .object([
                    ("policy", .string(evaluator.policy.id)),
                    ("asOf", .string(evaluator.asOf.description)),
                ])
            ),
        ])
        return JSONValue.object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ]).pretty()
    }

    static func result(_ finding: Finding, ruleIndex: Int) -> JSONValue {
        let detection = finding.detection
        let assessment = finding.assessment
        var members: [(String, JSONValue)] = [
            ("ruleId", .string(ruleID(assessment))),
            ("ruleIndex", .int(Int64(ruleIndex))),
            ("level", .string(level(assessment.verdict))),
            ("kind", .string(kind(assessment.verdict))),
            (
                "message",
                .object([
                    (
                        "text",
                        .string(
                            "\(detection.productName) (\(detection.vendorName)): \(assessment.verdict.rawValue). \(assessment.reason)"
                                + assessment.otherPolicies.map {
                                    " Under \($0.policy): \($0.verdict.rawValue). \($0.reason)"
                                }.joined()
                        )
                    )
                ])
            ),
            ("locations", .array([location(detection.location)])),
            ("partialFingerprints", .object([(fingerprintKey, .string(finding.id))])),
        ]
        if assessment.verdict == .exempt {
            let justification = assessment.exemption.map { $0.exemption.statement } ?? assessment.reason
            members.append(
                (
                    "suppressions",
                    .array([
                        .object([
                            ("kind", .string("external")),
                            ("status", .string("accepted")),
                            ("justification", .string(justification)),
                        ])
                    ])
                )
            )
        }
        members.append(
            (
                "properties",
                .object([
                    ("findingId", .string(finding.id)),
                    ("verdict", .string(assessment.verdict.rawValue)),
                    ("vendor", .string(detection.vendor)),
                    ("product", .string(detection.product)),
                    ("family", .string(detection.family)),
                    ("confidence", .string(detection.confidence.rawValue)),
                    ("form", .string(detection.form.rawValue)),
                    ("citation", .string(assessment.citation)),
                    ("effectiveDate", .string(assessment.effectiveDate?.description)),
                    ("asOf", .string(assessment.asOf.description)),
                    ("sha256", .string(detection.item.sha256)),
                    ("evidence", .array(detection.evidence.map(RecordCoding.json))),
                    ("imageLayer", detection.imageLayer.map(RecordCoding.json) ?? .null),
                ])
            )
        )
        return .object(members)
    }

    /// The physical location (the file on disk) and the logical ones (the archive members, outermost
    /// first, and a database record).
    static func location(_ location: Location) -> JSONValue {
        var logical: [JSONValue] = []
        var chain = location.path.displayString
        for member in location.members {
            chain += "!" + member.displayString
            logical.append(
                .object([
                    ("name", .string(member.displayString)),
                    ("fullyQualifiedName", .string(chain)),
                    ("kind", .string("member")),
                ])
            )
        }
        var members: [(String, JSONValue)] = [
            (
                "physicalLocation",
                .object([
                    ("artifactLocation", .object([("uri", .string(uri(location.path)))])),
                    ("region", .object([("startLine", .int(1))])),
                ])
            )
        ]
        if !logical.isEmpty { members.append(("logicalLocations", .array(logical))) }
        return .object(members)
    }

    /// A URI reference for a path: relative paths stay relative (GitHub wants repository-relative
    /// paths), absolute ones become `file://` URIs; every byte outside the unreserved set is
    /// percent-encoded.
    static func uri(_ path: ScanPath) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        var source = path.bytes
        while source.starts(with: Array("./".utf8)) { source.removeFirst(2) }
        for byte in source {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "/"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return path.bytes.first == UInt8(ascii: "/") ? "file://" + text : text
    }

    static func ruleID(_ assessment: Assessment) -> String {
        "\(assessment.policy)/\(assessment.rule ?? "no-rule")"
    }

    static func camelName(_ id: String) -> String {
        id.split(whereSeparator: { $0 == "/" || $0 == "-" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func level(_ verdict: Verdict) -> String {
        switch verdict {
        case .prohibited: "error"
        case .restricted: "warning"
        case .review, .exempt: "note"
        case .allowed: "none"
        }
    }

    static func kind(_ verdict: Verdict) -> String {
        switch verdict {
        case .prohibited, .restricted: "fail"
        case .review: "review"
        case .exempt, .allowed: "informational"
        }
    }

    static func securitySeverity(_ verdict: Verdict) -> String {
        switch verdict {
        case .prohibited: "9.0"
        case .restricted: "7.0"
        case .review: "4.0"
        case .exempt, .allowed: "0.0"
        }
    }
}
