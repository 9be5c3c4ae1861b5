#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "regcache.h"

static struct regcache_entry *
put(struct regcache *c, char kind, long long num, const char *a, const char *b, double ttl,
    int status, const char *schema)
{
	struct registry_schema s = {(uint32_t)num, 1, a, schema};
	struct regcache_entry *e;
	size_t len;
	char *key = regcache_key(kind, num, a, b, &len);

	e = regcache_put(c, key, len, ttl, status, &s, "not found");
	free(key);
	return e;
}

static struct regcache_entry *
get(struct regcache *c, char kind, long long num, const char *a, const char *b)
{
	struct regcache_entry *e;
	size_t len;
	char *key = regcache_key(kind, num, a, b, &len);

	e = regcache_get(c, key, len);
	free(key);
	return e;
}

static void
keys_tell_questions_apart(void **state)
{
	struct regcache *c = regcache_new();
	const struct registry_schema *s;
	char err[64];

	put(c, 'v', 1, "ab", "c", 0, REGISTRY_OK, "\"int\"");
	put(c, 'v', 1, "a", "bc", 0, REGISTRY_OK, "\"long\"");
	put(c, 'i', 1, NULL, NULL, 0, REGISTRY_NOTFOUND, NULL);
	assert_string_equal(get(c, 'v', 1, "ab", "c")->s.schema, "\"int\"");
	assert_string_equal(get(c, 'v', 1, "a", "bc")->s.schema, "\"long\"");
	assert_null(get(c, 'v', 1, "abc", NULL));
	assert_null(get(c, 'l', 1, "ab", "c"));
	assert_null(get(c, 'v', 2, "ab", "c"));
	/* a negative answer gives back its status and message */
	strcpy(err, "untouched");
	assert_int_equal(regcache_answer(get(c, 'i', 1, NULL, NULL), &s, err, sizeof(err)),
	    REGISTRY_NOTFOUND);
	assert_string_equal(err, "not found");
	assert_int_equal(regcache_answer(get(c, 'v', 1, "ab", "c"), &s, err, sizeof(err)), REGISTRY_OK);
	assert_string_equal(s->schema, "\"int\"");
	assert_string_equal(s->subject, "ab");
	regcache_free(c);
}

static void
entries_expire_but_stay_valid(void **state)
{
	struct regcache *c = regcache_new();
	struct regcache_entry *e = put(c, 'v', -1, "s", NULL, 0.001, REGISTRY_OK, "\"int\"");
	struct timespec ts = {0, 5000000};

	assert_ptr_equal(get(c, 'v', -1, "s", NULL), e);
	nanosleep(&ts, NULL);
	assert_null(get(c, 'v', -1, "s", NULL));
	/* retired, not freed: a caller may still hold it */
	assert_string_equal(e->s.schema, "\"int\"");
	regcache_trim(c);
	assert_string_equal(e->s.schema, "\"int\"");
	regcache_free(c);
}

static void
full_cache_emptied_at_trim(void **state)
{
	struct regcache *c = regcache_new();
	struct regcache_entry *e;
	long long i;

	for (i = 0; i < 4095; i++)
		put(c, 'i', i, NULL, NULL, 0, REGISTRY_OK, "\"int\"");
	regcache_trim(c);
	assert_non_null(e = get(c, 'i', 0, NULL, NULL));
	assert_non_null(get(c, 'i', 4094, NULL, NULL));
	put(c, 'i', 4095, NULL, NULL, 0, REGISTRY_OK, "\"int\"");
	/* the table grew past its buckets: everything still found */
	for (i = 0; i < 4096; i++)
		assert_non_null(get(c, 'i', i, NULL, NULL));
	regcache_trim(c);
	assert_null(get(c, 'i', 0, NULL, NULL));
	assert_null(get(c, 'i', 4095, NULL, NULL));
	put(c, 'i', 1, NULL, NULL, 0, REGISTRY_OK, "\"long\"");
	assert_string_equal(get(c, 'i', 1, NULL, NULL)->s.schema, "\"long\"");
	regcache_free(c);
	regcache_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_tell_questions_apart),
		cmocka_unit_test(entries_expire_but_stay_valid),
		cmocka_unit_test(full_cache_emptied_at_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
