/*
 * Unit tests of daemon/wheel.c: edge cases by table, then a differential
 * property test against a sorted array ordered by (deadline, order of
 * adding). WHEEL_SEED=N replays a run of the property test; WHEEL_OPS=N
 * changes its length.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "wheel.h"

#define WEEK_MS		(7ULL * 24 * 3600 * 1000)

struct owner {
	int			id;
	struct wheel_timer	t;
};

#define OWNER(tp)	((struct owner *)(void *)((char *)(tp) - offsetof(struct owner, t)))

/* What the simple tests' callbacks record. */
struct log {
	struct wheel	*w;
	int		ids[64];
	uint64_t	now_ms[64];	/* the wheel's clock when run */
	uint64_t	due_ms[64];
	size_t		n;
};

static void
log_cb(struct wheel_timer *t, void *arg)
{
	struct log *lg = arg;

	ck_assert(!wheel_pending(t));
	ck_assert_uint_lt(lg->n, 64);
	lg->ids[lg->n] = OWNER(t)->id;
	lg->now_ms[lg->n] = lg->w->now_ms;
	lg->due_ms[lg->n] = t->expires_ms;
	lg->n++;
}

static struct wheel *
new_wheel(uint64_t now_ms)
{
	struct wheel *w = malloc(sizeof(*w));

	ck_assert_ptr_nonnull(w);
	wheel_init(w, now_ms);
	return w;
}

static void
owners_init(struct owner *o, int n, wheel_fn *fn)
{
	for (int i = 0; i < n; i++) {
		o[i].id = i;
		wheel_timer_init(&o[i].t, fn);
	}
}

/* One timer: not run one ms before its deadline, run exactly at it. */
static const struct {
	uint64_t	start_ms, expires_ms;
} deadlines[] = {
	{ 0, 0 }, { 0, 1 }, { 0, 63 }, { 0, 64 }, { 0, 65 }, { 0, 4095 }, { 0, 4096 },
	{ 0, 4097 }, { 0, 262143 }, { 0, 262144 }, { 0, 3600000 }, { 0, WEEK_MS },
	{ 0, 1ULL << 36 }, { 0, (1ULL << 36) - 1 }, { 0, 1ULL << 60 }, { 0, (1ULL << 60) + 1 },
	{ 0, 1ULL << 63 }, { 0, WHEEL_NONE - 1 }, { 5, WHEEL_NONE - 1 },
	{ 63, 64 }, { 64, 64 }, { 4095, 4096 }, { 4095, 8191 }, { 4096, 4096 + 64 * 64 * 63 },
	{ 1000, 3 }, { 1000, 0 }, { 1000, 999 }, { 1000, 1000 }, { 1000, 1001 },
	{ 123456789, 123456789 + 262144 }, { 123456789, 123456789 + WEEK_MS + 17 },
	{ WHEEL_NONE - 3, WHEEL_NONE - 1 }, { WHEEL_NONE - 1, WHEEL_NONE - 1 },
	{ WHEEL_NONE - 1, 7 }, { (1ULL << 60) - 1, 1ULL << 60 }, { (1ULL << 60) - 1, (1ULL << 61) + 5 },
};

START_TEST(deadline_table)
{
	uint64_t start = deadlines[_i].start_ms, d = deadlines[_i].expires_ms;
	struct wheel *w = new_wheel(start);
	struct log lg = { .w = w };
	struct owner o[1];

	owners_init(o, 1, log_cb);
	wheel_add(w, &o[0].t, d);
	ck_assert(wheel_pending(&o[0].t));
	ck_assert_uint_eq(o[0].t.expires_ms, d);
	ck_assert_uint_eq(wheel_count(w), 1);
	ck_assert_uint_eq(wheel_next_expiry(w), d);
	if (d > start) {
		ck_assert_uint_eq(wheel_advance(w, d - 1, &lg), 0);
		ck_assert_uint_eq(wheel_next_expiry(w), d);
		ck_assert(wheel_pending(&o[0].t));
	}
	ck_assert_uint_eq(wheel_advance(w, d > start ? d : start, &lg), 1);
	ck_assert_uint_eq(lg.n, 1);
	ck_assert_uint_eq(lg.now_ms[0], d > start ? d : start);
	ck_assert(!wheel_pending(&o[0].t));
	ck_assert_uint_eq(wheel_count(w), 0);
	ck_assert_uint_eq(wheel_next_expiry(w), WHEEL_NONE);
	free(w);
}
END_TEST

/* The same deadlines reached by one jump from far before. */
START_TEST(deadline_table_jump)
{
	uint64_t start = deadlines[_i].start_ms, d = deadlines[_i].expires_ms;
	struct wheel *w = new_wheel(start);
	struct log lg = { .w = w };
	struct owner o[2];

	owners_init(o, 2, log_cb);
	wheel_add(w, &o[0].t, d);
	/* A later neighbour must stay. */
	bool neighbour = d >= start && d < WHEEL_NONE - 1;

	if (neighbour)
		wheel_add(w, &o[1].t, d + 1);
	ck_assert_uint_eq(wheel_advance(w, d, &lg), 1);
	ck_assert_int_eq(lg.ids[0], 0);
	if (neighbour) {
		ck_assert_uint_eq(wheel_next_expiry(w), d + 1);
		ck_assert_uint_eq(wheel_advance(w, WHEEL_NONE, &lg), 1);
		ck_assert_int_eq(lg.ids[1], 1);
	}
	free(w);
}
END_TEST

/* Equal deadlines run in the order of (last) adding, across cascades. */
START_TEST(fifo_across_cascades)
{
	struct wheel *w = new_wheel(0);
	struct log lg = { .w = w };
	struct owner o[6];
	const uint64_t d = 5 * 262144 + 4096 * 3 + 64 * 7 + 9;

	owners_init(o, 6, log_cb);
	wheel_add(w, &o[0].t, d);		/* level 3 */
	ck_assert_uint_eq(wheel_advance(w, d - 5000, &lg), 0);
	wheel_add(w, &o[1].t, d);		/* level 2 */
	wheel_add(w, &o[2].t, d);
	ck_assert_uint_eq(wheel_advance(w, d - 70, &lg), 0);
	wheel_add(w, &o[3].t, d);		/* level 1 */
	ck_assert_uint_eq(wheel_advance(w, d - 1, &lg), 0);
	wheel_add(w, &o[4].t, d);		/* level 0 */
	wheel_add(w, &o[2].t, d);		/* re-added: moves to the back */
	wheel_add(w, &o[5].t, d - 1);		/* past: runs first */
	ck_assert_uint_eq(wheel_count(w), 6);
	ck_assert_uint_eq(wheel_next_expiry(w), d - 1);
	ck_assert_uint_eq(wheel_advance(w, d, &lg), 6);
	ck_assert_int_eq(lg.ids[0], 5);
	ck_assert_int_eq(lg.ids[1], 0);
	ck_assert_int_eq(lg.ids[2], 1);
	ck_assert_int_eq(lg.ids[3], 3);
	ck_assert_int_eq(lg.ids[4], 4);
	ck_assert_int_eq(lg.ids[5], 2);
	free(w);
}
END_TEST

/* Past deadlines run at the next advance, in deadline order. */
START_TEST(past_deadlines_sorted)
{
	struct wheel *w = new_wheel(10000);
	struct log lg = { .w = w };
	struct owner o[5];

	owners_init(o, 5, log_cb);
	wheel_add(w, &o[0].t, 10001);
	wheel_add(w, &o[1].t, 500);
	wheel_add(w, &o[2].t, 0);
	wheel_add(w, &o[3].t, 500);
	wheel_add(w, &o[4].t, 10000);
	ck_assert_uint_eq(wheel_next_expiry(w), 0);
	wheel_del(w, &o[2].t);
	ck_assert_uint_eq(wheel_next_expiry(w), 500);
	wheel_del(w, &o[1].t);
	ck_assert_uint_eq(wheel_next_expiry(w), 500);
	wheel_add(w, &o[2].t, 20);
	/* A clock going back is taken as the wheel's clock. */
	ck_assert_uint_eq(wheel_advance(w, 5, &lg), 3);
	ck_assert_int_eq(lg.ids[0], 2);
	ck_assert_int_eq(lg.ids[1], 3);
	ck_assert_int_eq(lg.ids[2], 4);
	ck_assert_uint_eq(lg.now_ms[0], 10000);
	ck_assert_uint_eq(wheel_next_expiry(w), 10001);
	ck_assert_uint_eq(wheel_advance(w, 10001, &lg), 1);
	free(w);
}
END_TEST

/* Callbacks that add and delete, including collected timers. */
struct cbtest {
	struct wheel	*w;
	struct owner	o[8];
	int		order[32];
	size_t		n;
	size_t		count_seen[32];
	size_t		nested;
};

static void
act_cb(struct wheel_timer *t, void *arg)
{
	struct cbtest *c = arg;
	int id = OWNER(t)->id;

	c->count_seen[c->n] = wheel_count(c->w);
	c->order[c->n++] = id;
	c->nested += wheel_advance(c->w, WHEEL_NONE, c);
	switch (id) {
	case 0:
		wheel_del(c->w, &c->o[1].t);		/* collected: must not run */
		wheel_add(c->w, &c->o[2].t, 100);	/* collected, re-added later */
		wheel_add(c->w, &c->o[0].t, c->w->now_ms);	/* itself, due now */
		break;
	case 3:
		wheel_add(c->w, &c->o[4].t, 10);	/* new, past */
		wheel_add(c->w, &c->o[5].t, 60);
		break;
	default:
		break;
	}
}

START_TEST(callbacks_add_and_delete)
{
	struct cbtest *c = calloc(1, sizeof(*c));
	struct wheel *w = new_wheel(0);

	ck_assert_ptr_nonnull(c);
	c->w = w;
	owners_init(c->o, 8, act_cb);
	wheel_add(w, &c->o[0].t, 10);
	wheel_add(w, &c->o[1].t, 10);
	wheel_add(w, &c->o[2].t, 20);
	wheel_add(w, &c->o[3].t, 50);
	wheel_add(w, &c->o[6].t, 51);
	ck_assert_uint_eq(wheel_advance(w, 50, c), 2);
	ck_assert_uint_eq(c->n, 2);
	ck_assert_int_eq(c->order[0], 0);
	ck_assert_int_eq(c->order[1], 3);
	ck_assert_uint_eq(c->count_seen[0], 4);		/* 1, 2, 3 collected; 6 */
	ck_assert_uint_eq(c->nested, 0);
	ck_assert(!wheel_pending(&c->o[1].t));
	ck_assert(wheel_pending(&c->o[0].t));
	ck_assert(wheel_pending(&c->o[4].t));
	/* 0 (due 50) and 4 (due 10) were added in the past: next advance. */
	ck_assert_uint_eq(wheel_next_expiry(w), 10);
	ck_assert_uint_eq(wheel_count(w), 5);
	ck_assert_uint_eq(wheel_advance(w, 50, c), 2);
	ck_assert_int_eq(c->order[2], 4);
	ck_assert_int_eq(c->order[3], 0);
	/* 0 re-added itself again at 50 (past): and so on at every advance. */
	wheel_del(w, &c->o[0].t);
	ck_assert_uint_eq(wheel_advance(w, 100, c), 3);
	ck_assert_int_eq(c->order[4], 6);
	ck_assert_int_eq(c->order[5], 5);
	ck_assert_int_eq(c->order[6], 2);
	ck_assert_uint_eq(wheel_count(w), 0);
	ck_assert_uint_eq(wheel_next_expiry(w), WHEEL_NONE);
	free(w);
	free(c);
}
END_TEST

START_TEST(pending_readd_none_and_null_fn)
{
	struct wheel *w = new_wheel(0);
	struct log lg = { .w = w };
	struct owner o[3];

	owners_init(o, 3, log_cb);
	ck_assert(!wheel_pending(&o[0].t));
	wheel_del(w, &o[0].t);			/* idle: no-op */
	ck_assert_uint_eq(wheel_count(w), 0);
	wheel_add(w, &o[0].t, 300);
	wheel_add(w, &o[0].t, 200);		/* re-arm, not a second entry */
	ck_assert_uint_eq(wheel_count(w), 1);
	ck_assert_uint_eq(wheel_next_expiry(w), 200);
	wheel_add(w, &o[0].t, WHEEL_NONE);	/* never: disarms */
	ck_assert(!wheel_pending(&o[0].t));
	ck_assert_uint_eq(wheel_count(w), 0);
	ck_assert_uint_eq(wheel_next_expiry(w), WHEEL_NONE);
	wheel_timer_init(&o[1].t, NULL);
	wheel_add(w, &o[1].t, 7);
	wheel_add(w, &o[2].t, 7);
	ck_assert_uint_eq(wheel_advance(w, 7, &lg), 2);
	ck_assert_uint_eq(lg.n, 1);
	ck_assert_int_eq(lg.ids[0], 2);
	ck_assert_uint_eq(wheel_advance(w, WHEEL_NONE, &lg), 0);
	ck_assert_uint_eq(w->now_ms, WHEEL_NONE);
	free(w);
}
END_TEST

/* Deleting the earliest of a coarse bucket keeps next_expiry exact. */
START_TEST(next_expiry_after_deleting_minimum)
{
	enum { N = 40 };
	struct wheel *w = new_wheel(0);
	struct log lg = { .w = w };
	struct owner o[N];
	uint64_t base = 3 * 262144;	/* one level-3 bucket */

	owners_init(o, N, log_cb);
	/* Deadlines base + 1000 * ((i * 7) % N): distinct, out of order. */
	for (int i = 0; i < N; i++)
		wheel_add(w, &o[i].t, base + 1000 * (uint64_t)((i * 7) % N));
	ck_assert_uint_eq(wheel_next_expiry(w), base);
	for (int k = 0; k < N / 2; k++) {
		/* The timer holding base + 1000 k is i with 7i = k mod N. */
		int i = (k * 23) % N;	/* 23 = 7^-1 mod 40 */

		ck_assert_uint_eq(o[i].t.expires_ms, base + 1000 * (uint64_t)k);
		wheel_del(w, &o[i].t);
		ck_assert_uint_eq(wheel_next_expiry(w), base + 1000 * (uint64_t)(k + 1));
		if (k % 5 == 0) {
			/* Out of order again: a smaller deadline to the tail. */
			wheel_add(w, &o[i].t, base + 1000 * (uint64_t)k + 1);
			ck_assert_uint_eq(wheel_next_expiry(w), base + 1000 * (uint64_t)k + 1);
			wheel_del(w, &o[i].t);
		}
	}
	ck_assert_uint_eq(wheel_advance(w, WHEEL_NONE, &lg), N / 2);
	for (int k = 0; k < N / 2; k++)
		ck_assert_uint_eq(lg.due_ms[k], base + 1000 * (uint64_t)(k + N / 2));
	free(w);
}
END_TEST

/*
 * Many timers with tied deadlines in one coarse bucket, added out of order:
 * run in (deadline, order of adding) order whether the bucket comes due all
 * at once, exactly at its end or later (it is sorted), step by step (it
 * cascades), or after a delete of its minimum sorted it early.
 */
enum { TIES_N = 300, TIES_DISTINCT = 50 };

struct ties {
	struct owner	o[TIES_N];
	int		ran[TIES_N];
	size_t		n;
};

static void
ties_cb(struct wheel_timer *t, void *arg)
{
	struct ties *c = arg;

	ck_assert_uint_lt(c->n, TIES_N);
	c->ran[c->n++] = OWNER(t)->id;
}

START_TEST(ties_in_one_bucket)
{
	struct ties *c = calloc(1, sizeof(*c));
	struct wheel *w = new_wheel(0);
	const uint64_t base = 7 * 4096;	/* a level-2 bucket, 4096 ms wide */
	uint64_t next;
	size_t k;
	int i, prev = -1, gone = 0;

	ck_assert_ptr_nonnull(c);
	owners_init(c->o, TIES_N, ties_cb);
	for (i = 0; i < TIES_N; i++)
		wheel_add(w, &c->o[i].t, base + 80 * (uint64_t)((i * 37) % TIES_DISTINCT));
	if (_i == 2) {
		/* One of the earliest: the minimum may have gone, so the
		 * bucket is sorted to find it. */
		wheel_del(w, &c->o[0].t);
		ck_assert_uint_eq(wheel_next_expiry(w), base);
		wheel_del(w, &c->o[50].t);
		ck_assert_uint_eq(wheel_next_expiry(w), base);
		gone = 2;
	}
	if (_i == 0 || _i == 3)
		ck_assert_uint_eq(wheel_advance(w, _i == 0 ? base + 4095 : WEEK_MS, c),
		    (size_t)TIES_N - gone);
	else
		while ((next = wheel_next_expiry(w)) != WHEEL_NONE)
			wheel_advance(w, next, c);
	ck_assert_uint_eq(c->n, (size_t)(TIES_N - gone));
	for (k = 0; k < c->n; k++) {
		int id = c->ran[k];

		ck_assert(gone == 0 || (id != 0 && id != 50));
		if (prev >= 0) {
			uint64_t dp = c->o[prev].t.expires_ms, di = c->o[id].t.expires_ms;

			ck_assert_msg(dp < di || (dp == di && prev < id),
			    "%d (due %llu) ran before %d (due %llu)", prev,
			    (unsigned long long)dp, id, (unsigned long long)di);
		}
		prev = id;
	}
	free(w);
	free(c);
}
END_TEST

/*
 * The property test. The reference is an array sorted by (deadline, seq),
 * seq counting every add; a timer collected by an advance is the first
 * entry with seq below the advance's starting seq.
 */
#define NT		1024
#define SEGMENT_OPS	20000

struct ref {
	uint64_t	expires_ms, seq;
	int		id;
};

struct prop {
	struct wheel	w;
	struct owner	o[NT];
	struct ref	ref[NT];
	size_t		nref;
	bool		pending[NT];
	uint64_t	exp_ms[NT], seq_of[NT];
	uint64_t	seq, clock_ms, batch_seq;
	uint64_t	recent_ms[8];
	uint64_t	rng, seed;
	size_t		ops, ran, callback_ops, runs;
	uint64_t	live_sum;
};

static void prop_fail(const struct prop *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* Unlike ck_assert, costs nothing when it holds (no mark point). */
#define PROP_CHECK(p, expr, ...) do {					\
	if (!(expr))							\
		prop_fail((p), #expr, __VA_ARGS__);			\
} while (0)

static void
prop_fail(const struct prop *p, const char *expr, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ck_abort_msg("WHEEL_SEED=%llu op %zu: %s: %s", (unsigned long long)p->seed,
	    p->ops, expr, msg);
}

static uint64_t
rnd(struct prop *p)
{
	/* splitmix64 */
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > WHEEL_NONE - 1 - b ? WHEEL_NONE - 1 : a + b;
}

static int
ref_cmp(uint64_t d1, uint64_t s1, uint64_t d2, uint64_t s2)
{
	if (d1 != d2)
		return d1 < d2 ? -1 : 1;
	return s1 < s2 ? -1 : s1 > s2;
}

/* First index whose key is >= (d, seq). */
static size_t
ref_lower(const struct prop *p, uint64_t d, uint64_t seq)
{
	size_t lo = 0, hi = p->nref;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ref_cmp(p->ref[mid].expires_ms, p->ref[mid].seq, d, seq) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ref_remove_at(struct prop *p, size_t i)
{
	p->pending[p->ref[i].id] = false;
	memmove(&p->ref[i], &p->ref[i + 1], (p->nref - i - 1) * sizeof(p->ref[0]));
	p->nref--;
}

static void
ref_remove(struct prop *p, int id)
{
	size_t i;

	if (!p->pending[id])
		return;
	i = ref_lower(p, p->exp_ms[id], p->seq_of[id]);
	PROP_CHECK(p, i < p->nref && p->ref[i].id == id, "reference lost %d", id);
	ref_remove_at(p, i);
}

static void
ref_insert(struct prop *p, int id, uint64_t d)
{
	uint64_t seq = p->seq++;
	size_t i = ref_lower(p, d, seq);

	memmove(&p->ref[i + 1], &p->ref[i], (p->nref - i) * sizeof(p->ref[0]));
	p->ref[i] = (struct ref){ d, seq, id };
	p->nref++;
	p->pending[id] = true;
	p->exp_ms[id] = d;
	p->seq_of[id] = seq;
}

static uint64_t
gen_deadline(struct prop *p)
{
	uint64_t now = p->w.now_ms, r = rnd(p), k = r % 100, x = r >> 8, d;

	if (k < 18)
		d = sat_add(now, x % 70);
	else if (k < 33)
		d = sat_add(now, x % 300000);
	else if (k < 56)
		d = sat_add(now, x % (1ULL << 36));
	else if (k < 61)
		d = sat_add(now, rnd(p) >> (x % 64));
	else if (k < 67)
		d = now > x % 1000 ? now - x % 1000 : 0;
	else if (k < 69)
		d = x % 4 == 0 ? 0 : now;
	else if (k < 84)
		d = p->recent_ms[x % 8];
	else if (k < 94) {
		/* A bucket boundary, or one ms around it. */
		unsigned shift = 6 * (unsigned)(x % 6 + 1);
		uint64_t b = sat_add(now, (rnd(p) % 3 + 1) << shift) >> shift << shift;

		d = b + (x >> 8) % 3 - 1;
		if (d >= WHEEL_NONE)
			d = WHEEL_NONE - 1;
	} else if (k < 96)
		d = WHEEL_NONE - 1 - x % 3;
	else if (k < 97)
		d = WHEEL_NONE;
	else
		d = sat_add(now, 1);
	p->recent_ms[r % 8] = d == WHEEL_NONE ? now : d;
	return d;
}

static void
prop_verify(struct prop *p)
{
	uint64_t want = p->nref > 0 ? p->ref[0].expires_ms : WHEEL_NONE;

	PROP_CHECK(p, wheel_count(&p->w) == p->nref, "count %zu, want %zu",
	    wheel_count(&p->w), p->nref);
	PROP_CHECK(p, wheel_next_expiry(&p->w) == want, "next %llu, want %llu",
	    (unsigned long long)wheel_next_expiry(&p->w), (unsigned long long)want);
}

static void
prop_add(struct prop *p, int id, uint64_t d)
{
	wheel_add(&p->w, &p->o[id].t, d);
	ref_remove(p, id);
	if (d != WHEEL_NONE)
		ref_insert(p, id, d);
	PROP_CHECK(p, wheel_pending(&p->o[id].t) == (d != WHEEL_NONE), "pending %d", id);
}

static void
prop_del(struct prop *p, int id)
{
	wheel_del(&p->w, &p->o[id].t);
	ref_remove(p, id);
	PROP_CHECK(p, !wheel_pending(&p->o[id].t), "still pending %d", id);
}

static void
prop_cb(struct wheel_timer *t, void *arg)
{
	struct prop *p = arg;
	int id = OWNER(t)->id, n;
	size_t i;

	/* The reference's next: the first entry added before the advance. */
	for (i = 0; i < p->nref && p->ref[i].seq >= p->batch_seq; i++)
		;
	PROP_CHECK(p, i < p->nref && p->ref[i].id == id && p->ref[i].expires_ms <= p->clock_ms,
	    "ran %d (due %llu) at %llu, want %d", id, (unsigned long long)t->expires_ms,
	    (unsigned long long)p->clock_ms, i < p->nref ? p->ref[i].id : -1);
	PROP_CHECK(p, !wheel_pending(t), "running timer %d pending", id);
	ref_remove_at(p, i);
	p->ran++;
	p->runs++;
	prop_verify(p);
	/* A quarter of the callbacks add or delete one or two timers. */
	n = rnd(p) % 4 == 0 ? 1 + (int)(rnd(p) % 2) : 0;
	for (; n > 0; n--) {
		uint64_t r = rnd(p);
		int other = (int)((r >> 8) % NT);

		if (r % 8 == 0)
			other = id;
		if (r % 3 == 0)
			prop_del(p, other);
		else
			prop_add(p, other, gen_deadline(p));
		p->callback_ops++;
		prop_verify(p);
	}
}

static void
prop_advance(struct prop *p, uint64_t now)
{
	size_t i, ran;

	p->clock_ms = now > p->w.now_ms ? now : p->w.now_ms;
	p->batch_seq = p->seq;
	p->ran = 0;
	ran = wheel_advance(&p->w, now, p);
	PROP_CHECK(p, ran == p->ran, "advance returned %zu, ran %zu", ran, p->ran);
	PROP_CHECK(p, p->w.now_ms == p->clock_ms, "clock");
	for (i = 0; i < p->nref && p->ref[i].expires_ms <= p->clock_ms; i++)
		PROP_CHECK(p, p->ref[i].seq >= p->batch_seq, "timer %d due %llu not run at %llu",
		    p->ref[i].id, (unsigned long long)p->ref[i].expires_ms,
		    (unsigned long long)p->clock_ms);
	prop_verify(p);
}

static uint64_t
gen_now(struct prop *p)
{
	uint64_t now = p->w.now_ms, r = rnd(p), k = r % 10000, x = r >> 14;
	uint64_t next = wheel_next_expiry(&p->w);

	/* Sleeping until the next expiry, when near: a far one would drain
	 * the population in deadline order. */
	if (k < 3500 && next != WHEEL_NONE && (next <= now || next - now < 100000)) {
		if (k < 3000 || next == 0)
			return next;
		return next - 1;
	}
	if (k < 8000)
		return sat_add(now, x % 100);
	if (k < 9400)
		return sat_add(now, x % 10000);
	if (k < 9700)
		return sat_add(now, x % 10000000);
	if (k < 9780)
		return sat_add(now, WEEK_MS);
	if (k < 9880)
		return now;
	if (k < 9990)
		return now > x % 5000 ? now - x % 5000 : 0;
	if (k < 9995)
		return sat_add(now, x % (1ULL << 40));
	return sat_add(now, rnd(p) >> (x % 64));
}

static void
prop_segment(struct prop *p, uint64_t start_ms, size_t nops)
{
	size_t i;
	int id;

	wheel_init(&p->w, start_ms);
	for (id = 0; id < NT; id++) {
		p->o[id].id = id;
		wheel_timer_init(&p->o[id].t, prop_cb);
		p->pending[id] = false;
	}
	p->nref = 0;
	for (i = 0; i < 8; i++)
		p->recent_ms[i] = sat_add(start_ms, rnd(p) % 100000);
	for (i = 0; i < nops; i++, p->ops++) {
		uint64_t r = rnd(p), k = r % 100;

		id = (int)((r >> 8) % NT);
		if (k < 50)
			prop_add(p, id, gen_deadline(p));
		else if (k < 60)
			prop_del(p, id);
		else if (k < 63)
			PROP_CHECK(p, wheel_pending(&p->o[id].t) == p->pending[id], "pending %d", id);
		else
			prop_advance(p, gen_now(p));
		prop_verify(p);
		p->live_sum += p->nref;
	}
	/* Drain: everything runs, then nothing is left. */
	for (i = 0; i < 64 && wheel_count(&p->w) > 0; i++)
		prop_advance(p, WHEEL_NONE);
	for (id = 0; id < NT; id++)
		prop_del(p, id);
	prop_verify(p);
	PROP_CHECK(p, p->nref == 0, "reference not empty");
}

static uint64_t
env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return dflt;
	v = strtoull(s, &end, 0);
	ck_assert_msg(*end == '\0', "%s=%s is not a number", name, s);
	return v;
}

START_TEST(property_against_reference)
{
	struct prop *p = calloc(1, sizeof(*p));
	uint64_t total;
	size_t seg;

	ck_assert_ptr_nonnull(p);
	p->seed = env_u64("WHEEL_SEED", 20240601);
	total = env_u64("WHEEL_OPS", 1000000);
	p->rng = p->seed;
	fprintf(stderr, "wheel property test: WHEEL_SEED=%llu WHEEL_OPS=%llu\n",
	    (unsigned long long)p->seed, (unsigned long long)total);
	for (seg = 0; p->ops < total; seg++) {
		uint64_t start;
		size_t n = total - p->ops < SEGMENT_OPS ? total - p->ops : SEGMENT_OPS;

		switch (seg % 6) {
		case 0:
			start = 0;
			break;
		case 1:
			start = rnd(p) >> 24;
			break;
		case 2:
			start = rnd(p) >> 1;
			break;
		case 3:
			start = WHEEL_NONE - (1ULL << 42) - rnd(p) % 1000000;
			break;
		case 4:
			start = WHEEL_NONE - 1 - rnd(p) % 100000;
			break;
		default:
			start = (rnd(p) >> 20) << 18;	/* on a bucket boundary */
			break;
		}
		prop_segment(p, start, n);
	}
	ck_assert_uint_ge(p->ops, total);
	/* The callbacks did act. */
	if (total >= 10000)
		ck_assert_uint_gt(p->callback_ops, total / 100);
	fprintf(stderr, "wheel property test: %zu ops, %zu runs, %zu ops in callbacks, "
	    "%llu timers pending on average\n", p->ops, p->runs, p->callback_ops,
	    (unsigned long long)(p->live_sum / p->ops));
	free(p);
}
END_TEST

Suite *
wheel_suite(void)
{
	Suite *s = suite_create("wheel");
	TCase *tc = tcase_create("wheel");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, deadline_table, 0, sizeof(deadlines) / sizeof(deadlines[0]));
	tcase_add_loop_test(tc, deadline_table_jump, 0, sizeof(deadlines) / sizeof(deadlines[0]));
	tcase_add_test(tc, fifo_across_cascades);
	tcase_add_test(tc, past_deadlines_sorted);
	tcase_add_test(tc, callbacks_add_and_delete);
	tcase_add_test(tc, pending_readd_none_and_null_fn);
	tcase_add_test(tc, next_expiry_after_deleting_minimum);
	tcase_add_loop_test(tc, ties_in_one_bucket, 0, 4);
	tcase_add_test(tc, property_against_reference);
	suite_add_tcase(s, tc);
	return s;
}
