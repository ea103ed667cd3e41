/*
 * sbuf: a growable text buffer for the files the daemon writes whole
 * (status dump, state snapshot). Pure. Running out of memory is sticky:
 * later appends do nothing and sbuf_take() returns NULL.
 */
#ifndef SCHEDD_SBUF_H
#define SCHEDD_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char	*p;
	size_t	 len, cap;
	bool	 oom;
};

/* Starts with room for hint_bytes (a guess; the buffer grows). */
void sbuf_init(struct sbuf *b, size_t hint_bytes);
void sbuf_append(struct sbuf *b, const char *s, size_t len);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The NUL-terminated text (the caller frees it), or NULL after an
 * allocation failure (the buffer is freed then). */
char *sbuf_take(struct sbuf *b, size_t *lenp);

#endif
