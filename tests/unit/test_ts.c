#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ts.h"

static int
parse(const char *s, int64_t unit, int local, int truncate, int64_t *v)
{
	const char *why = NULL;
	int rc = ts_parse(s, strlen(s), unit, local, truncate, v, &why);

	/* a reason comes with -3 and only with it */
	if (rc == -3)
		assert_non_null(why);
	else
		assert_null(why);
	return rc;
}

static void
timestamps(void **state)
{
	int64_t v;

	assert_int_equal(parse("1970-01-01T00:00:00Z", 1000, 0, 0, &v), 0);
	assert_true(v == 0);
	assert_int_equal(parse("2026-11-23T10:00:01.123Z", 1000, 0, 0, &v), 0);
	assert_true(v == 1795428001123LL);
	assert_int_equal(parse("2026-11-23 12:00:01.123+02:00", 1000, 0, 0, &v), 0);
	assert_true(v == 1795428001123LL);
	assert_int_equal(parse("1969-12-31T23:59:59.999999Z", 1000000, 0, 0, &v), 0);
	assert_true(v == -1);
	/* local: no zone allowed */
	assert_int_equal(parse("2026-11-23T10:00:01", 1000, 1, 0, &v), 0);
	assert_true(v == 1795428001000LL);
	assert_int_equal(parse("2026-11-23T10:00:01Z", 1000, 1, 0, &v), -1);
	/* more fraction than the unit holds: -2, or dropped when truncating */
	assert_int_equal(parse("1970-01-01T00:00:00.0015Z", 1000, 0, 0, &v), -2);
	assert_int_equal(parse("1970-01-01T00:00:00.0015Z", 1000, 0, 1, &v), 0);
	assert_true(v == 1);
	/* the ends of int64 nanoseconds, and one past */
	assert_int_equal(parse("2262-04-11T23:47:16.854775807Z", 1000000000, 0, 0, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse("2262-04-11T23:47:16.854775808Z", 1000000000, 0, 0, &v), -1);
	assert_int_equal(parse("1677-09-21T00:12:43.145224192Z", 1000000000, 0, 0, &v), 0);
	assert_true(v == INT64_MIN);
	/* not the shape */
	assert_int_equal(parse("2026-11-23", 1000, 0, 0, &v), -1);
	assert_int_equal(parse("2026-11-23T10:00Z", 1000, 0, 0, &v), -1);
	assert_int_equal(parse("2026-11-23T10:00:00.Z", 1000, 0, 0, &v), -1);
	assert_int_equal(parse("2026-11-23T10:00:00+02:00x", 1000, 0, 0, &v), -1);
}

static void
impossible(void **state)
{
	static const char *bad[] = {
		"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-00T00:00:00Z",
		"2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z",
		"2026-01-01T00:00:00+18:01", "2026-01-01T00:00:00+01:60",
	};
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], 1000, 0, 0, &v), -3);
	/* leap years: 2000 and year 0 are, 1900 is not */
	assert_int_equal(parse("2000-02-29T00:00:00Z", 1000, 0, 0, &v), 0);
	assert_int_equal(parse("0000-02-29T00:00:00Z", 1000, 0, 0, &v), 0);
	assert_int_equal(parse("2026-01-01T00:00:00-18:00", 1000, 0, 0, &v), 0);
}

static void
dates_both_ways(void **state)
{
	static const struct { const char *s; int64_t days; } t[] = {
		{"1970-01-01", 0}, {"1969-12-31", -1}, {"2000-03-01", 11017},
		{"0000-01-01", -719528}, {"-0001-12-31", -719529}, {"+10000-01-01", 2932897},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *p = t[i].s, *why = NULL;
		int64_t days;
		char s[40];

		assert_int_equal(ts_parse_date(&p, t[i].s + strlen(t[i].s), &days, &why), 0);
		assert_true(days == t[i].days);
		assert_ptr_equal(p, t[i].s + strlen(t[i].s));
		assert_int_equal(ts_format_date(s, sizeof(s), t[i].days), (int)strlen(t[i].s));
		assert_string_equal(s, t[i].s);
	}
}

static void
times_of_day(void **state)
{
	const char *s = "23:59:59.999999", *p = s, *why = NULL;
	int64_t v;

	assert_int_equal(ts_parse_time(&p, s + strlen(s), 1000000, 0, &v, &why), 0);
	assert_true(v == 86400LL * 1000000 - 1);
	p = s;
	assert_int_equal(ts_parse_time(&p, s + strlen(s), 1000, 0, &v, &why), -2);
	s = "24:00:00";
	p = s;
	assert_int_equal(ts_parse_time(&p, s + strlen(s), 1000, 0, &v, &why), -3);
	assert_non_null(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timestamps),
		cmocka_unit_test(impossible),
		cmocka_unit_test(dates_both_ways),
		cmocka_unit_test(times_of_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
