/*
 * regcache: a chained hash table keyed by FNV-1a, doubled when it holds as
 * many entries as buckets. An expired entry leaves the table for the retired
 * list, since a caller may still hold its schema; both are freed together
 * when the cache is emptied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "hash.h"
#include "regcache.h"

#define REGCACHE_MAX 4096	/* entries, live and retired */

struct regcache {
	struct regcache_entry **tab;
	size_t tabsize, count;
	struct regcache_entry *retired;	/* expired entries, still pointed to */
	size_t nretired;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *
copy_str(const char *s)
{
	return xstrndup(s, strlen(s));
}

struct regcache *
regcache_new(void)
{
	struct regcache *c = xcalloc(1, sizeof(*c));

	c->tabsize = 64;
	c->tab = xcalloc(c->tabsize, sizeof(*c->tab));
	return c;
}

static void
free_entries(struct regcache_entry *e)
{
	struct regcache_entry *next;

	for (; e; e = next) {
		next = e->next;
		free(e->msg);
		free(e->refs);
		free((char *)e->s.subject);
		free((char *)e->s.schema);
		free(e);
	}
}

static void
empty(struct regcache *c)
{
	size_t i;

	for (i = 0; i < c->tabsize; i++) {
		free_entries(c->tab[i]);
		c->tab[i] = NULL;
	}
	free_entries(c->retired);
	c->retired = NULL;
	c->count = c->nretired = 0;
}

void
regcache_free(struct regcache *c)
{
	if (!c)
		return;
	empty(c);
	free(c->tab);
	free(c);
}

void
regcache_trim(struct regcache *c)
{
	if (c->count + c->nretired >= REGCACHE_MAX)
		empty(c);
}

char *
regcache_key(char kind, long long num, const char *a, const char *b, size_t *len)
{
	size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
	char *k = xmalloc(32 + na + nb);
	int n = snprintf(k, 32, "%c%lld:", kind, num);

	memcpy(k + n, a ? a : "", na);
	k[n + na] = '\0';
	memcpy(k + n + na + 1, b ? b : "", nb);
	*len = (size_t)n + na + 1 + nb;
	return k;
}

struct regcache_entry *
regcache_get(struct regcache *c, const char *key, size_t len)
{
	uint64_t h = hash_fnv1a(key, len);
	struct regcache_entry **pp, *e;

	for (pp = &c->tab[h % c->tabsize]; (e = *pp); pp = &e->next) {
		if (e->hash != h || e->keylen != len || memcmp(e->key, key, len))
			continue;
		if (e->expires && now() >= e->expires) {
			*pp = e->next;
			e->next = c->retired;
			c->retired = e;
			c->count--;
			c->nretired++;
			return NULL;
		}
		return e;
	}
	return NULL;
}

static void
grow(struct regcache *c)
{
	size_t i, size = c->tabsize * 2;
	struct regcache_entry **tab = xcalloc(size, sizeof(*tab)), *e, *next;

	for (i = 0; i < c->tabsize; i++)
		for (e = c->tab[i]; e; e = next) {
			next = e->next;
			e->next = tab[e->hash % size];
			tab[e->hash % size] = e;
		}
	free(c->tab);
	c->tab = tab;
	c->tabsize = size;
}

struct regcache_entry *
regcache_put(struct regcache *c, const char *key, size_t len, double ttl, int status,
    const struct registry_schema *s, const char *msg)
{
	struct regcache_entry *e = xmalloc(sizeof(*e) + len);

	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, len);
	e->keylen = len;
	e->hash = hash_fnv1a(key, len);
	e->expires = ttl > 0 ? now() + ttl : 0;
	e->status = status;
	e->msg = status == REGISTRY_OK ? NULL : copy_str(msg);
	if (status == REGISTRY_OK) {
		e->s = *s;
		e->s.subject = s->subject ? copy_str(s->subject) : NULL;
		e->s.schema = copy_str(s->schema);
	}
	if (c->count >= c->tabsize)
		grow(c);
	e->next = c->tab[e->hash % c->tabsize];
	c->tab[e->hash % c->tabsize] = e;
	c->count++;
	return e;
}

int
regcache_answer(const struct regcache_entry *e, const struct registry_schema **out,
    char *err, size_t errlen)
{
	if (e->status == REGISTRY_OK)
		*out = &e->s;
	else
		err_set(err, errlen, "%s", e->msg);
	return e->status;
}
