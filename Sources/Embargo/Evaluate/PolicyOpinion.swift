/// What one policy of a combined policy said about a finding whose verdict another policy decided:
/// under `default`, a Kaspersky Threat Intelligence program is prohibited by the FCC Covered List,
/// and the BIS determination's exclusion of it is kept beside that verdict as an opinion.
public struct PolicyOpinion: Sendable, Hashable {
    /// The policy.
    public var policy: String
    /// Its rule that selected the finding, or nil when none did.
    public var rule: String?
    /// Its verdict.
    public var verdict: Verdict
    /// Its citation.
    public var citation: String
    /// Its reason.
    public var reason: String

    /// The opinion an assessment states.
    init(_ assessment: Assessment) {
        policy = assessment.policy
        rule = assessment.rule
        verdict = assessment.policyVerdict
        citation = assessment.citation
        reason = assessment.reason
    }

    /// An opinion.
    public init(policy: String, rule: String?, verdict: Verdict, citation: String, reason: String) {
        self.policy = policy
        self.rule = rule
        self.verdict = verdict
        self.citation = citation
        self.reason = reason
    }
}
