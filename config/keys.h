/*
 * keys: the one table of schedd.conf keys (SPEC §3). Each key states the
 * sections it may stand in, its type, bounds, default and where its value
 * lands: in struct config, or in a job's struct config_job, config_exec or
 * config_policy. Pure: the values that need
 * the system (zones, users) or storage (strings, env lists) are applied by
 * config.c; this module only parses and checks text.
 */
#ifndef SCHEDD_KEYS_H
#define SCHEDD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where a key may stand; [defaults] takes every job key. */
#define KEYS_DAEMON	0x1
#define KEYS_JOB	0x2

enum keys_type {
	KEYS_INT,	/* int, bounds min..max */
	KEYS_DURATION,	/* int64_t milliseconds, bounds in ms */
	KEYS_SIZE,	/* uint64_t bytes, bounds in bytes */
	KEYS_BOOL,	/* bool */
	KEYS_SIGNAL,	/* int signal number */
	KEYS_UMASK,	/* mode_t */
	KEYS_DOUBLE,	/* double, bounds min..max */
	KEYS_ENUM,	/* an enum (int-sized), one of names[] */
	KEYS_STRING,	/* any non-empty text (command) */
	KEYS_PATH,	/* an absolute path */
	KEYS_GLOB,	/* include: a glob pattern */
	KEYS_SCHEDULE,	/* schedule_text + schedule */
	KEYS_ZONE,	/* const struct tz * */
	KEYS_USER,	/* exec: user, uid, gid, home, shell_user */
	KEYS_OUTPUT,	/* exec: output + output_path */
	KEYS_ENV,	/* repeatable KEY=value */
};

/* Which of a job's structs a job key lands in. */
enum keys_part {
	KEYS_PART_JOB,		/* struct config_job */
	KEYS_PART_EXEC,		/* struct config_exec */
	KEYS_PART_POLICY,	/* struct config_policy */
};

#define KEYS_NO_OFFSET (-1)
#define KEYS_MAX 64	/* bound of keys_count, for per-key arrays */

struct keys_key {
	const char	*name;
	unsigned	 scope;		/* KEYS_DAEMON | KEYS_JOB */
	enum keys_type	 type;
	double		 min, max;	/* INT, DOUBLE, DURATION (ms), SIZE (bytes) */
	const char	*default_text;	/* parsed like a config value; NULL: none */
	const char *const *names;	/* ENUM: names[value], NULL-terminated */
	const char	*names_help;	/* ENUM: "skip, queue, allow or replace" */
	ptrdiff_t	 daemon_off;	/* offsetof in struct config, or KEYS_NO_OFFSET */
	enum keys_part	 job_part;	/* the struct job_off is in */
	ptrdiff_t	 job_off;	/* offsetof in that struct, or KEYS_NO_OFFSET */
};

extern const struct keys_key keys_table[];
extern const size_t keys_count;

/* The index of key NAME in keys_table, or -1. Case-sensitive. */
int keys_find(const char *name);

/*
 * Parses TEXT for a scalar key (INT ... ENUM) into the object at DST, which
 * has the type the key states. Returns 0, or -1 with a message in err that
 * starts with the key name ("nice: value 20 out of range -20..19").
 */
int keys_parse_scalar(const struct keys_key *k, const char *text, void *dst,
    char *err, size_t errlen);

/* True when TEXT is a usable shell variable name: [A-Za-z_][A-Za-z0-9_]*
 * of LEN bytes. */
bool keys_env_name_ok(const char *text, size_t len);

#endif
