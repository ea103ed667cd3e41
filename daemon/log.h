/*
 * log: the whole logging API (SPEC §7). stderr in the foreground, syslog
 * after -d, the journal (structured fields SCHEDD_JOB=, SCHEDD_RUN_ID=,
 * PRIORITY=) when JOURNAL_STREAM names our stderr. log_warn appends
 * strerror(errno); log_warnx does not. fatal/fatalx exit with code 3.
 */
#ifndef SCHEDD_LOG_H
#define SCHEDD_LOG_H

#include <stdint.h>
#include <stddef.h>

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
	LOG_TO_JOURNAL,
};

/* Levels follow config_log_level: 0 error, 1 warning, 2 info, 3 debug. */
enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Picks the journal when JOURNAL_STREAM matches fd 2, else stderr. */
void log_init(enum log_level level);
/* Switches to syslog (after detaching). */
void log_to_syslog(void);
void log_set_level(enum log_level level);
enum log_target log_target(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A line about one job (run_id 0: none), tagged SCHEDD_JOB= and
 * SCHEDD_RUN_ID= in the journal; "job NAME: ..." elsewhere. */
void log_job(enum log_level level, const char *job, uint64_t run_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One line of job output (not NUL-terminated, no newline): logged at info as
 * "NAME: line" (journal: MESSAGE=line with SCHEDD_JOB=, SCHEDD_RUN_ID=). */
void log_job_output(const char *job, uint64_t run_id, const char *line, size_t len);

#endif
