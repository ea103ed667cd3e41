/*
 * fuzz_values: the value parsers of config/values.c against small reference
 * parsers written here from SPEC §3, plus the duration format/parse round
 * trip. Input: lines; the first byte of a line selects the parser ('d'
 * duration, 's' size, 'b' bool, 'g' signal, 'u' umask, 'i' integer, 'f'
 * decimal, 'F' format round trip; other bytes map onto these), the rest of
 * the line is the value text.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "values.h"

/* SPEC §3 by way of values.h: durations are 0 .. 100 years (of 366 days). */
#define MAX_DURATION_MS (INT64_C(100) * 366 * 24 * 3600 * 1000)
#define MAX_LINES 64

static bool
is_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Reads digits at *pp into *out; false on none or when above LIMIT. */
static bool
ref_uint(const char **pp, uint64_t limit, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (limit - d) / 10)	/* v * 10 + d > limit; limit >= 9 */
			return false;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return true;
}

/* Reference duration: a bare number of seconds, or (number unit)+ with unit
 * ms, s, m, h or d not followed by a letter. */
static bool
ref_duration(const char *text, int64_t *out_ms)
{
	const char *p = text;
	uint64_t n;
	int64_t total = 0, unit;

	if (is_digits(text)) {
		if (!ref_uint(&p, (uint64_t)MAX_DURATION_MS / 1000, &n))
			return false;
		*out_ms = (int64_t)n * 1000;
		return true;
	}
	if (*p == '\0')
		return false;
	while (*p != '\0') {
		if (!ref_uint(&p, (uint64_t)MAX_DURATION_MS, &n))
			return false;
		if (p[0] == 'm' && p[1] == 's') {
			unit = 1;
			p += 2;
		} else if (*p == 's' || *p == 'm' || *p == 'h' || *p == 'd') {
			unit = *p == 's' ? 1000 : *p == 'm' ? 60000 : *p == 'h' ? 3600000 :
			    86400000;
			p++;
		} else
			return false;
		if (isalpha((unsigned char)*p))
			return false;
		if (n > (uint64_t)(MAX_DURATION_MS / unit))
			return false;
		total += (int64_t)n * unit;
		if (total > MAX_DURATION_MS)
			return false;
	}
	*out_ms = total;
	return true;
}

static bool
ref_size(const char *text, uint64_t *out)
{
	static const struct {
		const char	*suffix;
		uint64_t	 mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", UINT64_C(1) << 10 },
		{ "MiB", UINT64_C(1) << 20 }, { "GiB", UINT64_C(1) << 30 },
	};
	const char *p = text;
	uint64_t n;
	size_t i;

	if (!ref_uint(&p, UINT64_MAX, &n))
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / units[i].mult)
			return false;
		*out = n * units[i].mult;
		return true;
	}
	return false;
}

static bool
ref_bool(const char *text, bool *out)
{
	static const char *const words[] = {
		"true", "yes", "on", "1", "false", "no", "off", "0",
	};
	size_t i;

	for (i = 0; i < 8; i++) {
		if (strcasecmp(text, words[i]) == 0) {
			*out = i < 4;
			return true;
		}
	}
	return false;
}

/* Reference umask: octal digits, at most 0777 (leading zeros allowed). */
static bool
ref_umask(const char *text, unsigned *out)
{
	unsigned v = 0;
	const char *p;

	if (*text == '\0')
		return false;
	for (p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			return false;
		v = v * 8 + (unsigned)(*p - '0');
		if (v > 0777)
			return false;
	}
	*out = v;
	return true;
}

/* Reference integer: [+-]digits, fitting a long. */
static bool
ref_long(const char *text, long *out)
{
	const char *p = text;
	bool neg = false;
	unsigned long v = 0, limit;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '\0')
		return false;
	limit = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (v > (limit - (unsigned long)(*p - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (neg)
		*out = v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v;
	else
		*out = (long)v;
	return true;
}

/* Reference decimal syntax: [+-]?(digits[.digits*]|.digits). */
static bool
ref_decimal_syntax(const char *text)
{
	const char *p = text;
	bool int_digits = false, frac_digits = false;

	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		int_digits = true;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			frac_digits = true;
	return *p == '\0' && (int_digits || frac_digits);
}

static void
check_err(int rc, const char *err, const char *what, const char *text)
{
	if (rc == 0)
		return;
	FUZZ_CHECK(rc == -1, "%s('%s') returned %d", what, text, rc);
	FUZZ_CHECK(err[0] != '\0', "%s('%s') failed without a message", what, text);
}

/* Formats MS and parses it back; also in buffers too small for it. */
static void
round_trip(int64_t ms)
{
	char buf[64], err[256], *small;
	int64_t back = -1;
	size_t len, n;
	int rc;

	value_format_duration(ms, buf, sizeof(buf));
	len = strlen(buf);
	FUZZ_CHECK(len > 0 && len < sizeof(buf) - 1, "format(%lld) gave '%s'",
	    (long long)ms, buf);
	err[0] = '\0';
	rc = value_duration_ms(buf, &back, err, sizeof(err));
	if (ms <= 0) {
		FUZZ_CHECK(strcmp(buf, "0s") == 0, "format(%lld) gave '%s'", (long long)ms, buf);
		return;
	}
	FUZZ_CHECK(rc == 0 && back == ms, "format(%lld) gave '%s', parsed back as %lld (%s)",
	    (long long)ms, buf, (long long)back, err);
	/* Shortest: no unit twice, largest unit first, so reformatting the
	 * parsed value gives the same text. */
	for (n = 1; n <= len + 1; n++) {
		if ((small = malloc(n)) == NULL)
			return;
		memset(small, 'x', n);
		value_format_duration(ms, small, n);
		FUZZ_CHECK(memchr(small, '\0', n) != NULL, "format(%lld) in %zu bytes: "
		    "not terminated", (long long)ms, n);
		FUZZ_CHECK(strncmp(small, buf, strlen(small)) == 0,
		    "format(%lld) in %zu bytes gave '%s', not a prefix of '%s'",
		    (long long)ms, n, small, buf);
		free(small);
	}
}

static void
fuzz_duration(const char *text)
{
	char err[256] = "";
	int64_t ms = -1, ref = -1;
	int rc = value_duration_ms(text, &ms, err, sizeof(err));
	bool ok = ref_duration(text, &ref);

	check_err(rc, err, "value_duration_ms", text);
	FUZZ_CHECK((rc == 0) == ok, "value_duration_ms('%s') = %d (%s), reference %s",
	    text, rc, err, ok ? "accepts" : "rejects");
	if (rc != 0)
		return;
	FUZZ_CHECK(ms == ref, "value_duration_ms('%s') = %lld, reference %lld", text,
	    (long long)ms, (long long)ref);
	FUZZ_CHECK(ms >= 0 && ms <= MAX_DURATION_MS, "'%s' -> %lld", text, (long long)ms);
	round_trip(ms);
}

static void
fuzz_size(const char *text)
{
	char err[256] = "";
	uint64_t n = 0, ref = 0;
	int rc = value_size_bytes(text, &n, err, sizeof(err));
	bool ok = ref_size(text, &ref);

	check_err(rc, err, "value_size_bytes", text);
	FUZZ_CHECK((rc == 0) == ok, "value_size_bytes('%s') = %d (%s), reference %s",
	    text, rc, err, ok ? "accepts" : "rejects");
	FUZZ_CHECK(rc != 0 || n == ref, "value_size_bytes('%s') = %llu, reference %llu",
	    text, (unsigned long long)n, (unsigned long long)ref);
}

static void
fuzz_bool(const char *text)
{
	char err[256] = "";
	bool b = false, ref = false;
	int rc = value_bool(text, &b, err, sizeof(err));
	bool ok = ref_bool(text, &ref);

	check_err(rc, err, "value_bool", text);
	FUZZ_CHECK((rc == 0) == ok && (rc != 0 || b == ref), "value_bool('%s') = %d/%d, "
	    "reference %d/%d", text, rc, b, ok, ref);
}

static void
fuzz_signal(const char *text)
{
	char err[256] = "";
	const char *name, *bare;
	int signo = 0, back = 0, rc = value_signal(text, &signo, err, sizeof(err));
	long ref;

	check_err(rc, err, "value_signal", text);
	if (isdigit((unsigned char)text[0])) {
		bool ok = is_digits(text) && ref_long(text, &ref) && ref >= 1 && ref <= 64;
		FUZZ_CHECK((rc == 0) == ok && (rc != 0 || signo == ref),
		    "value_signal('%s') = %d/%d", text, rc, signo);
		return;
	}
	bare = strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	if (rc != 0) {
		/* No known name may be refused. */
		for (back = 1; back <= 64; back++) {
			name = value_signal_name(back);
			FUZZ_CHECK(name == NULL || strcasecmp(name, bare) != 0,
			    "value_signal('%s') refused the name of signal %d", text, back);
		}
		return;
	}
	FUZZ_CHECK(signo >= 1 && signo <= 64, "value_signal('%s') = %d", text, signo);
	name = value_signal_name(signo);
	FUZZ_CHECK(name != NULL && strcasecmp(name, bare) == 0,
	    "value_signal('%s') = %d, whose name is %s", text, signo,
	    name != NULL ? name : "(none)");
	FUZZ_CHECK(value_signal(name, &back, err, sizeof(err)) == 0 && back == signo,
	    "value_signal('%s') does not give %d back", name, signo);
}

static void
fuzz_umask(const char *text)
{
	char err[256] = "";
	mode_t m = 0;
	unsigned ref = 0;
	int rc = value_umask(text, &m, err, sizeof(err));
	bool ok = ref_umask(text, &ref);

	check_err(rc, err, "value_umask", text);
	FUZZ_CHECK((rc == 0) == ok && (rc != 0 || m == ref), "value_umask('%s') = %d/%o, "
	    "reference %d/%o", text, rc, (unsigned)m, ok, ref);
}

static void
fuzz_int(const char *text)
{
	static const struct {
		long	min, max;
	} bounds[] = {
		{ LONG_MIN, LONG_MAX }, { -20, 19 }, { 1, 64 }, { 0, 0 }, { 5, 3 },
	};
	char err[256];
	long n, ref = 0;
	bool ok = ref_long(text, &ref);
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		err[0] = '\0';
		n = 0;
		rc = value_int_range(text, bounds[i].min, bounds[i].max, &n, err, sizeof(err));
		check_err(rc, err, "value_int_range", text);
		bool in = ok && ref >= bounds[i].min && ref <= bounds[i].max;
		FUZZ_CHECK((rc == 0) == in && (rc != 0 || n == ref),
		    "value_int_range('%s', %ld, %ld) = %d/%ld (%s), reference %d/%ld",
		    text, bounds[i].min, bounds[i].max, rc, n, err, in, ref);
	}
}

static void
fuzz_double(const char *text)
{
	static const struct {
		double	min, max;
	} bounds[] = {
		{ -1e300, 1e300 }, { 1.0, 10.0 }, { 0.0, 0.0 },
	};
	char err[256];
	double v, ref = 0;
	bool syntax = ref_decimal_syntax(text), finite = false;
	size_t i;
	int rc;

	if (syntax) {
		errno = 0;
		ref = strtod(text, NULL);
		finite = errno == 0 && isfinite(ref);
	}
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		err[0] = '\0';
		v = NAN;
		rc = value_double_range(text, bounds[i].min, bounds[i].max, &v, err,
		    sizeof(err));
		check_err(rc, err, "value_double_range", text);
		bool in = syntax && finite && ref >= bounds[i].min && ref <= bounds[i].max;
		FUZZ_CHECK((rc == 0) == in && (rc != 0 || v == ref),
		    "value_double_range('%s', %g, %g) = %d/%g (%s), reference %d/%g",
		    text, bounds[i].min, bounds[i].max, rc, v, err, in, ref);
	}
}

/* 'F': TEXT is decimal milliseconds, or raw bytes taken as a number. */
static void
fuzz_format(const char *text, const uint8_t *raw, size_t rawlen)
{
	uint64_t u = 0;
	size_t i;
	long ref;

	/* Only durations the parser accepts can come back: 0 .. 100 years. */
	if (ref_long(text, &ref)) {
		round_trip(ref > MAX_DURATION_MS ? ref % (MAX_DURATION_MS + 1) : ref);
		return;
	}
	for (i = 0; i < rawlen && i < 8; i++)
		u |= (uint64_t)raw[i] << (8 * i);
	round_trip((int64_t)(u % (uint64_t)(MAX_DURATION_MS + 1)));
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
	static const char selectors[] = "dsbguifF";
	const uint8_t *p = data, *end = data + size, *nl;
	char *text;
	size_t len;
	int lines = 0;
	char sel;

	while (p < end && lines++ < MAX_LINES) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0) {
			sel = (char)p[0];
			if (strchr(selectors, sel) == NULL || sel == '\0')
				sel = selectors[p[0] % (sizeof(selectors) - 1)];
			/* Exactly sized, so that a read past the end is caught. */
			if ((text = malloc(len)) == NULL)
				return 0;
			memcpy(text, p + 1, len - 1);
			text[len - 1] = '\0';
			switch (sel) {
			case 'd':
				fuzz_duration(text);
				break;
			case 's':
				fuzz_size(text);
				break;
			case 'b':
				fuzz_bool(text);
				break;
			case 'g':
				fuzz_signal(text);
				break;
			case 'u':
				fuzz_umask(text);
				break;
			case 'i':
				fuzz_int(text);
				break;
			case 'f':
				fuzz_double(text);
				break;
			default:
				fuzz_format(text, p + 1, len - 1);
				break;
			}
			free(text);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}
