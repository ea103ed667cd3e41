/*
 * bench_daemon: the daemon as a whole, run as a real process (SCHEDD=path
 * of the binary, default build/schedd):
 *  (a) 1,000 jobs due in the same second: time from the due second until
 *      the last one started, next to a plain posix_spawn loop of the same
 *      commands in the same run (what this machine can do at best);
 *  (b) start lag p50/p99/max of a job due every second, over BENCH_SECONDS
 *      (default 60), as the daemon's status dump reports it;
 *  (c) 100,000 jobs not due for BENCH_SECONDS: wake-ups (context switches
 *      of the daemon), CPU time and RSS.
 * Public interfaces only: fork/exec, posix_spawn, /proc, signals.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char workdir[256];
static const char *schedd = "build/schedd";

static double
now_s(int clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static pid_t
start_daemon(const char *conf, const char *log)
{
	char rundir[300];
	pid_t pid;

	snprintf(rundir, sizeof(rundir), "%s/run", workdir);
	mkdir(rundir, 0700);
	pid = fork();
	if (pid == 0) {
		FILE *fp = freopen(log, "w", stderr);
		(void)fp;
		setenv("RUNTIME_DIRECTORY", rundir, 1);
		setenv("STATE_DIRECTORY", rundir, 1);
		unsetenv("NOTIFY_SOCKET");
		execl(schedd, "schedd", "-c", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
stop_daemon(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

static int
count_in_file(const char *path, const char *needle)
{
	char line[4096];
	int n = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	fclose(fp);
	return n;
}

/* Seconds of the day of the latest "HH:MM:SS.mmm" log stamp with needle. */
static double
last_stamp(const char *path, const char *needle)
{
	char line[4096];
	double last = -1;
	FILE *fp = fopen(path, "r");
	int h, m, s, ms;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL &&
		    sscanf(line, "%*d-%*d-%*d %d:%d:%d.%d", &h, &m, &s, &ms) == 4)
			last = h * 3600 + m * 60 + s + ms / 1000.0;
	fclose(fp);
	return last;
}

static double
spawn_loop(int n)
{
	char *argv[] = { "sh", "-c", "true", NULL };
	double t0 = now_s(CLOCK_MONOTONIC), t1;
	int i;

	for (i = 0; i < n; i++) {
		pid_t pid;
		if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
			perror("posix_spawn");
	}
	t1 = now_s(CLOCK_MONOTONIC);
	while (wait(NULL) > 0)
		;
	return t1 - t0;
}

static void
bench_burst(void)
{
	char conf[300], log[300];
	FILE *fp;
	time_t due;
	struct tm tm;
	double last, due_sod, spawn_s;
	pid_t pid;
	int i, started;

	snprintf(conf, sizeof(conf), "%s/burst.conf", workdir);
	snprintf(log, sizeof(log), "%s/burst.log", workdir);
	due = time(NULL) + 4;
	localtime_r(&due, &tm);
	fp = fopen(conf, "w");
	fprintf(fp, "[daemon]\nmax_concurrent = 2000\nlog_level = info\n");
	for (i = 0; i < 1000; i++)
		fprintf(fp, "[job:j%04d]\nschedule = %d %d %d * * *\ncommand = true\n", i,
		    tm.tm_sec, tm.tm_min, tm.tm_hour);
	fclose(fp);
	pid = start_daemon(conf, log);
	for (i = 0; i < 200 && (started = count_in_file(log, "started run")) < 1000; i++)
		sleep_s(0.1);
	sleep_s(0.5);
	started = count_in_file(log, "started run");
	stop_daemon(pid);
	last = last_stamp(log, "started run");
	due_sod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	spawn_s = spawn_loop(1000);
	printf("(a) burst: %d of 1000 jobs started; last start %.1f ms after the due second\n",
	    started, (last - due_sod) * 1000);
	printf("    plain posix_spawn loop of 1000 'sh -c true': %.1f ms; ratio %.2f\n",
	    spawn_s * 1000, (last - due_sod) / spawn_s);
}

static void
bench_lag(int seconds)
{
	char conf[300], log[300], status[300], line[1024];
	double p50 = -1, p99 = -1, max = -1;
	FILE *fp;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/lag.conf", workdir);
	snprintf(log, sizeof(log), "%s/lag.log", workdir);
	snprintf(status, sizeof(status), "%s/run/status", workdir);
	fp = fopen(conf, "w");
	fprintf(fp, "[job:tick]\nschedule = * * * * * *\ncommand = true\n");
	fclose(fp);
	pid = start_daemon(conf, log);
	sleep_s(seconds + 0.5);
	kill(pid, SIGUSR1);
	sleep_s(0.5);
	stop_daemon(pid);
	fp = fopen(status, "r");
	if (fp != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL) {
			char *p;
			if ((p = strstr(line, "lag_p50_ms=")) != NULL)
				p50 = atof(p + 11);
			if ((p = strstr(line, "lag_p99_ms=")) != NULL)
				p99 = atof(p + 11);
			if ((p = strstr(line, "lag_max_ms=")) != NULL)
				max = atof(p + 11);
		}
		fclose(fp);
	}
	printf("(b) start lag of a per-second job over %d s: p50 %.3f ms, p99 %.3f ms, max %.3f ms "
	    "(%d runs)\n", seconds, p50, p99, max, count_in_file(log, "started run"));
}

struct procstat {
	long	ctxt;		/* voluntary + involuntary context switches */
	double	cpu_s;
	long	rss_kib;
};

static void
read_proc(pid_t pid, struct procstat *ps)
{
	char path[64], line[512];
	unsigned long ut = 0, st = 0;
	FILE *fp;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fp = fopen(path, "r")) != NULL) {
		long v;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
				ps->ctxt += v;
			else if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
				ps->ctxt += v;
			else if (sscanf(line, "VmRSS: %ld", &v) == 1)
				ps->rss_kib = v;
		}
		fclose(fp);
	}
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL) {
			char *p = strrchr(line, ')');
			if (p != NULL)
				sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				    &ut, &st);
		}
		fclose(fp);
	}
	ps->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
bench_idle(int seconds)
{
	char conf[300], log[300];
	struct procstat a, b;
	time_t now = time(NULL);
	struct tm tm;
	FILE *fp;
	pid_t pid;
	int i;

	snprintf(conf, sizeof(conf), "%s/idle.conf", workdir);
	snprintf(log, sizeof(log), "%s/idle.log", workdir);
	localtime_r(&now, &tm);
	fp = fopen(conf, "w");
	/* Daily jobs at every minute of the day except the next few hours. */
	for (i = 0; i < 100000; i++) {
		int minute_of_day = (tm.tm_hour * 60 + tm.tm_min + 180 + i % 1000) % 1440;
		fprintf(fp, "[job:idle%06d]\nschedule = %d %d %d * * *\ncommand = true\n", i,
		    i % 60, minute_of_day % 60, minute_of_day / 60);
	}
	fclose(fp);
	pid = start_daemon(conf, log);
	for (i = 0; i < 300 && count_in_file(log, "ready:") == 0; i++)
		sleep_s(0.1);
	sleep_s(1);
	read_proc(pid, &a);
	sleep_s(seconds);
	read_proc(pid, &b);
	stop_daemon(pid);
	printf("(c) 100,000 idle jobs over %d s: %ld wake-ups (%.2f/s), CPU %.3f s, RSS %.1f MiB\n",
	    seconds, b.ctxt - a.ctxt, (double)(b.ctxt - a.ctxt) / seconds, b.cpu_s - a.cpu_s,
	    b.rss_kib / 1024.0);
}

int
main(void)
{
	const char *env = getenv("SCHEDD");
	const char *secs = getenv("BENCH_SECONDS");
	int seconds = secs != NULL ? atoi(secs) : 60;

	if (env != NULL)
		schedd = env;
	if (access(schedd, X_OK) == -1) {
		fprintf(stderr, "bench_daemon: %s: not executable (set SCHEDD)\n", schedd);
		return 1;
	}
	snprintf(workdir, sizeof(workdir), "/tmp/schedd-bench.XXXXXX");
	if (mkdtemp(workdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	bench_burst();
	bench_lag(seconds);
	bench_idle(seconds);
	return 0;
}
