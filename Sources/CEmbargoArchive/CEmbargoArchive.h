#ifndef C_EMBARGO_ARCHIVE_H
#define C_EMBARGO_ARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#endif
