/*
 * regref: Confluent schema references. A schema whose answer lists
 * references is resolved depth first, as Confluent's AbstractSchemaProvider
 * does (regref_resolve, each referenced version asked of the caller), and
 * made self-contained (regref_expand): each referenced named type's
 * definition, full name spelt out, in place of the first use of its name.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "regref.h"

/* ---- making a schema self-contained ---- */

#define EXPAND_DEPTH 1000	/* JSON levels, in the schema and the definitions put in */

struct expand {
	json_t *defs;		/* full name -> its definition in a referenced schema */
	json_t *from;		/* full name -> index of the referenced schema */
	json_t *defined;	/* full names defined so far in the output */
	const char *const *labels;
	int depth;
	char *err;
	size_t errlen;
};

static int
primitive(const char *s)
{
	static const char *const p[] = {"null", "boolean", "int", "long", "float",
	    "double", "bytes", "string"};
	size_t i;

	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!strcmp(s, p[i]))
			return 1;
	return 0;
}

/* "record", "enum", ...: the kind of a type object, 0 if none or a name. */
static int
type_kind(json_t *o, const char **t)
{
	*t = json_string_value(json_object_get(o, "type"));
	if (!*t)
		return 0;
	if (!strcmp(*t, "record") || !strcmp(*t, "error"))
		return 'r';
	if (!strcmp(*t, "enum") || !strcmp(*t, "fixed"))
		return 'e';
	if (!strcmp(*t, "array"))
		return 'a';
	if (!strcmp(*t, "map"))
		return 'm';
	return primitive(*t) ? 'p' : 'n';
}

/* A name in namespace ns, as the specification resolves it (malloc'd). */
static char *
qualify(const char *name, const char *ns)
{
	char *f;

	if (strchr(name, '.') || !*ns)
		return xstrndup(name, strlen(name));
	f = xmalloc(strlen(ns) + strlen(name) + 2);
	sprintf(f, "%s.%s", ns, name);
	return f;
}

/* The full name a named type's definition gives it in namespace ns; NULL without a name. */
static char *
def_name(json_t *o, const char *ns)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *space = json_string_value(json_object_get(o, "namespace"));

	if (!name)
		return NULL;
	return qualify(name, space && !strchr(name, '.') ? space : ns);
}

/* The namespace of a full name, in a buffer the caller frees. */
static char *
space_of(const char *full)
{
	const char *d = strrchr(full, '.');
	char *s = xstrndup(full, strlen(full));

	s[d ? (size_t)(d - full) : 0] = '\0';
	return s;
}

static const char *
label(const struct expand *x, size_t i, char *buf, size_t len)
{
	if (x->labels && x->labels[i])
		return x->labels[i];
	snprintf(buf, len, "referenced schema %zu", i + 1);
	return buf;
}

static int
too_deep(struct expand *x)
{
	if (x->depth <= EXPAND_DEPTH)
		return 0;
	if (x->err && x->errlen && !x->err[0])
		err_set(x->err, x->errlen, "the schema is nested more than %d JSON levels deep",
		    EXPAND_DEPTH);
	return 1;
}

/* Records the named types referenced schema `which` defines. */
static int
collect(struct expand *x, json_t *n, const char *ns, size_t which)
{
	char *full, *space, b1[40], b2[40];
	const char *t;
	json_t *had, *f;
	size_t i;
	int rc = 0;

	if (++x->depth > EXPAND_DEPTH) {
		too_deep(x);
		rc = -1;
	} else if (json_is_array(n)) {
		json_array_foreach(n, i, f)
			if ((rc = collect(x, f, ns, which)))
				break;
	} else if (json_is_object(n)) {
		switch (type_kind(n, &t)) {
		case 'r':
		case 'e':
			if (!(full = def_name(n, ns)))
				break;
			if ((had = json_object_get(x->defs, full)) && !json_equal(had, n)) {
				i = (size_t)json_integer_value(json_object_get(x->from, full));
				err_set(x->err, x->errlen, "type %.200s is defined both by %s and, "
				    "differently, by %s", full, label(x, i, b1, sizeof(b1)),
				    label(x, which, b2, sizeof(b2)));
				rc = -1;
			} else if (!had) {
				json_object_set(x->defs, full, n);
				json_object_set_new(x->from, full, json_integer((json_int_t)which));
			}
			space = space_of(full);
			json_array_foreach(json_object_get(n, "fields"), i, f)
				if (!rc && (rc = collect(x, json_object_get(f, "type"), space, which)))
					break;
			free(space);
			free(full);
			break;
		case 'a':
			rc = collect(x, json_object_get(n, "items"), ns, which);
			break;
		case 'm':
			rc = collect(x, json_object_get(n, "values"), ns, which);
			break;
		case 0:
			rc = collect(x, json_object_get(n, "type"), ns, which);
			break;
		}
	}
	x->depth--;
	return rc;
}

static json_t *expand_type(struct expand *x, json_t *n, const char *ns, int copy);

/*
 * A name used in namespace ns: the definition it names, spelt out in full,
 * if that is a referenced type not yet defined; NULL to keep the name. The
 * name resolves as in Java's parser: ns.name first, then name in the null
 * namespace, each among the types defined so far and the referenced ones.
 */
static json_t *
use_name(struct expand *x, const char *name, const char *ns, int *fail)
{
	char *cand[2] = {qualify(name, ns), NULL}, *space;
	json_t *def = NULL, *out = NULL, *v;
	const char *base, *key;
	int i;

	if (!strchr(name, '.') && *ns)
		cand[1] = xstrndup(name, strlen(name));
	for (i = 0; i < 2 && cand[i]; i++) {
		if (json_object_get(x->defined, cand[i]))
			break;
		if ((def = json_object_get(x->defs, cand[i])))
			break;
	}
	if (def) {
		/* the definition with its full name written out (type, name,
		 * namespace, then its other keys in their order), then its contents */
		out = json_object();
		base = strrchr(cand[i], '.');
		space = space_of(cand[i]);
		json_object_set(out, "type", json_object_get(def, "type"));
		json_object_set_new(out, "name", json_string(base ? base + 1 : cand[i]));
		json_object_set_new(out, "namespace", json_string(space));
		free(space);
		json_object_foreach(def, key, v)
			if (strcmp(key, "type") && strcmp(key, "name") && strcmp(key, "namespace"))
				json_object_set_new(out, key, json_deep_copy(v));
		if (!(def = expand_type(x, out, "", 1)))
			*fail = 1;
		json_decref(out);
		out = def;
	}
	free(cand[0]);
	free(cand[1]);
	return out;
}

/*
 * Walks a type in namespace ns, putting definitions in place of the first
 * uses of referenced names; returns the type to put where n was (a new
 * reference), NULL on error. copy: n is (inside) a definition put in, whose
 * named types may already be defined: they become their full names.
 */
static json_t *
expand_type(struct expand *x, json_t *n, const char *ns, int copy)
{
	json_t *f, *sub, *out = NULL;
	char *full, *space;
	const char *t;
	int fail = 0;
	size_t i;

	if (++x->depth > EXPAND_DEPTH) {
		too_deep(x);
		x->depth--;
		return NULL;
	}
	if (json_is_string(n)) {
		if (!primitive(json_string_value(n)))
			out = use_name(x, json_string_value(n), ns, &fail);
	} else if (json_is_array(n)) {
		json_array_foreach(n, i, f)
			if (!(sub = expand_type(x, f, ns, copy)) || json_array_set_new(n, i, sub)) {
				fail = 1;
				break;
			}
	} else if (json_is_object(n)) {
		switch (type_kind(n, &t)) {
		case 'r':
		case 'e':
			if (!(full = def_name(n, ns)))
				break;
			if (copy && json_object_get(x->defined, full)) {
				out = json_string(full);
				free(full);
				break;
			}
			json_object_set(x->defined, full, json_true());
			space = space_of(full);
			json_array_foreach(json_object_get(n, "fields"), i, f) {
				if (!(sub = json_object_get(f, "type")))
					continue;
				if (!(sub = expand_type(x, sub, space, copy)) ||
				    json_object_set_new(f, "type", sub)) {
					fail = 1;
					break;
				}
			}
			free(space);
			free(full);
			break;
		case 'a':
		case 'm':
			t = *t == 'a' ? "items" : "values";
			if ((sub = json_object_get(n, t)) && (!(sub = expand_type(x, sub, ns, copy)) ||
			    json_object_set_new(n, t, sub)))
				fail = 1;
			break;
		case 'n':
			/* {"type": "Name"}: the object stands for the named type */
			out = use_name(x, t, ns, &fail);
			break;
		case 0:
			if ((sub = json_object_get(n, "type")) && (!(sub = expand_type(x, sub, ns, copy)) ||
			    json_object_set_new(n, "type", sub)))
				fail = 1;
			break;
		}
	}
	x->depth--;
	if (fail) {
		json_decref(out);
		return NULL;
	}
	return out ? out : json_incref(n);
}

char *
regref_expand(const char *schema, const char *const *refs, const char *const *labels,
    size_t nrefs, char *err, size_t errlen)
{
	struct expand x = {json_object(), json_object(), json_object(), labels, 0, err, errlen};
	json_t **roots = xcalloc(nrefs ? nrefs : 1, sizeof(*roots)), *root = NULL, *out = NULL;
	char *text = NULL, b[40];
	json_error_t je;
	size_t i;

	err_set(err, errlen, "%s", "");
	for (i = 0; i < nrefs; i++) {
		if (!(roots[i] = json_loads(refs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je))) {
			err_set(err, errlen, "%s is not JSON (line %d: %s)",
			    label(&x, i, b, sizeof(b)), je.line, je.text);
			goto out;
		}
		if (collect(&x, roots[i], "", i))
			goto out;
	}
	if (!(root = json_loads(schema, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je))) {
		err_set(err, errlen, "the schema is not JSON (line %d: %s)", je.line, je.text);
		goto out;
	}
	if ((out = expand_type(&x, root, "", 0)))
		text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
	if (out && !text)
		err_set(err, errlen, "the expanded schema cannot be written out");
out:
	json_decref(out);
	json_decref(root);
	for (i = 0; i < nrefs; i++)
		json_decref(roots[i]);
	free(roots);
	json_decref(x.defs);
	json_decref(x.from);
	json_decref(x.defined);
	return text;
}

/* ---- resolving the references ---- */

struct refwalk {
	regref_fetch *fetch;
	void *arg;
	const char *what;	/* the schema whose references these are */
	json_t *seen;		/* reference names: the first of a name wins, as in Confluent's client */
	const char **texts;	/* the referenced schemas, dependencies first (the fetcher's) */
	char **labels;
	size_t n, cap;
	struct {
		const char *name, *subject;
		int version;
	} chain[REGISTRY_REF_DEPTH];	/* the references being resolved, outermost first */
	int depth;
	char *err;
	size_t errlen;
};

/* "com.acme.A (subject "a" version 1) -> com.acme.B (...)": the chain from `from` on. */
static void
chain_text(const struct refwalk *w, int from, char *out, size_t len)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = from; i < w->depth && n < len; i++) {
		if (w->chain[i].version < 0)
			n += (size_t)snprintf(out + n, len - n, "%s%.100s (subject \"%.100s\" "
			    "version latest)", i > from ? " -> " : "", w->chain[i].name,
			    w->chain[i].subject);
		else
			n += (size_t)snprintf(out + n, len - n, "%s%.100s (subject \"%.100s\" "
			    "version %d)", i > from ? " -> " : "", w->chain[i].name,
			    w->chain[i].subject, w->chain[i].version);
	}
}

/* Resolves a references array depth-first, as Confluent's AbstractSchemaProvider does. */
static int
resolve(struct refwalk *w, json_t *refs)
{
	const char *name, *subject, *text, *subrefs;
	char ferr[400], chain[700];
	json_t *ref, *sub;
	int k, version, rc;
	size_t i, len;

	json_array_foreach(refs, i, ref) {
		name = json_string_value(json_object_get(ref, "name"));
		subject = json_string_value(json_object_get(ref, "subject"));
		version = (int)json_integer_value(json_object_get(ref, "version"));
		if (w->depth == REGISTRY_REF_DEPTH) {
			chain_text(w, 0, chain, sizeof(chain));
			err_set(w->err, w->errlen, "%s: references nested more than %d deep "
			    "(%.300s -> %.100s ...)", w->what, REGISTRY_REF_DEPTH, chain, name);
			return REGISTRY_INVALID;
		}
		w->chain[w->depth].name = name;
		w->chain[w->depth].subject = subject;
		w->chain[w->depth].version = version;
		w->depth++;
		for (k = 0; k < w->depth - 1; k++)
			if (!strcmp(w->chain[k].subject, subject) && w->chain[k].version == version) {
				chain_text(w, k, chain, sizeof(chain));
				err_set(w->err, w->errlen, "%s: reference cycle: %s", w->what, chain);
				return REGISTRY_INVALID;
			}
		if (json_object_get(w->seen, name)) {
			w->depth--;
			continue;
		}
		json_object_set_new(w->seen, name, json_true());
		chain_text(w, 0, chain, sizeof(chain));
		if (w->n == REGISTRY_REF_MAX) {
			err_set(w->err, w->errlen, "%s: more than %d references (at %s)", w->what,
			    REGISTRY_REF_MAX, chain);
			return REGISTRY_INVALID;
		}
		if ((rc = w->fetch(w->arg, subject, version, &text, &subrefs, ferr,
		    sizeof(ferr))) != REGISTRY_OK) {
			err_set(w->err, w->errlen, "%s: reference %s: %s", w->what, chain, ferr);
			return rc == REGISTRY_FAIL ? REGISTRY_FAIL : REGISTRY_INVALID;
		}
		if (subrefs) {
			if (!(sub = json_loads(subrefs, 0, NULL)))
				die(EXIT_ENV, "out of memory");
			rc = resolve(w, sub);
			json_decref(sub);
			if (rc != REGISTRY_OK)
				return rc;
		}
		if (w->n == w->cap) {
			w->texts = xgrowarray(w->texts, &w->cap, w->n + 1, sizeof(*w->texts));
			w->labels = xreallocarray(w->labels, w->cap, sizeof(*w->labels));
		}
		w->texts[w->n] = text;
		len = strlen(chain) + 16;
		w->labels[w->n] = xmalloc(len);
		snprintf(w->labels[w->n++], len, "reference %s", chain);
		w->depth--;
	}
	return REGISTRY_OK;
}

int
regref_resolve(const char *what, const char *schema, void *refs, regref_fetch *fetch,
    void *arg, char **text, char *err, size_t errlen)
{
	struct refwalk w = {fetch, arg, what, json_object(), NULL, NULL, 0, 0, {{0}}, 0,
	    err, errlen};
	char why[400];
	size_t i;
	int rc;

	if ((rc = resolve(&w, refs)) == REGISTRY_OK &&
	    !(*text = regref_expand(schema, w.texts, (const char *const *)w.labels, w.n,
	    why, sizeof(why)))) {
		err_set(err, errlen, "%s: %s", what, why);
		rc = REGISTRY_INVALID;
	}
	for (i = 0; i < w.n; i++)
		free(w.labels[i]);
	free(w.labels);
	free(w.texts);
	json_decref(w.seen);
	return rc;
}

