/*
 * log: one small file for every log line schedd writes (SPEC §7).
 * Glue: it keeps the target and level in file-scope state, as a logger must.
 * Under systemd, structured journal fields let `journalctl SCHEDD_JOB=x`
 * show one job; in the foreground, lines go to stderr with a timestamp.
 */
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

static enum log_target log_dest = LOG_TO_STDERR;
static enum log_level log_max = LOG_LEVEL_INFO;
static bool log_prio_prefix;	/* stderr is a journal stream, no socket */

static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* True when JOURNAL_STREAM is "DEV:INO" of our stderr (systemd.exec(5)). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(enum log_level level)
{
	log_max = level;
	log_dest = LOG_TO_STDERR;
	log_prio_prefix = false;
	if (stderr_is_journal()) {
		/* sd_journal_send() fails silently without journald's socket. */
		if (access("/run/systemd/journal/socket", W_OK) == 0)
			log_dest = LOG_TO_JOURNAL;
		else
			log_prio_prefix = true;
	}
}

void
log_to_syslog(void)
{
	openlog("schedd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_dest = LOG_TO_SYSLOG;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

enum log_target
log_target(void)
{
	return log_dest;
}

static void
log_emit(enum log_level level, const char *job, uint64_t run_id, const char *msg)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	int saved = errno;

	switch (log_dest) {
	case LOG_TO_JOURNAL:
		if (job != NULL && run_id != 0)
			(void)sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", log_prio[level],
			    "SCHEDD_JOB=%s", job, "SCHEDD_RUN_ID=%llu",
			    (unsigned long long)run_id, "SYSLOG_IDENTIFIER=schedd", NULL);
		else if (job != NULL)
			(void)sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", log_prio[level],
			    "SCHEDD_JOB=%s", job, "SYSLOG_IDENTIFIER=schedd", NULL);
		else
			(void)sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", log_prio[level],
			    "SYSLOG_IDENTIFIER=schedd", NULL);
		break;
	case LOG_TO_SYSLOG:
		syslog(log_prio[level], "%s", msg);
		break;
	case LOG_TO_STDERR:
		if (log_prio_prefix) {
			/* sd-daemon(3) prefixes: the journal keeps the priority. */
			fprintf(stderr, "<%d>%s\n", log_prio[level], msg);
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld schedd[%ld]: %s\n", stamp, ts.tv_nsec / 1000000,
		    (long)getpid(), msg);
		break;
	}
	errno = saved;
}

static void
log_vformat(enum log_level level, const char *job, uint64_t run_id, const char *suffix,
    const char *fmt, va_list ap)
{
	char buf[4096];
	int n;

	if (level > log_max)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= 0 && suffix != NULL && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s", suffix);
	log_emit(level, job, run_id, buf);
}

#define LOG_BODY(level, job, run_id, suffix) do {		\
	va_list ap;						\
	va_start(ap, fmt);					\
	log_vformat(level, job, run_id, suffix, fmt, ap);	\
	va_end(ap);						\
} while (0)

void
log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);

	LOG_BODY(LOG_LEVEL_WARNING, NULL, 0, why);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARNING, NULL, 0, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, NULL, 0, NULL);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, NULL, 0, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);

	LOG_BODY(LOG_LEVEL_ERROR, NULL, 0, why);
	exit(3);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, NULL, 0, NULL);
	exit(3);
}

void
log_job(enum log_level level, const char *job, uint64_t run_id, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_dest == LOG_TO_JOURNAL) {
		log_emit(level, job, run_id, buf);
	} else {
		char line[4200];
		snprintf(line, sizeof(line), "job %s: %s", job, buf);
		log_emit(level, job, run_id, line);
	}
}

void
log_job_output(const char *job, uint64_t run_id, const char *line, size_t len)
{
	char buf[4200];
	int n;

	if (LOG_LEVEL_INFO > log_max)
		return;
	if (len > 4000)
		len = 4000;
	if (log_dest == LOG_TO_JOURNAL)
		n = snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
	else
		n = snprintf(buf, sizeof(buf), "%s: %.*s", job, (int)len, line);
	if (n < 0)
		return;
	log_emit(LOG_LEVEL_INFO, job, run_id, buf);
}
