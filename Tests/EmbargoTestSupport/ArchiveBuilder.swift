import CEmbargoArchive
import Foundation

/// Writes archives with libarchive's write API, for tests that need real archive files.
public enum ArchiveBuilder {
    /// An archive format libarchive can write.
    public enum Format: Sendable {
        case zip, tar, sevenZip, iso9660, ar, cpio
    }

    /// A compression filter.
    public enum Filter: Sendable {
        case none, gzip, bzip2, xz, zstd
    }

    /// Writes an archive of `entries` (names as bytes, contents) to `path`.
    public static func write(
        _ path: String,
        format: Format,
        filter: Filter = .none,
        entries: [(name: [UInt8], data: [UInt8])]
    ) throws {
        guard let archive = archive_write_new() else { throw TestSupportError("archive_write_new failed") }
        defer { archive_write_free(archive) }
        switch format {
        case .zip: archive_write_set_format_zip(archive)
        case .tar: archive_write_set_format_pax_restricted(archive)
        case .sevenZip: archive_write_set_format_7zip(archive)
        case .iso9660: archive_write_set_format_iso9660(archive)
        case .ar: archive_write_set_format_ar_svr4(archive)
        case .cpio: archive_write_set_format_cpio_newc(archive)
        }
        switch filter {
        case .none: archive_write_add_filter_none(archive)
        case .gzip: archive_write_add_filter_gzip(archive)
        case .bzip2: archive_write_add_filter_bzip2(archive)
        case .xz: archive_write_add_filter_xz(archive)
        case .zstd: archive_write_add_filter_zstd(archive)
        }
        guard archive_write_open_filename(archive, path) == ARCHIVE_OK else {
            throw TestSupportError("cannot open \(path): \(String(cString: archive_error_string(archive)))")
        }
        for (name, data) in entries {
            guard let entry = archive_entry_new() else { throw TestSupportError("archive_entry_new failed") }
            defer { archive_entry_free(entry) }
            (name + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { archive_entry_copy_pathname(entry, $0.baseAddress) }
            }
            archive_entry_set_filetype(entry, 0o100000)
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_size(entry, Int64(data.count))
            archive_entry_set_mtime(entry, 1_718_000_000, 0)
            guard archive_write_header(archive, entry) == ARCHIVE_OK else {
                throw TestSupportError(
                    "cannot add \(String(decoding: name, as: UTF8.self)): \(String(cString: archive_error_string(archive)))"
                )
            }
            var written = 0
            while written < data.count {
                let count = data[written...].withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
                guard count > 0 else { throw TestSupportError("archive_write_data failed") }
                written += count
            }
        }
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw TestSupportError("cannot finish \(path): \(String(cString: archive_error_string(archive)))")
        }
    }

    /// Writes an archive and returns its bytes.
    public static func bytes(
        format: Format,
        filter: Filter = .none,
        entries: [(name: [UInt8], data: [UInt8])]
    ) throws -> [UInt8] {
        let directory = TemporaryDirectory("archive")
        let path = directory.file("archive")
        try write(path, format: format, filter: filter, entries: entries)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TestSupportError("cannot read \(path)")
        }
        return Array(data)
    }
}

extension String {
    /// The string's UTF-8 bytes.
    public var bytes: [UInt8] { Array(utf8) }
}
