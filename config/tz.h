/*
 * tz: IANA time zones read from TZif files (/usr/share/zoneinfo), converted
 * between Unix seconds and local civil time without touching TZ, tzset() or
 * any other process-global state. Beyond the last transition listed in the
 * file, the file's POSIX TZ footer rule is applied. A loaded zone is
 * immutable and may be shared freely, also between threads. Instants are
 * clamped to +-10^15 s (about +-31 million years).
 */
#ifndef SCHEDD_TZ_H
#define SCHEDD_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* Local civil time. Fields are normalised (mon 1..12, mday 1..31, hour 0..23,
 * min 0..59, sec 0..59); wday 0 = Sunday; yday 0..365; utoff_s is the offset
 * east of UTC in seconds that applies (filled by tz_local only). */
struct tz_civil {
	int	year, mon, mday, hour, min, sec;
	int	wday, yday;
	int32_t	utoff_s;
};

#define TZ_NO_TRANSITION INT64_MAX

/*
 * Loads zone NAME: an IANA name ("Europe/Berlin", "UTC", "Etc/GMT+5").
 * NULL or "" means the system zone: /etc/localtime, named after its symlink
 * target below .../zoneinfo/ (else "localtime"); UTC when it cannot be read.
 * "UTC" needs no file (it is tz_utc()). Names that are absolute, contain
 * "..", empty or dot-led components, or characters outside [A-Za-z0-9._+-/]
 * are refused. Reads $TZDIR/NAME if TZDIR is set, else
 * /usr/share/zoneinfo/NAME. The only function here that reads files or the
 * environment. Returns NULL and fills err ("unknown time zone 'X'") on error.
 */
struct tz *tz_load(const char *name, char *err, size_t errlen);

/*
 * Parses a TZif image (RFC 8536, versions 1-4: the 64-bit block of version
 * 2+, else the version 1 block) already in memory, with its POSIX TZ footer
 * (version 3 extensions included). NAME is copied (NULL: "localtime").
 * Refuses damaged or truncated data, leap-second (right/) zones and footer
 * rules whose years overlap, with a message. Pure.
 */
struct tz *tz_parse(const char *name, const unsigned char *buf, size_t len,
    char *err, size_t errlen);

/* The zone UTC, built without any file: a static zone, never NULL;
 * tz_free ignores it. */
struct tz *tz_utc(void);

/* Frees a zone from tz_load or tz_parse; NULL and tz_utc() are ignored. */
void tz_free(struct tz *zone);

/* The name given at load time ("UTC", "Europe/Berlin"; the resolved system
 * zone name when known, else "localtime"). */
const char *tz_name(const struct tz *zone);

/* Unix seconds -> local civil time (all fields filled, utoff_s included).
 * A table lookup: about 20 ns for instants up to 2100; later ones compute
 * the footer rule (about 100 ns). */
void tz_local(const struct tz *zone, int64_t t_s, struct tz_civil *out);

/*
 * Local civil time (year..sec of *lt; other fields ignored; fields must be
 * normalised) -> Unix seconds. Returns the number of instants that show this
 * local time: 1 normally; 2 in a fold (out[0] < out[1]); 0 in a gap, with
 * out[0] set to the first instant after the gap (the transition instant).
 * A local time shown three or more times (folds closer together than their
 * size, not in tzdata) reports its first and last instant.
 */
int tz_resolve(const struct tz *zone, const struct tz_civil *lt, int64_t out[2]);

/* The first transition instant strictly after t_s (a change of UTC offset;
 * a change of abbreviation or isdst alone does not count), or
 * TZ_NO_TRANSITION when the offset never changes again. */
int64_t tz_next_transition(const struct tz *zone, int64_t t_s);

/* Civil-calendar helpers shared with the schedule engine, proleptic
 * Gregorian, exact for years -9999..9999 and far beyond (days are clamped to
 * +-10^15 s worth). Pure. tz_days_from_civil carries a month outside 1..12
 * into the year and a mday outside the month into the next or previous. */
int64_t tz_days_from_civil(int year, int mon, int mday);   /* days since 1970-01-01 */
void tz_civil_from_days(int64_t days, int *year, int *mon, int *mday);
int tz_days_in_month(int year, int mon);	/* 28..31; 0 if mon not 1..12 */

/* Formats t_s as ISO 8601 local time with offset, "2026-03-29T03:00:00+02:00"
 * (UTC gives "+00:00", never "Z"; an offset with seconds, as old local mean
 * times have, gives "+00:19:32"). buf needs at least 32 bytes (shorter is
 * truncated, still NUL-terminated). Returns buf. */
char *tz_format_iso(const struct tz *zone, int64_t t_s, char *buf, size_t buflen);

#endif
