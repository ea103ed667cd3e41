/*
 * cmd_next: `schedd next [--from TIME] [--tz ZONE] [-n N] EXPR` (SPEC §1):
 * prints the next N fire times of a schedule, one ISO 8601 local time with
 * offset per line. Glue only: options, $TZ and the clock are read here; the
 * times come from cronexpr and tz.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cronexpr.h"
#include "tz.h"

#define NEXT_DEFAULT_COUNT	5
#define NEXT_MAX_COUNT		1000000
#define NEXT_MAX_EXPR		4096

#define NEXT_SYNOPSIS "usage: schedd next [--from TIME] [--tz ZONE] [-n N] EXPR\n"

static void
next_usage(FILE *fp)
{
	fputs(NEXT_SYNOPSIS
	    "Prints the next N fire times of schedule EXPR, strictly after TIME.\n"
	    "  --from TIME  local time YYYY-MM-DD HH:MM[:SS] in ZONE (default: now);\n"
	    "               a time that occurs twice means its first occurrence, one\n"
	    "               that does not exist the first instant after the gap\n"
	    "  --tz ZONE    IANA zone name, e.g. Europe/Berlin (default: $TZ, else the\n"
	    "               system zone); an unknown zone is a usage error\n"
	    "  -n N         how many fire times, at least 1 (default 5)\n"
	    "EXPR is one argument or several words: schedd next 0 3 '*' '*' '*'\n"
	    "Exit status: 0 done, 1 invalid schedule, 2 usage error.\n", fp);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("schedd next: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n" NEXT_SYNOPSIS "(schedd next --help explains)\n", stderr);
	return EXIT_USAGE;
}

/* Reads exactly `width` digits. */
static int
read_digits(const char **pp, int width, int *out)
{
	const char *p = *pp;
	int v = 0, i;

	for (i = 0; i < width; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + width;
	*out = v;
	return 0;
}

/* "YYYY-MM-DD HH:MM[:SS]" (or with 'T') into *lt, fields range-checked. */
static int
parse_local_time(const char *text, struct tz_civil *lt)
{
	const char *p = text;

	memset(lt, 0, sizeof(*lt));
	if (read_digits(&p, 4, &lt->year) == -1 || *p++ != '-' ||
	    read_digits(&p, 2, &lt->mon) == -1 || *p++ != '-' ||
	    read_digits(&p, 2, &lt->mday) == -1 || (*p != ' ' && *p != 'T'))
		return -1;
	p++;
	if (read_digits(&p, 2, &lt->hour) == -1 || *p++ != ':' ||
	    read_digits(&p, 2, &lt->min) == -1)
		return -1;
	if (*p == ':') {
		p++;
		if (read_digits(&p, 2, &lt->sec) == -1)
			return -1;
	}
	if (*p != '\0')
		return -1;
	if (lt->year < 1 || lt->mon < 1 || lt->mon > 12 || lt->mday < 1 ||
	    lt->mday > tz_days_in_month(lt->year, lt->mon) || lt->hour > 23 ||
	    lt->min > 59 || lt->sec > 59)
		return -1;
	return 0;
}

/*
 * The zone: --tz, else $TZ as the C library reads it (a leading ':' is
 * dropped, a path into the zoneinfo tree names its zone, "" is UTC), else
 * the system zone.
 */
static struct tz *
load_next_zone(const char *opt_zone, char *err, size_t errlen)
{
	static const char *const prefixes[] = {
		"/usr/share/zoneinfo/", "/usr/lib/zoneinfo/", "/usr/share/lib/zoneinfo/",
	};
	const char *name = opt_zone;
	size_t i, n;

	if (name == NULL) {
		if ((name = getenv("TZ")) == NULL)
			return tz_load(NULL, err, errlen);
		if (*name == ':')
			name++;
		if (*name == '\0')
			return tz_utc();
		if (strcmp(name, "/etc/localtime") == 0)
			return tz_load(NULL, err, errlen);
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			n = strlen(prefixes[i]);
			if (strncmp(name, prefixes[i], n) == 0) {
				name += n;
				break;
			}
		}
	}
	return tz_load(name, err, errlen);
}

/* ISO 8601 with milliseconds when an @every interval has them. */
static void
format_ms(const struct tz *zone, int64_t t_ms, bool with_ms, char *buf, size_t buflen)
{
	int64_t s = t_ms / 1000, ms = t_ms % 1000;
	char iso[64];
	size_t n;

	if (ms < 0) {
		ms += 1000;
		s--;
	}
	tz_format_iso(zone, s, iso, sizeof(iso));
	if (!with_ms) {
		snprintf(buf, buflen, "%s", iso);
		return;
	}
	/* Insert ".mmm" before the offset, after "...HH:MM:SS". */
	n = strcspn(iso + 11, "+-") + 11;
	snprintf(buf, buflen, "%.*s.%03d%s", (int)n, iso, (int)ms, iso + n);
}

int
cmd_next(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "tz", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opt_from = NULL, *opt_zone = NULL;
	char expr[NEXT_MAX_EXPR], err[512], line[96];
	struct cronexpr ce;
	struct tz_civil lt;
	struct tz *zone;
	int64_t from_s, t, out[2];
	long count = NEXT_DEFAULT_COUNT, i;
	size_t len = 0, wlen;
	char *end;
	int ch, rc = EXIT_OK;

	/* 0, not 1: glibc then resets its permutation state too (the words of
	 * EXPR and the options may come in any order). */
	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			opt_from = optarg;
			break;
		case 'z':
			opt_zone = optarg;
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || count < 1 ||
			    count > NEXT_MAX_COUNT)
				return usage_error("invalid count '%s' (expected a number from 1 "
				    "to 1000000)", optarg);
			break;
		case 'h':
			next_usage(stdout);
			return EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("missing schedule%s", "");
	/* The schedule may come as one argument or as several words. */
	for (i = optind; i < argc; i++) {
		wlen = strlen(argv[i]);
		if (len + wlen + 2 > sizeof(expr))
			return usage_error("schedule too long%s", "");
		if (len > 0)
			expr[len++] = ' ';
		memcpy(expr + len, argv[i], wlen);
		len += wlen;
	}
	expr[len] = '\0';

	if ((zone = load_next_zone(opt_zone, err, sizeof(err))) == NULL) {
		if (opt_zone == NULL)
			fprintf(stderr, "schedd next: %s (from $TZ)\n", err);
		else
			fprintf(stderr, "schedd next: %s\n", err);
		return EXIT_USAGE;
	}
	if (opt_from != NULL) {
		if (parse_local_time(opt_from, &lt) == -1) {
			tz_free(zone);
			return usage_error("invalid --from time '%s' (expected YYYY-MM-DD "
			    "HH:MM[:SS])", opt_from);
		}
		/* First occurrence in a fold; the end of the gap in a gap (SPEC §2). */
		tz_resolve(zone, &lt, out);
		from_s = out[0];
	} else
		from_s = (int64_t)time(NULL);

	if (cronexpr_parse(&ce, expr, err, sizeof(err)) == -1) {
		fprintf(stderr, "schedd: invalid schedule '%s': %s\n", expr, err);
		tz_free(zone);
		return EXIT_INVALID;
	}
	switch (ce.kind) {
	case CRONEXPR_REBOOT:
		fprintf(stderr, "schedd next: @reboot runs once when the daemon starts; "
		    "it has no fire times\n");
		break;
	case CRONEXPR_EVERY:
		/* Real elapsed time from the start: start + k * interval. */
		t = from_s * 1000;
		for (i = 0; i < count; i++) {
			t = cronexpr_every_next(&ce, from_s * 1000, t);
			if (t == CRONEXPR_NEVER || t / 1000 > INT64_C(253402300799))
				break;
			format_ms(zone, t, ce.every_ms % 1000 != 0, line, sizeof(line));
			puts(line);
		}
		if (i < count)
			fprintf(stderr, "schedd next: no further fire times\n");
		break;
	case CRONEXPR_CALENDAR:
		t = from_s;
		for (i = 0; i < count; i++) {
			t = cronexpr_next(&ce, zone, t);
			if (t == CRONEXPR_NEVER)
				break;
			puts(tz_format_iso(zone, t, line, sizeof(line)));
		}
		if (i < count)
			fprintf(stderr, "schedd next: no further fire times\n");
		break;
	}
	tz_free(zone);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "schedd next: writing the output: %s\n", strerror(errno));
		rc = EXIT_FATAL;
	}
	return rc;
}
