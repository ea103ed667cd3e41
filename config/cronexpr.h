/*
 * cronexpr: the schedule language of SPEC §2, pure. Parses 5- and 6-field
 * expressions, names, ranges, steps, lists, ?, L, LW, nW, nL, n#k and the
 * @macros, and computes the next fire instant after a given instant in a
 * zone, with SPEC §2's DST rules. No allocation: struct cronexpr is a value.
 */
#ifndef SCHEDD_CRONEXPR_H
#define SCHEDD_CRONEXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define CRONEXPR_NEVER INT64_MAX

/* One byte (packed), so that struct cronexpr has no hole before every_ms. */
enum __attribute__((packed)) cronexpr_kind {
	CRONEXPR_CALENDAR,	/* fields, or a calendar macro (@daily ...) */
	CRONEXPR_REBOOT,	/* @reboot: once at daemon start */
	CRONEXPR_EVERY,		/* @every DURATION: start + k * interval */
};

/*
 * A parsed schedule. Plain fixed-size value: copy it, compare it with
 * memcmp (parse zeroes every byte first), hash its bytes. Only kind,
 * every_ms and periodic are meant to be read outside cronexpr.c.
 */
struct cronexpr {
	enum cronexpr_kind kind;
	bool		periodic;	/* hour field starts with '*' (SPEC §2) */
	bool		dom_star, dow_star;	/* field starts with '*' or '?' */
	bool		dom_last;	/* L: last day of the month */
	bool		dom_last_w;	/* LW: last weekday of the month */
	int64_t		every_ms;	/* CRONEXPR_EVERY only, > 0 */
	uint64_t	sec, min;	/* bit n: second/minute n */
	uint32_t	hour;		/* bit n: hour n */
	uint32_t	dom;		/* bit n: day of month n (1..31) */
	uint32_t	dom_w;		/* bit n: weekday nearest day n (nW) */
	uint16_t	mon;		/* bit n: month n (1..12) */
	uint8_t		dow;		/* bit n: weekday n (0 = Sunday) */
	uint8_t		dow_last;	/* bit n: last weekday n of the month (nL) */
	uint8_t		dow_nth[7];	/* dow_nth[d] bit k: k-th weekday d (k 1..5) */
};

/*
 * Parses TEXT (surrounding blanks allowed) into *out. Returns 0, or -1 with
 * a precise message in err naming the field and the problem ("minute
 * field: value 60 out of range 0-59"); *out is then unspecified. A calendar
 * expression that can never fire (0 0 30 2 *) is an error. Cheap: about a
 * microsecond, the never-fires check included.
 */
int cronexpr_parse(struct cronexpr *out, const char *text, char *err, size_t errlen);

/*
 * The first fire instant (Unix seconds) strictly after after_s in ZONE,
 * following SPEC §2's DST rules, or CRONEXPR_NEVER (REBOOT and EVERY
 * schedules, or nothing within 400 years, or past year 9999). Periodic
 * schedules fire at every instant whose local time matches; fixed-time ones
 * at the first occurrence of each matching local time, and once at the end
 * of a gap that swallowed matching local times. Bounded time.
 */
int64_t cronexpr_next(const struct cronexpr *ce, const struct tz *zone, int64_t after_s);

/*
 * For CRONEXPR_EVERY: the first due time strictly after after_ms of the
 * series start_ms + k * every_ms, k >= 1. Milliseconds, any epoch.
 * CRONEXPR_NEVER for other kinds or on overflow.
 */
int64_t cronexpr_every_next(const struct cronexpr *ce, int64_t start_ms, int64_t after_ms);

#endif
