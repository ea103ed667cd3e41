/*
 * cmd_status: `schedd status [-c FILE]` (SPEC §1): finds the running daemon
 * through its pidfile, sends SIGUSR1, waits for the status file to be
 * replaced, and prints it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "fsutil.h"

/* How long to wait for the daemon to write the file. */
#define STATUS_WAIT_MS 5000

static bool
status_changed(const char *path, const struct stat *before, bool existed)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return false;
	if (!existed)
		return true;
	return st.st_ino != before->st_ino || st.st_dev != before->st_dev ||
	    st.st_mtim.tv_sec != before->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != before->st_mtim.tv_nsec;
}

static int
status_print(const char *path)
{
	char buf[8192];
	size_t n;
	FILE *fp = fopen(path, "re");

	if (fp == NULL) {
		fprintf(stderr, "schedd: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_FATAL;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(fp);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FATAL;
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct config_env env;
	struct config *cfg;
	const char *path = SCHEDD_DEFAULT_CONFIG;
	char pidfile[PATH_MAX], status_file[PATH_MAX];
	struct stat before;
	bool existed;
	pid_t pid;
	int ch, waited;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch != 'c') {
			cmd_usage(stderr);
			return EXIT_USAGE;
		}
		path = optarg;
	}
	if (optind != argc) {
		cmd_usage(stderr);
		return EXIT_USAGE;
	}
	config_env_current(&env);
	cfg = cmd_load_config(path, &env);
	if (cfg == NULL)
		return EXIT_INVALID;
	snprintf(pidfile, sizeof(pidfile), "%s/schedd.pid", cfg->runtime_dir);
	snprintf(status_file, sizeof(status_file), "%s", cfg->status_file);
	config_free(cfg);

	pid = fs_read_pidfile(pidfile);
	if (pid <= 0 || kill(pid, 0) == -1) {
		fprintf(stderr, "schedd: no running daemon found (pidfile %s)\n", pidfile);
		return EXIT_FATAL;
	}
	existed = stat(status_file, &before) == 0;
	if (kill(pid, SIGUSR1) == -1) {
		fprintf(stderr, "schedd: cannot signal pid %ld: %s\n", (long)pid, strerror(errno));
		return EXIT_FATAL;
	}
	for (waited = 0; waited < STATUS_WAIT_MS; waited += 10) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		if (status_changed(status_file, &before, existed))
			return status_print(status_file);
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "schedd: the daemon (pid %ld) did not write %s within %d s\n",
	    (long)pid, status_file, STATUS_WAIT_MS / 1000);
	return EXIT_FATAL;
}
