/*
 * Process tests of daemon/run.c (SPEC §4): real fork/exec of /bin/sh on a
 * real event_base per test. Each test runs the loop until what it waits
 * for has happened; a 10 s libevent timer fails it instead of hanging.
 * Jobs report what they see (environment, fds, signals) into output files.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "run.h"
#include "tests.h"

#define DEADLINE_S	10
#define MAX_DONE	256
#define MAX_EXECS	128	/* job_init calls per test */

struct done_rec {
	struct sched_run *run;
	enum sched_exit_kind kind;
	int		status;
	int		draining;	/* runner_draining() when reported */
	int		active;		/* runner_active() when reported */
	struct timespec	when;
};

static struct {
	struct event_base *base;
	struct runner	*r;
	struct event	*deadline, *tick;
	bool		 expired;
	int		 ndone;
	struct done_rec	 done[MAX_DONE];
	/* Optional: called from the done hook (re-entrancy tests). */
	void		(*on_done)(struct sched_run *run);
	char		 dir[64];
	char		*owned[16];	/* strings freed at teardown */
	int		 nowned;
	struct config_exec execs[MAX_EXECS];	/* one per job_init */
	int		 nexecs;
} H;

static void
hook_done(void *arg, struct sched_run *run, enum sched_exit_kind kind, int status)
{
	struct done_rec *d;

	ck_assert_ptr_eq(arg, &H);
	ck_assert_int_lt(H.ndone, MAX_DONE);
	ck_assert_int_eq(run->pid, 0);
	ck_assert_ptr_null(run->proc);
	d = &H.done[H.ndone++];
	d->run = run;
	d->kind = kind;
	d->status = status;
	d->draining = runner_draining(H.r);
	d->active = runner_active(H.r);
	clock_gettime(CLOCK_MONOTONIC, &d->when);
	if (H.on_done != NULL)
		H.on_done(run);
}

static const struct runner_hooks hooks = { .done = hook_done };

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	H.expired = true;
	event_base_loopbreak(H.base);
}

/* Wakes the loop now and then so that predicates on files and /proc are
 * checked again; the deadline bounds the whole wait. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
start_loop(void)
{
	struct timeval dl = { DEADLINE_S, 0 }, tk = { 0, 20000 };

	H.base = event_base_new();
	ck_assert_ptr_nonnull(H.base);
	H.r = runner_create(H.base, &hooks, &H);
	ck_assert_ptr_nonnull(H.r);
	H.deadline = evtimer_new(H.base, deadline_cb, NULL);
	H.tick = event_new(H.base, -1, EV_PERSIST, tick_cb, NULL);
	ck_assert_ptr_nonnull(H.deadline);
	ck_assert_ptr_nonnull(H.tick);
	ck_assert_int_eq(evtimer_add(H.deadline, &dl), 0);
	ck_assert_int_eq(evtimer_add(H.tick, &tk), 0);
}

static void
setup(void)
{
	memset(&H, 0, sizeof(H));
	strcpy(H.dir, "/tmp/check_run.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(H.dir));
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LEVEL_INFO);
	start_loop();
}

static void
rm_tree(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
teardown(void)
{
	runner_free(H.r);
	event_free(H.deadline);
	event_free(H.tick);
	event_base_free(H.base);
	rm_tree(H.dir);
	while (H.nowned > 0)
		free(H.owned[--H.nowned]);
}

/* Runs the loop until pred(arg) holds; fails the test at the deadline. */
static void
loop_until(bool (*pred)(void *), void *arg)
{
	while (!pred(arg)) {
		ck_assert_msg(!H.expired, "timed out after %d s", DEADLINE_S);
		ck_assert_int_ne(event_base_loop(H.base, EVLOOP_ONCE), -1);
	}
}

static bool
pred_ndone(void *arg)
{
	return H.ndone >= *(int *)arg;
}

static void
wait_done(int n)
{
	loop_until(pred_ndone, &n);
}

static bool
pred_no_draining(void *arg)
{
	(void)arg;
	return runner_draining(H.r) == 0;
}

/* The policy of job_init's jobs: only kill_grace matters to the runner. */
static const struct config_policy default_policy = {
	.kill_grace_ms = 10000,
	.kill_signal = SIGTERM,
};

/* A job of its own exec (see ex) as the daemon's user, home H.dir. */
static void
job_init(struct config_job *j, const char *name, const char *command)
{
	struct config_exec *x;

	ck_assert_int_lt(H.nexecs, MAX_EXECS);
	x = &H.execs[H.nexecs++];
	memset(j, 0, sizeof(*j));
	memset(x, 0, sizeof(*x));
	j->name = name;
	j->command = command;
	j->exec = x;
	j->policy = &default_policy;
	x->uid = geteuid();
	x->gid = getegid();
	x->home = H.dir;
	x->shell_user = "schedtest";
	x->umask = 022;
	x->nice = getpriority(PRIO_PROCESS, 0);
	x->output = CONFIG_OUTPUT_DISCARD;
	x->output_limit_bytes = 1ULL << 30;
}

/* The exec of a job of job_init's, to be set by the test. */
static struct config_exec *
ex(struct config_job *j)
{
	return (struct config_exec *)j->exec;
}

static void
run_init(struct sched_run *run, const struct config_job *cfg, uint64_t id)
{
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->run_id = id;
	run->attempt = 1;
	run->scheduled_s = 1700000000;
}

static char *
path_in(const char *name)
{
	char *p;

	ck_assert_int_gt(asprintf(&p, "%s/%s", H.dir, name), 0);
	return p;
}

static void
job_to_file(struct config_job *j, const char *file)
{
	char *path = path_in(file);

	ck_assert_int_lt(H.nowned, 16);
	H.owned[H.nowned++] = path;
	ex(j)->output = CONFIG_OUTPUT_FILE;
	ex(j)->output_path = path;
}

/* The whole file, NUL-terminated; *lenp gets its length. NULL if absent. */
static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Spawns one job and waits for its completion; returns its record. */
static struct done_rec *
run_job(struct sched_run *run)
{
	int before = H.ndone;

	ck_assert_int_eq(runner_spawn(H.r, run), 0);
	ck_assert_int_gt(run->pid, 0);
	ck_assert_ptr_nonnull(run->proc);
	wait_done(before + 1);
	ck_assert_ptr_eq(H.done[before].run, run);
	return &H.done[before];
}

/* --- outcomes ---------------------------------------------------------- */

static const struct {
	const char *command;
	const char *workdir;
	bool big_env;
	enum sched_exit_kind kind;
	int status;
} outcomes[] = {
	{ "exit 0", NULL, false, SCHED_EXIT_CODE, 0 },
	{ "exit 3", NULL, false, SCHED_EXIT_CODE, 3 },
	{ "exit 255", NULL, false, SCHED_EXIT_CODE, 255 },
	{ "kill -9 $$", NULL, false, SCHED_EXIT_SIGNAL, SIGKILL },
	{ "kill -TERM $$", NULL, false, SCHED_EXIT_SIGNAL, SIGTERM },
	/* The shell ran: its own failure is an exit status, not a spawn error. */
	{ "exec /nonexistent/prog", NULL, false, SCHED_EXIT_CODE, 127 },
	{ "true", "/nonexistent/dir", false, SCHED_EXIT_SPAWN_ERROR, ENOENT },
	{ "true", "/etc/passwd", false, SCHED_EXIT_SPAWN_ERROR, ENOTDIR },
	/* One string over MAX_ARG_STRLEN: execve itself fails. */
	{ "true", NULL, true, SCHED_EXIT_SPAWN_ERROR, E2BIG },
};

START_TEST(outcome_table)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	const char *env[1];
	char *big = NULL;

	job_init(&j, "outcome", outcomes[_i].command);
	ex(&j)->workdir = outcomes[_i].workdir;
	if (outcomes[_i].big_env) {
		big = malloc(300 * 1024);
		ck_assert_ptr_nonnull(big);
		memset(big, 'x', 300 * 1024 - 1);
		big[300 * 1024 - 1] = '\0';
		memcpy(big, "BIG=", 4);
		env[0] = big;
		j.env = env;
		j.nenv = 1;
	}
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, outcomes[_i].kind);
	ck_assert_int_eq(d->status, outcomes[_i].status);
	ck_assert_int_eq(d->active, 0);
	ck_assert_int_eq(runner_active(H.r), 0);
	ck_assert_int_eq(H.ndone, 1);
	free(big);
}
END_TEST

/* --- what the job sees ------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into lines, sorts them and joins them with '\n'. */
static char *
sorted_lines(char *text)
{
	char *lines[256], *save = NULL, *tok, *out;
	size_t n = 0, i, len = strlen(text) + 2;

	for (tok = strtok_r(text, "\n", &save); tok != NULL; tok = strtok_r(NULL, "\n", &save)) {
		ck_assert_uint_lt(n, 256);
		lines[n++] = tok;
	}
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	out = calloc(1, len);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	return out;
}

START_TEST(environment_exact)
{
	static const char *env[] = { "FOO=bar", "HOME=/override", "FOO=baz", "EMPTY=",
		"SCHEDD_JOB=renamed" };
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *out, *got;

	/* What schedd itself has must not leak into the job. */
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	setenv("WATCHDOG_USEC", "1000000", 1);
	setenv("JOURNAL_STREAM", "8:1234", 1);
	setenv("LANG", "C.UTF-8", 1);
	job_init(&j, "envjob", "tr '\\0' '\\n' < /proc/$$/environ");
	job_to_file(&j, "env.out");
	j.env = env;
	j.nenv = sizeof(env) / sizeof(env[0]);
	run_init(&run, &j, 42);
	run.attempt = 2;
	run.scheduled_s = 1767225600;
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_ptr_nonnull(out);
	got = sorted_lines(out);
	ck_assert_str_eq(got,
	    "EMPTY=\n"
	    "FOO=baz\n"
	    "HOME=/override\n"
	    "LOGNAME=schedtest\n"
	    "PATH=/usr/local/bin:/usr/bin:/bin\n"
	    "SCHEDD_ATTEMPT=2\n"
	    "SCHEDD_JOB=renamed\n"
	    "SCHEDD_RUN_ID=42\n"
	    "SCHEDD_SCHEDULED=1767225600\n"
	    "SHELL=/bin/sh\n"
	    "USER=schedtest\n");
	free(got);
	free(out);
}
END_TEST

START_TEST(environment_defaults_and_workdir)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *out, *want;

	job_init(&j, "homejob", "pwd; echo \"$HOME $USER $LOGNAME $SCHEDD_JOB $SCHEDD_ATTEMPT\"");
	job_to_file(&j, "home.out");
	run_init(&run, &j, 7);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_int_gt(asprintf(&want, "%s\n%s schedtest schedtest homejob 1\n", H.dir, H.dir),
	    0);
	ck_assert_str_eq(out, want);
	free(out);
	free(want);

	/* An explicit workdir wins over the home directory. */
	ex(&j)->workdir = "/";
	unlink(j.exec->output_path);
	d = run_job(&run);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_int_gt(asprintf(&want, "/\n%s schedtest schedtest homejob 1\n", H.dir), 0);
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
}
END_TEST

/*
 * Without a workdir the job starts in its user's home, or in "/" when that
 * does not exist or is not a directory (system users such as nobody have
 * /nonexistent); HOME stays what passwd says. A workdir that was asked for
 * and cannot be entered stays a spawn error.
 */
static const struct {
	const char *home;	/* NULL: the test directory */
	const char *workdir;
	enum sched_exit_kind kind;
	int status;
	const char *pwd;	/* NULL: the test directory */
} homes[] = {
	{ "/nonexistent-home", NULL, SCHED_EXIT_CODE, 0, "/" },
	{ "/etc/passwd", NULL, SCHED_EXIT_CODE, 0, "/" },
	{ "/etc/passwd/sub", NULL, SCHED_EXIT_CODE, 0, "/" },
	{ NULL, NULL, SCHED_EXIT_CODE, 0, NULL },
	{ "/nonexistent-home", "/tmp", SCHED_EXIT_CODE, 0, "/tmp" },
	{ "/nonexistent-home", "/nonexistent/dir", SCHED_EXIT_SPAWN_ERROR, ENOENT, NULL },
	{ NULL, "/etc/passwd", SCHED_EXIT_SPAWN_ERROR, ENOTDIR, NULL },
};

START_TEST(home_fallback)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	const char *home = homes[_i].home != NULL ? homes[_i].home : H.dir;
	char *out, *want;

	job_init(&j, "homeless", "pwd; echo \"$HOME\"");
	job_to_file(&j, "homeless.out");
	ex(&j)->home = home;
	ex(&j)->workdir = homes[_i].workdir;
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, homes[_i].kind);
	ck_assert_int_eq(d->status, homes[_i].status);
	out = slurp(j.exec->output_path, NULL);
	if (homes[_i].kind == SCHED_EXIT_SPAWN_ERROR) {
		ck_assert_msg(out == NULL || out[0] == '\0', "output %s", out);
	} else {
		ck_assert_int_gt(asprintf(&want, "%s\n%s\n",
		    homes[_i].pwd != NULL ? homes[_i].pwd : H.dir, home), 0);
		ck_assert_ptr_nonnull(out);
		ck_assert_str_eq(out, want);
		free(want);
	}
	free(out);
}
END_TEST

START_TEST(only_stdio_inherited)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	int extra[4], pfd[2], i;
	char *out, *p, *l0, *l1, *l2, *save = NULL;

	/* schedd may hold fds without close-on-exec (libraries): none leak. */
	extra[0] = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(extra[0], 0);
	ck_assert_int_eq(pipe(pfd), 0);
	extra[1] = dup2(2, 100);
	extra[2] = dup2(2, 1000);
	extra[3] = pfd[0];
	for (i = 0; i < 3; i++)
		ck_assert_int_ge(extra[i], 0);
	job_init(&j, "fdjob", "ls /proc/$$/fd; readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2");
	job_to_file(&j, "fd.out");
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(strncmp(out, "0\n1\n2\n", 6) == 0, "fds: %s", out);
	p = out + 6;
	l0 = strtok_r(p, "\n", &save);
	l1 = strtok_r(NULL, "\n", &save);
	l2 = strtok_r(NULL, "\n", &save);
	ck_assert_ptr_nonnull(l2);
	ck_assert_ptr_null(strtok_r(NULL, "\n", &save));
	ck_assert_str_eq(l0, "/dev/null");
	/* stdout and stderr: one and the same pipe. */
	ck_assert_msg(strncmp(l1, "pipe:[", 6) == 0, "fd 1: %s", l1);
	ck_assert_str_eq(l1, l2);
	free(out);
}
END_TEST

START_TEST(signals_reset)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	sigset_t block, cur;
	char *out;

	signal(SIGUSR1, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &block, NULL), 0);
	job_init(&j, "sigjob", "exec grep -E '^Sig(Blk|Ign)' /proc/self/status");
	job_to_file(&j, "sig.out");
	run_init(&run, &j, 1);
	ck_assert_int_eq(runner_spawn(H.r, &run), 0);
	/* The parent's own mask is back as it was. */
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	ck_assert(sigismember(&cur, SIGUSR2));
	ck_assert(sigismember(&cur, SIGTERM));
	ck_assert(!sigismember(&cur, SIGCHLD));
	ck_assert(!sigismember(&cur, SIGALRM));
	wait_done(1);
	d = &H.done[0];
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	free(out);
}
END_TEST

START_TEST(new_session)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *out, *want;
	pid_t pid;

	job_init(&j, "sessjob",
	    "read pid comm st ppid pgrp sid rest < /proc/$$/stat; echo $pid $ppid $pgrp $sid");
	job_to_file(&j, "sess.out");
	run_init(&run, &j, 1);
	ck_assert_int_eq(runner_spawn(H.r, &run), 0);
	pid = run.pid;
	wait_done(1);
	d = &H.done[0];
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	/* The shell is the process we forked, leader of its group and session. */
	ck_assert_int_gt(asprintf(&want, "%ld %ld %ld %ld\n", (long)pid, (long)getpid(),
	    (long)pid, (long)pid), 0);
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
}
END_TEST

static const struct {
	mode_t umask;
	int nice;
	const char *want;
} umask_nice[] = {
	{ 027, 7, "0027\n7\n" },
	{ 0, 19, "0000\n19\n" },
	{ 077, 0, "0077\n0\n" },
};

START_TEST(umask_and_nice)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *out;
	int own = getpriority(PRIO_PROCESS, 0);

	job_init(&j, "nicejob", "umask; nice");
	job_to_file(&j, "nice.out");
	ex(&j)->umask = umask_nice[_i].umask;
	ex(&j)->nice = umask_nice[_i].nice;
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, umask_nice[_i].want);
	free(out);
	/* The daemon's own settings are untouched. */
	ck_assert_int_eq(getpriority(PRIO_PROCESS, 0), own);
}
END_TEST

static bool parent_got_usr1;

static void
usr1_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	parent_got_usr1 = true;
}

/* A signal that reaches the child before its dispositions are reset must
 * not run schedd's handler there (libevent's would report it to us). */
START_TEST(signal_before_reset)
{
	struct config_job j;
	struct sched_run run;
	struct event *ev = evsignal_new(H.base, SIGUSR1, usr1_cb, NULL);
	struct done_rec *d;
	int i;

	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, NULL), 0);
	job_init(&j, "usr1job", "exec sleep 5");
	run_init(&run, &j, 1);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(runner_spawn(H.r, &run), 0);
		ck_assert_int_eq(kill(run.pid, SIGUSR1), 0);
		wait_done(i + 1);
		d = &H.done[i];
		ck_assert_int_eq(d->kind, SCHED_EXIT_SIGNAL);
		ck_assert_int_eq(d->status, SIGUSR1);
	}
	ck_assert(!parent_got_usr1);
	event_free(ev);
}
END_TEST

/* schedd takes the hard fd limit for itself; jobs get the soft one back. */
START_TEST(nofile_limit)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	struct rlimit rl, cur;
	char *out;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < 1024)
		return;
	runner_free(H.r);
	rl.rlim_cur = 512;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	H.r = runner_create(H.base, &hooks, &H);
	ck_assert_ptr_nonnull(H.r);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &cur), 0);
	ck_assert_uint_eq(cur.rlim_cur, rl.rlim_max);
	job_init(&j, "nofilejob", "ulimit -n");
	job_to_file(&j, "nofile.out");
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "512\n");
	free(out);
	runner_free(H.r);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &cur), 0);
	ck_assert_uint_eq(cur.rlim_cur, 512);
	H.r = runner_create(H.base, &hooks, &H);
	ck_assert_ptr_nonnull(H.r);
}
END_TEST

/* --- users --------------------------------------------------------------- */

START_TEST(user_switch)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	struct passwd *pw;
	gid_t groups[64];
	int ngroups = 64, i, n = 0;
	char *out, *line, *save = NULL, *tok, *want;

	if (geteuid() != 0)
		return;		/* needs root; the failure case below runs anyway */
	pw = getpwnam("nobody");
	ck_assert_ptr_nonnull(pw);
	ck_assert_int_ge(getgrouplist("nobody", pw->pw_gid, groups, &ngroups), 0);
	job_init(&j, "userjob", "id -u; id -g; id -G; echo $HOME $USER $LOGNAME");
	job_to_file(&j, "user.out");
	ex(&j)->user = "nobody";
	ex(&j)->shell_user = "nobody";
	ex(&j)->uid = pw->pw_uid;
	ex(&j)->gid = pw->pw_gid;
	ex(&j)->home = "/nonexistent-home";
	run_init(&run, &j, 1);

	/* The working directory is entered as the user: root's 0700 temp
	 * directory is not theirs. */
	ex(&j)->workdir = H.dir;
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_SPAWN_ERROR);
	ck_assert_int_eq(d->status, EACCES);

	ex(&j)->workdir = "/";
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	line = out;
	ck_assert_int_gt(asprintf(&want, "%u\n%u\n", (unsigned)pw->pw_uid,
	    (unsigned)pw->pw_gid), 0);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got %s", out);
	line = out + strlen(want);
	/* `id -G`: exactly the user's groups, none of root's. */
	for (tok = strtok_r(line, " \n", &save); tok != NULL && n < ngroups + 1;
	    tok = strtok_r(NULL, " \n", &save)) {
		gid_t g = (gid_t)strtoul(tok, NULL, 10);
		bool found = false;

		if (tok[0] == '/')
			break;
		for (i = 0; i < ngroups; i++)
			found |= groups[i] == g;
		ck_assert_msg(found, "group %s is not nobody's", tok);
		n++;
	}
	ck_assert_ptr_nonnull(tok);
	ck_assert_str_eq(tok, "/nonexistent-home");
	ck_assert_str_eq(strtok_r(NULL, " \n", &save), "nobody");
	ck_assert_str_eq(strtok_r(NULL, " \n", &save), "nobody");
	free(out);
	free(want);

	/* No workdir: nobody's missing home means "/", but a home that exists
	 * and is closed to the user is still an error. */
	j.command = "pwd";
	ex(&j)->workdir = NULL;
	unlink(j.exec->output_path);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "/\n");
	free(out);
	ex(&j)->home = H.dir;
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_SPAWN_ERROR);
	ck_assert_int_eq(d->status, EACCES);
}
END_TEST

/*
 * An unprivileged schedd cannot become another user: spawn-error EPERM.
 * Runs in a forked child that drops root first (without a loop of its own
 * in the parent, so nothing else reaps that child).
 */
START_TEST(user_switch_refused)
{
	pid_t child;
	int st;

	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct config_job j;
		struct sched_run run;
		int rc = 0;

		if (geteuid() == 0) {
			if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
			    setuid(65534) == -1)
				_exit(10);
		}
		memset(&H, 0, sizeof(H));
		strcpy(H.dir, "/");
		start_loop();
		job_init(&j, "rootjob", "true");
		ex(&j)->user = "root";
		ex(&j)->shell_user = "root";
		ex(&j)->uid = 0;
		ex(&j)->gid = 0;
		ex(&j)->workdir = "/";
		run_init(&run, &j, 1);
		if (runner_spawn(H.r, &run) != 0)
			_exit(11);
		wait_done(1);
		if (H.done[0].kind != SCHED_EXIT_SPAWN_ERROR)
			rc = 12;
		else if (H.done[0].status != EPERM)
			rc = 13;
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}
END_TEST

/* --- output -------------------------------------------------------------- */

/* Captures stderr (the log in the foreground) into a file in the test
 * directory; returns the saved stderr. */
static int
capture_stderr(const char *file)
{
	char *path = path_in(file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, 2), 2);
	close(fd);
	free(path);
	return saved;
}

static void
restore_stderr(int saved)
{
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
}

/* The output lines logged for JOB (log.c's stderr form "...]: JOB: text"),
 * joined by '|'; other log lines are skipped. */
static char *
logged_lines(const char *file, const char *job, const char **other)
{
	char *path = path_in(file), *text = slurp(path, NULL), *save = NULL, *l, *out, *m;
	char prefix[128];
	size_t cap;

	ck_assert_ptr_nonnull(text);
	cap = strlen(text) + 1;
	out = calloc(1, cap);
	ck_assert_ptr_nonnull(out);
	snprintf(prefix, sizeof(prefix), "]: %s: ", job);
	for (l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if ((m = strstr(l, prefix)) != NULL) {
			strcat(out, m + strlen(prefix));
			strcat(out, "|");
		} else if (other != NULL && strstr(l, *other) != NULL) {
			*other = NULL;
		}
	}
	free(text);
	free(path);
	return out;
}

static char *
repeat(char c, size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

/* The same text in small writes (several processes) and in one write of
 * a file (so that a line and its newline arrive in one read). */
static const char *const log_commands[] = {
	"printf 'one\\n\\ntwo\\n'; head -c 8000 /dev/zero | tr '\\0' x; echo;"
	"head -c 9000 /dev/zero | tr '\\0' x; printf '\\ntail'",
	"cat %s",
};

START_TEST(output_log_lines)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *got, *want, *x4000, *x1000, *x8000, *x9000, *file, *cmd;
	FILE *f;
	int saved;

	x8000 = repeat('x', 8000, "\n");
	x9000 = repeat('x', 9000, "\ntail");
	file = path_in("text");
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "one\n\ntwo\n%s%s", x8000, x9000);
	fclose(f);
	ck_assert_int_gt(asprintf(&cmd, log_commands[_i], file), 0);
	job_init(&j, "logjob", cmd);
	ex(&j)->output = CONFIG_OUTPUT_LOG;
	run_init(&run, &j, 1);
	saved = capture_stderr("log.err");
	d = run_job(&run);
	restore_stderr(saved);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	got = logged_lines("log.err", "logjob", NULL);
	/* Long lines come in RUN_LINE_MAX_BYTES pieces; a line cut exactly
	 * at the cap gives no empty line; the unterminated last one counts. */
	ck_assert_int_eq(RUN_LINE_MAX_BYTES, 4000);
	x4000 = repeat('x', 4000, "|");
	x1000 = repeat('x', 1000, "|");
	ck_assert_int_gt(asprintf(&want, "one||two|%s%s%s%s%stail|", x4000, x4000, x4000,
	    x4000, x1000), 0);
	ck_assert_msg(strcmp(got, want) == 0, "logged %zu bytes, want %zu: %.60s...",
	    strlen(got), strlen(want), got);
	free(got);
	free(want);
	free(x4000);
	free(x1000);
	free(x8000);
	free(x9000);
	free(file);
	free(cmd);
}
END_TEST

static const struct {
	uint64_t limit;
	const char *want;
	uint64_t dropped;
} log_limits[] = {
	{ 10, "abc|defgh|", 5 },
	{ 12, "abc|defgh|ij|", 3 },
	{ 15, "abc|defgh|ijkl|", 0 },
	{ 1000, "abc|defgh|ijkl|", 0 },
	{ 0, "", 15 },
};

START_TEST(output_log_limit)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *got, note[64];
	const char *other = note;
	int saved;

	job_init(&j, "limjob", "printf 'abc\\ndefgh\\nijkl\\n'");
	ex(&j)->output = CONFIG_OUTPUT_LOG;
	ex(&j)->output_limit_bytes = log_limits[_i].limit;
	run_init(&run, &j, 1);
	snprintf(note, sizeof(note), "job limjob: output limit reached, %llu bytes dropped",
	    (unsigned long long)log_limits[_i].dropped);
	saved = capture_stderr("lim.err");
	d = run_job(&run);
	restore_stderr(saved);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	got = logged_lines("lim.err", "limjob", &other);
	ck_assert_str_eq(got, log_limits[_i].want);
	ck_assert_uint_eq(runner_dropped_bytes(H.r), log_limits[_i].dropped);
	/* The note is logged exactly when something was dropped. */
	if (log_limits[_i].dropped > 0)
		ck_assert_msg(other == NULL, "no line '%s'", note);
	else
		ck_assert_ptr_nonnull(other);
	free(got);
}
END_TEST

START_TEST(output_file_limit)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *got, *want;
	size_t len, total = 0, cap = 2 * 1024 * 1024;
	FILE *f;
	int i;

	want = malloc(cap);
	ck_assert_ptr_nonnull(want);
	total = (size_t)snprintf(want, cap, "previous\n");
	for (i = 1; i <= 200000; i++)
		total += (size_t)snprintf(want + total, cap - total, "%d\n", i);
	job_init(&j, "seqjob", "seq 1 200000");
	job_to_file(&j, "seq.out");
	ex(&j)->output_limit_bytes = 65536;
	f = fopen(j.exec->output_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("previous\n", f);
	fclose(f);
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	got = slurp(j.exec->output_path, &len);
	/* Appended; exactly the first 65536 bytes of the output, byte for byte. */
	ck_assert_uint_eq(len, 9 + 65536);
	ck_assert(memcmp(got, want, len) == 0);
	ck_assert_uint_eq(runner_dropped_bytes(H.r), total - 9 - 65536);
	free(got);
	free(want);
}
END_TEST

START_TEST(output_file_unopenable)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	int saved;
	const char *other = "cannot open output file /nonexistent/dir/out";
	char *got;

	job_init(&j, "nofile", "echo hello; exit 2");
	ex(&j)->output = CONFIG_OUTPUT_FILE;
	ex(&j)->output_path = "/nonexistent/dir/out";
	run_init(&run, &j, 1);
	saved = capture_stderr("nofile.err");
	d = run_job(&run);
	restore_stderr(saved);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 2);
	got = logged_lines("nofile.err", "nofile", &other);
	ck_assert_msg(other == NULL, "no warning about the output file");
	ck_assert_str_eq(got, "");
	free(got);
}
END_TEST

static long
status_kib(const char *field)
{
	char *text = slurp("/proc/self/status", NULL), *p;
	long kib;

	ck_assert_ptr_nonnull(text);
	p = strstr(text, field);
	ck_assert_ptr_nonnull(p);
	kib = strtol(p + strlen(field) + 1, NULL, 10);
	free(text);
	return kib;
}

static const struct {
	enum config_output output;
	uint64_t limit;
} big_outputs[] = {
	{ CONFIG_OUTPUT_LOG, 1ULL << 30 },
	{ CONFIG_OUTPUT_LOG, 65536 },
	{ CONFIG_OUTPUT_FILE, 1ULL << 30 },
	{ CONFIG_OUTPUT_DISCARD, 1ULL << 30 },
};

/* 200 MiB of output without a newline: schedd's memory stays flat. */
START_TEST(output_big_memory_flat)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	long hwm_before, hwm_after;
	int saved, devnull;

	job_init(&j, "bigjob", "head -c 209715200 /dev/zero");
	ex(&j)->output = big_outputs[_i].output;
	ex(&j)->output_path = "/dev/null";
	ex(&j)->output_limit_bytes = big_outputs[_i].limit;
	run_init(&run, &j, 1);
	devnull = open("/dev/null", O_WRONLY);
	ck_assert_int_ge(devnull, 0);
	saved = dup(2);
	ck_assert_int_eq(dup2(devnull, 2), 2);
	close(devnull);
	hwm_before = status_kib("VmHWM:");
	d = run_job(&run);
	hwm_after = status_kib("VmHWM:");
	restore_stderr(saved);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	ck_assert_msg(hwm_after - hwm_before < 8192, "peak RSS grew by %ld KiB",
	    hwm_after - hwm_before);
	if (big_outputs[_i].output != CONFIG_OUTPUT_DISCARD)
		ck_assert_uint_eq(runner_dropped_bytes(H.r),
		    209715200 - (big_outputs[_i].limit < 209715200 ? big_outputs[_i].limit :
		    209715200));
	else
		ck_assert_uint_eq(runner_dropped_bytes(H.r), 0);
}
END_TEST

/* --- exit and EOF, in either order -------------------------------------- */

static double
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* A background process holds the output until the main process is gone:
 * completion waits for its EOF (well within RUN_EOF_GRACE_MS). */
START_TEST(eof_after_exit)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	struct timespec t0;
	char *out;

	job_init(&j, "latejob",
	    "(while kill -0 $$ 2>/dev/null; do sleep 0.01; done; echo late) & echo early; exit 6");
	job_to_file(&j, "late.out");
	run_init(&run, &j, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 6);
	ck_assert_int_eq(d->draining, 0);
	/* Completed by the EOF itself, not by the grace timer. */
	ck_assert(elapsed_ms(&t0, &d->when) < RUN_EOF_GRACE_MS);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "early\nlate\n");
	free(out);
}
END_TEST

/* A background process holds the output until the test lets it go: the
 * attempt completes RUN_EOF_GRACE_MS after the exit, and its output is
 * still collected until EOF. */
START_TEST(eof_grace_then_drain)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	struct timespec t0;
	char *fifo = path_in("fifo"), *cmd, *out;
	int fd;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_gt(asprintf(&cmd, "(read x < %s; echo late) & echo early; exit 4", fifo),
	    0);
	job_init(&j, "holdjob", cmd);
	job_to_file(&j, "hold.out");
	run_init(&run, &j, 1);
	/* The clock libevent's timers read: it lags CLOCK_MONOTONIC by up to a
	 * tick, so a grace timer armed on it may end that much before 1000 ms
	 * of CLOCK_MONOTONIC have passed since a CLOCK_MONOTONIC t0. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t0);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 4);
	ck_assert_int_eq(d->draining, 1);
	ck_assert_int_eq(d->active, 0);
	ck_assert(elapsed_ms(&t0, &d->when) >= RUN_EOF_GRACE_MS);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "early\n");
	free(out);

	fd = open(fifo, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "go\n", 3), 3);
	close(fd);
	loop_until(pred_no_draining, NULL);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "early\nlate\n");
	ck_assert_int_eq(H.ndone, 1);
	free(out);
	free(cmd);
	free(fifo);
}
END_TEST

/* Output closed long before the exit: completion waits for the exit. */
START_TEST(eof_before_exit)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	pid_t pid;
	int rc, err;

	job_init(&j, "closejob", "echo bye; exec >&- 2>&-; sleep 0.3; exit 5");
	ex(&j)->output = CONFIG_OUTPUT_LOG;
	run_init(&run, &j, 1);
	ck_assert_int_eq(runner_spawn(H.r, &run), 0);
	pid = run.pid;
	wait_done(1);
	d = &H.done[0];
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 5);
	ck_assert_int_eq(d->draining, 0);
	/* Reported after the reap, not at EOF: the process is gone. */
	rc = kill(pid, 0);
	err = errno;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, ESRCH);
}
END_TEST

/* --- reaping and signals ------------------------------------------------- */

/* PPid and the State letter of a process; -1 when it does not exist. */
static long
proc_ppid_state(long pid, char *state)
{
	char path[64], *text, *p;
	long ppid;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((text = slurp(path, NULL)) == NULL)
		return -1;
	p = strstr(text, "PPid:");
	ppid = p != NULL ? strtol(p + 5, NULL, 10) : -1;
	p = strstr(text, "State:");
	if (state != NULL)
		*state = p != NULL ? p[strspn(p + 6, " \t") + 6] : '?';
	free(text);
	return ppid;
}

static long
proc_ppid(long pid)
{
	return proc_ppid_state(pid, NULL);
}

static bool
pred_adopted(void *arg)
{
	return proc_ppid(*(long *)arg) == (long)getpid();
}

static bool
pred_gone(void *arg)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld", *(long *)arg);
	return access(path, F_OK) == -1;
}

/* The file exists with a whole line (jobs write it with mv, atomically). */
static bool
pred_file_has_line(void *arg)
{
	char *t = slurp(arg, NULL);
	bool ok = t != NULL && strchr(t, '\n') != NULL;

	free(t);
	return ok;
}

static long
read_pid_file(const char *path)
{
	char *t = slurp(path, NULL);
	long pid;

	ck_assert_ptr_nonnull(t);
	pid = strtol(t, NULL, 10);
	free(t);
	ck_assert_int_gt(pid, 1);
	return pid;
}

/* Our children that are zombies. */
static int
count_zombie_children(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;
	char state;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		long pid = strtol(de->d_name, NULL, 10);

		if (pid > 0 && proc_ppid_state(pid, &state) == (long)getpid() && state == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

/* A daemonized grandchild (double fork, own session) outlives the job; as
 * subreaper we adopt and reap it: no zombie is left. */
START_TEST(orphan_reaped)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *pidfile = path_in("orphan.pid"), *fifo = path_in("orphan.fifo"), *cmd;
	long pid;
	int fd;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_gt(asprintf(&cmd, "(setsid sh -c 'echo $$ > %s.tmp; mv %s.tmp %s;"
	    " read x < %s' </dev/null >/dev/null 2>&1 &); exit 0", pidfile, pidfile, pidfile,
	    fifo), 0);
	job_init(&j, "orphanjob", cmd);
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	loop_until(pred_file_has_line, pidfile);
	pid = read_pid_file(pidfile);
	/* Adopted by us, not by init, once its parent subshell is gone. */
	loop_until(pred_adopted, &pid);
	fd = open(fifo, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "go\n", 3), 3);
	close(fd);
	/* A zombie keeps /proc/PID: only our reaping removes it. */
	loop_until(pred_gone, &pid);
	ck_assert_int_eq(count_zombie_children(), 0);
	ck_assert_int_eq(runner_active(H.r), 0);
	free(cmd);
	free(fifo);
	free(pidfile);
}
END_TEST

/* runner_signal reaches the whole process group, grandchildren included. */
START_TEST(signal_whole_group)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *pidfile = path_in("bg.pid"), *cmd;
	long pid;

	ck_assert_int_gt(asprintf(&cmd, "sleep 60 & echo $! > %s.tmp; mv %s.tmp %s; wait",
	    pidfile, pidfile, pidfile), 0);
	job_init(&j, "groupjob", cmd);
	run_init(&run, &j, 1);
	ck_assert_int_eq(runner_spawn(H.r, &run), 0);
	loop_until(pred_file_has_line, pidfile);
	pid = read_pid_file(pidfile);
	ck_assert_int_eq(proc_ppid(pid), run.pid);
	runner_signal(H.r, &run, SIGTERM);
	wait_done(1);
	d = &H.done[0];
	ck_assert_int_eq(d->kind, SCHED_EXIT_SIGNAL);
	ck_assert_int_eq(d->status, SIGTERM);
	/* The sleep held the output too: EOF came, so it died with the group. */
	ck_assert_int_eq(d->draining, 0);
	loop_until(pred_gone, &pid);
	/* After completion the run has no process: a no-op. */
	runner_signal(H.r, &run, SIGKILL);
	ck_assert_int_eq(count_zombie_children(), 0);
	free(cmd);
	free(pidfile);
}
END_TEST

/* A group member that ignores kill_signal and does not hold the output
 * outlives its leader, and so the attempt: it still gets SIGKILL once
 * kill_grace has passed since the signal. */
START_TEST(straggler_killed_after_grace)
{
	static const struct config_policy quick = { .kill_grace_ms = 300, .kill_signal = SIGTERM };
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *pidfile = path_in("straggler.pid"), *cmd;
	long pid;

	ck_assert_int_gt(asprintf(&cmd, "(trap '' TERM; exec sleep 60) </dev/null >/dev/null 2>&1 &"
	    " echo $! > %s.tmp; mv %s.tmp %s; sleep 60", pidfile, pidfile, pidfile), 0);
	job_init(&j, "stragglerjob", cmd);
	j.policy = &quick;
	run_init(&run, &j, 1);
	ck_assert_int_eq(runner_spawn(H.r, &run), 0);
	loop_until(pred_file_has_line, pidfile);
	pid = read_pid_file(pidfile);
	runner_signal(H.r, &run, SIGTERM);
	wait_done(1);
	d = &H.done[0];
	ck_assert_int_eq(d->kind, SCHED_EXIT_SIGNAL);
	ck_assert_int_eq(d->status, SIGTERM);
	/* Completed, yet the straggler lives on for now... */
	ck_assert_int_eq(kill((pid_t)pid, 0), 0);
	/* ...until kill_grace is over. */
	loop_until(pred_gone, &pid);
	ck_assert_int_eq(count_zombie_children(), 0);
	free(cmd);
	free(pidfile);
}
END_TEST

/* A background process a finished job left in its group lives on until
 * runner_kill_leftovers (schedd stopping); a new session is not touched. */
START_TEST(leftovers_killed_on_request)
{
	struct config_job j;
	struct sched_run run;
	struct done_rec *d;
	char *bgfile = path_in("left.pid"), *sessfile = path_in("sess.pid"), *cmd;
	long bg, sess;

	ck_assert_int_gt(asprintf(&cmd, "sleep 60 </dev/null >/dev/null 2>&1 &"
	    " echo $! > %s.tmp; mv %s.tmp %s;"
	    " (setsid sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 60' </dev/null >/dev/null 2>&1 &);"
	    " exit 0", bgfile, bgfile, bgfile, sessfile, sessfile, sessfile), 0);
	job_init(&j, "leftjob", cmd);
	run_init(&run, &j, 1);
	d = run_job(&run);
	ck_assert_int_eq(d->kind, SCHED_EXIT_CODE);
	ck_assert_int_eq(d->status, 0);
	loop_until(pred_file_has_line, bgfile);
	loop_until(pred_file_has_line, sessfile);
	bg = read_pid_file(bgfile);
	sess = read_pid_file(sessfile);
	ck_assert_int_eq(kill((pid_t)bg, 0), 0);
	ck_assert_int_eq(runner_kill_leftovers(H.r), 1);
	loop_until(pred_gone, &bg);
	ck_assert_int_eq(kill((pid_t)sess, 0), 0);
	ck_assert_int_eq(runner_kill_leftovers(H.r), 0);
	kill((pid_t)sess, SIGKILL);
	loop_until(pred_gone, &sess);
	free(cmd);
	free(bgfile);
	free(sessfile);
}
END_TEST

/* --- many at once, re-entrancy, resource failures ------------------------ */

#define NMANY 100

START_TEST(many_concurrent)
{
	static struct config_job jobs[NMANY];
	static struct sched_run runs[NMANY];
	static char cmds[NMANY][32];
	int i, k;

	for (i = 0; i < NMANY; i++) {
		snprintf(cmds[i], sizeof(cmds[i]), "exit %d", (i * 7) % 256);
		job_init(&jobs[i], "many", cmds[i]);
		run_init(&runs[i], &jobs[i], (uint64_t)i + 1);
		ck_assert_int_eq(runner_spawn(H.r, &runs[i]), 0);
	}
	ck_assert_int_eq(runner_active(H.r), NMANY);
	wait_done(NMANY);
	ck_assert_int_eq(runner_active(H.r), 0);
	for (k = 0; k < NMANY; k++) {
		i = (int)(H.done[k].run - runs);
		ck_assert_int_ge(i, 0);
		ck_assert_int_lt(i, NMANY);
		ck_assert_int_eq(H.done[k].kind, SCHED_EXIT_CODE);
		ck_assert_int_eq(H.done[k].status, (i * 7) % 256);
	}
}
END_TEST

static struct runner *retry_runner;

static void
retry_on_done(struct sched_run *run)
{
	if (run->attempt < 3) {
		run->attempt++;
		ck_assert_int_eq(runner_spawn(retry_runner, run), 0);
	}
}

/* The done hook may start the next attempt of the same run at once. */
START_TEST(respawn_from_hook)
{
	struct config_job j;
	struct sched_run run;
	char *out;

	job_init(&j, "retryjob", "echo $SCHEDD_ATTEMPT; exit 1");
	job_to_file(&j, "retry.out");
	run_init(&run, &j, 9);
	retry_runner = H.r;
	H.on_done = retry_on_done;
	ck_assert_int_eq(runner_spawn(H.r, &run), 0);
	wait_done(3);
	ck_assert_int_eq(runner_active(H.r), 0);
	out = slurp(j.exec->output_path, NULL);
	ck_assert_str_eq(out, "1\n2\n3\n");
	free(out);
}
END_TEST

/* Which fds below 4096 are open. */
static void
open_fds(unsigned char *set, int n)
{
	int fd;

	for (fd = 0; fd < n; fd++)
		set[fd] = fcntl(fd, F_GETFD) != -1;
}

/* Out of fds at every point of runner_spawn: it fails with EMFILE and
 * leaves nothing open, or it succeeds and everything is closed after. */
START_TEST(emfile_leaves_nothing)
{
	unsigned char before[4096], after[4096];
	struct config_job j;
	struct sched_run run;
	struct rlimit rl, orig;
	int fd, top = 0, rc, saved;

	saved = capture_stderr("fdless.err");
	/* Fds 0..top all open and nothing above, so that the limit binds
	 * exactly: the next fd is top + 1. */
	for (fd = 100; fd < 4096; fd++)
		if (fd != saved)
			close(fd);
	open_fds(before, 4096);
	for (fd = 0; fd < 4096; fd++)
		if (before[fd])
			top = fd;
	for (fd = 0; fd < top; fd++)
		if (!before[fd])
			ck_assert_int_eq(dup2(2, fd), fd);
	open_fds(before, 4096);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &orig), 0);
	rl = orig;
	rl.rlim_cur = (rlim_t)top + 1 + (rlim_t)_i;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	job_init(&j, "fdless", "echo hi");
	job_to_file(&j, "fdless.out");
	run_init(&run, &j, 1);
	rc = runner_spawn(H.r, &run);
	if (rc == -1) {
		ck_assert_int_eq(errno, EMFILE);
		ck_assert_int_eq(run.pid, 0);
		ck_assert_ptr_null(run.proc);
		ck_assert_int_eq(runner_active(H.r), 0);
	} else {
		wait_done(1);
		ck_assert_int_eq(H.done[0].kind, SCHED_EXIT_CODE);
	}
	open_fds(after, 4096);
	restore_stderr(saved);
	ck_assert(memcmp(before, after, sizeof(before)) == 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &orig), 0);
	if (_i == 0)
		ck_assert_int_eq(rc, -1);
	if (_i == 5)
		ck_assert_int_eq(rc, 0);
}
END_TEST

Suite *
run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");
	TCase *priv = tcase_create("privilege");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, outcome_table, 0, sizeof(outcomes) / sizeof(outcomes[0]));
	tcase_add_test(tc, environment_exact);
	tcase_add_test(tc, environment_defaults_and_workdir);
	tcase_add_loop_test(tc, home_fallback, 0, sizeof(homes) / sizeof(homes[0]));
	tcase_add_test(tc, only_stdio_inherited);
	tcase_add_test(tc, signals_reset);
	tcase_add_test(tc, new_session);
	tcase_add_loop_test(tc, umask_and_nice, 0, sizeof(umask_nice) / sizeof(umask_nice[0]));
	tcase_add_test(tc, signal_before_reset);
	tcase_add_test(tc, nofile_limit);
	tcase_add_test(tc, user_switch);
	tcase_add_loop_test(tc, output_log_lines, 0,
	    sizeof(log_commands) / sizeof(log_commands[0]));
	tcase_add_loop_test(tc, output_log_limit, 0, sizeof(log_limits) / sizeof(log_limits[0]));
	tcase_add_test(tc, output_file_limit);
	tcase_add_test(tc, output_file_unopenable);
	tcase_add_loop_test(tc, output_big_memory_flat, 0,
	    sizeof(big_outputs) / sizeof(big_outputs[0]));
	tcase_add_test(tc, eof_after_exit);
	tcase_add_test(tc, eof_grace_then_drain);
	tcase_add_test(tc, eof_before_exit);
	tcase_add_test(tc, orphan_reaped);
	tcase_add_test(tc, signal_whole_group);
	tcase_add_test(tc, straggler_killed_after_grace);
	tcase_add_test(tc, leftovers_killed_on_request);
	tcase_add_test(tc, many_concurrent);
	tcase_add_test(tc, respawn_from_hook);
	tcase_add_loop_test(tc, emfile_leaves_nothing, 0, 6);
	suite_add_tcase(s, tc);

	tcase_set_timeout(priv, 30);
	tcase_add_test(priv, user_switch_refused);
	suite_add_tcase(s, priv);
	return s;
}
