/*
 * cmd_check: `schedd check [-c FILE]` (SPEC §1). Loads the config exactly as
 * the daemon would; prints one line per job with its next fire time and exits
 * 0, or prints every error as FILE:LINE: message on stderr and exits 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"

static void
check_usage(FILE *fp)
{
	fputs("usage: schedd check [-c FILE]\n", fp);
}

/* The "next=" field: a calendar schedule's next fire time in the job's
 * zone; @every's first due time if the daemon started now. */
static void
format_next(const struct config_job *j, const struct timespec *now, char *buf,
    size_t buflen)
{
	int64_t now_ms = (int64_t)now->tv_sec * 1000 + now->tv_nsec / 1000000;
	int64_t t_s;

	if (!j->enabled) {
		snprintf(buf, buflen, "-  disabled");
		return;
	}
	switch (j->schedule.kind) {
	case CRONEXPR_REBOOT:
		snprintf(buf, buflen, "at-start");
		return;
	case CRONEXPR_EVERY:
		t_s = cronexpr_every_next(&j->schedule, now_ms, now_ms);
		t_s = t_s / 1000 + (t_s % 1000 != 0);
		break;
	default:
		t_s = cronexpr_next(&j->schedule, j->zone, (int64_t)now->tv_sec);
		break;
	}
	if (t_s == CRONEXPR_NEVER) {
		snprintf(buf, buflen, "never");
		return;
	}
	tz_format_iso(j->zone, t_s, buf, buflen);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = SCHEDD_DEFAULT_CONFIG;
	struct config_env env;
	struct config *cfg;
	struct timespec now;
	size_t i, width = 0, disabled = 0;
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return EXIT_OK;
		default:
			if (optopt == 'c')
				fprintf(stderr, "schedd check: option -c needs a FILE\n");
			else
				fprintf(stderr, "schedd check: unknown option '%s'\n",
				    argv[optind - 1]);
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "schedd check: unexpected argument '%s'\n", argv[optind]);
		check_usage(stderr);
		return EXIT_USAGE;
	}

	config_env_current(&env);
	cfg = cmd_load_config(path, &env);
	if (cfg == NULL)
		return EXIT_INVALID;

	clock_gettime(CLOCK_REALTIME, &now);
	for (i = 0; i < cfg->njobs; i++) {
		size_t n = strlen(cfg->jobs[i].name);
		if (n > width)
			width = n;
	}
	for (i = 0; i < cfg->njobs; i++) {
		const struct config_job *j = &cfg->jobs[i];
		char next[64];

		format_next(j, &now, next, sizeof(next));
		printf("%-*s  schedule=\"%s\"  zone=%s  next=%s\n", (int)width, j->name,
		    j->schedule_text, tz_name(j->zone), next);
		if (!j->enabled)
			disabled++;
	}
	printf("%s: %zu job%s", cfg->path, cfg->njobs, cfg->njobs == 1 ? "" : "s");
	if (disabled > 0)
		printf(" (%zu disabled)", disabled);
	printf(", config OK\n");
	config_free(cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("schedd check: stdout");
		return EXIT_FATAL;
	}
	return EXIT_OK;
}
