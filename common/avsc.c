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

/*
 * Names by hash: open-addressing tables of index + 1 (0: empty) into an
 * array the caller holds, at least twice as many slots as names. Comparing
 * each name with the ones before it made schemas quadratic: a 100,000-symbol
 * enum, 50,000 named types or a union of 50,000 of them took 15-25 s to
 * parse (tests/cli/schema-hostile.sh).
 */
struct idx {
	uint32_t *slot;
	size_t mask, n;
};

/* The name of element i of set, and its length. */
typedef const char *idx_key_fn(const void *set, size_t i, size_t *len);

static uint32_t *
idx_slot(uint32_t *slot, size_t mask, const void *set, idx_key_fn *key, const char *name, size_t n)
{
	size_t i = (size_t)hash_fnv1a(name, n) & mask;

	for (;; i = (i + 1) & mask) {
		const char *k;
		size_t len;

		if (!slot[i])
			return &slot[i];
		k = key(set, slot[i] - 1, &len);
		if (len == n && memcmp(k, name, n) == 0)
			return &slot[i];
	}
}

/* Room for n names, without growing. */
static void
idx_init(struct idx *x, size_t n)
{
	size_t slots = 8;

	while (slots < 2 * n)
		slots *= 2;
	x->slot = xcalloc(slots, sizeof(*x->slot));
	x->mask = slots - 1;
	x->n = 0;
}

/* Element i of set by its name; 0 if the name was there already (nothing added). */
static int
idx_add(struct idx *x, const void *set, idx_key_fn *key, size_t i)
{
	size_t len;
	const char *k = key(set, i, &len);
	uint32_t *e;

	if (!x->slot)
		idx_init(x, 4);
	if (2 * (x->n + 1) > x->mask + 1) {
		struct idx y;
		size_t j;

		idx_init(&y, 2 * (x->mask + 1));
		for (j = 0; j <= x->mask; j++)
			if (x->slot[j]) {
				const char *kj = key(set, x->slot[j] - 1, &len);

				*idx_slot(y.slot, y.mask, set, key, kj, len) = x->slot[j];
			}
		y.n = x->n;
		free(x->slot);
		*x = y;
		k = key(set, i, &len);
	}
	e = idx_slot(x->slot, x->mask, set, key, k, len);
	if (*e)
		return 0;
	*e = (uint32_t)i + 1;
	x->n++;
	return 1;
}

/* Index of the element called name in set, or -1. */
static long
idx_find(const struct idx *x, const void *set, idx_key_fn *key, const char *name, size_t n)
{
	uint32_t *e;

	if (!x->slot)
		return -1;
	e = idx_slot(x->slot, x->mask, set, key, name, n);
	return *e ? (long)*e - 1 : -1;
}

struct pctx {
	struct av_schema *s;
	struct av_node **named;
	size_t nnamed, capnamed;
	struct idx named_idx;	/* named by full name */
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

/*
 * A JSON string as a C string, or NULL: not a string, or one holding a
 * \u0000 (jansson keeps it; every name and symbol here ends at the first
 * NUL, so "R\u0000x" would pass as R).
 */
static const char *
cstr(json_t *j)
{
	const char *v = json_string_value(j);

	return v && strlen(v) == json_string_length(j) ? v : NULL;
}

/* A name for an error message: the JSON string, quoted and escaped, at most 80 bytes of it. */
static const char *
quoted(json_t *j, char *out, size_t outlen)
{
	char *d = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	snprintf(out, outlen, "%.80s%s", d ? d : "?", d && strlen(d) > 80 ? "..." : "");
	free(d);
	return out;
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

	if (!name)
		return -1;
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

static const char *
named_key(const void *set, size_t i, size_t *len)
{
	const char *f = ((struct av_node *const *)set)[i]->fullname;

	*len = strlen(f);
	return f;
}

static struct av_node *
lookup(struct pctx *c, const char *name, const char *ns)
{
	char *f = full_name(name, ns);
	long i = idx_find(&c->named_idx, c->named, named_key, f, strlen(f));

	/* An unqualified reference may also name a type in the null namespace. */
	if (i < 0)
		i = idx_find(&c->named_idx, c->named, named_key, name, strlen(name));
	free(f);
	return i < 0 ? NULL : c->named[i];
}

static int
define(struct pctx *c, struct av_node *n, json_t *o, const char **ns)
{
	json_t *jn = json_object_get(o, "name"), *jns = json_object_get(o, "namespace");
	json_t *ja = json_object_get(o, "aliases");
	const char *name, *space = *ns, *d, *kind = json_string_value(json_object_get(o, "type"));
	char *f, q[100];
	size_t i;

	if (!json_is_string(jn))
		return fail(c, "%s without a name", kind);
	if (!(name = cstr(jn)))
		return fail(c, "%s: invalid name %s (a name is [A-Za-z_][A-Za-z0-9_]*)", kind, quoted(jn, q, sizeof(q)));
	if (json_is_string(jns) && !cstr(jns))
		return fail(c, "%s %s: invalid namespace %s", kind, name, quoted(jns, q, sizeof(q)));
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
			json_t *jai = json_array_get(ja, i);
			const char *a = cstr(jai);

			if (!json_is_string(jai))
				return fail(c, "%s: aliases must be strings", f);
			if (!a)
				return fail(c, "%s: invalid alias %s", f, quoted(jai, q, sizeof(q)));
			/* Relative to the namespace of the type it names (the reader's), as Java's Schema.Parser. */
			n->aliases[i] = keep(c, full_name(a, *ns));
			if (!valid_full_name(n->aliases[i]))
				return fail(c, "%s: invalid alias \"%s\"", f, a);
		}
	}
	c->named = xgrowarray(c->named, &c->capnamed, c->nnamed + 1, sizeof(*c->named));
	c->named[c->nnamed++] = n;
	idx_add(&c->named_idx, c->named, named_key, c->nnamed - 1);
	return 0;
}

static struct av_node *parse(struct pctx *c, json_t *j, const char *ns);

static void
logical(struct av_node *n, json_t *o)
{
	/* One holding a \u0000 is no logical type we know: ignored, as an unknown one. */
	const char *lt = cstr(json_object_get(o, "logicalType"));
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
 * Fields by name (the decoder matches reader and writer fields through it:
 * comparing names took 0.27 s for a record of 10,000 fields, tests/cli/limits.sh).
 */
static const char *
field_key(const void *set, size_t i, size_t *len)
{
	const struct av_field *f = &((const struct av_node *)set)->fields[i];

	*len = f->namelen;
	return f->name;
}

long
avsc_field(const struct av_node *r, const char *name, size_t n)
{
	struct idx x = {r->fidx, r->fidxmask, 0};

	return r->t == AV_RECORD ? idx_find(&x, r, field_key, name, n) : -1;
}

static const char *
symbol_key(const void *set, size_t i, size_t *len)
{
	const char *sym = ((const struct av_node *)set)->symbols[i];

	*len = strlen(sym);
	return sym;
}

long
avsc_symbol(const struct av_node *e, const char *name, size_t n)
{
	struct idx x = {e->sidx, e->sidxmask, 0};

	return e->t == AV_ENUM ? idx_find(&x, e, symbol_key, name, n) : -1;
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
	struct idx x;
	char q[100];
	size_t i, k;

	if (!json_is_array(jf))
		return fail(c, "record %s: \"fields\" must be an array", n->fullname);
	if (json_array_size(jf) > AVSC_MAX_FIELDS)
		return fail(c, "record %s: %zu fields, more than %u (limit of avsc_parse)", n->fullname,
		    json_array_size(jf), (unsigned)AVSC_MAX_FIELDS);
	n->nfields = json_array_size(jf);
	n->fields = xcalloc(n->nfields, sizeof(*n->fields));
	idx_init(&x, n->nfields);
	n->fidx = x.slot;
	n->fidxmask = x.mask;
	for (i = 0; i < n->nfields; i++) {
		json_t *f = json_array_get(jf, i), *ja, *jo, *jn = json_object_get(f, "name");
		struct av_field *fd = &n->fields[i];

		fd->name = cstr(jn);
		if (!fd->name || !valid_name(fd->name)) {
			if (json_is_string(jn))
				return fail(c, "record %s: field %zu: invalid name %s (a name is [A-Za-z_][A-Za-z0-9_]*)",
				    n->fullname, i + 1, quoted(jn, q, sizeof(q)));
			return fail(c, "record %s: field %zu has no valid name", n->fullname, i + 1);
		}
		fd->namelen = strlen(fd->name);
		if (!idx_add(&x, n, field_key, i))
			return fail(c, "record %s: field \"%s\" twice", n->fullname, fd->name);
		if (!(fd->type = parse(c, json_object_get(f, "type"), ns)))
			return fail(c, "record %s: field \"%s\" has no valid type", n->fullname, fd->name);
		fd->def = json_object_get(f, "default");
		if ((jo = json_object_get(f, "order")) && !valid_order(cstr(jo)))
			return fail(c, "record %s: field \"%s\": \"order\" must be ascending, descending or ignore, not %s",
			    n->fullname, fd->name, quoted(jo, q, sizeof(q)));
		ja = json_object_get(f, "aliases");
		if (ja && !json_is_array(ja))
			return fail(c, "record %s: field \"%s\": \"aliases\" must be an array", n->fullname, fd->name);
		if (ja) {
			fd->naliases = json_array_size(ja);
			fd->aliases = xcalloc(fd->naliases, sizeof(char *));
			for (k = 0; k < fd->naliases; k++) {
				json_t *a = json_array_get(ja, k);

				if (!json_is_string(a))
					return fail(c, "record %s: field \"%s\": aliases must be strings",
					    n->fullname, fd->name);
				if (!(fd->aliases[k] = cstr(a)))
					return fail(c, "record %s: field \"%s\": invalid alias %s",
					    n->fullname, fd->name, quoted(a, q, sizeof(q)));
			}
		}
	}
	return 0;
}

static int
parse_enum(struct pctx *c, struct av_node *n, json_t *o)
{
	json_t *js = json_object_get(o, "symbols"), *jd = json_object_get(o, "default");
	struct idx x;
	char q[100];
	size_t i;
	long d;

	if (!json_is_array(js))
		return fail(c, "enum %s: \"symbols\" must be an array", n->fullname);
	if (json_array_size(js) > UINT32_MAX / 4)
		return fail(c, "enum %s: %zu symbols, more than %u (limit of avsc_parse)", n->fullname,
		    json_array_size(js), (unsigned)(UINT32_MAX / 4));
	n->nsymbols = json_array_size(js);
	n->symbols = xcalloc(n->nsymbols, sizeof(char *));
	idx_init(&x, n->nsymbols);
	n->sidx = x.slot;
	n->sidxmask = x.mask;
	for (i = 0; i < n->nsymbols; i++) {
		json_t *sym = json_array_get(js, i);

		n->symbols[i] = cstr(sym);
		if (!n->symbols[i] || !valid_name(n->symbols[i])) {
			if (json_is_string(sym))
				return fail(c, "enum %s: invalid symbol %s (a symbol is [A-Za-z_][A-Za-z0-9_]*)",
				    n->fullname, quoted(sym, q, sizeof(q)));
			return fail(c, "enum %s: invalid symbol", n->fullname);
		}
		if (!idx_add(&x, n, symbol_key, i))
			return fail(c, "enum %s: symbol %s twice", n->fullname, n->symbols[i]);
	}
	/* A default that is not a string is no default, as Java's Schema.Parser has it. */
	if (!json_is_string(jd))
		return 0;
	if ((d = avsc_symbol(n, json_string_value(jd), json_string_length(jd))) < 0)
		return fail(c, "enum %s: default %s is not a symbol", n->fullname, quoted(jd, q, sizeof(q)));
	n->enum_default = (int)d;
	return 0;
}

static const char *
branch_key(const void *set, size_t i, size_t *len)
{
	const char *name = avsc_type_name(((struct av_node *const *)set)[i]);

	*len = strlen(name);
	return name;
}

long
avsc_branch(const struct av_node *u, const char *name, size_t n)
{
	struct idx x = {u->bidx, u->bidxmask, 0};

	return u->t == AV_UNION ? idx_find(&x, u->branches, branch_key, name, n) : -1;
}

static const char *
short_key(const void *set, size_t i, size_t *len)
{
	const char *name = base_name(avsc_type_name(((struct av_node *const *)set)[i]));

	*len = strlen(name);
	return name;
}

long
avsc_branch_short(const struct av_node *u, const char *name, size_t n)
{
	struct idx x = {u->bshort, u->bshortmask, 0};

	return u->t == AV_UNION ? idx_find(&x, u->branches, short_key, name, n) : -1;
}

/* The union's tables by unqualified name and its count of aliased branches, for the decoder's resolution. */
static void
index_union(struct av_node *n)
{
	struct idx x;
	size_t i;

	idx_init(&x, n->nbranches);
	for (i = 0; i < n->nbranches; i++) {
		idx_add(&x, n->branches, short_key, i);
		n->naliased += n->branches[i]->naliases > 0;
	}
	n->bshort = x.slot;
	n->bshortmask = x.mask;
}

static struct av_node *
parse_union(struct pctx *c, json_t *j, const char *ns)
{
	struct av_node *n = new_node(c, AV_UNION);
	struct idx x;
	size_t i;

	n->nbranches = json_array_size(j);
	n->branches = xcalloc(n->nbranches, sizeof(*n->branches));
	idx_init(&x, n->nbranches);
	for (i = 0; i < n->nbranches; i++) {
		struct av_node *b = parse(c, json_array_get(j, i), ns);

		if (!b)
			break;
		if (b->t == AV_UNION) {
			fail(c, "a union cannot hold a union");
			break;
		}
		n->branches[i] = b;
		if (!idx_add(&x, n->branches, branch_key, i)) {
			fail(c, "union holds %s twice", avsc_type_name(b));
			break;
		}
	}
	/* Kept for avsc_branch: the decoder picks reader branches by it. */
	n->bidx = x.slot;
	n->bidxmask = x.mask;
	if (i < n->nbranches)
		return NULL;
	index_union(n);
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
		char q[100];

		t = cstr(j);
		if ((pt = prim_type(t)) >= 0)
			n = new_node(c, (enum av_type)pt);
		else if (!t || !(n = lookup(c, t, ns)))
			fail(c, "unknown type %s", quoted(j, q, sizeof(q)));
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
	if (json_is_object(j) && json_is_string(json_object_get(j, "type")) && !cstr(json_object_get(j, "type"))) {
		char q[100];

		fail(c, "unknown type %s", quoted(json_object_get(j, "type"), q, sizeof(q)));
		c->depth--;
		return NULL;
	}
	if (!json_is_object(j) || !(t = cstr(json_object_get(j, "type")))) {
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
			    cstr(json_object_get(j, "name")) ? cstr(json_object_get(j, "name")) : "",
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
 *
 * The verdict on each field's own default is kept (memo, by node id and
 * field: 0 not known, 1 being checked, 2 valid, 3 invalid, 4 too deep): a
 * record of two fields whose defaults are records of two fields... took
 * 2^n checks (40 levels in 1 KB of schema ran for minutes). Met while it
 * is being checked, a field's default holds itself: too deep. Once too
 * deep, always so: the verdict is conservative (a default met first deep
 * inside another is refused with it).
 */
struct defctx {
	unsigned char **memo;
};

static int default_ok(struct defctx *dc, const struct av_node *t, json_t *v, int in_union, int depth);

static int
field_default_ok(struct defctx *dc, const struct av_node *r, size_t i, int depth)
{
	unsigned char *m = &dc->memo[r->id][i];
	int v;

	if (*m)
		return *m == 2 ? 1 : *m == 3 ? 0 : -1;
	*m = 1;
	v = default_ok(dc, r->fields[i].type, r->fields[i].def, 0, depth);
	*m = v > 0 ? 2 : v == 0 ? 3 : 4;
	return v;
}

static int
default_ok(struct defctx *dc, const struct av_node *t, json_t *v, int in_union, int depth)
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
			if ((r = default_ok(dc, t->items, json_array_get(v, i), 0, depth + 1)) <= 0)
				return r;
		return 1;
	case AV_MAP:
		if (!json_is_object(v))
			return 0;
		json_object_foreach(v, k, x)
			if ((r = default_ok(dc, t->items, x, 0, depth + 1)) <= 0)
				return r;
		return 1;
	case AV_RECORD:
		if (!json_is_object(v))
			return 0;
		for (i = 0; i < t->nfields; i++) {
			x = json_object_get(v, t->fields[i].name);
			if (x)
				r = default_ok(dc, t->fields[i].type, x, 0, depth + 1);
			else if (t->fields[i].def)
				r = field_default_ok(dc, t, i, depth + 1);
			else
				r = 0;
			if (r <= 0)
				return r;
		}
		return 1;
	case AV_UNION:
		for (i = 0; i < t->nbranches; i++) {
			if ((r = default_ok(dc, t->branches[i], v, 1, depth + 1)) > 0)
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
	struct defctx dc;
	size_t i, k;
	int r = 1;

	dc.memo = xcalloc(c->s->nnodes, sizeof(*dc.memo));
	for (i = 0; i < c->s->nnodes; i++)
		if (c->s->nodes[i]->t == AV_RECORD)
			dc.memo[i] = xcalloc(c->s->nodes[i]->nfields, 1);
	for (i = 0; i < c->s->nnodes && r > 0; i++) {
		const struct av_node *n = c->s->nodes[i];

		for (k = 0; n->t == AV_RECORD && k < n->nfields && r > 0; k++) {
			const struct av_field *f = &n->fields[k];

			r = f->def ? field_default_ok(&dc, n, k, 0) : 1;
			if (r < 0)
				fail(c, "record %s: field \"%s\": default nested deeper than %d levels, or holding "
				    "itself through record defaults (limit of avsc_parse)", n->fullname, f->name,
				    AVSC_MAX_DEFAULT_DEPTH);
			if (r == 0) {
				char *d = json_dumps(f->def, JSON_COMPACT | JSON_ENCODE_ANY);

				fail(c, "record %s: field \"%s\": default %.60s%s is not a valid %s", n->fullname,
				    f->name, d ? d : "?", d && strlen(d) > 60 ? "..." : "",
				    avsc_type_name(f->type));
				free(d);
			}
		}
	}
	for (i = 0; i < c->s->nnodes; i++)
		free(dc.memo[i]);
	free(dc.memo);
	return r > 0 ? 0 : -1;
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
		free(n->sidx);
		free(n->bidx);
		free(n->bshort);
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
	free(c.named_idx.slot);
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
