/*
 * be: big-endian integers as they appear on the wire (record lengths, schema
 * ids); be32_ names the width. Base layer (docs/DESIGN.md §3).
 */
#ifndef BE_H
#define BE_H

#include <stdint.h>

static inline uint32_t
be32_get(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void
be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Two's complement without implementation-defined conversion. */
static inline int32_t
be32_get_signed(const unsigned char *p)
{
	uint32_t u = be32_get(p);

	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(UINT32_MAX - u) - 1;
}

#endif
