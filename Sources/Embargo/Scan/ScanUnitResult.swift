package import EmbargoMatcher

/// What the scan made of one unit of work — a directory listed, or a file on disk read with every
/// archive member, partition and file inside it — delivered whole once the unit is done.
public struct ScanUnitResult: Sendable {
    /// A unit of work.
    public enum Unit: Sendable, Hashable {
        /// A directory: its listing, and the repository indexes or system root recognised there.
        case directory(ScanPath)
        /// A file on disk, with everything inside it (for a disk image split among the workers: the
        /// image's own structure and the files inside that fall to part 0).
        case file(ScanPath)
        /// Another part of a disk image on disk split among the workers: the files inside it that
        /// fall to part `part` of `parts`.
        case imagePart(ScanPath, part: Int, parts: Int)

        /// The unit's path.
        public var path: ScanPath {
            switch self {
            case .directory(let path), .file(let path), .imagePart(let path, _, _): path
            }
        }
    }

    /// The unit.
    public var unit: Unit
    /// The products found.
    public var detections: [Detection] = []
    /// What could not be read or was left out.
    public var events: [ScanEvent] = []
    /// What the unit added to the scan's counts.
    public var counts = ScanCounts()
    /// The trees recognised at a directory (a repository, a system root).
    public var recognised: [RecognisedTree] = []
    /// For a disk image whose files were split among the workers, into how many parts (the other
    /// parts are units of their own).
    public var imageParts: Int?
    /// A file's stamp, when it was read completely; kept by a findings store for the next incremental
    /// scan.
    public var readStamp: FileStamp?
    /// A file's stamp, when it was not read because it is unchanged since the previous scan, whose
    /// findings and events for it still hold.
    public var unchangedStamp: FileStamp?
    /// Time spent per stage on the unit (benchmark mode only; not handed over by a supervised child).
    package var stageTimes = StageTimes()
    /// What each matcher pattern cost in the unit (benchmark mode with a profile only).
    package var matchProfile: MatchProfile?

    /// A result with nothing in it yet.
    public init(unit: Unit) {
        self.unit = unit
    }
}
