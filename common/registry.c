/*
 * Schema registry client.
 *
 * Two back ends answer the same four questions (schema by id, subject
 * version, lookup, register): the Confluent REST API over one reused libcurl
 * handle (keep-alive), and a file:DIR snapshot laid out like the REST paths
 * (DIR/schemas/ids/7.json, DIR/subjects/S/versions/1.json). Both produce an
 * HTTP status and a body, which reg_parse_response judges in one place (it is
 * fuzzed on its own). Results go into a hash table keyed by the question:
 * ids are immutable and cached for good, found or not; "latest" answers and
 * negative subject answers expire after latest_ttl. The cache holds at most
 * REG_CACHE_MAX entries: a stream of ever new ids (100,000 in the limits test)
 * empties it when full, at the start of a call, so memory stays bounded and a
 * returned pointer stays valid until the next call.
 *
 * HTTP requests retry with exponential backoff and full jitter on connection
 * errors, timeouts, 408, 429 and 5xx; a connection error or 5xx moves on to
 * the next URL of the list, which stays current once it answers. All state
 * lives in struct registry.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "hash.h"
#include "registry.h"

#define RESP_MAX (16u << 20)	/* largest answer accepted */
#define SECRET_MAX 65536	/* largest credentials file */
#define BACKOFF_BASE 0.1
#define BACKOFF_CAP 5.0

struct buf {
	char *p;
	size_t len, cap;
};

struct centry {
	struct centry *next;
	uint64_t hash;
	double expires;		/* monotonic seconds; 0 = for good */
	int status;
	char *msg;		/* the message of a negative answer */
	char *refs;		/* a reference's own references (JSON), NULL if none */
	struct reg_schema s;
	size_t keylen;
	char key[];
};

struct registry {
	char **urls;		/* http(s) base URLs, no trailing '/' */
	int nurls, cur;
	char *dir;		/* file: registry */
	char *where;		/* "file:DIR" */
	double timeout, connect_timeout, latest_ttl;
	int retries;
	const char *cred_src;	/* where the credentials came from, for hints */
	char *user, *password, *token;
	CURL *h;
	struct curl_slist *hdr_get, *hdr_post;
	char curlerr[CURL_ERROR_SIZE];
	struct buf resp;
	int resp_over;
	uint64_t rng;
	struct centry **tab;
	size_t tabsize, count;
	struct centry *retired;	/* expired entries, still pointed to */
	size_t nretired;
};

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
adderr(char *err, size_t errlen, const char *s)
{
	size_t n = err ? strnlen(err, errlen) : 0;

	if (err && n + 1 < errlen)
		snprintf(err + n, errlen - n, "%s", s);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
buf_add(struct buf *b, const void *d, size_t n)
{
	size_t cap;

	if (n > RESP_MAX - b->len)
		return -1;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(b->p = realloc(b->p, cap)))
			die(EXIT_ENV, "out of memory (%zu bytes)", cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void
buf_set(struct buf *b, const char *s)
{
	b->len = 0;
	buf_add(b, s, strlen(s));
}

/* ---- judging an answer ---- */

static const char *
status_text(long st)
{
	switch (st) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "HTTP status";
	}
}

/* The registry's own words, made one short line: "40403: Schema not found". */
static void
describe_error(const struct reg_answer *a, const char *msg, char *out, size_t outlen)
{
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "%ld%s", a->code, msg ? ": " : "");
	for (i = 0; msg && msg[i] && n + 1 < outlen && i < 160; i++, n++)
		out[n] = (unsigned char)msg[i] < 0x20 ? ' ' : msg[i];
	if (n < outlen)
		out[n] = '\0';
}

static int
garbled(char *err, size_t errlen, const char *where, const char *what, const char *why)
{
	seterr(err, errlen, "registry %s: garbled answer for %s: %s", where, what, why);
	return REG_FAIL;
}

static int
judge_ok(json_t *root, unsigned need, const char *what, const char *where,
    struct reg_answer *a, char *err, size_t errlen)
{
	json_t *v, *refs, *ref;
	char why[80];
	json_int_t n;
	size_t i;

	if (!json_is_object(root))
		return garbled(err, errlen, where, what,
		    root ? "not a JSON object" : "not JSON");
	v = json_object_get(root, "schemaType");
	if (v && !json_is_string(v))
		return garbled(err, errlen, where, what, "\"schemaType\" is not a string");
	if (v && strcmp(json_string_value(v), "AVRO")) {
		seterr(err, errlen, "%s is %.40s, not AVRO (at %s)", what,
		    json_string_value(v), where);
		return REG_INVALID;
	}
	refs = json_object_get(root, "references");
	if (refs && !json_is_array(refs) && !json_is_null(refs))
		return garbled(err, errlen, where, what, "\"references\" is not an array");
	json_array_foreach(refs, i, ref) {
		v = json_object_get(ref, "version");
		n = json_integer_value(v);
		if (!json_is_string(json_object_get(ref, "name")) ||
		    !json_string_value(json_object_get(ref, "subject")) ||
		    !*json_string_value(json_object_get(ref, "subject")) ||
		    !json_is_integer(v) || (n < 1 && n != -1) || n > INT_MAX) {
			snprintf(why, sizeof(why), "\"references\" entry %zu is not "
			    "{\"name\", \"subject\", \"version\"}", i + 1);
			return garbled(err, errlen, where, what, why);
		}
	}
	a->refs = json_array_size(refs) > 0 ? refs : NULL;
	a->schema = json_string_value(json_object_get(root, "schema"));
	if ((need & REG_NEED_SCHEMA) && !a->schema)
		return garbled(err, errlen, where, what, "no string \"schema\"");
	v = json_object_get(root, "id");
	if (v) {
		n = json_integer_value(v);
		if (!json_is_integer(v) || n < 0 || n > (json_int_t)UINT32_MAX)
			return garbled(err, errlen, where, what, "\"id\" is not a schema id");
		a->id = (uint32_t)n;
		a->has_id = 1;
	} else if (need & REG_NEED_ID)
		return garbled(err, errlen, where, what, "no \"id\"");
	v = json_object_get(root, "version");
	if (v) {
		n = json_integer_value(v);
		if (!json_is_integer(v) || n < 1 || n > INT_MAX)
			return garbled(err, errlen, where, what, "\"version\" is not a version");
		a->version = (int)n;
	} else if (need & REG_NEED_VERSION)
		return garbled(err, errlen, where, what, "no \"version\"");
	v = json_object_get(root, "subject");
	if (v && !json_is_string(v))
		return garbled(err, errlen, where, what, "\"subject\" is not a string");
	a->subject = json_string_value(v);
	return REG_OK;
}

int
reg_parse_response(long st, const char *body, size_t len, unsigned need,
    const char *what, const char *where, struct reg_answer *a,
    char *err, size_t errlen)
{
	const char *msg = NULL;
	char desc[200];
	json_t *root, *v;
	json_error_t je;

	memset(a, 0, sizeof(*a));
	root = json_loadb(body ? body : "", len, 0, &je);
	a->root = root;
	if (st == 200)
		return judge_ok(root, need, what, where, a, err, errlen);
	if (json_is_object(root)) {
		v = json_object_get(root, "error_code");
		if (json_is_integer(v) && json_integer_value(v) > 0 &&
		    json_integer_value(v) < 1000000)
			a->code = (long)json_integer_value(v);
		msg = json_string_value(json_object_get(root, "message"));
	}
	if (!a->code) {
		seterr(err, errlen, "registry %s: %ld %s for %s%s", where, st,
		    status_text(st), what,
		    st == 404 ? " (not a registry error: is the URL right?)" : "");
		return REG_FAIL;
	}
	describe_error(a, msg, desc, sizeof(desc));
	if (st == 404 && a->code / 100 == 404) {
		seterr(err, errlen, "%s not found (%s) at %s", what, desc, where);
		return REG_NOTFOUND;
	}
	if (st == 409 || st == 422) {
		seterr(err, errlen, "registry %s refused %s: %ld %s (%s)", where,
		    what, st, status_text(st), desc);
		return REG_INVALID;
	}
	seterr(err, errlen, "registry %s: %ld %s (%s)", where, st, status_text(st), desc);
	return REG_FAIL;
}

void
reg_answer_free(struct reg_answer *a)
{
	json_decref(a->root);
	memset(a, 0, sizeof(*a));
}

/* ---- schema references: making a schema self-contained ---- */

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
		return xstrdup(name);
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
	char *s = xstrdup(full);

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
		seterr(x->err, x->errlen, "the schema is nested more than %d JSON levels deep",
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
				seterr(x->err, x->errlen, "type %.200s is defined both by %s and, "
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
		cand[1] = xstrdup(name);
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
reg_expand(const char *schema, const char *const *refs, const char *const *labels,
    size_t nrefs, char *err, size_t errlen)
{
	struct expand x = {json_object(), json_object(), json_object(), labels, 0, err, errlen};
	json_t **roots = xcalloc(nrefs ? nrefs : 1, sizeof(*roots)), *root = NULL, *out = NULL;
	char *text = NULL, b[40];
	json_error_t je;
	size_t i;

	seterr(err, errlen, "%s", "");
	for (i = 0; i < nrefs; i++) {
		if (!(roots[i] = json_loads(refs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &je))) {
			seterr(err, errlen, "%s is not JSON (line %d: %s)",
			    label(&x, i, b, sizeof(b)), je.line, je.text);
			goto out;
		}
		if (collect(&x, roots[i], "", i))
			goto out;
	}
	if (!(root = json_loads(schema, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je))) {
		seterr(err, errlen, "the schema is not JSON (line %d: %s)", je.line, je.text);
		goto out;
	}
	if ((out = expand_type(&x, root, "", 0)))
		text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
	if (out && !text)
		seterr(err, errlen, "the expanded schema cannot be written out");
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

/* ---- options ---- */

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

void
reg_opts_init(struct reg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout = 30;
	o->connect_timeout = 5;
	o->retries = 4;
	o->latest_ttl = 60;
	o->urls = env("SCHEMA_REGISTRY_URL");
	o->ca = env("SCHEMA_REGISTRY_CA_LOCATION");
	o->cert = env("SCHEMA_REGISTRY_CERT_LOCATION");
	o->key = env("SCHEMA_REGISTRY_KEY_LOCATION");
}

static double
opt_seconds(const char *opt, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 86400)
		die(EXIT_USAGE, "%s: expected seconds (0 < s <= 86400), got '%s'", opt, arg);
	return v;
}

static const char *
opt_file(const char *opt, const char *arg)
{
	if (!*arg)
		die(EXIT_USAGE, "%s: empty file name", opt);
	return arg;
}

int
reg_opts_set(struct reg_opts *o, int opt, const char *arg)
{
	char *end;
	long n;

	switch (opt) {
	case 'r':
		o->urls = arg;
		return 1;
	case REG_OPT_TIMEOUT:
		o->timeout = opt_seconds("--registry-timeout", arg);
		return 1;
	case REG_OPT_CONNECT_TIMEOUT:
		o->connect_timeout = opt_seconds("--registry-connect-timeout", arg);
		return 1;
	case REG_OPT_RETRIES:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 0 || n > 100)
			die(EXIT_USAGE, "--registry-retries: expected 0 to 100, got '%s'", arg);
		o->retries = (int)n;
		return 1;
	case REG_OPT_CA:
		o->ca = opt_file("--registry-ca", arg);
		return 1;
	case REG_OPT_CERT:
		o->cert = opt_file("--registry-cert", arg);
		return 1;
	case REG_OPT_KEY:
		o->key = opt_file("--registry-key", arg);
		return 1;
	case REG_OPT_AUTH_FILE:
		o->auth_file = opt_file("--registry-auth-file", arg);
		return 1;
	case REG_OPT_TOKEN_FILE:
		o->token_file = opt_file("--registry-token-file", arg);
		return 1;
	}
	return 0;
}

/* A credentials file: its contents without the trailing newline, never echoed. */
static char *
read_secret(const char *opt, const char *path)
{
	char *s = xmalloc(SECRET_MAX + 1);
	size_t n = 0;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die_errno(EXIT_USAGE, "%s %s", opt, path);
	while (n < SECRET_MAX && (got = read(fd, s + n, SECRET_MAX - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			die_errno(EXIT_USAGE, "%s %s", opt, path);
		n += (size_t)got;
	}
	close(fd);
	if (n == SECRET_MAX)
		die(EXIT_USAGE, "%s %s: larger than %d bytes", opt, path, SECRET_MAX);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	s[n] = '\0';
	if (!n || strchr(s, '\n'))
		die(EXIT_USAGE, "%s %s: expected one line", opt, path);
	return s;
}

static void
check_readable(const char *what, const char *path)
{
	if (path && access(path, R_OK))
		die_errno(EXIT_USAGE, "%s %s", what, path);
}

static void
set_credentials(struct registry *r, const struct reg_opts *o)
{
	const char *basic = env("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO");
	const char *token = env("SCHEMA_REGISTRY_BEARER_TOKEN");
	const char *bsrc = "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO";
	char *userinfo = NULL, *colon;

	if (o->auth_file && o->token_file)
		die(EXIT_USAGE, "give --registry-auth-file or --registry-token-file, not both");
	if (o->auth_file || o->token_file)
		basic = token = NULL;
	if (basic && token)
		die(EXIT_USAGE, "both SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO and "
		    "SCHEMA_REGISTRY_BEARER_TOKEN are set: unset one");
	if (o->auth_file) {
		userinfo = read_secret("--registry-auth-file", o->auth_file);
		bsrc = "--registry-auth-file";
	} else if (basic)
		userinfo = xstrdup(basic);
	if (userinfo) {
		if (!(colon = strchr(userinfo, ':')))
			die(EXIT_USAGE, "%s: expected user:password", bsrc);
		*colon = '\0';
		r->user = xstrdup(userinfo);
		r->password = xstrdup(colon + 1);
		explicit_bzero(colon + 1, strlen(colon + 1));
		free(userinfo);
		r->cred_src = bsrc;
	}
	if (o->token_file) {
		r->token = read_secret("--registry-token-file", o->token_file);
		r->cred_src = "--registry-token-file";
	} else if (token) {
		r->token = xstrdup(token);
		r->cred_src = "SCHEMA_REGISTRY_BEARER_TOKEN";
	}
}

/* Splits the comma-separated list; refuses anything but http(s) without credentials. */
static void
set_urls(struct registry *r, const char *list)
{
	const char *p, *end, *host;
	char *u;
	size_t n;

	for (n = 1, p = list; *p; p++)
		n += *p == ',';
	r->urls = xmalloc(n * sizeof(*r->urls));
	p = list;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '/'))
			n--;
		if (!strncasecmp(p, "http://", 7))
			host = p + 7;
		else if (!strncasecmp(p, "https://", 8))
			host = p + 8;
		else
			die(EXIT_USAGE, "registry URL %.*s: expected http://, https:// or file:DIR",
			    (int)strcspn(p, ",@"), p);
		if (memchr(host, '@', strcspn(host, "/,")))
			die(EXIT_USAGE, "registry URLs must not carry credentials (user:password@): "
			    "use SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or --registry-auth-file");
		if (host >= p + n)
			die(EXIT_USAGE, "registry URL %.*s: no host", (int)n, p);
		u = xmalloc(n + 1);
		memcpy(u, p, n);
		u[n] = '\0';
		r->urls[r->nurls++] = u;
		if (!*end)
			break;
		p = end + 1;
	}
}

static size_t
on_body(char *d, size_t size, size_t n, void *arg)
{
	struct registry *r = arg;

	if (buf_add(&r->resp, d, n)) {
		r->resp_over = 1;
		return 0;
	}
	(void)size;
	return n;
}

static void
setup_curl(struct registry *r, const struct reg_opts *o)
{
	CURL *h;
	int ok = 1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(h = curl_easy_init()))
		die(EXIT_ENV, "cannot initialise libcurl");
	r->h = h;
	check_readable("--registry-ca", o->ca);
	check_readable("--registry-cert", o->cert);
	check_readable("--registry-key", o->key);
	if (o->key && !o->cert)
		die(EXIT_USAGE, "--registry-key needs --registry-cert");
	r->hdr_get = curl_slist_append(NULL,
	    "Accept: application/vnd.schemaregistry.v1+json, application/json");
	r->hdr_post = curl_slist_append(NULL,
	    "Accept: application/vnd.schemaregistry.v1+json, application/json");
	r->hdr_post = curl_slist_append(r->hdr_post,
	    "Content-Type: application/vnd.schemaregistry.v1+json");
	r->hdr_post = curl_slist_append(r->hdr_post, "Expect:");
	if (!r->hdr_get || !r->hdr_post)
		die(EXIT_ENV, "out of memory");
	ok &= !curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	ok &= !curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->curlerr);
	ok &= !curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	ok &= !curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	ok &= !curl_easy_setopt(h, CURLOPT_USERAGENT, "cfkit");
	ok &= !curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
	ok &= !curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(o->connect_timeout * 1000));
	ok &= !curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	ok &= !curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
	ok &= !curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (o->ca)
		ok &= !curl_easy_setopt(h, CURLOPT_CAINFO, o->ca);
	if (o->cert)
		ok &= !curl_easy_setopt(h, CURLOPT_SSLCERT, o->cert);
	if (o->key)
		ok &= !curl_easy_setopt(h, CURLOPT_SSLKEY, o->key);
	if (r->user) {
		ok &= !curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		ok &= !curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
		ok &= !curl_easy_setopt(h, CURLOPT_PASSWORD, r->password);
	}
	if (r->token) {
		ok &= !curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		ok &= !curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, r->token);
	}
	if (!ok)
		die(EXIT_ENV, "libcurl refused an option (built without TLS?)");
}

struct registry *
reg_open(const struct reg_opts *o)
{
	struct registry *r;
	const char *dir;
	struct stat st;

	if (!o->urls || !*o->urls)
		die(EXIT_USAGE, "no schema registry: give -r URL or set SCHEMA_REGISTRY_URL");
	r = xmalloc(sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->timeout = o->timeout;
	r->connect_timeout = o->connect_timeout;
	r->retries = o->retries;
	r->latest_ttl = o->latest_ttl;
	r->rng = (uint64_t)getpid() << 32 ^ (uint64_t)(now() * 1e9) ^ (uintptr_t)r;
	r->tabsize = 64;
	r->tab = xmalloc(r->tabsize * sizeof(*r->tab));
	memset(r->tab, 0, r->tabsize * sizeof(*r->tab));
	if (!strncmp(o->urls, "file:", 5)) {
		dir = o->urls + 5;
		if (!strncmp(dir, "//", 2))
			dir += 2;
		if (!*dir)
			die(EXIT_USAGE, "registry %s: no directory", o->urls);
		if (stat(dir, &st))
			die_errno(EXIT_USAGE, "registry %s", o->urls);
		if (!S_ISDIR(st.st_mode))
			die(EXIT_USAGE, "registry %s: not a directory", o->urls);
		r->dir = xstrdup(dir);
		r->where = xmalloc(strlen(dir) + 6);
		sprintf(r->where, "file:%s", dir);
		return r;
	}
	set_urls(r, o->urls);
	set_credentials(r, o);
	setup_curl(r, o);
	return r;
}

static void
free_entries(struct centry *e)
{
	struct centry *next;

	for (; e; e = next) {
		next = e->next;
		free(e->msg);
		free(e->refs);
		free((char *)e->s.subject);
		free((char *)e->s.schema);
		free(e);
	}
}

static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
reg_close(struct registry *r)
{
	size_t i;
	int u;

	if (!r)
		return;
	for (i = 0; i < r->tabsize; i++)
		free_entries(r->tab[i]);
	free_entries(r->retired);
	free(r->tab);
	for (u = 0; u < r->nurls; u++)
		free(r->urls[u]);
	free(r->urls);
	free(r->dir);
	free(r->where);
	free(r->user);
	free_secret(r->password);
	free_secret(r->token);
	if (r->h) {
		curl_easy_cleanup(r->h);
		curl_slist_free_all(r->hdr_get);
		curl_slist_free_all(r->hdr_post);
		curl_global_cleanup();
	}
	free(r->resp.p);
	free(r);
}

/* ---- the cache ---- */

#define REG_CACHE_MAX 4096

/* Before a question: a full cache (live and expired entries) is emptied. */
static void
cache_trim(struct registry *r)
{
	size_t i;

	if (r->count + r->nretired < REG_CACHE_MAX)
		return;
	for (i = 0; i < r->tabsize; i++) {
		free_entries(r->tab[i]);
		r->tab[i] = NULL;
	}
	free_entries(r->retired);
	r->retired = NULL;
	r->count = r->nretired = 0;
}

/* A key: the question's kind and number, then up to two strings. */
static char *
mkkey(char kind, long long num, const char *a, const char *b, size_t *len)
{
	size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
	char *k = xmalloc(32 + na + nb);
	int n = snprintf(k, 32, "%c%lld:", kind, num);

	memcpy(k + n, a ? a : "", na);
	k[n + na] = '\0';
	memcpy(k + n + na + 1, b ? b : "", nb);
	*len = (size_t)n + na + 1 + nb;
	return k;
}

static struct centry *
cache_get(struct registry *r, const char *key, size_t len)
{
	uint64_t h = fnv1a(key, len);
	struct centry **pp, *e;

	for (pp = &r->tab[h % r->tabsize]; (e = *pp); pp = &e->next) {
		if (e->hash != h || e->keylen != len || memcmp(e->key, key, len))
			continue;
		if (e->expires && now() >= e->expires) {
			*pp = e->next;
			e->next = r->retired;
			r->retired = e;
			r->count--;
			r->nretired++;
			return NULL;
		}
		return e;
	}
	return NULL;
}

static void
cache_grow(struct registry *r)
{
	size_t i, size = r->tabsize * 2;
	struct centry **tab = xmalloc(size * sizeof(*tab)), *e, *next;

	memset(tab, 0, size * sizeof(*tab));
	for (i = 0; i < r->tabsize; i++)
		for (e = r->tab[i]; e; e = next) {
			next = e->next;
			e->next = tab[e->hash % size];
			tab[e->hash % size] = e;
		}
	free(r->tab);
	r->tab = tab;
	r->tabsize = size;
}

static struct centry *
cache_put(struct registry *r, const char *key, size_t len, double ttl, int status,
    const struct reg_schema *s, const char *msg)
{
	struct centry *e = xmalloc(sizeof(*e) + len);

	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, len);
	e->keylen = len;
	e->hash = fnv1a(key, len);
	e->expires = ttl > 0 ? now() + ttl : 0;
	e->status = status;
	e->msg = status == REG_OK ? NULL : xstrdup(msg);
	if (status == REG_OK) {
		e->s = *s;
		e->s.subject = s->subject ? xstrdup(s->subject) : NULL;
		e->s.schema = xstrdup(s->schema);
	}
	if (r->count >= r->tabsize)
		cache_grow(r);
	e->next = r->tab[e->hash % r->tabsize];
	r->tab[e->hash % r->tabsize] = e;
	r->count++;
	return e;
}

static int
cache_answer(const struct centry *e, const struct reg_schema **out, char *err, size_t errlen)
{
	if (e->status == REG_OK)
		*out = &e->s;
	else
		seterr(err, errlen, "%s", e->msg);
	return e->status;
}

/* ---- HTTP ---- */

static int
retryable_status(long st)
{
	return st == 408 || st == 429 || st >= 500;
}

static int
retryable_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static double
rnd(struct registry *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return (double)(r->rng >> 11) / (double)(1ull << 53);
}

/* Full jitter: a random wait below min(cap, base * 2^attempt); Retry-After as a floor. */
static void
backoff(struct registry *r, int attempt, double retry_after)
{
	double t = BACKOFF_BASE;
	struct timespec ts;

	while (attempt-- > 0 && t < BACKOFF_CAP)
		t *= 2;
	t = rnd(r) * (t < BACKOFF_CAP ? t : BACKOFF_CAP);
	if (retry_after > t)
		t = retry_after < BACKOFF_CAP ? retry_after : BACKOFF_CAP;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static CURLcode
http_once(struct registry *r, const char *path, const char *post, long *st,
    double *retry_after)
{
	const char *base = r->urls[r->cur];
	char *url = xmalloc(strlen(base) + strlen(path) + 1);
	curl_off_t ra = 0;
	CURLcode c;

	sprintf(url, "%s%s", base, path);
	curl_easy_setopt(r->h, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(r->h, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
		curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdr_post);
	} else {
		curl_easy_setopt(r->h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(r->h, CURLOPT_HTTPHEADER, r->hdr_get);
	}
	r->resp.len = 0;
	r->resp_over = 0;
	r->curlerr[0] = '\0';
	c = curl_easy_perform(r->h);
	free(url);
	*st = 0;
	*retry_after = 0;
	if (c == CURLE_OK) {
		curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, st);
		if (!curl_easy_getinfo(r->h, CURLINFO_RETRY_AFTER, &ra) && ra > 0)
			*retry_after = (double)ra;
	}
	return c;
}

static void
curl_failure(struct registry *r, CURLcode c, int requests, char *err, size_t errlen)
{
	const char *where = r->urls[r->cur];
	const char *why = r->curlerr[0] ? r->curlerr : curl_easy_strerror(c);

	if (r->resp_over)
		seterr(err, errlen, "registry %s: answer larger than %u bytes", where, RESP_MAX);
	else if (c == CURLE_OPERATION_TIMEDOUT)
		seterr(err, errlen, "registry %s: timed out after %g s (%d attempt%s)", where,
		    strncmp(why, "Operation", 9) ? r->connect_timeout : r->timeout,
		    requests, requests == 1 ? "" : "s");
	else
		seterr(err, errlen, "registry %s: %s (%d attempt%s)", where, why, requests,
		    requests == 1 ? "" : "s");
}

/*
 * One REST request with retries and fail-over. REG_OK: an answer to judge
 * (*st and r->resp); REG_FAIL: no usable answer, err says why. A round tries
 * the URLs from the current one until one answers; `retries` more rounds
 * follow a failed one, after a backoff.
 */
static int
http_do(struct registry *r, const char *path, const char *post, long *st,
    char *err, size_t errlen)
{
	struct reg_answer a;
	int attempt, tried, requests = 0, failover;
	double retry_after;
	char what[64];
	CURLcode c;

	for (attempt = 0;; attempt++) {
		for (tried = 1;; tried++) {
			c = http_once(r, path, post, st, &retry_after);
			requests++;
			if (c == CURLE_OK && !retryable_status(*st))
				return REG_OK;
			if (c != CURLE_OK && !retryable_curl(c)) {
				curl_failure(r, c, requests, err, errlen);
				return REG_FAIL;
			}
			failover = c != CURLE_OK || *st >= 500;
			if (!failover || tried >= r->nurls)
				break;
			r->cur = (r->cur + 1) % r->nurls;
		}
		if (attempt >= r->retries)
			break;
		if (failover)
			r->cur = (r->cur + 1) % r->nurls;
		backoff(r, attempt, retry_after);
	}
	if (c != CURLE_OK) {
		curl_failure(r, c, requests, err, errlen);
		return REG_FAIL;
	}
	snprintf(what, sizeof(what), "%s", path);
	reg_parse_response(*st, r->resp.p, r->resp.len, 0, what, r->urls[r->cur], &a,
	    err, errlen);
	reg_answer_free(&a);
	snprintf(what, sizeof(what), " (%d attempt%s)", requests, requests == 1 ? "" : "s");
	adderr(err, errlen, what);
	return REG_FAIL;
}

/* Percent-encodes all but RFC 3986's unreserved characters. */
static char *
url_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
	unsigned char c;

	for (; (c = (unsigned char)*s); s++)
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	*o = '\0';
	return out;
}

/* ---- file:DIR ---- */

/* A subject as a file name: '/', '%' and a leading '.' percent-encoded. */
static char *
file_subject(const char *s)
{
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
	const char *p;

	for (p = s; *p; p++)
		if (*p == '/' || *p == '%' || (p == s && *p == '.'))
			o += sprintf(o, "%%%02X", (unsigned char)*p);
		else
			*o++ = *p;
	*o = '\0';
	return out;
}

static char *
file_path(struct registry *r, const char *subject, const char *fmt, long long n)
{
	char *enc = subject ? file_subject(subject) : NULL;
	size_t len = strlen(r->dir) + (enc ? strlen(enc) : 0) + strlen(fmt) + 64;
	char *p = xmalloc(len);
	int k = snprintf(p, len, "%s/", r->dir);

	if (enc)
		snprintf(p + k, len - (size_t)k, fmt, enc, n);
	else
		snprintf(p + k, len - (size_t)k, fmt, n);
	free(enc);
	return p;
}

/* A 404 answer with the registry's error body. */
static int
not_found(struct registry *r, long code, const char *msg, long *st)
{
	char body[160];

	snprintf(body, sizeof(body), "{\"error_code\":%ld,\"message\":\"%s\"}", code, msg);
	buf_set(&r->resp, body);
	*st = 404;
	return REG_OK;
}

/* Reads a file as the body of a 200 answer; a missing one is a 404 with `code`. */
static int
file_get(struct registry *r, const char *path, long code, const char *msg, long *st,
    char *err, size_t errlen)
{
	char chunk[65536];
	ssize_t n;
	int fd;

	r->resp.len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			seterr(err, errlen, "registry %s: %s: %s", r->where, path, strerror(errno));
			return REG_FAIL;
		}
		return not_found(r, code, msg, st);
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_add(&r->resp, chunk, (size_t)n)) {
			seterr(err, errlen, "registry %s: %s: %s", r->where, path,
			    n < 0 ? strerror(errno) : "too large");
			close(fd);
			return REG_FAIL;
		}
	}
	close(fd);
	*st = 200;
	return REG_OK;
}

/* Calls fn on each "<n>.json" in dir, n >= 1; returns the highest n, 0 if none, -1 if no dir. */
static long long
file_numbers(const char *dir, int (*fn)(void *, long long), void *arg)
{
	struct dirent *d;
	long long n, max = 0;
	char *end;
	DIR *dp;

	if (!(dp = opendir(dir)))
		return -1;
	while ((d = readdir(dp))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		errno = 0;
		n = strtoll(d->d_name, &end, 10);
		if (errno || strcmp(end, ".json") || n > UINT32_MAX)
			continue;
		if (fn && fn(arg, n)) {
			max = n;
			break;
		}
		if (n > max)
			max = n;
	}
	closedir(dp);
	return max;
}

static int
file_version(struct registry *r, const char *subject, int version, long *st,
    char *err, size_t errlen)
{
	char *path = file_path(r, subject, "subjects/%s/versions", 0);
	long long n = version;
	int rc;

	if (version < 0 && (n = file_numbers(path, NULL, NULL)) <= 0) {
		free(path);
		return not_found(r, 40401, "Subject not found", st);
	}
	free(path);
	path = file_path(r, subject, "subjects/%s/versions/%lld.json", n);
	rc = file_get(r, path, 40402, "Version not found", st, err, errlen);
	free(path);
	if (rc == REG_OK && *st == 404) {
		path = file_path(r, subject, "subjects/%s", 0);
		if (access(path, F_OK))
			not_found(r, 40401, "Subject not found", st);
		free(path);
	}
	return rc;
}

/* Schema text in one canonical form, for comparing: parsed and dumped with
 * sorted keys. Not Avro's Parsing Canonical Form, but enough to match a
 * schema registered from the same file or a reformatted copy of it. */
static char *
canon(const char *schema)
{
	json_t *j = json_loads(schema, JSON_DECODE_ANY, NULL);
	char *s;

	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

struct file_scan {
	struct registry *r;
	const char *subject;	/* NULL: scan schemas/ids */
	const char *want;	/* canonical schema */
	struct buf found;	/* body of the matching file */
	int error;
	char *err;
	size_t errlen;
};

static int
scan_one(void *arg, long long n)
{
	struct file_scan *fs = arg;
	struct registry *r = fs->r;
	struct reg_answer a = {0};
	char *path, *c;
	long st;
	int match = 0;

	path = fs->subject ? file_path(r, fs->subject, "subjects/%s/versions/%lld.json", n) :
	    file_path(r, NULL, "schemas/ids/%lld.json", n);
	if (file_get(r, path, 0, "", &st, fs->err, fs->errlen) != REG_OK) {
		fs->error = 1;
		free(path);
		return 1;
	}
	free(path);
	/* one with references is another schema, however its text reads */
	if (st == 200 && reg_parse_response(st, r->resp.p, r->resp.len, REG_NEED_SCHEMA,
	    "a stored schema", r->where, &a, NULL, 0) == REG_OK && !a.refs) {
		if ((c = canon(a.schema)) && !strcmp(c, fs->want)) {
			match = 1;
			fs->found.len = 0;
			buf_add(&fs->found, r->resp.p, r->resp.len);
		}
		free(c);
	}
	reg_answer_free(&a);
	return match;
}

/* Finds the stored schema equal to want; *n its version or id, 0 if none, -1 if no dir. */
static int
file_scan(struct file_scan *fs, long long *n, long long *max)
{
	char *dir = fs->subject ? file_path(fs->r, fs->subject, "subjects/%s/versions", 0) :
	    file_path(fs->r, NULL, "schemas/ids", 0);

	*n = file_numbers(dir, scan_one, fs);
	*max = file_numbers(dir, NULL, NULL);
	free(dir);
	if (fs->error)
		return REG_FAIL;
	if (!fs->found.len && *n > 0)
		*n = 0;
	return REG_OK;
}

static int
file_lookup(struct registry *r, const char *subject, const char *schema, long *st,
    char *err, size_t errlen)
{
	struct file_scan fs = {r, subject, NULL, {0}, 0, err, errlen};
	long long n, max;
	int rc;

	if (!(fs.want = canon(schema))) {
		buf_set(&r->resp, "{\"error_code\":42201,\"message\":\"Invalid schema: not JSON\"}");
		*st = 422;
		return REG_OK;
	}
	rc = file_scan(&fs, &n, &max);
	free((char *)fs.want);
	if (rc == REG_OK && n > 0) {
		r->resp.len = 0;
		buf_add(&r->resp, fs.found.p, fs.found.len);
		*st = 200;
	} else if (rc == REG_OK) {
		not_found(r, n < 0 ? 40401 : 40403, n < 0 ? "Subject not found" :
		    "Schema not found", st);
	}
	free(fs.found.p);
	return rc;
}

static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0777) && errno != EEXIST ? -1 : 0;
}

/*
 * Writes a new file atomically and without replacing one: a temporary file,
 * fsync, then link(2) to the name (EEXIST if another writer got there first).
 * Returns 0, 1 if the name exists, -1 on error (errno).
 */
static int
write_new(const char *path, const char *data)
{
	size_t len = strlen(path) + 32, n = strlen(data), off = 0;
	char *tmp = xmalloc(len), *dir = xstrdup(path);
	int fd, rc = -1, e;
	ssize_t w;

	snprintf(tmp, len, "%s.tmp%ld", path, (long)getpid());
	*strrchr(dir, '/') = '\0';
	if (mkdirs(dir) || (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
		goto out;
	while (off < n && ((w = write(fd, data + off, n - off)) > 0 || errno == EINTR))
		off += w > 0 ? (size_t)w : 0;
	if (off < n || fsync(fd)) {
		e = errno;
		close(fd);
		errno = e;
		goto unlink;
	}
	if (close(fd))
		goto unlink;
	if (link(tmp, path))
		rc = errno == EEXIST ? 1 : -1;
	else
		rc = 0;
	if (!rc && (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
unlink:
	e = errno;
	unlink(tmp);
	errno = e;
out:
	free(tmp);
	free(dir);
	return rc;
}

/* Stores body as fmt(n) for the first free n from *n on (setting body's `key`, if any, to n). */
static int
file_store(struct registry *r, const char *subject, const char *fmt, json_t *body,
    const char *key, long long *n, char *err, size_t errlen)
{
	char *path, *text;
	int rc;

	for (;; (*n)++) {
		if (key)
			json_object_set_new(body, key, json_integer(*n));
		text = json_dumps(body, JSON_COMPACT);
		path = file_path(r, subject, fmt, *n);
		rc = text ? write_new(path, text) : -1;
		if (rc < 0)
			seterr(err, errlen, "registry %s: cannot write %s: %s", r->where, path,
			    text ? strerror(errno) : "out of memory");
		free(path);
		free(text);
		if (rc <= 0)
			return rc ? REG_FAIL : REG_OK;
	}
}

/* Registers as the REST API would: the subject's version if it has the
 * schema, else a new version with the id of an equal schema or a new id. */
static int
file_register(struct registry *r, const char *subject, const char *schema, long *st,
    char *err, size_t errlen)
{
	struct file_scan fs = {r, NULL, NULL, {0}, 0, err, errlen};
	long long id, max, version;
	json_t *body;
	char out[64], *dir;
	int rc;

	if ((rc = file_lookup(r, subject, schema, st, err, errlen)) != REG_OK || *st != 404)
		return rc;
	fs.want = canon(schema);
	rc = file_scan(&fs, &id, &max);
	free((char *)fs.want);
	free(fs.found.p);
	if (rc != REG_OK)
		return rc;
	if (id <= 0) {
		id = max > 0 ? max + 1 : 1;
		body = json_pack("{s:s}", "schema", schema);
		rc = file_store(r, NULL, "schemas/ids/%lld.json", body, NULL, &id, err, errlen);
		json_decref(body);
		if (rc != REG_OK)
			return rc;
	}
	dir = file_path(r, subject, "subjects/%s/versions", 0);
	version = file_numbers(dir, NULL, NULL);
	free(dir);
	version = version > 0 ? version + 1 : 1;
	body = json_pack("{s:s,s:I,s:I,s:s}", "subject", subject, "version",
	    (json_int_t)version, "id", (json_int_t)id, "schema", schema);
	rc = file_store(r, subject, "subjects/%s/versions/%lld.json", body, "version",
	    &version, err, errlen);
	json_decref(body);
	if (rc != REG_OK)
		return rc;
	snprintf(out, sizeof(out), "{\"id\":%lld}", id);
	buf_set(&r->resp, out);
	*st = 200;
	return REG_OK;
}

/* ---- the questions ---- */

static int
judge(struct registry *r, long st, unsigned need, const char *what,
    struct reg_answer *a, char *err, size_t errlen)
{
	const char *where = r->dir ? r->where : r->urls[r->cur];
	int rc;

	rc = reg_parse_response(st, r->resp.p, r->resp.len, need, what, where, a, err, errlen);
	if (rc == REG_FAIL && (st == 401 || st == 403)) {
		if (!r->cred_src)
			adderr(err, errlen, ": set SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or "
			    "--registry-auth-file");
		else {
			adderr(err, errlen, st == 401 ? ": check the credentials from " :
			    ": not allowed with the credentials from ");
			adderr(err, errlen, r->cred_src);
		}
	}
	return rc;
}

static char *
post_body(const char *schema)
{
	json_t *j = json_pack("{s:s}", "schema", schema);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

/* Asks the question (kind 'i' id, 'v' version, 'l' lookup) of either back end. */
static int
ask(struct registry *r, char kind, uint32_t id, const char *subject, int version,
    const char *schema, long *st, char *err, size_t errlen)
{
	char *path, *esc, *post = NULL, v[32];
	int rc;

	if (r->dir && kind == 'i') {
		path = file_path(r, NULL, "schemas/ids/%lld.json", id);
		rc = file_get(r, path, 40403, "Schema not found", st, err, errlen);
		free(path);
		return rc;
	}
	if (r->dir)
		return kind == 'v' ? file_version(r, subject, version, st, err, errlen) :
		    file_lookup(r, subject, schema, st, err, errlen);
	esc = subject ? url_escape(subject) : NULL;
	path = xmalloc((esc ? strlen(esc) : 0) + 64);
	if (version < 0)
		strcpy(v, "latest");
	else
		snprintf(v, sizeof(v), "%d", version);
	if (kind == 'i')
		sprintf(path, "/schemas/ids/%u", id);
	else if (kind == 'v')
		sprintf(path, "/subjects/%s/versions/%s", esc, v);
	else
		sprintf(path, kind == 'l' ? "/subjects/%s" : "/subjects/%s/versions", esc);
	if (schema && !(post = post_body(schema))) {
		seterr(err, errlen, "the schema is not valid UTF-8");
		rc = REG_INVALID;
	} else
		rc = http_do(r, path, post, st, err, errlen);
	free(post);
	free(path);
	free(esc);
	return rc;
}

/* ---- schema references: resolving them ---- */

/*
 * A referenced subject version as the registry stores it (its own references
 * kept as JSON), cached like an explicit version: one request per process.
 */
static int
fetch_ref(struct registry *r, const char *subject, int version, const struct centry **ep,
    char *err, size_t errlen)
{
	struct reg_schema s = {0, 0, subject, NULL};
	struct reg_answer a;
	struct centry *e;
	char what[200], *key;
	size_t klen;
	long st;
	int rc;

	key = mkkey('R', version, subject, NULL, &klen);
	if ((e = cache_get(r, key, klen))) {
		free(key);
		*ep = e;
		return cache_answer(e, &(const struct reg_schema *){NULL}, err, errlen);
	}
	if (version < 0)
		snprintf(what, sizeof(what), "subject \"%.120s\" version latest", subject);
	else
		snprintf(what, sizeof(what), "subject \"%.120s\" version %d", subject, version);
	if ((rc = ask(r, 'v', 0, subject, version, NULL, &st, err, errlen)) == REG_OK) {
		rc = judge(r, st, REG_NEED_SCHEMA, what, &a, err, errlen);
		s.id = a.id;
		s.version = a.version;
		s.schema = a.schema;
		if (rc != REG_FAIL) {
			e = cache_put(r, key, klen, rc != REG_OK || version < 0 ? r->latest_ttl : 0,
			    rc, &s, err);
			if (rc == REG_OK && a.refs &&
			    !(e->refs = json_dumps(a.refs, JSON_COMPACT)))
				die(EXIT_ENV, "out of memory");
			*ep = e;
		}
		reg_answer_free(&a);
	}
	free(key);
	return rc;
}

struct refwalk {
	struct registry *r;
	const char *what;	/* the schema whose references these are */
	json_t *seen;		/* reference names: the first of a name wins, as in Confluent's client */
	const char **texts;	/* the referenced schemas, dependencies first (in cache entries) */
	char **labels;
	size_t n, cap;
	struct {
		const char *name, *subject;
		int version;
	} chain[REG_REF_DEPTH];	/* the references being resolved, outermost first */
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
	const struct centry *e = NULL;
	char ferr[400], chain[700];
	const char *name, *subject;
	json_t *ref, *sub;
	int k, version, rc;
	size_t i, len;

	json_array_foreach(refs, i, ref) {
		name = json_string_value(json_object_get(ref, "name"));
		subject = json_string_value(json_object_get(ref, "subject"));
		version = (int)json_integer_value(json_object_get(ref, "version"));
		if (w->depth == REG_REF_DEPTH) {
			chain_text(w, 0, chain, sizeof(chain));
			seterr(w->err, w->errlen, "%s: references nested more than %d deep "
			    "(%.300s -> %.100s ...)", w->what, REG_REF_DEPTH, chain, name);
			return REG_INVALID;
		}
		w->chain[w->depth].name = name;
		w->chain[w->depth].subject = subject;
		w->chain[w->depth].version = version;
		w->depth++;
		for (k = 0; k < w->depth - 1; k++)
			if (!strcmp(w->chain[k].subject, subject) && w->chain[k].version == version) {
				chain_text(w, k, chain, sizeof(chain));
				seterr(w->err, w->errlen, "%s: reference cycle: %s", w->what, chain);
				return REG_INVALID;
			}
		if (json_object_get(w->seen, name)) {
			w->depth--;
			continue;
		}
		json_object_set_new(w->seen, name, json_true());
		chain_text(w, 0, chain, sizeof(chain));
		if (w->n == REG_REF_MAX) {
			seterr(w->err, w->errlen, "%s: more than %d references (at %s)", w->what,
			    REG_REF_MAX, chain);
			return REG_INVALID;
		}
		if ((rc = fetch_ref(w->r, subject, version, &e, ferr, sizeof(ferr))) != REG_OK) {
			seterr(w->err, w->errlen, "%s: reference %s: %s", w->what, chain, ferr);
			return rc == REG_FAIL ? REG_FAIL : REG_INVALID;
		}
		if (e->refs) {
			if (!(sub = json_loads(e->refs, 0, NULL)))
				die(EXIT_ENV, "out of memory");
			rc = resolve(w, sub);
			json_decref(sub);
			if (rc != REG_OK)
				return rc;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 8;
			w->texts = realloc(w->texts, w->cap * sizeof(*w->texts));
			w->labels = realloc(w->labels, w->cap * sizeof(*w->labels));
			if (!w->texts || !w->labels)
				die(EXIT_ENV, "out of memory");
		}
		w->texts[w->n] = e->s.schema;
		len = strlen(chain) + 16;
		w->labels[w->n] = xmalloc(len);
		snprintf(w->labels[w->n++], len, "reference %s", chain);
		w->depth--;
	}
	return REG_OK;
}

/* The schema `what` with its references, self-contained, in *text (malloc'd). */
static int
with_refs(struct registry *r, const char *what, const char *schema, json_t *refs,
    char **text, char *err, size_t errlen)
{
	struct refwalk w = {r, what, json_object(), NULL, NULL, 0, 0, {{0}}, 0, err, errlen};
	char why[400];
	size_t i;
	int rc;

	if ((rc = resolve(&w, refs)) == REG_OK &&
	    !(*text = reg_expand(schema, w.texts, (const char *const *)w.labels, w.n,
	    why, sizeof(why)))) {
		seterr(err, errlen, "%s: %s", what, why);
		rc = REG_INVALID;
	}
	for (i = 0; i < w.n; i++)
		free(w.labels[i]);
	free(w.labels);
	free(w.texts);
	json_decref(w.seen);
	return rc;
}

int
reg_by_id(struct registry *r, uint32_t id, const struct reg_schema **out,
    char *err, size_t errlen)
{
	struct reg_schema s = {id, 0, NULL, NULL};
	struct reg_answer a;
	struct centry *e;
	char what[40], *key, *text = NULL;
	size_t klen;
	long st;
	int rc;

	cache_trim(r);
	key = mkkey('i', id, NULL, NULL, &klen);
	if ((e = cache_get(r, key, klen))) {
		free(key);
		return cache_answer(e, out, err, errlen);
	}
	snprintf(what, sizeof(what), "schema id %u", id);
	if ((rc = ask(r, 'i', id, NULL, 0, NULL, &st, err, errlen)) == REG_OK) {
		rc = judge(r, st, REG_NEED_SCHEMA, what, &a, err, errlen);
		s.schema = a.schema;
		if (rc == REG_OK && a.refs)
			rc = with_refs(r, what, a.schema, a.refs, &text, err, errlen);
		if (text)
			s.schema = text;
		if (rc != REG_FAIL)
			rc = cache_answer(cache_put(r, key, klen, 0, rc, &s, err), out, err, errlen);
		reg_answer_free(&a);
		free(text);
	}
	free(key);
	return rc;
}

/* Caches a found schema under its id too, sparing a request for it later. */
static void
cache_id(struct registry *r, const struct reg_schema *s)
{
	struct reg_schema byid = {s->id, 0, NULL, s->schema};
	size_t klen;
	char *key = mkkey('i', s->id, NULL, NULL, &klen);

	if (!cache_get(r, key, klen))
		cache_put(r, key, klen, 0, REG_OK, &byid, NULL);
	free(key);
}

static int
subject_question(struct registry *r, char kind, const char *subject, int version,
    const char *schema, const struct reg_schema **out, char *err, size_t errlen)
{
	struct reg_schema s = {0, 0, subject, schema};
	struct reg_answer a;
	struct centry *e;
	char what[200], *key, *text = NULL;
	size_t klen;
	double ttl;
	long st;
	int rc;

	if (!*subject) {
		seterr(err, errlen, "empty subject name");
		return REG_NOTFOUND;
	}
	cache_trim(r);
	key = mkkey(kind, version, subject, schema, &klen);
	if ((e = cache_get(r, key, klen))) {
		free(key);
		return cache_answer(e, out, err, errlen);
	}
	if (kind == 'l')
		snprintf(what, sizeof(what), "the schema under subject \"%.120s\"", subject);
	else if (version < 0)
		snprintf(what, sizeof(what), "subject \"%.120s\" version latest", subject);
	else
		snprintf(what, sizeof(what), "subject \"%.120s\" version %d", subject, version);
	if ((rc = ask(r, kind, 0, subject, version, schema, &st, err, errlen)) == REG_OK) {
		rc = judge(r, st, REG_NEED_ID | REG_NEED_VERSION |
		    (kind == 'v' ? REG_NEED_SCHEMA : 0), what, &a, err, errlen);
		s.id = a.id;
		s.version = a.version;
		if (a.subject)
			s.subject = a.subject;
		if (a.schema)
			s.schema = a.schema;
		if (rc == REG_OK && a.refs && a.schema)
			rc = with_refs(r, what, a.schema, a.refs, &text, err, errlen);
		if (text)
			s.schema = text;
		ttl = rc != REG_OK || (kind == 'v' && version < 0) ? r->latest_ttl : 0;
		if (rc != REG_FAIL)
			rc = cache_answer(cache_put(r, key, klen, ttl, rc, &s, err), out, err, errlen);
		if (rc == REG_OK)
			cache_id(r, *out);
		reg_answer_free(&a);
		free(text);
	}
	free(key);
	return rc;
}

int
reg_subject_version(struct registry *r, const char *subject, int version,
    const struct reg_schema **out, char *err, size_t errlen)
{
	if (version == 0 || version < -1) {
		seterr(err, errlen, "subject \"%.120s\" version %d: versions start at 1",
		    subject, version);
		return REG_NOTFOUND;
	}
	return subject_question(r, 'v', subject, version, NULL, out, err, errlen);
}

int
reg_lookup(struct registry *r, const char *subject, const char *schema_json,
    const struct reg_schema **out, char *err, size_t errlen)
{
	return subject_question(r, 'l', subject, 0, schema_json, out, err, errlen);
}

int
reg_register(struct registry *r, const char *subject, const char *schema_json,
    uint32_t *id, char *err, size_t errlen)
{
	struct reg_answer a;
	char what[200];
	long st;
	int rc;

	if (!*subject) {
		seterr(err, errlen, "empty subject name");
		return REG_INVALID;
	}
	snprintf(what, sizeof(what), "the schema for subject \"%.120s\"", subject);
	if (r->dir)
		rc = file_register(r, subject, schema_json, &st, err, errlen);
	else
		rc = ask(r, 'r', 0, subject, 0, schema_json, &st, err, errlen);
	if (rc != REG_OK)
		return rc;
	rc = judge(r, st, REG_NEED_ID, what, &a, err, errlen);
	if (rc == REG_OK)
		*id = a.id;
	reg_answer_free(&a);
	return rc;
}
