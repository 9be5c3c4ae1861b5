/*
 * registry: the schema registry client, tying its pieces together.
 *
 * Two back ends answer the same four questions (schema by id, subject
 * version, lookup, register), each as an HTTP status and a body: the
 * Confluent REST API (http.c, the paths built here) and a file:DIR snapshot
 * (regfile.c). reganswer.c judges every answer in one place; regref.c makes
 * a schema with references self-contained, asking for each referenced
 * version through fetch_ref below; regcache.c keeps the results, keyed by
 * the question: ids are immutable and cached for good, found or not;
 * "latest" answers and negative subject answers expire after latest_ttl.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "http.h"
#include "reganswer.h"
#include "regcache.h"
#include "regfile.h"
#include "registry.h"
#include "regprops.h"
#include "regref.h"

#define PROPS_MAX (1 << 20)	/* largest properties file */

struct registry {
	struct http *http;	/* REST, or */
	struct regfile *file;	/* file:DIR */
	struct regcache *cache;
	double latest_ttl;
};

/* Appends s to the message in err, as far as it fits. */
static void
adderr(char *err, size_t errlen, const char *s)
{
	size_t n = err ? strnlen(err, errlen) : 0;

	if (err && n + 1 < errlen)
		snprintf(err + n, errlen - n, "%s", s);
}

/* ---- options ---- */

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
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

static int
opt_retries(const char *opt, const char *arg)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 0 || n > 100)
		die(EXIT_USAGE, "%s: expected 0 to 100, got '%s'", opt, arg);
	return (int)n;
}

void
registry_opts_init(struct registry_opts *o)
{
	const char *v;

	memset(o, 0, sizeof(*o));
	o->timeout = 30;
	o->connect_timeout = 5;
	o->retries = 4;
	o->latest_ttl = 60;
	o->urls = env("SCHEMA_REGISTRY_URL");
	o->ca = env("SCHEMA_REGISTRY_CA_LOCATION");
	o->cert = env("SCHEMA_REGISTRY_CERT_LOCATION");
	o->key = env("SCHEMA_REGISTRY_KEY_LOCATION");
	o->props = env("SCHEMA_REGISTRY_PROPERTIES");
	if ((v = env("SCHEMA_REGISTRY_TIMEOUT")))
		o->timeout = opt_seconds("SCHEMA_REGISTRY_TIMEOUT", v);
	if ((v = env("SCHEMA_REGISTRY_CONNECT_TIMEOUT")))
		o->connect_timeout = opt_seconds("SCHEMA_REGISTRY_CONNECT_TIMEOUT", v);
	if ((v = env("SCHEMA_REGISTRY_RETRIES")))
		o->retries = opt_retries("SCHEMA_REGISTRY_RETRIES", v);
}

static const char *
opt_file(const char *opt, const char *arg)
{
	if (!*arg)
		die(EXIT_USAGE, "%s: empty file name", opt);
	return arg;
}

int
registry_opts_set(struct registry_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'r':
		o->urls = arg;
		return 1;
	case REGISTRY_OPT_TIMEOUT:
		o->timeout = opt_seconds("--registry-timeout", arg);
		return 1;
	case REGISTRY_OPT_CONNECT_TIMEOUT:
		o->connect_timeout = opt_seconds("--registry-connect-timeout", arg);
		return 1;
	case REGISTRY_OPT_RETRIES:
		o->retries = opt_retries("--registry-retries", arg);
		return 1;
	case REGISTRY_OPT_CA:
		o->ca = opt_file("--registry-ca", arg);
		return 1;
	case REGISTRY_OPT_CERT:
		o->cert = opt_file("--registry-cert", arg);
		return 1;
	case REGISTRY_OPT_KEY:
		o->key = opt_file("--registry-key", arg);
		return 1;
	case REGISTRY_OPT_AUTH_FILE:
		o->auth_file = opt_file("--registry-auth-file", arg);
		return 1;
	case REGISTRY_OPT_TOKEN_FILE:
		o->token_file = opt_file("--registry-token-file", arg);
		return 1;
	case REGISTRY_OPT_PROPERTIES:
		o->props = opt_file("--registry-properties", arg);
		return 1;
	}
	return 0;
}

/* The properties file, parsed into p; dies with status 2 if unreadable or refused. */
static void
read_props(const char *path, struct regprops *p)
{
	char *text = xmalloc(PROPS_MAX + 1), err[512];
	size_t n = 0;
	ssize_t got;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(text);
		die_errno(EXIT_USAGE, "registry properties %s", path);
	}
	while (n < PROPS_MAX && (got = read(fd, text + n, PROPS_MAX - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = errno;
			close(fd);
			free(text);
			errno = rc;
			die_errno(EXIT_USAGE, "registry properties %s", path);
		}
		n += (size_t)got;
	}
	close(fd);
	rc = n == PROPS_MAX ? -1 : regprops_parse(path, text, n, p, err, sizeof(err));
	explicit_bzero(text, n);
	free(text);
	if (n == PROPS_MAX)
		die(EXIT_USAGE, "registry properties %s: larger than %d bytes", path, PROPS_MAX);
	if (rc)
		die(EXIT_USAGE, "registry properties %s", err);
}

struct registry *
registry_open(const struct registry_opts *opts)
{
	struct registry_opts o = *opts;
	struct regprops p = {0};
	struct registry *r;

	if (o.props) {
		read_props(o.props, &p);
		if (!o.urls)
			o.urls = p.url;
		if (!o.ca)
			o.ca = p.ca;
		if (!o.cert && !o.key) {	/* a pair: both from one place */
			o.cert = p.cert;
			o.key = p.key;
		}
	}
	if (!o.urls || !*o.urls) {
		regprops_free(&p);
		die(EXIT_USAGE, "no schema registry: give -r URL or set SCHEMA_REGISTRY_URL%s",
		    o.props ? " or schema.registry.url" : "");
	}
	r = xcalloc(1, sizeof(*r));
	r->latest_ttl = o.latest_ttl;
	r->cache = regcache_new();
	if (!strncmp(o.urls, "file:", 5))
		r->file = regfile_open(o.urls);
	else
		r->http = http_open(&o, o.props ? &p : NULL, REGANSWER_MAX);
	regprops_free(&p);
	return r;
}

void
registry_close(struct registry *r)
{
	if (!r)
		return;
	regcache_free(r->cache);
	regfile_close(r->file);
	http_close(r->http);
	free(r);
}

/* ---- asking ---- */

static const char *
where(const struct registry *r)
{
	return r->file ? regfile_where(r->file) : http_url(r->http);
}

/* The answer judged; a refused one named by its credentials' source. */
static int
judge(struct registry *r, long st, const struct buf *body, unsigned need, const char *what,
    struct reganswer *a, char *err, size_t errlen)
{
	const char *cred = r->http ? http_credentials(r->http) : NULL;
	int rc;

	rc = reganswer_parse(st, body->p, body->len, need, what, where(r), a, err, errlen);
	if (rc == REGISTRY_FAIL && (st == 401 || st == 403)) {
		if (!cred)
			adderr(err, errlen, ": set SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or "
			    "--registry-auth-file (or --registry-properties)");
		else {
			adderr(err, errlen, st == 401 ? ": check the credentials from " :
			    ": not allowed with the credentials from ");
			adderr(err, errlen, cred);
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

/* The question (kind 'i' id, 'v' version, 'l' lookup, 'r' register) as a REST request. */
static int
rest(struct registry *r, char kind, uint32_t id, const char *subject, int version,
    const char *schema, long *st, const struct buf **body, char *err, size_t errlen)
{
	char *path, *esc, *post = NULL, v[32], what[64];
	struct reganswer a;
	int rc, attempts;

	esc = subject ? http_escape(subject) : NULL;
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
		err_set(err, errlen, "the schema is not valid UTF-8");
		rc = REGISTRY_INVALID;
	} else {
		rc = http_request(r->http, path, post, st, body, &attempts, err, errlen);
		if (rc == HTTP_GAVE_UP) {
			/* the last answer's words, and how often it was asked */
			snprintf(what, sizeof(what), "%s", path);
			reganswer_parse(*st, (*body)->p, (*body)->len, 0, what, http_url(r->http),
			    &a, err, errlen);
			reganswer_free(&a);
			snprintf(what, sizeof(what), " (%d attempt%s)", attempts,
			    attempts == 1 ? "" : "s");
			adderr(err, errlen, what);
		}
		rc = rc == HTTP_ANSWER ? REGISTRY_OK : REGISTRY_FAIL;
	}
	free(post);
	free(path);
	free(esc);
	return rc;
}

/*
 * Asks the question of either back end: REGISTRY_OK with an answer to judge (*st
 * and *body), or REGISTRY_FAIL (REGISTRY_INVALID: a schema not UTF-8) with err.
 */
static int
ask(struct registry *r, char kind, uint32_t id, const char *subject, int version,
    const char *schema, long *st, const struct buf **body, char *err, size_t errlen)
{
	if (!r->file)
		return rest(r, kind, id, subject, version, schema, st, body, err, errlen);
	switch (kind) {
	case 'i':
		return regfile_by_id(r->file, id, st, body, err, errlen);
	case 'v':
		return regfile_version(r->file, subject, version, st, body, err, errlen);
	case 'l':
		return regfile_lookup(r->file, subject, schema, st, body, err, errlen);
	default:
		return regfile_register(r->file, subject, schema, st, body, err, errlen);
	}
}

/* "subject "s" version 3" or "... version latest", for messages. */
static void
version_what(char *what, size_t len, const char *subject, int version)
{
	if (version < 0)
		snprintf(what, len, "subject \"%.120s\" version latest", subject);
	else
		snprintf(what, len, "subject \"%.120s\" version %d", subject, version);
}

/* ---- schema references ---- */

/*
 * A referenced subject version as the registry stores it (its own references
 * kept as JSON), cached like an explicit version: one request per process.
 * A regref_fetch: the texts stay in the cache, which no question trims while
 * the references resolve.
 */
static int
fetch_ref(void *arg, const char *subject, int version, const char **schema,
    const char **refs, char *err, size_t errlen)
{
	struct registry *r = arg;
	struct registry_schema s = {0, 0, subject, NULL};
	const struct registry_schema *found = NULL;
	const struct buf *body;
	struct regcache_entry *e;
	struct reganswer a;
	char what[200], *key;
	size_t klen;
	long st;
	int rc;

	key = regcache_key('R', version, subject, NULL, &klen);
	if ((e = regcache_get(r->cache, key, klen)))
		goto answer;
	version_what(what, sizeof(what), subject, version);
	if ((rc = ask(r, 'v', 0, subject, version, NULL, &st, &body, err, errlen)) == REGISTRY_OK) {
		rc = judge(r, st, body, REGANSWER_NEED_SCHEMA, what, &a, err, errlen);
		s.id = a.id;
		s.version = a.version;
		s.schema = a.schema;
		if (rc != REGISTRY_FAIL) {
			e = regcache_put(r->cache, key, klen,
			    rc != REGISTRY_OK || version < 0 ? r->latest_ttl : 0, rc, &s, err);
			if (rc == REGISTRY_OK && a.refs &&
			    !(e->refs = json_dumps(a.refs, JSON_COMPACT)))
				die(EXIT_ENV, "out of memory");
		}
		reganswer_free(&a);
	}
	if (!e) {
		free(key);
		return rc;
	}
answer:
	free(key);
	rc = regcache_answer(e, &found, err, errlen);
	if (rc == REGISTRY_OK) {
		*schema = found->schema;
		*refs = e->refs;
	}
	return rc;
}

/* ---- the questions ---- */

int
registry_by_id(struct registry *r, uint32_t id, const struct registry_schema **out,
    char *err, size_t errlen)
{
	struct registry_schema s = {id, 0, NULL, NULL};
	struct regcache_entry *e;
	const struct buf *body;
	struct reganswer a;
	char what[40], *key, *text = NULL;
	size_t klen;
	long st;
	int rc;

	regcache_trim(r->cache);
	key = regcache_key('i', id, NULL, NULL, &klen);
	if ((e = regcache_get(r->cache, key, klen))) {
		free(key);
		return regcache_answer(e, out, err, errlen);
	}
	snprintf(what, sizeof(what), "schema id %u", id);
	if ((rc = ask(r, 'i', id, NULL, 0, NULL, &st, &body, err, errlen)) == REGISTRY_OK) {
		rc = judge(r, st, body, REGANSWER_NEED_SCHEMA, what, &a, err, errlen);
		s.schema = a.schema;
		if (rc == REGISTRY_OK && a.refs)
			rc = regref_resolve(what, a.schema, a.refs, fetch_ref, r, &text, err, errlen);
		if (text)
			s.schema = text;
		if (rc != REGISTRY_FAIL)
			rc = regcache_answer(regcache_put(r->cache, key, klen, 0, rc, &s, err), out,
			    err, errlen);
		reganswer_free(&a);
		free(text);
	}
	free(key);
	return rc;
}

/* Caches a found schema under its id too, sparing a request for it later. */
static void
cache_id(struct registry *r, const struct registry_schema *s)
{
	struct registry_schema byid = {s->id, 0, NULL, s->schema};
	size_t klen;
	char *key = regcache_key('i', s->id, NULL, NULL, &klen);

	if (!regcache_get(r->cache, key, klen))
		regcache_put(r->cache, key, klen, 0, REGISTRY_OK, &byid, NULL);
	free(key);
}

static int
subject_question(struct registry *r, char kind, const char *subject, int version,
    const char *schema, const struct registry_schema **out, char *err, size_t errlen)
{
	struct registry_schema s = {0, 0, subject, schema};
	struct regcache_entry *e;
	const struct buf *body;
	struct reganswer a;
	char what[200], *key, *text = NULL;
	size_t klen;
	double ttl;
	long st;
	int rc;

	if (!*subject) {
		err_set(err, errlen, "empty subject name");
		return REGISTRY_NOTFOUND;
	}
	regcache_trim(r->cache);
	key = regcache_key(kind, version, subject, schema, &klen);
	if ((e = regcache_get(r->cache, key, klen))) {
		free(key);
		return regcache_answer(e, out, err, errlen);
	}
	if (kind == 'l')
		snprintf(what, sizeof(what), "the schema under subject \"%.120s\"", subject);
	else
		version_what(what, sizeof(what), subject, version);
	if ((rc = ask(r, kind, 0, subject, version, schema, &st, &body, err, errlen)) == REGISTRY_OK) {
		rc = judge(r, st, body, REGANSWER_NEED_ID | REGANSWER_NEED_VERSION |
		    (kind == 'v' ? REGANSWER_NEED_SCHEMA : 0), what, &a, err, errlen);
		s.id = a.id;
		s.version = a.version;
		if (a.subject)
			s.subject = a.subject;
		if (a.schema)
			s.schema = a.schema;
		if (rc == REGISTRY_OK && a.refs && a.schema)
			rc = regref_resolve(what, a.schema, a.refs, fetch_ref, r, &text, err, errlen);
		if (text)
			s.schema = text;
		ttl = rc != REGISTRY_OK || (kind == 'v' && version < 0) ? r->latest_ttl : 0;
		if (rc != REGISTRY_FAIL)
			rc = regcache_answer(regcache_put(r->cache, key, klen, ttl, rc, &s, err), out,
			    err, errlen);
		if (rc == REGISTRY_OK)
			cache_id(r, *out);
		reganswer_free(&a);
		free(text);
	}
	free(key);
	return rc;
}

int
registry_subject_version(struct registry *r, const char *subject, int version,
    const struct registry_schema **out, char *err, size_t errlen)
{
	if (version == 0 || version < -1) {
		err_set(err, errlen, "subject \"%.120s\" version %d: versions start at 1",
		    subject, version);
		return REGISTRY_NOTFOUND;
	}
	return subject_question(r, 'v', subject, version, NULL, out, err, errlen);
}

int
registry_lookup(struct registry *r, const char *subject, const char *schema_json,
    const struct registry_schema **out, char *err, size_t errlen)
{
	return subject_question(r, 'l', subject, 0, schema_json, out, err, errlen);
}

int
registry_register(struct registry *r, const char *subject, const char *schema_json,
    uint32_t *id, char *err, size_t errlen)
{
	const struct buf *body;
	struct reganswer a;
	char what[200];
	long st;
	int rc;

	if (!*subject) {
		err_set(err, errlen, "empty subject name");
		return REGISTRY_INVALID;
	}
	snprintf(what, sizeof(what), "the schema for subject \"%.120s\"", subject);
	if ((rc = ask(r, 'r', 0, subject, 0, schema_json, &st, &body, err, errlen)) != REGISTRY_OK)
		return rc;
	rc = judge(r, st, body, REGANSWER_NEED_ID, what, &a, err, errlen);
	if (rc == REGISTRY_OK)
		*id = a.id;
	reganswer_free(&a);
	return rc;
}
