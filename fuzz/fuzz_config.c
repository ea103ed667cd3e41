/*
 * fuzz_config: config_load_buffer on arbitrary bytes, with a fixed
 * environment (root, runtime and state directories under /tmp, no owner
 * checks). A loaded config must satisfy SPEC §3's bounds and cross-key
 * rules, and loading it again gives the same jobs with the same hashes; a
 * refused one must name FILE:LINE in every error, in line order.
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cronexpr.h"
#include "fuzz.h"

#define NAME		"fuzz.conf"
#define MAX_JOB_NAME	64	/* SPEC §3 */
#define MS_MAX		(INT64_C(100) * 366 * 24 * 3600 * 1000)
#define GIB		(UINT64_C(1) << 30)

static struct config_env env;

static bool
absolute(const char *path)
{
	return path != NULL && path[0] == '/';
}

static bool
job_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || len > MAX_JOB_NAME)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("-_.", name[i]) == NULL)
			return false;
	return true;
}

/* Lines as the loader counts them: '\n'-terminated, plus a last one
 * without '\n'. */
static long
count_lines(const uint8_t *data, size_t size)
{
	long n = 0;
	size_t i;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n + (size > 0 && data[size - 1] != '\n');
}

/* "fuzz.conf:LINE: message" with 0 <= LINE <= nlines, in line order. */
static void
check_errors(const struct config_errors *errs, long nlines)
{
	const size_t plen = strlen(NAME);
	const char *msg, *p;
	long line, prev = -1;
	size_t i;

	FUZZ_CHECK(errs->n > 0 && errs->n <= errs->cap && errs->msgs != NULL,
	    "refused without an error (n %zu)", errs->n);
	for (i = 0; i < errs->n; i++) {
		msg = errs->msgs[i];
		FUZZ_CHECK(msg != NULL && strncmp(msg, NAME ":", plen + 1) == 0,
		    "error %zu does not start with " NAME ": '%s'", i, msg);
		p = msg + plen + 1;
		FUZZ_CHECK(isdigit((unsigned char)*p), "error without a line number: '%s'", msg);
		for (line = 0; isdigit((unsigned char)*p) && line <= nlines; p++)
			line = line * 10 + (*p - '0');
		FUZZ_CHECK(*p == ':' && line <= nlines, "error at a line that does not exist "
		    "(%ld lines): '%s'", nlines, msg);
		FUZZ_CHECK(p[1] == ' ' && p[2] != '\0', "error without a message: '%s'", msg);
		FUZZ_CHECK(line >= prev, "errors out of line order: '%s' after line %ld", msg,
		    prev);
		prev = line;
	}
}

static void
check_job(const struct config *cfg, const struct config_job *j, long nlines)
{
	const struct config_exec *x;
	const struct config_policy *p;
	struct cronexpr ce;
	char err[256];
	size_t i, k;
	const char *eq;

	FUZZ_CHECK(j->name != NULL && job_name_ok(j->name), "bad job name '%s'",
	    j->name != NULL ? j->name : "(null)");
	FUZZ_CHECK(config_find_job(cfg, j->name) == j, "job '%s' not found", j->name);
	FUZZ_CHECK(j->schedule_text != NULL && j->command != NULL && j->command[0] != '\0',
	    "job '%s': schedule or command missing", j->name);
	memset(&ce, 0xa5, sizeof(ce));
	FUZZ_CHECK(cronexpr_parse(&ce, j->schedule_text, err, sizeof(err)) == 0 &&
	    memcmp(&ce, &j->schedule, sizeof(ce)) == 0,
	    "job '%s': schedule '%s' is not what its text parses to", j->name,
	    j->schedule_text);
	FUZZ_CHECK(j->zone != NULL && j->exec != NULL && j->policy != NULL,
	    "job '%s': zone, exec or policy missing", j->name);
	x = j->exec;
	p = j->policy;
	FUZZ_CHECK(x->home != NULL && absolute(x->home) && x->shell_user != NULL &&
	    x->shell_user[0] != '\0' && (x->user == NULL || x->user[0] != '\0'),
	    "job '%s': home or user missing", j->name);
	FUZZ_CHECK(p->timeout_ms >= 0 && p->timeout_ms <= MS_MAX &&
	    p->kill_grace_ms >= 0 && p->kill_grace_ms <= MS_MAX &&
	    p->retry_delay_ms >= 0 && p->retry_delay_ms <= MS_MAX &&
	    p->retry_max_delay_ms >= p->retry_delay_ms && p->retry_max_delay_ms <= MS_MAX &&
	    p->jitter_ms >= 0 && p->jitter_ms <= MS_MAX,
	    "job '%s': a duration is out of range", j->name);
	FUZZ_CHECK(p->kill_signal >= 1 && p->kill_signal <= 64 &&
	    p->retries >= 0 && p->retries <= 1000 &&
	    isfinite(p->retry_backoff) && p->retry_backoff >= 1.0 && p->retry_backoff <= 100.0 &&
	    x->umask <= 0777 && x->nice >= -20 && x->nice <= 19 &&
	    x->output_limit_bytes <= GIB,
	    "job '%s': a number is out of range", j->name);
	FUZZ_CHECK(config_overlap_name(p->overlap) != NULL &&
	    (x->output == CONFIG_OUTPUT_LOG || x->output == CONFIG_OUTPUT_DISCARD ||
	    x->output == CONFIG_OUTPUT_FILE) &&
	    (x->output == CONFIG_OUTPUT_FILE) == (x->output_path != NULL) &&
	    (x->output_path == NULL || absolute(x->output_path)) &&
	    (x->workdir == NULL || absolute(x->workdir)),
	    "job '%s': overlap, output or workdir invalid", j->name);
	FUZZ_CHECK(j->file != NULL && strcmp(j->file, NAME) == 0 && j->line >= 1 &&
	    j->line <= nlines, "job '%s' at %s:%d", j->name, j->file, j->line);
	FUZZ_CHECK(j->nenv == 0 || j->env != NULL, "job '%s': env missing", j->name);
	for (i = 0; i < j->nenv; i++) {
		FUZZ_CHECK(j->env[i] != NULL && (eq = strchr(j->env[i], '=')) != NULL &&
		    eq > j->env[i] && !isdigit((unsigned char)j->env[i][0]) &&
		    strncmp(j->env[i], "SCHEDD_", 7) != 0,
		    "job '%s': bad env entry '%s'", j->name, j->env[i]);
		for (eq = j->env[i]; *eq != '='; eq++)
			FUZZ_CHECK(isalnum((unsigned char)*eq) || *eq == '_',
			    "job '%s': bad env name '%s'", j->name, j->env[i]);
		for (k = 0; k < i; k++)
			FUZZ_CHECK(strncmp(j->env[k], j->env[i],
			    (size_t)(strchr(j->env[i], '=') - j->env[i]) + 1) != 0,
			    "job '%s': env '%s' set twice", j->name, j->env[i]);
	}
}

static void
check_config(const struct config *cfg, long nlines)
{
	size_t i;

	FUZZ_CHECK(cfg->path != NULL && strcmp(cfg->path, NAME) == 0, "path '%s'", cfg->path);
	FUZZ_CHECK(cfg->max_concurrent >= 1 && cfg->max_concurrent <= 100000 &&
	    cfg->shutdown_grace_ms >= 0 && cfg->shutdown_grace_ms <= MS_MAX &&
	    cfg->zone != NULL && config_log_level_name(cfg->log_level) != NULL,
	    "daemon settings out of range");
	FUZZ_CHECK(absolute(cfg->status_file) && absolute(cfg->state_file) &&
	    absolute(cfg->runtime_dir), "runtime paths not absolute");
	FUZZ_CHECK(cfg->include == NULL, "include accepted from memory");
	FUZZ_CHECK(cfg->njobs == 0 || cfg->jobs != NULL, "jobs missing");
	for (i = 0; i < cfg->njobs; i++) {
		if (i > 0)
			FUZZ_CHECK(strcmp(cfg->jobs[i - 1].name, cfg->jobs[i].name) < 0,
			    "jobs not sorted or not unique: '%s', '%s'", cfg->jobs[i - 1].name,
			    cfg->jobs[i].name);
		check_job(cfg, &cfg->jobs[i], nlines);
	}
	FUZZ_CHECK(config_find_job(cfg, "") == NULL, "found a job without a name");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memset(&env, 0, sizeof(env));
	env.uid = 0;
	env.runtime_directory = "/tmp/schedd-fuzz/run";
	env.state_directory = "/tmp/schedd-fuzz/state";
	env.home = "/tmp/schedd-fuzz/home";
	env.check_owner = false;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { 0 }, errs2 = { 0 };
	struct config *cfg, *cfg2;
	long nlines = count_lines(data, size);
	size_t i;

	cfg = config_load_buffer(NAME, (const char *)data, size, &env, &errs);
	if (cfg == NULL) {
		check_errors(&errs, nlines);
		config_errors_free(&errs);
		FUZZ_CHECK(errs.n == 0 && errs.msgs == NULL, "errors not cleared");
		return 0;
	}
	FUZZ_CHECK(errs.n == 0, "loaded, with %zu errors ('%s')", errs.n, errs.msgs[0]);
	check_config(cfg, nlines);
	/* The job hashes are stable: a reload of the same text changes nothing. */
	cfg2 = config_load_buffer(NAME, (const char *)data, size, &env, &errs2);
	FUZZ_CHECK(cfg2 != NULL && errs2.n == 0, "loading twice: refused the second time");
	FUZZ_CHECK(cfg->njobs == cfg2->njobs, "loading twice: %zu then %zu jobs", cfg->njobs,
	    cfg2->njobs);
	for (i = 0; i < cfg->njobs; i++)
		FUZZ_CHECK(strcmp(cfg->jobs[i].name, cfg2->jobs[i].name) == 0 &&
		    cfg->jobs[i].hash == cfg2->jobs[i].hash,
		    "loading twice: job '%s' has another hash", cfg->jobs[i].name);
	config_free(cfg);
	config_free(cfg2);
	return 0;
}
