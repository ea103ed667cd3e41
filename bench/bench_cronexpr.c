/*
 * bench_cronexpr: median cost of cronexpr_next over a mix of typical
 * schedules and random start instants (2020-2035), in UTC and in
 * Europe/Berlin (and Berlin 2110-2125), and of cronexpr_parse. Batches of calls are timed with
 * CLOCK_MONOTONIC; the median over all batches is printed in ns per call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "cronexpr.h"

#define BATCH	256
#define ROUNDS	41
#define Y2020_S	INT64_C(1577836800)	/* start times: 16 years from here */
#define Y2110_S	INT64_C(4417977600)

static const char *const exprs[] = {
	"*/5 * * * *",
	"0 3 * * *",
	"30 2 * * 1-5",
	"0 0 1 * *",
	"*/15 9-17 * * mon-fri",
	"0 0 L * *",
	"0 12 * * 5#3",
	"*/10 * * * * *",
	"@hourly",
	"@daily",
	"0 0 * * 0",
	"15 4 1,15 * *",
	"0 22 * * 5L",
	"0 9 15W * *",
	"0 8-18/2 * * *",
	"0 0 1 jan *",
};

#define NEXPR (sizeof(exprs) / sizeof(exprs[0]))

static volatile int64_t sink;

static double
bench_next(const struct tz *zone, const struct cronexpr *ces, int64_t from_s)
{
	static double samples[NEXPR * ROUNDS];
	int64_t starts[BATCH], t0, acc;
	size_t e, r, i, n = 0;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < BATCH; i++)
			starts[i] = from_s + (int64_t)(bench_rng() % (16ULL * 365 * 86400));
		for (e = 0; e < NEXPR; e++) {
			acc = 0;
			t0 = bench_now_ns();
			for (i = 0; i < BATCH; i++)
				acc += cronexpr_next(&ces[e], zone, starts[i]);
			samples[n++] = (double)(bench_now_ns() - t0) / BATCH;
			sink = acc;
		}
	}
	return bench_median(samples, n);
}

static double
bench_parse(void)
{
	static double samples[NEXPR * ROUNDS];
	struct cronexpr ce;
	char err[256];
	size_t e, r, i, n = 0;
	int64_t t0;

	for (r = 0; r < ROUNDS; r++) {
		for (e = 0; e < NEXPR; e++) {
			t0 = bench_now_ns();
			for (i = 0; i < BATCH; i++)
				if (cronexpr_parse(&ce, exprs[e], err, sizeof(err)) != 0)
					abort();
			samples[n++] = (double)(bench_now_ns() - t0) / BATCH;
			sink = (int64_t)ce.min;
		}
	}
	return bench_median(samples, n);
}

int
main(void)
{
	static struct cronexpr ces[NEXPR];
	struct cronexpr ce;
	struct tz *utc, *berlin;
	char err[256];
	int64_t t0;
	size_t e, i;

	for (e = 0; e < NEXPR; e++) {
		if (cronexpr_parse(&ces[e], exprs[e], err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_cronexpr: '%s': %s\n", exprs[e], err);
			return 1;
		}
	}
	utc = tz_utc();
	if ((berlin = tz_load("Europe/Berlin", err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_cronexpr: %s\n", err);
		return 1;
	}
	/* Warm the caches once. */
	bench_next(utc, ces, Y2020_S);

	printf("cronexpr_next UTC:           median %.0f ns/call (%zu schedules)\n",
	    bench_next(utc, ces, Y2020_S), NEXPR);
	printf("cronexpr_next Europe/Berlin: median %.0f ns/call\n",
	    bench_next(berlin, ces, Y2020_S));
	/* Past tz's precomputed table the POSIX TZ rule is evaluated per call. */
	printf("  same, 2110-2125:           median %.0f ns/call\n",
	    bench_next(berlin, ces, Y2110_S));
	printf("cronexpr_parse:              median %.0f ns/call\n", bench_parse());
	t0 = bench_now_ns();
	for (i = 0; i < 100000; i++)
		if (cronexpr_parse(&ce, exprs[i % NEXPR], err, sizeof(err)) != 0)
			abort();
	printf("cronexpr_parse x 100000:     %.1f ms\n", (double)(bench_now_ns() - t0) / 1e6);
	tz_free(berlin);
	tz_free(utc);
	return 0;
}
