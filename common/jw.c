/*
 * The JSON writers (jw.h): strings escaped as Jackson escapes them, and
 * the shortest round-trip printing of doubles and floats (below).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "jw.h"
#include "utf8.h"

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
jw_str(struct buf *w, const unsigned char *s, size_t n, size_t *bad)
{
	char *o0 = buf_room(w, 6 * n + 2), *o = o0;
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
jw_bytes(struct buf *w, const unsigned char *s, size_t n)
{
	char *o0 = buf_room(w, 6 * n + 2), *o = o0;
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
jw_i64(struct buf *w, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	buf_put(w, q, (size_t)(e - q));
}

static int
nonfinite(struct buf *w, double v)
{
	if (isnan(v))
		buf_puts(w, "\"NaN\"");
	else if (isinf(v))
		buf_puts(w, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		return 0;
	return 1;
}

/*
 * Shortest round-trip printing of doubles and floats, written for this
 * project: the text with the fewest significant digits that reads back (by
 * a correctly rounding strtod/strtof, ties to even) as the same value, and
 * of those the nearest to the exact value, as Python's repr and Java 19+'s
 * Double.toString choose. The old way (%.15g, %.16g, %.17g until one read
 * back) printed 5e-324 as 4.94065645841247e-324 and, next to powers of two,
 * could miss a 16-digit text on the far side of the value.
 *
 * The method: a value v = m * 2^e reads back from any decimal in the
 * half-open or closed interval (lo, hi) around it, halfway to each
 * neighbour (lo nearer when m is a power of two whose neighbour below has
 * the smaller exponent). Scaled by 10^-q so that v has 17 (9 for a float)
 * or 18 integer digits, the interval's integers [L, H] are computed exactly;
 * the largest power of ten 10^j with a multiple in [L, H] gives the digit
 * count, and the multiple nearest to v (v's scaled floor and the remainder
 * compared with a half) the digits. Exactness is what makes it right: the
 * scaled numerators and denominators are integers, in unsigned __int128
 * when they fit (about 1e-5 to 4e37 for doubles, the usual data) and else
 * in a small bignum with bitwise long division (a few microseconds; the
 * exponent extremes and subnormals). Measured with avrodecode on a stream
 * of random doubles against the old printf/strtod search: see
 * tests/unit/test_jw.c and the commit message.
 */

/* Little-endian base 2^32 numbers of at most BIG_N limbs: 1344 bits, room for 2^1076 * 10^341 * 2^57. */
#define BIG_N 42
struct big {
	uint32_t w[BIG_N];
	int n;
};

static void
big_set(struct big *b, uint64_t v)
{
	b->w[0] = (uint32_t)v;
	b->w[1] = (uint32_t)(v >> 32);
	b->n = b->w[1] ? 2 : b->w[0] ? 1 : 0;
}

typedef unsigned __int128 u128;

/* b = p * m (b may be p) */
static void
big_mul64(struct big *b, const struct big *p, uint64_t m)
{
	u128 carry = 0;
	int i;

	for (i = 0; i < p->n; i++) {
		u128 cur = (u128)p->w[i] * m + carry;

		b->w[i] = (uint32_t)cur;
		carry = cur >> 32;
	}
	b->n = p->n;
	for (; carry; carry >>= 32)
		b->w[b->n++] = (uint32_t)carry;
}

static void
big_pow10(struct big *b, int k)
{
	static const uint32_t p10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	    100000000, 1000000000};

	for (; k >= 9; k -= 9)
		big_mul64(b, b, p10[9]);
	if (k)
		big_mul64(b, b, p10[k]);
}

static void
big_shl(struct big *b, int k)
{
	int words = k / 32, bits = k % 32, i;

	if (!b->n)
		return;
	if (bits) {
		uint32_t top = b->w[b->n - 1] >> (32 - bits);

		for (i = b->n - 1; i > 0; i--)
			b->w[i] = b->w[i] << bits | b->w[i - 1] >> (32 - bits);
		b->w[0] <<= bits;
		if (top)
			b->w[b->n++] = top;
	}
	if (words) {
		memmove(b->w + words, b->w, (size_t)b->n * sizeof(b->w[0]));
		memset(b->w, 0, (size_t)words * sizeof(b->w[0]));
		b->n += words;
	}
}

static int
big_cmp(const struct big *a, const struct big *b)
{
	int i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n - 1; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

/* a -= b, with a >= b */
static void
big_sub(struct big *a, const struct big *b)
{
	int64_t borrow = 0;
	int i;

	for (i = 0; i < a->n; i++) {
		int64_t cur = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;

		borrow = cur < 0;
		a->w[i] = (uint32_t)(cur + (borrow << 32));
	}
	while (a->n && !a->w[a->n - 1])
		a->n--;
}

/* floor(M * 2^e2 * 10^-q) with what the remainder r (over denominator D) is: zero, and 2r against D */
struct scaled {
	uint64_t q;
	int zero;	/* r == 0 */
	int half;	/* sign of 2r - D */
};

static int
big_bitlen(const struct big *b)
{
	return b->n ? 32 * (b->n - 1) + 32 - __builtin_clz(b->w[b->n - 1]) : 0;
}

/* floor(b / 2^k), which must be below 2^128 */
static u128
big_top(const struct big *b, int k)
{
	u128 v = 0;
	int i, w = k / 32, r = k % 32;

	/* words above w, then the top 32 - r bits of word w: no bit pushed out of v */
	for (i = b->n - 1; i > w; i--)
		v = v << 32 | b->w[i];
	return w < b->n ? v << (32 - r) | b->w[w] >> r : 0;
}

/* bit k of b */
static int
big_bit(const struct big *b, int k)
{
	return k / 32 < b->n && (b->w[k / 32] >> (k % 32) & 1);
}

/* the bits of b below k all zero */
static int
big_low_zero(const struct big *b, int k)
{
	int i;

	for (i = 0; i < k / 32 && i < b->n; i++)
		if (b->w[i])
			return 0;
	return !(k % 32) || i >= b->n || !(b->w[i] & ((1u << (k % 32)) - 1));
}

/*
 * The slow path of scale3: the values below about 1e-5 (subnormals
 * included) are M * 10^-q over 2^-e2, a product and a shift; the values
 * above about 4e37 are M * 2^e2 over 10^q, a long division bit by bit (the
 * quotient is below 2^64).
 */
static void
big_scaled(const uint64_t mm[3], int e2, int q, struct scaled out[3])
{
	struct big p, n, d, t;
	int i, k, sd;
	u128 est;

	big_set(&p, 1);
	big_pow10(&p, q <= 0 ? -q : q);
	for (k = 0; k < 3; k++) {
		struct scaled *o = &out[k];

		if (e2 < 0 && q <= 0) {
			int sh = -e2;

			big_mul64(&n, &p, mm[k]);
			o->q = 0;
			for (i = 0; i < 64; i++)
				o->q |= (uint64_t)big_bit(&n, sh + i) << i;
			o->zero = big_low_zero(&n, sh);
			o->half = !big_bit(&n, sh - 1) ? -1 : !big_low_zero(&n, sh - 1);
			continue;
		}
		big_set(&n, mm[k]);
		if (q <= 0) {
			big_pow10(&n, -q);
			big_set(&d, 1);
		} else
			d = p;
		if (e2 >= 0)
			big_shl(&n, e2);
		else
			big_shl(&d, -e2);
		/*
		 * The quotient Q is below 10^19 < 2^64. With D's top 64 bits Dt
		 * (D = Dt * 2^sd + rest) and N's bits from sd on, Nt / (Dt + 1)
		 * is at most Q and at least Q - 3: then N - q * D, corrected.
		 */
		sd = big_bitlen(&d) - 64;
		if (sd < 0)
			sd = 0;
		est = big_top(&n, sd) / (big_top(&d, sd) + 1);
		o->q = (uint64_t)est;
		big_mul64(&t, &d, o->q);
		big_sub(&n, &t);
		while (big_cmp(&n, &d) >= 0) {
			big_sub(&n, &d);
			o->q++;
		}
		o->zero = n.n == 0;
		big_shl(&n, 1);
		o->half = big_cmp(&n, &d);
	}
}

static const uint64_t pow10_64[] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};

static u128
pow10_128(int k)	/* k <= 38 */
{
	return k <= 19 ? pow10_64[k] : (u128)pow10_64[19] * pow10_64[k - 19];
}

static int
bitlen(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/*
 * The three scaled values of lo, v, hi (numerators ml, mv, mh over 2^-e2):
 * in 128 bits when every number fits, else in bignums.
 */
static void
scale3(const uint64_t mm[3], int e2, int q, struct scaled out[3])
{
	u128 num[3], den;
	int i, shift = -1, nb = bitlen(mm[2]);

	if (e2 >= 0) {
		if (q <= 0 ? nb + e2 + 4 * -q > 124 : nb + e2 > 124 || q > 38)
			goto slow;
		for (i = 0; i < 3; i++)
			num[i] = (u128)mm[i] << e2;
		if (q <= 0) {
			for (i = 0; i < 3; i++)
				num[i] *= pow10_128(-q);
			den = 1;
			shift = 0;
		} else
			den = pow10_128(q);
	} else {
		if (q <= 0) {
			if (-e2 > 124 || nb + 4 * -q > 124)
				goto slow;
			for (i = 0; i < 3; i++)
				num[i] = (u128)mm[i] * pow10_128(-q);
			den = (u128)1 << -e2;
			shift = -e2;
		} else {
			if (q > 19 || -e2 > 60)
				goto slow;
			for (i = 0; i < 3; i++)
				num[i] = mm[i];
			den = (u128)pow10_64[q] << -e2;
		}
	}
	for (i = 0; i < 3; i++) {
		u128 qq, r;

		if (shift >= 0) {
			qq = num[i] >> shift;
			r = num[i] & (den - 1);
		} else {
			qq = num[i] / den;
			r = num[i] - qq * den;
		}
		out[i].q = (uint64_t)qq;
		out[i].zero = r == 0;
		out[i].half = 2 * r < den ? -1 : 2 * r > den;
	}
	return;
slow:
	big_scaled(mm, e2, q, out);
}

/*
 * The shortest digits of m * 2^e (m > 0; lower_near: the gap below is half
 * the gap above), nearest the value: *digits * 10^*exp10, no trailing zeros.
 * prec: the decimal digits that always tell two values apart (17, 9).
 */
static void
shortest(uint64_t m, int e, int lower_near, int prec, uint64_t *digits, int *exp10)
{
	uint64_t mm[3] = {4 * m - (lower_near ? 1 : 2), 4 * m, 4 * m + 2};
	int e2 = e - 2, inclusive = !(m & 1), q, b;
	struct scaled s[3];
	uint64_t lo, hi, step = 1, n, rem, a, nlo, nhi;
	int up, c, j = 0;

	b = bitlen(mm[1]) - 1 + e2;	/* 2^b <= v < 2^(b+1) */
	q = (int)floor(b * 0.30102999566398120) - (prec - 1);
	for (;;) {
		scale3(mm, e2, q, s);
		if (s[1].q >= pow10_64[prec - 1])
			break;
		q--;	/* v had one digit fewer than hoped */
	}
	lo = s[0].q + !(s[0].zero && inclusive);
	hi = s[2].q - (s[2].zero && !inclusive);
	while (step <= hi / 10 && hi / (step * 10) * (step * 10) >= lo) {
		step *= 10;
		j++;
	}
	n = s[1].q / step;
	rem = s[1].q % step;
	a = 2 * rem;
	/* c: the sign of (rem + the fraction r/D) - step/2 */
	if (a > step)
		c = 1;
	else if (a + 1 < step)
		c = -1;
	else if (a == step)
		c = !s[1].zero;
	else
		c = s[1].half;
	up = c > 0 || (c == 0 && (n & 1));	/* an exact tie: to even */
	n += (uint64_t)up;
	nlo = (lo + step - 1) / step;
	nhi = hi / step;
	if (n < nlo)
		n = nlo;
	if (n > nhi)
		n = nhi;
	q += j;
	while (n % 10 == 0) {
		n /= 10;
		q++;
	}
	*digits = n;
	*exp10 = q;
}

/*
 * The text of digits * 10^exp10, as Python's repr: positional from 1e-4 up
 * to below 1e16, with ".0" when whole ("100.0", "0.0001"), else scientific
 * with a sign and at least two exponent digits ("1e+16", "5e-324",
 * "1.5e-05").
 */
static void
put_decimal_text(struct buf *w, int neg, uint64_t digits, int exp10)
{
	char d[24], *o0 = buf_room(w, 48), *o = o0;
	int k = 0, i, x;

	do {
		d[k++] = (char)('0' + digits % 10);
		digits /= 10;
	} while (digits);
	/* d holds the k digits backwards; x: the exponent of the first */
	x = exp10 + k - 1;
	if (neg)
		*o++ = '-';
	if (x >= -4 && x < 16) {
		if (x < 0) {
			*o++ = '0';
			*o++ = '.';
			for (i = -1; i > x; i--)
				*o++ = '0';
			for (i = k - 1; i >= 0; i--)
				*o++ = d[i];
		} else {
			for (i = 0; i <= x; i++)
				*o++ = i < k ? d[k - 1 - i] : '0';
			*o++ = '.';
			if (k > x + 1)
				for (i = k - x - 2; i >= 0; i--)
					*o++ = d[i];
			else
				*o++ = '0';
		}
	} else {
		*o++ = d[k - 1];
		if (k > 1) {
			*o++ = '.';
			for (i = k - 2; i >= 0; i--)
				*o++ = d[i];
		}
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			*o++ = (char)('0' + x / 100);
		*o++ = (char)('0' + x / 10 % 10);
		*o++ = (char)('0' + x % 10);
	}
	w->len += (size_t)(o - o0);
}

/* A finite IEEE binary value of fbits fraction bits and ebits exponent bits (prec: 17, 9). */
static void
put_binary(struct buf *w, uint64_t bits, int fbits, int ebits, int prec)
{
	uint64_t frac = bits & ((1ull << fbits) - 1), digits;
	int be = (int)(bits >> fbits & ((1u << ebits) - 1)), neg = (int)(bits >> (fbits + ebits) & 1);
	int bias = (1 << (ebits - 1)) - 1 + fbits, exp10;

	if (!be && !frac) {
		buf_put(w, neg ? "-0.0" : "0.0", neg ? 4 : 3);
		return;
	}
	if (be)
		shortest(frac | 1ull << fbits, be - bias, !frac && be > 1, prec, &digits, &exp10);
	else
		shortest(frac, 1 - bias, 0, prec, &digits, &exp10);
	put_decimal_text(w, neg, digits, exp10);
}

void
jw_double(struct buf *w, double v)
{
	uint64_t bits;

	if (nonfinite(w, v))
		return;
	memcpy(&bits, &v, 8);
	put_binary(w, bits, 52, 11, 17);
}

void
jw_float(struct buf *w, float v)
{
	uint32_t bits;

	if (nonfinite(w, v))
		return;
	memcpy(&bits, &v, 4);
	put_binary(w, bits, 23, 8, 9);
}
