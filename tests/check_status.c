/*
 * Unit tests of the status dump (SPEC §6) and of sbuf: the exact logfmt
 * lines for a config loaded from a buffer and a scheduler driven with fake
 * time and a fake spawn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sbuf.h"
#include "sched.h"
#include "status.h"
#include "tests.h"

static int fake_spawn_calls;

static int
fake_spawn(void *ctx, struct sched_run *run)
{
	(void)ctx;
	fake_spawn_calls++;
	run->pid = 777;
	return 0;
}

static void
fake_signal(void *ctx, struct sched_run *run, int signo)
{
	(void)ctx;
	(void)run;
	(void)signo;
}

static void
fake_event(void *ctx, const struct sched_event *ev)
{
	(void)ctx;
	(void)ev;
}

static uint64_t
fake_random(void *ctx, uint64_t bound)
{
	(void)ctx;
	(void)bound;
	return 0;
}

static const struct sched_ops fake_ops = {
	.spawn = fake_spawn,
	.signal = fake_signal,
	.event = fake_event,
	.random = fake_random,
};

static const char conf_text[] =
    "[job:a]\n"
    "schedule = 0 3 * * *\n"
    "timezone = Europe/Berlin\n"
    "command = true\n"
    "env = SECRET=hunter2\n"
    "[job:b]\n"
    "schedule = @every 10s\n"
    "timezone = UTC\n"
    "command = sleep 1\n"
    "[job:c]\n"
    "schedule = * * * * *\n"
    "timezone = UTC\n"
    "command = true\n"
    "enabled = false\n";

static struct config *
load(void)
{
	struct config_errors errs = { NULL, 0, 0 };
	struct config_env env;
	struct config *cfg;

	memset(&env, 0, sizeof(env));
	env.uid = getuid();
	env.runtime_directory = "/tmp/schedd-status-test";
	env.state_directory = "/tmp/schedd-status-test";
	cfg = config_load_buffer("status.conf", conf_text, sizeof(conf_text) - 1, &env, &errs);
	ck_assert_msg(cfg != NULL, "config: %s", errs.n > 0 ? errs.msgs[0] : "?");
	config_errors_free(&errs);
	return cfg;
}

/* The line of TEXT that starts with PREFIX, as a new string. */
static char *
line_of(const char *text, const char *prefix)
{
	const char *p = text;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '\n');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return strndup(p, len);
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

START_TEST(status_lines)
{
	/* 2026-12-04T12:00:00Z */
	struct sched_now now = { 1796385600000LL, 5000000, 0, 0 };
	struct status_daemon d = { "0.1.0", 42, "/etc/schedd/my conf" };
	struct sched *s = sched_create(load(), &fake_ops, NULL, now);
	char *text, *l;
	size_t len;

	ck_assert_ptr_nonnull(s);
	text = status_render(s, &d, now, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), len);
	l = line_of(text, "daemon ");
	ck_assert_str_eq(l, "daemon version=0.1.0 pid=42 uptime=0 config=\"/etc/schedd/my conf\" "
	    "jobs=3 running=0 queued=0 runs=0 failures=0 lag_p50_ms=0.000 lag_p99_ms=0.000 "
	    "lag_max_ms=0.000");
	free(l);
	l = line_of(text, "job name=a ");
	ck_assert_str_eq(l, "job name=a state=idle pid=- next=2026-12-05T03:00:00+01:00 "
	    "last_start=- last_result=- last_exit=- last_duration=- runs=0 failures=0 "
	    "retries=0 timeouts=0 skipped=0 missed=0");
	free(l);
	l = line_of(text, "job name=c ");
	ck_assert_str_eq(l, "job name=c state=disabled pid=- next=- last_start=- last_result=- "
	    "last_exit=- last_duration=- runs=0 failures=0 retries=0 timeouts=0 skipped=0 "
	    "missed=0");
	free(l);
	ck_assert_ptr_null(strstr(text, "hunter2"));
	free(text);

	/* 10.0015 s later @every 10s has started, 1.5 ms late. */
	now.real_ms += 10001;
	now.mono_ms += 10001;
	now.real_sub_us = 500;
	sched_advance(s, now);
	ck_assert_int_eq(fake_spawn_calls, 1);
	text = status_render(s, &d, now, NULL);
	l = line_of(text, "job name=b ");
	ck_assert_str_eq(l, "job name=b state=running pid=777 next=2026-12-04T12:00:20+00:00 "
	    "last_start=2026-12-04T12:00:10+00:00 last_result=- last_exit=- last_duration=- "
	    "runs=1 failures=0 retries=0 timeouts=0 skipped=0 missed=0");
	free(l);
	l = line_of(text, "daemon ");
	ck_assert_ptr_nonnull(strstr(l, " uptime=10 "));
	ck_assert_ptr_nonnull(strstr(l, " running=1 queued=0 runs=1 failures=0 lag_p50_ms=1.500 "
	    "lag_p99_ms=1.500 lag_max_ms=1.500"));
	free(l);
	free(text);

	/* It fails with exit 3 after 2.25 s. */
	now.real_ms += 2250;
	now.mono_ms += 2250;
	sched_attempt_done(s, s->jobs[1]->runs, SCHED_EXIT_CODE, 3, now);
	text = status_render(s, &d, now, NULL);
	l = line_of(text, "job name=b ");
	ck_assert_str_eq(l, "job name=b state=idle pid=- next=2026-12-04T12:00:20+00:00 "
	    "last_start=2026-12-04T12:00:10+00:00 last_result=failed last_exit=3 "
	    "last_duration=2.250 runs=1 failures=1 retries=0 timeouts=0 skipped=0 missed=0");
	free(l);
	free(text);
	sched_free(s);
}
END_TEST

START_TEST(sbuf_grows_and_takes)
{
	struct sbuf b;
	char *text;
	size_t len = 0;
	int i;

	sbuf_init(&b, 1);
	for (i = 0; i < 1000; i++)
		sbuf_printf(&b, "%d,", i);
	sbuf_append(&b, "end", 3);
	text = sbuf_take(&b, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert(strncmp(text, "0,1,2,", 6) == 0);
	ck_assert_str_eq(text + len - 7, "999,end");
	free(text);
	ck_assert_ptr_null(b.p);
}
END_TEST

Suite *
status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_test(tc, status_lines);
	tcase_add_test(tc, sbuf_grows_and_takes);
	suite_add_tcase(s, tc);
	return s;
}
