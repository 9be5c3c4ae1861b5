#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rs.h"

static int
next_mem(const char *p, size_t n, size_t max, struct rs_reader *r, struct rs_rec *rec)
{
	rs_reader_init_mem(r, p, n, max);
	return rs_next(r, rec);
}

static void
empty_input_is_clean_eof(void **state)
{
	struct rs_reader r;
	struct rs_rec rec;

	assert_int_equal(next_mem("", 0, 100, &r, &rec), RS_EOF);
	rs_reader_free(&r);
}

static void
records_null_and_empty(void **state)
{
	static const char in[] = "\0\0\0\3abc" "\xff\xff\xff\xff" "\0\0\0\0";
	struct rs_reader r;
	struct rs_rec rec;

	assert_int_equal(next_mem(in, sizeof(in) - 1, 100, &r, &rec), RS_OK);
	assert_int_equal(rec.len, 3);
	assert_memory_equal(rec.data, "abc", 3);
	assert_int_equal(rec.recno, 1);
	assert_int_equal(rec.off, 0);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, -1);
	assert_int_equal(rec.recno, 2);
	assert_int_equal(rec.off, 7);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, 0);
	assert_int_equal(rec.off, 11);
	assert_int_equal(rs_next(&r, &rec), RS_EOF);
	assert_int_equal(rs_offset(&r), 15);
	rs_reader_free(&r);
}

static void
expect_bad(const char *in, size_t n, size_t max, const char *msg)
{
	struct rs_reader r;
	struct rs_rec rec;
	int st;

	rs_reader_init_mem(&r, in, n, max);
	while ((st = rs_next(&r, &rec)) == RS_OK)
		;
	assert_int_equal(st, RS_BAD);
	assert_string_equal(r.msg, msg);
	rs_reader_free(&r);
}

static void
truncated_length(void **state)
{
	expect_bad("\0\0\0\1x\0\0", 7, 100,
	    "record 2 at byte 5: truncated length (2 of 4 bytes)");
}

static void
truncated_payload(void **state)
{
	expect_bad("\0\0\0\5abc", 7, 100,
	    "record 1 at byte 0: truncated payload (3 of 5 bytes)");
}

static void
impossible_lengths(void **state)
{
	expect_bad("\xff\xff\xff\xfd", 4, 100,
	    "record 1 at byte 0: impossible length -3 (maximum 100)");
	expect_bad("\x80\0\0\0", 4, 100,
	    "record 1 at byte 0: impossible length -2147483648 (maximum 100)");
	expect_bad("\x7f\xff\xff\xff", 4, 100,
	    "record 1 at byte 0: impossible length 2147483647 (maximum 100)");
	expect_bad("\0\0\0\x65", 4, 100,
	    "record 1 at byte 0: impossible length 101 (maximum 100)");
}

static void
record_at_maximum_is_accepted(void **state)
{
	char in[4 + 100] = { 0, 0, 0, 100 };
	struct rs_reader r;
	struct rs_rec rec;

	assert_int_equal(next_mem(in, sizeof(in), 100, &r, &rec), RS_OK);
	assert_int_equal(rec.len, 100);
	rs_reader_free(&r);
}

/* A pipe delivers a byte at a time; records larger than the buffer grow it. */
static void
reads_across_refills(void **state)
{
	size_t big = (3u << 20) + 7, i;
	unsigned char *payload = malloc(big);
	struct rs_reader r;
	struct rs_rec rec;
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_non_null(payload);
	for (i = 0; i < big; i++)
		payload[i] = (unsigned char)(i * 7);
	for (i = 0; i < 3; i++) {
		unsigned char h[4] = { (unsigned char)(big >> 24), (unsigned char)(big >> 16),
		    (unsigned char)(big >> 8), (unsigned char)big };
		fwrite(h, 1, 4, f);
		fwrite(payload, 1, big, f);
	}
	fflush(f);
	rewind(f);
	rs_reader_init(&r, fileno(f), 4u << 20);
	for (i = 0; i < 3; i++) {
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, (int32_t)big);
		assert_int_equal(rec.off, i * (big + 4));
		assert_memory_equal(rec.data, payload, big);
	}
	assert_int_equal(rs_next(&r, &rec), RS_EOF);
	rs_reader_free(&r);
	fclose(f);
	free(payload);
}

static void
writer_round_trip(void **state)
{
	struct rs_writer w;
	struct rs_reader r;
	struct rs_rec rec;
	int fds[2];
	char buf[64];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	rs_writer_init(&w, fds[1]);
	rs_put_rec(&w, "hello", 5);
	rs_put_null(&w);
	rs_put_rec(&w, "", 0);
	rs_flush(&w);
	rs_writer_free(&w);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf));
	close(fds[0]);
	assert_int_equal(n, 17);
	assert_memory_equal(buf, "\0\0\0\5hello\xff\xff\xff\xff\0\0\0\0", 17);
	rs_reader_init_mem(&r, buf, (size_t)n, 100);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, 5);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, -1);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, 0);
	assert_int_equal(rs_next(&r, &rec), RS_EOF);
	rs_reader_free(&r);
}

static void
sizes(void **state)
{
	size_t v;

	assert_int_equal(rs_parse_size("1048576", &v), 0);
	assert_int_equal(v, 1048576);
	assert_int_equal(rs_parse_size("64M", &v), 0);
	assert_int_equal(v, 64u << 20);
	assert_int_equal(rs_parse_size("512k", &v), 0);
	assert_int_equal(v, 512u << 10);
	assert_int_equal(rs_parse_size("1G", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(rs_parse_size("2G", &v), -1);
	assert_int_equal(rs_parse_size("-1", &v), -1);
	assert_int_equal(rs_parse_size("12x", &v), -1);
	assert_int_equal(rs_parse_size("", &v), -1);
	assert_int_equal(rs_parse_size("99999999999999999999999", &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_input_is_clean_eof),
		cmocka_unit_test(records_null_and_empty),
		cmocka_unit_test(truncated_length),
		cmocka_unit_test(truncated_payload),
		cmocka_unit_test(impossible_lengths),
		cmocka_unit_test(record_at_maximum_is_accepted),
		cmocka_unit_test(reads_across_refills),
		cmocka_unit_test(writer_round_trip),
		cmocka_unit_test(sizes),
	};

	return cmocka_run_group_tests_name("rs", tests, NULL, NULL);
}
