/// The one place that decides what a package's own finding covers. While a package whose metadata
/// proves a vendor's product is being unpacked (a `.deb` or `.rpm` of that vendor), the detections of
/// that vendor inside it are not reported again: the package finding stands for its files. Other
/// vendors' files inside it are reported as usual.
struct PackageCoverage {
    /// The vendors covered, per nesting level of packages being unpacked.
    private var levels: [Set<String>] = []

    /// Starts unpacking a container whose own detections are `detections`.
    mutating func enter(_ detections: [Detection]) {
        levels.append(Set(detections.filter { $0.confidence == .installation && $0.form == .package }.map(\.vendor)))
    }

    /// Ends unpacking the innermost container.
    mutating func leave() {
        _ = levels.popLast()
    }

    /// Whether `detection` is to be reported, rather than being covered by a package around it.
    func admits(_ detection: Detection) -> Bool {
        !levels.contains { $0.contains(detection.vendor) }
    }
}
