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

/* Stable merge of two NULL-terminated chains; a holds the earlier nodes. */
static struct wheel_link *
merge(struct wheel_link *a, struct wheel_link *b)
{
	struct wheel_link head, *tail = &head;

	while (a != NULL && b != NULL) {
		if (TIMER(b)->expires_ms < TIMER(a)->expires_ms) {
			tail->next = b;
			b = b->next;
		} else {
			tail->next = a;
			a = a->next;
		}
		tail = tail->next;
	}
	tail->next = a != NULL ? a : b;
	return head.next;
}

/*
 * Sorts a list by deadline, stably (equal deadlines keep their order, which
 * is the order of adding), in O(n log n): bottom-up merges of runs whose
 * lengths are powers of two, bins[i] holding 2^i nodes older than bins[<i].
 */
static void
list_sort(struct wheel_link *h)
{
	struct wheel_link *bins[64] = { NULL };
	struct wheel_link *n, *next, *carry, *prev;
	int i, top = 0;

	if (h->next == h->prev)
		return;
	h->prev->next = NULL;
	for (n = h->next; n != NULL; n = next) {
		next = n->next;
		n->next = NULL;
		carry = n;
		for (i = 0; bins[i] != NULL; i++) {
			carry = merge(bins[i], carry);
			bins[i] = NULL;
		}
		bins[i] = carry;
		if (i >= top)
			top = i + 1;
	}
	carry = NULL;
	for (i = 0; i < top; i++)
		if (bins[i] != NULL)
			carry = merge(bins[i], carry);
	prev = h;
	for (n = carry; n != NULL; n = n->next) {
		n->prev = prev;
		prev->next = n;
		prev = n;
	}
	prev->next = h;
	h->prev = prev;
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
		list_sort(&w->slot[level][s]);
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
			if (!w->due_sorted) {
				list_sort(&w->due);
				w->due_sorted = true;
			}
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
	struct wheel_link tmp, *h, *n;
	unsigned level, s;
	uint64_t start_ms;

	while (w->levels != 0) {
		level = (unsigned)__builtin_ctz(w->levels);
		s = (unsigned)__builtin_ctzll(w->pending[level]);
		start_ms = bucket_start(w->now_ms, level, s);
		if (start_ms > now_ms)
			break;
		w->now_ms = start_ms;
		h = &w->slot[level][s];
		w->pending[level] &= ~(1ULL << s);
		if (w->pending[level] == 0)
			w->levels &= ~(1u << level);
		if (level == 0) {
			/* One deadline per level-0 slot: start_ms. */
			list_splice_tail(&w->run, h);
			continue;
		}
		list_init(&tmp);
		list_splice_tail(&tmp, h);
		while (!list_empty(&tmp)) {
			n = tmp.next;
			list_unlink(n);
			if (TIMER(n)->expires_ms == start_ms)
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
			list_sort(&w->due);
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
