#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reganswer.h"

#define WHERE "http://reg:8081"

static char err[512];
static struct reganswer a;

static int
parse(long st, const char *body, unsigned need)
{
	int rc;

	strcpy(err, "untouched");
	reganswer_free(&a);
	rc = reganswer_parse(st, body, body ? strlen(body) : 0, need, "schema id 7", WHERE,
	    &a, err, sizeof(err));
	return rc;
}

static void
good_answer(void **state)
{
	assert_int_equal(parse(200, "{\"subject\":\"s-value\",\"version\":3,\"id\":7,"
	    "\"schema\":\"\\\"int\\\"\",\"schemaType\":\"AVRO\"}",
	    REGANSWER_NEED_SCHEMA | REGANSWER_NEED_ID | REGANSWER_NEED_VERSION), REGISTRY_OK);
	assert_string_equal(a.schema, "\"int\"");
	assert_string_equal(a.subject, "s-value");
	assert_int_equal(a.id, 7);
	assert_true(a.has_id);
	assert_int_equal(a.version, 3);
	assert_null(a.refs);
	assert_string_equal(err, "untouched");
	reganswer_free(&a);
	assert_null(a.root);
}

static void
absent_fields_not_needed(void **state)
{
	/* {"id": N} is register's whole answer; schemaType absent means AVRO */
	assert_int_equal(parse(200, "{\"id\":4294967295}", REGANSWER_NEED_ID), REGISTRY_OK);
	assert_int_equal(a.id, UINT32_MAX);
	assert_null(a.schema);
	assert_null(a.subject);
	assert_int_equal(a.version, 0);
	assert_int_equal(parse(200, "{\"schema\":\"x\"}", REGANSWER_NEED_SCHEMA), REGISTRY_OK);
	assert_false(a.has_id);
}

static void
references(void **state)
{
	assert_int_equal(parse(200, "{\"schema\":\"x\",\"references\":[{\"name\":\"A\","
	    "\"subject\":\"a\",\"version\":1},{\"name\":\"B\",\"subject\":\"b\",\"version\":-1}]}",
	    REGANSWER_NEED_SCHEMA), REGISTRY_OK);
	assert_non_null(a.refs);
	/* null and [] are no references */
	assert_int_equal(parse(200, "{\"schema\":\"x\",\"references\":null}", 0), REGISTRY_OK);
	assert_null(a.refs);
	assert_int_equal(parse(200, "{\"schema\":\"x\",\"references\":[]}", 0), REGISTRY_OK);
	assert_null(a.refs);
}

static void
garbled(long st, const char *body, unsigned need, const char *why)
{
	char want[300];

	snprintf(want, sizeof(want), "registry " WHERE ": garbled answer for schema id 7: %s", why);
	assert_int_equal(parse(st, body, need), REGISTRY_FAIL);
	assert_string_equal(err, want);
}

static void
hostile_200(void **state)
{
	garbled(200, "", 0, "not JSON");
	garbled(200, NULL, 0, "not JSON");
	garbled(200, "{\"schema\":", 0, "not JSON");
	garbled(200, "{\"a\":1}{", 0, "not JSON");
	garbled(200, "[1]", 0, "not a JSON object");
	garbled(200, "\"text\"", 0, "not JSON");	/* a bare string: jansson refuses it */
	garbled(200, "{\"schemaType\":1}", 0, "\"schemaType\" is not a string");
	garbled(200, "{\"references\":{}}", 0, "\"references\" is not an array");
	garbled(200, "{\"references\":[{\"name\":\"A\",\"subject\":\"a\",\"version\":1},"
	    "{\"name\":\"B\",\"subject\":\"\",\"version\":1}]}", 0,
	    "\"references\" entry 2 is not {\"name\", \"subject\", \"version\"}");
	garbled(200, "{\"references\":[{\"name\":\"A\",\"subject\":\"a\",\"version\":0}]}", 0,
	    "\"references\" entry 1 is not {\"name\", \"subject\", \"version\"}");
	garbled(200, "{\"references\":[{\"name\":\"A\",\"subject\":\"a\",\"version\":2147483648}]}",
	    0, "\"references\" entry 1 is not {\"name\", \"subject\", \"version\"}");
	garbled(200, "{\"references\":[{\"name\":1,\"subject\":\"a\",\"version\":1}]}", 0,
	    "\"references\" entry 1 is not {\"name\", \"subject\", \"version\"}");
	garbled(200, "{\"references\":[7]}", 0,
	    "\"references\" entry 1 is not {\"name\", \"subject\", \"version\"}");
	garbled(200, "{\"schema\":7}", REGANSWER_NEED_SCHEMA, "no string \"schema\"");
	garbled(200, "{\"id\":-1}", 0, "\"id\" is not a schema id");
	garbled(200, "{\"id\":4294967296}", 0, "\"id\" is not a schema id");
	garbled(200, "{\"id\":\"7\"}", 0, "\"id\" is not a schema id");
	garbled(200, "{}", REGANSWER_NEED_ID, "no \"id\"");
	garbled(200, "{\"version\":0}", 0, "\"version\" is not a version");
	garbled(200, "{\"version\":1.5}", 0, "\"version\" is not a version");
	garbled(200, "{}", REGANSWER_NEED_VERSION, "no \"version\"");
	garbled(200, "{\"subject\":[]}", 0, "\"subject\" is not a string");
	/* a NUL inside the body is not JSON text */
	reganswer_free(&a);
	assert_int_equal(reganswer_parse(200, "{\"id\":1}\0x", 10, 0, "schema id 7", WHERE, &a,
	    err, sizeof(err)), REGISTRY_FAIL);
	reganswer_free(&a);
}

static void
not_avro(void **state)
{
	assert_int_equal(parse(200, "{\"schema\":\"x\",\"schemaType\":\"PROTOBUF\"}", 0),
	    REGISTRY_INVALID);
	assert_string_equal(err, "schema id 7 is PROTOBUF, not AVRO (at " WHERE ")");
}

static void
registry_errors(void **state)
{
	assert_int_equal(parse(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}", 0),
	    REGISTRY_NOTFOUND);
	assert_int_equal(a.code, 40403);
	assert_string_equal(err, "schema id 7 not found (40403: Schema not found) at " WHERE);
	/* a 404 without the registry's error body: the URL is wrong, not the id */
	assert_int_equal(parse(404, "<html>Not Found</html>", 0), REGISTRY_FAIL);
	assert_string_equal(err, "registry " WHERE ": 404 Not Found for schema id 7 "
	    "(not a registry error: is the URL right?)");
	/* a 404 whose code is not of the 404 class */
	assert_int_equal(parse(404, "{\"error_code\":50001}", 0), REGISTRY_FAIL);
	assert_string_equal(err, "registry " WHERE ": 404 Not Found (50001)");
	assert_int_equal(parse(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}", 0),
	    REGISTRY_INVALID);
	assert_string_equal(err, "registry " WHERE " refused schema id 7: 422 Unprocessable "
	    "Entity (42201: Invalid schema)");
	assert_int_equal(parse(409, "{\"error_code\":409,\"message\":\"incompatible\"}", 0),
	    REGISTRY_INVALID);
	assert_string_equal(err, "registry " WHERE " refused schema id 7: 409 Conflict "
	    "(409: incompatible)");
	assert_int_equal(parse(401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}", 0),
	    REGISTRY_FAIL);
	assert_string_equal(err, "registry " WHERE ": 401 Unauthorized (40101: Unauthorized)");
	assert_int_equal(parse(503, "", 0), REGISTRY_FAIL);
	assert_string_equal(err, "registry " WHERE ": 503 Service Unavailable for schema id 7");
	assert_int_equal(parse(299, "{}", 0), REGISTRY_FAIL);
	assert_string_equal(err, "registry " WHERE ": 299 HTTP status for schema id 7");
}

static void
hostile_errors(void **state)
{
	char body[2048], want[512];
	size_t n;

	/* codes out of range are no codes */
	assert_int_equal(parse(404, "{\"error_code\":1000000}", 0), REGISTRY_FAIL);
	assert_int_equal(a.code, 0);
	assert_int_equal(parse(404, "{\"error_code\":-40403}", 0), REGISTRY_FAIL);
	assert_int_equal(parse(404, "{\"error_code\":\"40403\"}", 0), REGISTRY_FAIL);
	assert_int_equal(parse(404, "[40403]", 0), REGISTRY_FAIL);
	/* a message with control characters and 1000 bytes: one line of 160 */
	n = (size_t)snprintf(body, sizeof(body), "{\"error_code\":40403,\"message\":\"a\\nb\\tc");
	memset(body + n, 'x', 1000);
	strcpy(body + n + 1000, "\"}");
	assert_int_equal(parse(404, body, 0), REGISTRY_NOTFOUND);
	memset(want, 0, sizeof(want));
	n = (size_t)snprintf(want, sizeof(want), "schema id 7 not found (40403: a b c");
	memset(want + n, 'x', 155);
	strcat(want, ") at " WHERE);
	assert_string_equal(err, want);
	/* a message of NULs and no message */
	assert_int_equal(parse(500, "{\"error_code\":50001,\"message\":\"\\u0000\"}", 0), REGISTRY_FAIL);
	assert_int_equal(parse(500, "{\"error_code\":50001,\"message\":null}", 0), REGISTRY_FAIL);
	assert_string_equal(err, "registry " WHERE ": 500 Internal Server Error (50001)");
}

static void
small_error_buffers(void **state)
{
	char small[8];

	memset(small, 'z', sizeof(small));
	reganswer_free(&a);
	assert_int_equal(reganswer_parse(200, "[", 1, 0, "schema id 7", WHERE, &a, small,
	    sizeof(small)), REGISTRY_FAIL);
	assert_string_equal(small, "registr");
	reganswer_free(&a);
	assert_int_equal(reganswer_parse(404, "{\"error_code\":40401}", 20, 0, "x", WHERE, &a,
	    NULL, 0), REGISTRY_NOTFOUND);
	reganswer_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_answer),
		cmocka_unit_test(absent_fields_not_needed),
		cmocka_unit_test(references),
		cmocka_unit_test(hostile_200),
		cmocka_unit_test(not_avro),
		cmocka_unit_test(registry_errors),
		cmocka_unit_test(hostile_errors),
		cmocka_unit_test(small_error_buffers),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	reganswer_free(&a);
	return rc;
}
