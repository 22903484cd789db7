/// What a policy says must happen to a finding.
public enum Verdict: String, Sendable, Hashable, CaseIterable, Comparable {
    /// No rule restricts it (yet).
    case allowed
    /// A rule's own terms exclude it (for instance Kaspersky Threat Intelligence under the BIS
    /// determination), or a user exemption with a statement applies.
    case exempt
    /// Weak evidence or a vendor under watch: a person should look.
    case review
    /// A deadline has started to run but not passed: no new acquisitions, remove before the date.
    case restricted
    /// Must go.
    case prohibited

    /// How strict the verdict is: prohibited > restricted > review > exempt > allowed. When policies
    /// are combined, the strictest verdict wins.
    public var severity: Int {
        switch self {
        case .allowed: 0
        case .exempt: 1
        case .review: 2
        case .restricted: 3
        case .prohibited: 4
        }
    }

    /// Orders by severity.
    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.severity < rhs.severity }
}
