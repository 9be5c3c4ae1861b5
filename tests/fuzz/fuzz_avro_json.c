/*
 * jp_parse and avenc_encode on arbitrary JSON text. Byte 0 picks the encoding
 * (b % 3: plain, avro, auto), then --ignore-unknown (b / 3 & 1), then a
 * schema (b / 6 modulo the count): the schemas of avro_schemas.h in their
 * order, each writer followed by its reader where it has one (readers have
 * defaults to fill in). The rest is the JSON text. The seed corpus in
 * tests/fuzz/corpus/avro_json/ follows this order.
 *
 * One avenc_ctx per (schema, encoding, ignore-unknown), made once: a context
 * keeps per-schema state (where each record's fields were last found), so
 * it is not shared between schemas.
 *
 * Checked on every input, besides what the sanitizers and -timeout catch:
 *  - jp_parse agrees with jansson (json_loadb, JSON_DECODE_ANY |
 *    JSON_ALLOW_NUL, keys with U+0000 through fz_json_load) on what is
 *    JSON, where "jp accepts" means jp_parse succeeds and jp_str accepts
 *    every string and key (jp_parse leaves escapes and UTF-8 to jp_str).
 *    Exempt: texts jansson refuses for a number out of its range (an
 *    integer beyond 64 bits, a real beyond double), texts nested deeper
 *    than jp's limit of 1000 (jansson's is 2048), and jansson's acceptance
 *    of texts with a NUL byte (never JSON; jansson 2.14 skips one right
 *    after a number or literal, taking [1<NUL>] and true<NUL>);
 *  - a failed encode returns -1 with a "$..." message and leaves the output
 *    as it was; a successful one appends a body that avdec_decode reads with
 *    the same schema, to its end;
 *  - encoding the same document again with the same context gives the same
 *    bytes (the field-order hints change nothing but speed);
 *  - round trips: the body decoded to the Avro JSON encoding and encoded
 *    again with --encoding avro gives the same bytes; decoded to plain JSON
 *    (text T) and encoded again as plain gives a body that decodes to T.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "avdec.h"
#include "avenc.h"
#include "avsc.h"
#include "jp.h"
#include "jw.h"
#include "avro_schemas.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXS (2 * FZ_NSCHEMAS)

static const int modes[] = {AVENC_PLAIN, AVENC_AVRO, AVENC_AUTO};
static const char *const mode_names[] = {"plain", "avro", "auto"};

static struct sch {
	const char *name;
	const char *role;		/* "writer" or "reader" */
	struct av_schema *s;
	struct avdec_plan *plain, *avro;	/* decoding with this schema */
	struct avenc_ctx *enc[3][2];	/* [mode][ignore_unknown] */
} sch[MAXS];
static size_t nsch;

static struct jp_doc doc, doc2;

static _Noreturn void
fatal(const struct sch *z, int m, const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_avro_json: %s schema \"%s\", --encoding %s: %s%s%s\n", z->role,
	    z->name, mode_names[m], what, detail ? ": " : "", detail ? detail : "");
	abort();
}

static void
add(const char *name, const char *role, const char *text)
{
	static const struct avdec_opts plain = {0, 0}, avro = {1, 0};
	struct sch *z = &sch[nsch++];
	struct avenc_opts o;
	char err[512];
	int m, ign;

	z->name = name;
	z->role = role;
	if (!(z->s = avsc_parse(text, strlen(text), err, sizeof(err))))
		fatal(z, 0, "schema", err);
	if (!(z->plain = avdec_compile(z->s, NULL, NULL, &plain, NULL, err, sizeof(err))) ||
	    !(z->avro = avdec_compile(z->s, NULL, NULL, &avro, NULL, err, sizeof(err))))
		fatal(z, 0, "compile", err);
	for (m = 0; m < 3; m++)
		for (ign = 0; ign < 2; ign++) {
			o.mode = modes[m];
			o.ignore_unknown = ign;
			z->enc[m][ign] = avenc_new(&o);
		}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	for (i = 0; i < FZ_NSCHEMAS; i++) {
		add(fz_schemas[i].name, "writer", fz_schemas[i].writer);
		if (fz_schemas[i].reader)
			add(fz_schemas[i].name, "reader", fz_schemas[i].reader);
	}
	return 0;
}

/* jp_parse, then jp_str on every string and key: 1 when both accept the text. */
static int
jp_accepts(const char *s, size_t n, int *parsed)
{
	struct buf buf = {0};
	const char *out;
	size_t i, len;
	int ok = 1;

	*parsed = jp_parse(&doc, s, n) == 0;
	if (!*parsed)
		return 0;
	if (doc.root.t == JP_STR)
		ok = jp_str(&doc.root, &buf, &out, &len) == 0;
	for (i = 0; ok && i < doc.nv; i++)
		if (doc.v[i].t == JP_STR)
			ok = jp_str(&doc.v[i], &buf, &out, &len) == 0;
	buf_free(&buf);
	return ok;
}

static void
check_grammar(const struct sch *z, int m, const char *s, size_t n, int jp_ok)
{
	json_error_t je;
	int nul_keys;
	json_t *j = fz_json_load(s, n, 0, &nul_keys, &je);

	if (jp_ok && !j && !strstr(je.text, "too big") && !strstr(je.text, "overflow"))
		fatal(z, m, "jp accepts what jansson refuses", je.text);
	if (!jp_ok && j && !strstr(doc.msg, "nested deeper") && !memchr(s, 0, n))
		fatal(z, m, "jansson accepts what jp refuses", doc.msg[0] ? doc.msg : "a string jp_str refuses");
	json_decref(j);
}

/* Decodes body with plan p into out (cleared first); aborts when it fails. Returns the map keys given twice. */
static size_t
decode(const struct sch *z, int m, struct avdec_plan *p, const char *body, size_t len,
    struct buf *out, const char *what)
{
	struct avdec_err e;

	out->len = 0;
	if (avdec_decode(p, (const unsigned char *)body, len, out, &e) != 0) {
		char m2[300];

		snprintf(m2, sizeof(m2), "%s at body byte %zu", e.msg, e.off);
		fatal(z, m, what, m2);
	}
	return e.dupkeys;
}

/* Encodes the text t with context c into out (cleared first); aborts when it fails, unless its message holds allowed: then -1. */
static int
reencode(const struct sch *z, int m, struct avenc_ctx *c, const struct buf *t, struct buf *out,
    const char *what, const char *allowed)
{
	char msg[400];

	out->len = 0;
	if (jp_parse(&doc2, t->p, t->len) != 0)
		fatal(z, m, what, "avrodecode's output is not JSON to jp");
	if (avenc_encode(c, z->s->root, &doc2, out, msg, sizeof(msg)) != 0) {
		if (allowed && strstr(msg, allowed))
			return -1;
		fprintf(stderr, "%.*s\n", (int)(t->len > 2000 ? 2000 : t->len), t->p);
		fatal(z, m, what, msg);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = {0}, again = {0}, text = {0}, text2 = {0}, body2 = {0};
	struct avdec_err e;
	size_t dup;
	const struct sch *z;
	const char *s;
	char msg[400];
	size_t n, b;
	int m, ign, rc, parsed, jp_ok;

	if (size < 1)
		return 0;
	b = data[0];
	m = (int)(b % 3);
	ign = (int)(b / 3 & 1);
	z = &sch[(b / 6) % nsch];
	s = (const char *)data + 1;
	n = size - 1;

	jp_ok = jp_accepts(s, n, &parsed);
	check_grammar(z, m, s, n, jp_ok);
	if (!parsed)
		return 0;

	buf_putc(&out, '#');
	msg[0] = 0;
	rc = avenc_encode(z->enc[m][ign], z->s->root, &doc, &out, msg, sizeof(msg));
	if (rc != 0) {
		if (rc != -1)
			fatal(z, m, "encode", "returned neither 0 nor -1");
		if (out.len != 1 || out.p[0] != '#')
			fatal(z, m, "encode", "a failure changed the output");
		if (msg[0] != '$' || !memchr(msg, 0, sizeof(msg)))
			fatal(z, m, "encode", "a failure without a \"$...\" message");
		buf_free(&out);
		return 0;
	}
	if (out.p[0] != '#')
		fatal(z, m, "encode", "the output before the body was overwritten");

	/* the body is valid Avro of the schema */
	dup = decode(z, m, z->avro, out.p + 1, out.len - 1, &text, "the body does not decode");

	/* the same again */
	buf_putc(&again, '#');
	if (avenc_encode(z->enc[m][ign], z->s->root, &doc, &again, msg, sizeof(msg)) != 0 ||
	    again.len != out.len || memcmp(again.p, out.p, out.len) != 0)
		fatal(z, m, "determinism", "a second encode of the document differs");

	/* Avro JSON round trip: the same bytes */
	reencode(z, m, z->enc[1][0], &text, &body2, "Avro JSON of the body does not encode", NULL);
	/* a map key given twice is decoded once (its last value): fewer bytes back */
	if (!dup && (body2.len != out.len - 1 || memcmp(body2.p, out.p + 1, body2.len) != 0))
		fatal(z, m, "round trip", "the Avro JSON of the body encodes to other bytes");

	/*
	 * plain JSON round trip: the same text. Plain decoding refuses what it
	 * cannot render: decimals of more than 64 bytes, which bytes written as
	 * code points (not a decimal string) can be.
	 */
	text.len = 0;
	if (avdec_decode(z->plain, (const unsigned char *)out.p + 1, out.len - 1, &text, &e) != 0) {
		if (!strstr(e.msg, "decimal of"))
			fatal(z, m, "the body does not decode to plain JSON", e.msg);
		goto done;
	}
	/*
	 * A decimal the body holds with more digits than its precision is
	 * written by plain decoding (as Java and fastavro read it) but refused by
	 * plain encoding (as Java's DecimalConversion refuses it): no way back.
	 */
	if (reencode(z, m, z->enc[0][0], &text, &body2, "plain JSON of the body does not encode",
	    "more than the precision") < 0)
		goto done;
	decode(z, m, z->plain, body2.p, body2.len, &text2, "the re-encoded body does not decode");
	if (text.len != text2.len || memcmp(text.p, text2.p, text.len) != 0) {
		fprintf(stderr, "first:  %.*s\nsecond: %.*s\n", (int)(text.len > 2000 ? 2000 : text.len),
		    text.p, (int)(text2.len > 2000 ? 2000 : text2.len), text2.p);
		fatal(z, m, "round trip", "plain JSON does not come back as it was");
	}
done:
	buf_free(&out);
	buf_free(&again);
	buf_free(&text);
	buf_free(&text2);
	buf_free(&body2);
	return 0;
}
