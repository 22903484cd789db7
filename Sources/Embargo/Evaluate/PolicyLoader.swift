/// Reads policy files (YAML) into `Policy` values; the format is documented in
/// `Signatures/policies/README.md`. Every problem is reported with its file, line and field.
enum PolicyLoader {
    static let policyKeys: Set<String> = ["policy", "name", "description", "citation", "mentions", "rules", "combine"]
    static let ruleKeys: Set<String> = ["id", "select", "verdict", "reason", "periods", "citation"]
    static let selectKeys: Set<String> = ["vendor", "product", "family", "confidence", "evidence", "form"]
    static let periodKeys: Set<String> = ["from", "until", "verdict", "reason"]

    /// Parses one policy file.
    ///
    /// - Throws: `DefinitionError` naming the file, line and field of the first problem.
    static func load(_ text: String, file: String) throws(DefinitionError) -> Policy {
        let root = try YAMLNode.parse(text, file: file)
        try root.requireKeys(in: policyKeys)
        let id = try root.required("policy").identifier()
        let name = try root.required("name").nonEmptyString()
        let summary = try root["description"]?.string() ?? ""
        let citation = try root["citation"]?.string() ?? ""
        var mentionVerdict = Verdict.review
        if let node = root["mentions"] {
            guard let verdict = Verdict(rawValue: try node.string()), verdict == .review || verdict == .allowed else {
                throw node.error("mentions may be 'review' or 'allowed' (a mention is never prohibited)")
            }
            mentionVerdict = verdict
        }
        if let combine = root["combine"] {
            guard root["rules"] == nil else {
                throw combine.error("a policy either combines others or has rules, not both")
            }
            let ids = try combine.strings()
            guard ids.count >= 2 else { throw combine.error("combine at least two policies") }
            return Policy(
                id: id,
                name: name,
                summary: summary,
                citation: citation,
                mentionVerdict: mentionVerdict,
                rules: [],
                combines: ids,
                source: file
            )
        }
        var rules: [PolicyRule] = []
        var ruleIDs: Set<String> = []
        for node in try root.required("rules").sequence() {
            let rule = try loadRule(node, policyCitation: citation)
            guard ruleIDs.insert(rule.id).inserted else {
                throw try node.required("id").error("rule id '\(rule.id)' is used twice")
            }
            rules.append(rule)
        }
        return Policy(
            id: id,
            name: name,
            summary: summary,
            citation: citation,
            mentionVerdict: mentionVerdict,
            rules: rules,
            combines: [],
            source: file
        )
    }

    static func loadRule(_ node: YAMLNode, policyCitation: String) throws(DefinitionError) -> PolicyRule {
        try node.requireKeys(in: ruleKeys)
        let id = try node.required("id").identifier()
        let selector = try loadSelector(try node.required("select"))
        var periods: [PolicyPeriod] = []
        if let list = node["periods"] {
            guard node["verdict"] == nil else {
                throw try node.required("verdict").error("give either a verdict or periods, not both")
            }
            for element in try list.sequence() {
                try element.requireKeys(in: periodKeys)
                let from = try element["from"].map { (node) throws(DefinitionError) in try date(node) }
                let until = try element["until"].map { (node) throws(DefinitionError) in try date(node) }
                if let from, let until, until <= from {
                    throw try element.required("until").error("'until' must be after 'from'")
                }
                periods.append(
                    PolicyPeriod(
                        from: from,
                        until: until,
                        verdict: try verdict(try element.required("verdict")),
                        reason: try element.required("reason").nonEmptyString()
                    )
                )
            }
            let ordered = periods.sorted {
                ($0.from.map { [$0.year, $0.month, $0.day] } ?? []).lexicographicallyPrecedes(
                    $1.from.map { [$0.year, $0.month, $0.day] } ?? []
                )
            }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) {
                guard let end = earlier.until, let start = later.from, end <= start else {
                    throw list.error("periods overlap: each date may fall in one period only")
                }
            }
        } else {
            periods = [
                PolicyPeriod(
                    from: nil,
                    until: nil,
                    verdict: try verdict(try node.required("verdict")),
                    reason: try node.required("reason").nonEmptyString()
                )
            ]
        }
        let citation = try node["citation"]?.nonEmptyString() ?? policyCitation
        guard !citation.isEmpty else { throw node.error("a rule needs a citation (or the policy one)") }
        return PolicyRule(id: id, selector: selector, periods: periods, citation: citation)
    }

    static func loadSelector(_ node: YAMLNode) throws(DefinitionError) -> RuleSelector {
        try node.requireKeys(in: selectKeys)
        var selector = RuleSelector()
        selector.vendors = try node["vendor"]?.strings() ?? []
        selector.products = try node["product"]?.strings() ?? []
        selector.families = try node["family"]?.strings() ?? []
        selector.evidenceKinds = try node["evidence"]?.strings() ?? []
        if let confidence = node["confidence"] {
            for text in try confidence.strings() {
                guard let value = DetectionConfidence(rawValue: text) else {
                    throw confidence.error("unknown confidence '\(text)' (expected installation or mention)")
                }
                selector.confidences.append(value)
            }
        }
        if let form = node["form"] {
            for text in try form.strings() {
                guard let value = DetectionForm(rawValue: text) else {
                    throw form.error(
                        "unknown form '\(text)' (expected one of: \(DetectionForm.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                selector.forms.append(value)
            }
        }
        return selector
    }

    static func date(_ node: YAMLNode) throws(DefinitionError) -> CalendarDate {
        guard let date = CalendarDate(try node.string()) else { throw node.error("expected a date as YYYY-MM-DD") }
        return date
    }

    static func verdict(_ node: YAMLNode) throws(DefinitionError) -> Verdict {
        guard let verdict = Verdict(rawValue: try node.string()) else {
            throw node.error(
                "unknown verdict (expected one of: \(Verdict.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        return verdict
    }
}
