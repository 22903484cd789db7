#ifndef C_EMBARGO_ARCHIVE_H
#define C_EMBARGO_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

/// Creates a reader that understands every compression filter and the binary archive formats
/// libarchive knows, plus "raw" for a single compressed stream (a .gz of one file), or returns NULL
/// if allocation fails. The text formats (mtree, WARC) are left out: they would claim compressed
/// text files such as README.gz as archives. The caller owns the result and frees it with
/// archive_read_free().
static inline struct archive *CEmbargoArchive_read_new_all(void) {
    struct archive *a = archive_read_new();
    if (a == NULL) {
        return NULL;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_ar(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_xar(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_raw(a);
    return a;
}

/// Creates a reader that takes its input as one compressed stream, whatever the decompressed bytes
/// look like: for a stream that the archive formats misread (a gzip of data that starts with 512
/// zero bytes reads as an empty tar archive). NULL if allocation fails.
static inline struct archive *CEmbargoArchive_read_new_raw(void) {
    struct archive *a = archive_read_new();
    if (a == NULL) {
        return NULL;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_raw(a);
    return a;
}

#endif
