/*
 * sched: the job state machine (SPEC §2 macros, §3 job keys, §4 outcomes,
 * §5 reload and shutdown). Pure: it keeps every deadline in a wheel, never
 * reads a clock (callers pass `now`), and acts on the world only through
 * struct sched_ops (spawn, signal, report events), so it is unit-tested with
 * fake time and recording fakes.
 *
 * Clocks: `now` carries both the wall clock (real_ms, Unix milliseconds) and
 * the loop's monotonic clock (mono_ms). Calendar deadlines are wall-clock
 * instants mapped to the monotonic wheel through the current offset
 * real_ms - mono_ms; timeouts, grace, retry delays and @every are monotonic.
 * When the offset changes (clock step, suspend) the caller says so with
 * sched_clock_changed() and calendar deadlines are mapped again.
 */
#ifndef SCHEDD_SCHED_H
#define SCHEDD_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "lagstat.h"
#include "wheel.h"

struct sched_now {
	int64_t		real_ms;	/* CLOCK_REALTIME, Unix ms */
	uint64_t	mono_ms;	/* the wheel's clock */
	int32_t		real_sub_us;	/* µs past real_ms (0..999) */
	int32_t		mono_sub_us;	/* µs past mono_ms (0..999) */
};

/* SPEC §6 job states. */
enum sched_state {
	SCHED_STATE_IDLE,
	SCHED_STATE_RUNNING,
	SCHED_STATE_RETRY_WAIT,
	SCHED_STATE_QUEUED,
	SCHED_STATE_DISABLED,
};

/* SPEC §4 attempt outcomes. SCHED_OUTCOME_NONE: no attempt finished yet. */
enum sched_outcome {
	SCHED_OUTCOME_NONE,
	SCHED_OUTCOME_SUCCESS,
	SCHED_OUTCOME_FAILED,
	SCHED_OUTCOME_SIGNALED,
	SCHED_OUTCOME_TIMEOUT,
	SCHED_OUTCOME_SPAWN_ERROR,
	SCHED_OUTCOME_INTERRUPTED,
};

const char *sched_state_name(enum sched_state st);	/* "retry-wait" ... */
const char *sched_outcome_name(enum sched_outcome o);	/* "spawn-error" ... */

/* How an attempt's process ended, as the runner saw it. */
enum sched_exit_kind {
	SCHED_EXIT_CODE,	/* exited; status = exit code */
	SCHED_EXIT_SIGNAL,	/* killed by a signal; status = signal number */
	SCHED_EXIT_SPAWN_ERROR,	/* never ran (exec/setup failed); status = errno */
};

struct sched_job;
struct sched_cfgref;

/* Where a run stands. */
enum sched_run_state {
	SCHED_RUN_WAITING,	/* overlap=queue/replace: waits for the job's active run */
	SCHED_RUN_QUEUED,	/* waits for max_concurrent (FIFO over all jobs) */
	SCHED_RUN_RUNNING,	/* an attempt runs (pid) */
	SCHED_RUN_RETRY_WAIT,	/* waits for its retry delay */
};

/*
 * One run: one scheduled slot of a job, through all its attempts.
 * Allocated and freed by sched; the runner may keep `proc` (its own handle).
 * A run keeps the settings (`cfg`) it was created under until it is done,
 * across reloads: the config they live in is kept alive for it.
 */
struct sched_run {
	struct sched_job *job;
	const struct config_job *cfg;	/* settings this run started under */
	uint64_t	run_id;		/* unique per daemon lifetime, from 1 */
	int		attempt;	/* 1-based, current or last */
	int64_t		scheduled_s;	/* the slot's due time (Unix s), SPEC §4 SCHEDD_SCHEDULED */
	int64_t		due_real_ms;	/* when the current attempt became due (jitter included) */
	pid_t		pid;		/* while an attempt runs, else 0 */
	void		*proc;		/* the runner's handle, opaque to sched */
	uint64_t	started_mono_ms;
	int64_t		started_real_ms;
	bool		timed_out;	/* kill_signal sent for the timeout */
	bool		replaced;	/* overlap=replace stopped it */
	enum sched_run_state state;
	enum sched_outcome outcome;	/* of the last finished attempt; NONE before */
	/* internal */
	int		phase;		/* what `timer` is armed for */
	struct sched_cfgref *ref;	/* keeps cfg's config alive */
	struct wheel_timer timer;	/* timeout, kill grace, or retry */
	struct sched_run *next_run, **prev_run;	/* job's runs */
	struct sched_run *next_queued, **prev_queued;	/* capacity FIFO */
};

/* Per-job status counters (SPEC §6). */
struct sched_counters {
	uint64_t	runs;		/* attempts started (spawn errors included) */
	uint64_t	failures;	/* attempts that did not succeed */
	uint64_t	retries;	/* retry attempts scheduled */
	uint64_t	timeouts;
	uint64_t	skipped;	/* slots dropped by overlap */
	uint64_t	missed;		/* slots missed (down, clock jump) */
};

struct sched_job {
	const struct config_job *cfg;	/* current settings */
	enum sched_state state;		/* derived: see sched_job_state() */
	int64_t		next_due_s;	/* calendar: next slot (Unix s); CRONEXPR_NEVER if none */
	uint64_t	next_due_mono_ms; /* @every: next slot on the monotonic clock */
	int64_t		last_scheduled_s; /* last slot handled: started, queued, skipped or
					   * missed (0: none); no slot <= it runs again */
	int64_t		last_start_real_ms;	/* 0: never */
	enum sched_outcome last_result;
	int		last_exit;	/* exit code or signal number of the last attempt */
	int64_t		last_duration_ms;
	struct sched_counters n;
	/* internal */
	struct wheel_timer due_timer;
	int64_t		slot_jitter_ms;	/* jitter drawn for the next slot */
	struct sched_run *runs;		/* active runs (running, retry-wait, queued,
					 * and the waiting one) */
	int		nruns;		/* length of runs, waiting included */
	struct sched_run *waiting;	/* overlap=queue/replace: the one slot waiting */
	bool		removed;	/* gone from the config; freed when runs end */
	bool		keep;		/* reload: matched by a job of the new config */
	struct sched_cfgref *ref;	/* keeps cfg's config alive */
	struct sched_job *next_removed;
};

/* A config with the number of jobs, runs and the sched itself that point
 * into it; freed with config_free() when that drops to zero. */
struct sched_cfgref {
	struct config	*cfg;
	int		refs;
	struct sched_cfgref *next;
};

/* Everything sched tells the outside world, for logs, notify and state. */
enum sched_event_kind {
	SCHED_EV_STARTED,	/* run, attempt, pid */
	SCHED_EV_FINISHED,	/* run, outcome, status, duration_ms */
	SCHED_EV_RETRY,		/* run, delay_ms (next attempt = run->attempt + 1) */
	SCHED_EV_SKIPPED,	/* job, scheduled_s: a slot dropped by overlap (skip, a
				 * second slot while one waits, replace dropping a
				 * slot still queued for max_concurrent) */
	SCHED_EV_QUEUED,	/* run: waits for overlap (run->state WAITING) or
				 * max_concurrent (QUEUED) */
	SCHED_EV_TIMEOUT,	/* run: kill_signal sent */
	SCHED_EV_KILLED,	/* run: SIGKILL after kill_grace (timeout, replace), or
				 * sched_signal_all(SIGKILL) */
	SCHED_EV_REPLACED,	/* run: overlap=replace is stopping it */
	SCHED_EV_MISSED,	/* job, count, scheduled_s: slots missed; catchup says if one
				 * runs for them (see SCHED_LATE_TOLERANCE_MS) */
	SCHED_EV_DONE,		/* run: all attempts over (final outcome; NONE when it was
				 * cancelled before its first attempt); run freed after */
};

struct sched_event {
	enum sched_event_kind kind;
	struct sched_job *job;
	struct sched_run *run;		/* NULL for SKIPPED and MISSED */
	enum sched_outcome outcome;	/* FINISHED, DONE */
	int		status;		/* FINISHED: exit code, signal or errno */
	int64_t		duration_ms;	/* FINISHED */
	int64_t		delay_ms;	/* RETRY */
	int64_t		scheduled_s;	/* SKIPPED, MISSED: the (last) slot */
	uint64_t	count;		/* MISSED: how many slots */
	bool		catchup;	/* MISSED: one run follows */
};

struct sched_ops {
	/*
	 * Starts the current attempt of run (run->attempt, run->cfg). Returns 0
	 * with run->pid (and run->proc) set, or -1 with errno set when the
	 * process could not be created (fork/pipe failed): that attempt's
	 * outcome is then spawn-error. A failing exec is reported later
	 * through sched_attempt_done(SCHED_EXIT_SPAWN_ERROR).
	 */
	int		(*spawn)(void *ctx, struct sched_run *run);
	/* Sends signo to the attempt's process group. */
	void		(*signal)(void *ctx, struct sched_run *run, int signo);
	/* Reports an event; must not call back into sched. */
	void		(*event)(void *ctx, const struct sched_event *ev);
	/* A uniform random number in [0, bound) (bound >= 1), for jitter. */
	uint64_t	(*random)(void *ctx, uint64_t bound);
	/* Frees a config sched no longer needs; NULL means config_free().
	 * Tests that build configs by hand set it. */
	void		(*free_config)(void *ctx, struct config *cfg);
};

/*
 * A slot whose due time passed by more than this when it is noticed (the
 * loop stalled, the machine slept, the clock jumped) counts as missed.
 * When several slots of a job are due at once, only the latest can run:
 * if it is late by at most this, it runs as a normal run and the older
 * ones are missed (one MISSED event, catchup false); if it is later, all
 * are missed (one MISSED event) and with catchup=true one run of the latest
 * slot follows.
 */
#define SCHED_LATE_TOLERANCE_MS 60000

struct sched {
	struct wheel	wheel;
	const struct sched_ops *ops;
	void		*ctx;
	struct config	*cfg;		/* current; owned by sched */
	struct sched_job **jobs;	/* parallel to cfg->jobs (sorted by name) */
	size_t		njobs;
	int64_t		start_real_ms;	/* daemon start, for @every and uptime */
	uint64_t	start_mono_ms;
	uint64_t	next_run_id;
	int		running;	/* attempts running */
	int		queued;		/* attempts waiting for max_concurrent */
	struct sched_run *queue_head, **queue_tail;
	bool		stopping;	/* sched_shutdown() called */
	uint64_t	total_runs, total_failures;
	struct lagstat	lag;
	/* internal */
	struct sched_job *removed;	/* removed jobs with runs still active */
	struct sched_cfgref *cfgrefs;	/* every live config, the current one too */
	struct sched_cfgref *cur_ref;	/* the one of cfg */
	bool		sorted;		/* jobs are in strcmp order (bsearch) */
};

/*
 * Creates the state for CFG (ownership of cfg passes to sched) and schedules
 * every enabled job from now: calendar slots at or after now.real_ms, @every
 * at start + k * interval, @reboot due at once. OPS and CTX must outlive s.
 * Returns NULL on allocation failure (cfg is then still the caller's).
 */
struct sched *sched_create(struct config *cfg, const struct sched_ops *ops, void *ctx,
    struct sched_now now);

/* Frees everything, configs included; runs still active are forgotten (the
 * caller kills them). No events. */
void sched_free(struct sched *s);

/* Runs every deadline that is due at `now` (starting runs, timeouts,
 * retries), also those its own callbacks arm for now or earlier. Other
 * timers of the same wheel (the loop's) run too. Returns the number run. */
size_t sched_advance(struct sched *s, struct sched_now now);

/* The monotonic ms at which sched_advance must be called next, or
 * WHEEL_NONE. May be <= now.mono_ms (call at once). */
uint64_t sched_next_wakeup(const struct sched *s);

/* The runner reports that an attempt ended (exit status AND output EOF).
 * Ignored unless run's attempt is running. May start queued runs (spawn). */
void sched_attempt_done(struct sched *s, struct sched_run *run, enum sched_exit_kind kind,
    int status, struct sched_now now);

/*
 * The wall clock moved against the monotonic clock (step, suspend):
 * calendar deadlines are mapped again; slots that are now in the past by
 * more than SCHED_LATE_TOLERANCE_MS are missed (counted; with catchup one
 * run for them); slots already run are never run again (clock went back).
 */
void sched_clock_changed(struct sched *s, struct sched_now now);

/*
 * Swaps in NEW_CFG (ownership passes): unchanged jobs (same hash) keep their
 * state, counters and next fire time; changed jobs keep counters and take
 * the new settings from their next run (runs that exist, running or not,
 * finish under the old ones, retries included); their next slot stays when
 * schedule text, zone and enabled did not change, else it is computed from
 * now and after the last slot handled. Removed jobs are no longer scheduled
 * (running attempts finish without retries, runs waiting for a retry, for
 * capacity or for overlap are cancelled with DONE); one that comes back
 * while such an attempt still runs is the same job again (counters, overlap
 * with that attempt). New jobs are scheduled from now (@reboot never fires
 * on reload). Queued runs start if
 * max_concurrent grew. Old configs are freed when their last run is done.
 * Returns 0, or -1 on allocation failure with nothing changed (new_cfg
 * still the caller's).
 */
int sched_reload(struct sched *s, struct config *new_cfg, struct sched_now now);

/* Stops starting runs: cancels due timers, and runs waiting for a retry,
 * for capacity or for overlap (DONE events). Running attempts go on, their
 * timeouts too, and are not retried. Idempotent. */
void sched_shutdown(struct sched *s, struct sched_now now);

/* Sends signo to every running attempt (shutdown grace over: SIGKILL,
 * which also reports KILLED and drops pending timeout/grace timers). */
void sched_signal_all(struct sched *s, int signo);

/* The job's SPEC §6 state now: running if any attempt runs, else
 * retry-wait if a run waits for its retry, else queued if a run waits for
 * capacity or overlap, else disabled (enabled = false) or idle. */
enum sched_state sched_job_state(const struct sched_job *job);

/* The next fire time of a job as Unix ms (calendar: the next slot, jitter
 * not included; @every: its wall-clock estimate; @reboot: the start while
 * it has not fired), or -1 when none (disabled, shut down, never). */
int64_t sched_job_next_real_ms(const struct sched *s, const struct sched_job *job,
    struct sched_now now);

/* The job named NAME in the current config, or NULL. */
struct sched_job *sched_find_job(const struct sched *s, const char *name);

/*
 * At start-up, before the first sched_advance: the state file says that
 * LAST_SCHEDULED_S was the job's last slot. A calendar job's slots after it
 * that are already due are handled at once like slots noticed late (missed,
 * and with catchup one run; within SCHED_LATE_TOLERANCE_MS a normal run),
 * and no slot <= it runs again. Other kinds only remember the value.
 */
void sched_job_restore(struct sched *s, struct sched_job *job, int64_t last_scheduled_s,
    struct sched_now now);

/*
 * At start-up, for a run the state file shows as active: ATTEMPTS attempts
 * of the slot SCHEDULED_S had started. With INTERRUPTED the last one was
 * running when schedd was killed: its outcome is interrupted (SPEC §4) and
 * the retry policy decides what follows; otherwise the run was waiting for
 * a retry, which is scheduled again from now.
 */
void sched_job_resume(struct sched *s, struct sched_job *job, int64_t scheduled_s,
    int attempts, bool interrupted, struct sched_now now);

/* Retry math, pure: the delay before attempt `attempt + 1` after attempt
 * `attempt` failed: retry_delay * retry_backoff^(attempt-1), capped at
 * retry_max_delay. */
int64_t sched_retry_delay_ms(const struct config_job *cfg, int attempt);

#endif
