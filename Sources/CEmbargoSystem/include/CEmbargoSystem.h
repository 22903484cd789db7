#ifndef C_EMBARGO_SYSTEM_H
#define C_EMBARGO_SYSTEM_H

#include <stdint.h>

/// Whether the running CPU executes AVX2 instructions (and the OS saves their registers).
int CEmbargoSystem_cpu_has_avx2(void);

/// Whether the running CPU executes AVX-512 BW and VL instructions (and the OS saves their registers).
int CEmbargoSystem_cpu_has_avx512bw_vl(void);

/// Whether the running CPU executes SSSE3 instructions.
int CEmbargoSystem_cpu_has_ssse3(void);

/// Asks the CPU to bring the input 1 KiB past `position` into its caches, for the matcher's loops that
/// stream through a buffer. The hardware prefetcher stops at every 4 KiB page, and files are scanned
/// where the page cache maps them, page by page scattered in memory: without this the FDR loop waited
/// on its input at each page (7 to 14 % of the scan time on sets of 100 to 1,000 patterns). Never
/// faults: an address outside mapped memory is ignored.
static inline void CEmbargoSystem_prefetch_ahead(const void *position) {
    // Integer arithmetic: the address may lie past the end of the buffer, which C pointers may not.
    __builtin_prefetch((const void *)((uintptr_t)position + 1024), 0, 3);
}

/// The lseek whence values for sparse files, which glibc hides behind _GNU_SOURCE.
int CEmbargoSystem_seek_data(void);
int CEmbargoSystem_seek_hole(void);

/// fnmatch's flag for case-insensitive matching, which glibc hides behind _GNU_SOURCE.
int CEmbargoSystem_fnm_casefold(void);

/// mkostemp(3), which glibc hides behind _GNU_SOURCE: creates and opens a unique temporary file from
/// `template` (ending in XXXXXX) with the extra open flags `flags`.
int CEmbargoSystem_mkostemp(char *template, int flags);

/// Guarded read-only file mappings. A file mapped with mmap raises SIGBUS when it is truncated
/// while its pages are read (log rotation with copytruncate does that to live files); a guarded
/// mapping instead sees zeros past the new end, and the guard remembers that it happened.
///
/// `CEmbargoSystem_map_guarded` maps `length` bytes of `descriptor` at `offset` (a multiple of the
/// page size) read-only and registers the mapping; it returns NULL (with errno) when the file cannot
/// be mapped or every guard slot is taken. `CEmbargoSystem_unmap_guarded` unmaps it and returns 1
/// if part of it had to be filled with zeros, 0 otherwise. The SIGBUS handler is installed on first
/// use; a SIGBUS outside a guarded mapping keeps its default effect.
const void *CEmbargoSystem_map_guarded(int descriptor, long long offset, unsigned long length, int *slot);
int CEmbargoSystem_unmap_guarded(const void *base, unsigned long length, int slot);

/// Crash slots, for a scan supervised by a parent process. `base` is memory shared with the parent
/// (`count` slots of `slot_size` bytes); each worker thread binds the slot it writes its current item
/// into. On SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT or SIGTRAP the handler writes the signal number
/// into byte 4 of the crashing thread's slot (if it has one), then lets the signal take its default
/// effect, so that the parent learns which item was being read when the process died.
void CEmbargoSystem_crash_slots_install(unsigned char *base, unsigned long slot_size, int count);

/// Binds the calling thread to slot `index` (-1 for none).
void CEmbargoSystem_crash_slot_bind(int index);

/// Makes the process receive `signal_number` when its parent dies (Linux); a no-op elsewhere.
void CEmbargoSystem_die_with_parent(int signal_number);

#endif
