/*
 * Unit tests of config/tz.c: every zone of tzdata.zi against glibc's
 * localtime_r around every transition of 2020-2030 and on samples up to
 * 2110 (TZ is switched with setenv + tzset here, in the test only), gap and
 * fold resolution, POSIX footer rules, damaged TZif data, zone names.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"
#include "tz.h"

#define ZONEINFO	"/usr/share/zoneinfo"
#define TZDATA_ZI	ZONEINFO "/tzdata.zi"
#define DAY_S		86400

/* For hot loops: ck_assert records every passing check, which is slow. */
#define EXPECT(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

static int64_t
utc_s(int y, int mo, int d, int h, int mi, int s)
{
	return tz_days_from_civil(y, mo, d) * DAY_S + h * 3600 + mi * 60 + s;
}

static uint64_t
rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
glibc_zone(const char *tzval)
{
	ck_assert_int_eq(setenv("TZ", tzval, 1), 0);
	tzset();
}

static struct tm
glibc_tm(int64_t t_s)
{
	time_t tt = (time_t)t_s;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		ck_abort_msg("localtime_r(%lld) failed", (long long)t_s);
	return tm;
}

static long
glibc_off(int64_t t_s)
{
	return glibc_tm(t_s).tm_gmtoff;
}

/* The local civil time L (seconds since the epoch as if local were UTC). */
static void
civil_of_local(int64_t local_s, struct tz_civil *c)
{
	int64_t days = local_s / DAY_S - (local_s % DAY_S < 0);
	int sod = (int)(local_s - days * DAY_S);

	memset(c, 0, sizeof(*c));
	tz_civil_from_days(days, &c->year, &c->mon, &c->mday);
	c->hour = sod / 3600;
	c->min = sod / 60 % 60;
	c->sec = sod % 60;
}

/* tz_resolve(tz_local(t)) must contain t. */
static void
check_roundtrip(const struct tz *z, const char *what, int64_t t_s, const struct tz_civil *c)
{
	int64_t out[2] = { 0, 0 };
	int n = tz_resolve(z, c, out);

	EXPECT((n == 1 && out[0] == t_s) ||
	    (n == 2 && out[0] < out[1] && (out[0] == t_s || out[1] == t_s)),
	    "%s: resolve(local(%lld)) gave %d: %lld %lld", what, (long long)t_s, n,
	    (long long)out[0], (long long)out[1]);
}

/* tz_local against glibc (in the zone set by glibc_zone) at t_s. */
static void
compare_at(const struct tz *z, const char *what, int64_t t_s)
{
	struct tz_civil c;
	struct tm tm = glibc_tm(t_s);

	tz_local(z, t_s, &c);
	EXPECT(c.utoff_s == tm.tm_gmtoff && c.year == tm.tm_year + 1900 &&
	    c.mon == tm.tm_mon + 1 && c.mday == tm.tm_mday && c.hour == tm.tm_hour &&
	    c.min == tm.tm_min && c.sec == tm.tm_sec && c.wday == tm.tm_wday &&
	    c.yday == tm.tm_yday,
	    "%s at %lld: tz %04d-%02d-%02d %02d:%02d:%02d w%d y%d %+d, "
	    "glibc %04d-%02d-%02d %02d:%02d:%02d w%d y%d %+ld", what, (long long)t_s,
	    c.year, c.mon, c.mday, c.hour, c.min, c.sec, c.wday, c.yday, (int)c.utoff_s,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    tm.tm_wday, tm.tm_yday, tm.tm_gmtoff);
	check_roundtrip(z, what, t_s, &c);
}

/* Instants in [from, to) where glibc's offset changes, found by stepping
 * and bisecting (a change and its reversal within one step are missed; the
 * caller also checks every transition tz reports). */
static size_t
glibc_transitions(int64_t from_s, int64_t to_s, int64_t step_s, int64_t *out, size_t cap)
{
	int64_t t = from_s, next, lo, hi, mid;
	long o = glibc_off(t);
	size_t n = 0;

	while (t < to_s) {
		next = t + step_s < to_s ? t + step_s : to_s;
		if (glibc_off(next) == o) {
			t = next;
			continue;
		}
		for (lo = t, hi = next; hi - lo > 1;) {
			mid = lo + (hi - lo) / 2;
			if (glibc_off(mid) == o)
				lo = mid;
			else
				hi = mid;
		}
		EXPECT(n < cap, "too many transitions");
		out[n++] = hi;
		t = hi;
		o = glibc_off(hi);
	}
	return n;
}

static size_t
tz_transitions(const struct tz *z, int64_t from_s, int64_t to_s, int64_t *out, size_t cap)
{
	int64_t t = from_s - 1;
	size_t n = 0;

	while ((t = tz_next_transition(z, t)) < to_s) {
		EXPECT(n < cap, "too many transitions");
		out[n++] = t;
	}
	return n;
}

/*
 * Checks tz_resolve at local times around transition at[k] against a
 * reference built from glibc: t is a solution of local L iff glibc's offset
 * at L - o is o, for o among the offsets in force near the transition.
 */
static void
check_resolve_near(const struct tz *z, const char *what, const int64_t *at, size_t nat, size_t k)
{
	int64_t T = at[k], sol[8], out[2], gap_s, cand;
	long offs[16];
	size_t noffs = 0, i, j, nsol;
	struct tz_civil c;
	int n, d, which;

#define ADD_OFF(o) do {							\
	long o_ = (o);							\
	for (j = 0; j < noffs && offs[j] != o_; j++)			\
		;							\
	if (j == noffs && noffs < 16)					\
		offs[noffs++] = o_;					\
} while (0)
	ADD_OFF(glibc_off(T - 3 * DAY_S));
	ADD_OFF(glibc_off(T + 3 * DAY_S));
	for (i = 0; i < nat; i++) {
		if (at[i] < T - 3 * DAY_S || at[i] > T + 3 * DAY_S)
			continue;
		ADD_OFF(glibc_off(at[i] - 1));
		ADD_OFF(glibc_off(at[i]));
	}
#undef ADD_OFF
	for (which = 0; which < 2; which++) {
		for (d = -1; d <= 1; d++) {
			int64_t L = T + glibc_off(which == 0 ? T - 1 : T) + d;

			nsol = 0;
			for (i = 0; i < noffs; i++) {
				cand = L - offs[i];
				if (glibc_off(cand) != offs[i])
					continue;
				for (j = nsol; j > 0 && sol[j - 1] > cand; j--)
					sol[j] = sol[j - 1];
				sol[j] = cand;
				nsol++;
			}
			civil_of_local(L, &c);
			n = tz_resolve(z, &c, out);
			if (nsol == 0) {
				gap_s = INT64_MAX;
				for (i = 0; i < nat; i++)
					if (at[i] + glibc_off(at[i] - 1) <= L &&
					    L < at[i] + glibc_off(at[i]) && at[i] < gap_s)
						gap_s = at[i];
				EXPECT(n == 0 && out[0] == gap_s,
				    "%s: local %lld near %lld: gap to %lld expected, got %d (%lld)",
				    what, (long long)L, (long long)T, (long long)gap_s, n,
				    (long long)out[0]);
			} else if (nsol == 1) {
				EXPECT(n == 1 && out[0] == sol[0],
				    "%s: local %lld near %lld: %lld expected, got %d (%lld)",
				    what, (long long)L, (long long)T, (long long)sol[0], n,
				    (long long)out[0]);
			} else {
				EXPECT(n == 2 && out[0] == sol[0] && out[1] == sol[nsol - 1],
				    "%s: local %lld near %lld: fold %lld %lld expected, got %d",
				    what, (long long)L, (long long)T, (long long)sol[0],
				    (long long)sol[nsol - 1], n);
			}
		}
	}
}

struct zone_list {
	char	**names;
	size_t	  n;
};

/* Every "Z NAME" and "L TARGET NAME" of tzdata.zi. */
static void
zone_list_read(struct zone_list *zl)
{
	FILE *fp = fopen(TZDATA_ZI, "r");
	char line[512], a[256], b[256], c[256];
	size_t cap = 0;

	ck_assert_msg(fp != NULL, "%s: %s (tzdata must be installed)", TZDATA_ZI,
	    strerror(errno));
	memset(zl, 0, sizeof(*zl));
	while (fgets(line, sizeof(line), fp) != NULL) {
		const char *name = NULL;

		if (sscanf(line, "%255s %255s %255s", a, b, c) >= 2 && strcmp(a, "Z") == 0)
			name = b;
		else if (sscanf(line, "%255s %255s %255s", a, b, c) == 3 && strcmp(a, "L") == 0)
			name = c;
		if (name == NULL)
			continue;
		if (zl->n == cap) {
			cap = cap ? cap * 2 : 512;
			zl->names = realloc(zl->names, cap * sizeof(*zl->names));
			ck_assert_ptr_nonnull(zl->names);
		}
		zl->names[zl->n] = strdup(name);
		ck_assert_ptr_nonnull(zl->names[zl->n]);
		zl->n++;
	}
	fclose(fp);
}

static void
zone_list_free(struct zone_list *zl)
{
	size_t i;

	for (i = 0; i < zl->n; i++)
		free(zl->names[i]);
	free(zl->names);
}

#define MAX_TR 4096

static void
check_one_zone(const char *name, uint64_t seed)
{
	static int64_t ours[MAX_TR], theirs[MAX_TR];
	const int64_t from_s = utc_s(2020, 1, 1, 0, 0, 0), to_s = utc_s(2031, 1, 1, 0, 0, 0);
	const int64_t far_from_s = utc_s(2040, 1, 1, 0, 0, 0);
	const int64_t far_to_s = utc_s(2110, 1, 1, 0, 0, 0);
	char err[256] = "";
	struct tz *z = tz_load(name, err, sizeof(err));
	size_t nours, ntheirs, i, j;
	int k;

	EXPECT(z != NULL, "tz_load(%s): %s", name, err);
	glibc_zone(name);

	nours = tz_transitions(z, from_s, to_s, ours, MAX_TR);
	ntheirs = glibc_transitions(from_s, to_s, DAY_S, theirs, MAX_TR);
	for (i = j = 0; i < ntheirs; i++) {
		while (j < nours && ours[j] < theirs[i])
			j++;
		EXPECT(j < nours && ours[j] == theirs[i],
		    "%s: glibc has a transition at %lld that tz_next_transition skips",
		    name, (long long)theirs[i]);
	}
	for (i = 0; i < nours; i++) {
		EXPECT(glibc_off(ours[i] - 1) != glibc_off(ours[i]),
		    "%s: tz reports a transition at %lld that glibc does not have",
		    name, (long long)ours[i]);
		compare_at(z, name, ours[i] - 1);
		compare_at(z, name, ours[i]);
		compare_at(z, name, ours[i] + 1);
		check_resolve_near(z, name, ours, nours, i);
	}
	for (k = 0; k < 100; k++)
		compare_at(z, name,
		    from_s + (int64_t)(rand_next(&seed) % (uint64_t)(to_s - from_s)));

	/* The POSIX rule region, across the end of the precomputed table. */
	nours = tz_transitions(z, far_from_s, far_to_s, ours, MAX_TR);
	for (i = 0; i < nours; i++) {
		EXPECT(glibc_off(ours[i] - 1) != glibc_off(ours[i]),
		    "%s: tz reports a transition at %lld that glibc does not have",
		    name, (long long)ours[i]);
		compare_at(z, name, ours[i] - 1);
		compare_at(z, name, ours[i]);
	}
	for (k = 0; k < 100; k++)
		compare_at(z, name, far_from_s +
		    (int64_t)(rand_next(&seed) % (uint64_t)(far_to_s - far_from_s)));
	tz_free(z);
}

START_TEST(all_zones_match_glibc)
{
	struct zone_list zl;
	size_t i;

	unsetenv("TZDIR");
	zone_list_read(&zl);
	ck_assert_uint_ge(zl.n, 400);
	for (i = 0; i < zl.n; i++)
		check_one_zone(zl.names[i], 0x5eed0000 + i);
	zone_list_free(&zl);
}
END_TEST

/* ---- explicit gap / fold cases ---------------------------------------- */

static const struct {
	const char	*zone;
	int		 y, mo, d, h, mi, s;
	int		 n;
	int64_t		 t0, t1;
} resolve_cases[] = {
	/* Berlin: CET -> CEST 2026-03-29 01:00Z, CEST -> CET 2026-10-25 01:00Z */
	{ "Europe/Berlin", 2026, 3, 29, 1, 59, 59, 1, 1774745999, 0 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 0, 0, 0, 1774746000, 0 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 30, 0, 0, 1774746000, 0 },
	{ "Europe/Berlin", 2026, 3, 29, 2, 59, 59, 0, 1774746000, 0 },
	{ "Europe/Berlin", 2026, 3, 29, 3, 0, 0, 1, 1774746000, 0 },
	{ "Europe/Berlin", 2026, 10, 25, 1, 59, 59, 1, 1792886399, 0 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 0, 0, 2, 1792886400, 1792890000 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 30, 0, 2, 1792888200, 1792891800 },
	{ "Europe/Berlin", 2026, 10, 25, 2, 59, 59, 2, 1792889999, 1792893599 },
	{ "Europe/Berlin", 2026, 10, 25, 3, 0, 0, 1, 1792893600, 0 },
	/* New York: EST -> EDT 2026-03-08 07:00Z, EDT -> EST 2026-11-01 06:00Z */
	{ "America/New_York", 2026, 3, 8, 1, 59, 59, 1, 1772953199, 0 },
	{ "America/New_York", 2026, 3, 8, 2, 30, 0, 0, 1772953200, 0 },
	{ "America/New_York", 2026, 3, 8, 3, 0, 0, 1, 1772953200, 0 },
	{ "America/New_York", 2026, 11, 1, 0, 59, 59, 1, 1793509199, 0 },
	{ "America/New_York", 2026, 11, 1, 1, 0, 0, 2, 1793509200, 1793512800 },
	{ "America/New_York", 2026, 11, 1, 1, 30, 0, 2, 1793511000, 1793514600 },
	{ "America/New_York", 2026, 11, 1, 2, 0, 0, 1, 1793516400, 0 },
	/* Lord Howe: half-hour shifts, +11 -> +10:30 2026-04-04 15:00Z,
	 * +10:30 -> +11 2026-10-03 15:30Z */
	{ "Australia/Lord_Howe", 2026, 4, 5, 1, 29, 59, 1, 1775312999, 0 },
	{ "Australia/Lord_Howe", 2026, 4, 5, 1, 30, 0, 2, 1775313000, 1775314800 },
	{ "Australia/Lord_Howe", 2026, 4, 5, 1, 45, 0, 2, 1775313900, 1775315700 },
	{ "Australia/Lord_Howe", 2026, 4, 5, 2, 0, 0, 1, 1775316600, 0 },
	{ "Australia/Lord_Howe", 2026, 10, 4, 1, 59, 59, 1, 1791041399, 0 },
	{ "Australia/Lord_Howe", 2026, 10, 4, 2, 0, 0, 0, 1791041400, 0 },
	{ "Australia/Lord_Howe", 2026, 10, 4, 2, 15, 0, 0, 1791041400, 0 },
	{ "Australia/Lord_Howe", 2026, 10, 4, 2, 30, 0, 1, 1791041400, 0 },
	/* Offset changes without DST: Moscow +4 -> +3, Caracas -4:30 -> -4 */
	{ "Europe/Moscow", 2014, 10, 26, 1, 30, 0, 2, 1414272600, 1414276200 },
	{ "America/Caracas", 2016, 5, 1, 2, 45, 0, 0, 1462086000, 0 },
	/* Apia skipped 2011-12-30 entirely (-10 -> +14) */
	{ "Pacific/Apia", 2011, 12, 30, 12, 0, 0, 0, 1325239200, 0 },
	{ "Pacific/Apia", 2011, 12, 31, 0, 0, 0, 1, 1325239200, 0 },
	{ "UTC", 2026, 3, 29, 2, 30, 0, 1, 1774751400, 0 },
};

START_TEST(resolve_table)
{
	char err[256] = "";
	struct tz *z;
	struct tz_civil c;
	int64_t out[2] = { -1, -1 };
	int n;

	unsetenv("TZDIR");
	z = tz_load(resolve_cases[_i].zone, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s: %s", resolve_cases[_i].zone, err);
	memset(&c, 0, sizeof(c));
	c.year = resolve_cases[_i].y;
	c.mon = resolve_cases[_i].mo;
	c.mday = resolve_cases[_i].d;
	c.hour = resolve_cases[_i].h;
	c.min = resolve_cases[_i].mi;
	c.sec = resolve_cases[_i].s;
	n = tz_resolve(z, &c, out);
	ck_assert_msg(n == resolve_cases[_i].n, "%s %04d-%02d-%02d %02d:%02d:%02d: %d instants",
	    resolve_cases[_i].zone, c.year, c.mon, c.mday, c.hour, c.min, c.sec, n);
	ck_assert_int_eq(out[0], resolve_cases[_i].t0);
	if (n == 2)
		ck_assert_int_eq(out[1], resolve_cases[_i].t1);
	tz_free(z);
}
END_TEST

/* ---- next transition, formatting ------------------------------------- */

static const struct {
	const char	*zone;
	int64_t		 after_s, next_s;
} next_cases[] = {
	{ "Europe/Berlin", 1767225600, 1774746000 },	/* 2026-01-01 -> 03-29 */
	{ "Europe/Berlin", 1774745999, 1774746000 },
	{ "Europe/Berlin", 1774746000, 1792890000 },	/* strictly after */
	{ "America/New_York", 1772953200, 1793512800 },
	{ "Australia/Lord_Howe", 1775000000, 1775314800 },
	/* London 1968-10-27 changed isdst only: not an offset change */
	{ "Europe/London", -50025600, 57722400 },
	{ "UTC", 0, TZ_NO_TRANSITION },
	{ "Etc/GMT+5", 0, TZ_NO_TRANSITION },
	{ "Asia/Tokyo", 1767225600, TZ_NO_TRANSITION },
	{ "Asia/Kolkata", 1767225600, TZ_NO_TRANSITION },
	{ "Europe/Berlin", INT64_MAX, TZ_NO_TRANSITION },
};

START_TEST(next_transition_table)
{
	char err[256] = "";
	struct tz *z;

	unsetenv("TZDIR");
	z = tz_load(next_cases[_i].zone, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s: %s", next_cases[_i].zone, err);
	ck_assert_int_eq(tz_next_transition(z, next_cases[_i].after_s), next_cases[_i].next_s);
	tz_free(z);
}
END_TEST

static const struct {
	const char	*zone;
	int64_t		 t_s;
	const char	*iso;
} iso_cases[] = {
	{ "Europe/Berlin", 1774746000, "2026-03-29T03:00:00+02:00" },
	{ "Europe/Berlin", 1774745999, "2026-03-29T01:59:59+01:00" },
	{ "UTC", 1774746000, "2026-03-29T01:00:00+00:00" },
	{ "Etc/UTC", 0, "1970-01-01T00:00:00+00:00" },
	{ "America/New_York", 1793512800, "2026-11-01T01:00:00-05:00" },
	{ "America/St_Johns", 1767225600, "2025-12-31T20:30:00-03:30" },
	{ "Asia/Kolkata", 1767225600, "2026-01-01T05:30:00+05:30" },
	{ "Asia/Kathmandu", 1767225600, "2026-01-01T05:45:00+05:45" },
	{ "America/New_York", -2840140800, "1879-12-31T19:03:58-04:56:02" },
	{ "Europe/Berlin", 4102444800, "2100-01-01T01:00:00+01:00" },
	{ "Europe/Berlin", 4118083200, "2100-07-01T02:00:00+02:00" },
};

START_TEST(format_iso_table)
{
	char err[256] = "", buf[40];
	struct tz *z;

	unsetenv("TZDIR");
	z = tz_load(iso_cases[_i].zone, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s: %s", iso_cases[_i].zone, err);
	ck_assert_ptr_eq(tz_format_iso(z, iso_cases[_i].t_s, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, iso_cases[_i].iso);
	tz_free(z);
}
END_TEST

/* ---- calendar helpers -------------------------------------------------- */

START_TEST(days_round_trip)
{
	int y = -9999, m = 1, d = 1, yy, mm, dd, dow = 0;
	int64_t day = tz_days_from_civil(-9999, 1, 1), last = tz_days_from_civil(9999, 12, 31);
	struct tz_civil c;

	/* Known points. */
	ck_assert_int_eq(tz_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(tz_days_from_civil(1969, 12, 31), -1);
	ck_assert_int_eq(tz_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(tz_days_from_civil(2026, 3, 29), 20541);
	ck_assert_int_eq(tz_days_from_civil(0, 3, 1), -719468);
	ck_assert_int_eq(tz_days_in_month(1900, 2), 28);
	ck_assert_int_eq(tz_days_in_month(2000, 2), 29);
	ck_assert_int_eq(tz_days_in_month(2024, 2), 29);
	ck_assert_int_eq(tz_days_in_month(2100, 2), 28);
	ck_assert_int_eq(tz_days_in_month(-4, 2), 29);
	ck_assert_int_eq(tz_days_in_month(2026, 4), 30);
	ck_assert_int_eq(tz_days_in_month(2026, 12), 31);
	ck_assert_int_eq(tz_days_in_month(2026, 0), 0);
	ck_assert_int_eq(tz_days_in_month(2026, 13), 0);
	/* -9999-01-01 was a Monday (proleptic Gregorian). */
	tz_local(tz_utc(), day * DAY_S, &c);
	ck_assert_int_eq(c.wday, 1);
	dow = 1;
	/* Every day of 20 000 years, both directions, weekday and yday. */
	for (; day <= last; day++) {
		tz_civil_from_days(day, &yy, &mm, &dd);
		EXPECT(yy == y && mm == m && dd == d, "day %lld: %d-%d-%d, expected %d-%d-%d",
		    (long long)day, yy, mm, dd, y, m, d);
		EXPECT(tz_days_from_civil(y, m, d) == day, "%d-%d-%d", y, m, d);
		if (d == 1 || (day & 1023) == 0) {
			tz_local(tz_utc(), day * DAY_S + 43200, &c);
			EXPECT(c.wday == dow && c.year == y && c.mon == m && c.mday == d &&
			    c.hour == 12 && c.yday == (int)(day - tz_days_from_civil(y, 1, 1)),
			    "tz_local on day %lld", (long long)day);
		}
		dow = (dow + 1) % 7;
		if (++d > tz_days_in_month(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
}
END_TEST

/* A fresh directory below $TMPDIR (else /tmp) in dir[PATH_MAX]. */
static void
make_temp_dir(char *dir)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, PATH_MAX, "%s/check_tz.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
}

/* ---- names, loading ----------------------------------------------------- */

static const char *const refused_names[] = {
	"/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe/..", "..",
	"Europe//Berlin", "Europe/Berlin/", "./Europe/Berlin", ".hidden", "Europe/Ber lin",
	"Europe/Berlin\n", "Europe\\Berlin", "No/Such_Zone", "Europe", "Europe/Berlin;ls",
};

START_TEST(refused_name)
{
	char err[256] = "";
	struct tz *z;

	unsetenv("TZDIR");
	z = tz_load(refused_names[_i], err, sizeof(err));
	ck_assert_msg(z == NULL, "'%s' was loaded", refused_names[_i]);
	ck_assert_str_ne(err, "");
}
END_TEST

START_TEST(utc_and_names)
{
	char err[256] = "", dir[PATH_MAX];
	struct tz *z;
	struct tz_civil c;

	ck_assert_str_eq(tz_name(tz_utc()), "UTC");
	tz_free(tz_utc());
	tz_free(NULL);
	/* "UTC" needs no file: point TZDIR at an empty directory. */
	make_temp_dir(dir);
	ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
	z = tz_load("UTC", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_str_eq(tz_name(z), "UTC");
	tz_local(z, 1774746000, &c);
	ck_assert_int_eq(c.utoff_s, 0);
	ck_assert_int_eq(c.hour, 1);
	ck_assert_int_eq(tz_next_transition(z, 0), TZ_NO_TRANSITION);
	tz_free(z);
	ck_assert_ptr_null(tz_load("Europe/Berlin", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "Europe/Berlin"));
	rmdir(dir);
	unsetenv("TZDIR");
	z = tz_load("Europe/Berlin", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_str_eq(tz_name(z), "Europe/Berlin");
	tz_free(z);
}
END_TEST

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = malloc(1 << 20);

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

START_TEST(tzdir_honoured)
{
	char err[256] = "", dir[PATH_MAX], sub[PATH_MAX + 8], path[PATH_MAX + 16];
	unsigned char *buf;
	size_t len;
	FILE *fp;
	struct tz *z;
	struct tz_civil c;

	buf = slurp(ZONEINFO "/Europe/Berlin", &len);
	make_temp_dir(dir);
	snprintf(sub, sizeof(sub), "%s/Test", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/Test/Zone", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	ck_assert_int_eq(setenv("TZDIR", dir, 1), 0);
	z = tz_load("Test/Zone", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_str_eq(tz_name(z), "Test/Zone");
	tz_local(z, utc_s(2026, 7, 1, 0, 0, 0), &c);
	ck_assert_int_eq(c.utoff_s, 7200);
	tz_free(z);
	/* A directory is not a zone. */
	ck_assert_ptr_null(tz_load("Test", err, sizeof(err)));
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	unsetenv("TZDIR");
	free(buf);
}
END_TEST

START_TEST(system_zone)
{
	char err[256] = "", target[PATH_MAX], expect[PATH_MAX] = "localtime", *p, *q;
	ssize_t r;
	struct tz *z;
	int64_t t;
	int i;

	unsetenv("TZDIR");
	if (access("/etc/localtime", R_OK) != 0)
		snprintf(expect, sizeof(expect), "UTC");
	else if ((r = readlink("/etc/localtime", target, sizeof(target) - 1)) > 0) {
		target[r] = '\0';
		for (p = NULL, q = target; (q = strstr(q, "zoneinfo/")) != NULL; q++)
			p = q + strlen("zoneinfo/");
		if (p != NULL)
			snprintf(expect, sizeof(expect), "%s", p);
	}
	for (i = 0; i < 2; i++) {
		z = tz_load(i == 0 ? NULL : "", err, sizeof(err));
		ck_assert_msg(z != NULL, "%s", err);
		ck_assert_str_eq(tz_name(z), expect);
		/* glibc without TZ reads /etc/localtime too. */
		unsetenv("TZ");
		tzset();
		for (t = utc_s(2020, 1, 1, 0, 0, 0); t < utc_s(2031, 1, 1, 0, 0, 0);
		    t += 7 * DAY_S + 3601)
			compare_at(z, "system zone", t);
		tz_free(z);
	}
}
END_TEST

/* ---- synthetic TZif data ------------------------------------------------ */

struct syn {
	char		 version;	/* 0 (version 1 only), '2', '3' */
	int		 ntimes;
	const int64_t	*times;
	const unsigned char *idx;
	int		 ntypes;
	const int32_t	*offs;
	const unsigned char *isdst;
	const char	*footer;	/* version 2+: NULL writes an empty one */
	int		 leapcnt;
};

static unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

static unsigned char *
put_block(unsigned char *p, const struct syn *s, int tbytes)
{
	int i;

	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)s->version;
	memset(p + 5, 0, 15);
	p += 20;
	p = put32(p, 0);		/* isutcnt */
	p = put32(p, 0);		/* isstdcnt */
	p = put32(p, (uint32_t)s->leapcnt);
	p = put32(p, (uint32_t)s->ntimes);
	p = put32(p, (uint32_t)s->ntypes);
	p = put32(p, 4);		/* charcnt: "ABC\0" */
	for (i = 0; i < s->ntimes; i++) {
		if (tbytes == 8)
			p = put32(p, (uint32_t)((uint64_t)s->times[i] >> 32));
		p = put32(p, (uint32_t)s->times[i]);
	}
	for (i = 0; i < s->ntimes; i++)
		*p++ = s->idx[i];
	for (i = 0; i < s->ntypes; i++) {
		p = put32(p, (uint32_t)s->offs[i]);
		*p++ = s->isdst != NULL ? s->isdst[i] : 0;
		*p++ = 0;
	}
	memcpy(p, "ABC", 4);
	p += 4;
	for (i = 0; i < s->leapcnt; i++) {
		if (tbytes == 8)
			p = put32(p, 0);
		p = put32(p, (uint32_t)(78796800 + i));
		p = put32(p, (uint32_t)(i + 1));
	}
	return p;
}

/* Writes a TZif image into buf (4096 bytes); returns its length. */
static size_t
build_tzif(const struct syn *s, unsigned char *buf)
{
	unsigned char *p = put_block(buf, s, 4);

	if (s->version != 0) {
		p = put_block(p, s, 8);
		p += sprintf((char *)p, "\n%s\n", s->footer != NULL ? s->footer : "");
	}
	ck_assert_int_lt(p - buf, 4096);
	return (size_t)(p - buf);
}

static struct tz *
syn_parse(const struct syn *s, char *err, size_t errlen)
{
	unsigned char buf[4096];
	size_t len = build_tzif(s, buf);

	return tz_parse("Synthetic", buf, len, err, errlen);
}

/* A zone with LMT until 1990, then footer S. */
static struct tz *
zone_with_footer(const char *footer, char *err, size_t errlen)
{
	static const int64_t times[] = { 631152000 };
	static const unsigned char idx[] = { 1 };
	int32_t offs[2] = { 1234, 0 };
	struct syn s = { '2', 1, times, idx, 2, offs, NULL, footer, 0 };

	/* From the last transition on, the footer alone decides: the offset of
	 * type 1 does not matter. */
	return syn_parse(&s, err, errlen);
}

/* Footer rules compared with glibc's reading of the same TZ string. */
static const char *const glibc_footers[] = {
	"<-03>3<-02>,M3.2.0,M11.1.0",
	"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
	"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
	"<+0330>-3:30<+0430>,J79/24,J263/24",
	"<+03>-3<+04>,59/2,299/2",
	"<+03>-3<+04>,J60/2,J300/2",
	"<+01>-1<+00>,M10.5.0,M3.5.0/1",
	"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
	"<-04>4<-03>,M9.1.6/24,M4.1.6/24",
	"<+02>-2<+03>,M3.4.4/50,M10.4.4/50",
	"<-05>5<-04>,M3.2.0/-100,M11.1.0/100",
	"<+0530>-5:30",
	"<-0130>1:30<-0030>0:30,M3.5.0,M10.5.0",
	"<-03>3<-02>,J100/2,J100/3",	/* DST of zero length */
};

START_TEST(footer_rules_match_glibc)
{
	char err[256] = "", what[128];
	struct tz *z;
	int64_t at[512], t;
	size_t n, i;
	uint64_t seed = 42;
	int k;

	z = zone_with_footer(glibc_footers[_i], err, sizeof(err));
	ck_assert_msg(z != NULL, "%s: %s", glibc_footers[_i], err);
	snprintf(what, sizeof(what), "footer %s", glibc_footers[_i]);
	glibc_zone(glibc_footers[_i]);
	n = tz_transitions(z, utc_s(1995, 1, 1, 0, 0, 0), utc_s(2120, 1, 1, 0, 0, 0), at, 512);
	for (i = 0; i < n; i++) {
		compare_at(z, what, at[i] - 1);
		compare_at(z, what, at[i]);
		EXPECT(glibc_off(at[i] - 1) != glibc_off(at[i]), "%s: no change at %lld",
		    what, (long long)at[i]);
		if (at[i] < utc_s(2031, 1, 1, 0, 0, 0))
			check_resolve_near(z, what, at, n, i);
	}
	for (k = 0; k < 2000; k++) {
		t = utc_s(1995, 1, 1, 0, 0, 0) +
		    (int64_t)(rand_next(&seed) % (125ULL * 365 * DAY_S));
		compare_at(z, what, t);
	}
	/* Far beyond the table: year 5000. */
	for (k = 0; k < 200; k++) {
		t = utc_s(5000, 1, 1, 0, 0, 0) + (int64_t)(rand_next(&seed) % (3ULL * 365 * DAY_S));
		compare_at(z, what, t);
	}
	tz_free(z);
}
END_TEST

START_TEST(footer_rules_explicit)
{
	char err[256] = "";
	struct tz *z;
	struct tz_civil c;
	int64_t t, out[2];

	/* Daylight saving all year (RFC 8536 3.3.1): -4 always, no transitions. */
	z = zone_with_footer("<-05>5<-04>,0/0,J365/25", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	for (t = utc_s(1991, 1, 1, 0, 0, 0); t < utc_s(2200, 1, 1, 0, 0, 0);
	    t += 86400 * 7 + 3599) {
		tz_local(z, t, &c);
		EXPECT(c.utoff_s == -4 * 3600, "all-year DST at %lld: %d", (long long)t, c.utoff_s);
	}
	tz_local(z, utc_s(2150, 1, 1, 2, 0, 0), &c);
	ck_assert_int_eq(c.utoff_s, -4 * 3600);
	ck_assert_int_eq(tz_next_transition(z, utc_s(1995, 1, 1, 0, 0, 0)), TZ_NO_TRANSITION);
	ck_assert_int_eq(tz_next_transition(z, utc_s(2150, 1, 1, 0, 0, 0)), TZ_NO_TRANSITION);
	tz_free(z);

	/* DST without rules: the US rules. */
	z = zone_with_footer("XXX3YYY", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_int_eq(tz_next_transition(z, utc_s(2030, 1, 1, 0, 0, 0)),
	    utc_s(2030, 3, 10, 5, 0, 0));
	ck_assert_int_eq(tz_next_transition(z, utc_s(2030, 3, 10, 5, 0, 0)),
	    utc_s(2030, 11, 3, 4, 0, 0));
	ck_assert_int_eq(tz_next_transition(z, utc_s(2230, 1, 1, 0, 0, 0)),
	    utc_s(2230, 3, 14, 5, 0, 0));
	tz_free(z);

	/* A rule whose changes cross New Year: 2005 ends on Saturday
	 * December 31 at 24:00 (+06) = 18:00Z, 2006 starts on Sunday January 1
	 * at 00:00 (+05) = 19:00Z. glibc computes only the rules of the UTC
	 * year and misses the second one, so this case is explicit. */
	z = zone_with_footer("<+05>-5<+06>,M1.1.0/0,M12.5.6/24", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_int_eq(tz_next_transition(z, utc_s(2005, 12, 31, 12, 0, 0)),
	    utc_s(2005, 12, 31, 18, 0, 0));
	ck_assert_int_eq(tz_next_transition(z, utc_s(2005, 12, 31, 18, 0, 0)),
	    utc_s(2005, 12, 31, 19, 0, 0));
	tz_local(z, utc_s(2005, 12, 31, 18, 30, 0), &c);
	ck_assert_int_eq(c.utoff_s, 5 * 3600);
	ck_assert_int_eq(c.hour, 23);
	tz_local(z, utc_s(2005, 12, 31, 19, 0, 0), &c);
	ck_assert_int_eq(c.utoff_s, 6 * 3600);
	ck_assert_int_eq(c.year, 2006);
	ck_assert_int_eq(c.hour, 1);
	civil_of_local(utc_s(2006, 1, 1, 0, 30, 0), &c);
	ck_assert_int_eq(tz_resolve(z, &c, out), 0);
	ck_assert_int_eq(out[0], utc_s(2005, 12, 31, 19, 0, 0));
	civil_of_local(utc_s(2005, 12, 31, 23, 30, 0), &c);
	ck_assert_int_eq(tz_resolve(z, &c, out), 2);
	ck_assert_int_eq(out[0], utc_s(2005, 12, 31, 17, 30, 0));
	ck_assert_int_eq(out[1], utc_s(2005, 12, 31, 18, 30, 0));
	/* The same in the per-call region beyond the table. */
	ck_assert_int_eq(tz_next_transition(z, utc_s(2405, 12, 31, 0, 0, 0)),
	    utc_s(2405, 12, 31, 18, 0, 0));
	tz_free(z);

	/* Standard time only: constant after the last transition. */
	z = zone_with_footer("<+0530>-5:30", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	tz_local(z, utc_s(2026, 6, 1, 0, 0, 0), &c);
	ck_assert_int_eq(c.utoff_s, 5 * 3600 + 1800);
	ck_assert_int_eq(tz_next_transition(z, utc_s(1980, 1, 1, 0, 0, 0)), 631152000);
	ck_assert_int_eq(tz_next_transition(z, 631152000), TZ_NO_TRANSITION);
	tz_free(z);
}
END_TEST

START_TEST(synthetic_transitions)
{
	static const int64_t T0 = 1000000000;
	char err[256] = "";
	struct tz *z;
	struct tz_civil c;
	int64_t out[2];

	{
		/* Two forward jumps 30 minutes apart: 0 -> +1h -> +2h. */
		const int64_t times[] = { T0, T0 + 1800 };
		const unsigned char idx[] = { 1, 2 };
		const int32_t offs[] = { 0, 3600, 7200 };
		struct syn s = { '2', 2, times, idx, 3, offs, NULL, NULL, 0 };

		z = syn_parse(&s, err, sizeof(err));
		ck_assert_msg(z != NULL, "%s", err);
		civil_of_local(T0 + 1000, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 0);
		ck_assert_int_eq(out[0], T0);
		civil_of_local(T0 + 4000, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 1);
		ck_assert_int_eq(out[0], T0 + 400);
		civil_of_local(T0 + 6000, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 0);
		ck_assert_int_eq(out[0], T0 + 1800);
		civil_of_local(T0 + 9000, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 1);
		ck_assert_int_eq(out[0], T0 + 1800);
		ck_assert_int_eq(tz_next_transition(z, T0), T0 + 1800);
		ck_assert_int_eq(tz_next_transition(z, T0 + 1800), TZ_NO_TRANSITION);
		tz_free(z);
	}
	{
		/* Two backward jumps: +2h -> +1h -> 0; a local time shown three
		 * times reports the first and the last instant. */
		const int64_t times[] = { T0, T0 + 1800 };
		const unsigned char idx[] = { 1, 2 };
		const int32_t offs[] = { 7200, 3600, 0 };
		struct syn s = { '3', 2, times, idx, 3, offs, NULL, "", 0 };

		z = syn_parse(&s, err, sizeof(err));
		ck_assert_msg(z != NULL, "%s", err);
		civil_of_local(T0 + 4000, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 2);
		ck_assert_int_eq(out[0], T0 - 3200);
		ck_assert_int_eq(out[1], T0 + 4000);
		civil_of_local(T0 + 6000, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 2);
		ck_assert_int_eq(out[0], T0 - 1200);
		ck_assert_int_eq(out[1], T0 + 6000);
		tz_free(z);
	}
	{
		/* A change of isdst and abbreviation only is no transition. */
		const int64_t times[] = { T0, T0 + 100000, T0 + 200000 };
		const unsigned char idx[] = { 1, 2, 0 };
		const int32_t offs[] = { 0, 3600, 3600 };
		const unsigned char isdst[] = { 0, 1, 0 };
		struct syn s = { '2', 3, times, idx, 3, offs, isdst, NULL, 0 };

		z = syn_parse(&s, err, sizeof(err));
		ck_assert_msg(z != NULL, "%s", err);
		ck_assert_int_eq(tz_next_transition(z, T0 - 1), T0);
		ck_assert_int_eq(tz_next_transition(z, T0), T0 + 200000);
		civil_of_local(T0 + 150000 + 3600, &c);
		ck_assert_int_eq(tz_resolve(z, &c, out), 1);
		ck_assert_int_eq(out[0], T0 + 150000);
		tz_free(z);
	}
	{
		/* Version 1 only: 32-bit data, no footer; the last type holds. */
		const int64_t times[] = { -100000, T0 };
		const unsigned char idx[] = { 1, 0 };
		const int32_t offs[] = { -18000, -14400 };
		struct syn s = { 0, 2, times, idx, 2, offs, NULL, NULL, 0 };

		z = syn_parse(&s, err, sizeof(err));
		ck_assert_msg(z != NULL, "%s", err);
		tz_local(z, -200000, &c);
		ck_assert_int_eq(c.utoff_s, -18000);
		tz_local(z, 0, &c);
		ck_assert_int_eq(c.utoff_s, -14400);
		tz_local(z, utc_s(2090, 7, 1, 0, 0, 0), &c);
		ck_assert_int_eq(c.utoff_s, -18000);
		ck_assert_int_eq(tz_next_transition(z, T0), TZ_NO_TRANSITION);
		tz_free(z);
	}
}
END_TEST

/* Out-of-range input is clamped, never overflows (UBSan watches) and
 * never loops: far years, extreme instants, a zone that is all rule. */
START_TEST(extremes)
{
	static const int years[] = {
		INT_MIN, -2000000000, -40000000, 40000000, 2000000000, INT_MAX,
	};
	const char *const names[] = { "Europe/Berlin", "Australia/Lord_Howe", "UTC" };
	static const unsigned char idx[] = { 0 };
	static const int32_t offs[] = { 3600 };
	struct syn rule_only = {
		'2', 0, NULL, idx, 1, offs, NULL, "CET-1CEST,M3.5.0,M10.5.0/3", 0,
	};
	char err[256] = "", buf[48];
	struct tz *z;
	struct tz_civil c;
	int64_t out[2];
	size_t i, k;

	unsetenv("TZDIR");
	for (i = 0; i < 4; i++) {
		if (i < 3)
			z = tz_load(names[i], err, sizeof(err));
		else
			z = syn_parse(&rule_only, err, sizeof(err));
		ck_assert_msg(z != NULL, "%s", err);
		tz_local(z, INT64_MAX, &c);
		ck_assert_int_gt(c.year, 30000000);
		tz_local(z, INT64_MIN, &c);
		ck_assert_int_lt(c.year, -30000000);
		tz_format_iso(z, INT64_MIN, buf, sizeof(buf));
		ck_assert_int_eq(buf[0], '-');
		ck_assert_int_eq(tz_next_transition(z, INT64_MAX), TZ_NO_TRANSITION);
		ck_assert_int_eq(tz_next_transition(z, INT64_MAX - 5), TZ_NO_TRANSITION);
		if (i != 2)
			ck_assert_int_gt(tz_next_transition(z, INT64_MIN), INT64_MIN);
		for (k = 0; k < sizeof(years) / sizeof(years[0]); k++) {
			memset(&c, 0, sizeof(c));
			c.year = years[k];
			c.mon = 7;
			c.mday = 1;
			ck_assert_int_le(tz_resolve(z, &c, out), 2);
		}
		tz_free(z);
	}
	/* The zone that is all rule agrees with Berlin's table. */
	z = syn_parse(&rule_only, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_int_eq(tz_next_transition(z, 1767225600), 1774746000);
	tz_local(z, 1774746000, &c);
	ck_assert_int_eq(c.utoff_s, 7200);
	tz_free(z);
}
END_TEST

START_TEST(truncated_real_file)
{
	char err[256];
	unsigned char *buf;
	size_t len, cut;
	struct tz *z;

	buf = slurp(ZONEINFO "/Europe/Berlin", &len);
	ck_assert_uint_gt(len, 100);
	z = tz_parse("Europe/Berlin", buf, len, err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	tz_free(z);
	for (cut = 0; cut < len; cut++) {
		err[0] = '\0';
		z = tz_parse("Europe/Berlin", buf, cut, err, sizeof(err));
		EXPECT(z == NULL, "accepted %zu of %zu bytes", cut, len);
		EXPECT(err[0] != '\0', "no message at %zu bytes", cut);
	}
	ck_assert_ptr_null(tz_parse("x", NULL, 0, err, sizeof(err)));
	free(buf);
}
END_TEST

/* Damaged data must never crash (ASan watches) and must explain a refusal. */
START_TEST(garbage_never_crashes)
{
	char err[256];
	unsigned char *buf, *copy, rnd[512];
	size_t len, i, k, rlen;
	uint64_t seed = 7;
	struct tz *z;

	buf = slurp(ZONEINFO "/America/Sao_Paulo", &len);
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	for (i = 0; i < len; i++) {
		for (k = 0; k < 3; k++) {
			static const unsigned char flips[] = { 0x01, 0x80, 0xff };

			memcpy(copy, buf, len);
			copy[i] ^= flips[k];
			err[0] = '\0';
			z = tz_parse("flipped", copy, len, err, sizeof(err));
			EXPECT(z != NULL || err[0] != '\0', "no message, byte %zu", i);
			if (z != NULL) {
				struct tz_civil c;
				int64_t out[2];

				tz_local(z, 1774746000, &c);
				tz_resolve(z, &c, out);
				tz_next_transition(z, 1774746000);
				tz_local(z, INT64_MIN, &c);
				tz_local(z, INT64_MAX, &c);
			}
			tz_free(z);
		}
	}
	for (k = 0; k < 3000; k++) {
		rlen = (size_t)(rand_next(&seed) % sizeof(rnd));
		for (i = 0; i < rlen; i++)
			rnd[i] = (unsigned char)rand_next(&seed);
		if (rlen >= 44 && k % 2 == 0) {
			memcpy(rnd, "TZif2", 5);
			for (i = 20; i < 44; i++)	/* small counts */
				rnd[i] = (i % 4 == 3) ? rnd[i] % 8 : 0;
		}
		err[0] = '\0';
		z = tz_parse("random", rnd, rlen, err, sizeof(err));
		EXPECT(z != NULL || err[0] != '\0', "no message for random input %zu", k);
		tz_free(z);
	}
	free(copy);
	free(buf);
}
END_TEST

static const char *const bad_footers[] = {
	"CET-1CEST,M3.5.0", "AB-1", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
	"CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,J0,J365", "CET-1CEST,366,J365", "CET25",
	"CET-1CEST,M3.5.0/168,M10.5.0", "<AB>1", "<ABC1", "CET-1:60", "CET-1CEST,M3.5.0,M10.5.0x",
	"CET-1CEST,M3.5.0,M10.5.0/", "CET", "CET-1CEST,M3.5.0,,M10.5.0", "-1", "CET-1 ",
	"CET-1CEST-25,M3.5.0,M10.5.0", "CET-1:5", "CET-1CEST,M3.5.0/1:2,M10.5.0",
	"CET-0001", "CET-1CEST,M03.5.0x,M10.5.0",
	"XXX5YYY,J365/25,J1/0",		/* years overlap */
	"XXX5YYY,M1.1.1/0,M12.5.0/167",	/* overlap in some years */
	"XXX3YYY,M6.1.0,M6.1.1",	/* ends before it starts in some years */
};

START_TEST(bad_footer_refused)
{
	static const int64_t times[] = { 631152000 };
	static const unsigned char idx[] = { 0 };
	static const int32_t offs[] = { 3600 };
	struct syn s = { '2', 1, times, idx, 1, offs, NULL, bad_footers[_i], 0 };
	char err[256] = "";

	ck_assert_msg(syn_parse(&s, err, sizeof(err)) == NULL, "footer '%s' accepted",
	    bad_footers[_i]);
	ck_assert_ptr_nonnull(strstr(err, "rule"));
}
END_TEST

START_TEST(bad_headers_refused)
{
	const int64_t times[] = { 100, 200 }, same[] = { 100, 100 }, down[] = { 200, 100 };
	const unsigned char idx[] = { 0, 1 }, bad_idx[] = { 0, 2 };
	const int32_t offs[] = { 0, 3600 }, huge[] = { 0, 100000 };
	const unsigned char bad_dst[] = { 0, 2 };
	const struct syn cases[] = {
		{ '2', 2, times, bad_idx, 2, offs, NULL, NULL, 0 },
		{ '2', 2, same, idx, 2, offs, NULL, NULL, 0 },
		{ '2', 2, down, idx, 2, offs, NULL, NULL, 0 },
		{ '2', 2, times, idx, 2, huge, NULL, NULL, 0 },
		{ '2', 2, times, idx, 2, offs, bad_dst, NULL, 0 },
		{ '2', 2, times, idx, 2, offs, NULL, NULL, 1 },	/* leap seconds */
		{ 0, 2, times, idx, 2, offs, NULL, NULL, 1 },
		{ '2', 0, times, idx, 0, offs, NULL, NULL, 0 },	/* no types */
		{ '1', 2, times, idx, 2, offs, NULL, NULL, 0 },	/* no such version */
	};
	unsigned char buf[4096];
	char err[256];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		len = build_tzif(&cases[i], buf);
		ck_assert_msg(tz_parse("bad", buf, len, err, sizeof(err)) == NULL, "case %zu", i);
		ck_assert_msg(err[0] != '\0', "case %zu: no message", i);
	}
	/* Bad magic; a count too large for the data. */
	len = build_tzif(&cases[0], buf);
	buf[0] = 'X';
	ck_assert_ptr_null(tz_parse("bad", buf, len, err, sizeof(err)));
	len = build_tzif(&cases[0], buf);
	put32(buf + 32, 0xffffffffu);
	ck_assert_ptr_null(tz_parse("bad", buf, len, err, sizeof(err)));
	len = build_tzif(&cases[0], buf);
	put32(buf + 40, 0);	/* charcnt 0 in the v1 block shifts the v2 header */
	ck_assert_ptr_null(tz_parse("bad", buf, len, err, sizeof(err)));
	/* right/ zones are refused by name too when installed. */
	if (access(ZONEINFO "/right/UTC", R_OK) == 0) {
		unsetenv("TZDIR");
		ck_assert_ptr_null(tz_load("right/UTC", err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, "leap"));
	}
}
END_TEST

Suite *
tz_suite(void)
{
	Suite *s = suite_create("tz");
	TCase *tc;

	tc = tcase_create("all_zones");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, all_zones_match_glibc);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, footer_rules_match_glibc, 0,
	    (int)(sizeof(glibc_footers) / sizeof(glibc_footers[0])));
	tcase_add_test(tc, footer_rules_explicit);
	tcase_add_test(tc, synthetic_transitions);
	suite_add_tcase(s, tc);

	tc = tcase_create("conversions");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, resolve_table, 0,
	    (int)(sizeof(resolve_cases) / sizeof(resolve_cases[0])));
	tcase_add_loop_test(tc, next_transition_table, 0,
	    (int)(sizeof(next_cases) / sizeof(next_cases[0])));
	tcase_add_loop_test(tc, format_iso_table, 0,
	    (int)(sizeof(iso_cases) / sizeof(iso_cases[0])));
	tcase_add_test(tc, days_round_trip);
	tcase_add_test(tc, extremes);
	suite_add_tcase(s, tc);

	tc = tcase_create("loading");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, refused_name, 0,
	    (int)(sizeof(refused_names) / sizeof(refused_names[0])));
	tcase_add_test(tc, utc_and_names);
	tcase_add_test(tc, tzdir_honoured);
	tcase_add_test(tc, system_zone);
	tcase_add_test(tc, truncated_real_file);
	tcase_add_test(tc, garbage_never_crashes);
	tcase_add_loop_test(tc, bad_footer_refused, 0,
	    (int)(sizeof(bad_footers) / sizeof(bad_footers[0])));
	tcase_add_test(tc, bad_headers_refused);
	suite_add_tcase(s, tc);
	return s;
}
