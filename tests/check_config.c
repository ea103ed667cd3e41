/*
 * Unit tests of config/config.c and config/keys.c (SPEC §3): every invalid
 * fixture in tests/config/bad with its exact FILE:LINE messages, the valid
 * fixtures in tests/config/good with every parsed value, and the reading
 * rules (long lines, no inline comments, owners, drop-ins, defaults).
 * Run from the repository root, as `make check` does.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "keys.h"
#include "tests.h"

#define BAD_DIR		"tests/config/bad"
#define GOOD_DIR	"tests/config/good"
#define MAX_FIXTURES	512

static char *bad_names[MAX_FIXTURES];
static int nbad;

/* A fixed environment: root, no owner checks, no runtime variables. */
static void
env_fixed(struct config_env *env)
{
	memset(env, 0, sizeof(*env));
	env->uid = 0;
	env->home = "/root";
}

static struct config *
load_text(const char *text, const struct config_env *env, struct config_errors *errs)
{
	return config_load_buffer("test.conf", text, strlen(text), env, errs);
}

/* All messages joined by newlines, for failure output and comparisons. */
static char *
joined(const struct config_errors *errs)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < errs->n; i++)
		len += strlen(errs->msgs[i]) + 1;
	s = malloc(len);
	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (i = 0; i < errs->n; i++) {
		strcat(s, errs->msgs[i]);
		strcat(s, "\n");
	}
	return s;
}

/* Loads TEXT expecting failure with exactly the messages EXPECT
 * ("test.conf:LINE: message\n" each). */
static void
expect_errors_env(const char *text, const struct config_env *env, const char *expect)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	char *got;

	cfg = load_text(text, env, &errs);
	got = joined(&errs);
	ck_assert_msg(cfg == NULL, "accepted:\n%s", text);
	ck_assert_str_eq(got, expect);
	free(got);
	config_errors_free(&errs);
}

static void
expect_errors(const char *text, const char *expect)
{
	struct config_env env;

	env_fixed(&env);
	expect_errors_env(text, &env, expect);
}

static struct config *
expect_ok(const char *text, const struct config_env *env)
{
	struct config_errors errs = { 0 };
	struct config *cfg = load_text(text, env, &errs);
	char *got = joined(&errs);

	ck_assert_msg(cfg != NULL, "rejected:\n%s", got);
	ck_assert_uint_eq(errs.n, 0);
	free(got);
	config_errors_free(&errs);
	return cfg;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect_bad_fixtures(void)
{
	DIR *d = opendir(BAD_DIR);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && nbad < MAX_FIXTURES) {
		size_t n = strlen(de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0)
			bad_names[nbad++] = strndup(de->d_name, n - 5);
	}
	closedir(d);
	qsort(bad_names, (size_t)nbad, sizeof(bad_names[0]), cmp_name);
}

START_TEST(bad_fixture_count)
{
	ck_assert_msg(nbad >= 60, "only %d fixtures in %s (run from the repository root)",
	    nbad, BAD_DIR);
}
END_TEST

/* Loads BAD_DIR/NAME.conf from inside BAD_DIR, so that the messages carry
 * the paths written in NAME.err, and compares them all, in order. */
START_TEST(bad_fixture)
{
	struct config_errors errs = { 0 };
	struct config_env env;
	struct config *cfg;
	char conf[300], errf[300], *expect, *got;
	int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(here, 0);
	ck_assert_int_eq(chdir(BAD_DIR), 0);
	snprintf(conf, sizeof(conf), "%s.conf", bad_names[_i]);
	snprintf(errf, sizeof(errf), "%s.err", bad_names[_i]);
	expect = slurp(errf);
	env_fixed(&env);
	cfg = config_load(conf, &env, &errs);
	got = joined(&errs);
	ck_assert_int_eq(fchdir(here), 0);
	close(here);
	ck_assert_msg(cfg == NULL, "%s accepted", conf);
	ck_assert_msg(strcmp(got, expect) == 0, "%s:\nexpected:\n%sgot:\n%s", conf, expect, got);
	free(expect);
	free(got);
	config_errors_free(&errs);
}
END_TEST

static struct config *
load_good(const char *name, const struct config_env *env)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	char path[256], *got;

	snprintf(path, sizeof(path), GOOD_DIR "/%s", name);
	cfg = config_load(path, env, &errs);
	got = joined(&errs);
	ck_assert_msg(cfg != NULL, "%s rejected:\n%s", path, got);
	free(got);
	config_errors_free(&errs);
	return cfg;
}

/* The parsed schedule is exactly what the schedule engine makes of TEXT. */
static void
assert_schedule(const struct config_job *j, const char *text)
{
	struct cronexpr ce;
	char err[128];

	ck_assert_str_eq(j->schedule_text, text);
	ck_assert_int_eq(cronexpr_parse(&ce, text, err, sizeof(err)), 0);
	ck_assert(memcmp(&ce, &j->schedule, sizeof(ce)) == 0);
}

static const struct config_job *
job(const struct config *cfg, const char *name)
{
	const struct config_job *j = config_find_job(cfg, name);

	ck_assert_msg(j != NULL, "no job '%s'", name);
	return j;
}

START_TEST(good_full)
{
	struct config_env env;
	struct config *cfg;
	const struct config_job *j;

	env_fixed(&env);
	cfg = load_good("full.conf", &env);
	ck_assert_str_eq(cfg->path, GOOD_DIR "/full.conf");
	ck_assert_int_eq(cfg->max_concurrent, 7);
	ck_assert_int_eq(cfg->shutdown_grace_ms, 90000);
	ck_assert_str_eq(tz_name(cfg->zone), "Europe/Berlin");
	ck_assert_str_eq(cfg->runtime_dir, "/run/schedd-test");
	ck_assert_str_eq(cfg->status_file, "/run/schedd-test/status.txt");
	ck_assert_str_eq(cfg->state_file, "/var/lib/schedd-test/state");
	ck_assert_ptr_null(cfg->include);
	ck_assert_int_eq(cfg->log_level, CONFIG_LOG_DEBUG);
	ck_assert_uint_eq(cfg->njobs, 3);

	j = job(cfg, "full");
	ck_assert_str_eq(j->name, "full");
	assert_schedule(j, "30 2 * * 1-5");
	ck_assert_int_eq(j->schedule.kind, CRONEXPR_CALENDAR);
	ck_assert(!j->schedule.periodic);
	/* Friday 2026-01-02 12:00 UTC -> Monday 02:30 EST */
	ck_assert_int_eq(cronexpr_next(&j->schedule, j->zone, 1767355200), 1767598200);
	ck_assert_str_eq(tz_name(j->zone), "America/New_York");
	ck_assert_str_eq(j->command, "/usr/local/bin/backup --full ; echo done # not a comment");
	ck_assert_str_eq(j->exec->user, "root");
	ck_assert_int_eq(j->exec->uid, 0);
	ck_assert_int_eq(j->exec->gid, 0);
	ck_assert_str_eq(j->exec->shell_user, "root");
	ck_assert_str_eq(j->exec->home, getpwnam("root")->pw_dir);
	ck_assert_int_eq(j->policy->timeout_ms, 7200000);
	ck_assert_int_eq(j->policy->kill_signal, SIGINT);
	ck_assert_int_eq(j->policy->kill_grace_ms, 500);
	ck_assert_int_eq(j->policy->retries, 3);
	ck_assert_int_eq(j->policy->retry_delay_ms, 45000);
	ck_assert(j->policy->retry_backoff == 1.5);
	ck_assert_int_eq(j->policy->retry_max_delay_ms, 600000);
	ck_assert_int_eq(j->policy->overlap, CONFIG_OVERLAP_QUEUE);
	ck_assert(j->policy->catchup);
	ck_assert_int_eq(j->policy->jitter_ms, 60000);
	ck_assert_str_eq(j->exec->workdir, "/var/backups");
	ck_assert_uint_eq(j->nenv, 3);
	ck_assert_str_eq(j->env[0], "BACKUP_TARGET=/srv/backup");
	ck_assert_str_eq(j->env[1], "EMPTY=");
	ck_assert_str_eq(j->env[2], "WITH_EQUALS=a=b=c");
	ck_assert_uint_eq(j->exec->umask, 077);
	ck_assert_int_eq(j->exec->nice, 10);
	ck_assert_int_eq(j->exec->output, CONFIG_OUTPUT_FILE);
	ck_assert_str_eq(j->exec->output_path, "/var/log/schedd/full.log");
	ck_assert_uint_eq(j->exec->output_limit_bytes, 1048576);
	ck_assert(!j->enabled);
	ck_assert_str_eq(j->file, GOOD_DIR "/full.conf");
	ck_assert_int_eq(j->line, 12);

	j = job(cfg, "overlaps");
	assert_schedule(j, "@every 90s");
	ck_assert_int_eq(j->schedule.kind, CRONEXPR_EVERY);
	ck_assert_int_eq(j->schedule.every_ms, 90000);
	ck_assert_int_eq(j->policy->overlap, CONFIG_OVERLAP_REPLACE);
	ck_assert_int_eq(j->exec->output, CONFIG_OUTPUT_DISCARD);
	ck_assert_ptr_null(j->exec->output_path);
	ck_assert_int_eq(j->policy->kill_signal, SIGKILL);
	ck_assert_str_eq(tz_name(j->zone), "UTC");
	ck_assert_int_eq(j->line, 37);

	j = job(cfg, "allow");
	ck_assert_int_eq(j->policy->overlap, CONFIG_OVERLAP_ALLOW);
	ck_assert_int_eq(j->exec->nice, -20);
	assert_schedule(j, "0 */5 * * * *");
	ck_assert(j->schedule.periodic);
	/* Berlin in summer: 12:02:03 -> 12:05:00 local */
	ck_assert_int_eq(cronexpr_next(&j->schedule, j->zone, 1782900123), 1782900300);
	ck_assert(j->zone == cfg->zone);
	config_free(cfg);
}
END_TEST

/* A job that sets nothing but schedule and command gets SPEC §3's defaults. */
START_TEST(good_minimal_defaults)
{
	struct config_env env;
	struct config *cfg;
	const struct config_job *j;
	const struct passwd *pw = getpwuid(0);

	env_fixed(&env);
	cfg = load_good("minimal.conf", &env);
	ck_assert_int_eq(cfg->max_concurrent, 64);
	ck_assert_int_eq(cfg->shutdown_grace_ms, 30000);
	ck_assert_int_eq(cfg->log_level, CONFIG_LOG_INFO);
	ck_assert_ptr_nonnull(cfg->zone);
	ck_assert_uint_eq(cfg->njobs, 1);
	j = &cfg->jobs[0];
	ck_assert_str_eq(j->name, "only");
	ck_assert_str_eq(j->command, "echo hello");
	ck_assert(j->zone == cfg->zone);
	ck_assert_ptr_null(j->exec->user);
	ck_assert_int_eq(j->exec->uid, 0);
	ck_assert_int_eq(j->exec->gid, pw->pw_gid);
	ck_assert_str_eq(j->exec->home, pw->pw_dir);
	ck_assert_str_eq(j->exec->shell_user, pw->pw_name);
	ck_assert_int_eq(j->policy->timeout_ms, 0);
	ck_assert_int_eq(j->policy->kill_signal, SIGTERM);
	ck_assert_int_eq(j->policy->kill_grace_ms, 10000);
	ck_assert_int_eq(j->policy->retries, 0);
	ck_assert_int_eq(j->policy->retry_delay_ms, 30000);
	ck_assert(j->policy->retry_backoff == 2.0);
	ck_assert_int_eq(j->policy->retry_max_delay_ms, 3600000);
	ck_assert_int_eq(j->policy->overlap, CONFIG_OVERLAP_SKIP);
	ck_assert(!j->policy->catchup);
	ck_assert_int_eq(j->policy->jitter_ms, 0);
	ck_assert_ptr_null(j->exec->workdir);
	ck_assert_ptr_null(j->env);
	ck_assert_uint_eq(j->nenv, 0);
	ck_assert_uint_eq(j->exec->umask, 022);
	ck_assert_int_eq(j->exec->nice, 0);
	ck_assert_int_eq(j->exec->output, CONFIG_OUTPUT_LOG);
	ck_assert_ptr_null(j->exec->output_path);
	ck_assert_uint_eq(j->exec->output_limit_bytes, 65536);
	ck_assert(j->enabled);
	ck_assert_int_eq(j->line, 1);
	config_free(cfg);
}
END_TEST

START_TEST(good_defaults_inheritance)
{
	struct config_env env;
	struct config *cfg;
	const struct config_job *j;

	env_fixed(&env);
	cfg = load_good("defaults.conf", &env);
	ck_assert_str_eq(tz_name(cfg->zone), "Asia/Tokyo");

	j = job(cfg, "inherits");
	ck_assert_str_eq(j->command, "/bin/true");
	ck_assert_int_eq(j->policy->timeout_ms, 900000);
	ck_assert_int_eq(j->policy->retries, 2);
	ck_assert_str_eq(tz_name(j->zone), "Europe/Paris");
	ck_assert_str_eq(j->exec->workdir, "/srv");
	ck_assert_uint_eq(j->nenv, 2);
	ck_assert_str_eq(j->env[0], "LANG=C.UTF-8");
	ck_assert_str_eq(j->env[1], "TIER=default");

	j = job(cfg, "overrides");
	ck_assert_str_eq(j->command, "/bin/false");
	ck_assert_int_eq(j->policy->timeout_ms, 0);
	ck_assert_int_eq(j->policy->retries, 0);
	ck_assert_str_eq(tz_name(j->zone), "UTC");
	ck_assert_str_eq(j->exec->workdir, "/tmp");
	/* a job's env replaces the defaults' list entirely */
	ck_assert_uint_eq(j->nenv, 1);
	ck_assert_str_eq(j->env[0], "TIER=special");

	/* one zone object per distinct name, shared with the daemon's */
	j = job(cfg, "daemon-zone");
	ck_assert(j->zone == cfg->zone);
	ck_assert(job(cfg, "inherits")->env == j->env);
	config_free(cfg);
}
END_TEST

START_TEST(good_dropins)
{
	static const struct {
		const char *name, *file;
		int line;
	} want[] = {
		{ "alpha", GOOD_DIR "/dropins.d/10-alpha.conf", 5 },
		{ "beta", GOOD_DIR "/dropins.d/20-beta.conf", 1 },
		{ "gamma", GOOD_DIR "/dropins.d/30-gamma.conf", 4 },
		{ "main", GOOD_DIR "/dropins.conf", 6 },
	};
	struct config_env env;
	struct config *cfg;
	size_t i;

	env_fixed(&env);
	cfg = load_good("dropins.conf", &env);
	ck_assert_str_eq(cfg->include, "dropins.d/*.conf");
	ck_assert_int_eq(cfg->max_concurrent, 3);
	ck_assert_int_eq(cfg->log_level, CONFIG_LOG_WARNING);
	ck_assert_uint_eq(cfg->njobs, 4);
	for (i = 0; i < 4; i++) {
		const struct config_job *j = &cfg->jobs[i];
		ck_assert_str_eq(j->name, want[i].name);
		ck_assert_str_eq(j->file, want[i].file);
		ck_assert_int_eq(j->line, want[i].line);
		/* [defaults] in a drop-in applies to every job */
		ck_assert_int_eq(j->policy->retries, 1);
	}
	ck_assert_ptr_null(config_find_job(cfg, "readme"));
	ck_assert_ptr_null(config_find_job(cfg, "zzz"));
	ck_assert_ptr_null(config_find_job(cfg, ""));
	config_free(cfg);
}
END_TEST

/* SPEC §3: lines of any length are read whole, and line numbers after them
 * stay exact. */
START_TEST(long_line_read_whole)
{
	const size_t n = 100 * 1024;
	struct config_env env;
	struct config_errors errs = { 0 };
	struct config *cfg;
	char *text, *p;

	text = malloc(n + 256);
	ck_assert_ptr_nonnull(text);
	p = text + sprintf(text, "[job:long]\nschedule = @daily\ncommand = echo ");
	memset(p, 'x', n);
	p += n;
	strcpy(p, "; echo end\n");
	env_fixed(&env);
	cfg = expect_ok(text, &env);
	ck_assert_uint_eq(strlen(cfg->jobs[0].command), 5 + n + 10);
	ck_assert_str_eq(cfg->jobs[0].command + 5 + n, "; echo end");
	config_free(cfg);

	strcat(p, "bogus = 1\n");
	cfg = load_text(text, &env, &errs);
	ck_assert_ptr_null(cfg);
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msgs[0], "test.conf:4: unknown key 'bogus' in [job:long]");
	config_errors_free(&errs);
	free(text);
}
END_TEST

START_TEST(no_inline_comments)
{
	struct config_env env;
	struct config *cfg;

	env_fixed(&env);
	cfg = expect_ok("[job:a]\nschedule = @daily\ncommand = a ; b\n"
	    "[job:b]\nschedule = @daily\ncommand = a # b\n"
	    "[job:c]\nschedule = @daily\ncommand = x=1 y:2 [z]\n", &env);
	ck_assert_str_eq(job(cfg, "a")->command, "a ; b");
	ck_assert_str_eq(job(cfg, "b")->command, "a # b");
	ck_assert_str_eq(job(cfg, "c")->command, "x=1 y:2 [z]");
	config_free(cfg);
}
END_TEST

/* libinih keeps 49 bytes of a section name; the reader tracks its own. */
START_TEST(long_job_name)
{
	const char *name = "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghi";
	struct config_env env;
	struct config *cfg;
	char text[256];

	ck_assert_uint_eq(strlen(name), 64);
	snprintf(text, sizeof(text), "[job:%s]\nschedule = @daily\ncommand = true\n", name);
	env_fixed(&env);
	cfg = expect_ok(text, &env);
	ck_assert_str_eq(cfg->jobs[0].name, name);
	config_free(cfg);
}
END_TEST

START_TEST(line_forms)
{
	struct config_env env;
	struct config *cfg;
	const struct config_job *j;

	env_fixed(&env);
	cfg = expect_ok("\xEF\xBB\xBF# bom, CRLF, tabs, indentation\r\n"
	    "[job:a]\r\n"
	    "\tschedule=@daily\r\n"
	    "    command   =   echo  spaced  \r\n"
	    "; comment\r\n"
	    "   # indented comment\r\n"
	    "timeout=5s\r\n", &env);
	j = job(cfg, "a");
	ck_assert_str_eq(j->command, "echo  spaced");
	ck_assert_int_eq(j->policy->timeout_ms, 5000);
	ck_assert_int_eq(j->line, 2);
	config_free(cfg);

	/* the last line needs no newline */
	cfg = expect_ok("[job:a]\nschedule = @daily\ncommand = true", &env);
	ck_assert_str_eq(job(cfg, "a")->command, "true");
	config_free(cfg);

	/* nothing at all is a valid config without jobs */
	cfg = expect_ok("", &env);
	ck_assert_uint_eq(cfg->njobs, 0);
	ck_assert_ptr_null(cfg->jobs);
	config_free(cfg);
	cfg = expect_ok("# only comments\n\n; here\n", &env);
	ck_assert_uint_eq(cfg->njobs, 0);
	config_free(cfg);
}
END_TEST

START_TEST(buffer_errors)
{
	static const char nul[] = "[job:a]\nsched\0ule = @daily\ncommand = true\n";
	struct config_errors errs = { 0 };
	struct config_env env;

	expect_errors("[daemon]\ninclude = /etc/schedd/conf.d/*.conf\n",
	    "test.conf:2: 'include' is not available when loading from memory\n");
	expect_errors("[job:a]\nschedule = @daily\ncommand = true\n[job:b]\n",
	    "test.conf:4: empty section [job:b]\n");
	env_fixed(&env);
	ck_assert_ptr_null(config_load_buffer("test.conf", nul, sizeof(nul) - 1, &env, &errs));
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_str_eq(errs.msgs[0], "test.conf:1: job 'a' has no schedule");
	ck_assert_str_eq(errs.msgs[1], "test.conf:2: line contains a NUL byte");
	config_errors_free(&errs);
}
END_TEST

/* Errors are appended after what the caller's list already holds. */
START_TEST(errors_append)
{
	struct config_errors errs = { 0 };
	struct config_env env;

	env_fixed(&env);
	ck_assert_ptr_null(load_text("[nope]\n", &env, &errs));
	ck_assert_ptr_null(load_text("[job:x]\ncommand = true\n", &env, &errs));
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_str_eq(errs.msgs[0], "test.conf:1: unknown section [nope] "
	    "(expected [daemon], [defaults] or [job:NAME])");
	ck_assert_str_eq(errs.msgs[1], "test.conf:1: job 'x' has no schedule");
	config_errors_free(&errs);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_null(errs.msgs);
	config_errors_free(&errs);
}
END_TEST

START_TEST(missing_file)
{
	struct config_errors errs = { 0 };
	struct config_env env;

	env_fixed(&env);
	ck_assert_ptr_null(config_load("tests/config/no-such.conf", &env, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msgs[0],
	    "tests/config/no-such.conf:0: cannot open: No such file or directory");
	config_errors_free(&errs);
	ck_assert_ptr_null(config_load(GOOD_DIR, &env, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.msgs[0], GOOD_DIR ":0: not a regular file");
	config_errors_free(&errs);
}
END_TEST

static char tmpdir[256];

static void
make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check-config.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
write_file(const char *rel, const char *text, mode_t mode)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void
remove_tmpdir(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *
load_tmp_errors(const char *rel, const struct config_env *env, struct config **out)
{
	struct config_errors errs = { 0 };
	char path[512], *got;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	*out = config_load(path, env, &errs);
	got = joined(&errs);
	config_errors_free(&errs);
	return got;
}

#define JOB_TEXT "[job:a]\nschedule = @daily\ncommand = true\n"

/* SPEC §3: as root, files writable by group or others, or not owned by
 * root, are refused; drop-ins too. */
START_TEST(owner_safety)
{
	struct config_env env;
	struct config *cfg;
	char want[1024], *got;

	make_tmpdir();
	env_fixed(&env);
	env.check_owner = true;
	write_file("open.conf", JOB_TEXT, 0666);
	got = load_tmp_errors("open.conf", &env, &cfg);
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "%s/open.conf:0: refusing: writable by group or others\n",
	    tmpdir);
	if (geteuid() == 0)
		ck_assert_str_eq(got, want);
	else
		ck_assert_ptr_nonnull(strstr(got, want));
	free(got);

	write_file("group.conf", JOB_TEXT, 0620);
	got = load_tmp_errors("group.conf", &env, &cfg);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(strstr(got, "group.conf:0: refusing: writable by group or others"));
	free(got);

	/* without the check the same file loads */
	env.check_owner = false;
	got = load_tmp_errors("open.conf", &env, &cfg);
	ck_assert_ptr_nonnull(cfg);
	config_free(cfg);
	free(got);
	env.check_owner = true;

	if (geteuid() == 0) {
		char path[512];

		write_file("safe.conf", "[daemon]\ninclude = conf.d/*.conf\n\n" JOB_TEXT, 0644);
		got = load_tmp_errors("safe.conf", &env, &cfg);
		ck_assert_msg(cfg != NULL, "%s", got);
		config_free(cfg);
		free(got);

		snprintf(path, sizeof(path), "%s/conf.d", tmpdir);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		write_file("conf.d/10-ok.conf", "[job:ok]\nschedule = @daily\ncommand = true\n", 0644);
		write_file("conf.d/20-open.conf", "[job:b]\nschedule = @daily\ncommand = true\n",
		    0646);
		write_file("conf.d/30-other.conf", "[job:c]\nschedule = @daily\ncommand = true\n",
		    0644);
		snprintf(path, sizeof(path), "%s/conf.d/30-other.conf", tmpdir);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		got = load_tmp_errors("safe.conf", &env, &cfg);
		ck_assert_ptr_null(cfg);
		snprintf(want, sizeof(want),
		    "%s/conf.d/20-open.conf:0: refusing: writable by group or others\n"
		    "%s/conf.d/30-other.conf:0: refusing: not owned by root\n", tmpdir, tmpdir);
		ck_assert_str_eq(got, want);
		free(got);
	}
	remove_tmpdir();
}
END_TEST

/* include: relative to the main file's directory, name order, no match is
 * fine, a missing directory is no match, the main file is never re-read. */
START_TEST(include_forms)
{
	struct config_env env;
	struct config *cfg;
	char text[1024], path[512], *got;

	make_tmpdir();
	env_fixed(&env);
	snprintf(path, sizeof(path), "%s/d", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file("d/b.conf", "[job:b]\nschedule = @daily\ncommand = true\n", 0644);
	write_file("d/a.conf", "[daemon]\nmax_concurrent = 2\n", 0644);
	write_file("main.conf", "[daemon]\ninclude = d/*.conf\n", 0644);
	got = load_tmp_errors("main.conf", &env, &cfg);
	ck_assert_msg(cfg != NULL, "%s", got);
	ck_assert_uint_eq(cfg->njobs, 1);
	ck_assert_int_eq(cfg->max_concurrent, 2);
	snprintf(path, sizeof(path), "%s/d/b.conf", tmpdir);
	ck_assert_str_eq(cfg->jobs[0].file, path);
	config_free(cfg);
	free(got);

	snprintf(text, sizeof(text), "[daemon]\ninclude = %s/d/*.conf\n", tmpdir);
	write_file("abs.conf", text, 0644);
	got = load_tmp_errors("abs.conf", &env, &cfg);
	ck_assert_msg(cfg != NULL, "%s", got);
	ck_assert_uint_eq(cfg->njobs, 1);
	config_free(cfg);
	free(got);

	write_file("none.conf", "[daemon]\ninclude = d/*.nothing\n\n" JOB_TEXT, 0644);
	got = load_tmp_errors("none.conf", &env, &cfg);
	ck_assert_msg(cfg != NULL, "%s", got);
	config_free(cfg);
	free(got);

	write_file("nodir.conf", "[daemon]\ninclude = missing.d/*.conf\n\n" JOB_TEXT, 0644);
	got = load_tmp_errors("nodir.conf", &env, &cfg);
	ck_assert_msg(cfg != NULL, "%s", got);
	config_free(cfg);
	free(got);

	/* "include = *.conf" beside the main file matches the main file too */
	snprintf(path, sizeof(path), "%s/self", tmpdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_file("self/main.conf", "[daemon]\ninclude = *.conf\n\n" JOB_TEXT, 0644);
	write_file("self/other.conf", "[job:other]\nschedule = @daily\ncommand = true\n", 0644);
	got = load_tmp_errors("self/main.conf", &env, &cfg);
	ck_assert_msg(cfg != NULL, "%s", got);
	ck_assert_uint_eq(cfg->njobs, 2);
	config_free(cfg);
	free(got);
	remove_tmpdir();
}
END_TEST

/* A non-root user other than root, from the passwd database. */
static const struct passwd *
some_user(void)
{
	static struct passwd pw;
	static char name[64], dir[256];
	struct passwd *p;

	setpwent();
	while ((p = getpwent()) != NULL && (p->pw_uid == 0 || p->pw_uid == geteuid()))
		;
	ck_assert_msg(p != NULL, "no non-root user in the passwd database");
	snprintf(name, sizeof(name), "%s", p->pw_name);
	snprintf(dir, sizeof(dir), "%s", p->pw_dir);
	pw = *p;
	pw.pw_name = name;
	pw.pw_dir = dir;
	endpwent();
	return &pw;
}

START_TEST(users)
{
	const struct passwd *pw = some_user();
	struct config_env env;
	struct config *cfg;
	const struct config_job *j;
	char text[512], want[256];

	env_fixed(&env);
	/* as root any user works */
	snprintf(text, sizeof(text), JOB_TEXT "user = %s\n", pw->pw_name);
	cfg = expect_ok(text, &env);
	j = &cfg->jobs[0];
	ck_assert_str_eq(j->exec->user, pw->pw_name);
	ck_assert_str_eq(j->exec->shell_user, pw->pw_name);
	ck_assert_int_eq(j->exec->uid, pw->pw_uid);
	ck_assert_int_eq(j->exec->gid, pw->pw_gid);
	ck_assert_str_eq(j->exec->home, pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
	config_free(cfg);

	/* unprivileged: only oneself */
	env.uid = pw->pw_uid;
	snprintf(want, sizeof(want), "test.conf:4: user 'root' requires running as root\n");
	expect_errors_env(JOB_TEXT "user = root\n", &env, want);
	cfg = expect_ok(text, &env);
	ck_assert_int_eq(cfg->jobs[0].exec->uid, pw->pw_uid);
	config_free(cfg);

	/* no user: the daemon's own */
	cfg = expect_ok(JOB_TEXT, &env);
	j = &cfg->jobs[0];
	ck_assert_ptr_null(j->exec->user);
	ck_assert_int_eq(j->exec->uid, pw->pw_uid);
	ck_assert_int_eq(j->exec->gid, pw->pw_gid);
	ck_assert_str_eq(j->exec->shell_user, pw->pw_name);
	config_free(cfg);

	/* a uid without a passwd entry: $HOME, else "/", and the number */
	env.uid = 3999999;
	ck_assert_ptr_null(getpwuid(env.uid));
	env.home = "/home/ghost";
	cfg = expect_ok(JOB_TEXT, &env);
	ck_assert_int_eq(cfg->jobs[0].exec->uid, 3999999);
	ck_assert_str_eq(cfg->jobs[0].exec->shell_user, "3999999");
	ck_assert_str_eq(cfg->jobs[0].exec->home, "/home/ghost");
	config_free(cfg);
	env.home = NULL;
	cfg = expect_ok(JOB_TEXT, &env);
	ck_assert_str_eq(cfg->jobs[0].exec->home, "/");
	config_free(cfg);
}
END_TEST

/* "user requires root" needs the env's uid, so it is tested here and not
 * as a fixture. */
START_TEST(user_requires_root_once_per_line)
{
	struct config_errors errs = { 0 };
	struct config_env env;

	env_fixed(&env);
	env.uid = some_user()->pw_uid;
	ck_assert_ptr_null(load_text("[defaults]\nuser = root\n" JOB_TEXT
	    "[job:b]\nschedule = @daily\ncommand = true\nuser = root\n", &env, &errs));
	ck_assert_uint_eq(errs.n, 2);
	ck_assert_str_eq(errs.msgs[0], "test.conf:2: user 'root' requires running as root");
	ck_assert_str_eq(errs.msgs[1], "test.conf:9: user 'root' requires running as root");
	config_errors_free(&errs);
}
END_TEST

static const struct {
	uid_t uid;
	const char *runtime_directory, *state_directory, *xdg_runtime_dir, *xdg_state_home;
	const char *home, *keys;
	const char *runtime_dir, *status_file, *state_file;
} paths[] = {
	{ 0, NULL, NULL, NULL, NULL, "/root", "",
	    "/run/schedd", "/run/schedd/status", "/var/lib/schedd/state" },
	{ 0, "/run/schedd-unit", "/var/lib/schedd-unit", "/run/user/0", NULL, "/root", "",
	    "/run/schedd-unit", "/run/schedd-unit/status", "/var/lib/schedd-unit/state" },
	{ 1000, NULL, NULL, "/run/user/1000", NULL, "/home/u", "",
	    "/run/user/1000/schedd", "/run/user/1000/schedd/status",
	    "/home/u/.local/state/schedd/state" },
	{ 1000, NULL, NULL, NULL, "/home/u/.st", "/home/u", "",
	    "/tmp/schedd-1000", "/tmp/schedd-1000/status", "/home/u/.st/schedd/state" },
	{ 1000, "/a:/b", "/s1:/s2", "/run/user/1000", "/x", "/home/u", "",
	    "/a", "/a/status", "/s1/state" },
	{ 1000, NULL, NULL, "run", "state", NULL, "",
	    "/tmp/schedd-1000", "/tmp/schedd-1000/status", "/tmp/schedd-1000/state" },
	{ 1000, NULL, NULL, "/run/user/1000/", NULL, "/home/u/", "",
	    "/run/user/1000/schedd", "/run/user/1000/schedd/status",
	    "/home/u/.local/state/schedd/state" },
	{ 1000, "/r", "/s", NULL, NULL, NULL, "runtime_dir = /srv/run\n",
	    "/srv/run", "/srv/run/status", "/s/state" },
	{ 0, NULL, NULL, NULL, NULL, NULL,
	    "status_file = /tmp/st\nstate_file = /tmp/sf\n",
	    "/run/schedd", "/tmp/st", "/tmp/sf" },
};

START_TEST(runtime_paths)
{
	struct config_env env;
	struct config *cfg;
	char text[256];

	memset(&env, 0, sizeof(env));
	env.uid = paths[_i].uid;
	env.runtime_directory = paths[_i].runtime_directory;
	env.state_directory = paths[_i].state_directory;
	env.xdg_runtime_dir = paths[_i].xdg_runtime_dir;
	env.xdg_state_home = paths[_i].xdg_state_home;
	env.home = paths[_i].home;
	snprintf(text, sizeof(text), "[daemon]\n%s", paths[_i].keys);
	cfg = expect_ok(paths[_i].keys[0] != '\0' ? text : "", &env);
	ck_assert_str_eq(cfg->runtime_dir, paths[_i].runtime_dir);
	ck_assert_str_eq(cfg->status_file, paths[_i].status_file);
	ck_assert_str_eq(cfg->state_file, paths[_i].state_file);
	config_free(cfg);
}
END_TEST

START_TEST(env_current)
{
	struct config_env env;

	setenv("RUNTIME_DIRECTORY", "/run/x", 1);
	setenv("STATE_DIRECTORY", "", 1);
	unsetenv("XDG_STATE_HOME");
	config_env_current(&env);
	ck_assert_int_eq(env.uid, geteuid());
	ck_assert_str_eq(env.runtime_directory, "/run/x");
	ck_assert_ptr_null(env.state_directory);
	ck_assert_ptr_null(env.xdg_state_home);
	ck_assert(env.check_owner == (geteuid() == 0));
}
END_TEST

/* The reload hash covers every effective setting and nothing else. */
#define HASH_BASE "[job:h]\nschedule = 0 3 * * *\ncommand = run\n"

static const char *const hash_same[] = {
	"# moved\n\n\n" HASH_BASE,
	"[job:h]\ncommand = run\nschedule = 0 3 * * *\n",
	HASH_BASE "kill_signal = SIGTERM\ncatchup = no\ntimeout = 0s\n",
	HASH_BASE "retry_backoff = 2\noutput_limit = 65536\numask = 0022\n",
	"[defaults]\nretries = 0\n" HASH_BASE,
};

static const char *const hash_differ[] = {
	"[job:h2]\nschedule = 0 3 * * *\ncommand = run\n",
	"[job:h]\nschedule = 0 3 * * 1\ncommand = run\n",
	"[job:h]\nschedule = 0 3 * * *\ncommand = run2\n",
	HASH_BASE "user = root\n",
	HASH_BASE "timeout = 1s\n",
	HASH_BASE "kill_signal = INT\n",
	HASH_BASE "kill_grace = 11s\n",
	HASH_BASE "retries = 1\n",
	HASH_BASE "retry_delay = 31s\n",
	HASH_BASE "retry_backoff = 2.5\n",
	HASH_BASE "retry_max_delay = 2h\n",
	HASH_BASE "overlap = queue\n",
	HASH_BASE "catchup = true\n",
	HASH_BASE "jitter = 1s\n",
	HASH_BASE "timezone = Asia/Tokyo\n",
	HASH_BASE "workdir = /tmp\n",
	HASH_BASE "env = A=1\n",
	HASH_BASE "umask = 077\n",
	HASH_BASE "nice = 1\n",
	HASH_BASE "output = discard\n",
	HASH_BASE "output = file:/tmp/x\n",
	HASH_BASE "output_limit = 1KiB\n",
	HASH_BASE "enabled = false\n",
	"[daemon]\ntimezone = Asia/Tokyo\n" HASH_BASE,
	"[defaults]\nenv = A=1\n" HASH_BASE,
};

static uint64_t
hash_of(const char *text)
{
	struct config_env env;
	struct config *cfg;
	uint64_t h;

	env_fixed(&env);
	cfg = expect_ok(text, &env);
	ck_assert_uint_eq(cfg->njobs, 1);
	h = cfg->jobs[0].hash;
	config_free(cfg);
	return h;
}

START_TEST(hash_same_settings)
{
	ck_assert_uint_eq(hash_of(hash_same[_i]), hash_of(HASH_BASE));
}
END_TEST

START_TEST(hash_changed_setting)
{
	ck_assert_uint_ne(hash_of(hash_differ[_i]), hash_of(HASH_BASE));
}
END_TEST

START_TEST(hash_env_order_and_split)
{
	ck_assert_uint_ne(hash_of(HASH_BASE "env = A=1\nenv = B=2\n"),
	    hash_of(HASH_BASE "env = B=2\nenv = A=1\n"));
	ck_assert_uint_ne(hash_of(HASH_BASE "env = A=1\nenv = B=2\n"),
	    hash_of(HASH_BASE "env = A=1B=2\n"));
}
END_TEST

/* The same job beside others whose exec and policy it shares or not: the
 * hash is of contents, never of which copy a job points to. */
START_TEST(hash_independent_of_sharing)
{
	static const char *const others[] = {
		"",
		"[job:a]\nschedule = @daily\ncommand = a\nworkdir = /tmp\ntimeout = 5m\n",
		"[job:a]\nschedule = @daily\ncommand = a\nworkdir = /srv\ntimeout = 6m\n",
		"[job:z]\nschedule = @daily\ncommand = z\nworkdir = /tmp\ntimeout = 300s\n",
	};
	struct config_env env;
	struct config *cfg;
	uint64_t first = 0;
	char text[512];
	size_t i;

	env_fixed(&env);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(text, sizeof(text), "%s" HASH_BASE "workdir = /tmp\ntimeout = 5m\n",
		    others[i]);
		cfg = expect_ok(text, &env);
		if (i == 0)
			first = job(cfg, "h")->hash;
		ck_assert_uint_eq(job(cfg, "h")->hash, first);
		config_free(cfg);
	}
	ck_assert_uint_ne(first, hash_of(HASH_BASE "workdir = /tmp\n"));
	ck_assert_uint_ne(first, hash_of(HASH_BASE "timeout = 5m\n"));
}
END_TEST

/* Jobs whose process settings (exec) or run policy are equal share one
 * copy, however the values were written and wherever they were set; any
 * difference, the user's name included, gives a copy of its own. */
START_TEST(settings_interned)
{
	struct config_env env;
	struct config *cfg;
	const struct config_job *a, *b, *c, *d, *e, *f, *g, *h, *i;

	env_fixed(&env);
	cfg = expect_ok("[defaults]\ntimeout = 1h\n"
	    "[job:a]\nschedule = @daily\ncommand = a\n"
	    "[job:b]\nschedule = @hourly\ncommand = b\ntimezone = UTC\nenv = X=1\n"
	    "enabled = false\n"
	    "[job:c]\nschedule = @daily\ncommand = c\ntimeout = 60m\numask = 0022\n"
	    "[job:d]\nschedule = @daily\ncommand = d\ntimeout = 5m\n"
	    "[job:e]\nschedule = @daily\ncommand = e\ntimeout = 300s\n"
	    "[job:f]\nschedule = @daily\ncommand = f\nworkdir = /srv\n"
	    "output = file:/var/log/f.log\n"
	    "[job:g]\nschedule = @daily\ncommand = g\noutput = file:/var/log/f.log\n"
	    "workdir = /srv\n"
	    "[job:h]\nschedule = @daily\ncommand = h\nuser = root\n"
	    "[job:i]\nschedule = @daily\ncommand = i\nretry_backoff = 2.0\nretries = 0\n"
	    "nice = 1\n", &env);
	a = job(cfg, "a");
	b = job(cfg, "b");
	c = job(cfg, "c");
	d = job(cfg, "d");
	e = job(cfg, "e");
	f = job(cfg, "f");
	g = job(cfg, "g");
	h = job(cfg, "h");
	i = job(cfg, "i");

	/* Job-only keys leave both shared; equal values written otherwise too. */
	ck_assert_ptr_eq(b->exec, a->exec);
	ck_assert_ptr_eq(b->policy, a->policy);
	ck_assert_ptr_eq(c->exec, a->exec);
	ck_assert_ptr_eq(c->policy, a->policy);
	ck_assert_int_eq(a->policy->timeout_ms, 3600000);

	/* Policies: one more for 5m, shared by d and e; i's equals the default. */
	ck_assert_ptr_ne(d->policy, a->policy);
	ck_assert_ptr_eq(e->policy, d->policy);
	ck_assert_int_eq(e->policy->timeout_ms, 300000);
	ck_assert_ptr_eq(d->exec, a->exec);
	ck_assert_ptr_eq(i->policy, a->policy);

	/* Execs: f and g share theirs, with strings that outlive the load. */
	ck_assert_ptr_ne(f->exec, a->exec);
	ck_assert_ptr_eq(g->exec, f->exec);
	ck_assert_str_eq(g->exec->workdir, "/srv");
	ck_assert_str_eq(g->exec->output_path, "/var/log/f.log");
	ck_assert_int_eq(g->exec->output, CONFIG_OUTPUT_FILE);
	ck_assert_ptr_eq(f->policy, a->policy);

	/* user = root is not the daemon's own user even with the same uid. */
	ck_assert_ptr_null(a->exec->user);
	ck_assert_ptr_ne(h->exec, a->exec);
	ck_assert_str_eq(h->exec->user, "root");
	ck_assert_int_eq(h->exec->uid, a->exec->uid);
	ck_assert_ptr_ne(i->exec, a->exec);
	ck_assert_int_eq(i->exec->nice, 1);
	ck_assert_int_eq(a->exec->nice, 0);
	config_free(cfg);
}
END_TEST

/* Enough distinct copies to grow the tables: 2 * N jobs, N execs and N
 * policies, job k sharing both with job k + N only. */
START_TEST(settings_interned_many)
{
	enum { N = 50 };
	struct config_env env;
	struct config *cfg;
	char *text, *p, name[16];
	const struct config_job *jobs[2 * N];
	size_t len = 2 * N * 128;
	int k, m;

	text = p = malloc(len);
	ck_assert_ptr_nonnull(text);
	for (k = 0; k < 2 * N; k++)
		p += snprintf(p, len - (size_t)(p - text), "[job:j%03d]\nschedule = @daily\n"
		    "command = c\nworkdir = /w/%d\nretries = %d\n", k, k % N, k % N);
	env_fixed(&env);
	cfg = expect_ok(text, &env);
	for (k = 0; k < 2 * N; k++) {
		snprintf(name, sizeof(name), "j%03d", k);
		jobs[k] = job(cfg, name);
	}
	for (k = 0; k < 2 * N; k++) {
		for (m = k + 1; m < 2 * N; m++) {
			ck_assert((jobs[k]->exec == jobs[m]->exec) == (m == k + N));
			ck_assert((jobs[k]->policy == jobs[m]->policy) == (m == k + N));
		}
		snprintf(name, sizeof(name), "/w/%d", k % N);
		ck_assert_str_eq(jobs[k]->exec->workdir, name);
		ck_assert_int_eq(jobs[k]->policy->retries, k % N);
	}
	config_free(cfg);
	free(text);
}
END_TEST

START_TEST(jobs_sorted_and_found)
{
	struct config_env env;
	struct config *cfg;
	size_t i;

	env_fixed(&env);
	cfg = expect_ok("[job:zeta]\nschedule=@daily\ncommand=z\n"
	    "[job:Alpha]\nschedule=@daily\ncommand=A\n"
	    "[job:alpha]\nschedule=@daily\ncommand=a\n"
	    "[job:m.1-x_y]\nschedule=@daily\ncommand=m\n", &env);
	ck_assert_uint_eq(cfg->njobs, 4);
	for (i = 1; i < cfg->njobs; i++)
		ck_assert_int_lt(strcmp(cfg->jobs[i - 1].name, cfg->jobs[i].name), 0);
	ck_assert_str_eq(job(cfg, "Alpha")->command, "A");
	ck_assert_str_eq(job(cfg, "alpha")->command, "a");
	ck_assert_str_eq(job(cfg, "m.1-x_y")->command, "m");
	ck_assert_str_eq(job(cfg, "zeta")->command, "z");
	ck_assert_ptr_null(config_find_job(cfg, "ALPHA"));
	config_free(cfg);
}
END_TEST

START_TEST(names_and_table)
{
	size_t i, j;

	ck_assert_str_eq(config_overlap_name(CONFIG_OVERLAP_SKIP), "skip");
	ck_assert_str_eq(config_overlap_name(CONFIG_OVERLAP_QUEUE), "queue");
	ck_assert_str_eq(config_overlap_name(CONFIG_OVERLAP_ALLOW), "allow");
	ck_assert_str_eq(config_overlap_name(CONFIG_OVERLAP_REPLACE), "replace");
	ck_assert_str_eq(config_log_level_name(CONFIG_LOG_ERROR), "error");
	ck_assert_str_eq(config_log_level_name(CONFIG_LOG_WARNING), "warning");
	ck_assert_str_eq(config_log_level_name(CONFIG_LOG_INFO), "info");
	ck_assert_str_eq(config_log_level_name(CONFIG_LOG_DEBUG), "debug");
	/* one row per key, every key findable, offsets where the scope says */
	for (i = 0; i < keys_count; i++) {
		const struct keys_key *k = &keys_table[i];
		ck_assert_int_eq(keys_find(k->name), (int)i);
		for (j = i + 1; j < keys_count; j++)
			ck_assert_str_ne(k->name, keys_table[j].name);
		ck_assert((k->daemon_off >= 0) == ((k->scope & KEYS_DAEMON) != 0));
		ck_assert((k->job_off >= 0) == ((k->scope & KEYS_JOB) != 0));
		ck_assert_int_lt(k->job_off, (ptrdiff_t)(k->job_part == KEYS_PART_EXEC ?
		    sizeof(struct config_exec) : k->job_part == KEYS_PART_POLICY ?
		    sizeof(struct config_policy) : sizeof(struct config_job)));
	}
	ck_assert_int_eq(keys_find("Schedule"), -1);
	ck_assert(keys_env_name_ok("_A1", 3));
	ck_assert(!keys_env_name_ok("1A", 2));
	ck_assert(!keys_env_name_ok("", 0));
	ck_assert(!keys_env_name_ok("A-B", 3));
}
END_TEST

/* The example runs as it is for an unprivileged user, keeps the runtime
 * paths at their defaults, and shows every key of the table, set or as a
 * commented-out line. */
START_TEST(example_complete)
{
	struct config_errors errs = { 0 };
	struct config_env env;
	struct config *cfg;
	char *text, *got, pat[64];
	size_t i;

	memset(&env, 0, sizeof(env));
	env.uid = some_user()->pw_uid;
	env.home = "/home/example";
	cfg = config_load("schedd.conf.example", &env, &errs);
	got = joined(&errs);
	ck_assert_msg(cfg != NULL, "%s", got);
	free(got);
	ck_assert_uint_ge(cfg->njobs, 2);
	snprintf(pat, sizeof(pat), "/tmp/schedd-%lu/status", (unsigned long)env.uid);
	ck_assert_str_eq(cfg->status_file, pat);
	ck_assert_str_eq(cfg->state_file, "/home/example/.local/state/schedd/state");
	config_free(cfg);
	config_errors_free(&errs);

	text = slurp("schedd.conf.example");
	ck_assert_ptr_null(strstr(text, "\nstatus_file"));
	ck_assert_ptr_null(strstr(text, "\nstate_file"));
	for (i = 0; i < keys_count; i++) {
		snprintf(pat, sizeof(pat), "\n%s = ", keys_table[i].name);
		if (strstr(text, pat) != NULL)
			continue;
		snprintf(pat, sizeof(pat), "\n# %s = ", keys_table[i].name);
		ck_assert_msg(strstr(text, pat) != NULL, "key '%s' not in the example",
		    keys_table[i].name);
	}
	free(text);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	collect_bad_fixtures();
	tc = tcase_create("fixtures");
	tcase_add_test(tc, bad_fixture_count);
	tcase_add_loop_test(tc, bad_fixture, 0, nbad);
	tcase_add_test(tc, good_full);
	tcase_add_test(tc, good_minimal_defaults);
	tcase_add_test(tc, good_defaults_inheritance);
	tcase_add_test(tc, good_dropins);
	tcase_add_test(tc, example_complete);
	suite_add_tcase(s, tc);

	tc = tcase_create("reading");
	tcase_add_test(tc, long_line_read_whole);
	tcase_add_test(tc, no_inline_comments);
	tcase_add_test(tc, long_job_name);
	tcase_add_test(tc, line_forms);
	tcase_add_test(tc, buffer_errors);
	tcase_add_test(tc, errors_append);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, owner_safety);
	tcase_add_test(tc, include_forms);
	suite_add_tcase(s, tc);

	tc = tcase_create("semantics");
	tcase_add_test(tc, users);
	tcase_add_test(tc, user_requires_root_once_per_line);
	tcase_add_loop_test(tc, runtime_paths, 0, sizeof(paths) / sizeof(paths[0]));
	tcase_add_test(tc, env_current);
	tcase_add_loop_test(tc, hash_same_settings, 0, sizeof(hash_same) / sizeof(hash_same[0]));
	tcase_add_loop_test(tc, hash_changed_setting, 0,
	    sizeof(hash_differ) / sizeof(hash_differ[0]));
	tcase_add_test(tc, hash_env_order_and_split);
	tcase_add_test(tc, hash_independent_of_sharing);
	tcase_add_test(tc, settings_interned);
	tcase_add_test(tc, settings_interned_many);
	tcase_add_test(tc, jobs_sorted_and_found);
	tcase_add_test(tc, names_and_table);
	suite_add_tcase(s, tc);
	return s;
}
