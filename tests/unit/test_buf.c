#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void
grows_and_keeps_bytes(void **state)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < 100000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= b.len);
	/* doubling from 4096: the capacity is 4096 times a power of two */
	assert_int_equal(b.cap % 4096, 0);
	assert_int_equal((b.cap / 4096) & (b.cap / 4096 - 1), 0);
	for (i = 0; i < b.len; i++)
		if (b.p[i] != (char)('a' + i % 26))
			fail_msg("byte %zu changed in growth", i);
	buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
one_put_larger_than_the_first_block(void **state)
{
	struct buf b = { NULL, 0, 0 };
	char *big = malloc(20000);

	assert_non_null(big);
	memset(big, 'x', 20000);
	buf_puts(&b, "head:");
	buf_put(&b, big, 20000);
	assert_int_equal(b.len, 20005);
	assert_memory_equal(b.p, "head:", 5);
	assert_memory_equal(b.p + 5, big, 20000);
	free(big);
	buf_free(&b);
}

static void
zero_length_put_allocates_nothing(void **state)
{
	struct buf b = { NULL, 0, 0 };

	buf_put(&b, NULL, 0);
	buf_puts(&b, "");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_puts(&b, "a");
	buf_put(&b, NULL, 0);
	assert_int_equal(b.len, 1);
	buf_free(&b);
}

static void
printf_appends_without_counting_the_nul(void **state)
{
	struct buf b = { NULL, 0, 0 };

	buf_printf(&b, "%d-%s", 42, "x");
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.p, "42-x", 4);
	buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 4);
	/* longer than the first block: printf grows the buffer itself */
	buf_printf(&b, "%9000d|", 7);
	assert_int_equal(b.len, 4 + 9000 + 1);
	assert_int_equal(b.p[4 + 8999], '7');
	assert_int_equal(b.p[4 + 9000], '|');
	assert_int_equal(b.p[b.len], '\0');
	buf_free(&b);
}

static void __attribute__((format(printf, 2, 3)))
wrapper(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* What a module's own "fail(ctx, fmt, ...)" does with its message. */
static void
vprintf_serves_a_variadic_wrapper(void **state)
{
	struct buf b = { NULL, 0, 0 };

	wrapper(&b, "field \"%s\": %d", "x", 3);
	assert_int_equal(b.len, 12);
	assert_string_equal(b.p, "field \"x\": 3");
	b.len = 0;
	wrapper(&b, "%6000s", "long");
	assert_int_equal(b.len, 6000);
	assert_string_equal(b.p + 5996, "long");
	buf_free(&b);
}

static void
detach_hands_over_and_empties(void **state)
{
	struct buf b = { NULL, 0, 0 };
	size_t len = 99;
	char *s;

	buf_put(&b, "a\0b", 3);
	s = buf_detach(&b, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "a\0b", 4);	/* NUL-terminated */
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(s);

	/* an empty buffer detaches as "", and len may be NULL */
	s = buf_detach(&b, &len);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	free(s);
	buf_puts(&b, "again");
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "again");
	free(s);
}

static void
room_is_writable_until_committed(void **state)
{
	struct buf b = { NULL, 0, 0 };
	char *p;

	buf_puts(&b, "ab");
	p = buf_room(&b, 5000);
	assert_ptr_equal(p, b.p + 2);
	assert_true(b.cap - b.len >= 5000);
	memcpy(p, "cd", 2);
	assert_int_equal(b.len, 2);	/* room is not content */
	b.len += 2;
	assert_memory_equal(b.p, "abcd", 4);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_and_keeps_bytes),
		cmocka_unit_test(one_put_larger_than_the_first_block),
		cmocka_unit_test(zero_length_put_allocates_nothing),
		cmocka_unit_test(printf_appends_without_counting_the_nul),
		cmocka_unit_test(vprintf_serves_a_variadic_wrapper),
		cmocka_unit_test(detach_hands_over_and_empties),
		cmocka_unit_test(room_is_writable_until_committed),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
