/*
 * config: schedd.conf and its drop-ins (SPEC §3) read through libinih into
 * an immutable struct config. Phase one reads every file into raw entries
 * (section, key, value, FILE:LINE); phase two checks them against the key
 * table (keys.c), applies [defaults], checks uniqueness and cross-key rules.
 * All errors are collected, ordered by file and line, and reported together.
 * Jobs with equal process settings (exec) or run policy share one copy.
 * Does not create directories. Not thread-safe: libinih's options are globals.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "values.h"

#define ARENA_CHUNK_BYTES	(64 * 1024)
#define MAX_FILE_BYTES		(256 * 1024 * 1024)
#define MAX_JOB_NAME		64

/* ---- arena: every string and list of a config, freed at once ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t		 used, cap;
	max_align_t	 data[];
};

struct arena {
	struct arena_chunk *head;
};

/* Returns SIZE bytes aligned to ALIGN (a power of two <= max_align_t), or
 * NULL. Large requests get a chunk of their own placed behind the current
 * one, so that the current chunk's free space stays in use. */
static void *
arena_alloc(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t off, cap;

	if (c != NULL) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->cap && size <= c->cap - off) {
			c->used = off + size;
			return (char *)c->data + off;
		}
	}
	if (size > SIZE_MAX - sizeof(*c) - ARENA_CHUNK_BYTES)
		return NULL;
	cap = size > ARENA_CHUNK_BYTES / 4 ? size : ARENA_CHUNK_BYTES - sizeof(*c);
	c = malloc(sizeof(*c) + cap);
	if (c == NULL)
		return NULL;
	c->cap = cap;
	c->used = size;
	if (a->head != NULL && cap == size) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c->data;
}

static char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1, 1);

	if (p != NULL) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

static void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- strmap: string -> value, open addressing; keys outlive the map ---- */

struct strmap_slot {
	const char	*key;
	uintptr_t	 val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t		 cap, n;
};

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL

static struct strmap_slot *
strmap_find(const struct strmap *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = (size_t)fnv1a(FNV_OFFSET, key, strlen(key)) & (m->cap - 1);
	for (;; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == NULL || strcmp(m->slots[i].key, key) == 0)
			return &m->slots[i];
	}
}

static bool
strmap_get(const struct strmap *m, const char *key, uintptr_t *val)
{
	struct strmap_slot *s = strmap_find(m, key);

	if (s == NULL || s->key == NULL)
		return false;
	*val = s->val;
	return true;
}

/* Inserts KEY (not present yet). Returns -1 when out of memory. */
static int
strmap_put(struct strmap *m, const char *key, uintptr_t val)
{
	struct strmap_slot *s;

	if ((m->n + 1) * 2 > m->cap) {
		struct strmap old = *m;
		size_t i, cap = m->cap == 0 ? 16 : m->cap * 2;

		m->slots = calloc(cap, sizeof(*m->slots));
		if (m->slots == NULL) {
			*m = old;
			return -1;
		}
		m->cap = cap;
		m->n = 0;
		for (i = 0; i < old.cap; i++) {
			if (old.slots[i].key != NULL) {
				s = strmap_find(m, old.slots[i].key);
				*s = old.slots[i];
				m->n++;
			}
		}
		free(old.slots);
	}
	s = strmap_find(m, key);
	s->key = key;
	s->val = val;
	m->n++;
	return 0;
}

static void
strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* FNV-1a taken a 64-bit word at a time (eight times fewer multiplications
 * than per byte, with a shift to mix high bits down); deterministic, which
 * is all a reload comparison needs. */
static void
hash_u64(uint64_t *h, uint64_t v)
{
	*h ^= v;
	*h *= 0x100000001b3ULL;
	*h ^= *h >> 29;
}

/* Length first, so that ("ab", "c") and ("a", "bc") differ. */
static void
hash_str(uint64_t *h, const char *s)
{
	size_t len, i;
	uint64_t w;

	if (s == NULL) {
		hash_u64(h, UINT64_MAX);
		return;
	}
	len = strlen(s);
	hash_u64(h, len);
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		hash_u64(h, w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		hash_u64(h, w);
	}
}

/* ---- the loader ---- */

enum sec_kind {
	SEC_DAEMON,
	SEC_DEFAULTS,
	SEC_JOB,
	SEC_SKIP,	/* a header with an error: its keys are not checked */
};

struct raw_section {
	enum sec_kind	 kind;
	const char	*name;		/* job name (scratch) */
	uint32_t	 file;
	int		 line;
	size_t		 first, n;	/* its entries: ents[first .. first + n) */
	bool		 has_lines;
};

struct raw_entry {
	const char	*key, *value;	/* scratch */
	uint32_t	 file;
	int		 line;
};

struct src_file {
	const char	*path;		/* owned by the config */
	bool		 dropin;
};

struct pending_error {
	uint32_t	 file;
	int		 line;
	size_t		 seq;
	char		*msg;		/* "FILE:LINE: message" */
};

struct zone_ent {
	struct tz	*zone;		/* NULL: err */
	const char	*err;
};

struct user_ent {
	uid_t		 uid;
	gid_t		 gid;
	const char	*name, *home;	/* owned by the config */
	const char	*err;		/* NULL: usable */
};

/* A job being built: its own struct and drafts of the exec and policy it
 * will share once interned. TOUCHED: bit KEYS_PART_* set when a key of that
 * part was applied since the copy from [defaults]. */
struct job_draft {
	struct config_job job;
	struct config_exec exec;
	struct config_policy policy;
	unsigned	 touched;
};

/* An interned exec or policy: the public struct, first, so that a job's
 * pointer is its entry's, and the hash of its contents (job_hash takes it
 * instead of hashing the contents again). */
struct exec_ent {
	struct config_exec pub;
	uint64_t	 hash;
};

struct policy_ent {
	struct config_policy pub;
	uint64_t	 hash;
};

/* Interned objects by content hash, open addressing; the entries live in
 * the config's arena, the table only while loading. */
struct intern_slot {
	uint64_t	 hash;
	void		*ent;		/* struct exec_ent or policy_ent; NULL: free */
};

struct intern {
	struct intern_slot *slots;
	size_t		 cap, n;
};

/* A struct config with what it owns behind it. */
struct config_owner {
	struct config	 pub;
	struct arena	 arena;
	struct tz	**zones;
	size_t		 nzones;
};

struct loader {
	const struct config_env *env;
	struct config_owner *own;
	struct arena	 scratch;
	bool		 from_buffer;
	bool		 oom;

	struct src_file	*files;
	size_t		 nfiles, capfiles;
	struct raw_section *secs;
	size_t		 nsecs, capsecs;
	struct raw_entry *ents;
	size_t		 nents, capents;
	struct pending_error *errs;
	size_t		 nerrs, caperrs;

	struct strmap	 jobnames;	/* name -> section index */
	struct strmap	 zonemap;	/* name -> struct zone_ent * */
	struct strmap	 usermap;	/* name -> struct user_ent * */
	struct zone_ent	*system_zone;
	struct user_ent	*self;		/* the daemon's own user */
	struct job_draft base;		/* table defaults + [defaults] */
	const struct config_exec *base_exec;	/* base.exec, interned */
	const struct config_policy *base_policy;
	struct intern	 execs;		/* struct exec_ent by content */
	struct intern	 policies;	/* struct policy_ent by content */
	int		 k_schedule, k_command, k_retry_delay, k_retry_max_delay;
};

/* ARR (*CAP elements of SIZE, N used) with room for one more: ARR itself,
 * or a larger copy; NULL when out of memory (ARR is then untouched). */
static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if (ncap > SIZE_MAX / size)
		return NULL;
	if ((p = realloc(arr, ncap * size)) == NULL)
		return NULL;
	*cap = ncap;
	return p;
}


static void lerr(struct loader *ld, uint32_t file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records an error at FILE:LINE (line 0: the file as a whole). */
static void
lerr(struct loader *ld, uint32_t file, int line, const char *fmt, ...)
{
	struct pending_error *pe;
	char msg[1024];
	va_list ap;
	void *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((p = grow(ld->errs, &ld->caperrs, ld->nerrs, sizeof(*ld->errs))) == NULL) {
		ld->oom = true;
		return;
	}
	ld->errs = p;
	pe = &ld->errs[ld->nerrs];
	if (asprintf(&pe->msg, "%s:%d: %s", ld->files[file].path, line, msg) < 0) {
		ld->oom = true;
		return;
	}
	pe->file = file;
	pe->line = line;
	pe->seq = ld->nerrs;
	ld->nerrs++;
}

static char *
sdup(struct loader *ld, struct arena *a, const char *s)
{
	char *p = arena_strdup(a, s);

	if (p == NULL)
		ld->oom = true;
	return p;
}

/* ---- interning: one copy of each distinct exec and policy ---- */

static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Every field, fixed order and width; strings by content. */
static uint64_t
exec_hash(const struct config_exec *x)
{
	uint64_t h = FNV_OFFSET;

	hash_str(&h, x->user);
	hash_u64(&h, (uint64_t)x->uid);
	hash_u64(&h, (uint64_t)x->gid);
	hash_str(&h, x->home);
	hash_str(&h, x->shell_user);
	hash_str(&h, x->workdir);
	hash_u64(&h, (uint64_t)x->umask);
	hash_u64(&h, (uint64_t)(int64_t)x->nice);
	hash_u64(&h, (uint64_t)x->output);
	hash_str(&h, x->output_path);
	hash_u64(&h, x->output_limit_bytes);
	return h;
}

static bool
exec_eq(const struct config_exec *a, const struct config_exec *b)
{
	return str_eq(a->user, b->user) && a->uid == b->uid && a->gid == b->gid &&
	    str_eq(a->home, b->home) && str_eq(a->shell_user, b->shell_user) &&
	    str_eq(a->workdir, b->workdir) && a->umask == b->umask &&
	    a->nice == b->nice && a->output == b->output &&
	    str_eq(a->output_path, b->output_path) &&
	    a->output_limit_bytes == b->output_limit_bytes;
}

static uint64_t
policy_hash(const struct config_policy *p)
{
	uint64_t h = FNV_OFFSET, bits;

	hash_u64(&h, (uint64_t)p->timeout_ms);
	hash_u64(&h, (uint64_t)p->kill_signal);
	hash_u64(&h, (uint64_t)p->kill_grace_ms);
	hash_u64(&h, (uint64_t)p->retries);
	hash_u64(&h, (uint64_t)p->retry_delay_ms);
	memcpy(&bits, &p->retry_backoff, sizeof(bits));
	hash_u64(&h, bits);
	hash_u64(&h, (uint64_t)p->retry_max_delay_ms);
	hash_u64(&h, (uint64_t)p->overlap);
	hash_u64(&h, p->catchup);
	hash_u64(&h, (uint64_t)p->jitter_ms);
	return h;
}

/* retry_backoff bit for bit, as it is hashed (parsed values are finite). */
static bool
policy_eq(const struct config_policy *a, const struct config_policy *b)
{
	return a->timeout_ms == b->timeout_ms && a->kill_signal == b->kill_signal &&
	    a->kill_grace_ms == b->kill_grace_ms && a->retries == b->retries &&
	    a->retry_delay_ms == b->retry_delay_ms &&
	    memcmp(&a->retry_backoff, &b->retry_backoff, sizeof(double)) == 0 &&
	    a->retry_max_delay_ms == b->retry_max_delay_ms && a->overlap == b->overlap &&
	    a->catchup == b->catchup && a->jitter_ms == b->jitter_ms;
}

/* Where the probe for hash H starts in a table of CAP slots (a power of 2). */
static size_t
intern_home(uint64_t h, size_t cap)
{
	return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

/* The slot of the entry with hash H that EQ finds equal to KEY, or the free
 * slot where it belongs. The table is never full (load <= 1/2). */
static struct intern_slot *
intern_find(const struct intern *t, uint64_t h, const void *key,
    bool (*eq)(const void *ent, const void *key))
{
	size_t i = intern_home(h, t->cap);

	for (;; i = (i + 1) & (t->cap - 1)) {
		struct intern_slot *sl = &t->slots[i];
		if (sl->ent == NULL || (sl->hash == h && eq(sl->ent, key)))
			return sl;
	}
}

/* Room for one more entry. Returns -1 when out of memory. */
static int
intern_reserve(struct intern *t)
{
	struct intern old = *t;
	size_t i, j, cap;

	if ((t->n + 1) * 2 <= t->cap)
		return 0;
	cap = t->cap == 0 ? 16 : t->cap * 2;
	if ((t->slots = calloc(cap, sizeof(*t->slots))) == NULL) {
		*t = old;
		return -1;
	}
	t->cap = cap;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].ent == NULL)
			continue;
		/* Distinct entries: the first free slot of the probe. */
		j = intern_home(old.slots[i].hash, cap);
		while (t->slots[j].ent != NULL)
			j = (j + 1) & (cap - 1);
		t->slots[j] = old.slots[i];
	}
	free(old.slots);
	return 0;
}

static void
intern_free(struct intern *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static bool
exec_ent_eq(const void *ent, const void *key)
{
	return exec_eq(&((const struct exec_ent *)ent)->pub, key);
}

static bool
policy_ent_eq(const void *ent, const void *key)
{
	return policy_eq(&((const struct policy_ent *)ent)->pub, key);
}

/*
 * The config's one copy of X: an equal one interned before, or a new one
 * whose own strings (workdir, output_path: in the scratch arena while a
 * draft) are copied into the config. user, home and shell_user are the
 * config's already. NULL when out of memory.
 */
static const struct config_exec *
exec_intern(struct loader *ld, const struct config_exec *x)
{
	uint64_t h = exec_hash(x);
	struct intern_slot *sl;
	struct exec_ent *e;

	if (intern_reserve(&ld->execs) != 0)
		goto oom;
	sl = intern_find(&ld->execs, h, x, exec_ent_eq);
	if (sl->ent != NULL)
		return &((struct exec_ent *)sl->ent)->pub;
	e = arena_alloc(&ld->own->arena, sizeof(*e), _Alignof(struct exec_ent));
	if (e == NULL)
		goto oom;
	e->pub = *x;
	e->hash = h;
	if ((x->workdir != NULL &&
	    (e->pub.workdir = sdup(ld, &ld->own->arena, x->workdir)) == NULL) ||
	    (x->output_path != NULL &&
	    (e->pub.output_path = sdup(ld, &ld->own->arena, x->output_path)) == NULL))
		return NULL;
	sl->hash = h;
	sl->ent = e;
	ld->execs.n++;
	return &e->pub;
oom:
	ld->oom = true;
	return NULL;
}

static const struct config_policy *
policy_intern(struct loader *ld, const struct config_policy *p)
{
	uint64_t h = policy_hash(p);
	struct intern_slot *sl;
	struct policy_ent *e;

	if (intern_reserve(&ld->policies) != 0)
		goto oom;
	sl = intern_find(&ld->policies, h, p, policy_ent_eq);
	if (sl->ent != NULL)
		return &((struct policy_ent *)sl->ent)->pub;
	e = arena_alloc(&ld->own->arena, sizeof(*e), _Alignof(struct policy_ent));
	if (e == NULL)
		goto oom;
	e->pub = *p;
	e->hash = h;
	sl->hash = h;
	sl->ent = e;
	ld->policies.n++;
	return &e->pub;
oom:
	ld->oom = true;
	return NULL;
}

static int
add_file(struct loader *ld, const char *path, bool dropin, uint32_t *out)
{
	const char *copy;
	void *p;

	if ((p = grow(ld->files, &ld->capfiles, ld->nfiles, sizeof(*ld->files))) == NULL) {
		ld->oom = true;
		return -1;
	}
	ld->files = p;
	if ((copy = sdup(ld, &ld->own->arena, path)) == NULL)
		return -1;
	ld->files[ld->nfiles].path = copy;
	ld->files[ld->nfiles].dropin = dropin;
	*out = (uint32_t)ld->nfiles++;
	return 0;
}

/* ---- phase one: reading ---- */

/* The state of one file being fed to ini_parse_stream. The reader sees
 * every line before libinih does: it counts lines (the handler of this
 * libinih has no line number), tracks sections itself (libinih cuts section
 * names at 49 bytes and drops empty sections) and reports the lines that
 * libinih would only flag by number. */
struct reader {
	struct loader	*ld;
	uint32_t	 file;
	const char	*buf;
	size_t		 len, pos;
	size_t		 line_end;	/* just past this line's '\n' */
	int		 line;
	bool		 mid_line;	/* libinih is reading a long line in parts */
	bool		 line_bad;	/* the handler must ignore this line */
	long		 sec;		/* index in ld->secs, or -1 */
};

static bool
job_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > MAX_JOB_NAME)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

static void
new_section(struct reader *r, enum sec_kind kind, const char *name)
{
	struct loader *ld = r->ld;
	struct raw_section *s;
	void *p;

	if ((p = grow(ld->secs, &ld->capsecs, ld->nsecs, sizeof(*ld->secs))) == NULL) {
		ld->oom = true;
		r->sec = -1;
		return;
	}
	ld->secs = p;
	s = &ld->secs[ld->nsecs];
	s->kind = kind;
	s->name = name;
	s->file = r->file;
	s->line = r->line;
	s->first = ld->nents;
	s->n = 0;
	s->has_lines = false;
	r->sec = (long)ld->nsecs++;
}

/* A "[...]" line, trimmed, of LEN bytes. */
static void
section_header(struct reader *r, const char *p, size_t len)
{
	struct loader *ld = r->ld;
	const char *name;
	size_t nlen;
	uintptr_t prev;

	if (len < 2 || p[len - 1] != ']') {
		lerr(ld, r->file, r->line,
		    "malformed section header (expected [daemon], [defaults] or [job:NAME])");
		new_section(r, SEC_SKIP, NULL);
		return;
	}
	name = p + 1;
	nlen = len - 2;
	if (nlen == 6 && memcmp(name, "daemon", 6) == 0) {
		new_section(r, SEC_DAEMON, NULL);
		return;
	}
	if (nlen == 8 && memcmp(name, "defaults", 8) == 0) {
		new_section(r, SEC_DEFAULTS, NULL);
		return;
	}
	if (nlen < 4 || memcmp(name, "job:", 4) != 0) {
		lerr(ld, r->file, r->line, "unknown section [%.*s] "
		    "(expected [daemon], [defaults] or [job:NAME])",
		    (int)(nlen > 100 ? 100 : nlen), name);
		new_section(r, SEC_SKIP, NULL);
		return;
	}
	name += 4;
	nlen -= 4;
	if (!job_name_ok(name, nlen)) {
		lerr(ld, r->file, r->line, "invalid job name '%.*s' (1 to %d letters, "
		    "digits, '-', '_' or '.')", (int)(nlen > 100 ? 100 : nlen), name,
		    MAX_JOB_NAME);
		new_section(r, SEC_SKIP, NULL);
		return;
	}
	name = arena_strndup(&ld->scratch, name, nlen);
	if (name == NULL) {
		ld->oom = true;
		new_section(r, SEC_SKIP, NULL);
		return;
	}
	if (strmap_get(&ld->jobnames, name, &prev)) {
		const struct raw_section *first = &ld->secs[prev];
		lerr(ld, r->file, r->line, "job '%s' already defined at %s:%d", name,
		    ld->files[first->file].path, first->line);
		new_section(r, SEC_SKIP, NULL);
		return;
	}
	new_section(r, SEC_JOB, name);
	if (r->sec >= 0 && strmap_put(&ld->jobnames, name, (uintptr_t)r->sec) != 0)
		ld->oom = true;
}

/* Classifies the line that starts at r->pos; returns false when the line
 * must reach libinih as a blank line. */
static bool
begin_line(struct reader *r)
{
	const char *start = r->buf + r->pos, *eol, *p, *q, *eq, *colon;
	size_t len;

	r->line++;
	r->line_bad = false;
	eol = memchr(start, '\n', r->len - r->pos);
	r->line_end = eol != NULL ? (size_t)(eol - r->buf) + 1 : r->len;
	len = (eol != NULL ? (size_t)(eol - start) : r->len - r->pos);
	if (memchr(start, '\0', len) != NULL) {
		lerr(r->ld, r->file, r->line, "line contains a NUL byte");
		return false;
	}
	p = start;
	q = start + len;
	if (r->line == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < q && isspace((unsigned char)*p))
		p++;
	while (q > p && isspace((unsigned char)q[-1]))
		q--;
	if (p == q || *p == '#' || *p == ';')
		return true;
	if (*p == '[') {
		section_header(r, p, (size_t)(q - p));
		return true;
	}
	if (r->sec >= 0)
		r->ld->secs[r->sec].has_lines = true;
	/* libinih splits at the first '=' or ':'; only '=' is schedd syntax. */
	eq = memchr(p, '=', (size_t)(q - p));
	colon = memchr(p, ':', (size_t)(q - p));
	if (eq == NULL || (colon != NULL && colon < eq) || eq == p) {
		lerr(r->ld, r->file, r->line, "expected 'key = value'");
		r->line_bad = true;
	}
	return true;
}

static char *
reader_cb(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t n;

	if (r->pos >= r->len || num < 2)
		return NULL;
	if (!r->mid_line && !begin_line(r)) {
		r->pos = r->line_end;
		r->line_bad = true;
		str[0] = '\n';
		str[1] = '\0';
		return str;
	}
	n = r->line_end - r->pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, r->buf + r->pos, n);
	str[n] = '\0';
	r->pos += n;
	r->mid_line = r->pos < r->line_end;
	return str;
}

static int
handler_cb(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	struct loader *ld = r->ld;
	struct raw_entry *e;
	void *p;

	(void)section;	/* cut at 49 bytes by libinih: r->sec is the truth */
	if (r->line_bad)
		return 1;
	if (r->sec < 0) {
		lerr(ld, r->file, r->line, "key '%.100s' outside of any section", name);
		return 1;
	}
	if (ld->secs[r->sec].kind == SEC_SKIP)
		return 1;
	if ((p = grow(ld->ents, &ld->capents, ld->nents, sizeof(*ld->ents))) == NULL) {
		ld->oom = true;
		return 1;
	}
	ld->ents = p;
	e = &ld->ents[ld->nents];
	e->key = arena_strdup(&ld->scratch, name);
	e->value = arena_strdup(&ld->scratch, value);
	if (e->key == NULL || e->value == NULL) {
		ld->oom = true;
		return 1;
	}
	e->file = r->file;
	e->line = r->line;
	ld->nents++;
	ld->secs[r->sec].n++;
	return 1;
}

static char ini_comment_prefixes[] = "#;";

/* Feeds BUF through libinih into raw sections and entries. */
static void
parse_text(struct loader *ld, uint32_t file, const char *buf, size_t len)
{
	struct reader r;
	size_t longest = 0, pos = 0;
	int rc;

	while (pos < len) {
		const char *eol = memchr(buf + pos, '\n', len - pos);
		size_t end = eol != NULL ? (size_t)(eol - buf) + 1 : len;
		if (end - pos > longest)
			longest = end - pos;
		pos = end;
	}
	if (longest > (size_t)INT_MAX / 2) {
		lerr(ld, file, 0, "a line is too long");
		return;
	}
	/* Whole lines of any length; no inline comments, no continuations. */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_initial_alloc = 256;
	ini_max_line = (int)longest + 3 > 256 ? (int)longest + 3 : 256;
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_stop_on_first_error = false;
	ini_start_comment_prefixes = ini_comment_prefixes;

	memset(&r, 0, sizeof(r));
	r.ld = ld;
	r.file = file;
	r.buf = buf;
	r.len = len;
	r.sec = -1;
	rc = ini_parse_stream(reader_cb, &r, handler_cb, &r);
	if (rc == -2)
		ld->oom = true;
}

/* Reads FILE whole, after the checks of SPEC §3 when env->check_owner.
 * Returns a malloc'd buffer, or NULL with the error recorded. */
static char *
read_file(struct loader *ld, uint32_t file, size_t *outlen)
{
	const char *path = ld->files[file].path;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		lerr(ld, file, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		lerr(ld, file, 0, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		lerr(ld, file, 0, "not a regular file");
		goto fail;
	}
	if (ld->env->check_owner) {
		bool refused = false;
		if (st.st_uid != 0) {
			lerr(ld, file, 0, "refusing: not owned by root");
			refused = true;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
			lerr(ld, file, 0, "refusing: writable by group or others");
			refused = true;
		}
		if (refused)
			goto fail;
	}
	if (st.st_size > MAX_FILE_BYTES) {
		lerr(ld, file, 0, "too large (more than %d MiB)", MAX_FILE_BYTES >> 20);
		goto fail;
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		ld->oom = true;
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nbuf;
			if (cap > MAX_FILE_BYTES) {
				lerr(ld, file, 0, "too large (more than %d MiB)",
				    MAX_FILE_BYTES >> 20);
				goto fail;
			}
			if ((nbuf = realloc(buf, cap * 2)) == NULL) {
				ld->oom = true;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lerr(ld, file, 0, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*outlen = len;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

static void
load_file(struct loader *ld, uint32_t file)
{
	size_t len;
	char *buf = read_file(ld, file, &len);

	if (buf != NULL) {
		parse_text(ld, file, buf, len);
		free(buf);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int glob_errno;

/* A directory that does not exist is no match; any other error stops. */
static int
glob_err_cb(const char *path, int eerrno)
{
	(void)path;
	if (eerrno == ENOENT || eerrno == ENOTDIR)
		return 0;
	glob_errno = eerrno;
	return 1;
}

/* The include pattern as glob(3) needs it: relative patterns are relative
 * to the directory of the main file, whose glob characters are escaped. */
static char *
include_pattern(const char *main_path, const char *value)
{
	const char *slash = strrchr(main_path, '/');
	size_t dirlen, i, n = 0;
	char *pat;

	if (value[0] == '/' || slash == NULL)
		return strdup(value);
	dirlen = (size_t)(slash - main_path);
	if (dirlen == 0)
		dirlen = 1;	/* "/schedd.conf" */
	pat = malloc(dirlen * 2 + strlen(value) + 2);
	if (pat == NULL)
		return NULL;
	for (i = 0; i < dirlen; i++) {
		if (strchr("*?[\\", main_path[i]) != NULL)
			pat[n++] = '\\';
		pat[n++] = main_path[i];
	}
	if (pat[n - 1] != '/')
		pat[n++] = '/';
	strcpy(pat + n, value);
	return pat;
}

/* Reads the drop-ins named by the main file's include (SPEC §3): in name
 * order; no match is fine; the main file itself is skipped. */
static void
load_dropins(struct loader *ld)
{
	const struct raw_entry *inc = NULL;
	struct stat main_st, st;
	glob_t g;
	char *pat;
	size_t i;
	int rc;

	for (i = 0; i < ld->nsecs && inc == NULL; i++) {
		const struct raw_section *s = &ld->secs[i];
		size_t k;
		if (s->kind != SEC_DAEMON || s->file != 0)
			continue;
		for (k = s->first; k < s->first + s->n; k++) {
			if (strcmp(ld->ents[k].key, "include") == 0) {
				inc = &ld->ents[k];
				break;
			}
		}
	}
	if (inc == NULL || inc->value[0] == '\0')
		return;
	if ((pat = include_pattern(ld->files[0].path, inc->value)) == NULL) {
		ld->oom = true;
		return;
	}
	glob_errno = 0;
	memset(&g, 0, sizeof(g));
	rc = glob(pat, GLOB_NOSORT, glob_err_cb, &g);
	if (rc != 0 && rc != GLOB_NOMATCH) {
		if (rc == GLOB_NOSPACE)
			ld->oom = true;
		else
			lerr(ld, inc->file, inc->line, "include: cannot read '%.200s': %s", pat,
			    strerror(glob_errno != 0 ? glob_errno : EIO));
	}
	if (rc != 0) {
		globfree(&g);
		free(pat);
		return;
	}
	free(pat);
	if (g.gl_pathc > 1)
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
	if (stat(ld->files[0].path, &main_st) != 0)
		memset(&main_st, 0, sizeof(main_st));
	for (i = 0; i < g.gl_pathc; i++) {
		uint32_t file;

		if (stat(g.gl_pathv[i], &st) == 0 && st.st_dev == main_st.st_dev &&
		    st.st_ino == main_st.st_ino)
			continue;
		if (add_file(ld, g.gl_pathv[i], true, &file) != 0)
			break;
		load_file(ld, file);
	}
	globfree(&g);
}

/* ---- phase two: checking ---- */

static struct zone_ent *
zone_get(struct loader *ld, const char *name)
{
	struct config_owner *own = ld->own;
	struct zone_ent *ze;
	struct tz **zones;
	uintptr_t v;
	char err[256];

	if (name == NULL && ld->system_zone != NULL)
		return ld->system_zone;
	if (name != NULL && strmap_get(&ld->zonemap, name, &v))
		return (struct zone_ent *)v;
	ze = arena_alloc(&ld->scratch, sizeof(*ze), _Alignof(struct zone_ent));
	if (ze == NULL)
		goto oom;
	memset(ze, 0, sizeof(*ze));
	err[0] = '\0';
	ze->zone = tz_load(name, err, sizeof(err));
	if (ze->zone == NULL) {
		if ((ze->err = arena_strdup(&ld->scratch, err)) == NULL)
			goto oom;
	} else {
		zones = realloc(own->zones, (own->nzones + 1) * sizeof(*zones));
		if (zones == NULL) {
			tz_free(ze->zone);
			goto oom;
		}
		own->zones = zones;
		own->zones[own->nzones++] = ze->zone;
	}
	if (name == NULL) {
		ld->system_zone = ze;
	} else {
		const char *key = arena_strdup(&ld->scratch, name);
		if (key == NULL || strmap_put(&ld->zonemap, key, (uintptr_t)ze) != 0)
			goto oom;
	}
	return ze;
oom:
	ld->oom = true;
	return NULL;
}

static struct user_ent *
user_fill(struct loader *ld, struct user_ent *ue, const struct passwd *pw)
{
	ue->uid = pw->pw_uid;
	ue->gid = pw->pw_gid;
	ue->name = sdup(ld, &ld->own->arena, pw->pw_name);
	ue->home = sdup(ld, &ld->own->arena,
	    pw->pw_dir != NULL && pw->pw_dir[0] != '\0' ? pw->pw_dir : "/");
	return ue->name != NULL && ue->home != NULL ? ue : NULL;
}

/* The daemon's own user (jobs without user =): its passwd entry, else
 * $HOME or "/" and the numeric uid. */
static struct user_ent *
user_self(struct loader *ld)
{
	struct user_ent *ue;
	struct passwd *pw;
	char num[32];

	if (ld->self != NULL)
		return ld->self;
	ue = arena_alloc(&ld->scratch, sizeof(*ue), _Alignof(struct user_ent));
	if (ue == NULL) {
		ld->oom = true;
		return NULL;
	}
	memset(ue, 0, sizeof(*ue));
	errno = 0;
	pw = getpwuid(ld->env->uid);
	if (pw != NULL) {
		if (user_fill(ld, ue, pw) == NULL)
			return NULL;
	} else {
		snprintf(num, sizeof(num), "%lu", (unsigned long)ld->env->uid);
		ue->uid = ld->env->uid;
		ue->gid = getegid();
		ue->name = sdup(ld, &ld->own->arena, num);
		ue->home = sdup(ld, &ld->own->arena,
		    ld->env->home != NULL && ld->env->home[0] == '/' ? ld->env->home : "/");
		if (ue->name == NULL || ue->home == NULL)
			return NULL;
	}
	ld->self = ue;
	return ue;
}

static struct user_ent *
user_get(struct loader *ld, const char *name)
{
	struct user_ent *ue;
	struct passwd *pw;
	const char *key;
	uintptr_t v;
	char err[256];

	if (strmap_get(&ld->usermap, name, &v))
		return (struct user_ent *)v;
	ue = arena_alloc(&ld->scratch, sizeof(*ue), _Alignof(struct user_ent));
	key = arena_strdup(&ld->scratch, name);
	if (ue == NULL || key == NULL)
		goto oom;
	memset(ue, 0, sizeof(*ue));
	err[0] = '\0';
	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL && errno != 0 && errno != ENOENT && errno != ESRCH)
		snprintf(err, sizeof(err), "user: cannot look up '%.100s': %s", name,
		    strerror(errno));
	else if (pw == NULL)
		snprintf(err, sizeof(err), "user: unknown user '%.100s'", name);
	else if (ld->env->uid != 0 && pw->pw_uid != ld->env->uid)
		snprintf(err, sizeof(err), "user '%.100s' requires running as root", name);
	else if (user_fill(ld, ue, pw) == NULL)
		goto oom;
	if (err[0] != '\0' && (ue->err = arena_strdup(&ld->scratch, err)) == NULL)
		goto oom;
	if (strmap_put(&ld->usermap, key, (uintptr_t)ue) != 0)
		goto oom;
	return ue;
oom:
	ld->oom = true;
	return NULL;
}

static bool
path_ok(const char *text)
{
	return text[0] == '/';
}

/* Where a job key lands in draft D. */
static void *
draft_field(struct job_draft *d, const struct keys_key *k)
{
	switch (k->job_part) {
	case KEYS_PART_EXEC:
		return (char *)&d->exec + k->job_off;
	case KEYS_PART_POLICY:
		return (char *)&d->policy + k->job_off;
	default:
		return (char *)&d->job + k->job_off;
	}
}

/* Applies TEXT for key K to draft D (env excepted: see build_env). Strings
 * of the exec go to the scratch arena: exec_intern copies the ones it keeps.
 * Returns 0, or -1 with the message in err. */
static int
apply_job(struct loader *ld, const struct keys_key *k, const char *text,
    struct job_draft *d, char *err, size_t errlen)
{
	struct arena *a = k->job_part == KEYS_PART_EXEC ? &ld->scratch : &ld->own->arena;
	struct config_job *j = &d->job;
	struct config_exec *x = &d->exec;
	struct zone_ent *ze;
	struct user_ent *ue;
	char msg[256];
	const char *s;

	d->touched |= 1U << k->job_part;
	switch (k->type) {
	case KEYS_SCHEDULE:
		msg[0] = '\0';
		if (cronexpr_parse(&j->schedule, text, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "invalid schedule '%.200s': %s", text, msg);
			return -1;
		}
		if ((j->schedule_text = sdup(ld, a, text)) == NULL)
			goto oom;
		return 0;
	case KEYS_STRING:
		if ((s = sdup(ld, a, text)) == NULL)
			goto oom;
		*(const char **)draft_field(d, k) = s;
		return 0;
	case KEYS_PATH:
		if (!path_ok(text)) {
			snprintf(err, errlen, "%s: path '%.200s' is not absolute", k->name, text);
			return -1;
		}
		if ((s = sdup(ld, a, text)) == NULL)
			goto oom;
		*(const char **)draft_field(d, k) = s;
		return 0;
	case KEYS_ZONE:
		if ((ze = zone_get(ld, text)) == NULL)
			goto oom;
		if (ze->zone == NULL) {
			snprintf(err, errlen, "timezone: %s", ze->err);
			return -1;
		}
		j->zone = ze->zone;
		return 0;
	case KEYS_USER:
		if ((ue = user_get(ld, text)) == NULL)
			goto oom;
		if (ue->err != NULL) {
			snprintf(err, errlen, "%s", ue->err);
			return -1;
		}
		x->user = ue->name;
		x->uid = ue->uid;
		x->gid = ue->gid;
		x->home = ue->home;
		x->shell_user = ue->name;
		return 0;
	case KEYS_OUTPUT:
		if (strcmp(text, "log") == 0) {
			x->output = CONFIG_OUTPUT_LOG;
			x->output_path = NULL;
			return 0;
		}
		if (strcmp(text, "discard") == 0) {
			x->output = CONFIG_OUTPUT_DISCARD;
			x->output_path = NULL;
			return 0;
		}
		if (strncmp(text, "file:", 5) != 0) {
			snprintf(err, errlen, "output: invalid value '%.200s' "
			    "(expected log, discard or file:PATH)", text);
			return -1;
		}
		if (!path_ok(text + 5)) {
			snprintf(err, errlen, "output: path '%.200s' is not absolute", text + 5);
			return -1;
		}
		if ((s = sdup(ld, a, text + 5)) == NULL)
			goto oom;
		x->output = CONFIG_OUTPUT_FILE;
		x->output_path = s;
		return 0;
	case KEYS_ENV:
	case KEYS_GLOB:
		snprintf(err, errlen, "%s: not a job key", k->name);
		return -1;
	default:
		return keys_parse_scalar(k, text, draft_field(d, k), err, errlen);
	}
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int
apply_daemon(struct loader *ld, const struct keys_key *k, const char *text,
    struct config *c, char *err, size_t errlen)
{
	struct zone_ent *ze;
	const char *s;

	switch (k->type) {
	case KEYS_ZONE:
		if ((ze = zone_get(ld, text)) == NULL)
			goto oom;
		if (ze->zone == NULL) {
			snprintf(err, errlen, "timezone: %s", ze->err);
			return -1;
		}
		c->zone = ze->zone;
		return 0;
	case KEYS_PATH:
		if (!path_ok(text)) {
			snprintf(err, errlen, "%s: path '%.200s' is not absolute", k->name, text);
			return -1;
		}
		/* FALLTHROUGH */
	case KEYS_GLOB:
		if ((s = sdup(ld, &ld->own->arena, text)) == NULL)
			goto oom;
		*(const char **)((char *)c + k->daemon_off) = s;
		return 0;
	default:
		return keys_parse_scalar(k, text, (char *)c + k->daemon_off, err, errlen);
	}
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static const char *
section_title(const struct raw_section *s, char *buf, size_t buflen)
{
	switch (s->kind) {
	case SEC_DAEMON:
		return "[daemon]";
	case SEC_DEFAULTS:
		return "[defaults]";
	default:
		snprintf(buf, buflen, "[job:%s]", s->name);
		return buf;
	}
}

/*
 * Checks one entry's key against its section: known, allowed there, not
 * given twice (FIRST[k] is the entry that set key k, or -1; [daemon] and
 * [defaults] share one FIRST across all their sections and files), value
 * not empty. Returns the key index, or -1 after recording the error.
 */
static int
check_key(struct loader *ld, const struct raw_section *s, size_t ei, long *first)
{
	const struct raw_entry *e = &ld->ents[ei];
	const struct keys_key *k;
	char buf[MAX_JOB_NAME + 8];
	unsigned scope = s->kind == SEC_DAEMON ? KEYS_DAEMON : KEYS_JOB;
	int ki = keys_find(e->key);

	if (ki < 0) {
		lerr(ld, e->file, e->line, "unknown key '%.100s' in %s", e->key,
		    section_title(s, buf, sizeof(buf)));
		return -1;
	}
	k = &keys_table[ki];
	if ((k->scope & scope) == 0) {
		lerr(ld, e->file, e->line, "key '%s' is not allowed in %s (only in %s)",
		    k->name, section_title(s, buf, sizeof(buf)),
		    scope == KEYS_DAEMON ? "[defaults] and [job:NAME]" : "[daemon]");
		return -1;
	}
	if (first[ki] >= 0 && k->type != KEYS_ENV) {
		const struct raw_entry *f = &ld->ents[first[ki]];
		lerr(ld, e->file, e->line, "duplicate key '%s' in %s (first at %s:%d)",
		    k->name, section_title(s, buf, sizeof(buf)), ld->files[f->file].path,
		    f->line);
		return -1;
	}
	if (first[ki] < 0)
		first[ki] = (long)ei;
	if (e->value[0] == '\0') {
		lerr(ld, e->file, e->line, "%s: empty value", k->name);
		return -1;
	}
	return ki;
}

/*
 * Builds the env list of a job or of [defaults] from the env entries among
 * IDX[0..n) (SPEC §3: KEY=value, KEY a shell name, no KEY twice). Returns 0
 * with *out set (NULL when n is 0), or -1 after recording the errors.
 */
static int
build_env(struct loader *ld, const size_t *idx, size_t n, const char *const **out)
{
	struct strmap seen = { 0 };
	const char **list = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	list = arena_alloc(&ld->own->arena, n * sizeof(*list), _Alignof(const char *));
	if (list == NULL) {
		ld->oom = true;
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct raw_entry *e = &ld->ents[idx[i]];
		const char *eq = strchr(e->value, '=');
		size_t nlen = eq != NULL ? (size_t)(eq - e->value) : 0;
		char *name;
		uintptr_t prev;

		if (eq == NULL) {
			lerr(ld, e->file, e->line, "env: expected KEY=value, got '%.100s'",
			    e->value);
			rc = -1;
			continue;
		}
		if (!keys_env_name_ok(e->value, nlen)) {
			lerr(ld, e->file, e->line, "env: invalid variable name '%.*s' "
			    "(letters, digits and '_', not starting with a digit)",
			    (int)(nlen > 100 ? 100 : nlen), e->value);
			rc = -1;
			continue;
		}
		if (nlen >= 7 && memcmp(e->value, "SCHEDD_", 7) == 0) {
			lerr(ld, e->file, e->line, "env: variable name '%.*s' is reserved "
			    "(SCHEDD_* are set by schedd)", (int)(nlen > 100 ? 100 : nlen),
			    e->value);
			rc = -1;
			continue;
		}
		if ((name = arena_strndup(&ld->scratch, e->value, nlen)) == NULL) {
			ld->oom = true;
			rc = -1;
			break;
		}
		if (strmap_get(&seen, name, &prev)) {
			const struct raw_entry *f = &ld->ents[prev];
			lerr(ld, e->file, e->line, "env: variable '%s' already set at %s:%d",
			    name, ld->files[f->file].path, f->line);
			rc = -1;
			continue;
		}
		if (strmap_put(&seen, name, idx[i]) != 0 ||
		    (list[i] = sdup(ld, &ld->own->arena, e->value)) == NULL) {
			ld->oom = true;
			rc = -1;
			break;
		}
	}
	strmap_free(&seen);
	if (rc == 0)
		*out = list;
	return rc;
}

/* SPEC §3 and the cross-key rule: the delay cap may not be below
 * the first delay. Checked where either key is set, reported there. */
static void
check_retry_delays(struct loader *ld, const struct config_policy *p, const long *first,
    uint32_t file, int line)
{
	int kd = ld->k_retry_delay, km = ld->k_retry_max_delay;
	char a[32], b[32];
	long at;

	if (first[kd] < 0 && first[km] < 0)
		return;
	if (p->retry_max_delay_ms >= p->retry_delay_ms)
		return;
	at = first[km] >= 0 ? first[km] : first[kd];
	if (at >= 0) {
		file = ld->ents[at].file;
		line = ld->ents[at].line;
	}
	lerr(ld, file, line, "retry_max_delay %s is shorter than retry_delay %s",
	    value_format_duration(p->retry_max_delay_ms, a, sizeof(a)),
	    value_format_duration(p->retry_delay_ms, b, sizeof(b)));
}

static void
internal_default_error(struct loader *ld, const char *msg)
{
	lerr(ld, 0, 0, "internal error: bad default: %s", msg);
}

static void
check_daemon(struct loader *ld)
{
	struct config *c = &ld->own->pub;
	long first[KEYS_MAX];
	char err[512];
	size_t i, ei;

	for (i = 0; i < keys_count; i++) {
		const struct keys_key *k = &keys_table[i];
		first[i] = -1;
		if ((k->scope & KEYS_DAEMON) && k->default_text != NULL &&
		    apply_daemon(ld, k, k->default_text, c, err, sizeof(err)) != 0)
			internal_default_error(ld, err);
	}
	for (i = 0; i < ld->nsecs; i++) {
		const struct raw_section *s = &ld->secs[i];
		if (s->kind != SEC_DAEMON)
			continue;
		for (ei = s->first; ei < s->first + s->n; ei++) {
			const struct raw_entry *e = &ld->ents[ei];
			int ki;

			/* Drop-ins are read because of the main file's include. */
			if (strcmp(e->key, "include") == 0 && ld->from_buffer) {
				lerr(ld, e->file, e->line,
				    "'include' is not available when loading from memory");
				continue;
			}
			if (strcmp(e->key, "include") == 0 && ld->files[e->file].dropin) {
				lerr(ld, e->file, e->line, "'include' is not allowed in a drop-in");
				continue;
			}
			if ((ki = check_key(ld, s, ei, first)) < 0)
				continue;
			if (apply_daemon(ld, &keys_table[ki], e->value, c, err, sizeof(err)) != 0)
				lerr(ld, e->file, e->line, "%s", err);
		}
	}
	if (c->zone == NULL) {
		struct zone_ent *ze = zone_get(ld, NULL);
		if (ze != NULL && ze->zone == NULL)
			lerr(ld, 0, 0, "cannot load the system time zone: %s", ze->err);
		else if (ze != NULL)
			c->zone = ze->zone;
	}
}

/* Table defaults, then [defaults] (all its sections, in file order); its
 * exec and policy are interned first, so that the jobs that set none of
 * their keys share them without a lookup. */
static void
check_defaults(struct loader *ld)
{
	struct job_draft *b = &ld->base;
	struct user_ent *self;
	long first[KEYS_MAX];
	size_t *envs = NULL, nenv = 0, capenv = 0;
	char err[512];
	size_t i, ei;
	long fsec = -1;
	void *p;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < keys_count; i++) {
		const struct keys_key *k = &keys_table[i];
		first[i] = -1;
		if ((k->scope & KEYS_JOB) && k->default_text != NULL &&
		    apply_job(ld, k, k->default_text, b, err, sizeof(err)) != 0)
			internal_default_error(ld, err);
	}
	if ((self = user_self(ld)) != NULL) {
		b->exec.uid = self->uid;
		b->exec.gid = self->gid;
		b->exec.home = self->home;
		b->exec.shell_user = self->name;
	}
	for (i = 0; i < ld->nsecs; i++) {
		const struct raw_section *s = &ld->secs[i];
		if (s->kind != SEC_DEFAULTS)
			continue;
		if (fsec < 0)
			fsec = (long)i;
		for (ei = s->first; ei < s->first + s->n; ei++) {
			const struct raw_entry *e = &ld->ents[ei];
			int ki = check_key(ld, s, ei, first);
			if (ki < 0)
				continue;
			if (keys_table[ki].type == KEYS_ENV) {
				if ((p = grow(envs, &capenv, nenv, sizeof(*envs))) == NULL) {
					ld->oom = true;
					continue;
				}
				envs = p;
				envs[nenv++] = ei;
				continue;
			}
			if (apply_job(ld, &keys_table[ki], e->value, b, err, sizeof(err)) != 0)
				lerr(ld, e->file, e->line, "%s", err);
		}
	}
	if (build_env(ld, envs, nenv, &b->job.env) == 0)
		b->job.nenv = nenv;
	free(envs);
	if (fsec >= 0)
		check_retry_delays(ld, &b->policy, first, ld->secs[fsec].file,
		    ld->secs[fsec].line);
	ld->base_exec = exec_intern(ld, &b->exec);
	ld->base_policy = policy_intern(ld, &b->policy);
	b->touched = 0;
}

/* Every effective setting, fixed order and width, never where the job
 * stands: equal hashes mean a reload may keep the job. The exec and the
 * policy count by their contents, through the hashes taken when they were
 * interned. */
static uint64_t
job_hash(const struct config_job *j)
{
	const struct exec_ent *x = (const struct exec_ent *)(const void *)j->exec;
	const struct policy_ent *p = (const struct policy_ent *)(const void *)j->policy;
	uint64_t h = FNV_OFFSET;
	size_t i;

	hash_str(&h, j->name);
	hash_str(&h, j->schedule_text);
	hash_str(&h, j->zone != NULL ? tz_name(j->zone) : NULL);
	hash_str(&h, j->command);
	hash_u64(&h, x->hash);
	hash_u64(&h, p->hash);
	hash_u64(&h, j->nenv);
	for (i = 0; i < j->nenv; i++)
		hash_str(&h, j->env[i]);
	hash_u64(&h, j->enabled);
	return h;
}

static void
check_jobs(struct loader *ld)
{
	struct config *c = &ld->own->pub;
	size_t *envs = NULL, nenv, capenv = 0;
	long first[KEYS_MAX];
	char err[512];
	size_t i, ei, njobs = 0;
	void *p;

	for (i = 0; i < ld->nsecs; i++)
		if (ld->secs[i].kind == SEC_JOB)
			njobs++;
	if (njobs > 0 && (c->jobs = calloc(njobs, sizeof(*c->jobs))) == NULL) {
		ld->oom = true;
		return;
	}
	for (i = 0; i < ld->nsecs; i++) {
		const struct raw_section *s = &ld->secs[i];
		struct job_draft d;
		struct config_job *j = &d.job;
		bool ok = true;

		if (s->kind != SEC_JOB || !s->has_lines)
			continue;
		/* memcpy, not assignment: struct cronexpr is compared with memcmp,
		 * padding included (cronexpr.h). */
		memcpy(&d, &ld->base, sizeof(d));
		j->name = sdup(ld, &ld->own->arena, s->name);
		j->file = ld->files[s->file].path;
		j->line = s->line;
		nenv = 0;
		for (ei = 0; ei < keys_count; ei++)
			first[ei] = -1;
		for (ei = s->first; ei < s->first + s->n; ei++) {
			const struct raw_entry *e = &ld->ents[ei];
			int ki = check_key(ld, s, ei, first);
			if (ki < 0) {
				ok = false;
				continue;
			}
			if (keys_table[ki].type == KEYS_ENV) {
				if ((p = grow(envs, &capenv, nenv, sizeof(*envs))) == NULL) {
					ld->oom = true;
					continue;
				}
				envs = p;
				envs[nenv++] = ei;
				continue;
			}
			if (apply_job(ld, &keys_table[ki], e->value, &d, err, sizeof(err)) != 0) {
				lerr(ld, e->file, e->line, "%s", err);
				ok = false;
			}
		}
		/* A job's env replaces the list of [defaults] entirely. */
		if (nenv > 0) {
			if (build_env(ld, envs, nenv, &j->env) == 0)
				j->nenv = nenv;
			else
				ok = false;
		}
		if (j->schedule_text == NULL && first[ld->k_schedule] < 0) {
			lerr(ld, s->file, s->line, "job '%s' has no schedule", s->name);
			ok = false;
		}
		if (j->command == NULL && first[ld->k_command] < 0) {
			lerr(ld, s->file, s->line, "job '%s' has no command", s->name);
			ok = false;
		}
		check_retry_delays(ld, &d.policy, first, s->file, s->line);
		if (!ok || j->name == NULL || j->schedule_text == NULL || j->command == NULL)
			continue;
		if (j->zone == NULL)
			j->zone = c->zone;
		/* One copy per distinct content. A draft none of whose keys the
		 * job set is [defaults]' own: no lookup needed. */
		j->exec = (d.touched & (1U << KEYS_PART_EXEC)) != 0 ?
		    exec_intern(ld, &d.exec) : ld->base_exec;
		j->policy = (d.touched & (1U << KEYS_PART_POLICY)) != 0 ?
		    policy_intern(ld, &d.policy) : ld->base_policy;
		if (j->exec == NULL || j->policy == NULL)
			continue;
		memcpy(&c->jobs[c->njobs++], j, sizeof(*j));
	}
	free(envs);
}

static void
check_empty_sections(struct loader *ld)
{
	char title[MAX_JOB_NAME + 8];
	size_t i;

	for (i = 0; i < ld->nsecs; i++) {
		const struct raw_section *s = &ld->secs[i];
		if (s->kind != SEC_SKIP && !s->has_lines)
			lerr(ld, s->file, s->line, "empty section %s",
			    section_title(s, title, sizeof(title)));
	}
}

/* Returns the first entry of a colon-separated list when it is an absolute
 * path ($RUNTIME_DIRECTORY may name several), else NULL. */
static const char *
env_dir(struct loader *ld, const char *list)
{
	const char *colon;

	if (list == NULL || list[0] != '/')
		return NULL;
	colon = strchr(list, ':');
	if (colon == NULL)
		return list;
	return arena_strndup(&ld->scratch, list, (size_t)(colon - list));
}

static const char *
join(struct loader *ld, const char *dir, const char *rest)
{
	char *p;
	size_t dl = strlen(dir), rl = strlen(rest);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	p = arena_alloc(&ld->own->arena, dl + rl + 1, 1);
	if (p == NULL) {
		ld->oom = true;
		return NULL;
	}
	memcpy(p, dir, dl);
	memcpy(p + dl, rest, rl + 1);
	return p;
}

/* Runtime paths not set in [daemon], as SPEC §3 and the issue say. */
static void
default_paths(struct loader *ld)
{
	const struct config_env *env = ld->env;
	struct config *c = &ld->own->pub;
	const char *d;
	char num[64];

	if (c->runtime_dir == NULL) {
		if ((d = env_dir(ld, env->runtime_directory)) != NULL)
			c->runtime_dir = join(ld, d, "");
		else if (env->uid == 0)
			c->runtime_dir = "/run/schedd";
		else if ((d = env_dir(ld, env->xdg_runtime_dir)) != NULL)
			c->runtime_dir = join(ld, d, "/schedd");
		else {
			snprintf(num, sizeof(num), "/tmp/schedd-%lu", (unsigned long)env->uid);
			c->runtime_dir = sdup(ld, &ld->own->arena, num);
		}
	}
	if (c->status_file == NULL && c->runtime_dir != NULL)
		c->status_file = join(ld, c->runtime_dir, "/status");
	if (c->state_file == NULL) {
		if ((d = env_dir(ld, env->state_directory)) != NULL)
			c->state_file = join(ld, d, "/state");
		else if (env->uid == 0)
			c->state_file = "/var/lib/schedd/state";
		else if ((d = env_dir(ld, env->xdg_state_home)) != NULL)
			c->state_file = join(ld, d, "/schedd/state");
		else if (env->home != NULL && env->home[0] == '/')
			c->state_file = join(ld, env->home, "/.local/state/schedd/state");
		else if (c->runtime_dir != NULL)
			c->state_file = join(ld, c->runtime_dir, "/state");
	}
}

static int
cmp_job(const void *a, const void *b)
{
	return strcmp(((const struct config_job *)a)->name,
	    ((const struct config_job *)b)->name);
}

static int
cmp_err(const void *a, const void *b)
{
	const struct pending_error *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
errs_push(struct config_errors *errs, char *msg)
{
	if (errs->n == errs->cap) {
		size_t cap = errs->cap == 0 ? 16 : errs->cap * 2;
		char **p = realloc(errs->msgs, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		errs->msgs = p;
		errs->cap = cap;
	}
	errs->msgs[errs->n++] = msg;
	return 0;
}

/* Phase two and the hand-over: the config, or NULL with every error moved
 * to ERRS in file and line order. */
static struct config *
finish(struct loader *ld, struct config_errors *errs)
{
	struct config_owner *own = ld->own;
	struct config *c = &own->pub;
	size_t i;

	if (!ld->oom) {
		check_empty_sections(ld);
		check_daemon(ld);
		check_defaults(ld);
		check_jobs(ld);
		default_paths(ld);
	}
	if (ld->oom) {
		char *m;
		if (asprintf(&m, "%s:0: out of memory", ld->files[0].path) >= 0 &&
		    errs_push(errs, m) != 0)
			free(m);
	}
	if (ld->nerrs > 1)
		qsort(ld->errs, ld->nerrs, sizeof(*ld->errs), cmp_err);
	for (i = 0; i < ld->nerrs; i++) {
		if (errs_push(errs, ld->errs[i].msg) != 0)
			free(ld->errs[i].msg);
	}
	if (ld->nerrs > 0 || ld->oom) {
		config_free(c);
		c = NULL;
	} else {
		for (i = 0; i < c->njobs; i++)
			c->jobs[i].hash = job_hash(&c->jobs[i]);
		if (c->njobs > 1)
			qsort(c->jobs, c->njobs, sizeof(*c->jobs), cmp_job);
	}
	free(ld->errs);
	free(ld->files);
	free(ld->secs);
	free(ld->ents);
	strmap_free(&ld->jobnames);
	strmap_free(&ld->zonemap);
	strmap_free(&ld->usermap);
	intern_free(&ld->execs);
	intern_free(&ld->policies);
	arena_free(&ld->scratch);
	return c;
}

static int
loader_init(struct loader *ld, const struct config_env *env, const char *path,
    struct config_errors *errs)
{
	uint32_t file;

	memset(ld, 0, sizeof(*ld));
	ld->env = env;
	ld->own = calloc(1, sizeof(*ld->own));
	if (ld->own == NULL || add_file(ld, path, false, &file) != 0) {
		char *m;
		if (ld->own != NULL)
			config_free(&ld->own->pub);
		free(ld->files);
		if (asprintf(&m, "%s:0: out of memory", path) >= 0 && errs_push(errs, m) != 0)
			free(m);
		return -1;
	}
	ld->own->pub.path = ld->files[0].path;
	ld->k_schedule = keys_find("schedule");
	ld->k_command = keys_find("command");
	ld->k_retry_delay = keys_find("retry_delay");
	ld->k_retry_max_delay = keys_find("retry_max_delay");
	return 0;
}

struct config *
config_load(const char *path, const struct config_env *env, struct config_errors *errs)
{
	struct loader ld;

	if (loader_init(&ld, env, path, errs) != 0)
		return NULL;
	load_file(&ld, 0);
	if (!ld.oom)
		load_dropins(&ld);
	return finish(&ld, errs);
}

struct config *
config_load_buffer(const char *name, const char *buf, size_t len,
    const struct config_env *env, struct config_errors *errs)
{
	struct loader ld;

	if (loader_init(&ld, env, name, errs) != 0)
		return NULL;
	ld.from_buffer = true;
	parse_text(&ld, 0, buf, len);
	return finish(&ld, errs);
}

void
config_free(struct config *cfg)
{
	struct config_owner *own = (struct config_owner *)cfg;
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < own->nzones; i++)
		tz_free(own->zones[i]);
	free(own->zones);
	free(cfg->jobs);
	arena_free(&own->arena);
	free(own);
}

const struct config_job *
config_find_job(const struct config *cfg, const char *name)
{
	size_t lo = 0, hi = cfg->njobs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, cfg->jobs[mid].name);
		if (c == 0)
			return &cfg->jobs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
config_errors_free(struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	memset(errs, 0, sizeof(*errs));
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

void
config_env_current(struct config_env *env)
{
	memset(env, 0, sizeof(*env));
	env->uid = geteuid();
	env->runtime_directory = nonempty(getenv("RUNTIME_DIRECTORY"));
	env->state_directory = nonempty(getenv("STATE_DIRECTORY"));
	env->xdg_runtime_dir = nonempty(getenv("XDG_RUNTIME_DIR"));
	env->xdg_state_home = nonempty(getenv("XDG_STATE_HOME"));
	env->home = nonempty(getenv("HOME"));
	env->check_owner = env->uid == 0;
}

const char *
config_overlap_name(enum config_overlap o)
{
	switch (o) {
	case CONFIG_OVERLAP_SKIP:
		return "skip";
	case CONFIG_OVERLAP_QUEUE:
		return "queue";
	case CONFIG_OVERLAP_ALLOW:
		return "allow";
	case CONFIG_OVERLAP_REPLACE:
		return "replace";
	}
	return "?";
}

const char *
config_log_level_name(enum config_log_level l)
{
	switch (l) {
	case CONFIG_LOG_ERROR:
		return "error";
	case CONFIG_LOG_WARNING:
		return "warning";
	case CONFIG_LOG_INFO:
		return "info";
	case CONFIG_LOG_DEBUG:
		return "debug";
	}
	return "?";
}
