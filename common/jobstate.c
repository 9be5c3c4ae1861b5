/* jobstate: cfjob's state files, parsed and written (see jobstate.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jobstate.h"

void
jobstate_offs_free(struct jobstate_offs *f)
{
	free(f->part);
	free(f->next);
	memset(f, 0, sizeof(*f));
}

int64_t *
jobstate_offs_slot(const struct jobstate_offs *f, int32_t p)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->part[mid] == p)
			return &f->next[mid];
		if (f->part[mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
jobstate_offs_set(struct jobstate_offs *f, int32_t p, int64_t next)
{
	int64_t *s = jobstate_offs_slot(f, p);
	size_t i, cap;

	if (s) {
		*s = next;
		return;
	}
	cap = f->cap;
	f->part = xgrowarray(f->part, &cap, f->n + 1, sizeof(*f->part));
	f->next = xgrowarray(f->next, &f->cap, f->n + 1, sizeof(*f->next));
	for (i = f->n; i > 0 && f->part[i - 1] > p; i--) {
		f->part[i] = f->part[i - 1];
		f->next[i] = f->next[i - 1];
	}
	f->part[i] = p;
	f->next[i] = next;
	f->n++;
}

void
jobstate_offs_copy(struct jobstate_offs *dst, const struct jobstate_offs *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		jobstate_offs_set(dst, src->part[i], src->next[i]);
}

/* A line of text[*pos, len): its start and length, without the newline; -1 if unterminated. */
static int
next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	if (!nl)
		return -1;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return 1;
}

/* A plain decimal number (no sign, no leading zero, no more than max) at *s. */
static int
take_num(const char **s, const char *end, uint64_t max, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

static int
take_word(const char **s, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - *s) < n || memcmp(*s, w, n))
		return -1;
	*s += n;
	return 0;
}

/* "a b c": numbers separated by single spaces, nothing after. */
static int
take_nums(const char *s, const char *end, int k, const uint64_t *max, uint64_t *out)
{
	for (int i = 0; i < k; i++) {
		if (i && take_word(&s, end, " ") < 0)
			return -1;
		if (take_num(&s, end, max[i], &out[i]) < 0)
			return -1;
	}
	return s == end ? 0 : -1;
}

static int
shown(const char *line, size_t n)
{
	return n > 60 ? 60 : (int)n;
}

int
jobstate_offs_parse(const char *text, size_t len, const char *topic,
    struct jobstate_offs *f, char *err, size_t errlen)
{
	static const uint64_t max[2] = {INT32_MAX, INT64_MAX};
	size_t pos = 0, n, lineno = 1;
	const char *line;
	int r;

	f->n = 0;
	r = next_line(text, len, &pos, &line, &n);
	if (r == 0)
		return err_set(err, errlen, "empty");
	if (r < 0 || n < 17 || memcmp(line, "cfjob-offsets-1 ", 16) || memchr(line, '\0', n) ||
	    memchr(line + 16, ' ', n - 16))
		return err_set(err, errlen, "line 1: expected \"cfjob-offsets-1 TOPIC\"");
	if (topic && (n - 16 != strlen(topic) || memcmp(line + 16, topic, n - 16)))
		return err_set(err, errlen, "holds the offsets of topic %.*s, not %s: use another "
		    "--state for this topic", shown(line + 16, n - 16), line + 16, topic);
	while ((r = next_line(text, len, &pos, &line, &n)) > 0) {
		uint64_t v[2];

		lineno++;
		if (take_nums(line, line + n, 2, max, v) < 0)
			return err_set(err, errlen, "line %zu: expected \"PARTITION OFFSET\"", lineno);
		if (f->n && (int64_t)v[0] <= f->part[f->n - 1])
			return err_set(err, errlen, "line %zu: partition %" PRIu64 " out of order", lineno, v[0]);
		jobstate_offs_set(f, (int32_t)v[0], (int64_t)v[1]);
	}
	if (r < 0)
		return err_set(err, errlen, "line %zu: no newline at its end (cut short?)", lineno + 1);
	return 0;
}

void
jobstate_offs_format(struct buf *b, const char *topic, const struct jobstate_offs *f)
{
	buf_printf(b, "cfjob-offsets-1 %s\n", topic);
	for (size_t i = 0; i < f->n; i++)
		buf_printf(b, "%" PRId32 " %" PRId64 "\n", f->part[i], f->next[i]);
}

void
jobstate_plan_free(struct jobstate_plan *p)
{
	free(p->part);
	free(p->from);
	free(p->to);
	memset(p, 0, sizeof(*p));
}

int
jobstate_plan_parse(const char *text, size_t len, uint64_t id, struct jobstate_plan *p,
    char *err, size_t errlen)
{
	static const uint64_t max3[3] = {INT32_MAX, INT64_MAX, INT64_MAX};
	static const uint64_t max1[1] = {UINT64_MAX};
	size_t pos = 0, n, lineno = 0, cap[3] = {0, 0, 0};
	const char *line, *s;
	uint64_t v[3];
	int r;

	jobstate_plan_free(p);
	p->id = id;
	if (next_line(text, len, &pos, &line, &n) <= 0 || (s = line, take_word(&s, line + n, "base ") < 0) ||
	    take_nums(s, line + n, 1, max1, v) < 0)
		return err_set(err, errlen, "line 1: expected \"base N\"");
	if (v[0] + 1 != id)
		return err_set(err, errlen, "line 1: the plan of batch %" PRIu64 ", not %" PRIu64,
		    v[0] == UINT64_MAX ? 0 : v[0] + 1, id);
	if (next_line(text, len, &pos, &line, &n) <= 0 ||
	    !((n == 11 && !memcmp(line, "at-eof keep", 11)) || (n == 12 && !memcmp(line, "at-eof flush", 12))))
		return err_set(err, errlen, "line 2: expected \"at-eof keep\" or \"at-eof flush\"");
	p->flush = n == 12;
	lineno = 2;
	while ((r = next_line(text, len, &pos, &line, &n)) > 0) {
		lineno++;
		s = line;
		if (take_word(&s, line + n, "part ") < 0 || take_nums(s, line + n, 3, max3, v) < 0)
			return err_set(err, errlen, "line %zu: expected \"part PARTITION FROM TO\"", lineno);
		if (v[2] < v[1])
			return err_set(err, errlen, "line %zu: the range ends before it starts", lineno);
		if (p->n && (int64_t)v[0] <= p->part[p->n - 1])
			return err_set(err, errlen, "line %zu: partition %" PRIu64 " out of order", lineno, v[0]);
		p->part = xgrowarray(p->part, &cap[0], p->n + 1, sizeof(*p->part));
		p->from = xgrowarray(p->from, &cap[1], p->n + 1, sizeof(*p->from));
		p->to = xgrowarray(p->to, &cap[2], p->n + 1, sizeof(*p->to));
		p->part[p->n] = (int32_t)v[0];
		p->from[p->n] = (int64_t)v[1];
		p->to[p->n] = (int64_t)v[2];
		p->n++;
	}
	if (r < 0)
		return err_set(err, errlen, "line %zu: no newline at its end (cut short?)", lineno + 1);
	return 0;
}

void
jobstate_plan_format(struct buf *b, const struct jobstate_plan *p)
{
	buf_printf(b, "base %" PRIu64 "\nat-eof %s\n", p->id - 1, p->flush ? "flush" : "keep");
	for (size_t i = 0; i < p->n; i++)
		buf_printf(b, "part %" PRId32 " %" PRId64 " %" PRId64 "\n", p->part[i], p->from[i], p->to[i]);
}

void
jobstate_batch_md(char *out, size_t n, uint64_t id)
{
	snprintf(out, n, "cfjob batch %" PRIu64, id);
}

uint64_t
jobstate_batch_md_parse(const void *md, size_t len)
{
	static const uint64_t max[1] = {UINT64_MAX};
	const char *s = md;
	uint64_t v;

	if (!md || take_word(&s, s + len, "cfjob batch ") < 0 || take_nums(s, (const char *)md + len, 1, max, &v) < 0)
		return 0;
	return v;
}

static int
name_char(char c)
{
	return c == '.' || c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

int
jobstate_props_parse(const char *text, size_t len,
    int (*fn)(const char *name, size_t nlen, const char *val, size_t vlen, void *arg, char *err, size_t errlen),
    void *arg, char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos), *e, *eq, *ke;

		e = nl ? nl : text + len;
		pos = (size_t)(e - text) + (nl != NULL);
		lineno++;
		if (memchr(s, '\0', (size_t)(e - s)))
			return err_set(err, errlen, "line %zu: a NUL byte", lineno);
		while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s == e || *s == '#' || *s == '!')
			continue;
		if (!(eq = memchr(s, '=', (size_t)(e - s))))
			return err_set(err, errlen, "line %zu: expected name=value", lineno);
		for (ke = eq; ke > s && (ke[-1] == ' ' || ke[-1] == '\t'); ke--)
			;
		if (ke == s)
			return err_set(err, errlen, "line %zu: expected name=value", lineno);
		for (const char *c = s; c < ke; c++)
			if (!name_char(*c))
				return err_set(err, errlen, "line %zu: expected name=value", lineno);
		eq++;
		while (eq < e && (*eq == ' ' || *eq == '\t'))
			eq++;
		if (fn(s, (size_t)(ke - s), eq, (size_t)(e - eq), arg, err, errlen) < 0)
			return -1;
	}
	return 0;
}

void
jobstate_req_free(struct jobstate_req *r)
{
	jobstate_plan_free(&r->plan);
	memset(r, 0, sizeof(*r));
}

/* "WORD NUMBER" on the next line: 0, or -1. */
static int
take_field(const char *text, size_t len, size_t *pos, const char *word, uint64_t max, uint64_t *v)
{
	const char *line, *s;
	size_t n;

	if (next_line(text, len, pos, &line, &n) <= 0)
		return -1;
	s = line;
	if (take_word(&s, line + n, word) < 0 || take_word(&s, line + n, " ") < 0)
		return -1;
	return take_nums(s, line + n, 1, &max, v);
}

int
jobstate_req_parse(const char *text, size_t len, const char *group, struct jobstate_req *r,
    char *err, size_t errlen)
{
	size_t pos = 0, n, gl = strlen(group);
	const char *line;
	uint64_t v;

	jobstate_req_free(r);
	if (next_line(text, len, &pos, &line, &n) <= 0)
		return err_set(err, errlen, "line 1: expected \"cfjob-request 1\" or \"cfjob-end 1\"");
	if (n == 15 && !memcmp(line, "cfjob-request 1", 15))
		r->end = 0;
	else if (n == 11 && !memcmp(line, "cfjob-end 1", 11))
		r->end = 1;
	else
		return err_set(err, errlen, "line 1: expected \"cfjob-request 1\" or \"cfjob-end 1\"");
	if (next_line(text, len, &pos, &line, &n) <= 0 || n < 7 || memcmp(line, "group ", 6))
		return err_set(err, errlen, "line 2: expected \"group GROUP\"");
	if (n - 6 != gl || memcmp(line + 6, group, gl))
		return err_set(err, errlen, "a message of group %.*s, not %s", shown(line + 6, n - 6), line + 6, group);
	if (take_field(text, len, &pos, "batch", UINT64_MAX - 1, &r->batch) < 0 || r->batch == 0)
		return err_set(err, errlen, "line 3: expected \"batch N\" (N > 0)");
	if (r->end)
		return pos == len ? 0 : err_set(err, errlen, "line 4: nothing expected after the batch");
	if (take_field(text, len, &pos, "committed", UINT64_MAX, &r->committed) < 0 || r->committed >= r->batch)
		return err_set(err, errlen, "line 4: expected \"committed C\" (C < the batch)");
	if (take_field(text, len, &pos, "try", UINT64_MAX, &v) < 0 || v == 0)
		return err_set(err, errlen, "line 5: expected \"try T\" (T > 0)");
	r->try = v;
	if (jobstate_plan_parse(text + pos, len - pos, r->batch, &r->plan, err, errlen) < 0) {
		char why[300];

		snprintf(why, sizeof(why), "%s", err);
		return err_set(err, errlen, "the plan after line 5: %s", why);
	}
	return 0;
}

void
jobstate_req_format(struct buf *b, const char *group, const struct jobstate_req *r)
{
	buf_printf(b, "cfjob-%s 1\ngroup %s\nbatch %" PRIu64 "\n", r->end ? "end" : "request", group, r->batch);
	if (r->end)
		return;
	buf_printf(b, "committed %" PRIu64 "\ntry %" PRIu64 "\n", r->committed, r->try);
	jobstate_plan_format(b, &r->plan);
}

size_t
jobstate_key_format(char *out, size_t n, const struct jobstate_key *k)
{
	int r;

	if (k->done)
		r = snprintf(out, n, "cfjob-done %" PRIu64 " %" PRId32 " %" PRId64 " %" PRId64 " %016" PRIx64
		    " %" PRIu64, k->batch, k->part, k->from, k->to, k->attempt, k->rows);
	else
		r = snprintf(out, n, "cfjob-row %" PRIu64 " %" PRId32 " %" PRId64 " %" PRId64 " %016" PRIx64,
		    k->batch, k->part, k->from, k->to, k->attempt);
	return r < 0 ? 0 : (size_t)r < n ? (size_t)r : n - 1;
}

int
jobstate_key_parse(const void *p, size_t len, struct jobstate_key *k)
{
	static const uint64_t max[4] = {UINT64_MAX, INT32_MAX, INT64_MAX, INT64_MAX};
	const char *s = p, *end = s + (p ? len : 0), *hex;
	uint64_t v[4], a = 0;

	memset(k, 0, sizeof(*k));
	if (!p)
		return -1;
	if (take_word(&s, end, "cfjob-done ") == 0)
		k->done = 1;
	else if (take_word(&s, end, "cfjob-row ") < 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (take_num(&s, end, max[i], &v[i]) < 0 || take_word(&s, end, " ") < 0)
			return -1;
	}
	hex = s;
	for (; s < end && s - hex < 16; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;

		if (d < 0)
			return -1;
		a = a << 4 | (uint64_t)d;
	}
	if (s - hex != 16 || v[0] == 0 || v[3] <= v[2])
		return -1;
	if (k->done) {
		static const uint64_t rmax[1] = {UINT64_MAX};

		if (take_word(&s, end, " ") < 0 || take_nums(s, end, 1, rmax, &k->rows) < 0)
			return -1;
	} else if (s != end) {
		return -1;
	}
	k->batch = v[0];
	k->part = (int32_t)v[1];
	k->from = (int64_t)v[2];
	k->to = (int64_t)v[3];
	k->attempt = a;
	return 0;
}

void
jobstate_snap_begin(struct buf *b, uint64_t batch)
{
	buf_printf(b, "cfjob-snapshot 1\nbatch %" PRIu64 "\n", batch);
}

void
jobstate_snap_add(struct buf *b, const struct jobstate_snap_entry *e)
{
	buf_printf(b, "%c %.*s", e->kind, (int)e->plen, e->path);
	if (e->kind == 'f') {
		buf_printf(b, " %zu\n", e->dlen);
		buf_put(b, e->data, e->dlen);
	} else if (e->kind == 'l') {
		buf_printf(b, " %.*s\n", (int)e->dlen, e->data);
	} else {
		buf_put(b, "\n", 1);
	}
}

/* A relative path with no empty, "." or ".." component, no space, newline or NUL. */
static int
good_path(const char *p, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > 4096)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (p[i] == '\n' || p[i] == '\0' || p[i] == ' '))
			return 0;
		if (i == n || p[i] == '/') {
			size_t c = i - start;

			if (c == 0 || (c == 1 && p[start] == '.') || (c == 2 && p[start] == '.' && p[start + 1] == '.'))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

int
jobstate_snap_parse(const char *text, size_t len, uint64_t *batch,
    int (*fn)(const struct jobstate_snap_entry *e, void *arg), void *arg, char *err, size_t errlen)
{
	static const uint64_t max1[1] = {UINT64_MAX};
	size_t pos = 0, n, k = 0;
	const char *line, *s;

	if (next_line(text, len, &pos, &line, &n) <= 0 || n != 16 || memcmp(line, "cfjob-snapshot 1", 16))
		return err_set(err, errlen, "line 1: expected \"cfjob-snapshot 1\"");
	if (next_line(text, len, &pos, &line, &n) <= 0 || (s = line, take_word(&s, line + n, "batch ") < 0) ||
	    take_nums(s, line + n, 1, max1, batch) < 0 || *batch == 0)
		return err_set(err, errlen, "line 2: expected \"batch N\" (N > 0)");
	while (pos < len) {
		struct jobstate_snap_entry e = {0};
		const char *sp;
		int r;

		k++;
		if ((r = next_line(text, len, &pos, &line, &n)) <= 0 || n < 3 || line[1] != ' ' ||
		    (line[0] != 'd' && line[0] != 'f' && line[0] != 'l'))
			return err_set(err, errlen, "entry %zu: expected \"d PATH\", \"f PATH SIZE\" or \"l PATH TARGET\"", k);
		e.kind = line[0];
		e.path = line + 2;
		sp = e.kind == 'd' ? NULL : memchr(e.path, ' ', n - 2);
		e.plen = sp ? (size_t)(sp - e.path) : n - 2;
		if ((e.kind != 'd' && !sp) || !good_path(e.path, e.plen))
			return err_set(err, errlen, "entry %zu: not a relative path without \"..\" (%.*s)", k,
			    shown(e.path, n - 2), e.path);
		if (e.kind == 'f') {
			uint64_t size;

			if (take_nums(sp + 1, line + n, 1, max1, &size) < 0 || size > len - pos)
				return err_set(err, errlen, "entry %zu: a size beyond the snapshot's end", k);
			e.data = text + pos;
			e.dlen = (size_t)size;
			pos += (size_t)size;
		} else if (e.kind == 'l') {
			e.data = sp + 1;
			e.dlen = (size_t)(line + n - e.data);
			if (e.dlen == 0 || memchr(e.data, '\0', e.dlen))
				return err_set(err, errlen, "entry %zu: a link without a target", k);
		}
		if ((r = fn(&e, arg)) != 0)
			return err_set(err, errlen, "entry %zu (%.*s): cannot be written", k, shown(e.path, e.plen), e.path);
	}
	return 0;
}
