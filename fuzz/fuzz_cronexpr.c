/*
 * fuzz_cronexpr: cronexpr_parse on arbitrary text; for calendar schedules,
 * successive cronexpr_next results in four zones, checked against SPEC §2
 * by a field matcher and a brute-force search written here independently
 * of cronexpr.c (own calendar arithmetic, instant-by-stretch walk). Input:
 * the expression, then optionally a newline and the start instant as
 * decimal Unix seconds, or as raw bytes (see start_of).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cronexpr.h"
#include "fuzz.h"
#include "tz.h"

#define DAY_S		INT64_C(86400)
/* SPEC §2 as cronexpr.h states it: nothing past the end of year 9999. */
#define MAX_S		INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define MIN_S		INT64_C(-62135596800)	/* 0001-01-01T00:00:00Z */
/* Starts without a given instant: the day before Berlin's 2026 gap. */
#define DEFAULT_START_S	INT64_C(1774699200)	/* 2026-03-28T12:00:00Z */
/* Raw starts fall in 1900 .. 2200. */
#define RAW_BASE_S	INT64_C(-2208988800)
#define RAW_SPAN_S	(INT64_C(7258118400) - RAW_BASE_S)
/* Folds in the zones used here are far shorter than this. */
#define FOLD_WINDOW_S	(2 * DAY_S)

#define NRESULTS	6
#define ORACLE_STEPS	4000	/* per oracle search */
#define EXEC_STEPS	60000	/* per input, all searches together */

/* Results of the reference searches besides an instant or local time. */
#define REF_NONE	INT64_MAX	/* nothing in the range searched */
#define REF_GIVEUP	INT64_MIN	/* out of steps: no verdict */

static const char *const zone_names[] = {
	"UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/New_York",
};
#define NZONES (sizeof(zone_names) / sizeof(zone_names[0]))
static struct tz *zones[NZONES];

/* ---- reference calendar (proleptic Gregorian, own arithmetic) ---- */

struct civ {
	int	year, mon, mday, hour, min, sec, wday, yday;
};

/* Days from 1970-01-01 to Y-M-D: count whole years from a 400-year era
 * boundary (146097 days each), then the days before month M. */
static int64_t
days_of(int64_t y, int m, int d)
{
	int64_t era = floor_div(y, 400), yoe = y - era * 400, days;
	int i;

	/* Years 0 .. yoe-1 of the era; year 0 of an era is a leap year. */
	days = era * 146097 + yoe * 365 + (yoe + 3) / 4 - (yoe + 99) / 100 + (yoe > 0);
	for (i = 1; i < m; i++)
		days += month_days(y, i);
	/* 0000-01-01 is 719528 days before 1970-01-01. */
	return days + d - 1 - 719528;
}

static void
date_of(int64_t days, int *y, int *m, int *d)
{
	int64_t yy = 1970 + floor_div(days * 400, 146097), doy;
	int mm = 1;

	while (days_of(yy, 1, 1) > days)
		yy--;
	while (days_of(yy + 1, 1, 1) <= days)
		yy++;
	doy = days - days_of(yy, 1, 1);
	while (doy >= month_days(yy, mm))
		doy -= month_days(yy, mm++);
	*y = (int)yy;
	*m = mm;
	*d = (int)doy + 1;
}

/* Civil fields of a local time given as seconds since 1970-01-01 00:00. */
static void
civ_of(int64_t l, struct civ *c)
{
	int64_t days = floor_div(l, DAY_S);
	int sod = (int)(l - days * DAY_S);

	date_of(days, &c->year, &c->mon, &c->mday);
	c->hour = sod / 3600;
	c->min = sod / 60 % 60;
	c->sec = sod % 60;
	c->wday = (int)(days - 7 * floor_div(days + 4, 7) + 4);	/* 1970-01-01: Thu */
	c->yday = (int)(days - days_of(c->year, 1, 1));
}

/* ---- reference matcher over struct cronexpr ---- */

/* Weekday of day N of the month in which day D is weekday WD. */
static int
wday_of_day(int n, int d, int wd)
{
	return ((wd + n - d) % 7 + 7) % 7;
}

static bool
day_matches(const struct cronexpr *ce, const struct civ *c)
{
	int dim = month_days(c->year, c->mon), d = c->mday, n, wd, t;
	bool dom = ce->dom >> d & 1, dow = ce->dow >> c->wday & 1;

	if (ce->dom_last && d == dim)
		dom = true;
	if (ce->dom_last_w) {
		wd = wday_of_day(dim, d, c->wday);
		t = wd == 6 ? dim - 1 : wd == 0 ? dim - 2 : dim;
		if (d == t)
			dom = true;
	}
	for (n = 1; n <= dim; n++) {
		if ((ce->dom_w >> n & 1) == 0)
			continue;
		/* The weekday nearest day n without leaving the month. */
		wd = wday_of_day(n, d, c->wday);
		t = n;
		if (wd == 6)
			t = n == 1 ? 3 : n - 1;
		else if (wd == 0)
			t = n == dim ? n - 2 : n + 1;
		if (d == t)
			dom = true;
	}
	if ((ce->dow_last >> c->wday & 1) && d + 7 > dim)
		dow = true;
	if (ce->dow_nth[c->wday] >> ((d - 1) / 7 + 1) & 1)
		dow = true;
	/* Vixie cron: either field when both are restricted, else both. */
	return ce->dom_star || ce->dow_star ? dom && dow : dom || dow;
}

static bool
matches(const struct cronexpr *ce, const struct civ *c)
{
	return (ce->mon >> c->mon & 1) && day_matches(ce, c) && (ce->hour >> c->hour & 1) &&
	    (ce->min >> c->min & 1) && (ce->sec >> c->sec & 1);
}

/* The least set bit of MASK above bit N, or -1. */
static int
next_bit(uint64_t mask, int n)
{
	mask = n >= 63 ? 0 : mask & ~((UINT64_C(2) << n) - 1);
	return mask == 0 ? -1 : __builtin_ctzll(mask);
}

/*
 * The least local time in [from, to) whose fields match, REF_NONE, or
 * REF_GIVEUP when *steps runs out. Skips whole months, days, hours and
 * minutes that cannot match.
 */
static int64_t
first_match(const struct cronexpr *ce, int64_t from, int64_t to, long *steps)
{
	struct civ c;
	int64_t l = from, day0;
	int b;

	while (l < to) {
		if (--*steps < 0)
			return REF_GIVEUP;
		civ_of(l, &c);
		day0 = floor_div(l, DAY_S) * DAY_S;
		if ((ce->mon >> c.mon & 1) == 0)
			l = days_of(c.mon == 12 ? c.year + 1 : c.year, c.mon % 12 + 1, 1) * DAY_S;
		else if (!day_matches(ce, &c))
			l = day0 + DAY_S;
		else if ((ce->hour >> c.hour & 1) == 0)
			l = (b = next_bit(ce->hour, c.hour)) < 0 || b > 23 ? day0 + DAY_S :
			    day0 + b * 3600;
		else if ((ce->min >> c.min & 1) == 0)
			l = (b = next_bit(ce->min, c.min)) < 0 || b > 59 ?
			    day0 + (c.hour + 1) * 3600 : day0 + c.hour * 3600 + b * 60;
		else if ((ce->sec >> c.sec & 1) == 0)
			l = (b = next_bit(ce->sec, c.sec)) < 0 || b > 59 ?
			    day0 + c.hour * 3600 + (c.min + 1) * 60 :
			    day0 + c.hour * 3600 + c.min * 60 + b;
		else
			return l;
	}
	return REF_NONE;
}

/* ---- reference next fire time ---- */

static int32_t
offset_at(const struct tz *zone, int64_t t)
{
	struct tz_civil c;

	tz_local(zone, t, &c);
	return c.utoff_s;
}

/* The latest local time shown at or before instant T. */
static int64_t
lmax_at(const struct tz *zone, int64_t t)
{
	int64_t lmax = t + offset_at(zone, t), tr, l;

	for (tr = tz_next_transition(zone, t - FOLD_WINDOW_S); tr <= t;
	    tr = tz_next_transition(zone, tr)) {
		l = tr - 1 + offset_at(zone, tr - 1);
		if (l > lmax)
			lmax = l;
	}
	return lmax;
}

/*
 * SPEC §2 restated as a walk over the zone's stretches of constant offset
 * from AFTER on. Periodic: the first instant whose local time matches.
 * Fixed-time: local time L fires at the first instant whose local time is
 * L or later, so an instant x fires when some matching L lies above every
 * local time shown before x and at or below x's own. Returns the instant,
 * REF_NONE (nothing up to MAX_S plus a margin) or REF_GIVEUP.
 */
static int64_t
oracle_next(const struct cronexpr *ce, const struct tz *zone, int64_t after, long *steps)
{
	int64_t x = after + 1, lmax = lmax_at(zone, after), tr, lx, from, end, m;
	int32_t off;

	while (x <= MAX_S + FOLD_WINDOW_S) {
		if (--*steps < 0)
			return REF_GIVEUP;
		off = offset_at(zone, x);
		tr = tz_next_transition(zone, x);
		lx = x + off;
		from = lx;
		if (!ce->periodic) {
			/* Local times skipped by a gap just before x fire at x. */
			if (lx > lmax + 1) {
				m = first_match(ce, lmax + 1, lx, steps);
				if (m == REF_GIVEUP)
					return REF_GIVEUP;
				if (m != REF_NONE)
					return x;
			}
			if (from < lmax + 1)
				from = lmax + 1;
		}
		end = tr == TZ_NO_TRANSITION || tr > MAX_S + FOLD_WINDOW_S ?
		    MAX_S + FOLD_WINDOW_S + off : tr + off;
		if (from < end) {
			m = first_match(ce, from, end, steps);
			if (m == REF_GIVEUP)
				return REF_GIVEUP;
			if (m != REF_NONE)
				return m - off;
		}
		if (end - 1 > lmax)
			lmax = end - 1;
		if (tr == TZ_NO_TRANSITION)
			break;
		x = tr;
	}
	return REF_NONE;
}

/* ---- checks ---- */

static void
check_parsed(const struct cronexpr *ce, const char *text)
{
	int k;

	if (ce->kind == CRONEXPR_EVERY) {
		FUZZ_CHECK(ce->every_ms > 0, "'%s': every_ms %lld", text, (long long)ce->every_ms);
		return;
	}
	if (ce->kind != CRONEXPR_CALENDAR)
		return;
	FUZZ_CHECK(ce->sec != 0 && ce->sec >> 60 == 0 && ce->min != 0 && ce->min >> 60 == 0 &&
	    ce->hour != 0 && ce->hour >> 24 == 0 && (ce->dom & 1) == 0 &&
	    (ce->dom_w & 1) == 0 && ce->mon != 0 && (ce->mon & ~0x1ffe) == 0 &&
	    ce->dow >> 7 == 0 && ce->dow_last >> 7 == 0,
	    "'%s': field bits out of range", text);
	for (k = 0; k < 7; k++)
		FUZZ_CHECK((ce->dow_nth[k] & ~0x3e) == 0, "'%s': dow_nth[%d] = %#x", text, k,
		    ce->dow_nth[k]);
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * SPEC §2 from the text: periodic when the hour field starts with '*'
 * (of the macros only @hourly); dom_star and dow_star when their field
 * starts with '*' or '?'.
 */
static void
check_flags(const struct cronexpr *ce, const char *text)
{
	const char *f[6], *p = text;
	int n = 0, first;

	while (blank(*p))
		p++;
	if (*p == '@') {
		FUZZ_CHECK(ce->periodic == (strncasecmp(p, "@hourly", 7) == 0),
		    "'%s': periodic %d", text, ce->periodic);
		return;
	}
	while (*p != '\0') {
		if (n < 6)
			f[n] = p;
		n++;
		while (*p != '\0' && !blank(*p))
			p++;
		while (blank(*p))
			p++;
	}
	FUZZ_CHECK(n == 5 || n == 6, "'%s': parsed with %d fields", text, n);
	first = n == 5 ? -1 : 0;
	FUZZ_CHECK(ce->periodic == (f[first + 2][0] == '*'), "'%s': periodic %d", text,
	    ce->periodic);
	FUZZ_CHECK(ce->dom_star == (f[first + 3][0] == '*' || f[first + 3][0] == '?') &&
	    ce->dow_star == (f[first + 5][0] == '*' || f[first + 5][0] == '?'),
	    "'%s': dom_star %d, dow_star %d", text, ce->dom_star, ce->dow_star);
}

static void
check_every(const struct cronexpr *ce, const char *text, int64_t start_s)
{
	int64_t start_ms = start_s * 1000, after_ms, r, diff, k, want;
	int64_t afters[4];
	size_t i;
	int hop;

	afters[0] = start_ms - ce->every_ms / 2 - 1;
	afters[1] = start_ms;
	afters[2] = start_ms + 3 * (ce->every_ms / 2) + 7;
	afters[3] = INT64_MAX - ce->every_ms / 3;
	for (i = 0; i < 4; i++) {
		after_ms = afters[i];
		for (hop = 0; hop < 3; hop++) {
			r = cronexpr_every_next(ce, start_ms, after_ms);
			/* The k-th run, k >= 1, is due at start + k * every. */
			if (after_ms < start_ms)
				k = 1;
			else if (__builtin_sub_overflow(after_ms, start_ms, &diff))
				k = -1;
			else
				k = diff / ce->every_ms + 1;
			if (k < 0 || __builtin_mul_overflow(k, ce->every_ms, &want) ||
			    __builtin_add_overflow(start_ms, want, &want))
				want = CRONEXPR_NEVER;
			FUZZ_CHECK(r == want, "'%s': every_next(%lld, %lld) = %lld, want %lld",
			    text, (long long)start_ms, (long long)after_ms, (long long)r,
			    (long long)want);
			if (r == CRONEXPR_NEVER)
				break;
			FUZZ_CHECK(r > after_ms && !__builtin_sub_overflow(r, start_ms, &diff) &&
			    diff > 0 && diff % ce->every_ms == 0, "'%s': every_next %lld", text,
			    (long long)r);
			after_ms = r;
		}
	}
}

/* Successive results in ZONE from START, each checked. */
static void
check_zone(const struct cronexpr *ce, const char *text, const struct tz *zone,
    int64_t start, long *budget)
{
	struct tz_civil tc;
	struct civ c;
	int64_t prev = start, t, want, lt, lm, m, locals[NRESULTS], out[2];
	long steps;
	int i, j, n;
	const char *zn = tz_name(zone);

	for (i = 0; i < NRESULTS; i++) {
		t = cronexpr_next(ce, zone, prev);
		if (*budget > 0 && prev >= MIN_S + FOLD_WINDOW_S) {
			steps = *budget < ORACLE_STEPS ? *budget : ORACLE_STEPS;
			*budget -= steps;
			want = oracle_next(ce, zone, prev, &steps);
			*budget += steps > 0 ? steps : 0;
			if (want == REF_NONE)
				FUZZ_CHECK(t == CRONEXPR_NEVER, "'%s' in %s after %lld: %lld, but "
				    "nothing fires up to year 9999", text, zn, (long long)prev,
				    (long long)t);
			else if (want != REF_GIVEUP && want <= MAX_S - FOLD_WINDOW_S)
				FUZZ_CHECK(t == want, "'%s' in %s after %lld: %lld, the first fire "
				    "time is %lld", text, zn, (long long)prev, (long long)t,
				    (long long)want);
		}
		if (t == CRONEXPR_NEVER)
			return;
		FUZZ_CHECK(t > prev && t <= MAX_S, "'%s' in %s after %lld: %lld", text, zn,
		    (long long)prev, (long long)t);

		/* tz and the reference calendar agree on the local time. */
		tz_local(zone, t, &tc);
		lt = t + tc.utoff_s;
		civ_of(lt, &c);
		FUZZ_CHECK(tc.year == c.year && tc.mon == c.mon && tc.mday == c.mday &&
		    tc.hour == c.hour && tc.min == c.min && tc.sec == c.sec &&
		    tc.wday == c.wday && tc.yday == c.yday,
		    "tz_local(%s, %lld) = %04d-%02d-%02d %02d:%02d:%02d wday %d yday %d, "
		    "reference %04d-%02d-%02d %02d:%02d:%02d wday %d yday %d", zn,
		    (long long)t, tc.year, tc.mon, tc.mday, tc.hour, tc.min, tc.sec, tc.wday,
		    tc.yday, c.year, c.mon, c.mday, c.hour, c.min, c.sec, c.wday, c.yday);

		if (ce->periodic) {
			FUZZ_CHECK(matches(ce, &c), "'%s' in %s: %lld is local "
			    "%04d-%02d-%02d %02d:%02d:%02d, which does not match", text, zn,
			    (long long)t, c.year, c.mon, c.mday, c.hour, c.min, c.sec);
		} else {
			/* First occurrence of its local time, and it matches or it
			 * ends a gap that swallowed a matching local time. */
			lm = lmax_at(zone, t - 1);
			FUZZ_CHECK(lt > lm, "'%s' in %s: %lld repeats local time "
			    "%04d-%02d-%02d %02d:%02d:%02d of a fold", text, zn, (long long)t,
			    c.year, c.mon, c.mday, c.hour, c.min, c.sec);
			if (!matches(ce, &c)) {
				steps = 1000000;
				m = lt > lm + 1 ? first_match(ce, lm + 1, lt, &steps) : REF_NONE;
				FUZZ_CHECK(m != REF_NONE && m != REF_GIVEUP, "'%s' in %s: %lld is "
				    "local %04d-%02d-%02d %02d:%02d:%02d, which does not match "
				    "and ends no gap with a matching time", text, zn, (long long)t,
				    c.year, c.mon, c.mday, c.hour, c.min, c.sec);
			}
			for (j = 0; j < i; j++)
				FUZZ_CHECK(locals[j] != lt, "'%s' in %s: local time "
				    "%04d-%02d-%02d %02d:%02d:%02d fired twice", text, zn,
				    c.year, c.mon, c.mday, c.hour, c.min, c.sec);
			locals[i] = lt;
		}

		/* tz_resolve finds the instant again. */
		memset(&tc, 0, sizeof(tc));
		tc.year = c.year;
		tc.mon = c.mon;
		tc.mday = c.mday;
		tc.hour = c.hour;
		tc.min = c.min;
		tc.sec = c.sec;
		n = tz_resolve(zone, &tc, out);
		FUZZ_CHECK(n >= 1 && n <= 2 && (out[0] == t || (n == 2 && out[1] == t &&
		    ce->periodic)), "tz_resolve(%s, local of %lld) = %d: %lld", zn,
		    (long long)t, n, (long long)out[0]);

		FUZZ_CHECK(cronexpr_next(ce, zone, t - 1) == t, "'%s' in %s: next after %lld "
		    "is not %lld", text, zn, (long long)(t - 1), (long long)t);
		prev = t;
	}
}

/*
 * The start instant for zone Z from the bytes after the expression: none
 * gives DEFAULT_START_S; decimal digits are Unix seconds (clamped near the
 * supported range); other bytes are a little-endian number whose low bit
 * chooses a plain start in 1900 .. 2200 or one within about 4.5 hours of a
 * transition of the zone.
 */
static int64_t
start_of(const uint8_t *rest, size_t len, const struct tz *zone)
{
	size_t i, n = len;
	uint64_t u = 0;
	int64_t base, tr, v = 0;
	bool neg = false, digits = n > 0;

	while (n > 0 && (rest[n - 1] == '\n' || rest[n - 1] == '\r' || rest[n - 1] == ' '))
		n--;
	if (n == 0)
		return DEFAULT_START_S;
	for (i = rest[0] == '-' ? 1 : 0; i < n; i++)
		if (rest[i] < '0' || rest[i] > '9')
			digits = false;
	if (digits && n > (rest[0] == '-' ? 1u : 0u)) {
		neg = rest[0] == '-';
		for (i = neg ? 1 : 0; i < n; i++)
			if (v < INT64_C(1) << 50)
				v = v * 10 + (rest[i] - '0');
		v = neg ? -v : v;
		if (v < MIN_S - 10 * DAY_S)
			v = MIN_S - 10 * DAY_S;
		if (v > MAX_S + 10 * DAY_S)
			v = MAX_S + 10 * DAY_S;
		return v;
	}
	for (i = 0; i < len && i < 8; i++)
		u |= (uint64_t)rest[i] << (8 * i);
	if ((u & 1) == 0)
		return RAW_BASE_S + (int64_t)((u >> 1) % (uint64_t)RAW_SPAN_S);
	base = RAW_BASE_S + (int64_t)((u >> 16) % (uint64_t)RAW_SPAN_S);
	tr = tz_next_transition(zone, base);
	return (tr == TZ_NO_TRANSITION ? base : tr) + (int64_t)((u >> 1) & 0x7fff) - 0x4000;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NZONES; i++) {
		if ((zones[i] = tz_load(zone_names[i], err, sizeof(err))) == NULL) {
			fprintf(stderr, "fuzz_cronexpr: zone %s: %s\n", zone_names[i], err);
			exit(1);
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cronexpr ce, again;
	const uint8_t *nl = memchr(data, '\n', size), *rest;
	size_t len = nl != NULL ? (size_t)(nl - data) : size, restlen, i;
	char err[256], *text, *tiny;
	long budget = EXEC_STEPS;
	int rc;

	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	rest = nl != NULL ? nl + 1 : data + size;
	restlen = (size_t)(data + size - rest);

	err[0] = '\0';
	memset(&ce, 0x5a, sizeof(ce));
	rc = cronexpr_parse(&ce, text, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || (rc == -1 && err[0] != '\0'), "parse('%s') = %d, err '%s'",
	    text, rc, err);
	/* The same answer with a small error buffer (no overflow), and the
	 * same bytes whatever the struct held before. */
	if ((tiny = malloc(7)) != NULL) {
		memset(&again, 0xa5, sizeof(again));
		FUZZ_CHECK(cronexpr_parse(&again, text, tiny, 7) == rc && (rc != 0 ||
		    memcmp(&ce, &again, sizeof(ce)) == 0), "parse('%s') not repeatable", text);
		FUZZ_CHECK(rc == 0 || memchr(tiny, '\0', 7) != NULL, "parse('%s'): error "
		    "not terminated", text);
		free(tiny);
	}
	if (rc != 0) {
		free(text);
		return 0;
	}
	check_parsed(&ce, text);
	switch (ce.kind) {
	case CRONEXPR_CALENDAR:
		check_flags(&ce, text);
		FUZZ_CHECK(cronexpr_every_next(&ce, 0, 0) == CRONEXPR_NEVER,
		    "'%s': every_next on a calendar schedule", text);
		for (i = 0; i < NZONES; i++)
			check_zone(&ce, text, zones[i], start_of(rest, restlen, zones[i]),
			    &budget);
		break;
	case CRONEXPR_EVERY:
		FUZZ_CHECK(cronexpr_next(&ce, zones[0], DEFAULT_START_S) == CRONEXPR_NEVER,
		    "'%s': next on an @every schedule", text);
		check_every(&ce, text, start_of(rest, restlen, zones[0]));
		break;
	case CRONEXPR_REBOOT:
		FUZZ_CHECK(cronexpr_next(&ce, zones[0], DEFAULT_START_S) == CRONEXPR_NEVER &&
		    cronexpr_every_next(&ce, 0, 0) == CRONEXPR_NEVER,
		    "'%s': @reboot has a next time", text);
		break;
	default:
		FUZZ_CHECK(false, "'%s': unknown kind %d", text, (int)ce.kind);
	}
	free(text);
	return 0;
}
