/*
 * hash: FNV-1a, 64 bits, the hash of the tools' small tables (names, keys).
 * Base layer (docs/DESIGN.md §3).
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t
hash_fnv1a(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ *s++) * 1099511628211ULL;
	return h;
}

#endif
