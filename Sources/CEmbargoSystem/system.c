#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdlib.h>
#include <unistd.h>
#include "CEmbargoSystem.h"

int CEmbargoSystem_cpu_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

int CEmbargoSystem_cpu_has_ssse3(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
}

int CEmbargoSystem_seek_data(void) { return SEEK_DATA; }
int CEmbargoSystem_seek_hole(void) { return SEEK_HOLE; }

int CEmbargoSystem_fnm_casefold(void) { return FNM_CASEFOLD; }

int CEmbargoSystem_mkostemp(char *template, int flags) { return mkostemp(template, flags); }
