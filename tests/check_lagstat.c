/* Unit tests of daemon/lagstat.c: the ring, nearest-rank percentiles, the
 * lifetime maximum, clamping. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lagstat.h"
#include "tests.h"

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(empty_is_zero)
{
	struct lagstat ls;

	lagstat_init(&ls);
	ck_assert_uint_eq(lagstat_percentile(&ls, 50), 0);
	ck_assert_uint_eq(lagstat_percentile(&ls, 100), 0);
	ck_assert_uint_eq(ls.max_us, 0);
	ck_assert_uint_eq(ls.n, 0);
}
END_TEST

/* Samples 1..10 (added in a scrambled order): nearest rank of p is
 * ceil(p/100 * 10). */
static const struct {
	double p;
	uint32_t want;
} ranks[] = {
	{ 0, 1 }, { 1, 1 }, { 10, 1 }, { 10.5, 2 }, { 25, 3 }, { 50, 5 }, { 50.1, 6 },
	{ 90, 9 }, { 99, 10 }, { 100, 10 }, { 150, 10 }, { -3, 1 },
};

START_TEST(nearest_rank_table)
{
	static const uint32_t order[] = { 7, 3, 10, 1, 9, 2, 8, 5, 4, 6 };
	struct lagstat ls;
	size_t i;

	lagstat_init(&ls);
	for (i = 0; i < 10; i++)
		lagstat_add(&ls, order[i]);
	ck_assert_uint_eq(lagstat_percentile(&ls, ranks[_i].p), ranks[_i].want);
	ck_assert_uint_eq(ls.max_us, 10);
}
END_TEST

START_TEST(clamps_negative_and_huge)
{
	struct lagstat ls;

	lagstat_init(&ls);
	lagstat_add(&ls, -5000);
	ck_assert_uint_eq(lagstat_percentile(&ls, 100), 0);
	lagstat_add(&ls, (int64_t)1 << 40);
	ck_assert_uint_eq(lagstat_percentile(&ls, 100), UINT32_MAX);
	ck_assert_uint_eq(ls.max_us, UINT32_MAX);
	ck_assert_uint_eq(lagstat_percentile(&ls, 50), 0);
}
END_TEST

/* The window holds the last LAGSTAT_WINDOW samples; the maximum is over the
 * whole lifetime. */
START_TEST(ring_forgets_old_samples)
{
	struct lagstat ls;
	size_t i;

	lagstat_init(&ls);
	lagstat_add(&ls, 1000000);
	for (i = 0; i < LAGSTAT_WINDOW; i++)
		lagstat_add(&ls, 7);
	ck_assert_uint_eq(ls.n, LAGSTAT_WINDOW);
	ck_assert_uint_eq(lagstat_percentile(&ls, 100), 7);
	ck_assert_uint_eq(lagstat_percentile(&ls, 0), 7);
	ck_assert_uint_eq(ls.max_us, 1000000);
	/* Half the window replaced by larger samples. */
	for (i = 0; i < LAGSTAT_WINDOW / 2; i++)
		lagstat_add(&ls, 100 + (int64_t)i);
	ck_assert_uint_eq(lagstat_percentile(&ls, 50), 7);
	ck_assert_uint_eq(lagstat_percentile(&ls, 50.09), 100);	/* rank 513 */
	ck_assert_uint_eq(lagstat_percentile(&ls, 100), 100 + LAGSTAT_WINDOW / 2 - 1);
}
END_TEST

/* Against a sorted reference, for windows of many sizes and shapes
 * (duplicates, sorted, reversed, random). */
START_TEST(matches_sorted_reference)
{
	static const double ps[] = { 0, 1, 5, 33.3, 50, 66.7, 90, 99, 99.9, 100 };
	uint32_t ref[LAGSTAT_WINDOW];
	struct lagstat ls;
	unsigned seed = 12345 + (unsigned)_i;
	size_t n, i, k, rank;

	for (n = 1; n <= LAGSTAT_WINDOW; n = n * 3 + 1) {
		lagstat_init(&ls);
		for (i = 0; i < n; i++) {
			uint32_t v;

			switch (_i) {
			case 0:
				v = (uint32_t)(rand_r(&seed) % 1000000);
				break;
			case 1:
				v = (uint32_t)(rand_r(&seed) % 4);	/* many duplicates */
				break;
			case 2:
				v = (uint32_t)i;
				break;
			default:
				v = (uint32_t)(n - i);
				break;
			}
			lagstat_add(&ls, v);
			ref[i] = v;
		}
		qsort(ref, n, sizeof(ref[0]), cmp_u32);
		for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
			rank = (size_t)(ps[k] / 100.0 * (double)n);
			if ((double)rank < ps[k] / 100.0 * (double)n)
				rank++;
			if (rank < 1)
				rank = 1;
			ck_assert_msg(lagstat_percentile(&ls, ps[k]) == ref[rank - 1],
			    "n=%zu p=%g: got %u want %u", n, ps[k],
			    lagstat_percentile(&ls, ps[k]), ref[rank - 1]);
		}
		ck_assert_uint_eq(ls.max_us, ref[n - 1]);
	}
}
END_TEST

Suite *
lagstat_suite(void)
{
	Suite *s = suite_create("lagstat");
	TCase *tc = tcase_create("lagstat");

	tcase_add_test(tc, empty_is_zero);
	tcase_add_loop_test(tc, nearest_rank_table, 0, sizeof(ranks) / sizeof(ranks[0]));
	tcase_add_test(tc, clamps_negative_and_huge);
	tcase_add_test(tc, ring_forgets_old_samples);
	tcase_add_loop_test(tc, matches_sorted_reference, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
