#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "be.h"

static void
round_trip(void **state)
{
	static const uint32_t v[] = { 0, 1, 0xff, 0x100, 0x12345678, 0x7fffffff,
	    0x80000000, 0xfffffffe, 0xffffffff };
	unsigned char b[4];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		be32_put(b, v[i]);
		assert_int_equal(be32_get(b), v[i]);
	}
}

static void
byte_order_is_big_endian(void **state)
{
	unsigned char b[4];

	be32_put(b, 0x01020304);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], 2);
	assert_int_equal(b[2], 3);
	assert_int_equal(b[3], 4);
}

static void
signed_values(void **state)
{
	static const unsigned char m1[4] = { 0xff, 0xff, 0xff, 0xff };
	static const unsigned char m2[4] = { 0xff, 0xff, 0xff, 0xfe };
	static const unsigned char min[4] = { 0x80, 0, 0, 0 };
	static const unsigned char max[4] = { 0x7f, 0xff, 0xff, 0xff };

	assert_int_equal(be32_get_signed(m1), -1);
	assert_int_equal(be32_get_signed(m2), -2);
	assert_true(be32_get_signed(min) == INT32_MIN);
	assert_true(be32_get_signed(max) == INT32_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(byte_order_is_big_endian),
		cmocka_unit_test(signed_values),
	};

	return cmocka_run_group_tests_name("be", tests, NULL, NULL);
}
