#ifndef C_EMBARGO_SYSTEM_H
#define C_EMBARGO_SYSTEM_H

/// Whether the running CPU executes AVX2 instructions (and the OS saves their registers).
int CEmbargoSystem_cpu_has_avx2(void);

/// Whether the running CPU executes SSSE3 instructions.
int CEmbargoSystem_cpu_has_ssse3(void);

/// The lseek whence values for sparse files, which glibc hides behind _GNU_SOURCE.
int CEmbargoSystem_seek_data(void);
int CEmbargoSystem_seek_hole(void);

/// fnmatch's flag for case-insensitive matching, which glibc hides behind _GNU_SOURCE.
int CEmbargoSystem_fnm_casefold(void);

/// mkostemp(3), which glibc hides behind _GNU_SOURCE: creates and opens a unique temporary file from
/// `template` (ending in XXXXXX) with the extra open flags `flags`.
int CEmbargoSystem_mkostemp(char *template, int flags);

#endif
