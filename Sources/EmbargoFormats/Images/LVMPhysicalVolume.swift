/// An LVM2 physical volume: its label and header, the newest volume group description in its
/// metadata area, and where each logical volume's extents lie on it. Linear logical volumes (one
/// stripe per segment) on this volume are read; other segment types (striped, mirror, RAID, thin,
/// snapshot, zero) and segments on other physical volumes are named so that a reader can say why
/// a logical volume was not read.
public struct LVMPhysicalVolume: Sendable {
    /// A logical volume of the group.
    public struct LogicalVolume: Sendable, Hashable {
        /// Its name.
        public let name: String
        /// The segment types, in order (`linear`, `striped`, `thin`, ...).
        public let types: [String]
        /// Its size in bytes.
        public let size: UInt64
        /// Where its bytes lie in the source, in order; nil when they cannot be read from this
        /// volume (`unreadable` says why).
        public let ranges: [Range<UInt64>]?
        /// Why the volume cannot be read here, when `ranges` is nil.
        public let unreadable: String?
    }

    /// The volume group's name.
    public let groupName: String
    /// The group's visible logical volumes, in the order the description lists them.
    public let logicalVolumes: [LogicalVolume]

    private static let label = Array("LABELONE".utf8)
    private static let type = Array("LVM2 001".utf8)
    private static let metadataMagic = Array(" LVM2 x[5A%r0N*>".utf8)

    /// Whether `head` starts an LVM2 physical volume (a label in one of its first four sectors).
    public static func recognises(_ head: [UInt8]) -> Bool { labelOffset(head) != nil }

    private static func labelOffset(_ head: [UInt8]) -> Int? {
        for sector in 0..<4 {
            let start = sector * 512
            guard head.count >= start + 32 else { return nil }
            if head[start..<(start + 8)].elementsEqual(label), head[(start + 24)..<(start + 32)].elementsEqual(type) {
                return start
            }
        }
        return nil
    }

    /// Reads the physical volume that occupies `size` bytes at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the label, header or metadata are damaged, or the source's read
    ///   errors.
    public init(_ source: some ByteSource, offset: UInt64, size: UInt64) throws {
        let head = try source.bytes(at: offset, count: 2048)
        guard let labelStart = Self.labelOffset(head) else { throw FormatError.badMagic("no LVM2 label") }
        let label = BinaryCursor(head)
        let headerStart = labelStart + Int(try label.u32le(at: labelStart + 20))
        let header = BinaryCursor(
            try source.exactBytes(at: offset + UInt64(headerStart), count: 512, what: "LVM PV header")
        )
        let uuid = String(decoding: try header.slice(at: 0, count: 32, "LVM PV uuid"), as: UTF8.self)
        // Data areas, then metadata areas: lists of (offset, size) ended by a zero pair.
        var at = 40
        while try header.u64le(at: at) != 0 { at += 16 }
        at += 16
        var areas: [(offset: UInt64, size: UInt64)] = []
        while areas.count < 8, try header.u64le(at: at) != 0 {
            areas.append((try header.u64le(at: at), try header.u64le(at: at + 8)))
            at += 16
        }
        guard let area = areas.first else {
            throw FormatError.unsupported("LVM physical volume without a metadata area")
        }
        let text = try Self.metadataText(source, offset: offset, area: area, volumeSize: size)
        let description = try LVMMetadataText.parse(text)
        guard let group = description.entries.first(where: { $0.value["physical_volumes"] != nil }) else {
            throw FormatError.malformed("LVM metadata without a volume group")
        }
        groupName = group.name
        logicalVolumes = try Self.logicalVolumes(group.value, uuid: uuid, base: offset, size: size)
    }

    /// The newest description in the metadata area (a ring buffer after its 512-byte header).
    private static func metadataText(
        _ source: some ByteSource,
        offset: UInt64,
        area: (offset: UInt64, size: UInt64),
        volumeSize: UInt64
    ) throws -> [UInt8] {
        guard area.size > 512, area.offset < volumeSize, area.size <= volumeSize - area.offset else {
            throw FormatError.malformed("LVM metadata area outside the volume")
        }
        let start = try Checked.sum(offset, area.offset, "LVM metadata area")
        let header = BinaryCursor(try source.exactBytes(at: start, count: 512, what: "LVM metadata header"))
        guard try header.slice(at: 4, count: 16, "LVM metadata magic") == metadataMagic else {
            throw FormatError.badMagic("LVM metadata area without its magic")
        }
        let textOffset = try header.u64le(at: 40)
        let textSize = try header.u64le(at: 48)
        guard textOffset >= 512, textOffset < area.size, textSize > 0, textSize <= min(area.size - 512, 16 << 20) else {
            throw FormatError.malformed("LVM metadata text at \(textOffset), \(textSize) bytes")
        }
        let first = min(textSize, area.size - textOffset)
        var text = try source.exactBytes(at: start + textOffset, count: Int(first), what: "LVM metadata text")
        if first < textSize {
            // The text wraps around to the start of the ring.
            text += try source.exactBytes(at: start + 512, count: Int(textSize - first), what: "LVM metadata text")
        }
        return text
    }

    private static func logicalVolumes(
        _ group: LVMMetadataText,
        uuid: String,
        base: UInt64,
        size: UInt64
    ) throws -> [LogicalVolume] {
        guard let extentSectors = group["extent_size"]?.number, extentSectors > 0, extentSectors <= 1 << 32 else {
            throw FormatError.malformed("LVM volume group without a valid extent size")
        }
        let extentSize = UInt64(extentSectors) * 512
        let this = group["physical_volumes"]?.entries.first { volume in
            volume.value["id"]?.string.map { $0.filter { $0 != "-" } } == uuid
        }
        let dataStart = try Checked.product(
            UInt64(clamping: this?.value["pe_start"]?.number ?? 0),
            512,
            "LVM data area"
        )
        var volumes: [LogicalVolume] = []
        for (name, volume) in group["logical_volumes"]?.entries ?? [] {
            let status = volume["status"]?.list?.compactMap(\.string) ?? []
            guard status.contains("VISIBLE") else { continue }
            var segments: [(start: Int64, count: Int64, value: LVMMetadataText)] = []
            for (segmentName, segment) in volume.entries where segmentName.hasPrefix("segment") {
                guard case .section = segment else { continue }
                segments.append((segment["start_extent"]?.number ?? -1, segment["extent_count"]?.number ?? -1, segment))
            }
            segments.sort { $0.start < $1.start }
            var types: [String] = []
            var ranges: [Range<UInt64>] = []
            var unreadable: String?
            var next: Int64 = 0
            for segment in segments {
                let type = segment.value["type"]?.string ?? "?"
                let stripes = segment.value["stripe_count"]?.number
                types.append(type == "striped" && stripes == 1 ? "linear" : type)
                guard segment.start == next, segment.count > 0, segment.count <= 1 << 40 else {
                    unreadable = unreadable ?? "its segments do not follow each other"
                    continue
                }
                next += segment.count
                guard type == "striped", stripes == 1, let stripe = segment.value["stripes"]?.list, stripe.count == 2,
                    let volumeName = stripe[0].string, let first = stripe[1].number, first >= 0
                else {
                    unreadable =
                        unreadable
                        ?? "segment type \(type)\(stripes.map { $0 > 1 ? " over \($0) stripes" : "" } ?? "") is not read"
                    continue
                }
                guard let this, volumeName == this.name else {
                    unreadable = unreadable ?? "it lies on physical volume \(volumeName), not this one"
                    continue
                }
                let start = try Checked.sum(
                    dataStart,
                    try Checked.product(UInt64(first), extentSize, "LVM extent"),
                    "LVM extent"
                )
                let length = try Checked.product(UInt64(segment.count), extentSize, "LVM segment")
                guard start < size, length <= size - start else {
                    unreadable = unreadable ?? "its extents lie past the end of the physical volume"
                    continue
                }
                ranges.append((base + start)..<(base + start + length))
            }
            let total = UInt64(clamping: max(next, 0)) &* extentSize
            volumes.append(
                LogicalVolume(
                    name: name,
                    types: types,
                    size: total,
                    ranges: unreadable == nil ? ranges : nil,
                    unreadable: unreadable
                )
            )
        }
        return volumes
    }
}
