/// A compliance policy: rules that select detections and give a verdict per period of time, with the
/// legal citation and a reason a person can read.
public struct Policy: Sendable, Hashable {
    /// The policy id (`us-bis-kaspersky-2024`).
    public var id: String
    /// The display name.
    public var name: String
    /// What the policy implements.
    public var summary: String
    /// The citation for the policy as a whole.
    public var citation: String
    /// The verdict for detections that are only mentions (never `prohibited`).
    public var mentionVerdict: Verdict
    /// The rules, tried in order; the first that selects a detection decides.
    package var rules: [PolicyRule]
    /// For a combined policy, the policies it combines (the strictest verdict wins); then `rules` is empty.
    public var combines: [String]
    /// The file it came from.
    public var source: String
}

/// One rule of a policy.
package struct PolicyRule: Sendable, Hashable {
    /// The rule id, unique in its policy.
    package var id: String
    /// Which detections it applies to.
    package var selector: RuleSelector
    /// The verdict by period; the period containing the as-of date applies.
    package var periods: [PolicyPeriod]
    /// The legal citation for the rule.
    package var citation: String
}

/// A span of dates and the verdict that holds in it.
package struct PolicyPeriod: Sendable, Hashable {
    /// The first day the verdict holds, or nil for "since always".
    package var from: CalendarDate?
    /// The first day it no longer holds, or nil for "from then on".
    package var until: CalendarDate?
    /// The verdict.
    package var verdict: Verdict
    /// Why, for people.
    package var reason: String

    func contains(_ date: CalendarDate) -> Bool {
        (from.map { date >= $0 } ?? true) && (until.map { date < $0 } ?? true)
    }
}

/// The form in which a detection was found, which can matter to a rule: shipping a package is a
/// new transaction, running an installed product is not.
public enum DetectionForm: String, Sendable, Hashable, CaseIterable {
    /// An installed product: a package database record, a binary at its install path, a trust root.
    case installed
    /// A package file (.deb, .rpm) or a repository index entry offering one.
    case package
    /// An installer or setup program.
    case installer
    /// A file that is none of these (a signed binary anywhere, say).
    case file
}

/// Which detections a rule applies to; every field given must match.
package struct RuleSelector: Sendable, Hashable {
    /// Vendor ids (any of).
    package var vendors: [String] = []
    /// Product ids (any of).
    package var products: [String] = []
    /// Product families (any of).
    package var families: [String] = []
    /// Confidences (any of).
    package var confidences: [DetectionConfidence] = []
    /// Evidence kinds, at least one of which the detection must have (`package.name`, `certificate.subject`).
    package var evidenceKinds: [String] = []
    /// Forms (any of).
    package var forms: [DetectionForm] = []

    func selects(_ detection: Detection) -> Bool {
        (vendors.isEmpty || vendors.contains(detection.vendor))
            && (products.isEmpty || products.contains(detection.product))
            && (families.isEmpty || families.contains(detection.family))
            && (confidences.isEmpty || confidences.contains(detection.confidence))
            && (evidenceKinds.isEmpty || detection.evidence.contains { evidenceKinds.contains($0.kind) })
            && (forms.isEmpty || forms.contains(detection.form))
    }
}
