/*
 * values: parsing of durations, sizes, booleans, signals, umasks and bounded
 * numbers as SPEC §3 writes them. Pure: no I/O, no globals but const tables.
 */
#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DURATION_MS (100LL * 366 * 24 * 3600 * 1000)

static int
fail(char *err, size_t errlen, const char *fmt, const char *text)
{
	if (errlen > 0)
		snprintf(err, errlen, fmt, text);
	return -1;
}

/* Reads an unsigned decimal integer; -1 on no digits or overflow. */
static int
read_uint(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return 0;
}

static const struct {
	const char *suffix;
	int64_t ms;
} duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 3600 * 1000 },
	{ "d", 24 * 3600 * 1000 },
};

int
value_duration_ms(const char *text, int64_t *out_ms, char *err, size_t errlen)
{
	const char *p = text;
	int64_t total = 0;
	uint64_t n;

	if (*p == '\0')
		return fail(err, errlen, "empty duration%s", "");
	if (read_uint(&p, &n) == 0 && *p == '\0') {
		if (n > (uint64_t)(MAX_DURATION_MS / 1000))
			return fail(err, errlen, "duration '%s' is too long", text);
		*out_ms = (int64_t)n * 1000;
		return 0;
	}
	p = text;
	while (*p != '\0') {
		size_t i, len, best = 0;
		int64_t unit = 0;

		if (read_uint(&p, &n) != 0)
			return fail(err, errlen,
			    "invalid duration '%s' (expected e.g. 500ms, 30s, 5m, 2h, 1d, 1h30m)", text);
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
			len = strlen(duration_units[i].suffix);
			if (strncmp(p, duration_units[i].suffix, len) == 0 &&
			    !isalpha((unsigned char)p[len]) && len > best) {
				best = len;
				unit = duration_units[i].ms;
			}
		}
		if (best == 0)
			return fail(err, errlen,
			    "invalid duration '%s' (expected e.g. 500ms, 30s, 5m, 2h, 1d, 1h30m)", text);
		p += best;
		if (n > (uint64_t)(MAX_DURATION_MS / unit) ||
		    total > MAX_DURATION_MS - (int64_t)n * unit)
			return fail(err, errlen, "duration '%s' is too long", text);
		total += (int64_t)n * unit;
	}
	*out_ms = total;
	return 0;
}

int
value_size_bytes(const char *text, uint64_t *out_bytes, char *err, size_t errlen)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024 }, { "MiB", 1024 * 1024 },
		{ "GiB", 1024ULL * 1024 * 1024 },
	};
	const char *p = text;
	uint64_t n;
	size_t i;

	if (read_uint(&p, &n) != 0)
		return fail(err, errlen, "invalid size '%s' (expected bytes, KiB, MiB or GiB)", text);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		if (n > UINT64_MAX / units[i].mult)
			return fail(err, errlen, "size '%s' is too large", text);
		*out_bytes = n * units[i].mult;
		return 0;
	}
	return fail(err, errlen, "invalid size '%s' (expected bytes, KiB, MiB or GiB)", text);
}

int
value_bool(const char *text, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return fail(err, errlen, "invalid boolean '%s' (expected true/false/yes/no/on/off/1/0)", text);
}

static const struct {
	const char *name;
	int signo;
} signal_names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int
value_signal(const char *text, int *out_signo, char *err, size_t errlen)
{
	const char *name = text;
	long n;
	size_t i;

	if (isdigit((unsigned char)text[0])) {
		char *end;
		errno = 0;
		n = strtol(text, &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n > 64)
			return fail(err, errlen, "invalid signal '%s' (expected a name or 1..64)", text);
		*out_signo = (int)n;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (strcasecmp(name, signal_names[i].name) == 0) {
			*out_signo = signal_names[i].signo;
			return 0;
		}
	}
	return fail(err, errlen, "unknown signal '%s'", text);
}

const char *
value_signal_name(int signo)
{
	size_t i;

	for (i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
		if (signal_names[i].signo == signo)
			return signal_names[i].name;
	return NULL;
}

int
value_umask(const char *text, mode_t *out_mask, char *err, size_t errlen)
{
	const char *p = text;
	unsigned v = 0;

	if (*p == '\0')
		return fail(err, errlen, "invalid umask '%s' (expected octal, e.g. 022)", text);
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '7' || v > 0777)
			return fail(err, errlen, "invalid umask '%s' (expected octal, e.g. 022)", text);
		v = v * 8 + (unsigned)(*p - '0');
	}
	if (v > 0777)
		return fail(err, errlen, "invalid umask '%s' (expected octal, e.g. 022)", text);
	*out_mask = (mode_t)v;
	return 0;
}

int
value_int_range(const char *text, long min, long max, long *out, char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0' || errno != 0) {
		return fail(err, errlen, "invalid integer '%s'", text);
	}
	if (n < min || n > max) {
		if (errlen > 0)
			snprintf(err, errlen, "value %ld out of range %ld..%ld", n, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

int
value_double_range(const char *text, double min, double max, double *out,
    char *err, size_t errlen)
{
	const char *p = text;
	char *end;
	double v;

	/* Plain decimals only: no hex, no exponent, no inf/nan. */
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p) && *p != '.' && *p != '-' && *p != '+')
			return fail(err, errlen, "invalid number '%s'", text);
	errno = 0;
	v = strtod(text, &end);
	if (text[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
		return fail(err, errlen, "invalid number '%s'", text);
	if (v < min || v > max) {
		if (errlen > 0)
			snprintf(err, errlen, "value %s out of range %g..%g", text, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

char *
value_format_duration(int64_t ms, char *buf, size_t buflen)
{
	size_t i, used = 0;

	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, buflen, "0s");
		return buf;
	}
	for (i = sizeof(duration_units) / sizeof(duration_units[0]); i-- > 0;) {
		int64_t unit = duration_units[i].ms;
		int n;
		if (ms < unit)
			continue;
		n = snprintf(buf + used, buflen - used, "%lld%s", (long long)(ms / unit),
		    duration_units[i].suffix);
		if (n < 0 || (size_t)n >= buflen - used)
			break;
		used += (size_t)n;
		ms %= unit;
	}
	return buf;
}
