internal import EmbargoFormats

extension ScanEvent {
    /// The event for `error`, met at `location` while doing `what`: its kind follows the error's
    /// code (see `kind(for:)`), its message the error's.
    init(failure error: any Error, at location: Location, doing what: String? = nil) {
        if let stop = error as? ExpansionStop {
            self = stop.event
            return
        }
        let detail = String(describing: error)
        let kind = Self.kind(for: error)
        self.init(
            kind: kind,
            location: location,
            message: what.map { "\($0): \(detail)" } ?? detail,
            limit: kind == .limit ? "reader" : nil
        )
    }

    /// The one place that decides which kind of event an error is: damage to the content is
    /// `corrupt`, a structure past a reader's bounds `limit`, a valid structure Embargo does not read
    /// `unsupported`, and failures to read the bytes at all `unreadable`.
    static func kind(for error: any Error) -> Kind {
        switch error {
        case let error as FormatError:
            switch error.code {
            case .limit: return .limit
            case .unsupported: return .unsupported
            default: return .corrupt
            }
        case let error as ArchiveError:
            switch error.code {
            case .damaged: return .corrupt
            case .unsupported: return .unsupported
            case .encrypted: return .encrypted
            case .io, .resource: return .unreadable
            }
        case let error as StoreError:
            switch error.code {
            case .corrupt: return .corrupt
            case .unsupported: return .unsupported
            default: return .unreadable
            }
        case let stop as ExpansionStop:
            return stop.event.kind
        default:
            return .unreadable
        }
    }
}
