/// Findings gathered by what was scanned: the recognised tree they lie in (a repository, a system
/// root, a disk image) or else the scan target, so that a report over a Windows drive, a Linux root
/// and two mirrors says what to remove from each.
struct FindingGroup {
    /// The tree's or target's path, as given or recognised.
    var root: ScanPath
    /// What it is (`Debian repository (1 suite)`, `Linux root (dpkg)`, `scan target`).
    var kind: String
    /// What was read there, for a recognised tree.
    var detail: String?
    /// The findings in it, by vendor, then product, then strictest verdict first.
    var findings: [Finding] = []

    /// One group per recognised tree and per scan target, in path order, each holding the findings
    /// whose path lies deepest in it; findings outside all of them (a stored scan whose targets are
    /// unknown) go to a last group of their own.
    static func grouping(_ findings: [Finding], recognised: [RecognisedTree], targets: [String]) -> [FindingGroup] {
        var groups = recognised.map { FindingGroup(root: $0.path, kind: $0.kind, detail: $0.detail) }
        for target in targets.map(Self.normalised) where !groups.contains(where: { $0.root == target }) {
            groups.append(FindingGroup(root: target, kind: "scan target"))
        }
        groups.sort { $0.root < $1.root }
        var elsewhere = FindingGroup(root: ScanPath(""), kind: "elsewhere")
        for finding in findings {
            let path = finding.detection.location.path
            let deepest = groups.indices.filter { Self.contains(groups[$0].root, path) }.max {
                groups[$0].root.bytes.count < groups[$1].root.bytes.count
            }
            if let deepest { groups[deepest].findings.append(finding) } else { elsewhere.findings.append(finding) }
        }
        if !elsewhere.findings.isEmpty { groups.append(elsewhere) }
        for index in groups.indices {
            groups[index].findings.sort { lhs, rhs in
                let left = (lhs.detection.vendorName, lhs.detection.productName, rhs.assessment.verdict.severity)
                let right = (rhs.detection.vendorName, rhs.detection.productName, lhs.assessment.verdict.severity)
                return left < right || (left == right && lhs.detection.location < rhs.detection.location)
            }
        }
        return groups
    }

    /// Whether `path` is `root` or lies below it.
    static func contains(_ root: ScanPath, _ path: ScanPath) -> Bool {
        let root = root.bytes
        let path = path.bytes
        guard path.starts(with: root) else { return false }
        return path.count == root.count || root.last == UInt8(ascii: "/") || path[root.count] == UInt8(ascii: "/")
    }

    /// A target as the scan names what it finds under it: without trailing slashes.
    static func normalised(_ target: String) -> ScanPath {
        var bytes = Array(target.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        return ScanPath(bytes: bytes)
    }

    /// How many findings have each verdict.
    var countsByVerdict: [Verdict: Int] {
        Dictionary(grouping: findings, by: \.assessment.verdict).mapValues(\.count)
    }

    /// The products that must go or are restricted, strictest first, with how many locations each.
    var toRemove: [(vendor: String, product: String, verdict: Verdict, locations: Int)] {
        let removable = findings.filter { $0.assessment.verdict >= .restricted }
        let byProduct = Dictionary(grouping: removable) { ProductVerdict(finding: $0) }
        return byProduct.map {
            (vendor: $0.key.vendor, product: $0.key.product, verdict: $0.key.verdict, locations: $0.value.count)
        }
        .sorted { ($1.verdict.severity, $0.vendor, $0.product) < ($0.verdict.severity, $1.vendor, $1.product) }
    }

    private struct ProductVerdict: Hashable {
        let vendor: String
        let product: String
        let verdict: Verdict

        init(finding: Finding) {
            vendor = finding.detection.vendorName
            product = finding.detection.productName
            verdict = finding.assessment.verdict
        }
    }
}
