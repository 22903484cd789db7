/// One finding per package of a repository index, however many copies of the index a tree holds:
/// `Packages`, `Packages.gz` and `Packages.xz` side by side (a partial mirror, a copied `dists`
/// folder without its `Release`), or `primary.xml` and `primary.xml.gz`. Findings of index entries
/// are held until the scan ends; those of the same product and package record in the same directory
/// become one finding, the copy first in path order (so that the finding and its id do not depend
/// on which worker read which copy first), whose evidence names every other copy.
struct IndexCopies {
    private struct Key: Hashable {
        let vendor: String
        let product: String
        let record: String
        let directory: [UInt8]
    }

    private var held: [Key: [Detection]] = [:]

    /// Findings merged into another.
    var merged: Int { held.values.reduce(0) { $0 + $1.count - 1 } }

    /// Whether `detection` is an index entry's (a package's metadata, with the package as record),
    /// which is held rather than reported at once.
    static func holds(_ detection: Detection) -> Bool {
        detection.form == .package && detection.record != nil
    }

    /// Holds an index entry's detection.
    mutating func hold(_ detection: Detection) {
        let key = Key(
            vendor: detection.vendor,
            product: detection.product,
            record: detection.record ?? "",
            directory: detection.location.path.parent?.bytes ?? []
        )
        held[key, default: []].append(detection)
    }

    /// One detection per package and directory, in path order, naming the other copies.
    func detections() -> [Detection] {
        held.values.compactMap { copies in
            let ordered = copies.sorted { $0.location < $1.location }
            guard var first = ordered.first else { return nil }
            var named: Set<String> = [first.location.description]
            for copy in ordered.dropFirst() where named.insert(copy.location.description).inserted {
                first.evidence.append(
                    Evidence(
                        kind: "index.copy",
                        value: copy.location.description,
                        field: "also listed in",
                        strength: .mention,
                        weight: 0,
                        rule: ""
                    )
                )
            }
            return first
        }.sorted { ($0.location, $0.record ?? "") < ($1.location, $1.record ?? "") }
    }
}
