/*
 * status: the status dump of SPEC §6 as logfmt text, one line for the
 * daemon and one per job. Pure formatting: the caller writes the file.
 */
#ifndef SCHEDD_STATUS_H
#define SCHEDD_STATUS_H

#include <stddef.h>
#include <sys/types.h>

#include "sched.h"

struct status_daemon {
	const char	*version;
	pid_t		 pid;
	const char	*config_path;
};

/* Renders the dump. Returns a malloc'd NUL-terminated text (length in
 * *lenp when not NULL), or NULL when memory ran out. */
char *status_render(const struct sched *s, const struct status_daemon *d,
    struct sched_now now, size_t *lenp);

/* The one-line summary logged with each dump and sent as STATUS=:
 * "jobs=2 running=1 queued=0 runs=120 failures=3". */
void status_summary(const struct sched *s, char *buf, size_t buflen);

#endif
