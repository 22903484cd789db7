/// Unit results as frames, for a supervised scanning process to hand them to its parent.
enum UnitResultCoding {
    static func encode(_ result: ScanUnitResult) -> [UInt8] {
        var writer = FrameWriter()
        switch result.unit {
        case .directory(let path):
            writer.integer(0)
            writer.data(path.bytes)
        case .file(let path):
            writer.integer(1)
            writer.data(path.bytes)
        case .imagePart(let path, let part, let parts):
            writer.integer(2)
            writer.data(path.bytes)
            writer.integer(part)
            writer.integer(parts)
        }
        writer.integer(result.imageParts ?? 0)
        writer.integer(result.detections.count)
        for detection in result.detections { writer.text(RecordCoding.json(detection).serialized()) }
        writer.integer(result.events.count)
        for event in result.events { writer.text(RecordCoding.json(event).serialized()) }
        let counts = result.counts
        for value in [
            counts.files, Int(clamping: counts.bytes), counts.archives, counts.members,
            Int(clamping: counts.expandedBytes),
            counts.errors, counts.skipped, counts.symbolicLinks, counts.findings, counts.indexEntries,
            counts.coveredByIndex,
            counts.unchanged, counts.otherShards,
        ] {
            writer.integer(value)
        }
        writer.integer(result.recognised.count)
        for tree in result.recognised {
            writer.data(tree.path.bytes)
            writer.text(tree.kind)
            writer.text(tree.detail)
        }
        writer.stamp(result.readStamp)
        writer.stamp(result.unchangedStamp)
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> ScanUnitResult {
        var reader = FrameReader(bytes)
        let kind = try reader.int()
        let path = ScanPath(bytes: try reader.data())
        let unit: ScanUnitResult.Unit
        switch kind {
        case 0: unit = .directory(path)
        case 1: unit = .file(path)
        default: unit = .imagePart(path, part: try reader.int(), parts: try reader.int())
        }
        var result = ScanUnitResult(unit: unit)
        let parts = try reader.int()
        result.imageParts = parts > 0 ? parts : nil
        for _ in 0..<(try reader.count()) {
            result.detections.append(try RecordCoding.detection(fromJSON: try reader.text()))
        }
        for _ in 0..<(try reader.count()) { result.events.append(try RecordCoding.event(fromJSON: try reader.text())) }
        var counts = ScanCounts()
        counts.files = try reader.int()
        counts.bytes = UInt64(max(0, try reader.int()))
        counts.archives = try reader.int()
        counts.members = try reader.int()
        counts.expandedBytes = UInt64(max(0, try reader.int()))
        counts.errors = try reader.int()
        counts.skipped = try reader.int()
        counts.symbolicLinks = try reader.int()
        counts.findings = try reader.int()
        counts.indexEntries = try reader.int()
        counts.coveredByIndex = try reader.int()
        counts.unchanged = try reader.int()
        counts.otherShards = try reader.int()
        result.counts = counts
        for _ in 0..<(try reader.count()) {
            result.recognised.append(
                RecognisedTree(
                    path: ScanPath(bytes: try reader.data()),
                    kind: try reader.text(),
                    detail: try reader.text()
                )
            )
        }
        result.readStamp = try reader.stamp()
        result.unchangedStamp = try reader.stamp()
        return result
    }
}
