/*
 * main: picks the subcommand (SPEC §1). Everything else lives in the cmd_*
 * functions; only this file is outside libschedd.a.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"

void
cmd_usage(FILE *fp)
{
	fputs("usage: schedd [-c FILE] [-d] [-p PIDFILE] [-v]\n"
	    "       schedd check [-c FILE]\n"
	    "       schedd next [--from TIME] [--tz ZONE] [-n N] EXPR\n"
	    "       schedd status [-c FILE]\n"
	    "       schedd --version | --help\n", fp);
}

struct config *
cmd_load_config(const char *path, const struct config_env *env)
{
	struct config_errors errs = { NULL, 0, 0 };
	struct config *cfg = config_load(path, env, &errs);
	size_t i;

	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	config_errors_free(&errs);
	return cfg;
}

int
main(int argc, char **argv)
{
	if (argc >= 2) {
		const char *sub = argv[1];

		if (strcmp(sub, "--version") == 0 || strcmp(sub, "-V") == 0) {
			printf("schedd %s\n", SCHEDD_VERSION);
			return EXIT_OK;
		}
		if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
			cmd_usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(sub, "check") == 0)
			return cmd_check(argc - 1, argv + 1);
		if (strcmp(sub, "next") == 0)
			return cmd_next(argc - 1, argv + 1);
		if (strcmp(sub, "status") == 0)
			return cmd_status(argc - 1, argv + 1);
		if (sub[0] != '-') {
			fprintf(stderr, "schedd: unknown command '%s'\n", sub);
			cmd_usage(stderr);
			return EXIT_USAGE;
		}
	}
	return cmd_daemon(argc, argv);
}
