/*
 * Unit tests of config/cronexpr.c: tables of (schedule, zone, after,
 * expected fire times) for every piece of SPEC §2, exact parse errors, and
 * a comparison with a slow reference that scans instants one by one through
 * glibc's localtime_r on many random (schedule, zone, start) triples.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cronexpr.h"
#include "tests.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* ck_assert_msg without Check's per-call bookkeeping (a write to the
 * runner each time), for the hot loops of the reference. */
#define REQUIRE(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

/* "2026-03-29T03:00:00+02:00" -> Unix seconds. */
static int64_t
iso_to_unix(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh, om;
	char sign;

	if (sscanf(s, "%d-%d-%dT%d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &sec, &sign,
	    &oh, &om) != 9)
		ck_abort_msg("bad time in test table: %s", s);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm) - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
}

static struct tz *
load_zone(const char *name)
{
	char err[256];
	struct tz *z = strcmp(name, "UTC") == 0 ? tz_utc() : tz_load(name, err, sizeof(err));

	ck_assert_msg(z != NULL, "zone %s: %s", name, err);
	return z;
}

/* ---- next fire times, written out ------------------------------------ */

static const struct {
	const char	*expr;
	const char	*zone;
	const char	*after;
	const char	*want[7];	/* NULL-terminated; "never" for CRONEXPR_NEVER */
} next_cases[] = {
	/* macros */
	{ "@yearly", "UTC", "2026-05-01T00:00:00+00:00",
	  { "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00" } },
	{ "@annually", "UTC", "2026-12-31T23:59:59+00:00",
	  { "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00" } },
	{ "@monthly", "UTC", "2026-01-31T00:00:00+00:00",
	  { "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00" } },
	{ "@weekly", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00" } },
	{ "@daily", "UTC", "2026-12-31T00:00:00+00:00",
	  { "2027-01-01T00:00:00+00:00", "2027-01-02T00:00:00+00:00" } },
	{ "@midnight", "UTC", "2026-12-31T23:59:59+00:00",
	  { "2027-01-01T00:00:00+00:00" } },
	{ "@hourly", "UTC", "2026-06-30T23:00:00+00:00",
	  { "2026-07-01T00:00:00+00:00", "2026-07-01T01:00:00+00:00" } },
	{ "  @HOURLY  ", "Europe/Berlin", "2026-03-29T00:30:00+01:00",
	  { "2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00",
	    "2026-03-29T04:00:00+02:00" } },
	{ "@Daily", "Europe/Berlin", "2026-10-24T12:00:00+02:00",
	  { "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00" } },

	/* strictly after; month ends; leap days; year boundaries */
	{ "0 3 * * *", "UTC", "2026-01-01T03:00:00+00:00",
	  { "2026-01-02T03:00:00+00:00" } },
	{ "0 0 31 * *", "UTC", "2026-01-31T00:00:00+00:00",
	  { "2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00",
	    "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00" } },
	{ "0 0 30 * *", "UTC", "2026-01-30T00:00:00+00:00",
	  { "2026-03-30T00:00:00+00:00", "2026-04-30T00:00:00+00:00" } },
	{ "0 0 29 2 *", "UTC", "2025-01-01T00:00:00+00:00",
	  { "2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00" } },
	{ "0 0 29 2 *", "UTC", "2096-03-01T00:00:00+00:00",
	  { "2104-02-29T00:00:00+00:00" } },
	{ "0 0 29 feb *", "UTC", "2399-12-31T00:00:00+00:00",
	  { "2400-02-29T00:00:00+00:00" } },
	{ "59 23 31 12 *", "UTC", "2026-12-31T23:59:00+00:00",
	  { "2027-12-31T23:59:00+00:00" } },
	{ "0 0 1 1 *", "UTC", "2026-12-31T23:59:59+00:00",
	  { "2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00" } },
	{ "0 0 L * *", "UTC", "2026-01-15T00:00:00+00:00",
	  { "2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00",
	    "2026-03-31T00:00:00+00:00", "2026-04-30T00:00:00+00:00" } },
	{ "0 0 L 2 *", "UTC", "2027-03-01T00:00:00+00:00",
	  { "2028-02-29T00:00:00+00:00", "2029-02-28T00:00:00+00:00" } },
	{ "0 12 * * *", "UTC", "9999-12-31T11:00:00+00:00",
	  { "9999-12-31T12:00:00+00:00", "never" } },
	{ "0 0 29 2 *", "UTC", "9996-03-01T00:00:00+00:00", { "never" } },

	/* the day rule of vixie cron */
	{ "0 0 13 * 5", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-03T00:00:00+00:00", "2026-04-10T00:00:00+00:00",
	    "2026-04-13T00:00:00+00:00", "2026-04-17T00:00:00+00:00",
	    "2026-04-24T00:00:00+00:00", "2026-05-01T00:00:00+00:00" } },
	{ "0 0 1,15 * mon", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-06T00:00:00+00:00", "2026-04-13T00:00:00+00:00",
	    "2026-04-15T00:00:00+00:00", "2026-04-20T00:00:00+00:00",
	    "2026-04-27T00:00:00+00:00", "2026-05-01T00:00:00+00:00" } },
	{ "0 0 */2 * 1", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-13T00:00:00+00:00", "2026-04-27T00:00:00+00:00",
	    "2026-05-11T00:00:00+00:00", "2026-05-25T00:00:00+00:00" } },
	{ "0 0 1-7 * */2", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-02T00:00:00+00:00", "2026-04-04T00:00:00+00:00",
	    "2026-04-05T00:00:00+00:00", "2026-04-07T00:00:00+00:00",
	    "2026-05-02T00:00:00+00:00" } },
	{ "0 0 ? * 1", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-06T00:00:00+00:00", "2026-04-13T00:00:00+00:00" } },
	{ "0 0 1 * ?", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-05-01T00:00:00+00:00", "2026-06-01T00:00:00+00:00" } },
	{ "0 0 * * 7", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-05T00:00:00+00:00", "2026-04-12T00:00:00+00:00" } },
	{ "0 0 * * 1/2", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-03T00:00:00+00:00", "2026-04-05T00:00:00+00:00",
	    "2026-04-06T00:00:00+00:00", "2026-04-08T00:00:00+00:00" } },
	{ "0 0 * * fri-sun", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-03T00:00:00+00:00", "2026-04-04T00:00:00+00:00",
	    "2026-04-05T00:00:00+00:00", "2026-04-10T00:00:00+00:00" } },
	{ "0 0 * * MON-FRI/2", "UTC", "2026-04-01T00:00:00+00:00",
	  { "2026-04-03T00:00:00+00:00", "2026-04-06T00:00:00+00:00",
	    "2026-04-08T00:00:00+00:00" } },
	{ "0 0 1 jan-dec/3 *", "UTC", "2026-02-01T00:00:00+00:00",
	  { "2026-04-01T00:00:00+00:00", "2026-07-01T00:00:00+00:00",
	    "2026-10-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00" } },
	{ "0 0 1 Nov/1 *", "UTC", "2026-02-01T00:00:00+00:00",
	  { "2026-11-01T00:00:00+00:00", "2026-12-01T00:00:00+00:00",
	    "2027-11-01T00:00:00+00:00" } },

	/* extensions */
	{ "0 0 LW * *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00",
	    "2026-03-31T00:00:00+00:00", "2026-04-30T00:00:00+00:00",
	    "2026-05-29T00:00:00+00:00" } },
	{ "0 0 15W * *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-15T00:00:00+00:00", "2026-02-16T00:00:00+00:00",
	    "2026-03-16T00:00:00+00:00", "2026-04-15T00:00:00+00:00",
	    "2026-05-15T00:00:00+00:00" } },
	{ "0 0 15w 8 *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-08-14T00:00:00+00:00" } },
	{ "0 0 1W * *", "UTC", "2026-07-02T00:00:00+00:00",
	  { "2026-08-03T00:00:00+00:00", "2026-09-01T00:00:00+00:00",
	    "2026-10-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00" } },
	{ "0 0 31W * *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-30T00:00:00+00:00", "2026-03-31T00:00:00+00:00",
	    "2026-05-29T00:00:00+00:00", "2026-07-31T00:00:00+00:00",
	    "2026-08-31T00:00:00+00:00", "2026-10-30T00:00:00+00:00" } },
	{ "0 0 30W * *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-30T00:00:00+00:00", "2026-03-30T00:00:00+00:00",
	    "2026-04-30T00:00:00+00:00", "2026-05-29T00:00:00+00:00" } },
	{ "0 0 * * 5L", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00",
	    "2026-03-27T00:00:00+00:00", "2026-04-24T00:00:00+00:00" } },
	{ "0 0 * * friL", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00" } },
	{ "0 12 * * 5#3", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-16T12:00:00+00:00", "2026-02-20T12:00:00+00:00",
	    "2026-03-20T12:00:00+00:00", "2026-04-17T12:00:00+00:00" } },
	{ "0 12 * * FRI#3", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-16T12:00:00+00:00", "2026-02-20T12:00:00+00:00" } },
	{ "0 0 * * 1#5", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-03-30T00:00:00+00:00", "2026-06-29T00:00:00+00:00",
	    "2026-08-31T00:00:00+00:00", "2026-11-30T00:00:00+00:00" } },
	{ "0 0 * * 7#1", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-04T00:00:00+00:00", "2026-02-01T00:00:00+00:00" } },
	{ "0 0 1,L * *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-31T00:00:00+00:00", "2026-02-01T00:00:00+00:00",
	    "2026-02-28T00:00:00+00:00", "2026-03-01T00:00:00+00:00" } },
	{ "0 0 * * 1#1,5L", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-05T00:00:00+00:00", "2026-01-30T00:00:00+00:00",
	    "2026-02-02T00:00:00+00:00", "2026-02-27T00:00:00+00:00",
	    "2026-03-02T00:00:00+00:00", "2026-03-27T00:00:00+00:00" } },
	{ "0 0 L * 1", "UTC", "2026-01-24T00:00:00+00:00",
	  { "2026-01-26T00:00:00+00:00", "2026-01-31T00:00:00+00:00",
	    "2026-02-02T00:00:00+00:00" } },
	{ "0 0 */10 * 5#3", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-08-21T00:00:00+00:00", "2027-05-21T00:00:00+00:00",
	    "2028-01-21T00:00:00+00:00" } },

	/* the seconds field */
	{ "*/20 * * * * *", "UTC", "2026-01-01T00:00:00+00:00",
	  { "2026-01-01T00:00:20+00:00", "2026-01-01T00:00:40+00:00",
	    "2026-01-01T00:01:00+00:00" } },
	{ "30 0 12 * * *", "UTC", "2026-01-01T12:00:30+00:00",
	  { "2026-01-02T12:00:30+00:00" } },
	{ "59 59 23 31 12 *", "UTC", "2026-06-01T00:00:00+00:00",
	  { "2026-12-31T23:59:59+00:00", "2027-12-31T23:59:59+00:00" } },
	{ "5,10 */30 * * * *", "UTC", "2026-01-01T00:00:06+00:00",
	  { "2026-01-01T00:00:10+00:00", "2026-01-01T00:30:05+00:00" } },

	/* Europe/Berlin: gap 2026-03-29 02:00 -> 03:00, fold 2026-10-25 03:00 -> 02:00 */
	{ "30 2 * * *", "Europe/Berlin", "2026-03-28T03:00:00+01:00",
	  { "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00" } },
	{ "0,30 2-3 * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00",
	  { "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00",
	    "2026-03-30T02:00:00+02:00" } },
	{ "*/30 * * * *", "Europe/Berlin", "2026-03-29T01:00:00+01:00",
	  { "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00",
	    "2026-03-29T03:30:00+02:00" } },
	{ "30 * * * *", "Europe/Berlin", "2026-03-29T00:45:00+01:00",
	  { "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00" } },
	{ "0 30 2 * * *", "Europe/Berlin", "2026-03-29T01:59:59+01:00",
	  { "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00" } },
	{ "30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00+02:00",
	  { "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00" } },
	{ "*/30 * * * *", "Europe/Berlin", "2026-10-25T01:45:00+02:00",
	  { "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
	    "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
	    "2026-10-25T03:00:00+01:00" } },
	{ "45 2 * * *", "Europe/Berlin", "2026-10-25T02:10:00+01:00",
	  { "2026-10-26T02:45:00+01:00" } },
	{ "0 2-3 * * *", "Europe/Berlin", "2026-10-25T01:30:00+02:00",
	  { "2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00",
	    "2026-10-26T02:00:00+01:00" } },
	{ "*/20 30 2 * * *", "Europe/Berlin", "2026-10-25T00:00:00+02:00",
	  { "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:20+02:00",
	    "2026-10-25T02:30:40+02:00", "2026-10-26T02:30:00+01:00" } },
	{ "0 * * * * *", "Europe/Berlin", "2026-03-29T01:58:30+01:00",
	  { "2026-03-29T01:59:00+01:00", "2026-03-29T03:00:00+02:00",
	    "2026-03-29T03:01:00+02:00" } },
	{ "* * 29 2 *", "Europe/Berlin", "2097-01-01T00:00:00+01:00",
	  { "2104-02-29T00:00:00+01:00", "2104-02-29T00:01:00+01:00" } },

	/* America/New_York: gap 2026-03-08 02:00 -> 03:00, fold 2026-11-01 02:00 -> 01:00 */
	{ "30 2 * * *", "America/New_York", "2026-03-07T12:00:00-05:00",
	  { "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00" } },
	{ "*/20 * * * *", "America/New_York", "2026-03-08T01:30:00-05:00",
	  { "2026-03-08T01:40:00-05:00", "2026-03-08T03:00:00-04:00",
	    "2026-03-08T03:20:00-04:00" } },
	{ "30 1 * * *", "America/New_York", "2026-10-31T12:00:00-04:00",
	  { "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00" } },
	{ "0 * * * *", "America/New_York", "2026-11-01T00:30:00-04:00",
	  { "2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00",
	    "2026-11-01T02:00:00-05:00" } },
	{ "0 1-2 * * 0", "America/New_York", "2026-11-01T00:30:00-04:00",
	  { "2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00",
	    "2026-11-08T01:00:00-05:00" } },

	/* Australia/Lord_Howe: 30-minute shifts; fold 2026-04-05 02:00 -> 01:30,
	 * gap 2026-10-04 02:00 -> 02:30 */
	{ "45 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00+11:00",
	  { "2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30" } },
	{ "*/15 * * * *", "Australia/Lord_Howe", "2026-04-05T01:20:00+11:00",
	  { "2026-04-05T01:30:00+11:00", "2026-04-05T01:45:00+11:00",
	    "2026-04-05T01:30:00+10:30", "2026-04-05T01:45:00+10:30",
	    "2026-04-05T02:00:00+10:30" } },
	{ "15 2 * * *", "Australia/Lord_Howe", "2026-10-03T12:00:00+10:30",
	  { "2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00" } },
	{ "0,15,30 2 * * *", "Australia/Lord_Howe", "2026-10-04T01:00:00+10:30",
	  { "2026-10-04T02:30:00+11:00", "2026-10-05T02:00:00+11:00" } },
	{ "*/15 * * * *", "Australia/Lord_Howe", "2026-10-04T01:50:00+10:30",
	  { "2026-10-04T02:30:00+11:00", "2026-10-04T02:45:00+11:00" } },

	/* America/Santiago: transitions at midnight, the fold crosses a date */
	{ "0 0 * * *", "America/Santiago", "2026-09-05T12:00:00-04:00",
	  { "2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00" } },
	{ "30 23 * * *", "America/Santiago", "2026-04-04T12:00:00-03:00",
	  { "2026-04-04T23:30:00-03:00", "2026-04-05T23:30:00-04:00" } },
	{ "30 * * * *", "America/Santiago", "2026-04-04T23:00:00-03:00",
	  { "2026-04-04T23:30:00-03:00", "2026-04-04T23:30:00-04:00",
	    "2026-04-05T00:30:00-04:00" } },
	{ "0 0 5 9 *", "America/Santiago", "2020-01-01T00:00:00-03:00",
	  { "2020-09-05T00:00:00-04:00", "2021-09-05T01:00:00-03:00",
	    "2022-09-05T00:00:00-04:00", "2023-09-05T00:00:00-03:00" } },
};

START_TEST(next_table)
{
	struct cronexpr ce;
	struct tz *zone;
	char err[256], got[64];
	int64_t t;
	size_t k;

	ck_assert_msg(cronexpr_parse(&ce, next_cases[_i].expr, err, sizeof(err)) == 0,
	    "'%s': %s", next_cases[_i].expr, err);
	zone = load_zone(next_cases[_i].zone);
	t = iso_to_unix(next_cases[_i].after);
	for (k = 0; k < NELEM(next_cases[_i].want) && next_cases[_i].want[k] != NULL; k++) {
		t = cronexpr_next(&ce, zone, t);
		if (t == CRONEXPR_NEVER)
			snprintf(got, sizeof(got), "never");
		else
			tz_format_iso(zone, t, got, sizeof(got));
		ck_assert_msg(strcmp(got, next_cases[_i].want[k]) == 0,
		    "'%s' in %s after %s, #%zu: got %s, want %s", next_cases[_i].expr,
		    next_cases[_i].zone, next_cases[_i].after, k + 1, got,
		    next_cases[_i].want[k]);
		if (t == CRONEXPR_NEVER)
			break;
	}
	tz_free(zone);
}
END_TEST

/* ---- parse errors, word for word -------------------------------------- */

static const struct {
	const char *expr;
	const char *msg;
} bad_cases[] = {
	{ "", "empty schedule" },
	{ " \t ", "empty schedule" },
	{ "* * * *", "expected 5 or 6 fields, got 4" },
	{ "* * * * * * *", "expected 5 or 6 fields, got 7" },
	{ "60 * * * *", "minute field: value 60 out of range 0-59" },
	{ "* 24 * * *", "hour field: value 24 out of range 0-23" },
	{ "* * 0 * *", "day-of-month field: value 0 out of range 1-31" },
	{ "* * 32 * *", "day-of-month field: value 32 out of range 1-31" },
	{ "* * * 13 *", "month field: value 13 out of range 1-12" },
	{ "* * * 0 *", "month field: value 0 out of range 1-12" },
	{ "* * * * 8", "day-of-week field: value 8 out of range 0-7" },
	{ "60 * * * * *", "second field: value 60 out of range 0-59" },
	{ "99999999999999 * * * *", "minute field: value 99999999999999 out of range 0-59" },
	{ "* * * * fri3", "day-of-week field: unknown name 'fri3'" },
	{ "* * * * friday", "day-of-week field: unknown name 'friday'" },
	{ "* * * foo *", "month field: unknown name 'foo'" },
	{ "* * * * jan", "day-of-week field: unknown name 'jan'" },
	{ "* * * * jul", "day-of-week field: unknown name 'jul'" },
	{ "*/0 * * * *", "minute field: zero step" },
	{ "* */0 * * *", "hour field: zero step" },
	{ "*/60 * * * *", "minute field: step 60 out of range 1-59" },
	{ "* * * * sun-sat/8", "day-of-week field: step 8 out of range 1-7" },
	{ "5-1 * * * *", "minute field: reversed range 5-1" },
	{ "* * * dec-jan *", "month field: reversed range dec-jan" },
	{ "* * * * 5-0", "day-of-week field: reversed range 5-0" },
	{ "1,,2 * * * *", "minute field: empty element in list '1,,2'" },
	{ "1, * * * *", "minute field: empty element in list '1,'" },
	{ "1- * * * *", "minute field: missing value in '1-'" },
	{ "*/ * * * *", "minute field: missing step in '*/'" },
	{ "*/x * * * *", "minute field: invalid step 'x'" },
	{ "a * * * *", "minute field: invalid value 'a'" },
	{ "5x * * * *", "minute field: invalid value '5x'" },
	{ "*-5 * * * *", "minute field: invalid value '*'" },
	{ "L * * * *", "minute field: 'L' is only allowed in day-of-month and day-of-week" },
	{ "* 5W * * *", "hour field: 'W' is only allowed in day-of-month" },
	{ "* * * L *", "month field: 'L' is only allowed in day-of-month and day-of-week" },
	{ "* * 1#2 * *", "day-of-month field: '#' is only allowed in day-of-week" },
	{ "? * * * *", "minute field: '?' is only allowed in day-of-month and day-of-week" },
	{ "0 0 0W * *", "day-of-month field: value 0 out of range 1-31" },
	{ "0 0 32W * *", "day-of-month field: value 32 out of range 1-31" },
	{ "0 0 1-5W * *", "day-of-month field: 'L' and 'W' take a single day, not a range: '1-5W'" },
	{ "0 0 L-3 * *", "day-of-month field: 'L' and 'W' take a single day, not a range: 'L-3'" },
	{ "0 0 L/2 * *", "day-of-month field: 'L' takes no step" },
	{ "0 0 5L * *", "day-of-month field: invalid value '5L'" },
	{ "0 0 * * 5#0", "day-of-week field: occurrence #0 out of range 1-5" },
	{ "0 0 * * 5#6", "day-of-week field: occurrence #6 out of range 1-5" },
	{ "0 0 * * 5#", "day-of-week field: missing occurrence after '#' in '5#'" },
	{ "0 0 * * 5#x", "day-of-week field: invalid occurrence '#x'" },
	{ "0 0 * * #3", "day-of-week field: missing value in '#3'" },
	{ "0 0 * * 8#1", "day-of-week field: value 8 out of range 0-7" },
	{ "0 0 * * L", "day-of-week field: 'L' needs a day before it (e.g. 5L, the last Friday)" },
	{ "0 0 * * 1-5L", "day-of-week field: 'L' takes a single day, not a range or step: '1-5L'" },
	{ "0 0 * * 1-5#2", "day-of-week field: '#' takes a single day, not a range or step: '1-5#2'" },
	{ "0 0 * * 5#1/2", "day-of-week field: '#' takes a single day, not a range or step: '5#1/2'" },
	{ "0 0 * * 8L", "day-of-week field: value 8 out of range 0-7" },
	{ "0 0 * * 5W", "day-of-week field: 'W' is only allowed in day-of-month" },
	{ "0 0 30 2 *", "never fires: no day matches in any year" },
	{ "0 0 31 4,6 *", "never fires: no day matches in any year" },
	{ "0 0 31W 2 *", "never fires: no day matches in any year" },
	{ "0 0 30W feb *", "never fires: no day matches in any year" },
	{ "0 0 31 2,4,6,9,11 *", "never fires: no day matches in any year" },
	{ "0 0 */20 * 5#2", "never fires: no day matches in any year" },
	{ "@foo", "unknown macro '@foo'" },
	{ "@", "unknown macro '@'" },
	{ "@daily 5", "@daily takes no argument" },
	{ "@reboot now", "@reboot takes no argument" },
	{ "@every", "@every needs a duration (e.g. @every 5m)" },
	{ "@every   ", "@every needs a duration (e.g. @every 5m)" },
	{ "@every 0s", "@every: the interval must be greater than 0" },
	{ "@every 5x", "@every: invalid duration '5x' (expected e.g. 500ms, 30s, 5m, 2h, 1d, 1h30m)" },
	{ "@every 5m 3s", "@every: invalid duration '5m 3s' (expected e.g. 500ms, 30s, 5m, 2h, 1d, 1h30m)" },
};

START_TEST(bad_table)
{
	struct cronexpr ce;
	char err[256] = "";

	ck_assert_msg(cronexpr_parse(&ce, bad_cases[_i].expr, err, sizeof(err)) == -1,
	    "'%s' accepted", bad_cases[_i].expr);
	ck_assert_msg(strcmp(err, bad_cases[_i].msg) == 0, "'%s': got \"%s\", want \"%s\"",
	    bad_cases[_i].expr, err, bad_cases[_i].msg);
}
END_TEST

/* A short error buffer is cut, never overrun; a NULL one is allowed. */
START_TEST(error_buffer)
{
	struct cronexpr ce;
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(cronexpr_parse(&ce, "60 * * * *", err, 6), -1);
	ck_assert_str_eq(err, "minut");
	ck_assert_int_eq(err[7], 'x');
	ck_assert_int_eq(cronexpr_parse(&ce, "61 * * * *", NULL, 0), -1);
	ck_assert_int_eq(cronexpr_parse(&ce, "@every x", err, 1), -1);
	ck_assert_int_eq(err[0], '\0');
}
END_TEST

/* ---- equivalent spellings parse to the same value --------------------- */

static const struct {
	const char *a, *b;
} same_cases[] = {
	{ "@daily", "0 0 * * *" },
	{ "@midnight", "0 0 0 * * *" },
	{ "@yearly", "0 0 1 jan *" },
	{ "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * sun" },
	{ "@hourly", "0 * * * *" },
	{ "0 0 * * 7", "0 0 * * 0" },
	{ "0 0 * * 0-7", "0 0 * * 0-6" },
	{ "0 0 * * sun-sat", "0 0 * * 0-6" },
	{ "0 0 * * Mon-Fri", "0 0 * * 1-5" },
	{ "0 0 * * fri-sun", "0 0 * * 5,6,0" },
	{ "0 0 * * 1/2", "0 0 * * 1,3,5,0" },
	{ "0 0 * * 0-7/2", "0 0 * * 0,2,4,6" },
	{ "0 0 * JAN-mar *", "0 0 * 1-3 *" },
	{ "0 0 * feb/5 *", "0 0 * 2,7,12 *" },
	{ "0 0 ? * *", "0 0 * * *" },
	{ "0 0 * * ?", "0 0 * * *" },
	{ "*/15 * * * *", "0,15,30,45 * * * *" },
	{ "5/20 * * * *", "5,25,45 * * * *" },
	{ "10-30/7 * * * *", "10,17,24 * * * *" },
	{ "0 * * * *", "0 0 * * * *" },
	{ " \t0  3\t* * *\n", "0 3 * * *" },
	{ "0 0 * * 5L", "0 0 * * fril" },
	{ "0 0 * * 5#3", "0 0 * * Fri#3" },
	{ "0 0 * * 7L", "0 0 * * 0L" },
	{ "0 0 lw * *", "0 0 LW * *" },
	{ "0 0 l * *", "0 0 L * *" },
	{ "@every 90s", "@every 1m30s" },
	{ "@EVERY 2h", "@every 7200" },
	{ "@Reboot", "@reboot" },
};

START_TEST(same_table)
{
	struct cronexpr a, b;
	char err[256];

	ck_assert_msg(cronexpr_parse(&a, same_cases[_i].a, err, sizeof(err)) == 0, "%s: %s",
	    same_cases[_i].a, err);
	ck_assert_msg(cronexpr_parse(&b, same_cases[_i].b, err, sizeof(err)) == 0, "%s: %s",
	    same_cases[_i].b, err);
	ck_assert_msg(memcmp(&a, &b, sizeof(a)) == 0, "'%s' and '%s' differ",
	    same_cases[_i].a, same_cases[_i].b);
}
END_TEST

START_TEST(kinds_and_flags)
{
	static const struct {
		const char *expr;
		enum cronexpr_kind kind;
		bool periodic;
		int64_t every_ms;
	} cases[] = {
		{ "@reboot", CRONEXPR_REBOOT, false, 0 },
		{ "@every 500ms", CRONEXPR_EVERY, false, 500 },
		{ "@every 1h30m", CRONEXPR_EVERY, false, 5400000 },
		{ "@hourly", CRONEXPR_CALENDAR, true, 0 },
		{ "@daily", CRONEXPR_CALENDAR, false, 0 },
		{ "0 * * * *", CRONEXPR_CALENDAR, true, 0 },
		{ "0 */2 * * *", CRONEXPR_CALENDAR, true, 0 },
		{ "0 0-23 * * *", CRONEXPR_CALENDAR, false, 0 },
		{ "0 0 * * * *", CRONEXPR_CALENDAR, true, 0 },
		{ "0 0 0 * * *", CRONEXPR_CALENDAR, false, 0 },
		{ "0 0 2/1 * * *", CRONEXPR_CALENDAR, false, 0 },
		{ "* * * * * *", CRONEXPR_CALENDAR, true, 0 },
	};
	struct cronexpr ce;
	struct tz *utc = tz_utc();
	char err[256];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		ck_assert_msg(cronexpr_parse(&ce, cases[i].expr, err, sizeof(err)) == 0,
		    "%s: %s", cases[i].expr, err);
		ck_assert_int_eq(ce.kind, cases[i].kind);
		ck_assert_msg(ce.periodic == cases[i].periodic, "%s", cases[i].expr);
		ck_assert_int_eq(ce.every_ms, cases[i].every_ms);
		if (ce.kind != CRONEXPR_CALENDAR)
			ck_assert(cronexpr_next(&ce, utc, 0) == CRONEXPR_NEVER);
	}
	tz_free(utc);
}
END_TEST

START_TEST(every_next)
{
	static const struct {
		const char *expr;
		int64_t start_ms, after_ms, want_ms;
	} cases[] = {
		{ "@every 5m", 1000, 1000, 301000 },
		{ "@every 5m", 1000, 0, 301000 },
		{ "@every 5m", 1000, -999999999, 301000 },
		{ "@every 5m", 1000, 300999, 301000 },
		{ "@every 5m", 1000, 301000, 601000 },
		{ "@every 5m", 1000, 301001, 601000 },
		{ "@every 500ms", 0, 1234567, 1235000 },
		{ "@every 1d", -86400000, 0, 86400000 },
		{ "@every 7s", 0, 7 * 1000000 - 1, 7 * 1000000 },
		{ "@every 1h", INT64_MAX - 1000, INT64_MAX - 10, CRONEXPR_NEVER },
		{ "@every 1h", INT64_MIN + 5, INT64_MAX - 10, CRONEXPR_NEVER },
		{ "@daily", 0, 0, CRONEXPR_NEVER },
	};
	struct cronexpr ce;
	char err[256];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		ck_assert_msg(cronexpr_parse(&ce, cases[i].expr, err, sizeof(err)) == 0, "%s", err);
		ck_assert_msg(cronexpr_every_next(&ce, cases[i].start_ms, cases[i].after_ms) ==
		    cases[i].want_ms, "case %zu: got %lld", i,
		    (long long)cronexpr_every_next(&ce, cases[i].start_ms, cases[i].after_ms));
	}
}
END_TEST

/* The ends of the range: no overflow, no hang, CRONEXPR_NEVER past 9999. */
START_TEST(limits)
{
	static const char *const exprs[] = {
		"0 0 * * *", "* * * * * *", "0 0 29 2 *", "0 0 * * 5#5", "@hourly",
	};
	static const char *const zones[] = { "UTC", "Europe/Berlin", "Pacific/Chatham" };
	static const int64_t afters[] = {
		INT64_MIN, -62135596801, -62135596800, 0, 253402300798, 253402300799,
		INT64_MAX - 1, INT64_MAX,
	};
	struct cronexpr ce;
	struct tz *zone;
	char err[256];
	int64_t t;
	size_t e, z, a;

	for (z = 0; z < NELEM(zones); z++) {
		zone = load_zone(zones[z]);
		for (e = 0; e < NELEM(exprs); e++) {
			ck_assert_msg(cronexpr_parse(&ce, exprs[e], err, sizeof(err)) == 0, "%s", err);
			for (a = 0; a < NELEM(afters); a++) {
				t = cronexpr_next(&ce, zone, afters[a]);
				if (afters[a] >= 253402300799)
					ck_assert_msg(t == CRONEXPR_NEVER, "%s after %lld: %lld",
					    exprs[e], (long long)afters[a], (long long)t);
				else if (afters[a] > 0)
					ck_assert_msg(t == CRONEXPR_NEVER ||
					    (t > afters[a] && t <= 253402300799), "%s after %lld: %lld",
					    exprs[e], (long long)afters[a], (long long)t);
				else
					ck_assert_msg(t > afters[a] && t <= 253402300799,
					    "%s in %s after %lld: %lld", exprs[e], zones[z],
					    (long long)afters[a], (long long)t);
			}
		}
		tz_free(zone);
	}
}
END_TEST

/* ---- the reference: slow, literal, built on glibc ---------------------- */

/*
 * A schedule as plain sets, filled by the random generator from what it
 * writes, never by the parser under test.
 */
struct ref {
	bool	periodic, dom_star, dow_star;
	bool	sec[60], min[60], hour[24], dom[32], mon[13], dow[7];
	bool	dom_last, dom_lw, dom_w[32];
	bool	dow_last[7], dow_nth[7][6];
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(2685821657736338717);
}

static int
rnd(int n)
{
	return (int)(rng() % (uint64_t)n);
}

/* Random-case spelling of a name. */
static void
put_name(char **p, const char *name)
{
	for (; *name != '\0'; name++)
		*(*p)++ = rnd(3) == 0 ? (char)(*name - 'a' + 'A') : *name;
}

static const char *const ref_mon_names[] = {
	"", "jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};
static const char *const ref_dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

enum { R_SEC, R_MIN, R_HOUR, R_DOM, R_MON, R_DOW };

/* Writes a value of field f, as a number or (month, weekday) a name. */
static void
put_value(char **p, int f, int v)
{
	if (f == R_MON && rnd(2) == 0)
		put_name(p, ref_mon_names[v]);
	else if (f == R_DOW && v < 7 && rnd(2) == 0)
		put_name(p, ref_dow_names[v]);
	else
		*p += sprintf(*p, "%d", v);
}

/* A value of field f, biased towards the hours around DST transitions. */
static int
pick(int f, int lo, int hi)
{
	if (f == R_HOUR && rnd(2) == 0)
		return rnd(5);
	if (f == R_HOUR && rnd(4) == 0)
		return 22 + rnd(2);
	if ((f == R_SEC || f == R_MIN) && rnd(2) == 0)
		return rnd(4) * 15 + rnd(2) * rnd(15);
	return lo + rnd(hi - lo + 1);
}

/*
 * Writes one random field f (lo..hi, hi = 7 for day-of-week) at *p and
 * marks set[] (indexes lo..hi, Sunday folded to 0 by the caller).
 */
static void
gen_field(char **p, int f, int lo, int hi, bool *set, struct ref *r)
{
	int nel = rnd(10) < 7 ? 1 : rnd(3) < 2 ? 2 : 3, i, k, a, b, step, v, d;

	for (k = 0; k < nel; k++) {
		if (k > 0)
			*(*p)++ = ',';
		if (f == R_DOM && rnd(6) == 0) {
			switch (rnd(3)) {
			case 0:
				*(*p)++ = rnd(2) ? 'L' : 'l';
				r->dom_last = true;
				break;
			case 1:
				*p += sprintf(*p, "%s", rnd(2) ? "LW" : "lw");
				r->dom_lw = true;
				break;
			default:
				v = rnd(3) == 0 ? 1 + rnd(31) : (int[]){ 1, 15, 28, 29, 30, 31 }[rnd(6)];
				*p += sprintf(*p, "%d%c", v, rnd(2) ? 'W' : 'w');
				r->dom_w[v] = true;
			}
			continue;
		}
		if (f == R_DOW && rnd(5) == 0) {
			d = rnd(8);
			put_value(p, f, d);
			if (rnd(2) == 0) {
				*(*p)++ = rnd(2) ? 'L' : 'l';
				r->dow_last[d % 7] = true;
			} else {
				i = 1 + rnd(5);
				*p += sprintf(*p, "#%d", i);
				r->dow_nth[d % 7][i] = true;
			}
			continue;
		}
		switch (k == 0 || rnd(4) == 0 ? rnd(7) : rnd(6)) {
		case 0:		/* v */
		case 1:
			v = pick(f, lo, hi);
			put_value(p, f, v);
			set[v] = true;
			break;
		case 2:		/* a-b */
			a = pick(f, lo, hi);
			b = pick(f, lo, hi);
			if (a > b)
				v = a, a = b, b = v;
			put_value(p, f, a);
			*(*p)++ = '-';
			if (f == R_DOW && b == 7 && a > 0 && rnd(2) == 0)
				put_name(p, "sun");
			else
				put_value(p, f, b);
			for (v = a; v <= b; v++)
				set[v] = true;
			break;
		case 3:		/* a-b/n */
			a = pick(f, lo, hi);
			b = pick(f, lo, hi);
			if (a > b)
				v = a, a = b, b = v;
			step = 1 + rnd(rnd(2) ? 4 : hi);
			put_value(p, f, a);
			*(*p)++ = '-';
			put_value(p, f, b);
			*p += sprintf(*p, "/%d", step);
			for (v = a; v <= b; v += step)
				set[v] = true;
			break;
		case 4:		/* a/n */
			a = pick(f, lo, hi);
			step = 1 + rnd(rnd(2) ? 4 : hi);
			put_value(p, f, a);
			*p += sprintf(*p, "/%d", step);
			for (v = a; v <= hi; v += step)
				set[v] = true;
			break;
		case 5:		/* * / n */
			step = 1 + rnd(rnd(2) ? 4 : hi);
			*p += sprintf(*p, "*/%d", step);
			for (v = lo; v <= hi; v += step)
				set[v] = true;
			break;
		default:	/* * */
			*(*p)++ = '*';
			for (v = lo; v <= hi; v++)
				set[v] = true;
		}
	}
}

/* A random schedule: text into buf, sets into *r. */
static void
gen_expr(char *buf, struct ref *r)
{
	char *p = buf;
	bool dow8[8] = { false };
	char *field_start;
	int i;

	memset(r, 0, sizeof(*r));
	if (rnd(3) == 0) {
		gen_field(&p, R_SEC, 0, 59, r->sec, r);
		*p++ = ' ';
	} else
		r->sec[0] = true;
	gen_field(&p, R_MIN, 0, 59, r->min, r);
	*p++ = ' ';
	field_start = p;
	if (rnd(5) < 2) {
		*p++ = '*';
		for (i = 0; i < 24; i++)
			r->hour[i] = true;
		if (rnd(2) == 0) {
			int step = 1 + rnd(6);

			memset(r->hour, 0, sizeof(r->hour));
			p += sprintf(p, "/%d", step);
			for (i = 0; i < 24; i += step)
				r->hour[i] = true;
		}
	} else
		gen_field(&p, R_HOUR, 0, 23, r->hour, r);
	r->periodic = *field_start == '*';
	*p++ = ' ';
	field_start = p;
	if (rnd(5) < 3) {
		*p++ = rnd(8) == 0 ? '?' : '*';
		for (i = 1; i <= 31; i++)
			r->dom[i] = true;
	} else
		gen_field(&p, R_DOM, 1, 31, r->dom, r);
	r->dom_star = *field_start == '*' || *field_start == '?';
	*p++ = ' ';
	if (rnd(4) < 3) {
		*p++ = '*';
		for (i = 1; i <= 12; i++)
			r->mon[i] = true;
	} else
		gen_field(&p, R_MON, 1, 12, r->mon, r);
	*p++ = ' ';
	field_start = p;
	if (rnd(5) < 3) {
		*p++ = rnd(8) == 0 ? '?' : '*';
		for (i = 0; i < 7; i++)
			r->dow[i] = true;
	} else {
		gen_field(&p, R_DOW, 0, 7, dow8, r);
		for (i = 0; i < 8; i++)
			if (dow8[i])
				r->dow[i % 7] = true;
	}
	r->dow_star = *field_start == '*' || *field_start == '?';
	*p = '\0';
}

static bool
ref_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
ref_dim(int y, int m)
{
	static const int dim[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && ref_leap(y) ? 29 : dim[m];
}

/* Weekday of a date, from glibc's UTC calendar. */
static int
ref_wday(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	return tm.tm_wday;
}

static bool
ref_workday(int y, int m, int d)
{
	int w = ref_wday(y, m, d);

	return w >= 1 && w <= 5;
}

/* The weekday nearest day n within the month, by trying distances 0, 1, 2, ... */
static int
ref_nearest_weekday(int y, int m, int n)
{
	int dim = ref_dim(y, m), k;

	if (n > dim)
		return 0;
	for (k = 0; k < 7; k++) {
		if (n - k >= 1 && ref_workday(y, m, n - k))
			return n - k;
		if (n + k <= dim && ref_workday(y, m, n + k))
			return n + k;
	}
	return 0;
}

static bool
ref_day(const struct ref *r, int y, int m, int d)
{
	int dim = ref_dim(y, m), wd = ref_wday(y, m, d), n, last;
	bool dom_ok, dow_ok;

	if (!r->mon[m])
		return false;
	dom_ok = r->dom[d] || (r->dom_last && d == dim);
	if (r->dom_lw) {
		for (last = dim; !ref_workday(y, m, last); last--)
			;
		dom_ok = dom_ok || d == last;
	}
	for (n = 1; n <= 31; n++)
		if (r->dom_w[n] && ref_nearest_weekday(y, m, n) == d)
			dom_ok = true;
	dow_ok = r->dow[wd] || (r->dow_last[wd] && d + 7 > dim) ||
	    r->dow_nth[wd][(d - 1) / 7 + 1];
	return r->dom_star || r->dow_star ? dom_ok && dow_ok : dom_ok || dow_ok;
}

static void
ref_local(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	REQUIRE(localtime_r(&tt, tm) != NULL, "localtime_r(%lld)", (long long)t);
}

static bool
ref_match(const struct ref *r, const struct tm *tm)
{
	return r->sec[tm->tm_sec] && r->min[tm->tm_min] && r->hour[tm->tm_hour] &&
	    ref_day(r, tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday);
}

/* Whether a local time (seconds, read as UTC) in [a, b] matches. */
static bool
ref_match_range(const struct ref *r, int64_t a, int64_t b)
{
	struct tm tm;
	time_t tt;

	while (a <= b) {
		tt = (time_t)a;
		gmtime_r(&tt, &tm);
		if (ref_match(r, &tm))
			return true;
		a++;
	}
	return false;
}

/*
 * The first fire instant after `after`, by visiting instants in order:
 * SPEC §2 read literally. lmax is the latest local time shown so far. A
 * periodic schedule fires at t when local(t) matches. A fixed-time one fires
 * at t when some matching local time L has lmax < L <= local(t): L shows for
 * the first time (L == local(t)) or was jumped over by a gap (L < local(t)).
 * Non-matching stretches are skipped whole: a day, an hour or the rest of a
 * minute, but a skip longer than the current minute is taken only when the
 * offset is the same at both ends (zones here change offsets at whole
 * minutes, by whole minutes, never twice within a day: checked when the
 * transitions are collected). Returns -1 past the horizon.
 */
static int64_t
ref_next(const struct ref *r, int64_t after, int64_t horizon_s)
{
	struct tm tm, tm2;
	int64_t t, lmax, local, step, w;

	/* Warm-up: local time is the largest at the end of each UTC minute,
	 * and folds are shorter than three hours. */
	ref_local(after, &tm);
	lmax = after + tm.tm_gmtoff;
	for (w = after - (after % 60 + 60) % 60 - 1; w > after - 3 * 3600; w -= 60) {
		ref_local(w, &tm);
		if (w + tm.tm_gmtoff > lmax)
			lmax = w + tm.tm_gmtoff;
	}
	for (t = after + 1; t <= after + horizon_s; t += step) {
		ref_local(t, &tm);
		REQUIRE(tm.tm_gmtoff % 60 == 0, "offset %ld", (long)tm.tm_gmtoff);
		local = t + tm.tm_gmtoff;
		if (r->periodic) {
			if (ref_match(r, &tm))
				return t;
		} else {
			if (local > lmax && ref_match(r, &tm))
				return t;
			if (local > lmax + 1 && ref_match_range(r, lmax + 1, local - 1))
				return t;
		}
		if (local > lmax)
			lmax = local;
		if (!ref_day(r, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
			step = 86400 - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
		else if (!r->hour[tm.tm_hour])
			step = 3600 - (tm.tm_min * 60 + tm.tm_sec);
		else if (!r->min[tm.tm_min])
			step = 60 - tm.tm_sec;
		else
			step = 1;
		if (step > 60 - tm.tm_sec) {
			ref_local(t + step, &tm2);
			if (tm2.tm_gmtoff != tm.tm_gmtoff)
				step = 60 - tm.tm_sec;
		}
		if (t + step - 1 + tm.tm_gmtoff > lmax)
			lmax = t + step - 1 + tm.tm_gmtoff;
	}
	return -1;
}

static const char *const ref_zones[] = {
	"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC",
	"Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham", "Europe/Dublin",
	"Africa/Casablanca", "America/Santiago",
};

#define REF_CASES_PER_ZONE	1500
#define REF_HORIZON_S		(400 * 86400)
#define REF_FROM		INT64_C(1577836800)	/* 2020-01-01 */
#define REF_TO			INT64_C(2082758400)	/* 2036-01-01 */

/* Transitions of the zone in glibc's view, 2019-2038, found by sampling
 * every six hours and bisecting. */
static size_t
ref_transitions(int64_t *out, size_t max)
{
	struct tm a, b, m;
	int64_t t, lo, hi, mid;
	size_t n = 0;

	for (t = REF_FROM - 366 * 86400; t < REF_TO + 2 * 366 * 86400; t += 6 * 3600) {
		ref_local(t, &a);
		ref_local(t + 6 * 3600, &b);
		if (a.tm_gmtoff == b.tm_gmtoff)
			continue;
		lo = t;
		hi = t + 6 * 3600;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			ref_local(mid, &m);
			if (m.tm_gmtoff == a.tm_gmtoff)
				lo = mid;
			else
				hi = mid;
		}
		REQUIRE(hi % 60 == 0, "transition at %lld not at a whole minute",
		    (long long)hi);
		REQUIRE(n == 0 || hi - out[n - 1] > 2 * 86400,
		    "transitions %lld and %lld within two days", (long long)out[n - 1],
		    (long long)hi);
		if (n < max)
			out[n++] = hi;
	}
	return n;
}

static uint64_t
ref_seed(void)
{
	static uint64_t seed;
	const char *env;

	if (seed != 0)
		return seed;
	env = getenv("CRONEXPR_SEED");
	if (env != NULL && *env != '\0')
		seed = strtoull(env, NULL, 0);
	else
		seed = (uint64_t)time(NULL);
	if (seed == 0)
		seed = 1;
	return seed;
}

START_TEST(reference)
{
	const char *zname = ref_zones[_i];
	int64_t trans[128], after, want, got, got2, want2;
	struct cronexpr ce;
	struct ref r;
	struct tz *zone;
	struct tm tm1, tm2;
	char expr[256], err[256], a[64], b[64], c[64];
	size_t ntrans;
	int i, skipped = 0, never = 0, fired = 0, chained = 0;
	uint64_t seed = ref_seed();

	rng_state = seed * UINT64_C(0x9E3779B97F4A7C15) + (uint64_t)_i + 1;
	if (rng_state == 0)
		rng_state = 1;
	setenv("TZ", zname, 1);
	tzset();
	zone = load_zone(zname);
	ntrans = ref_transitions(trans, NELEM(trans));

	for (i = 0; i < REF_CASES_PER_ZONE; i++) {
		gen_expr(expr, &r);
		if (cronexpr_parse(&ce, expr, err, sizeof(err)) == -1) {
			/* Only a schedule that never fires may be refused: check
			 * 2001-2028 (every calendar of 1901-2099) and 2100. */
			int y, m, d;

			REQUIRE(strstr(err, "never fires") != NULL, "'%s': %s", expr, err);
			for (y = 2001; y <= 2100; y = y == 2028 ? 2100 : y + 1)
				for (m = 1; m <= 12; m++)
					for (d = 1; d <= ref_dim(y, m); d++)
						REQUIRE(!ref_day(&r, y, m, d),
						    "'%s' refused, but fires on %d-%02d-%02d",
						    expr, y, m, d);
			never++;
			continue;
		}
		REQUIRE(ce.periodic == r.periodic, "'%s': periodic", expr);
		if (ntrans > 0 && rnd(5) < 3) {
			after = trans[rnd((int)ntrans)] +
			    (rnd(2) ? rnd(6 * 3600) - 3 * 3600 : rnd(4 * 86400) - 2 * 86400);
		} else
			after = REF_FROM + (int64_t)(rng() % (uint64_t)(REF_TO - REF_FROM));
		got = cronexpr_next(&ce, zone, after);
		want = ref_next(&r, after, REF_HORIZON_S);
		if (want == -1) {
			REQUIRE(got > after + REF_HORIZON_S,
			    "'%s' in %s after %s: got %s, reference: nothing within the horizon",
			    expr, zname, tz_format_iso(zone, after, a, sizeof(a)),
			    tz_format_iso(zone, got, b, sizeof(b)));
			skipped++;
			continue;
		}
		REQUIRE(got == want, "'%s' in %s after %s (%lld): got %s, want %s (seed %llu)",
		    expr, zname, tz_format_iso(zone, after, a, sizeof(a)), (long long)after,
		    got == CRONEXPR_NEVER ? "never" : tz_format_iso(zone, got, b, sizeof(b)),
		    tz_format_iso(zone, want, c, sizeof(c)), (unsigned long long)seed);
		fired++;

		/* From a fire instant: the next one is later and, for
		 * fixed-time schedules, shows a later local time. */
		got2 = cronexpr_next(&ce, zone, got);
		REQUIRE(got2 > got, "'%s': next after %lld is %lld", expr,
		    (long long)got, (long long)got2);
		if (rnd(3) == 0) {
			want2 = ref_next(&r, got, REF_HORIZON_S);
			if (want2 != -1) {
				REQUIRE(got2 == want2,
				    "'%s' in %s after %s: got %s, want %s (seed %llu)", expr,
				    zname, tz_format_iso(zone, got, a, sizeof(a)),
				    got2 == CRONEXPR_NEVER ? "never" :
				    tz_format_iso(zone, got2, b, sizeof(b)),
				    tz_format_iso(zone, want2, c, sizeof(c)),
				    (unsigned long long)seed);
				chained++;
			}
		}
		if (!ce.periodic && got2 != CRONEXPR_NEVER) {
			ref_local(got, &tm1);
			ref_local(got2, &tm2);
			REQUIRE(got2 + tm2.tm_gmtoff > got + tm1.tm_gmtoff,
			    "'%s' fixed-time in %s: %s then %s", expr, zname,
			    tz_format_iso(zone, got, a, sizeof(a)),
			    tz_format_iso(zone, got2, b, sizeof(b)));
		}
	}
	fprintf(stderr, "cronexpr reference: %s: %d compared, %d chained, %d never, "
	    "%d beyond the horizon (seed %llu; CRONEXPR_SEED repeats it)\n", zname, fired,
	    chained, never, skipped, (unsigned long long)seed);
	ck_assert_msg(skipped * 20 < REF_CASES_PER_ZONE, "%d cases beyond the horizon", skipped);
	ck_assert_msg(fired * 10 > REF_CASES_PER_ZONE * 8, "only %d cases compared", fired);
	tz_free(zone);
	unsetenv("TZ");
	tzset();
}
END_TEST

Suite *
cronexpr_suite(void)
{
	Suite *s = suite_create("cronexpr");
	TCase *tc = tcase_create("tables");
	TCase *tr = tcase_create("reference");

	tcase_add_loop_test(tc, next_table, 0, NELEM(next_cases));
	tcase_add_loop_test(tc, bad_table, 0, NELEM(bad_cases));
	tcase_add_loop_test(tc, same_table, 0, NELEM(same_cases));
	tcase_add_test(tc, error_buffer);
	tcase_add_test(tc, kinds_and_flags);
	tcase_add_test(tc, every_next);
	tcase_add_test(tc, limits);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tr, 60);
	tcase_add_loop_test(tr, reference, 0, NELEM(ref_zones));
	suite_add_tcase(s, tr);
	return s;
}
