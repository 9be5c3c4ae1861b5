#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jw.h"
#include "utf8.h"

static char *
text(struct buf *w)
{
	buf_putc(w, 0);
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
		struct buf w = {0};

		jw_i64(&w, t[i].v);
		assert_string_equal(text(&w), t[i].s);
		buf_free(&w);
	}
}

static void
shortest_doubles_read_back(void **state)
{
	static const double v[] = { 0.1, 1.0 / 3, 1e300, 5e-324, 2.2250738585072014e-308,
	    123456789012345680.0, -0.0, 1.5 };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct buf w = {0};

		jw_double(&w, v[i]);
		assert_true(strtod(text(&w), NULL) == v[i]);
		assert_true(strlen(w.p) <= 24);
		buf_free(&w);
	}
}

/* The fewest digits, nearest the value, in Python's repr format (the old %.15g..%.17g search failed the first four). */
static void
shortest_nearest_as_python_repr(void **state)
{
	static const struct { uint64_t bits; const char *s; } t[] = {
		{0x0000000000000001ull, "5e-324"},
		{0x000060ce1d3b993full, "5.2587542003786e-310"},
		{0x0060000000000000ull, "7.120236347223045e-307"},
		{0x0100000000000000ull, "7.291122019556398e-304"},
		{0x4350000000000000ull, "1.8014398509481984e+16"},
		{0x7fefffffffffffffull, "1.7976931348623157e+308"},
		{0x3fb999999999999aull, "0.1"},
		{0x3f1a36e2eb1c432dull, "0.0001"},
		{0x3ee4f8b588e368f1ull, "1e-05"},
		{0x4059000000000000ull, "100.0"},
		{0x8000000000000000ull, "-0.0"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf w = {0};
		double d;

		memcpy(&d, &t[i].bits, 8);
		jw_double(&w, d);
		assert_string_equal(text(&w), t[i].s);
		buf_free(&w);
	}
}

static void
floats_shortest(void **state)
{
	static const struct { uint32_t bits; const char *s; } t[] = {
		{0x00000001, "1e-45"}, {0x7f7fffff, "3.4028235e+38"}, {0x3dcccccd, "0.1"},
		{0x5a000000, "9007199000000000.0"}, {0x00800000, "1.1754944e-38"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf w = {0};
		float f;

		memcpy(&f, &t[i].bits, 4);
		jw_float(&w, f);
		assert_string_equal(text(&w), t[i].s);
		buf_free(&w);
	}
}

static void
floats_and_specials(void **state)
{
	struct buf w = {0};

	jw_float(&w, 0.1f);
	buf_putc(&w, ' ');
	jw_float(&w, 16777216.0f);
	buf_putc(&w, ' ');
	jw_double(&w, NAN);
	buf_putc(&w, ' ');
	jw_double(&w, -INFINITY);
	buf_putc(&w, ' ');
	jw_float(&w, INFINITY);
	assert_string_equal(text(&w), "0.1 16777216.0 \"NaN\" \"-Infinity\" \"Infinity\"");
	buf_free(&w);
}

static void
strings_escaped_as_jackson_does(void **state)
{
	struct buf w = {0};
	size_t bad = 0;
	static const unsigned char s[] = "a\"b\\c\n\t\b\f\r\x01\x1f\x7f\xc3\xa9\xf0\x9f\x98\x80";

	assert_int_equal(jw_str(&w, s, sizeof(s) - 1, &bad), 0);
	assert_string_equal(text(&w),
	    "\"a\\\"b\\\\c\\n\\t\\b\\f\\r\\u0001\\u001f\x7f\xc3\xa9\xf0\x9f\x98\x80\"");
	buf_free(&w);
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
		struct buf w = {0};
		size_t bad = 99;

		assert_int_equal(jw_str(&w, (const unsigned char *)t[i].s, strlen(t[i].s), &bad), -1);
		assert_int_equal(bad, t[i].bad);
		assert_int_equal(w.len, 0);
		assert_int_equal(utf8_valid_prefix((const unsigned char *)t[i].s, strlen(t[i].s)), t[i].bad);
		buf_free(&w);
	}
}

static void
bytes_as_code_points(void **state)
{
	struct buf w = {0};
	static const unsigned char b[] = { 0x00, 0x41, 0x7f, 0x80, 0xff, '"' };

	jw_bytes(&w, b, sizeof(b));
	assert_string_equal(text(&w), "\"\\u0000A\x7f\xc2\x80\xc3\xbf\\\"\"");
	buf_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(shortest_doubles_read_back),
		cmocka_unit_test(shortest_nearest_as_python_repr),
		cmocka_unit_test(floats_shortest),
		cmocka_unit_test(floats_and_specials),
		cmocka_unit_test(strings_escaped_as_jackson_does),
		cmocka_unit_test(invalid_utf8_refused_with_offset),
		cmocka_unit_test(bytes_as_code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
