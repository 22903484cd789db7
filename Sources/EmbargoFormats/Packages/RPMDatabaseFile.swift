/// The header blobs of the rpm databases that are not SQLite, read without linking their libraries:
/// the Berkeley DB hash database `Packages` (RHEL/CentOS 5–8, Amazon Linux 2, older SUSE) and rpm's
/// own NDB `Packages.db` (SUSE since 15 SP3). Each blob is an rpm header, as `RPMHeader.parse` reads.
/// Pages and blocks are read through a `ByteSource`, so a large database is never held whole.
public enum RPMDatabaseFile {
    /// What a database gave: its header blobs, and the damage met on the way (the rest was read).
    public struct Blobs: Sendable {
        /// The header blobs, in the database's order.
        public var blobs: [[UInt8]] = []
        /// Problems with single records.
        public var problems: [FormatError] = []
    }

    /// The largest header blob read (rpm refuses headers over 256 MiB; real ones are under 1 MiB).
    static let blobLimit = 64 << 20

    /// How many bytes of blobs a database may give: twice its size and one largest blob. Each blob
    /// is stored once, so only a hostile database (records that share pages) reaches it.
    static func blobBudget(_ source: some ByteSource) -> UInt64 {
        source.size.multipliedReportingOverflow(by: 2).partialValue &+ UInt64(blobLimit)
    }
    /// The most problems kept.
    static let problemLimit = 16

    // MARK: Berkeley DB

    /// Whether `head` starts a Berkeley DB hash database, in either byte order.
    public static func isBerkeleyHash(_ head: [UInt8]) -> Bool {
        let magic = Head(head).u32le(12)
        return magic == 0x0006_1561 || magic == 0x6115_0600
    }

    /// The values of the hash database in `source` that are stored on overflow pages: rpm's
    /// header blobs (its other values, the 4-byte instance counter, are stored in place).
    ///
    /// - Throws: `FormatError` when the metadata page is not a hash database's.
    public static func berkeleyHashBlobs(_ source: some ByteSource) throws -> Blobs {
        let meta = try source.exactBytes(at: 0, count: 512, what: "Berkeley DB metadata page")
        guard isBerkeleyHash(meta) else { throw FormatError.badMagic("not a Berkeley DB hash database") }
        let swapped = Head(meta).u32le(12) != 0x0006_1561
        let cursor = EndianCursor(bytes: meta, swapped: swapped)
        let pageSize = Int(try cursor.u32(at: 20))
        guard [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536].contains(pageSize) else {
            throw FormatError.malformed("Berkeley DB page size \(pageSize)")
        }
        guard try cursor.u8(at: 24) == 0 else {
            throw FormatError.unsupported("encrypted Berkeley DB database")
        }
        let lastPage = try cursor.u32(at: 32)
        guard UInt64(lastPage) * UInt64(pageSize) < source.size else {
            throw FormatError.malformed("Berkeley DB claims \(UInt64(lastPage) + 1) pages in \(source.size) bytes")
        }
        var result = Blobs()
        var budget = blobBudget(source)
        for number in stride(from: UInt32(1), through: lastPage, by: 1) {
            let page = try EndianCursor(page: number, of: source, size: pageSize, swapped: swapped)
            // Hash pages (sorted, and unsorted as RHEL 5 wrote them) hold key/value pairs.
            let type = try page.u8(at: 25)
            guard type == 13 || type == 2 else { continue }
            let entries = Int(try page.u16(at: 20))
            guard entries % 2 == 0, headerSize + 2 * entries <= pageSize else {
                result.note(FormatError.malformed("Berkeley DB page \(number) lists \(entries) entries"))
                continue
            }
            for pair in 0..<(entries / 2) {
                do {
                    let offset = Int(try page.u16(at: headerSize + 2 * (2 * pair + 1)))
                    // An off-page value: type 3, then its first overflow page and total length.
                    guard offset + 12 <= pageSize, try page.u8(at: offset) == 3 else { continue }
                    let first = try page.u32(at: offset + 4)
                    let length = Int(try page.u32(at: offset + 8))
                    guard UInt64(length) <= budget else {
                        throw FormatError.limit("records add up to more than twice the database's size")
                    }
                    budget -= UInt64(length)
                    result.blobs.append(
                        try overflowValue(
                            source,
                            first: first,
                            length: length,
                            pageSize: pageSize,
                            swapped: swapped,
                            lastPage: lastPage
                        )
                    )
                } catch let error as FormatError {
                    result.note(error)
                }
            }
        }
        return result
    }

    /// A value kept on a chain of overflow pages.
    private static func overflowValue(
        _ source: some ByteSource,
        first: UInt32,
        length: Int,
        pageSize: Int,
        swapped: Bool,
        lastPage: UInt32
    ) throws -> [UInt8] {
        guard length <= blobLimit else { throw FormatError.limit("rpm header of \(length) bytes") }
        var value: [UInt8] = []
        value.reserveCapacity(length)
        var number = first
        var visited = 0
        while number != 0, value.count < length {
            visited += 1
            guard number <= lastPage, visited <= Int(lastPage) else {
                throw FormatError.malformed("overflow chain leaves the database or loops (page \(number))")
            }
            let page = try EndianCursor(page: number, of: source, size: pageSize, swapped: swapped)
            guard try page.u8(at: 25) == 7 else {
                throw FormatError.malformed("page \(number) is not an overflow page")
            }
            // On an overflow page the free-area offset field holds the length of the data on it.
            let used = min(Int(try page.u16(at: 22)), pageSize - headerSize, length - value.count)
            value += try page.slice(at: headerSize, count: used)
            number = try page.u32(at: 16)
        }
        guard value.count == length else {
            throw FormatError.truncated("overflow chain holds \(value.count) of \(length) bytes")
        }
        return value
    }

    /// The size of a Berkeley DB page header.
    private static let headerSize = 26

    // MARK: NDB

    /// Whether `head` starts an rpm NDB database.
    public static func isNDB(_ head: [UInt8]) -> Bool {
        Head(head).starts(Array("RpmP".utf8)) && Head(head).u32le(4) == 0
    }

    /// The header blobs of the NDB database in `source`: a table of slots (one per package) after a
    /// 32-byte header, each pointing at a block that starts with a blob header.
    ///
    /// - Throws: `FormatError` when the header is not an NDB database's.
    public static func ndbBlobs(_ source: some ByteSource) throws -> Blobs {
        let header = Head(try source.exactBytes(at: 0, count: 32, what: "NDB header"))
        guard isNDB(header.bytes), let slotPages = header.u32le(12), slotPages > 0 else {
            throw FormatError.badMagic("not an rpm NDB database")
        }
        guard UInt64(slotPages) * 4096 <= source.size, slotPages <= 2048 else {
            throw FormatError.malformed("NDB claims \(slotPages) slot pages in \(source.size) bytes")
        }
        let slots = Head(try source.exactBytes(at: 0, count: Int(slotPages) * 4096, what: "NDB slot pages"))
        var result = Blobs()
        var budget = blobBudget(source)
        // The first two 16-byte slots are the database header.
        for slot in stride(from: 32, to: slots.bytes.count, by: 16) {
            guard slots.starts(Array("Slot".utf8), at: slot) else {
                result.note(FormatError.malformed("NDB slot at \(slot) has no slot magic"))
                break
            }
            guard let package = slots.u32le(slot + 4), package != 0, let block = slots.u32le(slot + 8) else { continue }
            do {
                let offset = UInt64(block) * 16
                let blob = Head(
                    try source.exactBytes(at: offset, count: 16, what: "NDB blob header of package \(package)")
                )
                guard blob.starts(Array("BlbS".utf8)), blob.u32le(4) == package, let length = blob.u32le(12) else {
                    throw FormatError.malformed("NDB blob of package \(package) has a bad header")
                }
                guard Int(length) <= blobLimit else { throw FormatError.limit("rpm header of \(length) bytes") }
                guard UInt64(length) <= budget else {
                    throw FormatError.limit("records add up to more than twice the database's size")
                }
                budget -= UInt64(length)
                result.blobs.append(
                    try source.exactBytes(at: offset + 16, count: Int(length), what: "NDB blob of package \(package)")
                )
            } catch let error as FormatError {
                result.note(error)
            }
        }
        return result
    }
}

extension RPMDatabaseFile.Blobs {
    fileprivate mutating func note(_ problem: FormatError) {
        if problems.count < RPMDatabaseFile.problemLimit { problems.append(problem) }
    }
}

/// Reads integers in a database's byte order (Berkeley DB writes the host's).
private struct EndianCursor {
    let bytes: [UInt8]
    let swapped: Bool

    init(bytes: [UInt8], swapped: Bool) {
        self.bytes = bytes
        self.swapped = swapped
    }

    /// Berkeley DB page `number` of `source`, whose pages are `size` bytes.
    init(page number: UInt32, of source: some ByteSource, size: Int, swapped: Bool) throws {
        bytes = try source.exactBytes(
            at: UInt64(number) * UInt64(size),
            count: size,
            what: "Berkeley DB page \(number)"
        )
        self.swapped = swapped
    }

    func u8(at offset: Int) throws(FormatError) -> UInt8 {
        try BinaryCursor(bytes).u8(at: offset)
    }

    func u16(at offset: Int) throws(FormatError) -> UInt16 {
        let value = try BinaryCursor(bytes).u16le(at: offset)
        return swapped ? value.byteSwapped : value
    }

    func u32(at offset: Int) throws(FormatError) -> UInt32 {
        let value = try BinaryCursor(bytes).u32le(at: offset)
        return swapped ? value.byteSwapped : value
    }

    func slice(at offset: Int, count: Int) throws(FormatError) -> [UInt8] {
        try BinaryCursor(bytes).slice(at: offset, count: count, "page data")
    }
}
