internal import EmbargoFormats

/// How far the first-bytes classification (which drives every decision of a scan) agrees with
/// libmagic (which Embargo asks only to describe findings), over the files of a real tree: for each
/// file, whether libmagic's MIME type belongs to the family Embargo's format stands for. The
/// direction that matters most is a file libmagic calls an archive or an executable that Embargo
/// took for plain data: Embargo would not have opened it.
package struct ClassificationSurvey {
    /// One kind of disagreement.
    package struct Difference: Sendable {
        /// Embargo's format.
        package let format: String
        /// libmagic's MIME type.
        package let mimeType: String
        /// How many files.
        package var count: Int
        /// A few of them.
        package var examples: [String]
    }

    /// What the survey found.
    package struct Result: Sendable {
        package var files = 0
        package var agreeing = 0
        /// Files per Embargo format.
        package var formats: [String: Int] = [:]
        package var differences: [Difference] = []

        /// The share of files on which both agree.
        package var agreement: Double { files == 0 ? 1 : Double(agreeing) / Double(files) }
    }

    package let paths: [ScanPath]
    package let excludes: [ExcludeGlob]

    package init(paths: [ScanPath], excludes: [ExcludeGlob] = []) {
        self.paths = paths
        self.excludes = excludes
    }

    /// Classifies every regular file under the paths both ways.
    package func run() throws -> Result {
        let magic = try MagicCookie()
        let walker = DirectoryWalker(excludes: excludes)
        var pending = try paths.compactMap { try walker.target($0).item }
        var result = Result()
        var differences: [String: Difference] = [:]
        while let item = pending.popLast() {
            if item.isDirectory {
                pending += walker.list(item.path, followingLink: item.followsLink).items
                continue
            }
            guard let content = try? ItemContent(path: item.path, followingLink: item.followsLink),
                let head = try? content.bytes(at: 0, count: ItemClassifier.headSize)
            else { continue }
            let format = ContentSniffer.format(of: head)
            let mimeType = magic.mimeType(of: head)
            result.files += 1
            result.formats[format.rawValue, default: 0] += 1
            if Self.agree(format, mimeType) {
                result.agreeing += 1
            } else {
                let key = format.rawValue + " " + mimeType
                var difference =
                    differences[key] ?? Difference(format: format.rawValue, mimeType: mimeType, count: 0, examples: [])
                difference.count += 1
                if difference.examples.count < 3 { difference.examples.append(item.path.displayString) }
                differences[key] = difference
            }
        }
        result.differences = differences.values.sorted { $0.count > $1.count }
        return result
    }

    /// Whether libmagic's `mimeType` belongs to the family of `format`.
    static func agree(_ format: ContentFormat, _ mimeType: String) -> Bool {
        let families: [ContentFormat: [String]] = [
            .elf: [
                "application/x-executable", "application/x-sharedlib", "application/x-pie-executable",
                "application/x-object", "application/x-coredump",
            ],
            .pe: ["application/vnd.microsoft.portable-executable", "application/x-dosexec"],
            .macho: ["application/x-mach-binary"], .machoFat: ["application/x-mach-binary"],
            .javaClass: ["application/x-java-applet"],
            .zip: [
                "application/zip", "application/java-archive", "application/vnd.", "application/epub+zip",
                "application/x-",
            ],
            .gzip: ["application/gzip", "application/x-gzip"], .bzip2: ["application/x-bzip2"],
            .xz: ["application/x-xz"],
            .zstd: ["application/zstd"], .lz4: ["application/x-lz4"], .lzma: ["application/x-lzma"],
            .sevenZip: ["application/x-7z-compressed"],
            .ar: ["application/x-archive", "application/vnd.debian.binary-package"],
            .tar: ["application/x-tar", "application/x-gtar"], .cpio: ["application/x-cpio"],
            .iso9660: ["application/x-iso9660-image"],
            .cab: ["application/vnd.ms-cab-compressed"], .rar: ["application/x-rar", "application/vnd.rar"],
            .xar: ["application/x-xar"],
            .rpm: ["application/x-rpm"], .sqlite: ["application/vnd.sqlite3", "application/x-sqlite3"],
            .registryHive: ["application/octet-stream"], .registryText: ["text/"],
            .javaKeyStore: ["application/x-java-keystore"],
            .pkcs12: ["application/octet-stream", "application/x-pkcs12"],
            .compoundFile: [
                "application/x-ole-storage", "application/x-msi", "application/msword", "application/vnd.ms-",
            ],
            .pem: ["text/", "application/x-pem-file"], .der: ["application/", "text/plain"],
            .empty: ["inode/x-empty", "application/x-empty"],
            .text: [
                "text/", "application/json", "application/xml", "application/javascript", "image/svg+xml", "message/",
                "application/x-", "application/postscript", "application/pgp", "application/mbox", "application/rtf",
                "application/vnd.", "application/pdf",
            ],
        ]
        if let family = families[format] { return family.contains { mimeType.hasPrefix($0) } }
        // Data Embargo does not open: libmagic must not call it one of the formats Embargo opens or
        // reads.
        let opened =
            families.filter {
                $0.key != .text && $0.key != .empty && $0.key != .der && $0.key != .pem && $0.key != .zip
            }.flatMap(\.value)
            + ["application/zip", "application/java-archive"]
        return !opened.contains(mimeType)
    }
}
