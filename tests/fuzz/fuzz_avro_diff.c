/*
 * Differential fuzzing of avdec_decode against avro-c 1.11.1's generic reader.
 * Byte 0 picks a schema of avro_schemas.h (its writer schema; avro-c's
 * resolver cannot do defaults, so no reader schemas here), the rest is the
 * body. Ours decodes in the Avro JSON encoding ({.avro = 1}: unions wrapped,
 * logical types as their underlying type, which is all avro-c knows).
 *
 * What is checked, on the bodies our decoder accepts:
 *  1. avro-c's avro_value_read accepts the body too and consumes every byte
 *     (a one-byte avro_read afterwards must find nothing left);
 *  2. the values agree: our JSON, read back with jansson, is walked beside
 *     avro-c's value and our schema model: types, ints and longs exactly,
 *     floats and doubles by value (sign of zero, NaN and infinities as the
 *     strings "NaN", "Infinity", "-Infinity"; a float may differ by one ulp:
 *     strtod then a cast to float can round twice), strings by length and
 *     bytes (so U+0000 counts), bytes and fixed as code points 0-255, enums by
 *     symbol, records field by field in schema order, arrays item by item,
 *     maps by key and size, unions by branch: null for the null branch,
 *     else an object whose one key is the branch's full name (the index
 *     avro-c read);
 *  3. avro-c's canonical re-encoding of its value (avro_value_write) is no
 *     longer than the body and our decoder accepts it (the reverse direction,
 *     avro-c accepts => we accept, on bodies avro-c wrote) and decodes to
 *     the same JSON byte for byte, unless the value holds what avro-c cannot
 *     write back (below). (Not that it is the body when as long: two blocks
 *     of under 64 items take as many count bytes as one of 64 or more.)
 *
 * What is not checked:
 *  - bodies our decoder refuses are never given to avro-c: avro-c allocates
 *    whatever length a hostile body claims, does not check UTF-8, takes any
 *    byte as a boolean and any 10-byte varint, so "avro-c accepts => we
 *    accept" holds only on valid bodies (item 3), not on arbitrary ones;
 *  - avro-c's avro_value_to_json (it writes short union names, cuts bytes at
 *    the first 0x00 and fails on NaN): values are walked instead;
 *  - values of bodies with a map key given twice (ours keeps the key once,
 *    where it first came, with its last value, so our JSON has no key
 *    twice; avro-c reads the second value into the first entry: arrays
 *    appended, maps merged; avdec_err.dupkeys tells) or a map key holding
 *    U+0000 (avro-c keeps keys as C strings; jansson refuses them): such
 *    bodies are not walked; they, and bodies with a string holding U+0000
 *    (avro-c writes strings back up to the first 0x00), skip the comparisons
 *    of item 3 but the acceptance;
 *  - bodies avro-c cannot hold for want of memory for values that take none
 *    (fixed of size 0, arrays of empty records: avroc_limit), in the schema
 *    of zero-size items only;
 *  - bodies whose JSON passes 1 MiB are not given to avro-c (2^20 nulls in
 *    an array cost avro-c a value each: the fuzzer would crawl);
 *  - logical-type rendering, reader schemas and projections (fuzz_avro_body
 *    checks their output is JSON; there is no second implementation here).
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <jansson.h>

#include "avdec.h"
#include "avsc.h"
#include "jw.h"
#include "avro_schemas.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_JSON (1 << 20)

static struct {
	struct av_schema *ours;
	struct avdec_plan *plan;
	avro_schema_t as;
	avro_value_iface_t *iface;
} st[FZ_NSCHEMAS];

static size_t cur;	/* the schema of the input under test, for messages */

static _Noreturn void
fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void
fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_avro_diff: schema %zu (%s): ", cur, fz_schemas[cur].name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct avdec_opts avro = {.avro = 1};
	char err[512];

	for (cur = 0; cur < FZ_NSCHEMAS; cur++) {
		const char *w = fz_schemas[cur].writer;

		if (!(st[cur].ours = avsc_parse(w, strlen(w), err, sizeof(err))))
			fatal("our schema parser: %s", err);
		if (!(st[cur].plan = avdec_compile(st[cur].ours, NULL, NULL, &avro, NULL, err, sizeof(err))))
			fatal("compile: %s", err);
		if (avro_schema_from_json_length(w, strlen(w), &st[cur].as))
			fatal("avro-c's schema parser: %s", avro_strerror());
		if (!(st[cur].iface = avro_generic_class_from_schema(st[cur].as)))
			fatal("avro-c's generic class: %s", avro_strerror());
	}
	return 0;
}

/* What the walk saw that avro-c cannot write back as it was read. */
struct seen {
	int nul_string;		/* a string with U+0000 */
};

static const avro_type_t avro_type_of[] = {
	[AV_NULL] = AVRO_NULL, [AV_BOOLEAN] = AVRO_BOOLEAN, [AV_INT] = AVRO_INT32,
	[AV_LONG] = AVRO_INT64, [AV_FLOAT] = AVRO_FLOAT, [AV_DOUBLE] = AVRO_DOUBLE,
	[AV_BYTES] = AVRO_BYTES, [AV_STRING] = AVRO_STRING, [AV_RECORD] = AVRO_RECORD,
	[AV_ENUM] = AVRO_ENUM, [AV_ARRAY] = AVRO_ARRAY, [AV_MAP] = AVRO_MAP,
	[AV_UNION] = AVRO_UNION, [AV_FIXED] = AVRO_FIXED,
};

/* A JSON string of code points 0-255 equals the bytes b[0..n). */
static int
code_points_equal(json_t *j, const unsigned char *b, size_t n)
{
	const unsigned char *s = (const unsigned char *)json_string_value(j);
	size_t len = json_string_length(j), i, k = 0;

	for (i = 0; i < len; k++) {
		unsigned c = s[i];

		if (c >= 0xc2 && c <= 0xc3 && i + 1 < len) {
			c = (c & 3) << 6 | (s[i + 1] & 0x3f);
			i += 2;
		} else if (c < 0x80)
			i++;
		else
			return 0;
		if (k >= n || b[k] != c)
			return 0;
	}
	return k == n;
}

static int
nonfinite_equal(json_t *j, double v)
{
	const char *want = isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";

	return json_is_string(j) && strcmp(json_string_value(j), want) == 0;
}

/* An avro-c getter that must work on a value of its type. */
#define GET(call) do { if (call) fatal("%s: %s", #call, avro_strerror()); } while (0)

static void walk(avro_value_t *v, const struct av_node *n, json_t *j, struct seen *seen, int depth);

static void
walk_map(avro_value_t *v, const struct av_node *n, json_t *j, struct seen *seen, int depth)
{
	size_t size, i;
	const char *key;
	json_t *jv;

	if (!json_is_object(j))
		fatal("a map is not a JSON object");
	GET(avro_value_get_size(v, &size));
	if (size != json_object_size(j))
		fatal("a map of %zu entries in avro-c, %zu in ours", size, json_object_size(j));
	for (i = 0; i < size; i++) {
		avro_value_t child;

		if (avro_value_get_by_index(v, i, &child, &key))
			fatal("avro_value_get_by_index: %s", avro_strerror());
		if (!(jv = json_object_get(j, key)))
			fatal("map key \"%s\" of avro-c not in ours", key);
		walk(&child, n->items, jv, seen, depth + 1);
	}
}

static void
walk_record(avro_value_t *v, const struct av_node *n, json_t *j, struct seen *seen, int depth)
{
	size_t size, i;
	void *it;

	if (!json_is_object(j))
		fatal("record %s is not a JSON object", n->fullname);
	GET(avro_value_get_size(v, &size));
	if (size != n->nfields || json_object_size(j) != n->nfields)
		fatal("record %s: %zu fields in avro-c, %zu in ours, %zu in the schema", n->fullname,
		    size, json_object_size(j), n->nfields);
	it = json_object_iter(j);
	for (i = 0; i < size; i++, it = json_object_iter_next(j, it)) {
		avro_value_t child;
		const char *name;

		if (avro_value_get_by_index(v, i, &child, &name))
			fatal("avro_value_get_by_index: %s", avro_strerror());
		if (strcmp(name, n->fields[i].name) || strcmp(json_object_iter_key(it), name))
			fatal("record %s: field %zu is %s in avro-c, %s in ours, %s in the schema",
			    n->fullname, i, name, json_object_iter_key(it), n->fields[i].name);
		walk(&child, n->fields[i].type, json_object_iter_value(it), seen, depth + 1);
	}
}

static void
walk_union(avro_value_t *v, const struct av_node *n, json_t *j, struct seen *seen, int depth)
{
	avro_value_t branch;
	const struct av_node *b;
	const char *name;
	int d;

	if (avro_value_get_discriminant(v, &d) || avro_value_get_current_branch(v, &branch))
		fatal("avro_value_get_current_branch: %s", avro_strerror());
	if (d < 0 || (size_t)d >= n->nbranches)
		fatal("avro-c's union branch %d of %zu", d, n->nbranches);
	b = n->branches[d];
	if (b->t == AV_NULL) {
		if (!json_is_null(j))
			fatal("union branch %d is null in avro-c, not in ours", d);
		walk(&branch, b, j, seen, depth + 1);
		return;
	}
	name = avsc_type_name(b);
	if (!json_is_object(j) || json_object_size(j) != 1 || !json_object_get(j, name))
		fatal("union branch %d (%s) of avro-c is not the one of ours", d, name);
	walk(&branch, b, json_object_get(j, name), seen, depth + 1);
}

static void
walk(avro_value_t *v, const struct av_node *n, json_t *j, struct seen *seen, int depth)
{
	const void *p;
	const char *s;
	size_t size;
	int32_t i32;
	int64_t i64;
	float f;
	double d;
	int b;

	if (depth > 5000)
		fatal("the walk went deeper than the decoder allows");
	if (avro_value_get_type(v) != avro_type_of[n->t])
		fatal("avro-c's type %d is not %s", (int)avro_value_get_type(v), avsc_type_name(n));
	switch (n->t) {
	case AV_NULL:
		if (!json_is_null(j))
			fatal("null is not null");
		break;
	case AV_BOOLEAN:
		GET(avro_value_get_boolean(v, &b));
		if (!json_is_boolean(j) || json_is_true(j) != !!b)
			fatal("boolean %d differs", b);
		break;
	case AV_INT:
		GET(avro_value_get_int(v, &i32));
		if (!json_is_integer(j) || json_integer_value(j) != i32)
			fatal("int %d differs", (int)i32);
		break;
	case AV_LONG:
		GET(avro_value_get_long(v, &i64));
		if (!json_is_integer(j) || json_integer_value(j) != i64)
			fatal("long %lld differs", (long long)i64);
		break;
	case AV_FLOAT:
		GET(avro_value_get_float(v, &f));
		if (!isfinite(f)) {
			if (!nonfinite_equal(j, f))
				fatal("float %g differs", (double)f);
		} else {
			float g;

			if (!json_is_real(j))
				fatal("float %.9g is not a JSON real", (double)f);
			g = (float)json_real_value(j);
			if ((g != f && g != nextafterf(f, INFINITY) && g != nextafterf(f, -INFINITY)) ||
			    signbit(g) != signbit(f))
				fatal("float %.9g is %.9g in ours", (double)f, (double)g);
		}
		break;
	case AV_DOUBLE:
		GET(avro_value_get_double(v, &d));
		if (!isfinite(d)) {
			if (!nonfinite_equal(j, d))
				fatal("double %g differs", d);
		} else if (!json_is_real(j) || json_real_value(j) != d ||
		    signbit(json_real_value(j)) != signbit(d))
			fatal("double %.17g differs", d);
		break;
	case AV_STRING:
		GET(avro_value_get_string(v, &s, &size));	/* size counts the NUL avro-c adds */
		if (!json_is_string(j) || size < 1 || json_string_length(j) != size - 1 ||
		    memcmp(json_string_value(j), s, size - 1))
			fatal("string \"%s\" (%zu bytes) differs", s, size - 1);
		if (memchr(s, 0, size - 1))
			seen->nul_string = 1;
		break;
	case AV_BYTES:
	case AV_FIXED:
		if (n->t == AV_BYTES)
			GET(avro_value_get_bytes(v, &p, &size));
		else {
			GET(avro_value_get_fixed(v, &p, &size));
			if (size != n->size)
				fatal("fixed %s of %zu bytes in avro-c", n->fullname, size);
		}
		if (!json_is_string(j) || !code_points_equal(j, p, size))
			fatal("%s of %zu bytes differ", avsc_type_name(n), size);
		break;
	case AV_ENUM:
		GET(avro_value_get_enum(v, &b));
		if (b < 0 || (size_t)b >= n->nsymbols)
			fatal("enum %s index %d in avro-c", n->fullname, b);
		if (strcmp(avro_schema_enum_get(avro_value_get_schema(v), b), n->symbols[b]))
			fatal("enum %s: symbol %d differs between the schema models", n->fullname, b);
		if (!json_is_string(j) || strcmp(json_string_value(j), n->symbols[b]))
			fatal("enum %s: symbol %s differs", n->fullname, n->symbols[b]);
		break;
	case AV_RECORD:
		walk_record(v, n, j, seen, depth);
		break;
	case AV_ARRAY: {
		size_t i;

		GET(avro_value_get_size(v, &size));
		if (!json_is_array(j) || json_array_size(j) != size)
			fatal("an array of %zu items differs", size);
		for (i = 0; i < size; i++) {
			avro_value_t child;

			if (avro_value_get_by_index(v, i, &child, NULL))
				fatal("avro_value_get_by_index: %s", avro_strerror());
			walk(&child, n->items, json_array_get(j, i), seen, depth + 1);
		}
		break;
	}
	case AV_MAP:
		walk_map(v, n, j, seen, depth);
		break;
	case AV_UNION:
		walk_union(v, n, j, seen, depth);
		break;
	}
}

/*
 * avro-c 1.11.1 cannot hold values that take no memory: a fixed of size 0
 * (avro_malloc(0) is NULL) and an array of such values or of empty records
 * (its raw array cannot grow by 0-byte elements). Only the schema that has
 * them may fail so.
 */
static int
avroc_limit(const char *msg)
{
	return fz_schemas[cur].zero_items && (strstr(msg, "Cannot allocate new fixed value") ||
	    strstr(msg, "Couldn't expand array"));
}

/* Our JSON of a body: 0, or -1 when the decoder refuses it; *dupkeys: map keys given again. */
static int
ours(const unsigned char *body, size_t len, struct buf *out, size_t *dupkeys)
{
	struct avdec_err e;
	int r;

	out->len = 0;
	r = avdec_decode(st[cur].plan, body, len, out, &e);
	if (dupkeys)
		*dupkeys = e.dupkeys;
	return r;
}

/* Item 3: avro-c writes its value back; our decoder must read that, to the same JSON when nothing was lost. */
static void
rewrite(avro_value_t *v, const unsigned char *body, size_t len, const struct buf *json, int exact)
{
	struct buf again = {0};
	avro_writer_t w;
	size_t size;
	char *buf;

	if (avro_value_sizeof(v, &size))
		fatal("avro_value_sizeof: %s", avro_strerror());
	if (size > len)
		fatal("avro-c writes %zu bytes back from a body of %zu", size, len);
	buf = malloc(size ? size : 1);
	w = avro_writer_memory(buf, (int64_t)size);
	if (avro_value_write(w, v) || avro_writer_tell(w) != (int64_t)size)
		fatal("avro_value_write: %s", avro_strerror());
	avro_writer_free(w);
	if (ours((unsigned char *)buf, size, &again, NULL) != 0)
		fatal("our decoder refuses the %zu bytes avro-c wrote back", size);
	if (exact) {
		if (again.len != json->len || memcmp(again.p, json->p, json->len))
			fatal("avro-c's rewrite decodes to other JSON");
	}
	buf_free(&again);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen seen = {0};
	struct buf out = {0};
	const unsigned char *body;
	avro_reader_t r;
	avro_value_t v;
	json_error_t je;
	json_t *j;
	size_t len;
	char extra;
	size_t dup;
	int nul_keys;

	if (size < 1)
		return 0;
	cur = data[0] % FZ_NSCHEMAS;
	body = data + 1;
	len = size - 1;
	if (ours(body, len, &out, &dup) != 0 || out.len > MAX_JSON) {
		buf_free(&out);
		return 0;
	}
	/* Each key once in our JSON, even where the body gave one twice. */
	if (!(j = fz_json_load(out.p, out.len, JSON_REJECT_DUPLICATES, &nul_keys, &je)))
		fatal("our output is not JSON with each key once: %s", je.text);

	if (avro_generic_value_new(st[cur].iface, &v))
		fatal("avro_generic_value_new: %s", avro_strerror());
	r = avro_reader_memory((const char *)body, (int64_t)len);
	if (avro_value_read(r, &v)) {
		if (!avroc_limit(avro_strerror()))
			fatal("avro-c refuses a body we accept: %s", avro_strerror());
		avro_reader_free(r);
		avro_value_decref(&v);
		json_decref(j);
		buf_free(&out);
		return 0;
	}
	if (avro_read(r, &extra, 1) == 0)
		fatal("avro-c stops before the end of a body we accept");
	avro_reader_free(r);

	if (!dup && !nul_keys)
		walk(&v, st[cur].ours->root, j, &seen, 0);
	rewrite(&v, body, len, &out, !dup && !nul_keys && !seen.nul_string);

	avro_value_decref(&v);
	json_decref(j);
	buf_free(&out);
	return 0;
}
