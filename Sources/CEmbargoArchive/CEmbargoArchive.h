#ifndef C_EMBARGO_ARCHIVE_H
#define C_EMBARGO_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

/// Creates a reader that understands every compression filter and archive format libarchive
/// knows, plus "raw" for a single compressed stream (a .gz of one file), or returns NULL if
/// allocation fails. The caller owns the result and frees it with archive_read_free().
static inline struct archive *CEmbargoArchive_read_new_all(void) {
    struct archive *a = archive_read_new();
    if (a == NULL) {
        return NULL;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    archive_read_support_format_raw(a);
    return a;
}

#endif
