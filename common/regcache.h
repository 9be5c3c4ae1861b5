/*
 * regcache: the registry client's answers, kept by question (docs/DESIGN.md
 * §6, Cache): a hash table of entries that may expire, bounded by emptying it
 * when full at the start of a question, so that an entry handed out stays
 * valid until the next question. Registry layer (docs/DESIGN.md §3),
 * internal to registry.c, which chooses the keys and lifetimes.
 */
#ifndef REGCACHE_H
#define REGCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

struct regcache_entry {
	struct regcache_entry *next;
	uint64_t hash;
	double expires;		/* monotonic seconds; 0 = for good */
	int status;		/* REGISTRY_OK, REGISTRY_NOTFOUND or REGISTRY_INVALID */
	char *msg;		/* the message of a negative answer */
	char *refs;		/* a reference's own references (JSON), NULL if none */
	struct registry_schema s;
	size_t keylen;
	char key[];
};

struct regcache *regcache_new(void);
void regcache_free(struct regcache *c);
/* Before a question: a full cache (live and expired entries) is emptied. */
void regcache_trim(struct regcache *c);
/* A key (malloc'd, *len bytes): the question's kind and number, then up to two strings. */
char *regcache_key(char kind, long long num, const char *a, const char *b, size_t *len);
/* The live entry for a key, or NULL (an expired one is retired, still valid until the trim). */
struct regcache_entry *regcache_get(struct regcache *c, const char *key, size_t len);
/*
 * Keeps an answer for ttl seconds (0: for good): for REGISTRY_OK a copy of s (its
 * subject and schema), otherwise a copy of the message msg.
 */
struct regcache_entry *regcache_put(struct regcache *c, const char *key, size_t len,
    double ttl, int status, const struct registry_schema *s, const char *msg);
/* The entry as a question's result: its status, *out on REGISTRY_OK, its message in err otherwise. */
int regcache_answer(const struct regcache_entry *e, const struct registry_schema **out,
    char *err, size_t errlen);

#endif
