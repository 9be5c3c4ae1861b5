/*
 * Avro binary to JSON (avdec.h). avdec_compile resolves the writer schema
 * against the reader schema (the specification's rules: fields matched by
 * name or alias, defaults for missing fields, promotions, enum and union
 * resolution by name) and the projection into a tree of plan nodes; each
 * node knows how to read its writer type and how to render it. avdec_decode
 * walks that tree over the body. Every length is checked against the bytes
 * left before it is used, so a hostile body can claim anything and cost
 * nothing; errors longjmp out with the body offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avbin.h"
#include "avdec.h"
#include "avenc.h"
#include "err.h"
#include "hash.h"
#include "jw.h"
#include "rs.h"
#include "ts.h"

/* Limits of the decoder, each named in its error message. */
#define MAX_DEPTH 1000		/* nested records and containers in one body */
#define MAX_PLAN_DEPTH 400	/* nested types while resolving the schemas (recursive types count once) */
#define MAX_ZERO_ITEMS (1 << 20)	/* items that take no bytes (null, empty record) per body */
#define MAX_DECIMAL 64		/* bytes of a decimal's unscaled value: 154 digits */

enum kind {
	K_NULL, K_BOOL, K_INT, K_F32, K_F64, K_STR, K_BYTES, K_FIXED, K_ENUM,
	K_RECORD, K_ARRAY, K_MAP, K_UNION, K_WRAP,
	K_DATE, K_TIME, K_TS, K_DECIMAL, K_UUID_FIXED
};

struct pn;

struct step {
	struct pn *pn;			/* NULL: skip the writer field */
	const struct av_node *skip;
	int slot;			/* position among the output fields */
};

struct pn {
	enum kind k;
	enum av_type wt;		/* writer type: how to read */
	const struct av_node *w, *r;
	const struct avdec_proj *proj;
	size_t size;			/* fixed */
	int scale;			/* decimal */
	int64_t unit;			/* K_TIME, K_TS: units per second */
	int utc;			/* K_TS: write Z */
	/* enum: the JSON text of each writer symbol in the reader, or NULL */
	char **sym;
	size_t nsym;
	/* record */
	struct step *steps;
	size_t nsteps, nout;
	int inorder;
	char **keys;			/* per output field: "name": (with a leading comma after the first) */
	size_t *keylen;
	char **defs;			/* per output field: the default's JSON, when the writer lacks it */
	size_t *deflen;
	/* array, map; K_WRAP */
	struct pn *item;
	size_t minsz;			/* least bytes one item takes */
	/* union: per writer branch */
	struct pn **br;
	char **wrap;			/* Avro JSON: {"branch": ; NULL for null or plain JSON */
	size_t *wraplen;
	char **brerr;
	size_t nbr;
	char *wrap1;			/* K_WRAP: {"branch": or NULL */
	size_t wrap1len;
	struct pn *next;		/* all nodes, for freeing */
};

struct memo {
	const struct av_node *w, *r;
	const struct avdec_proj *proj;
	struct pn *pn;
};

struct avdec_plan {
	struct pn *root, *all;
	/* run time */
	struct { size_t off, len; } *segs;
	size_t nsegs, capsegs;
	struct buf scratch;
	/* the entries of the maps being decoded (a stack, as maps nest), for duplicate keys */
	struct ment *ments;
	size_t nments, capments;
	uint32_t *mtab;		/* entry index + 1 by key hash */
	size_t mtabsize;
};

struct ment {
	const unsigned char *key;	/* in the body */
	size_t klen;
	size_t keyoff, valoff, valend;	/* in the output: "key": at keyoff, the value from valoff */
};

struct cctx {
	struct avdec_plan *plan;
	const struct av_schema *ws;
	const struct avdec_opts *o;
	struct memo *memo;
	size_t nmemo, capmemo;
	uint32_t *mtab;		/* memo index + 1 by the hash of (w, r, proj); 0 empty */
	size_t mmask;
	char *err;
	size_t errlen;
	int proj_err;
	int depth;
};

static int
cfail(struct cctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err[0]) {
		va_start(ap, fmt);
		err_vset(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- projections ---- */

static struct avdec_proj *
proj_child(struct avdec_proj *p, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < p->nkids; i++)
		if (strlen(p->kids[i].name) == n && memcmp(p->kids[i].name, name, n) == 0)
			return &p->kids[i];
	if ((p->nkids & (p->nkids - 1)) == 0)
		p->kids = xreallocarray(p->kids, p->nkids ? 2 * p->nkids : 1, sizeof(*p->kids));
	memset(&p->kids[p->nkids], 0, sizeof(*p->kids));
	p->kids[p->nkids].name = xstrndup(name, n);
	return &p->kids[p->nkids++];
}

static void
proj_clear(struct avdec_proj *p)
{
	size_t i;

	for (i = 0; i < p->nkids; i++) {
		proj_clear(&p->kids[i]);
		free(p->kids[i].name);
	}
	free(p->kids);
}

void
avdec_proj_free(struct avdec_proj *p)
{
	if (p) {
		proj_clear(p);
		free(p);
	}
}

struct avdec_proj *
avdec_proj_parse(const char *list, char *err, size_t errlen)
{
	struct avdec_proj *root = xcalloc(1, sizeof(*root));
	const char *s = list;

	for (;;) {
		size_t n = strcspn(s, ","), k;
		const char *seg = s, *end = s + n;
		struct avdec_proj *p = root;

		for (;;) {
			k = strcspn(seg, ".,");
			if (seg + k > end)
				k = (size_t)(end - seg);
			if (k == 0) {
				err_set(err, errlen, "empty field name in \"%s\"", list);
				avdec_proj_free(root);
				return NULL;
			}
			p = proj_child(p, seg, k);
			seg += k;
			if (seg >= end)
				break;
			seg++;
		}
		p->all = 1;	/* asked for whole: its children, if any were named, do not narrow it */
		if (!*end)
			break;
		s = end + 1;
	}
	return root;
}

/* ---- compiling ---- */

static struct pn *
new_pn(struct cctx *c, enum kind k, const struct av_node *w, const struct av_node *r)
{
	struct pn *n = xcalloc(1, sizeof(*n));

	n->k = k;
	n->w = w;
	n->r = r;
	n->wt = w ? w->t : AV_NULL;
	n->next = c->plan->all;
	c->plan->all = n;
	return n;
}

static char *
json_key(const char *name, int comma, size_t *len)
{
	struct buf w = {0};
	size_t bad;

	if (comma)
		buf_putc(&w, ',');
	jw_str(&w, (const unsigned char *)name, strlen(name), &bad);
	buf_putc(&w, ':');
	*len = w.len;
	buf_putc(&w, 0);
	return w.p;
}

/*
 * The writer type w can be read as the reader type r without a union in
 * between, by how loose a match is allowed: M_EXACT the same type (named
 * types by full name), M_ALIAS also a reader alias naming the writer's full
 * name, M_SHORT also the unqualified name, M_PROMOTE also the promotions.
 */
enum { M_PROMOTE, M_SHORT, M_ALIAS, M_EXACT };

static int
matches(const struct av_node *w, const struct av_node *r, int level)
{
	static const int how[] = {AVSC_SHORT, AVSC_SHORT, AVSC_ALIAS, AVSC_EXACT};

	if (w->t == r->t) {
		switch (w->t) {
		case AV_RECORD: case AV_ENUM:
			return avsc_names_match(w, r, how[level]);
		case AV_FIXED:
			return avsc_names_match(w, r, how[level]) && w->size == r->size;
		default:
			return 1;
		}
	}
	if (level != M_PROMOTE)
		return 0;
	switch (w->t) {
	case AV_INT:
		return r->t == AV_LONG || r->t == AV_FLOAT || r->t == AV_DOUBLE;
	case AV_LONG:
		return r->t == AV_FLOAT || r->t == AV_DOUBLE;
	case AV_FLOAT:
		return r->t == AV_DOUBLE;
	case AV_STRING:
		return r->t == AV_BYTES;
	case AV_BYTES:
		return r->t == AV_STRING;
	default:
		return 0;
	}
}

static struct pn *compile(struct cctx *c, const struct av_node *w, const struct av_node *r,
    const struct avdec_proj *proj);

static const struct avdec_proj *
proj_find(const struct avdec_proj *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nkids; i++)
		if (strcmp(p->kids[i].name, name) == 0)
			return &p->kids[i];
	return NULL;
}

/* proj with children applies to records (through unions, arrays and maps): NULL kids means all. */
static const struct avdec_proj *
sub(const struct avdec_proj *p)
{
	return p && !p->all && p->nkids ? p : NULL;
}

/*
 * The writer field of each reader field (wf[i], -1: none), the
 * specification's way: exact names first; then a reader field no writer
 * field matches by name takes the writer field one of its aliases names,
 * unless that writer field is some reader field's by name. A reader field
 * whose aliases name two writer fields, or a writer field two reader fields
 * claim by alias, is refused (Java refuses the first: "Duplicate field").
 * Java's Schema.applyAliases differs: it renames the writer's fields
 * before matching, so a reader field keeping a name another one lists as
 * an alias loses its writer field (tests/cli/avro-conformance.sh).
 */
static int
match_fields(struct cctx *c, const struct av_node *w, const struct av_node *r, int *wf)
{
	/* per writer field: -1 held by name, i + 1 claimed by reader field i's alias, 0 free */
	int *by = xcalloc(w->nfields ? w->nfields : 1, sizeof(int));
	size_t i, k;
	int rc = 0;

	for (i = 0; i < r->nfields; i++) {
		long e = avsc_field(w, r->fields[i].name, r->fields[i].namelen);

		wf[i] = (int)e;
		if (e >= 0)
			by[e] = -1;
	}
	for (i = 0; i < r->nfields && !rc; i++) {
		const struct av_field *rf = &r->fields[i];

		if (wf[i] >= 0 && by[wf[i]] == -1)
			continue;	/* matched by name: its aliases are not looked at */
		for (k = 0; k < rf->naliases && !rc; k++) {
			long a = avsc_field(w, rf->aliases[k], strlen(rf->aliases[k]));

			if (a < 0 || by[a] == -1 || a == wf[i])
				continue;
			if (wf[i] >= 0)
				rc = cfail(c, "record %s: reader field \"%s\" names two writer fields by its "
				    "aliases, \"%s\" and \"%s\"", r->fullname, rf->name, w->fields[wf[i]].name,
				    w->fields[a].name);
			else if (by[a])
				rc = cfail(c, "record %s: writer field \"%s\" is named by the aliases of two "
				    "reader fields, \"%s\" and \"%s\"", r->fullname, w->fields[a].name,
				    r->fields[by[a] - 1].name, rf->name);
			else {
				wf[i] = (int)a;
				by[a] = (int)i + 1;
			}
		}
	}
	free(by);
	return rc;
}

/* The buffers a plan's decoding grows (segments, map entries and their table, scratch). */
static void
free_buffers(struct avdec_plan *p)
{
	free(p->segs);
	free(p->ments);
	free(p->mtab);
	buf_free(&p->scratch);
}

/*
 * The default of a reader field the writer lacks, rendered once, as a decoder
 * would: encoded to binary, then decoded by the plan (works around avro-c
 * 1.11.1's resolver, which fails with "NIY: Default values").
 */
static int
render_default(struct cctx *c, const struct av_field *f, const struct avdec_proj *proj,
    struct pn *n, size_t i)
{
	struct buf bin = {0}, out = {0};
	struct avdec_err e;
	struct pn *dp;
	char msg[200];
	int rc = -1;

	if (!f->def)
		return cfail(c, "reader field \"%s\" is not in the writer schema and has no default",
		    f->name);
	/* Within the default size of a record: a default of defaults can double at each level. */
	if (avenc_default(f->type, f->def, RS_MAX_DEFAULT, &bin, msg, sizeof(msg)) < 0) {
		cfail(c, "default of field \"%s\": %s", f->name, msg);
		goto out;
	}
	if (!(dp = compile(c, f->type, f->type, proj)))
		goto out;
	{
		/* Decode with a throwaway plan shell that shares the compiled nodes. */
		struct avdec_plan tmp = {.root = dp};

		int bad = avdec_decode(&tmp, (unsigned char *)bin.p, bin.len, &out, &e) < 0;

		free_buffers(&tmp);
		if (bad) {
			cfail(c, "default of field \"%s\": %s", f->name, e.msg);
			goto out;
		}
	}
	n->defs[i] = out.p;
	n->deflen[i] = out.len;
	out.p = NULL;
	rc = 0;
out:
	buf_free(&bin);
	buf_free(&out);
	return rc;
}

static struct pn *
compile_record(struct cctx *c, struct pn *n, const struct av_node *w, const struct av_node *r,
    const struct avdec_proj *proj)
{
	size_t i, nout = 0, last = 0;
	int *slot_of_w = xcalloc(w->nfields, sizeof(int)), *wf_of_r = xcalloc(r->nfields, sizeof(int));
	int ok = 0;

	if (proj)
		for (i = 0; i < proj->nkids; i++) {
			if (avsc_field(r, proj->kids[i].name, strlen(proj->kids[i].name)) < 0) {
				c->proj_err = 1;
				cfail(c, "no field \"%s\" in record %s", proj->kids[i].name, r->fullname);
				goto out;
			}
		}
	for (i = 0; i < w->nfields; i++)
		slot_of_w[i] = -1;
	n->inorder = 1;
	if (match_fields(c, w, r, wf_of_r) < 0)
		goto out;
	/* Output fields: the reader's, in its order, those the projection keeps. */
	for (i = 0; i < r->nfields; i++) {
		if (proj && !proj_find(proj, r->fields[i].name)) {
			wf_of_r[i] = -2;
			continue;
		}
		nout++;
	}
	n->nout = nout;
	n->keys = xcalloc(nout, sizeof(char *));
	n->keylen = xcalloc(nout, sizeof(size_t));
	n->defs = xcalloc(nout, sizeof(char *));
	n->deflen = xcalloc(nout, sizeof(size_t));
	n->steps = xcalloc(w->nfields, sizeof(*n->steps));
	n->nsteps = w->nfields;
	nout = 0;
	for (i = 0; i < r->nfields; i++) {
		const struct avdec_proj *fp = proj ? proj_find(proj, r->fields[i].name) : NULL;

		if (wf_of_r[i] == -2)
			continue;
		n->keys[nout] = json_key(r->fields[i].name, nout > 0, &n->keylen[nout]);
		if (wf_of_r[i] < 0) {
			if (render_default(c, &r->fields[i], sub(fp), n, nout) < 0)
				goto out;
			n->inorder = 0;
		} else {
			const struct av_field *wf = &w->fields[wf_of_r[i]];

			slot_of_w[wf_of_r[i]] = (int)nout;
			if (!(n->steps[wf_of_r[i]].pn = compile(c, wf->type, r->fields[i].type, sub(fp)))) {
				char tmp[300];

				snprintf(tmp, sizeof(tmp), "field \"%s\": %s", r->fields[i].name, c->err);
				err_set(c->err, c->errlen, "%s", tmp);
				goto out;
			}
		}
		nout++;
	}
	for (i = 0; i < w->nfields; i++) {
		n->steps[i].slot = slot_of_w[i];
		n->steps[i].skip = w->fields[i].type;

		if (slot_of_w[i] >= 0) {
			if ((size_t)slot_of_w[i] != last)
				n->inorder = 0;
			last++;
		}
	}
	ok = 1;
out:
	free(slot_of_w);
	free(wf_of_r);
	return ok ? n : NULL;
}

static struct pn *
compile_enum(struct cctx *c, struct pn *n, const struct av_node *w, const struct av_node *r)
{
	size_t i;

	n->nsym = w->nsymbols;
	n->sym = xcalloc(w->nsymbols, sizeof(char *));
	for (i = 0; i < w->nsymbols; i++) {
		int hit = (int)avsc_symbol(r, w->symbols[i], strlen(w->symbols[i]));
		size_t len;

		if (hit < 0)
			hit = r->enum_default;
		if (hit >= 0) {
			char *key = json_key(r->symbols[hit], 0, &len);

			key[len - 1] = 0;	/* no colon */
			n->sym[i] = key;
		}
	}
	return n;
}

/* {"full.Name": : the branch's full name (avro-c 1.11.1's avro_value_to_json writes the short name). */
static char *
wrap_text(const char *name, size_t *len)
{
	char *k = json_key(name, 0, len), *t = xmalloc(*len + 2);

	t[0] = '{';
	memcpy(t + 1, k, *len + 1);
	free(k);
	*len += 1;
	return t;
}

/*
 * The reader union branch for writer type w: the first of the same type
 * (named types by full name), else the first whose alias is the writer's
 * full name, else by unqualified name, else the first promotion. Exact
 * names first: a union holding a type and another whose alias is its name
 * reads itself (Java reads it too, but with another reader its
 * Schema.applyAliases renames the writer's type first and takes the alias).
 * The same type and the promotions are looked up by name (avsc_branch):
 * scanning the reader's branches for each writer branch took 42 s for a
 * union of 50,000 (tests/cli/schema-hostile.sh); only a named type with no
 * branch of its full name scans them, for aliases and short names.
 */
static int
pick_branch(const struct av_node *w, const struct av_node *ru)
{
	static const char *const promo[][3] = {
		[AV_INT] = {"long", "float", "double"}, [AV_LONG] = {"float", "double"},
		[AV_FLOAT] = {"double"}, [AV_STRING] = {"bytes"}, [AV_BYTES] = {"string"},
	};
	const char *name = avsc_type_name(w);
	long k = avsc_branch(ru, name, strlen(name)), best = -1;
	size_t i;
	int level;

	if (k >= 0 && matches(w, ru->branches[k], M_EXACT))
		return (int)k;
	if (w->t == AV_RECORD || w->t == AV_ENUM || w->t == AV_FIXED) {
		/* The first of the unqualified name by its table, when it is of the writer's kind. */
		const char *d = strrchr(name, '.');

		for (level = M_ALIAS; level >= M_SHORT; level--) {
			if (level == M_ALIAS && !ru->naliased)
				continue;
			if (level == M_SHORT) {
				k = avsc_branch_short(ru, d ? d + 1 : name, strlen(d ? d + 1 : name));
				if (k < 0)
					return -1;
				if (matches(w, ru->branches[k], level))
					return (int)k;
			}
			for (i = 0; i < ru->nbranches; i++)
				if (matches(w, ru->branches[i], level))
					return (int)i;
		}
		return -1;
	}
	for (i = 0; w->t < sizeof(promo) / sizeof(promo[0]) && i < 3 && promo[w->t][i]; i++) {
		k = avsc_branch(ru, promo[w->t][i], strlen(promo[w->t][i]));
		if (k >= 0 && (best < 0 || k < best))
			best = k;
	}
	return (int)best;
}

static struct pn *
compile_union(struct cctx *c, struct pn *n, const struct av_node *w, const struct av_node *r,
    const struct avdec_proj *proj)
{
	size_t i;

	n->nbr = w->nbranches;
	n->br = xcalloc(n->nbr, sizeof(*n->br));
	n->wrap = xcalloc(n->nbr, sizeof(char *));
	n->wraplen = xcalloc(n->nbr, sizeof(size_t));
	n->brerr = xcalloc(n->nbr, sizeof(char *));
	for (i = 0; i < n->nbr; i++) {
		const struct av_node *wb = w->branches[i], *rb = r;
		char msg[300];

		if (r->t == AV_UNION) {
			int k = pick_branch(wb, r);

			rb = k >= 0 ? r->branches[k] : NULL;
		} else if (!matches(wb, r, M_PROMOTE))
			rb = NULL;
		if (!rb) {
			snprintf(msg, sizeof(msg), "union branch %zu (%s) has no match in the reader schema",
			    i, avsc_type_name(wb));
			n->brerr[i] = xstrndup(msg, strlen(msg));
			continue;
		}
		if (!(n->br[i] = compile(c, wb, rb, proj)))
			return NULL;
		if (c->o->avro && r->t == AV_UNION && rb->t != AV_NULL)
			n->wrap[i] = wrap_text(avsc_type_name(rb), &n->wraplen[i]);
	}
	return n;
}

static struct pn *
compile_prim(struct cctx *c, struct pn *n, const struct av_node *w, const struct av_node *r)
{
	int logical = !c->o->avro && !c->o->raw;

	switch (r->t) {
	case AV_NULL:
		n->k = K_NULL;
		break;
	case AV_BOOLEAN:
		n->k = K_BOOL;
		break;
	case AV_INT:
	case AV_LONG:
		n->k = K_INT;
		if (logical && r->lt == AVL_DATE)
			n->k = K_DATE;
		else if (logical && (r->lt == AVL_TIME_MS || r->lt == AVL_TIME_US)) {
			n->k = K_TIME;
			n->unit = r->lt == AVL_TIME_MS ? 1000 : 1000000;
		} else if (logical && r->lt >= AVL_TS_MS && r->lt <= AVL_LTS_NS) {
			static const int64_t units[] = {1000, 1000000, 1000000000};
			int u = (int)(r->lt - AVL_TS_MS) % 3;

			n->k = K_TS;
			n->unit = units[u];
			n->utc = r->lt <= AVL_TS_NS;
		}
		break;
	case AV_FLOAT:
		n->k = K_F32;
		break;
	case AV_DOUBLE:
		n->k = K_F64;
		break;
	case AV_STRING:
		n->k = K_STR;
		break;
	case AV_BYTES:
		n->k = logical && r->lt == AVL_DECIMAL ? K_DECIMAL : K_BYTES;
		n->scale = r->scale;
		break;
	case AV_FIXED:
		n->k = K_FIXED;
		n->size = w->size;
		if (logical && r->lt == AVL_DECIMAL) {
			n->k = K_DECIMAL;
			n->scale = r->scale;
		} else if (logical && r->lt == AVL_UUID)
			n->k = K_UUID_FIXED;
		break;
	default:
		return NULL;
	}
	return n;
}

/*
 * The memo's slot for (w, r, proj): a hash table, as a schema of 50,000
 * types searched a list of them for each (42 s, tests/cli/schema-hostile.sh).
 */
static uint32_t *
memo_slot(struct cctx *c, const struct av_node *w, const struct av_node *r,
    const struct avdec_proj *proj)
{
	const void *key[3] = {w, r, proj};
	size_t i = (size_t)hash_fnv1a(key, sizeof(key)) & c->mmask;

	for (;; i = (i + 1) & c->mmask) {
		const struct memo *m = c->mtab[i] ? &c->memo[c->mtab[i] - 1] : NULL;

		if (!m || (m->w == w && m->r == r && m->proj == proj))
			return &c->mtab[i];
	}
}

static void
memo_add(struct cctx *c, const struct av_node *w, const struct av_node *r,
    const struct avdec_proj *proj, struct pn *n)
{
	c->memo = xgrowarray(c->memo, &c->capmemo, c->nmemo + 1, sizeof(*c->memo));
	c->memo[c->nmemo++] = (struct memo){w, r, proj, n};
	if (2 * c->nmemo > c->mmask) {
		size_t i;

		free(c->mtab);
		c->mmask = c->mmask ? 2 * c->mmask + 1 : 63;
		c->mtab = xcalloc(c->mmask + 1, sizeof(*c->mtab));
		for (i = 0; i < c->nmemo; i++)
			*memo_slot(c, c->memo[i].w, c->memo[i].r, c->memo[i].proj) = (uint32_t)i + 1;
	} else
		*memo_slot(c, w, r, proj) = (uint32_t)c->nmemo;
}

static struct pn *
compile(struct cctx *c, const struct av_node *w, const struct av_node *r,
    const struct avdec_proj *proj)
{
	struct pn *n;
	uint32_t *m;

	if (c->mtab && *(m = memo_slot(c, w, r, proj)))
		return c->memo[*m - 1].pn;
	if (proj && r->t == AV_NULL)
		proj = NULL;	/* the null branch of an optional record */
	if (proj && r->t != AV_RECORD && r->t != AV_UNION && r->t != AV_ARRAY && r->t != AV_MAP) {
		c->proj_err = 1;
		cfail(c, "\"%s\" is a %s, not a record", proj->kids[0].name, avsc_type_name(r));
		return NULL;
	}
	if (++c->depth > MAX_PLAN_DEPTH) {
		cfail(c, "schemas nested deeper than %d levels (the nesting limit of resolution)",
		    MAX_PLAN_DEPTH);
		return NULL;
	}
	if (w->t == AV_UNION)
		n = new_pn(c, K_UNION, w, r);
	else if (r->t == AV_UNION)
		n = new_pn(c, K_WRAP, w, r);
	else if (!matches(w, r, M_PROMOTE)) {
		cfail(c, "writer type %s cannot be read as %s", avsc_type_name(w), avsc_type_name(r));
		c->depth--;
		return NULL;
	} else
		n = new_pn(c, K_NULL, w, r);
	n->proj = proj;
	memo_add(c, w, r, proj, n);
	if (n->k == K_UNION)
		n = compile_union(c, n, w, r, proj);
	else if (n->k == K_WRAP) {
		int k = pick_branch(w, r);

		if (k < 0) {
			cfail(c, "writer type %s matches no branch of the reader union", avsc_type_name(w));
			n = NULL;
		} else if (!(n->item = compile(c, w, r->branches[k], proj)))
			n = NULL;
		else if (c->o->avro && r->branches[k]->t != AV_NULL)
			n->wrap1 = wrap_text(avsc_type_name(r->branches[k]), &n->wrap1len);
	} else if (r->t == AV_RECORD) {
		n->k = K_RECORD;
		n = compile_record(c, n, w, r, proj);
	} else if (r->t == AV_ENUM) {
		n->k = K_ENUM;
		n = compile_enum(c, n, w, r);
	} else if (r->t == AV_ARRAY || r->t == AV_MAP) {
		n->k = r->t == AV_ARRAY ? K_ARRAY : K_MAP;
		if ((n->item = compile(c, w->items, r->items, proj)))
			n->minsz = w->items->minsz;
		else
			n = NULL;
	} else
		n = compile_prim(c, n, w, r);
	c->depth--;
	return n;
}

struct avdec_plan *
avdec_compile(const struct av_schema *ws, const struct av_schema *rs,
    const struct avdec_proj *proj, const struct avdec_opts *o, int *proj_err,
    char *err, size_t errlen)
{
	struct avdec_plan *p = xcalloc(1, sizeof(*p));
	struct cctx c = {.plan = p, .ws = ws, .o = o, .err = err, .errlen = errlen};

	err[0] = 0;
	p->root = compile(&c, ws->root, rs ? rs->root : ws->root, sub(proj));
	free(c.memo);
	free(c.mtab);
	if (proj_err)
		*proj_err = c.proj_err;
	if (!p->root) {
		if (!err[0])
			err_set(err, errlen, "cannot resolve the schemas");
		avdec_free(p);
		return NULL;
	}
	return p;
}

static void
free_strs(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
avdec_free(struct avdec_plan *p)
{
	struct pn *n, *next;

	if (!p)
		return;
	for (n = p->all; n; n = next) {
		next = n->next;
		free_strs(n->sym, n->nsym);
		free(n->steps);
		free_strs(n->keys, n->nout);
		free(n->keylen);
		free_strs(n->defs, n->nout);
		free(n->deflen);
		free(n->br);
		free(n->wrap1);
		free_strs(n->wrap, n->nbr);
		free(n->wraplen);
		free_strs(n->brerr, n->nbr);
		free(n);
	}
	free_buffers(p);
	free(p);
}

/* ---- decoding ---- */

struct dctx {
	const unsigned char *p, *start, *end;
	struct buf *o;
	struct avdec_plan *plan;
	int depth;
	size_t zero_items;
	struct avdec_err *e;
	jmp_buf jb;
};

static _Noreturn void
derr(struct dctx *c, const unsigned char *at, const char *fmt, ...)
{
	va_list ap;

	c->e->off = (size_t)(at - c->start);
	va_start(ap, fmt);
	err_vset(c->e->msg, sizeof(c->e->msg), fmt, ap);
	va_end(ap);
	longjmp(c->jb, 1);
}

/* A varint avbin_get_* refused, at c->p (where it starts). */
static _Noreturn __attribute__((noinline)) void
bad_varint(struct dctx *c, int why)
{
	switch (why) {
	case AVBIN_TRUNCATED:
		derr(c, c->p, "truncated: a number runs past the end of the body");
	case AVBIN_LONG_BITS:
		derr(c, c->p, "invalid long: varint longer than 64 bits");
	case AVBIN_INT_BYTES:
		derr(c, c->p, "invalid int: varint longer than 5 bytes");
	default:
		derr(c, c->p, "invalid int: value does not fit in 32 bits");
	}
}

static uint64_t
rd_varint_slow(struct dctx *c)
{
	uint64_t v;
	int rc = avbin_get_varint(&c->p, c->end, &v);

	if (rc != AVBIN_OK)
		bad_varint(c, rc);
	return v;
}

static inline uint64_t
rd_varint(struct dctx *c)
{
	const unsigned char *p = c->p;

	if (__builtin_expect(p < c->end && *p < 0x80, 1)) {
		c->p = p + 1;
		return *p;
	}
	return rd_varint_slow(c);
}

static inline int64_t
rd_long(struct dctx *c)
{
	return avbin_unzigzag(rd_varint(c));
}

/* An int of more than one byte: at most 5, its value within 32 bits (avbin_get_int). */
static __attribute__((noinline)) int32_t
rd_int_slow(struct dctx *c)
{
	int32_t v;
	int rc = avbin_get_int(&c->p, c->end, &v);

	if (rc != AVBIN_OK)
		bad_varint(c, rc);
	return v;
}

static inline int32_t
rd_int(struct dctx *c)
{
	const unsigned char *p = c->p;

	if (__builtin_expect(p < c->end && *p < 0x80, 1)) {
		c->p = p + 1;
		return avbin_unzigzag32(*p);
	}
	return rd_int_slow(c);
}

/* An int or a long, as the writer wrote it. */
static int64_t
rd_num(struct dctx *c, enum av_type wt)
{
	return wt == AV_INT ? rd_int(c) : rd_long(c);
}

static const unsigned char *
rd_n(struct dctx *c, size_t n, const char *what)
{
	const unsigned char *p = c->p;

	if ((size_t)(c->end - p) < n)
		derr(c, p, "truncated: %s of %zu bytes, %zu left", what, n,
		    (size_t)(c->end - p));
	c->p = p + n;
	return p;
}

/* The length of a string or bytes value, checked against what is left (avro-c 1.11.1 allocates whatever a body claims). */
static inline size_t
rd_len(struct dctx *c, const char *what)
{
	const unsigned char *at = c->p;
	int64_t n = rd_long(c);

	if (n < 0)
		derr(c, at, "negative %s length %lld", what, (long long)n);
	if ((uint64_t)n > (uint64_t)(c->end - c->p))
		derr(c, at, "%s length %lld exceeds the %zu bytes left", what, (long long)n,
		    (size_t)(c->end - c->p));
	return (size_t)n;
}

static float
rd_float(struct dctx *c)
{
	return avbin_float(rd_n(c, 4, "float"));
}

static double
rd_double(struct dctx *c)
{
	return avbin_double(rd_n(c, 8, "double"));
}

/* A block count of an array or map: the items in this block (0 at the end). */
static uint64_t
rd_block(struct dctx *c, size_t item_min, const char *what, int64_t *bsize)
{
	const unsigned char *at = c->p;
	int64_t n = rd_long(c);
	uint64_t u;

	*bsize = -1;
	if (n < 0) {
		int64_t size;

		if (n == INT64_MIN)
			derr(c, at, "invalid %s block count", what);
		n = -n;
		size = rd_long(c);
		if (size < 0 || (uint64_t)size > (uint64_t)(c->end - c->p))
			derr(c, at, "%s block size %lld exceeds the %zu bytes left", what,
			    (long long)size, (size_t)(c->end - c->p));
		*bsize = size;
	}
	u = (uint64_t)n;
	if (item_min) {
		if (u > (uint64_t)(c->end - c->p) / item_min)
			derr(c, at, "%s block of %llu items exceeds the %zu bytes left", what,
			    (unsigned long long)u, (size_t)(c->end - c->p));
	} else if (u > MAX_ZERO_ITEMS || (c->zero_items += u) > MAX_ZERO_ITEMS)
		derr(c, at, "%s of more than %d items that take no bytes (the limit of a body)", what,
		    MAX_ZERO_ITEMS);
	return u;
}

/* An enum or union index outside 0 to n - 1 (an enum without symbols, an empty union: any index). */
static _Noreturn void
bad_index(struct dctx *c, const unsigned char *at, const char *what, int64_t i, size_t n)
{
	if (n == 0)
		derr(c, at, "%s index %lld, but the %s is empty", what, (long long)i, what);
	derr(c, at, "%s index %lld out of range (0 to %zu)", what, (long long)i, n - 1);
}

static void
enter(struct dctx *c)
{
	if (++c->depth > MAX_DEPTH)
		derr(c, c->p, "values nested deeper than %d levels (the nesting limit of a body)", MAX_DEPTH);
}

static void skip(struct dctx *c, const struct av_node *t);

/*
 * Past a varint without its value: the common one-to-five-byte case here,
 * the rest (and every error) in rd_varint_slow.
 */
static __attribute__((noinline)) void
skip_varint_slow(struct dctx *c, const struct av_node *t)
{
	/* t: the int, long or enum, or the union [null, it] */
	if (t->t == AV_UNION)
		t = t->branches[!t->sk_null];
	if (t->t == AV_LONG)
		(void)rd_varint_slow(c);
	else
		(void)rd_int_slow(c);
}

static inline void
skip_varint(struct dctx *c, const struct av_node *t)
{
	const unsigned char *p = c->p;

	if (__builtin_expect(c->end - p >= 5, 1)) {
		int i;

		for (i = 0; i < 5; i++)
			if (!(p[i] & 0x80)) {
				c->p = p + i + 1;
				return;
			}
	}
	skip_varint_slow(c, t);
}

/*
 * The common shapes (see avsc.h, av_node.sk) inline; the rest, and every
 * error, in skip(). Always inlined: the wikimedia projection of three fields
 * spends about half its time skipping the other sixteen, and the call cost
 * showed in perf.
 */
static inline __attribute__((always_inline)) void
skip_fast(struct dctx *c, const struct av_node *t)
{
	int k = t->sk;

	if (k >= AVSK_OPT_LEN) {
		const unsigned char *p = c->p;

		/* [null, x]: one byte for the branch, 0 or 2 (zigzag of 0 and 1). */
		if (p >= c->end || (*p != 0 && *p != 2)) {
			skip(c, t);
			return;
		}
		c->p = p + 1;
		if ((*p >> 1) == t->sk_null)
			return;
		k -= AVSK_OPT_LEN - AVSK_LEN;
	}
	switch (k) {
	case AVSK_LEN:
		c->p += rd_len(c, "string");
		break;
	case AVSK_VARINT:
		skip_varint(c, t);
		break;
	case AVSK_BYTE:
		rd_n(c, 1, "boolean");
		break;
	case AVSK_ENUM: {
		/* One byte of a non-negative index below the symbol count, or skip() */
		const struct av_node *e = t->t == AV_UNION ? t->branches[!t->sk_null] : t;
		const unsigned char *p = c->p;

		if (p < c->end && !(*p & 0x81) && (size_t)(*p >> 1) < e->nsymbols)
			c->p = p + 1;
		else
			skip(c, e);
		break;
	}
	default:
		skip(c, t);
	}
}

static void
skip(struct dctx *c, const struct av_node *t)
{
	const unsigned char *at = c->p;
	size_t i;
	uint64_t n;
	int64_t bsize;

	switch (t->t) {
	case AV_NULL:
		break;
	case AV_BOOLEAN:
		rd_n(c, 1, "boolean");
		break;
	case AV_INT:
		rd_int(c);
		break;
	case AV_LONG:
		rd_varint(c);
		break;
	case AV_FLOAT:
		rd_n(c, 4, "float");
		break;
	case AV_DOUBLE:
		rd_n(c, 8, "double");
		break;
	case AV_BYTES:
	case AV_STRING:
		c->p += rd_len(c, t->t == AV_STRING ? "string" : "bytes");
		break;
	case AV_FIXED:
		rd_n(c, t->size, "fixed");
		break;
	case AV_ENUM: {
		int32_t e = rd_int(c);

		if (e < 0 || (size_t)e >= t->nsymbols)
			bad_index(c, at, "enum", e, t->nsymbols);
		break;
	}
	case AV_RECORD:
		enter(c);
		for (i = 0; i < t->nfields; i++)
			skip_fast(c, t->fields[i].type);
		c->depth--;
		break;
	case AV_ARRAY:
	case AV_MAP:
		enter(c);
		for (;;) {
			const unsigned char *bat = c->p;
			int64_t cnt = rd_long(c);

			if (cnt == 0)
				break;
			if (cnt < 0) {
				/* The block's byte size lets us jump over it. */
				int64_t size;

				if (cnt == INT64_MIN)
					derr(c, bat, "invalid block count");
				size = rd_long(c);
				if (size < 0 || (uint64_t)size > (uint64_t)(c->end - c->p))
					derr(c, bat, "block size %lld exceeds the %zu bytes left",
					    (long long)size, (size_t)(c->end - c->p));
				c->p += size;
				continue;
			}
			c->p = bat;
			n = rd_block(c, t->t == AV_MAP ? 1 : t->items->minsz,
			    t->t == AV_MAP ? "map" : "array", &bsize);
			while (n--) {
				if (t->t == AV_MAP)
					c->p += rd_len(c, "map key");
				skip(c, t->items);
			}
		}
		c->depth--;
		break;
	case AV_UNION: {
		int64_t b = rd_int(c);	/* an int, as the specification says (Java: readInt) */

		if (b < 0 || (uint64_t)b >= t->nbranches)
			bad_index(c, at, "union", b, t->nbranches);
		skip(c, t->branches[b]);
		break;
	}
	}
}

static void
put_str(struct dctx *c, const unsigned char *s, size_t n, const char *what)
{
	size_t bad;

	if (jw_str(c->o, s, n, &bad) < 0)
		derr(c, s + bad, "invalid UTF-8 in a %s (byte 0x%02x)", what, s[bad]);
}

static void
floordiv(int64_t v, int64_t unit, int64_t *q, int64_t *r)
{
	*q = v / unit;
	*r = v % unit;
	if (*r < 0) {
		*r += unit;
		(*q)--;
	}
}

static int
frac_digits(int64_t unit)
{
	return unit == 1000 ? 3 : unit == 1000000 ? 6 : 9;
}

static void
put_ts(struct dctx *c, int64_t v, const struct pn *n)
{
	char s[80];
	int64_t secs, frac, days, sod;
	int k;

	floordiv(v, n->unit, &secs, &frac);
	floordiv(secs, 86400, &days, &sod);
	s[0] = '"';
	k = 1 + ts_format_date(s + 1, sizeof(s) - 1, days);
	k += snprintf(s + k, sizeof(s) - (size_t)k, "T%02d:%02d:%02d.%0*lld%s\"",
	    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
	    frac_digits(n->unit), (long long)frac, n->utc ? "Z" : "");
	buf_put(c->o, s, (size_t)k);
}

static void
put_time(struct dctx *c, int64_t v, const struct pn *n)
{
	char s[40];
	int64_t secs = v / n->unit, frac = v % n->unit;
	int k;

	if (v < 0 || secs >= 86400) {
		/* Not a time of day: the number, as written. */
		jw_i64(c->o, v);
		return;
	}
	k = snprintf(s, sizeof(s), "\"%02d:%02d:%02d.%0*lld\"", (int)(secs / 3600),
	    (int)(secs / 60 % 60), (int)(secs % 60), frac_digits(n->unit), (long long)frac);
	buf_put(c->o, s, (size_t)k);
}

/*
 * The unscaled two's-complement big-endian integer of a decimal, as an exact
 * decimal string. Division by 10^9 per pass over the bytes: linear in the
 * digits per byte, so a body full of long decimals costs about 17 operations
 * a byte at the 64-byte limit (154 digits; Spark's decimals stop at 38).
 */
static void
put_decimal(struct dctx *c, const unsigned char *b, size_t n, int scale)
{
	unsigned char mag[MAX_DECIMAL];
	char digits[MAX_DECIMAL * 3 + 16], *q = digits + sizeof(digits);
	int neg = n && (b[0] & 0x80), k;
	size_t i, len, start = 0;
	struct buf *o = c->o;

	if (n > MAX_DECIMAL)
		derr(c, b, "decimal of %zu bytes (at most %d)", n, MAX_DECIMAL);
	memcpy(mag, b, n);
	if (neg) {
		/* Magnitude of a negative number: invert and add one. */
		unsigned carry = 1;

		for (i = n; i-- > 0;) {
			unsigned v = (unsigned)(unsigned char)~mag[i] + carry;

			mag[i] = (unsigned char)v;
			carry = v >> 8;
		}
	}
	while (start < n && !mag[start])
		start++;
	do {
		uint64_t rem = 0;

		for (i = start; i < n; i++) {
			uint64_t cur = rem << 8 | mag[i];

			mag[i] = (unsigned char)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (start < n && !mag[start])
			start++;
		for (k = 0; k < 9 && (rem || start < n); k++) {
			*--q = (char)('0' + rem % 10);
			rem /= 10;
		}
	} while (start < n);
	if (q == digits + sizeof(digits))
		*--q = '0';
	len = (size_t)(digits + sizeof(digits) - q);
	buf_putc(o, '"');
	if (neg)
		buf_putc(o, '-');
	if (scale > 0) {
		if (len <= (size_t)scale) {
			buf_put(o, "0.", 2);
			for (i = len; i < (size_t)scale; i++)
				buf_putc(o, '0');
			buf_put(o, q, len);
		} else {
			buf_put(o, q, len - (size_t)scale);
			buf_putc(o, '.');
			buf_put(o, q + len - (size_t)scale, (size_t)scale);
		}
	} else
		buf_put(o, q, len);
	buf_putc(o, '"');
}

static void
put_uuid(struct dctx *c, const unsigned char *b)
{
	static const char hex[] = "0123456789abcdef";
	char s[38], *q = s;
	int i;

	*q++ = '"';
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*q++ = '-';
		*q++ = hex[b[i] >> 4];
		*q++ = hex[b[i] & 15];
	}
	*q++ = '"';
	buf_put(c->o, s, (size_t)(q - s));
}

static void dec(struct dctx *c, const struct pn *n);

static void
dec_record(struct dctx *c, const struct pn *n)
{
	struct buf *o = c->o;
	struct avdec_plan *pl = c->plan;
	size_t i, base, segbase;

	enter(c);
	if (n->inorder) {
		buf_putc(o, '{');
		for (i = 0; i < n->nsteps; i++) {
			const struct step *s = &n->steps[i];

			if (s->pn) {
				buf_put(o, n->keys[s->slot], n->keylen[s->slot]);
				dec(c, s->pn);
			} else
				skip_fast(c, s->skip);
		}
		buf_putc(o, '}');
		c->depth--;
		return;
	}
	/* Output order differs from the writer's, or defaults fill in: decode, then assemble. */
	segbase = pl->nsegs;
	if (pl->nsegs + n->nout > pl->capsegs) {
		pl->capsegs = 2 * (pl->nsegs + n->nout) + 16;
		pl->segs = xreallocarray(pl->segs, pl->capsegs, sizeof(*pl->segs));
	}
	pl->nsegs += n->nout;
	base = o->len;
	for (i = 0; i < n->nout; i++)
		pl->segs[segbase + i].len = (size_t)-1;
	for (i = 0; i < n->nsteps; i++) {
		const struct step *s = &n->steps[i];

		if (s->pn) {
			size_t start = o->len;

			dec(c, s->pn);
			pl->segs[segbase + (size_t)s->slot].off = start - base;
			pl->segs[segbase + (size_t)s->slot].len = o->len - start;
		} else
			skip_fast(c, s->skip);
	}
	pl->scratch.len = 0;
	buf_put(&pl->scratch, o->p + base, o->len - base);
	o->len = base;
	buf_putc(o, '{');
	for (i = 0; i < n->nout; i++) {
		buf_put(o, n->keys[i], n->keylen[i]);
		if (pl->segs[segbase + i].len == 0)
			;
		else if (pl->segs[segbase + i].len != (size_t)-1)
			buf_put(o, pl->scratch.p + pl->segs[segbase + i].off, pl->segs[segbase + i].len);
		else
			buf_put(o, n->defs[i], n->deflen[i]);
	}
	buf_putc(o, '}');
	pl->nsegs = segbase;
	c->depth--;
}

static int
same_key(const struct ment *a, const struct ment *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

/*
 * A map whose entries e[0..n) were written from start on: when a key comes
 * twice, the map is rewritten with each key once, where it first came, with
 * the value it last had (Java's HashMap and fastavro's dict keep the last
 * value; a JSON object with a key twice is ambiguous to its readers).
 * Finding duplicates is the only cost of a map without them: pairs compared
 * up to 8 entries, a hash table beyond.
 */
static void
dedup_map(struct dctx *c, struct ment *e, size_t n, size_t start)
{
	struct avdec_plan *pl = c->plan;
	struct buf *o = c->o;
	size_t i, k, *first = NULL, *last;
	int dup = 0;

	if (n <= 8) {
		for (i = 1; i < n && !dup; i++)
			for (k = 0; k < i && !dup; k++)
				dup = same_key(&e[i], &e[k]);
		if (!dup)
			return;
	}
	first = xcalloc(2 * n, sizeof(size_t));
	last = first + n;
	if (n <= 8) {
		for (i = 0; i < n; i++)
			for (first[i] = 0; !same_key(&e[i], &e[first[i]]); first[i]++)
				;
	} else {
		size_t size = 16, mask;

		while (size < 2 * n)
			size *= 2;
		if (size > pl->mtabsize) {
			free(pl->mtab);
			pl->mtab = xcalloc(size, sizeof(uint32_t));
			pl->mtabsize = size;
		} else
			memset(pl->mtab, 0, size * sizeof(uint32_t));
		mask = size - 1;
		for (i = 0; i < n; i++) {
			for (k = (size_t)hash_fnv1a(e[i].key, e[i].klen) & mask; pl->mtab[k]; k = (k + 1) & mask)
				if (same_key(&e[pl->mtab[k] - 1], &e[i]))
					break;
			if (pl->mtab[k]) {
				first[i] = pl->mtab[k] - 1;
				dup = 1;
			} else {
				pl->mtab[k] = (uint32_t)i + 1;
				first[i] = i;
			}
		}
		if (!dup) {
			free(first);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		last[first[i]] = i;
		c->e->dupkeys += first[i] != i;
	}
	pl->scratch.len = 0;
	buf_put(&pl->scratch, o->p + start, o->len - start);
	o->len = start;
	for (i = 0, k = 0; i < n; i++) {
		const struct ment *v;

		if (first[i] != i)
			continue;
		if (k++)
			buf_putc(o, ',');
		v = &e[last[i]];
		buf_put(o, pl->scratch.p + (e[i].keyoff - start), e[i].valoff - e[i].keyoff);
		buf_put(o, pl->scratch.p + (v->valoff - start), v->valend - v->valoff);
	}
	free(first);
}

static void
dec_container(struct dctx *c, const struct pn *n)
{
	struct buf *o = c->o;
	struct avdec_plan *pl = c->plan;
	int map = n->k == K_MAP, first = 1;
	uint64_t cnt;
	int64_t bsize;
	size_t mbase = pl->nments, start;

	enter(c);
	buf_putc(o, map ? '{' : '[');
	start = o->len;
	while ((cnt = rd_block(c, map ? 1 : n->minsz, map ? "map" : "array", &bsize))) {
		const unsigned char *bstart = c->p;

		while (cnt--) {
			if (!first)
				buf_putc(o, ',');
			first = 0;
			if (map) {
				size_t len = rd_len(c, "map key"), keyoff = o->len, valoff;
				const unsigned char *k = c->p;
				struct ment *m;

				c->p += len;
				put_str(c, k, len, "map key");
				buf_putc(o, ':');
				valoff = o->len;
				dec(c, n->item);
				if (pl->nments == pl->capments)
					pl->ments = xgrowarray(pl->ments, &pl->capments, pl->nments + 1,
					    sizeof(*pl->ments));
				m = &pl->ments[pl->nments++];
				m->key = k;
				m->klen = len;
				m->keyoff = keyoff;
				m->valoff = valoff;
				m->valend = o->len;
			} else
				dec(c, n->item);
		}
		/* A block's byte size must be true: projection trusts it to skip. */
		if (bsize >= 0 && c->p - bstart != bsize)
			derr(c, bstart, "%s block size %lld, but its items take %lld bytes",
			    map ? "map" : "array", (long long)bsize, (long long)(c->p - bstart));
	}
	if (pl->nments - mbase > 1)
		dedup_map(c, pl->ments + mbase, pl->nments - mbase, start);
	pl->nments = mbase;
	buf_putc(o, map ? '}' : ']');
	c->depth--;
}

static void
dec(struct dctx *c, const struct pn *n)
{
	const unsigned char *at = c->p;
	struct buf *o = c->o;
	int64_t v;
	size_t len;

	switch (n->k) {
	case K_NULL:
		buf_put(o, "null", 4);
		break;
	case K_BOOL: {
		unsigned b = *rd_n(c, 1, "boolean");

		if (b > 1)
			derr(c, at, "invalid boolean byte 0x%02x", b);
		if (b)
			buf_put(o, "true", 4);
		else
			buf_put(o, "false", 5);
		break;
	}
	case K_INT:
		jw_i64(o, rd_num(c, n->wt));
		break;
	case K_F32:
		jw_float(o, n->wt == AV_FLOAT ? rd_float(c) : (float)rd_num(c, n->wt));
		break;
	case K_F64:
		jw_double(o, n->wt == AV_DOUBLE ? rd_double(c) : n->wt == AV_FLOAT ?
		    (double)rd_float(c) : (double)rd_num(c, n->wt));
		break;
	case K_STR:
		len = rd_len(c, n->wt == AV_BYTES ? "bytes" : "string");
		c->p += len;
		put_str(c, at + (c->p - at) - len, len, "string");
		break;
	case K_BYTES:
		len = rd_len(c, n->wt == AV_STRING ? "string" : "bytes");
		jw_bytes(o, c->p, len);
		c->p += len;
		break;
	case K_FIXED:
		jw_bytes(o, rd_n(c, n->size, "fixed"), n->size);
		break;
	case K_UUID_FIXED:
		put_uuid(c, rd_n(c, 16, "fixed"));
		break;
	case K_DECIMAL:
		if (n->wt == AV_FIXED)
			put_decimal(c, rd_n(c, n->w->size, "fixed"), n->w->size, n->scale);
		else {
			len = rd_len(c, "bytes");
			c->p += len;
			put_decimal(c, c->p - len, len, n->scale);
		}
		break;
	case K_ENUM: {
		int32_t i = rd_int(c);

		if (i < 0 || (size_t)i >= n->nsym)
			bad_index(c, at, "enum", i, n->nsym);
		if (!n->sym[i])
			derr(c, at, "enum symbol %s is not in the reader enum", n->w->symbols[i]);
		buf_puts(o, n->sym[i]);
		break;
	}
	case K_RECORD:
		dec_record(c, n);
		break;
	case K_ARRAY:
	case K_MAP:
		dec_container(c, n);
		break;
	case K_UNION:
		v = rd_int(c);	/* the index is an int */
		if (v < 0 || (uint64_t)v >= n->nbr)
			bad_index(c, at, "union", v, n->nbr);
		if (!n->br[v])
			derr(c, at, "%s", n->brerr[v]);
		if (n->wrap[v]) {
			buf_put(o, n->wrap[v], n->wraplen[v]);
			dec(c, n->br[v]);
			buf_putc(o, '}');
		} else
			dec(c, n->br[v]);
		break;
	case K_WRAP:
		if (n->wrap1) {
			buf_put(o, n->wrap1, n->wrap1len);
			dec(c, n->item);
			buf_putc(o, '}');
		} else
			dec(c, n->item);
		break;
	case K_DATE: {
		char s[40];

		v = rd_num(c, n->wt);
		s[0] = '"';
		len = 1 + (size_t)ts_format_date(s + 1, sizeof(s) - 2, v);
		s[len++] = '"';
		buf_put(o, s, len);
		break;
	}
	case K_TIME:
		put_time(c, rd_num(c, n->wt), n);
		break;
	case K_TS:
		put_ts(c, rd_num(c, n->wt), n);
		break;
	}
}

int
avdec_decode(struct avdec_plan *p, const unsigned char *body, size_t len,
    struct buf *out, struct avdec_err *e)
{
	struct dctx c = {.o = out, .plan = p, .e = e};
	size_t before = out->len;

	e->dupkeys = 0;
	/* An empty default has no buffer: no arithmetic on NULL. */
	c.p = c.start = body ? body : (const unsigned char *)"";
	c.end = c.start + len;
	if (setjmp(c.jb)) {
		out->len = before;
		p->nsegs = 0;
		p->nments = 0;
		return -1;
	}
	dec(&c, p->root);
	if (c.p != c.end) {
		e->off = (size_t)(c.p - c.start);
		err_set(e->msg, sizeof(e->msg), "%zu trailing bytes after the value",
		    (size_t)(c.end - c.p));
		out->len = before;
		return -1;
	}
	return 0;
}
