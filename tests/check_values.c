/* Unit tests of config/values.c: every value syntax of SPEC §3. */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "tests.h"
#include "values.h"

static const struct {
	const char *text;
	int64_t ms;	/* -1: invalid */
} durations[] = {
	{ "0", 0 }, { "30", 30000 }, { "500ms", 500 }, { "30s", 30000 }, { "5m", 300000 },
	{ "2h", 7200000 }, { "1d", 86400000 }, { "1h30m", 5400000 }, { "1m30s500ms", 90500 },
	{ "1d2h3m4s5ms", 93784005 }, { "", -1 }, { "s", -1 }, { "5x", -1 }, { "5 m", -1 },
	{ "-5s", -1 }, { "1.5s", -1 }, { "5mss", -1 }, { "h1", -1 },
	{ "99999999999999999999", -1 }, { "40000d", -1 }, { "5M", -1 },
};

START_TEST(duration_table)
{
	char err[128] = "";
	int64_t ms = -7;
	int rc = value_duration_ms(durations[_i].text, &ms, err, sizeof(err));

	if (durations[_i].ms < 0) {
		ck_assert_msg(rc == -1, "'%s' accepted as %lld", durations[_i].text, (long long)ms);
		ck_assert_str_ne(err, "");
	} else {
		ck_assert_msg(rc == 0, "'%s' rejected: %s", durations[_i].text, err);
		ck_assert_int_eq(ms, durations[_i].ms);
	}
}
END_TEST

START_TEST(size_and_bool)
{
	char err[128];
	uint64_t n;
	bool b;

	ck_assert_int_eq(value_size_bytes("64KiB", &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 65536);
	ck_assert_int_eq(value_size_bytes("2MiB", &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2097152);
	ck_assert_int_eq(value_size_bytes("100", &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 100);
	ck_assert_int_eq(value_size_bytes("64kb", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(value_size_bytes("KiB", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(value_size_bytes("99999999999999999GiB", &n, err, sizeof(err)), -1);
	ck_assert_int_eq(value_bool("Yes", &b, err, sizeof(err)), 0);
	ck_assert(b);
	ck_assert_int_eq(value_bool("off", &b, err, sizeof(err)), 0);
	ck_assert(!b);
	ck_assert_int_eq(value_bool("0", &b, err, sizeof(err)), 0);
	ck_assert(!b);
	ck_assert_int_eq(value_bool("maybe", &b, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "maybe"));
}
END_TEST

START_TEST(signals_umask_numbers)
{
	char err[128];
	int sig;
	mode_t m;
	long l;
	double d;

	ck_assert_int_eq(value_signal("TERM", &sig, err, sizeof(err)), 0);
	ck_assert_int_eq(sig, SIGTERM);
	ck_assert_int_eq(value_signal("sigkill", &sig, err, sizeof(err)), 0);
	ck_assert_int_eq(sig, SIGKILL);
	ck_assert_int_eq(value_signal("10", &sig, err, sizeof(err)), 0);
	ck_assert_int_eq(sig, 10);
	ck_assert_int_eq(value_signal("65", &sig, err, sizeof(err)), -1);
	ck_assert_int_eq(value_signal("FOO", &sig, err, sizeof(err)), -1);
	ck_assert_str_eq(value_signal_name(SIGINT), "INT");
	ck_assert_int_eq(value_umask("022", &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m, 022);
	ck_assert_int_eq(value_umask("0077", &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m, 077);
	ck_assert_int_eq(value_umask("089", &m, err, sizeof(err)), -1);
	ck_assert_int_eq(value_umask("1777", &m, err, sizeof(err)), -1);
	ck_assert_int_eq(value_int_range("-20", -20, 19, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l, -20);
	ck_assert_int_eq(value_int_range("20", -20, 19, &l, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "-20..19"));
	ck_assert_int_eq(value_int_range("1x", 0, 9, &l, err, sizeof(err)), -1);
	ck_assert_int_eq(value_double_range("2.0", 1, 100, &d, err, sizeof(err)), 0);
	ck_assert(d == 2.0);
	ck_assert_int_eq(value_double_range("nan", 1, 100, &d, err, sizeof(err)), -1);
	ck_assert_int_eq(value_double_range("0.5", 1, 100, &d, err, sizeof(err)), -1);
}
END_TEST

START_TEST(format_duration)
{
	char buf[32];

	ck_assert_str_eq(value_format_duration(5400000, buf, sizeof(buf)), "1h30m");
	ck_assert_str_eq(value_format_duration(500, buf, sizeof(buf)), "500ms");
	ck_assert_str_eq(value_format_duration(0, buf, sizeof(buf)), "0s");
	ck_assert_str_eq(value_format_duration(90061001, buf, sizeof(buf)), "1d1h1m1s1ms");
}
END_TEST

Suite *
values_suite(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("values");

	tcase_add_loop_test(tc, duration_table, 0, sizeof(durations) / sizeof(durations[0]));
	tcase_add_test(tc, size_and_bool);
	tcase_add_test(tc, signals_umask_numbers);
	tcase_add_test(tc, format_duration);
	suite_add_tcase(s, tc);
	return s;
}
