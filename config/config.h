/*
 * config: schedd.conf (SPEC §3) read through libinih into an immutable
 * struct config. Two phases: raw entries with FILE:LINE are collected first,
 * then validated against one table of keys (keys.h); every error is collected
 * before any is reported. A reload builds a new config beside the running one
 * and compares jobs by their effective-settings hash. Jobs share interned
 * process settings (config_exec) and policies (config_policy). Loading reads
 * files, the passwd database and zone files; it never creates directories.
 */
#ifndef SCHEDD_CONFIG_H
#define SCHEDD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cronexpr.h"
#include "tz.h"

enum config_overlap {
	CONFIG_OVERLAP_SKIP,
	CONFIG_OVERLAP_QUEUE,
	CONFIG_OVERLAP_ALLOW,
	CONFIG_OVERLAP_REPLACE,
};

enum config_output {
	CONFIG_OUTPUT_LOG,
	CONFIG_OUTPUT_DISCARD,
	CONFIG_OUTPUT_FILE,
};

enum config_log_level {
	CONFIG_LOG_ERROR,
	CONFIG_LOG_WARNING,
	CONFIG_LOG_INFO,
	CONFIG_LOG_DEBUG,
};

/*
 * How a job's process is set up (SPEC §4). Interned: every job whose values
 * are equal shares one, owned by the struct config and never modified, so a
 * large config keeps one copy of the settings its jobs have in common.
 */
struct config_exec {
	const char	*user;		/* NULL: the daemon's user */
	const char	*home;		/* that user's home directory ($HOME or "/"
					 * when the daemon's uid has no passwd entry) */
	const char	*shell_user;	/* that user's login name (USER, LOGNAME), or
					 * the numeric uid without a passwd entry */
	const char	*workdir;	/* NULL: the user's home directory, or "/"
					 * when that does not exist */
	const char	*output_path;	/* CONFIG_OUTPUT_FILE only */
	uint64_t	 output_limit_bytes;
	uid_t		 uid;		/* resolved at load; the daemon's when user is NULL */
	gid_t		 gid;
	mode_t		 umask;
	int		 nice;
	enum config_output output;
};

/* When and how often a job runs, and how its runs end (SPEC §3).
 * Interned like struct config_exec. */
struct config_policy {
	int64_t		 timeout_ms;	/* 0: none */
	int64_t		 kill_grace_ms;
	int64_t		 retry_delay_ms;
	int64_t		 retry_max_delay_ms;
	int64_t		 jitter_ms;
	double		 retry_backoff;
	int		 kill_signal;
	int		 retries;	/* extra attempts after a failed one */
	enum config_overlap overlap;
	bool		 catchup;
};

/*
 * One job's effective settings ([defaults] applied, then the job's own
 * keys). Strings, env lists, zones, exec and policy are owned by the struct
 * config and may be shared between jobs; in a loaded config, exec, policy
 * and zone are never NULL. Ordered for size: a job is 144 bytes.
 */
struct config_job {
	const char	*name;
	const char	*schedule_text;
	const char	*command;
	const struct tz	*zone;		/* the job's or the daemon's zone */
	const struct config_exec *exec;
	const struct config_policy *policy;
	const char *const *env;		/* "KEY=value" entries, in file order; a job's
					 * own list replaces that of [defaults] */
	size_t		 nenv;
	const char	*file;		/* where [job:NAME] stands */
	uint64_t	 hash;		/* hash of every effective setting, the
					 * contents of exec and policy included (not
					 * of file or line): equal means unchanged */
	struct cronexpr	 schedule;
	int		 line;
	bool		 enabled;
};

struct config {
	const char	*path;
	int		 max_concurrent;
	int64_t		 shutdown_grace_ms;
	const struct tz	*zone;		/* daemon default zone */
	const char	*status_file;	/* default runtime_dir/status; never NULL */
	const char	*state_file;	/* defaulted per SPEC §3; never NULL */
	const char	*runtime_dir;	/* [daemon] runtime_dir, else $RUNTIME_DIRECTORY,
					 * /run/schedd (root), $XDG_RUNTIME_DIR/schedd,
					 * /tmp/schedd-UID; never NULL. Where status_file
					 * and the pidfile default to. */
	const char	*include;	/* the glob as written; NULL when not set */
	enum config_log_level log_level;
	struct config_job *jobs;	/* sorted by name (strcmp); NULL when none */
	size_t		 njobs;
};

/* Errors collected by config_load, each "FILE:LINE: message" (LINE 0: the
 * file as a whole, e.g. "cannot open"), ordered by file (main file, then
 * drop-ins in name order) and line. Start from { 0 }; loads append. */
struct config_errors {
	char	**msgs;
	size_t	  n, cap;
};

/* What the environment contributes; filled by config_env_current() in the
 * daemon and by hand in tests. The strings must outlive config_load only. */
struct config_env {
	uid_t		 uid;			/* the daemon's effective uid */
	const char	*runtime_directory;	/* $RUNTIME_DIRECTORY or NULL */
	const char	*state_directory;	/* $STATE_DIRECTORY or NULL */
	const char	*xdg_runtime_dir;	/* $XDG_RUNTIME_DIR or NULL */
	const char	*xdg_state_home;	/* $XDG_STATE_HOME or NULL */
	const char	*home;			/* $HOME or NULL */
	bool		 check_owner;		/* refuse unsafe files (root) */
};

/* The process's: geteuid(), the variables (empty ones as NULL), and
 * check_owner when running as root. */
void config_env_current(struct config_env *env);

/* Loads and validates PATH and its drop-ins. Returns NULL when there is any
 * error; every error has been appended to errs. Not thread-safe: it sets
 * libinih's process-wide options. Free the result with config_free. */
struct config *config_load(const char *path, const struct config_env *env,
    struct config_errors *errs);

/* Loads from an in-memory buffer named NAME (fuzzing, tests); `include` is
 * refused. Same contract as config_load. */
struct config *config_load_buffer(const char *name, const char *buf, size_t len,
    const struct config_env *env, struct config_errors *errs);

/* Frees CFG and everything it owns (NULL is fine). */
void config_free(struct config *cfg);

/* The job called NAME, or NULL. Binary search. */
const struct config_job *config_find_job(const struct config *cfg, const char *name);

/* Frees every message and resets ERRS to { 0 }. */
void config_errors_free(struct config_errors *errs);

const char *config_overlap_name(enum config_overlap o);	/* "skip" ... */
const char *config_log_level_name(enum config_log_level l);

#endif
