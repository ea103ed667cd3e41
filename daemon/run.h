/*
 * run: the processes of job attempts (SPEC §4). Spawns /bin/sh -c COMMAND
 * in a new session with stdin /dev/null, stdout+stderr on one pipe, only fds
 * 0-2, reset signals, workdir/umask/nice/user and the exact environment;
 * reads its output line by line (log, discard or file:PATH, output_limit);
 * reaps every child and, as child subreaper, every orphan. An attempt is
 * complete when its exit status and EOF on its output have both arrived.
 * This is glue: it owns libevent events for pipes and SIGCHLD.
 */
#ifndef SCHEDD_RUN_H
#define SCHEDD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "sched.h"

struct event_base;
struct runner;

/* What the runner tells its owner. */
struct runner_hooks {
	/* The attempt of `run` ended: exit status and output EOF both seen
	 * (or EOF did not come within RUN_EOF_GRACE_MS of the exit). When it
	 * is called, run->pid is 0 and run->proc NULL: the hook may free the
	 * run or spawn its next attempt at once; it must not free the runner. */
	void	(*done)(void *arg, struct sched_run *run, enum sched_exit_kind kind, int status);
};

/* After the main process exited, how long to wait for EOF on its output
 * before the attempt counts as complete (a background grandchild may hold
 * the pipe); its output is still read and logged until EOF. */
#define RUN_EOF_GRACE_MS 1000

/* output=log: a line longer than this is logged in pieces of this size
 * (the most log_job_output keeps of one line), so one line never makes
 * the runner buffer more. */
#define RUN_LINE_MAX_BYTES 4000

/*
 * Creates the runner on BASE: becomes child subreaper (prctl; a failure
 * there is logged, orphans then go to init) and installs the SIGCHLD event.
 * Raises the soft RLIMIT_NOFILE to the hard one (every running attempt holds
 * fds); jobs get the soft limit back, runner_free restores it.
 * The runner owns SIGCHLD: nothing else in the process may wait for
 * children (no waitpid, system, popen) or change SIGCHLD's disposition.
 * Returns NULL with errno on failure.
 */
struct runner *runner_create(struct event_base *base, const struct runner_hooks *hooks,
    void *arg);

/* Frees the runner; attempts still running are forgotten (not killed), and
 * the runs they belong to are not touched (they may be freed already). */
void runner_free(struct runner *r);

/*
 * Starts the current attempt of RUN per run->cfg, run->run_id, run->attempt,
 * run->scheduled_s. Returns 0 with run->pid and run->proc set; -1 with errno
 * when the pipe or the fork failed (nothing is left behind). Failures in the
 * child before exec (user, workdir, nice, exec itself) arrive later through
 * hooks->done as SCHED_EXIT_SPAWN_ERROR with the child's errno; the runner
 * logs which step failed.
 *
 * Settings as applied (SPEC §4): workdir defaults to cfg->exec->home, or /
 * when that is missing or not a directory; nice is the
 * absolute nice value, set when it differs from schedd's own (below it needs
 * privilege, else spawn-error); with cfg->user set, groups are those of
 * getgrouplist(3) and the switch is skipped only when an unprivileged schedd
 * already runs as that uid/gid. output_limit_bytes is per attempt: the first
 * output_limit_bytes bytes of the output stream are kept byte for byte
 * (file:PATH) or logged as lines (log; a line cut by the limit is logged as
 * far as it goes); the rest is read, dropped and counted, and one line
 * "output limit reached, N bytes dropped" is logged at EOF. 0 keeps nothing.
 * output=discard keeps and counts nothing. A file:PATH that cannot be opened
 * is logged and the attempt's output is discarded.
 */
int runner_spawn(struct runner *r, struct sched_run *run);

/* Sends signo to the process group of run's attempt until its completion is
 * reported (also after the main process exited, while a grandchild may
 * still hold the output); no-op otherwise, ESRCH ignored. */
void runner_signal(struct runner *r, struct sched_run *run, int signo);

/*
 * SIGKILLs the process groups that outlived their attempts (background
 * processes a job left in its group) and forgets them. For shutdown.
 * Returns how many groups were still there. A group whose attempt was
 * signalled (timeout, replace) gets SIGKILL by itself at kill_grace.
 */
int runner_kill_leftovers(struct runner *r);

/* Number of attempts whose completion has not been reported yet. */
int runner_active(const struct runner *r);

/* Number of attempts already reported whose output is still open (a
 * background process holds it after RUN_EOF_GRACE_MS); read until EOF. */
int runner_draining(const struct runner *r);

/* Bytes of output dropped by output_limit since the start (status, tests). */
uint64_t runner_dropped_bytes(const struct runner *r);

#endif
