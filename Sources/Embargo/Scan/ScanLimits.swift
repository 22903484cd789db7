/// Resource limits that keep hostile input from taking the scan down. A limit that is hit is
/// reported as a `limit` event at the location, never silently and never as a detection.
///
/// The defaults are no looser than ClamAV's (recursion 17, 10,000 files per archive, 400 MB scanned
/// per file).
public struct ScanLimits: Sendable, Hashable {
    /// How many archives deep to unpack (`--max-depth`).
    public var maxDepth: Int = 17
    /// How many members of one archive to read (`--max-members`).
    public var maxMembers: Int = 10_000
    /// How many bytes to expand from one file on disk, nested archives included (`--max-expanded`).
    public var maxExpandedBytes: UInt64 = 400_000_000
    /// The largest expanded-to-compressed ratio an archive may show once it has expanded
    /// `ratioFloorBytes` (`--max-ratio`); above it the archive is treated as a bomb.
    public var maxRatio: Double = 1_000
    /// How much an archive must expand before its ratio is judged.
    public var ratioFloorBytes: UInt64 = 10 << 20
    /// The largest file whose content is matched (`--max-file-size`); nil for no limit.
    public var maxFileSize: UInt64?
    /// The largest item whose SHA-256 is computed for a finding (hashing reads the whole item, holes
    /// of sparse files included); larger items get no hash.
    public var maxHashBytes: UInt64 = 2 << 30
    /// The largest archive member held in memory for random access; larger ones go to a temporary file.
    public var memberMemoryLimit: Int = 64 << 20
    /// How many files of one file system inside a disk image to list (`--max-image-files`): the
    /// listing is held while the file system is read (measured: about 140 bytes a file for ext4, 490
    /// for btrfs, whose items are kept whole), so this bounds the memory an image takes whatever its
    /// size.
    public var maxImageFiles: Int = 10_000_000

    /// The defaults.
    public init() {}
}

extension ScanLimits {
    /// Checks that every limit is one a scan can work with: depths and counts of at least 1, a finite
    /// ratio of at least 1, sizes above zero.
    ///
    /// - Throws: `ScanError` naming the first limit that is not.
    public func validate() throws(ScanError) {
        guard (0...1_000).contains(maxDepth) else { throw ScanError(message: "--max-depth must be between 0 and 1000") }
        guard maxMembers >= 1 else { throw ScanError(message: "--max-members must be at least 1") }
        guard maxImageFiles >= 1 else { throw ScanError(message: "--max-image-files must be at least 1") }
        guard maxExpandedBytes >= 1 else { throw ScanError(message: "--max-expanded must be at least 1 byte") }
        guard maxRatio.isFinite, maxRatio >= 1 else {
            throw ScanError(message: "--max-ratio must be a finite number of at least 1")
        }
        if let maxFileSize {
            guard maxFileSize >= 1 else { throw ScanError(message: "--max-file-size must be at least 1 byte") }
        }
        guard memberMemoryLimit >= 0 else { throw ScanError(message: "the member memory limit must not be negative") }
    }
}

/// A number of bytes as people write it: `1000`, `400M`, `2GB`, `64KiB`. K, M, G and T are powers
/// of 1000 (with or without a trailing B); KiB, MiB, GiB and TiB powers of 1024.
public struct ByteSize: Sendable, Hashable, CustomStringConvertible {
    /// The number of bytes.
    public let bytes: UInt64

    /// A size of `bytes` bytes.
    public init(_ bytes: UInt64) {
        self.bytes = bytes
    }

    /// Parses a size; nil for text that is not one, or that overflows.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: " ")
        let units: [(String, UInt64)] = [
            ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
            ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("kB", 1_000),
            ("T", 1_000_000_000_000), ("G", 1_000_000_000), ("M", 1_000_000), ("K", 1_000), ("k", 1_000), ("B", 1),
        ]
        var number = Substring(trimmed)
        var factor: UInt64 = 1
        for (suffix, value) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            factor = value
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value.isFinite, value >= 0
        else { return nil }
        let total = value * Double(factor)
        guard total < 1.8e19 else { return nil }
        bytes = UInt64(total.rounded())
    }

    /// The size with the largest decimal unit that writes it exactly.
    public var description: String {
        for (suffix, value) in [("T", UInt64(1_000_000_000_000)), ("G", 1_000_000_000), ("M", 1_000_000), ("K", 1_000)]
        where bytes >= value && bytes % value == 0 {
            return "\(bytes / value)\(suffix)"
        }
        return "\(bytes)"
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
