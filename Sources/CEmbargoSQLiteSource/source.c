// A read-only SQLite VFS whose one file is served by a callback. SQLite opens the database by a name
// that carries the address of the CEmbargoSQLiteSource; every other file (journal, WAL) is refused,
// and nothing is ever written.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "CEmbargoSQLiteSource.h"

#define EMBARGO_VFS_NAME "embargo-source"

typedef struct SourceFile {
    sqlite3_file base;
    const CEmbargoSQLiteSource *source;
} SourceFile;

static int source_close(sqlite3_file *file) { (void)file; return SQLITE_OK; }

static int source_read(sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset) {
    const CEmbargoSQLiteSource *source = ((SourceFile *)file)->source;
    if (amount < 0 || offset < 0) {
        return SQLITE_IOERR_READ;
    }
    long long got = 0;
    if (offset < source->size) {
        got = source->read(source->context, buffer, amount, offset);
        if (got < 0) {
            return SQLITE_IOERR_READ;
        }
    }
    if (got < amount) {
        memset((char *)buffer + got, 0, (size_t)(amount - got));
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int source_write(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset) {
    (void)file; (void)buffer; (void)amount; (void)offset;
    return SQLITE_READONLY;
}

static int source_truncate(sqlite3_file *file, sqlite3_int64 size) { (void)file; (void)size; return SQLITE_READONLY; }
static int source_sync(sqlite3_file *file, int flags) { (void)file; (void)flags; return SQLITE_OK; }

static int source_file_size(sqlite3_file *file, sqlite3_int64 *size) {
    *size = ((SourceFile *)file)->source->size;
    return SQLITE_OK;
}

static int source_lock(sqlite3_file *file, int level) { (void)file; (void)level; return SQLITE_OK; }
static int source_check_lock(sqlite3_file *file, int *out) { (void)file; *out = 0; return SQLITE_OK; }
static int source_control(sqlite3_file *file, int op, void *argument) { (void)file; (void)op; (void)argument; return SQLITE_NOTFOUND; }
static int source_sector_size(sqlite3_file *file) { (void)file; return 4096; }
static int source_characteristics(sqlite3_file *file) { (void)file; return SQLITE_IOCAP_IMMUTABLE; }

static const sqlite3_io_methods source_methods = {
    1, source_close, source_read, source_write, source_truncate, source_sync, source_file_size,
    source_lock, source_lock, source_check_lock, source_control, source_sector_size, source_characteristics,
    NULL, NULL, NULL, NULL, NULL, NULL,
};

static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags) {
    (void)vfs;
    file->pMethods = NULL;
    void *address = NULL;
    if (name == NULL || !(flags & SQLITE_OPEN_MAIN_DB) || (flags & SQLITE_OPEN_READWRITE) ||
        sscanf(name, "/" EMBARGO_VFS_NAME "/%p", &address) != 1 || address == NULL) {
        return SQLITE_CANTOPEN;
    }
    SourceFile *source_file = (SourceFile *)file;
    source_file->source = (const CEmbargoSQLiteSource *)address;
    file->pMethods = &source_methods;
    if (out_flags) {
        *out_flags = SQLITE_OPEN_READONLY;
    }
    return SQLITE_OK;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync) { (void)vfs; (void)name; (void)sync; return SQLITE_READONLY; }

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs; (void)name; (void)flags;
    *out = 0;
    return SQLITE_OK;
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    if ((int)strlen(name) >= size) {
        return SQLITE_CANTOPEN;
    }
    strcpy(out, name);
    return SQLITE_OK;
}

static sqlite3_vfs *default_vfs;

static int vfs_randomness(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return default_vfs->xRandomness(default_vfs, size, out); }
static int vfs_sleep(sqlite3_vfs *vfs, int microseconds) { (void)vfs; return default_vfs->xSleep(default_vfs, microseconds); }
static int vfs_current_time(sqlite3_vfs *vfs, double *out) { (void)vfs; return default_vfs->xCurrentTime(default_vfs, out); }

static sqlite3_vfs source_vfs = {
    1, sizeof(SourceFile), 512, NULL, EMBARGO_VFS_NAME, NULL,
    vfs_open, vfs_delete, vfs_access, vfs_full_pathname,
    NULL, NULL, NULL, NULL,
    vfs_randomness, vfs_sleep, vfs_current_time, NULL,
};

static pthread_once_t register_once = PTHREAD_ONCE_INIT;
static int register_status = SQLITE_ERROR;

static void register_vfs(void) {
    default_vfs = sqlite3_vfs_find(NULL);
    if (default_vfs == NULL) {
        return;
    }
    register_status = sqlite3_vfs_register(&source_vfs, 0);
}

int CEmbargoSQLiteSource_open(const CEmbargoSQLiteSource *source, sqlite3 **connection) {
    *connection = NULL;
    pthread_once(&register_once, register_vfs);
    if (register_status != SQLITE_OK) {
        return register_status;
    }
    char name[96];
    snprintf(name, sizeof name, "file:/" EMBARGO_VFS_NAME "/%p?immutable=1", (const void *)source);
    int status = sqlite3_open_v2(name, connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, EMBARGO_VFS_NAME);
    if (status != SQLITE_OK) {
        return status;
    }
    sqlite3_db_config(*connection, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(*connection, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(*connection, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(*connection, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
    sqlite3_limit(*connection, SQLITE_LIMIT_LENGTH, 64 << 20);
    sqlite3_limit(*connection, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
    return sqlite3_exec(*connection, "PRAGMA cell_size_check = ON", NULL, NULL, NULL);
}
