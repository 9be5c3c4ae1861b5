#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "regprops.h"

static void
parse_ok(const char *text, struct regprops *p)
{
	char err[256] = "";

	if (regprops_parse("c.properties", text, strlen(text), p, err, sizeof(err)))
		fail_msg("refused: %s", err);
}

static void
parse_bad(const char *text, size_t len, const char *msg)
{
	struct regprops p;
	char err[256] = "";

	assert_int_equal(regprops_parse("c.properties", text, len, &p, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_null(p.url);
	assert_null(p.user_info);
	assert_null(p.token);
}

/* a literal's bytes, NULs included */
#define BAD(text, msg) parse_bad(text, sizeof(text) - 1, msg)

/* Java's three separators, whitespace around them, comments, CR LF ends */
static void
separators_and_comments(void **state)
{
	struct regprops p;

	parse_ok("# comment\n! comment too\n\n  schema.registry.url = http://a:1\r\n"
	    "schema.registry.ssl.ca.location:/ca.pem\n"
	    "schema.registry.ssl.certificate.location\t/c.pem\n"
	    "schema.registry.ssl.key.location=\n", &p);
	assert_string_equal(p.url, "http://a:1");
	assert_string_equal(p.ca, "/ca.pem");
	assert_string_equal(p.cert, "/c.pem");
	assert_null(p.key);	/* empty: not set */
	regprops_free(&p);
}

/* a trailing backslash joins the next line, its leading blanks dropped; an escaped one does not */
static void
continuations_and_escapes(void **state)
{
	struct regprops p;

	parse_ok("bearer.auth.token=abc\\\n    def\\\n# not a comment here\n"
	    "schema.registry.url=http://x/\\\\\n"
	    "schema.registry.ssl.ca.location=/a\\u00e9\\u20ac\\:b\\=c\\ d\n", &p);
	assert_string_equal(p.token, "abcdef# not a comment here");
	assert_string_equal(p.token_key, "bearer.auth.token");
	assert_string_equal(p.url, "http://x/\\");
	assert_string_equal(p.ca, "/a\xc3\xa9\xe2\x82\xac:b=c d");
	regprops_free(&p);
	parse_ok("schema.registry.url=http://end\\", &p);	/* a continuation at the end */
	assert_string_equal(p.url, "http://end");
	regprops_free(&p);
}

/* the last value of a key wins, as in Java; the other keys are ignored */
static void
last_wins_others_ignored(void **state)
{
	struct regprops p;

	parse_ok("schema.registry.url=http://first\nbootstrap.servers=k:9092\n"
	    "ssl.truststore.location=/kafka.jks\nsasl.jaas.config=x y z\n"
	    "schema.registry.url=http://second\n"
	    "schema.registry.basic.auth.user.info=u:p:w\n", &p);
	assert_string_equal(p.url, "http://second");
	assert_string_equal(p.user_info, "u:p:w");
	assert_string_equal(p.user_key, "schema.registry.basic.auth.user.info");
	assert_null(p.ca);
	regprops_free(&p);
	/* .NET's names */
	parse_ok("schema.registry.bearer.auth.credentials.source=STATIC_TOKEN\n"
	    "schema.registry.bearer.auth.token=t0k\n"
	    "schema.registry.enable.ssl.certificate.verification=true\n", &p);
	assert_string_equal(p.token, "t0k");
	assert_string_equal(p.token_key, "schema.registry.bearer.auth.token");
	regprops_free(&p);
}

static void
pem_stores(void **state)
{
	struct regprops p;

	parse_ok("schema.registry.ssl.truststore.location=/t.pem\n"
	    "schema.registry.ssl.truststore.type=pem\n"
	    "schema.registry.ssl.keystore.location=/k.pem\n"
	    "schema.registry.ssl.keystore.type=PEM\n"
	    "schema.registry.ssl.truststore.password=ignored\n", &p);
	assert_string_equal(p.ca, "/t.pem");
	assert_string_equal(p.cert, "/k.pem");
	assert_null(p.key);
	regprops_free(&p);
	parse_ok("schema.registry.ssl.ca.location=/ca.pem\n"
	    "schema.registry.ssl.truststore.location=/t.pem\n"
	    "schema.registry.ssl.truststore.type=PEM\n", &p);
	assert_string_equal(p.ca, "/ca.pem");	/* ca.location first */
	regprops_free(&p);
}

static void
refusals(void **state)
{
	BAD("a=1\nlonely\n", "c.properties:2: expected key=value");
	BAD("a=1\nx=\\u12\n", "c.properties:2: malformed \\uXXXX escape");
	BAD("bearer.auth.token=a\\\n  b\\rc\n",
	    "c.properties:1: bearer.auth.token contains CR, LF or NUL");
	BAD("basic.auth.user.info=u:p\\nX\n",
	    "c.properties:1: basic.auth.user.info contains CR, LF or NUL");
	BAD("bearer.auth.token=a\0b\n",
	    "c.properties:1: bearer.auth.token contains CR, LF or NUL");
	BAD("k\0ey=v\n", "c.properties:1: NUL in a key");
	BAD("schema.registry.url=h\\u0000\n",
	    "c.properties:1: schema.registry.url contains NUL");
	BAD("schema.registry.ssl.keystore.location=/k.p12\n"
	    "schema.registry.ssl.keystore.type=PKCS12\n",
	    "c.properties: schema.registry.ssl.keystore.location: only a PEM store is read "
	    "(schema.registry.ssl.keystore.type=PEM), not PKCS12");
	BAD("basic.auth.credentials.source=URL\n",
	    "c.properties: basic.auth.credentials.source=URL: only USER_INFO is supported");
	BAD("bearer.auth.credentials.source=STATIC_TOKEN\n",
	    "c.properties: bearer.auth.credentials.source=STATIC_TOKEN needs bearer.auth.token");
	BAD("a=b\nschema.registry.enable.ssl.certificate.verification=false\n",
	    "c.properties:2: schema.registry.enable.ssl.certificate.verification: "
	    "certificates are always checked (only true is accepted)");
	BAD("schema.registry.basic.auth.credentials.source=SASL_INHERIT\n",
	    "c.properties: basic.auth.credentials.source=SASL_INHERIT: only USER_INFO is supported");
	BAD("schema.registry.ssl.endpoint.identification.algorithm=none\n",
	    "c.properties:1: schema.registry.ssl.endpoint.identification.algorithm: "
	    "host names are always checked (only https is accepted)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(separators_and_comments),
		cmocka_unit_test(continuations_and_escapes),
		cmocka_unit_test(last_wins_others_ignored),
		cmocka_unit_test(pem_stores),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests_name("regprops", tests, NULL, NULL);
}
