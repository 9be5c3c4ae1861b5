/*
 * cfjob's state files (common/jobstate.c), as a state directory damaged or
 * planted by someone else may hold them: the offsets file, a plan, the
 * batch metadata of the group's offsets, a -F property file, and the
 * messages of a job on several machines (a driver's request, a worker's
 * key, the driver's state snapshot), read from Kafka topics anyone with
 * access may write. Each parses
 * or is refused with a message, never crashes; whatever parses, written
 * again, is the same bytes (the parsers accept only what the writers write).
 * The first byte picks the parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count_prop(const char *name, size_t nlen, const char *val, size_t vlen, void *arg, char *err, size_t errlen)
{
	if (nlen == 0 || memchr(name, '=', nlen) || memchr(val, '\n', vlen) || memchr(name, '\n', nlen))
		abort();
	++*(size_t *)arg;
	return 0;
}

/* Each entry written again; a path that leaves the tree must never pass. */
static int
snap_entry(const struct jobstate_snap_entry *e, void *arg)
{
	if (e->plen == 0 || e->path[0] == '/' || memchr(e->path, '\n', e->plen) ||
	    (e->plen >= 2 && !memcmp(e->path, "..", 2) && (e->plen == 2 || e->path[2] == '/')))
		abort();
	jobstate_snap_add(arg, e);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	char err[300] = "";
	struct buf b = {0};

	if (size == 0)
		return 0;
	switch (data[0] % 7) {
	case 0: {
		struct jobstate_offs f = {0};

		if (jobstate_offs_parse(text, len, NULL, &f, err, sizeof(err)) == 0) {
			const char *sp = memchr(text, ' ', len), *nl = memchr(text, '\n', len);
			char *topic = strndup(sp + 1, (size_t)(nl - sp - 1));

			jobstate_offs_format(&b, topic, &f);
			if (b.len != len || memcmp(b.p, text, len))
				abort();
			free(topic);
		} else if (!*err) {
			abort();
		}
		jobstate_offs_free(&f);
		break;
	}
	case 1: {
		struct jobstate_plan p = {0};
		uint64_t id = 0;

		/* the id the plan names, so that most inputs get past line 1 */
		if (len > 5 && !memcmp(text, "base ", 5))
			id = strtoull(text + 5, NULL, 10) + 1;
		if (jobstate_plan_parse(text, len, id, &p, err, sizeof(err)) == 0) {
			jobstate_plan_format(&b, &p);
			if (b.len != len || memcmp(b.p, text, len))
				abort();
		} else if (!*err) {
			abort();
		}
		jobstate_plan_free(&p);
		break;
	}
	case 2: {
		uint64_t id = jobstate_batch_md_parse(text, len);
		char md[JOBSTATE_BATCH_MD_MAX];

		if (id) {
			jobstate_batch_md(md, sizeof(md), id);
			if (strlen(md) != len || memcmp(md, text, len))
				abort();
		}
		break;
	}
	case 4: {
		struct jobstate_req r = {0};

		if (jobstate_req_parse(text, len, "g", &r, err, sizeof(err)) == 0) {
			jobstate_req_format(&b, "g", &r);
			if (b.len != len || memcmp(b.p, text, len))
				abort();
		} else if (!*err) {
			abort();
		}
		jobstate_req_free(&r);
		break;
	}
	case 5: {
		struct jobstate_key k;
		char key[JOBSTATE_KEY_MAX];

		if (jobstate_key_parse(text, len, &k) == 0) {
			size_t n = jobstate_key_format(key, sizeof(key), &k);

			if (n != len || memcmp(key, text, len))
				abort();
		}
		break;
	}
	case 6: {
		struct buf w = {0};
		uint64_t batch;

		if (jobstate_snap_parse(text, len, &batch, snap_entry, &w, err, sizeof(err)) == 0) {
			jobstate_snap_begin(&b, batch);
			buf_put(&b, w.p, w.len);
			if (b.len != len || memcmp(b.p, text, len))
				abort();
		} else if (!*err) {
			abort();
		}
		buf_free(&w);
		break;
	}
	default: {
		size_t n = 0;

		if (jobstate_props_parse(text, len, count_prop, &n, err, sizeof(err)) < 0 && !*err)
			abort();
		break;
	}
	}
	buf_free(&b);
	return 0;
}
