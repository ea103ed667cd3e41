/*
 * The libFuzzer entry points that every fuzz/fuzz_*.c target defines,
 * declared for -Wmissing-prototypes and for fuzz/replay.c, which drives the
 * same targets without libFuzzer. FUZZ_CHECK aborts on a broken invariant
 * so that libFuzzer (or the replay) reports the input that broke it.
 */
#ifndef SCHEDD_FUZZ_H
#define SCHEDD_FUZZ_H

#include <stdbool.h>
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

/*
 * The reference calendar of the targets that check dates: written apart
 * from config/tz.c on purpose, so that a bug there cannot hide itself.
 */
static inline int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline bool
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int
month_days(int64_t y, int m)
{
	static const int dim[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return dim[m] + (m == 2 && leap(y));
}

#endif
