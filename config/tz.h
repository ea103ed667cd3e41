/*
 * tz: IANA time zones read from TZif files (/usr/share/zoneinfo), converted
 * between Unix seconds and local civil time without touching TZ, tzset() or
 * any other process-global state. Beyond the last transition listed in the
 * file, the file's POSIX TZ footer rule is applied. A loaded zone is
 * immutable and may be shared freely.
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
 * NULL or "" means the system zone (/etc/localtime, else UTC).
 * Names that are absolute or contain ".." are refused. Reads files below
 * $TZDIR if set, else /usr/share/zoneinfo. Returns NULL and fills err on error.
 */
struct tz *tz_load(const char *name, char *err, size_t errlen);

/* Parses a TZif image (versions 1-4) already in memory. Pure. */
struct tz *tz_parse(const char *name, const unsigned char *buf, size_t len,
    char *err, size_t errlen);

/* The zone UTC, built without any file. */
struct tz *tz_utc(void);

void tz_free(struct tz *zone);

/* The name given at load time ("UTC", "Europe/Berlin"; the resolved system
 * zone name when known, else "localtime"). */
const char *tz_name(const struct tz *zone);

/* Unix seconds -> local civil time (all fields filled, utoff_s included). */
void tz_local(const struct tz *zone, int64_t t_s, struct tz_civil *out);

/*
 * Local civil time (year..sec of *lt; other fields ignored; fields must be
 * normalised) -> Unix seconds. Returns the number of instants that show this
 * local time: 1 normally; 2 in a fold (out[0] < out[1]); 0 in a gap, with
 * out[0] set to the first instant after the gap (the transition instant).
 */
int tz_resolve(const struct tz *zone, const struct tz_civil *lt, int64_t out[2]);

/* The first transition instant strictly after t_s (a change of UTC offset),
 * or TZ_NO_TRANSITION when the offset never changes again. */
int64_t tz_next_transition(const struct tz *zone, int64_t t_s);

/* Civil-calendar helpers shared with the schedule engine. Pure. */
int64_t tz_days_from_civil(int year, int mon, int mday);   /* days since 1970-01-01 */
void tz_civil_from_days(int64_t days, int *year, int *mon, int *mday);
int tz_days_in_month(int year, int mon);

/* Formats t_s as ISO 8601 local time with offset, "2026-03-29T03:00:00+02:00"
 * (UTC gives "+00:00"). buf needs at least 32 bytes. Returns buf. */
char *tz_format_iso(const struct tz *zone, int64_t t_s, char *buf, size_t buflen);

#endif
