#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"

static void
escaped(const char *in, const char *want)
{
	char *out = http_escape(in);

	assert_string_equal(out, want);
	free(out);
}

static void
escape_all_but_unreserved(void **state)
{
	escaped("", "");
	escaped("wiki-value", "wiki-value");
	escaped("A.z_0~-", "A.z_0~-");
	escaped("a/b c%.x", "a%2Fb%20c%25.x");
	escaped("?#&=+:@", "%3F%23%26%3D%2B%3A%40");
	escaped("\x01\x7f", "%01%7F");
	escaped("\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9");
	escaped("..", "..");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_all_but_unreserved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
