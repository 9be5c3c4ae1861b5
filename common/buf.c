#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "err.h"

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
buf_grow(struct buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;

	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			die(EXIT_ENV, "out of memory (more than %zu bytes)", cap);
		cap *= 2;
	}
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		die(EXIT_ENV, "buf_printf: bad format \"%s\"", fmt);
	buf_room(b, (size_t)n + 1);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;

	buf_putc(b, 0);
	p = b->p;
	if (len)
		*len = b->len - 1;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
