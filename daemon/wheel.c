/*
 * wheel: the hierarchical timing wheel described in wheel.h. Exact
 * deadlines by cascading each coarse bucket when the clock reaches its
 * start; FIFO among equal deadlines; O(1) exact next expiry. Pure: the
 * caller passes the time and runs nothing but the timers' own callbacks.
 */
#include "wheel.h"

#include <assert.h>

#define BITS	6

static_assert(sizeof(struct wheel_timer) <= 32, "timer node above 32 bytes");
static_assert(WHEEL_SLOTS == 1 << BITS, "slots per level");
static_assert(WHEEL_LEVELS * BITS >= 64, "levels must cover uint64");
static_assert(offsetof(struct wheel_timer, link) == 0, "link first");

#define TIMER(l)	((struct wheel_timer *)(void *)(l))

static inline bool
list_empty(const struct wheel_link *h)
{
	return h->next == h;
}

static inline void
list_init(struct wheel_link *h)
{
	h->next = h->prev = h;
}

static inline void
list_append(struct wheel_link *h, struct wheel_link *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void
list_unlink(struct wheel_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

/* Moves every node of non-empty src to the tail of dst, leaving src empty. */
static void
list_splice_tail(struct wheel_link *dst, struct wheel_link *src)
{
	struct wheel_link *first = src->next, *last = src->prev;

	first->prev = dst->prev;
	dst->prev->next = first;
	last->next = dst;
	dst->prev = last;
	list_init(src);
}

static inline uint64_t
first_ms(const struct wheel_link *h)
{
	return TIMER(h->next)->expires_ms;
}

#define SORT_BITS	9
#define SORT_BINS	(1u << SORT_BITS)
#define SORT_SMALL	32

/* Stable insertion sort for short lists. */
static void
list_sort_small(struct wheel_link *h)
{
	struct wheel_link *n, *next, *at;
	uint64_t d;

	for (n = h->next->next; n != h; n = next) {
		next = n->next;
		d = TIMER(n)->expires_ms;
		for (at = n->prev; at != h && TIMER(at)->expires_ms > d; at = at->prev)
			;
		if (at == n->prev)
			continue;
		n->prev->next = n->next;
		n->next->prev = n->prev;
		n->prev = at;
		n->next = at->next;
		at->next->prev = n;
		at->next = n;
	}
}

/*
 * Sorts a list by deadline, stably (equal deadlines keep their order, which
 * is the order of adding), given that the deadlines differ only in their
 * nbits low bits: an LSD radix sort, one linear pass per 9-bit digit (a
 * bucket of level L needs ceil(6L / 9) passes), no allocation. Sorting is
 * dominated by cache misses on large lists, so passes are what counts.
 */
static void
list_sort(struct wheel_link *h, unsigned nbits)
{
	struct wheel_link bins[SORT_BINS], *n, *next;
	unsigned shift, i, k = 0;

	for (n = h->next; n != h && k <= SORT_SMALL; n = n->next)
		k++;
	if (k <= SORT_SMALL) {
		if (k > 1)
			list_sort_small(h);
		return;
	}
	for (shift = 0; shift < nbits; shift += SORT_BITS) {
		for (i = 0; i < SORT_BINS; i++)
			list_init(&bins[i]);
		for (n = h->next; n != h; n = next) {
			next = n->next;
			list_append(&bins[(TIMER(n)->expires_ms >> shift) & (SORT_BINS - 1)], n);
		}
		list_init(h);
		for (i = 0; i < SORT_BINS; i++)
			if (!list_empty(&bins[i]))
				list_splice_tail(h, &bins[i]);
	}
}

/* Sorts the due list, whose deadlines may differ in any bit. */
static void
due_sort(struct wheel *w)
{
	struct wheel_link *n;
	uint64_t first = first_ms(&w->due), vary = 0;

	for (n = w->due.next; n != &w->due; n = n->next)
		vary |= TIMER(n)->expires_ms ^ first;
	if (vary != 0)
		list_sort(&w->due, 64 - (unsigned)__builtin_clzll(vary));
	w->due_sorted = true;
}

static inline unsigned
level_of(uint64_t expires_ms, uint64_t now_ms)
{
	return (unsigned)(63 - __builtin_clzll(expires_ms ^ now_ms)) / BITS;
}

static inline unsigned
slot_of(uint64_t expires_ms, unsigned level)
{
	return (unsigned)(expires_ms >> (level * BITS)) & (WHEEL_SLOTS - 1);
}

/* Start of slot s of level L for the wheel at now_ms. */
static inline uint64_t
bucket_start(uint64_t now_ms, unsigned level, unsigned s)
{
	unsigned shift = (level + 1) * BITS;
	uint64_t high = shift >= 64 ? 0 : now_ms >> shift << shift;

	return high | (uint64_t)s << (level * BITS);
}

/* Places t, due after w->now_ms, in its slot. */
static inline void
place(struct wheel *w, struct wheel_timer *t)
{
	uint64_t d = t->expires_ms;
	unsigned level = level_of(d, w->now_ms), s = slot_of(d, level);
	struct wheel_link *h = &w->slot[level][s];
	uint64_t bit = 1ULL << s;

	if ((w->pending[level] & bit) == 0) {
		w->pending[level] |= bit;
		w->levels |= 1u << level;
		w->min_ms[level][s] = d;
		w->sorted[level] |= bit;
		w->stale[level] &= ~bit;
	} else {
		/* Appending keeps (deadline, order of adding) order unless d is
		 * below the tail's; min_ms stays a lower bound even when stale. */
		if (d < TIMER(h->prev)->expires_ms)
			w->sorted[level] &= ~bit;
		if (d < w->min_ms[level][s])
			w->min_ms[level][s] = d;
	}
	list_append(h, &t->link);
}

/* Keeps the invariant: the first occupied slot has an exact min_ms. */
static void
refresh_first(struct wheel *w)
{
	unsigned level, s;
	uint64_t bit;

	if (w->levels == 0)
		return;
	level = (unsigned)__builtin_ctz(w->levels);
	s = (unsigned)__builtin_ctzll(w->pending[level]);
	bit = 1ULL << s;
	if (w->stale[level] & bit) {
		list_sort(&w->slot[level][s], level * BITS);
		w->min_ms[level][s] = first_ms(&w->slot[level][s]);
		w->sorted[level] |= bit;
		w->stale[level] &= ~bit;
	}
}

void
wheel_init(struct wheel *w, uint64_t now_ms)
{
	unsigned level, s;

	w->now_ms = now_ms;
	w->count = 0;
	w->levels = 0;
	w->running = false;
	w->due_sorted = true;
	w->due_min_ms = WHEEL_NONE;
	list_init(&w->due);
	list_init(&w->run);
	for (level = 0; level < WHEEL_LEVELS; level++) {
		w->pending[level] = w->sorted[level] = w->stale[level] = 0;
		for (s = 0; s < WHEEL_SLOTS; s++) {
			w->min_ms[level][s] = WHEEL_NONE;
			list_init(&w->slot[level][s]);
		}
	}
}

void
wheel_timer_init(struct wheel_timer *t, wheel_fn *fn)
{
	t->link.next = t->link.prev = NULL;
	t->expires_ms = WHEEL_NONE;
	t->fn = fn;
}

bool
wheel_pending(const struct wheel_timer *t)
{
	return t->link.next != NULL;
}

void
wheel_del(struct wheel *w, struct wheel_timer *t)
{
	uint64_t d = t->expires_ms, bit;
	unsigned level, s;
	struct wheel_link *h;

	if (t->link.next == NULL)
		return;
	list_unlink(&t->link);
	w->count--;
	if (d <= w->now_ms) {
		/* In the due list or in the run list: which one does not
		 * matter, the due list's minimum is recomputed if it may have
		 * been d. The due list only holds what was added in the past
		 * since the last advance. */
		if (!list_empty(&w->due) && d == w->due_min_ms) {
			if (!w->due_sorted)
				due_sort(w);
			w->due_min_ms = first_ms(&w->due);
		}
		return;
	}
	level = level_of(d, w->now_ms);
	s = slot_of(d, level);
	h = &w->slot[level][s];
	bit = 1ULL << s;
	if (list_empty(h)) {
		w->pending[level] &= ~bit;
		if (w->pending[level] == 0)
			w->levels &= ~(1u << level);
		refresh_first(w);
	} else if (d == w->min_ms[level][s]) {
		if (w->sorted[level] & bit)
			w->min_ms[level][s] = first_ms(h);
		else {
			w->stale[level] |= bit;
			refresh_first(w);
		}
	}
}

void
wheel_add(struct wheel *w, struct wheel_timer *t, uint64_t expires_ms)
{
	wheel_del(w, t);
	t->expires_ms = expires_ms;
	if (expires_ms == WHEEL_NONE)
		return;
	w->count++;
	if (expires_ms > w->now_ms) {
		place(w, t);
		return;
	}
	if (list_empty(&w->due)) {
		w->due_min_ms = expires_ms;
		w->due_sorted = true;
	} else {
		if (expires_ms < TIMER(w->due.prev)->expires_ms)
			w->due_sorted = false;
		if (expires_ms < w->due_min_ms)
			w->due_min_ms = expires_ms;
	}
	list_append(&w->due, &t->link);
}

uint64_t
wheel_next_expiry(const struct wheel *w)
{
	uint64_t min_ms = WHEEL_NONE;
	unsigned level;

	if (!list_empty(&w->run) || !list_empty(&w->due)) {
		/* Both hold deadlines <= now_ms, below anything in the slots;
		 * the run list is in deadline order. */
		if (!list_empty(&w->run))
			min_ms = first_ms(&w->run);
		if (!list_empty(&w->due) && w->due_min_ms < min_ms)
			min_ms = w->due_min_ms;
		return min_ms;
	}
	if (w->levels == 0)
		return WHEEL_NONE;
	level = (unsigned)__builtin_ctz(w->levels);
	return w->min_ms[level][__builtin_ctzll(w->pending[level])];
}

/*
 * Moves the clock bucket by bucket up to now_ms, collecting due timers into
 * the run list in deadline order. The first occupied slot of the lowest
 * occupied level is always the next bucket to come due: every slot of a
 * level starts within the current block of the level above, before any
 * slot of the levels above.
 */
static void
collect(struct wheel *w, uint64_t now_ms)
{
	struct wheel_link *h, *n, *next;
	unsigned level, s;
	uint64_t start_ms, bit;

	while (w->levels != 0) {
		level = (unsigned)__builtin_ctz(w->levels);
		s = (unsigned)__builtin_ctzll(w->pending[level]);
		start_ms = bucket_start(w->now_ms, level, s);
		if (start_ms > now_ms)
			break;
		w->now_ms = start_ms;
		h = &w->slot[level][s];
		bit = 1ULL << s;
		w->pending[level] &= ~bit;
		if (w->pending[level] == 0)
			w->levels &= ~(1u << level);
		if (level == 0) {
			/* One deadline per level-0 slot: start_ms. */
			list_splice_tail(&w->run, h);
			continue;
		}
		/* Every other timer is due after this bucket's end. */
		if (now_ms - start_ms >= (1ULL << (level * BITS)) - 1) {
			/* All of it is due: sorting takes fewer passes over
			 * the timers than cascading level by level. */
			if ((w->sorted[level] & bit) == 0)
				list_sort(h, level * BITS);
			list_splice_tail(&w->run, h);
			continue;
		}
		if (w->sorted[level] & bit) {
			/* In (deadline, order of adding) order already: the due
			 * prefix runs as is. The rest is due after now_ms but
			 * before the next bucket of this level (and lower levels
			 * are empty), so no bucket starts in between and the
			 * clock may move to now_ms. */
			for (n = h->next; n != h && TIMER(n)->expires_ms <= now_ms; n = next) {
				next = n->next;
				list_unlink(n);
				list_append(&w->run, n);
			}
			if (list_empty(h))
				continue;
			w->now_ms = now_ms;
		}
		/* Places the rest again against the clock; those due at the
		 * bucket's start run (their order is the list's). */
		n = h->next;
		h->prev->next = NULL;
		list_init(h);
		for (; n != NULL; n = next) {
			next = n->next;
			if (TIMER(n)->expires_ms == w->now_ms)
				list_append(&w->run, n);
			else
				place(w, TIMER(n));
		}
	}
	w->now_ms = now_ms;
}

size_t
wheel_advance(struct wheel *w, uint64_t now_ms, void *arg)
{
	struct wheel_timer *t;
	size_t ran = 0;

	if (w->running)
		return 0;
	if (now_ms < w->now_ms)
		now_ms = w->now_ms;
	/* Past deadlines come first: they are all <= the old clock, below
	 * every deadline still in the slots. */
	if (!list_empty(&w->due)) {
		if (!w->due_sorted)
			due_sort(w);
		list_splice_tail(&w->run, &w->due);
		w->due_sorted = true;
		w->due_min_ms = WHEEL_NONE;
	}
	collect(w, now_ms);
	refresh_first(w);

	w->running = true;
	while (!list_empty(&w->run)) {
		t = TIMER(w->run.next);
		list_unlink(&t->link);
		w->count--;
		ran++;
		if (t->fn != NULL)
			t->fn(t, arg);
	}
	w->running = false;
	return ran;
}

size_t
wheel_count(const struct wheel *w)
{
	return w->count;
}
