/// An NTFS file system read directly from its bytes: the boot sector, the master file table (found
/// through its own `$DATA` runs), each record with its update-sequence fixups, attributes spread
/// over extension records (what an attribute list points to), file names (Win32 or POSIX, not the
/// DOS 8.3 aliases), resident and non-resident unnamed data streams, sparse runs, and
/// LZNT1-compressed files. Paths come from each record's parent reference, so the directory
/// indexes need not be read. Encrypted (EFS) files and files compressed by the Windows Overlay
/// Filter (WOF) are listed as problems, not read.
public final class NTFSFileSystem {
    /// A file (its unnamed data stream).
    public struct File: Sendable, Hashable {
        /// The path from the root, `/`-separated.
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        let record: UInt64
    }

    /// What a reader should know about the file system as a whole.
    public let notes: [String]
    private let source: any ByteSource
    private let base: UInt64
    private let size: UInt64
    private let clusterSize: UInt64
    private let recordSize: Int
    private let sectorSize: Int
    private let mftRuns: [Run]
    private let mftSize: UInt64
    private var records: [UInt64: Record] = [:]

    /// The first MFT record of user files (the ones before belong to the file system).
    private static let firstUserRecord: UInt64 = 24
    private static let rootRecord: UInt64 = 5
    /// The most decompressed bytes of one compressed file held for reading.
    private static let maximumCompressedFile: UInt64 = 256 << 20

    /// Whether `head` starts an NTFS boot sector.
    public static func recognises(_ head: [UInt8]) -> Bool {
        head.count >= 512 && head[3..<11].elementsEqual("NTFS    ".utf8) && head[510] == 0x55 && head[511] == 0xAA
    }

    /// A run of clusters: `count` clusters from `vcn` in the stream at `lcn` on the volume (nil: sparse).
    struct Run {
        let vcn: UInt64
        let count: UInt64
        let lcn: UInt64?
    }

    /// What one file record says about the file, merged with its extension records.
    private struct Record {
        var isDirectory = false
        var inUse = false
        var name: (parent: UInt64, text: String, namespace: UInt8)?
        var data: DataStream?
        var encrypted = false
        var wof = false
    }

    /// The unnamed data stream of a file.
    private struct DataStream {
        var size: UInt64 = 0
        var initialized: UInt64 = 0
        var resident: [UInt8]?
        var runs: [Run] = []
        var compressionUnit: UInt64 = 0
    }

    /// Opens the file system that occupies `size` bytes at `offset` of `source`.
    ///
    /// - Throws: `FormatError` when the boot sector or the MFT's own record is damaged, or the
    ///   source's read errors.
    public init(_ source: some ByteSource, offset: UInt64, size: UInt64) throws {
        let boot = BinaryCursor(try source.exactBytes(at: offset, count: 512, what: "NTFS boot sector"))
        let sectorSize = Int(try boot.u16le(at: 0x0B))
        let perCluster = try boot.u8(at: 0x0D)
        guard [512, 1024, 2048, 4096].contains(sectorSize) else {
            throw FormatError.malformed("NTFS sector of \(sectorSize) bytes")
        }
        let clusterSize: UInt64 =
            perCluster <= 0x80 ? UInt64(perCluster) * UInt64(sectorSize) : UInt64(1) << (256 - UInt64(perCluster))
        guard clusterSize >= 512, clusterSize <= 2 << 20, clusterSize & (clusterSize - 1) == 0 else {
            throw FormatError.malformed("NTFS cluster of \(clusterSize) bytes")
        }
        let perRecord = Int8(bitPattern: try boot.u8(at: 0x40))
        let recordSize = perRecord > 0 ? Int(perRecord) * Int(clusterSize) : 1 << Int(-Int(perRecord))
        guard recordSize >= 512, recordSize <= 64 << 10, recordSize % 512 == 0 else {
            throw FormatError.malformed("NTFS file records of \(recordSize) bytes")
        }
        let mftCluster = try boot.u64le(at: 0x30)
        self.source = source
        base = offset
        self.size = size
        self.clusterSize = clusterSize
        self.recordSize = recordSize
        // The update sequence protects every 512 bytes of a record, whatever the sector size.
        self.sectorSize = 512
        let mftStart = try Checked.product(mftCluster, clusterSize, "NTFS MFT")
        guard mftStart < size else { throw FormatError.malformed("NTFS MFT beyond the volume") }
        // Record 0 describes the MFT itself: its data runs say where the other records are.
        let first = try Self.fixed(
            try source.exactBytes(at: offset + mftStart, count: recordSize, what: "NTFS $MFT record"),
            sectorSize: 512
        )
        var mftRuns: [Run] = []
        var mftSize: UInt64 = 0
        try Self.attributes(of: first) { type, attribute, _ in
            guard type == 0x80, try attribute.u8(at: 8) == 1, try attribute.u8(at: 9) == 0 else { return }
            mftRuns += try Self.runs(attribute)
            mftSize = max(mftSize, try attribute.u64le(at: 0x30))
        }
        guard !mftRuns.isEmpty else { throw FormatError.malformed("NTFS $MFT without its data runs") }
        self.mftRuns = mftRuns.sorted { $0.vcn < $1.vcn }
        self.mftSize = mftSize
        var notes: [String] = []
        if try Self.volumeIsDirty(
            source,
            offset: offset,
            mftRuns: self.mftRuns,
            clusterSize: clusterSize,
            recordSize: recordSize,
            sectorSize: self.sectorSize
        ) {
            notes.append("the volume is marked dirty (Windows did not shut down cleanly); what is on disk is read")
        }
        self.notes = notes
    }

    /// Whether `$Volume` (record 3) has its dirty flag set.
    private static func volumeIsDirty(
        _ source: some ByteSource,
        offset: UInt64,
        mftRuns: [Run],
        clusterSize: UInt64,
        recordSize: Int,
        sectorSize: Int
    ) throws -> Bool {
        guard let place = try? Self.place(of: 3, runs: mftRuns, clusterSize: clusterSize, recordSize: recordSize),
            let raw = try? source.exactBytes(at: offset + place, count: recordSize, what: "NTFS $Volume"),
            let record = try? fixed(raw, sectorSize: sectorSize)
        else { return false }
        var dirty = false
        try? attributes(of: record) { type, attribute, _ in
            guard type == 0x70, try attribute.u8(at: 8) == 0 else { return }
            let value = Int(try attribute.u16le(at: 0x14))
            dirty = try attribute.u16le(at: value + 0x0A) & 1 != 0
        }
        return dirty
    }

    /// Every file with an unnamed data stream, outside the file system's own metadata; damaged
    /// records are problems and the listing goes on. At most `limit` files are listed.
    public func files(limit: Int = 10_000_000) throws -> (files: [File], problems: [String]) {
        var problems: [String] = []
        // As many records as the MFT's runs hold, and its size says.
        var allocated: UInt64 = 0
        for run in mftRuns { allocated = try Checked.sum(allocated, run.count, "NTFS MFT clusters") }
        let count = min(mftSize, min(allocated, size / clusterSize) * clusterSize) / UInt64(recordSize)
        var damaged = 0
        var encrypted: [String] = []
        var wof: [String] = []
        for number in 0..<count {
            do {
                try readRecord(number)
                // Records are held while paths are resolved: no more of them than the listing may hold.
                guard records.count <= limit else {
                    throw FormatError.limit("NTFS file system with more than \(limit) records in use")
                }
            } catch let error as FormatError where error.code == .limit {
                throw error
            } catch {
                damaged += 1
                if damaged <= 20 { problems.append("MFT record \(number): \(error)") }
            }
        }
        if damaged > 20 { problems.append("\(damaged - 20) more damaged MFT records") }
        var files: [File] = []
        for (number, record) in records where number >= Self.firstUserRecord && record.inUse && !record.isDirectory {
            guard let path = path(of: number) else { continue }
            if record.encrypted {
                encrypted.append(path)
                continue
            }
            if record.wof {
                wof.append(path)
                continue
            }
            guard let data = record.data else { continue }
            guard files.count < limit else { throw FormatError.limit("NTFS file system with more than \(limit) files") }
            files.append(File(path: path, size: data.size, record: number))
        }
        if !encrypted.isEmpty {
            problems.append(
                "\(encrypted.count) file\(encrypted.count == 1 ? "" : "s") encrypted with EFS not read (\(encrypted.sorted().prefix(3).joined(separator: ", ")))"
            )
        }
        if !wof.isEmpty {
            problems.append(
                "\(wof.count) file\(wof.count == 1 ? "" : "s") compressed by the Windows Overlay Filter (CompactOS) not read (\(wof.sorted().prefix(3).joined(separator: ", ")))"
            )
        }
        return (files.sorted { $0.path < $1.path }, problems)
    }

    /// Where the bytes of `file` lie in the source, in order (holes as zeros; resident and
    /// compressed data as the bytes themselves).
    public func pieces(of file: File) throws -> [FilePiece] {
        guard let data = records[file.record]?.data else { throw FormatError.malformed("NTFS file without data") }
        if let resident = data.resident {
            return [.literal(Array(resident.prefix(Int(min(data.size, UInt64(resident.count))))))]
        }
        if data.compressionUnit > 0 { return [.literal(try decompressed(data))] }
        var pieces: [FilePiece] = []
        var position: UInt64 = 0
        let valid = min(data.initialized, data.size)
        for run in data.runs.sorted(by: { $0.vcn < $1.vcn }) {
            let start = try Checked.product(run.vcn, clusterSize, "NTFS run")
            guard start < valid else { break }
            guard start >= position else { throw FormatError.malformed("NTFS runs overlap") }
            if start > position { pieces.append(.zeros(start - position)) }
            let length = min(try Checked.product(run.count, clusterSize, "NTFS run"), valid - start)
            if let lcn = run.lcn {
                let offset = try Checked.product(lcn, clusterSize, "NTFS run")
                guard offset < size, length <= size - offset else {
                    throw FormatError.malformed("NTFS run beyond the volume")
                }
                pieces.append(.stored((base + offset)..<(base + offset + length)))
            } else {
                pieces.append(.zeros(length))
            }
            position = start + length
        }
        if position < data.size { pieces.append(.zeros(data.size - position)) }
        return pieces
    }

    // MARK: Records

    /// Reads MFT record `number` and merges what it says into its base record.
    private func readRecord(_ number: UInt64) throws {
        let place = try Self.place(of: number, runs: mftRuns, clusterSize: clusterSize, recordSize: recordSize)
        guard place < size else { throw FormatError.truncated("beyond the volume") }
        let raw = try source.exactBytes(at: base + place, count: recordSize, what: "NTFS file record")
        guard raw.starts(with: Array("FILE".utf8)) else { return }
        let bytes = try Self.fixed(raw, sectorSize: sectorSize)
        let cursor = BinaryCursor(bytes)
        let flags = try cursor.u16le(at: 0x16)
        guard flags & 1 != 0 else { return }
        let baseReference = try cursor.u64le(at: 0x20) & 0x0000_FFFF_FFFF_FFFF
        let owner = baseReference == 0 ? number : baseReference
        var record = records[owner] ?? Record()
        if baseReference == 0 {
            record.inUse = true
            record.isDirectory = flags & 2 != 0
        }
        try Self.attributes(of: bytes) { type, attribute, nameLength in
            switch type {
            case 0x10:
                // $STANDARD_INFORMATION: the file attributes (0x4000 encrypted).
                let value = Int(try attribute.u16le(at: 0x14))
                if try attribute.u32le(at: value + 0x20) & 0x4000 != 0 { record.encrypted = true }
            case 0x30 where try attribute.u8(at: 8) == 0:
                let value = Int(try attribute.u16le(at: 0x14))
                let parent = try attribute.u64le(at: value) & 0x0000_FFFF_FFFF_FFFF
                let length = Int(try attribute.u8(at: value + 0x40))
                let namespace = try attribute.u8(at: value + 0x41)
                let units = try (0..<length).map { index throws(FormatError) in
                    try attribute.u16le(at: value + 0x42 + index * 2)
                }
                // DOS 8.3 aliases (namespace 2) give way to the long name.
                guard namespace != 2 else { return }
                if record.name == nil || record.name?.namespace == 2 {
                    record.name = (parent, String(decoding: units, as: UTF16.self), namespace)
                }
            case 0x80 where nameLength == 0:
                try Self.merge(attribute, into: &record.data)
                if try attribute.u16le(at: 0x0C) & 0x4000 != 0 { record.encrypted = true }
            case 0x80:
                let nameOffset = Int(try attribute.u16le(at: 0x0A))
                let units = try (0..<nameLength).map { index throws(FormatError) in
                    try attribute.u16le(at: nameOffset + index * 2)
                }
                if String(decoding: units, as: UTF16.self) == "WofCompressedData" { record.wof = true }
            default:
                break
            }
        }
        records[owner] = record
    }

    /// Adds a data attribute (resident, or one piece of the runs) to a stream.
    private static func merge(_ attribute: BinaryCursor, into stream: inout DataStream?) throws {
        var data = stream ?? DataStream()
        if try attribute.u8(at: 8) == 0 {
            let length = Int(try attribute.u32le(at: 0x10))
            let value = Int(try attribute.u16le(at: 0x14))
            data.resident = try attribute.slice(at: value, count: length, "NTFS resident data")
            data.size = UInt64(length)
            data.initialized = UInt64(length)
        } else {
            // The first piece (VCN 0) carries the sizes.
            if try attribute.u64le(at: 0x10) == 0 {
                data.size = try attribute.u64le(at: 0x30)
                data.initialized = try attribute.u64le(at: 0x38)
                // Sparse attributes have a compression unit too; only the compressed flag means LZNT1.
                let unit = try attribute.u16le(at: 0x22)
                if try attribute.u16le(at: 0x0C) & 1 != 0 {
                    guard (1...8).contains(unit) else {
                        throw FormatError.malformed("NTFS compression unit of 2^\(unit) clusters")
                    }
                    data.compressionUnit = 1 << UInt64(unit)
                }
            }
            data.runs += try runs(attribute)
        }
        stream = data
    }

    /// The path of record `number` from the root, following parent references; nil for the file
    /// system's own files, and for records whose parents are missing or form a loop.
    private func path(of number: UInt64) -> String? {
        var components: [String] = []
        var current = number
        var seen: Set<UInt64> = []
        while current != Self.rootRecord {
            guard seen.insert(current).inserted, components.count < 256, let name = records[current]?.name else {
                return nil
            }
            components.append(name.text)
            current = name.parent
        }
        guard let top = components.last, !(components.count > 1 && top.hasPrefix("$")) else { return nil }
        return "/" + components.reversed().joined(separator: "/")
    }

    /// Where record `number` lies in the volume.
    private static func place(of number: UInt64, runs: [Run], clusterSize: UInt64, recordSize: Int) throws -> UInt64 {
        let offset = try Checked.product(number, UInt64(recordSize), "NTFS record")
        let vcn = offset / clusterSize
        guard let run = runs.last(where: { $0.vcn <= vcn }), vcn < run.vcn + run.count, let lcn = run.lcn else {
            throw FormatError.malformed("NTFS record \(number) is not in the MFT's runs")
        }
        let cluster = try Checked.sum(lcn, vcn - run.vcn, "NTFS record")
        return try Checked.sum(
            try Checked.product(cluster, clusterSize, "NTFS record"),
            offset % clusterSize,
            "NTFS record"
        )
    }

    /// A record with its update sequence applied: the last two bytes of each sector, replaced on disk
    /// by the sequence number, put back.
    static func fixed(_ raw: [UInt8], sectorSize: Int) throws(FormatError) -> [UInt8] {
        let cursor = BinaryCursor(raw)
        let offset = Int(try cursor.u16le(at: 4))
        let count = Int(try cursor.u16le(at: 6))
        guard count >= 1, count - 1 <= raw.count / sectorSize else {
            throw FormatError.malformed("NTFS update sequence of \(count) entries")
        }
        let sequence = try cursor.u16le(at: offset)
        var bytes = raw
        for index in 1..<count {
            let end = index * sectorSize - 2
            guard try cursor.u16le(at: end) == sequence else {
                throw FormatError.malformed("NTFS record torn (sector \(index) was not written with the others)")
            }
            bytes[end] = try cursor.u8(at: offset + index * 2)
            bytes[end + 1] = try cursor.u8(at: offset + index * 2 + 1)
        }
        return bytes
    }

    /// Calls `body` with each attribute of a fixed-up record: its type, its bytes, its name's length.
    static func attributes(
        of record: [UInt8],
        _ body: (_ type: UInt32, _ attribute: BinaryCursor, _ nameLength: Int) throws -> Void
    ) throws {
        let cursor = BinaryCursor(record)
        var at = Int(try cursor.u16le(at: 0x14))
        let used = min(Int(try cursor.u32le(at: 0x18)), record.count)
        while at + 16 <= used {
            let type = try cursor.u32le(at: at)
            if type == 0xFFFF_FFFF { break }
            let length = Int(try cursor.u32le(at: at + 4))
            guard length >= 16, length <= used - at, length % 8 == 0 else {
                throw FormatError.malformed("NTFS attribute of \(length) bytes")
            }
            let attribute = BinaryCursor(try cursor.slice(at: at, count: length, "NTFS attribute"))
            try body(type, attribute, Int(try attribute.u8(at: 9)))
            at += length
        }
    }

    /// The runs of a non-resident attribute's mapping pairs.
    static func runs(_ attribute: BinaryCursor) throws(FormatError) -> [Run] {
        var vcn = try attribute.u64le(at: 0x10)
        let last = try attribute.u64le(at: 0x18)
        var at = Int(try attribute.u16le(at: 0x20))
        var lcn: Int64 = 0
        var runs: [Run] = []
        while at < attribute.bytes.count {
            let header = try attribute.u8(at: at)
            if header == 0 { break }
            let lengthBytes = Int(header & 0x0F)
            let offsetBytes = Int(header >> 4)
            guard (1...8).contains(lengthBytes), offsetBytes <= 8 else {
                throw FormatError.malformed("NTFS mapping pair header 0x\(String(header, radix: 16))")
            }
            try attribute.require(1 + lengthBytes + offsetBytes, at: at, "NTFS mapping pair")
            var count: UInt64 = 0
            for index in 0..<lengthBytes { count |= UInt64(attribute.bytes[at + 1 + index]) << (8 * index) }
            guard count > 0, count <= last &- vcn &+ 1 else {
                throw FormatError.malformed("NTFS run of \(count) clusters past the attribute's last VCN")
            }
            if offsetBytes == 0 {
                runs.append(Run(vcn: vcn, count: count, lcn: nil))
            } else {
                var delta: UInt64 = 0
                for index in 0..<offsetBytes {
                    delta |= UInt64(attribute.bytes[at + 1 + lengthBytes + index]) << (8 * index)
                }
                // Sign-extend the offset, which is relative to the previous run's cluster.
                let shift = UInt64(64 - 8 * offsetBytes)
                let signed = Int64(bitPattern: delta << shift) >> Int64(shift)
                let (next, overflow) = lcn.addingReportingOverflow(signed)
                guard !overflow, next >= 0 else { throw FormatError.malformed("NTFS run before the volume's start") }
                lcn = next
                runs.append(Run(vcn: vcn, count: count, lcn: UInt64(lcn)))
            }
            vcn = try Checked.sum(vcn, count, "NTFS run")
            at += 1 + lengthBytes + offsetBytes
        }
        return runs
    }

    // MARK: Compression

    /// A compressed stream's bytes: each compression unit is stored as is (all its clusters
    /// allocated), compressed with LZNT1 (fewer allocated, the rest sparse), or a hole.
    private func decompressed(_ data: DataStream) throws -> [UInt8] {
        guard data.size <= Self.maximumCompressedFile else {
            throw FormatError.limit(
                "NTFS compressed file of \(data.size) bytes (at most \(Self.maximumCompressedFile) are decompressed)"
            )
        }
        let unitClusters = data.compressionUnit
        let unitSize = unitClusters * clusterSize
        let most = Self.maximumCompressedFile / clusterSize + unitClusters
        var clusters: [UInt64?] = []
        for run in data.runs.sorted(by: { $0.vcn < $1.vcn }) {
            guard run.vcn == UInt64(clusters.count), run.count <= most - UInt64(clusters.count) else {
                throw FormatError.malformed("NTFS compressed runs do not follow each other")
            }
            for index in 0..<run.count { clusters.append(run.lcn.map { $0 &+ index }) }
        }
        var output: [UInt8] = []
        output.reserveCapacity(Int(data.size))
        var unit: UInt64 = 0
        while UInt64(output.count) < data.size {
            let first = Int(unit * unitClusters)
            let slots =
                first < clusters.count ? Array(clusters[first..<min(clusters.count, first + Int(unitClusters))]) : []
            let stored = slots.prefix { $0 != nil }.compactMap { $0 }
            if stored.isEmpty {
                output += repeatElement(0, count: Int(unitSize))
            } else {
                var bytes: [UInt8] = []
                for cluster in stored {
                    let offset = try Checked.product(cluster, clusterSize, "NTFS compressed cluster")
                    guard offset < size else {
                        throw FormatError.malformed("NTFS compressed cluster beyond the volume")
                    }
                    bytes += try source.exactBytes(
                        at: base + offset,
                        count: Int(clusterSize),
                        what: "NTFS compressed cluster"
                    )
                }
                if stored.count == Int(unitClusters) {
                    output += bytes
                } else {
                    var block = try LZNT1.decompress(bytes, limit: Int(unitSize))
                    block += repeatElement(0, count: Int(unitSize) - block.count)
                    output += block
                }
            }
            unit += 1
        }
        return Array(output.prefix(Int(data.size)))
    }
}
