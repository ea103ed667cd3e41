/*
 * bench_tz: median cost in ns per call of tz_local, tz_resolve and
 * tz_next_transition for random instants of 2020-2030 (the precomputed
 * table) and 2150-2160 (the footer rule computed per call), in
 * Europe/Berlin, America/New_York and Australia/Lord_Howe; glibc's
 * localtime_r in Berlin for scale. Batches are timed with CLOCK_MONOTONIC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"
#include "tz.h"

#define N	4096
#define ROUNDS	51
#define Y2020_S	INT64_C(1577836800)
#define Y2150_S	INT64_C(5680281600)
#define SPAN_S	(INT64_C(11) * 365 * 86400)

static int64_t instants[N];
static struct tz_civil civils[N];
static volatile int64_t sink;

enum op { OP_LOCAL, OP_RESOLVE, OP_NEXT, OP_GLIBC };

static double
bench(const struct tz *zone, enum op op)
{
	double samples[ROUNDS];
	struct tz_civil c;
	int64_t out[2], t0, acc = 0;
	struct tm tm;
	time_t tt;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		t0 = bench_now_ns();
		for (i = 0; i < N; i++) {
			switch (op) {
			case OP_LOCAL:
				tz_local(zone, instants[i], &c);
				acc += c.hour + c.utoff_s;
				break;
			case OP_RESOLVE:
				acc += tz_resolve(zone, &civils[i], out) + out[0];
				break;
			case OP_NEXT:
				acc += tz_next_transition(zone, instants[i]);
				break;
			case OP_GLIBC:
				tt = (time_t)instants[i];
				localtime_r(&tt, &tm);
				acc += tm.tm_hour + tm.tm_gmtoff;
				break;
			}
		}
		samples[r] = (double)(bench_now_ns() - t0) / N;
	}
	sink = acc;
	bench_median(samples, ROUNDS);
	return samples[ROUNDS / 2];
}

static void
fill(const struct tz *zone, int64_t from_s)
{
	int i;

	for (i = 0; i < N; i++) {
		instants[i] = from_s + (int64_t)(bench_rng() % (uint64_t)SPAN_S);
		tz_local(zone, instants[i], &civils[i]);
	}
}

int
main(void)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
	};
	static const struct {
		const char *label;
		int64_t from_s;
	} ranges[] = {
		{ "2020-2030", Y2020_S }, { "2150-2160", Y2150_S },
	};
	char err[256];
	struct tz *zone;
	size_t z, k;

	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		if ((zone = tz_load(zones[z], err, sizeof(err))) == NULL) {
			fprintf(stderr, "bench_tz: %s\n", err);
			return 1;
		}
		for (k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++) {
			fill(zone, ranges[k].from_s);
			printf("%-20s %s  tz_local %6.1f ns  tz_resolve %6.1f ns  "
			    "tz_next_transition %6.1f ns\n", zones[z], ranges[k].label,
			    bench(zone, OP_LOCAL), bench(zone, OP_RESOLVE), bench(zone, OP_NEXT));
		}
		tz_free(zone);
	}
	/* glibc for scale: TZ is set once here, never per call. */
	if (setenv("TZ", "Europe/Berlin", 1) != 0)
		return 1;
	tzset();
	fill(tz_utc(), Y2020_S);
	printf("%-20s %s  localtime_r %6.1f ns (glibc, for comparison)\n", "Europe/Berlin",
	    "2020-2030", bench(NULL, OP_GLIBC));
	return 0;
}
