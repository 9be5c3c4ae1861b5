#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "be.h"
#include "err.h"
#include "io.h"
#include "rs.h"

/*
 * 1 MiB blocks: large enough that syscalls vanish from the profile of a flood,
 * small enough to stay in L2 on the bench machine.
 */
#define BLOCK ((size_t)1 << 20)
#define NIOV 1024	/* IOV_MAX on Linux */

/*
 * A 64 KiB pipe costs a context switch per 64 KiB; at 1 MiB the pipeline's
 * stages trade whole blocks. Unprivileged processes may raise it to
 * /proc/sys/fs/pipe-max-size (1 MiB by default); failure is harmless.
 */
static void
widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	if (fd >= 0 && fcntl(fd, F_GETPIPE_SZ) > 0 &&
	    fcntl(fd, F_GETPIPE_SZ) < (int)BLOCK)
		(void)fcntl(fd, F_SETPIPE_SZ, (int)BLOCK);
#endif
}

void
rs_reader_init(struct rs_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max;
	r->cap = BLOCK;
	r->buf = xmalloc(r->cap);
	widen_pipe(fd);
}

void
rs_reader_init_mem(struct rs_reader *r, const void *p, size_t n, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->max = max;
	r->cap = n ? n : 1;
	r->buf = xmalloc(r->cap);
	if (n)
		memcpy(r->buf, p, n);
	r->end = n;
	r->eof = 1;
}

void
rs_reader_free(struct rs_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

uint64_t
rs_offset(const struct rs_reader *r)
{
	return r->base + r->pos;
}

/* Makes at least need bytes available at buf[pos]; returns how many there are. */
static int
fill(struct rs_reader *r, size_t need)
{
	while (r->end - r->pos < need && !r->eof) {
		ssize_t n;

		if (r->refill)
			r->refill(r->refill_arg);
		if (r->pos > 0 && r->cap - r->pos < need) {
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->base += r->pos;
			r->end -= r->pos;
			r->pos = 0;
		}
		/*
		 * At least doubled, but a record larger than that gets exactly
		 * its size (xgrowarray would give a 64 MiB record 128 MiB).
		 * need is at most 4 + RS_MAX_LIMIT: no overflow.
		 */
		if (r->cap - r->pos < need) {
			r->cap = need > 2 * r->cap ? need : 2 * r->cap;
			r->buf = xrealloc(r->buf, r->cap);
		}
		/* The last read came up short: the next may block, so let output go first. */
		if (r->short_read && r->idle && !io_ready(r->fd))
			r->idle(r->idle_arg);
		n = io_read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0)
			return RS_IOERR;
		if (n == 0)
			r->eof = 1;
		r->short_read = (size_t)n < r->cap - r->end;
		r->end += (size_t)n;
	}
	return RS_OK;
}

/* NDJSON: the next line that is not blank, without its newline (or \r\n). */
static int
next_line(struct rs_reader *r, struct rs_rec *rec)
{
	for (;;) {
		uint64_t off = rs_offset(r);
		size_t scanned = 0, len, next;
		unsigned char *nl = NULL, *p;

		for (;;) {
			size_t have = r->end - r->pos;

			if (have > scanned &&
			    (nl = memchr(r->buf + r->pos + scanned, '\n', have - scanned)))
				break;
			scanned = have;
			if (have > r->max) {
				snprintf(r->msg, sizeof(r->msg),
				    "record %llu at byte %llu: line longer than %zu bytes",
				    (unsigned long long)r->recno + 1, (unsigned long long)off, r->max);
				return RS_BAD;
			}
			if (r->eof)
				break;
			if (fill(r, have + 1) < 0)
				return RS_IOERR;
		}
		p = r->buf + r->pos;
		if (!nl && r->end == r->pos)
			return RS_EOF;
		len = nl ? (size_t)(nl - p) : r->end - r->pos;
		next = nl ? len + 1 : len;
		if (len > r->max) {
			snprintf(r->msg, sizeof(r->msg),
			    "record %llu at byte %llu: line longer than %zu bytes",
			    (unsigned long long)r->recno + 1, (unsigned long long)off, r->max);
			return RS_BAD;
		}
		r->pos += next;
		if (len && p[len - 1] == '\r')
			len--;
		{
			size_t i = 0;

			while (i < len && (p[i] == ' ' || p[i] == '\t'))
				i++;
			if (i == len)
				continue;	/* a blank line */
		}
		rec->data = p;
		rec->len = (int32_t)len;
		rec->recno = ++r->recno;
		rec->off = off;
		rec->stamp = NULL;
		rec->barrier = 0;
		return RS_OK;
	}
}

/* One decimal integer from lo to hi, the whole of p[0..n). */
static int
parse_dec(const unsigned char *p, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	int neg = n > 0 && p[0] == '-';
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	size_t i;

	if (n == (size_t)neg || n > 20)
		return -1;
	for (i = (size_t)neg; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (lim - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (neg) {
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else
		*out = (int64_t)v;
	return *out < lo || *out > hi ? -1 : 0;
}

int
rs_parse_stamp(const unsigned char *p, size_t n, struct rs_stamp *s)
{
	size_t sp[4], k = 0, i;
	int64_t v;

	for (i = 0; i < n && k < 4; i++)
		if (p[i] == ' ')
			sp[k++] = i;
	if (k < 4 || sp[3] != n - 1 || sp[0] == 0 || sp[0] > RS_TOPIC_MAX)
		return -1;
	for (i = 0; i < sp[0]; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '_' || p[i] == '-'))
			return -1;
	memcpy(s->topic, p, sp[0]);
	s->topic[sp[0]] = 0;
	if (parse_dec(p + sp[0] + 1, sp[1] - sp[0] - 1, 0, INT32_MAX, &v) < 0)
		return -1;
	s->partition = (int32_t)v;
	if (parse_dec(p + sp[1] + 1, sp[2] - sp[1] - 1, 0, INT64_MAX, &s->offset) < 0 ||
	    parse_dec(p + sp[2] + 1, sp[3] - sp[2] - 1, -1, INT64_MAX, &s->timestamp) < 0)
		return -1;
	return 0;
}

/* Longest stamp: a 249-byte topic, then 10, 19 and 20 characters, 4 spaces. */
#define STAMP_MAX (RS_TOPIC_MAX + 10 + 19 + 20 + 4)

/*
 * The stamp before a record: scanned as bytes arrive, so that a record on a
 * live stream is not held back waiting for STAMP_MAX bytes.
 */
static int
next_stamp(struct rs_reader *r, uint64_t recno, uint64_t off)
{
	size_t scanned = 0, nsp = 0, have;

	for (;;) {
		const unsigned char *p = r->buf + r->pos;

		have = r->end - r->pos;
		while (scanned < have && nsp < 4 && scanned < STAMP_MAX)
			if (p[scanned++] == ' ')
				nsp++;
		if (nsp == 4)
			break;
		if (scanned >= STAMP_MAX || (r->eof && have > 0)) {
			snprintf(r->msg, sizeof(r->msg),
			    "record %llu at byte %llu: %s Kafka stamp (expected \"topic "
			    "partition offset timestamp \" before the length, as kcat -f "
			    "'%%t %%p %%o %%T %%R%%s' writes)", (unsigned long long)recno,
			    (unsigned long long)off, r->eof && have < STAMP_MAX ? "truncated" : "no");
			return RS_BAD;
		}
		if (r->eof)
			return RS_EOF;
		if (fill(r, have + 1) < 0)
			return RS_IOERR;
	}
	if (rs_parse_stamp(r->buf + r->pos, scanned, &r->stamp) < 0) {
		snprintf(r->msg, sizeof(r->msg),
		    "record %llu at byte %llu: bad Kafka stamp \"%.*s\" (expected \"topic "
		    "partition offset timestamp \")", (unsigned long long)recno,
		    (unsigned long long)off, (int)(scanned > 80 ? 80 : scanned - 1),
		    (const char *)r->buf + r->pos);
		return RS_BAD;
	}
	r->pos += scanned;
	return RS_OK;
}

static uint64_t
be64_get(const unsigned char *p)
{
	return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

/* The checkpoint barrier whose length -2 is at buf[pos]. */
static int
next_barrier(struct rs_reader *r, struct rs_rec *rec, uint64_t off)
{
	size_t have;

	if (fill(r, RS_BARRIER_SIZE) < 0)
		return RS_IOERR;
	have = r->end - r->pos;
	if (have < RS_BARRIER_SIZE) {
		snprintf(r->msg, sizeof(r->msg),
		    "record %llu at byte %llu: truncated checkpoint barrier "
		    "(%zu of %d bytes)", (unsigned long long)r->recno + 1,
		    (unsigned long long)off, have, RS_BARRIER_SIZE);
		return RS_BAD;
	}
	rec->data = r->buf + r->pos + 4;
	rec->len = RS_BARRIER;
	rec->barrier = be64_get(r->buf + r->pos + 4);
	rec->recno = r->recno;	/* not a record: the number of records before it */
	rec->off = off;
	rec->stamp = NULL;
	r->pos += RS_BARRIER_SIZE;
	return RS_OK;
}

int
rs_next(struct rs_reader *r, struct rs_rec *rec)
{
	uint64_t off = rs_offset(r);
	uint64_t recno = r->recno + 1;
	size_t have;
	int32_t len;
	int unstamped = 0;	/* stamped stream, 0xff where the stamp starts: a barrier */

	if (r->lines)
		return next_line(r, rec);
	if (r->stamped) {
		int st;

		if (fill(r, 1) < 0)
			return RS_IOERR;
		if (r->end > r->pos && r->buf[r->pos] == 0xff)
			unstamped = 1;
		else if ((st = next_stamp(r, recno, off)) != RS_OK)
			return st;
	}
	if (fill(r, 4) < 0)
		return RS_IOERR;
	have = r->end - r->pos;
	if (have == 0 && !r->stamped)
		return RS_EOF;
	if (have < 4) {
		snprintf(r->msg, sizeof(r->msg),
		    "record %llu at byte %llu: truncated length (%zu of 4 bytes)",
		    (unsigned long long)recno, (unsigned long long)off, have);
		return RS_BAD;
	}
	len = be32_get_signed(r->buf + r->pos);
	if (len == RS_BARRIER && (unstamped || !r->stamped))
		return next_barrier(r, rec, off);
	if (len == RS_BARRIER) {
		snprintf(r->msg, sizeof(r->msg),
		    "record %llu at byte %llu: checkpoint barrier (length -2) after a "
		    "Kafka stamp (a barrier has none)",
		    (unsigned long long)recno, (unsigned long long)off);
		return RS_BAD;
	}
	if (unstamped) {
		snprintf(r->msg, sizeof(r->msg),
		    "record %llu at byte %llu: no Kafka stamp (byte 0xff starts a "
		    "checkpoint barrier, but the length is %ld, not -2)",
		    (unsigned long long)recno, (unsigned long long)off, (long)len);
		return RS_BAD;
	}
	if (len < -1 || (len > 0 && (size_t)len > r->max)) {
		const unsigned char *h = r->buf + r->pos;
		int text = !r->stamped;
		size_t i;

		for (i = 0; i < 4 && text; i++)
			text = h[i] >= 0x20 && h[i] < 0x7f;
		snprintf(r->msg, sizeof(r->msg),
		    "record %llu at byte %llu: impossible length %ld (maximum %zu)%s",
		    (unsigned long long)recno, (unsigned long long)off,
		    (long)len, r->max, text ? "; the length is text: stamped input "
		    "(kcat -f '%t %p %o %T %R%s')? see --stamped" : "");
		return RS_BAD;
	}
	if (len > 0) {
		if (fill(r, 4 + (size_t)len) < 0)
			return RS_IOERR;
		have = r->end - r->pos;
		if (have < 4 + (size_t)len) {
			snprintf(r->msg, sizeof(r->msg),
			    "record %llu at byte %llu: truncated payload "
			    "(%zu of %ld bytes)",
			    (unsigned long long)recno, (unsigned long long)off,
			    have - 4, (long)len);
			return RS_BAD;
		}
	}
	rec->data = r->buf + r->pos + 4;
	rec->len = len;
	rec->recno = recno;
	rec->off = off;
	rec->stamp = r->stamped ? &r->stamp : NULL;
	rec->barrier = 0;
	r->pos += 4 + (len > 0 ? (size_t)len : 0);
	r->recno = recno;
	return RS_OK;
}

void
rs_writer_init(struct rs_writer *w, int fd)
{
	w->fd = fd;
	w->cap = BLOCK;
	w->len = 0;
	w->buf = xmalloc(w->cap);
	w->iov = xmallocarray(NIOV, sizeof(*w->iov));
	w->niov = 0;
	w->sealed = 0;
	widen_pipe(fd);
}

void
rs_writer_free(struct rs_writer *w)
{
	free(w->buf);
	free(w->iov);
	w->buf = NULL;
	w->iov = NULL;
}

/* Makes the bytes buffered since the last reference the next iovec. */
static void
seal(struct rs_writer *w)
{
	if (w->len > w->sealed) {
		w->iov[w->niov].iov_base = w->buf + w->sealed;
		w->iov[w->niov].iov_len = w->len - w->sealed;
		w->niov++;
		w->sealed = w->len;
	}
}

void
rs_flush(struct rs_writer *w)
{
	int niov;

	seal(w);
	niov = w->niov;
	/* Reset first: a write error dies through a hook that flushes again. */
	w->len = w->sealed = 0;
	w->niov = 0;
	if (niov > 1)
		io_writev_all(w->fd, w->iov, niov);
	else if (niov)
		io_write_all(w->fd, w->iov[0].iov_base, w->iov[0].iov_len);
}

void
rs_put_ref(struct rs_writer *w, const void *p, size_t n)
{
	/* keeps room for the seal and the reference, and for flush's seal */
	if (w->niov >= NIOV - 3)
		rs_flush(w);
	seal(w);
	if (w->niov > 0 && (const char *)w->iov[w->niov - 1].iov_base +
	    w->iov[w->niov - 1].iov_len == (const char *)p) {
		w->iov[w->niov - 1].iov_len += n;
		return;
	}
	w->iov[w->niov].iov_base = (void *)(uintptr_t)p;
	w->iov[w->niov].iov_len = n;
	w->niov++;
}

unsigned char *
rs_reserve(struct rs_writer *w, size_t n)
{
	if (w->cap - w->len < n) {
		rs_flush(w);
		if (w->cap < n) {
			w->cap = n;
			w->buf = xrealloc(w->buf, w->cap);
		}
	}
	return w->buf + w->len;
}

void
rs_commit(struct rs_writer *w, size_t n)
{
	w->len += n;
	if (w->len == w->cap)
		rs_flush(w);
}

void
rs_put(struct rs_writer *w, const void *p, size_t n)
{
	if (n == 0)	/* an empty body's buffer may be NULL: memcpy must not see it */
		return;
	if (n >= w->cap) {
		rs_flush(w);
		io_write_all(w->fd, p, n);
		return;
	}
	memcpy(rs_reserve(w, n), p, n);
	rs_commit(w, n);
}

void
rs_put_rec(struct rs_writer *w, const void *p, size_t n)
{
	unsigned char h[4];

	be32_put(h, (uint32_t)n);
	rs_put(w, h, 4);
	rs_put(w, p, n);
}

void
rs_put_null(struct rs_writer *w)
{
	static const unsigned char h[4] = { 0xff, 0xff, 0xff, 0xff };

	rs_put(w, h, 4);
}

void
rs_put_barrier(struct rs_writer *w, uint64_t id)
{
	unsigned char *p = rs_reserve(w, RS_BARRIER_SIZE);

	be32_put(p, (uint32_t)0xfffffffe);
	be32_put(p + 4, (uint32_t)(id >> 32));
	be32_put(p + 8, (uint32_t)id);
	rs_commit(w, RS_BARRIER_SIZE);
	rs_flush(w);
}

void
rs_put_stamp(struct rs_writer *w, const struct rs_stamp *s)
{
	char *p = (char *)rs_reserve(w, RS_TOPIC_MAX + 64);
	int n = snprintf(p, RS_TOPIC_MAX + 64, "%s %ld %lld %lld ", s->topic, (long)s->partition,
	    (long long)s->offset, (long long)s->timestamp);

	rs_commit(w, (size_t)n);
}

int
rs_parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -1;
	}
	if (*end != '\0' || v > (RS_MAX_LIMIT >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}
