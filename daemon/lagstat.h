/*
 * lagstat: start lag (how late runs started after their due time) over the
 * last LAGSTAT_WINDOW runs, with percentiles for the status dump (SPEC §6).
 * Pure; a fixed ring, no allocation.
 */
#ifndef SCHEDD_LAGSTAT_H
#define SCHEDD_LAGSTAT_H

#include <stddef.h>
#include <stdint.h>

#define LAGSTAT_WINDOW 1024

struct lagstat {
	uint32_t	us[LAGSTAT_WINDOW];	/* lag in microseconds, saturated */
	size_t		n;			/* samples stored (<= window) */
	size_t		head;			/* next slot to write */
	uint32_t	max_us;			/* over the daemon's lifetime */
};

void lagstat_init(struct lagstat *ls);
/* Records one lag; negative values count as 0. */
void lagstat_add(struct lagstat *ls, int64_t lag_us);
/* The p-th percentile (0..100) of the window in microseconds; 0 when empty.
 * Nearest-rank method. */
uint32_t lagstat_percentile(const struct lagstat *ls, double p);

#endif
