/*
 * buf: the toolkit's one growable byte buffer: JSON text (jw.h writes into
 * it), Avro bodies, HTTP answers, state files. Grows by doubling; dies with
 * status 3 when memory runs out, so callers never check.
 * Base layer (docs/DESIGN.md §3).
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
};

void buf_free(struct buf *b);
/* Makes room for n more bytes; dies (status 3) when memory runs out. */
void buf_grow(struct buf *b, size_t n);
/* Appends printf-style text (no NUL is counted in len, but one follows it). */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the bytes over, NUL-terminated (len bytes), and leaves b empty. */
char *buf_detach(struct buf *b, size_t *len);

static inline char *
buf_room(struct buf *b, size_t n)
{
	if (b->cap - b->len < n)
		buf_grow(b, n);
	return b->p + b->len;
}

static inline void
buf_put(struct buf *b, const void *s, size_t n)
{
	if (!n)
		return;	/* nothing, and no arithmetic on a buffer not yet made */
	memcpy(buf_room(b, n), s, n);
	b->len += n;
}

static inline void
buf_putc(struct buf *b, char c)
{
	*buf_room(b, 1) = c;
	b->len++;
}

static inline void
buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

#endif
