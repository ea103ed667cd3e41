/*
 * lagstat: a ring of the last LAGSTAT_WINDOW start lags and their lifetime
 * maximum. Percentiles are computed on demand (status dumps only) by
 * selecting in a copy of the window; adding a sample is O(1).
 */
#include "lagstat.h"

#include <math.h>
#include <string.h>

void
lagstat_init(struct lagstat *ls)
{
	memset(ls, 0, sizeof(*ls));
}

void
lagstat_add(struct lagstat *ls, int64_t lag_us)
{
	uint32_t v;

	if (lag_us <= 0)
		v = 0;
	else if (lag_us >= UINT32_MAX)
		v = UINT32_MAX;
	else
		v = (uint32_t)lag_us;
	ls->us[ls->head] = v;
	ls->head = (ls->head + 1) % LAGSTAT_WINDOW;
	if (ls->n < LAGSTAT_WINDOW)
		ls->n++;
	if (v > ls->max_us)
		ls->max_us = v;
}

/* The k-th smallest (0-based) of a[0..n-1]; reorders a. Hoare selection
 * with a middle pivot: O(n) on average, and sorted input is not a bad case. */
static uint32_t
select_kth(uint32_t *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t pivot = a[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		/* Now a[lo..j] <= pivot <= a[i..hi], and j < i. */
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return a[k];
	}
	return a[k];
}

uint32_t
lagstat_percentile(const struct lagstat *ls, double p)
{
	uint32_t tmp[LAGSTAT_WINDOW];
	size_t rank;

	if (ls->n == 0)
		return 0;
	if (!(p > 0))		/* also NaN */
		p = 0;
	if (p > 100)
		p = 100;
	/* Nearest rank: the smallest value with at least p% of the samples
	 * at or below it; rank 1 for p = 0. */
	rank = (size_t)ceil(p / 100.0 * (double)ls->n);
	if (rank < 1)
		rank = 1;
	if (rank > ls->n)
		rank = ls->n;
	memcpy(tmp, ls->us, ls->n * sizeof(tmp[0]));
	return select_kth(tmp, ls->n, rank - 1);
}
