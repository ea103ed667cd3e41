/*
 * Unit tests of daemon/sched.c: the job state machine driven by fake time
 * (a struct sched_now moved by hand, sched_advance called exactly at
 * sched_next_wakeup as the loop does) and recording fakes for spawn, signal,
 * events and randomness. Configs are built by hand; nothing sleeps.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "tests.h"

#define T0_S	1767225600LL	/* 2026-01-01T00:00:00Z */
#define MONO0	5000000ULL	/* the monotonic clock at sched_create */
#define MAX_SPAWNS 4096
#define MAX_SIGS 256
#define MAX_EVS 16384
#define MAX_JOBS 16

/* For helpers and fakes on hot paths: a passing ck_assert costs a write
 * (Check records the last assertion), this costs nothing. */
#define REQUIRE(cond, ...) do {						\
	if (!(cond))							\
		ck_abort_msg(__VA_ARGS__);				\
} while (0)

struct spawn_rec {
	struct sched_run *run;		/* valid while that attempt runs */
	uint64_t	run_id;
	const char	*job;
	int		attempt;
	int64_t		scheduled_s;
	int64_t		due_real_ms;
	int64_t		real_ms;
	uint64_t	mono_ms;
	pid_t		pid;
	const struct config_job *cfg;
};

struct sig_rec {
	uint64_t	run_id;
	pid_t		pid;
	int		signo;
	int64_t		real_ms;
};

struct ev_rec {
	enum sched_event_kind kind;
	const char	*job;
	uint64_t	run_id;
	int		attempt;
	enum sched_outcome outcome;
	int		status;
	int64_t		duration_ms, delay_ms, scheduled_s;
	uint64_t	count;
	bool		catchup;
	int64_t		real_ms;
	int		run_state;
};

static struct {
	struct sched	*s;
	struct sched_now now;
	struct spawn_rec spawns[MAX_SPAWNS];
	size_t		nspawns;
	struct sig_rec	sigs[MAX_SIGS];
	size_t		nsigs;
	struct ev_rec	evs[MAX_EVS];
	size_t		nevs;
	int		spawn_fail;	/* that many next spawns return -1 */
	pid_t		next_pid;
	uint64_t	rand_val;	/* what random() returns (mod bound) */
	uint64_t	rand_bound;	/* the last bound asked for */
	int		nrandom;
	struct config	*freed[64];
	size_t		nfreed;
} W;

/* ---- fakes ------------------------------------------------------------ */

static int
fake_spawn(void *ctx, struct sched_run *run)
{
	struct spawn_rec *r;

	(void)ctx;
	if (W.spawn_fail > 0) {
		W.spawn_fail--;
		errno = EAGAIN;
		return -1;
	}
	REQUIRE(W.nspawns < MAX_SPAWNS, "too many spawns");
	run->pid = W.next_pid++;
	r = &W.spawns[W.nspawns++];
	r->run = run;
	r->run_id = run->run_id;
	r->job = run->cfg->name;
	r->attempt = run->attempt;
	r->scheduled_s = run->scheduled_s;
	r->due_real_ms = run->due_real_ms;
	r->real_ms = W.now.real_ms;
	r->mono_ms = W.now.mono_ms;
	r->pid = run->pid;
	r->cfg = run->cfg;
	return 0;
}

static void
fake_signal(void *ctx, struct sched_run *run, int signo)
{
	struct sig_rec *r;

	(void)ctx;
	REQUIRE(W.nsigs < MAX_SIGS, "too many signals");
	REQUIRE(run->state == SCHED_RUN_RUNNING, "signal to run %llu that does not run",
	    (unsigned long long)run->run_id);
	r = &W.sigs[W.nsigs++];
	r->run_id = run->run_id;
	r->pid = run->pid;
	r->signo = signo;
	r->real_ms = W.now.real_ms;
}

static void
fake_event(void *ctx, const struct sched_event *ev)
{
	struct ev_rec *r;

	(void)ctx;
	REQUIRE(W.nevs < MAX_EVS, "too many events");
	REQUIRE(ev->job != NULL, "event %d without a job", ev->kind);
	r = &W.evs[W.nevs++];
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind;
	r->job = ev->job->cfg->name;
	if (ev->run != NULL) {
		REQUIRE(ev->run->job == ev->job, "event %d: run of another job", ev->kind);
		r->run_id = ev->run->run_id;
		r->attempt = ev->run->attempt;
		r->run_state = ev->run->state;
	}
	r->outcome = ev->outcome;
	r->status = ev->status;
	r->duration_ms = ev->duration_ms;
	r->delay_ms = ev->delay_ms;
	r->scheduled_s = ev->scheduled_s;
	r->count = ev->count;
	r->catchup = ev->catchup;
	r->real_ms = W.now.real_ms;
}

static uint64_t
fake_random(void *ctx, uint64_t bound)
{
	(void)ctx;
	REQUIRE(bound >= 1, "random bound 0");
	W.rand_bound = bound;
	W.nrandom++;
	return W.rand_val % bound;
}

static void
fake_free_config(void *ctx, struct config *cfg)
{
	(void)ctx;
	ck_assert_uint_lt(W.nfreed, 64);
	W.freed[W.nfreed++] = cfg;
	free(cfg->jobs);
	free(cfg);
}

static const struct sched_ops fake_ops = {
	.spawn = fake_spawn,
	.signal = fake_signal,
	.event = fake_event,
	.random = fake_random,
	.free_config = fake_free_config,
};

static void
setup(void)
{
	memset(&W, 0, sizeof(W));
	W.next_pid = 1000;
}

static void
teardown(void)
{
	sched_free(W.s);	/* active runs are forgotten: ASan checks the rest */
	W.s = NULL;
}

/* ---- configs built by hand -------------------------------------------- */

/* A config and what its jobs point to, freed as one struct config. */
struct test_config {
	struct config	 c;		/* first */
	struct config_exec exec;	/* every job's */
	struct config_policy policy[MAX_JOBS];	/* jobs[i]'s */
};

static struct config *
cfg_new(int max_concurrent)
{
	struct test_config *tc = calloc(1, sizeof(*tc));
	struct config *c = &tc->c;

	ck_assert_ptr_nonnull(tc);
	tc->exec.umask = 022;
	tc->exec.output = CONFIG_OUTPUT_LOG;
	tc->exec.output_limit_bytes = 65536;
	c->jobs = calloc(MAX_JOBS, sizeof(*c->jobs));
	ck_assert_ptr_nonnull(c->jobs);
	c->path = "test.conf";
	c->max_concurrent = max_concurrent;
	c->shutdown_grace_ms = 30000;
	c->zone = tz_utc();
	c->status_file = "/nonexistent/status";
	c->state_file = "/nonexistent/state";
	return c;
}

/* Adds a job with the SPEC §3 defaults; names must come in strcmp order. */
static struct config_job *
cfg_job(struct config *c, const char *name, const char *schedule)
{
	struct test_config *tc = (struct test_config *)c;
	struct config_policy *p;
	struct config_job *j;
	char err[160];

	ck_assert_uint_lt(c->njobs, MAX_JOBS);
	if (c->njobs > 0)
		ck_assert_int_lt(strcmp(c->jobs[c->njobs - 1].name, name), 0);
	p = &tc->policy[c->njobs];
	j = &c->jobs[c->njobs++];
	j->name = name;
	j->schedule_text = schedule;
	ck_assert_msg(cronexpr_parse(&j->schedule, schedule, err, sizeof(err)) == 0, "%s: %s",
	    schedule, err);
	j->zone = tz_utc();
	j->command = "true";
	j->exec = &tc->exec;
	j->policy = p;
	p->timeout_ms = 0;
	p->kill_signal = SIGTERM;
	p->kill_grace_ms = 10000;
	p->retries = 0;
	p->retry_delay_ms = 30000;
	p->retry_backoff = 2.0;
	p->retry_max_delay_ms = 3600000;
	p->overlap = CONFIG_OVERLAP_SKIP;
	p->catchup = false;
	p->jitter_ms = 0;
	j->enabled = true;
	j->file = "test.conf";
	j->line = (int)c->njobs;
	j->hash = 1;
	return j;
}

/* The policy of a job of cfg_job's, to be set by the test. */
static struct config_policy *
pol(struct config_job *j)
{
	return (struct config_policy *)j->policy;
}

/* ---- time ------------------------------------------------------------- */

static int64_t
at(int64_t offset_ms)
{
	return T0_S * 1000 + offset_ms;
}

static void
start(struct config *c, int64_t real_ms)
{
	W.now.real_ms = real_ms;
	W.now.mono_ms = MONO0;
	W.s = sched_create(c, &fake_ops, NULL, W.now);
	ck_assert_ptr_nonnull(W.s);
}

/* Both clocks forward to monotonic mono (no timers run). */
static void
step_to(uint64_t mono)
{
	REQUIRE(mono >= W.now.mono_ms, "monotonic clock going back");
	W.now.real_ms += (int64_t)(mono - W.now.mono_ms);
	W.now.mono_ms = mono;
}

/* Both clocks forward by ms, calling sched_advance at every wake-up on the
 * way, exactly at its time. */
static void
advance(int64_t ms)
{
	uint64_t target = W.now.mono_ms + (uint64_t)ms, next;
	int guard = 0;

	REQUIRE(ms >= 0, "advance by %lld", (long long)ms);
	for (;;) {
		next = sched_next_wakeup(W.s);
		if (next == WHEEL_NONE || next > target)
			break;
		if (next > W.now.mono_ms)
			step_to(next);
		sched_advance(W.s, W.now);
		REQUIRE(++guard < 1000000, "sched_advance does not settle");
	}
	step_to(target);
}

static void
advance_to(int64_t real_ms)
{
	advance(real_ms > W.now.real_ms ? real_ms - W.now.real_ms : 0);
}

/* ---- queries ---------------------------------------------------------- */

static struct sched_job *
job(const char *name)
{
	struct sched_job *j = sched_find_job(W.s, name);

	REQUIRE(j != NULL, "no job %s", name);
	return j;
}

static size_t
nspawned(const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < W.nspawns; i++)
		if (name == NULL || strcmp(W.spawns[i].job, name) == 0)
			n++;
	return n;
}

static struct spawn_rec *
last_spawn(const char *name)
{
	size_t i;

	for (i = W.nspawns; i-- > 0;)
		if (strcmp(W.spawns[i].job, name) == 0)
			return &W.spawns[i];
	ck_abort_msg("%s never spawned", name);
	return NULL;
}

static size_t
nev(enum sched_event_kind kind, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < W.nevs; i++)
		if (W.evs[i].kind == kind && (name == NULL || strcmp(W.evs[i].job, name) == 0))
			n++;
	return n;
}

static struct ev_rec *
last_ev(enum sched_event_kind kind, const char *name)
{
	size_t i;

	for (i = W.nevs; i-- > 0;)
		if (W.evs[i].kind == kind && (name == NULL || strcmp(W.evs[i].job, name) == 0))
			return &W.evs[i];
	ck_abort_msg("no event %d for %s", kind, name ? name : "any");
	return NULL;
}

/* The running run of job name (the oldest one when several run). */
static struct sched_run *
running(const char *name)
{
	struct sched_run *r, *best = NULL;

	for (r = job(name)->runs; r != NULL; r = r->next_run)
		if (r->state == SCHED_RUN_RUNNING && (best == NULL || r->run_id < best->run_id))
			best = r;
	REQUIRE(best != NULL, "%s has no running attempt", name);
	return best;
}

static void
finish_run(struct sched_run *r, enum sched_exit_kind kind, int status)
{
	sched_attempt_done(W.s, r, kind, status, W.now);
}

static void
finish(const char *name, int exit_code)
{
	finish_run(running(name), SCHED_EXIT_CODE, exit_code);
}

static bool
was_freed(const struct config *c)
{
	size_t i;

	for (i = 0; i < W.nfreed; i++)
		if (W.freed[i] == c)
			return true;
	return false;
}

/*
 * Event invariants over the whole test: run ids are handed out from 1 in
 * order; every run ends with at most one DONE and nothing follows it; an
 * attempt finishes once; STARTED matches the spawns.
 */
static void
check_invariants(void)
{
	uint64_t max_id = 0;
	size_t i, k, started = 0, finished = 0, spawn_errors = 0;

	for (i = 0; i < W.nevs; i++) {
		const struct ev_rec *e = &W.evs[i];

		if (e->kind == SCHED_EV_SKIPPED || e->kind == SCHED_EV_MISSED) {
			REQUIRE(e->run_id == 0, "run id in event %d", e->kind);
			continue;
		}
		REQUIRE(e->run_id >= 1 && e->run_id <= max_id + 1, "run id %llu out of order",
		    (unsigned long long)e->run_id);
		if (e->run_id > max_id)
			max_id = e->run_id;
		if (e->kind == SCHED_EV_STARTED)
			started++;
		if (e->kind == SCHED_EV_FINISHED) {
			finished++;
			if (e->outcome == SCHED_OUTCOME_SPAWN_ERROR)
				spawn_errors++;
		}
		if (e->kind != SCHED_EV_DONE)
			continue;
		for (k = i + 1; k < W.nevs; k++)
			REQUIRE(W.evs[k].run_id != e->run_id,
			    "event %d for run %llu after its DONE", W.evs[k].kind,
			    (unsigned long long)e->run_id);
	}
	ck_assert_uint_eq(started, W.nspawns);
	ck_assert_uint_le(finished, started + spawn_errors);
	if (W.s != NULL)
		ck_assert_uint_eq(W.s->next_run_id, max_id + 1);
}

/* ---- calendar slots: exactly at their second, never a ms earlier ------- */

static const struct {
	const char *schedule;
	int64_t start_ms;	/* from T0 */
	int64_t slots_s[4];	/* from T0 */
} calendar[] = {
	{ "* * * * *", 30000, { 60, 120, 180, 240 } },
	{ "*/10 * * * * *", 0, { 0, 10, 20, 30 } },	/* a slot at `now` is due at once */
	{ "*/10 * * * * *", 1, { 10, 20, 30, 40 } },
	{ "0 */6 * * *", 1, { 21600, 43200, 64800, 86400 } },
	{ "@hourly", 3599999, { 3600, 7200, 10800, 14400 } },
	{ "30 2 * * *", 0, { 9000, 95400, 181800, 268200 } },
};

START_TEST(calendar_due_exactly)
{
	struct config *c = cfg_new(64);
	size_t k;

	cfg_job(c, "a", calendar[_i].schedule);
	start(c, at(calendar[_i].start_ms));
	for (k = 0; k < 4; k++) {
		int64_t due_ms = at(calendar[_i].slots_s[k] * 1000);

		ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), due_ms);
		if (due_ms - 1 > W.now.real_ms)
			advance_to(due_ms - 1);
		ck_assert_uint_eq(nspawned("a"), k);
		advance_to(due_ms);
		ck_assert_uint_eq(nspawned("a"), k + 1);
		ck_assert_int_eq(last_spawn("a")->real_ms, due_ms);
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + calendar[_i].slots_s[k]);
		ck_assert_int_eq(last_spawn("a")->attempt, 1);
		ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RUNNING);
		finish("a", 0);
		ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_IDLE);
		ck_assert_int_eq(last_ev(SCHED_EV_DONE, "a")->outcome, SCHED_OUTCOME_SUCCESS);
	}
	ck_assert_uint_eq(job("a")->n.runs, 4);
	ck_assert_uint_eq(job("a")->n.missed, 0);
	ck_assert_uint_eq(lagstat_percentile(&W.s->lag, 100), 0);
	check_invariants();
}
END_TEST

/* With the clocks' microseconds, a calendar deadline is the first
 * monotonic millisecond at or after the due instant: 0.7 ms before it
 * would be early, and rounding the offset to whole ms would give that. */
START_TEST(calendar_deadline_sub_ms)
{
	struct config *c = cfg_new(64);

	cfg_job(c, "a", "* * * * * *");
	W.now.real_ms = at(1);
	W.now.real_sub_us = 200;
	W.now.mono_ms = MONO0;
	W.now.mono_sub_us = 900;
	W.s = sched_create(c, &fake_ops, NULL, W.now);
	ck_assert_ptr_nonnull(W.s);
	/* Due at at(1000): 998.8 ms of wall clock left, from mono MONO0.900,
	 * so MONO0 + 999.7 ms: the wheel says MONO0 + 1000, not 999. */
	ck_assert_uint_eq(sched_next_wakeup(W.s), MONO0 + 1000);
}
END_TEST

/* ---- @every: start + k * D, even when the loop wakes up late ----------- */

START_TEST(every_does_not_drift)
{
	struct config *c = cfg_new(64);
	int64_t offset = at(250) - (int64_t)MONO0;
	uint64_t k, next;

	cfg_job(c, "e", "@every 7s");
	start(c, at(250));
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("e"), W.now), at(7250));
	for (k = 1; k <= 1000; k++) {
		next = sched_next_wakeup(W.s);
		ck_assert_uint_eq(next, MONO0 + k * 7000);
		/* The loop wakes up late by 0..400 ms and the job runs 3 s. */
		step_to(next + (k % 5) * 100);
		sched_advance(W.s, W.now);
		ck_assert_uint_eq(nspawned("e"), k);
		ck_assert_uint_eq(last_spawn("e")->mono_ms, MONO0 + k * 7000 + (k % 5) * 100);
		ck_assert_int_eq(last_spawn("e")->due_real_ms, (int64_t)(MONO0 + k * 7000) + offset);
		ck_assert_int_eq(last_spawn("e")->scheduled_s,
		    ((int64_t)(MONO0 + k * 7000) + offset) / 1000);
		step_to(W.now.mono_ms + 3000);
		finish("e", 0);
	}
	ck_assert_uint_eq(sched_next_wakeup(W.s), MONO0 + 1001 * 7000);
	ck_assert_uint_eq(job("e")->n.skipped, 0);
	ck_assert_uint_eq(job("e")->n.missed, 0);
	ck_assert_uint_eq(lagstat_percentile(&W.s->lag, 100), 400000);
	check_invariants();
}
END_TEST

/* ---- @reboot: once at start, never on reload -------------------------- */

START_TEST(reboot_once)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);

	cfg_job(c, "boot", "@reboot");
	start(c, at(30500));
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("boot"), W.now), at(30000));
	advance(0);
	ck_assert_uint_eq(nspawned("boot"), 1);
	ck_assert_int_eq(last_spawn("boot")->scheduled_s, T0_S + 30);
	ck_assert_int_eq(last_spawn("boot")->real_ms, at(30500));
	finish("boot", 0);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("boot"), W.now), -1);
	advance(86400000);
	ck_assert_uint_eq(nspawned("boot"), 1);

	cfg_job(c2, "boot", "@reboot");
	cfg_job(c2, "boot2", "@reboot")->hash = 2;
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	advance(86400000);
	ck_assert_uint_eq(nspawned(NULL), 1);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("boot2"), W.now), -1);
	ck_assert_uint_eq(sched_next_wakeup(W.s), WHEEL_NONE);
	check_invariants();
}
END_TEST

/* ---- max_concurrent: one FIFO over all jobs, retries included ---------- */

START_TEST(max_concurrent_fifo)
{
	struct config *c = cfg_new(2);
	struct config_job *a;

	a = cfg_job(c, "a", "* * * * *");
	pol(a)->retries = 1;
	pol(a)->retry_delay_ms = 1000;
	cfg_job(c, "b", "* * * * *");
	cfg_job(c, "c", "* * * * *");
	cfg_job(c, "d", "* * * * *");
	start(c, at(30000));
	advance_to(at(60000));
	ck_assert_uint_eq(W.nspawns, 2);
	ck_assert_str_eq(W.spawns[0].job, "a");
	ck_assert_str_eq(W.spawns[1].job, "b");
	ck_assert_uint_eq(nev(SCHED_EV_QUEUED, NULL), 2);
	ck_assert_int_eq(last_ev(SCHED_EV_QUEUED, "c")->run_state, SCHED_RUN_QUEUED);
	ck_assert_int_eq(W.s->running, 2);
	ck_assert_int_eq(W.s->queued, 2);
	ck_assert_int_eq(sched_job_state(job("c")), SCHED_STATE_QUEUED);
	ck_assert_int_eq(sched_job_state(job("d")), SCHED_STATE_QUEUED);

	advance_to(at(65000));
	finish("b", 0);			/* c goes first: it queued first */
	ck_assert_str_eq(last_spawn("c")->job, "c");
	ck_assert_int_eq(last_spawn("c")->real_ms, at(65000));
	ck_assert_uint_eq(nspawned("d"), 0);

	advance_to(at(66000));
	finish("a", 1);			/* retry in 1 s; d takes the slot */
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RETRY_WAIT);
	ck_assert_int_eq(last_spawn("d")->real_ms, at(66000));
	ck_assert_int_eq(W.s->queued, 0);

	advance_to(at(67000));		/* a's retry is due but c and d run */
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_int_eq(W.s->queued, 1);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_QUEUED);
	ck_assert_int_eq(last_ev(SCHED_EV_QUEUED, "a")->attempt, 1);

	advance_to(at(70000));
	finish("c", 0);
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_int_eq(last_spawn("a")->attempt, 2);
	ck_assert_int_eq(last_spawn("a")->real_ms, at(70000));
	ck_assert_int_eq(last_spawn("a")->due_real_ms, at(67000));

	/* Lags: a 0, b 0, c 5 s, d 6 s, a's retry 3 s. */
	ck_assert_uint_eq(W.s->lag.n, 5);
	ck_assert_uint_eq(lagstat_percentile(&W.s->lag, 100), 6000000);
	ck_assert_uint_eq(lagstat_percentile(&W.s->lag, 60), 3000000);
	ck_assert_uint_eq(W.s->lag.max_us, 6000000);
	ck_assert_uint_eq(W.s->total_runs, 5);
	ck_assert_uint_eq(W.s->total_failures, 1);
	check_invariants();
}
END_TEST

/* ---- overlap ----------------------------------------------------------- */

START_TEST(overlap_skip)
{
	struct config *c = cfg_new(64);

	cfg_job(c, "a", "* * * * *");
	start(c, at(30000));
	advance_to(at(60000));
	advance_to(at(120000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(job("a")->n.skipped, 1);
	ck_assert_int_eq(last_ev(SCHED_EV_SKIPPED, "a")->scheduled_s, T0_S + 120);
	finish("a", 0);
	advance_to(at(180000));
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 180);
	ck_assert_uint_eq(job("a")->last_scheduled_s, T0_S + 180);
	check_invariants();
}
END_TEST

START_TEST(overlap_queue_one_waiting)
{
	struct config *c = cfg_new(64);

	pol(cfg_job(c, "a", "* * * * *"))->overlap = CONFIG_OVERLAP_QUEUE;
	start(c, at(30000));
	advance_to(at(60000));
	advance_to(at(120000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(nev(SCHED_EV_QUEUED, "a"), 1);
	ck_assert_int_eq(last_ev(SCHED_EV_QUEUED, "a")->run_state, SCHED_RUN_WAITING);
	ck_assert_int_eq(last_ev(SCHED_EV_QUEUED, "a")->run_id, 2);
	ck_assert_int_eq(job("a")->nruns, 2);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RUNNING);
	advance_to(at(180000));		/* one waits already: skipped */
	ck_assert_uint_eq(job("a")->n.skipped, 1);
	ck_assert_int_eq(last_ev(SCHED_EV_SKIPPED, "a")->scheduled_s, T0_S + 180);
	advance_to(at(190000));
	finish("a", 0);			/* the waiting slot starts at once */
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 120);
	ck_assert_int_eq(last_spawn("a")->real_ms, at(190000));
	ck_assert_int_eq(last_spawn("a")->run_id, 2);
	advance_to(at(240000));
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RUNNING);
	finish("a", 0);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 240);
	ck_assert_uint_eq(nspawned("a"), 3);
	finish("a", 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_IDLE);
	ck_assert_int_eq(job("a")->nruns, 0);
	check_invariants();
}
END_TEST

START_TEST(overlap_allow)
{
	struct config *c = cfg_new(64);
	struct sched_run *r1, *r2;

	pol(cfg_job(c, "a", "* * * * *"))->overlap = CONFIG_OVERLAP_ALLOW;
	start(c, at(30000));
	advance_to(at(60000));
	r1 = running("a");
	advance_to(at(120000));
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_int_eq(W.s->running, 2);
	r2 = last_spawn("a")->run;
	ck_assert_ptr_ne(r1, r2);
	ck_assert_int_eq(r2->scheduled_s, T0_S + 120);
	finish_run(r2, SCHED_EXIT_CODE, 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RUNNING);
	finish_run(r1, SCHED_EXIT_CODE, 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_IDLE);
	ck_assert_uint_eq(nev(SCHED_EV_DONE, "a"), 2);
	ck_assert_uint_eq(job("a")->n.skipped, 0);
	check_invariants();
}
END_TEST

START_TEST(overlap_replace)
{
	struct config *c = cfg_new(64);
	struct config_job *a;
	pid_t p1, p2;

	a = cfg_job(c, "a", "* * * * *");
	pol(a)->overlap = CONFIG_OVERLAP_REPLACE;
	pol(a)->kill_signal = SIGINT;
	pol(a)->kill_grace_ms = 5000;
	pol(a)->retries = 3;
	pol(a)->retry_delay_ms = 100000;
	start(c, at(30000));
	advance_to(at(60000));
	p1 = last_spawn("a")->pid;

	/* Slot 120: kill_signal to the old run, the new slot waits. */
	advance_to(at(120000));
	ck_assert_uint_eq(W.nsigs, 1);
	ck_assert_int_eq(W.sigs[0].pid, p1);
	ck_assert_int_eq(W.sigs[0].signo, SIGINT);
	ck_assert_uint_eq(nev(SCHED_EV_REPLACED, "a"), 1);
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_int_eq(last_ev(SCHED_EV_QUEUED, "a")->run_state, SCHED_RUN_WAITING);
	advance_to(at(124999));
	ck_assert_uint_eq(W.nsigs, 1);
	advance_to(at(125000));		/* kill_grace over: SIGKILL */
	ck_assert_uint_eq(W.nsigs, 2);
	ck_assert_int_eq(W.sigs[1].signo, SIGKILL);
	ck_assert_int_eq(W.sigs[1].pid, p1);
	ck_assert_uint_eq(nev(SCHED_EV_KILLED, "a"), 1);
	advance_to(at(125500));
	finish_run(running("a"), SCHED_EXIT_SIGNAL, SIGKILL);
	ck_assert_int_eq(last_ev(SCHED_EV_FINISHED, "a")->outcome, SCHED_OUTCOME_SIGNALED);
	ck_assert_uint_eq(nev(SCHED_EV_RETRY, "a"), 0);	/* retries cancelled */
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 120);
	ck_assert_int_eq(last_spawn("a")->real_ms, at(125500));
	p2 = last_spawn("a")->pid;

	/* Slot 180: this time the old run obeys kill_signal; no SIGKILL. */
	advance_to(at(180000));
	ck_assert_uint_eq(W.nsigs, 3);
	ck_assert_int_eq(W.sigs[2].pid, p2);
	advance_to(at(181000));
	finish_run(running("a"), SCHED_EXIT_SIGNAL, SIGINT);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 180);
	ck_assert_int_eq(last_spawn("a")->real_ms, at(181000));
	advance_to(at(195000));
	ck_assert_uint_eq(W.nsigs, 3);

	/* A run waiting for its retry is cancelled and the new slot starts. */
	finish("a", 1);
	ck_assert_uint_eq(nev(SCHED_EV_RETRY, "a"), 1);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RETRY_WAIT);
	advance_to(at(240000));
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "a")->outcome, SCHED_OUTCOME_FAILED);
	ck_assert_uint_eq(nspawned("a"), 4);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 240);
	ck_assert_int_eq(last_spawn("a")->attempt, 1);
	ck_assert_uint_eq(W.nsigs, 3);
	finish("a", 0);
	advance_to(at(295000));		/* the cancelled retry (at 295) never comes */
	ck_assert_uint_eq(nspawned("a"), 4);
	ck_assert_uint_eq(job("a")->n.skipped, 0);
	check_invariants();
}
END_TEST

/* ---- timeout: kill_signal, SIGKILL after grace, outcome timeout -------- */

static const struct {
	int64_t exit_at_ms;		/* after the slot */
	enum sched_exit_kind kind;
	int status;
	bool sigkill;
} timeouts[] = {
	{ 11000, SCHED_EXIT_SIGNAL, SIGTERM, false },
	{ 11000, SCHED_EXIT_CODE, 0, false },		/* whatever the exit */
	{ 13100, SCHED_EXIT_SIGNAL, SIGKILL, true },
};

START_TEST(timeout_then_sigkill)
{
	struct config *c = cfg_new(64);
	struct config_job *a;
	struct ev_rec *f;

	a = cfg_job(c, "a", "0 * * * *");
	pol(a)->timeout_ms = 10000;
	pol(a)->kill_grace_ms = 3000;
	start(c, at(3590000));
	advance_to(at(3600000));
	advance_to(at(3609999));
	ck_assert_uint_eq(W.nsigs, 0);
	advance_to(at(3610000));
	ck_assert_uint_eq(W.nsigs, 1);
	ck_assert_int_eq(W.sigs[0].signo, SIGTERM);
	ck_assert_uint_eq(nev(SCHED_EV_TIMEOUT, "a"), 1);
	ck_assert(running("a")->timed_out);
	advance_to(at(3600000 + timeouts[_i].exit_at_ms));
	ck_assert_uint_eq(W.nsigs, timeouts[_i].sigkill ? 2 : 1);
	if (timeouts[_i].sigkill) {
		ck_assert_int_eq(W.sigs[1].signo, SIGKILL);
		ck_assert_int_eq(W.sigs[1].real_ms, at(3613000));
		ck_assert_uint_eq(nev(SCHED_EV_KILLED, "a"), 1);
	}
	finish_run(running("a"), timeouts[_i].kind, timeouts[_i].status);
	f = last_ev(SCHED_EV_FINISHED, "a");
	ck_assert_int_eq(f->outcome, SCHED_OUTCOME_TIMEOUT);
	ck_assert_int_eq(f->status, timeouts[_i].status);
	ck_assert_int_eq(f->duration_ms, timeouts[_i].exit_at_ms);
	ck_assert_uint_eq(job("a")->n.timeouts, 1);
	ck_assert_uint_eq(job("a")->n.failures, 1);
	ck_assert_int_eq(job("a")->last_result, SCHED_OUTCOME_TIMEOUT);
	advance_to(at(3650000));
	ck_assert_uint_eq(W.nsigs, timeouts[_i].sigkill ? 2 : 1);
	ck_assert_uint_eq(sched_next_wakeup(W.s), MONO0 + 7200000 - 3590000);
	check_invariants();
}
END_TEST

/* ---- retries ----------------------------------------------------------- */

START_TEST(retries_backoff_and_cap)
{
	static const int64_t delays[] = { 10000, 20000, 40000, 50000 };
	struct config *c = cfg_new(64);
	struct config_job *a;
	int64_t t = 3600000;
	size_t k;

	a = cfg_job(c, "a", "0 * * * *");
	pol(a)->retries = 4;
	pol(a)->retry_delay_ms = 10000;
	pol(a)->retry_backoff = 2.0;
	pol(a)->retry_max_delay_ms = 50000;
	start(c, at(3590000));
	advance_to(at(t));
	for (k = 0; k < 4; k++) {
		ck_assert_int_eq(last_spawn("a")->attempt, (int)k + 1);
		ck_assert_int_eq(last_spawn("a")->real_ms, at(t));
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 3600);
		ck_assert_int_eq(last_spawn("a")->run_id, 1);
		t += 1000;
		advance_to(at(t));
		finish("a", 3);
		ck_assert_int_eq(last_ev(SCHED_EV_RETRY, "a")->delay_ms, delays[k]);
		ck_assert_int_eq(last_ev(SCHED_EV_RETRY, "a")->attempt, (int)k + 1);
		ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RETRY_WAIT);
		t += delays[k];
		advance_to(at(t - 1));
		ck_assert_uint_eq(nspawned("a"), k + 1);
		advance_to(at(t));
		ck_assert_uint_eq(nspawned("a"), k + 2);
	}
	finish("a", 3);			/* attempt 5 = 1 + retries: over */
	ck_assert_uint_eq(nev(SCHED_EV_RETRY, "a"), 4);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "a")->outcome, SCHED_OUTCOME_FAILED);
	ck_assert_int_eq(last_ev(SCHED_EV_FINISHED, "a")->status, 3);
	ck_assert_uint_eq(job("a")->n.runs, 5);
	ck_assert_uint_eq(job("a")->n.failures, 5);
	ck_assert_uint_eq(job("a")->n.retries, 4);
	ck_assert_int_eq(job("a")->last_exit, 3);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_IDLE);
	/* A retry's lag counts from the end of its delay: all 0 here. */
	ck_assert_uint_eq(W.s->lag.max_us, 0);
	check_invariants();
}
END_TEST

START_TEST(retry_success_ends_run)
{
	struct config *c = cfg_new(64);
	struct config_job *a;

	a = cfg_job(c, "a", "0 * * * *");
	pol(a)->retries = 5;
	pol(a)->retry_delay_ms = 1000;
	start(c, at(3590000));
	advance_to(at(3600000));
	finish_run(running("a"), SCHED_EXIT_SIGNAL, SIGSEGV);
	ck_assert_int_eq(last_ev(SCHED_EV_FINISHED, "a")->outcome, SCHED_OUTCOME_SIGNALED);
	advance_to(at(3601000));
	finish("a", 0);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "a")->outcome, SCHED_OUTCOME_SUCCESS);
	ck_assert_uint_eq(job("a")->n.runs, 2);
	ck_assert_uint_eq(job("a")->n.failures, 1);
	ck_assert_uint_eq(job("a")->n.retries, 1);
	advance_to(at(7199999));
	ck_assert_uint_eq(nspawned("a"), 2);
	check_invariants();
}
END_TEST

/* ---- spawn errors ----------------------------------------------------- */

START_TEST(spawn_error_is_retried)
{
	struct config *c = cfg_new(64);
	struct config_job *a;
	struct ev_rec *f;

	a = cfg_job(c, "a", "0 * * * *");
	pol(a)->retries = 1;
	pol(a)->retry_delay_ms = 5000;
	start(c, at(3590000));
	W.spawn_fail = 1;
	advance_to(at(3600000));
	ck_assert_uint_eq(nspawned("a"), 0);
	ck_assert_uint_eq(nev(SCHED_EV_STARTED, "a"), 0);
	f = last_ev(SCHED_EV_FINISHED, "a");
	ck_assert_int_eq(f->outcome, SCHED_OUTCOME_SPAWN_ERROR);
	ck_assert_int_eq(f->status, EAGAIN);
	ck_assert_int_eq(last_ev(SCHED_EV_RETRY, "a")->delay_ms, 5000);
	ck_assert_int_eq(W.s->running, 0);
	advance_to(at(3605000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_int_eq(last_spawn("a")->attempt, 2);
	/* exec failed in the child: the runner reports it. */
	finish_run(running("a"), SCHED_EXIT_SPAWN_ERROR, ENOENT);
	f = last_ev(SCHED_EV_FINISHED, "a");
	ck_assert_int_eq(f->outcome, SCHED_OUTCOME_SPAWN_ERROR);
	ck_assert_int_eq(f->status, ENOENT);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "a")->outcome, SCHED_OUTCOME_SPAWN_ERROR);
	ck_assert_uint_eq(job("a")->n.runs, 2);
	ck_assert_uint_eq(job("a")->n.failures, 2);
	ck_assert_int_eq(W.s->running, 0);
	check_invariants();
}
END_TEST

/* Spawn failing inside sched_attempt_done, for queued runs and for the
 * waiting slot of overlap=queue: each ends at once, nothing is lost. */
START_TEST(spawn_error_while_pumping)
{
	struct config *c = cfg_new(1);

	cfg_job(c, "a", "0 * * * *");
	cfg_job(c, "b", "0 * * * *");
	cfg_job(c, "c", "0 * * * *");
	start(c, at(3590000));
	advance_to(at(3600000));
	ck_assert_int_eq(W.s->queued, 2);
	W.spawn_fail = 2;
	finish("a", 0);
	ck_assert_int_eq(W.s->queued, 0);
	ck_assert_int_eq(W.s->running, 0);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "b")->outcome, SCHED_OUTCOME_SPAWN_ERROR);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "c")->outcome, SCHED_OUTCOME_SPAWN_ERROR);
	ck_assert_int_eq(sched_job_state(job("b")), SCHED_STATE_IDLE);
	advance_to(at(7200000));
	ck_assert_uint_eq(nspawned(NULL), 2);
	ck_assert_int_eq(W.s->queued, 2);
	check_invariants();
}
END_TEST

START_TEST(spawn_error_of_waiting_slot)
{
	struct config *c = cfg_new(64);

	pol(cfg_job(c, "q", "* * * * *"))->overlap = CONFIG_OVERLAP_QUEUE;
	start(c, at(30000));
	advance_to(at(120000));
	ck_assert_ptr_nonnull(job("q")->waiting);
	W.spawn_fail = 1;
	finish("q", 0);
	ck_assert_ptr_null(job("q")->waiting);
	ck_assert_int_eq(job("q")->nruns, 0);
	ck_assert_int_eq(sched_job_state(job("q")), SCHED_STATE_IDLE);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "q")->outcome, SCHED_OUTCOME_SPAWN_ERROR);
	advance_to(at(180000));
	ck_assert_uint_eq(nspawned("q"), 2);
	check_invariants();
}
END_TEST

/* ---- jitter ------------------------------------------------------------ */

static const uint64_t jitters[] = { 0, 1, 4999, 9999, 10000 + 1234 };

START_TEST(jitter_within_bounds)
{
	struct config *c = cfg_new(64);
	int64_t want = 3600000 + (int64_t)(jitters[_i] % 10000);

	pol(cfg_job(c, "a", "0 * * * *"))->jitter_ms = 10000;
	W.rand_val = jitters[_i];
	start(c, at(3590000));
	ck_assert_int_eq(W.nrandom, 1);
	ck_assert_uint_eq(W.rand_bound, 10000);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), at(3600000));
	if (want > 3600000) {
		advance_to(at(want - 1));
		ck_assert_uint_eq(nspawned("a"), 0);
	}
	advance_to(at(want));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_int_eq(last_spawn("a")->real_ms, at(want));
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 3600);
	ck_assert_int_eq(last_spawn("a")->due_real_ms, at(want));
	ck_assert_uint_eq(W.s->lag.max_us, 0);
	ck_assert_int_eq(W.nrandom, 2);		/* drawn again for the next slot */
	check_invariants();
}
END_TEST

/* ---- disabled ---------------------------------------------------------- */

START_TEST(disabled_never_runs)
{
	struct config *c = cfg_new(64);

	cfg_job(c, "a", "* * * * *")->enabled = false;
	cfg_job(c, "b", "0 * * * *");
	start(c, at(30000));
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_DISABLED);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), -1);
	advance_to(at(3600000));
	finish("b", 0);
	advance_to(at(7200000));
	ck_assert_uint_eq(nspawned("a"), 0);
	ck_assert_uint_eq(nspawned("b"), 2);
	ck_assert_int_eq(job("a")->n.missed, 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_DISABLED);
	sched_clock_changed(W.s, W.now);
	ck_assert_uint_eq(nspawned("a"), 0);
	check_invariants();
}
END_TEST

/* ---- clock changes ----------------------------------------------------- */

/* The wall clock is stepped back by 45 minutes after slot 01:00 ran; with
 * or without sched_clock_changed, 01:00 never runs again and 02:00 runs at
 * 02:00 wall-clock time, not a ms earlier. */
START_TEST(clock_stepped_back)
{
	struct config *c = cfg_new(64);
	size_t k;

	cfg_job(c, "a", "0 * * * *");
	start(c, at(3590000));
	advance_to(at(3600000));
	finish("a", 0);
	advance_to(at(3630000));
	W.now.real_ms -= 2700000;	/* 00:15:30 */
	if (_i == 0)
		sched_clock_changed(W.s, W.now);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), at(7200000));
	for (k = 0; k < 3; k++) {
		advance_to(at(7200000 + 3600000 * (int64_t)k - 1));
		ck_assert_uint_eq(nspawned("a"), k + 1);
		advance_to(at(7200000 + 3600000 * (int64_t)k));
		ck_assert_uint_eq(nspawned("a"), k + 2);
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 7200 + 3600 * (int64_t)k);
		finish("a", 0);
	}
	ck_assert_uint_eq(job("a")->n.missed, 0);
	ck_assert_uint_eq(job("a")->n.skipped, 0);
	check_invariants();
}
END_TEST

/* The wall clock runs 0.1% slower than the monotonic clock (slewed): the
 * wheel comes due early in wall-clock terms; runs still never start early. */
START_TEST(clock_slewed_never_early)
{
	struct config *c = cfg_new(64);
	size_t k, i;
	uint64_t next;

	cfg_job(c, "a", "* * * * *");
	start(c, at(30000));
	for (i = 0; i < 100000 && W.nspawns < 10; i++) {
		next = sched_next_wakeup(W.s);
		ck_assert_uint_ne(next, WHEEL_NONE);
		ck_assert_uint_gt(next, W.now.mono_ms);
		/* 1 ms lost per whole second */
		W.now.real_ms += (int64_t)(next - W.now.mono_ms) -
		    (int64_t)(next - W.now.mono_ms) / 1000;
		W.now.mono_ms = next;
		sched_advance(W.s, W.now);
		if (W.nspawns > 0 && job("a")->nruns > 0)
			finish("a", 0);
	}
	ck_assert_uint_eq(W.nspawns, 10);
	for (k = 0; k < 10; k++) {
		ck_assert_int_eq(W.spawns[k].scheduled_s, T0_S + 60 * ((int64_t)k + 1));
		ck_assert_int_ge(W.spawns[k].real_ms, W.spawns[k].scheduled_s * 1000);
		ck_assert_int_lt(W.spawns[k].real_ms, W.spawns[k].scheduled_s * 1000 + 100);
	}
	check_invariants();
}
END_TEST

static const struct {
	bool notify;		/* sched_clock_changed is called */
	bool catchup;
	uint64_t missed;
	int64_t latest_s;	/* from T0 */
} jumps[] = {
	{ true, false, 12, 3600 },
	{ true, true, 12, 3600 },
	/* Not told: the old deadline of 00:05 comes 4 min later, at 01:07. */
	{ false, true, 13, 3900 },
};

/* At 00:01 the wall clock jumps to 01:03: slots 00:05 .. 01:00 are missed;
 * with catchup exactly one run (of 01:00) follows, without it none. */
START_TEST(clock_jumped_forward)
{
	struct config *c = cfg_new(64);
	struct ev_rec *m;

	pol(cfg_job(c, "a", "*/5 * * * *"))->catchup = jumps[_i].catchup;
	start(c, at(60000));
	W.now.real_ms += 3720000;	/* 01:03:00 */
	if (jumps[_i].notify)
		sched_clock_changed(W.s, W.now);
	else
		advance(240000);
	advance(0);
	ck_assert_uint_eq(job("a")->n.missed, jumps[_i].missed);
	ck_assert_uint_eq(nev(SCHED_EV_MISSED, "a"), 1);
	m = last_ev(SCHED_EV_MISSED, "a");
	ck_assert_uint_eq(m->count, jumps[_i].missed);
	ck_assert_int_eq(m->scheduled_s, T0_S + jumps[_i].latest_s);
	ck_assert(m->catchup == jumps[_i].catchup);
	if (jumps[_i].catchup) {
		ck_assert_uint_eq(nspawned("a"), 1);
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + jumps[_i].latest_s);
		ck_assert_int_eq(last_spawn("a")->real_ms, W.now.real_ms);
		finish("a", 0);
	} else
		ck_assert_uint_eq(nspawned("a"), 0);
	/* The next slot is normal again. */
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now),
	    at((jumps[_i].latest_s + 300) * 1000));
	advance_to(at((jumps[_i].latest_s + 300) * 1000));
	ck_assert_uint_eq(nspawned("a"), jumps[_i].catchup ? 2 : 1);
	ck_assert_int_eq(last_spawn("a")->real_ms, at((jumps[_i].latest_s + 300) * 1000));
	ck_assert_uint_eq(job("a")->n.missed, jumps[_i].missed);
	check_invariants();
}
END_TEST

static const struct {
	int64_t late_ms;
	bool runs;
} lates[] = {
	{ 0, true }, { 1, true }, { 30000, true }, { SCHED_LATE_TOLERANCE_MS, true },
	{ SCHED_LATE_TOLERANCE_MS + 1, false },
};

/* The loop noticed slot 01:00 late (stalled, suspended): within the
 * tolerance it runs normally, beyond it is missed (catchup = false). */
START_TEST(late_slot_tolerance)
{
	struct config *c = cfg_new(64);

	cfg_job(c, "a", "0 * * * *");
	start(c, at(3590000));
	step_to(MONO0 + 10000 + (uint64_t)lates[_i].late_ms);
	sched_advance(W.s, W.now);
	ck_assert_uint_eq(nspawned("a"), lates[_i].runs ? 1 : 0);
	ck_assert_uint_eq(job("a")->n.missed, lates[_i].runs ? 0 : 1);
	if (lates[_i].runs) {
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 3600);
		ck_assert_uint_eq(W.s->lag.max_us, (uint64_t)lates[_i].late_ms * 1000);
	} else
		ck_assert(!last_ev(SCHED_EV_MISSED, "a")->catchup);
	ck_assert_int_eq(job("a")->last_scheduled_s, T0_S + 3600);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), at(7200000));
	check_invariants();
}
END_TEST

/* A per-second job behind a 5.5 s stall: one run of the latest slot, the
 * five before it missed (no catchup semantics: the run is the normal one). */
START_TEST(fast_job_coalesces)
{
	struct config *c = cfg_new(64);
	struct ev_rec *m;

	cfg_job(c, "s", "* * * * * *");
	start(c, at(500));
	step_to(MONO0 + 5500);
	sched_advance(W.s, W.now);
	ck_assert_uint_eq(nspawned("s"), 1);
	ck_assert_int_eq(last_spawn("s")->scheduled_s, T0_S + 6);
	ck_assert_uint_eq(job("s")->n.missed, 5);
	m = last_ev(SCHED_EV_MISSED, "s");
	ck_assert_uint_eq(m->count, 5);
	ck_assert_int_eq(m->scheduled_s, T0_S + 5);
	ck_assert(!m->catchup);
	finish("s", 0);
	advance_to(at(7000));
	ck_assert_uint_eq(nspawned("s"), 2);
	ck_assert_int_eq(last_spawn("s")->scheduled_s, T0_S + 7);
	check_invariants();
}
END_TEST

/* A jump of a year over a per-second job stays cheap: the slots are
 * counted (at least) as missed, not run, and the schedule goes on. */
START_TEST(huge_jump_is_bounded)
{
	struct config *c = cfg_new(64);

	cfg_job(c, "s", "* * * * * *");
	start(c, at(500));
	W.now.real_ms += 365LL * 86400000;
	sched_clock_changed(W.s, W.now);
	/* The latest slot is only 500 ms late: it runs. */
	ck_assert_uint_eq(nspawned("s"), 1);
	ck_assert_int_eq(last_spawn("s")->scheduled_s, T0_S + 365LL * 86400);
	ck_assert_uint_ge(job("s")->n.missed, 4096);
	ck_assert_int_eq(job("s")->last_scheduled_s, T0_S + 365LL * 86400);
	finish("s", 0);
	advance(1000);
	ck_assert_uint_eq(nspawned("s"), 2);
	ck_assert_int_eq(last_spawn("s")->scheduled_s, T0_S + 365LL * 86400 + 1);
	check_invariants();
}
END_TEST

/* ---- state file restore ----------------------------------------------- */

static const struct {
	int64_t last_s;		/* from T0 */
	int64_t start_ms;	/* from T0 */
	bool catchup;
	uint64_t missed;
	int64_t run_s;		/* slot that runs at start, -1 none */
	int64_t next_s;		/* the next slot after that */
} restores[] = {
	{ 0, 11100000, true, 3, 10800, 14400 },		/* down 00:00-03:05 */
	{ 0, 11100000, false, 3, -1, 14400 },
	{ 0, 10830000, false, 2, 10800, 14400 },	/* 03:00 only 30 s late */
	{ 3600, 3600500, true, 0, -1, 7200 },		/* restarted at once */
	{ 7200, 5400000, true, 0, -1, 10800 },		/* clock went back across */
};

START_TEST(restore_last_slot)
{
	struct config *c = cfg_new(64);

	pol(cfg_job(c, "a", "0 * * * *"))->catchup = restores[_i].catchup;
	start(c, at(restores[_i].start_ms));
	sched_job_restore(W.s, job("a"), T0_S + restores[_i].last_s, W.now);
	advance(0);
	ck_assert_uint_eq(job("a")->n.missed, restores[_i].missed);
	if (restores[_i].run_s >= 0) {
		ck_assert_uint_eq(nspawned("a"), 1);
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + restores[_i].run_s);
		finish("a", 0);
	} else
		ck_assert_uint_eq(nspawned("a"), 0);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now),
	    at(restores[_i].next_s * 1000));
	advance_to(at(restores[_i].next_s * 1000));
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + restores[_i].next_s);
	ck_assert_int_eq(last_spawn("a")->real_ms, at(restores[_i].next_s * 1000));
	check_invariants();
}
END_TEST

/* ---- reload ------------------------------------------------------------ */

START_TEST(reload_unchanged_keeps_everything)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);
	struct sched_job *ja, *jb;
	uint64_t wake;

	cfg_job(c, "a", "0 * * * *")->hash = 11;
	cfg_job(c, "b", "*/10 * * * *")->hash = 22;
	start(c, at(30000));
	advance_to(at(600000));
	finish("b", 0);
	advance_to(at(700000));
	ja = job("a");
	jb = job("b");
	wake = sched_next_wakeup(W.s);

	cfg_job(c2, "a", "0 * * * *")->hash = 11;
	cfg_job(c2, "b", "*/10 * * * *")->hash = 22;
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_ptr_eq(job("a"), ja);
	ck_assert_ptr_eq(job("b"), jb);
	ck_assert_ptr_eq(ja->cfg, &c2->jobs[0]);
	ck_assert_ptr_eq(W.s->cfg, c2);
	ck_assert_uint_eq(jb->n.runs, 1);
	ck_assert_int_eq(jb->next_due_s, T0_S + 1200);
	ck_assert_int_eq(ja->next_due_s, T0_S + 3600);
	ck_assert_uint_eq(sched_next_wakeup(W.s), wake);
	ck_assert(was_freed(c));	/* nothing uses it any more */
	ck_assert_uint_eq(W.nrandom, 0);

	/* b: 1200 runs, then 1800 .. 3600 find it still running. */
	advance_to(at(3600000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(nspawned("b"), 2);
	ck_assert_int_eq(last_spawn("b")->scheduled_s, T0_S + 1200);
	ck_assert_uint_eq(jb->n.skipped, 4);
	check_invariants();
}
END_TEST

START_TEST(reload_changed_running_keeps_old_settings)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);
	struct config_job *a;
	struct sched_run *r;

	a = cfg_job(c, "a", "* * * * *");
	pol(a)->timeout_ms = 10000;
	pol(a)->kill_grace_ms = 1000;
	start(c, at(30000));
	advance_to(at(60000));
	r = running("a");
	advance_to(at(62000));

	a = cfg_job(c2, "a", "* * * * *");
	pol(a)->timeout_ms = 20000;
	pol(a)->kill_grace_ms = 1000;
	a->hash = 2;
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_ptr_eq(running("a"), r);
	ck_assert_int_eq(r->cfg->policy->timeout_ms, 10000);
	ck_assert_ptr_eq(r->cfg, &c->jobs[0]);
	ck_assert_int_eq(job("a")->cfg->policy->timeout_ms, 20000);
	ck_assert_uint_eq(job("a")->n.runs, 1);
	ck_assert_int_eq(job("a")->next_due_s, T0_S + 120);
	ck_assert(!was_freed(c));

	advance_to(at(70000));		/* the old timeout */
	ck_assert_uint_eq(W.nsigs, 1);
	ck_assert_int_eq(W.sigs[0].signo, SIGTERM);
	advance_to(at(71000));
	ck_assert_uint_eq(W.nsigs, 2);
	finish_run(r, SCHED_EXIT_SIGNAL, SIGKILL);
	ck_assert_int_eq(last_ev(SCHED_EV_FINISHED, "a")->outcome, SCHED_OUTCOME_TIMEOUT);
	ck_assert(was_freed(c));

	advance_to(at(120000));
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_ptr_eq(last_spawn("a")->cfg, &c2->jobs[0]);
	advance_to(at(139999));
	ck_assert_uint_eq(W.nsigs, 2);
	advance_to(at(140000));		/* the new timeout */
	ck_assert_uint_eq(W.nsigs, 3);
	ck_assert_uint_eq(job("a")->n.timeouts, 1);
	check_invariants();
}
END_TEST

/* A new schedule is computed from now, but never re-runs the slot that ran
 * at this very instant. */
START_TEST(reload_changed_schedule_no_slot_twice)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);
	size_t k;

	cfg_job(c, "a", "0 * * * *");
	start(c, at(3590000));
	advance_to(at(3600000));
	finish("a", 0);
	cfg_job(c2, "a", "*/30 * * * * *")->hash = 2;	/* includes 01:00:00 too */
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), at(3630000));
	for (k = 1; k <= 10; k++) {
		advance_to(at(3600000 + 30000 * (int64_t)k));
		ck_assert_uint_eq(nspawned("a"), k + 1);
		ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 3600 + 30 * (int64_t)k);
		finish("a", 0);
	}
	check_invariants();
}
END_TEST

/* Reloads every 15 s, alternating two spellings of "every minute" (a new
 * schedule text each time, so the next slot is computed again): still
 * exactly one run per minute. */
START_TEST(reload_storm_no_slot_twice)
{
	static const char *texts[] = { "* * * * *", "0 * * * * *" };
	struct config *c = cfg_new(64), *n;
	size_t k;

	cfg_job(c, "a", texts[0]);
	start(c, at(30000));
	for (k = 1; k <= 40; k++) {
		advance_to(at(30000 + 15000 * (int64_t)k));
		if (job("a")->nruns > 0)
			finish("a", 0);
		n = cfg_new(64);
		cfg_job(n, "a", texts[k % 2])->hash = 100 + k;
		ck_assert_int_eq(sched_reload(W.s, n, W.now), 0);
	}
	/* 00:00:30 + 600 s: slots 01:00 .. 10:00. */
	ck_assert_uint_eq(nspawned("a"), 10);
	for (k = 0; k < 10; k++) {
		ck_assert_int_eq(W.spawns[k].scheduled_s, T0_S + 60 * ((int64_t)k + 1));
		ck_assert_int_eq(W.spawns[k].real_ms, W.spawns[k].scheduled_s * 1000);
	}
	ck_assert_uint_eq(W.nfreed, 40);
	check_invariants();
}
END_TEST

START_TEST(reload_removed_job)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);
	struct config_job *a, *cj;
	struct sched_run *ra;

	a = cfg_job(c, "a", "* * * * *");
	pol(a)->retries = 2;
	cfg_job(c, "b", "0 * * * *");
	cj = cfg_job(c, "c", "* * * * *");
	pol(cj)->retries = 3;
	pol(cj)->retry_delay_ms = 100000;
	start(c, at(30000));
	advance_to(at(60000));
	ra = running("a");
	advance_to(at(61000));
	finish("c", 1);
	ck_assert_int_eq(sched_job_state(job("c")), SCHED_STATE_RETRY_WAIT);
	advance_to(at(62000));

	cfg_job(c2, "b", "0 * * * *");
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_ptr_null(sched_find_job(W.s, "a"));
	ck_assert_ptr_null(sched_find_job(W.s, "c"));
	ck_assert_uint_eq(W.s->njobs, 1);
	/* c's retry is cancelled, its job gone; a still runs. */
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "c")->outcome, SCHED_OUTCOME_FAILED);
	ck_assert_ptr_nonnull(W.s->removed);
	ck_assert_ptr_eq(W.s->removed->runs, ra);
	ck_assert_int_eq(W.s->running, 1);
	ck_assert(!was_freed(c));
	advance_to(at(300000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(nspawned("c"), 1);

	finish_run(ra, SCHED_EXIT_CODE, 1);	/* no retry for a removed job */
	ck_assert_int_eq(last_ev(SCHED_EV_FINISHED, "a")->outcome, SCHED_OUTCOME_FAILED);
	ck_assert_uint_eq(nev(SCHED_EV_RETRY, "a"), 0);
	ck_assert_uint_eq(nev(SCHED_EV_DONE, "a"), 1);
	ck_assert_ptr_null(W.s->removed);
	ck_assert(was_freed(c));
	ck_assert_int_eq(W.s->running, 0);
	advance_to(at(3600000));
	finish("b", 0);
	advance_to(at(7200000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(nspawned("c"), 1);
	ck_assert_uint_eq(nspawned("b"), 2);
	check_invariants();
}
END_TEST

/* Removed while its attempt runs, then back: one job again, whose overlap
 * policy sees that attempt. */
START_TEST(reload_removed_then_back)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64), *c3 = cfg_new(64);
	struct sched_run *r;
	struct sched_job *ja;

	cfg_job(c, "a", "* * * * *");
	cfg_job(c, "b", "0 * * * *");
	start(c, at(30000));
	advance_to(at(60000));
	r = running("a");
	ja = job("a");
	cfg_job(c2, "b", "0 * * * *");
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_ptr_eq(W.s->removed, ja);
	advance_to(at(90000));
	cfg_job(c3, "a", "* * * * *");
	cfg_job(c3, "b", "0 * * * *");
	ck_assert_int_eq(sched_reload(W.s, c3, W.now), 0);
	ck_assert_ptr_null(W.s->removed);
	ck_assert_ptr_eq(job("a"), ja);
	ck_assert_ptr_eq(ja->runs, r);
	ck_assert_ptr_eq(r->cfg, &c->jobs[0]);
	ck_assert_int_eq(sched_job_state(ja), SCHED_STATE_RUNNING);
	advance_to(at(120000));		/* overlap=skip sees the old attempt */
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(ja->n.skipped, 1);
	finish_run(r, SCHED_EXIT_CODE, 0);
	ck_assert(was_freed(c));
	advance_to(at(180000));
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_uint_eq(ja->n.runs, 2);
	ck_assert_ptr_eq(last_spawn("a")->cfg, &c3->jobs[0]);
	check_invariants();
}
END_TEST

START_TEST(reload_new_jobs)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);

	cfg_job(c, "a", "0 * * * *");
	start(c, at(30000));
	advance_to(at(100000));
	cfg_job(c2, "a", "0 * * * *");
	cfg_job(c2, "n", "*/5 * * * *")->hash = 5;
	cfg_job(c2, "r", "@reboot")->hash = 6;
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("n"), W.now), at(300000));
	ck_assert_int_eq(sched_job_state(job("n")), SCHED_STATE_IDLE);
	advance_to(at(300000));
	ck_assert_uint_eq(nspawned("n"), 1);
	ck_assert_int_eq(last_spawn("n")->scheduled_s, T0_S + 300);
	finish("n", 0);
	advance_to(at(600000));
	ck_assert_uint_eq(nspawned("n"), 2);
	ck_assert_uint_eq(nspawned("r"), 0);
	check_invariants();
}
END_TEST

/* A job switched off by a reload keeps its running attempt and gets no new
 * slots; switched on again it is scheduled from now. */
START_TEST(reload_disable_enable)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64), *c3 = cfg_new(64);
	struct config_job *j;

	cfg_job(c, "a", "* * * * *");
	start(c, at(30000));
	advance_to(at(60000));
	j = cfg_job(c2, "a", "* * * * *");
	j->enabled = false;
	j->hash = 2;
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_RUNNING);
	finish("a", 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_DISABLED);
	advance_to(at(300000));
	ck_assert_uint_eq(nspawned("a"), 1);
	ck_assert_uint_eq(job("a")->n.skipped + job("a")->n.missed, 0);
	advance_to(at(330000));
	cfg_job(c3, "a", "* * * * *");
	ck_assert_int_eq(sched_reload(W.s, c3, W.now), 0);
	ck_assert_int_eq(sched_job_state(job("a")), SCHED_STATE_IDLE);
	advance_to(at(360000));
	ck_assert_uint_eq(nspawned("a"), 2);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 360);
	check_invariants();
}
END_TEST

/* overlap changed from allow to queue while two runs go on: the waiting
 * slot starts only when both are done. */
START_TEST(reload_allow_to_queue)
{
	struct config *c = cfg_new(64), *c2 = cfg_new(64);
	struct sched_run *r1, *r2;

	pol(cfg_job(c, "a", "* * * * *"))->overlap = CONFIG_OVERLAP_ALLOW;
	start(c, at(30000));
	advance_to(at(60000));
	r1 = last_spawn("a")->run;
	advance_to(at(120000));
	r2 = last_spawn("a")->run;
	ck_assert_ptr_ne(r1, r2);
	pol(cfg_job(c2, "a", "* * * * *"))->overlap = CONFIG_OVERLAP_QUEUE;
	c2->jobs[0].hash = 2;
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	advance_to(at(180000));
	ck_assert_ptr_nonnull(job("a")->waiting);
	ck_assert_uint_eq(nspawned("a"), 2);
	finish_run(r1, SCHED_EXIT_CODE, 0);
	ck_assert_uint_eq(nspawned("a"), 2);
	finish_run(r2, SCHED_EXIT_CODE, 0);
	ck_assert_uint_eq(nspawned("a"), 3);
	ck_assert_int_eq(last_spawn("a")->scheduled_s, T0_S + 180);
	check_invariants();
}
END_TEST

/* A larger max_concurrent takes effect at once. */
START_TEST(reload_raises_max_concurrent)
{
	struct config *c = cfg_new(1), *c2 = cfg_new(3);

	cfg_job(c, "a", "0 * * * *");
	cfg_job(c, "b", "0 * * * *");
	cfg_job(c, "c", "0 * * * *");
	start(c, at(3590000));
	advance_to(at(3600000));
	ck_assert_uint_eq(W.nspawns, 1);
	cfg_job(c2, "a", "0 * * * *");
	cfg_job(c2, "b", "0 * * * *");
	cfg_job(c2, "c", "0 * * * *");
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_uint_eq(W.nspawns, 3);
	ck_assert_int_eq(W.s->queued, 0);
	check_invariants();
}
END_TEST

#ifndef __SANITIZE_ADDRESS__
/* When memory runs out the reload changes nothing. */
START_TEST(reload_out_of_memory)
{
	struct config *c = cfg_new(64), *bad = cfg_new(64);
	uint64_t wake;

	cfg_job(c, "a", "0 * * * *");
	start(c, at(30000));
	wake = sched_next_wakeup(W.s);
	bad->njobs = SIZE_MAX / 4;	/* the job table cannot be allocated */
	ck_assert_int_eq(sched_reload(W.s, bad, W.now), -1);
	ck_assert_ptr_eq(W.s->cfg, c);
	ck_assert_uint_eq(W.s->njobs, 1);
	ck_assert_uint_eq(sched_next_wakeup(W.s), wake);
	ck_assert_uint_eq(W.nfreed, 0);
	free(bad->jobs);
	free(bad);
}
END_TEST
#endif

/* ---- shutdown ----------------------------------------------------------- */

START_TEST(shutdown_stops_starting)
{
	struct config *c = cfg_new(2);
	struct config_job *j;

	j = cfg_job(c, "a", "* * * * *");
	pol(j)->overlap = CONFIG_OVERLAP_QUEUE;
	pol(j)->timeout_ms = 100000;
	j = cfg_job(c, "b", "* * * * *");
	pol(j)->retries = 1;
	pol(j)->retry_delay_ms = 100000;
	cfg_job(c, "c", "* * * * *");
	cfg_job(c, "d", "* * * * *");
	start(c, at(30000));
	advance_to(at(60000));		/* a, b run; c, d queue */
	advance_to(at(61000));
	finish("b", 1);			/* b waits for its retry; c starts */
	ck_assert_uint_eq(nspawned("c"), 1);
	advance_to(at(120000));		/* a: one slot waits */
	ck_assert_ptr_nonnull(job("a")->waiting);
	ck_assert_int_eq(W.s->queued, 1);

	advance_to(at(125000));
	sched_shutdown(W.s, W.now);
	ck_assert(W.s->stopping);
	ck_assert_int_eq(W.s->queued, 0);
	ck_assert_int_eq(W.s->running, 2);
	ck_assert_ptr_null(job("a")->waiting);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "b")->outcome, SCHED_OUTCOME_FAILED);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "d")->outcome, SCHED_OUTCOME_NONE);
	ck_assert_int_eq(last_ev(SCHED_EV_DONE, "a")->outcome, SCHED_OUTCOME_NONE);
	ck_assert_int_eq(sched_job_state(job("b")), SCHED_STATE_IDLE);
	ck_assert_int_eq(sched_job_next_real_ms(W.s, job("a"), W.now), -1);

	advance_to(at(160000));		/* a's timeout still works */
	ck_assert_uint_eq(W.nsigs, 1);
	ck_assert_int_eq(W.sigs[0].signo, SIGTERM);
	sched_signal_all(W.s, SIGKILL);
	ck_assert_uint_eq(W.nsigs, 3);
	ck_assert_int_eq(W.sigs[1].signo, SIGKILL);
	ck_assert_int_eq(W.sigs[2].signo, SIGKILL);
	ck_assert_uint_eq(nev(SCHED_EV_KILLED, NULL), 2);
	finish_run(running("c"), SCHED_EXIT_SIGNAL, SIGKILL);
	ck_assert_uint_eq(nev(SCHED_EV_RETRY, "c"), 0);
	finish_run(running("a"), SCHED_EXIT_SIGNAL, SIGKILL);
	ck_assert_int_eq(W.s->running, 0);
	advance_to(at(86400000));
	ck_assert_uint_eq(W.nspawns, 3);
	ck_assert_uint_eq(W.nsigs, 3);		/* a's grace timer was dropped */
	ck_assert_uint_eq(sched_next_wakeup(W.s), WHEEL_NONE);
	check_invariants();
}
END_TEST

/* sched_free with runs in every state, a removed job and an old config
 * still alive: everything is freed (the ASan build checks), nothing is
 * reported. */
START_TEST(free_with_active_runs)
{
	struct config *c = cfg_new(2), *c2 = cfg_new(2);
	struct config_job *j;
	size_t nevs;

	pol(cfg_job(c, "a", "* * * * *"))->overlap = CONFIG_OVERLAP_QUEUE;
	j = cfg_job(c, "b", "* * * * *");
	pol(j)->retries = 1;
	pol(j)->retry_delay_ms = 100000;
	cfg_job(c, "c", "* * * * *");
	cfg_job(c, "d", "* * * * *");
	cfg_job(c, "e", "* * * * *");
	start(c, at(30000));
	advance_to(at(60000));
	advance_to(at(61000));
	finish("b", 1);
	advance_to(at(120000));
	pol(cfg_job(c2, "a", "* * * * *"))->overlap = CONFIG_OVERLAP_QUEUE;
	cfg_job(c2, "b", "* * * * *")->hash = 2;
	cfg_job(c2, "d", "* * * * *");
	cfg_job(c2, "e", "* * * * *");
	ck_assert_int_eq(sched_reload(W.s, c2, W.now), 0);
	ck_assert_ptr_nonnull(W.s->removed);		/* c runs on */
	ck_assert_ptr_nonnull(job("a")->waiting);
	ck_assert_int_eq(sched_job_state(job("b")), SCHED_STATE_RETRY_WAIT);
	ck_assert_int_eq(W.s->queued, 2);
	nevs = W.nevs;
	sched_free(W.s);
	W.s = NULL;
	ck_assert_uint_eq(W.nevs, nevs);
	ck_assert(was_freed(c));
	ck_assert(was_freed(c2));
}
END_TEST

/* ---- retry math --------------------------------------------------------- */

static const struct {
	int64_t delay_ms;
	double backoff;
	int64_t max_ms;
	int attempt;
	int64_t want_ms;
} retry_delays[] = {
	{ 30000, 2.0, 600000, 1, 30000 },
	{ 30000, 2.0, 600000, 2, 60000 },
	{ 30000, 2.0, 600000, 3, 120000 },
	{ 30000, 2.0, 600000, 5, 480000 },
	{ 30000, 2.0, 600000, 6, 600000 },	/* 960000 capped */
	{ 30000, 2.0, 600000, 1000000, 600000 },
	{ 30000, 1.0, 600000, 50, 30000 },
	{ 1000, 1.5, 3600000, 3, 2250 },
	{ 1000, 1.1, 3600000, 3, 1210 },
	{ 0, 2.0, 600000, 4, 0 },
	{ 30000, 2.0, 10000, 1, 10000 },	/* cap below the first delay */
	{ 30000, 2.0, 0, 2, 0 },
	{ 1000, 100.0, INT64_MAX, 40, 100LL * 366 * 24 * 3600 * 1000 },
	{ 500, 2.0, 3600000, 0, 500 },		/* attempt < 1 acts as 1 */
};

START_TEST(retry_delay_table)
{
	struct config_policy p;
	struct config_job cj;

	memset(&cj, 0, sizeof(cj));
	memset(&p, 0, sizeof(p));
	p.retry_delay_ms = retry_delays[_i].delay_ms;
	p.retry_backoff = retry_delays[_i].backoff;
	p.retry_max_delay_ms = retry_delays[_i].max_ms;
	cj.policy = &p;
	ck_assert_int_eq(sched_retry_delay_ms(&cj, retry_delays[_i].attempt),
	    retry_delays[_i].want_ms);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(sched_state_name(SCHED_STATE_IDLE), "idle");
	ck_assert_str_eq(sched_state_name(SCHED_STATE_RUNNING), "running");
	ck_assert_str_eq(sched_state_name(SCHED_STATE_RETRY_WAIT), "retry-wait");
	ck_assert_str_eq(sched_state_name(SCHED_STATE_QUEUED), "queued");
	ck_assert_str_eq(sched_state_name(SCHED_STATE_DISABLED), "disabled");
	ck_assert_str_eq(sched_outcome_name(SCHED_OUTCOME_SUCCESS), "success");
	ck_assert_str_eq(sched_outcome_name(SCHED_OUTCOME_FAILED), "failed");
	ck_assert_str_eq(sched_outcome_name(SCHED_OUTCOME_SIGNALED), "signaled");
	ck_assert_str_eq(sched_outcome_name(SCHED_OUTCOME_TIMEOUT), "timeout");
	ck_assert_str_eq(sched_outcome_name(SCHED_OUTCOME_SPAWN_ERROR), "spawn-error");
	ck_assert_str_eq(sched_outcome_name(SCHED_OUTCOME_INTERRUPTED), "interrupted");
}
END_TEST

Suite *
sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc;

	tc = tcase_create("slots");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, calendar_deadline_sub_ms);
	tcase_add_loop_test(tc, calendar_due_exactly, 0, sizeof(calendar) / sizeof(calendar[0]));
	tcase_add_test(tc, every_does_not_drift);
	tcase_add_test(tc, reboot_once);
	tcase_add_test(tc, disabled_never_runs);
	tcase_add_loop_test(tc, jitter_within_bounds, 0, sizeof(jitters) / sizeof(jitters[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, max_concurrent_fifo);
	tcase_add_test(tc, overlap_skip);
	tcase_add_test(tc, overlap_queue_one_waiting);
	tcase_add_test(tc, overlap_allow);
	tcase_add_test(tc, overlap_replace);
	tcase_add_loop_test(tc, timeout_then_sigkill, 0, sizeof(timeouts) / sizeof(timeouts[0]));
	tcase_add_test(tc, retries_backoff_and_cap);
	tcase_add_test(tc, retry_success_ends_run);
	tcase_add_test(tc, spawn_error_is_retried);
	tcase_add_test(tc, spawn_error_while_pumping);
	tcase_add_test(tc, spawn_error_of_waiting_slot);
	tcase_add_test(tc, shutdown_stops_starting);
	tcase_add_test(tc, free_with_active_runs);
	suite_add_tcase(s, tc);

	tc = tcase_create("clock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, clock_stepped_back, 0, 2);
	tcase_add_test(tc, clock_slewed_never_early);
	tcase_add_loop_test(tc, clock_jumped_forward, 0, sizeof(jumps) / sizeof(jumps[0]));
	tcase_add_loop_test(tc, late_slot_tolerance, 0, sizeof(lates) / sizeof(lates[0]));
	tcase_add_test(tc, fast_job_coalesces);
	tcase_add_test(tc, huge_jump_is_bounded);
	tcase_add_loop_test(tc, restore_last_slot, 0, sizeof(restores) / sizeof(restores[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("reload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reload_unchanged_keeps_everything);
	tcase_add_test(tc, reload_changed_running_keeps_old_settings);
	tcase_add_test(tc, reload_changed_schedule_no_slot_twice);
	tcase_add_test(tc, reload_storm_no_slot_twice);
	tcase_add_test(tc, reload_removed_job);
	tcase_add_test(tc, reload_removed_then_back);
	tcase_add_test(tc, reload_new_jobs);
	tcase_add_test(tc, reload_disable_enable);
	tcase_add_test(tc, reload_allow_to_queue);
	tcase_add_test(tc, reload_raises_max_concurrent);
#ifndef __SANITIZE_ADDRESS__
	tcase_add_test(tc, reload_out_of_memory);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("pure");
	tcase_add_loop_test(tc, retry_delay_table, 0,
	    sizeof(retry_delays) / sizeof(retry_delays[0]));
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}
