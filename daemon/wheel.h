/*
 * wheel: a hierarchical timing wheel holding every deadline of the daemon.
 * Pure: no clock reads, no allocation, no globals; the caller passes `now`.
 * Times are milliseconds on the caller's monotonic clock.
 *
 * Design. Eleven levels of 64 slots. A timer due at d, with the wheel at
 * clock c < d, sits in level L = (highest bit of d ^ c) / 6, slot
 * (d >> 6L) & 63: the level of the first 6-bit group in which d and c
 * differ. Slot s of level L is a bucket covering [B, B + 64^L) where B is c
 * with groups above L kept, group L set to s and the lower bits cleared.
 *
 *	level	bucket width	deadlines held (d - c below about)
 *	0	1 ms		64 ms
 *	1	64 ms		4.1 s
 *	2	4.1 s		4.4 min
 *	3	4.4 min		4.7 h
 *	4	4.7 h		12.4 days
 *	5	12.4 days	2.2 years
 *	6	2.2 years	139 years
 *	7	139 years	8.9 thousand years
 *	8	8.9 ky		571 ky
 *	9	571 ky		36.6 million years
 *	10	36.6 My		the rest of uint64 (16 slots used)
 *
 * Deadlines stay exact at every level: when the clock reaches a bucket's
 * start B, the bucket is emptied and each timer placed again against B
 * (timers due at B are collected), so a timer never fires early nor late,
 * however far it was. A level-0 slot holds a single deadline. Lower levels
 * always come due before higher ones, so the next bucket to process is the
 * first set bit of the lowest non-empty level: advancing by a week costs the
 * buckets that hold timers, not the milliseconds. Each timer is re-placed at
 * most ten times in its life. Shortcuts: a bucket already in deadline order
 * hands its due timers over as they are, and a bucket entirely due is
 * sorted (radix, a pass per 9 bits of its width) rather than cascaded.
 *
 * Order: slots append at the tail, cascades and sorts are stable, so timers
 * with equal deadlines run in the order they were (last) added.
 *
 * Next expiry is exact. Each slot keeps the minimum deadline of its timers
 * (a lower bound once that minimum is deleted: "stale"). Invariant: the
 * first occupied slot (lowest level, lowest slot: it holds the earliest
 * deadline) is never stale. When a delete would break that, the bucket is
 * sorted once and remembered as sorted, so further deletes of its minimum
 * are O(1). Deadlines already past when added wait in a due list.
 */
#ifndef SCHEDD_WHEEL_H
#define SCHEDD_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WHEEL_NONE UINT64_MAX

#define WHEEL_LEVELS	11
#define WHEEL_SLOTS	64

struct wheel_timer;
typedef void wheel_fn(struct wheel_timer *t, void *arg);

/* A node of a circular doubly-linked list; a list's head is a sentinel. */
struct wheel_link {
	struct wheel_link *next;	/* NULL when the timer is not pending */
	struct wheel_link *prev;
};

/*
 * Embedded in its owner (container_of to get back); 32 bytes. Callers read
 * expires_ms (the deadline of the last wheel_add) and set nothing but
 * through wheel_timer_init and wheel_add.
 */
struct wheel_timer {
	struct wheel_link link;		/* first member */
	uint64_t	expires_ms;
	wheel_fn	*fn;
};

/*
 * Complete so that it can be embedded; its fields are private to wheel.c.
 * About 17 KB; it holds pointers to itself, so it must not be copied or
 * moved after wheel_init.
 */
struct wheel {
	uint64_t	now_ms;			/* every deadline <= now_ms has been collected */
	size_t		count;			/* pending timers, run list included */
	uint32_t	levels;			/* bit L: pending[L] != 0 */
	bool		running;		/* inside wheel_advance's callbacks */
	bool		due_sorted;
	uint64_t	due_min_ms;		/* exact while due is not empty */
	struct wheel_link due;			/* added with a deadline <= now_ms */
	struct wheel_link run;			/* collected, not yet run */
	uint64_t	pending[WHEEL_LEVELS];	/* bit s: slot s is occupied */
	uint64_t	sorted[WHEEL_LEVELS];	/* slot is in deadline order */
	uint64_t	stale[WHEEL_LEVELS];	/* slot's min_ms is only a lower bound */
	uint64_t	min_ms[WHEEL_LEVELS][WHEEL_SLOTS];
	struct wheel_link slot[WHEEL_LEVELS][WHEEL_SLOTS];
};

/* Empties w and sets its clock to now_ms. */
void wheel_init(struct wheel *w, uint64_t now_ms);
/* Makes t an idle timer that calls fn (may be NULL: runs as a no-op). */
void wheel_timer_init(struct wheel_timer *t, wheel_fn *fn);

/*
 * (Re)arms t for expires_ms. A pending t is first disarmed, so it moves
 * behind timers with the same deadline. A deadline <= the wheel's clock is
 * due at the next wheel_advance. expires_ms == WHEEL_NONE means never:
 * t is disarmed. O(1).
 */
void wheel_add(struct wheel *w, struct wheel_timer *t, uint64_t expires_ms);
/*
 * Disarms t; a no-op when t is not pending. A timer collected by the
 * running wheel_advance and not yet run is pending: deleting it means it
 * will not run. O(1), except that deleting the earliest deadline of the
 * earliest occupied bucket may sort that bucket once (see above).
 */
void wheel_del(struct wheel *w, struct wheel_timer *t);
/* Whether t is armed (false inside its own callback unless re-added). */
bool wheel_pending(const struct wheel_timer *t);

/*
 * The exact earliest expires_ms of the pending timers, WHEEL_NONE when there
 * are none: the loop sleeps until its clock reads at least this value, then
 * calls wheel_advance, which runs that timer. It is <= the wheel's clock
 * while timers added with past deadlines wait (advance at once). O(1).
 */
uint64_t wheel_next_expiry(const struct wheel *w);

/*
 * Moves the wheel's clock to now_ms (a now_ms below the clock is taken as
 * the clock), collects every timer with expires_ms <= now_ms and every timer
 * added with a past deadline, and then calls t->fn(t, arg) for each, in
 * (deadline, order of adding) order. t is no longer pending when its fn
 * runs. Callbacks may add and delete any timer; one added with a deadline
 * <= now_ms runs at the next advance, not in this one. A call from inside a
 * callback does nothing and returns 0. Returns the number of timers run.
 * Costs O(levels + timers collected or cascaded), whatever the jump.
 */
size_t wheel_advance(struct wheel *w, uint64_t now_ms, void *arg);

/* Pending timers, including those collected and not yet run. */
size_t wheel_count(const struct wheel *w);

#endif
