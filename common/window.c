/*
 * The window engine (window.h). Open windows are kept sorted by (end,
 * start), each with a hash table of its groups; a window is emitted and
 * freed once the watermark reaches its end, so memory follows the open
 * windows, not the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "hash.h"
#include "jp.h"
#include "jw.h"
#include "ts.h"
#include "utf8.h"
#include "window.h"

/* A group of a window: its key and an aggregate value per aggregate. */
struct grp {
	struct grp *next;
	uint64_t hash;
	char *key;		/* group values, JSON texts separated by \x1f */
	size_t keylen;
	int touched;		/* changed since its row was last emitted (update mode) */
	int64_t pairs;		/* --partial: the (record, window) pairs it holds */
	struct wa_agg a[];
};

struct win {
	int64_t start, end;
	struct grp **tab;
	size_t cap, n;
};

/* The record's value for each aggregate, read once. */
struct val {
	int has;		/* present and not null */
	int isint;		/* an integer that fits int64_t: iv */
	int64_t iv;
	double x;
	struct buf text;	/* WA_DISTINCT: the canonical JSON text */
};

struct window_engine {
	struct window_config c;
	struct win **w;		/* the open windows, sorted by (end, start) */
	size_t n, cap;
	int64_t maxt;		/* highest event time seen; INT64_MIN: none */
	int64_t batch_mark;	/* batching: the watermark the batch started with */
	int64_t late_mark;	/* back to back: the watermark of the batch before; INT64_MIN: none */
	struct window_stats st;
	struct window_stats part;	/* --partial: the stats when the last rows were written */
	enum wa_kind *kind;	/* --merge: the aggregates' kinds */
	struct val *vals;
	int vals_isum;		/* the record has an integer for some --sum */
	struct jp_doc doc;
	struct buf key, sbuf, row, err;
	struct window_span *span;
};

/* Sets the message of a failure, whatever its length; returns -1. */
static int __attribute__((format(printf, 2, 0)))
vfail(struct window_engine *w, const char *fmt, va_list ap)
{
	w->err.len = 0;
	buf_vprintf(&w->err, fmt, ap);
	return -1;
}

static int __attribute__((format(printf, 2, 3)))
fail(struct window_engine *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(w, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
window_error(const struct window_engine *w)
{
	return w->err.len ? w->err.p : "";
}

const struct window_stats *
window_stats(const struct window_engine *w)
{
	return &w->st;
}

const struct window_config *
window_get_config(const struct window_engine *w)
{
	return &w->c;
}

/*
 * Spark's watermark: in milliseconds (event times truncated to them, the
 * delay too), the highest event time minus the delay, never below
 * 1970-01-01, where it starts (so windows that end at or before the epoch
 * are late from the first record). In microseconds.
 */
static int64_t
wm(const struct window_engine *w)
{
	int64_t ms;

	if (w->maxt == INT64_MIN)
		return 0;
	ms = w->maxt / 1000 - w->c.delay / 1000;	/* both within +-2^63 / 1000: no overflow */
	return ms > 0 ? ms * 1000 : 0;
}

/* ---- values ---- */

/*
 * The canonical JSON text of a value, for group keys and distinct sets. 0, or
 * -1 when a string in it is not valid (invalid UTF-8, a lone surrogate, a bad
 * escape): such a value is no value a group or a set can hold, and the record
 * is a bad one.
 */
static int
put_value(const struct jp_doc *d, const struct jp_node *v, struct buf *o, struct buf *sbuf)
{
	const char *s;
	size_t n, bad;
	uint32_t i;

	if (!v) {
		buf_puts(o, "null");
		return 0;
	}
	switch (v->t) {
	case JP_NULL: buf_puts(o, "null"); break;
	case JP_TRUE: buf_puts(o, "true"); break;
	case JP_FALSE: buf_puts(o, "false"); break;
	case JP_NUM: buf_put(o, v->s, v->n); break;
	case JP_STR:
		if (jp_str(v, sbuf, &s, &n) < 0 || jw_str(o, (const unsigned char *)s, n, &bad) < 0)
			return -1;
		break;
	case JP_ARR:
		buf_putc(o, '[');
		for (i = 0; i < v->n; i++) {
			if (i)
				buf_putc(o, ',');
			if (put_value(d, jp_item(d, v, i), o, sbuf) < 0)
				return -1;
		}
		buf_putc(o, ']');
		break;
	default:
		buf_putc(o, '{');
		for (i = 0; i < v->n; i++) {
			if (i)
				buf_putc(o, ',');
			if (put_value(d, jp_key(d, v, i), o, sbuf) < 0)
				return -1;
			buf_putc(o, ':');
			if (put_value(d, jp_val(d, v, i), o, sbuf) < 0)
				return -1;
		}
		buf_putc(o, '}');
	}
	return 0;
}

/* ---- the configuration ---- */

int
window_add_where(struct window_config *c, const char *arg, char *err, size_t errlen)
{
	c->where = xreallocarray(c->where, c->nwhere + 1, sizeof(*c->where));
	if (wa_where_parse(arg, &c->where[c->nwhere], err, errlen) < 0)
		return -1;
	c->nwhere++;
	return 0;
}

int
window_add_group(struct window_config *c, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct window_group *g;
	struct wa_path p;

	if ((eq && eq == arg) || wa_path_parse(eq ? eq + 1 : arg, &p) < 0)
		return -1;
	c->group = xreallocarray(c->group, c->ngroup + 1, sizeof(*c->group));
	g = &c->group[c->ngroup++];
	memset(g, 0, sizeof(*g));
	g->path = p;
	g->column = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrndup(arg, strlen(arg));
	return 0;
}

int
window_add_agg(struct window_config *c, enum wa_kind kind, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct window_aggdef a = {.kind = kind};

	if (kind == WA_COUNT) {
		if (!*arg)
			return -1;
		a.name = xstrndup(arg, strlen(arg));
	} else {
		if (!eq || eq == arg || wa_path_parse(eq + 1, &a.path) < 0)
			return -1;
		a.name = xstrndup(arg, (size_t)(eq - arg));
	}
	c->agg = xreallocarray(c->agg, c->nagg + 1, sizeof(*c->agg));
	c->agg[c->nagg++] = a;
	return 0;
}

int
window_add_label(struct window_config *c, const char *arg)
{
	const char *colon = strchr(arg, ':'), *eq = colon ? strchr(colon, '=') : NULL;
	struct window_group *g;
	struct jp_doc d = {0};
	struct buf v = {0}, sbuf = {0};
	size_t i, bad;

	if (!colon || !eq || colon == arg)
		return -1;
	for (i = 0; i < c->ngroup; i++)
		if (strlen(c->group[i].column) == (size_t)(colon - arg) &&
		    memcmp(c->group[i].column, arg, (size_t)(colon - arg)) == 0)
			break;
	if (i == c->ngroup)
		return -2;
	/*
	 * The value as JSON (true, 42, "x"), else bare text as a string. A JSON
	 * string that is not valid UTF-8 is no value: the label maps nothing.
	 */
	if (jp_parse(&d, colon + 1, (size_t)(eq - colon - 1)) == 0 && d.root.t != JP_ARR &&
	    d.root.t != JP_OBJ) {
		if (put_value(&d, &d.root, &v, &sbuf) < 0)
			v.len = 0;
	} else
		jw_str(&v, (const unsigned char *)colon + 1, (size_t)(eq - colon - 1), &bad);
	jp_free(&d);
	buf_free(&sbuf);
	g = &c->group[i];
	g->value = xreallocarray(g->value, g->nlabel + 1, sizeof(char *));
	g->label = xreallocarray(g->label, g->nlabel + 1, sizeof(char *));
	g->value[g->nlabel] = xstrndup(v.p ? v.p : "", v.len);
	g->label[g->nlabel++] = xstrndup(eq + 1, strlen(eq + 1));
	buf_free(&v);
	return 0;
}

void
window_config_free(struct window_config *c)
{
	size_t i, k;

	wa_path_free(&c->time);
	for (i = 0; i < c->nwhere; i++)
		wa_where_free(&c->where[i]);
	free(c->where);
	for (i = 0; i < c->ngroup; i++) {
		struct window_group *g = &c->group[i];

		for (k = 0; k < g->nlabel; k++) {
			free(g->value[k]);
			free(g->label[k]);
		}
		free(g->value);
		free(g->label);
		free(g->column);
		wa_path_free(&g->path);
	}
	free(c->group);
	for (i = 0; i < c->nagg; i++) {
		free(c->agg[i].name);
		wa_path_free(&c->agg[i].path);
	}
	free(c->agg);
	free(c->fingerprint);
	memset(c, 0, sizeof(*c));
}

/* The options that do not go together, in winagg's order of checking them: 0, or -1. */
static int
utf8_ok(const char *s)
{
	size_t n = strlen(s);

	return utf8_valid_prefix((const unsigned char *)s, n) == n;
}

static int
config_check(struct window_config *c, char *err, size_t errlen)
{
	size_t i, k;

	if (!c->time.n)
		return err_set(err, errlen, "--time: which field holds the event time?");
	if (c->gap && (c->size || c->slide || c->offset))
		return err_set(err, errlen, "--session: no --window, --slide or --offset with it");
	if (!c->gap && !c->size)
		return err_set(err, errlen, "give --window (with --slide for sliding windows) or --session");
	if (!c->gap) {
		if (!c->slide)
			c->slide = c->size;
		if (c->slide > c->size)
			return err_set(err, errlen, "--slide is longer than --window: events between "
			    "windows would be lost");
		if (c->offset >= c->slide)
			return err_set(err, errlen, "--offset must be shorter than the slide");
	}
	if (c->at_eof == WINDOW_KEEP && !c->persistent)
		return err_set(err, errlen, "--at-eof keep needs --state FILE, where the open windows go");
	/*
	 * A state that persists is a stream that goes on: the open windows wait
	 * in it for the rest of their events, as Spark keeps them across
	 * trigger(availableNow) runs. Flushing them is asked for by name.
	 */
	if (c->at_eof == WINDOW_AT_EOF_DEFAULT)
		c->at_eof = c->persistent ? WINDOW_KEEP : WINDOW_FLUSH;
	if (c->gap && c->partial)
		return err_set(err, errlen, "--session: not with --partial: whether a record is late for "
		    "a session depends on its own time, which a part's merged session no longer shows");
	if (c->gap && c->mode == WINDOW_UPDATE)
		return err_set(err, errlen, "--session with --mode update: Spark refuses session windows "
		    "in update mode (a merged session's earlier rows would stand for windows that no "
		    "longer exist); use --mode append");
	/* names written as JSON keys and labels as values: text, or the rows would not be JSON */
	for (i = 0; i < c->ngroup; i++) {
		if (!utf8_ok(c->group[i].column))
			return err_set(err, errlen, "--group-by: the column name is not valid UTF-8");
		for (k = 0; k < c->group[i].nlabel; k++)
			if (!utf8_ok(c->group[i].label[k]))
				return err_set(err, errlen, "--label %s: the label is not valid UTF-8",
				    c->group[i].column);
	}
	for (i = 0; i < c->nagg; i++)
		if (!utf8_ok(c->agg[i].name))
			return err_set(err, errlen, "an aggregate's name is not valid UTF-8");
	return 0;
}

struct window_engine *
window_new(struct window_config *c, char *err, size_t errlen)
{
	struct window_engine *w;

	if (config_check(c, err, errlen) < 0) {
		window_config_free(c);
		return NULL;
	}
	if (!c->nagg)
		window_add_agg(c, WA_COUNT, "count");
	if (!c->fingerprint)
		c->fingerprint = xstrndup("", 0);
	w = xcalloc(1, sizeof(*w));
	w->c = *c;
	memset(c, 0, sizeof(*c));
	w->maxt = w->late_mark = INT64_MIN;
	w->batch_mark = wm(w);
	w->vals = xcalloc(w->c.nagg, sizeof(*w->vals));
	w->span = xcalloc(2 + w->c.ngroup + w->c.nagg, sizeof(*w->span));
	return w;
}

/* ---- windows and groups ---- */

static struct grp *
grp_new(const struct window_engine *w, const char *key, size_t n, uint64_t h)
{
	struct grp *g = xcalloc(1, sizeof(*g) + w->c.nagg * sizeof(struct wa_agg));
	size_t i;

	g->key = xstrndup(key, n);
	g->keylen = n;
	g->hash = h;
	for (i = 0; i < w->c.nagg; i++)
		g->a[i].allint = 1;
	return g;
}

static void
grp_free(const struct window_engine *w, struct grp *g)
{
	size_t i;

	for (i = 0; i < w->c.nagg; i++) {
		wa_set_free(&g->a[i].distinct);
		free(g->a[i].bpart);
	}
	free(g->key);
	free(g);
}

static struct grp *
grp_find(const struct win *o, const char *key, size_t n)
{
	uint64_t h = hash_fnv1a(key, n);
	struct grp *g;

	if (!o->cap)
		return NULL;
	for (g = o->tab[h & (o->cap - 1)]; g; g = g->next)
		if (g->hash == h && g->keylen == n && memcmp(g->key, key, n) == 0)
			return g;
	return NULL;
}

/* The group key of window o, made if new. */
static struct grp *
win_group(const struct window_engine *w, struct win *o, const char *key, size_t n)
{
	uint64_t h = hash_fnv1a(key, n);
	struct grp *g;
	size_t i;

	if ((g = grp_find(o, key, n)))
		return g;
	if (2 * (o->n + 1) > o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 4;
		struct grp **tab = xcalloc(cap, sizeof(*tab));

		for (i = 0; i < o->cap; i++)
			while (o->tab[i]) {
				struct grp *x = o->tab[i];

				o->tab[i] = x->next;
				x->next = tab[x->hash & (cap - 1)];
				tab[x->hash & (cap - 1)] = x;
			}
		free(o->tab);
		o->tab = tab;
		o->cap = cap;
	}
	g = grp_new(w, key, n, h);
	g->next = o->tab[h & (o->cap - 1)];
	o->tab[h & (o->cap - 1)] = g;
	o->n++;
	return g;
}

/* Takes group key out of window o; NULL if it has none. */
static struct grp *
grp_unlink(struct win *o, const char *key, size_t n)
{
	uint64_t h = hash_fnv1a(key, n);
	struct grp **pp;

	if (!o->cap)
		return NULL;
	for (pp = &o->tab[h & (o->cap - 1)]; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->keylen == n && memcmp((*pp)->key, key, n) == 0) {
			struct grp *g = *pp;

			*pp = g->next;
			o->n--;
			return g;
		}
	return NULL;
}

static int
win_cmp(int64_t end, int64_t start, const struct win *o)
{
	if (end != o->end)
		return end < o->end ? -1 : 1;
	if (start != o->start)
		return start < o->start ? -1 : 1;
	return 0;
}

/* Where the window [start, end) is, or would go, in w->w; *found if there. */
static size_t
win_search(const struct window_engine *w, int64_t start, int64_t end, int *found)
{
	size_t lo = 0, hi = w->n;

	*found = 0;
	/* Most records land in the newest windows: look from the end first. */
	if (w->n && win_cmp(end, start, w->w[w->n - 1]) > 0)
		return w->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = win_cmp(end, start, w->w[mid]);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct win *
win_find(const struct window_engine *w, int64_t start, int64_t end)
{
	int found;
	size_t i = win_search(w, start, end, &found);

	return found ? w->w[i] : NULL;
}

/* The window [start, end), made if new. */
static struct win *
win_get(struct window_engine *w, int64_t start, int64_t end)
{
	int found;
	size_t lo = win_search(w, start, end, &found);
	struct win *o;

	if (found)
		return w->w[lo];
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->w = xreallocarray(w->w, w->cap, sizeof(*w->w));
	}
	o = xcalloc(1, sizeof(*o));
	o->start = start;
	o->end = end;
	memmove(w->w + lo + 1, w->w + lo, (w->n - lo) * sizeof(*w->w));
	w->w[lo] = o;
	w->n++;
	return o;
}

static void
win_free(const struct window_engine *w, struct win *o)
{
	size_t i;

	for (i = 0; i < o->cap; i++)
		while (o->tab[i]) {
			struct grp *g = o->tab[i];

			o->tab[i] = g->next;
			grp_free(w, g);
		}
	free(o->tab);
	free(o);
}

static void
win_remove(struct window_engine *w, size_t i)
{
	memmove(w->w + i, w->w + i + 1, (w->n - i - 1) * sizeof(*w->w));
	w->n--;
}

void
window_free(struct window_engine *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++)
		win_free(w, w->w[i]);
	free(w->w);
	for (i = 0; i < w->c.nagg; i++)
		buf_free(&w->vals[i].text);
	free(w->vals);
	free(w->kind);
	free(w->span);
	jp_free(&w->doc);
	buf_free(&w->key);
	buf_free(&w->sbuf);
	buf_free(&w->row);
	buf_free(&w->err);
	window_config_free(&w->c);
	free(w);
}

/* ---- rows ---- */

static void
put_time(const struct window_engine *w, struct buf *o, int64_t us)
{
	char s[80];
	int64_t secs = us / 1000000, frac = us % 1000000, days, sod;
	int k, iso = w->c.time_format == WINDOW_TIME_ISO;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	if (w->c.time_format == WINDOW_TIME_EPOCH_MS) {
		jw_i64(o, secs * 1000 + frac / 1000);
		return;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	/* Years as Spark writes them (ISO proleptic): 0000, -0001, +10000 */
	s[0] = '"';
	k = 1 + ts_format_date(s + 1, sizeof(s) - 1, days);
	k += snprintf(s + k, sizeof(s) - (size_t)k, "%c%02d:%02d:%02d", iso ? 'T' : ' ',
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (frac) {
		int digits = 6;

		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		k += snprintf(s + k, sizeof(s) - (size_t)k, ".%0*" PRId64, digits, frac);
	}
	k += snprintf(s + k, sizeof(s) - (size_t)k, "%s\"", iso ? "Z" : "");
	buf_put(o, s, (size_t)k);
}

static void
put_key(struct buf *o, const char *s)
{
	size_t bad;

	jw_str(o, (const unsigned char *)s, strlen(s), &bad);
}

/* The value of group column i for the key's i-th part, labelled if a label maps it. */
static void
put_group(const struct window_engine *w, struct buf *o, size_t i, const char *v, size_t n)
{
	const struct window_group *gc = &w->c.group[i];
	size_t k;

	for (k = 0; k < gc->nlabel; k++)
		if (strlen(gc->value[k]) == n && memcmp(gc->value[k], v, n) == 0) {
			put_key(o, gc->label[k]);
			return;
		}
	buf_put(o, v, n);
}

static void
put_agg(struct buf *o, const struct window_aggdef *ad, const struct wa_agg *a)
{
	switch (ad->kind) {
	case WA_COUNT:
	case WA_COUNT_OF:
		jw_i64(o, a->cnt);
		return;
	case WA_DISTINCT:
		jw_i64(o, (int64_t)a->distinct.n);
		return;
	default:
		break;
	}
	if (!a->has) {
		buf_puts(o, "null");
		return;
	}
	switch (ad->kind) {
	case WA_SUM:
		if (a->allint)
			jw_i64(o, a->isum);
		else
			jw_double(o, a->sum);
		break;
	case WA_MIN:
	case WA_MAX:
		if (a->allint)
			jw_i64(o, ad->kind == WA_MIN ? a->imin : a->imax);
		else
			jw_double(o, ad->kind == WA_MIN ? a->min : a->max);
		break;
	default:
		jw_double(o, a->sum / (double)a->cnt);
	}
}

/* Value v of the row: its text is what o gained since off. */
static void
span(struct window_engine *w, size_t v, size_t off)
{
	w->span[v].off = off;
	w->span[v].len = w->row.len - off;
}

/* One output row, to the emit callback. */
static void
emit(struct window_engine *w, const struct win *o, const struct grp *g)
{
	const char *p = g->key, *e = g->key + g->keylen;
	struct buf *r = &w->row;
	struct window_row row = {.start = o->start, .end = o->end, .val = w->span};
	size_t i, at;

	w->st.rows++;
	r->len = 0;
	buf_puts(r, "{\"window\":{\"start\":");
	at = r->len;
	put_time(w, r, o->start);
	span(w, 0, at);
	buf_puts(r, ",\"end\":");
	at = r->len;
	put_time(w, r, o->end);
	span(w, 1, at);
	buf_putc(r, '}');
	for (i = 0; i < w->c.ngroup; i++) {
		const char *q = memchr(p, '\x1f', (size_t)(e - p));

		if (!q)
			q = e;
		buf_putc(r, ',');
		put_key(r, w->c.group[i].column);
		buf_putc(r, ':');
		at = r->len;
		put_group(w, r, i, p, (size_t)(q - p));
		span(w, 2 + i, at);
		p = q + 1;
	}
	for (i = 0; i < w->c.nagg; i++) {
		buf_putc(r, ',');
		put_key(r, w->c.agg[i].name);
		buf_putc(r, ':');
		at = r->len;
		put_agg(r, &w->c.agg[i], &g->a[i]);
		span(w, 2 + w->c.ngroup + i, at);
	}
	buf_putc(r, '}');
	row.json = r->p;
	row.len = r->len;
	if (w->c.emit)
		w->c.emit(w->c.emit_arg, &row);
}

static int
grp_cmp(const void *a, const void *b)
{
	const struct grp *x = *(struct grp *const *)a, *y = *(struct grp *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	return c ? c : x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

/* The groups of o, sorted by key; only touched ones when touched_only. */
static struct grp **
sorted_groups(const struct win *o, int touched_only, size_t *n)
{
	struct grp **v = xmallocarray(o->n, sizeof(*v)), *g;
	size_t i, k = 0;

	for (i = 0; i < o->cap; i++)
		for (g = o->tab[i]; g; g = g->next)
			if (!touched_only || g->touched)
				v[k++] = g;
	qsort(v, k, sizeof(*v), grp_cmp);
	*n = k;
	return v;
}

/* Update mode: the rows that changed, in order of window, then group; no longer changed. */
static void
touched_emit(struct window_engine *w)
{
	size_t i, n, k;

	for (i = 0; i < w->n; i++) {
		struct grp **v = sorted_groups(w->w[i], 1, &n);

		for (k = 0; k < n; k++) {
			emit(w, w->w[i], v[k]);
			v[k]->touched = 0;
		}
		free(v);
	}
}

/*
 * Every window whose end the watermark mark has reached (all: every one),
 * in order; append mode emits their rows. Then they are freed.
 */
static void
close_windows(struct window_engine *w, int64_t mark, int all)
{
	size_t k = 0, i, n, j;

	while (k < w->n && (all || w->w[k]->end <= mark))
		k++;
	/*
	 * Flushed windows are final: with a state that persists the watermark
	 * moves to the end of the last of them, so that a later run drops
	 * records for them as late instead of writing those windows a second
	 * time.
	 */
	if (all && k && w->c.persistent) {
		int64_t last = INT64_MIN;

		for (i = 0; i < k; i++)
			if (w->w[i]->end > last)
				last = w->w[i]->end;
		if (last > wm(w)) {
			/* the watermark is in whole milliseconds: round up to one */
			int64_t ms = last / 1000 + (last % 1000 > 0), d = w->c.delay / 1000 * 1000;

			w->maxt = ms > (INT64_MAX - d) / 1000 ? INT64_MAX : ms * 1000 + d;
		}
	}
	for (i = 0; i < k; i++) {
		if (w->c.mode == WINDOW_APPEND) {
			struct grp **v = sorted_groups(w->w[i], 0, &n);

			for (j = 0; j < n; j++)
				emit(w, w->w[i], v[j]);
			free(v);
		}
		win_free(w, w->w[i]);
	}
	if (k) {
		memmove(w->w, w->w + k, (w->n - k) * sizeof(*w->w));
		w->n -= k;
	}
}

/* The watermark may have moved: the changed rows (update mode), then the windows it finished. */
static void
watermark_moved(struct window_engine *w)
{
	if (w->c.mode == WINDOW_UPDATE)
		touched_emit(w);
	close_windows(w, wm(w), 0);
}

/* ---- the records ---- */

static void
agg_add(const struct window_engine *w, struct grp *g)
{
	int batch = w->c.batching != WINDOW_EACH_RECORD;
	size_t i;

	for (i = 0; i < w->c.nagg; i++) {
		const struct val *v = &w->vals[i];
		struct wa_agg *a = &g->a[i];

		if (w->c.agg[i].kind == WA_COUNT) {
			a->cnt++;
			continue;
		}
		if (!v->has)
			continue;
		switch (w->c.agg[i].kind) {
		case WA_COUNT_OF:
			a->cnt++;
			continue;
		case WA_DISTINCT:
			wa_set_add(&a->distinct, v->text.p, v->text.len);
			continue;
		default:
			break;
		}
		a->cnt++;
		if (!v->isint)
			a->allint = 0;
		else if (a->allint) {
			/*
			 * The integer sum is --sum's alone (min, max and avg would
			 * overflow it for nothing); checked by sum_overflows before
			 * any window got the record.
			 */
			if (w->c.agg[i].kind != WA_SUM)
				;
			else if (batch)
				a->bisum = (int64_t)((uint64_t)a->bisum + (uint64_t)v->iv);
			else
				a->isum = (int64_t)((uint64_t)a->isum + (uint64_t)v->iv);
			if (!a->has || v->iv < a->imin)
				a->imin = v->iv;
			if (!a->has || v->iv > a->imax)
				a->imax = v->iv;
		}
		if (batch)
			a->bsum += v->x;
		else
			a->sum += v->x;
		if (!a->has || v->x < a->min)
			a->min = v->x;
		if (!a->has || v->x > a->max)
			a->max = v->x;
		a->has = 1;
	}
}

/*
 * The record's values into w->vals: 0, or -1 (the message set) when an
 * aggregated field holds something the aggregate cannot take (sum, min, max
 * and avg want numbers; count-distinct values must be valid JSON text).
 */
static int
read_values(struct window_engine *w)
{
	const struct jp_doc *d = &w->doc;
	char why[200];	/* as long as these messages have always been */
	size_t i;

	w->vals_isum = 0;
	for (i = 0; i < w->c.nagg; i++) {
		const struct window_aggdef *ad = &w->c.agg[i];
		struct val *v = &w->vals[i];
		const struct jp_node *x;

		v->has = 0;
		if (ad->kind == WA_COUNT)
			continue;
		x = wa_get(d, &ad->path);
		if (!x || x->t == JP_NULL)
			continue;
		v->has = 1;
		if (ad->kind == WA_DISTINCT) {
			v->text.len = 0;
			if (put_value(d, x, &v->text, &w->sbuf) < 0) {
				snprintf(why, sizeof(why), "%s: invalid string (not UTF-8, a lone surrogate or "
				    "a bad escape) for --count-distinct %s", ad->path.seg[ad->path.n - 1],
				    ad->name);
				return fail(w, "%s", why);
			}
		} else if (ad->kind >= WA_SUM && ad->kind <= WA_AVG) {
			if (x->t != JP_NUM) {
				snprintf(why, sizeof(why), "%s: expected a number for --%s %s",
				    ad->path.seg[ad->path.n - 1], wa_agg_name[ad->kind], ad->name);
				return fail(w, "%s", why);
			}
			v->isint = jp_number(x, &v->iv, &v->x);
			w->vals_isum |= v->isint && ad->kind == WA_SUM;
		}
	}
	return 0;
}

/*
 * Spark sums longs as longs and, in ANSI mode (Spark 4's default), fails the
 * query when a sum overflows; the engine refuses the record instead, before
 * any window has it. With batching, as in Spark, that is the batch's
 * partial sum; its addition to the stored sum is checked at the end of the
 * batch (fold_batch). The aggregates of the groups gs (merged into one, for
 * sessions) plus the record: the index of a --sum that would overflow
 * int64_t, or -1.
 */
static long
sum_overflows(const struct window_engine *w, struct grp *const *gs, size_t n)
{
	int batch = w->c.batching != WINDOW_EACH_RECORD;
	size_t i, k;

	for (i = 0; i < w->c.nagg; i++) {
		__int128 tot, stored = 0;
		int allint = 1;

		if (w->c.agg[i].kind != WA_SUM || !w->vals[i].has || !w->vals[i].isint)
			continue;
		/* batching: the batch's partial sum, as Spark's partial aggregation */
		tot = w->vals[i].iv;
		for (k = 0; k < n; k++) {
			allint &= gs[k]->a[i].allint;
			tot += batch ? gs[k]->a[i].bisum : gs[k]->a[i].isum;
			stored += gs[k]->a[i].isum;
		}
		if (allint && (tot > INT64_MAX || tot < INT64_MIN || stored > INT64_MAX || stored < INT64_MIN))
			return (long)i;
	}
	return -1;
}

/*
 * Event time of the document in microseconds: 1; none or null: 0; the wrong
 * type: -1; a number or string that no timestamp can hold: -2. Fractions
 * finer than a microsecond are truncated, as Spark's casts truncate them.
 */
static int
event_time(struct window_engine *w, int64_t *t)
{
	const struct jp_node *v = wa_get(&w->doc, &w->c.time);
	static const int64_t mul[] = {1000000, 1000, 1};
	int64_t iv = 0;
	double x;

	if (!v || v->t == JP_NULL)
		return 0;
	if (w->c.unit == WINDOW_ISO) {
		const char *s;
		size_t n;

		/* more than 6 digits of fraction: Spark keeps the first 6 */
		if (v->t != JP_STR || jp_str(v, &w->sbuf, &s, &n) < 0 ||
		    ts_parse(s, n, 1000000, 0, 1, t, NULL) < 0)
			return -1;
		return 1;
	}
	if (v->t != JP_NUM)
		return -1;
	if (jp_number(v, &iv, &x))
		return __builtin_mul_overflow(iv, mul[w->c.unit], t) ? -2 : 1;
	/* Spark: (long)(seconds * 1e6), truncated toward zero */
	x *= (double)mul[w->c.unit];
	if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0))
		return -2;	/* also NaN */
	*t = (int64_t)x;
	return 1;
}

/*
 * The windows of event time t: the last starts at *last, and there are *n,
 * starting *last - k * slide. 0, or -1 when one of them has a bound no
 * timestamp can hold (int64_t microseconds: years -290308 to 294247), as
 * Spark refuses them; computed in 128 bits, so that nothing overflows.
 */
static int
windows_of(const struct window_engine *w, int64_t t, int64_t *last, int64_t *n)
{
	const struct window_config *c = &w->c;
	__int128 r, l, first, k;

	if (c->gap) {
		*last = t;
		*n = 1;
		return (__int128)t + c->gap > INT64_MAX ? -1 : 0;
	}
	r = ((__int128)t - c->offset) % c->slide;
	if (r < 0)
		r += c->slide;
	l = (__int128)t - r;
	/* the starts s = l - k * slide with s > t - size: k < (l - t + size) / slide */
	k = ((l - t + c->size) + c->slide - 1) / c->slide;
	first = l - (k - 1) * c->slide;
	if (k < 1 || l + c->size > INT64_MAX || first < INT64_MIN)
		return -1;
	*last = (int64_t)l;
	*n = (int64_t)k;
	return 0;
}

/*
 * b into a: two sessions that merge, or (into_batch) a part's aggregates
 * (winagg --merge) into the batch's, its sums into the batch's sums, as
 * agg_add puts a batch's records in.
 */
/* Doubles in order of value, NaN last: an order whatever order they came in. */
static int
double_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

/*
 * --merge: the sums of the batch's parts into its sum, added in order of
 * value, so that the parts' rows may come in any order: the doubles of one
 * part add up as winagg adds them (in input order, in the worker), those of
 * several as one winagg would only if they are exact (man winagg, "Scaling
 * out").
 */
static void
bpart_fold(struct wa_agg *a)
{
	size_t i;

	if (!a->nbpart)
		return;
	qsort(a->bpart, a->nbpart, sizeof(double), double_cmp);
	for (i = 0; i < a->nbpart; i++)
		a->bsum += a->bpart[i];
	a->nbpart = 0;
}

static void
agg_merge(struct wa_agg *a, const struct wa_agg *b, int into_batch)
{
	size_t s;

	if (b->has) {
		if (!a->has || b->imin < a->imin)
			a->imin = b->imin;	/* meaningful while both are all integers */
		if (!a->has || b->imax > a->imax)
			a->imax = b->imax;
		if (!a->has || b->min < a->min)
			a->min = b->min;
		if (!a->has || b->max > a->max)
			a->max = b->max;
		a->has = 1;
	}
	a->cnt += b->cnt;
	if (into_batch) {
		/* an integer sum is kept while all are integers; merge_overflows checked it */
		if (a->allint && b->allint)
			a->bisum = (int64_t)((uint64_t)a->bisum + (uint64_t)b->isum);
		if (b->has) {
			a->bpart = xgrowarray(a->bpart, &a->bpartcap, a->nbpart + 1, sizeof(double));
			a->bpart[a->nbpart++] = b->sum;
		}
	} else {
		/* wraps only on the way: sum_overflows checked the total of the merge */
		a->isum = (int64_t)((uint64_t)a->isum + (uint64_t)b->isum);
		a->sum += b->sum;
		a->bsum += b->bsum;
		a->bisum = (int64_t)((uint64_t)a->bisum + (uint64_t)b->bisum);
	}
	a->allint &= b->allint;
	for (s = 0; s < b->distinct.cap; s++)
		if (b->distinct.v[s])
			wa_set_add(&a->distinct, b->distinct.v[s], strlen(b->distinct.v[s]));
}

static int
touches(const struct win *o, int64_t start, int64_t end)
{
	return o->start <= end && start <= o->end;
}

/*
 * Session windows (Spark's session_window): the record opens [t, t + gap);
 * every open session of its group that overlaps or touches it merges with it
 * (an event at exactly the last one's time + gap continues the session, as
 * in Spark). -1 when done, -2 when late, or the index of a --sum that the
 * merge would overflow, with nothing changed.
 */
static long
session_add(struct window_engine *w, int64_t t, const char *key, size_t klen, int64_t mark)
{
	int64_t start = t, end = t + w->c.gap;
	struct grp **gs = NULL, *g;
	size_t ng = 0, i, k;
	long bad;
	int grew;

	if (end <= mark) {
		w->st.late++;
		return -2;
	}
	/*
	 * The open sessions of one group never touch each other (they would
	 * have merged), so the sessions that touch the range, grown until it
	 * stops growing, are those that merge.
	 */
	do {
		grew = 0;
		for (i = 0; i < w->n; i++) {
			const struct win *o = w->w[i];

			if (touches(o, start, end) && (o->start < start || o->end > end) &&
			    grp_find(o, key, klen)) {
				start = o->start < start ? o->start : start;
				end = o->end > end ? o->end : end;
				grew = 1;
			}
		}
	} while (grew);
	for (i = 0; i < w->n; i++)
		if (touches(w->w[i], start, end) && (g = grp_find(w->w[i], key, klen))) {
			gs = xreallocarray(gs, ng + 1, sizeof(*gs));
			gs[ng++] = g;
		}
	if ((bad = sum_overflows(w, gs, ng)) >= 0) {
		free(gs);
		return bad;
	}
	for (i = 0; i < w->n;) {
		struct win *o = w->w[i];

		if (touches(o, start, end) && grp_unlink(o, key, klen) && o->n == 0) {
			win_remove(w, i);
			win_free(w, o);
			continue;
		}
		i++;
	}
	g = win_group(w, win_get(w, start, end), key, klen);
	for (i = 0; i < ng; i++) {
		for (k = 0; k < w->c.nagg; k++)
			agg_merge(&g->a[k], &gs[i]->a[k], 0);
		grp_free(w, gs[i]);
	}
	free(gs);
	agg_add(w, g);
	g->touched = 1;
	return -1;
}

/*
 * Sliding and tumbling windows: the record goes into each of its nwin
 * windows, the last starting at last, that the watermark mark has not
 * passed. -1 when done, -2 when late for some, or the index of a --sum that
 * would overflow, with nothing changed.
 */
static long
windows_add(struct window_engine *w, int64_t last, int64_t nwin, const char *key, size_t klen,
    int64_t mark)
{
	int64_t s, k;
	long bad = -1;
	int anylate = 0;

	/* no window gets the record if one of its sums would overflow */
	for (k = 0; w->vals_isum && bad < 0 && k < nwin; k++) {
		struct win *o;
		struct grp *g;

		s = last - k * w->c.slide;
		if (s + w->c.size > mark && (o = win_find(w, s, s + w->c.size)) &&
		    (g = grp_find(o, key, klen)))
			bad = sum_overflows(w, &g, 1);
	}
	if (bad >= 0)
		return bad;
	for (k = 0; k < nwin; k++) {
		struct grp *g;

		s = last - k * w->c.slide;
		if (s + w->c.size <= mark) {
			w->st.late++;
			anylate = 1;
			continue;
		}
		g = win_group(w, win_get(w, s, s + w->c.size), key, klen);
		agg_add(w, g);
		g->touched = 1;
		g->pairs++;
	}
	return anylate ? -2 : -1;
}

static enum window_fed __attribute__((format(printf, 2, 3)))
bad_record(struct window_engine *w, const char *fmt, ...)
{
	va_list ap;

	w->st.bad++;
	va_start(ap, fmt);
	vfail(w, fmt, ap);
	va_end(ap);
	return WINDOW_BAD;
}

enum window_fed
window_feed(struct window_engine *w, const char *json, size_t len)
{
	const struct window_config *c = &w->c;
	struct jp_doc *d = &w->doc;
	int64_t ev, last, nwin, mark = c->partial ? INT64_MIN : c->batching == WINDOW_EACH_RECORD ? wm(w) :
	    c->batching == WINDOW_BACK_TO_BACK && w->late_mark != INT64_MIN ? w->late_mark :
	    w->batch_mark;
	const char *key;
	size_t i;
	long rc;

	w->st.read++;
	if (!json)
		return bad_record(w, "a null record (a tombstone): expected a JSON object");
	if (jp_parse(d, json, len) < 0)
		return bad_record(w, "invalid JSON at byte %zu of the record: %s", d->erroff, d->msg);
	if (d->root.t != JP_OBJ)
		return bad_record(w, "expected a JSON object");
	for (i = 0; i < c->nwhere; i++)
		if (!wa_where_match(&c->where[i], d, &w->sbuf)) {
			w->st.filtered++;
			return WINDOW_FILTERED;
		}
	if ((rc = event_time(w, &ev)) == 0) {
		w->st.notime++;
		return WINDOW_NO_TIME;
	}
	if (rc == -1)
		return bad_record(w, "event time %s: expected %s", c->time.seg[c->time.n - 1],
		    c->unit == WINDOW_ISO ? "an ISO-8601 timestamp string" : "a number");
	if (rc < 0 || windows_of(w, ev, &last, &nwin) < 0)
		return bad_record(w, "event time %s: out of range: %s", c->time.seg[c->time.n - 1],
		    rc < 0 ? "more microseconds than 64 bits hold (a timestamp holds years -290308 to "
		    "294247)" : "its windows would end past what a timestamp holds (years -290308 to "
		    "294247)");
	if (read_values(w) < 0) {
		w->st.bad++;
		return WINDOW_BAD;
	}
	w->key.len = 0;
	for (i = 0; i < c->ngroup; i++) {
		if (i)
			buf_putc(&w->key, '\x1f');
		if (put_value(d, wa_get(d, &c->group[i].path), &w->key, &w->sbuf) < 0)
			return bad_record(w, "%s: invalid string (not UTF-8, a lone surrogate or a bad "
			    "escape) for --group-by %s", c->group[i].path.seg[c->group[i].path.n - 1],
			    c->group[i].column);
	}
	key = w->key.p ? w->key.p : "";
	if (c->gap)
		rc = session_add(w, ev, key, w->key.len, mark);
	else
		rc = windows_add(w, last, nwin, key, w->key.len, mark);
	if (rc >= 0)
		return bad_record(w, "--sum %s: the sum of %s overflows a 64-bit integer (Spark 4 fails "
		    "the query so: ARITHMETIC_OVERFLOW)", c->agg[rc].name,
		    c->agg[rc].path.seg[c->agg[rc].path.n - 1]);
	if (w->maxt == INT64_MIN || ev > w->maxt)
		w->maxt = ev;
	return rc == -2 ? WINDOW_LATE : WINDOW_TAKEN;
}

/*
 * Batching: Spark sums a batch's doubles per window and group in input
 * order (its partial aggregation), then adds that to the stored sum; doubles
 * do not add associatively (1e16 + 1 - 1e16 is 0 that way, 1 record by
 * record), so the engine does the same: each batch's sums wait in bsum.
 */
static int
fold_batch(struct window_engine *w)
{
	const struct window_config *c = &w->c;
	size_t i, k, j;
	struct grp *g;

	for (j = 0; j < c->nagg && c->agg[j].kind != WA_SUM && c->agg[j].kind != WA_AVG; j++)
		;
	if (j == c->nagg)
		return 0;	/* no sums: nothing waits in bsum or bisum */
	for (i = 0; i < w->n; i++)
		for (k = 0; k < w->w[i]->cap; k++)
			for (g = w->w[i]->tab[k]; g; g = g->next)
				for (j = 0; j < c->nagg; j++) {
					struct wa_agg *a = &g->a[j];

					bpart_fold(a);
					a->sum += a->bsum;
					a->bsum = 0;
					if (__builtin_add_overflow(a->isum, a->bisum, &a->isum) && a->allint &&
					    c->agg[j].kind == WA_SUM) {
						struct buf t = {0};

						put_time(w, &t, w->w[i]->start);
						buf_putc(&t, 0);
						/* Spark fails the batch so */
						fail(w, "--sum %s: the batch's sum in the window starting %s "
						    "(group %.*s) added to the stored sum overflows a 64-bit integer "
						    "(Spark 4 fails the query so: ARITHMETIC_OVERFLOW); the state "
						    "is as before the batch", c->agg[j].name, t.p,
						    (int)(g->keylen > 200 ? 200 : g->keylen), g->key);
						buf_free(&t);
						return -1;
					}
					a->bisum = 0;
				}
	return 0;
}

/*
 * Batching: the watermark advances once, at the end of the batch, and the
 * windows it finished are written, as Spark's no-data batch after a data
 * batch writes them. Back to back: Spark's data batch N drops late rows
 * against the watermark of batch N-1 and closes windows with its own (the
 * one it started with), which the next batch then drops late rows against.
 */
int
window_advance(struct window_engine *w)
{
	/*
	 * Every window starts at or before the highest event time (a record's
	 * windows start at or before its time): only rows of winagg --partial
	 * whose meta row did not come break that, and the state they would
	 * save is one winagg refuses to load. Windows are sorted by end, and
	 * all as long: the last starts last.
	 */
	if (w->n && w->c.gap == 0 && (w->maxt == INT64_MIN || w->w[w->n - 1]->start > w->maxt))
		return fail(w, "a window of the batch starts after the highest event time its records "
		    "had: rows of winagg --partial came without their meta row (the state is as before "
		    "the batch)");
	switch (w->c.batching) {
	case WINDOW_EACH_RECORD:
		watermark_moved(w);
		return 0;
	case WINDOW_MICRO_BATCH:
		if (fold_batch(w) < 0)
			return -1;
		watermark_moved(w);
		break;
	case WINDOW_BACK_TO_BACK:
		if (fold_batch(w) < 0)
			return -1;
		if (w->c.mode == WINDOW_UPDATE)
			touched_emit(w);
		close_windows(w, w->batch_mark, 0);
		w->late_mark = w->batch_mark;
		break;
	}
	w->batch_mark = wm(w);
	return 0;
}

void
window_flush(struct window_engine *w)
{
	close_windows(w, 0, 1);
	/* back to back: the flushed windows are late for the next batch too */
	if (w->c.batching == WINDOW_BACK_TO_BACK && w->late_mark < wm(w))
		w->late_mark = wm(w);
}

/*
 * Each group of each open window as a state line has it, in order of
 * window (end, start), then of key: the batch's part of the sums counts as
 * stored.
 */
static void
each_group(const struct window_engine *w, void (*fn)(void *arg, struct wa_state_group *sg,
    const struct grp *g), void *arg)
{
	struct wa_state_group sg = {.agg = xcalloc(w->c.nagg, sizeof(*sg.agg)), .nagg = w->c.nagg};
	struct grp **v;
	size_t i, k, j, n;

	for (i = 0; i < w->n; i++) {
		sg.start = w->w[i]->start;
		sg.end = w->w[i]->end;
		/*
		 * Groups in key order, not the hash table's (which depends on the
		 * order they came in): the same state is the same file, whether
		 * it was loaded or built by records (a run per batch, or one run
		 * with checkpoint barriers, docs/DESIGN.md §8).
		 */
		v = sorted_groups(w->w[i], 0, &n);
		for (k = 0; k < n; k++) {
			sg.key = v[k]->key;
			sg.keylen = v[k]->keylen;
			for (j = 0; j < w->c.nagg; j++) {
				struct wa_agg *a = &v[k]->a[j];

				bpart_fold(a);
				sg.agg[j] = *a;
				sg.agg[j].isum = (int64_t)((uint64_t)a->isum + (uint64_t)a->bisum);
				sg.agg[j].sum = a->sum + a->bsum;
				sg.agg[j].bisum = 0;
				sg.agg[j].bsum = 0;
			}
			fn(arg, &sg, v[k]);
		}
		free(v);
	}
	free(sg.agg);
}

struct save {
	FILE *f;
	struct buf o;
};

static void
save_group(void *arg, struct wa_state_group *sg, const struct grp *g)
{
	struct save *sv = arg;

	sv->o.len = 0;
	wa_state_put_group(&sv->o, sg);
	buf_putc(&sv->o, '\n');
	fwrite(sv->o.p, 1, sv->o.len, sv->f);
}

/* ---- scaling out: --partial and --merge ---- */

struct partial_out {
	struct window_engine *w;
	const char *fp;
	void (*put)(void *arg, const char *row, size_t len);
	void *arg;
};

static void
partial_group(void *arg, struct wa_state_group *sg, const struct grp *g)
{
	struct partial_out *po = arg;
	struct window_engine *w = po->w;
	size_t j;

	/* an integer sum is kept while all are integers only */
	for (j = 0; j < sg->nagg; j++)
		if (!sg->agg[j].allint)
			sg->agg[j].isum = 0;
	w->row.len = 0;
	wa_partial_put_group(&w->row, po->fp, sg, g->pairs);
	po->put(po->arg, w->row.p, w->row.len);
	w->st.rows++;
}

void
window_partial(struct window_engine *w, const char *fp,
    void (*put)(void *arg, const char *row, size_t len), void *arg)
{
	struct partial_out po = {w, fp, put, arg};
	struct wa_partial m = {.max_time = w->maxt};
	size_t i;

	each_group(w, partial_group, &po);
	for (i = 0; i < w->n; i++)
		win_free(w, w->w[i]);
	w->n = 0;
	m.read = w->st.read - w->part.read;
	m.filtered = w->st.filtered - w->part.filtered;
	m.notime = w->st.notime - w->part.notime;
	m.bad = w->st.bad - w->part.bad;
	w->row.len = 0;
	wa_partial_put_meta(&w->row, fp, &m);
	put(arg, w->row.p, w->row.len);
	w->st.rows++;
	w->part = w->st;
	w->maxt = INT64_MIN;
}

static enum window_merged __attribute__((format(printf, 3, 4)))
merge_fail(struct window_engine *w, enum window_merged rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(w, fmt, ap);
	va_end(ap);
	return rc;
}

/* A meta row: its counts to the stats, its event time to the watermark's. */
static enum window_merged
merge_meta(struct window_engine *w, const struct wa_partial *m)
{
	struct window_stats st = w->st;

	if (__builtin_add_overflow(st.read, m->read, &st.read) ||
	    __builtin_add_overflow(st.filtered, m->filtered, &st.filtered) ||
	    __builtin_add_overflow(st.notime, m->notime, &st.notime) ||
	    __builtin_add_overflow(st.bad, m->bad, &st.bad))
		return merge_fail(w, WINDOW_MERGE_OVERFLOW, "the counts of records read add up to more "
		    "than 64 bits hold");
	w->st = st;
	if (m->max_time != INT64_MIN && (w->maxt == INT64_MIN || m->max_time > w->maxt))
		w->maxt = m->max_time;
	return WINDOW_MERGED;
}

/*
 * Whether part b merged into the aggregates a (NULL: a new group) would
 * overflow: the counts past 2^62 (what a state file may hold), or a --sum's
 * batch total of integers past 64 bits, which winagg refuses as it comes
 * (sum_overflows): NULL, or the message.
 */
static const char *
merge_overflows(const struct window_engine *w, const struct grp *a, const struct wa_agg *b, size_t *at)
{
	size_t i;
	int64_t x;

	for (i = 0; a && i < w->c.nagg; i++) {
		*at = i;
		if (__builtin_add_overflow(a->a[i].cnt, b[i].cnt, &x) || x > WA_COUNT_MAX ||
		    a->a[i].distinct.n + b[i].distinct.n > (size_t)WA_COUNT_MAX)
			return "its count added to the batch's goes past 2^62";
		if (w->c.agg[i].kind == WA_SUM && a->a[i].allint && b[i].allint && b[i].has &&
		    __builtin_add_overflow(a->a[i].bisum, b[i].isum, &x))
			return "its integer sum added to the batch's overflows a 64-bit integer (winagg "
			    "refuses the record that makes it overflow: Spark 4's ARITHMETIC_OVERFLOW)";
	}
	return NULL;
}

enum window_merged
window_merge(struct window_engine *w, const char *fp, const char *json, size_t n)
{
	const struct window_config *c = &w->c;
	struct wa_state_cfg sc = {.size = c->size, .slide = c->slide, .offset = c->offset,
	    .ngcol = c->ngroup, .nagg = c->nagg};
	int64_t mark = c->batching == WINDOW_BACK_TO_BACK && w->late_mark != INT64_MIN ? w->late_mark :
	    w->batch_mark;
	enum window_merged rc = WINDOW_MERGED;
	struct wa_partial m;
	const char *why;
	struct grp *g;
	struct win *o;
	char err[256];
	size_t i;

	if (!json)
		return merge_fail(w, WINDOW_MERGE_BAD, "a null record (a tombstone): expected a row of "
		    "winagg --partial");
	if (!w->kind) {
		w->kind = xcalloc(c->nagg, sizeof(*w->kind));
		for (i = 0; i < c->nagg; i++)
			w->kind[i] = c->agg[i].kind;
	}
	sc.kind = w->kind;
	switch (wa_partial_parse(json, n, &sc, fp, &m, err, sizeof(err))) {
	case -1:
		return merge_fail(w, WINDOW_MERGE_BAD, "not a row of winagg --partial with these options: %s",
		    err);
	case -2:
		rc = merge_fail(w, WINDOW_MERGE_OTHER, "a row of winagg --partial made with other options "
		    "(fingerprint \"%.40s\", these options make \"%s\"): --time, --time-unit, --window, "
		    "--slide, --offset, --where, --group-by and the aggregates must be the same, in the "
		    "same order, for --partial and --merge", m.fp, fp);
		wa_partial_free(&m);
		return rc;
	}
	if (m.meta) {
		rc = merge_meta(w, &m);
		wa_partial_free(&m);
		return rc;
	}
	if (m.g.end <= mark) {
		/* as winagg counts each record's late windows */
		w->st.late += (uint64_t)m.pairs;
		wa_partial_free(&m);
		return WINDOW_MERGE_LATE;
	}
	o = win_find(w, m.g.start, m.g.end);
	g = o ? grp_find(o, m.g.key, m.g.keylen) : NULL;
	if ((why = merge_overflows(w, g, m.g.agg, &i))) {
		struct buf t = {0};

		put_time(w, &t, m.g.start);
		buf_putc(&t, 0);
		rc = merge_fail(w, WINDOW_MERGE_OVERFLOW, "--%s %s: in the window starting %s (group "
		    "%.*s), %s", wa_agg_name[c->agg[i].kind], c->agg[i].name, t.p,
		    (int)(m.g.keylen > 200 ? 200 : m.g.keylen), m.g.key, why);
		buf_free(&t);
		wa_partial_free(&m);
		return rc;
	}
	g = win_group(w, win_get(w, m.g.start, m.g.end), m.g.key, m.g.keylen);
	for (i = 0; i < c->nagg; i++)
		agg_merge(&g->a[i], &m.g.agg[i], 1);
	g->touched = 1;
	wa_partial_free(&m);
	return WINDOW_MERGED;
}

/* ---- the state ---- */

/* The largest state file loaded (1 GiB): a larger or endless one is refused, not read on. */
#define WINDOW_STATE_MAX ((off_t)1 << 30)

int
window_save(const struct window_engine *w, FILE *f)
{
	struct wa_state_head h = {.config = w->c.fingerprint, .max_time = w->maxt, .windows = w->n,
	    .late_mark = w->c.batching == WINDOW_BACK_TO_BACK ? w->late_mark : INT64_MIN};
	struct save sv = {.f = f};

	wa_state_put_head(&sv.o, &h);
	buf_putc(&sv.o, '\n');
	fwrite(sv.o.p, 1, sv.o.len, f);
	each_group(w, save_group, &sv);
	buf_free(&sv.o);
	return ferror(f) ? -1 : 0;
}

/* Returns -1 with errno as it was before f was closed. */
static int
close_failed(FILE *f)
{
	int e = errno;

	fclose(f);
	errno = e;
	return -1;
}

/*
 * The state goes to PATH.tmp.XXXXXX, a name no one can guess in advance
 * (mkostemp: random letters, created with O_EXCL, so never through a link
 * planted there, readable by the owner only), synced and renamed over path
 * (which replaces a link at path, never writes through it), the directory
 * synced. On failure the temporary file is removed and w's error names path.
 */
int
window_save_file(struct window_engine *w, const char *path)
{
	char *dir, *slash, *tmp;
	FILE *f = NULL;
	int fd, e;

	w->err.len = 0;
	buf_printf(&w->err, "%s.tmp.XXXXXX", path);
	tmp = xstrndup(w->err.p, w->err.len);
	fail(w, "%s", path);
	fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	if (!(f = fdopen(fd, "w")))
		goto failed;
	window_save(w, f);
	if (fflush(f) || ferror(f) || fsync(fd) < 0)
		goto failed;
	e = fclose(f);
	f = NULL;
	fd = -1;
	if (e || rename(tmp, path) < 0)
		goto failed;
	free(tmp);
	/* The rename itself must reach the disk: sync the directory. */
	dir = xstrndup(path, strlen(path));
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	fd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
	return 0;
failed:
	e = errno;
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}

/* A session of the state being loaded: its key, its window and its line. */
struct loaded_session {
	const char *key;
	size_t keylen, line;
	int64_t start, end;
};

/* What the checks that span lines need. */
struct load {
	int64_t *total;		/* per aggregate: the counts of the lines so far */
	struct loaded_session *s;
	size_t n, cap;
};

/* A group line's values into the windows: 0, or -1. */
static int
load_group(struct window_engine *w, struct load *ld, struct wa_state_group *sg, size_t line)
{
	struct win *o = win_get(w, sg->start, sg->end);
	size_t before = o->n, i;
	struct grp *g = win_group(w, o, sg->key, sg->keylen);

	if (o->n == before)
		return fail(w, "the window and group of an earlier line again");
	if (w->c.gap) {
		ld->s = xgrowarray(ld->s, &ld->cap, ld->n + 1, sizeof(*ld->s));
		ld->s[ld->n++] = (struct loaded_session){g->key, g->keylen, line, sg->start, sg->end};
	}
	for (i = 0; i < w->c.nagg; i++) {
		if (__builtin_add_overflow(ld->total[i], sg->agg[i].cnt, &ld->total[i]) ||
		    ld->total[i] > WA_COUNT_MAX)
			return fail(w, "the counts of one aggregate add up to more than 2^62");
		g->a[i] = sg->agg[i];	/* the line's distinct values go to the group */
		memset(&sg->agg[i].distinct, 0, sizeof(sg->agg[i].distinct));
	}
	return 0;
}

static int
key_cmp(const struct loaded_session *a, const struct loaded_session *b)
{
	int c = memcmp(a->key, b->key, a->keylen < b->keylen ? a->keylen : b->keylen);

	return c ? c : (a->keylen > b->keylen) - (a->keylen < b->keylen);
}

static int
session_cmp(const void *pa, const void *pb)
{
	const struct loaded_session *a = pa, *b = pb;
	int c = key_cmp(a, b);

	return c ? c : (a->start > b->start) - (a->start < b->start);
}

/*
 * The engine never keeps two sessions of one key that overlap (a record in
 * both merges them), so a state that has them was not saved by it: refused,
 * naming both lines. Sorting is O(n log n): 1,000,000 sessions load in well
 * under a second, where comparing each with the open windows would not.
 * 0, or -1 with *line the later of the two.
 */
static int
sessions_apart(struct window_engine *w, struct load *ld, size_t *line)
{
	size_t i;

	if (ld->n < 2)
		return 0;	/* none, or not session windows: ld->s may be NULL, which qsort must not get */
	qsort(ld->s, ld->n, sizeof(*ld->s), session_cmp);
	for (i = 1; i < ld->n; i++) {
		const struct loaded_session *a = &ld->s[i - 1], *b = &ld->s[i];

		if (key_cmp(a, b) == 0 && a->end >= b->start) {
			char why[160];

			snprintf(why, sizeof(why), "its session overlaps or touches the one of line %zu, "
			    "of the same group", a->line < b->line ? a->line : b->line);
			*line = a->line < b->line ? b->line : a->line;
			return fail(w, "%s", why);
		}
	}
	return 0;
}

/* The lines of f, each checked and loaded as it is read. */
static enum window_loaded
load_lines(struct window_engine *w, FILE *f, struct load *ld, struct wa_state_head *h, size_t *ln)
{
	struct wa_state_cfg sc = {.session = w->c.gap != 0, .size = w->c.size, .slide = w->c.slide,
	    .offset = w->c.offset, .gap = w->c.gap, .ngcol = w->c.ngroup, .nagg = w->c.nagg};
	enum wa_kind *kind = xcalloc(w->c.nagg, sizeof(*kind));
	enum window_loaded rc = WINDOW_LOADED;
	struct wa_state_group sg;
	char *line = NULL, why[256];
	size_t cap = 0, i, bytes = 0;
	ssize_t n;

	for (i = 0; i < w->c.nagg; i++)
		kind[i] = w->c.agg[i].kind;
	sc.kind = kind;
	while (rc == WINDOW_LOADED && (n = getline(&line, &cap, f)) > 0) {
		++*ln;
		bytes += (size_t)n;
		if (bytes > (size_t)WINDOW_STATE_MAX)
			rc = fail(w, "the file goes on past %d MiB, the most a state file may be",
			    (int)(WINDOW_STATE_MAX >> 20));
		else if (line[n - 1] != '\n')
			rc = fail(w, "truncated: no newline at the end");
		else if (*ln > 1) {
			if (wa_state_group_parse(line, (size_t)n - 1, &sc, h, &sg, why, sizeof(why)) < 0)
				rc = fail(w, "%s", why);
			else {
				if (load_group(w, ld, &sg, *ln) < 0)
					rc = WINDOW_LOAD_BAD;
				wa_state_group_free(&sg);
			}
		} else if (wa_state_head_parse(line, (size_t)n - 1, h, why, sizeof(why)) < 0)
			rc = fail(w, "%s", why);
		else if (strcmp(h->config, w->c.fingerprint) != 0) {
			fail(w, "%s", h->config);
			rc = WINDOW_LOAD_CONFIG;
		} else {
			w->maxt = h->max_time;
			w->late_mark = h->late_mark;
		}
	}
	free(line);
	free(kind);
	return rc;
}

enum window_loaded
window_load(struct window_engine *w, FILE *f, size_t *line)
{
	struct load ld = {.total = xcalloc(w->c.nagg, sizeof(*ld.total))};
	struct wa_state_head h = {0};
	enum window_loaded rc;

	*line = 0;
	rc = load_lines(w, f, &ld, &h, line);
	if (rc == WINDOW_LOADED && ferror(f))
		rc = WINDOW_LOAD_IOERR;
	else if (rc != WINDOW_LOADED)
		;
	else if (*line == 0)
		rc = fail(w, "empty");
	else if (w->n < h.windows)
		rc = fail(w, "fewer windows than the header says: truncated");
	else if (w->n > h.windows)
		rc = fail(w, "more windows than the header says");
	else if (sessions_apart(w, &ld, line) < 0)
		rc = WINDOW_LOAD_BAD;
	free(ld.s);
	free(ld.total);
	wa_state_head_free(&h);
	if (rc == WINDOW_LOADED)
		w->batch_mark = wm(w);
	return rc;
}

/* The kind of a file that is not a regular one, for the message. */
static const char *
file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	    "not a regular file";
}

/*
 * Only a regular file is a state (or no file at all): a FIFO would block the
 * open (it is opened without waiting, then checked), /dev/zero read on
 * forever. One larger than WINDOW_STATE_MAX is refused before a byte is read.
 * Those are WINDOW_LOAD_IOERR with errno EINVAL or EFBIG and window_error
 * saying what the file is.
 */
enum window_loaded
window_load_file(struct window_engine *w, const char *path, size_t *line)
{
	enum window_loaded rc;
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e;

	*line = 0;
	w->err.len = 0;
	if (fd < 0)
		return errno == ENOENT ? WINDOW_LOADED : WINDOW_LOAD_IOERR;
	e = fstat(fd, &st) < 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL :
	    st.st_size > WINDOW_STATE_MAX ? EFBIG : 0;
	if (e == EINVAL)
		fail(w, "%s, not a regular file: --state takes a file winagg wrote, or a path where "
		    "none is yet", file_kind(st.st_mode));
	else if (e == EFBIG)
		fail(w, "%lld bytes, larger than a state file may be (%d MiB)", (long long)st.st_size,
		    (int)(WINDOW_STATE_MAX >> 20));
	if (e || fcntl(fd, F_SETFL, 0) < 0 || !(f = fdopen(fd, "r"))) {
		e = e ? e : errno;
		close(fd);
		errno = e;
		return WINDOW_LOAD_IOERR;
	}
	rc = window_load(w, f, line);
	if (rc == WINDOW_LOAD_IOERR)
		close_failed(f);
	else
		fclose(f);
	return rc;
}
