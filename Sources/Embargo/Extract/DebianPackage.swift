#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import EmbargoFormats

/// Reads a .deb package's own metadata: the `control` file inside its `control.tar.*` member.
enum DebianPackage {
    static let memberLimit = 16 << 20

    /// The package facts of an ar archive that is a Debian package; none for another ar archive.
    static func controlFacts(_ content: ItemContent, location: Location) -> (facts: [Fact], events: [ScanEvent]) {
        do {
            let outer = try ArchiveReader()
            if let memory = content.memory {
                try outer.open(memory: memory)
            } else if let descriptor = content.descriptor {
                lseek(descriptor, 0, SEEK_SET)
                try outer.open(descriptor: descriptor)
            }
            guard let first = try outer.nextEntry(), first.name == Array("debian-binary".utf8) else { return ([], []) }
            while let entry = try outer.nextEntry() {
                guard entry.name.starts(with: Array("control.tar".utf8)) else { continue }
                let control = try readAll(outer)
                let facts = try controlFile(in: control).map {
                    FactExtractor.debianFacts(DebianControl.paragraphs($0).first ?? [], record: nil, origin: .packageFile)
                }
                return (facts ?? [], facts == nil ? [ScanEvent(kind: .corrupt, location: location, message: "Debian package without a control file")] : [])
            }
            return ([], [ScanEvent(kind: .corrupt, location: location, message: "Debian package without a control.tar member")])
        } catch {
            return ([], [ScanEvent(kind: .corrupt, location: location, message: "Debian package metadata could not be read: \(error)")])
        }
    }

    /// The bytes of `control` in a control tarball.
    static func controlFile(in tarball: [UInt8]) throws -> [UInt8]? {
        try tarball.withUnsafeBytes { memory in
            let reader = try ArchiveReader()
            try reader.open(memory: memory)
            while let entry = try reader.nextEntry() {
                if entry.name == Array("control".utf8) || entry.name == Array("./control".utf8) {
                    return try readAll(reader)
                }
            }
            return nil
        }
    }

    static func readAll(_ reader: borrowing ArchiveReader) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.read(into: buffer)
            if count == 0 { return bytes }
            bytes += UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard bytes.count <= memberLimit else { throw FormatError("control member larger than \(memberLimit) bytes") }
        }
    }
}
