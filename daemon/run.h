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
	 * (or EOF did not come within RUN_EOF_GRACE_MS of the exit). */
	void	(*done)(void *arg, struct sched_run *run, enum sched_exit_kind kind, int status);
};

/* After the main process exited, how long to wait for EOF on its output
 * before the attempt counts as complete (a background grandchild may hold
 * the pipe); its output is still read and logged until EOF. */
#define RUN_EOF_GRACE_MS 1000

/*
 * Creates the runner on BASE: becomes child subreaper (prctl) and installs
 * the SIGCHLD event. Returns NULL with errno on failure.
 */
struct runner *runner_create(struct event_base *base, const struct runner_hooks *hooks,
    void *arg);

/* Frees the runner; attempts still running are forgotten (not killed). */
void runner_free(struct runner *r);

/*
 * Starts the current attempt of RUN per run->cfg, run->run_id, run->attempt,
 * run->scheduled_s. Returns 0 with run->pid and run->proc set; -1 with errno
 * when the pipe or the fork failed (nothing is left behind). Failures in the
 * child before exec (user, workdir, exec itself) arrive later through
 * hooks->done as SCHED_EXIT_SPAWN_ERROR with the child's errno.
 */
int runner_spawn(struct runner *r, struct sched_run *run);

/* Sends signo to the process group of run's attempt (no-op when gone). */
void runner_signal(struct runner *r, struct sched_run *run, int signo);

/* Number of attempts whose completion has not been reported yet. */
int runner_active(const struct runner *r);

/* Bytes of output dropped by output_limit since the start (status, tests). */
uint64_t runner_dropped_bytes(const struct runner *r);

#endif
