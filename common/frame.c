#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "err.h"
#include "frame.h"

int
frame_parse(const unsigned char *p, size_t n, struct frame *f)
{
	if (n < FRAME_HEADER)
		return FRAME_SHORT;
	if (p[0] != FRAME_MAGIC)
		return FRAME_BADMAGIC;
	f->id = be32_get(p + 1);
	f->body = p + FRAME_HEADER;
	f->len = n - FRAME_HEADER;
	return FRAME_OK;
}

const char *
frame_why(int status, const unsigned char *p, size_t n, char *buf, size_t size)
{
	if (status == FRAME_SHORT)
		snprintf(buf, size, "frame of %zu bytes is shorter than the 5-byte Confluent header", n);
	else
		snprintf(buf, size, "bad magic byte 0x%02x (expected 0x00): not a Confluent frame", p[0]);
	return buf;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
frame_delim_parse(const char *s, struct frame_delim *d, char *err, size_t errlen)
{
	d->len = 0;
	while (*s) {
		int c = (unsigned char)*s++;

		if (c == '\\' && *s == 'n') {
			c = '\n';
			s++;
		} else if (c == '\\' && *s == 't') {
			c = '\t';
			s++;
		} else if (c == '\\' && *s == 'x') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (hi < 0 || lo < 0)
				return err_set(err, errlen, "\\x needs two hex digits");
			if (hexval(s[3]) >= 0)
				return err_set(err, errlen, "\\x%c%c%c is ambiguous "
				    "(kcat reads all hex digits after \\x); "
				    "write the next byte as \\xNN too",
				    s[1], s[2], s[3]);
			c = hi << 4 | lo;
			s += 3;
		}
		if (c == 0)
			return err_set(err, errlen, "a delimiter cannot hold a NUL byte");
		if (d->len == FRAME_DELIM_MAX)
			return err_set(err, errlen, "delimiter longer than %d bytes",
			    FRAME_DELIM_MAX);
		d->b[d->len++] = (unsigned char)c;
	}
	if (d->len == 0)
		return err_set(err, errlen, "empty delimiter");
	return 0;
}

long
frame_delim_find(const struct frame_delim *d, const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;
	size_t k = d->len;

	/* memchr on the first byte: delimiters are chosen to be rare bytes. */
	while ((q = memchr(q, d->b[0], (size_t)(end - q))) != NULL) {
		size_t left = (size_t)(end - q);

		if (left >= k) {
			if (memcmp(q, d->b, k) == 0)
				return (long)(q - p);
		} else if (memcmp(q, d->b, left) == 0 &&
		    memcmp(d->b + left, d->b, k - left) == 0) {
			/* frame tail + terminator head spell the delimiter */
			return (long)(q - p);
		}
		q++;
	}
	return -1;
}

static size_t
slot_of(const struct frame_stats *s, uint32_t id)
{
	size_t i = (id * 2654435761u) & (s->cap - 1);

	while (s->slot[i].recs && s->slot[i].id != id)
		i = (i + 1) & (s->cap - 1);
	return i;
}

void
frame_stats_add(struct frame_stats *s, uint32_t id, size_t bytes)
{
	size_t i;

	if (2 * (s->used + 1) > s->cap) {
		struct frame_stats g = { NULL, s->cap ? 2 * s->cap : 16, 0 };

		g.slot = xcalloc(g.cap, sizeof(*g.slot));
		for (i = 0; i < s->cap; i++)
			if (s->slot[i].recs)
				g.slot[slot_of(&g, s->slot[i].id)] = s->slot[i];
		g.used = s->used;
		free(s->slot);
		*s = g;
	}
	i = slot_of(s, id);
	if (!s->slot[i].recs) {
		s->slot[i].id = id;
		s->used++;
	}
	s->slot[i].recs++;
	s->slot[i].bytes += bytes;
}

static int
by_id(const void *a, const void *b)
{
	uint32_t x = ((const struct frame_stat *)a)->id;
	uint32_t y = ((const struct frame_stat *)b)->id;

	return (x > y) - (x < y);
}

struct frame_stat *
frame_stats_sorted(const struct frame_stats *s)
{
	struct frame_stat *v = xcalloc(s->used, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < s->cap; i++)
		if (s->slot[i].recs)
			v[n++] = s->slot[i];
	qsort(v, n, sizeof(*v), by_id);
	return v;
}

void
frame_stats_free(struct frame_stats *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
