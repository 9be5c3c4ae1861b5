#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "jw.h"

void
jw_free(struct jw *w)
{
	free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

void
jw_grow(struct jw *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 4096;
	char *p;

	while (cap - w->len < n) {
		if (cap > SIZE_MAX / 2)
			die(EXIT_ENV, "out of memory");
		cap *= 2;
	}
	if (!(p = realloc(w->p, cap)))
		die(EXIT_ENV, "out of memory (%zu bytes)", cap);
	w->p = p;
	w->cap = cap;
}

/* 0: copy as is; 1: escape; 2: start of a multi-byte UTF-8 sequence (or invalid). */
static const unsigned char cls[256] = {
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
	0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
	2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2, 2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
};

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		uint64_t w;

		/* Eight ASCII bytes at a time. */
		if (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ull))) {
			i += 8;
			continue;
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_seq(s + i, n - i)))
			break;
		i += k;
	}
	return i;
}

static const char hexd[] = "0123456789abcdef";

/* Jackson's escapes: the short forms for \b \t \n \f \r, \u00XX for other controls. */
static char *
esc(char *o, unsigned c)
{
	*o++ = '\\';
	switch (c) {
	case '"': *o++ = '"'; break;
	case '\\': *o++ = '\\'; break;
	case '\b': *o++ = 'b'; break;
	case '\t': *o++ = 't'; break;
	case '\n': *o++ = 'n'; break;
	case '\f': *o++ = 'f'; break;
	case '\r': *o++ = 'r'; break;
	default:
		memcpy(o, "u00", 3);
		o[3] = hexd[c >> 4];
		o[4] = hexd[c & 15];
		o += 5;
	}
	return o;
}

int
jw_str(struct jw *w, const unsigned char *s, size_t n, size_t *bad)
{
	char *o0 = jw_room(w, 6 * n + 2), *o = o0;
	size_t i = 0, k;

	*o++ = '"';
	while (i < n) {
		size_t j = i;

		while (j < n && !cls[s[j]])
			j++;
		memcpy(o, s + i, j - i);
		o += j - i;
		if ((i = j) == n)
			break;
		if (cls[s[i]] == 1) {
			o = esc(o, s[i++]);
			continue;
		}
		if (!(k = utf8_seq(s + i, n - i))) {
			*bad = i;
			return -1;
		}
		memcpy(o, s + i, k);
		o += k;
		i += k;
	}
	*o++ = '"';
	w->len += (size_t)(o - o0);
	return 0;
}

void
jw_bytes(struct jw *w, const unsigned char *s, size_t n)
{
	char *o0 = jw_room(w, 6 * n + 2), *o = o0;
	size_t i;

	*o++ = '"';
	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (!cls[c])
			*o++ = (char)c;
		else if (c < 0x80)
			o = esc(o, c);
		else {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o++ = '"';
	w->len += (size_t)(o - o0);
}

void
jw_i64(struct jw *w, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	jw_put(w, q, (size_t)(e - q));
}

static int
nonfinite(struct jw *w, double v)
{
	if (isnan(v))
		jw_puts(w, "\"NaN\"");
	else if (isinf(v))
		jw_puts(w, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		return 0;
	return 1;
}

/* "1" reads back as an integer; write "1.0" so the JSON says it is a number with a fraction, as Java and Python do. */
static void
put_num(struct jw *w, const char *s, int n)
{
	jw_put(w, s, (size_t)n);
	if (!strpbrk(s, ".eE"))
		jw_put(w, ".0", 2);
}

void
jw_double(struct jw *w, double v)
{
	char s[40];
	int n = 0, prec;

	if (nonfinite(w, v))
		return;
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	put_num(w, s, n);
}

void
jw_float(struct jw *w, float v)
{
	char s[40];
	int n = 0, prec;

	if (nonfinite(w, v))
		return;
	for (prec = 6; prec <= 9; prec++) {
		n = snprintf(s, sizeof(s), "%.*g", prec, (double)v);
		if (strtof(s, NULL) == v)
			break;
	}
	put_num(w, s, n);
}
