#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <fcntl.h>

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

static const char barrier_in[] = "\0\0\0\3abc" "\xff\xff\xff\xfe\1\2\3\4\5\6\7\x08"
    "\xff\xff\xff\xff" "\xff\xff\xff\xfe\xff\xff\xff\xff\xff\xff\xff\xff" "\0\0\0\2de";

/* The records and barriers of barrier_in, as rs_next returns them. */
static void
check_barrier_in(struct rs_reader *r)
{
	struct rs_rec rec;

	assert_int_equal(rs_next(r, &rec), RS_OK);
	assert_int_equal(rec.len, 3);
	assert_memory_equal(rec.data, "abc", 3);
	assert_int_equal(rec.recno, 1);
	assert_int_equal(rs_next(r, &rec), RS_OK);
	assert_int_equal(rec.len, RS_BARRIER);
	assert_true(rec.barrier == 0x0102030405060708ull);
	assert_int_equal(rec.recno, 1);	/* not a record: the number before it */
	assert_int_equal(rec.off, 7);
	assert_null(rec.stamp);
	assert_int_equal(rs_next(r, &rec), RS_OK);
	assert_int_equal(rec.len, -1);
	assert_int_equal(rec.recno, 2);
	assert_int_equal(rec.off, 19);
	assert_int_equal(rs_next(r, &rec), RS_OK);
	assert_int_equal(rec.len, RS_BARRIER);
	assert_true(rec.barrier == UINT64_MAX);
	assert_int_equal(rec.off, 23);
	assert_int_equal(rs_next(r, &rec), RS_OK);
	assert_int_equal(rec.len, 2);
	assert_memory_equal(rec.data, "de", 2);
	assert_int_equal(rec.recno, 3);
	assert_int_equal(rec.off, 35);
	assert_int_equal(rs_next(r, &rec), RS_EOF);
	assert_int_equal(rs_offset(r), sizeof(barrier_in) - 1);
}

static void
barriers_between_records(void **state)
{
	struct rs_reader r;

	rs_reader_init_mem(&r, barrier_in, sizeof(barrier_in) - 1, 100);
	check_barrier_in(&r);
	rs_reader_free(&r);
}

/*
 * Feeds a pipe before each read(2) of the reader (its refill hook): first
 * bytes, then each bytes a read, then the end of the input.
 */
struct feed {
	int fd;
	const char *p;
	size_t n, done, first, each;
};

static void
feed_piece(void *arg)
{
	struct feed *f = arg;
	size_t want = f->done ? f->each : f->first;
	size_t k = f->n - f->done < want ? f->n - f->done : want;

	if (f->fd < 0)
		return;
	if (k == 0) {
		close(f->fd);
		f->fd = -1;
		return;
	}
	assert_int_equal(write(f->fd, f->p + f->done, k), (ssize_t)k);
	f->done += k;
}

/* A reader of p[0..n) through a pipe: case k < n splits it in two reads at byte k; case n, a byte a read. */
static void
feed_init(struct feed *f, struct rs_reader *r, const char *p, size_t n, size_t k)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	*f = (struct feed){ fds[1], p, n, 0, k < n ? k : 1, k < n ? n : 1 };
	rs_reader_init(r, fds[0], 100);
	r->refill = feed_piece;
	r->refill_arg = f;
}

static void
feed_free(struct feed *f, struct rs_reader *r)
{
	close(r->fd);
	rs_reader_free(r);
	if (f->fd >= 0)
		close(f->fd);
}

/* The stream split into two reads at every byte, then a byte a read. */
static void
barriers_at_every_split(void **state)
{
	size_t n = sizeof(barrier_in) - 1, k;

	for (k = 1; k <= n; k++) {
		struct rs_reader r;
		struct feed f;

		feed_init(&f, &r, barrier_in, n, k);
		check_barrier_in(&r);
		feed_free(&f, &r);
	}
}

/* A barrier across the end of the reader's first 1 MiB block, at each of its 13 places. */
static void
barrier_across_blocks(void **state)
{
	size_t block = (size_t)1 << 20, k;
	unsigned char *big = calloc(1, block);

	assert_non_null(big);
	for (k = 0; k <= RS_BARRIER_SIZE; k++) {
		/* the record's 4 + len bytes end k bytes before the block's end */
		size_t len = block - k - 4;
		unsigned char h[4] = { (unsigned char)(len >> 24), (unsigned char)(len >> 16),
		    (unsigned char)(len >> 8), (unsigned char)len };
		static const unsigned char b[12] = { 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 1, 2 };
		static const unsigned char tail[6] = { 0, 0, 0, 2, 'x', 'y' };
		struct rs_reader r;
		struct rs_rec rec;
		FILE *f = tmpfile();

		assert_non_null(f);
		big[len - 1] = (unsigned char)k;
		fwrite(h, 1, 4, f);
		fwrite(big, 1, len, f);
		fwrite(b, 1, sizeof(b), f);
		fwrite(tail, 1, sizeof(tail), f);
		fflush(f);
		rewind(f);
		rs_reader_init(&r, fileno(f), block);
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, (int32_t)len);
		assert_int_equal(rec.data[len - 1], k);
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, RS_BARRIER);
		assert_true(rec.barrier == 0x0102);
		assert_int_equal(rec.off, block - k);
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, 2);
		assert_memory_equal(rec.data, "xy", 2);
		assert_int_equal(rec.recno, 2);
		assert_int_equal(rs_next(&r, &rec), RS_EOF);
		rs_reader_free(&r);
		fclose(f);
		big[len - 1] = 0;
	}
	free(big);
}

static void
stamped_barriers(void **state)
{
	static const char in[] = "t 0 5 -1 \0\0\0\1x"
	    "\xff\xff\xff\xfe\0\0\0\0\0\0\0\x09"
	    "t 1 6 7 \xff\xff\xff\xff"
	    "\xff\xff\xff\xfe\0\0\0\0\0\0\0\x0a";
	size_t n = sizeof(in) - 1, k;

	/* from a pipe split at every byte, a byte a read, then from memory */
	for (k = 1; k <= n + 1; k++) {
		struct rs_reader r;
		struct rs_rec rec;
		struct feed f = { -1, NULL, 0, 0, 0, 0 };

		if (k == n + 1)
			rs_reader_init_mem(&r, in, n, 100);
		else
			feed_init(&f, &r, in, n, k);
		r.stamped = 1;
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, 1);
		assert_non_null(rec.stamp);
		assert_int_equal(rec.stamp->offset, 5);
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, RS_BARRIER);
		assert_true(rec.barrier == 9);
		assert_null(rec.stamp);
		assert_int_equal(rec.off, 14);
		assert_int_equal(rec.recno, 1);
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, -1);
		assert_int_equal(rec.recno, 2);
		assert_non_null(rec.stamp);
		assert_int_equal(rec.stamp->partition, 1);
		assert_int_equal(rec.stamp->offset, 6);
		assert_int_equal(rs_next(&r, &rec), RS_OK);
		assert_int_equal(rec.len, RS_BARRIER);
		assert_true(rec.barrier == 10);
		assert_null(rec.stamp);
		assert_int_equal(rs_next(&r, &rec), RS_EOF);
		if (k == n + 1)
			rs_reader_free(&r);
		else
			feed_free(&f, &r);
	}
}

static void
expect_bad_stamped(const char *in, size_t n, const char *msg)
{
	struct rs_reader r;
	struct rs_rec rec;
	int st;

	rs_reader_init_mem(&r, in, n, 100);
	r.stamped = 1;
	while ((st = rs_next(&r, &rec)) == RS_OK)
		;
	assert_int_equal(st, RS_BAD);
	assert_string_equal(r.msg, msg);
	rs_reader_free(&r);
}

static void
truncated_barriers(void **state)
{
	static const char b[] = "\0\0\0\1x" "\xff\xff\xff\xfe\0\0\0\0\0\0\0\1";
	size_t k;

	for (k = 5 + 4; k < 5 + RS_BARRIER_SIZE; k++) {
		char msg[100];

		snprintf(msg, sizeof(msg), "record 2 at byte 5: truncated checkpoint "
		    "barrier (%zu of 12 bytes)", k - 5);
		expect_bad(b, k, 100, msg);
	}
	expect_bad("\xff\xff\xff\xfe", 4, 100,
	    "record 1 at byte 0: truncated checkpoint barrier (4 of 12 bytes)");
	expect_bad_stamped("t 0 0 0 \0\0\0\0" "\xff\xff\xff\xfe\0\0", 18,
	    "record 2 at byte 12: truncated checkpoint barrier (6 of 12 bytes)");
	expect_bad_stamped("\xff\xff", 2,
	    "record 1 at byte 0: truncated length (2 of 4 bytes)");
	expect_bad_stamped("t 0 0 0 \xff\xff\xff\xfe\0\0\0\0\0\0\0\1", 20,
	    "record 1 at byte 0: checkpoint barrier (length -2) after a Kafka stamp "
	    "(a barrier has none)");
	expect_bad_stamped("\xff\xff\xff\xff", 4,
	    "record 1 at byte 0: no Kafka stamp (byte 0xff starts a checkpoint "
	    "barrier, but the length is -1, not -2)");
}

/* NDJSON has no barriers: a line of the bytes of one is a line. */
static void
lines_have_no_barriers(void **state)
{
	static const char in[] = "\xff\xff\xff\xfe\0\0\0\0\0\0\0\1\n";
	struct rs_reader r;
	struct rs_rec rec;

	rs_reader_init_mem(&r, in, sizeof(in) - 1, 100);
	r.lines = 1;
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, 12);
	assert_int_equal(rec.recno, 1);
	rs_reader_free(&r);
}

/* rs_put_barrier writes the barrier and flushes what is before it: no rs_flush needed. */
static void
barrier_round_trip(void **state)
{
	struct rs_writer w;
	struct rs_reader r;
	struct rs_rec rec;
	int fds[2];
	char buf[64];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	rs_writer_init(&w, fds[1]);
	rs_put_rec(&w, "hello", 5);
	rs_put_barrier(&w, 0x1122334455667788ull);
	n = read(fds[0], buf, sizeof(buf));
	assert_int_equal(n, 21);
	assert_memory_equal(buf, "\0\0\0\5hello\xff\xff\xff\xfe\x11\x22\x33\x44\x55\x66\x77\x88", 21);
	rs_put_null(&w);
	rs_put_barrier(&w, 0);
	n += read(fds[0], buf + n, sizeof(buf) - (size_t)n);
	assert_int_equal(n, 37);
	rs_writer_free(&w);
	close(fds[1]);
	close(fds[0]);
	rs_reader_init_mem(&r, buf, (size_t)n, 100);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, 5);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, RS_BARRIER);
	assert_true(rec.barrier == 0x1122334455667788ull);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, -1);
	assert_int_equal(rec.recno, 2);
	assert_int_equal(rs_next(&r, &rec), RS_OK);
	assert_int_equal(rec.len, RS_BARRIER);
	assert_true(rec.barrier == 0);
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
		cmocka_unit_test(barriers_between_records),
		cmocka_unit_test(barriers_at_every_split),
		cmocka_unit_test(barrier_across_blocks),
		cmocka_unit_test(stamped_barriers),
		cmocka_unit_test(truncated_barriers),
		cmocka_unit_test(lines_have_no_barriers),
		cmocka_unit_test(barrier_round_trip),
		cmocka_unit_test(sizes),
	};

	return cmocka_run_group_tests_name("rs", tests, NULL, NULL);
}
