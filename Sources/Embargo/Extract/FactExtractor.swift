public import EmbargoFormats

/// The structural readers of the extract stage: pulls facts (signers, version resources, package
/// records, trust-store roots) out of an item by its format and name.
struct FactExtractor: Sendable {
    /// Whether the readers want random access to an item of this format and path, so that an archive
    /// member has to be held rather than streamed.
    static func wantsWholeItem(format: ContentFormat, logicalPath: [UInt8]) -> Bool {
        false
    }

    /// Facts of an item that is not a container.
    func facts(format: ContentFormat, content: ItemContent, logicalPath: [UInt8], location: Location)
        -> (facts: [Fact], events: [ScanEvent])
    {
        ([], [])
    }

    /// Facts of a container itself (a package's own metadata).
    func containerFacts(format: ContentFormat, content: ItemContent, location: Location) -> (facts: [Fact], events: [ScanEvent]) {
        ([], [])
    }
}
