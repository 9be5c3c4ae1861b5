#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hash.h"
#include "jw.h"
#include "wa.h"

int
wa_duration(const char *s, int64_t *us)
{
	static const struct {
		const char *u;
		int64_t mul;
	} units[] = {
		{"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000}, {"h", 3600000000},
		{"d", 86400000000},
	};
	const char *p = s;
	int64_t whole = 0, f = 0, div = 1, r;
	size_t i, nf = 0;

	/* Digits, an optional fraction, a unit: exact integer arithmetic, no sign, exponent or spaces. */
	if (!s || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, *p - '0', &whole))
			return -1;
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf >= 15)
				return -1;
			f = f * 10 + (*p - '0');
			div *= 10;
		}
		if (nf == 0)
			return -1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].u) == 0) {
			int64_t m = units[i].mul;

			if (__builtin_mul_overflow(whole, m, &r))
				return -1;
			/* The fraction must come out in whole microseconds. */
			if ((__int128)f * m % div != 0)
				return -1;
			if (__builtin_add_overflow(r, (int64_t)((__int128)f * m / div), &r))
				return -1;
			*us = r;
			return 0;
		}
	return -1;
}

int
wa_path_parse(const char *s, struct wa_path *p)
{
	const char *q = s;

	memset(p, 0, sizeof(*p));
	for (;;) {
		size_t k = strcspn(q, ".");

		if (k == 0) {
			wa_path_free(p);
			return -1;
		}
		p->seg = xreallocarray(p->seg, p->n + 1, sizeof(char *));
		p->len = xreallocarray(p->len, p->n + 1, sizeof(size_t));
		p->seg[p->n] = xstrndup(q, k);
		p->len[p->n++] = k;
		if (!q[k])
			return 0;
		q += k + 1;
	}
}

void
wa_path_free(struct wa_path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->seg[i]);
	free(p->seg);
	free(p->len);
	memset(p, 0, sizeof(*p));
}

const struct jp_node *
wa_get(const struct jp_doc *d, const struct wa_path *p)
{
	const struct jp_node *v = &d->root;
	size_t i;
	uint32_t k;

	for (i = 0; i < p->n; i++) {
		const struct jp_node *hit = NULL;

		if (v->t != JP_OBJ)
			return NULL;
		/* Keys are compared as written: a key with escapes never matches a plain name. */
		for (k = 0; k < v->n && !hit; k++) {
			const struct jp_node *key = jp_key(d, v, k);

			if (key->n == p->len[i] && memcmp(key->s, p->seg[i], key->n) == 0)
				hit = jp_val(d, v, k);
		}
		if (!hit)
			return NULL;
		v = hit;
	}
	return v;
}

int
wa_where_parse(const char *s, struct wa_where *w, char *err, size_t errlen)
{
	static const struct {
		const char *op;
		int code;
	} ops[] = {{"!=", WA_NE}, {"<=", WA_LE}, {">=", WA_GE}, {"=", WA_EQ}, {"<", WA_LT}, {">", WA_GT}};
	size_t at = strcspn(s, "=!<>"), i, n;
	const char *v;
	char *field, *end;

	memset(w, 0, sizeof(*w));
	if (!s[at] || at == 0) {
		err_set(err, errlen, "expected FIELD OP VALUE with OP one of = != < <= > >=");
		return -1;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(s + at, ops[i].op, strlen(ops[i].op)) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		err_set(err, errlen, "unknown operator at \"%s\"", s + at);
		return -1;
	}
	w->op = ops[i].code;
	v = s + at + strlen(ops[i].op);
	n = at;
	while (n && s[n - 1] == ' ')
		n--;
	field = xstrndup(s, n);
	if (wa_path_parse(field, &w->path) < 0) {
		err_set(err, errlen, "invalid field name \"%s\"", field);
		free(field);
		return -1;
	}
	free(field);
	while (*v == ' ')
		v++;
	if (strcmp(v, "null") == 0)
		w->vt = WA_VNULL;
	else if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		w->vt = WA_VBOOL;
		w->b = v[0] == 't';
	} else if (*v == '"') {
		struct jp_doc d = {0};
		struct buf tmp = {0};
		const char *str;
		size_t len;

		if (jp_parse(&d, v, strlen(v)) < 0 || d.root.t != JP_STR ||
		    jp_str(&d.root, &tmp, &str, &len) < 0) {
			err_set(err, errlen, "invalid quoted string %s", v);
			jp_free(&d);
			buf_free(&tmp);
			wa_where_free(w);
			return -1;
		}
		w->vt = WA_VSTR;
		w->str = xstrndup(str, len);
		w->slen = len;
		jp_free(&d);
		buf_free(&tmp);
	} else {
		w->num = strtod(v, &end);
		if (*v && !*end && end != v && *v != ' ' && isfinite(w->num)) {
			long long x;

			w->vt = WA_VNUM;
			errno = 0;
			x = strtoll(v, &end, 10);
			if (!errno && !*end && !strpbrk(v, ".eE")) {
				w->isint = 1;
				w->inum = x;
			}
		} else {
			w->vt = WA_VSTR;
			w->slen = strlen(v);
			w->str = xstrndup(v, w->slen);
		}
	}
	if ((w->vt == WA_VNULL || w->vt == WA_VBOOL) && w->op != WA_EQ && w->op != WA_NE) {
		err_set(err, errlen, "null and booleans compare only with = and !=");
		wa_where_free(w);
		return -1;
	}
	return 0;
}

void
wa_where_free(struct wa_where *w)
{
	wa_path_free(&w->path);
	free(w->str);
	w->str = NULL;
}

static int
cmp_result(int op, int c)
{
	switch (op) {
	case WA_EQ: return c == 0;
	case WA_NE: return c != 0;
	case WA_LT: return c < 0;
	case WA_LE: return c <= 0;
	case WA_GT: return c > 0;
	default: return c >= 0;
	}
}

int
wa_where_match(const struct wa_where *w, const struct jp_doc *d, struct buf *sbuf)
{
	const struct jp_node *v = wa_get(d, &w->path);
	int eq;

	switch (w->vt) {
	case WA_VNULL:
		eq = !v || v->t == JP_NULL;
		return w->op == WA_EQ ? eq : !eq;
	case WA_VBOOL:
		eq = v && (v->t == JP_TRUE || v->t == JP_FALSE) && (v->t == JP_TRUE) == w->b;
		return w->op == WA_EQ ? eq : !eq;
	case WA_VNUM:
		if (!v || v->t != JP_NUM)
			return w->op == WA_NE;
		{
			int64_t iv;
			double x;

			/* integers against an integer condition exactly, as Spark compares longs */
			if (jp_number(v, &iv, &x) && w->isint)
				return cmp_result(w->op, iv < w->inum ? -1 : iv > w->inum ? 1 : 0);
			return cmp_result(w->op, x < w->num ? -1 : x > w->num ? 1 : 0);
		}
	default: {
		const char *s;
		size_t n;
		int c;

		if (!v || v->t != JP_STR || jp_str(v, sbuf, &s, &n) < 0)
			return w->op == WA_NE;
		c = memcmp(s, w->str, n < w->slen ? n : w->slen);
		if (c == 0)
			c = n < w->slen ? -1 : n > w->slen ? 1 : 0;
		return cmp_result(w->op, c);
	}
	}
}

const char *const wa_agg_name[] = {"count", "count-of", "sum", "min", "max", "avg", "count-distinct"};

/* Puts v (owned by the set from now on) in its slot; s has room. */
static void
set_put(struct wa_set *s, char *v, size_t n)
{
	size_t i, mask = s->cap - 1;

	for (i = hash_fnv1a(v, n) & mask; s->v[i]; i = (i + 1) & mask)
		;
	s->v[i] = v;
	s->n++;
}

int
wa_set_add(struct wa_set *s, const char *v, size_t n)
{
	size_t i, mask;

	if (2 * (s->n + 1) > s->cap) {
		struct wa_set o = *s;

		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xcalloc(s->cap, sizeof(char *));
		s->n = 0;
		for (i = 0; i < o.cap; i++)
			if (o.v[i])
				set_put(s, o.v[i], strlen(o.v[i]));
		free(o.v);
	}
	mask = s->cap - 1;
	for (i = hash_fnv1a(v, n) & mask; s->v[i]; i = (i + 1) & mask)
		if (strlen(s->v[i]) == n && memcmp(s->v[i], v, n) == 0)
			return 0;
	s->v[i] = xstrndup(v, n);
	s->n++;
	return 1;
}

void
wa_set_free(struct wa_set *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- the state file ---- */

/* A state line being parsed. */
struct sp {
	struct jp_doc d;	/* the line */
	struct jp_doc vd;	/* a group or distinct value, checked as JSON */
	struct buf buf;		/* unescaped strings */
	char *err;
	size_t errlen;
};

static void
sp_free(struct sp *p)
{
	jp_free(&p->d);
	jp_free(&p->vd);
	buf_free(&p->buf);
}

static int __attribute__((format(printf, 2, 3)))
fail(struct sp *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_line(struct sp *p, const char *s, size_t n)
{
	if (jp_parse(&p->d, s, n) < 0)
		return fail(p, "not JSON at byte %zu: %s", p->d.erroff, p->d.msg);
	return 0;
}

/* Keys compare as written: "\u0073tart" is not "start". */
static int
key_is(const struct jp_node *k, const char *name)
{
	return k->n == strlen(name) && memcmp(k->s, name, k->n) == 0;
}

/* The value of member name of object o, or NULL. */
static const struct jp_node *
member(const struct jp_doc *d, const struct jp_node *o, const char *name)
{
	uint32_t i;

	for (i = 0; i < o->n; i++)
		if (key_is(jp_key(d, o, i), name))
			return jp_val(d, o, i);
	return NULL;
}

/* An object with each of names[0..n) once and nothing else: their values in v. */
static int
members(struct sp *p, const struct jp_node *o, const char *const *names, size_t n,
    const struct jp_node **v)
{
	uint32_t i;
	size_t k;

	if (o->t != JP_OBJ)
		return fail(p, "expected a JSON object");
	for (k = 0; k < n; k++)
		v[k] = NULL;
	for (i = 0; i < o->n; i++) {
		const struct jp_node *key = jp_key(&p->d, o, i);

		for (k = 0; k < n && !key_is(key, names[k]); k++)
			;
		if (k == n)
			return fail(p, "unexpected member \"%.*s\"", key->n > 40 ? 40 : (int)key->n, key->s);
		if (v[k])
			return fail(p, "\"%s\" twice", names[k]);
		v[k] = jp_val(&p->d, o, i);
	}
	for (k = 0; k < n; k++)
		if (!v[k])
			return fail(p, "no \"%s\"", names[k]);
	return 0;
}

/* An integer that fits int64_t, or -1. */
static int
get_i64(const struct jp_node *v, int64_t *x)
{
	char tmp[32], *end;
	long long r;

	if (v->t != JP_NUM || !v->isint || v->n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v->s, v->n);
	tmp[v->n] = 0;
	errno = 0;
	r = strtoll(tmp, &end, 10);
	if (errno || *end)
		return -1;
	*x = r;
	return 0;
}

/* A finite number, or a string jw_double writes for NaN and the infinities; else -1. */
static int
get_f64(const struct jp_node *v, double *x)
{
	static const struct {
		const char *s;
		double v;
	} nonfinite[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}};
	char tmp[64];
	size_t i;

	if (v->t == JP_STR) {
		for (i = 0; i < sizeof(nonfinite) / sizeof(nonfinite[0]); i++)
			if (v->n == strlen(nonfinite[i].s) && memcmp(v->s, nonfinite[i].s, v->n) == 0) {
				*x = nonfinite[i].v;
				return 0;
			}
		return -1;
	}
	if (v->t != JP_NUM || v->n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v->s, v->n);
	tmp[v->n] = 0;
	*x = strtod(tmp, NULL);
	return isfinite(*x) ? 0 : -1;
}

/* The string v unescaped, in a new copy without NUL characters; else -1. */
static int
get_str(struct sp *p, const struct jp_node *v, char **out, size_t *len)
{
	const char *s;
	size_t n;

	if (v->t != JP_STR || jp_str(v, &p->buf, &s, &n) < 0 || memchr(s, 0, n))
		return -1;
	*out = xstrndup(s, n);
	*len = n;
	return 0;
}

static int
is_json(struct sp *p, const char *s, size_t n)
{
	return jp_parse(&p->vd, s, n) == 0;
}

static int
head_parse(struct sp *p, const char *s, size_t n, struct wa_state_head *h)
{
	static const char *const names[] = {"format", "version", "config", "max_time", "windows",
	    "late_watermark"};
	const struct jp_node *v[6], *f;
	int64_t x;
	size_t len;

	if (parse_line(p, s, n) < 0)
		return -1;
	if (p->d.root.t != JP_OBJ || !(f = member(&p->d, &p->d.root, "format")) || f->t != JP_STR ||
	    f->n != 12 || memcmp(f->s, "winagg-state", 12) != 0)
		return fail(p, "no winagg-state header");
	if (!(f = member(&p->d, &p->d.root, "version")) || f->t != JP_NUM || f->n != 1 || *f->s != '1')
		return fail(p, "unknown version");
	/* late_watermark (winagg --back-to-back) is optional */
	if (members(p, &p->d.root, names, 6, v) < 0 &&
	    (p->d.root.n != 5 || members(p, &p->d.root, names, 5, v) < 0))
		return -1;
	if (v[5] && (get_i64(v[5], &h->late_mark) < 0 || h->late_mark < 0))
		return fail(p, "\"late_watermark\": expected a watermark (an integer >= 0)");
	if (get_str(p, v[2], &h->config, &len) < 0)
		return fail(p, "\"config\": expected a string of options (UTF-8, no NUL)");
	if (v[3]->t != JP_NULL && (get_i64(v[3], &h->max_time) < 0 || h->max_time == INT64_MIN))
		return fail(p, "\"max_time\": expected an event time (an integer) or null");
	if (get_i64(v[4], &x) < 0 || x < 0 || (uint64_t)x > SIZE_MAX)
		return fail(p, "\"windows\": expected a count (an integer >= 0)");
	if (x > 0 && h->max_time == INT64_MIN)
		return fail(p, "open windows but no event time (\"max_time\" null)");
	h->windows = (size_t)x;
	return 0;
}

int
wa_state_head_parse(const char *s, size_t n, struct wa_state_head *h, char *err, size_t errlen)
{
	struct sp p = {.err = err, .errlen = errlen};
	int rc;

	memset(h, 0, sizeof(*h));
	h->max_time = h->late_mark = INT64_MIN;
	if ((rc = head_parse(&p, s, n, h)) < 0)
		wa_state_head_free(h);
	sp_free(&p);
	return rc;
}

void
wa_state_head_free(struct wa_state_head *h)
{
	free(h->config);
	h->config = NULL;
}

void
wa_state_put_head(struct buf *o, const struct wa_state_head *h)
{
	char num[64];
	size_t bad;

	buf_puts(o, "{\"format\":\"winagg-state\",\"version\":1,\"config\":");
	jw_str(o, (const unsigned char *)h->config, strlen(h->config), &bad);
	buf_puts(o, ",\"max_time\":");
	if (h->max_time == INT64_MIN)
		buf_puts(o, "null");
	else
		jw_i64(o, h->max_time);
	snprintf(num, sizeof(num), ",\"windows\":%zu", h->windows);
	buf_puts(o, num);
	if (h->late_mark != INT64_MIN) {
		buf_puts(o, ",\"late_watermark\":");
		jw_i64(o, h->late_mark);
	}
	buf_putc(o, '}');
}

static int64_t
floormod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return r < 0 ? r + b : r;
}

/* [start, end) as the configuration makes windows, and not after the last event. */
static int
span_ok(struct sp *p, const struct wa_state_cfg *c, const struct wa_state_head *h, int64_t start,
    int64_t end)
{
	uint64_t len = (uint64_t)end - (uint64_t)start;

#define WIN "window [%" PRId64 ", %" PRId64 "): "
	if (end <= start)
		return fail(p, WIN "the end is not after the start", start, end);
	if (c->session && len < (uint64_t)c->gap)
		return fail(p, WIN "shorter than the --session gap of %" PRId64 " us", start, end, c->gap);
	if (!c->session && len != (uint64_t)c->size)
		return fail(p, WIN "%" PRIu64 " us long, not the --window of %" PRId64 " us", start, end,
		    len, c->size);
	if (!c->session && floormod(start, c->slide) != c->offset)
		return fail(p, WIN "not a start of the --slide %" PRId64 " us, --offset %" PRId64 " us",
		    start, end, c->slide, c->offset);
	if (start > h->max_time)
		return fail(p, WIN "starts after the last event time (\"max_time\")", start, end);
#undef WIN
	return 0;
}

/* As many JSON texts separated by \x1f as there are --group-by columns. */
static int
key_ok(struct sp *p, const struct wa_state_cfg *c, const char *k, size_t n)
{
	const char *e = k + n;
	size_t part = 0;

	if (c->ngcol == 0)
		return n ? fail(p, "\"key\": group values, but no --group-by") : 0;
	for (;;) {
		const char *q = memchr(k, '\x1f', (size_t)(e - k));

		if (!q)
			q = e;
		if (++part > c->ngcol)
			return fail(p, "\"key\": more than the %zu group values of --group-by", c->ngcol);
		if (!is_json(p, k, (size_t)(q - k)))
			return fail(p, "\"key\": group value %zu is not JSON", part);
		if (q == e)
			break;
		k = q + 1;
	}
	if (part != c->ngcol)
		return fail(p, "\"key\": %zu group values, not the %zu of --group-by", part, c->ngcol);
	return 0;
}

static int __attribute__((format(printf, 4, 5)))
agg_fail(struct sp *p, size_t i, enum wa_kind kind, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fail(p, "malformed aggregate %zu (--%s): %s", i + 1, wa_agg_name[kind], what);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct values: strings holding JSON texts, none twice; into the set in their order. */
static int
distinct_parse(struct sp *p, const struct jp_node *v, size_t i, enum wa_kind kind, struct wa_agg *a)
{
	char **dv, **sorted;
	size_t k, len;
	int rc = 0;

	if (v->t != JP_ARR)
		return agg_fail(p, i, kind, "the distinct values: expected an array");
	if (v->n && kind != WA_DISTINCT)
		return agg_fail(p, i, kind, "distinct values, but it counts none");
	dv = xcalloc(v->n, sizeof(char *));
	for (k = 0; k < v->n && rc == 0; k++) {
		if (get_str(p, jp_item(&p->d, v, (uint32_t)k), &dv[k], &len) < 0)
			rc = agg_fail(p, i, kind, "distinct value %zu: expected a string (UTF-8, no NUL)",
			    k + 1);
		else if (!is_json(p, dv[k], len))
			rc = agg_fail(p, i, kind, "distinct value %zu is not JSON", k + 1);
	}
	if (rc == 0) {
		/* the least value given twice is named, whatever their order */
		sorted = xcalloc(v->n, sizeof(char *));
		memcpy(sorted, dv, v->n * sizeof(char *));
		qsort(sorted, v->n, sizeof(char *), str_cmp);
		for (k = 1; k < v->n && strcmp(sorted[k - 1], sorted[k]) != 0; k++)
			;
		if (k < v->n)
			rc = agg_fail(p, i, kind, "distinct value %.40s twice", sorted[k]);
		free(sorted);
	}
	for (k = 0; k < v->n; k++) {
		if (rc == 0)
			wa_set_add(&a->distinct, dv[k], strlen(dv[k]));
		free(dv[k]);
	}
	free(dv);
	return rc;
}

/* An integer that fits int64_t, or a double with an integral value in range; else -1. */
static int
int_of(const struct jp_node *v, int64_t *x)
{
	double d;

	if (get_i64(v, x) == 0)
		return 0;
	if (get_f64(v, &d) < 0 || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
	    d != trunc(d))
		return -1;
	*x = (int64_t)d;
	return 0;
}

/* [count, integer sum, sum, min, max, all integers, has values, [distinct values]] */
static int
agg_parse(struct sp *p, const struct jp_node *v, size_t i, enum wa_kind kind, struct wa_agg *a)
{
	int numeric = kind >= WA_SUM && kind <= WA_AVG;
	int64_t flag[2];
	size_t k;

	if (v->t != JP_ARR || v->n != 8)
		return agg_fail(p, i, kind, "expected an array of 8 values");
	if (get_i64(jp_item(&p->d, v, 0), &a->cnt) < 0 || a->cnt < 0 || a->cnt > WA_COUNT_MAX)
		return agg_fail(p, i, kind, "the count: expected an integer from 0 to 2^62");
	if (get_i64(jp_item(&p->d, v, 1), &a->isum) < 0)
		return agg_fail(p, i, kind, "the integer sum: expected an integer");
	if (get_f64(jp_item(&p->d, v, 2), &a->sum) < 0 || get_f64(jp_item(&p->d, v, 3), &a->min) < 0 ||
	    get_f64(jp_item(&p->d, v, 4), &a->max) < 0)
		return agg_fail(p, i, kind, "the sum, minimum and maximum: expected numbers");
	for (k = 0; k < 2; k++)
		if (get_i64(jp_item(&p->d, v, 5 + (uint32_t)k), &flag[k]) < 0 || (flag[k] != 0 && flag[k] != 1))
			return agg_fail(p, i, kind, "the %s flag: expected 0 or 1",
			    k ? "has-values" : "all-integers");
	a->allint = (int)flag[0];
	a->has = (int)flag[1];
	/*
	 * While all are integers the minimum and maximum are exact integers
	 * (an older winagg wrote them as doubles, %.17g: integral ones are taken).
	 */
	a->imin = a->imax = 0;
	if (a->allint && a->has) {
		if (int_of(jp_item(&p->d, v, 3), &a->imin) < 0 || int_of(jp_item(&p->d, v, 4), &a->imax) < 0)
			return agg_fail(p, i, kind, "the all-integers flag, but the minimum or maximum "
			    "is no 64-bit integer");
		a->min = (double)a->imin;
		a->max = (double)a->imax;
	}
	if (numeric && a->has != (a->cnt > 0))
		return agg_fail(p, i, kind, "a count of %" PRId64 " with the has-values flag %d",
		    a->cnt, a->has);
	if (!numeric && a->has)
		return agg_fail(p, i, kind, "the has-values flag, but it takes no numbers");
	if (!a->has && (a->isum || a->sum != 0 || a->min != 0 || a->max != 0 || !a->allint))
		return agg_fail(p, i, kind, "numbers, but no has-values flag");
	if (a->min > a->max || a->imin > a->imax)
		return agg_fail(p, i, kind, "the minimum above the maximum");
	if (kind == WA_DISTINCT && a->cnt)
		return agg_fail(p, i, kind, "a count, but it counts distinct values");
	return distinct_parse(p, jp_item(&p->d, v, 7), i, kind, a);
}

/*
 * The members of a group line (start, end, key, aggs: v[0..4)), already
 * parsed, into g.
 */
static int
group_members(struct sp *p, const struct jp_node *const *v, const struct wa_state_cfg *c,
    const struct wa_state_head *h, struct wa_state_group *g)
{
	size_t i;

	for (i = 0; i < 2; i++)
		if (get_i64(v[i], i ? &g->end : &g->start) < 0)
			return fail(p, "\"%s\": expected an event time (an integer)", i ? "end" : "start");
	if (span_ok(p, c, h, g->start, g->end) < 0)
		return -1;
	if (get_str(p, v[2], &g->key, &g->keylen) < 0)
		return fail(p, "\"key\": expected a string (UTF-8, no NUL)");
	if (key_ok(p, c, g->key, g->keylen) < 0)
		return -1;
	if (v[3]->t != JP_ARR || v[3]->n != c->nagg)
		return fail(p, "\"aggs\": expected an array of %zu aggregates", c->nagg);
	g->agg = xcalloc(c->nagg, sizeof(*g->agg));
	g->nagg = c->nagg;
	for (i = 0; i < c->nagg; i++)
		if (agg_parse(p, jp_item(&p->d, v[3], (uint32_t)i), i, c->kind[i], &g->agg[i]) < 0)
			return -1;
	return 0;
}

static int
group_parse(struct sp *p, const char *s, size_t n, const struct wa_state_cfg *c,
    const struct wa_state_head *h, struct wa_state_group *g)
{
	static const char *const names[] = {"start", "end", "key", "aggs"};
	const struct jp_node *v[4];

	if (parse_line(p, s, n) < 0 || members(p, &p->d.root, names, 4, v) < 0)
		return -1;
	return group_members(p, v, c, h, g);
}

int
wa_state_group_parse(const char *s, size_t n, const struct wa_state_cfg *c,
    const struct wa_state_head *h, struct wa_state_group *g, char *err, size_t errlen)
{
	struct sp p = {.err = err, .errlen = errlen};
	int rc;

	memset(g, 0, sizeof(*g));
	if ((rc = group_parse(&p, s, n, c, h, g)) < 0)
		wa_state_group_free(g);
	sp_free(&p);
	return rc;
}

void
wa_state_group_free(struct wa_state_group *g)
{
	size_t i;

	for (i = 0; i < g->nagg; i++)
		wa_set_free(&g->agg[i].distinct);
	free(g->agg);
	free(g->key);
	memset(g, 0, sizeof(*g));
}

/* %.17g, or jw_double's strings for NaN and the infinities. */
static void
put_f64(struct buf *o, double v)
{
	char num[40];

	if (!isfinite(v)) {
		jw_double(o, v);
		return;
	}
	buf_put(o, num, (size_t)snprintf(num, sizeof(num), "%.17g", v));
}

/* A group line's members from "start" on, and its closing brace. */
static void
put_group_members(struct buf *o, const struct wa_state_group *g)
{
	size_t j, k, nd, bad, cap = 0;
	char num[64], **dv = NULL;

	buf_puts(o, "\"start\":");
	jw_i64(o, g->start);
	buf_puts(o, ",\"end\":");
	jw_i64(o, g->end);
	buf_puts(o, ",\"key\":");
	jw_str(o, (const unsigned char *)g->key, g->keylen, &bad);
	buf_puts(o, ",\"aggs\":[");
	for (j = 0; j < g->nagg; j++) {
		const struct wa_agg *a = &g->agg[j];

		snprintf(num, sizeof(num), "%s[%" PRId64 ",%" PRId64 ",", j ? "," : "", a->cnt, a->isum);
		buf_puts(o, num);
		put_f64(o, a->sum);
		buf_putc(o, ',');
		if (a->allint && a->has) {
			snprintf(num, sizeof(num), "%" PRId64 ",%" PRId64, a->imin, a->imax);
			buf_puts(o, num);
		} else {
			put_f64(o, a->min);
			buf_putc(o, ',');
			put_f64(o, a->max);
		}
		snprintf(num, sizeof(num), ",%d,%d,[", a->allint, a->has);
		buf_puts(o, num);
		/*
		 * Sorted, not in slot order (which depends on the order they came
		 * in): the same set is the same text, however it was built.
		 */
		dv = xgrowarray(dv, &cap, a->distinct.n ? a->distinct.n : 1, sizeof(char *));
		for (k = 0, nd = 0; k < a->distinct.cap; k++)
			if (a->distinct.v[k])
				dv[nd++] = a->distinct.v[k];
		qsort(dv, nd, sizeof(char *), str_cmp);
		for (k = 0; k < nd; k++) {
			if (k)
				buf_putc(o, ',');
			jw_str(o, (const unsigned char *)dv[k], strlen(dv[k]), &bad);
		}
		buf_puts(o, "]]");
	}
	buf_puts(o, "]}");
	free(dv);
}

void
wa_state_put_group(struct buf *o, const struct wa_state_group *g)
{
	buf_putc(o, '{');
	put_group_members(o, g);
}

/* ---- the partial rows of winagg --partial ---- */

void
wa_partial_put_group(struct buf *o, const char *fp, const struct wa_state_group *g, int64_t pairs)
{
	size_t bad;

	buf_puts(o, "{\"partial\":");
	jw_str(o, (const unsigned char *)fp, strlen(fp), &bad);
	buf_puts(o, ",\"pairs\":");
	jw_i64(o, pairs);
	buf_putc(o, ',');
	put_group_members(o, g);
}

void
wa_partial_put_meta(struct buf *o, const char *fp, const struct wa_partial *m)
{
	char num[160];
	size_t bad;

	buf_puts(o, "{\"partial\":");
	jw_str(o, (const unsigned char *)fp, strlen(fp), &bad);
	buf_puts(o, ",\"max_time\":");
	if (m->max_time == INT64_MIN)
		buf_puts(o, "null");
	else
		jw_i64(o, m->max_time);
	snprintf(num, sizeof(num), ",\"read\":%" PRIu64 ",\"filtered\":%" PRIu64 ",\"no_time\":%"
	    PRIu64 ",\"bad\":%" PRIu64 "}", m->read, m->filtered, m->notime, m->bad);
	buf_puts(o, num);
}

/* A count of a meta row: an integer from 0 to 2^62. */
static int
get_count(struct sp *p, const struct jp_node *v, const char *name, uint64_t *x)
{
	int64_t i;

	if (get_i64(v, &i) < 0 || i < 0 || i > WA_COUNT_MAX)
		return fail(p, "\"%s\": expected a count (an integer from 0 to 2^62)", name);
	*x = (uint64_t)i;
	return 0;
}

static int
meta_parse(struct sp *p, struct wa_partial *m)
{
	static const char *const names[] = {"partial", "max_time", "read", "filtered", "no_time", "bad"};
	const struct jp_node *v[6];

	if (members(p, &p->d.root, names, 6, v) < 0)
		return -1;
	if (v[1]->t != JP_NULL && (get_i64(v[1], &m->max_time) < 0 || m->max_time == INT64_MIN))
		return fail(p, "\"max_time\": expected an event time (an integer) or null");
	if (get_count(p, v[2], "read", &m->read) < 0 || get_count(p, v[3], "filtered", &m->filtered) < 0 ||
	    get_count(p, v[4], "no_time", &m->notime) < 0 || get_count(p, v[5], "bad", &m->bad) < 0)
		return -1;
	if (m->filtered + m->notime + m->bad > m->read)
		return fail(p, "more records filtered out, without event time or bad than read");
	if (m->max_time == INT64_MIN && m->filtered + m->notime + m->bad < m->read)
		return fail(p, "records in windows, but no event time (\"max_time\" null)");
	m->meta = 1;
	return 0;
}

/* What a (window, group) row must hold beyond what a state line must. */
static int
partial_aggs_ok(struct sp *p, const struct wa_state_cfg *c, const struct wa_partial *m)
{
	size_t i;

	for (i = 0; i < c->nagg; i++) {
		const struct wa_agg *a = &m->g.agg[i];

		if (c->kind[i] == WA_COUNT && a->cnt != m->pairs)
			return agg_fail(p, i, c->kind[i], "a count of %" PRId64 ", not the %" PRId64
			    " (record, window) pairs of the row", a->cnt, m->pairs);
		if (a->cnt > m->pairs || a->distinct.n > (uint64_t)m->pairs)
			return agg_fail(p, i, c->kind[i], "more values than the %" PRId64 " (record, "
			    "window) pairs of the row", m->pairs);
		if (c->kind[i] != WA_SUM && a->isum)
			return agg_fail(p, i, c->kind[i], "an integer sum, but it keeps none");
		if (c->kind[i] == WA_SUM && !a->allint && a->isum)
			return agg_fail(p, i, c->kind[i], "an integer sum, but not all integers");
	}
	return 0;
}

static int
partial_parse(struct sp *p, const char *s, size_t n, const struct wa_state_cfg *c, const char *fp,
    struct wa_partial *m)
{
	static const char *const names[] = {"start", "end", "key", "aggs", "partial", "pairs"};
	const struct wa_state_head h = {.max_time = INT64_MAX};
	const struct jp_node *v[6], *f;

	if (parse_line(p, s, n) < 0)
		return -1;
	if (p->d.root.t != JP_OBJ || !(f = member(&p->d, &p->d.root, "partial")) || f->t != JP_STR)
		return fail(p, "not a row of winagg --partial (a JSON object with a \"partial\" member)");
	if (get_str(p, f, &m->fp, &m->fplen) < 0 || m->fplen != strlen(fp) || memcmp(m->fp, fp, m->fplen)) {
		if (!m->fp)
			m->fp = xstrndup("", 0);
		return -2;
	}
	if (member(&p->d, &p->d.root, "max_time"))
		return meta_parse(p, m);
	if (members(p, &p->d.root, names, 6, v) < 0)
		return -1;
	if (get_i64(v[5], &m->pairs) < 0 || m->pairs < 1 || m->pairs > WA_COUNT_MAX)
		return fail(p, "\"pairs\": expected a count (an integer from 1 to 2^62)");
	if (group_members(p, v, c, &h, &m->g) < 0)
		return -1;
	return partial_aggs_ok(p, c, m);
}

int
wa_partial_parse(const char *s, size_t n, const struct wa_state_cfg *c, const char *fp,
    struct wa_partial *m, char *err, size_t errlen)
{
	struct sp p = {.err = err, .errlen = errlen};
	int rc;

	memset(m, 0, sizeof(*m));
	m->max_time = INT64_MIN;
	if ((rc = partial_parse(&p, s, n, c, fp, m)) == -1)
		wa_partial_free(m);
	sp_free(&p);
	return rc;
}

void
wa_partial_free(struct wa_partial *m)
{
	wa_state_group_free(&m->g);
	free(m->fp);
	m->fp = NULL;
}
