#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "regref.h"

#define ADDRESS "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"com.acme\"," \
	"\"fields\":[{\"name\":\"city\",\"type\":\"string\"}]}"

static char err[512];

static void
expands(const char *schema, const char *const *refs, size_t n, const char *want)
{
	char *out;

	err[0] = '\0';
	out = regref_expand(schema, refs, NULL, n, err, sizeof(err));
	if (!out)
		fail_msg("refused: %s", err);
	assert_string_equal(out, want);
	free(out);
}

static void
refuses(const char *schema, const char *const *refs, const char *const *labels, size_t n,
    const char *want)
{
	char *out = regref_expand(schema, refs, labels, n, err, sizeof(err));

	if (out)
		fail_msg("expanded: %s", out);
	if (want)
		assert_string_equal(err, want);
}

static void
no_references(void **state)
{
	expands("{ \"type\" : \"int\" }", NULL, 0, "{\"type\":\"int\"}");
	expands("\"string\"", NULL, 0, "\"string\"");
}

static void
first_use_defined_later_uses_named(void **state)
{
	static const char *const refs[] = {ADDRESS};

	expands("{\"type\":\"record\",\"name\":\"Person\",\"namespace\":\"com.acme\",\"fields\":["
	    "{\"name\":\"home\",\"type\":\"Address\"},"
	    "{\"name\":\"work\",\"type\":[\"null\",\"com.acme.Address\"]}]}", refs, 1,
	    "{\"type\":\"record\",\"name\":\"Person\",\"namespace\":\"com.acme\",\"fields\":["
	    "{\"name\":\"home\",\"type\":{\"type\":\"record\",\"name\":\"Address\","
	    "\"namespace\":\"com.acme\",\"fields\":[{\"name\":\"city\",\"type\":\"string\"}]}},"
	    "{\"name\":\"work\",\"type\":[\"null\",\"com.acme.Address\"]}]}");
}

static void
null_namespace_spelt_out(void **state)
{
	static const char *const refs[] = {"{\"type\":\"fixed\",\"name\":\"Money\",\"size\":4}"};

	/* Money in the null namespace, named from within com.acme */
	expands("{\"type\":\"record\",\"name\":\"T\",\"namespace\":\"com.acme\",\"fields\":["
	    "{\"name\":\"m\",\"type\":\"Money\"}]}", refs, 1,
	    "{\"type\":\"record\",\"name\":\"T\",\"namespace\":\"com.acme\",\"fields\":["
	    "{\"name\":\"m\",\"type\":{\"type\":\"fixed\",\"name\":\"Money\",\"namespace\":\"\","
	    "\"size\":4}}]}");
}

static void
refused(void **state)
{
	static const char *const two[] = {ADDRESS, "{\"type\":\"record\",\"name\":\"com.acme.Address\","
	    "\"fields\":[]}"};
	static const char *const labels[] = {"reference A", "reference B"};
	static const char *const notjson[] = {"{"};
	char *deep;
	size_t i;

	refuses("\"com.acme.Address\"", two, labels, 2, "type com.acme.Address is defined both by "
	    "reference A and, differently, by reference B");
	refuses("\"com.acme.Address\"", two, NULL, 2, "type com.acme.Address is defined both by "
	    "referenced schema 1 and, differently, by referenced schema 2");
	/* jansson's own words follow the line number */
	refuses("\"int\"", notjson, NULL, 1, NULL);
	assert_true(!strncmp(err, "referenced schema 1 is not JSON (line 1: ", 41));
	refuses("[", NULL, NULL, 0, NULL);
	assert_true(!strncmp(err, "the schema is not JSON (line 1: ", 32));
	/* 1001 nested arrays of items */
	deep = malloc(1001 * 30 + 10);
	deep[0] = '\0';
	for (i = 0; i < 1001; i++)
		strcat(deep, "{\"type\":\"array\",\"items\":");
	strcat(deep, "\"int\"");
	for (i = 0; i < 1001; i++)
		strcat(deep, "}");
	refuses(deep, NULL, NULL, 0, "the schema is nested more than 1000 JSON levels deep");
	free(deep);
}

/* ---- resolving: a registry of subjects in memory ---- */

struct subj {
	const char *subject, *schema, *refs;
};

static const struct subj reg[] = {
	{"address", ADDRESS, NULL},
	{"person", "{\"type\":\"record\",\"name\":\"Person\",\"namespace\":\"com.acme\","
	    "\"fields\":[{\"name\":\"a\",\"type\":\"Address\"}]}",
	    "[{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":1}]"},
	{"cyc-a", "\"int\"", "[{\"name\":\"B\",\"subject\":\"cyc-b\",\"version\":1}]"},
	{"cyc-b", "\"int\"", "[{\"name\":\"A\",\"subject\":\"cyc-a\",\"version\":1}]"},
	{"addr2", "{\"type\":\"record\",\"name\":\"com.acme.Address\",\"fields\":[]}", NULL},
	{"self", "\"int\"", "[{\"name\":\"S\",\"subject\":\"self\",\"version\":-1}]"},
};
static int fetches;

static int
fetch(void *arg, const char *subject, int version, const char **schema, const char **refs,
    char *e, size_t elen)
{
	size_t i;

	fetches++;
	for (i = 0; i < sizeof(reg) / sizeof(reg[0]); i++)
		if (!strcmp(reg[i].subject, subject)) {
			*schema = reg[i].schema;
			*refs = reg[i].refs;
			return REGISTRY_OK;
		}
	snprintf(e, elen, "subject \"%s\" version %d not found (40401)", subject, version);
	return *(int *)arg;
}

static int
resolve(const char *refs, int missing, char **text)
{
	json_t *j = json_loads(refs, 0, NULL);
	int rc;

	assert_non_null(j);
	fetches = 0;
	*text = NULL;
	err[0] = '\0';
	rc = regref_resolve("schema id 9", "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":"
	    "\"com.acme\",\"fields\":[{\"name\":\"p\",\"type\":\"Person\"},{\"name\":\"q\","
	    "\"type\":\"Address\"}]}", j, fetch, &missing, text, err, sizeof(err));
	json_decref(j);
	return rc;
}

static void
depth_first_dependencies_first(void **state)
{
	char *text;

	/* Person's own reference (Address) comes before Person; Address named twice is fetched once */
	assert_int_equal(resolve("[{\"name\":\"com.acme.Person\",\"subject\":\"person\",\"version\":1},"
	    "{\"name\":\"com.acme.Address\",\"subject\":\"address\",\"version\":1}]", REGISTRY_NOTFOUND,
	    &text), REGISTRY_OK);
	assert_int_equal(fetches, 2);
	assert_string_equal(text, "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"com.acme\","
	    "\"fields\":[{\"name\":\"p\",\"type\":{\"type\":\"record\",\"name\":\"Person\","
	    "\"namespace\":\"com.acme\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"record\","
	    "\"name\":\"Address\",\"namespace\":\"com.acme\",\"fields\":[{\"name\":\"city\","
	    "\"type\":\"string\"}]}}]}},{\"name\":\"q\",\"type\":\"Address\"}]}");
	free(text);
}

static void
resolution_refused(void **state)
{
	char *text;

	assert_int_equal(resolve("[{\"name\":\"A\",\"subject\":\"cyc-a\",\"version\":1}]",
	    REGISTRY_NOTFOUND, &text), REGISTRY_INVALID);
	assert_string_equal(err, "schema id 9: reference cycle: A (subject \"cyc-a\" version 1) "
	    "-> B (subject \"cyc-b\" version 1) -> A (subject \"cyc-a\" version 1)");
	assert_int_equal(resolve("[{\"name\":\"S\",\"subject\":\"self\",\"version\":-1}]",
	    REGISTRY_NOTFOUND, &text), REGISTRY_INVALID);
	assert_string_equal(err, "schema id 9: reference cycle: S (subject \"self\" version latest) "
	    "-> S (subject \"self\" version latest)");
	/* a missing reference makes the schema unusable; a failing registry stays a failure */
	assert_int_equal(resolve("[{\"name\":\"X\",\"subject\":\"nosuch\",\"version\":2}]",
	    REGISTRY_NOTFOUND, &text), REGISTRY_INVALID);
	assert_string_equal(err, "schema id 9: reference X (subject \"nosuch\" version 2): "
	    "subject \"nosuch\" version 2 not found (40401)");
	assert_int_equal(resolve("[{\"name\":\"X\",\"subject\":\"nosuch\",\"version\":2}]",
	    REGISTRY_FAIL, &text), REGISTRY_FAIL);
	assert_null(text);
	/* the expansion's refusal names the schema and the references */
	assert_int_equal(resolve("[{\"name\":\"A\",\"subject\":\"address\",\"version\":1},"
	    "{\"name\":\"B\",\"subject\":\"addr2\",\"version\":1}]", REGISTRY_NOTFOUND, &text),
	    REGISTRY_INVALID);
	assert_string_equal(err, "schema id 9: type com.acme.Address is defined both by reference "
	    "A (subject \"address\" version 1) and, differently, by reference B (subject "
	    "\"addr2\" version 1)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_references),
		cmocka_unit_test(first_use_defined_later_uses_named),
		cmocka_unit_test(null_namespace_spelt_out),
		cmocka_unit_test(refused),
		cmocka_unit_test(depth_first_dependencies_first),
		cmocka_unit_test(resolution_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
