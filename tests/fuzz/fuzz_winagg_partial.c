/*
 * The rows winagg --merge reads (man winagg, "Scaling out"): each line of the
 * input a row of winagg --partial, a line "B" a checkpoint barrier (the end
 * of a batch), under --time t --window 10s --slide 5s --offset 1s --group-by
 * g --group-by h and one of each aggregate, --micro-batch (--back-to-back
 * when the input starts with "2"). Every row parses or is refused with a
 * message, never crashes; one that parses, written again, parses to the same
 * values and writes the same text. The engine merges it, drops it as late,
 * or refuses it with a message, as wa_partial_parse judged it; a batch ends
 * or fails with a message; at the end the state saved loads back and gives
 * the same rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "wa.h"
#include "window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FP "0123456789abcdef"

static const enum wa_kind kinds[] = {WA_COUNT, WA_COUNT_OF, WA_SUM, WA_MIN, WA_MAX, WA_AVG, WA_DISTINCT};
static const struct wa_state_cfg cfg = {.size = 10000000, .slide = 5000000, .offset = 1000000,
    .ngcol = 2, .kind = kinds, .nagg = 7};

static void
collect(void *arg, const struct window_row *r)
{
	buf_put(arg, r->json, r->len);
}

static struct window_engine *
engine(int chained, struct buf *rows)
{
	static const char *const agg[] = {"a", "b=x", "c=x", "d=x", "e=x", "f=x", "g=y"};
	struct window_config wc = {.emit = collect, .emit_arg = rows, .persistent = 1,
	    .fingerprint = strdup("f"), .size = cfg.size, .slide = cfg.slide, .offset = cfg.offset,
	    .delay = 2000000, .batching = chained ? WINDOW_BACK_TO_BACK : WINDOW_MICRO_BATCH};
	struct window_engine *w;
	char err[256];
	size_t i;

	if (wa_path_parse("t", &wc.time) < 0 || window_add_group(&wc, "g") < 0 ||
	    window_add_group(&wc, "h") < 0)
		abort();
	for (i = 0; i < cfg.nagg; i++)
		if (window_add_agg(&wc, kinds[i], agg[i]) < 0)
			abort();
	if (!(w = window_new(&wc, err, sizeof(err))))
		abort();
	return w;
}

/* A row that parsed, written and parsed again: the same text. */
static void
row_round_trip(const struct wa_partial *m)
{
	struct buf a = {0}, b = {0};
	struct wa_partial m2;
	char err[256];

	if (m->meta)
		wa_partial_put_meta(&a, FP, m);
	else
		wa_partial_put_group(&a, FP, &m->g, m->pairs);
	if (wa_partial_parse(a.p, a.len, &cfg, FP, &m2, err, sizeof(err)) != 0 || m2.meta != m->meta)
		abort();
	if (m2.meta)
		wa_partial_put_meta(&b, FP, &m2);
	else
		wa_partial_put_group(&b, FP, &m2.g, m2.pairs);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
		abort();
	wa_partial_free(&m2);
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size, *nl;
	int chained = size > 0 && data[0] == '2', broken = 0;
	struct buf rows1 = {0}, rows2 = {0};
	struct window_engine *w = engine(chained, &rows1), *w2;
	char err[256], *saved = NULL;
	struct wa_partial m;
	size_t n, len = 0, line;
	FILE *f;
	int rc;

	for (; p < e && !broken; p = nl ? nl + 1 : e) {
		nl = memchr(p, '\n', (size_t)(e - p));
		n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (n == 1 && *p == 'B') {
			if (window_advance(w) < 0) {
				if (!*window_error(w))
					abort();
				broken = 1;	/* the engine is beyond use */
			}
			continue;
		}
		err[0] = 0;
		rc = wa_partial_parse(p, n, &cfg, FP, &m, err, sizeof(err));
		if (rc == -1 && !err[0])
			abort();
		if (rc == -2 && !m.fp)
			abort();
		if (rc == 0)
			row_round_trip(&m);
		if (rc != -1)
			wa_partial_free(&m);
		switch (window_merge(w, FP, p, n)) {
		case WINDOW_MERGED:
		case WINDOW_MERGE_LATE:
			if (rc != 0)
				abort();
			break;
		case WINDOW_MERGE_BAD:
			if (rc != -1 || !*window_error(w))
				abort();
			break;
		case WINDOW_MERGE_OTHER:
			if (rc != -2 || !*window_error(w))
				abort();
			break;
		case WINDOW_MERGE_OVERFLOW:
			if (rc != 0 || !*window_error(w))
				abort();
			break;
		default:
			abort();
		}
	}
	if (!broken && window_advance(w) == 0) {
		/* a state the batch ended well with loads back, to the same rows */
		if (!(f = open_memstream(&saved, &len)) || window_save(w, f) < 0 || fclose(f))
			abort();
		w2 = engine(chained, &rows2);
		if (!(f = fmemopen(saved, len, "r")))
			abort();
		/* forged counts may add up past 2^62 over the groups, which a load refuses */
		if (window_load(w2, f, &line) != WINDOW_LOADED) {
			if (!strstr(window_error(w2), "2^62"))
				abort();
			rows2.len = rows1.len = 0;
			window_free(w2);
			w2 = NULL;
		}
		fclose(f);
		rows1.len = 0;
		if (w2) {
			window_flush(w);
			window_flush(w2);
			if (rows1.len != rows2.len || (rows1.len && memcmp(rows1.p, rows2.p, rows1.len) != 0))
				abort();
			window_free(w2);
		}
		free(saved);
	}
	window_free(w);
	buf_free(&rows1);
	buf_free(&rows2);
	return 0;
}
