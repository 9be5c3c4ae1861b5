#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
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
		p->seg = realloc(p->seg, (p->n + 1) * sizeof(char *));
		p->len = realloc(p->len, (p->n + 1) * sizeof(size_t));
		if (!p->seg || !p->len || !(p->seg[p->n] = strndup(q, k)))
			die(EXIT_ENV, "out of memory");
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
		snprintf(err, errlen, "expected FIELD OP VALUE with OP one of = != < <= > >=");
		return -1;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strncmp(s + at, ops[i].op, strlen(ops[i].op)) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		snprintf(err, errlen, "unknown operator at \"%s\"", s + at);
		return -1;
	}
	w->op = ops[i].code;
	v = s + at + strlen(ops[i].op);
	n = at;
	while (n && s[n - 1] == ' ')
		n--;
	if (!(field = strndup(s, n)))
		die(EXIT_ENV, "out of memory");
	if (wa_path_parse(field, &w->path) < 0) {
		snprintf(err, errlen, "invalid field name \"%s\"", field);
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
		struct jw tmp = {0};
		const char *str;
		size_t len;

		if (jp_parse(&d, v, strlen(v)) < 0 || d.root.t != JP_STR ||
		    jp_str(&d.root, &tmp, &str, &len) < 0) {
			snprintf(err, errlen, "invalid quoted string %s", v);
			jp_free(&d);
			jw_free(&tmp);
			wa_where_free(w);
			return -1;
		}
		w->vt = WA_VSTR;
		if (!(w->str = malloc(len + 1)))
			die(EXIT_ENV, "out of memory");
		memcpy(w->str, str, len);
		w->str[len] = 0;
		w->slen = len;
		jp_free(&d);
		jw_free(&tmp);
	} else {
		w->num = strtod(v, &end);
		if (*v && !*end && end != v && *v != ' ' && isfinite(w->num))
			w->vt = WA_VNUM;
		else {
			w->vt = WA_VSTR;
			if (!(w->str = strdup(v)))
				die(EXIT_ENV, "out of memory");
			w->slen = strlen(v);
		}
	}
	if ((w->vt == WA_VNULL || w->vt == WA_VBOOL) && w->op != WA_EQ && w->op != WA_NE) {
		snprintf(err, errlen, "null and booleans compare only with = and !=");
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
wa_where_match(const struct wa_where *w, const struct jp_doc *d, struct jw *sbuf)
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
			char tmp[64];
			double x;

			if (v->n >= sizeof(tmp))
				return w->op == WA_NE;
			memcpy(tmp, v->s, v->n);
			tmp[v->n] = 0;
			x = strtod(tmp, NULL);
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
