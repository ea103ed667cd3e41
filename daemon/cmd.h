/*
 * cmd: the subcommands of the schedd binary (SPEC §1). Each takes the
 * arguments after the program name (argv[0] is the subcommand word, or
 * "schedd" for the daemon) and returns the process exit code.
 */
#ifndef SCHEDD_CMD_H
#define SCHEDD_CMD_H

#include <stdio.h>

enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1,	/* invalid config or schedule */
	EXIT_USAGE = 2,
	EXIT_FATAL = 3,		/* fatal runtime error */
};

#define SCHEDD_DEFAULT_CONFIG "/etc/schedd/schedd.conf"

int cmd_daemon(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_next(int argc, char **argv);
int cmd_status(int argc, char **argv);

void cmd_usage(FILE *fp);

struct config;
struct config_env;

/* Loads PATH; on any error prints every "FILE:LINE: message" to stderr and
 * returns NULL (SPEC §1: the caller exits 1). */
struct config *cmd_load_config(const char *path, const struct config_env *env);

#endif
