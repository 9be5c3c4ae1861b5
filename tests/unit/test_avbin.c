#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "avbin.h"

/* v written as a long, then read back as a long (and as an int when it is one): the same value, every byte used. */
static void
long_round_trip(int64_t v, size_t want_len)
{
	struct buf b = {0};
	const unsigned char *p, *end;
	int64_t got = 0;
	int32_t got32 = 0;

	avbin_put_long(&b, v);
	assert_int_equal(b.len, want_len);
	p = (const unsigned char *)b.p;
	end = p + b.len;
	assert_int_equal(avbin_get_long(&p, end, &got), AVBIN_OK);
	assert_true(got == v);
	assert_ptr_equal(p, end);
	if (v >= INT32_MIN && v <= INT32_MAX) {
		p = (const unsigned char *)b.p;
		assert_int_equal(avbin_get_int(&p, end, &got32), AVBIN_OK);
		assert_int_equal(got32, (int32_t)v);
		assert_ptr_equal(p, end);
	}
	buf_free(&b);
}

static void
round_trips_at_the_limits(void **state)
{
	long_round_trip(0, 1);
	long_round_trip(1, 1);
	long_round_trip(-1, 1);
	long_round_trip(63, 1);
	long_round_trip(-64, 1);
	long_round_trip(64, 2);
	long_round_trip(-65, 2);
	long_round_trip(INT32_MAX, 5);
	long_round_trip(INT32_MIN, 5);
	long_round_trip((int64_t)INT32_MAX + 1, 5);
	long_round_trip((int64_t)INT32_MIN - 1, 5);
	long_round_trip(INT64_MAX, 10);
	long_round_trip(INT64_MIN, 10);
}

static void
zigzag(void **state)
{
	assert_true(avbin_zigzag(0) == 0);
	assert_true(avbin_zigzag(-1) == 1);
	assert_true(avbin_zigzag(1) == 2);
	assert_true(avbin_zigzag(INT64_MAX) == UINT64_MAX - 1);
	assert_true(avbin_zigzag(INT64_MIN) == UINT64_MAX);
	assert_true(avbin_unzigzag(UINT64_MAX) == INT64_MIN);
	assert_int_equal(avbin_unzigzag32(UINT32_MAX), INT32_MIN);
	assert_int_equal(avbin_unzigzag32(UINT32_MAX - 1), INT32_MAX);
}

/* The bytes in s (n of them) read as an int and as a long: the status of each, the read ending at the end or not moving. */
static void
expect(const char *s, size_t n, int want_int, int want_long)
{
	const unsigned char *start = (const unsigned char *)s, *p = start;
	int64_t l;
	int32_t i;

	assert_int_equal(avbin_get_int(&p, start + n, &i), want_int);
	assert_ptr_equal(p, want_int == AVBIN_OK ? start + n : start);
	p = start;
	assert_int_equal(avbin_get_long(&p, start + n, &l), want_long);
	assert_ptr_equal(p, want_long == AVBIN_OK ? start + n : start);
}

static void
refusals(void **state)
{
	/* nothing, and a varint whose last byte still says more follows */
	expect("", 0, AVBIN_TRUNCATED, AVBIN_TRUNCATED);
	expect("\x80", 1, AVBIN_TRUNCATED, AVBIN_TRUNCATED);
	expect("\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9, AVBIN_TRUNCATED, AVBIN_TRUNCATED);
	/* overlong forms of 0 are taken, as Java takes them; an int stops at five bytes */
	expect("\x80\x00", 2, AVBIN_OK, AVBIN_OK);
	expect("\x80\x80\x80\x80\x00", 5, AVBIN_OK, AVBIN_OK);
	expect("\x80\x80\x80\x80\x80\x00", 6, AVBIN_INT_BYTES, AVBIN_OK);
	/* five bytes, but more than 32 bits: 2^32 (zigzag of 2^31) */
	expect("\x80\x80\x80\x80\x10", 5, AVBIN_INT_BITS, AVBIN_OK);
	/* the largest zigzag (INT64_MIN), then a tenth byte above 1, then an eleventh */
	expect("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, AVBIN_INT_BYTES, AVBIN_OK);
	expect("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, AVBIN_LONG_BITS, AVBIN_LONG_BITS);
	expect("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00", 11, AVBIN_LONG_BITS, AVBIN_LONG_BITS);
}

/* 1 written in six bytes: a long may take them, an int may not (Java: "Invalid int encoding"). */
static void
six_byte_int_refused(void **state)
{
	static const unsigned char one[] = {0x82, 0x80, 0x80, 0x80, 0x80, 0x00};
	const unsigned char *p = one;
	int64_t l;
	int32_t i;

	assert_int_equal(avbin_get_int(&p, one + 6, &i), AVBIN_INT_BYTES);
	assert_ptr_equal(p, one);
	assert_int_equal(avbin_get_long(&p, one + 6, &l), AVBIN_OK);
	assert_true(l == 1);
	assert_ptr_equal(p, one + 6);
}

static void
floats_little_endian(void **state)
{
	struct buf b = {0};

	avbin_put_float(&b, 1.0f);
	avbin_put_double(&b, -2.5);
	assert_int_equal(b.len, 12);
	assert_memory_equal(b.p, "\x00\x00\x80\x3f" "\x00\x00\x00\x00\x00\x00\x04\xc0", 12);
	assert_true(avbin_float((const unsigned char *)b.p) == 1.0f);
	assert_true(avbin_double((const unsigned char *)b.p + 4) == -2.5);
	b.len = 0;
	avbin_put_double(&b, NAN);
	assert_true(isnan(avbin_double((const unsigned char *)b.p)));
	buf_free(&b);
}

static void
code_points(void **state)
{
	struct buf b = {0};

	assert_int_equal(avbin_code_points("", 0, &b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(avbin_code_points("a\xc3\xbf\xc2\x80\x00", 6, &b), 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p, "a\xff\x80\x00", 4);
	/* U+0100 and above have no byte: refused, the buffer as it was */
	assert_int_equal(avbin_code_points("x\xc4\x80", 3, &b), -1);
	assert_int_equal(b.len, 4);
	assert_int_equal(avbin_code_points("\xe2\x82\xac", 3, &b), -1);
	assert_int_equal(b.len, 4);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips_at_the_limits),
		cmocka_unit_test(zigzag),
		cmocka_unit_test(refusals),
		cmocka_unit_test(six_byte_int_refused),
		cmocka_unit_test(floats_little_endian),
		cmocka_unit_test(code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
