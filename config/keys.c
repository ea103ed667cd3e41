/*
 * keys: the table of every schedd.conf key (SPEC §3) and the parsing of the
 * scalar ones. Adding a key means one row here and, for a new type, one case
 * in config.c. Pure: no I/O, no globals but const tables.
 */
#include "keys.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "values.h"

static const char *const overlap_names[] = {
	[CONFIG_OVERLAP_SKIP] = "skip",
	[CONFIG_OVERLAP_QUEUE] = "queue",
	[CONFIG_OVERLAP_ALLOW] = "allow",
	[CONFIG_OVERLAP_REPLACE] = "replace",
	NULL,
};

static const char *const log_level_names[] = {
	[CONFIG_LOG_ERROR] = "error",
	[CONFIG_LOG_WARNING] = "warning",
	[CONFIG_LOG_INFO] = "info",
	[CONFIG_LOG_DEBUG] = "debug",
	NULL,
};

#define D(field)	offsetof(struct config, field)
#define J(field)	KEYS_PART_JOB, offsetof(struct config_job, field)
#define X(field)	KEYS_PART_EXEC, offsetof(struct config_exec, field)
#define P(field)	KEYS_PART_POLICY, offsetof(struct config_policy, field)
#define NO		KEYS_NO_OFFSET
#define NOJ		KEYS_PART_JOB, KEYS_NO_OFFSET
#define MS_MAX		(100.0 * 366 * 24 * 3600 * 1000)
#define GIB		(1024.0 * 1024 * 1024)

/*
 * Defaults are text, parsed by the same code as the file, so that a default
 * can never be a value the file could not say. Keys without a default text
 * (timezone, user, workdir, paths) are defaulted by config.c from the
 * environment; schedule and command have none and are required.
 */
const struct keys_key keys_table[] = {
	/* [daemon] */
	{ "max_concurrent", KEYS_DAEMON, KEYS_INT, 1, 100000, "64", NULL, NULL,
	    D(max_concurrent), NOJ },
	{ "shutdown_grace", KEYS_DAEMON, KEYS_DURATION, 0, MS_MAX, "30s", NULL, NULL,
	    D(shutdown_grace_ms), NOJ },
	{ "timezone", KEYS_DAEMON | KEYS_JOB, KEYS_ZONE, 0, 0, NULL, NULL, NULL,
	    D(zone), J(zone) },
	{ "runtime_dir", KEYS_DAEMON, KEYS_PATH, 0, 0, NULL, NULL, NULL,
	    D(runtime_dir), NOJ },
	{ "status_file", KEYS_DAEMON, KEYS_PATH, 0, 0, NULL, NULL, NULL,
	    D(status_file), NOJ },
	{ "state_file", KEYS_DAEMON, KEYS_PATH, 0, 0, NULL, NULL, NULL,
	    D(state_file), NOJ },
	{ "include", KEYS_DAEMON, KEYS_GLOB, 0, 0, NULL, NULL, NULL,
	    D(include), NOJ },
	{ "log_level", KEYS_DAEMON, KEYS_ENUM, 0, 0, "info", log_level_names,
	    "error, warning, info or debug", D(log_level), NOJ },
	/* jobs and [defaults] */
	{ "schedule", KEYS_JOB, KEYS_SCHEDULE, 0, 0, NULL, NULL, NULL,
	    NO, J(schedule_text) },
	{ "command", KEYS_JOB, KEYS_STRING, 0, 0, NULL, NULL, NULL,
	    NO, J(command) },
	{ "user", KEYS_JOB, KEYS_USER, 0, 0, NULL, NULL, NULL,
	    NO, X(user) },
	{ "timeout", KEYS_JOB, KEYS_DURATION, 0, MS_MAX, "0", NULL, NULL,
	    NO, P(timeout_ms) },
	{ "kill_signal", KEYS_JOB, KEYS_SIGNAL, 0, 0, "TERM", NULL, NULL,
	    NO, P(kill_signal) },
	{ "kill_grace", KEYS_JOB, KEYS_DURATION, 0, MS_MAX, "10s", NULL, NULL,
	    NO, P(kill_grace_ms) },
	{ "retries", KEYS_JOB, KEYS_INT, 0, 1000, "0", NULL, NULL,
	    NO, P(retries) },
	{ "retry_delay", KEYS_JOB, KEYS_DURATION, 0, MS_MAX, "30s", NULL, NULL,
	    NO, P(retry_delay_ms) },
	{ "retry_backoff", KEYS_JOB, KEYS_DOUBLE, 1.0, 100.0, "2.0", NULL, NULL,
	    NO, P(retry_backoff) },
	{ "retry_max_delay", KEYS_JOB, KEYS_DURATION, 0, MS_MAX, "1h", NULL, NULL,
	    NO, P(retry_max_delay_ms) },
	{ "overlap", KEYS_JOB, KEYS_ENUM, 0, 0, "skip", overlap_names,
	    "skip, queue, allow or replace", NO, P(overlap) },
	{ "catchup", KEYS_JOB, KEYS_BOOL, 0, 0, "false", NULL, NULL,
	    NO, P(catchup) },
	{ "jitter", KEYS_JOB, KEYS_DURATION, 0, MS_MAX, "0", NULL, NULL,
	    NO, P(jitter_ms) },
	{ "workdir", KEYS_JOB, KEYS_PATH, 0, 0, NULL, NULL, NULL,
	    NO, X(workdir) },
	{ "env", KEYS_JOB, KEYS_ENV, 0, 0, NULL, NULL, NULL,
	    NO, J(env) },
	{ "umask", KEYS_JOB, KEYS_UMASK, 0, 0, "022", NULL, NULL,
	    NO, X(umask) },
	{ "nice", KEYS_JOB, KEYS_INT, -20, 19, "0", NULL, NULL,
	    NO, X(nice) },
	{ "output", KEYS_JOB, KEYS_OUTPUT, 0, 0, "log", NULL, NULL,
	    NO, X(output) },
	{ "output_limit", KEYS_JOB, KEYS_SIZE, 0, GIB, "64KiB", NULL, NULL,
	    NO, X(output_limit_bytes) },
	{ "enabled", KEYS_JOB, KEYS_BOOL, 0, 0, "true", NULL, NULL,
	    NO, J(enabled) },
};

const size_t keys_count = sizeof(keys_table) / sizeof(keys_table[0]);

_Static_assert(sizeof(keys_table) / sizeof(keys_table[0]) <= KEYS_MAX,
    "KEYS_MAX bounds per-key arrays");

int
keys_find(const char *name)
{
	size_t i;

	for (i = 0; i < keys_count; i++)
		if (keys_table[i].name[0] == name[0] && strcmp(keys_table[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool
keys_env_name_ok(const char *text, size_t len)
{
	size_t i;

	if (len == 0 || (text[0] >= '0' && text[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		char c = text[i];
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Prefixes a value parser's message with the key name. */
static int
fail_key(const struct keys_key *k, const char *msg, char *err, size_t errlen)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s: %s", k->name, msg);
	return -1;
}

int
keys_parse_scalar(const struct keys_key *k, const char *text, void *dst,
    char *err, size_t errlen)
{
	char msg[256];
	int64_t ms;
	uint64_t bytes;
	long l;
	double d;
	size_t i;

	switch (k->type) {
	case KEYS_INT:
		if (value_int_range(text, (long)k->min, (long)k->max, &l, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		*(int *)dst = (int)l;
		return 0;
	case KEYS_DURATION:
		if (value_duration_ms(text, &ms, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		if ((double)ms < k->min || (double)ms > k->max) {
			char lo[32], hi[32];
			snprintf(msg, sizeof(msg), "duration '%s' out of range %s..%s", text,
			    value_format_duration((int64_t)k->min, lo, sizeof(lo)),
			    value_format_duration((int64_t)k->max, hi, sizeof(hi)));
			return fail_key(k, msg, err, errlen);
		}
		*(int64_t *)dst = ms;
		return 0;
	case KEYS_SIZE:
		if (value_size_bytes(text, &bytes, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		if ((double)bytes < k->min || (double)bytes > k->max) {
			snprintf(msg, sizeof(msg), "size '%s' out of range 0..1GiB", text);
			return fail_key(k, msg, err, errlen);
		}
		*(uint64_t *)dst = bytes;
		return 0;
	case KEYS_BOOL:
		if (value_bool(text, (bool *)dst, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		return 0;
	case KEYS_SIGNAL:
		if (value_signal(text, (int *)dst, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		return 0;
	case KEYS_UMASK:
		if (value_umask(text, (mode_t *)dst, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		return 0;
	case KEYS_DOUBLE:
		if (value_double_range(text, k->min, k->max, &d, msg, sizeof(msg)) != 0)
			return fail_key(k, msg, err, errlen);
		*(double *)dst = d;
		return 0;
	case KEYS_ENUM:
		for (i = 0; k->names[i] != NULL; i++) {
			if (strcmp(text, k->names[i]) == 0) {
				*(int *)dst = (int)i;
				return 0;
			}
		}
		snprintf(msg, sizeof(msg), "invalid value '%.64s' (expected %s)", text,
		    k->names_help);
		return fail_key(k, msg, err, errlen);
	default:
		snprintf(msg, sizeof(msg), "not a scalar key");
		return fail_key(k, msg, err, errlen);
	}
}
