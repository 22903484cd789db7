#ifndef C_EMBARGO_SQLITE_H
#define C_EMBARGO_SQLITE_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro Swift cannot import: it tells sqlite3_bind_text() and
/// sqlite3_bind_blob() to copy the value before the call returns.
static inline sqlite3_destructor_type CEmbargoSQLite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
