/*
 * winagg: JSON records in, aggregates over event-time windows out, with a
 * watermark (DESIGN.md section 6). Times are int64 microseconds. Open windows
 * are kept sorted by (end, start), each with a hash table of its groups; a
 * window is emitted and freed once the watermark reaches its end, so memory
 * follows the open windows, not the input.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avenc.h"
#include "err.h"
#include "hash.h"
#include "io.h"
#include "jp.h"
#include "jw.h"
#include "tool.h"
#include "wa.h"

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: winagg --time field [--time-unit s|ms|us|iso]\n"
	    "              --window dur [--slide dur] [--offset dur] | --session gap\n"
	    "              [--watermark dur] [--where cond ...] [--group-by [column=]field ...]\n"
	    "              [--label column:value=label ...] [--count name]\n"
	    "              [--count-of name=field] [--sum name=field] [--min name=field]\n"
	    "              [--max name=field] [--avg name=field] [--count-distinct name=field]\n"
	    "              [--mode append|update] [--at-eof flush|keep] [--state file]\n"
	    "              [--checkpoint-every n] [--late file] [--in stream|ndjson]\n"
	    "              [--out stream|ndjson|table] [--time-format spark|iso|epoch-ms]\n"
	    "              [--on-error fail|skip] [--micro-batch] [--back-to-back]\n"
	    "              [--max-record size]\n");
	exit(status);
}

struct aggdef {
	enum wa_kind kind;
	char *name;
	struct wa_path path;
};

struct grp {
	struct grp *next;
	uint64_t hash;
	char *key;		/* group values, JSON texts separated by \x1f */
	size_t keylen;
	int touched;
	struct wa_agg a[];
};

struct win {
	int64_t start, end;
	struct grp **tab;
	size_t cap, n;
};

struct group_col {
	char *column;
	struct wa_path path;
	char **lv, **lab;	/* labels: value text -> label */
	size_t nlab;
};

static struct cfg {
	struct wa_path time;
	int unit;		/* 0 s, 1 ms, 2 us, 3 iso */
	int64_t size, slide, offset, gap, delay;
	int session;
	struct wa_where *where;
	size_t nwhere;
	struct group_col *gcol;
	size_t ngcol;
	struct aggdef *agg;
	size_t nagg;
	int update, keep, out, tfmt;	/* out: 0 stream, 1 ndjson, 2 table; tfmt: 0 spark, 1 iso, 2 ms */
	int batch;		/* --micro-batch: one watermark for the whole input */
	int chained;		/* --back-to-back: late against the previous batch's watermark */
	const char *state, *late;
	uint64_t checkpoint;
	char *fingerprint;
} cf;

static struct {
	struct win **w;		/* sorted by (end, start) */
	size_t n, cap;
	int64_t maxt;		/* highest event time seen; INT64_MIN: none */
	uint64_t read, filtered, notime, late, rows, batches, badrecs;
	int64_t batch_mark;	/* --micro-batch: the watermark the run started with */
	int64_t late_mark;	/* --back-to-back: the watermark of the batch before; INT64_MIN: none */
} st;

static volatile sig_atomic_t stop_sig;
static FILE *late_f;
static struct buf sbuf, row;

/*
 * Spark's watermark: in milliseconds (event times truncated to them, the
 * delay too), the highest event time minus the delay, never below
 * 1970-01-01, where it starts (so windows that end at or before the epoch
 * are late from the first record). In microseconds.
 */
static int64_t
wm_of(int64_t maxt)
{
	int64_t ms;

	if (maxt == INT64_MIN)
		return 0;
	ms = maxt / 1000 - cf.delay / 1000;	/* both within +-2^63 / 1000: no overflow */
	return ms > 0 ? ms * 1000 : 0;
}

static int64_t
wm(void)
{
	return wm_of(st.maxt);
}

/* ---- values ---- */

/*
 * The canonical JSON text of a value, for group keys and distinct sets. 0, or
 * -1 when a string in it is not valid (invalid UTF-8, a lone surrogate, a bad
 * escape): such a value is no value a group or a set can hold, and the record
 * is a bad one (it used to join the null group).
 */
static int
put_value(const struct jp_doc *d, const struct jp_node *v, struct buf *o)
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
		if (jp_str(v, &sbuf, &s, &n) < 0 || jw_str(o, (const unsigned char *)s, n, &bad) < 0)
			return -1;
		break;
	case JP_ARR:
		buf_putc(o, '[');
		for (i = 0; i < v->n; i++) {
			if (i)
				buf_putc(o, ',');
			if (put_value(d, jp_item(d, v, i), o) < 0)
				return -1;
		}
		buf_putc(o, ']');
		break;
	default:
		buf_putc(o, '{');
		for (i = 0; i < v->n; i++) {
			if (i)
				buf_putc(o, ',');
			if (put_value(d, jp_key(d, v, i), o) < 0)
				return -1;
			buf_putc(o, ':');
			if (put_value(d, jp_val(d, v, i), o) < 0)
				return -1;
		}
		buf_putc(o, '}');
	}
	return 0;
}

/* ---- windows and groups ---- */

static struct grp *
grp_new(const char *key, size_t n, uint64_t h)
{
	struct grp *g = calloc(1, sizeof(*g) + cf.nagg * sizeof(struct wa_agg));
	size_t i;

	if (!g)
		die(EXIT_ENV, "out of memory");
	g->key = xstrndup(key, n);
	g->keylen = n;
	g->hash = h;
	for (i = 0; i < cf.nagg; i++)
		g->a[i].allint = 1;
	return g;
}

static void
grp_free(struct grp *g)
{
	size_t i;

	for (i = 0; i < cf.nagg; i++)
		wa_set_free(&g->a[i].distinct);
	free(g->key);
	free(g);
}

static struct grp *
win_group(struct win *w, const char *key, size_t n)
{
	uint64_t h = fnv1a(key, n);
	struct grp *g;
	size_t i;

	if (w->cap) {
		for (g = w->tab[h & (w->cap - 1)]; g; g = g->next)
			if (g->hash == h && g->keylen == n && memcmp(g->key, key, n) == 0)
				return g;
	}
	if (2 * (w->n + 1) > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 4;
		struct grp **tab = calloc(cap, sizeof(*tab));

		if (!tab)
			die(EXIT_ENV, "out of memory");
		for (i = 0; i < w->cap; i++)
			while (w->tab[i]) {
				struct grp *x = w->tab[i];

				w->tab[i] = x->next;
				x->next = tab[x->hash & (cap - 1)];
				tab[x->hash & (cap - 1)] = x;
			}
		free(w->tab);
		w->tab = tab;
		w->cap = cap;
	}
	g = grp_new(key, n, h);
	g->next = w->tab[h & (w->cap - 1)];
	w->tab[h & (w->cap - 1)] = g;
	w->n++;
	return g;
}

static int
win_cmp(int64_t end, int64_t start, const struct win *w)
{
	if (end != w->end)
		return end < w->end ? -1 : 1;
	if (start != w->start)
		return start < w->start ? -1 : 1;
	return 0;
}

/* Where the window [start, end) is, or would go, in st.w; *found if there. */
static size_t
win_search(int64_t start, int64_t end, int *found)
{
	size_t lo = 0, hi = st.n;

	*found = 0;
	/* Most records land in the newest windows: look from the end first. */
	if (st.n && win_cmp(end, start, st.w[st.n - 1]) > 0)
		return st.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = win_cmp(end, start, st.w[mid]);

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
window_find(int64_t start, int64_t end)
{
	int found;
	size_t i = win_search(start, end, &found);

	return found ? st.w[i] : NULL;
}

/* The window [start, end), made if new. */
static struct win *
window(int64_t start, int64_t end)
{
	int found;
	size_t lo = win_search(start, end, &found);
	struct win *w;

	if (found)
		return st.w[lo];

	if (st.n == st.cap) {
		st.cap = st.cap ? 2 * st.cap : 64;
		if (!(st.w = realloc(st.w, st.cap * sizeof(*st.w))))
			die(EXIT_ENV, "out of memory");
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		die(EXIT_ENV, "out of memory");
	w->start = start;
	w->end = end;
	memmove(st.w + lo + 1, st.w + lo, (st.n - lo) * sizeof(*st.w));
	st.w[lo] = w;
	st.n++;
	return w;
}

static void
win_free(struct win *w)
{
	size_t i;

	for (i = 0; i < w->cap; i++)
		while (w->tab[i]) {
			struct grp *g = w->tab[i];

			w->tab[i] = g->next;
			grp_free(g);
		}
	free(w->tab);
	free(w);
}

static void
win_remove(size_t i)
{
	memmove(st.w + i, st.w + i + 1, (st.n - i - 1) * sizeof(*st.w));
	st.n--;
}

/* ---- output ---- */

static void
put_time(struct buf *o, int64_t us)
{
	char s[64];
	int64_t secs = us / 1000000, frac = us % 1000000, days, sod;
	int64_t z, era, doe, yoe, y, doy, mp, m, d;
	int k;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	if (cf.tfmt == 2) {
		jw_i64(o, secs * 1000 + frac / 1000);
		return;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	/* Years as Spark writes them (ISO proleptic): 0000, -0001, +10000 */
	k = snprintf(s, sizeof(s), "\"%s%04" PRId64 "-%02d-%02d%c%02d:%02d:%02d",
	    y < 0 ? "-" : y > 9999 ? "+" : "", y < 0 ? -y : y, (int)m, (int)d,
	    cf.tfmt == 1 ? 'T' : ' ', (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	if (frac) {
		int digits = 6;

		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		k += snprintf(s + k, sizeof(s) - (size_t)k, ".%0*" PRId64, digits, frac);
	}
	k += snprintf(s + k, sizeof(s) - (size_t)k, "%s\"", cf.tfmt == 1 ? "Z" : "");
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
put_group(struct buf *o, size_t i, const char *v, size_t n)
{
	const struct group_col *gc = &cf.gcol[i];
	size_t k;

	for (k = 0; k < gc->nlab; k++)
		if (strlen(gc->lv[k]) == n && memcmp(gc->lv[k], v, n) == 0) {
			put_key(o, gc->lab[k]);
			return;
		}
	buf_put(o, v, n);
}

static void
put_agg(struct buf *o, const struct aggdef *ad, const struct wa_agg *a)
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

/* One output row as JSON, in row. */
static void
make_row(const struct win *w, const struct grp *g)
{
	const char *p = g->key, *e = g->key + g->keylen;
	size_t i;

	row.len = 0;
	buf_puts(&row, "{\"window\":{\"start\":");
	put_time(&row, w->start);
	buf_puts(&row, ",\"end\":");
	put_time(&row, w->end);
	buf_putc(&row, '}');
	for (i = 0; i < cf.ngcol; i++) {
		const char *q = memchr(p, '\x1f', (size_t)(e - p));

		if (!q)
			q = e;
		buf_putc(&row, ',');
		put_key(&row, cf.gcol[i].column);
		buf_putc(&row, ':');
		put_group(&row, i, p, (size_t)(q - p));
		p = q + 1;
	}
	for (i = 0; i < cf.nagg; i++) {
		buf_putc(&row, ',');
		put_key(&row, cf.agg[i].name);
		buf_putc(&row, ':');
		put_agg(&row, &cf.agg[i], &g->a[i]);
	}
	buf_putc(&row, '}');
}

/* Rows of one emission, for the table form. */
static struct {
	char **cell;		/* ncol per row */
	size_t nrow, caprow;
} tbl;

static size_t
ncols(void)
{
	return 1 + cf.ngcol + cf.nagg;
}

static void
table_add(const struct win *w, const struct grp *g)
{
	struct buf c = {0};
	size_t i, nc = ncols(), k = 0;
	const char *p = g->key, *e = g->key + g->keylen;

	if (tbl.nrow == tbl.caprow) {
		tbl.caprow = tbl.caprow ? 2 * tbl.caprow : 16;
		if (!(tbl.cell = realloc(tbl.cell, tbl.caprow * nc * sizeof(char *))))
			die(EXIT_ENV, "out of memory");
	}
	/* {start, end} as Spark shows a window struct */
	buf_putc(&c, '{');
	put_time(&c, w->start);
	buf_puts(&c, ", ");
	put_time(&c, w->end);
	buf_putc(&c, '}');
	buf_putc(&c, 0);
	for (i = 0; c.p[i]; i++)	/* the quotes of the time strings go */
		if (c.p[i] != '"')
			c.p[k++] = c.p[i];
	c.p[k] = 0;
	tbl.cell[tbl.nrow * nc] = c.p;
	for (i = 0; i < cf.ngcol; i++) {
		struct buf v = {0};
		const char *q = memchr(p, '\x1f', (size_t)(e - p));

		if (!q)
			q = e;
		put_group(&v, i, p, (size_t)(q - p));
		buf_putc(&v, 0);
		if (v.p[0] == '"') {	/* strings without their quotes, as Spark shows them */
			memmove(v.p, v.p + 1, strlen(v.p));
			v.p[strlen(v.p) - 1] = 0;
		}
		tbl.cell[tbl.nrow * nc + 1 + i] = v.p;
		p = q + 1;
	}
	for (i = 0; i < cf.nagg; i++) {
		struct buf v = {0};

		put_agg(&v, &cf.agg[i], &g->a[i]);
		buf_putc(&v, 0);
		tbl.cell[tbl.nrow * nc + 1 + cf.ngcol + i] = v.p;
	}
	tbl.nrow++;
}

static void
table_flush(struct rs_writer *out)
{
	size_t nc = ncols(), i, r, *wd = calloc(nc, sizeof(size_t));
	struct buf o = {0};
	char head[128];

	if (!tbl.nrow) {
		free(wd);
		return;
	}
	for (i = 0; i < nc; i++) {
		const char *h = i == 0 ? "window" : i <= cf.ngcol ? cf.gcol[i - 1].column :
		    cf.agg[i - 1 - cf.ngcol].name;

		wd[i] = strlen(h);
		for (r = 0; r < tbl.nrow; r++)
			if (strlen(tbl.cell[r * nc + i]) > wd[i])
				wd[i] = strlen(tbl.cell[r * nc + i]);
	}
	snprintf(head, sizeof(head), "-------------------------------------------\n"
	    "Batch: %llu\n-------------------------------------------\n",
	    (unsigned long long)st.batches);
	buf_puts(&o, head);
	for (r = 0; r < tbl.nrow + 4; r++) {
		int sep = r == 0 || r == 2 || r == tbl.nrow + 3;

		for (i = 0; i < nc; i++) {
			const char *s = r == 1 ? (i == 0 ? "window" : i <= cf.ngcol ?
			    cf.gcol[i - 1].column : cf.agg[i - 1 - cf.ngcol].name) :
			    sep ? "" : tbl.cell[(r - 3) * nc + i];
			size_t k, len = strlen(s);

			buf_putc(&o, sep ? '+' : '|');
			for (k = 0; k < wd[i] - (sep ? 0 : len); k++)
				buf_putc(&o, sep ? '-' : ' ');
			if (!sep)
				buf_puts(&o, s);
		}
		buf_puts(&o, sep ? "+\n" : "|\n");
	}
	buf_putc(&o, '\n');
	rs_put(out, o.p, o.len);
	for (r = 0; r < tbl.nrow * nc; r++)
		free(tbl.cell[r]);
	tbl.nrow = 0;
	buf_free(&o);
	free(wd);
}

static void
emit(struct rs_writer *out, const struct win *w, const struct grp *g)
{
	st.rows++;
	if (cf.out == 2) {
		table_add(w, g);
		return;
	}
	make_row(w, g);
	if (cf.out == 1) {
		buf_putc(&row, '\n');
		rs_put(out, row.p, row.len);
	} else
		rs_put_rec(out, row.p, row.len);
}

static int
grp_cmp(const void *a, const void *b)
{
	const struct grp *x = *(struct grp *const *)a, *y = *(struct grp *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	return c ? c : x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

/* The groups of w, sorted by key; only touched ones when touched_only. */
static struct grp **
sorted_groups(const struct win *w, int touched_only, size_t *n)
{
	struct grp **v = xmalloc(w->n * sizeof(*v)), *g;
	size_t i, k = 0;

	for (i = 0; i < w->cap; i++)
		for (g = w->tab[i]; g; g = g->next)
			if (!touched_only || g->touched)
				v[k++] = g;
	qsort(v, k, sizeof(*v), grp_cmp);
	*n = k;
	return v;
}

static void
emit_window(struct rs_writer *out, const struct win *w)
{
	size_t n, i;
	struct grp **v = sorted_groups(w, 0, &n);

	for (i = 0; i < n; i++)
		emit(out, w, v[i]);
	free(v);
}

/* Append mode: every window whose end the watermark has reached, in order; then freed. */
static void
close_windows(struct rs_writer *out, int64_t mark, int all)
{
	size_t k = 0, i;
	uint64_t before = st.rows;

	while (k < st.n && (all || st.w[k]->end <= mark))
		k++;
	/*
	 * Flushed windows are final: with a state file the watermark moves to
	 * the end of the last of them, so that a later run drops records for
	 * them as late instead of writing those windows a second time.
	 */
	if (all && k && cf.state) {
		int64_t last = INT64_MIN;

		for (i = 0; i < k; i++)
			if (st.w[i]->end > last)
				last = st.w[i]->end;
		if (last > wm()) {
			/* the watermark is in whole milliseconds: round up to one */
			int64_t ms = last / 1000 + (last % 1000 > 0), d = cf.delay / 1000 * 1000;

			st.maxt = ms > (INT64_MAX - d) / 1000 ? INT64_MAX : ms * 1000 + d;
		}
	}
	for (i = 0; i < k; i++) {
		if (!cf.update)
			emit_window(out, st.w[i]);
		win_free(st.w[i]);
	}
	if (k) {
		memmove(st.w, st.w + k, (st.n - k) * sizeof(*st.w));
		st.n -= k;
	}
	if (cf.out == 2 && st.rows > before) {
		table_flush(out);
		st.batches++;
	}
}

/* ---- state ---- */

static void
fingerprint(int argc, char **argv)
{
	struct buf f = {0};
	int i;

	/* The options that change what the state means, in order; others (output, files) may change. */
	for (i = 1; i < argc; i++) {
		static const char *const keep[] = {"--time", "--time-unit", "--window", "--slide",
		    "--offset", "--session", "--watermark", "--where", "--group-by", "--label",
		    "--count", "--count-of", "--sum", "--min", "--max", "--avg", "--count-distinct",
		    "--mode", NULL};
		size_t k;

		for (k = 0; keep[k]; k++) {
			size_t n = strlen(keep[k]);

			if (strncmp(argv[i], keep[k], n) == 0 && (argv[i][n] == 0 || argv[i][n] == '=')) {
				buf_puts(&f, argv[i]);
				if (!argv[i][n] && i + 1 < argc) {
					buf_putc(&f, ' ');
					buf_puts(&f, argv[++i]);
				}
				buf_putc(&f, ' ');
				break;
			}
		}
	}
	buf_putc(&f, 0);
	cf.fingerprint = f.p;
}

static void
save_state(void)
{
	struct wa_state_head h = {.config = cf.fingerprint, .max_time = st.maxt, .windows = st.n,
	    .late_mark = cf.chained ? st.late_mark : INT64_MIN};
	struct wa_state_group sg = {.agg = xcalloc(cf.nagg, sizeof(*sg.agg)), .nagg = cf.nagg};
	struct buf o = {0};
	struct grp *g;
	size_t i, k, j;
	char *tmp;
	FILE *f;
	int fd;

	if (asprintf(&tmp, "%s.tmp.%ld", cf.state, (long)getpid()) < 0)
		die(EXIT_ENV, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		die_errno(EXIT_ENV, "state file %s", tmp);
	wa_state_put_head(&o, &h);
	buf_putc(&o, '\n');
	fwrite(o.p, 1, o.len, f);
	for (i = 0; i < st.n; i++) {
		sg.start = st.w[i]->start;
		sg.end = st.w[i]->end;
		for (k = 0; k < st.w[i]->cap; k++)
			for (g = st.w[i]->tab[k]; g; g = g->next) {
				sg.key = g->key;
				sg.keylen = g->keylen;
				for (j = 0; j < cf.nagg; j++) {
					const struct wa_agg *a = &g->a[j];

					/* the batch's part of the sums counts as stored */
					sg.agg[j] = *a;
					sg.agg[j].isum = (int64_t)((uint64_t)a->isum + (uint64_t)a->bisum);
					sg.agg[j].sum = a->sum + a->bsum;
					sg.agg[j].bisum = 0;
					sg.agg[j].bsum = 0;
				}
				o.len = 0;
				wa_state_put_group(&o, &sg);
				buf_putc(&o, '\n');
				fwrite(o.p, 1, o.len, f);
			}
	}
	free(sg.agg);
	buf_free(&o);
	if (fflush(f) || ferror(f) || fsync(fd) < 0 || fclose(f))
		die_errno(EXIT_ENV, "state file %s", tmp);
	if (rename(tmp, cf.state) < 0)
		die_errno(EXIT_ENV, "state file %s", cf.state);
	{
		/* The rename itself must reach the disk: sync the directory. */
		char *dir = strdup(cf.state), *slash = dir ? strrchr(dir, '/') : NULL;
		int dfd;

		if (slash)
			*slash = 0;
		dfd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	free(tmp);
}

static _Noreturn void
bad_state(const char *why, size_t line)
{
	die(EXIT_ENV, "state file %s: line %zu: %s (not winagg's, damaged, or from another "
	    "version; remove it to start afresh)", cf.state, line, why);
}

/* A session of the state file: its key, its window and its line. */
struct loaded_session {
	const char *key;
	size_t keylen, line;
	int64_t start, end;
};

static struct {
	int64_t *total;		/* per aggregate: the counts of the lines so far */
	struct loaded_session *s;
	size_t n, cap;
} ld;

/* A group line's values into the tables. */
static void
load_group(struct wa_state_group *sg, size_t line)
{
	struct win *w = window(sg->start, sg->end);
	size_t before = w->n, i;
	struct grp *g = win_group(w, sg->key, sg->keylen);

	if (w->n == before)
		bad_state("the window and group of an earlier line again", line);
	if (cf.session) {
		if (ld.n == ld.cap) {
			ld.cap = ld.cap ? 2 * ld.cap : 64;
			ld.s = xrealloc(ld.s, ld.cap * sizeof(*ld.s));
		}
		ld.s[ld.n++] = (struct loaded_session){g->key, g->keylen, line, sg->start, sg->end};
	}
	for (i = 0; i < cf.nagg; i++) {
		if (__builtin_add_overflow(ld.total[i], sg->agg[i].cnt, &ld.total[i]) ||
		    ld.total[i] > WA_COUNT_MAX)
			bad_state("the counts of one aggregate add up to more than 2^62", line);
		g->a[i] = sg->agg[i];	/* the line's distinct values go to the group */
		memset(&sg->agg[i].distinct, 0, sizeof(sg->agg[i].distinct));
	}
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
 * winagg never keeps two sessions of one key that overlap (a record in both
 * merges them), so a file that has them was not written by winagg: refused,
 * naming both lines. Sorting is O(n log n): 1,000,000 sessions load in well
 * under a second, where comparing each with the open windows would not.
 */
static void
sessions_apart(void)
{
	size_t i;
	char why[160];

	if (ld.n < 2)
		return;	/* none, or not session windows: ld.s may be NULL, which qsort must not get */
	qsort(ld.s, ld.n, sizeof(*ld.s), session_cmp);
	for (i = 1; i < ld.n; i++) {
		const struct loaded_session *a = &ld.s[i - 1], *b = &ld.s[i];

		if (key_cmp(a, b) == 0 && a->end >= b->start) {
			snprintf(why, sizeof(why), "its session overlaps or touches the one of line %zu, of the same group",
			    a->line < b->line ? a->line : b->line);
			bad_state(why, a->line < b->line ? b->line : a->line);
		}
	}
}

static void
load_state(void)
{
	FILE *f = fopen(cf.state, "r");
	struct wa_state_cfg c = {.session = cf.session, .size = cf.size, .slide = cf.slide,
	    .offset = cf.offset, .gap = cf.gap, .ngcol = cf.ngcol, .nagg = cf.nagg};
	struct wa_state_head h = {0};
	struct wa_state_group sg;
	char *line = NULL, why[256];
	size_t cap = 0, ln = 0, i;
	ssize_t n;
	enum wa_kind *kind;

	if (!f) {
		if (errno == ENOENT)
			return;	/* the first run */
		die_errno(EXIT_ENV, "state file %s", cf.state);
	}
	c.kind = kind = xcalloc(cf.nagg, sizeof(*kind));
	ld.total = xcalloc(cf.nagg, sizeof(*ld.total));
	for (i = 0; i < cf.nagg; i++)
		kind[i] = cf.agg[i].kind;
	while ((n = getline(&line, &cap, f)) > 0) {
		ln++;
		if (line[n - 1] != '\n')
			bad_state("truncated: no newline at the end", ln);
		if (ln > 1) {
			if (wa_state_group_parse(line, (size_t)n - 1, &c, &h, &sg, why, sizeof(why)) < 0)
				bad_state(why, ln);
			load_group(&sg, ln);
			wa_state_group_free(&sg);
			continue;
		}
		if (wa_state_head_parse(line, (size_t)n - 1, &h, why, sizeof(why)) < 0)
			bad_state(why, ln);
		if (strcmp(h.config, cf.fingerprint) != 0)
			die(EXIT_ENV, "state file %s was written by another configuration:\n"
			    "  it has:  %s\n  now:     %s", cf.state, h.config, cf.fingerprint);
		st.maxt = h.max_time;
		st.late_mark = h.late_mark;
	}
	free(line);
	free(kind);
	if (ferror(f))
		die_errno(EXIT_ENV, "state file %s", cf.state);
	fclose(f);
	if (ln == 0)
		bad_state("empty", 0);
	if (st.n < h.windows)
		bad_state("fewer windows than the header says: truncated", ln);
	if (st.n > h.windows)
		bad_state("more windows than the header says", ln);
	sessions_apart();
	free(ld.s);
	free(ld.total);
	wa_state_head_free(&h);
}

/* ---- the record loop ---- */

/* The record's value for each aggregate, read once (vals[i]). */
struct val {
	int has;		/* present and not null */
	int isint;		/* an integer that fits int64_t: iv */
	int64_t iv;
	double x;
	struct buf text;		/* WA_DISTINCT: the canonical JSON text */
};

static struct val *vals;
static int vals_isum;		/* the record has an integer for some --sum */

static void
agg_add(struct grp *g)
{
	size_t i;

	for (i = 0; i < cf.nagg; i++) {
		const struct val *v = &vals[i];
		struct wa_agg *a = &g->a[i];

		if (cf.agg[i].kind == WA_COUNT) {
			a->cnt++;
			continue;
		}
		if (!v->has)
			continue;
		switch (cf.agg[i].kind) {
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
			if (cf.agg[i].kind != WA_SUM)
				;
			else if (cf.batch)
				a->bisum = (int64_t)((uint64_t)a->bisum + (uint64_t)v->iv);
			else
				a->isum = (int64_t)((uint64_t)a->isum + (uint64_t)v->iv);
			if (!a->has || v->iv < a->imin)
				a->imin = v->iv;
			if (!a->has || v->iv > a->imax)
				a->imax = v->iv;
		}
		if (cf.batch)
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
 * The record's values into vals: 0, or -1 with why set when an aggregated
 * field holds something the aggregate cannot take (sum, min, max and avg want
 * numbers; count-distinct values must be valid JSON text).
 */
static int
read_values(const struct jp_doc *d, char *why, size_t n)
{
	size_t i;

	vals_isum = 0;
	for (i = 0; i < cf.nagg; i++) {
		const struct aggdef *ad = &cf.agg[i];
		struct val *v = &vals[i];
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
			if (put_value(d, x, &v->text) < 0) {
				snprintf(why, n, "%s: invalid string (not UTF-8, a lone surrogate or a bad "
				    "escape) for --count-distinct %s", ad->path.seg[ad->path.n - 1], ad->name);
				return -1;
			}
		} else if (ad->kind >= WA_SUM && ad->kind <= WA_AVG) {
			if (x->t != JP_NUM) {
				snprintf(why, n, "%s: expected a number for --%s %s",
				    ad->path.seg[ad->path.n - 1], wa_agg_name[ad->kind], ad->name);
				return -1;
			}
			v->isint = jp_number(x, &v->iv, &v->x);
			vals_isum |= v->isint && ad->kind == WA_SUM;
		}
	}
	return 0;
}

/*
 * Spark sums longs as longs and, in ANSI mode (Spark 4's default), fails the
 * query when a sum overflows; winagg stops on the record instead (or drops
 * it under --on-error skip), before any window has it. With --micro-batch,
 * as in Spark, that is the batch's partial sum; its addition to the stored
 * sum is checked at the end of the batch (fold_batch). The aggregates of
 * the groups gs (merged into one, for sessions) plus the record: the index
 * of a --sum that would overflow int64_t, or -1.
 */
static long
sum_overflows(struct grp *const *gs, size_t n)
{
	size_t i, k;

	for (i = 0; i < cf.nagg; i++) {
		__int128 tot;
		int allint = 1;

		if (cf.agg[i].kind != WA_SUM || !vals[i].has || !vals[i].isint)
			continue;
		__int128 stored = 0;

		/* --micro-batch: the batch's partial sum, as Spark's partial aggregation */
		tot = vals[i].iv;
		for (k = 0; k < n; k++) {
			allint &= gs[k]->a[i].allint;
			tot += cf.batch ? gs[k]->a[i].bisum : gs[k]->a[i].isum;
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
event_time(const struct jp_doc *d, int64_t *t)
{
	const struct jp_node *v = wa_get(d, &cf.time);
	static const int64_t mul[] = {1000000, 1000, 1};

	if (!v || v->t == JP_NULL)
		return 0;
	if (cf.unit == 3) {
		const char *s;
		size_t n;

		/* more than 6 digits of fraction: Spark keeps the first 6 */
		if (v->t != JP_STR || jp_str(v, &sbuf, &s, &n) < 0 ||
		    ave_parse_ts(s, n, 1000000, 0, 1, t) < 0)
			return -1;
		return 1;
	}
	if (v->t != JP_NUM)
		return -1;
	{
		int64_t iv = 0;
		double x;

		if (jp_number(v, &iv, &x))
			return __builtin_mul_overflow(iv, mul[cf.unit], t) ? -2 : 1;
		/* Spark: (long)(seconds * 1e6), truncated toward zero */
		x *= (double)mul[cf.unit];
		if (!(x > -9223372036854775808.0 && x < 9223372036854775808.0))
			return -2;	/* also NaN */
		*t = (int64_t)x;
		return 1;
	}
}

/*
 * The windows of event time t: the last starts at *last, and there are *n,
 * starting *last - k * slide. 0, or -1 when one of them has a bound no
 * timestamp can hold (int64_t microseconds: years -290308 to 294247), as
 * Spark refuses them; computed in 128 bits, so that nothing overflows.
 */
static int
windows_of(int64_t t, int64_t *last, int64_t *n)
{
	__int128 r, l, first, k;

	if (cf.session) {
		*last = t;
		*n = 1;
		return (__int128)t + cf.gap > INT64_MAX ? -1 : 0;
	}
	r = ((__int128)t - cf.offset) % cf.slide;
	if (r < 0)
		r += cf.slide;
	l = (__int128)t - r;
	/* the starts s = l - k * slide with s > t - size: k < (l - t + size) / slide */
	k = ((l - t + cf.size) + cf.slide - 1) / cf.slide;
	first = l - (k - 1) * cf.slide;
	if (k < 1 || l + cf.size > INT64_MAX || first < INT64_MIN)
		return -1;
	*last = (int64_t)l;
	*n = (int64_t)k;
	return 0;
}

static void
late_record(const struct rs_rec *r)
{
	if (!late_f)
		return;
	fwrite(r->data, 1, (size_t)r->len, late_f);
	fputc('\n', late_f);
}

static void
agg_merge(struct wa_agg *a, const struct wa_agg *b)
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
	/* wraps only on the way: sum_overflows checked the total of the merge */
	a->isum = (int64_t)((uint64_t)a->isum + (uint64_t)b->isum);
	a->sum += b->sum;
	a->bsum += b->bsum;
	a->bisum = (int64_t)((uint64_t)a->bisum + (uint64_t)b->bisum);
	a->allint &= b->allint;
	for (s = 0; s < b->distinct.cap; s++)
		if (b->distinct.v[s])
			wa_set_add(&a->distinct, b->distinct.v[s], strlen(b->distinct.v[s]));
}

/* Takes group key out of window w; NULL if it has none. */
static struct grp *
grp_unlink(struct win *w, const char *key, size_t n)
{
	uint64_t h = fnv1a(key, n);
	struct grp **pp;

	if (!w->cap)
		return NULL;
	for (pp = &w->tab[h & (w->cap - 1)]; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->keylen == n && memcmp((*pp)->key, key, n) == 0) {
			struct grp *g = *pp;

			*pp = g->next;
			w->n--;
			return g;
		}
	return NULL;
}

static struct grp *
grp_find(const struct win *w, const char *key, size_t n)
{
	uint64_t h = fnv1a(key, n);
	struct grp *g;

	if (!w->cap)
		return NULL;
	for (g = w->tab[h & (w->cap - 1)]; g; g = g->next)
		if (g->hash == h && g->keylen == n && memcmp(g->key, key, n) == 0)
			return g;
	return NULL;
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
 * in Spark). -1 when done (or late), or the index of a --sum that the merge
 * would overflow, with nothing changed.
 */
static long
session_add(int64_t t, const char *key, size_t klen, int64_t mark, const struct rs_rec *r)
{
	int64_t start = t, end = t + cf.gap;
	struct grp **gs = NULL, *g;
	size_t ng = 0, i, k;
	long bad;
	int grew;

	if (end <= mark) {
		st.late++;
		late_record(r);
		return -1;
	}
	/*
	 * The open sessions of one group never touch each other (they would
	 * have merged), so the sessions that touch the range, grown until it
	 * stops growing, are those that merge.
	 */
	do {
		grew = 0;
		for (i = 0; i < st.n; i++) {
			const struct win *o = st.w[i];

			if (touches(o, start, end) && (o->start < start || o->end > end) &&
			    grp_find(o, key, klen)) {
				start = o->start < start ? o->start : start;
				end = o->end > end ? o->end : end;
				grew = 1;
			}
		}
	} while (grew);
	for (i = 0; i < st.n; i++)
		if (touches(st.w[i], start, end) && (g = grp_find(st.w[i], key, klen))) {
			gs = xrealloc(gs, (ng + 1) * sizeof(*gs));
			gs[ng++] = g;
		}
	if ((bad = sum_overflows(gs, ng)) >= 0) {
		free(gs);
		return bad;
	}
	for (i = 0; i < st.n;) {
		struct win *o = st.w[i];

		if (touches(o, start, end) && grp_unlink(o, key, klen) && o->n == 0) {
			win_remove(i);
			win_free(o);
			continue;
		}
		i++;
	}
	g = win_group(window(start, end), key, klen);
	for (i = 0; i < ng; i++) {
		for (k = 0; k < cf.nagg; k++)
			agg_merge(&g->a[k], &gs[i]->a[k]);
		grp_free(gs[i]);
	}
	free(gs);
	agg_add(g);
	g->touched = 1;
	return -1;
}

static void
touched_emit(struct rs_writer *out)
{
	size_t i, n, k;
	uint64_t before = st.rows;

	for (i = 0; i < st.n; i++) {
		struct grp **v = sorted_groups(st.w[i], 1, &n);

		for (k = 0; k < n; k++) {
			emit(out, st.w[i], v[k]);
			v[k]->touched = 0;
		}
		free(v);
	}
	if (cf.out == 2 && st.rows > before) {
		table_flush(out);
		st.batches++;
	}
}

/* The watermark may have moved: the changed rows (update mode), then the windows it finished. */
static void
watermark_moved(struct rs_writer *out)
{
	if (cf.update)
		touched_emit(out);
	close_windows(out, wm(), 0);
}

static void
record(struct tool *t, const struct rs_rec *r, struct jp_doc *d, struct buf *key)
{
	int64_t ev, last, s, nwin, k, mark = !cf.batch ? wm() :
	    cf.chained && st.late_mark != INT64_MIN ? st.late_mark : st.batch_mark;
	size_t i;
	int rc, anylate = 0;
	long bad;
	char why[200];

	st.read++;
	if (r->len < 0) {
		st.badrecs++;
		tool_bad(t, r, "a null record (a tombstone): expected a JSON object");
		return;
	}
	if (jp_parse(d, (const char *)r->data, (size_t)r->len) < 0) {
		st.badrecs++;
		tool_bad(t, r, "invalid JSON at byte %zu of the record: %s", d->erroff, d->msg);
		return;
	}
	if (d->root.t != JP_OBJ) {
		st.badrecs++;
		tool_bad(t, r, "expected a JSON object");
		return;
	}
	for (i = 0; i < cf.nwhere; i++)
		if (!wa_where_match(&cf.where[i], d, &sbuf)) {
			st.filtered++;
			return;
		}
	if ((rc = event_time(d, &ev)) == 0) {
		st.notime++;
		return;
	}
	if (rc == -1) {
		st.badrecs++;
		tool_bad(t, r, "event time %s: expected %s", cf.time.seg[cf.time.n - 1],
		    cf.unit == 3 ? "an ISO-8601 timestamp string" : "a number");
		return;
	}
	if (rc < 0 || windows_of(ev, &last, &nwin) < 0) {
		st.badrecs++;
		tool_bad(t, r, "event time %s: out of range: %s", cf.time.seg[cf.time.n - 1],
		    rc < 0 ? "more microseconds than 64 bits hold (a timestamp holds years -290308 to 294247)" :
		    "its windows would end past what a timestamp holds (years -290308 to 294247)");
		return;
	}
	if (read_values(d, why, sizeof(why)) < 0) {
		st.badrecs++;
		tool_bad(t, r, "%s", why);
		return;
	}
	key->len = 0;
	for (i = 0; i < cf.ngcol; i++) {
		if (i)
			buf_putc(key, '\x1f');
		if (put_value(d, wa_get(d, &cf.gcol[i].path), key) < 0) {
			st.badrecs++;
			tool_bad(t, r, "%s: invalid string (not UTF-8, a lone surrogate or a bad escape) "
			    "for --group-by %s", cf.gcol[i].path.seg[cf.gcol[i].path.n - 1], cf.gcol[i].column);
			return;
		}
	}
	if (cf.session)
		bad = session_add(ev, key->p ? key->p : "", key->len, mark, r);
	else {
		/* no window gets the record if one of its sums would overflow */
		for (bad = -1, k = 0; vals_isum && bad < 0 && k < nwin; k++) {
			struct win *w;
			struct grp *g;

			s = last - k * cf.slide;
			if (s + cf.size > mark && (w = window_find(s, s + cf.size)) &&
			    (g = grp_find(w, key->p ? key->p : "", key->len)))
				bad = sum_overflows(&g, 1);
		}
		for (k = 0; bad < 0 && k < nwin; k++) {
			struct grp *g;

			s = last - k * cf.slide;
			if (s + cf.size <= mark) {
				st.late++;
				anylate = 1;
				continue;
			}
			g = win_group(window(s, s + cf.size), key->p ? key->p : "", key->len);
			agg_add(g);
			g->touched = 1;
		}
		if (anylate)
			late_record(r);
	}
	if (bad >= 0) {
		st.badrecs++;
		tool_bad(t, r, "--sum %s: the sum of %s overflows a 64-bit integer (Spark 4 fails the "
		    "query so: ARITHMETIC_OVERFLOW)", cf.agg[bad].name,
		    cf.agg[bad].path.seg[cf.agg[bad].path.n - 1]);
		return;
	}
	if (st.maxt == INT64_MIN || ev > st.maxt)
		st.maxt = ev;
	if (!cf.batch)
		watermark_moved(&t->out);
	if (cf.checkpoint && cf.state && st.read % cf.checkpoint == 0) {
		rs_flush(&t->out);
		save_state();
	}
}

/*
 * --micro-batch: Spark sums a batch's doubles per window and group in input
 * order (its partial aggregation), then adds that to the stored sum; doubles
 * do not add associatively (1e16 + 1 - 1e16 is 0 that way, 1 record by
 * record), so winagg does the same: each batch's sums wait in bsum.
 */
static void
fold_batch(void)
{
	size_t i, k, j;
	struct grp *g;

	for (j = 0; j < cf.nagg && cf.agg[j].kind != WA_SUM && cf.agg[j].kind != WA_AVG; j++)
		;
	if (j == cf.nagg)
		return;	/* no sums: nothing waits in bsum or bisum */
	for (i = 0; i < st.n; i++)
		for (k = 0; k < st.w[i]->cap; k++)
			for (g = st.w[i]->tab[k]; g; g = g->next)
				for (j = 0; j < cf.nagg; j++) {
					struct wa_agg *a = &g->a[j];

					a->sum += a->bsum;
					a->bsum = 0;
					if (__builtin_add_overflow(a->isum, a->bisum, &a->isum) && a->allint &&
					    cf.agg[j].kind == WA_SUM) {
						struct buf w = {0};

						put_time(&w, st.w[i]->start);
						buf_putc(&w, 0);
						/* Spark fails the batch so; nothing of it is written or saved */
						die(EXIT_DATA, "--sum %s: the batch's sum in the window starting %s "
						    "(group %.*s) added to the stored sum overflows a 64-bit integer "
						    "(Spark 4 fails the query so: ARITHMETIC_OVERFLOW); the state "
						    "is as before the batch", cf.agg[j].name, w.p,
						    (int)(g->keylen > 200 ? 200 : g->keylen), g->key);
					}
					a->bisum = 0;
				}
}

/*
 * --micro-batch: the watermark advances once, at the end of the input, and
 * the windows it finished are written, as Spark's no-data batch after a data
 * batch writes them. --back-to-back: Spark's data batch N drops late rows
 * against the watermark of batch N-1 and closes windows with its own (the
 * one it started with), which the next batch then drops late rows against.
 */
static void
end_batch(struct rs_writer *out)
{
	if (!cf.batch)
		return;
	fold_batch();
	if (!cf.chained) {
		watermark_moved(out);
		return;
	}
	if (cf.update)
		touched_emit(out);
	close_windows(out, st.batch_mark, 0);
	st.late_mark = st.batch_mark;
}

static void
on_signal(int sig)
{
	stop_sig = sig;
	io_stop = 1;
}

static void
parse_agg(int kind, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct aggdef *a;

	cf.agg = realloc(cf.agg, (cf.nagg + 1) * sizeof(*cf.agg));
	if (!cf.agg)
		die(EXIT_ENV, "out of memory");
	a = &cf.agg[cf.nagg];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	if (kind == WA_COUNT) {
		if (!*arg)
			die(EXIT_USAGE, "--count: expected an output name");
		a->name = xstrndup(arg, strlen(arg));
	} else {
		if (!eq || eq == arg || wa_path_parse(eq + 1, &a->path) < 0)
			die(EXIT_USAGE, "--%s: expected name=field, got \"%s\"", wa_agg_name[kind], arg);
		a->name = xstrndup(arg, (size_t)(eq - arg));
	}
	cf.nagg++;
}

static void
parse_group(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct group_col *g;

	cf.gcol = realloc(cf.gcol, (cf.ngcol + 1) * sizeof(*cf.gcol));
	if (!cf.gcol)
		die(EXIT_ENV, "out of memory");
	g = &cf.gcol[cf.ngcol];
	memset(g, 0, sizeof(*g));
	if (wa_path_parse(eq ? eq + 1 : arg, &g->path) < 0 || (eq && eq == arg))
		die(EXIT_USAGE, "--group-by: expected field or column=field, got \"%s\"", arg);
	g->column = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrndup(arg, strlen(arg));
	cf.ngcol++;
}

static void
parse_label(const char *arg)
{
	const char *colon = strchr(arg, ':'), *eq = colon ? strchr(colon, '=') : NULL;
	struct jp_doc d = {0};
	struct buf v = {0};
	size_t i;

	if (!colon || !eq || colon == arg)
		die(EXIT_USAGE, "--label: expected column:value=label, got \"%s\"", arg);
	for (i = 0; i < cf.ngcol; i++)
		if (strlen(cf.gcol[i].column) == (size_t)(colon - arg) &&
		    memcmp(cf.gcol[i].column, arg, (size_t)(colon - arg)) == 0)
			break;
	if (i == cf.ngcol)
		die(EXIT_USAGE, "--label %s: no --group-by column \"%.*s\" before it", arg,
		    (int)(colon - arg), arg);
	/* The value as JSON (true, 42, "x"), else bare text as a string. */
	if (jp_parse(&d, colon + 1, (size_t)(eq - colon - 1)) == 0 && d.root.t != JP_ARR &&
	    d.root.t != JP_OBJ)
		put_value(&d, &d.root, &v);
	else {
		size_t bad;

		jw_str(&v, (const unsigned char *)colon + 1, (size_t)(eq - colon - 1), &bad);
	}
	jp_free(&d);
	struct group_col *g = &cf.gcol[i];

	g->lv = realloc(g->lv, (g->nlab + 1) * sizeof(char *));
	g->lab = realloc(g->lab, (g->nlab + 1) * sizeof(char *));
	if (!g->lv || !g->lab)
		die(EXIT_ENV, "out of memory");
	g->lv[g->nlab] = xstrndup(v.p, v.len);
	g->lab[g->nlab++] = xstrndup(eq + 1, strlen(eq + 1));
	buf_free(&v);
}

static int64_t
duration(const char *opt, const char *arg, int zero_ok)
{
	int64_t us;

	if (wa_duration(arg, &us) < 0 || us < 0 || (!zero_ok && us == 0))
		die(EXIT_USAGE, "%s: expected a %sduration such as 30s, 5m, 1h or 250ms, got \"%s\"",
		    opt, zero_ok ? "" : "positive ", arg);
	return us;
}

enum {
	O_TIME = 0x100, O_UNIT, O_WINDOW, O_SLIDE, O_OFFSET, O_SESSION, O_WATERMARK, O_WHERE,
	O_GROUP, O_LABEL, O_COUNT, O_COUNT_OF, O_SUM, O_MIN, O_MAX, O_AVG, O_DISTINCT, O_MODE,
	O_ATEOF, O_STATE, O_CHECKPOINT, O_LATE, O_IN, O_OUT, O_TFMT, O_ON_ERROR, O_MAX_RECORD,
	O_BATCH, O_CHAINED, O_HELP
};

static const struct option longopts[] = {
	{"time", required_argument, 0, O_TIME}, {"time-unit", required_argument, 0, O_UNIT},
	{"window", required_argument, 0, O_WINDOW}, {"slide", required_argument, 0, O_SLIDE},
	{"offset", required_argument, 0, O_OFFSET}, {"session", required_argument, 0, O_SESSION},
	{"watermark", required_argument, 0, O_WATERMARK}, {"where", required_argument, 0, O_WHERE},
	{"group-by", required_argument, 0, O_GROUP}, {"label", required_argument, 0, O_LABEL},
	{"count", required_argument, 0, O_COUNT}, {"count-of", required_argument, 0, O_COUNT_OF},
	{"sum", required_argument, 0, O_SUM}, {"min", required_argument, 0, O_MIN},
	{"max", required_argument, 0, O_MAX}, {"avg", required_argument, 0, O_AVG},
	{"count-distinct", required_argument, 0, O_DISTINCT}, {"mode", required_argument, 0, O_MODE},
	{"at-eof", required_argument, 0, O_ATEOF}, {"state", required_argument, 0, O_STATE},
	{"checkpoint-every", required_argument, 0, O_CHECKPOINT}, {"late", required_argument, 0, O_LATE},
	{"in", required_argument, 0, O_IN}, {"out", required_argument, 0, O_OUT},
	{"time-format", required_argument, 0, O_TFMT}, {"on-error", required_argument, 0, O_ON_ERROR},
	{"max-record", required_argument, 0, O_MAX_RECORD}, {"help", no_argument, 0, O_HELP},
	{"micro-batch", no_argument, 0, O_BATCH}, {"back-to-back", no_argument, 0, O_CHAINED},
	{0, 0, 0, 0}
};

static int
choice(const char *opt, const char *arg, const char *const *words)
{
	int i;

	for (i = 0; words[i]; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	die(EXIT_USAGE, "%s: unexpected \"%s\"", opt, arg);
}

int
main(int argc, char **argv)
{
	static const char *const units[] = {"s", "ms", "us", "iso", NULL};
	static const char *const modes[] = {"append", "update", NULL};
	static const char *const ateof[] = {"flush", "keep", NULL};
	static const char *const ins[] = {"stream", "ndjson", NULL};
	static const char *const outs[] = {"stream", "ndjson", "table", NULL};
	static const char *const tfmts[] = {"spark", "iso", "epoch-ms", NULL};
	struct tool t;
	struct rs_rec r;
	struct jp_doc d = {0};
	struct buf key = {0};
	int c, ndjson = 0, on_error = ON_ERROR_FAIL, has_window = 0, has_slide = 0, has_ateof = 0;
	size_t max_record = RS_MAX_DEFAULT;
	char err[256];
	struct sigaction sa;
	size_t i;

	err_init(argv[0]);
	tool_version(argc, argv);
	st.maxt = st.late_mark = INT64_MIN;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_TIME:
			wa_path_free(&cf.time);
			if (wa_path_parse(optarg, &cf.time) < 0)
				die(EXIT_USAGE, "--time: invalid field \"%s\"", optarg);
			break;
		case O_UNIT: cf.unit = choice("--time-unit", optarg, units); break;
		case O_WINDOW: cf.size = duration("--window", optarg, 0); has_window = 1; break;
		case O_SLIDE: cf.slide = duration("--slide", optarg, 0); has_slide = 1; break;
		case O_OFFSET: cf.offset = duration("--offset", optarg, 1); break;
		case O_SESSION: cf.gap = duration("--session", optarg, 0); cf.session = 1; break;
		case O_WATERMARK: cf.delay = duration("--watermark", optarg, 1); break;
		case O_WHERE:
			cf.where = realloc(cf.where, (cf.nwhere + 1) * sizeof(*cf.where));
			if (!cf.where)
				die(EXIT_ENV, "out of memory");
			if (wa_where_parse(optarg, &cf.where[cf.nwhere], err, sizeof(err)) < 0)
				die(EXIT_USAGE, "--where %s: %s", optarg, err);
			cf.nwhere++;
			break;
		case O_GROUP: parse_group(optarg); break;
		case O_LABEL: parse_label(optarg); break;
		case O_COUNT: parse_agg(WA_COUNT, optarg); break;
		case O_COUNT_OF: parse_agg(WA_COUNT_OF, optarg); break;
		case O_SUM: parse_agg(WA_SUM, optarg); break;
		case O_MIN: parse_agg(WA_MIN, optarg); break;
		case O_MAX: parse_agg(WA_MAX, optarg); break;
		case O_AVG: parse_agg(WA_AVG, optarg); break;
		case O_DISTINCT: parse_agg(WA_DISTINCT, optarg); break;
		case O_MODE: cf.update = choice("--mode", optarg, modes); break;
		case O_ATEOF: cf.keep = choice("--at-eof", optarg, ateof); has_ateof = 1; break;
		case O_STATE: cf.state = optarg; break;
		case O_CHECKPOINT: cf.checkpoint = opt_u32("--checkpoint-every", optarg); break;
		case O_LATE: cf.late = optarg; break;
		case O_IN: ndjson = choice("--in", optarg, ins); break;
		case O_OUT: cf.out = choice("--out", optarg, outs); break;
		case O_TFMT: cf.tfmt = choice("--time-format", optarg, tfmts); break;
		case O_ON_ERROR: on_error = opt_on_error(optarg, 0); break;
		case O_MAX_RECORD: max_record = opt_size("--max-record", optarg); break;
		case O_BATCH: cf.batch = 1; break;
		case O_CHAINED: cf.batch = cf.chained = 1; break;
		case O_HELP: usage(0);
		default: usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	if (!cf.time.n)
		die(EXIT_USAGE, "--time: which field holds the event time?");
	if (cf.session && (has_window || has_slide || cf.offset))
		die(EXIT_USAGE, "--session: no --window, --slide or --offset with it");
	if (!cf.session && !has_window)
		die(EXIT_USAGE, "give --window (with --slide for sliding windows) or --session");
	if (!cf.session) {
		if (!has_slide)
			cf.slide = cf.size;
		if (cf.slide > cf.size)
			die(EXIT_USAGE, "--slide is longer than --window: events between windows "
			    "would be lost");
		if (cf.offset >= cf.slide)
			die(EXIT_USAGE, "--offset must be shorter than the slide");
	}
	if (cf.keep && !cf.state)
		die(EXIT_USAGE, "--at-eof keep needs --state FILE, where the open windows go");
	/*
	 * A state that persists is a stream that goes on: the open windows wait
	 * in it for the rest of their events, as Spark keeps them across
	 * trigger(availableNow) runs. Flushing them is asked for by name.
	 */
	if (cf.state && !has_ateof)
		cf.keep = 1;
	if (cf.session && cf.update)
		die(EXIT_USAGE, "--session with --mode update: Spark refuses session windows in update "
		    "mode (a merged session's earlier rows would stand for windows that no longer exist); "
		    "use --mode append");
	if (cf.checkpoint && !cf.state)
		die(EXIT_USAGE, "--checkpoint-every needs --state FILE");
	if (!cf.nagg)
		parse_agg(WA_COUNT, "count");
	vals = xcalloc(cf.nagg, sizeof(*vals));
	fingerprint(argc, argv);
	if (cf.state && utf8_valid_prefix((const unsigned char *)cf.fingerprint,
	    strlen(cf.fingerprint)) != strlen(cf.fingerprint))
		die(EXIT_USAGE, "--state: the options are not UTF-8, which the state file cannot keep");
	if (cf.state)
		load_state();
	st.batch_mark = wm();
	if (cf.late && !(late_f = fopen(cf.late, "w")))
		die_errno(EXIT_ENV, "--late %s", cf.late);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	tool_start(&t, max_record);
	t.in.lines = ndjson;
	t.on_error = on_error;
	for (;;) {
		int rc = rs_next(&t.in, &r);

		if (rc == RS_OK) {
			record(&t, &r, &d, &key);
			if (!stop_sig)
				continue;
		} else if (rc == RS_BAD)
			die(EXIT_DATA, "%s", t.in.msg);
		else if (rc == RS_IOERR && !stop_sig)
			die_errno(EXIT_ENV, "read error at byte %llu",
			    (unsigned long long)rs_offset(&t.in));
		break;
	}
	if (stop_sig) {
		/*
		 * Interrupted: the records already read are processed (no more
		 * reads), so that the state covers exactly the input consumed; the
		 * open windows wait in the state file, as with --at-eof keep.
		 */
		t.in.eof = 1;
		while (rs_next(&t.in, &r) == RS_OK)
			record(&t, &r, &d, &key);
		end_batch(&t.out);
		rs_flush(&t.out);
		if (cf.state)
			save_state();
		if (late_f)
			fclose(late_f);
		warnmsg("interrupted (signal %d)%s", (int)stop_sig, cf.state ? "; state saved" : "");
		signal((int)stop_sig, SIG_DFL);
		raise((int)stop_sig);
		return 128 + (int)stop_sig;
	}
	end_batch(&t.out);
	if (!cf.keep) {
		close_windows(&t.out, 0, 1);
		/* --back-to-back: the flushed windows are late for the next batch too */
		if (cf.chained && st.late_mark < wm())
			st.late_mark = wm();
	}
	if (cf.state)
		save_state();
	if (late_f && fclose(late_f))
		die_errno(EXIT_ENV, "--late %s", cf.late);
	warnmsg("summary: %llu records read, %llu filtered out, %llu without event time, %llu late "
	    "(record, window) pairs dropped, %llu rows emitted%s",
	    (unsigned long long)st.read, (unsigned long long)st.filtered,
	    (unsigned long long)st.notime, (unsigned long long)st.late,
	    (unsigned long long)st.rows,
	    cf.keep ? "; open windows kept in the state file" : "");
	c = tool_finish(&t);
	jp_free(&d);
	buf_free(&key);
	buf_free(&sbuf);
	buf_free(&row);
	for (i = 0; i < cf.nagg; i++)
		buf_free(&vals[i].text);
	free(vals);
	return c;
}
