/// Something the scan could not do, or chose not to do, at a location. Events never stop a scan and
/// are never detections: they say what the scan did not see.
public struct ScanEvent: Sendable, Hashable {
    /// What kind of event it is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The file or directory could not be opened or read.
        case unreadable
        /// A special file (FIFO, socket, device) that is deliberately not read.
        case skipped
        /// A resource limit stopped the scan of this item (depth, members, expanded size, ratio).
        case limit
        /// The content is damaged: a truncated or corrupt archive, an unparseable structure.
        case corrupt
        /// A format or structure Embargo recognises but cannot read.
        case unsupported
        /// Encrypted content, which cannot be read without its key: an encrypted volume (LUKS,
        /// BitLocker) or an encrypted archive or member.
        case encrypted
        /// A repository that does not hold what its indexes promise: a checksum or size that does not
        /// match, or a file they name that is missing.
        case integrity
        /// The scanning process crashed while reading this item (a defect in a reader, or a kill for
        /// memory); the item was skipped and the scan went on in a new process.
        case crashed
    }

    /// The kind.
    public var kind: Kind
    /// Where it happened.
    public var location: Location
    /// A sentence for people.
    public var message: String
    /// For limit events, the limit's name (`max-depth`, `max-members`, ...).
    public var limit: String?

    /// An event.
    public init(kind: Kind, location: Location, message: String, limit: String? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.limit = limit
    }

    /// Whether the event means some content went unscanned (every kind but `skipped`).
    public var makesScanIncomplete: Bool { kind != .skipped }
}
