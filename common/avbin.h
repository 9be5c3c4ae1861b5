/*
 * Avro's binary primitives, the one copy both directions use (avdec.c
 * reads them, avenc.c writes them): zigzag varints for int and long,
 * little-endian floats and doubles, and bytes carried in JSON as strings of
 * the code points U+0000 to U+00FF. Layer: formats (docs/DESIGN.md §3,
 * Avro in §5), below the decoder and the encoder; it knows no schema. Header only,
 * static inline: the decoder's and encoder's inner loops call them.
 */
#ifndef AVBIN_H
#define AVBIN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

#define AVBIN_MAX_LONG 10	/* bytes of a long's varint */
#define AVBIN_MAX_INT 5		/* bytes of an int's varint: Java refuses a sixth ("Invalid int encoding") */

/* Why avbin_get_* refused a varint (the decoder gives each its message). */
enum {
	AVBIN_OK = 0,
	AVBIN_TRUNCATED = -1,	/* it runs past the end */
	AVBIN_LONG_BITS = -2,	/* more than 64 bits: a tenth byte above 1 */
	AVBIN_INT_BYTES = -3,	/* an int of more than AVBIN_MAX_INT bytes */
	AVBIN_INT_BITS = -4	/* an int of more than 32 bits (Java drops them: we refuse it) */
};

static inline uint64_t
avbin_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t
avbin_unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static inline int32_t
avbin_unzigzag32(uint32_t u)
{
	return (int32_t)((u >> 1) ^ -(u & 1));
}

/* Writes the varint of u at o (room for AVBIN_MAX_LONG bytes); returns its length. */
static inline size_t
avbin_varint(unsigned char *o, uint64_t u)
{
	size_t n = 0;

	while (u >= 0x80) {
		o[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	o[n++] = (unsigned char)u;
	return n;
}

/* An int or a long: the varint of its zigzag. */
static inline void
avbin_put_long(struct buf *b, int64_t v)
{
	b->len += avbin_varint((unsigned char *)buf_room(b, AVBIN_MAX_LONG), avbin_zigzag(v));
}

/*
 * The varint at *p (none of it at or past end) in *u, and *p moved past it;
 * or AVBIN_TRUNCATED or AVBIN_LONG_BITS, *p left where it was. Overlong
 * forms (0x80 0x00 for 0) are taken, as Java takes them.
 */
static inline int
avbin_get_varint(const unsigned char **p, const unsigned char *end, uint64_t *u)
{
	const unsigned char *q = *p;
	uint64_t v = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint64_t b;

		if (q >= end)
			return AVBIN_TRUNCATED;
		b = *q++;
		if (shift == 63 && b > 1)
			break;
		v |= (b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*u = v;
			return AVBIN_OK;
		}
	}
	return AVBIN_LONG_BITS;
}

static inline int
avbin_get_long(const unsigned char **p, const unsigned char *end, int64_t *v)
{
	uint64_t u;
	int rc = avbin_get_varint(p, end, &u);

	if (rc == AVBIN_OK)
		*v = avbin_unzigzag(u);
	return rc;
}

/* As avbin_get_long, and AVBIN_INT_BYTES or AVBIN_INT_BITS for what is no int. */
static inline int
avbin_get_int(const unsigned char **p, const unsigned char *end, int32_t *v)
{
	const unsigned char *q = *p;
	uint64_t u;
	int rc = avbin_get_varint(&q, end, &u);

	if (rc != AVBIN_OK)
		return rc;
	if (q - *p > AVBIN_MAX_INT)
		return AVBIN_INT_BYTES;
	if (u > UINT32_MAX)
		return AVBIN_INT_BITS;
	*p = q;
	*v = avbin_unzigzag32((uint32_t)u);
	return AVBIN_OK;
}

/* A float from 4 bytes, a double from 8, little-endian, whatever the host's order. */
static inline float
avbin_float(const unsigned char *p)
{
	uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static inline double
avbin_double(const unsigned char *p)
{
	uint64_t u = 0;
	double d;
	int i;

	for (i = 7; i >= 0; i--)
		u = u << 8 | p[i];
	memcpy(&d, &u, 8);
	return d;
}

static inline void
avbin_put_float(struct buf *b, float f)
{
	unsigned char *o = (unsigned char *)buf_room(b, 4);
	uint32_t u;
	int i;

	memcpy(&u, &f, 4);
	for (i = 0; i < 4; i++)
		o[i] = (unsigned char)(u >> 8 * i);
	b->len += 4;
}

static inline void
avbin_put_double(struct buf *b, double d)
{
	unsigned char *o = (unsigned char *)buf_room(b, 8);
	uint64_t u;
	int i;

	memcpy(&u, &d, 8);
	for (i = 0; i < 8; i++)
		o[i] = (unsigned char)(u >> 8 * i);
	b->len += 8;
}

/*
 * Bytes from n bytes of UTF-8 whose code points are U+0000 to U+00FF (the
 * JSON form of Avro's bytes and fixed), appended to out: one byte for each
 * code point. -1, out as it was, at a code point above U+00FF. The UTF-8
 * is taken as valid (jansson's strings, jp_str's).
 */
static inline int
avbin_code_points(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	char *o, *o0;

	if (!n)
		return 0;	/* no arithmetic on a buffer not yet made */
	o = o0 = buf_room(out, n);
	while (p < e) {
		if (*p < 0x80)
			*o++ = (char)*p++;
		else if ((*p == 0xc2 || *p == 0xc3) && p + 1 < e) {
			*o++ = (char)(((*p & 3) << 6) | (p[1] & 0x3f));
			p += 2;
		} else
			return -1;
	}
	out->len += (size_t)(o - o0);
	return 0;
}

#endif
