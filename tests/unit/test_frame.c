#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"

static void
parse_frames(void **state)
{
	struct frame f;

	assert_int_equal(frame_parse((const unsigned char *)"\0\0\0\1\2xy", 7, &f), FRAME_OK);
	assert_int_equal(f.id, 258);
	assert_int_equal(f.len, 2);
	assert_memory_equal(f.body, "xy", 2);
	assert_int_equal(frame_parse((const unsigned char *)"\0\0\0\0\7", 5, &f), FRAME_OK);
	assert_int_equal(f.len, 0);
	assert_int_equal(frame_parse((const unsigned char *)"\0\0\0\1", 4, &f), FRAME_SHORT);
	assert_int_equal(frame_parse((const unsigned char *)"", 0, &f), FRAME_SHORT);
	assert_int_equal(frame_parse((const unsigned char *)"\1\0\0\0\1", 5, &f), FRAME_BADMAGIC);
}

static void
delim_ok(const char *spec, const char *bytes, size_t n)
{
	struct frame_delim d;
	char err[128];

	assert_int_equal(frame_delim_parse(spec, &d, err, sizeof(err)), 0);
	assert_int_equal(d.len, n);
	assert_memory_equal(d.b, bytes, n);
}

static void
delim_bad(const char *spec, const char *msg)
{
	struct frame_delim d;
	char err[128];

	assert_int_equal(frame_delim_parse(spec, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, msg));
}

static void
delimiter_syntax_is_kcats(void **state)
{
	delim_ok("\\xfe\\xfd\\xfc\\xfb\\xfa\\xf9\\xf8\\xf7",
	    "\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7", 8);
	delim_ok("\\n", "\n", 1);
	delim_ok("\\t\\n\\n", "\t\n\n", 3);
	delim_ok("\\x54!\\x45\\x53T", "T!EST", 5);
	delim_ok("\\x30", "0", 1);
	delim_ok("a\\b", "a\\b", 3);
	delim_ok("\\XFE", "\\XFE", 4);
	delim_bad("", "empty");
	delim_bad("\\x00", "NUL");
	delim_bad("\\xf", "two hex digits");
	delim_bad("\\xfeab", "ambiguous");
}

static long
find(const char *delim, const char *frame)
{
	struct frame_delim d;
	char err[128];

	assert_int_equal(frame_delim_parse(delim, &d, err, sizeof(err)), 0);
	return frame_delim_find(&d, (const unsigned char *)frame, strlen(frame));
}

static void
collisions_are_found(void **state)
{
	assert_int_equal(find("XY", "abc"), -1);
	assert_int_equal(find("XY", "aXYb"), 1);
	assert_int_equal(find("XY", "XY"), 0);
	assert_int_equal(find("XY", "abX"), -1);	/* "abX" "XY": first XY at 3 */
	/* "xab" then "aba": a reader would see "aba" at 1 and cut the frame */
	assert_int_equal(find("aba", "xab"), 1);
	assert_int_equal(find("aba", "xa"), -1);	/* "xa" "aba": "aab" no, "aba" at 2 */
	assert_int_equal(find("aab", "xa"), -1);
	assert_int_equal(find("aaa", "xaa"), 1);
	assert_int_equal(find("aaa", "xa"), 1);
}

static void
stats_count_per_id(void **state)
{
	struct frame_stats s = { NULL, 0, 0 };
	struct frame_stat *v;
	uint32_t i;

	for (i = 0; i < 1000; i++)
		frame_stats_add(&s, (i * 37) % 100, i);
	assert_int_equal(s.used, 100);
	v = frame_stats_sorted(&s);
	for (i = 0; i < 100; i++) {
		assert_int_equal(v[i].id, i);
		assert_int_equal(v[i].recs, 10);
	}
	free(v);
	frame_stats_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_frames),
		cmocka_unit_test(delimiter_syntax_is_kcats),
		cmocka_unit_test(collisions_are_found),
		cmocka_unit_test(stats_count_per_id),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
