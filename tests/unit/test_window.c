/*
 * The window engine driven directly, as the job will drive it: records fed
 * one by one, the watermark advanced, rows collected from the emit
 * callback, the state saved and loaded in memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "window.h"

#define W(s, e) "{\"window\":{\"start\":\"1970-01-01 00:00:" s "\",\"end\":\"1970-01-01 00:00:" e "\"}"

/* The emit callback: each row a line of the buffer. */
static void
collect(void *arg, const struct window_row *r)
{
	struct buf *o = arg;

	buf_put(o, r->json, r->len);
	buf_putc(o, '\n');
}

/* What was collected since the last call, as a string (empty: ""). */
static const char *
rows(struct buf *o)
{
	static char *last;

	free(last);
	last = buf_detach(o, NULL);
	return last;
}

/* A config for event time t, its rows collected in out; options added by the test. */
static struct window_config
config(struct buf *out)
{
	struct window_config c = {.emit = collect, .emit_arg = out};

	assert_int_equal(wa_path_parse("t", &c.time), 0);
	return c;
}

static struct window_engine *
engine(struct window_config *c)
{
	char err[256] = "";
	struct window_engine *w = window_new(c, err, sizeof(err));

	if (!w)
		fail_msg("window_new: %s", err);
	return w;
}

static enum window_fed
feed(struct window_engine *w, const char *json)
{
	return window_feed(w, json, strlen(json));
}

/*
 * Each line of in fed, the watermark advanced after each one taken (as
 * winagg without batching); how many were late.
 */
static int
feed_each(struct window_engine *w, const char *in)
{
	int late = 0;

	while (*in) {
		const char *nl = strchr(in, '\n');
		size_t n = nl ? (size_t)(nl - in) : strlen(in);
		enum window_fed fed = window_feed(w, in, n);

		late += fed == WINDOW_LATE;
		if ((fed == WINDOW_TAKEN || fed == WINDOW_LATE) &&
		    window_get_config(w)->batching == WINDOW_EACH_RECORD)
			assert_int_equal(window_advance(w), 0);
		in += nl ? n + 1 : n;
	}
	return late;
}

static void
tumbling_rows_when_the_watermark_passes(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	w = engine(&c);
	feed_each(w, "{\"t\":1}\n{\"t\":5}\n");
	assert_string_equal(rows(&out), "");
	feed_each(w, "{\"t\":12}\n");
	assert_string_equal(rows(&out), W("00", "10") ",\"count\":2}\n");
	feed_each(w, "{\"t\":25}\n");
	assert_string_equal(rows(&out), W("10", "20") ",\"count\":1}\n");
	assert_int_equal(window_get_config(w)->at_eof, WINDOW_FLUSH);
	window_flush(w);
	assert_string_equal(rows(&out), W("20", "30") ",\"count\":1}\n");
	assert_int_equal(window_stats(w)->read, 4);
	assert_int_equal(window_stats(w)->rows, 3);
	window_free(w);
}

static void
sliding_windows_in_order_of_end(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	c.slide = 5000000;
	c.delay = 100000000;
	assert_int_equal(window_add_group(&c, "g"), 0);
	w = engine(&c);
	feed_each(w, "{\"t\":7,\"g\":\"x\"}\n{\"t\":8,\"g\":\"a\"}\n{\"t\":3}\n");
	assert_string_equal(rows(&out), "");
	window_flush(w);
	assert_string_equal(rows(&out),
	    "{\"window\":{\"start\":\"1969-12-31 23:59:55\",\"end\":\"1970-01-01 00:00:05\"},\"g\":null,\"count\":1}\n"
	    W("00", "10") ",\"g\":\"a\",\"count\":1}\n"
	    W("00", "10") ",\"g\":\"x\",\"count\":1}\n"
	    W("00", "10") ",\"g\":null,\"count\":1}\n"
	    W("05", "15") ",\"g\":\"a\",\"count\":1}\n"
	    W("05", "15") ",\"g\":\"x\",\"count\":1}\n");
	window_free(w);
}

static void
update_mode_rows_as_they_change(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	c.delay = 5000000;
	c.mode = WINDOW_UPDATE;
	w = engine(&c);
	assert_int_equal(feed_each(w, "{\"t\":1}\n{\"t\":3}\n{\"t\":12}\n{\"t\":2}\n{\"t\":16}\n{\"t\":4}\n"), 1);
	assert_string_equal(rows(&out),
	    W("00", "10") ",\"count\":1}\n"
	    W("00", "10") ",\"count\":2}\n"
	    W("10", "20") ",\"count\":1}\n"
	    W("00", "10") ",\"count\":3}\n"
	    W("10", "20") ",\"count\":2}\n");
	window_flush(w);	/* their rows are out already */
	assert_string_equal(rows(&out), "");
	assert_int_equal(window_stats(w)->late, 1);
	window_free(w);
}

static void
late_rows_are_dropped_and_counted(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	c.delay = 10000000;
	w = engine(&c);
	feed_each(w, "{\"t\":15}\n{\"t\":3}\n{\"t\":22}\n");
	assert_string_equal(rows(&out), W("00", "10") ",\"count\":1}\n");
	/* 14 s behind the highest time: its window ended at the watermark */
	assert_int_equal(feed(w, "{\"t\":8}"), WINDOW_LATE);
	assert_int_equal(window_advance(w), 0);
	feed_each(w, "{\"t\":18}\n{\"t\":31}\n");
	window_flush(w);
	assert_string_equal(rows(&out),
	    W("10", "20") ",\"count\":2}\n" W("20", "30") ",\"count\":1}\n" W("30", "40") ",\"count\":1}\n");
	assert_int_equal(window_stats(w)->late, 1);
	window_free(w);
}

static void
sessions_merge_when_they_touch(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.gap = 10000000;
	c.delay = 100000000;
	w = engine(&c);
	feed_each(w, "{\"t\":0}\n{\"t\":20}\n{\"t\":45}\n");
	feed_each(w, "{\"t\":10}\n");	/* touches [0,10) and [20,30): one session */
	window_flush(w);
	assert_string_equal(rows(&out), W("00", "30") ",\"count\":3}\n" W("45", "55") ",\"count\":1}\n");
	window_free(w);
}

static void
micro_batch_moves_the_watermark_once(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	c.batching = WINDOW_MICRO_BATCH;
	w = engine(&c);
	/* late against the watermark the batch started with (0), not 12 */
	assert_int_equal(feed(w, "{\"t\":1}"), WINDOW_TAKEN);
	assert_int_equal(feed(w, "{\"t\":12}"), WINDOW_TAKEN);
	assert_int_equal(feed(w, "{\"t\":5}"), WINDOW_TAKEN);
	assert_string_equal(rows(&out), "");
	assert_int_equal(window_advance(w), 0);
	assert_string_equal(rows(&out), W("00", "10") ",\"count\":2}\n");
	/* the next batch starts from the watermark of this one */
	assert_int_equal(feed(w, "{\"t\":9}"), WINDOW_LATE);
	assert_int_equal(window_advance(w), 0);
	window_flush(w);
	assert_string_equal(rows(&out), W("10", "20") ",\"count\":1}\n");
	window_free(w);
}

static void
back_to_back_rows_a_batch_later(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	c.batching = WINDOW_BACK_TO_BACK;
	w = engine(&c);
	feed(w, "{\"t\":1}");
	feed(w, "{\"t\":12}");
	assert_int_equal(window_advance(w), 0);	/* closes with the watermark it started with: 0 */
	assert_string_equal(rows(&out), "");
	/* late against the batch before's watermark (0): W[0,10) still takes it */
	assert_int_equal(feed(w, "{\"t\":3}"), WINDOW_TAKEN);
	assert_int_equal(window_advance(w), 0);	/* closes with 12 */
	assert_string_equal(rows(&out), W("00", "10") ",\"count\":2}\n");
	assert_int_equal(feed(w, "{\"t\":4}"), WINDOW_LATE);
	window_free(w);
}

/* The same input in append and update mode, and the row's values for a table. */
static void
emission_in_each_mode_and_form(void **state)
{
	static const enum window_time_format tf[] = {WINDOW_TIME_SPARK, WINDOW_TIME_ISO,
	    WINDOW_TIME_EPOCH_MS};
	static const char *const want[] = {
		"{\"window\":{\"start\":\"1970-01-01 00:00:00\",\"end\":\"1970-01-01 00:00:10\"},"
		    "\"requested_by\":\"Bot\",\"n\":2,\"s\":3.5}\n",
		"{\"window\":{\"start\":\"1970-01-01T00:00:00Z\",\"end\":\"1970-01-01T00:00:10Z\"},"
		    "\"requested_by\":\"Bot\",\"n\":2,\"s\":3.5}\n",
		"{\"window\":{\"start\":0,\"end\":10000},\"requested_by\":\"Bot\",\"n\":2,\"s\":3.5}\n",
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		struct buf out = {0};
		struct window_config c = config(&out);
		struct window_engine *w;

		c.size = 10000000;
		c.time_format = tf[i];
		assert_int_equal(window_add_group(&c, "requested_by=bot"), 0);
		assert_int_equal(window_add_label(&c, "requested_by:true=Bot"), 0);
		assert_int_equal(window_add_agg(&c, WA_COUNT, "n"), 0);
		assert_int_equal(window_add_agg(&c, WA_SUM, "s=x"), 0);
		w = engine(&c);
		feed_each(w, "{\"t\":1,\"bot\":true,\"x\":1}\n{\"t\":2,\"bot\":true,\"x\":2.5}\n");
		window_flush(w);
		assert_string_equal(rows(&out), want[i]);
		window_free(w);
	}
	for (i = 0; i < 2; i++) {
		struct buf out = {0};
		struct window_config c = config(&out);
		struct window_engine *w;

		c.size = 10000000;
		c.mode = i ? WINDOW_UPDATE : WINDOW_APPEND;
		w = engine(&c);
		feed_each(w, "{\"t\":1}\n{\"t\":2}\n");
		assert_string_equal(rows(&out), i ? W("00", "10") ",\"count\":1}\n" W("00", "10")
		    ",\"count\":2}\n" : "");
		window_flush(w);
		assert_string_equal(rows(&out), i ? "" : W("00", "10") ",\"count\":2}\n");
		window_free(w);
	}
}

/* What the last row's value v is, as text. */
static char span_text[8][64];

static void
spans(void *arg, const struct window_row *r)
{
	size_t v;

	for (v = 0; v < 5; v++)
		snprintf(span_text[v], sizeof(span_text[v]), "%.*s", (int)r->val[v].len,
		    r->json + r->val[v].off);
	assert_true(r->start == 0 && r->end == 10000000);
}

static void
row_values_for_a_table(void **state)
{
	struct window_config c = {.emit = spans};
	struct window_engine *w;

	assert_int_equal(wa_path_parse("t", &c.time), 0);
	c.size = 10000000;
	assert_int_equal(window_add_group(&c, "g"), 0);
	assert_int_equal(window_add_group(&c, "h"), 0);
	assert_int_equal(window_add_agg(&c, WA_DISTINCT, "d=g"), 0);
	w = engine(&c);
	feed(w, "{\"t\":1,\"g\":\"a b\",\"h\":[1,{\"k\":null}]}");
	window_flush(w);
	assert_string_equal(span_text[0], "\"1970-01-01 00:00:00\"");
	assert_string_equal(span_text[1], "\"1970-01-01 00:00:10\"");
	assert_string_equal(span_text[2], "\"a b\"");
	assert_string_equal(span_text[3], "[1,{\"k\":null}]");
	assert_string_equal(span_text[4], "1");
	window_free(w);
}

/* The options of one round-trip configuration. */
struct setup {
	int64_t size, slide, gap, delay;
	enum window_mode mode;
	enum window_batching batching;
};

static struct window_engine *
setup_engine(const struct setup *s, struct buf *out)
{
	struct window_config c = config(out);

	c.size = s->size;
	c.slide = s->slide;
	c.gap = s->gap;
	c.delay = s->delay;
	c.mode = s->mode;
	c.batching = s->batching;
	c.persistent = 1;
	c.fingerprint = strdup("--test");
	assert_int_equal(window_add_group(&c, "g"), 0);
	assert_int_equal(window_add_agg(&c, WA_COUNT, "n"), 0);
	assert_int_equal(window_add_agg(&c, WA_SUM, "s=x"), 0);
	assert_int_equal(window_add_agg(&c, WA_MIN, "lo=x"), 0);
	assert_int_equal(window_add_agg(&c, WA_AVG, "av=x"), 0);
	assert_int_equal(window_add_agg(&c, WA_DISTINCT, "d=x"), 0);
	return engine(&c);
}

/* The records of in[from, to) fed; with batching, as one batch. */
static void
feed_range(struct window_engine *w, const char *const *in, size_t from, size_t to)
{
	for (; from < to; from++) {
		enum window_fed fed = feed(w, in[from]);

		assert_true(fed == WINDOW_TAKEN || fed == WINDOW_LATE || fed == WINDOW_NO_TIME ||
		    fed == WINDOW_BAD);
		if (window_get_config(w)->batching == WINDOW_EACH_RECORD &&
		    (fed == WINDOW_TAKEN || fed == WINDOW_LATE))
			assert_int_equal(window_advance(w), 0);
	}
	if (window_get_config(w)->batching != WINDOW_EACH_RECORD)
		assert_int_equal(window_advance(w), 0);
}

static void
state_round_trip_gives_the_rows_of_one_run(void **state)
{
	static const struct setup setups[] = {
		{.size = 10000000, .delay = 5000000},
		{.size = 10000000, .slide = 5000000, .delay = 3000000, .mode = WINDOW_UPDATE},
		{.gap = 4000000, .delay = 2000000},
		{.size = 20000000, .slide = 10000000, .batching = WINDOW_MICRO_BATCH},
		{.size = 10000000, .delay = 1000000, .batching = WINDOW_BACK_TO_BACK, .mode = WINDOW_UPDATE},
	};
	static const char *const in[] = {
		"{\"t\":1,\"g\":\"a\",\"x\":1}", "{\"t\":3,\"g\":\"b\",\"x\":2.5}", "{\"t\":2,\"g\":\"a\",\"x\":7}",
		"{\"t\":12,\"g\":\"a\",\"x\":1}", "{\"t\":6,\"g\":\"a\",\"x\":\"s\"}", "{\"t\":15,\"g\":null}",
		"{\"t\":9,\"g\":\"b\",\"x\":-4}", "{\"g\":\"a\"}", "{\"t\":21,\"g\":\"a\",\"x\":1}",
		"{\"t\":14.5,\"g\":\"b\",\"x\":1e300}", "{\"t\":33,\"g\":\"a\",\"x\":2}", "{\"t\":30,\"g\":\"a\",\"x\":[1]}",
		"{\"t\":47,\"g\":\"b\",\"x\":5}",
	};
	size_t n = sizeof(in) / sizeof(in[0]), i, cut;

	/* with batching, both runs have a batch end at the cut */
	for (i = 0; i < sizeof(setups) / sizeof(setups[0]); i++)
		for (cut = 0; cut <= n; cut++) {
			struct buf one = {0}, two = {0};
			char *saved = NULL;
			size_t len = 0, line;
			struct window_engine *w = setup_engine(&setups[i], &one);
			FILE *f;

			feed_range(w, in, 0, cut);
			feed_range(w, in, cut, n);
			window_flush(w);
			window_free(w);

			w = setup_engine(&setups[i], &two);
			feed_range(w, in, 0, cut);
			f = open_memstream(&saved, &len);
			assert_int_equal(window_save(w, f), 0);
			fclose(f);
			window_free(w);
			w = setup_engine(&setups[i], &two);
			f = fmemopen(saved, len, "r");
			assert_int_equal(window_load(w, f, &line), WINDOW_LOADED);
			fclose(f);
			feed_range(w, in, cut, n);
			window_flush(w);
			if (one.len != two.len || memcmp(one.p, two.p, one.len) != 0)
				fail_msg("setup %zu, cut after %zu records: other rows:\n%.*s---\n%.*s", i, cut,
				    (int)one.len, one.p, (int)two.len, two.p);
			window_free(w);
			free(saved);
			buf_free(&one);
			buf_free(&two);
		}
}

/* The state w saves, as a string in *p (freed by the caller), its length returned. */
static size_t
state_text(const struct window_engine *w, char **p)
{
	size_t len = 0;
	FILE *f = open_memstream(p, &len);

	assert_int_equal(window_save(w, f), 0);
	fclose(f);
	return len;
}

/*
 * One engine that runs every batch (winagg with a checkpoint barrier after
 * each) and an engine per batch that loads the state the one before saved
 * (a winagg process per batch) write the same rows in each batch and save
 * the same state, byte for byte, after each: groups are saved in key order,
 * not in the order the hash table got them. Empty batches included.
 */
static void
batches_in_one_engine_as_an_engine_per_batch(void **state)
{
	static const struct setup setups[] = {
		{.size = 30000000, .slide = 10000000, .delay = 3000000, .batching = WINDOW_MICRO_BATCH},
		{.size = 30000000, .slide = 10000000, .delay = 3000000, .batching = WINDOW_MICRO_BATCH,
		    .mode = WINDOW_UPDATE},
		{.size = 20000000, .delay = 2000000, .batching = WINDOW_BACK_TO_BACK},
		{.size = 20000000, .delay = 2000000, .batching = WINDOW_BACK_TO_BACK, .mode = WINDOW_UPDATE},
		{.gap = 4000000, .delay = 2000000, .batching = WINDOW_BACK_TO_BACK},
		{.size = 30000000, .slide = 10000000, .delay = 1000000},
	};
	static const size_t ends[] = {0, 0, 9, 9, 10, 31, 31, 52, 80};
	char text[80][96];
	const char *in[80];
	size_t i, b, len1, len2;
	unsigned x = 17;

	/*
	 * Times moving forward with some late, 40 groups in no order, one of
	 * them in half the records (a set of many distinct values), sums of
	 * both kinds.
	 */
	for (i = 0; i < 80; i++) {
		unsigned g;

		x = x * 1103515245 + 12345;
		g = (x >> 16) % 80;
		snprintf(text[i], sizeof(text[i]), "{\"t\":%.1f,\"g\":\"g%u\",\"x\":%s%u}",
		    i * 0.7 - (x >> 8) % 5 * ((x >> 12) % 4 == 0) * 3.0, g < 40 ? g : 0,
		    (x >> 20) % 3 ? "" : "0.", (x >> 4) % 1000);
		in[i] = text[i];
	}
	for (i = 0; i < sizeof(setups) / sizeof(setups[0]); i++) {
		struct buf one = {0}, two = {0};
		struct window_engine *w1 = setup_engine(&setups[i], &one), *w2;
		char *saved = NULL, *s1, *s2;
		size_t from = 0, line;

		for (b = 0; b < sizeof(ends) / sizeof(ends[0]); from = ends[b++]) {
			feed_range(w1, in, from, ends[b]);
			len1 = state_text(w1, &s1);
			w2 = setup_engine(&setups[i], &two);
			if (saved) {
				FILE *f = fmemopen(saved, strlen(saved), "r");

				assert_int_equal(window_load(w2, f, &line), WINDOW_LOADED);
				fclose(f);
			}
			feed_range(w2, in, from, ends[b]);
			len2 = state_text(w2, &s2);
			window_free(w2);
			if (one.len != two.len || (one.len && memcmp(one.p, two.p, one.len) != 0))
				fail_msg("setup %zu, batch %zu: other rows:\n%.*s---\n%.*s", i, b,
				    (int)one.len, one.p, (int)two.len, two.p);
			if (len1 != len2 || memcmp(s1, s2, len1) != 0)
				fail_msg("setup %zu, batch %zu: another state:\n%s---\n%s", i, b, s1, s2);
			free(saved);
			free(s1);
			saved = s2;
			buf_free(&one);
			buf_free(&two);
		}
		free(saved);
		window_free(w1);
	}
}

/*
 * The same state is the same file, whatever order its records came in:
 * groups in key order, distinct values sorted (neither in the order of a
 * hash table, which depends on the order of insertion).
 */
static void
saved_state_does_not_depend_on_arrival_order(void **state)
{
	static const struct setup s = {.size = 60000000, .delay = 60000000};
	struct buf out = {0};
	struct window_engine *up = setup_engine(&s, &out), *down = setup_engine(&s, &out);
	char rec[96], *s1, *s2;
	size_t len1, len2;
	int i;

	for (i = 0; i < 300; i++) {
		snprintf(rec, sizeof(rec), "{\"t\":1,\"g\":\"g%d\",\"x\":%d}", i % 37, i);
		assert_int_equal(feed(up, rec), WINDOW_TAKEN);
		snprintf(rec, sizeof(rec), "{\"t\":1,\"g\":\"g%d\",\"x\":%d}", (299 - i) % 37, 299 - i);
		assert_int_equal(feed(down, rec), WINDOW_TAKEN);
	}
	len1 = state_text(up, &s1);
	len2 = state_text(down, &s2);
	if (len1 != len2 || memcmp(s1, s2, len1) != 0)
		fail_msg("records in two orders, two states:\n%s---\n%s", s1, s2);
	free(s1);
	free(s2);
	window_free(up);
	window_free(down);
	buf_free(&out);
}

static void
bad_records_are_reported_and_change_nothing(void **state)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{NULL, "a null record (a tombstone): expected a JSON object"},
		{"{\"t\":", "invalid JSON at byte 5 of the record: unexpected end"},
		{"[1]", "expected a JSON object"},
		{"{\"t\":\"1\"}", "event time t: expected a number"},
		{"{\"t\":1e300}", "event time t: out of range: more microseconds than 64 bits hold "
		    "(a timestamp holds years -290308 to 294247)"},
		{"{\"t\":1,\"x\":\"1\"}", "x: expected a number for --sum s"},
		{"{\"t\":1,\"x\":9223372036854775807}", "--sum s: the sum of x overflows a 64-bit "
		    "integer (Spark 4 fails the query so: ARITHMETIC_OVERFLOW)"},
		{"{\"t\":1,\"g\":\"\\ud800\"}", "g: invalid string (not UTF-8, a lone surrogate or a bad "
		    "escape) for --group-by g"},
	};
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;
	size_t i;

	c.size = 10000000;
	assert_int_equal(window_add_group(&c, "g"), 0);
	assert_int_equal(window_add_agg(&c, WA_SUM, "s=x"), 0);
	w = engine(&c);
	assert_int_equal(feed(w, "{\"t\":2,\"x\":1}"), WINDOW_TAKEN);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum window_fed fed = bad[i].json ? feed(w, bad[i].json) : window_feed(w, NULL, 0);

		assert_int_equal(fed, WINDOW_BAD);
		assert_string_equal(window_error(w), bad[i].why);
	}
	assert_int_equal(feed(w, "{\"t\":3,\"y\":1}"), WINDOW_TAKEN);
	assert_int_equal(feed(w, "{\"t\":3,\"type\":\"new\"}"), WINDOW_TAKEN);
	assert_int_equal(feed(w, "{\"g\":1}"), WINDOW_NO_TIME);
	window_flush(w);
	assert_string_equal(rows(&out), W("00", "10") ",\"g\":null,\"s\":1}\n");
	assert_int_equal(window_stats(w)->bad, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(window_stats(w)->notime, 1);
	window_free(w);
}

static void
where_filters_before_the_watermark(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;
	char err[256];

	c.size = 10000000;
	assert_int_equal(window_add_where(&c, "type=edit", err, sizeof(err)), 0);
	assert_int_equal(window_add_where(&c, "x<true", err, sizeof(err)), -1);
	assert_string_equal(err, "null and booleans compare only with = and !=");
	w = engine(&c);
	assert_int_equal(feed(w, "{\"t\":50,\"type\":\"log\"}"), WINDOW_FILTERED);
	assert_int_equal(feed(w, "{\"t\":1,\"type\":\"edit\"}"), WINDOW_TAKEN);	/* not late */
	window_flush(w);
	assert_string_equal(rows(&out), W("00", "10") ",\"count\":1}\n");
	assert_int_equal(window_stats(w)->filtered, 1);
	window_free(w);
}

static void
batch_sum_overflow_is_reported(void **state)
{
	struct buf out = {0};
	struct window_config c = config(&out);
	struct window_engine *w;

	c.size = 10000000;
	c.batching = WINDOW_MICRO_BATCH;
	assert_int_equal(window_add_agg(&c, WA_SUM, "s=x"), 0);
	w = engine(&c);
	assert_int_equal(feed(w, "{\"t\":1,\"x\":9223372036854775807}"), WINDOW_TAKEN);
	assert_int_equal(window_advance(w), 0);
	assert_int_equal(feed(w, "{\"t\":2,\"x\":1}"), WINDOW_TAKEN);	/* the batch's own sum is 1 */
	assert_int_equal(window_advance(w), -1);
	assert_string_equal(window_error(w), "--sum s: the batch's sum in the window starting "
	    "\"1970-01-01 00:00:00\" (group ) added to the stored sum overflows a 64-bit integer "
	    "(Spark 4 fails the query so: ARITHMETIC_OVERFLOW); the state is as before the batch");
	assert_string_equal(rows(&out), "");
	window_free(w);
}

static void
configs_that_do_not_go_together(void **state)
{
	static const struct {
		int64_t size, slide, offset, gap;
		int notime, keep, update;
		const char *why;
	} bad[] = {
		{.size = 10, .notime = 1, .why = "--time: which field holds the event time?"},
		{.gap = 10, .slide = 5, .why = "--session: no --window, --slide or --offset with it"},
		{.why = "give --window (with --slide for sliding windows) or --session"},
		{.size = 10, .slide = 20, .why = "--slide is longer than --window: events between "
		    "windows would be lost"},
		{.size = 10, .slide = 5, .offset = 5, .why = "--offset must be shorter than the slide"},
		{.size = 10, .keep = 1, .why = "--at-eof keep needs --state FILE, where the open windows go"},
		{.gap = 10, .update = 1, .why = "--session with --mode update: Spark refuses session "
		    "windows in update mode (a merged session's earlier rows would stand for windows "
		    "that no longer exist); use --mode append"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out = {0};
		struct window_config c = config(&out);
		char err[256];

		if (bad[i].notime)
			wa_path_free(&c.time);
		c.size = bad[i].size;
		c.slide = bad[i].slide;
		c.offset = bad[i].offset;
		c.gap = bad[i].gap;
		c.at_eof = bad[i].keep ? WINDOW_KEEP : WINDOW_AT_EOF_DEFAULT;
		c.mode = bad[i].update ? WINDOW_UPDATE : WINDOW_APPEND;
		assert_int_equal(window_add_group(&c, "g"), 0);
		assert_null(window_new(&c, err, sizeof(err)));
		assert_string_equal(err, bad[i].why);
		assert_int_equal(c.ngroup, 0);	/* taken over, and freed */
	}
}

static void
option_arguments(void **state)
{
	struct window_config c = {0};

	assert_int_equal(window_add_group(&c, "=x"), -1);
	assert_int_equal(window_add_group(&c, "col=a..b"), -1);
	assert_int_equal(window_add_label(&c, "g:true=Bot"), -2);
	assert_int_equal(window_add_group(&c, "g=a.b"), 0);
	assert_string_equal(c.group[0].column, "g");
	assert_int_equal(c.group[0].path.n, 2);
	assert_int_equal(window_add_label(&c, "gtrue=Bot"), -1);
	assert_int_equal(window_add_label(&c, "g:true=Bot"), 0);
	assert_int_equal(window_add_label(&c, "g:a b=Text"), 0);
	assert_string_equal(c.group[0].value[0], "true");
	assert_string_equal(c.group[0].value[1], "\"a b\"");
	assert_int_equal(window_add_agg(&c, WA_COUNT, ""), -1);
	assert_int_equal(window_add_agg(&c, WA_SUM, "x"), -1);
	assert_int_equal(window_add_agg(&c, WA_SUM, "=x"), -1);
	assert_int_equal(window_add_agg(&c, WA_SUM, "s=x"), 0);
	assert_int_equal(c.nagg, 1);
	window_config_free(&c);
	assert_null(c.group);
}

/* A state saved by one engine, for the load tests. */
static char *
saved_state(size_t *len)
{
	static const struct setup s = {.size = 10000000, .delay = 30000000};
	struct buf out = {0};
	struct window_engine *w = setup_engine(&s, &out);
	FILE *f = tmpfile();
	char *p;

	feed(w, "{\"t\":1,\"g\":\"a\",\"x\":1}");
	feed(w, "{\"t\":12,\"g\":\"b\",\"x\":2}");
	assert_int_equal(window_save(w, f), 0);
	*len = (size_t)ftell(f);
	p = calloc(1, *len + 1);
	rewind(f);
	assert_int_equal(fread(p, 1, *len, f), *len);
	fclose(f);
	window_free(w);
	buf_free(&out);
	return p;
}

static enum window_loaded
load_text(const char *text, size_t len, size_t *line, char *why, size_t whylen)
{
	static const struct setup s = {.size = 10000000, .delay = 30000000};
	struct buf out = {0};
	struct window_engine *w = setup_engine(&s, &out);
	FILE *f = tmpfile();
	enum window_loaded rc;

	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	rc = window_load(w, f, line);
	snprintf(why, whylen, "%s", window_error(w));
	fclose(f);
	window_free(w);
	buf_free(&out);
	return rc;
}

static void
states_refused(void **state)
{
	size_t len, line;
	char *p = saved_state(&len), *q, why[256];

	assert_int_equal(load_text(p, len, &line, why, sizeof(why)), WINDOW_LOADED);
	assert_int_equal(load_text(p, len - 1, &line, why, sizeof(why)), WINDOW_LOAD_BAD);
	assert_int_equal(line, 3);
	assert_string_equal(why, "truncated: no newline at the end");
	assert_int_equal(load_text(p, strchr(p, '\n') + 1 - p, &line, why, sizeof(why)), WINDOW_LOAD_BAD);
	assert_string_equal(why, "fewer windows than the header says: truncated");
	assert_int_equal(load_text("", 0, &line, why, sizeof(why)), WINDOW_LOAD_BAD);
	assert_int_equal(line, 0);
	assert_string_equal(why, "empty");
	q = strstr(p, "--test");
	q[2] = 'b';
	assert_int_equal(load_text(p, len, &line, why, sizeof(why)), WINDOW_LOAD_CONFIG);
	assert_string_equal(why, "--best");
	q[2] = 't';
	q = strstr(p, "\"key\"");
	q[1] = 'x';
	assert_int_equal(load_text(p, len, &line, why, sizeof(why)), WINDOW_LOAD_BAD);
	assert_int_equal(line, 2);
	assert_string_equal(why, "unexpected member \"xey\"");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tumbling_rows_when_the_watermark_passes),
		cmocka_unit_test(sliding_windows_in_order_of_end),
		cmocka_unit_test(update_mode_rows_as_they_change),
		cmocka_unit_test(late_rows_are_dropped_and_counted),
		cmocka_unit_test(sessions_merge_when_they_touch),
		cmocka_unit_test(micro_batch_moves_the_watermark_once),
		cmocka_unit_test(back_to_back_rows_a_batch_later),
		cmocka_unit_test(emission_in_each_mode_and_form),
		cmocka_unit_test(row_values_for_a_table),
		cmocka_unit_test(state_round_trip_gives_the_rows_of_one_run),
		cmocka_unit_test(batches_in_one_engine_as_an_engine_per_batch),
		cmocka_unit_test(saved_state_does_not_depend_on_arrival_order),
		cmocka_unit_test(bad_records_are_reported_and_change_nothing),
		cmocka_unit_test(where_filters_before_the_watermark),
		cmocka_unit_test(batch_sum_overflow_is_reported),
		cmocka_unit_test(configs_that_do_not_go_together),
		cmocka_unit_test(option_arguments),
		cmocka_unit_test(states_refused),
	};

	return cmocka_run_group_tests_name("window", tests, NULL, NULL);
}
