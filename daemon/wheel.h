/*
 * wheel: a hierarchical timing wheel holding every deadline of the daemon.
 * Pure: no clock reads, no allocation, no globals; the caller passes `now`.
 * Times are milliseconds on the caller's monotonic clock.
 *
 * (The design comment with the table of levels goes here.)
 */
#ifndef SCHEDD_WHEEL_H
#define SCHEDD_WHEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WHEEL_NONE UINT64_MAX

struct wheel_timer;
typedef void wheel_fn(struct wheel_timer *t, void *arg);

/* Embedded in its owner (container_of to get back); at most 32 bytes. */
struct wheel_timer {
	struct wheel_timer *next;
	struct wheel_timer **pprev;	/* NULL when not pending */
	uint64_t	expires_ms;
	wheel_fn	*fn;
};

struct wheel;	/* defined below by the implementation's needs */

void wheel_init(struct wheel *w, uint64_t now_ms);
void wheel_timer_init(struct wheel_timer *t, wheel_fn *fn);

/* (Re)arms t for expires_ms (may be in the past: due at the next advance). */
void wheel_add(struct wheel *w, struct wheel_timer *t, uint64_t expires_ms);
/* Disarms t; a no-op when t is not pending. */
void wheel_del(struct wheel *w, struct wheel_timer *t);
bool wheel_pending(const struct wheel_timer *t);

/* Earliest pending deadline, WHEEL_NONE when empty. O(levels). */
uint64_t wheel_next_expiry(const struct wheel *w);

/*
 * Moves the wheel to now_ms, collects every timer with expires_ms <= now_ms
 * and then calls t->fn(t, arg) for each, in deadline order (FIFO among equal
 * deadlines). Callbacks may add and delete any timer; a timer added with a
 * deadline <= now_ms runs at the next advance. Returns the number run.
 */
size_t wheel_advance(struct wheel *w, uint64_t now_ms, void *arg);

size_t wheel_count(const struct wheel *w);

#endif
