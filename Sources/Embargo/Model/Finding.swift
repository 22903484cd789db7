/// A detection and the policy's decision on it: one record of a report.
public struct Finding: Sendable, Hashable {
    /// What was found, where, and on what evidence.
    public var detection: Detection
    /// The verdict, with rule, citation, dates and reason.
    public var assessment: Assessment

    /// A finding.
    public init(detection: Detection, assessment: Assessment) {
        self.detection = detection
        self.assessment = assessment
    }

    /// The finding's stable id (see `Detection.id`).
    public var id: String { detection.id }
}
