/*
 * The libFuzzer entry points that every fuzz/fuzz_*.c target defines,
 * declared for -Wmissing-prototypes and for fuzz/replay.c, which drives the
 * same targets without libFuzzer. FUZZ_CHECK aborts on a broken invariant
 * so that libFuzzer (or the replay) reports the input that broke it.
 */
#ifndef SCHEDD_FUZZ_H
#define SCHEDD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called once before any input; returns 0. Every target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Runs one input of SIZE bytes; returns 0. Aborts on a violation. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant violated: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

#endif
