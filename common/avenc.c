/*
 * JSON to Avro binary (avenc.h). Walks the schema and the parsed document
 * together; errors longjmp out with the JSON path of the value, kept on a
 * stack while descending.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avbin.h"
#include "avenc.h"
#include "err.h"
#include "rs.h"
#include "ts.h"

#define MAX_DECIMAL 64

struct seg {
	const char *name;	/* NULL: an array index */
	size_t len;
	size_t idx;
};

struct avenc_ctx {
	struct avenc_opts o;
	const struct jp_doc *d;
	struct buf *out;
	struct buf sbuf;		/* unescaped strings */
	struct seg *path;
	size_t npath, cappath;
	uint32_t **hints;	/* per record node id: where each field was found last time */
	size_t nhints;
	size_t max_default;	/* avenc_default's bound for absent fields */
	uint32_t *at;		/* members_of: a stack of per-field member index + 1 (0: absent) */
	size_t nat, capat;
	const struct av_node *rec;	/* the record and field being encoded, for messages */
	const struct av_field *fld;
	char *msg;
	size_t msglen;
	jmp_buf jb;
};

struct avenc_ctx *
avenc_new(const struct avenc_opts *o)
{
	struct avenc_ctx *c = xcalloc(1, sizeof(*c));

	c->o = *o;
	c->max_default = RS_MAX_DEFAULT;
	return c;
}

void
avenc_set_max_default(struct avenc_ctx *c, size_t max)
{
	c->max_default = max;
}

void
avenc_free(struct avenc_ctx *c)
{
	if (!c)
		return;
	size_t i;

	buf_free(&c->sbuf);
	free(c->path);
	for (i = 0; i < c->nhints; i++)
		free(c->hints[i]);
	free(c->hints);
	free(c->at);
	free(c);
}

/* "string \"12a\"", "number 1.5", "object", ... for messages. */
static void
describe(const struct jp_node *v, char *s, size_t n)
{
	switch (v->t) {
	case JP_NULL: snprintf(s, n, "null"); break;
	case JP_TRUE: snprintf(s, n, "true"); break;
	case JP_FALSE: snprintf(s, n, "false"); break;
	case JP_NUM: snprintf(s, n, "number %.*s", v->n > 40 ? 40 : (int)v->n, v->s); break;
	case JP_STR:
		snprintf(s, n, "string \"%.*s\"%s", v->n > 40 ? 40 : (int)v->n, v->s,
		    v->n > 40 ? "..." : "");
		break;
	case JP_ARR: snprintf(s, n, "an array"); break;
	default: snprintf(s, n, "an object"); break;
	}
}

static _Noreturn void
efail(struct avenc_ctx *c, const char *fmt, ...)
{
	char path[256];
	size_t i, k = 0;
	va_list ap;

	k += (size_t)snprintf(path, sizeof(path), "$");
	for (i = 0; i < c->npath && k < sizeof(path); i++) {
		if (c->path[i].name)
			k += (size_t)snprintf(path + k, sizeof(path) - k, ".%.*s",
			    (int)c->path[i].len, c->path[i].name);
		else
			k += (size_t)snprintf(path + k, sizeof(path) - k, "[%zu]", c->path[i].idx);
	}
	k = (size_t)snprintf(c->msg, c->msglen, "%s: ", path);
	if (k < c->msglen) {
		va_start(ap, fmt);
		err_vset(c->msg + k, c->msglen - k, fmt, ap);
		va_end(ap);
	}
	longjmp(c->jb, 1);
}

static _Noreturn void
expected(struct avenc_ctx *c, const char *what, const struct jp_node *v)
{
	char got[80];

	describe(v, got, sizeof(got));
	efail(c, "expected %s, got %s", what, got);
}

static void
grow_path(struct avenc_ctx *c)
{
	c->cappath = c->cappath ? 2 * c->cappath : 32;
	c->path = xreallocarray(c->path, c->cappath, sizeof(*c->path));
}

static inline void
push(struct avenc_ctx *c, const char *name, size_t len, size_t idx)
{
	if (c->npath == c->cappath) {
		if (c->npath >= 1000)
			efail(c, "nested deeper than 1000 levels");
		grow_path(c);
	}
	c->path[c->npath++] = (struct seg){name, len, idx};
}

static void
str_of(struct avenc_ctx *c, const struct jp_node *v, const char **s, size_t *n)
{
	if (jp_str(v, &c->sbuf, s, n) < 0)
		efail(c, "invalid string: a bad escape or invalid UTF-8");
}

/* The integer text of a JSON number, or -1 when it has a fraction or does not fit 64 bits. */
static int
num_i64(const struct jp_node *v, int64_t *out)
{
	const char *p = v->s, *e = v->s + v->n;
	int neg = 0;
	uint64_t u = 0;

	if (!v->isint)
		return -1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < e; p++) {
		if (u > (UINT64_MAX - 9) / 10)
			return -1;
		u = u * 10 + (uint64_t)(*p - '0');
	}
	if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

static double
num_double(const struct jp_node *v)
{
	char tmp[64], *big = NULL;
	double d;

	if (v->n < sizeof(tmp)) {
		memcpy(tmp, v->s, v->n);
		tmp[v->n] = 0;
		return strtod(tmp, NULL);
	}
	big = xstrndup(v->s, v->n);
	d = strtod(big, NULL);
	free(big);
	return d;
}

/* mag = mag * 10 + digit, little-endian in mag[0..*len); -1 past MAX_DECIMAL bytes. */
static int
mul10_add(unsigned char *mag, size_t *len, unsigned digit)
{
	unsigned carry = digit;
	size_t i;

	for (i = 0; i < *len; i++) {
		unsigned cur = mag[i] * 10u + carry;

		mag[i] = (unsigned char)cur;
		carry = cur >> 8;
	}
	if (carry) {
		if (*len >= MAX_DECIMAL)
			return -1;
		mag[(*len)++] = (unsigned char)carry;
	}
	return 0;
}

/*
 * What a decimal's string in plain JSON is read as: decimal text when it has
 * the characters of one (digits, sign, point, exponent; spaces and
 * underscores, which Python's Decimal() takes, and NaN or Infinity, all to be
 * refused), else the underlying bytes as code points (avrodecode --raw,
 * or the Avro JSON form read as --encoding auto). So "1e2" or "1.2.3" can
 * never be taken for the bytes of their characters.
 */
static int
decimal_shaped(const char *s, size_t n)
{
	const char *p = s, *e = s + n;
	int digit = 0;

	if (p < e && (*p == '+' || *p == '-'))
		p++;
	if ((e - p == 3 && strncasecmp(p, "nan", 3) == 0) || (e - p == 3 && strncasecmp(p, "inf", 3) == 0) ||
	    (e - p == 8 && strncasecmp(p, "infinity", 8) == 0))
		return 1;
	for (p = s; p < e; p++) {
		if (*p >= '0' && *p <= '9')
			digit = 1;
		else if (!strchr("+-.eE_ \t\r\n", *p) || !*p)
			return 0;
	}
	return digit;
}

/*
 * A decimal text to the minimal big-endian two's complement of its unscaled
 * value at the schema's scale, as Java's BigDecimal(String) and
 * Conversions.DecimalConversion: [+-] digits [. digits] [e|E [+-] digits],
 * with digits on at least one side of the point ("1.", ".5", "+1", "1e2"
 * taken). Exact arithmetic: the value is rescaled to the scale without
 * rounding (trailing zeros past the scale are fine, "1.230" at scale 2; any
 * other digit past it is refused), and refused when its unscaled value has
 * more digits than the precision. Zero has no sign ("-0.00" is 00). Returns
 * the byte count; -1 when the text is not a decimal; -3 with why set when
 * the value does not fit the type.
 */
static int
parse_decimal(const char *s, size_t n, int precision, int scale, unsigned char *out,
    char *why, size_t whylen)
{
	unsigned char mag[MAX_DECIMAL + 1];
	const char *p = s, *e = s + n, *ib, *ie, *fb = NULL, *fe = NULL, *q;
	const char *first = NULL, *last = NULL;
	int neg = 0, i, esign = 1;
	int64_t ex = 0, nfrac, x, ndig, tail;
	size_t len = 1;

	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (ib = p; p < e && *p >= '0' && *p <= '9'; p++)
		;
	ie = p;
	if (p < e && *p == '.') {
		for (fb = ++p; p < e && *p >= '0' && *p <= '9'; p++)
			;
		fe = p;
	}
	if (ie == ib && fe == fb)
		return -1;	/* no digit: "", "-", ".", "e5" */
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '+' || *p == '-'))
			esign = *p++ == '-' ? -1 : 1;
		if (p >= e)
			return -1;
		for (; p < e && *p >= '0' && *p <= '9'; p++)
			if ((ex = ex * 10 + (*p - '0')) > 999999999) {
				snprintf(why, whylen, "its exponent is out of range");
				return -3;
			}
		if (p[-1] < '0' || p[-1] > '9')
			return -1;
		ex *= esign;
	}
	if (p != e)
		return -1;
	/* the first and last digit that is not 0, in the integer part, then the fraction */
	for (q = ib; q < ie; q++)
		if (*q != '0') {
			if (!first)
				first = q;
			last = q;
		}
	for (q = fb; fb && q < fe; q++)
		if (*q != '0') {
			if (!first)
				first = q;
			last = q;
		}
	if (!first) {
		out[0] = 0;
		return 1;
	}
	/* value = digits first..last (point skipped) * 10^x */
	nfrac = fb ? fe - fb : 0;
	x = ex - nfrac + (fb && last >= fb ? fe - 1 - last : nfrac + (ie - 1 - last));
	ndig = (last - first + 1) - (fb && first < ie && last >= fb ? 1 : 0);
	if (x + scale < 0) {
		snprintf(why, whylen, "it has %lld decimal places, more than the scale %d (it would need rounding)",
		    (long long)-x, scale);
		return -3;
	}
	if (ndig + x + scale > precision) {
		snprintf(why, whylen, "it has %lld digits at scale %d, more than the precision %d",
		    (long long)(ndig + x + scale), scale, precision);
		return -3;
	}
	memset(mag, 0, sizeof(mag));
	for (q = first; q <= last; q++)
		if (*q != '.' && mul10_add(mag, &len, (unsigned)(*q - '0')) < 0)
			goto big;
	for (tail = x + scale; tail > 0; tail--)
		if (mul10_add(mag, &len, 0) < 0)
			goto big;
	if (neg) {
		unsigned carry = 1;

		for (i = 0; i < (int)len; i++) {
			unsigned cur = (unsigned)(unsigned char)~mag[i] + carry;

			mag[i] = (unsigned char)cur;
			carry = cur >> 8;
		}
	}
	/* Room for the sign bit, then the shortest form. */
	if (len < MAX_DECIMAL + 1 && ((mag[len - 1] & 0x80) != 0) != neg)
		mag[len++] = neg ? 0xff : 0;
	while (len > 1 && ((mag[len - 1] == 0 && !(mag[len - 2] & 0x80)) ||
	    (mag[len - 1] == 0xff && (mag[len - 2] & 0x80))))
		len--;
	if (len > MAX_DECIMAL)
		goto big;
	for (i = 0; i < (int)len; i++)
		out[i] = mag[len - 1 - (size_t)i];
	return (int)len;
big:
	snprintf(why, whylen, "its unscaled value takes more than %d bytes", MAX_DECIMAL);
	return -3;
}

static int
parse_uuid(const char *s, size_t n, unsigned char *out)
{
	size_t i, k = 0;

	if (n != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		unsigned v;
		char ch = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-')
				return -1;
			continue;
		}
		if (ch >= '0' && ch <= '9')
			v = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v = (unsigned)(ch - 'A' + 10);
		else
			return -1;
		if (k & 1)
			out[k / 2] |= (unsigned char)v;
		else
			out[k / 2] = (unsigned char)(v << 4);
		k++;
	}
	return 0;
}

/* A logical type's rendering (plain JSON) of an int or long, or -1; an impossible date or time is an error. */
static int
logical_int(struct avenc_ctx *c, const struct av_node *t, const char *s, size_t n, int64_t *v)
{
	static const int64_t units[] = {1000, 1000000, 1000000000};
	const char *p = s, *why = "";
	int rc;

	switch (t->lt) {
	case AVL_DATE:
		if ((rc = ts_parse_date(&p, s + n, v, &why)) == 0 && p != s + n)
			rc = -1;
		break;
	case AVL_TIME_MS:
	case AVL_TIME_US:
		rc = ts_parse_time(&p, s + n, t->lt == AVL_TIME_MS ? 1000 : 1000000, 0, v, &why);
		if (rc == -2)
			efail(c, "\"%.*s\": finer than %s holds", (int)n, s,
			    t->lt == AVL_TIME_MS ? "time-millis" : "time-micros");
		if (rc == 0 && p != s + n)
			rc = -1;
		break;
	case AVL_TS_MS: case AVL_TS_US: case AVL_TS_NS:
	case AVL_LTS_MS: case AVL_LTS_US: case AVL_LTS_NS:
		rc = ts_parse(s, n, units[(int)(t->lt - AVL_TS_MS) % 3], t->lt >= AVL_LTS_MS, 0, v, &why);
		if (rc == -2)
			efail(c, "\"%.*s\": finer than the timestamp holds", (int)n, s);
		break;
	default:
		return -1;
	}
	if (rc == -3)
		efail(c, "\"%.*s\" is not a real %s: %s", n > 60 ? 60 : (int)n, s,
		    t->lt == AVL_DATE ? "date" : t->lt <= AVL_TIME_US ? "time" : "date-time", why);
	return rc < 0 ? -1 : 0;
}

static void enc(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v);

static void
enc_int(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	int64_t x;
	const char *s;
	size_t n;

	if (v->t == JP_NUM) {
		if (num_i64(v, &x) < 0)
			expected(c, t->t == AV_INT ? "int" : "long", v);
	} else if (v->t == JP_STR && t->lt != AVL_NONE && c->o.mode != AVENC_AVRO) {
		str_of(c, v, &s, &n);
		if (logical_int(c, t, s, n, &x) < 0)
			expected(c, t->lt == AVL_DATE ? "a date (YYYY-MM-DD)" :
			    t->lt <= AVL_TIME_US ? "a time (HH:MM:SS.fff)" :
			    "an ISO-8601 timestamp", v);
	} else
		expected(c, t->t == AV_INT ? "int" : "long", v);
	if (t->t == AV_INT && (x < INT32_MIN || x > INT32_MAX))
		efail(c, "%lld is out of range for int", (long long)x);
	avbin_put_long(c->out, x);
}

static void
enc_float(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	double d;

	if (v->t == JP_NUM)
		d = num_double(v);
	else if (v->t == JP_STR && v->n == 3 && memcmp(v->s, "NaN", 3) == 0)
		d = NAN;
	else if (v->t == JP_STR && v->n == 8 && memcmp(v->s, "Infinity", 8) == 0)
		d = INFINITY;
	else if (v->t == JP_STR && v->n == 9 && memcmp(v->s, "-Infinity", 9) == 0)
		d = -INFINITY;
	else
		expected(c, t->t == AV_FLOAT ? "float" : "double", v);
	if (t->t == AV_FLOAT) {
		float f = (float)d;

		if (isinf(f) && !isinf(d))
			efail(c, "%.*s is out of range for float", (int)v->n, v->s);
		avbin_put_float(c->out, f);
	} else {
		if (isinf(d) && v->t == JP_NUM)
			efail(c, "%.*s is out of range for double", (int)v->n, v->s);
		avbin_put_double(c->out, d);
	}
}

/* "decimal(5,2) of field price of record t.E", for messages */
static void
decimal_what(struct avenc_ctx *c, const struct av_node *t, char *s, size_t n)
{
	int k = snprintf(s, n, "decimal(%d,%d)", t->precision, t->scale);

	if (c->rec && k >= 0 && (size_t)k < n)
		snprintf(s + k, n - (size_t)k, " of field %s of record %s", c->fld->name, c->rec->fullname);
}

/* Bytes or fixed: a decimal or uuid rendering in plain JSON, else code points. */
static void
enc_bytes(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	unsigned char b[MAX_DECIMAL];
	const char *s;
	size_t n, at;
	int k = -1;

	if (v->t != JP_STR && !(v->t == JP_NUM && t->lt == AVL_DECIMAL && c->o.mode != AVENC_AVRO))
		expected(c, t->t == AV_FIXED ? "a string (fixed)" : "a string (bytes)", v);
	if (v->t == JP_NUM) {
		s = v->s;
		n = v->n;
	} else
		str_of(c, v, &s, &n);
	if (c->o.mode != AVENC_AVRO && t->lt == AVL_DECIMAL && (v->t == JP_NUM || decimal_shaped(s, n))) {
		char why[160], what[400];

		k = parse_decimal(s, n, t->precision, t->scale, b, why, sizeof(why));
		if (k == -1)
			expected(c, "a decimal ([+-]digits[.digits][e[+-]digits])", v);
		if (k >= 0 && t->t == AV_FIXED && (size_t)k > t->size) {
			snprintf(why, sizeof(why), "it takes %d bytes, more than fixed %s has (%zu)", k,
			    t->fullname, t->size);
			k = -3;
		}
		if (k < 0) {
			const char *qt = v->t == JP_STR ? "\"" : "";

			decimal_what(c, t, what, sizeof(what));
			efail(c, "%s%.*s%s does not fit %s: %s", qt, n > 60 ? 60 : (int)n, s, qt, what, why);
		}
		if (t->t == AV_BYTES) {
			avbin_put_long(c->out, k);
			buf_put(c->out, b, (size_t)k);
			return;
		}
		memset(buf_room(c->out, t->size), (b[0] & 0x80) ? 0xff : 0, t->size - (size_t)k);
		c->out->len += t->size - (size_t)k;
		buf_put(c->out, b, (size_t)k);
		return;
	}
	if (c->o.mode != AVENC_AVRO && t->lt == AVL_UUID && t->t == AV_FIXED &&
	    parse_uuid(s, n, b) == 0) {
		buf_put(c->out, b, 16);
		return;
	}
	if (t->t == AV_BYTES)
		avbin_put_long(c->out, 0);	/* a place for the length, rewritten below */
	at = c->out->len;
	if (avbin_code_points(s, n, c->out) < 0) {
		c->out->len = at;
		efail(c, "invalid %s: a character above U+00FF in \"%.*s\"",
		    t->t == AV_FIXED ? "fixed" : "bytes", n > 40 ? 40 : (int)n, s);
	}
	if (t->t == AV_FIXED) {
		if (c->out->len - at != t->size)
			efail(c, "expected %zu bytes for fixed %s, got %zu", t->size, t->fullname,
			    c->out->len - at);
		return;
	}
	n = c->out->len - at;
	if (n >= 64) {
		/* The one-byte length placeholder is too short: move the bytes up. */
		unsigned char tmp[AVBIN_MAX_LONG];
		size_t len = avbin_varint(tmp, avbin_zigzag((int64_t)n));

		buf_room(c->out, len - 1);
		memmove(c->out->p + at - 1 + len, c->out->p + at, n);
		memcpy(c->out->p + at - 1, tmp, len);
		c->out->len += len - 1;
	} else
		c->out->p[at - 1] = (char)(n << 1);
}

/* Renames are applied to the document before encoding (jp_rename). */
static int
key_is(struct avenc_ctx *c, const struct jp_node *k, const char *name, size_t nlen)
{
	const char *s;
	size_t n;

	if (!k->esc)
		return k->n == nlen && (!nlen || k->s[0] == name[0]) && memcmp(k->s, name, nlen) == 0;
	if (jp_str(k, &c->sbuf, &s, &n) < 0)
		efail(c, "invalid key string");
	return n == nlen && memcmp(s, name, n) == 0;
}

/* The member of object v named field (after renames), or -1; hint: where to look first. */
static long
member(struct avenc_ctx *c, const struct jp_node *v, const char *field, size_t nlen, uint32_t hint)
{
	uint32_t i;

	if (hint < v->n && key_is(c, jp_key(c->d, v, hint), field, nlen))
		return hint;
	for (i = 0; i < v->n; i++)
		if (key_is(c, jp_key(c->d, v, i), field, nlen))
			return i;
	return -1;
}

static int
has_field(const struct av_node *r, const char *s, size_t n)
{
	return avsc_field(r, s, n) >= 0;
}

/* Objects of one record type tend to list their keys in one order: remember it. */
static uint32_t *
hints_for(struct avenc_ctx *c, const struct av_node *t)
{
	if ((size_t)t->id >= c->nhints) {
		size_t n = (size_t)t->id + 1;

		c->hints = xreallocarray(c->hints, n, sizeof(*c->hints));
		memset(c->hints + c->nhints, 0, (n - c->nhints) * sizeof(*c->hints));
		c->nhints = n;
	}
	if (!c->hints[t->id]) {
		size_t i;

		c->hints[t->id] = xcalloc(t->nfields ? t->nfields : 1, sizeof(uint32_t));
		for (i = 0; i < t->nfields; i++)
			c->hints[t->id][i] = (uint32_t)i;
	}
	return c->hints[t->id];
}

/*
 * Where each field of t is among the members of object v (the first key of
 * its name), pushed on c->at: its base there. For an object whose keys do
 * not come in the order last seen: looking each field up among the keys
 * took 2 min for a record of 200,000 fields given in reverse
 * (tests/cli/schema-hostile.sh).
 */
static size_t
members_of(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	size_t base = c->nat;
	uint32_t i;

	c->at = xgrowarray(c->at, &c->capat, base + t->nfields + 1, sizeof(*c->at));
	memset(c->at + base, 0, t->nfields * sizeof(*c->at));
	c->nat = base + t->nfields;
	for (i = 0; i < v->n; i++) {
		const char *s;
		size_t n;
		long f;

		str_of(c, jp_key(c->d, v, i), &s, &n);
		if ((f = avsc_field(t, s, n)) >= 0 && !c->at[base + (size_t)f])
			c->at[base + (size_t)f] = i + 1;
	}
	return base;
}

/* Names the first key of v that record t lacks, else the first given twice. */
static _Noreturn void
bad_keys(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v, size_t base)
{
	uint32_t i;

	for (i = 0; i < v->n; i++) {
		const struct jp_node *k = jp_key(c->d, v, i);
		const char *s;
		size_t n;

		str_of(c, k, &s, &n);
		if (avsc_field(t, s, n) < 0)
			efail(c, "unknown field \"%.*s\" (not in record %s; --ignore-unknown drops it)",
			    k->n > 60 ? 60 : (int)k->n, k->s, t->fullname);
	}
	for (i = 0; i < v->n; i++) {
		const struct jp_node *k = jp_key(c->d, v, i);
		const char *s;
		size_t n;

		str_of(c, k, &s, &n);
		if (c->at[base + (size_t)avsc_field(t, s, n)] != i + 1)
			efail(c, "field \"%.*s\" given twice", k->n > 60 ? 60 : (int)k->n, k->s);
	}
	efail(c, "a field given twice");
}

static void
enc_record(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	size_t i, found = 0, base = SIZE_MAX;
	uint32_t *hint = hints_for(c, t);
	char msg[200];
	const struct av_node *outer = c->rec;
	const struct av_field *outer_f = c->fld;

	if (v->t != JP_OBJ)
		expected(c, t->nfields ? "an object (record)" : "an object (empty record)", v);
	for (i = 0; i < t->nfields; i++) {
		const struct av_field *f = &t->fields[i];
		long m;

		if (v->n <= 8)
			m = member(c, v, f->name, f->namelen, hint[i]);
		else if (hint[i] < v->n && key_is(c, jp_key(c->d, v, hint[i]), f->name, f->namelen))
			m = hint[i];
		else {
			if (base == SIZE_MAX)
				base = members_of(c, t, v);
			m = (long)c->at[base + i] - 1;
		}

		push(c, f->name, f->namelen, 0);
		c->rec = t;
		c->fld = f;
		if (m >= 0) {
			found++;
			hint[i] = (uint32_t)m;
			enc(c, f->type, jp_val(c->d, v, (uint32_t)m));
		} else if (f->def) {
			if (avenc_default(f->type, f->def, c->max_default, c->out, msg, sizeof(msg)) < 0)
				efail(c, "the schema's default: %s", msg);
		} else {
			c->npath--;
			efail(c, "missing field \"%s\" (no default)", f->name);
		}
		c->npath--;
	}
	c->rec = outer;
	c->fld = outer_f;
	if (found < v->n && !c->o.ignore_unknown)
		bad_keys(c, t, v, base == SIZE_MAX ? members_of(c, t, v) : base);
	if (base != SIZE_MAX)
		c->nat = base;
}

static void
enc_container(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	uint32_t i;
	const char *s;
	size_t n;

	if (v->t != (t->t == AV_ARRAY ? JP_ARR : JP_OBJ))
		expected(c, t->t == AV_ARRAY ? "an array" : "an object (map)", v);
	if (v->n) {
		avbin_put_long(c->out, v->n);
		for (i = 0; i < v->n; i++) {
			if (t->t == AV_MAP) {
				const struct jp_node *k = jp_key(c->d, v, i);

				str_of(c, k, &s, &n);
				avbin_put_long(c->out, (int64_t)n);
				buf_put(c->out, s, n);
				push(c, k->s, k->n, 0);
				enc(c, t->items, jp_val(c->d, v, i));
			} else {
				push(c, NULL, 0, i);
				enc(c, t->items, jp_item(c->d, v, i));
			}
			c->npath--;
		}
	}
	avbin_put_long(c->out, 0);
}

/* The branch of union u named by key (full name, type name or short name), or -1. */
static int
branch_named(const struct av_node *u, const char *s, size_t n)
{
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < u->nbranches; i++) {
			const struct av_node *b = u->branches[i];
			const char *name = pass ? b->name : avsc_type_name(b);

			if (name && strlen(name) == n && memcmp(name, s, n) == 0)
				return (int)i;
		}
	return -1;
}

static int
find_type(const struct av_node *u, enum av_type t)
{
	size_t i;

	for (i = 0; i < u->nbranches; i++)
		if (u->branches[i]->t == t)
			return (int)i;
	return -1;
}

/* An object all of whose keys are fields of record r, with every field without a default present. */
static int
record_fits(struct avenc_ctx *c, const struct av_node *r, const struct jp_node *v)
{
	size_t i;
	uint32_t k;

	for (k = 0; k < v->n; k++) {
		const struct jp_node *key = jp_key(c->d, v, k);
		int known = 0;

		for (i = 0; i < r->nfields && !known; i++)
			known = key_is(c, key, r->fields[i].name, r->fields[i].namelen);
		if (!known && !c->o.ignore_unknown)
			return 0;
	}
	for (i = 0; i < r->nfields; i++)
		if (!r->fields[i].def && member(c, v, r->fields[i].name, r->fields[i].namelen, 0) < 0)
			return 0;
	return 1;
}

/* The plain JSON rule of the man page: the branch a value takes. */
static int
pick_plain(struct avenc_ctx *c, const struct av_node *u, const struct jp_node *v)
{
	size_t i;
	int b;
	const char *s;
	size_t n;

	switch (v->t) {
	case JP_NULL:
		return find_type(u, AV_NULL);
	case JP_TRUE:
	case JP_FALSE:
		return find_type(u, AV_BOOLEAN);
	case JP_NUM: {
		int64_t x;
		double d;

		if (num_i64(v, &x) == 0) {
			if (x >= INT32_MIN && x <= INT32_MAX && (b = find_type(u, AV_INT)) >= 0)
				return b;
			if ((b = find_type(u, AV_LONG)) >= 0)
				return b;
			if ((double)(float)x == (double)x && (int64_t)(float)x == x &&
			    (b = find_type(u, AV_FLOAT)) >= 0)
				return b;
			if ((b = find_type(u, AV_DOUBLE)) >= 0 || (b = find_type(u, AV_FLOAT)) >= 0)
				return b;
			goto decimal;
		}
		d = num_double(v);
		if ((b = find_type(u, AV_DOUBLE)) >= 0 && (find_type(u, AV_FLOAT) < 0 ||
		    (double)(float)d != d))
			return b;
		if ((b = find_type(u, AV_FLOAT)) >= 0)
			return b;
decimal:
		for (i = 0; i < u->nbranches; i++)	/* a decimal written as a number */
			if (u->branches[i]->lt == AVL_DECIMAL)
				return (int)i;
		return -1;
	}
	case JP_STR:
		if ((b = find_type(u, AV_STRING)) >= 0)
			return b;
		str_of(c, v, &s, &n);
		for (i = 0; i < u->nbranches; i++) {
			if (avsc_symbol(u->branches[i], s, n) >= 0)
				return (int)i;
		}
		if ((b = find_type(u, AV_BYTES)) >= 0)
			return b;
		for (i = 0; i < u->nbranches; i++) {
			const struct av_node *e = u->branches[i];
			unsigned char tmp[MAX_DECIMAL];
			int64_t x;

			if ((e->t == AV_INT || e->t == AV_LONG) && e->lt != AVL_NONE &&
			    logical_int(c, e, s, n, &x) == 0)
				return (int)i;
			if (e->t == AV_FIXED && e->lt == AVL_UUID && parse_uuid(s, n, tmp) == 0)
				return (int)i;
			if (e->t == AV_FIXED && e->lt == AVL_DECIMAL && decimal_shaped(s, n))
				return (int)i;
		}
		for (i = 0; i < u->nbranches; i++) {
			const struct av_node *e = u->branches[i];
			struct buf tmp = {0};
			int fits = 0;

			if (e->t == AV_FIXED) {
				fits = avbin_code_points(s, n, &tmp) == 0 && tmp.len == e->size;
				buf_free(&tmp);
				if (fits)
					return (int)i;
			}
		}
		if ((n == 3 && memcmp(s, "NaN", 3) == 0) || (n == 8 && memcmp(s, "Infinity", 8) == 0) ||
		    (n == 9 && memcmp(s, "-Infinity", 9) == 0)) {
			if ((b = find_type(u, AV_DOUBLE)) >= 0)
				return b;
			return find_type(u, AV_FLOAT);
		}
		return -1;
	case JP_OBJ:
		for (i = 0; i < u->nbranches; i++)
			if (u->branches[i]->t == AV_RECORD && record_fits(c, u->branches[i], v))
				return (int)i;
		return find_type(u, AV_MAP);
	case JP_ARR:
		return find_type(u, AV_ARRAY);
	}
	return -1;
}

/* {"branch": value} naming a branch of u, where the schema leaves no doubt (AVENC_AUTO) or always (AVENC_AVRO). */
static int
wrapped(struct avenc_ctx *c, const struct av_node *u, const struct jp_node *v, int strict)
{
	const char *s;
	size_t n, i;
	int b;

	if (v->t != JP_OBJ || v->n != 1)
		return -1;
	str_of(c, jp_key(c->d, v, 0), &s, &n);
	if ((b = branch_named(u, s, n)) < 0)
		return -1;
	if (!strict) {
		/* A map, or a record with a field of that name, could read the object as it is. */
		for (i = 0; i < u->nbranches; i++)
			if (u->branches[i]->t == AV_MAP ||
			    (u->branches[i]->t == AV_RECORD && has_field(u->branches[i], s, n)))
				return -1;
	}
	return b;
}

static void
enc_union(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	int b = -1;
	char what[200];

	if (c->o.mode != AVENC_PLAIN && v->t != JP_NULL &&
	    (b = wrapped(c, t, v, c->o.mode == AVENC_AVRO)) >= 0) {
		const struct jp_node *k = jp_key(c->d, v, 0);

		avbin_put_long(c->out, b);
		push(c, k->s, k->n, 0);
		enc(c, t->branches[b], jp_val(c->d, v, 0));
		c->npath--;
		return;
	}
	if (c->o.mode == AVENC_AVRO) {
		if (v->t == JP_NULL && (b = find_type(t, AV_NULL)) >= 0) {
			avbin_put_long(c->out, b);
			return;
		}
		expected(c, "null or {\"branch\": value} (Avro JSON union)", v);
	}
	if ((b = pick_plain(c, t, v)) < 0) {
		size_t i, k = 0;

		k = (size_t)snprintf(what, sizeof(what), "one of ");
		for (i = 0; i < t->nbranches && k < sizeof(what); i++)
			k += (size_t)snprintf(what + k, sizeof(what) - k, "%s%s", i ? ", " : "",
			    avsc_type_name(t->branches[i]));
		expected(c, k < sizeof(what) ? what : "a union branch", v);
	}
	avbin_put_long(c->out, b);
	enc(c, t->branches[b], v);
}

static void
enc(struct avenc_ctx *c, const struct av_node *t, const struct jp_node *v)
{
	const char *s;
	size_t n;
	long sym;

	switch (t->t) {
	case AV_NULL:
		if (v->t != JP_NULL)
			expected(c, "null", v);
		break;
	case AV_BOOLEAN:
		if (v->t != JP_TRUE && v->t != JP_FALSE)
			expected(c, "boolean", v);
		buf_putc(c->out, v->t == JP_TRUE);
		break;
	case AV_INT:
	case AV_LONG:
		enc_int(c, t, v);
		break;
	case AV_FLOAT:
	case AV_DOUBLE:
		enc_float(c, t, v);
		break;
	case AV_STRING:
		if (v->t != JP_STR)
			expected(c, "string", v);
		str_of(c, v, &s, &n);
		avbin_put_long(c->out, (int64_t)n);
		buf_put(c->out, s, n);
		break;
	case AV_BYTES:
	case AV_FIXED:
		enc_bytes(c, t, v);
		break;
	case AV_ENUM:
		if (v->t != JP_STR)
			expected(c, "an enum symbol", v);
		str_of(c, v, &s, &n);
		if ((sym = avsc_symbol(t, s, n)) >= 0) {
			avbin_put_long(c->out, (int64_t)sym);
			return;
		}
		efail(c, "\"%.*s\" is not a symbol of enum %s", n > 60 ? 60 : (int)n, s, t->fullname);
	case AV_RECORD:
		enc_record(c, t, v);
		break;
	case AV_ARRAY:
	case AV_MAP:
		enc_container(c, t, v);
		break;
	case AV_UNION:
		enc_union(c, t, v);
		break;
	}
}

int
avenc_encode(struct avenc_ctx *c, const struct av_node *s, const struct jp_doc *d,
    struct buf *out, char *msg, size_t msglen)
{
	size_t before = out->len;

	c->d = d;
	c->out = out;
	c->msg = msg;
	c->msglen = msglen;
	c->npath = 0;
	c->nat = 0;
	c->rec = NULL;
	c->fld = NULL;
	if (setjmp(c->jb)) {
		out->len = before;
		return -1;
	}
	enc(c, s, &d->root);
	return 0;
}

/* ---- field defaults ---- */

static int
dfail(char *err, size_t errlen, const struct av_node *t)
{
	return err_set(err, errlen, "default is not a valid %s", avsc_type_name(t));
}

/*
 * What filling a default may cost: a default of defaults of defaults
 * expands to 2^n values (a 4.6 KB schema of 40 levels to 2^40 of them,
 * tests/cli/schema-hostile.sh), so the values visited and the bytes
 * written are counted against max.
 */
struct dbudget {
	size_t max, left, start;
};

static int fill_default(const struct av_node *t, json_t *v, struct dbudget *b, struct buf *out,
    char *err, size_t errlen);

int
avenc_default(const struct av_node *t, json_t *v, size_t max, struct buf *out, char *err,
    size_t errlen)
{
	struct dbudget b = {max, max, out->len};

	return fill_default(t, v, &b, out, err, errlen);
}

static int
fill_default(const struct av_node *t, json_t *v, struct dbudget *b, struct buf *out, char *err,
    size_t errlen)
{
	size_t i;
	long sym;

	if (!b->left || out->len - b->start > b->max)
		return err_set(err, errlen, "the default expands to more than %zu values or bytes "
		    "(the limit of filling defaults)", b->max);
	b->left--;
	switch (t->t) {
	case AV_NULL:
		return json_is_null(v) ? 0 : dfail(err, errlen, t);
	case AV_BOOLEAN:
		if (!json_is_boolean(v))
			return dfail(err, errlen, t);
		buf_putc(out, json_is_true(v) ? 1 : 0);
		return 0;
	case AV_INT:
	case AV_LONG:
		if (!json_is_integer(v) || (t->t == AV_INT && (json_integer_value(v) > INT32_MAX ||
		    json_integer_value(v) < INT32_MIN)))
			return dfail(err, errlen, t);
		avbin_put_long(out, json_integer_value(v));
		return 0;
	case AV_FLOAT:
	case AV_DOUBLE: {
		double d;

		if (json_is_number(v))
			d = json_number_value(v);
		else if (json_is_string(v) && strcmp(json_string_value(v), "NaN") == 0)
			d = NAN;
		else if (json_is_string(v) && strcmp(json_string_value(v), "Infinity") == 0)
			d = INFINITY;
		else if (json_is_string(v) && strcmp(json_string_value(v), "-Infinity") == 0)
			d = -INFINITY;
		else
			return dfail(err, errlen, t);
		if (t->t == AV_FLOAT)
			avbin_put_float(out, (float)d);
		else
			avbin_put_double(out, d);
		return 0;
	}
	case AV_STRING:
		if (!json_is_string(v))
			return dfail(err, errlen, t);
		avbin_put_long(out, (int64_t)json_string_length(v));
		buf_put(out, json_string_value(v), json_string_length(v));
		return 0;
	case AV_BYTES: {
		struct buf bytes = {0};
		int bad;

		if (!json_is_string(v))
			return dfail(err, errlen, t);
		bad = avbin_code_points(json_string_value(v), json_string_length(v), &bytes) < 0;
		if (!bad) {
			avbin_put_long(out, (int64_t)bytes.len);
			buf_put(out, bytes.p, bytes.len);
		}
		buf_free(&bytes);
		return bad ? dfail(err, errlen, t) : 0;
	}
	case AV_FIXED: {
		size_t at = out->len;

		if (!json_is_string(v) || avbin_code_points(json_string_value(v), json_string_length(v), out) < 0 ||
		    out->len - at != t->size)
			return dfail(err, errlen, t);
		return 0;
	}
	case AV_ENUM:
		/* By length: "A\u0000b" is not the symbol A. */
		if (!json_is_string(v) || (sym = avsc_symbol(t, json_string_value(v), json_string_length(v))) < 0)
			return dfail(err, errlen, t);
		avbin_put_long(out, (int64_t)sym);
		return 0;
	case AV_RECORD:
		if (!json_is_object(v))
			return dfail(err, errlen, t);
		for (i = 0; i < t->nfields; i++) {
			json_t *fv = json_object_get(v, t->fields[i].name);

			if (!fv)
				fv = t->fields[i].def;
			if (!fv) {
				return err_set(err, errlen, "default of record %s lacks field %s",
				    t->fullname, t->fields[i].name);
			}
			if (fill_default(t->fields[i].type, fv, b, out, err, errlen) < 0)
				return -1;
		}
		return 0;
	case AV_ARRAY:
		if (!json_is_array(v))
			return dfail(err, errlen, t);
		if (json_array_size(v)) {
			avbin_put_long(out, (int64_t)json_array_size(v));
			for (i = 0; i < json_array_size(v); i++)
				if (fill_default(t->items, json_array_get(v, i), b, out, err, errlen) < 0)
					return -1;
		}
		avbin_put_long(out, 0);
		return 0;
	case AV_MAP: {
		const char *k;
		json_t *mv;

		if (!json_is_object(v))
			return dfail(err, errlen, t);
		if (json_object_size(v)) {
			avbin_put_long(out, (int64_t)json_object_size(v));
			json_object_foreach(v, k, mv) {
				avbin_put_long(out, (int64_t)strlen(k));
				buf_puts(out, k);
				if (fill_default(t->items, mv, b, out, err, errlen) < 0)
					return -1;
			}
		}
		avbin_put_long(out, 0);
		return 0;
	}
	case AV_UNION: {
		/*
		 * The specification (1.12): a union's default may be of any
		 * branch; the first branch the value is valid for is taken
		 * (["null","long","double"] with 1.5: the double; Java 1.12
		 * takes the long, 1).
		 */
		size_t at = out->len;

		for (i = 0; i < t->nbranches; i++) {
			avbin_put_long(out, (int64_t)i);
			if (fill_default(t->branches[i], v, b, out, err, errlen) == 0)
				return 0;
			out->len = at;
			if (!b->left)
				return -1;	/* err says why */
		}
		return dfail(err, errlen, t);
	}
	}
	return -1;
}
