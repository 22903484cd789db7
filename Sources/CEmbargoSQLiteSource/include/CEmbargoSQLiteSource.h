#ifndef C_EMBARGO_SQLITE_SOURCE_H
#define C_EMBARGO_SQLITE_SOURCE_H

#include <sqlite3.h>

/// The bytes of a database file as the scan holds them (a file, an archive member in memory, a
/// spooled member), read through a callback: SQLite reads the database without a path.
typedef struct CEmbargoSQLiteSource {
    /// Passed to `read`.
    void *context;
    /// The database's size in bytes.
    long long size;
    /// Reads up to `amount` bytes at `offset` into `buffer`; returns how many were read (fewer only
    /// at the end), or -1 when the bytes cannot be read.
    long long (*read)(void *context, void *buffer, long long amount, long long offset);
} CEmbargoSQLiteSource;

/// Opens a read-only, immutable connection to the database `source` serves (no journal, no locks,
/// nothing written, defensive mode on, untrusted schema). `source` must outlive the connection.
/// Returns an SQLite result code; on failure `*connection` may still need sqlite3_close_v2.
int CEmbargoSQLiteSource_open(const CEmbargoSQLiteSource *source, sqlite3 **connection);

#endif
