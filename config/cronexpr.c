/*
 * cronexpr: parses SPEC §2 schedules into bitmasks and finds the next fire
 * instant. The search runs in local civil time, carried field by field
 * (month, day, hour, minute, second) over bitmasks, and only the result is
 * mapped to an instant through tz; SPEC §2's DST rules are applied there.
 * Pure: no allocation, no I/O, no globals but const tables, no clock.
 */
#include "cronexpr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "values.h"

#define DAY_S		86400
/* Folds (clocks going back) are far shorter than this in every zone. */
#define FOLD_WINDOW_S	(2 * DAY_S)
/* The Gregorian calendar repeats every 400 years: a schedule that does not
 * fire within 401 years from any point never fires. */
#define SEARCH_YEARS	401
/* Searches stop at the end of year 9999 (and start no earlier than year 1). */
#define MAX_S		INT64_C(253402300799)
#define MIN_S		INT64_C(-62135596800)

enum field_id { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_COUNT };

struct field_def {
	const char		*name;
	int			 lo, hi;
	const char *const	*names;		/* NULL, or names of lo, lo+1, ... */
	int			 nnames;
};

static const char *const mon_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

static const char *const dow_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

static const struct field_def fields[F_COUNT] = {
	{ "second", 0, 59, NULL, 0 },
	{ "minute", 0, 59, NULL, 0 },
	{ "hour", 0, 23, NULL, 0 },
	{ "day-of-month", 1, 31, NULL, 0 },
	{ "month", 1, 12, mon_names, 12 },
	{ "day-of-week", 0, 7, dow_names, 7 },
};

static const struct {
	const char	*name;
	const char	*fields;	/* 6-field equivalent */
} macros[] = {
	{ "@yearly", "0 0 0 1 1 *" },
	{ "@annually", "0 0 0 1 1 *" },
	{ "@monthly", "0 0 0 1 * *" },
	{ "@weekly", "0 0 0 * * 0" },
	{ "@daily", "0 0 0 * * *" },
	{ "@midnight", "0 0 0 * * *" },
	{ "@hourly", "0 0 * * * *" },
};

/* ---- parsing -------------------------------------------------------- */

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "<field> field: <message>" */
static int
ffail(char *err, size_t errlen, const struct field_def *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return -1;
	n = snprintf(err, errlen, "%s field: ", f->name);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
all_digits(const char *s, const char *e)
{
	if (s == e)
		return false;
	for (; s < e; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

static bool
is_char(const char *s, const char *e, char up)
{
	return e - s == 1 && (*s == up || *s == up + ('a' - 'A'));
}

/* Reads a decimal number made of digits only; saturates at 999999. */
static int
read_number(const char *s, const char *e)
{
	int n = 0;

	for (; s < e; s++) {
		n = n * 10 + (*s - '0');
		if (n > 999999)
			n = 999999;
	}
	return n;
}

/* Index of a three-letter name in f's names, or -1. */
static int
find_name(const struct field_def *f, const char *s, const char *e)
{
	int i;

	if (e - s != 3)
		return -1;
	for (i = 0; i < f->nnames; i++)
		if (strncasecmp(s, f->names[i], 3) == 0)
			return i;
	return -1;
}

/* A number or a name of field f, in the field's range. *named tells which. */
static int
parse_value(const struct field_def *f, const char *s, const char *e,
    const char *ctx_s, const char *ctx_e, int *out, bool *named, char *err, size_t errlen)
{
	int n, i;

	*named = false;
	if (s == e)
		return ffail(err, errlen, f, "missing value in '%.*s'",
		    (int)(ctx_e - ctx_s), ctx_s);
	if (is_digit(*s)) {
		if (!all_digits(s, e))
			return ffail(err, errlen, f, "invalid value '%.*s'", (int)(e - s), s);
		n = read_number(s, e);
		if (n < f->lo || n > f->hi)
			return ffail(err, errlen, f, "value %.*s out of range %d-%d",
			    (int)(e - s), s, f->lo, f->hi);
		*out = n;
		return 0;
	}
	if (f->names != NULL && is_alpha(*s)) {
		if ((i = find_name(f, s, e)) < 0)
			return ffail(err, errlen, f, "unknown name '%.*s'", (int)(e - s), s);
		*out = f->lo == 0 ? i : i + 1;
		*named = true;
		return 0;
	}
	return ffail(err, errlen, f, "invalid value '%.*s'", (int)(e - s), s);
}

/*
 * The extension letter a base text uses outside the fields that allow it:
 * 'L' for "L" or "5L", 'W' for "LW" or "15W", else 0.
 */
static char
misplaced_extension(const char *s, const char *e)
{
	char last;

	if (e - s < 1)
		return 0;
	if (is_char(s, e, 'L'))
		return 'L';
	last = e[-1];
	if (last == 'w' || last == 'W') {
		if (is_char(s, e - 1, 'L') || all_digits(s, e - 1))
			return 'W';
	}
	if ((last == 'l' || last == 'L') && all_digits(s, e - 1))
		return 'L';
	return 0;
}

/*
 * Day-of-month extensions: L, LW, nW. Returns 0 when [s, be) was one,
 * 1 when it is an ordinary element, -1 on error.
 */
static int
parse_dom_extension(struct cronexpr *ce, const struct field_def *f, const char *s,
    const char *be, const char *e, char *err, size_t errlen)
{
	const char *p;
	bool letters = false;
	bool named;
	int v;

	for (p = s; p < be; p++)
		if (*p == 'L' || *p == 'l' || *p == 'W' || *p == 'w')
			letters = true;
	if (!letters)
		return 1;
	if (memchr(s, '-', (size_t)(be - s)) != NULL)
		return ffail(err, errlen, f, "'L' and 'W' take a single day, not a range: '%.*s'",
		    (int)(e - s), s);
	if (be != e)
		return ffail(err, errlen, f, "'%.*s' takes no step", (int)(be - s), s);
	if (is_char(s, be, 'L')) {
		ce->dom_last = true;
		return 0;
	}
	if (be - s == 2 && is_char(s, s + 1, 'L') && is_char(s + 1, be, 'W')) {
		ce->dom_last_w = true;
		return 0;
	}
	if (be - s >= 2 && is_char(be - 1, be, 'W') && all_digits(s, be - 1)) {
		if (parse_value(f, s, be - 1, s, e, &v, &named, err, errlen) == -1)
			return -1;
		ce->dom_w |= UINT32_C(1) << v;
		return 0;
	}
	return ffail(err, errlen, f, "invalid value '%.*s'", (int)(be - s), s);
}

/*
 * Day-of-week extensions: nL, n#k (n a number or a day name). Returns 0
 * when [s, be) was one, 1 when it is an ordinary element, -1 on error.
 */
static int
parse_dow_extension(struct cronexpr *ce, const struct field_def *f, const char *s,
    const char *be, const char *e, char *err, size_t errlen)
{
	const char *hash = memchr(s, '#', (size_t)(be - s));
	bool named;
	int d, k;

	if (hash != NULL) {
		if (memchr(s, '-', (size_t)(hash - s)) != NULL || be != e)
			return ffail(err, errlen, f,
			    "'#' takes a single day, not a range or step: '%.*s'",
			    (int)(e - s), s);
		if (parse_value(f, s, hash, s, e, &d, &named, err, errlen) == -1)
			return -1;
		if (hash + 1 == be)
			return ffail(err, errlen, f, "missing occurrence after '#' in '%.*s'",
			    (int)(be - s), s);
		if (!all_digits(hash + 1, be))
			return ffail(err, errlen, f, "invalid occurrence '%.*s'",
			    (int)(be - hash), hash);
		k = read_number(hash + 1, be);
		if (k < 1 || k > 5)
			return ffail(err, errlen, f, "occurrence #%.*s out of range 1-5",
			    (int)(be - hash - 1), hash + 1);
		ce->dow_nth[d % 7] |= (uint8_t)(1u << k);
		return 0;
	}
	if (be - s >= 1 && (be[-1] == 'L' || be[-1] == 'l')) {
		if (be - s == 1)
			return ffail(err, errlen, f,
			    "'L' needs a day before it (e.g. 5L, the last Friday)");
		if (memchr(s, '-', (size_t)(be - s)) != NULL || be != e)
			return ffail(err, errlen, f,
			    "'L' takes a single day, not a range or step: '%.*s'",
			    (int)(e - s), s);
		if (!all_digits(s, be - 1) && find_name(f, s, be - 1) < 0)
			return 1;	/* "jul" and the like: reported as a value */
		if (parse_value(f, s, be - 1, s, e, &d, &named, err, errlen) == -1)
			return -1;
		ce->dow_last |= (uint8_t)(1u << (d % 7));
		return 0;
	}
	if (misplaced_extension(s, be) == 'W')
		return ffail(err, errlen, f, "'W' is only allowed in day-of-month");
	return 1;
}

/* One list element of field fid: *, ?, n, a-b, with /step, or an extension. */
static int
parse_element(struct cronexpr *ce, enum field_id fid, const char *s, const char *e,
    uint64_t *bits, char *err, size_t errlen)
{
	const struct field_def *f = &fields[fid];
	const char *slash = memchr(s, '/', (size_t)(e - s));
	const char *be = slash != NULL ? slash : e, *dash;
	int lo, hi, step = 1, v, rc;
	bool named, named_hi;
	char ext;

	if (fid != F_DOW && memchr(s, '#', (size_t)(e - s)) != NULL)
		return ffail(err, errlen, f, "'#' is only allowed in day-of-week");
	if (fid != F_DOM && fid != F_DOW && memchr(s, '?', (size_t)(e - s)) != NULL)
		return ffail(err, errlen, f,
		    "'?' is only allowed in day-of-month and day-of-week");
	if (fid == F_DOM) {
		if ((rc = parse_dom_extension(ce, f, s, be, e, err, errlen)) != 1)
			return rc;
	} else if (fid == F_DOW) {
		if ((rc = parse_dow_extension(ce, f, s, be, e, err, errlen)) != 1)
			return rc;
	} else if ((ext = misplaced_extension(s, be)) != 0)
		return ffail(err, errlen, f, ext == 'W' ?
		    "'W' is only allowed in day-of-month" :
		    "'L' is only allowed in day-of-month and day-of-week");

	if (slash != NULL) {
		if (slash + 1 == e)
			return ffail(err, errlen, f, "missing step in '%.*s'", (int)(e - s), s);
		if (!all_digits(slash + 1, e))
			return ffail(err, errlen, f, "invalid step '%.*s'",
			    (int)(e - slash - 1), slash + 1);
		step = read_number(slash + 1, e);
		if (step == 0)
			return ffail(err, errlen, f, "zero step");
		if (step > f->hi)
			return ffail(err, errlen, f, "step %.*s out of range 1-%d",
			    (int)(e - slash - 1), slash + 1, f->hi);
	}
	if (be - s == 1 && (*s == '*' || *s == '?')) {
		lo = f->lo;
		hi = f->hi;
	} else {
		dash = memchr(s, '-', (size_t)(be - s));
		if (parse_value(f, s, dash != NULL ? dash : be, s, e, &lo, &named,
		    err, errlen) == -1)
			return -1;
		if (dash != NULL) {
			if (parse_value(f, dash + 1, be, s, e, &hi, &named_hi, err, errlen) == -1)
				return -1;
			/* "fri-sun": a range may end on Sunday as 7. */
			if (fid == F_DOW && hi == 0 && named_hi && lo > 0)
				hi = 7;
			if (lo > hi)
				return ffail(err, errlen, f, "reversed range %.*s",
				    (int)(be - s), s);
		} else
			hi = slash != NULL ? f->hi : lo;
	}
	for (v = lo; v <= hi; v += step)
		*bits |= UINT64_C(1) << v;
	return 0;
}

static int
parse_field(struct cronexpr *ce, enum field_id fid, const char *s, const char *e,
    uint64_t *bits, char *err, size_t errlen)
{
	const char *p = s, *q;

	for (;;) {
		q = memchr(p, ',', (size_t)(e - p));
		if (q == NULL)
			q = e;
		if (q == p)
			return ffail(err, errlen, &fields[fid], "empty element in list '%.*s'",
			    (int)(e - s), s);
		if (parse_element(ce, fid, p, q, bits, err, errlen) == -1)
			return -1;
		if (q == e)
			return 0;
		p = q + 1;
	}
}

/* ---- the calendar --------------------------------------------------- */

static int
ctz32(uint32_t x)
{
	return __builtin_ctz(x);
}

static int
ctz64(uint64_t x)
{
	return __builtin_ctzll(x);
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int mon)
{
	static const unsigned char dim[13] = {
		0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return dim[mon] + (mon == 2 && is_leap(y));
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Weekday (0 = Sunday) of a day number counted from 1970-01-01, a Thursday. */
static int
weekday(int64_t days)
{
	return (int)(days - 7 * floor_div(days + 4, 7) + 4);
}

/*
 * The days (bit d for day d) of a month with dim days whose first day is
 * weekday w1 that match the day-of-month and day-of-week fields, with the
 * vixie rule: either field when both are restricted, else both.
 */
static uint32_t
day_mask(const struct cronexpr *ce, int dim, int w1)
{
	uint32_t all = (uint32_t)((UINT64_C(2) << dim) - 2);
	uint32_t dm = ce->dom, wm, w;
	uint64_t rep;
	int wl = (w1 + dim - 1) % 7;	/* weekday of the last day */
	int n, wd, d, k, first;

	if (ce->dom_last)
		dm |= UINT32_C(1) << dim;
	if (ce->dom_last_w)
		dm |= UINT32_C(1) << (wl == 6 ? dim - 1 : wl == 0 ? dim - 2 : dim);
	for (w = ce->dom_w; w != 0; w &= w - 1) {
		n = ctz32(w);
		if (n > dim)
			break;
		wd = (w1 + n - 1) % 7;
		if (wd == 6)		/* Saturday: Friday, or Monday on the 1st */
			n = n > 1 ? n - 1 : n + 2;
		else if (wd == 0)	/* Sunday: Monday, or Friday on the last day */
			n = n < dim ? n + 1 : n - 2;
		dm |= UINT32_C(1) << n;
	}
	dm &= all;

	/* Day d has weekday (w1 + d - 1) % 7: rotate the weekday set so that
	 * bit i stands for day i + 1, then repeat it every seven days. */
	rep = (uint64_t)(((ce->dow >> w1) | (ce->dow << (7 - w1))) & 0x7f);
	rep |= rep << 7;
	rep |= rep << 14;
	rep |= rep << 28;
	wm = (uint32_t)(rep << 1);
	for (w = ce->dow_last; w != 0; w &= w - 1) {
		d = ctz32(w);
		wm |= UINT32_C(1) << (dim - (wl - d + 7) % 7);
	}
	for (d = 0; d < 7; d++) {
		if (ce->dow_nth[d] == 0)
			continue;
		first = 1 + (d - w1 + 7) % 7;
		for (w = ce->dow_nth[d]; w != 0; w &= w - 1) {
			k = ctz32(w);
			if (first + 7 * (k - 1) <= dim)
				wm |= UINT32_C(1) << (first + 7 * (k - 1));
		}
	}
	wm &= all;
	return ce->dom_star || ce->dow_star ? dm & wm : dm | wm;
}

/*
 * Whether some day ever matches. Every month starts on every weekday within
 * one 400-year cycle, and February on every weekday both in leap and in
 * common years, so trying each (month length, first weekday) is exact.
 */
static bool
fires_ever(const struct cronexpr *ce)
{
	static const struct {
		uint16_t	months;
		int		dim;
	} kinds[] = {
		{ 1 << 1 | 1 << 3 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 10 | 1 << 12, 31 },
		{ 1 << 4 | 1 << 6 | 1 << 9 | 1 << 11, 30 },
		{ 1 << 2, 29 },
		{ 1 << 2, 28 },
	};
	size_t i;
	int w1;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((ce->mon & kinds[i].months) == 0)
			continue;
		for (w1 = 0; w1 < 7; w1++)
			if (day_mask(ce, kinds[i].dim, w1) != 0)
				return true;
	}
	return false;
}

static int
parse_fields(struct cronexpr *ce, const char *text, char *err, size_t errlen)
{
	const char *fs[6], *fe[6], *p = text;
	uint64_t bits[F_COUNT] = { 0 };
	int nf = 0, i, first;

	while (*p != '\0') {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		if (nf < 6)
			fs[nf] = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
		if (nf < 6)
			fe[nf] = p;
		nf++;
	}
	if (nf == 0)
		return fail(err, errlen, "empty schedule");
	if (nf != 5 && nf != 6)
		return fail(err, errlen, "expected 5 or 6 fields, got %d", nf);
	first = nf == 5 ? F_MIN : F_SEC;
	if (nf == 5)
		bits[F_SEC] = 1;
	for (i = 0; i < nf; i++)
		if (parse_field(ce, (enum field_id)(first + i), fs[i], fe[i],
		    &bits[first + i], err, errlen) == -1)
			return -1;
	ce->kind = CRONEXPR_CALENDAR;
	ce->sec = bits[F_SEC];
	ce->min = bits[F_MIN];
	ce->hour = (uint32_t)bits[F_HOUR];
	ce->dom = (uint32_t)bits[F_DOM];
	ce->mon = (uint16_t)bits[F_MON];
	ce->dow = (uint8_t)((bits[F_DOW] | bits[F_DOW] >> 7) & 0x7f);
	ce->periodic = *fs[F_HOUR - first] == '*';
	ce->dom_star = *fs[F_DOM - first] == '*' || *fs[F_DOM - first] == '?';
	ce->dow_star = *fs[F_DOW - first] == '*' || *fs[F_DOW - first] == '?';
	if (!fires_ever(ce))
		return fail(err, errlen, "never fires: no day matches in any year");
	return 0;
}

int
cronexpr_parse(struct cronexpr *out, const char *text, char *err, size_t errlen)
{
	const char *p = text, *q, *e;
	char dur[128];
	size_t i, n;

	memset(out, 0, sizeof(*out));
	while (is_blank(*p))
		p++;
	if (*p != '@')
		return parse_fields(out, p, err, errlen);
	for (q = p; *q != '\0' && !is_blank(*q); q++)
		;
	n = (size_t)(q - p);
	for (e = q; *e != '\0'; e++)
		;
	while (e > q && is_blank(e[-1]))
		e--;
	for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		if (strlen(macros[i].name) != n || strncasecmp(p, macros[i].name, n) != 0)
			continue;
		if (e != q)
			return fail(err, errlen, "%s takes no argument", macros[i].name);
		return parse_fields(out, macros[i].fields, err, errlen);
	}
	if (n == 7 && strncasecmp(p, "@reboot", n) == 0) {
		if (e != q)
			return fail(err, errlen, "@reboot takes no argument");
		out->kind = CRONEXPR_REBOOT;
		return 0;
	}
	if (n == 6 && strncasecmp(p, "@every", n) == 0) {
		while (q < e && is_blank(*q))
			q++;
		if (q == e)
			return fail(err, errlen, "@every needs a duration (e.g. @every 5m)");
		if ((size_t)(e - q) >= sizeof(dur))
			return fail(err, errlen, "@every: duration too long");
		memcpy(dur, q, (size_t)(e - q));
		dur[e - q] = '\0';
		if (value_duration_ms(dur, &out->every_ms, err, errlen) == -1) {
			char msg[160];

			snprintf(msg, sizeof(msg), "%s", err != NULL && errlen > 0 ? err : "");
			return fail(err, errlen, "@every: %s", msg);
		}
		if (out->every_ms <= 0)
			return fail(err, errlen, "@every: the interval must be greater than 0");
		out->kind = CRONEXPR_EVERY;
		return 0;
	}
	return fail(err, errlen, "unknown macro '%.*s'", (int)n, p);
}

/* ---- next fire time ------------------------------------------------- */

/*
 * The first local time (seconds since 1970-01-01 00:00 local) at or after
 * ls that matches every field, or CRONEXPR_NEVER past year_limit. Like
 * systemd's find_next: find the first matching month, then day, hour,
 * minute, second; when a field has no match left, carry into the next
 * unit of the field above and start that one from its beginning.
 */
static int64_t
civil_next(const struct cronexpr *ce, int64_t ls, int year_limit)
{
	int64_t days = floor_div(ls, DAY_S), fd;
	int sod = (int)(ls - days * DAY_S);
	int y, mon, d, h = sod / 3600, mi = sod / 60 % 60, s = sod % 60, dim;
	uint32_t dmask, m32;
	uint64_t m64;

	tz_civil_from_days(days, &y, &mon, &d);
	fd = days - (d - 1);		/* the first of the month */
	for (;;) {
		if ((ce->mon >> mon & 1) == 0) {
			m32 = ce->mon & ~((UINT32_C(2) << mon) - 1);
			if (m32 != 0)
				mon = ctz32(m32);
			else {
				y++;
				mon = ctz32(ce->mon);
			}
			if (y > year_limit)
				return CRONEXPR_NEVER;
			fd = tz_days_from_civil(y, mon, 1);
			d = 1;
			h = mi = s = 0;
		}
		dim = days_in_month(y, mon);
		dmask = day_mask(ce, dim, weekday(fd));
		for (;;) {
			m32 = d > 31 ? 0 : dmask & ~((UINT32_C(1) << d) - 1);
			if (m32 == 0)
				break;
			if (ctz32(m32) != d) {
				d = ctz32(m32);
				h = mi = s = 0;
			}
			for (;;) {
				m32 = h > 23 ? 0 : ce->hour & ~((UINT32_C(1) << h) - 1);
				if (m32 == 0) {
					d++;
					h = mi = s = 0;
					break;
				}
				if (ctz32(m32) != h) {
					h = ctz32(m32);
					mi = s = 0;
				}
				for (;;) {
					m64 = mi > 59 ? 0 : ce->min & ~((UINT64_C(1) << mi) - 1);
					if (m64 == 0) {
						h++;
						mi = s = 0;
						break;
					}
					if (ctz64(m64) != mi) {
						mi = ctz64(m64);
						s = 0;
					}
					m64 = s > 59 ? 0 : ce->sec & ~((UINT64_C(1) << s) - 1);
					if (m64 == 0) {
						mi++;
						s = 0;
						continue;
					}
					s = ctz64(m64);
					return (fd + d - 1) * DAY_S + h * 3600 + mi * 60 + s;
				}
			}
		}
		fd += dim;
		d = 1;
		h = mi = s = 0;
		if (++mon > 12) {
			mon = 1;
			if (++y > year_limit)
				return CRONEXPR_NEVER;
		}
	}
}

static void
civil_of_local(int64_t ls, struct tz_civil *c)
{
	int64_t days = floor_div(ls, DAY_S);
	int sod = (int)(ls - days * DAY_S);

	memset(c, 0, sizeof(*c));
	tz_civil_from_days(days, &c->year, &c->mon, &c->mday);
	c->hour = sod / 3600;
	c->min = sod / 60 % 60;
	c->sec = sod % 60;
}

/*
 * Periodic (SPEC §2): every instant whose local time matches. Over a stretch
 * [s, tr) without transition local time is s + off, so the first matching
 * local time maps straight back; if it lies beyond the stretch, nothing in
 * the stretch matched and the search goes on from the transition.
 */
static int64_t
next_periodic(const struct cronexpr *ce, const struct tz *zone, int64_t after_s)
{
	struct tz_civil c;
	int64_t s = after_s + 1, tr, l, t;
	int limit = 0;

	for (;;) {
		tz_local(zone, s, &c);
		if (limit == 0)
			limit = c.year + SEARCH_YEARS;
		tr = tz_next_transition(zone, s);
		l = civil_next(ce, s + c.utoff_s, limit);
		if (l == CRONEXPR_NEVER)
			return CRONEXPR_NEVER;
		t = l - c.utoff_s;
		if (t < tr)
			return t;
		s = tr;
	}
}

/*
 * Fixed-time (SPEC §2): local time L fires at f(L), the first instant whose
 * local time is at least L: the first occurrence of L, or the end of the gap
 * that swallowed it. f never decreases, so the next fire after after_s is
 * f(L) for the least matching L above lmax, the latest local time shown at
 * or before after_s (above after_s's own local time only in the second pass
 * of a fold).
 */
static int64_t
next_fixed(const struct cronexpr *ce, const struct tz *zone, int64_t after_s)
{
	struct tz_civil c, pc;
	int64_t lmax, tr, l, t, out[2];
	int32_t off;
	int limit, tries;

	tz_local(zone, after_s, &c);
	off = c.utoff_s;
	limit = c.year + SEARCH_YEARS;
	lmax = after_s + off;
	tr = tz_next_transition(zone, after_s - FOLD_WINDOW_S);
	while (tr <= after_s) {
		tz_local(zone, tr - 1, &pc);
		if (tr - 1 + pc.utoff_s > lmax)
			lmax = tr - 1 + pc.utoff_s;
		tr = tz_next_transition(zone, tr);
	}
	l = civil_next(ce, lmax + 1, limit);
	if (l == CRONEXPR_NEVER)
		return CRONEXPR_NEVER;
	/* The offset holds from after_s up to tr: L shows first at l - off. */
	t = l - off;
	if (t < tr)
		return t;
	/* Across a transition tz decides; out[0] is the first occurrence or
	 * the end of the gap. It is always later than after_s; the loop only
	 * guards that "never early" against an inconsistent zone. */
	for (tries = 0; tries < 8; tries++) {
		civil_of_local(l, &c);
		tz_resolve(zone, &c, out);
		if (out[0] > after_s)
			return out[0];
		l = civil_next(ce, l + 1, limit);
		if (l == CRONEXPR_NEVER)
			return CRONEXPR_NEVER;
	}
	return CRONEXPR_NEVER;
}

int64_t
cronexpr_next(const struct cronexpr *ce, const struct tz *zone, int64_t after_s)
{
	int64_t t;

	if (ce->kind != CRONEXPR_CALENDAR || after_s >= MAX_S)
		return CRONEXPR_NEVER;
	if (after_s < MIN_S)
		after_s = MIN_S;
	t = ce->periodic ? next_periodic(ce, zone, after_s) : next_fixed(ce, zone, after_s);
	return t > MAX_S ? CRONEXPR_NEVER : t;
}

int64_t
cronexpr_every_next(const struct cronexpr *ce, int64_t start_ms, int64_t after_ms)
{
	int64_t diff, k, r;

	if (ce->kind != CRONEXPR_EVERY || ce->every_ms <= 0)
		return CRONEXPR_NEVER;
	if (after_ms < start_ms)
		k = 1;
	else {
		if (__builtin_sub_overflow(after_ms, start_ms, &diff))
			return CRONEXPR_NEVER;
		k = diff / ce->every_ms + 1;
	}
	if (__builtin_mul_overflow(k, ce->every_ms, &r) ||
	    __builtin_add_overflow(start_ms, r, &r))
		return CRONEXPR_NEVER;
	return r;
}
