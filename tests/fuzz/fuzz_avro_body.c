/*
 * avdec_decode on arbitrary bodies. Byte 0 picks a schema of avro_schemas.h
 * (a writer schema, or a writer/reader pair), byte 1 the output form (bits
 * 0-1: plain, avro, raw) and a projection (bits 2-4: none or one of the
 * schema's); the rest is the body. The plans are compiled once.
 *
 * Checked on every input, besides what the sanitizers catch (out-of-bounds
 * reads, leaks, undefined behaviour) and libFuzzer's -timeout (long loops):
 *  - a failure sets a message and an offset inside the body and leaves the
 *    output buffer as it was;
 *  - a success appends one JSON value that jansson reads back (JSON_DECODE_ANY;
 *    JSON_ALLOW_NUL because bytes and strings may hold U+0000; map keys may
 *    too, which jansson refuses: fz_json_load works round that), no longer
 *    than 64 bytes a body byte plus 4 KiB, plus 32 MiB where the schema has
 *    items that take no bytes (the decoder allows 2^20 of them a body);
 *  - the three forms agree: avro and raw succeed or fail together, at the
 *    same offset, and so does plain for schemas without logical types
 *    (where its output is raw's, byte for byte); with logical types a plain
 *    success implies a raw one (rendering only adds failures: long decimals);
 *  - decoding again with the same plan gives the same result (no state left
 *    behind in the plan by an earlier body, failed or not).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "avdec.h"
#include "avsc.h"
#include "jw.h"
#include "avro_schemas.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_PLAIN, F_AVRO, F_RAW, NFORMS };

static const struct avdec_opts forms[NFORMS] = {{0, 0}, {1, 0}, {0, 1}};

static struct {
	struct av_schema *w, *r;
	struct avdec_proj *proj[FZ_MAXPROJ];
	size_t nproj;
	struct avdec_plan *plan[NFORMS][FZ_MAXPROJ + 1];	/* [form][0: no projection, k: proj[k - 1]] */
} st[FZ_NSCHEMAS];

static _Noreturn void
fatal(const char *what, size_t s, const char *msg)
{
	fprintf(stderr, "fuzz_avro_body: schema %zu (%s): %s: %s\n", s, fz_schemas[s].name, what, msg);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];
	size_t s, f, k;

	for (s = 0; s < FZ_NSCHEMAS; s++) {
		const struct fz_schema *z = &fz_schemas[s];

		if (!(st[s].w = avsc_parse(z->writer, strlen(z->writer), err, sizeof(err))))
			fatal("writer schema", s, err);
		if (z->reader && !(st[s].r = avsc_parse(z->reader, strlen(z->reader), err, sizeof(err))))
			fatal("reader schema", s, err);
		for (k = 0; k < FZ_MAXPROJ && z->proj[k]; k++)
			if (!(st[s].proj[k] = avdec_proj_parse(z->proj[k], err, sizeof(err))))
				fatal("projection", s, err);
		st[s].nproj = k;
		for (f = 0; f < NFORMS; f++)
			for (k = 0; k <= st[s].nproj; k++) {
				st[s].plan[f][k] = avdec_compile(st[s].w, st[s].r, k ? st[s].proj[k - 1] : NULL,
				    &forms[f], NULL, err, sizeof(err));
				if (!st[s].plan[f][k])
					fatal("compile", s, err);
			}
	}
	return 0;
}

struct result {
	int rc;
	struct buf out;
	struct avdec_err e;
};

/* Decodes after a one-byte sentinel and checks what one decode promises on its own. */
static void
run(size_t s, int f, size_t k, const unsigned char *body, size_t len, struct result *r)
{
	size_t limit = 64 * len + 4096 + (fz_schemas[s].zero_items ? (size_t)32 << 20 : 0);
	json_error_t je;
	json_t *j;
	int nul_keys;

	memset(r, 0, sizeof(*r));
	buf_putc(&r->out, '#');
	r->rc = avdec_decode(st[s].plan[f][k], body, len, &r->out, &r->e);
	if (r->out.len < 1 || r->out.p[0] != '#')
		fatal("decode", s, "the output before the value was overwritten");
	if (r->rc != 0) {
		if (r->rc != -1)
			fatal("decode", s, "returned neither 0 nor -1");
		if (r->out.len != 1)
			fatal("decode", s, "a failure left output behind");
		if (!r->e.msg[0] || !memchr(r->e.msg, 0, sizeof(r->e.msg)))
			fatal("decode", s, "a failure without a message");
		if (r->e.off > len)
			fatal("decode", s, "error offset past the end of the body");
		return;
	}
	if (r->out.len - 1 > limit) {
		char m[100];

		snprintf(m, sizeof(m), "%zu bytes of JSON from %zu bytes of body", r->out.len - 1, len);
		fatal("decode", s, m);
	}
	if (!(j = fz_json_load(r->out.p + 1, r->out.len - 1, 0, &nul_keys, &je))) {
		fprintf(stderr, "%.*s\n", (int)(r->out.len - 1 > 2000 ? 2000 : r->out.len - 1), r->out.p + 1);
		fatal("output is not JSON", s, je.text);
	}
	json_decref(j);
}

static int
same(const struct result *a, const struct result *b)
{
	if (a->rc != b->rc)
		return 0;
	if (a->rc)
		return a->e.off == b->e.off;
	return a->out.len == b->out.len && memcmp(a->out.p, b->out.p, a->out.len) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result r[NFORMS], again;
	size_t s, k, len;
	const unsigned char *body;
	int f, primary;

	if (size < 2)
		return 0;
	s = data[0] % FZ_NSCHEMAS;
	primary = (data[1] & 3) % NFORMS;
	k = (size_t)(data[1] >> 2 & 7) % (st[s].nproj + 1);
	body = data + 2;
	len = size - 2;
	if (!st[s].w)
		return 0;	/* a known bug */

	for (f = 0; f < NFORMS; f++)
		run(s, f, k, body, len, &r[f]);
	/* Avro and raw read alike and render nothing that can fail. */
	if (r[F_AVRO].rc != r[F_RAW].rc || (r[F_AVRO].rc && r[F_AVRO].e.off != r[F_RAW].e.off))
		fatal("forms", s, "avro and raw disagree on the body");
	if (!fz_schemas[s].logical) {
		if (!same(&r[F_PLAIN], &r[F_RAW]))
			fatal("forms", s, "plain and raw differ without logical types");
	} else if (r[F_PLAIN].rc == 0 && r[F_RAW].rc != 0)
		fatal("forms", s, "plain accepts what raw refuses");
	run(s, primary, k, body, len, &again);
	if (!same(&r[primary], &again))
		fatal("determinism", s, "a second decode with the same plan differs");

	for (f = 0; f < NFORMS; f++)
		buf_free(&r[f].out);
	buf_free(&again.out);
	return 0;
}
