#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdlib.h>
#include <unistd.h>
#include "CEmbargoSystem.h"

// The CPU checks exist on x86 only; elsewhere the matcher runs its scalar path.
int CEmbargoSystem_cpu_has_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

int CEmbargoSystem_cpu_has_avx512bw_vl(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

int CEmbargoSystem_cpu_has_ssse3(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
#else
    return 0;
#endif
}

int CEmbargoSystem_seek_data(void) { return SEEK_DATA; }
int CEmbargoSystem_seek_hole(void) { return SEEK_HOLE; }

int CEmbargoSystem_fnm_casefold(void) { return FNM_CASEFOLD; }

int CEmbargoSystem_mkostemp(char *template, int flags) { return mkostemp(template, flags); }

// MARK: - Guarded mappings

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>
#include <errno.h>

#define GUARD_SLOTS 512

// The registry the SIGBUS handler consults: slot i is in use when its base is non-zero. Only
// lock-free atomics are touched in the handler.
static _Atomic uintptr_t guard_bases[GUARD_SLOTS];
static _Atomic uintptr_t guard_lengths[GUARD_SLOTS];
static _Atomic int guard_faulted[GUARD_SLOTS];
static struct sigaction previous_sigbus;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static long guard_page_size;

static void guard_sigbus(int signal_number, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int slot = 0; slot < GUARD_SLOTS; slot++) {
        uintptr_t base = atomic_load_explicit(&guard_bases[slot], memory_order_acquire);
        uintptr_t length = atomic_load_explicit(&guard_lengths[slot], memory_order_relaxed);
        // Base 1 marks a slot being filled in.
        if (base > 1 && address >= base && address - base < length) {
            // Replace the page past the file's end with a page of zeros, and retry the access.
            uintptr_t page = address & ~((uintptr_t)guard_page_size - 1);
            void *zeros = mmap((void *)page, (size_t)guard_page_size, PROT_READ,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (zeros != MAP_FAILED) {
                atomic_store_explicit(&guard_faulted[slot], 1, memory_order_relaxed);
                return;
            }
        }
    }
    // Not ours: behave as before the guard was installed.
    if (previous_sigbus.sa_flags & SA_SIGINFO) {
        previous_sigbus.sa_sigaction(signal_number, info, context);
    } else if (previous_sigbus.sa_handler != SIG_IGN && previous_sigbus.sa_handler != SIG_DFL) {
        previous_sigbus.sa_handler(signal_number);
    } else {
        signal(SIGBUS, SIG_DFL);
        raise(SIGBUS);
    }
}

static void guard_install(void) {
    guard_page_size = sysconf(_SC_PAGESIZE);
    struct sigaction action;
    action.sa_sigaction = guard_sigbus;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGBUS, &action, &previous_sigbus);
}

const void *CEmbargoSystem_map_guarded(int descriptor, long long offset, unsigned long length, int *slot) {
    pthread_once(&guard_once, guard_install);
    void *base = mmap(NULL, length, PROT_READ, MAP_PRIVATE, descriptor, (off_t)offset);
    if (base == MAP_FAILED) {
        return NULL;
    }
    for (int index = 0; index < GUARD_SLOTS; index++) {
        uintptr_t expected = 0;
        // Reserve the slot with a marker, publish the length, then the base.
        if (atomic_compare_exchange_strong(&guard_bases[index], &expected, (uintptr_t)1)) {
            atomic_store(&guard_faulted[index], 0);
            atomic_store(&guard_lengths[index], (uintptr_t)length);
            atomic_store_explicit(&guard_bases[index], (uintptr_t)base, memory_order_release);
            *slot = index;
            return base;
        }
    }
    munmap(base, length);
    errno = EBUSY;
    return NULL;
}

int CEmbargoSystem_unmap_guarded(const void *base, unsigned long length, int slot) {
    atomic_store_explicit(&guard_bases[slot], (uintptr_t)0, memory_order_release);
    int faulted = atomic_load(&guard_faulted[slot]);
    munmap((void *)base, length);
    return faulted;
}

// MARK: - Crash slots

#if defined(__linux__)
#include <sys/prctl.h>
#endif

static unsigned char *crash_slots_base;
static unsigned long crash_slot_size;
static int crash_slot_count;
static _Thread_local int crash_slot_index = -1;
static _Thread_local int crash_alternate_stack_set;
static const int crash_signals[] = {SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGABRT, SIGTRAP};

static void crash_handler(int signal_number, siginfo_t *info, void *context) {
    (void)info;
    (void)context;
    int index = crash_slot_index;
    if (crash_slots_base != NULL && index >= 0 && index < crash_slot_count) {
        crash_slots_base[(unsigned long)index * crash_slot_size + 4] = (unsigned char)signal_number;
    }
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

void CEmbargoSystem_crash_slots_install(unsigned char *base, unsigned long slot_size, int count) {
    crash_slots_base = base;
    crash_slot_size = slot_size;
    crash_slot_count = count;
    struct sigaction action;
    action.sa_sigaction = crash_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    for (unsigned long index = 0; index < sizeof crash_signals / sizeof crash_signals[0]; index++) {
        sigaction(crash_signals[index], &action, NULL);
    }
}

void CEmbargoSystem_crash_slot_bind(int index) {
    crash_slot_index = index;
    // The handler runs on an alternate stack of the thread's own, so that a stack overflow is
    // caught too (alternate stacks are per thread).
    if (!crash_alternate_stack_set && crash_slots_base != NULL) {
        void *memory = malloc(1 << 16);
        if (memory != NULL) {
            stack_t stack = {.ss_sp = memory, .ss_size = 1 << 16, .ss_flags = 0};
            sigaltstack(&stack, NULL);
            crash_alternate_stack_set = 1;
        }
    }
}

void CEmbargoSystem_die_with_parent(int signal_number) {
#if defined(__linux__)
    prctl(PR_SET_PDEATHSIG, signal_number);
#else
    (void)signal_number;
#endif
}
