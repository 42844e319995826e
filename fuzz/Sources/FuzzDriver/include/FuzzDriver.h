#ifndef LIAISON_FUZZ_DRIVER_H
#define LIAISON_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (argument parsing, corpus, mutation loop) with `test` as the fuzz target.
///
/// SwiftPM links an executable target's entry point as `<module>_main` and points `main` at it, so libFuzzer's
/// own `main` is not used: each target's `<module>_main` calls this instead.
int liaison_fuzz_run(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));

#endif
