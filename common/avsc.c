/*
 * The schema model (avsc.h), and the validator of record: the JSON is walked
 * with jansson, every rule of the specification checked here (names and
 * namespaces, duplicate names, fields, symbols, sizes, unions, defaults).
 *
 * avro-c 1.11.1 was the validator until it was measured against Java Avro
 * 1.12 (tests/cli/avro-conformance.sh): it refuses valid schemas Java and
 * the specification accept (a standalone "error" type, a record named
 * "record", an enum without symbols, an empty union, a \u0000 in a default),
 * so it no longer sees the text. What Java's Schema.Parser refuses we refuse
 * (the suite holds Java's refusals); we refuse a little more where the
 * specification does (names outside [A-Za-z_][A-Za-z0-9_]*).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "avsc.h"
#include "err.h"
#include "hash.h"

struct pctx {
	struct av_schema *s;
	struct av_node **named;
	size_t nnamed, capnamed;
	char *err;
	size_t errlen;
	int depth;
	char **strs;		/* names we built (full names): freed with the schema */
	size_t nstrs;
};

static int
fail(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err[0]) {
		va_start(ap, fmt);
		err_vset(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static struct av_node *
new_node(struct pctx *c, enum av_type t)
{
	struct av_schema *s = c->s;
	struct av_node *n = xcalloc(1, sizeof(*n));

	if ((s->nnodes & (s->nnodes - 1)) == 0)
		s->nodes = xreallocarray(s->nodes, s->nnodes ? 2 * s->nnodes : 1, sizeof(*s->nodes));
	n->t = t;
	n->enum_default = -1;
	n->id = (int)s->nnodes;
	s->nodes[s->nnodes++] = n;
	return n;
}

static const char *
keep(struct pctx *c, char *str)
{
	if ((c->nstrs & (c->nstrs - 1)) == 0)
		c->strs = xreallocarray(c->strs, c->nstrs ? 2 * c->nstrs : 1, sizeof(*c->strs));
	c->strs[c->nstrs++] = str;
	return str;
}

static const struct {
	const char *name;
	enum av_type t;
} prims[] = {
	{"null", AV_NULL}, {"boolean", AV_BOOLEAN}, {"int", AV_INT},
	{"long", AV_LONG}, {"float", AV_FLOAT}, {"double", AV_DOUBLE},
	{"bytes", AV_BYTES}, {"string", AV_STRING},
};

static int
prim_type(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
		if (strcmp(prims[i].name, name) == 0)
			return (int)prims[i].t;
	return -1;
}

const char *
avsc_type_name(const struct av_node *n)
{
	switch (n->t) {
	case AV_RECORD: case AV_ENUM: case AV_FIXED:
		return n->fullname;
	case AV_ARRAY:
		return "array";
	case AV_MAP:
		return "map";
	case AV_UNION:
		return "union";
	default:
		return prims[n->t].name;
	}
}

static const char *
base_name(const char *full)
{
	const char *d = strrchr(full, '.');

	return d ? d + 1 : full;
}

int
avsc_names_match(const struct av_node *w, const struct av_node *r, int how)
{
	size_t i;

	if (strcmp(w->fullname, r->fullname) == 0)
		return 1;
	for (i = 0; how >= AVSC_ALIAS && i < r->naliases; i++)
		if (strcmp(w->fullname, r->aliases[i]) == 0)
			return 1;
	return how >= AVSC_SHORT && strcmp(base_name(w->fullname), base_name(r->fullname)) == 0;
}

static int
valid_name(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* Dot-separated valid names, none empty. */
static int
valid_full_name(const char *f)
{
	const char *d = f;

	for (;;) {
		if (!(isalpha((unsigned char)*d) || *d == '_'))
			return 0;
		for (d++; isalnum((unsigned char)*d) || *d == '_'; d++)
			;
		if (!*d)
			return 1;
		if (*d++ != '.')
			return 0;
	}
}

/* The full name of name in namespace ns ("" or NULL: none). */
static char *
full_name(const char *name, const char *ns)
{
	size_t nslen, len = strlen(name);
	char *f;

	if (strchr(name, '.') || !ns || !*ns)
		return xstrndup(name, len);
	nslen = strlen(ns);
	f = xmalloc(nslen + 1 + len + 1);
	memcpy(f, ns, nslen);
	f[nslen] = '.';
	memcpy(f + nslen + 1, name, len + 1);
	return f;
}

static struct av_node *
lookup(struct pctx *c, const char *name, const char *ns)
{
	char *f = full_name(name, ns);
	struct av_node *hit = NULL;
	size_t i;

	for (i = 0; i < c->nnamed && !hit; i++)
		if (strcmp(c->named[i]->fullname, f) == 0)
			hit = c->named[i];
	/* An unqualified reference may also name a type in the null namespace. */
	for (i = 0; i < c->nnamed && !hit; i++)
		if (strcmp(c->named[i]->fullname, name) == 0)
			hit = c->named[i];
	free(f);
	return hit;
}

static int
define(struct pctx *c, struct av_node *n, json_t *o, const char **ns)
{
	json_t *jn = json_object_get(o, "name"), *jns = json_object_get(o, "namespace");
	json_t *ja = json_object_get(o, "aliases");
	const char *name, *space = *ns, *d;
	char *f;
	size_t i;

	if (!json_is_string(jn))
		return fail(c, "%s without a name", json_string_value(json_object_get(o, "type")));
	name = json_string_value(jn);
	if (json_is_string(jns) && !strchr(name, '.'))
		space = json_string_value(jns);
	f = full_name(name, space);
	n->fullname = keep(c, f);
	n->name = base_name(f);
	if (!valid_full_name(f))
		return fail(c, "invalid name \"%s\"", f);
	if (prim_type(n->name) >= 0 && !strchr(f, '.'))
		return fail(c, "a named type cannot be called \"%s\"", f);
	if (lookup(c, f, NULL))
		return fail(c, "type \"%s\" defined twice", f);
	/* The namespace of the type's contents is the namespace of its full name. */
	d = strrchr(f, '.');
	*ns = d ? keep(c, xstrndup(f, (size_t)(d - f))) : "";
	if (ja && !json_is_array(ja))
		return fail(c, "%s %s: \"aliases\" must be an array", json_string_value(json_object_get(o, "type")), f);
	if (ja) {
		n->naliases = json_array_size(ja);
		n->aliases = xcalloc(n->naliases, sizeof(char *));
		for (i = 0; i < n->naliases; i++) {
			const char *a = json_string_value(json_array_get(ja, i));

			if (!a)
				return fail(c, "%s: aliases must be strings", f);
			/* Relative to the namespace of the type it names (the reader's), as Java's Schema.Parser. */
			n->aliases[i] = keep(c, full_name(a, *ns));
			if (!valid_full_name(n->aliases[i]))
				return fail(c, "%s: invalid alias \"%s\"", f, a);
		}
	}
	c->named = xgrowarray(c->named, &c->capnamed, c->nnamed + 1, sizeof(*c->named));
	c->named[c->nnamed++] = n;
	return 0;
}

static struct av_node *parse(struct pctx *c, json_t *j, const char *ns);

static void
logical(struct av_node *n, json_t *o)
{
	const char *lt = json_string_value(json_object_get(o, "logicalType"));
	json_t *p = json_object_get(o, "precision"), *sc = json_object_get(o, "scale");
	static const struct {
		const char *name;
		enum av_type t;
		enum av_logical lt;
	} tab[] = {
		{"uuid", AV_STRING, AVL_UUID}, {"uuid", AV_FIXED, AVL_UUID},
		{"date", AV_INT, AVL_DATE},
		{"time-millis", AV_INT, AVL_TIME_MS}, {"time-micros", AV_LONG, AVL_TIME_US},
		{"timestamp-millis", AV_LONG, AVL_TS_MS},
		{"timestamp-micros", AV_LONG, AVL_TS_US},
		{"timestamp-nanos", AV_LONG, AVL_TS_NS},
		{"local-timestamp-millis", AV_LONG, AVL_LTS_MS},
		{"local-timestamp-micros", AV_LONG, AVL_LTS_US},
		{"local-timestamp-nanos", AV_LONG, AVL_LTS_NS},
	};
	size_t i;

	if (!lt)
		return;
	/* The specification: a logical type that does not fit is ignored, the underlying type used. */
	if (strcmp(lt, "decimal") == 0 && (n->t == AV_BYTES || n->t == AV_FIXED)) {
		json_int_t prec = json_is_integer(p) ? json_integer_value(p) : 0;
		json_int_t scale = json_is_integer(sc) ? json_integer_value(sc) : 0;

		if (prec < 1 || scale < 0 || scale > prec || prec > 1000)
			return;
		if (n->t == AV_FIXED && n->size < 64) {
			/* The largest precision the fixed size can hold: floor(log10(2^(8s-1) - 1)). */
			double maxp = (8.0 * (double)n->size - 1) * 0.30102999566398119521;

			if ((double)prec > maxp)
				return;
		}
		n->lt = AVL_DECIMAL;
		n->precision = (int)prec;
		n->scale = (int)scale;
		return;
	}
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, lt) == 0 && tab[i].t == n->t &&
		    (n->t != AV_FIXED || n->size == 16))
			n->lt = tab[i].lt;
}

/*
 * Fields by name: an open-addressing table of at least twice as many slots
 * as fields. Comparing each name with the ones before it took 0.27 s for a
 * record of 10,000 fields, and the decoder's matching of reader and writer
 * fields as long again (tests/cli/limits.sh).
 */
static uint32_t *
fidx_slot(const struct av_node *r, const char *name, size_t n)
{
	size_t i = (size_t)hash_fnv1a(name, n) & r->fidxmask;

	for (;; i = (i + 1) & r->fidxmask) {
		uint32_t *e = &r->fidx[i];
		const struct av_field *f;

		if (!*e)
			return e;
		f = &r->fields[*e - 1];
		if (f->namelen == n && memcmp(f->name, name, n) == 0)
			return e;
	}
}

long
avsc_field(const struct av_node *r, const char *name, size_t n)
{
	uint32_t *e;

	if (r->t != AV_RECORD || !r->fidx)
		return -1;
	e = fidx_slot(r, name, n);
	return *e ? (long)*e - 1 : -1;
}

/* A field's sort order: Java's Schema.Parser takes it in any case. */
static int
valid_order(const char *o)
{
	return o && (strcasecmp(o, "ascending") == 0 || strcasecmp(o, "descending") == 0 ||
	    strcasecmp(o, "ignore") == 0);
}

static int
parse_fields(struct pctx *c, struct av_node *n, json_t *o, const char *ns)
{
	json_t *jf = json_object_get(o, "fields");
	size_t i, k, slots = 8;

	if (!json_is_array(jf))
		return fail(c, "record %s: \"fields\" must be an array", n->fullname);
	if (json_array_size(jf) > AVSC_MAX_FIELDS)
		return fail(c, "record %s: %zu fields, more than %u (limit of avsc_parse)", n->fullname,
		    json_array_size(jf), (unsigned)AVSC_MAX_FIELDS);
	n->nfields = json_array_size(jf);
	n->fields = xcalloc(n->nfields, sizeof(*n->fields));
	while (slots < 2 * n->nfields)
		slots *= 2;
	n->fidx = xcalloc(slots, sizeof(*n->fidx));
	n->fidxmask = slots - 1;
	for (i = 0; i < n->nfields; i++) {
		json_t *f = json_array_get(jf, i), *ja, *jo;
		struct av_field *fd = &n->fields[i];
		uint32_t *e;

		fd->name = json_string_value(json_object_get(f, "name"));
		if (!fd->name || !valid_name(fd->name))
			return fail(c, "record %s: field %zu has no valid name", n->fullname, i + 1);
		fd->namelen = strlen(fd->name);
		e = fidx_slot(n, fd->name, fd->namelen);
		if (*e)
			return fail(c, "record %s: field \"%s\" twice", n->fullname, fd->name);
		*e = (uint32_t)i + 1;
		if (!(fd->type = parse(c, json_object_get(f, "type"), ns)))
			return fail(c, "record %s: field \"%s\" has no valid type", n->fullname, fd->name);
		fd->def = json_object_get(f, "default");
		if ((jo = json_object_get(f, "order")) && !valid_order(json_string_value(jo)))
			return fail(c, "record %s: field \"%s\": \"order\" must be ascending, descending or ignore",
			    n->fullname, fd->name);
		ja = json_object_get(f, "aliases");
		if (ja && !json_is_array(ja))
			return fail(c, "record %s: field \"%s\": \"aliases\" must be an array", n->fullname, fd->name);
		if (ja) {
			fd->naliases = json_array_size(ja);
			fd->aliases = xcalloc(fd->naliases, sizeof(char *));
			for (k = 0; k < fd->naliases; k++)
				if (!(fd->aliases[k] = json_string_value(json_array_get(ja, k))))
					return fail(c, "record %s: field \"%s\": aliases must be strings",
					    n->fullname, fd->name);
		}
	}
	return 0;
}

static int
parse_enum(struct pctx *c, struct av_node *n, json_t *o)
{
	json_t *js = json_object_get(o, "symbols");
	const char *def = json_string_value(json_object_get(o, "default"));
	size_t i, k;

	if (!json_is_array(js))
		return fail(c, "enum %s: \"symbols\" must be an array", n->fullname);
	n->nsymbols = json_array_size(js);
	n->symbols = xcalloc(n->nsymbols, sizeof(char *));
	for (i = 0; i < n->nsymbols; i++) {
		n->symbols[i] = json_string_value(json_array_get(js, i));
		if (!n->symbols[i] || !valid_name(n->symbols[i]))
			return fail(c, "enum %s: invalid symbol", n->fullname);
		for (k = 0; k < i; k++)
			if (strcmp(n->symbols[k], n->symbols[i]) == 0)
				return fail(c, "enum %s: symbol %s twice", n->fullname, n->symbols[i]);
		if (def && strcmp(def, n->symbols[i]) == 0)
			n->enum_default = (int)i;
	}
	if (def && n->enum_default < 0)
		return fail(c, "enum %s: default %s is not a symbol", n->fullname, def);
	return 0;
}

static struct av_node *
parse_union(struct pctx *c, json_t *j, const char *ns)
{
	struct av_node *n = new_node(c, AV_UNION);
	size_t i, k;

	n->nbranches = json_array_size(j);
	n->branches = xcalloc(n->nbranches, sizeof(*n->branches));
	for (i = 0; i < n->nbranches; i++) {
		struct av_node *b = parse(c, json_array_get(j, i), ns);

		if (!b)
			return NULL;
		if (b->t == AV_UNION)
			return fail(c, "a union cannot hold a union"), NULL;
		for (k = 0; k < i; k++)
			if (strcmp(avsc_type_name(n->branches[k]), avsc_type_name(b)) == 0)
				return fail(c, "union holds %s twice", avsc_type_name(b)), NULL;
		n->branches[i] = b;
	}
	return n;
}

static struct av_node *
parse(struct pctx *c, json_t *j, const char *ns)
{
	struct av_node *n;
	const char *t;
	int pt;

	if (++c->depth > AVSC_MAX_NESTING) {
		fail(c, "schema nested deeper than %d levels (limit of avsc_parse)", AVSC_MAX_NESTING);
		c->depth--;
		return NULL;
	}
	if (json_is_string(j)) {
		t = json_string_value(j);
		if ((pt = prim_type(t)) >= 0)
			n = new_node(c, (enum av_type)pt);
		else if (!(n = lookup(c, t, ns)))
			fail(c, "unknown type \"%s\"", t);
		c->depth--;
		return n;
	}
	if (json_is_array(j)) {
		n = parse_union(c, j, ns);
		c->depth--;
		return n;
	}
	/*
	 * An object's "type" is a primitive or a kind of named or container
	 * type: {"type": {...}} and {"type": "SomeRecord"} are refused, as
	 * Java's Schema.Parser refuses them.
	 */
	if (!json_is_object(j) || !(t = json_string_value(json_object_get(j, "type")))) {
		fail(c, "a type must be a name, an array or an object with \"type\" a string");
		c->depth--;
		return NULL;
	}
	if ((pt = prim_type(t)) >= 0)
		n = new_node(c, (enum av_type)pt);
	else if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
		n = new_node(c, AV_RECORD);
		if (define(c, n, j, &ns) < 0 || parse_fields(c, n, j, ns) < 0)
			n = NULL;
	} else if (strcmp(t, "enum") == 0) {
		n = new_node(c, AV_ENUM);
		if (define(c, n, j, &ns) < 0 || parse_enum(c, n, j) < 0)
			n = NULL;
	} else if (strcmp(t, "fixed") == 0) {
		json_t *sz = json_object_get(j, "size");

		n = new_node(c, AV_FIXED);
		if (!json_is_integer(sz) || json_integer_value(sz) < 0 ||
		    json_integer_value(sz) > AVSC_MAX_FIXED)
			n = (fail(c, "fixed %s: \"size\" must be an integer from 0 to %d (limit of avsc_parse)",
			    json_string_value(json_object_get(j, "name")) ? json_string_value(json_object_get(j, "name")) : "",
			    AVSC_MAX_FIXED), NULL);
		else {
			n->size = (size_t)json_integer_value(sz);
			if (define(c, n, j, &ns) < 0)
				n = NULL;
		}
	} else if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
		n = new_node(c, t[0] == 'a' ? AV_ARRAY : AV_MAP);
		if (!(n->items = parse(c, json_object_get(j, t[0] == 'a' ? "items" : "values"), ns)))
			n = NULL;
	} else {
		n = NULL;
		fail(c, "\"type\" must be a primitive type, record, error, enum, fixed, array or map, not \"%s\"", t);
	}
	if (n)
		logical(n, j);
	c->depth--;
	return n;
}

/*
 * A field default as Java's Schema.Parser (1.12, validateDefaults) checks it
 * when it parses: the JSON kind of each value (strings for string, bytes,
 * enum and fixed; whether a bytes string holds only code points 0-255, a
 * fixed string its size, an enum string a symbol, is checked where the
 * default is used, avenc_default). A union's default may be of any
 * branch (1.12). Floats outside a union may also be "NaN", "Infinity" or
 * "-Infinity", as Java allows there. A record's absent field takes its own
 * default: depth bounds a record whose default refers to itself.
 */
static int
default_ok(const struct av_node *t, json_t *v, int in_union, int depth)
{
	size_t i;
	const char *k;
	json_t *x;
	int r, deep = 0;

	if (depth > AVSC_MAX_DEFAULT_DEPTH)
		return -1;
	switch (t->t) {
	case AV_NULL:
		return json_is_null(v);
	case AV_BOOLEAN:
		return json_is_boolean(v);
	case AV_INT:
		return json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
		    json_integer_value(v) <= INT32_MAX;
	case AV_LONG:
		return json_is_integer(v);
	case AV_FLOAT:
	case AV_DOUBLE:
		if (json_is_number(v))
			return 1;
		k = json_string_value(v);
		return !in_union && k && (strcmp(k, "NaN") == 0 || strcmp(k, "Infinity") == 0 ||
		    strcmp(k, "-Infinity") == 0);
	case AV_STRING: case AV_BYTES: case AV_ENUM: case AV_FIXED:
		return json_is_string(v);
	case AV_ARRAY:
		if (!json_is_array(v))
			return 0;
		for (i = 0; i < json_array_size(v); i++)
			if ((r = default_ok(t->items, json_array_get(v, i), 0, depth + 1)) <= 0)
				return r;
		return 1;
	case AV_MAP:
		if (!json_is_object(v))
			return 0;
		json_object_foreach(v, k, x)
			if ((r = default_ok(t->items, x, 0, depth + 1)) <= 0)
				return r;
		return 1;
	case AV_RECORD:
		if (!json_is_object(v))
			return 0;
		for (i = 0; i < t->nfields; i++) {
			x = json_object_get(v, t->fields[i].name);
			if (!x)
				x = t->fields[i].def;
			if (!x)
				return 0;
			if ((r = default_ok(t->fields[i].type, x, 0, depth + 1)) <= 0)
				return r;
		}
		return 1;
	case AV_UNION:
		for (i = 0; i < t->nbranches; i++) {
			if ((r = default_ok(t->branches[i], v, 1, depth + 1)) > 0)
				return 1;
			deep |= r < 0;
		}
		return deep ? -1 : 0;
	}
	return 0;
}

/* Every field default of the schema, once the whole schema is known (a default may hold a recursive record). */
static int
check_defaults(struct pctx *c)
{
	size_t i, k;

	for (i = 0; i < c->s->nnodes; i++) {
		const struct av_node *n = c->s->nodes[i];

		for (k = 0; n->t == AV_RECORD && k < n->nfields; k++) {
			const struct av_field *f = &n->fields[k];

			int r = f->def ? default_ok(f->type, f->def, 0, 0) : 1;

			if (r < 0)
				return fail(c, "record %s: field \"%s\": default nested deeper than %d levels "
				    "(limit of avsc_parse)", n->fullname, f->name, AVSC_MAX_DEFAULT_DEPTH);
			if (r == 0) {
				char *d = json_dumps(f->def, JSON_COMPACT | JSON_ENCODE_ANY);

				fail(c, "record %s: field \"%s\": default %.60s%s is not a valid %s", n->fullname,
				    f->name, d ? d : "?", d && strlen(d) > 60 ? "..." : "",
				    avsc_type_name(f->type));
				free(d);
				return -1;
			}
		}
	}
	return 0;
}

static size_t
minsz_of(struct av_node *n, char *busy)
{
	size_t i, s = 0;

	switch (n->t) {
	case AV_NULL:
		return 0;
	case AV_FLOAT:
		return 4;
	case AV_DOUBLE:
		return 8;
	case AV_FIXED:
		return n->size;
	case AV_RECORD:
		if (n->minsz != SIZE_MAX)
			return n->minsz;
		if (busy[n->id])
			return 0;	/* recursive: 0 keeps it a lower bound */
		busy[n->id] = 1;
		for (i = 0; i < n->nfields; i++)
			s += minsz_of(n->fields[i].type, busy);
		busy[n->id] = 0;
		return n->minsz = s;
	default:
		return 1;
	}
}

static int
skip_kind(const struct av_node *t)
{
	switch (t->t) {
	case AV_STRING: case AV_BYTES: return AVSK_LEN;
	case AV_INT: case AV_LONG: return AVSK_VARINT;
	case AV_ENUM: return AVSK_ENUM;
	case AV_BOOLEAN: return AVSK_BYTE;
	default: return AVSK_GENERIC;
	}
}

static void
classify_skip(struct av_node *t)
{
	t->sk = (unsigned char)skip_kind(t);
	if (t->t == AV_UNION && t->nbranches == 2 &&
	    (t->branches[0]->t == AV_NULL || t->branches[1]->t == AV_NULL)) {
		int k = skip_kind(t->branches[t->branches[0]->t == AV_NULL]);

		t->sk_null = t->branches[0]->t == AV_NULL ? 0 : 1;
		if (k != AVSK_GENERIC)
			t->sk = (unsigned char)(k + (AVSK_OPT_LEN - AVSK_LEN));
	}
}

void
avsc_free(struct av_schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nnodes; i++) {
		struct av_node *n = s->nodes[i];
		size_t k;

		for (k = 0; k < n->nfields; k++)
			free(n->fields[k].aliases);
		free(n->fields);
		free(n->fidx);
		free(n->symbols);
		free(n->branches);
		free(n->aliases);
		free(n);
	}
	for (i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->nodes);
	free(s->canonical);
	json_decref(s->json);
	free(s);
}

struct av_schema *
avsc_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct pctx c = {.err = err, .errlen = errlen};
	json_error_t je;
	struct av_schema *s;

	err[0] = 0;
	s = xcalloc(1, sizeof(*s));
	if (!(s->json = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je))) {
		err_set(err, errlen, "invalid schema: %s", je.text);
		free(s);
		return NULL;
	}
	c.s = s;
	s->root = parse(&c, s->json, "");
	if (s->root && check_defaults(&c) < 0)
		s->root = NULL;
	free(c.named);
	if (!s->root) {
		if (!err[0])
			err_set(err, errlen, "invalid schema");
		else {
			char tmp[512];

			snprintf(tmp, sizeof(tmp), "invalid schema: %s", err);
			err_set(err, errlen, "%s", tmp);
		}
		s->strs = c.strs;
		s->nstrs = c.nstrs;
		avsc_free(s);
		return NULL;
	}
	{
		char *busy = xcalloc(s->nnodes, 1);

		for (size_t i = 0; i < s->nnodes; i++)
			s->nodes[i]->minsz = SIZE_MAX;
		for (size_t i = 0; i < s->nnodes; i++) {
			s->nodes[i]->minsz = minsz_of(s->nodes[i], busy);
			classify_skip(s->nodes[i]);
		}
		free(busy);
	}
	s->canonical = json_dumps(s->json, JSON_COMPACT | JSON_ENCODE_ANY);
	s->strs = c.strs;
	s->nstrs = c.nstrs;
	return s;
}
