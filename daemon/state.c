/*
 * state: the state file as an append-only journal with a checksum on every
 * line, compacted into a snapshot (temporary file, fsync, rename, fsync of
 * the directory) at start-up and whenever it grows. Each start, finish and
 * end of a run appends one line with a single write(2), so a SIGKILL keeps
 * everything written so far and a power loss can only tear the last line,
 * which the checksum rejects. A file that is not ours, or damaged before its
 * last line, is renamed aside and schedd starts with an empty state.
 *
 * Lines ("#XXXXXXXX" is FNV-1a 32 of the text before it):
 *   schedd-state 1                         first line
 *   J NAME LAST_SLOT #..                   snapshot: last slot started
 *   A NAME SLOT RUN ATTEMPT DONE PID #..    snapshot: run still active
 *   S NAME SLOT RUN ATTEMPT PID #..         attempt started
 *   F NAME SLOT RUN ATTEMPT OUTCOME #..     attempt finished
 *   D NAME SLOT RUN #..                     run over (all attempts)
 * An active run whose last attempt started but never finished was
 * interrupted (SPEC §4) and follows the retry policy at the next start;
 * if its process group outlived schedd, it is killed first, so that the
 * retry does not overlap it (the group is recognised by the job's own
 * SCHEDD_JOB and SCHEDD_SCHEDULED in /proc/PID/environ, not by pid alone).
 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "sbuf.h"

#define STATE_MAGIC "schedd-state 1"
/* Compact when the journal holds this many lines beyond the snapshot. */
#define STATE_COMPACT_MIN 4096

struct state_run {
	uint64_t	run_id;
	int64_t		slot_s;
	int		attempt;	/* last attempt started */
	bool		finished;	/* that attempt finished */
	long		pid;		/* its process (group), 0 if unknown */
};

struct state_job {
	char		*name;
	int64_t		 last_slot_s;
	struct state_run *runs;
	size_t		 nruns, caprun;
};

struct state {
	char		*path;
	int		 fd;		/* journal, O_APPEND; -1 when unusable */
	struct state_job *jobs;		/* while loading; freed by state_apply */
	size_t		 njobs, capjobs;
	size_t		 lines;		/* journal lines since the snapshot */
	struct sched	*sched;		/* set by state_apply, for compaction */
};

static uint32_t
state_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 16777619u;
	}
	return h;
}

/* Appends " #XXXXXXXX\n" to the line in buf (of length len). */
static size_t
state_seal(char *buf, size_t len, size_t cap)
{
	int n = snprintf(buf + len, cap - len, " #%08" PRIx32 "\n", state_hash(buf, len));

	return n < 0 || (size_t)n >= cap - len ? 0 : len + (size_t)n;
}

static struct state_job *
state_job_get(struct state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->njobs; i++)
		if (strcmp(st->jobs[i].name, name) == 0)
			return &st->jobs[i];
	if (st->njobs == st->capjobs) {
		size_t ncap = st->capjobs ? st->capjobs * 2 : 16;
		struct state_job *nj = realloc(st->jobs, ncap * sizeof(*nj));
		if (nj == NULL)
			return NULL;
		st->jobs = nj;
		st->capjobs = ncap;
	}
	memset(&st->jobs[st->njobs], 0, sizeof(st->jobs[0]));
	st->jobs[st->njobs].name = strdup(name);
	if (st->jobs[st->njobs].name == NULL)
		return NULL;
	st->jobs[st->njobs].last_slot_s = INT64_MIN;
	return &st->jobs[st->njobs++];
}

static struct state_run *
state_run_get(struct state_job *sj, uint64_t run_id, bool create)
{
	size_t i;

	for (i = 0; i < sj->nruns; i++)
		if (sj->runs[i].run_id == run_id)
			return &sj->runs[i];
	if (!create)
		return NULL;
	if (sj->nruns == sj->caprun) {
		size_t ncap = sj->caprun ? sj->caprun * 2 : 4;
		struct state_run *nr = realloc(sj->runs, ncap * sizeof(*nr));
		if (nr == NULL)
			return NULL;
		sj->runs = nr;
		sj->caprun = ncap;
	}
	memset(&sj->runs[sj->nruns], 0, sizeof(sj->runs[0]));
	sj->runs[sj->nruns].run_id = run_id;
	return &sj->runs[sj->nruns++];
}

/* Applies one verified record; -1 when it does not parse. */
static int
state_record(struct state *st, char *line)
{
	char kind, name[128], outcome[32];
	long long slot, attempt, done, pid;
	unsigned long long run;
	struct state_job *sj;
	struct state_run *sr;

	if (sscanf(line, "%c %127s", &kind, name) != 2)
		return -1;
	sj = state_job_get(st, name);
	if (sj == NULL)
		return -1;
	switch (kind) {
	case 'J':
		if (sscanf(line, "J %*s %lld", &slot) != 1)
			return -1;
		sj->last_slot_s = slot;
		return 0;
	case 'A':
		pid = 0;
		if (sscanf(line, "A %*s %lld %llu %lld %lld %lld", &slot, &run, &attempt, &done,
		    &pid) < 4)
			return -1;
		if ((sr = state_run_get(sj, run, true)) == NULL)
			return -1;
		sr->slot_s = slot;
		sr->attempt = (int)attempt;
		sr->finished = done != 0;
		sr->pid = (long)pid;
		return 0;
	case 'S':
		pid = 0;
		if (sscanf(line, "S %*s %lld %llu %lld %lld", &slot, &run, &attempt, &pid) < 3)
			return -1;
		if ((sr = state_run_get(sj, run, true)) == NULL)
			return -1;
		sr->slot_s = slot;
		sr->attempt = (int)attempt;
		sr->finished = false;
		sr->pid = (long)pid;
		if (slot > sj->last_slot_s)
			sj->last_slot_s = slot;
		return 0;
	case 'F':
		if (sscanf(line, "F %*s %lld %llu %lld %31s", &slot, &run, &attempt, outcome) != 4)
			return -1;
		if ((sr = state_run_get(sj, run, false)) != NULL && sr->attempt == attempt)
			sr->finished = true;
		return 0;
	case 'D':
		if (sscanf(line, "D %*s %lld %llu", &slot, &run) != 2)
			return -1;
		if ((sr = state_run_get(sj, run, false)) != NULL)
			*sr = sj->runs[--sj->nruns];
		return 0;
	default:
		return -1;
	}
}

static void
state_forget(struct state *st)
{
	size_t i;

	for (i = 0; i < st->njobs; i++) {
		free(st->jobs[i].name);
		free(st->jobs[i].runs);
	}
	free(st->jobs);
	st->jobs = NULL;
	st->njobs = st->capjobs = 0;
}

/* Moves a damaged or foreign file aside so that nothing is lost. */
static void
state_set_aside(struct state *st, const char *why)
{
	char aside[4200];

	snprintf(aside, sizeof(aside), "%s.bad-%lld", st->path, (long long)time(NULL));
	if (rename(st->path, aside) == -1)
		log_warn("state file %s: %s; cannot set it aside", st->path, why);
	else
		log_warnx("state file %s: %s; moved to %s, starting with no state", st->path,
		    why, aside);
	state_forget(st);
}

/* Reads the journal. A torn last line is expected after a crash and
 * skipped; anything else wrong sets the file aside. */
static void
state_read(struct state *st)
{
	FILE *fp = fopen(st->path, "re");
	char *line = NULL, *mark;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	bool bad_pending = false;

	if (fp == NULL) {
		if (errno != ENOENT)
			log_warn("state file %s", st->path);
		return;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (bad_pending) {
			fclose(fp);
			free(line);
			state_set_aside(st, "damaged before its last line");
			return;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0) {
				fclose(fp);
				free(line);
				state_set_aside(st, "not a schedd state file");
				return;
			}
			continue;
		}
		mark = strrchr(line, '#');
		if (mark == NULL || mark == line || mark[-1] != ' ' || strlen(mark + 1) != 8 ||
		    strtoul(mark + 1, NULL, 16) != state_hash(line, (size_t)(mark - 1 - line))) {
			bad_pending = true;	/* fine if it is the torn last line */
			continue;
		}
		mark[-1] = '\0';
		if (state_record(st, line) == -1)
			bad_pending = true;
		st->lines++;
	}
	if (ferror(fp))
		log_warn("state file %s", st->path);
	if (bad_pending)
		log_info("state file %s: ignoring a torn last line", st->path);
	fclose(fp);
	free(line);
}

static int
state_open_journal(struct state *st)
{
	if (st->fd != -1)
		close(st->fd);
	st->fd = open(st->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (st->fd == -1)
		log_warn("state file %s: cannot open for appending", st->path);
	return st->fd == -1 ? -1 : 0;
}

struct state *
state_open(const char *path)
{
	struct state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->fd = -1;
	st->path = strdup(path);
	if (st->path == NULL) {
		free(st);
		return NULL;
	}
	if (fs_mkdir_parent(path, 0755) == -1)
		log_warn("state file %s: cannot create its directory", path);
	state_read(st);
	return st;
}

/* Appends one sealed line to a snapshot. */
static void
state_buf_line(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
state_buf_line(struct sbuf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;
	size_t len;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 16, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 16)
		return;
	len = state_seal(line, (size_t)n, sizeof(line));
	sbuf_append(b, line, len);
}

/* Rewrites the file from the scheduler's current state. */
static void
state_compact(struct state *st)
{
	const struct sched *s = st->sched;
	struct sbuf b;
	size_t i, len;
	char *text;

	sbuf_init(&b, 64 + s->njobs * 64);
	sbuf_append(&b, STATE_MAGIC "\n", sizeof(STATE_MAGIC));
	for (i = 0; i < s->njobs; i++) {
		const struct sched_job *job = s->jobs[i];
		const struct sched_run *r;

		if (job->last_scheduled_s > 0)
			state_buf_line(&b, "J %s %lld", job->cfg->name,
			    (long long)job->last_scheduled_s);
		for (r = job->runs; r != NULL; r = r->next_run)
			if (r->started_mono_ms != 0 || r->attempt > 1)
				state_buf_line(&b, "A %s %lld %llu %d %d %ld", job->cfg->name,
				    (long long)r->scheduled_s, (unsigned long long)r->run_id,
				    r->attempt, r->pid == 0, (long)r->pid);
	}
	if ((text = sbuf_take(&b, &len)) == NULL)
		log_warnx("state file %s: out of memory compacting", st->path);
	else if (fs_write_atomic(st->path, text, len, 0644, true) == -1)
		log_warn("state file %s: cannot write", st->path);
	else {
		st->lines = 0;
		state_open_journal(st);
	}
	free(text);
}

/* True when /proc/PID/environ holds the NUL-terminated entry WANT. */
static bool
state_environ_has(long pid, const char *want)
{
	char path[64], buf[8192];
	size_t len = strlen(want) + 1, n, used = 0;
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	if ((fp = fopen(path, "re")) == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (used < n && !found) {
		found = strncmp(buf + used, want, len) == 0;
		used += strlen(buf + used) + 1;
	}
	return found;
}

/* Kills what is left of an interrupted attempt, if it is still there. */
static void
state_kill_leftover(const char *job, const struct state_run *sr)
{
	char want_job[160], want_slot[64];

	if (sr->pid <= 1 || kill(-(pid_t)sr->pid, 0) == -1)
		return;
	snprintf(want_job, sizeof(want_job), "SCHEDD_JOB=%s", job);
	snprintf(want_slot, sizeof(want_slot), "SCHEDD_SCHEDULED=%lld", (long long)sr->slot_s);
	if (!state_environ_has(sr->pid, want_job) || !state_environ_has(sr->pid, want_slot))
		return;
	log_job(LOG_LEVEL_WARNING, job, 0,
	    "the interrupted attempt (process group %ld) outlived schedd: killing it", sr->pid);
	kill(-(pid_t)sr->pid, SIGKILL);
}

void
state_apply(struct state *st, struct sched *s, struct sched_now now)
{
	size_t i, k;

	st->sched = s;
	for (i = 0; i < st->njobs; i++) {
		struct state_job *sj = &st->jobs[i];
		struct sched_job *job = sched_find_job(s, sj->name);

		if (job == NULL)
			continue;
		for (k = 0; k < sj->nruns; k++) {
			struct state_run *sr = &sj->runs[k];
			/* Started and never finished: schedd was killed while it ran. */
			if (!sr->finished)
				state_kill_leftover(sj->name, sr);
			sched_job_resume(s, job, sr->slot_s, sr->attempt, !sr->finished, now);
		}
		if (sj->last_slot_s != INT64_MIN)
			sched_job_restore(s, job, sj->last_slot_s, now);
	}
	state_forget(st);
	state_compact(st);
}

void
state_on_event(struct state *st, const struct sched_event *ev)
{
	const struct sched_run *r = ev->run;
	char line[512];
	int n;
	size_t len;

	if (r == NULL || st->sched == NULL)
		return;
	switch (ev->kind) {
	case SCHED_EV_STARTED:
		n = snprintf(line, sizeof(line) - 16, "S %s %lld %llu %d %ld", r->cfg->name,
		    (long long)r->scheduled_s, (unsigned long long)r->run_id, r->attempt,
		    (long)r->pid);
		break;
	case SCHED_EV_FINISHED:
		n = snprintf(line, sizeof(line) - 16, "F %s %lld %llu %d %s", r->cfg->name,
		    (long long)r->scheduled_s, (unsigned long long)r->run_id, r->attempt,
		    sched_outcome_name(ev->outcome));
		break;
	case SCHED_EV_DONE:
		n = snprintf(line, sizeof(line) - 16, "D %s %lld %llu", r->cfg->name,
		    (long long)r->scheduled_s, (unsigned long long)r->run_id);
		break;
	default:
		return;
	}
	if (n < 0 || (size_t)n >= sizeof(line) - 16)
		return;
	len = state_seal(line, (size_t)n, sizeof(line));
	if (st->fd != -1 && fs_write_all(st->fd, line, len) == -1) {
		log_warn("state file %s: cannot append", st->path);
		close(st->fd);
		st->fd = -1;
	}
	if (++st->lines > STATE_COMPACT_MIN + 4 * st->sched->njobs || st->fd == -1)
		state_compact(st);
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	if (st->sched != NULL)
		state_compact(st);
	if (st->fd != -1)
		close(st->fd);
	state_forget(st);
	free(st->path);
	free(st);
}
