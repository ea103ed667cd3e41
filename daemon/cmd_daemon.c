/*
 * cmd_daemon: `schedd [-c FILE] [-d] [-p PIDFILE] [-v]` (SPEC §1). Validates
 * the config before anything else, logs to stderr until detached, writes
 * the pidfile that `schedd status` reads, and hands over to the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "fsutil.h"
#include "log.h"
#include "loop.h"
#include "notify.h"

/* True when PID is a live process whose name is schedd. */
static bool
daemon_alive(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *fp;

	if (pid == getpid() || kill(pid, 0) == -1)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	fp = fopen(path, "re");
	if (fp == NULL)
		return true;
	if (fgets(comm, sizeof(comm), fp) == NULL)
		comm[0] = '\0';
	fclose(fp);
	return strncmp(comm, "schedd", 6) == 0;
}

/* Double fork and setsid: the daemon is not a session leader and cannot
 * reacquire a terminal. Returns only in the grandchild. */
static int
daemon_detach(void)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	pid = fork();
	if (pid == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		return -1;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		return -1;
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

int
cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct loop_params lp;
	const char *path = SCHEDD_DEFAULT_CONFIG;
	const char *pidfile = NULL;
	char pidbuf[PATH_MAX], abspath[PATH_MAX];
	bool detach = false;
	int verbose = 0, ch, rc;
	pid_t other;
	sigset_t early;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:dp:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			detach = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			cmd_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "schedd: unexpected argument '%s'\n", argv[optind]);
		cmd_usage(stderr);
		return EXIT_USAGE;
	}

	/* Until the loop handles them, the signals of SPEC §5 wait: their
	 * default action would kill a daemon that is still starting. */
	sigemptyset(&early);
	sigaddset(&early, SIGTERM);
	sigaddset(&early, SIGINT);
	sigaddset(&early, SIGHUP);
	sigaddset(&early, SIGUSR1);
	sigprocmask(SIG_BLOCK, &early, NULL);

	log_init(verbose > 0 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	memset(&lp, 0, sizeof(lp));
	config_env_current(&lp.env);
	/* Reloads happen after -d has changed to "/": keep an absolute path. */
	if (path[0] != '/' && realpath(path, abspath) != NULL)
		path = abspath;
	lp.config_path = path;
	lp.cfg = cmd_load_config(path, &lp.env);
	if (lp.cfg == NULL) {
		fprintf(stderr, "schedd: %s: invalid configuration, not starting\n", path);
		return EXIT_INVALID;
	}
	if (verbose == 0)
		log_set_level((enum log_level)lp.cfg->log_level);

	if (fs_mkdir_p(lp.cfg->runtime_dir, lp.env.uid == 0 ? 0755 : 0700) == -1) {
		log_warn("cannot create runtime directory %s", lp.cfg->runtime_dir);
		config_free(lp.cfg);
		return EXIT_FATAL;
	}
	if (pidfile == NULL) {
		snprintf(pidbuf, sizeof(pidbuf), "%s/schedd.pid", lp.cfg->runtime_dir);
		pidfile = pidbuf;
	}
	other = fs_read_pidfile(pidfile);
	if (other > 0 && daemon_alive(other)) {
		log_warnx("another schedd (pid %ld) is running with pidfile %s", (long)other,
		    pidfile);
		config_free(lp.cfg);
		return EXIT_FATAL;
	}
	if (detach) {
		if (daemon_detach() == -1) {
			log_warn("cannot detach");
			config_free(lp.cfg);
			return EXIT_FATAL;
		}
		log_to_syslog();
	}
	if (fs_write_pidfile(pidfile, getpid()) == -1)
		log_warn("cannot write pidfile %s", pidfile);
	notify_init();
	rc = loop_run(&lp);
	if (fs_read_pidfile(pidfile) == getpid())
		unlink(pidfile);
	return rc;
}
