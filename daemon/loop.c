/*
 * loop: libevent glue around the pure scheduler. Every callback reads the
 * clocks once, lets sched run what is due, and re-arms the single wheel
 * timer: libevent 2.1 has no prepare watchers, so re-arming after each
 * callback that touched the wheel is how the loop sleeps exactly until the
 * next deadline. Calendar deadlines are wall-clock instants; a timerfd on
 * CLOCK_REALTIME with TFD_TIMER_CANCEL_ON_SET wakes the loop at once when
 * the clock is stepped or the machine resumes, and the realtime/monotonic
 * offset is compared at every wake-up to re-map calendar deadlines.
 */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "fsutil.h"
#include "log.h"
#include "notify.h"
#include "run.h"
#include "sched.h"
#include "state.h"
#include "status.h"
#include "values.h"

/* An offset change (real - mono) larger than this is a clock step or a
 * suspend, not slewing. */
#define LOOP_CLOCK_STEP_MS 50
/* After SIGKILL at the end of shutdown_grace, how long to wait for the
 * processes to be reaped before exiting anyway. */
#define LOOP_KILL_WAIT_MS 5000

struct loop {
	struct event_base *base;
	struct event	*ev_timer;	/* the wheel's next expiry */
	struct event	*ev_clock;	/* realtime timerfd: clock steps */
	struct event	*ev_sig[5];
	int		 clock_fd;
	struct sched	*sched;
	struct runner	*runner;
	struct state	*state;
	const char	*config_path;
	struct config_env env;
	int64_t		 offset_ms;	/* real - mono at the last wake-up */
	struct wheel_timer watchdog;	/* lives in the scheduler's wheel */
	uint64_t	 watchdog_ms;
	struct wheel_timer stop_timer;	/* shutdown grace, then kill wait */
	int		 stop_phase;	/* 0 running, 1 grace, 2 killed */
	uint64_t	 status_mono_ms;	/* last STATUS= computed */
	uint64_t	 rng;
};

static struct sched_now
loop_now(void)
{
	struct timespec rt, mt;
	struct sched_now now;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	now.real_ms = (int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
	now.real_sub_us = (int32_t)(rt.tv_nsec / 1000 % 1000);
	now.mono_sub_us = (int32_t)(mt.tv_nsec / 1000 % 1000);
	now.mono_ms = (uint64_t)mt.tv_sec * 1000 + (uint64_t)mt.tv_nsec / 1000000;
	return now;
}

/* Arms the realtime timerfd far ahead; we only want its cancellation. */
static void
loop_clock_arm(struct loop *l)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	clock_gettime(CLOCK_REALTIME, &its.it_value);
	its.it_value.tv_sec += 365 * 24 * 3600;
	if (timerfd_settime(l->clock_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
	    &its, NULL) == -1)
		log_warn("timerfd_settime");
}

static void loop_rearm(struct loop *l, struct sched_now now);

/*
 * STATUS= for systemd: jobs, running, queued and the next run due. Finding
 * the next run scans every job, so it is done at most once a second, and
 * only on wake-ups that happen anyway.
 */
static void
loop_status_text(struct loop *l, struct sched_now now, bool force)
{
	char summary[160], buf[320], iso[48];
	const struct sched_job *first = NULL;
	int64_t first_ms = -1;
	size_t i;

	if (!notify_enabled())
		return;
	if (!force && now.mono_ms < l->status_mono_ms + 1000)
		return;
	l->status_mono_ms = now.mono_ms;
	for (i = 0; i < l->sched->njobs; i++) {
		int64_t ms = sched_job_next_real_ms(l->sched, l->sched->jobs[i], now);
		if (ms >= 0 && (first_ms < 0 || ms < first_ms)) {
			first_ms = ms;
			first = l->sched->jobs[i];
		}
	}
	status_summary(l->sched, summary, sizeof(summary));
	if (first != NULL)
		snprintf(buf, sizeof(buf), "%s next=%s@%s", summary, first->cfg->name,
		    tz_format_iso(first->cfg->zone, first_ms / 1000, iso, sizeof(iso)));
	else
		snprintf(buf, sizeof(buf), "%s next=-", summary);
	notify_status(buf);
}

/* Common work of every wake-up: notice clock changes, run what is due. */
static void
loop_tick(struct loop *l)
{
	struct sched_now now = loop_now();
	int64_t offset = now.real_ms - (int64_t)now.mono_ms;
	int64_t moved = offset - l->offset_ms;

	if (moved > LOOP_CLOCK_STEP_MS || moved < -LOOP_CLOCK_STEP_MS) {
		log_info("wall clock moved by %+lld ms against the monotonic clock; "
		    "re-mapping calendar deadlines", (long long)moved);
		l->offset_ms = offset;
		sched_clock_changed(l->sched, now);
	}
	sched_advance(l->sched, now);
	loop_rearm(l, now);
	loop_status_text(l, now, false);
}

static void
loop_rearm(struct loop *l, struct sched_now now)
{
	uint64_t next = sched_next_wakeup(l->sched);
	struct timeval tv;

	if (next == WHEEL_NONE) {
		evtimer_del(l->ev_timer);
		return;
	}
	/* Sleep until the deadline's millisecond begins, to the microsecond:
	 * the timer never fires early and adds no rounding of its own. */
	uint64_t now_us = now.mono_ms * 1000 + (uint64_t)now.mono_sub_us;
	uint64_t wait_us = next * 1000 > now_us ? next * 1000 - now_us : 0;
	tv.tv_sec = (time_t)(wait_us / 1000000);
	tv.tv_usec = (suseconds_t)(wait_us % 1000000);
	evtimer_add(l->ev_timer, &tv);
}

static void
loop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	loop_tick(arg);
}

static void
loop_clock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct loop *l = arg;
	uint64_t expirations;
	ssize_t n;

	(void)what;
	n = read(fd, &expirations, sizeof(expirations));
	if (n == -1 && errno == ECANCELED)
		log_debug("clock change signalled by the kernel");
	loop_clock_arm(l);
	loop_tick(l);
}

static void
loop_watchdog_cb(struct wheel_timer *t, void *arg)
{
	struct loop *l = (struct loop *)((char *)t - offsetof(struct loop, watchdog));

	(void)arg;
	notify_watchdog();
	wheel_add(&l->sched->wheel, &l->watchdog, t->expires_ms + l->watchdog_ms);
}

static void
loop_finish_if_idle(struct loop *l)
{
	if (l->stop_phase > 0 && runner_active(l->runner) == 0)
		event_base_loopbreak(l->base);
}

static void
loop_stop_cb(struct wheel_timer *t, void *arg)
{
	struct loop *l = (struct loop *)((char *)t - offsetof(struct loop, stop_timer));

	(void)arg;
	if (l->stop_phase == 1) {
		log_warnx("shutdown grace over: killing %d running job(s)",
		    runner_active(l->runner));
		sched_signal_all(l->sched, SIGKILL);
		runner_kill_leftovers(l->runner);
		l->stop_phase = 2;
		wheel_add(&l->sched->wheel, &l->stop_timer, t->expires_ms + LOOP_KILL_WAIT_MS);
		return;
	}
	log_warnx("jobs still not reaped after SIGKILL; exiting");
	event_base_loopbreak(l->base);
}

static void
loop_shutdown(struct loop *l, const char *why)
{
	struct sched_now now = loop_now();
	char grace[32];

	if (l->stop_phase > 0)
		return;
	notify_stopping();
	value_format_duration(l->sched->cfg->shutdown_grace_ms, grace, sizeof(grace));
	log_info("%s: stopping; %d job(s) running, waiting up to %s", why,
	    runner_active(l->runner), grace);
	l->stop_phase = 1;
	sched_shutdown(l->sched, now);
	wheel_add(&l->sched->wheel, &l->stop_timer,
	    now.mono_ms + (uint64_t)l->sched->cfg->shutdown_grace_ms);
	loop_finish_if_idle(l);
	loop_rearm(l, now);
}

static void
loop_dump_status(struct loop *l)
{
	struct status_daemon d = { SCHEDD_VERSION, getpid(), l->config_path };
	struct sched_now now = loop_now();
	const char *path = l->sched->cfg->status_file;
	char summary[200];
	size_t len;
	char *text = status_render(l->sched, &d, now, &len);

	if (text == NULL) {
		log_warnx("status dump: out of memory");
		return;
	}
	if (fs_mkdir_parent(path, 0755) == -1 ||
	    fs_write_atomic(path, text, len, 0644, false) == -1)
		log_warn("status dump: cannot write %s", path);
	else {
		status_summary(l->sched, summary, sizeof(summary));
		log_info("status written to %s: %s", path, summary);
	}
	free(text);
}

static void
loop_reload(struct loop *l)
{
	struct config_errors errs = { NULL, 0, 0 };
	struct config *cfg;
	struct sched_now now;
	size_t i;

	if (l->stop_phase > 0)
		return;
	notify_reloading();
	log_info("SIGHUP: reloading %s", l->config_path);
	cfg = config_load(l->config_path, &l->env, &errs);
	if (cfg == NULL) {
		for (i = 0; i < errs.n; i++)
			log_warnx("%s", errs.msgs[i]);
		log_warnx("reload rejected: %zu error(s); the running configuration stays",
		    errs.n);
		config_errors_free(&errs);
		notify_ready();
		return;
	}
	config_errors_free(&errs);
	now = loop_now();
	if (sched_reload(l->sched, cfg, now) == -1) {
		log_warnx("reload failed: out of memory; the running configuration stays");
		config_free(cfg);
	} else {
		log_set_level((enum log_level)l->sched->cfg->log_level);
		log_info("reloaded: %zu job(s)", l->sched->njobs);
	}
	notify_ready();
	loop_rearm(l, now);
	loop_status_text(l, now, true);
}

static void
loop_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct loop *l = arg;

	(void)what;
	switch (sig) {
	case SIGTERM:
		loop_shutdown(l, "SIGTERM");
		break;
	case SIGINT:
		loop_shutdown(l, "SIGINT");
		break;
	case SIGHUP:
		loop_reload(l);
		break;
	case SIGUSR1:
		loop_dump_status(l);
		break;
	default:
		break;
	}
	loop_tick(l);
}

/* sched_ops: how the pure scheduler acts on the world. */

static int
ops_spawn(void *ctx, struct sched_run *run)
{
	struct loop *l = ctx;

	if (runner_spawn(l->runner, run) == -1) {
		int saved = errno;
		log_job(LOG_LEVEL_ERROR, run->cfg->name, run->run_id,
		    "cannot start attempt %d: %s", run->attempt, strerror(saved));
		errno = saved;
		return -1;
	}
	return 0;
}

static void
ops_signal(void *ctx, struct sched_run *run, int signo)
{
	struct loop *l = ctx;

	runner_signal(l->runner, run, signo);
}

static uint64_t
ops_random(void *ctx, uint64_t bound)
{
	struct loop *l = ctx;
	uint64_t x = l->rng;

	/* xorshift64*: jitter needs spread, not secrecy. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	l->rng = x;
	return bound <= 1 ? 0 : (x * 0x2545F4914F6CDD1DULL) % bound;
}

static const char *
signame(int signo, char *buf, size_t len)
{
	const char *n = value_signal_name(signo);

	if (n != NULL)
		snprintf(buf, len, "SIG%s", n);
	else
		snprintf(buf, len, "signal %d", signo);
	return buf;
}

static void
ops_event(void *ctx, const struct sched_event *ev)
{
	struct loop *l = ctx;
	const struct sched_run *r = ev->run;
	const struct config_job *cj = r != NULL ? r->cfg : ev->job->cfg;
	const char *name = cj->name;
	uint64_t id = r != NULL ? r->run_id : 0;
	char a[48], b[48];

	switch (ev->kind) {
	case SCHED_EV_STARTED:
		log_job(LOG_LEVEL_INFO, name, id, "started run %llu attempt %d pid %ld",
		    (unsigned long long)id, r->attempt, (long)r->pid);
		break;
	case SCHED_EV_FINISHED:
		switch (ev->outcome) {
		case SCHED_OUTCOME_SUCCESS:
		case SCHED_OUTCOME_FAILED:
			snprintf(a, sizeof(a), "exit %d", ev->status);
			break;
		case SCHED_OUTCOME_SPAWN_ERROR:
			snprintf(a, sizeof(a), "%s", strerror(ev->status));
			break;
		default:
			snprintf(a, sizeof(a), "%s", ev->status > 0 ?
			    signame(ev->status, b, sizeof(b)) : "-");
			break;
		}
		log_job(ev->outcome == SCHED_OUTCOME_SUCCESS ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING,
		    name, id, "finished run %llu attempt %d: %s (%s) after %lld.%03llds",
		    (unsigned long long)id, r->attempt, sched_outcome_name(ev->outcome), a,
		    (long long)(ev->duration_ms / 1000), (long long)(ev->duration_ms % 1000));
		break;
	case SCHED_EV_RETRY:
		log_job(LOG_LEVEL_INFO, name, id, "run %llu: retry in %s (attempt %d of %d)",
		    (unsigned long long)id, value_format_duration(ev->delay_ms, a, sizeof(a)),
		    r->attempt + 1, cj->policy->retries + 1);
		break;
	case SCHED_EV_SKIPPED:
		log_job(LOG_LEVEL_WARNING, name, 0,
		    "skipped the run due %s: the previous run is still active (overlap=%s)",
		    tz_format_iso(cj->zone, ev->scheduled_s, a, sizeof(a)),
		    config_overlap_name(cj->policy->overlap));
		break;
	case SCHED_EV_QUEUED:
		log_job(LOG_LEVEL_INFO, name, id, "run %llu queued (%s)", (unsigned long long)id,
		    ev->job->nruns > 1 ? "overlap" : "max_concurrent reached");
		break;
	case SCHED_EV_TIMEOUT:
		log_job(LOG_LEVEL_WARNING, name, id, "run %llu timed out after %s: sending %s",
		    (unsigned long long)id,
		    value_format_duration(cj->policy->timeout_ms, a, sizeof(a)),
		    signame(cj->policy->kill_signal, b, sizeof(b)));
		break;
	case SCHED_EV_KILLED:
		log_job(LOG_LEVEL_WARNING, name, id, "run %llu: sending SIGKILL", (unsigned long long)id);
		break;
	case SCHED_EV_REPLACED:
		log_job(LOG_LEVEL_INFO, name, id, "run %llu replaced by a new run: sending %s",
		    (unsigned long long)id,
		    signame(cj->policy->kill_signal, b, sizeof(b)));
		break;
	case SCHED_EV_MISSED:
		log_job(LOG_LEVEL_WARNING, name, 0, "missed %llu run(s), the last due %s%s",
		    (unsigned long long)ev->count,
		    tz_format_iso(cj->zone, ev->scheduled_s, a, sizeof(a)),
		    ev->catchup ? "; catchup: running it once now" : "");
		break;
	case SCHED_EV_DONE:
		break;
	}
	if (l->state != NULL)
		state_on_event(l->state, ev);
	if (ev->kind == SCHED_EV_FINISHED || ev->kind == SCHED_EV_DONE)
		loop_finish_if_idle(l);
}

static void
runner_done_hook(void *arg, struct sched_run *run, enum sched_exit_kind kind, int status)
{
	struct loop *l = arg;

	sched_attempt_done(l->sched, run, kind, status, loop_now());
	loop_finish_if_idle(l);
	loop_rearm(l, loop_now());
}

static const struct sched_ops loop_ops = {
	.spawn = ops_spawn,
	.signal = ops_signal,
	.event = ops_event,
	.random = ops_random,
};

static const struct runner_hooks loop_hooks = {
	.done = runner_done_hook,
};

int
loop_run(struct loop_params *p)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct event_config *ecfg = NULL;
	struct loop l;
	struct sched_now now;
	sigset_t early;
	size_t i;
	int rc = 3, n;

	memset(&l, 0, sizeof(l));
	l.clock_fd = -1;
	l.config_path = p->config_path;
	l.env = p->env;
	if (getrandom(&l.rng, sizeof(l.rng), GRND_NONBLOCK) != (ssize_t)sizeof(l.rng))
		l.rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15ULL;
	l.rng |= 1;
	signal(SIGPIPE, SIG_IGN);

	ecfg = event_config_new();
	if (ecfg == NULL)
		goto out;
	event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	l.base = event_base_new_with_config(ecfg);
	if (l.base == NULL) {
		log_warnx("cannot create the event loop");
		goto out;
	}
	l.runner = runner_create(l.base, &loop_hooks, &l);
	if (l.runner == NULL) {
		log_warn("cannot create the process runner");
		goto out;
	}
	log_info("schedd %s starting: %zu job(s) from %s", SCHEDD_VERSION, p->cfg->njobs,
	    l.config_path);
	l.state = state_open(p->cfg->state_file);
	now = loop_now();
	l.offset_ms = now.real_ms - (int64_t)now.mono_ms;
	l.sched = sched_create(p->cfg, &loop_ops, &l, now);
	if (l.sched == NULL) {
		log_warnx("out of memory creating the scheduler");
		goto out;
	}
	p->cfg = NULL;
	if (l.state != NULL)
		state_apply(l.state, l.sched, now);

	l.ev_timer = evtimer_new(l.base, loop_timer_cb, &l);
	l.clock_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l.ev_timer == NULL || l.clock_fd == -1) {
		log_warn("cannot create timers");
		goto out;
	}
	loop_clock_arm(&l);
	l.ev_clock = event_new(l.base, l.clock_fd, EV_READ | EV_PERSIST, loop_clock_cb, &l);
	if (l.ev_clock == NULL || event_add(l.ev_clock, NULL) == -1)
		goto out;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		l.ev_sig[i] = evsignal_new(l.base, sigs[i], loop_signal_cb, &l);
		if (l.ev_sig[i] == NULL || event_add(l.ev_sig[i], NULL) == -1) {
			log_warnx("cannot install signal handlers");
			goto out;
		}
	}
	/* Signals that arrived while starting were blocked (cmd_daemon):
	 * they are delivered now, to the handlers above. */
	sigemptyset(&early);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&early, sigs[i]);
	sigprocmask(SIG_UNBLOCK, &early, NULL);
	wheel_timer_init(&l.watchdog, loop_watchdog_cb);
	wheel_timer_init(&l.stop_timer, loop_stop_cb);
	l.watchdog_ms = notify_watchdog_interval_ms();
	if (l.watchdog_ms > 0) {
		notify_watchdog();
		wheel_add(&l.sched->wheel, &l.watchdog, now.mono_ms + l.watchdog_ms);
	}

	loop_tick(&l);
	notify_ready();
	log_info("ready: %zu job(s) scheduled", l.sched->njobs);
	if (event_base_dispatch(l.base) == -1) {
		log_warnx("event loop failed");
		goto out;
	}
	/* What jobs left running in their process groups goes with schedd
	 * (a job that must outlive it starts a new session). */
	if ((n = runner_kill_leftovers(l.runner)) > 0)
		log_info("killed the background processes of %d finished job run(s)", n);
	log_info("stopped");
	rc = 0;
out:
	if (l.sched != NULL && l.stop_phase == 0 && rc != 0)
		sched_signal_all(l.sched, SIGKILL);
	if (l.state != NULL)
		state_close(l.state);
	for (i = 0; i < sizeof(l.ev_sig) / sizeof(l.ev_sig[0]); i++)
		if (l.ev_sig[i] != NULL)
			event_free(l.ev_sig[i]);
	if (l.ev_clock != NULL)
		event_free(l.ev_clock);
	if (l.ev_timer != NULL)
		event_free(l.ev_timer);
	if (l.clock_fd != -1)
		close(l.clock_fd);
	if (l.sched != NULL)
		sched_free(l.sched);
	if (p->cfg != NULL) {
		config_free(p->cfg);
		p->cfg = NULL;
	}
	if (l.runner != NULL)
		runner_free(l.runner);
	if (l.base != NULL)
		event_base_free(l.base);
	if (ecfg != NULL)
		event_config_free(ecfg);
	return rc;
}
