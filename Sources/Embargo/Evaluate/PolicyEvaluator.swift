/// The decision on one detection: the verdict with the rule, citation, dates and reason behind it.
public struct Assessment: Sendable, Hashable {
    /// The verdict (after any user exemption).
    public var verdict: Verdict
    /// The verdict the policy gave before any user exemption.
    public var policyVerdict: Verdict
    /// The policy that decided (for a combined policy, the one whose verdict was strictest).
    public var policy: String
    /// The rule that decided, or nil when no rule selected the detection.
    public var rule: String?
    /// The legal citation.
    public var citation: String
    /// Why, for people.
    public var reason: String
    /// The first day the verdict holds, where the rule gives one.
    public var effectiveDate: CalendarDate?
    /// The date the decision was made for.
    public var asOf: CalendarDate
    /// The user exemption that matched, whether or not it still applies.
    public var exemption: AppliedExemption?
    /// Under a combined policy, what the policies that did not decide said (empty otherwise).
    public var otherPolicies: [PolicyOpinion] = []
}

/// Evaluates detections under a policy for a date. The same detection, policy and date always give
/// the same assessment.
public struct PolicyEvaluator: Sendable {
    /// The policy selected (`default`, `us-bis-kaspersky-2024`, ...).
    public let policy: Policy
    /// Every policy known, for combined policies.
    public let catalog: PolicyCatalog
    /// The date to decide for.
    public let asOf: CalendarDate
    /// User exemptions.
    public let exemptions: [Exemption]

    /// An evaluator.
    ///
    /// - Throws: `DefinitionError` when a combined policy names a policy the catalog lacks, or
    ///   combines itself through any chain of policies.
    public init(
        policy: Policy,
        catalog: PolicyCatalog,
        asOf: CalendarDate,
        exemptions: [Exemption] = []
    ) throws(DefinitionError) {
        try Self.checkCombinations(of: policy, in: catalog, chain: [])
        self.policy = policy
        self.catalog = catalog
        self.asOf = asOf
        self.exemptions = exemptions
    }

    /// Follows `combine` from `policy` through the catalog: every policy named must exist, and no
    /// chain may lead back to a policy already on it.
    private static func checkCombinations(
        of policy: Policy,
        in catalog: PolicyCatalog,
        chain: [String]
    ) throws(DefinitionError) {
        let path = chain + [policy.id]
        for id in policy.combines {
            guard !path.contains(id) else {
                throw DefinitionError(
                    file: policy.source,
                    line: nil,
                    column: nil,
                    field: "combine",
                    message: "policy '\(id)' combines itself: " + (path + [id]).joined(separator: " → ")
                )
            }
            guard let combined = catalog.policy(id) else {
                throw DefinitionError(
                    file: policy.source,
                    line: nil,
                    column: nil,
                    field: "combine",
                    message: "unknown policy '\(id)'"
                )
            }
            try checkCombinations(of: combined, in: catalog, chain: path)
        }
    }

    /// Decides on a detection.
    public func assess(_ detection: Detection) -> Assessment {
        var assessment = decide(detection, under: policy)
        if let exemption = exemptions.first(where: { $0.matches(detection) }) {
            let expired = exemption.expires.map { asOf > $0 } ?? false
            assessment.exemption = AppliedExemption(exemption: exemption, isExpired: expired)
            if !expired {
                assessment.verdict = .exempt
                assessment.reason = "Exempted by the user: \(exemption.statement)"
            } else {
                assessment.reason +=
                    " (an exemption expired on \(exemption.expires.map(String.init(describing:)) ?? ""))"
            }
        }
        return assessment
    }

    private func decide(_ detection: Detection, under policy: Policy) -> Assessment {
        if !policy.combines.isEmpty {
            let decisions = policy.combines.compactMap(catalog.policy).map { decide(detection, under: $0) }
            // The strictest verdict wins; among equals, the first policy listed.
            guard var strictest = decisions.first else { return unselected(under: policy) }
            var chosen = 0
            for (index, decision) in decisions.enumerated().dropFirst() where decision.verdict > strictest.verdict {
                strictest = decision
                chosen = index
            }
            // The others' opinions stay visible (an exclusion one law makes, which another does not).
            strictest.otherPolicies += decisions.enumerated().filter { $0.offset != chosen }.flatMap { _, decision in
                [PolicyOpinion(decision)] + decision.otherPolicies
            }
            return strictest
        }
        for rule in policy.rules where rule.selector.selects(detection) {
            guard let period = rule.periods.first(where: { $0.contains(asOf) }) else { continue }
            var verdict = period.verdict
            var reason = period.reason
            if detection.confidence == .mention, verdict > policy.mentionVerdict, verdict != .exempt {
                verdict = policy.mentionVerdict
                reason =
                    "Only a mention of the product, not an installation: \(verdict == .review ? "review it" : "allowed")."
                    + " (For an installation: \(period.reason))"
            }
            if let removal = detection.imageLayer?.removalSummary, verdict > .review {
                verdict = .review
                reason =
                    "Removed in a later layer of the image (\(removal)): it ships inside the image's layers but is not"
                    + " in the file system the image runs with; review it. (Were it present: \(period.reason))"
            }
            return Assessment(
                verdict: verdict,
                policyVerdict: verdict,
                policy: policy.id,
                rule: rule.id,
                citation: rule.citation,
                reason: reason,
                effectiveDate: period.from,
                asOf: asOf,
                exemption: nil
            )
        }
        return unselected(under: policy)
    }

    private func unselected(under policy: Policy) -> Assessment {
        Assessment(
            verdict: .allowed,
            policyVerdict: .allowed,
            policy: policy.id,
            rule: nil,
            citation: policy.citation,
            reason: "No rule of \(policy.name) applies to this product on \(asOf).",
            effectiveDate: nil,
            asOf: asOf,
            exemption: nil
        )
    }
}

/// The policies known to a scan: the shipped ones and any loaded from files.
public struct PolicyCatalog: Sendable {
    /// The policies, by id.
    public let policies: [Policy]

    /// A catalog.
    public init(policies: [Policy]) {
        self.policies = policies
    }

    /// The policy with `id`.
    public func policy(_ id: String) -> Policy? {
        policies.first { $0.id == id }
    }

    /// The policies shipped with Embargo (`Signatures/policies/*.yaml`, embedded at build time).
    public static func shipped() throws(DefinitionError) -> PolicyCatalog {
        var policies: [Policy] = []
        for (name, text) in EmbeddedDefinitions.policies {
            policies.append(try PolicyLoader.load(text, file: "Signatures/policies/\(name)"))
        }
        return PolicyCatalog(policies: policies)
    }

    /// Reads a policy file.
    public static func load(file: String, text: String) throws(DefinitionError) -> Policy {
        try PolicyLoader.load(text, file: file)
    }

    /// This catalog with `policy` added (replacing one with the same id).
    public func adding(_ policy: Policy) -> PolicyCatalog {
        PolicyCatalog(policies: policies.filter { $0.id != policy.id } + [policy])
    }
}
