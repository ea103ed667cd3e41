/*
 * sched: the job state machine. Decides what happens when a slot is due,
 * when an attempt ends, times out, must be retried or overlaps another run,
 * and what a reload or a shutdown changes. Pure: deadlines live in the
 * wheel, time comes from the caller, actions go through struct sched_ops.
 * It does not fork, log, read clocks or parse anything.
 *
 * Life of a run: a due slot creates a run (or is skipped by overlap), the
 * run waits for the job's active run (overlap=queue/replace) and for
 * max_concurrent (one FIFO over all jobs), an attempt runs, its outcome
 * either ends the run or schedules a retry, which queues again for
 * capacity. Invariants:
 *   - nothing starts before its due time: a calendar timer that fires while
 *     the wall clock is still before the slot is armed again;
 *   - no slot is handled twice: job->last_scheduled_s only grows and the next
 *     slot is always computed strictly after it;
 *   - every run ends with exactly one DONE event and is freed right after
 *     (sched_free alone forgets runs silently);
 *   - events are reported after the counters they speak of are updated, and
 *     no code path touches a run or a removed job after freeing it: spawn
 *     may fail synchronously, which ends the attempt inside the call that
 *     started it, and starts nothing recursively beyond one waiting slot.
 *
 * Late slots (SPEC §2, §3 catchup). When a calendar or @every timer fires,
 * every slot due by now is collected. If the latest one is at most
 * SCHED_LATE_TOLERANCE_MS late it runs normally and the older ones (a fast
 * schedule behind a stalled loop) count as missed, without catchup
 * semantics: the run that follows is the normal one. If even the latest is
 * later than the tolerance, all of them are missed, and with catchup=true
 * one run (of the latest slot) takes their place.
 */
#include "sched.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define sched_container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/* run->phase: what run->timer is armed for. */
enum {
	PHASE_NONE,
	PHASE_TIMEOUT,		/* fires at start + timeout: send kill_signal */
	PHASE_GRACE,		/* kill_signal sent: SIGKILL when it fires */
	PHASE_KILLED,		/* SIGKILL sent; nothing armed */
	PHASE_RETRY,		/* fires when the retry delay is over */
};

/* Slots counted one by one before jumping ahead (a per-second schedule
 * after a long clock jump); the missed count is then a lower bound. */
#define SCHED_SCAN_MAX 4096

/* No delay is longer than 100 years (keeps the arithmetic in range). */
#define SCHED_DELAY_MAX_MS (100LL * 366 * 24 * 3600 * 1000)

/* What every wheel callback needs: wheel_advance passes it as arg. */
struct sched_tick {
	struct sched	*s;
	struct sched_now now;
};

static void attempt_start(struct sched *s, struct sched_run *run, struct sched_now now);
static void run_done(struct sched *s, struct sched_run *run, struct sched_now now,
    bool follow);

const char *
sched_state_name(enum sched_state st)
{
	switch (st) {
	case SCHED_STATE_IDLE:
		return "idle";
	case SCHED_STATE_RUNNING:
		return "running";
	case SCHED_STATE_RETRY_WAIT:
		return "retry-wait";
	case SCHED_STATE_QUEUED:
		return "queued";
	case SCHED_STATE_DISABLED:
		return "disabled";
	}
	return "?";
}

const char *
sched_outcome_name(enum sched_outcome o)
{
	switch (o) {
	case SCHED_OUTCOME_NONE:
		return "-";
	case SCHED_OUTCOME_SUCCESS:
		return "success";
	case SCHED_OUTCOME_FAILED:
		return "failed";
	case SCHED_OUTCOME_SIGNALED:
		return "signaled";
	case SCHED_OUTCOME_TIMEOUT:
		return "timeout";
	case SCHED_OUTCOME_SPAWN_ERROR:
		return "spawn-error";
	case SCHED_OUTCOME_INTERRUPTED:
		return "interrupted";
	}
	return "?";
}

/* ---- small helpers ---------------------------------------------------- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Wall clock minus monotonic clock: maps calendar instants to the wheel. */
static int64_t
clock_offset_ms(struct sched_now now)
{
	return now.real_ms - (int64_t)now.mono_ms;
}

/*
 * The wheel deadline of wall-clock instant real_ms; now when it is past.
 * With the clocks' microseconds known, the deadline is the first monotonic
 * millisecond at or after the instant: never early, less than 1 ms late.
 */
static uint64_t
mono_at(struct sched_now now, int64_t real_ms)
{
	int64_t left_us;

	if (real_ms <= now.real_ms)
		return now.mono_ms;
	left_us = (real_ms - now.real_ms) * 1000 - now.real_sub_us;
	return (now.mono_ms * 1000 + (uint64_t)now.mono_sub_us + (uint64_t)left_us + 999) / 1000;
}

static uint64_t
mono_plus(struct sched_now now, int64_t ms)
{
	if (ms <= 0)
		return now.mono_ms;
	if (ms > SCHED_DELAY_MAX_MS)
		ms = SCHED_DELAY_MAX_MS;
	return now.mono_ms + (uint64_t)ms;
}

static void
emit(struct sched *s, struct sched_event *ev)
{
	if (s->ops->event != NULL)
		s->ops->event(s->ctx, ev);
}

static void
ev_init(struct sched_event *ev, enum sched_event_kind kind, struct sched_job *job,
    struct sched_run *run)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->job = job;
	ev->run = run;
	if (run != NULL) {
		ev->scheduled_s = run->scheduled_s;
		ev->outcome = run->outcome;
	}
}

static void
emit_run(struct sched *s, enum sched_event_kind kind, struct sched_run *run)
{
	struct sched_event ev;

	ev_init(&ev, kind, run->job, run);
	emit(s, &ev);
}

static int64_t
draw_jitter_ms(struct sched *s, const struct config_job *c)
{
	if (c->policy->jitter_ms <= 0 || s->ops->random == NULL)
		return 0;
	return (int64_t)(s->ops->random(s->ctx, (uint64_t)c->policy->jitter_ms) %
	    (uint64_t)c->policy->jitter_ms);
}

static bool
capacity_left(const struct sched *s)
{
	return s->cfg->max_concurrent <= 0 || s->running < s->cfg->max_concurrent;
}

/* ---- config references ------------------------------------------------ */

static void
config_release(struct sched *s, struct config *cfg)
{
	if (s->ops->free_config != NULL)
		s->ops->free_config(s->ctx, cfg);
	else
		config_free(cfg);
}

static struct sched_cfgref *
ref_get(struct sched_cfgref *r)
{
	r->refs++;
	return r;
}

static void
ref_put(struct sched *s, struct sched_cfgref *r)
{
	struct sched_cfgref **pp;

	if (r == NULL || --r->refs > 0)
		return;
	for (pp = &s->cfgrefs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	config_release(s, r->cfg);
	free(r);
}

/* ---- lists ------------------------------------------------------------ */

static void
queue_push(struct sched *s, struct sched_run *r)
{
	r->next_queued = NULL;
	r->prev_queued = s->queue_tail;
	*s->queue_tail = r;
	s->queue_tail = &r->next_queued;
	s->queued++;
}

static void
queue_remove(struct sched *s, struct sched_run *r)
{
	if (r->next_queued != NULL)
		r->next_queued->prev_queued = r->prev_queued;
	else
		s->queue_tail = r->prev_queued;
	*r->prev_queued = r->next_queued;
	r->next_queued = NULL;
	r->prev_queued = NULL;
	s->queued--;
}

static void
job_link_run(struct sched_job *job, struct sched_run *r)
{
	r->next_run = job->runs;
	if (job->runs != NULL)
		job->runs->prev_run = &r->next_run;
	job->runs = r;
	r->prev_run = &job->runs;
	job->nruns++;
}

static void
job_unlink_run(struct sched_job *job, struct sched_run *r)
{
	if (r->next_run != NULL)
		r->next_run->prev_run = r->prev_run;
	*r->prev_run = r->next_run;
	r->next_run = NULL;
	r->prev_run = NULL;
	job->nruns--;
}

static void
job_touch(struct sched_job *job)
{
	job->state = sched_job_state(job);
}

static void
run_set_state(struct sched_run *r, enum sched_run_state st)
{
	r->state = st;
	job_touch(r->job);
}

/* ---- states ----------------------------------------------------------- */

enum sched_state
sched_job_state(const struct sched_job *job)
{
	const struct sched_run *r;
	bool retry = false, queued = false;

	for (r = job->runs; r != NULL; r = r->next_run) {
		switch (r->state) {
		case SCHED_RUN_RUNNING:
			return SCHED_STATE_RUNNING;
		case SCHED_RUN_RETRY_WAIT:
			retry = true;
			break;
		case SCHED_RUN_QUEUED:
		case SCHED_RUN_WAITING:
			queued = true;
			break;
		}
	}
	if (retry)
		return SCHED_STATE_RETRY_WAIT;
	if (queued)
		return SCHED_STATE_QUEUED;
	return job->cfg != NULL && job->cfg->enabled ? SCHED_STATE_IDLE : SCHED_STATE_DISABLED;
}

/* ---- retry math ------------------------------------------------------- */

int64_t
sched_retry_delay_ms(const struct config_job *cfg, int attempt)
{
	const struct config_policy *p = cfg->policy;
	double d = (double)p->retry_delay_ms;
	double cap = (double)p->retry_max_delay_ms;
	int i;

	if (cap > (double)SCHED_DELAY_MAX_MS || cap < 0)
		cap = (double)SCHED_DELAY_MAX_MS;
	if (!(d > 0))
		return 0;
	/* Multiply step by step and stop at the cap: no pow(), no overflow,
	 * whatever the attempt number. */
	for (i = 1; i < attempt && d < cap; i++)
		d *= p->retry_backoff > 1.0 ? p->retry_backoff : 1.0;
	if (d > cap)
		d = cap;
	return (int64_t)(d + 0.5);
}

/* ---- runs ------------------------------------------------------------- */

static void run_timer_cb(struct wheel_timer *t, void *arg);

static struct sched_run *
run_new(struct sched *s, struct sched_job *job, int64_t scheduled_s, int64_t due_real_ms)
{
	struct sched_run *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->job = job;
	r->cfg = job->cfg;
	r->ref = ref_get(job->ref);
	r->run_id = s->next_run_id++;
	r->scheduled_s = scheduled_s;
	r->due_real_ms = due_real_ms;
	wheel_timer_init(&r->timer, run_timer_cb);
	job_link_run(job, r);
	return r;
}

/*
 * Gives run an attempt now if a slot is free and nobody queues before it,
 * else appends it to the FIFO (SPEC §3 max_concurrent).
 */
static void
run_try_start(struct sched *s, struct sched_run *run, struct sched_now now)
{
	if (s->queue_head == NULL && capacity_left(s)) {
		attempt_start(s, run, now);
		return;
	}
	queue_push(s, run);
	run_set_state(run, SCHED_RUN_QUEUED);
	emit_run(s, SCHED_EV_QUEUED, run);
}

/* Starts queued runs while capacity lasts. Spawn failures end their attempt
 * inside attempt_start and never free capacity, so this is not re-entered. */
static void
pump(struct sched *s, struct sched_now now)
{
	struct sched_run *r;

	while ((r = s->queue_head) != NULL && capacity_left(s)) {
		queue_remove(s, r);
		attempt_start(s, r, now);
	}
}

/* The attempt of run ended with OUTCOME: count, report, retry or finish. */
static void
attempt_finished(struct sched *s, struct sched_run *run, enum sched_outcome outcome,
    int status, struct sched_now now)
{
	struct sched_job *job = run->job;
	const struct config_job *c = run->cfg;
	struct sched_event ev;
	int64_t delay_ms;

	wheel_del(&s->wheel, &run->timer);
	run->phase = PHASE_NONE;
	run->pid = 0;
	run->proc = NULL;
	run->outcome = outcome;
	job->last_result = outcome;
	job->last_exit = status;
	job->last_duration_ms = (int64_t)(now.mono_ms - run->started_mono_ms);
	if (now.mono_ms < run->started_mono_ms)
		job->last_duration_ms = 0;
	if (outcome != SCHED_OUTCOME_SUCCESS) {
		job->n.failures++;
		s->total_failures++;
	}
	if (outcome == SCHED_OUTCOME_TIMEOUT)
		job->n.timeouts++;
	ev_init(&ev, SCHED_EV_FINISHED, job, run);
	ev.status = status;
	ev.duration_ms = job->last_duration_ms;
	emit(s, &ev);

	/* Retries are extra attempts (SPEC §3); a replaced run, a removed job
	 * and a stopping daemon get none. */
	if (outcome != SCHED_OUTCOME_SUCCESS && run->attempt <= c->policy->retries &&
	    !run->replaced && !job->removed && !s->stopping) {
		delay_ms = sched_retry_delay_ms(c, run->attempt);
		job->n.retries++;
		run->phase = PHASE_RETRY;
		run_set_state(run, SCHED_RUN_RETRY_WAIT);
		wheel_add(&s->wheel, &run->timer, mono_plus(now, delay_ms));
		ev_init(&ev, SCHED_EV_RETRY, job, run);
		ev.delay_ms = delay_ms;
		emit(s, &ev);
		return;
	}
	run_done(s, run, now, true);
}

static void
attempt_start(struct sched *s, struct sched_run *run, struct sched_now now)
{
	struct sched_job *job = run->job;
	const struct config_job *c = run->cfg;
	int err;

	run->attempt++;
	run->pid = 0;
	run->proc = NULL;
	run->timed_out = false;
	run->started_mono_ms = now.mono_ms;
	run->started_real_ms = now.real_ms;
	run->phase = PHASE_NONE;
	job->n.runs++;
	s->total_runs++;
	job->last_start_real_ms = now.real_ms;
	run_set_state(run, SCHED_RUN_RUNNING);
	s->running++;
	if (s->ops->spawn(s->ctx, run) == -1) {
		err = errno;
		s->running--;
		attempt_finished(s, run, SCHED_OUTCOME_SPAWN_ERROR, err, now);
		return;
	}
	/* Lag of every attempt that starts, retries included (SPEC §6). */
	lagstat_add(&s->lag, (now.real_ms - run->due_real_ms) * 1000 + now.real_sub_us);
	if (c->policy->timeout_ms > 0) {
		run->phase = PHASE_TIMEOUT;
		wheel_add(&s->wheel, &run->timer, mono_plus(now, c->policy->timeout_ms));
	}
	emit_run(s, SCHED_EV_STARTED, run);
}

static void
job_free(struct sched *s, struct sched_job *job)
{
	wheel_del(&s->wheel, &job->due_timer);
	ref_put(s, job->ref);
	free(job);
}

static void
removed_unlink(struct sched *s, struct sched_job *job)
{
	struct sched_job **pp;

	for (pp = &s->removed; *pp != NULL; pp = &(*pp)->next_removed)
		if (*pp == job) {
			*pp = job->next_removed;
			return;
		}
}

/*
 * What a job does when one of its runs is gone: start the slot that waited
 * for it (overlap=queue/replace), or, for a removed job, go away.
 */
static void
job_after_run(struct sched *s, struct sched_job *job, struct sched_now now)
{
	struct sched_run *w = job->waiting;

	if (w != NULL) {
		if (job->nruns == 1) {
			job->waiting = NULL;
			run_try_start(s, w, now);
		}
		return;
	}
	if (job->removed && job->nruns == 0) {
		removed_unlink(s, job);
		job_free(s, job);
	}
}

/*
 * Ends run: DONE, unlink, free. With follow, the job may then start its
 * waiting slot or be freed (callers that iterate over a job's runs pass
 * false and see to the job themselves).
 */
static void
run_done(struct sched *s, struct sched_run *run, struct sched_now now, bool follow)
{
	struct sched_job *job = run->job;

	wheel_del(&s->wheel, &run->timer);
	if (run->state == SCHED_RUN_QUEUED && run->prev_queued != NULL)
		queue_remove(s, run);
	emit_run(s, SCHED_EV_DONE, run);
	if (job->waiting == run)
		job->waiting = NULL;
	job_unlink_run(job, run);
	ref_put(s, run->ref);
	free(run);
	job_touch(job);
	if (follow)
		job_after_run(s, job, now);
}

/* Cancels every run of job that has no attempt running. */
static void
job_cancel_pending(struct sched *s, struct sched_job *job, struct sched_now now)
{
	struct sched_run *r, *next;

	for (r = job->runs; r != NULL; r = next) {
		next = r->next_run;
		if (r->state != SCHED_RUN_RUNNING)
			run_done(s, r, now, false);
	}
	job->waiting = NULL;
}

/* ---- timers of runs --------------------------------------------------- */

static void
send_signal(struct sched *s, struct sched_run *run, int signo)
{
	if (s->ops->signal != NULL && run->pid > 0)
		s->ops->signal(s->ctx, run, signo);
}

/* Sends kill_signal now and SIGKILL after kill_grace (SPEC §3 timeout). */
static void
run_begin_kill(struct sched *s, struct sched_run *run, struct sched_now now)
{
	const struct config_policy *p = run->cfg->policy;

	send_signal(s, run, p->kill_signal);
	run->phase = PHASE_GRACE;
	wheel_add(&s->wheel, &run->timer, mono_plus(now, p->kill_grace_ms));
}

static void
run_timer_cb(struct wheel_timer *t, void *arg)
{
	struct sched_run *run = sched_container_of(t, struct sched_run, timer);
	struct sched_tick *tick = arg;
	struct sched *s = tick->s;
	struct sched_now now = tick->now;

	switch (run->phase) {
	case PHASE_TIMEOUT:
		run->timed_out = true;
		run_begin_kill(s, run, now);
		emit_run(s, SCHED_EV_TIMEOUT, run);
		break;
	case PHASE_GRACE:
		run->phase = PHASE_KILLED;
		send_signal(s, run, SIGKILL);
		emit_run(s, SCHED_EV_KILLED, run);
		break;
	case PHASE_RETRY:
		run->phase = PHASE_NONE;
		/* A retry is due when its delay ended, in wall-clock terms. */
		run->due_real_ms = (int64_t)t->expires_ms + clock_offset_ms(now);
		run_try_start(s, run, now);
		break;
	default:
		break;
	}
}

/* ---- due slots -------------------------------------------------------- */

static void
skip_slot(struct sched *s, struct sched_job *job, int64_t scheduled_s)
{
	struct sched_event ev;

	job->n.skipped++;
	ev_init(&ev, SCHED_EV_SKIPPED, job, NULL);
	ev.scheduled_s = scheduled_s;
	emit(s, &ev);
}

static void
report_missed(struct sched *s, struct sched_job *job, uint64_t count, int64_t scheduled_s,
    bool catchup)
{
	struct sched_event ev;

	job->n.missed += count;
	ev_init(&ev, SCHED_EV_MISSED, job, NULL);
	ev.count = count;
	ev.scheduled_s = scheduled_s;
	ev.catchup = catchup;
	emit(s, &ev);
}

/* overlap=replace: stop the job's active runs (SPEC §3). Running attempts
 * get kill_signal, then SIGKILL after kill_grace, and no retry; runs
 * waiting for a retry or for capacity are cancelled. */
static void
job_replace_active(struct sched *s, struct sched_job *job, struct sched_now now)
{
	struct sched_run *r, *next;

	for (r = job->runs; r != NULL; r = next) {
		next = r->next_run;
		switch (r->state) {
		case SCHED_RUN_RUNNING:
			if (r->replaced)
				break;
			r->replaced = true;
			if (r->phase != PHASE_GRACE && r->phase != PHASE_KILLED)
				run_begin_kill(s, r, now);
			emit_run(s, SCHED_EV_REPLACED, r);
			break;
		case SCHED_RUN_QUEUED:
			if (r->attempt == 0)
				skip_slot(s, job, r->scheduled_s);
			run_done(s, r, now, false);
			break;
		case SCHED_RUN_RETRY_WAIT:
		case SCHED_RUN_WAITING:
			run_done(s, r, now, false);
			break;
		}
	}
}

/* The slot waits for the job's active run; a second one is skipped. */
static void
slot_wait(struct sched *s, struct sched_job *job, int64_t scheduled_s, int64_t due_real_ms)
{
	struct sched_run *r;

	if (job->waiting != NULL) {
		skip_slot(s, job, scheduled_s);
		return;
	}
	r = run_new(s, job, scheduled_s, due_real_ms);
	if (r == NULL) {
		/* No memory for the run: the slot is lost; say so. */
		report_missed(s, job, 1, scheduled_s, false);
		return;
	}
	job->waiting = r;
	run_set_state(r, SCHED_RUN_WAITING);
	emit_run(s, SCHED_EV_QUEUED, r);
}

/* Slot scheduled_s of job is to run now (SPEC §3 overlap). */
static void
slot_fire(struct sched *s, struct sched_job *job, int64_t scheduled_s, int64_t due_real_ms,
    struct sched_now now)
{
	struct sched_run *r;

	if (job->nruns > 0) {
		switch (job->cfg->policy->overlap) {
		case CONFIG_OVERLAP_SKIP:
			skip_slot(s, job, scheduled_s);
			return;
		case CONFIG_OVERLAP_QUEUE:
			slot_wait(s, job, scheduled_s, due_real_ms);
			return;
		case CONFIG_OVERLAP_ALLOW:
			break;
		case CONFIG_OVERLAP_REPLACE:
			if (job->waiting != NULL) {
				/* Its predecessors are already being stopped. */
				skip_slot(s, job, scheduled_s);
				return;
			}
			job_replace_active(s, job, now);
			if (job->nruns > 0) {
				/* Starts as soon as the old attempt has ended. */
				slot_wait(s, job, scheduled_s, due_real_ms);
				return;
			}
			break;
		}
	}
	r = run_new(s, job, scheduled_s, due_real_ms);
	if (r == NULL) {
		report_missed(s, job, 1, scheduled_s, false);
		return;
	}
	run_try_start(s, r, now);
}

/*
 * K slots are due, the latest LATEST_S (due at due_real_ms, late_ms late),
 * the one before it PREV_S: the late-slot rule of the file comment.
 */
static void
slots_due(struct sched *s, struct sched_job *job, uint64_t k, int64_t latest_s,
    int64_t prev_s, int64_t due_real_ms, int64_t late_ms, struct sched_now now)
{
	bool catchup = job->cfg->policy->catchup;

	if (late_ms <= SCHED_LATE_TOLERANCE_MS) {
		if (k > 1)
			report_missed(s, job, k - 1, prev_s, false);
		slot_fire(s, job, latest_s, due_real_ms, now);
		return;
	}
	report_missed(s, job, k, latest_s, catchup);
	if (catchup)
		slot_fire(s, job, latest_s, due_real_ms, now);
}

/* Arms job's timer for its first calendar slot strictly after after_s (and
 * after every slot already handled). */
static void
calendar_arm(struct sched *s, struct sched_job *job, int64_t after_s, struct sched_now now)
{
	const struct config_job *c = job->cfg;
	int64_t next;

	if (after_s < job->last_scheduled_s)
		after_s = job->last_scheduled_s;
	next = cronexpr_next(&c->schedule, c->zone, after_s);
	job->next_due_s = next;
	if (next == CRONEXPR_NEVER) {
		wheel_del(&s->wheel, &job->due_timer);
		return;
	}
	job->slot_jitter_ms = draw_jitter_ms(s, c);
	wheel_add(&s->wheel, &job->due_timer, mono_at(now, next * 1000 + job->slot_jitter_ms));
}

/*
 * The slots of ce from first (due) up to limit_s: how many (a lower bound
 * past SCHED_SCAN_MAX at a time), the latest and the one before it.
 */
static void
calendar_count(const struct cronexpr *ce, const struct tz *zone, int64_t first,
    int64_t limit_s, uint64_t *kp, int64_t *latestp, int64_t *prevp)
{
	int64_t latest = first, prev = first, n, w;
	uint64_t k = 1;
	int i;

	for (;;) {
		for (i = 0; i < SCHED_SCAN_MAX; i++) {
			n = cronexpr_next(ce, zone, latest);
			if (n == CRONEXPR_NEVER || n > limit_s)
				goto out;
			prev = latest;
			latest = n;
			k++;
		}
		/* Too many to count: find a slot near limit_s by looking back
		 * from it over a doubling window, then count from there. */
		for (w = 1; limit_s - w > latest; w *= 2) {
			n = cronexpr_next(ce, zone, limit_s - w);
			if (n <= limit_s) {
				prev = latest;
				latest = n;
				k++;
				break;
			}
		}
	}
out:
	*kp = k;
	*latestp = latest;
	*prevp = prev;
}

static void
calendar_due(struct sched *s, struct sched_job *job, struct sched_now now)
{
	const struct config_job *c = job->cfg;
	int64_t first = job->next_due_s, j = job->slot_jitter_ms;
	int64_t latest, prev, due_real_ms;
	uint64_t k;

	if (first == CRONEXPR_NEVER)
		return;
	due_real_ms = first * 1000 + j;
	if (now.real_ms < due_real_ms) {
		/* The wall clock is behind the wheel (slewed or stepped back):
		 * never start early, wait for the rest. */
		wheel_add(&s->wheel, &job->due_timer, mono_at(now, due_real_ms));
		return;
	}
	calendar_count(&c->schedule, c->zone, first, floor_div(now.real_ms - j, 1000), &k,
	    &latest, &prev);
	job->last_scheduled_s = latest;
	calendar_arm(s, job, latest, now);
	slots_due(s, job, k, latest, prev, latest * 1000 + j, now.real_ms - (latest * 1000 + j),
	    now);
}

/* Arms an @every job for its first slot strictly after after_mono_ms. */
static void
every_arm(struct sched *s, struct sched_job *job, uint64_t after_mono_ms)
{
	const struct config_job *c = job->cfg;
	int64_t next;

	next = cronexpr_every_next(&c->schedule, (int64_t)s->start_mono_ms,
	    (int64_t)after_mono_ms);
	if (next == CRONEXPR_NEVER || next < 0) {
		job->next_due_mono_ms = WHEEL_NONE;
		wheel_del(&s->wheel, &job->due_timer);
		return;
	}
	job->next_due_mono_ms = (uint64_t)next;
	job->slot_jitter_ms = draw_jitter_ms(s, c);
	wheel_add(&s->wheel, &job->due_timer, (uint64_t)next + (uint64_t)job->slot_jitter_ms);
}

/* @every: slots are start + k * every on the monotonic clock, whatever
 * happened to earlier runs (SPEC §2: no drift). */
static void
every_due(struct sched *s, struct sched_job *job, struct sched_now now)
{
	const struct config_job *c = job->cfg;
	int64_t every = c->schedule.every_ms, j = job->slot_jitter_ms;
	int64_t slot, latest, off = clock_offset_ms(now), nm = (int64_t)now.mono_ms;
	uint64_t k;

	if (job->next_due_mono_ms == WHEEL_NONE || every <= 0)
		return;
	slot = (int64_t)job->next_due_mono_ms;
	if (nm < slot + j) {
		wheel_add(&s->wheel, &job->due_timer, (uint64_t)(slot + j));
		return;
	}
	k = (uint64_t)((nm - j - slot) / every) + 1;
	latest = slot + (int64_t)(k - 1) * every;
	job->last_scheduled_s = floor_div(latest + off, 1000);
	every_arm(s, job, (uint64_t)latest);
	slots_due(s, job, k, floor_div(latest + off, 1000), floor_div(latest - every + off, 1000),
	    latest + off + j, nm - (latest + j), now);
}

static void
job_timer_cb(struct wheel_timer *t, void *arg)
{
	struct sched_job *job = sched_container_of(t, struct sched_job, due_timer);
	struct sched_tick *tick = arg;
	struct sched *s = tick->s;
	int64_t slot;

	if (s->stopping || job->removed || !job->cfg->enabled)
		return;
	switch (job->cfg->schedule.kind) {
	case CRONEXPR_CALENDAR:
		calendar_due(s, job, tick->now);
		break;
	case CRONEXPR_EVERY:
		every_due(s, job, tick->now);
		break;
	case CRONEXPR_REBOOT:
		slot = job->next_due_s;
		if (slot == CRONEXPR_NEVER)
			break;
		job->next_due_s = CRONEXPR_NEVER;
		job->last_scheduled_s = slot;
		slot_fire(s, job, slot, s->start_real_ms + job->slot_jitter_ms, tick->now);
		break;
	}
}

/*
 * Schedules job from now: its first slot at or after now (and after every
 * slot already handled). @reboot is due at once only at daemon start.
 */
static void
job_schedule(struct sched *s, struct sched_job *job, struct sched_now now, bool at_start)
{
	const struct config_job *c = job->cfg;

	wheel_del(&s->wheel, &job->due_timer);
	job->next_due_s = CRONEXPR_NEVER;
	job->next_due_mono_ms = WHEEL_NONE;
	if (!c->enabled || s->stopping || job->removed)
		return;
	switch (c->schedule.kind) {
	case CRONEXPR_CALENDAR:
		/* Slots >= now are still to come: after ceil(now) - 1. */
		calendar_arm(s, job, floor_div(now.real_ms + 999, 1000) - 1, now);
		break;
	case CRONEXPR_EVERY:
		every_arm(s, job, now.mono_ms);
		break;
	case CRONEXPR_REBOOT:
		if (!at_start)
			break;
		job->next_due_s = floor_div(now.real_ms, 1000);
		job->slot_jitter_ms = draw_jitter_ms(s, c);
		wheel_add(&s->wheel, &job->due_timer, mono_plus(now, job->slot_jitter_ms));
		break;
	}
}

static void
job_init(struct sched_job *job, const struct config_job *c, struct sched_cfgref *ref)
{
	job->cfg = c;
	job->ref = ref_get(ref);
	job->next_due_s = CRONEXPR_NEVER;
	job->next_due_mono_ms = WHEEL_NONE;
	wheel_timer_init(&job->due_timer, job_timer_cb);
	job_touch(job);
}

static bool
jobs_sorted(const struct config *cfg)
{
	size_t i;

	for (i = 1; i < cfg->njobs; i++)
		if (strcmp(cfg->jobs[i - 1].name, cfg->jobs[i].name) >= 0)
			return false;
	return true;
}

/* ---- public ----------------------------------------------------------- */

struct sched *
sched_create(struct config *cfg, const struct sched_ops *ops, void *ctx, struct sched_now now)
{
	struct sched *s;
	struct sched_cfgref *ref;
	size_t i;

	s = calloc(1, sizeof(*s));
	ref = calloc(1, sizeof(*ref));
	if (s == NULL || ref == NULL)
		goto fail;
	s->jobs = calloc(cfg->njobs > 0 ? cfg->njobs : 1, sizeof(*s->jobs));
	if (s->jobs == NULL)
		goto fail;
	for (i = 0; i < cfg->njobs; i++)
		if ((s->jobs[i] = calloc(1, sizeof(*s->jobs[i]))) == NULL)
			goto fail;

	s->ops = ops;
	s->ctx = ctx;
	s->cfg = cfg;
	s->njobs = cfg->njobs;
	s->sorted = jobs_sorted(cfg);
	ref->cfg = cfg;
	ref->refs = 1;
	s->cfgrefs = ref;
	s->cur_ref = ref;
	s->start_real_ms = now.real_ms;
	s->start_mono_ms = now.mono_ms;
	s->next_run_id = 1;
	s->queue_tail = &s->queue_head;
	lagstat_init(&s->lag);
	wheel_init(&s->wheel, now.mono_ms);
	for (i = 0; i < cfg->njobs; i++)
		job_init(s->jobs[i], &cfg->jobs[i], ref);
	for (i = 0; i < cfg->njobs; i++)
		job_schedule(s, s->jobs[i], now, true);
	return s;

fail:
	if (s != NULL && s->jobs != NULL) {
		for (i = 0; i < cfg->njobs; i++)
			free(s->jobs[i]);
		free(s->jobs);
	}
	free(s);
	free(ref);
	return NULL;
}

static void
job_free_all(struct sched_job *job)
{
	struct sched_run *r, *next;

	for (r = job->runs; r != NULL; r = next) {
		next = r->next_run;
		free(r);
	}
	free(job);
}

void
sched_free(struct sched *s)
{
	struct sched_job *job, *next_job;
	struct sched_cfgref *ref, *next_ref;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->njobs; i++)
		job_free_all(s->jobs[i]);
	for (job = s->removed; job != NULL; job = next_job) {
		next_job = job->next_removed;
		job_free_all(job);
	}
	for (ref = s->cfgrefs; ref != NULL; ref = next_ref) {
		next_ref = ref->next;
		config_release(s, ref->cfg);
		free(ref);
	}
	free(s->jobs);
	free(s);
}

size_t
sched_advance(struct sched *s, struct sched_now now)
{
	struct sched_tick tick = { s, now };
	size_t n = 0;
	int pass;

	/* Timers that callbacks arm for now or earlier (a retry without
	 * delay, a grace of 0) are due too: run them in the same call. A
	 * bound keeps a timer that always re-arms in the past from spinning. */
	for (pass = 0; pass < 16; pass++) {
		n += wheel_advance(&s->wheel, now.mono_ms, &tick);
		if (wheel_next_expiry(&s->wheel) > now.mono_ms)
			break;
	}
	return n;
}

uint64_t
sched_next_wakeup(const struct sched *s)
{
	return wheel_next_expiry(&s->wheel);
}

void
sched_attempt_done(struct sched *s, struct sched_run *run, enum sched_exit_kind kind,
    int status, struct sched_now now)
{
	enum sched_outcome outcome;

	if (run == NULL || run->state != SCHED_RUN_RUNNING)
		return;
	s->running--;
	if (kind == SCHED_EXIT_SPAWN_ERROR)
		outcome = SCHED_OUTCOME_SPAWN_ERROR;
	else if (run->timed_out)
		outcome = SCHED_OUTCOME_TIMEOUT;	/* whatever the exit (SPEC §4) */
	else if (kind == SCHED_EXIT_SIGNAL)
		outcome = SCHED_OUTCOME_SIGNALED;
	else
		outcome = status == 0 ? SCHED_OUTCOME_SUCCESS : SCHED_OUTCOME_FAILED;
	attempt_finished(s, run, outcome, status, now);
	pump(s, now);
}

void
sched_clock_changed(struct sched *s, struct sched_now now)
{
	struct sched_job *job;
	size_t i;

	if (s->stopping)
		return;
	for (i = 0; i < s->njobs; i++) {
		job = s->jobs[i];
		if (!job->cfg->enabled || job->cfg->schedule.kind != CRONEXPR_CALENDAR ||
		    job->next_due_s == CRONEXPR_NEVER)
			continue;
		if (now.real_ms >= job->next_due_s * 1000 + job->slot_jitter_ms)
			calendar_due(s, job, now);
		else
			wheel_add(&s->wheel, &job->due_timer,
			    mono_at(now, job->next_due_s * 1000 + job->slot_jitter_ms));
	}
}

/* A job of the old config that the new one does not have (SPEC §5): no new
 * slots, pending runs cancelled, running attempts finish, then it is freed. */
static void
job_remove(struct sched *s, struct sched_job *job, struct sched_now now)
{
	wheel_del(&s->wheel, &job->due_timer);
	job->next_due_s = CRONEXPR_NEVER;
	job->next_due_mono_ms = WHEEL_NONE;
	job->removed = true;
	job_cancel_pending(s, job, now);
	if (job->nruns == 0) {
		job_free(s, job);
		return;
	}
	job->next_removed = s->removed;
	s->removed = job;
	job_touch(job);
}

static bool
same_zone(const struct tz *a, const struct tz *b)
{
	if (a == b)
		return true;
	if (a == NULL || b == NULL)
		return false;
	return strcmp(tz_name(a), tz_name(b)) == 0;
}

/* A job whose settings changed: its next slot stays when the schedule and
 * zone did, else it is computed again from now. */
static void
job_changed(struct sched *s, struct sched_job *job, const struct config_job *oldc,
    struct sched_now now)
{
	const struct config_job *c = job->cfg;

	if (oldc->enabled && c->enabled && strcmp(oldc->schedule_text, c->schedule_text) == 0 &&
	    same_zone(oldc->zone, c->zone))
		return;
	job_schedule(s, job, now, false);
}

static struct sched_job *
find_job(const struct sched *s, const char *name)
{
	size_t lo = 0, hi = s->njobs, mid, i;
	int cmp;

	if (!s->sorted) {
		for (i = 0; i < s->njobs; i++)
			if (strcmp(s->jobs[i]->cfg->name, name) == 0)
				return s->jobs[i];
		return NULL;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(s->jobs[mid]->cfg->name, name);
		if (cmp == 0)
			return s->jobs[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A removed job whose runs still go on, by name. */
static struct sched_job *
find_removed(const struct sched *s, const char *name)
{
	struct sched_job *job;

	for (job = s->removed; job != NULL; job = job->next_removed)
		if (strcmp(job->cfg->name, name) == 0)
			return job;
	return NULL;
}

struct sched_job *
sched_find_job(const struct sched *s, const char *name)
{
	return find_job(s, name);
}

int
sched_reload(struct sched *s, struct config *new_cfg, struct sched_now now)
{
	struct sched_job **jobs, *job, *old;
	struct sched_cfgref *ref, *old_ref = s->cur_ref, *job_old_ref;
	const struct config_job *oldc;
	size_t i, n = new_cfg->njobs;

	/* Everything that can fail comes first: on failure nothing changed. */
	jobs = calloc(n > 0 ? n : 1, sizeof(*jobs));
	ref = calloc(1, sizeof(*ref));
	if (jobs == NULL || ref == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		old = find_job(s, new_cfg->jobs[i].name);
		if (old == NULL)
			old = find_removed(s, new_cfg->jobs[i].name);
		if (old != NULL && !old->keep) {
			old->keep = true;
			jobs[i] = old;
		} else if ((jobs[i] = calloc(1, sizeof(*jobs[i]))) == NULL)
			goto fail;	/* a fresh job has cfg == NULL until below */
	}

	ref->cfg = new_cfg;
	ref->refs = 1;
	ref->next = s->cfgrefs;
	s->cfgrefs = ref;
	for (i = 0; i < s->njobs; i++) {
		old = s->jobs[i];
		if (old->keep)
			old->keep = false;
		else
			job_remove(s, old, now);
	}
	free(s->jobs);
	s->jobs = jobs;
	s->njobs = n;
	s->cfg = new_cfg;
	s->cur_ref = ref;
	s->sorted = jobs_sorted(new_cfg);
	for (i = 0; i < n; i++) {
		job = jobs[i];
		if (job->cfg == NULL) {
			job_init(job, &new_cfg->jobs[i], ref);
			job_schedule(s, job, now, false);	/* @reboot never on reload */
			continue;
		}
		oldc = job->cfg;
		job_old_ref = job->ref;
		job->cfg = &new_cfg->jobs[i];
		job->ref = ref_get(ref);
		if (job->removed) {
			/* Back after a reload removed it while a run went on:
			 * the same job again, so overlap sees that run. */
			removed_unlink(s, job);
			job->removed = false;
			job->keep = false;
			job_schedule(s, job, now, false);
		} else if (oldc->hash != job->cfg->hash)
			job_changed(s, job, oldc, now);
		ref_put(s, job_old_ref);	/* oldc is not used after this */
		job_touch(job);
	}
	ref_put(s, old_ref);
	pump(s, now);		/* max_concurrent may have grown */
	return 0;

fail:
	if (jobs != NULL) {
		for (i = 0; i < n; i++) {
			if (jobs[i] == NULL)
				break;
			if (jobs[i]->cfg == NULL)
				free(jobs[i]);
			else
				jobs[i]->keep = false;
		}
	}
	free(jobs);
	free(ref);
	return -1;
}

void
sched_shutdown(struct sched *s, struct sched_now now)
{
	struct sched_job *job, *next;
	size_t i;

	if (s->stopping)
		return;
	s->stopping = true;
	for (i = 0; i < s->njobs; i++) {
		job = s->jobs[i];
		wheel_del(&s->wheel, &job->due_timer);
		job_cancel_pending(s, job, now);
	}
	for (job = s->removed; job != NULL; job = next) {
		next = job->next_removed;
		job_cancel_pending(s, job, now);
		if (job->nruns == 0) {
			removed_unlink(s, job);
			job_free(s, job);
		}
	}
}

static void
job_signal_all(struct sched *s, struct sched_job *job, int signo)
{
	struct sched_run *r;

	for (r = job->runs; r != NULL; r = r->next_run) {
		if (r->state != SCHED_RUN_RUNNING || r->pid <= 0)
			continue;
		send_signal(s, r, signo);
		if (signo == SIGKILL) {
			wheel_del(&s->wheel, &r->timer);
			r->phase = PHASE_KILLED;
			emit_run(s, SCHED_EV_KILLED, r);
		}
	}
}

void
sched_signal_all(struct sched *s, int signo)
{
	struct sched_job *job;
	size_t i;

	for (i = 0; i < s->njobs; i++)
		job_signal_all(s, s->jobs[i], signo);
	for (job = s->removed; job != NULL; job = job->next_removed)
		job_signal_all(s, job, signo);
}

int64_t
sched_job_next_real_ms(const struct sched *s, const struct sched_job *job,
    struct sched_now now)
{
	if (s->stopping || job->removed || !job->cfg->enabled)
		return -1;
	switch (job->cfg->schedule.kind) {
	case CRONEXPR_CALENDAR:
	case CRONEXPR_REBOOT:
		return job->next_due_s == CRONEXPR_NEVER ? -1 : job->next_due_s * 1000;
	case CRONEXPR_EVERY:
		if (job->next_due_mono_ms == WHEEL_NONE)
			return -1;
		return (int64_t)job->next_due_mono_ms + clock_offset_ms(now);
	}
	return -1;
}

void
sched_job_restore(struct sched *s, struct sched_job *job, int64_t last_scheduled_s,
    struct sched_now now)
{
	const struct config_job *c = job->cfg;
	int64_t next;

	if (last_scheduled_s <= job->last_scheduled_s)
		return;
	job->last_scheduled_s = last_scheduled_s;
	if (s->stopping || job->removed || !c->enabled || c->schedule.kind != CRONEXPR_CALENDAR)
		return;
	if (job->next_due_s == CRONEXPR_NEVER || job->next_due_s <= last_scheduled_s) {
		/* The armed slot ran before the restart (or the clock went
		 * back across it): the next one comes after it. */
		calendar_arm(s, job, last_scheduled_s, now);
		return;
	}
	next = cronexpr_next(&c->schedule, c->zone, last_scheduled_s);
	if (next >= job->next_due_s)
		return;		/* nothing was missed: the armed slot stays */
	/* Slots came and went while schedd was down: they are late now. */
	job->next_due_s = next;
	calendar_due(s, job, now);
}

void
sched_job_resume(struct sched *s, struct sched_job *job, int64_t scheduled_s, int attempts,
    bool interrupted, struct sched_now now)
{
	const struct config_job *c = job->cfg;
	struct sched_run *run;
	struct sched_event ev;
	int64_t delay_ms;

	if (s->stopping || job->removed || attempts < 1)
		return;
	run = run_new(s, job, scheduled_s, now.real_ms);
	if (run == NULL)
		return;
	run->attempt = attempts;
	run->started_mono_ms = now.mono_ms;
	run->started_real_ms = now.real_ms;
	if (interrupted) {
		/* Counted, reported and retried like any failed attempt. */
		attempt_finished(s, run, SCHED_OUTCOME_INTERRUPTED, 0, now);
		return;
	}
	if (attempts > c->policy->retries) {
		run_done(s, run, now, true);
		return;
	}
	/* It was waiting for a retry when schedd stopped: the wait restarts. */
	delay_ms = sched_retry_delay_ms(c, attempts);
	run->phase = PHASE_RETRY;
	run_set_state(run, SCHED_RUN_RETRY_WAIT);
	wheel_add(&s->wheel, &run->timer, mono_plus(now, delay_ms));
	ev_init(&ev, SCHED_EV_RETRY, job, run);
	ev.delay_ms = delay_ms;
	emit(s, &ev);
}
