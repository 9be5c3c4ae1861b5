/*
 * winagg's state file, line by line as load_state reads it: the first line
 * as the header, the others as group lines, under one of three
 * configurations chosen by the header's text (those of the seed corpus).
 * Every line parses or is refused with a message, never crashes; a parsed
 * line keeps what winagg relies on (a key of as many values as --group-by
 * columns, windows of the configured size), and written again it parses to
 * the same values and writes the same text (a set's distinct values are
 * written sorted, whatever order they were added in; the check still
 * compares sets as sets). The whole input is then loaded by the window engine
 * of that configuration: loaded or refused with a message; loaded, saved
 * and loaded again, it gives the same rows.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jw.h"
#include "wa.h"
#include "window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --time t --window 10s --slide 5s --offset 1s --group-by g --group-by h, one of each aggregate */
static const enum wa_kind kinds_all[] = {WA_COUNT, WA_COUNT_OF, WA_SUM, WA_MIN, WA_MAX, WA_AVG, WA_DISTINCT};
static const struct wa_state_cfg sliding = {.size = 10000000, .slide = 5000000, .offset = 1000000,
    .ngcol = 2, .kind = kinds_all, .nagg = 7};
/* --time t --session 5s --group-by g --count n --count-distinct d=y --sum s=x */
static const enum wa_kind kinds_session[] = {WA_COUNT, WA_DISTINCT, WA_SUM};
static const struct wa_state_cfg session = {.session = 1, .gap = 5000000, .ngcol = 1,
    .kind = kinds_session, .nagg = 3};
/* --time t --window 10s: a count, no groups */
static const enum wa_kind kinds_count[] = {WA_COUNT};
static const struct wa_state_cfg tumbling = {.size = 10000000, .slide = 10000000, .ngcol = 0,
    .kind = kinds_count, .nagg = 1};

static int
same_f64(double a, double b)
{
	return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
}

/* Whether set a's values are all in b (linear: the fuzzer's sets are small). */
static int
subset(const struct wa_set *a, const struct wa_set *b)
{
	size_t i, k;

	for (i = 0; i < a->cap; i++) {
		if (!a->v[i])
			continue;
		for (k = 0; k < b->cap && !(b->v[k] && strcmp(a->v[i], b->v[k]) == 0); k++)
			;
		if (k == b->cap)
			return 0;
	}
	return 1;
}

static int
same_agg(const struct wa_agg *a, const struct wa_agg *b)
{
	return a->cnt == b->cnt && a->isum == b->isum && a->imin == b->imin && a->imax == b->imax &&
	    same_f64(a->sum, b->sum) && same_f64(a->min, b->min) && same_f64(a->max, b->max) &&
	    a->allint == b->allint && a->has == b->has && a->bsum == 0 && a->bisum == 0 &&
	    a->distinct.n == b->distinct.n && subset(&a->distinct, &b->distinct);
}

static int
same_group(const struct wa_state_group *a, const struct wa_state_group *b)
{
	size_t i;

	if (a->start != b->start || a->end != b->end || a->keylen != b->keylen ||
	    memcmp(a->key, b->key, a->keylen) != 0 || a->nagg != b->nagg)
		return 0;
	for (i = 0; i < a->nagg; i++)
		if (!same_agg(&a->agg[i], &b->agg[i]))
			return 0;
	return 1;
}

/* What make_row and the window tables take for granted. */
static void
check_group(const struct wa_state_group *g, const struct wa_state_cfg *c)
{
	size_t i, k, seps = 0;

	if (g->end <= g->start || (!c->session && (uint64_t)g->end - (uint64_t)g->start != (uint64_t)c->size))
		abort();
	for (i = 0; i < g->keylen; i++)
		seps += g->key[i] == '\x1f';
	if (c->ngcol ? seps != c->ngcol - 1 : g->keylen != 0)
		abort();
	if (g->nagg != c->nagg)
		abort();
	for (i = 0; i < g->nagg; i++) {
		const struct wa_set *d = &g->agg[i].distinct;
		size_t n = 0;

		for (k = 0; k < d->cap; k++)
			if (d->v[k] && (n++, !*d->v[k]))
				abort();
		if (n != d->n || 2 * n > d->cap)
			abort();
	}
}

/*
 * Written again, a parsed line gives the same text, or (when sets of more
 * than one value may list them in another order) text of the same length;
 * both freed.
 */
static void
same_text(struct buf *o1, struct buf *o2, int exact)
{
	if (o1->len != o2->len || (exact && memcmp(o1->p, o2->p, o1->len) != 0))
		abort();
	buf_free(o1);
	buf_free(o2);
}

static void
group_round_trip(const struct wa_state_group *g, const struct wa_state_cfg *c,
    const struct wa_state_head *h)
{
	struct buf o1 = {0}, o2 = {0};
	struct wa_state_group g2;
	char err[256];
	size_t i;

	wa_state_put_group(&o1, g);
	if (wa_state_group_parse(o1.p, o1.len, c, h, &g2, err, sizeof(err)) < 0 || !same_group(g, &g2))
		abort();
	wa_state_put_group(&o2, &g2);
	for (i = 0; i < g->nagg && g->agg[i].distinct.n < 2; i++)
		;
	same_text(&o1, &o2, i == g->nagg);
	wa_state_group_free(&g2);
}

static void
head_round_trip(const struct wa_state_head *h)
{
	struct buf o1 = {0}, o2 = {0};
	struct wa_state_head h2;
	char err[256];

	wa_state_put_head(&o1, h);
	if (wa_state_head_parse(o1.p, o1.len, &h2, err, sizeof(err)) < 0 ||
	    strcmp(h->config, h2.config) != 0 || h->max_time != h2.max_time || h->windows != h2.windows)
		abort();
	wa_state_put_head(&o2, &h2);
	same_text(&o1, &o2, 1);
	wa_state_head_free(&h2);
}

static void
collect(void *arg, const struct window_row *r)
{
	buf_put(arg, r->json, r->len);
}

/* An engine of configuration c (the options of the comments above), with the fingerprint config. */
static struct window_engine *
engine(const struct wa_state_cfg *c, const char *config, struct buf *rows)
{
	static const char *const agg[] = {"a", "b=x", "c=x", "d=x", "e=x", "f=x", "g=y"};
	struct window_config wc = {.emit = collect, .emit_arg = rows, .persistent = 1,
	    .fingerprint = strdup(config)};
	struct window_engine *w;
	char err[256];
	size_t i;

	if (wa_path_parse("t", &wc.time) < 0)
		abort();
	wc.gap = c->session ? c->gap : 0;
	wc.size = c->session ? 0 : c->size;
	wc.slide = c->session ? 0 : c->slide;
	wc.offset = c->offset;
	for (i = 0; i < c->ngcol; i++)
		if (window_add_group(&wc, i ? "h" : "g") < 0)
			abort();
	for (i = 0; i < c->nagg; i++)
		if (window_add_agg(&wc, c->kind[i], agg[c->kind[i]]) < 0)
			abort();
	if (!(w = window_new(&wc, err, sizeof(err))))
		abort();
	return w;
}

static enum window_loaded
load(struct window_engine *w, const void *p, size_t n)
{
	FILE *f = fmemopen((void *)p, n, "r");
	enum window_loaded rc;
	size_t line;

	if (!f)
		abort();
	rc = window_load(w, f, &line);
	fclose(f);
	return rc;
}

/* The input as a whole state: refused with a message, or the same rows when saved and loaded again. */
static void
engine_round_trip(const uint8_t *data, size_t size, const struct wa_state_cfg *c, const char *config)
{
	struct buf rows1 = {0}, rows2 = {0};
	struct window_engine *w1 = engine(c, config, &rows1), *w2;
	char *saved = NULL;
	size_t len = 0;
	FILE *f;

	if (load(w1, data, size) != WINDOW_LOADED) {
		if (!*window_error(w1))
			abort();
		window_free(w1);
		return;
	}
	if (!(f = open_memstream(&saved, &len)) || window_save(w1, f) < 0 || fclose(f))
		abort();
	w2 = engine(c, config, &rows2);
	if (load(w2, saved, len) != WINDOW_LOADED)
		abort();
	window_flush(w1);
	window_flush(w2);
	if (rows1.len != rows2.len || (rows1.len && memcmp(rows1.p, rows2.p, rows1.len) != 0))
		abort();
	window_free(w1);
	window_free(w2);
	buf_free(&rows1);
	buf_free(&rows2);
	free(saved);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *e = p + size, *nl = memchr(p, '\n', size);
	size_t n = nl ? (size_t)(nl - p) : size, line;
	const struct wa_state_cfg *c = memmem(p, n, "--session", 9) ? &session :
	    memmem(p, n, "--group-by", 10) ? &sliding : &tumbling;
	/* Without a good header, group lines are still tried, against any event time. */
	struct wa_state_head h = {.max_time = INT64_MAX};
	struct wa_state_group g;
	char err[256];
	int rc;

	for (line = 1;; line++) {
		nl = memchr(p, '\n', (size_t)(e - p));
		n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		err[0] = 0;
		if (line == 1) {
			if ((rc = wa_state_head_parse(p, n, &h, err, sizeof(err))) == 0)
				head_round_trip(&h);
			else
				h.max_time = INT64_MAX;
		} else if ((rc = wa_state_group_parse(p, n, c, &h, &g, err, sizeof(err))) == 0) {
			check_group(&g, c);
			group_round_trip(&g, c, &h);
			wa_state_group_free(&g);
		}
		if (rc < 0 && !err[0])
			abort();
		/* as load_state: a last newline ends the file */
		if (!nl || nl + 1 == e)
			break;
		p = nl + 1;
	}
	if (size)
		engine_round_trip(data, size, c, h.config ? h.config : "");
	wa_state_head_free(&h);
	return 0;
}
