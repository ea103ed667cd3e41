/*
 * state: what schedd remembers across restarts (SPEC §3 state_file, §4
 * interrupted): per job, the last scheduled slot that started and how it
 * ended. Updated after each start and each finish, crash-safe (a cut-off
 * write never leaves a file schedd cannot read). A damaged or foreign file
 * is reported, set aside, and never a reason not to start.
 */
#ifndef SCHEDD_STATE_H
#define SCHEDD_STATE_H

#include "sched.h"

struct state;

/* Opens (and reads) PATH. Returns NULL only when memory ran out; problems
 * with the file are logged and the state starts empty. */
struct state *state_open(const char *path);

/* At start-up: tells sched what ran before (last slots, interrupted runs),
 * so that missed slots are counted or caught up and no slot runs twice. */
void state_apply(struct state *st, struct sched *s, struct sched_now now);

/* Records an event (STARTED, FINISHED, DONE) and writes the file. */
void state_on_event(struct state *st, const struct sched_event *ev);

void state_close(struct state *st);

#endif
