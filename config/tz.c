/*
 * tz: TZif files (RFC 8536, versions 1-4) and their POSIX TZ footer rules,
 * turned at load time into one immutable, indexed table of UTC-offset
 * changes, so that conversions are a lookup plus calendar arithmetic. No
 * process-global state: TZ, tzset() and localtime() are never used. Only
 * tz_load reads the environment and the file system; the rest is pure.
 */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY_S			86400
#define HOUR_S			3600
/* Rule transitions are expanded into the table up to the end of this year;
 * later instants compute the footer rule per call. */
#define EXPAND_LAST_YEAR	2100
/* A footer rule is not expanded from a last transition earlier than this
 * (zic's "big bang" placeholders); such zones compute the rule per call. */
#define EXPAND_FIRST_YEAR	1800
/* Instants are clamped to about +-31 million years: civil years fit an int. */
#define T_LIMIT_S		1000000000000000LL
/* File transition times beyond this (2^60) are refused. */
#define TZIF_T_LIMIT_S		(1LL << 60)
/* RFC 8536 3.2: utoff SHOULD be in (-25h, +26h). */
#define UTOFF_MIN_S		(-89999)
#define UTOFF_MAX_S		93599
#define TZIF_MAX_BYTES		(4 << 20)
/* Day numbers shifted by this many 400-year eras are non-negative for every
 * instant within T_LIMIT_S, so calendar arithmetic is unsigned division by
 * constants. 146097 days is a whole number of weeks too. */
#define SHIFT_ERAS		INT64_C(100000)
#define SHIFT_DAYS		(INT64_C(146097) * SHIFT_ERAS)
/* The index buckets of 2^22 s (48.5 days) cover 1900 to the table's end. */
#define BUCKET_SHIFT		22
#define BUCKET_FIRST_S		INT64_C(-2208988800)	/* 1900-01-01 */
#define NAME_MAX_LEN		255
#define DEFAULT_TZDIR		"/usr/share/zoneinfo"
#define SYSTEM_ZONE_PATH	"/etc/localtime"

enum rule_kind {
	RULE_MONTH,		/* Mm.w.d */
	RULE_JULIAN1,		/* Jn: 1..365, February 29 never counted */
	RULE_JULIAN0,		/* n: 0..365, February 29 counted */
};

struct rule_date {
	enum rule_kind	kind;
	int		mon, week, wday;	/* RULE_MONTH */
	int		yday;			/* RULE_JULIAN1 / RULE_JULIAN0 */
	int32_t		time_s;			/* local time of day, -167h..167h */
};

/* A POSIX TZ rule with DST; offsets east of UTC. */
struct tz_rule {
	int32_t		std_off_s, dst_off_s;
	struct rule_date start, end;
};

/*
 * The zone: at[0..n-1] ascending instants where the UTC offset changes;
 * off[0] applies before at[0], off[i + 1] from at[i] on. The table is exact
 * for t < table_end_s; from table_end_s on, the footer rule is computed.
 * For t in [BUCKET_FIRST_S, bucket_end_s), bucket k = (t - BUCKET_FIRST_S)
 * >> BUCKET_SHIFT narrows the search to at[bucket[k] .. bucket[k + 1] - 1].
 * min_off_s..max_off_s bound every offset the zone can produce.
 */
struct tz {
	const char	*name;
	bool		 builtin;
	size_t		 n;
	const int64_t	*at;
	const int32_t	*off;
	const uint32_t	*bucket;
	int64_t		 bucket_end_s;
	int64_t		 table_end_s;
	int32_t		 min_off_s, max_off_s;
	struct tz_rule	 rule;
};

/* [start_s, end_s) holds offset off_s (a neighbour may hold the same one,
 * at the table's end); idx is the table index of off_s while from_table. */
struct span {
	int64_t	start_s, end_s;
	int32_t	off_s;
	size_t	idx;
	bool	from_table;
};

static const int32_t utc_off[1] = { 0 };
static const struct tz utc_zone = {
	.name = "UTC", .builtin = true, .n = 0, .at = NULL, .off = utc_off,
	.bucket = NULL, .bucket_end_s = BUCKET_FIRST_S,
	.table_end_s = INT64_MAX, .min_off_s = 0, .max_off_s = 0,
};

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date; any month number is
 * carried into the year. */
static int64_t
days_from_civil64(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	if (m < 1 || m > 12) {
		y += floor_div(m - 1, 12);
		m -= 12 * floor_div(m - 1, 12);
	}
	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The date of day DAYS (|DAYS| < SHIFT_DAYS - 719468), after Neri and
 * Schneider, "Euclidean affine functions and their application to calendar
 * algorithms" (2022): years begin on March 1 inside, so that February comes
 * last, and every division is by a constant.
 */
static void
civil_from_days64(int64_t days, int64_t *year, int *mon, int *mday, int *yday)
{
	uint64_t n1 = 4 * (uint64_t)(days + 719468 + SHIFT_DAYS) + 3;
	uint64_t cent = n1 / 146097;				/* centuries */
	uint32_t n2 = 4 * ((uint32_t)(n1 % 146097) / 4) + 3;
	uint64_t p2 = UINT64_C(2939745) * n2;
	uint32_t yoc = (uint32_t)(p2 >> 32);			/* year of century */
	uint32_t doy = (uint32_t)p2 / 2939745 / 4;		/* 0 = March 1 */
	uint32_t n3 = 2141 * doy + 197913;
	bool jan_feb = doy >= 306;
	int64_t y = (int64_t)(100 * cent + yoc) - 400 * SHIFT_ERAS;

	*year = y + jan_feb;
	*mon = (int)(jan_feb ? (n3 >> 16) - 12 : n3 >> 16);
	*mday = (int)((n3 & 0xffff) / 2141 + 1);
	/* March..December belong to civil year y: leap as February before. */
	if (yday != NULL)
		*yday = (int)(jan_feb ? doy - 306 :
		    doy + 59 + (yoc % 4 == 0 && (yoc != 0 || cent % 4 == 0)));
}

int64_t
tz_days_from_civil(int year, int mon, int mday)
{
	return days_from_civil64(year, mon, mday);
}

void
tz_civil_from_days(int64_t days, int *year, int *mon, int *mday)
{
	const int64_t lim = T_LIMIT_S / DAY_S;
	int64_t y;

	civil_from_days64(days < -lim ? -lim : days > lim ? lim : days, &y, mon, mday, NULL);
	*year = (int)y;
}

int
tz_days_in_month(int year, int mon)
{
	static const unsigned char dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (mon < 1 || mon > 12)
		return 0;
	return dim[mon - 1] + (mon == 2 && is_leap(year));
}

static int64_t
clamp_t(int64_t t_s)
{
	if (t_s > T_LIMIT_S)
		return T_LIMIT_S;
	if (t_s < -T_LIMIT_S)
		return -T_LIMIT_S;
	return t_s;
}

static int64_t
year_of(int64_t t_s)
{
	int64_t y;
	int m, d;

	civil_from_days64(floor_div(clamp_t(t_s), DAY_S), &y, &m, &d, NULL);
	return y;
}

/*
 * Appends "from a_s on, the offset is o_s" to a table whose off[] has *n + 1
 * entries. Keeps the table minimal: no entry that leaves the offset
 * unchanged, and two changes at one instant collapse into one. Out-of-order
 * input (only from nonsensical rules) is dropped to keep at[] sorted.
 */
static void
table_push(int64_t *at, int32_t *off, size_t *n, int64_t a_s, int32_t o_s)
{
	size_t k = *n;

	if (k > 0 && a_s <= at[k - 1]) {
		if (a_s < at[k - 1])
			return;
		off[k] = o_s;
		if (off[k - 1] == o_s)
			*n = k - 1;
		return;
	}
	if (off[k] == o_s)
		return;
	at[k] = a_s;
	off[k + 1] = o_s;
	*n = k + 1;
}

/*
 * Number of entries of a[0..n-1] (ascending) that are <= t_s. Branch-free
 * (the comparison feeds an add, not a jump): random instants would
 * mispredict half the branches. Invariant: everything before base is
 * <= t_s, everything from base + n on is > t_s.
 */
static size_t
upper_bound(const int64_t *a, size_t n, int64_t t_s)
{
	const int64_t *base = a;

	if (n == 0)
		return 0;
	while (n > 1) {
		size_t half = n / 2;

		base += (size_t)(base[half] <= t_s) * half;
		n -= half;
	}
	return (size_t)(base - a) + (base[0] <= t_s);
}

/* Number of table entries <= t_s: through the bucket index when t_s is in
 * its range (usually none or one entry to compare), else a binary search. */
static size_t
table_index(const struct tz *z, int64_t t_s)
{
	size_t k, lo;

	if (t_s >= BUCKET_FIRST_S && t_s < z->bucket_end_s) {
		k = (size_t)((uint64_t)(t_s - BUCKET_FIRST_S) >> BUCKET_SHIFT);
		lo = z->bucket[k];
		return lo + upper_bound(z->at + lo, z->bucket[k + 1] - lo, t_s);
	}
	return upper_bound(z->at, z->n, t_s);
}

/* ---- POSIX TZ rules ------------------------------------------------- */

static int64_t
rule_day(const struct rule_date *rd, int64_t y)
{
	int64_t first, day;
	int wday_first, dim;

	switch (rd->kind) {
	case RULE_JULIAN1:
		day = days_from_civil64(y, 1, 1) + rd->yday - 1;
		return day + (is_leap(y) && rd->yday >= 60);
	case RULE_JULIAN0:
		return days_from_civil64(y, 1, 1) + rd->yday;
	case RULE_MONTH:
		break;
	}
	first = days_from_civil64(y, rd->mon, 1);
	wday_first = (int)(first - 7 * floor_div(first + 4, 7) + 4);
	day = first + (rd->wday - wday_first + 7) % 7 + 7 * (rd->week - 1);
	dim = tz_days_in_month((int)(y % 400 + 2000), rd->mon);
	while (day >= first + dim)
		day -= 7;
	return day;
}

/* The two changes of year Y in ascending order, with the offset after each.
 * When both fall on one instant, DST has zero length, as in glibc. */
static void
rule_year(const struct tz_rule *r, int64_t y, int64_t at[2], int32_t off[2])
{
	int64_t s = rule_day(&r->start, y) * DAY_S + r->start.time_s - r->std_off_s;
	int64_t e = rule_day(&r->end, y) * DAY_S + r->end.time_s - r->dst_off_s;

	if (s <= e) {
		at[0] = s, off[0] = r->dst_off_s;
		at[1] = e, off[1] = r->std_off_s;
	} else {
		at[0] = e, off[0] = r->std_off_s;
		at[1] = s, off[1] = r->dst_off_s;
	}
}

/*
 * Checks a DST rule over one 400-year Gregorian cycle (146097 days, a whole
 * number of weeks, so every later cycle repeats it). The changes of
 * successive years must ascend and alternate (DST starts first every year,
 * or ends first every year), which gives every year two real changes.
 * A rule whose DST or standard time lasts zero time in every year (RFC 8536
 * 3.3.1 "daylight saving time all year") becomes a constant offset in
 * r->std_off_s with *has_dst false. Anything else is refused.
 */
static int
rule_check(struct tz_rule *r, bool *has_dst)
{
	int64_t a[2], b[2];
	int32_t o[2], ob[2], first_off_s;
	int y, years = 0, zero_in = 0, zero_across = 0, flips = 0;

	if (r->dst_off_s == r->std_off_s) {
		*has_dst = false;
		return 0;
	}
	rule_year(r, 2000, a, o);
	first_off_s = o[0];
	for (y = 2000; y < 2400; y++, years++) {
		rule_year(r, y + 1, b, ob);
		if (a[1] > b[0])
			return -1;
		zero_in += a[0] == a[1];
		zero_across += a[1] == b[0];
		flips += ob[0] != first_off_s;
		memcpy(a, b, sizeof(a));
		memcpy(o, ob, sizeof(o));
	}
	if (zero_in == 0 && zero_across == 0)
		return flips == 0 ? 0 : -1;
	if (zero_in == years && zero_across == 0)
		r->std_off_s = o[1];
	else if (zero_across == years && zero_in == 0)
		r->std_off_s = o[0];
	else
		return -1;
	*has_dst = false;
	return 0;
}

/*
 * The span of the footer rule that holds t_s. A change of year Y lies within
 * about 8 days of year Y (rule times are +-167 h), so for t_s in UTC year Y
 * those of Y - 2 are before it and those of Y + 2 after it: the first change
 * after t_s is found from Y - 1 on, and the offset before it follows from
 * alternation (rule_check). start_s is INT64_MIN when the change before
 * t_s was not computed, and may precede the table's end: walks use only the
 * offset and end of a first span.
 */
static void
rule_span(const struct tz_rule *r, int64_t t_s, struct span *s)
{
	int64_t a[2], y, yy;
	int32_t o[2];

	/* Beyond the supported range the offset is held constant, and every
	 * span still ends after the instant asked for, so walks progress. */
	if (t_s > T_LIMIT_S) {
		rule_span(r, T_LIMIT_S, s);
		s->start_s = T_LIMIT_S + 1;
		s->end_s = INT64_MAX;
		return;
	}
	if (t_s < -T_LIMIT_S) {
		rule_span(r, -T_LIMIT_S, s);
		s->start_s = INT64_MIN;
		s->end_s = -T_LIMIT_S;
		return;
	}
	y = year_of(t_s);
	s->idx = 0;
	s->from_table = false;
	s->start_s = INT64_MIN;
	for (yy = y - 1; yy <= y + 2; yy++) {
		rule_year(r, yy, a, o);
		if (a[0] > t_s) {
			s->end_s = a[0];
			s->off_s = o[1];
			return;
		}
		if (a[1] > t_s) {
			s->start_s = a[0];
			s->end_s = a[1];
			s->off_s = o[0];
			return;
		}
		s->start_s = a[1];
	}
	/* Not reached: year Y + 2 changes after t_s. */
	s->end_s = INT64_MAX;
	s->off_s = o[1];
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits,
 * '+' and '-'. Returns the end, or NULL. */
static const char *
parse_abbr(const char *p)
{
	const char *q;

	if (*p == '<') {
		for (q = p + 1; is_alpha(*q) || is_digit(*q) || *q == '+' || *q == '-'; q++)
			;
		return (*q == '>' && q - p - 1 >= 3) ? q + 1 : NULL;
	}
	for (q = p; is_alpha(*q); q++)
		;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] with 0 <= hh <= max_h; *out_s is signed as written. */
static const char *
parse_hms(const char *p, int max_h, int32_t *out_s)
{
	int sign = 1, part[3] = { 0, 0, 0 }, i, digits;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != ':')
				break;
			p++;
		}
		for (digits = 0; is_digit(*p); p++, digits++) {
			if (digits == 3)
				return NULL;
			part[i] = part[i] * 10 + (*p - '0');
		}
		if (digits == 0 || (i > 0 && (digits != 2 || part[i] > 59)))
			return NULL;
	}
	if (part[0] > max_h)
		return NULL;
	*out_s = sign * (part[0] * HOUR_S + part[1] * 60 + part[2]);
	return p;
}

static const char *
parse_num(const char *p, int lo, int hi, int *out)
{
	int v = 0, digits = 0;

	for (; is_digit(*p); p++) {
		if (++digits > 3)
			return NULL;
		v = v * 10 + (*p - '0');
	}
	if (digits == 0 || v < lo || v > hi)
		return NULL;
	*out = v;
	return p;
}

/* Mm.w.d, Jn or n, then an optional /time (default 02:00:00). */
static const char *
parse_rule_date(const char *p, struct rule_date *rd)
{
	memset(rd, 0, sizeof(*rd));
	if (*p == 'M') {
		rd->kind = RULE_MONTH;
		if ((p = parse_num(p + 1, 1, 12, &rd->mon)) == NULL || *p != '.' ||
		    (p = parse_num(p + 1, 1, 5, &rd->week)) == NULL || *p != '.' ||
		    (p = parse_num(p + 1, 0, 6, &rd->wday)) == NULL)
			return NULL;
	} else if (*p == 'J') {
		rd->kind = RULE_JULIAN1;
		if ((p = parse_num(p + 1, 1, 365, &rd->yday)) == NULL)
			return NULL;
	} else {
		rd->kind = RULE_JULIAN0;
		if ((p = parse_num(p, 0, 365, &rd->yday)) == NULL)
			return NULL;
	}
	rd->time_s = 2 * HOUR_S;
	if (*p == '/')
		p = parse_hms(p + 1, 167, &rd->time_s);
	return p;
}

/*
 * Parses a POSIX TZ string as RFC 8536 section 3.3 allows it in a footer
 * (with the version 3 extensions: rule times -167h..167h). Sets *has_dst;
 * without DST only r->std_off_s is meaningful. A DST zone without rules gets
 * the US rules, as glibc does.
 */
static int
parse_posix_tz(const char *text, struct tz_rule *r, bool *has_dst)
{
	const char *p = text;
	int32_t v;

	memset(r, 0, sizeof(*r));
	*has_dst = false;
	if ((p = parse_abbr(p)) == NULL || (p = parse_hms(p, 24, &v)) == NULL)
		return -1;
	r->std_off_s = -v;
	if (*p == '\0')
		return 0;
	if ((p = parse_abbr(p)) == NULL)
		return -1;
	r->dst_off_s = r->std_off_s + HOUR_S;
	if (*p != '\0' && *p != ',') {
		if ((p = parse_hms(p, 24, &v)) == NULL)
			return -1;
		r->dst_off_s = -v;
	}
	*has_dst = true;
	if (*p == '\0')
		p = ",M3.2.0,M11.1.0";
	if (*p != ',' || (p = parse_rule_date(p + 1, &r->start)) == NULL ||
	    *p != ',' || (p = parse_rule_date(p + 1, &r->end)) == NULL || *p != '\0')
		return -1;
	return rule_check(r, has_dst);
}

/* ---- TZif ----------------------------------------------------------- */

struct tzif_header {
	char		version;	/* 0, '2', '3', '4', ... */
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int
tzif_header(const unsigned char *p, size_t len, struct tzif_header *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = (char)p[4];
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return 0;
}

/* Size of the data block after a header; time_bytes is 4 (v1) or 8. */
static uint64_t
tzif_block_bytes(const struct tzif_header *h, unsigned time_bytes)
{
	return (uint64_t)h->timecnt * time_bytes + h->timecnt + (uint64_t)h->typecnt * 6 +
	    h->charcnt + (uint64_t)h->leapcnt * (time_bytes + 4) + h->isstdcnt + h->isutcnt;
}

/* Builds the zone from validated file data (see tz_parse). */
static struct tz *
tz_build(const char *name, size_t nf, const int64_t *file_at, const unsigned char *file_type,
    const int32_t *type_off, size_t ntypes, const struct tz_rule *rule, bool has_rule,
    bool has_dst, char *err, size_t errlen)
{
	struct tz *z = NULL;
	int64_t *at = NULL;
	int32_t *off = NULL;
	size_t cap, n = 0, i, nb;
	uint32_t *bucket;
	int64_t expand_end_s, y, yy, ra[2];
	int32_t ro[2];
	struct span rs;

	cap = nf + 2 * (EXPAND_LAST_YEAR - EXPAND_FIRST_YEAR + 8) + 1;
	if ((z = calloc(1, sizeof(*z))) == NULL || (at = malloc(cap * sizeof(*at))) == NULL ||
	    (off = malloc((cap + 1) * sizeof(*off))) == NULL ||
	    (z->name = strdup(name)) == NULL) {
		errf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	off[0] = type_off[0];
	z->table_end_s = INT64_MAX;
	if (has_rule)
		z->rule = *rule;
	for (i = 0; i + 1 < nf; i++)
		table_push(at, off, &n, file_at[i], type_off[file_type[i]]);
	if (!has_dst && nf > 0)
		table_push(at, off, &n, file_at[nf - 1],
		    has_rule ? rule->std_off_s : type_off[file_type[nf - 1]]);
	else if (!has_dst && has_rule)
		off[0] = rule->std_off_s;
	else if (has_dst && nf == 0)
		z->table_end_s = INT64_MIN;	/* the rule holds for all time */
	else if (has_dst) {
		/* From the last transition on, the footer rule decides (RFC 8536
		 * 3.3); tabulate its changes up to EXPAND_LAST_YEAR. */
		int64_t last_s = file_at[nf - 1];

		rule_span(rule, last_s, &rs);
		table_push(at, off, &n, last_s, rs.off_s);
		y = year_of(last_s);
		expand_end_s = days_from_civil64(EXPAND_LAST_YEAR + 1, 1, 1) * DAY_S;
		if (y < EXPAND_FIRST_YEAR || last_s >= expand_end_s)
			expand_end_s = last_s + 1;
		for (yy = y - 1; expand_end_s > last_s + 1 && yy <= EXPAND_LAST_YEAR + 1; yy++) {
			rule_year(rule, yy, ra, ro);
			for (i = 0; i < 2; i++)
				if (ra[i] > last_s && ra[i] < expand_end_s)
					table_push(at, off, &n, ra[i], ro[i]);
		}
		z->table_end_s = expand_end_s;
	}
	z->min_off_s = z->max_off_s = off[0];
	for (i = 0; i < ntypes; i++) {
		if (type_off[i] < z->min_off_s)
			z->min_off_s = type_off[i];
		if (type_off[i] > z->max_off_s)
			z->max_off_s = type_off[i];
	}
	if (has_rule) {
		int32_t lo = rule->std_off_s, hi = has_dst ? rule->dst_off_s : lo;

		if (lo > hi)
			lo = hi, hi = rule->std_off_s;
		if (lo < z->min_off_s)
			z->min_off_s = lo;
		if (hi > z->max_off_s)
			z->max_off_s = hi;
	}
	z->n = n;
	z->at = at;
	z->off = off;

	/* The bucket index, up to the table's end but not past 2101. */
	z->bucket_end_s = days_from_civil64(EXPAND_LAST_YEAR + 1, 1, 1) * DAY_S;
	if (z->table_end_s < z->bucket_end_s)
		z->bucket_end_s = z->table_end_s;
	if (z->bucket_end_s < BUCKET_FIRST_S)
		z->bucket_end_s = BUCKET_FIRST_S;
	nb = (size_t)((uint64_t)(z->bucket_end_s - BUCKET_FIRST_S) >> BUCKET_SHIFT) + 1;
	if ((bucket = malloc((nb + 1) * sizeof(*bucket))) == NULL) {
		errf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	for (i = 0; i <= nb; i++)
		bucket[i] = (uint32_t)upper_bound(at, n,
		    BUCKET_FIRST_S + ((int64_t)i << BUCKET_SHIFT));
	z->bucket = bucket;
	return z;

fail:
	if (z != NULL)
		free((void *)z->name);
	free(z);
	free(at);
	free(off);
	return NULL;
}

struct tz *
tz_parse(const char *name, const unsigned char *buf, size_t len, char *err, size_t errlen)
{
	struct tzif_header h;
	const unsigned char *p;
	size_t avail, i, tbytes = 4;
	uint64_t need;
	int64_t *file_at = NULL;
	int32_t type_off[256];
	const unsigned char *file_type;
	char footer[256];
	struct tz_rule rule;
	bool has_rule = false, has_dst = false;
	struct tz *z = NULL;

	if (name == NULL)
		name = "localtime";
	if (buf == NULL || tzif_header(buf, len, &h) != 0) {
		errf(err, errlen, "%s: not a TZif file", name);
		return NULL;
	}
	if (h.version != 0 && h.version < '2') {
		errf(err, errlen, "%s: unknown TZif version", name);
		return NULL;
	}
	p = buf + 44;
	avail = len - 44;
	if (h.version != 0) {
		/* Skip the 32-bit block: the 64-bit one follows with its header. */
		need = tzif_block_bytes(&h, 4);
		if (need > avail || tzif_header(p + need, avail - need, &h) != 0) {
			errf(err, errlen, "%s: truncated TZif data", name);
			return NULL;
		}
		p += need + 44;
		avail -= need + 44;
		tbytes = 8;
	}
	if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 ||
	    (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
	    (h.isutcnt != 0 && h.isutcnt != h.typecnt)) {
		errf(err, errlen, "%s: invalid TZif counts", name);
		return NULL;
	}
	if (h.leapcnt != 0) {
		errf(err, errlen, "%s: leap-second zones (right/) are not supported", name);
		return NULL;
	}
	need = tzif_block_bytes(&h, (unsigned)tbytes);
	if (need > avail) {
		errf(err, errlen, "%s: truncated TZif data", name);
		return NULL;
	}
	if ((file_at = malloc(((size_t)h.timecnt + 1) * sizeof(*file_at))) == NULL) {
		errf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	for (i = 0; i < h.timecnt; i++) {
		const unsigned char *q = p + i * tbytes;

		file_at[i] = tbytes == 8 ? be64(q) : (int32_t)be32(q);
		if (file_at[i] < -TZIF_T_LIMIT_S || file_at[i] > TZIF_T_LIMIT_S ||
		    (i > 0 && file_at[i] <= file_at[i - 1])) {
			errf(err, errlen, "%s: transition times out of order or range", name);
			goto fail;
		}
	}
	file_type = p + (size_t)h.timecnt * tbytes;
	for (i = 0; i < h.timecnt; i++) {
		if (file_type[i] >= h.typecnt) {
			errf(err, errlen, "%s: transition to unknown type %u", name, file_type[i]);
			goto fail;
		}
	}
	for (i = 0; i < h.typecnt; i++) {
		const unsigned char *q = file_type + h.timecnt + i * 6;

		type_off[i] = (int32_t)be32(q);
		if (type_off[i] < UTOFF_MIN_S || type_off[i] > UTOFF_MAX_S || q[4] > 1 ||
		    q[5] >= h.charcnt) {
			errf(err, errlen, "%s: invalid local time type", name);
			goto fail;
		}
	}
	if (h.version != 0) {
		/* Footer: '\n', a POSIX TZ string (maybe empty), '\n'. */
		const unsigned char *f = p + need, *nl;
		size_t flen = avail - need;

		if (flen < 2 || f[0] != '\n' ||
		    (nl = memchr(f + 1, '\n', flen - 1)) == NULL) {
			errf(err, errlen, "%s: truncated TZif footer", name);
			goto fail;
		}
		if ((size_t)(nl - f - 1) >= sizeof(footer)) {
			errf(err, errlen, "%s: TZ rule too long", name);
			goto fail;
		}
		memcpy(footer, f + 1, (size_t)(nl - f - 1));
		footer[nl - f - 1] = '\0';
		if (footer[0] != '\0') {
			if (memchr(footer, '\0', (size_t)(nl - f - 1)) != NULL ||
			    parse_posix_tz(footer, &rule, &has_dst) != 0) {
				errf(err, errlen, "%s: invalid TZ rule '%s'", name, footer);
				goto fail;
			}
			has_rule = true;
		}
	}
	z = tz_build(name, h.timecnt, file_at, file_type, type_off, h.typecnt, &rule, has_rule,
	    has_dst, err, errlen);
fail:
	free(file_at);
	return z;
}

struct tz *
tz_utc(void)
{
	return (struct tz *)&utc_zone;
}

void
tz_free(struct tz *zone)
{
	if (zone == NULL || zone->builtin)
		return;
	free((void *)zone->name);
	free((void *)zone->at);
	free((void *)zone->off);
	free((void *)zone->bucket);
	free(zone);
}

const char *
tz_name(const struct tz *zone)
{
	return zone->name;
}

/* ---- loading -------------------------------------------------------- */

/* An IANA name: relative, components of [A-Za-z0-9._+-] that are neither
 * empty nor start with '.', so neither ".." nor absolute paths pass. */
static bool
valid_name(const char *name)
{
	const char *p;
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (p = name; *p != '\0'; p++) {
		bool comp_start = p == name || p[-1] == '/';

		if (comp_start && (*p == '/' || *p == '.'))
			return false;
		if (!is_alpha(*p) && !is_digit(*p) && strchr("/._+-", *p) == NULL)
			return false;
	}
	return p[-1] != '/';
}

/* Reads a whole regular file; -1 with errno set on failure. */
static int
read_file(const char *path, unsigned char **out, size_t *out_len)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if (st.st_size > TZIF_MAX_BYTES) {
		errno = EFBIG;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (len < (size_t)st.st_size + 1) {
		r = read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > (size_t)st.st_size) {
		errno = EFBIG;	/* grew while read */
		goto fail;
	}
	close(fd);
	*out = buf;
	*out_len = len;
	return 0;

fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

/* The system zone: /etc/localtime, named after its symlink target below a
 * .../zoneinfo/ directory when there is one; UTC when it cannot be read. */
static struct tz *
load_system(char *err, size_t errlen)
{
	char target[PATH_MAX], name[NAME_MAX_LEN + 1] = "localtime";
	const char *p, *q;
	unsigned char *buf;
	size_t len;
	ssize_t r;
	struct tz *z;

	if ((r = readlink(SYSTEM_ZONE_PATH, target, sizeof(target) - 1)) > 0) {
		target[r] = '\0';
		for (p = NULL, q = target; (q = strstr(q, "zoneinfo/")) != NULL; q++)
			p = q + strlen("zoneinfo/");
		if (p != NULL && valid_name(p))
			snprintf(name, sizeof(name), "%s", p);
	}
	if (read_file(SYSTEM_ZONE_PATH, &buf, &len) == -1)
		return tz_utc();
	z = tz_parse(name, buf, len, err, errlen);
	free(buf);
	return z;
}

struct tz *
tz_load(const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *dir;
	unsigned char *buf;
	size_t len;
	struct tz *z;

	if (name == NULL || name[0] == '\0')
		return load_system(err, errlen);
	if (strcmp(name, "UTC") == 0)
		return tz_utc();
	if (!valid_name(name)) {
		errf(err, errlen, "invalid time zone name '%s' (expected an IANA name such as "
		    "Europe/Berlin)", name);
		return NULL;
	}
	if ((dir = getenv("TZDIR")) == NULL || dir[0] == '\0')
		dir = DEFAULT_TZDIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errf(err, errlen, "time zone '%s': path too long", name);
		return NULL;
	}
	if (read_file(path, &buf, &len) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			errf(err, errlen, "unknown time zone '%s'", name);
		else
			errf(err, errlen, "time zone '%s': %s: %s", name, path, strerror(errno));
		return NULL;
	}
	z = tz_parse(name, buf, len, err, errlen);
	free(buf);
	return z;
}

/* ---- conversions ---------------------------------------------------- */

static void
span_at(const struct tz *z, int64_t t_s, struct span *s)
{
	size_t i;

	if (t_s >= z->table_end_s) {
		rule_span(&z->rule, t_s, s);
		return;
	}
	i = table_index(z, t_s);
	s->start_s = i > 0 ? z->at[i - 1] : INT64_MIN;
	s->end_s = i < z->n ? z->at[i] : z->table_end_s;
	s->off_s = z->off[i];
	s->idx = i;
	s->from_table = true;
}

/* The span that starts where s ends; s->end_s must not be INT64_MAX. */
static void
span_next(const struct tz *z, const struct span *s, struct span *next)
{
	size_t i = s->idx + 1;

	if (s->from_table && i <= z->n && s->end_s < z->table_end_s) {
		next->start_s = s->end_s;
		next->end_s = i < z->n ? z->at[i] : z->table_end_s;
		next->off_s = z->off[i];
		next->idx = i;
		next->from_table = true;
		return;
	}
	span_at(z, s->end_s, next);
	next->start_s = s->end_s;
}

static int32_t
offset_at(const struct tz *z, int64_t t_s)
{
	struct span s;

	if (t_s < z->table_end_s)
		return z->off[table_index(z, t_s)];
	rule_span(&z->rule, t_s, &s);
	return s.off_s;
}

/* |local_s| <= T_LIMIT_S + one day. */
static void
civil_from_local(int64_t local_s, struct tz_civil *out)
{
	uint64_t u = (uint64_t)(local_s + SHIFT_DAYS * DAY_S);
	uint64_t days_u = u / DAY_S;
	uint32_t sod = (uint32_t)(u - days_u * DAY_S);
	int64_t y;

	civil_from_days64((int64_t)days_u - SHIFT_DAYS, &y, &out->mon, &out->mday, &out->yday);
	out->year = (int)y;
	out->hour = (int)(sod / HOUR_S);
	out->min = (int)(sod / 60 % 60);
	out->sec = (int)(sod % 60);
	out->wday = (int)((days_u + 4) % 7);	/* 1970-01-01 was a Thursday */
}

void
tz_local(const struct tz *zone, int64_t t_s, struct tz_civil *out)
{
	int32_t off;

	t_s = clamp_t(t_s);
	off = offset_at(zone, t_s);
	civil_from_local(t_s + off, out);
	out->utoff_s = off;
}

/*
 * Every instant t with t + offset(t) == L lies in [L - max_off, L - min_off].
 * Walk the spans of that window: a span [a, b) with offset o holds a
 * solution iff a <= L - o < b, and spans are disjoint and ascending, so the
 * solutions come out ascending. No solution means L is in a gap, which ends
 * at the first span whose local start a + o is past L.
 */
int
tz_resolve(const struct tz *zone, const struct tz_civil *lt, int64_t out[2])
{
	int64_t local_s, hi_s, cand_s, gap_end_s = INT64_MIN, sol[2];
	struct span s, next;
	int found = 0;

	local_s = days_from_civil64(lt->year, lt->mon, lt->mday) * DAY_S +
	    (int64_t)lt->hour * HOUR_S + (int64_t)lt->min * 60 + lt->sec;
	hi_s = local_s - zone->min_off_s;
	span_at(zone, local_s - zone->max_off_s, &s);
	for (;;) {
		cand_s = local_s - s.off_s;
		if (cand_s >= s.start_s && cand_s < s.end_s) {
			/* More than two (a fold inside a fold): keep the first
			 * and the last. */
			sol[found == 2 ? 1 : found] = cand_s;
			if (found < 2)
				found++;
		} else if (gap_end_s == INT64_MIN && s.start_s != INT64_MIN &&
		    s.start_s + s.off_s > local_s)
			gap_end_s = s.start_s;
		if (s.end_s == INT64_MAX || s.end_s > hi_s)
			break;
		span_next(zone, &s, &next);
		s = next;
	}
	if (found == 0) {
		/* gap_end_s is always found within the supported range. */
		out[0] = gap_end_s != INT64_MIN ? gap_end_s : clamp_t(hi_s);
		return 0;
	}
	out[0] = sol[0];
	if (found == 2)
		out[1] = sol[1];
	return found;
}

int64_t
tz_next_transition(const struct tz *zone, int64_t t_s)
{
	struct span s, next;

	if (t_s >= T_LIMIT_S)
		return TZ_NO_TRANSITION;
	span_at(zone, t_s, &s);
	for (;;) {
		if (s.end_s == INT64_MAX)
			return TZ_NO_TRANSITION;
		span_next(zone, &s, &next);
		if (next.off_s != s.off_s)
			return s.end_s;
		s = next;
	}
}

char *
tz_format_iso(const struct tz *zone, int64_t t_s, char *buf, size_t buflen)
{
	struct tz_civil c;
	int32_t a;
	char sign, secs[8] = "";

	tz_local(zone, t_s, &c);
	sign = c.utoff_s < 0 ? '-' : '+';
	a = c.utoff_s < 0 ? -c.utoff_s : c.utoff_s;
	if (a % 60 != 0)
		snprintf(secs, sizeof(secs), ":%02d", (int)(a % 60));
	snprintf(buf, buflen, "%s%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d%s",
	    c.year < 0 ? "-" : "", c.year < 0 ? -c.year : c.year, c.mon, c.mday,
	    c.hour, c.min, c.sec, sign, (int)(a / HOUR_S), (int)(a / 60 % 60), secs);
	return buf;
}
