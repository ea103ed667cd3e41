/*
 * run: fork/exec of job attempts, their output and their exit (SPEC §4).
 * Glue: it owns the processes, the output pipes and the SIGCHLD event; it
 * decides nothing about retries or timeouts (sched does). An attempt is
 * complete when its exit status AND EOF on its output have both arrived, in
 * either order, or RUN_EOF_GRACE_MS after the exit when a grandchild holds
 * the pipe (its output is still read until EOF).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"

#define RUN_PID_BUCKETS		1024
#define RUN_READ_BYTES		65536
/* Reads per output callback before other events get their turn. */
#define RUN_READS_PER_CB	16
#define RUN_SHELL		"/bin/sh"
#define RUN_PATH		"PATH=/usr/local/bin:/usr/bin:/bin"

/* The step of the child's setup that failed, sent with errno on the
 * close-on-exec status pipe; EOF on that pipe means exec succeeded. */
enum run_step {
	RUN_STEP_FDS = 1,
	RUN_STEP_SETSID,
	RUN_STEP_NICE,
	RUN_STEP_SETGROUPS,
	RUN_STEP_SETGID,
	RUN_STEP_SETUID,
	RUN_STEP_CHDIR,
	RUN_STEP_EXEC,
};

struct run_status_msg {
	int32_t	step;
	int32_t	err;
};

/* One attempt's process and output. Lives until both the exit was reaped
 * and EOF was read; `run` is cleared when completion is reported. */
struct run_proc {
	struct runner	*r;
	struct sched_run *run;		/* NULL once reported */
	pid_t		 pid;		/* also the process group and session */
	uint64_t	 run_id;
	enum config_output mode;	/* DISCARD after a file write error */
	uint64_t	 limit_bytes;
	uint64_t	 kept_bytes;
	uint64_t	 dropped_bytes;
	int		 out_fd, status_fd, file_fd;
	struct event	*out_ev, *status_ev, *grace_ev;
	bool		 exited, eof;
	bool		 signalled;	/* kill_signal (or any signal) was sent */
	int64_t		 kill_grace_ms;
	bool		 line_split;	/* the last line was cut at RUN_LINE_MAX_BYTES */
	int		 wstatus;
	int		 spawn_step;	/* 0: exec succeeded (or not known yet) */
	int		 spawn_errno;
	size_t		 line_len;
	char		*line;		/* RUN_LINE_MAX_BYTES, output=log only */
	struct run_proc	*next_pid;	/* pid table chain, until reaped */
	struct run_proc	*next, **prevp;	/* every proc of the runner */
	char		 name[];	/* the job's name, for output after completion */
};

struct runner {
	struct event_base *base;
	struct runner_hooks hooks;
	void		*arg;
	struct event	*sigchld_ev;
	int		 devnull_fd;
	struct rlimit	 nofile;	/* as schedd started; what jobs get */
	bool		 nofile_raised;
	int		 nactive;
	int		 ndraining;
	uint64_t	 dropped_bytes;
	struct run_proc	*procs;
	struct run_linger *lingers;	/* groups that outlived their attempt */
	struct run_proc	*pids[RUN_PID_BUCKETS];
	char		 buf[RUN_READ_BYTES];
};

/*
 * A process group that still has members after its attempt completed: a
 * job's background process. It is killed when schedd stops, and SIGKILL
 * follows kill_grace after a signal that its leader did not outlive (a
 * member that ignores kill_signal must not escape the timeout). Its id is
 * not reused while any member lives; entries whose group is gone are
 * dropped whenever one is added.
 */
struct run_linger {
	struct runner	*r;
	pid_t		 pgid;
	struct event	*kill_ev;	/* SIGKILL at kill_grace, or NULL */
	char		*name;
	uint64_t	 run_id;
	struct run_linger *next, **prevp;
};

/* Everything the child needs, prepared by the parent: after fork the child
 * only makes async-signal-safe calls (no malloc, no stdio, no NSS). */
struct run_child {
	const char	*argv[4];
	char *const	*envp;
	const char	*workdir;
	bool		 workdir_home;	/* workdir is the user's home (no workdir
					 * set): "/" when it does not exist */
	const gid_t	*groups;
	size_t		 ngroups;
	bool		 switch_user;
	uid_t		 uid;
	gid_t		 gid;
	mode_t		 umask;
	int		 nice;
	int		 devnull_fd, out_fd, status_fd;
	int		 max_fd;	/* for the close loop when close_range is missing */
	const struct rlimit *nofile;	/* NULL: leave RLIMIT_NOFILE alone */
};

static void run_sigchld_cb(evutil_socket_t, short, void *);
static void run_output_cb(evutil_socket_t, short, void *);
static void run_status_cb(evutil_socket_t, short, void *);
static void run_grace_cb(evutil_socket_t, short, void *);

struct runner *
runner_create(struct event_base *base, const struct runner_hooks *hooks, void *arg)
{
	struct runner *r;
	int saved;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->base = base;
	r->hooks = *hooks;
	r->arg = arg;
	r->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (r->devnull_fd == -1)
		goto fail;
	r->sigchld_ev = evsignal_new(base, SIGCHLD, run_sigchld_cb, r);
	if (r->sigchld_ev == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	if (event_add(r->sigchld_ev, NULL) == -1) {
		errno = EINVAL;
		goto fail;
	}
	/* SPEC §4: what a job leaves behind is reparented to us and reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		log_warn("cannot become child subreaper; orphans of jobs go to init");
	/* Each running attempt holds an fd or two, and libevent does not use
	 * select(): take the hard limit, as systemd advises, and give jobs
	 * the soft limit schedd was started with. */
	if (getrlimit(RLIMIT_NOFILE, &r->nofile) == 0 && r->nofile.rlim_cur < r->nofile.rlim_max) {
		struct rlimit raised = { r->nofile.rlim_max, r->nofile.rlim_max };

		r->nofile_raised = setrlimit(RLIMIT_NOFILE, &raised) == 0;
	}
	return r;
fail:
	saved = errno;
	if (r->sigchld_ev != NULL)
		event_free(r->sigchld_ev);
	if (r->devnull_fd != -1)
		close(r->devnull_fd);
	free(r);
	errno = saved;
	return NULL;
}

static void
run_pid_insert(struct runner *r, struct run_proc *p)
{
	struct run_proc **b = &r->pids[(unsigned)p->pid % RUN_PID_BUCKETS];

	p->next_pid = *b;
	*b = p;
}

/* Removes and returns the proc of pid, NULL when the pid is not ours. */
static struct run_proc *
run_pid_take(struct runner *r, pid_t pid)
{
	struct run_proc **pp = &r->pids[(unsigned)pid % RUN_PID_BUCKETS];

	for (; *pp != NULL; pp = &(*pp)->next_pid) {
		if ((*pp)->pid == pid) {
			struct run_proc *p = *pp;

			*pp = p->next_pid;
			p->next_pid = NULL;
			return p;
		}
	}
	return NULL;
}

static void
run_close_status(struct run_proc *p)
{
	if (p->status_ev != NULL) {
		event_free(p->status_ev);
		p->status_ev = NULL;
	}
	if (p->status_fd != -1) {
		close(p->status_fd);
		p->status_fd = -1;
	}
}

static void
run_close_output(struct run_proc *p)
{
	if (p->out_ev != NULL) {
		event_free(p->out_ev);
		p->out_ev = NULL;
	}
	if (p->out_fd != -1) {
		close(p->out_fd);
		p->out_fd = -1;
	}
	if (p->file_fd != -1) {
		close(p->file_fd);
		p->file_fd = -1;
	}
}

static void
run_linger_free(struct run_linger *lg)
{
	*lg->prevp = lg->next;
	if (lg->next != NULL)
		lg->next->prevp = lg->prevp;
	if (lg->kill_ev != NULL)
		event_free(lg->kill_ev);
	free(lg->name);
	free(lg);
}

static void
run_linger_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run_linger *lg = arg;

	(void)fd;
	(void)what;
	if (kill(-lg->pgid, SIGKILL) == 0)
		log_job(LOG_LEVEL_WARNING, lg->name, lg->run_id,
		    "kill_grace over: SIGKILL to what is left of process group %ld",
		    (long)lg->pgid);
	run_linger_free(lg);
}

/*
 * Forgets the groups that have no member left. Called after every reap:
 * the members are our descendants, so the last one's exit reaches us and
 * a group id is forgotten before it can be reused for someone else's.
 */
static void
run_linger_prune(struct runner *r)
{
	struct run_linger *lg, *next;

	for (lg = r->lingers; lg != NULL; lg = next) {
		next = lg->next;
		if (kill(-lg->pgid, 0) == -1 && errno == ESRCH)
			run_linger_free(lg);
	}
}

/* Remembers p's group if it outlived the attempt. */
static void
run_linger_add(struct runner *r, const struct run_proc *p)
{
	struct run_linger *lg;

	run_linger_prune(r);
	if (p->pid <= 0 || kill(-p->pid, 0) == -1)
		return;
	if ((lg = calloc(1, sizeof(*lg))) == NULL || (lg->name = strdup(p->name)) == NULL) {
		free(lg);
		log_job(LOG_LEVEL_WARNING, p->name, p->run_id,
		    "out of memory: SIGKILL to the rest of process group %ld now", (long)p->pid);
		kill(-p->pid, SIGKILL);
		return;
	}
	lg->r = r;
	lg->pgid = p->pid;
	lg->run_id = p->run_id;
	if (p->signalled) {
		struct timeval tv = { (time_t)(p->kill_grace_ms / 1000),
		    (suseconds_t)(p->kill_grace_ms % 1000) * 1000 };

		lg->kill_ev = evtimer_new(r->base, run_linger_kill_cb, lg);
		if (lg->kill_ev == NULL || evtimer_add(lg->kill_ev, &tv) == -1) {
			if (lg->kill_ev != NULL)
				event_free(lg->kill_ev);
			free(lg->name);
			free(lg);
			kill(-p->pid, SIGKILL);
			return;
		}
	}
	lg->next = r->lingers;
	lg->prevp = &r->lingers;
	if (lg->next != NULL)
		lg->next->prevp = &lg->next;
	r->lingers = lg;
}

int
runner_kill_leftovers(struct runner *r)
{
	int n = 0;

	run_linger_prune(r);
	while (r->lingers != NULL) {
		if (kill(-r->lingers->pgid, SIGKILL) == 0)
			n++;
		run_linger_free(r->lingers);
	}
	return n;
}

/* Frees a proc; it must no longer be in the pid table. */
static void
run_proc_free(struct run_proc *p)
{
	run_close_status(p);
	run_close_output(p);
	if (p->grace_ev != NULL)
		event_free(p->grace_ev);
	if (p->prevp != NULL) {
		*p->prevp = p->next;
		if (p->next != NULL)
			p->next->prevp = p->prevp;
	}
	free(p->line);
	free(p);
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	while (r->procs != NULL)
		run_proc_free(r->procs);
	while (r->lingers != NULL)
		run_linger_free(r->lingers);
	if (r->nofile_raised)
		setrlimit(RLIMIT_NOFILE, &r->nofile);
	event_free(r->sigchld_ev);
	close(r->devnull_fd);
	free(r);
}

int
runner_active(const struct runner *r)
{
	return r->nactive;
}

int
runner_draining(const struct runner *r)
{
	return r->ndraining;
}

uint64_t
runner_dropped_bytes(const struct runner *r)
{
	return r->dropped_bytes;
}

void
runner_signal(struct runner *r, struct sched_run *run, int signo)
{
	struct run_proc *p = run->proc;

	(void)r;
	if (p == NULL || p->run != run || p->pid <= 0)
		return;
	/* setsid() made the pgid equal to the pid; the group outlives its
	 * leader while a grandchild is in it, and its id is not reused then. */
	if (kill(-p->pid, signo) == -1) {
		if (errno != ESRCH)
			log_job(LOG_LEVEL_WARNING, p->name, p->run_id, "cannot send signal %d: %s",
			    signo, strerror(errno));
		return;
	}
	p->signalled = true;
}

/* --- spawning ------------------------------------------------------------ */

/*
 * The job's environment, exactly SPEC §4: fixed entries, then the job's env
 * entries, each replacing an earlier entry of the same name (later wins).
 * One allocation: the pointer array, then the formatted fixed strings; the
 * job's entries point into its config. Returns NULL on ENOMEM.
 */
static char **
run_build_env(const struct sched_run *run, const char *home, const char *user)
{
	const struct config_job *cfg = run->cfg;
	size_t nfixed = 9, nptr = nfixed + cfg->nenv + 1, textlen, n = 0, i, j;
	char **envp, *text, *end;
	int len;

	textlen = 3 * strlen(user) + strlen(home) + strlen(cfg->name) + 256;
	if ((envp = malloc(nptr * sizeof(char *) + textlen)) == NULL)
		return NULL;
	text = (char *)(envp + nptr);
	end = text + textlen;

#define RUN_ENV_ADD(...) do {						\
	len = snprintf(text, (size_t)(end - text), __VA_ARGS__);	\
	envp[n++] = text;						\
	text += len + 1;						\
} while (0)
	RUN_ENV_ADD("%s", RUN_PATH);
	RUN_ENV_ADD("HOME=%s", home);
	RUN_ENV_ADD("USER=%s", user);
	RUN_ENV_ADD("LOGNAME=%s", user);
	RUN_ENV_ADD("SHELL=%s", RUN_SHELL);
	RUN_ENV_ADD("SCHEDD_JOB=%s", cfg->name);
	RUN_ENV_ADD("SCHEDD_RUN_ID=%" PRIu64, run->run_id);
	RUN_ENV_ADD("SCHEDD_ATTEMPT=%d", run->attempt);
	RUN_ENV_ADD("SCHEDD_SCHEDULED=%" PRId64, run->scheduled_s);
#undef RUN_ENV_ADD

	for (i = 0; i < cfg->nenv; i++) {
		const char *e = cfg->env[i], *eq = strchr(e, '=');
		size_t keylen;

		if (eq == NULL || eq == e)
			continue;
		keylen = (size_t)(eq - e) + 1;	/* "KEY=" */
		for (j = 0; j < n; j++)
			if (strncmp(envp[j], e, keylen) == 0)
				break;
		envp[j] = (char *)e;
		if (j == n)
			n++;
	}
	envp[n] = NULL;
	return envp;
}

static void run_child_exec(struct run_child *c) __attribute__((noreturn));
static void run_child_fail(const struct run_child *c, enum run_step step)
    __attribute__((noreturn));

static void
run_child_fail(const struct run_child *c, enum run_step step)
{
	struct run_status_msg msg = { .step = step, .err = errno };
	ssize_t w;

	do
		w = write(c->status_fd, &msg, sizeof(msg));
	while (w == -1 && errno == EINTR);
	_exit(127);
}

/* Moves fd to 3 or above (close-on-exec) so that dup2 onto 0-2 never
 * meets itself (dup2 onto the same fd would keep FD_CLOEXEC). */
static int
run_child_lift(int fd)
{
	return fd >= 3 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/*
 * glibc refuses sigaction() on the signals it reserves for itself (32, 33),
 * yet an ignored disposition inherited from schedd's parent would survive
 * exec: the kernel's call resets them. The kernel's struct has no padding
 * and its mask is _NSIG / 8 = 8 bytes on Linux.
 */
static void
run_child_default_raw(int sig)
{
	struct {
		void		*handler;
		unsigned long	 flags;
		void		*restorer;
		uint64_t	 mask;
	} ksa;

	memset(&ksa, 0, sizeof(ksa));	/* handler NULL is SIG_DFL */
	(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
}

/*
 * The child, between fork and exec. Every signal is blocked (the parent
 * blocked them before fork) so that no handler of schedd's runs here.
 * Only async-signal-safe calls; errors go to the status pipe.
 */
static void
run_child_exec(struct run_child *c)
{
	struct sigaction sa;
	sigset_t none;
	int devnull, out, status, sig, cur, fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);

	if ((status = run_child_lift(c->status_fd)) == -1)
		run_child_fail(c, RUN_STEP_FDS);
	c->status_fd = status;
	if ((devnull = run_child_lift(c->devnull_fd)) == -1 ||
	    (out = run_child_lift(c->out_fd)) == -1)
		run_child_fail(c, RUN_STEP_FDS);
	if (dup2(devnull, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		run_child_fail(c, RUN_STEP_FDS);
	/* Only 0-2 survive exec (SPEC §4). Marking the rest close-on-exec
	 * keeps the status pipe open until exec itself. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1 &&
	    ((status > 3 && close_range(3, (unsigned)status - 1, 0) == -1) ||
	    close_range((unsigned)status + 1, ~0U, 0) == -1)) {
		for (fd = 3; fd < c->max_fd; fd++)
			if (fd != status)
				close(fd);
	}

	if (setsid() == -1)
		run_child_fail(c, RUN_STEP_SETSID);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &sa, NULL) == -1)
			run_child_default_raw(sig);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (c->nofile != NULL)
		setrlimit(RLIMIT_NOFILE, c->nofile);	/* only lowers the soft limit */
	umask(c->umask);
	errno = 0;
	cur = getpriority(PRIO_PROCESS, 0);
	if ((cur != c->nice || errno != 0) && setpriority(PRIO_PROCESS, 0, c->nice) == -1)
		run_child_fail(c, RUN_STEP_NICE);
	if (c->switch_user) {
		if (setgroups(c->ngroups, c->groups) == -1)
			run_child_fail(c, RUN_STEP_SETGROUPS);
		if (setgid(c->gid) == -1)
			run_child_fail(c, RUN_STEP_SETGID);
		if (setuid(c->uid) == -1)
			run_child_fail(c, RUN_STEP_SETUID);
	}
	/* As the job's user, as cron does: its permissions decide. A home
	 * that is missing or not a directory (nobody's /nonexistent) is no
	 * reason to fail; a workdir that was asked for is. */
	if (chdir(c->workdir) == -1 &&
	    (!c->workdir_home || (errno != ENOENT && errno != ENOTDIR) || chdir("/") == -1))
		run_child_fail(c, RUN_STEP_CHDIR);
	execve(RUN_SHELL, (char *const *)c->argv, c->envp);
	run_child_fail(c, RUN_STEP_EXEC);
}

/* The supplementary groups of the job's user, as initgroups(3) would set
 * them; *groups is buf or a malloc'd array. */
static int
run_user_groups(const char *user, gid_t gid, gid_t *buf, int nbuf, gid_t **groups,
    int *ngroups)
{
	gid_t *g = buf;
	int n = nbuf;

	while (getgrouplist(user, gid, g, &n) == -1) {
		if (g != buf)
			free(g);
		if (n <= 0 || n > 65536) {
			errno = EINVAL;
			return -1;
		}
		if ((g = calloc((size_t)n, sizeof(gid_t))) == NULL)
			return -1;
	}
	*groups = g;
	*ngroups = n;
	return 0;
}

static int
run_open_output_file(const struct sched_run *run)
{
	int fd;

	fd = open(run->cfg->exec->output_path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd == -1)
		log_job(LOG_LEVEL_WARNING, run->cfg->name, run->run_id,
		    "cannot open output file %s, discarding output: %s",
		    run->cfg->exec->output_path, strerror(errno));
	return fd;
}

int
runner_spawn(struct runner *r, struct sched_run *run)
{
	const struct config_job *cfg = run->cfg;
	const struct config_exec *x = cfg->exec;
	struct run_child c;
	struct run_proc *p = NULL;
	struct passwd *pw = NULL;
	struct rlimit rl;
	char uidbuf[24];
	const char *home = x->home, *user = x->shell_user;
	char **envp = NULL;
	gid_t gbuf[64], *groups = gbuf;
	int ngroups = 0, outp[2] = { -1, -1 }, stp[2] = { -1, -1 }, saved;
	size_t namelen = strlen(cfg->name);
	sigset_t all, old;
	pid_t pid;

	if (home == NULL || user == NULL) {
		pw = getpwuid(x->uid);
		if (home == NULL)
			home = pw != NULL ? pw->pw_dir : "/";
		if (user == NULL) {
			if (pw != NULL && pw->pw_name != NULL) {
				user = pw->pw_name;
			} else {
				snprintf(uidbuf, sizeof(uidbuf), "%lu", (unsigned long)x->uid);
				user = uidbuf;
			}
		}
	}

	memset(&c, 0, sizeof(c));
	c.argv[0] = RUN_SHELL;
	c.argv[1] = "-c";
	c.argv[2] = cfg->command;
	c.argv[3] = NULL;
	c.workdir = x->workdir != NULL ? x->workdir : home;
	c.workdir_home = x->workdir == NULL;
	c.umask = x->umask;
	c.nice = x->nice;
	c.uid = x->uid;
	c.gid = x->gid;
	c.switch_user = x->user != NULL &&
	    (geteuid() == 0 || x->uid != geteuid() || x->gid != getegid());
	c.max_fd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < INT_MAX ? (int)rl.rlim_cur : 65536;
	c.devnull_fd = r->devnull_fd;
	c.nofile = r->nofile_raised ? &r->nofile : NULL;

	if ((envp = run_build_env(run, home, user)) == NULL)
		goto fail;
	c.envp = envp;
	if (c.switch_user) {
		if (run_user_groups(x->shell_user != NULL ? x->shell_user : x->user,
		    x->gid, gbuf, (int)(sizeof(gbuf) / sizeof(gbuf[0])), &groups,
		    &ngroups) == -1)
			goto fail;
		c.groups = groups;
		c.ngroups = (size_t)ngroups;
	}

	if ((p = calloc(1, sizeof(*p) + namelen + 1)) == NULL)
		goto fail;
	p->r = r;
	p->run = run;
	p->run_id = run->run_id;
	p->mode = x->output;
	p->limit_bytes = x->output_limit_bytes;
	p->kill_grace_ms = run->cfg->policy->kill_grace_ms;
	p->out_fd = p->status_fd = p->file_fd = -1;
	memcpy(p->name, cfg->name, namelen + 1);
	if (p->mode == CONFIG_OUTPUT_LOG &&
	    (p->line = malloc(RUN_LINE_MAX_BYTES)) == NULL)
		goto fail;

	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(stp, O_CLOEXEC | O_NONBLOCK) == -1)
		goto fail;
	/* Only our end is non-blocking: the job writes to a blocking pipe. */
	if (fcntl(outp[0], F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	p->out_fd = outp[0];
	outp[0] = -1;
	p->status_fd = stp[0];
	stp[0] = -1;
	p->out_ev = event_new(r->base, p->out_fd, EV_READ | EV_PERSIST, run_output_cb, p);
	p->status_ev = event_new(r->base, p->status_fd, EV_READ, run_status_cb, p);
	if (p->out_ev == NULL || p->status_ev == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	if (event_add(p->out_ev, NULL) == -1 || event_add(p->status_ev, NULL) == -1) {
		errno = ENOMEM;
		goto fail;
	}
	if (p->mode == CONFIG_OUTPUT_FILE &&
	    (p->file_fd = run_open_output_file(run)) == -1)
		p->mode = CONFIG_OUTPUT_DISCARD;
	c.out_fd = outp[1];
	c.status_fd = stp[1];

	/* No signal handler of schedd's may run in the child before its
	 * dispositions are reset (libevent's would write to our own socket). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		run_child_exec(&c);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		errno = saved;
		goto fail;
	}

	close(outp[1]);
	close(stp[1]);
	free(envp);
	if (groups != gbuf)
		free(groups);
	p->pid = pid;
	run_pid_insert(r, p);
	p->next = r->procs;
	if (p->next != NULL)
		p->next->prevp = &p->next;
	p->prevp = &r->procs;
	r->procs = p;
	r->nactive++;
	run->pid = pid;
	run->proc = p;
	return 0;

fail:
	saved = errno;
	if (p != NULL)
		run_proc_free(p);
	if (outp[0] != -1)
		close(outp[0]);
	if (outp[1] != -1)
		close(outp[1]);
	if (stp[0] != -1)
		close(stp[0]);
	if (stp[1] != -1)
		close(stp[1]);
	free(envp);
	if (groups != gbuf)
		free(groups);
	errno = saved;
	return -1;
}

/* --- completion ------------------------------------------------------------ */

static const char *
run_step_name(int step)
{
	switch (step) {
	case RUN_STEP_FDS:	return "setting up file descriptors";
	case RUN_STEP_SETSID:	return "setsid";
	case RUN_STEP_NICE:	return "setting nice";
	case RUN_STEP_SETGROUPS: return "setgroups";
	case RUN_STEP_SETGID:	return "setgid";
	case RUN_STEP_SETUID:	return "setuid";
	case RUN_STEP_CHDIR:	return "chdir to the working directory";
	case RUN_STEP_EXEC:	return "exec " RUN_SHELL;
	default:		return "setup";
	}
}

/* Reads the child's verdict from the status pipe: a message, or EOF when
 * exec succeeded (or the child died before writing). */
static void
run_status_read(struct run_proc *p)
{
	struct run_status_msg msg;
	ssize_t n;

	do
		n = read(p->status_fd, &msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n == (ssize_t)sizeof(msg)) {
		p->spawn_step = msg.step > 0 ? msg.step : RUN_STEP_EXEC;
		p->spawn_errno = msg.err > 0 ? msg.err : EIO;
	} else if (n > 0) {
		p->spawn_step = RUN_STEP_EXEC;
		p->spawn_errno = EIO;
	}
	run_close_status(p);
}

static void
run_status_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_status_read(arg);
}

/* Reports the attempt's completion; the proc stays while its output is
 * open. The hook is called last: it may spawn again or free the run. */
static void
run_complete(struct run_proc *p)
{
	struct runner *r = p->r;
	struct sched_run *run = p->run;
	enum sched_exit_kind kind;
	int status;

	if (p->spawn_step != 0) {
		const struct config_exec *x = run->cfg->exec;

		kind = SCHED_EXIT_SPAWN_ERROR;
		status = p->spawn_errno;
		if (p->spawn_step == RUN_STEP_CHDIR)
			log_job(LOG_LEVEL_WARNING, p->name, p->run_id, "cannot start: chdir %s: %s",
			    x->workdir != NULL ? x->workdir :
			    x->home != NULL ? x->home : "(home)", strerror(status));
		else
			log_job(LOG_LEVEL_WARNING, p->name, p->run_id, "cannot start: %s: %s",
			    run_step_name(p->spawn_step), strerror(status));
	} else if (WIFSIGNALED(p->wstatus)) {
		kind = SCHED_EXIT_SIGNAL;
		status = WTERMSIG(p->wstatus);
	} else {
		kind = SCHED_EXIT_CODE;
		status = WEXITSTATUS(p->wstatus);
	}
	if (p->grace_ev != NULL) {
		event_free(p->grace_ev);
		p->grace_ev = NULL;
	}
	if (p->spawn_step == 0)
		run_linger_add(r, p);
	p->run = NULL;
	run->pid = 0;
	run->proc = NULL;
	r->nactive--;
	if (p->eof)
		run_proc_free(p);
	else
		r->ndraining++;
	r->hooks.done(r->arg, run, kind, status);
}

static void
run_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run_proc *p = arg;

	(void)fd;
	(void)what;
	if (p->run != NULL)
		run_complete(p);
}

static void
run_exited(struct run_proc *p, int wstatus)
{
	struct timeval tv = { RUN_EOF_GRACE_MS / 1000, (RUN_EOF_GRACE_MS % 1000) * 1000 };

	p->exited = true;
	p->wstatus = wstatus;
	/* The child is gone, so its end of the status pipe is closed: this
	 * read cannot block and tells a spawn error from a real exit. */
	if (p->status_fd != -1)
		run_status_read(p);
	run_close_status(p);
	if (p->eof) {
		run_complete(p);
		return;
	}
	p->grace_ev = evtimer_new(p->r->base, run_grace_cb, p);
	if (p->grace_ev == NULL || evtimer_add(p->grace_ev, &tv) == -1) {
		log_job(LOG_LEVEL_WARNING, p->name, p->run_id,
		    "cannot wait for the end of the output; completing now");
		run_complete(p);
	}
}

static void
run_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct runner *r = arg;
	struct run_proc *p;
	pid_t pid;
	int st;

	(void)sig;
	(void)what;
	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid == 0)
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				log_warn("waitpid");
			break;
		}
		if ((p = run_pid_take(r, pid)) == NULL) {
			log_debug("reaped orphan pid %ld", (long)pid);
			continue;
		}
		run_exited(p, st);
	}
	if (r->lingers != NULL)
		run_linger_prune(r);
}

/* --- output ---------------------------------------------------------------- */

static void
run_output_flush(struct run_proc *p)
{
	log_job_output(p->name, p->run_id, p->line, p->line_len);
	p->line_len = 0;
}

/* Splits kept output into lines; a line never takes more than
 * RUN_LINE_MAX_BYTES of memory: longer ones are logged in pieces. */
static void
run_output_lines(struct run_proc *p, const char *buf, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t part = nl != NULL ? (size_t)(nl - buf) : len;

		if (nl != NULL && p->line_len == 0 && part <= RUN_LINE_MAX_BYTES) {
			/* A whole line in the buffer: log it without a copy,
			 * unless it is the newline ending a line just cut. */
			if (part > 0 || !p->line_split)
				log_job_output(p->name, p->run_id, buf, part);
			p->line_split = false;
			buf += part + 1;
			len -= part + 1;
			continue;
		}
		while (part > 0) {
			size_t room = RUN_LINE_MAX_BYTES - p->line_len;
			size_t n = part < room ? part : room;

			memcpy(p->line + p->line_len, buf, n);
			p->line_len += n;
			p->line_split = false;
			buf += n;
			len -= n;
			part -= n;
			if (p->line_len == RUN_LINE_MAX_BYTES) {
				run_output_flush(p);
				p->line_split = true;
			}
		}
		if (nl != NULL) {
			if (p->line_len > 0 || !p->line_split)
				run_output_flush(p);
			p->line_split = false;
			buf++;
			len--;
		}
	}
}

static void
run_output_write(struct run_proc *p, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(p->file_fd, buf, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_job(LOG_LEVEL_WARNING, p->name, p->run_id,
			    "cannot write output file, discarding the rest: %s",
			    w == -1 ? strerror(errno) : "short write");
			close(p->file_fd);
			p->file_fd = -1;
			p->mode = CONFIG_OUTPUT_DISCARD;
			return;
		}
		buf += w;
		len -= (size_t)w;
	}
}

/* Applies output_limit (SPEC §3: the rest is dropped and counted), then
 * hands the kept bytes to their destination. */
static void
run_output_feed(struct run_proc *p, const char *buf, size_t len)
{
	size_t keep = len;

	if (p->mode == CONFIG_OUTPUT_DISCARD)
		return;
	if (p->kept_bytes + len > p->limit_bytes) {
		keep = (size_t)(p->limit_bytes - p->kept_bytes);
		p->dropped_bytes += len - keep;
		p->r->dropped_bytes += len - keep;
	}
	p->kept_bytes += keep;
	if (keep == 0)
		return;
	if (p->mode == CONFIG_OUTPUT_FILE) {
		run_output_write(p, buf, keep);
	} else {
		run_output_lines(p, buf, keep);
		/* Cut by the limit: log the piece now, not at EOF. */
		if (keep < len && p->line_len > 0)
			run_output_flush(p);
	}
}

static void
run_output_eof(struct run_proc *p)
{
	struct runner *r = p->r;

	if (p->mode == CONFIG_OUTPUT_LOG && p->line_len > 0)
		run_output_flush(p);
	if (p->dropped_bytes > 0)
		log_job(LOG_LEVEL_WARNING, p->name, p->run_id,
		    "output limit reached, %" PRIu64 " bytes dropped", p->dropped_bytes);
	run_close_output(p);
	p->eof = true;
	if (p->run == NULL) {
		r->ndraining--;
		run_proc_free(p);
	} else if (p->exited) {
		run_complete(p);
	}
}

static void
run_output_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run_proc *p = arg;
	struct runner *r = p->r;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < RUN_READS_PER_CB; i++) {
		n = read(fd, r->buf, sizeof(r->buf));
		if (n > 0) {
			run_output_feed(p, r->buf, (size_t)n);
			if ((size_t)n < sizeof(r->buf))
				return;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1)
			log_job(LOG_LEVEL_WARNING, p->name, p->run_id, "cannot read output: %s",
			    strerror(errno));
		run_output_eof(p);
		return;
	}
}
