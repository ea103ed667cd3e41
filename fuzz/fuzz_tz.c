/*
 * fuzz_tz: tz_parse on arbitrary bytes (TZif images, versions 1-4, with
 * POSIX TZ footers). A zone it accepts must convert consistently: local
 * fields normalised and equal to an independent calendar, tz_resolve
 * finding the instants that show a local time, constant offsets up to
 * tz_next_transition and a change of offset at it. Sample instants: a walk
 * over the zone's transitions from 1800 and a fixed set spread over years
 * 1 to 9999.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tz.h"

#define DAY_S		INT64_C(86400)
#define MIN_S		INT64_C(-62135596800)	/* 0001-01-01T00:00:00Z */
#define MAX_S		INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define WALK_FROM_S	INT64_C(-5364662400)	/* 1800-01-01T00:00:00Z */
#define WALK_HOPS	48
/* RFC 8536: a UT offset lies in -24:59:59 .. +25:59:59. */
#define UTOFF_MIN_S	(-89999)
#define UTOFF_MAX_S	93599
#define NAME		"Fuzz/Zone"

/* ---- reference calendar (the rest is in fuzz.h) ---- */

/* Days from 1970-01-01 to the first of January of year Y. */
static int64_t
year_start(int64_t y)
{
	int64_t era = floor_div(y, 400), yoe = y - era * 400;

	return era * 146097 + yoe * 365 + (yoe + 3) / 4 - (yoe + 99) / 100 + (yoe > 0) -
	    719528;
}

static void
expect_civil(int64_t l, struct tz_civil *c)
{
	int64_t days = floor_div(l, DAY_S), y = 1970 + floor_div(days * 400, 146097), doy;
	int sod = (int)(l - days * DAY_S), m = 1;

	while (year_start(y) > days)
		y--;
	while (year_start(y + 1) <= days)
		y++;
	doy = days - year_start(y);
	c->yday = (int)doy;
	while (doy >= month_days(y, m))
		doy -= month_days(y, m++);
	c->year = (int)y;
	c->mon = m;
	c->mday = (int)doy + 1;
	c->hour = sod / 3600;
	c->min = sod / 60 % 60;
	c->sec = sod % 60;
	c->wday = (int)(days - 7 * floor_div(days + 4, 7) + 4);
}

/* ---- checks ---- */

static int64_t
local_of(const struct tz *z, int64_t t)
{
	struct tz_civil c;

	tz_local(z, t, &c);
	return t + c.utoff_s;
}

static void
check_instant(const struct tz *z, int64_t t)
{
	struct tz_civil c, want, q;
	int64_t lt, out[2] = { 0, 0 }, tr;
	char iso[32];
	int n, k;

	memset(&c, 0x5a, sizeof(c));
	tz_local(z, t, &c);
	FUZZ_CHECK(c.utoff_s >= UTOFF_MIN_S && c.utoff_s <= UTOFF_MAX_S,
	    "offset %d at %lld", (int)c.utoff_s, (long long)t);
	lt = t + c.utoff_s;
	expect_civil(lt, &want);
	FUZZ_CHECK(c.year == want.year && c.mon == want.mon && c.mday == want.mday &&
	    c.hour == want.hour && c.min == want.min && c.sec == want.sec &&
	    c.wday == want.wday && c.yday == want.yday,
	    "tz_local(%lld) = %04d-%02d-%02d %02d:%02d:%02d wday %d yday %d (offset %d), "
	    "reference %04d-%02d-%02d %02d:%02d:%02d wday %d yday %d", (long long)t,
	    c.year, c.mon, c.mday, c.hour, c.min, c.sec, c.wday, c.yday, (int)c.utoff_s,
	    want.year, want.mon, want.mday, want.hour, want.min, want.sec, want.wday,
	    want.yday);

	/* The local time is shown at t: tz_resolve finds it, at t or before. */
	n = tz_resolve(z, &c, out);
	FUZZ_CHECK(n == 1 || n == 2, "tz_resolve(local of %lld) = %d", (long long)t, n);
	for (k = 0; k < n; k++)
		FUZZ_CHECK(local_of(z, out[k]) == lt, "tz_resolve(local of %lld)[%d] = %lld, "
		    "which shows another local time", (long long)t, k, (long long)out[k]);
	FUZZ_CHECK(out[0] <= t && (n == 2 || out[0] == t) && (n == 1 || out[0] < out[1]),
	    "tz_resolve(local of %lld) = %d: %lld, %lld", (long long)t, n,
	    (long long)out[0], (long long)out[1]);

	/* The offset holds up to the next transition and changes there. */
	tr = tz_next_transition(z, t);
	FUZZ_CHECK(tr > t, "next transition after %lld: %lld", (long long)t, (long long)tr);
	if (tr != TZ_NO_TRANSITION && tr <= MAX_S) {
		tz_local(z, tr - 1, &q);
		FUZZ_CHECK(q.utoff_s == c.utoff_s, "offset %d at %lld but %d at %lld, before "
		    "the next transition %lld", (int)c.utoff_s, (long long)t, (int)q.utoff_s,
		    (long long)(tr - 1), (long long)tr);
		tz_local(z, tr, &q);
		FUZZ_CHECK(q.utoff_s != c.utoff_s, "transition at %lld keeps offset %d",
		    (long long)tr, (int)c.utoff_s);
		/* A gap: its first local time does not exist; the answer is the
		 * first instant showing a later one. */
		if (q.utoff_s > c.utoff_s) {
			expect_civil(tr + c.utoff_s, &want);
			n = tz_resolve(z, &want, out);
			if (n == 0)
				FUZZ_CHECK(local_of(z, out[0]) > tr + c.utoff_s &&
				    local_of(z, out[0] - 1) < tr + c.utoff_s,
				    "gap after %lld: tz_resolve gave %lld", (long long)tr,
				    (long long)out[0]);
		}
	}

	memset(iso, 'x', sizeof(iso));
	tz_format_iso(z, t, iso, sizeof(iso));
	FUZZ_CHECK(memchr(iso, '\0', sizeof(iso)) != NULL && strlen(iso) >= 25,
	    "tz_format_iso(%lld) = '%.32s'", (long long)t, iso);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t fixed[] = {
		MIN_S, MIN_S + 1, INT64_C(-30610224000) /* 1000 */, WALK_FROM_S,
		INT64_C(-2208988800) /* 1900 */, -1, 0, INT64_C(1000000000),
		INT64_C(1774745999), INT64_C(2147483647), INT64_C(2147483648),
		INT64_C(4102444800) /* 2100 */, INT64_C(4133980799) /* 2100-12-31 */,
		INT64_C(4133980800) /* 2101 */, INT64_C(7258118400) /* 2200 */,
		INT64_C(32503680000) /* 3000 */, MAX_S - DAY_S,
	};
	char err[256];
	struct tz *z;
	struct tz_civil c;
	int64_t t;
	size_t i;

	err[0] = '\0';
	z = tz_parse(NAME, data, size, err, sizeof(err));
	if (z == NULL) {
		FUZZ_CHECK(err[0] != '\0', "tz_parse refused without a message");
		return 0;
	}
	FUZZ_CHECK(strcmp(tz_name(z), NAME) == 0, "tz_name = '%s'", tz_name(z));
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_instant(z, fixed[i]);
	t = WALK_FROM_S;
	for (i = 0; i < WALK_HOPS && t != TZ_NO_TRANSITION && t <= MAX_S - DAY_S; i++) {
		check_instant(z, t);
		check_instant(z, t - 1);
		t = tz_next_transition(z, t);
	}
	/* Far outside the calendar range: no crash, no overflow. */
	tz_local(z, INT64_MAX, &c);
	tz_local(z, INT64_MIN, &c);
	(void)tz_next_transition(z, INT64_MAX);
	(void)tz_next_transition(z, INT64_MIN);
	tz_free(z);
	return 0;
}
