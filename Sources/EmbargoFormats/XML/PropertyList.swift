/// Reads the top-level strings of property lists, XML or binary (`bplist00`), as in `Info.plist`
/// files and the `__info_plist` sections of Mach-O binaries. Both readers work on the bytes alone
/// and turn any damage into "no value", never a crash.
public enum PropertyList {
    /// `CFBundleIdentifier` of a property list, or nil when the bytes are not a property list or lack it.
    public static func bundleIdentifier(in bytes: [UInt8]) -> String? {
        topLevelString("CFBundleIdentifier", in: bytes)
    }

    /// The string value of `key` in the property list's top-level dictionary, or nil.
    public static func topLevelString(_ key: String, in bytes: [UInt8]) -> String? {
        if bytes.starts(with: Array("bplist00".utf8)) { return try? BinaryPropertyList(bytes).topLevelString(key) }
        return try? xmlTopLevelString(key, in: bytes)
    }

    /// Reads an XML property list until the key's value in the top-level `<dict>` is found.
    private static func xmlTopLevelString(_ wanted: String, in bytes: [UInt8]) throws -> String? {
        struct Found: Error {
            let value: String
        }
        var path: [Substring] = []
        var text = ""
        var lastKey: String?
        var valueIsNext = false
        do {
            try XMLReader.parse(bytes) { event in
                switch event {
                case .start(let element):
                    path.append(element.localName)
                    text = ""
                case .text(let piece):
                    if text.utf8.count < 4096 { text += piece }
                case .end:
                    let name = path.popLast() ?? ""
                    // A value directly inside the top-level dictionary: plist > dict > value.
                    guard path.count == 2, path[0] == "plist", path[1] == "dict" else { return }
                    if name == "key" {
                        lastKey = text
                        valueIsNext = true
                    } else {
                        if valueIsNext, lastKey == wanted, name == "string" {
                            throw Found(value: text.trimmingXMLSpace())
                        }
                        valueIsNext = false
                    }
                }
            }
        } catch let found as Found {
            return found.value
        }
        return nil
    }
}

/// A binary property list (`bplist00`): a trailer at the end gives the offset table, which gives
/// each object's offset; objects refer to each other by index.
struct BinaryPropertyList {
    private let bytes: BinaryCursor
    private let offsetSize: Int
    private let referenceSize: Int
    private let objectCount: Int
    private let topObject: Int
    private let offsetTable: Int

    init(_ bytes: [UInt8]) throws(FormatError) {
        guard bytes.count >= 8 + 32 else {
            throw FormatError.truncated("binary property list shorter than its trailer")
        }
        let cursor = BinaryCursor(bytes)
        let trailer = bytes.count - 32
        offsetSize = Int(try cursor.u8(at: trailer + 6))
        referenceSize = Int(try cursor.u8(at: trailer + 7))
        let count = try cursor.u64be(at: trailer + 8)
        let top = try cursor.u64be(at: trailer + 16)
        let table = try cursor.u64be(at: trailer + 24)
        guard (1...8).contains(offsetSize), (1...8).contains(referenceSize), count > 0, count <= 1 << 20, top < count,
            table >= 8, table < UInt64(trailer)
        else { throw FormatError.malformed("binary property list trailer is inconsistent") }
        objectCount = Int(count)
        topObject = Int(top)
        offsetTable = Int(table)
        let tableBytes = try Checked.product(objectCount, offsetSize, "binary property list offset table")
        try cursor.require(tableBytes, at: offsetTable, "binary property list offset table")
        self.bytes = cursor
    }

    /// The string value of `key` in the top-level dictionary.
    func topLevelString(_ key: String) throws(FormatError) -> String? {
        let top = try offset(of: topObject)
        let marker = try bytes.u8(at: top)
        guard marker >> 4 == 0xD else { return nil }
        let (count, start) = try length(marker, at: top)
        guard count <= objectCount else {
            throw FormatError.malformed("binary property list dictionary larger than the list")
        }
        for index in 0..<count {
            let keyReference = try reference(at: start + index * referenceSize)
            guard try string(object: keyReference) == key else { continue }
            let valueReference = try reference(at: start + (count + index) * referenceSize)
            return try string(object: valueReference)
        }
        return nil
    }

    /// A string object (ASCII or UTF-16BE), or nil for another kind of object.
    private func string(object index: Int) throws(FormatError) -> String? {
        let start = try offset(of: index)
        let marker = try bytes.u8(at: start)
        let (count, data) = try length(marker, at: start)
        switch marker >> 4 {
        case 0x5:
            return String(
                decoding: try bytes.slice(at: data, count: count, "binary property list string"),
                as: UTF8.self
            )
        case 0x6:
            let raw = try bytes.slice(
                at: data,
                count: try Checked.product(count, 2, "binary property list string"),
                "string"
            )
            let units = stride(from: 0, to: raw.count, by: 2).map { UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        default:
            return nil
        }
    }

    /// The element count of the object with `marker` at `start`, and where its data begins.
    private func length(_ marker: UInt8, at start: Int) throws(FormatError) -> (count: Int, data: Int) {
        let small = Int(marker & 0xF)
        guard small == 0xF else { return (small, start + 1) }
        let intMarker = try bytes.u8(at: start + 1)
        guard intMarker >> 4 == 0x1, intMarker & 0xF <= 3 else {
            throw FormatError.malformed("binary property list length is not an integer")
        }
        let size = 1 << Int(intMarker & 0xF)
        let value = try integer(at: start + 2, size: size)
        guard value <= UInt64(Int32.max) else {
            throw FormatError.limit("binary property list object of \(value) elements")
        }
        return (Int(value), start + 2 + size)
    }

    private func offset(of index: Int) throws(FormatError) -> Int {
        guard index >= 0, index < objectCount else {
            throw FormatError.malformed("binary property list object \(index) does not exist")
        }
        let value = try integer(at: offsetTable + index * offsetSize, size: offsetSize)
        guard value >= 8, value < UInt64(offsetTable) else {
            throw FormatError.malformed("binary property list object \(index) lies outside the objects")
        }
        return Int(value)
    }

    private func reference(at position: Int) throws(FormatError) -> Int {
        let value = try integer(at: position, size: referenceSize)
        guard value < UInt64(objectCount) else {
            throw FormatError.malformed("binary property list reference \(value) does not exist")
        }
        return Int(value)
    }

    private func integer(at position: Int, size: Int) throws(FormatError) -> UInt64 {
        try bytes.slice(at: position, count: size, "binary property list integer").reduce(UInt64(0)) {
            $0 << 8 | UInt64($1)
        }
    }
}
