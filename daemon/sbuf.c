/*
 * sbuf: growable text, doubling as it goes; see sbuf.h.
 */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
sbuf_reserve(struct sbuf *b, size_t more)
{
	size_t ncap;
	char *np;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	ncap = (b->cap + more + 1) * 2;
	np = realloc(b->p, ncap);
	if (np == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

void
sbuf_init(struct sbuf *b, size_t hint_bytes)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
	if (sbuf_reserve(b, hint_bytes))
		b->p[0] = '\0';
}

void
sbuf_append(struct sbuf *b, const char *s, size_t len)
{
	if (!sbuf_reserve(b, len))
		return;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (!sbuf_reserve(b, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *
sbuf_take(struct sbuf *b, size_t *lenp)
{
	char *p = b->p;

	if (b->oom) {
		free(b->p);
		p = NULL;
	} else if (lenp != NULL)
		*lenp = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
