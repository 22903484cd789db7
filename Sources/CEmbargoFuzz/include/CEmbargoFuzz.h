#ifndef C_EMBARGO_FUZZ_H
#define C_EMBARGO_FUZZ_H

/// libFuzzer's driver, present only in binaries linked with -sanitize=fuzzer: runs the fuzzing loop
/// with `callback` as the target. Declared here so that the fuzzer's own entry point can call it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const unsigned char *data, unsigned long size));

#endif
