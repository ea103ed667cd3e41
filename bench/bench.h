/*
 * bench.h: what the micro-benchmarks share: a fixed-seed xorshift, a
 * monotonic nanosecond clock and sorting of samples for medians. Header
 * only, because each benchmark is its own program.
 */
#ifndef SCHEDD_BENCH_H
#define SCHEDD_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* Deterministic across runs: every benchmark sees the same inputs. */
static inline uint64_t
bench_rng(void)
{
	static uint64_t state = 88172645463325252ULL;

	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static inline int64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v (so v[0] is the minimum, v[n-1] the maximum) and returns the
 * median. */
static inline double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
