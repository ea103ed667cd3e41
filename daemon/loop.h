/*
 * loop: the daemon's event loop (libevent). The only reader of clocks: it
 * feeds `now` to sched, arms one libevent timer for the wheel's next expiry,
 * watches clock steps through a CLOCK_REALTIME timerfd, turns signals into
 * reload, status dump and shutdown (SPEC §5), and pings the watchdog.
 */
#ifndef SCHEDD_LOOP_H
#define SCHEDD_LOOP_H

#include "config.h"

struct loop_params {
	const char	*config_path;	/* re-read on SIGHUP */
	struct config_env env;
	struct config	*cfg;		/* loaded and valid; ownership passes */
};

/* Runs until SIGTERM/SIGINT and the shutdown that follows. Returns the exit
 * code (0 after an orderly stop, 3 when the loop could not be set up). */
int loop_run(struct loop_params *p);

#endif
