#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jw.h"

static char *
text(struct jw *w)
{
	jw_putc(w, 0);
	return w->p;
}

static void
integers(void **state)
{
	static const struct { int64_t v; const char *s; } t[] = {
		{0, "0"}, {-1, "-1"}, {42, "42"},
		{INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct jw w = {0};

		jw_i64(&w, t[i].v);
		assert_string_equal(text(&w), t[i].s);
		jw_free(&w);
	}
}

static void
shortest_doubles_read_back(void **state)
{
	static const double v[] = { 0.1, 1.0 / 3, 1e300, 5e-324, 2.2250738585072014e-308,
	    123456789012345680.0, -0.0, 1.5 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct jw w = {0};

		jw_double(&w, v[i]);
		assert_true(strtod(text(&w), NULL) == v[i]);
		assert_true(strlen(w.p) <= 24);
		jw_free(&w);
	}
}

static void
floats_and_specials(void **state)
{
	struct jw w = {0};

	jw_float(&w, 0.1f);
	jw_putc(&w, ' ');
	jw_float(&w, 16777216.0f);
	jw_putc(&w, ' ');
	jw_double(&w, NAN);
	jw_putc(&w, ' ');
	jw_double(&w, -INFINITY);
	jw_putc(&w, ' ');
	jw_float(&w, INFINITY);
	assert_string_equal(text(&w), "0.1 16777216.0 \"NaN\" \"-Infinity\" \"Infinity\"");
	jw_free(&w);
}

static void
strings_escaped_as_jackson_does(void **state)
{
	struct jw w = {0};
	size_t bad = 0;
	static const unsigned char s[] = "a\"b\\c\n\t\b\f\r\x01\x1f\x7f\xc3\xa9\xf0\x9f\x98\x80";

	assert_int_equal(jw_str(&w, s, sizeof(s) - 1, &bad), 0);
	assert_string_equal(text(&w),
	    "\"a\\\"b\\\\c\\n\\t\\b\\f\\r\\u0001\\u001f\x7f\xc3\xa9\xf0\x9f\x98\x80\"");
	jw_free(&w);
}

static void
invalid_utf8_refused_with_offset(void **state)
{
	static const struct { const char *s; size_t bad; } t[] = {
		{"ab\xff", 2}, {"\xc0\xaf", 0}, {"x\xe0\x80\x80", 1}, {"\xed\xa0\x80", 0},
		{"ok\xf4\x90\x80\x80", 2}, {"\xc3", 0}, {"\xe2\x82", 0}, {"\x80", 0},
		{"\xf8\x88\x80\x80\x80", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct jw w = {0};
		size_t bad = 99;

		assert_int_equal(jw_str(&w, (const unsigned char *)t[i].s, strlen(t[i].s), &bad), -1);
		assert_int_equal(bad, t[i].bad);
		assert_int_equal(w.len, 0);
		assert_int_equal(utf8_valid_prefix((const unsigned char *)t[i].s, strlen(t[i].s)), t[i].bad);
		jw_free(&w);
	}
}

static void
bytes_as_code_points(void **state)
{
	struct jw w = {0};
	static const unsigned char b[] = { 0x00, 0x41, 0x7f, 0x80, 0xff, '"' };

	jw_bytes(&w, b, sizeof(b));
	assert_string_equal(text(&w), "\"\\u0000A\x7f\xc2\x80\xc3\xbf\\\"\"");
	jw_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(shortest_doubles_read_back),
		cmocka_unit_test(floats_and_specials),
		cmocka_unit_test(strings_escaped_as_jackson_does),
		cmocka_unit_test(invalid_utf8_refused_with_offset),
		cmocka_unit_test(bytes_as_code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
