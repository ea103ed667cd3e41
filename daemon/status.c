/*
 * status: formats SPEC §6 lines (logfmt). Times are ISO 8601 in the job's
 * zone, or "-"; values that need it are quoted; env values never appear
 * because no job setting but the name is printed.
 */
#include "status.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "tz.h"

/* A logfmt value: bare when it has no blank, quote, '=' or control char. */
static void
sbuf_value(struct sbuf *b, const char *v)
{
	const char *c;
	bool bare = v[0] != '\0';

	for (c = v; *c != '\0'; c++)
		if (*c <= ' ' || *c == '"' || *c == '=' || *c == '\\' || *c == 0x7f)
			bare = false;
	if (bare) {
		sbuf_printf(b, "%s", v);
		return;
	}
	sbuf_printf(b, "\"");
	for (c = v; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			sbuf_printf(b, "\\%c", *c);
		else if ((unsigned char)*c < ' ' || *c == 0x7f)
			sbuf_printf(b, "\\x%02x", (unsigned char)*c);
		else
			sbuf_printf(b, "%c", *c);
	}
	sbuf_printf(b, "\"");
}

static void
sbuf_time(struct sbuf *b, const char *key, const struct tz *zone, int64_t real_ms)
{
	char iso[48];

	if (real_ms < 0) {
		sbuf_printf(b, " %s=-", key);
		return;
	}
	sbuf_printf(b, " %s=%s", key, tz_format_iso(zone, real_ms / 1000, iso, sizeof(iso)));
}

static pid_t
job_pid(const struct sched_job *job)
{
	const struct sched_run *r;

	for (r = job->runs; r != NULL; r = r->next_run)
		if (r->pid > 0)
			return r->pid;
	return 0;
}

void
status_summary(const struct sched *s, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "jobs=%zu running=%d queued=%d runs=%" PRIu64 " failures=%" PRIu64,
	    s->njobs, s->running, s->queued, s->total_runs, s->total_failures);
}

char *
status_render(const struct sched *s, const struct status_daemon *d, struct sched_now now,
    size_t *lenp)
{
	struct sbuf b;
	char summary[200];
	size_t i;

	sbuf_init(&b, 256 + s->njobs * 320);
	status_summary(s, summary, sizeof(summary));
	sbuf_printf(&b, "daemon version=%s pid=%ld uptime=%" PRId64 " config=", d->version,
	    (long)d->pid, (int64_t)((now.mono_ms - s->start_mono_ms) / 1000));
	sbuf_value(&b, d->config_path);
	sbuf_printf(&b, " %s lag_p50_ms=%.3f lag_p99_ms=%.3f lag_max_ms=%.3f\n", summary,
	    lagstat_percentile(&s->lag, 50) / 1000.0, lagstat_percentile(&s->lag, 99) / 1000.0,
	    s->lag.max_us / 1000.0);
	for (i = 0; i < s->njobs; i++) {
		const struct sched_job *job = s->jobs[i];
		const struct config_job *cj = job->cfg;
		pid_t pid = job_pid(job);

		sbuf_printf(&b, "job name=");
		sbuf_value(&b, cj->name);
		sbuf_printf(&b, " state=%s", sched_state_name(sched_job_state(job)));
		if (pid > 0)
			sbuf_printf(&b, " pid=%ld", (long)pid);
		else
			sbuf_printf(&b, " pid=-");
		sbuf_time(&b, "next", cj->zone, sched_job_next_real_ms(s, job, now));
		sbuf_time(&b, "last_start", cj->zone,
		    job->last_start_real_ms > 0 ? job->last_start_real_ms : -1);
		if (job->last_result == SCHED_OUTCOME_NONE)
			sbuf_printf(&b, " last_result=- last_exit=- last_duration=-");
		else
			sbuf_printf(&b, " last_result=%s last_exit=%d last_duration=%.3f",
			    sched_outcome_name(job->last_result), job->last_exit,
			    job->last_duration_ms / 1000.0);
		sbuf_printf(&b, " runs=%" PRIu64 " failures=%" PRIu64 " retries=%" PRIu64
		    " timeouts=%" PRIu64 " skipped=%" PRIu64 " missed=%" PRIu64 "\n",
		    job->n.runs, job->n.failures, job->n.retries, job->n.timeouts,
		    job->n.skipped, job->n.missed);
	}
	return sbuf_take(&b, lenp);
}
