/*
 * registry: the Confluent schema registry client of avrodecode and
 * avroencode (docs/DESIGN.md §6): REST over libcurl (http.c), or a file:DIR
 * snapshot (regfile.c); answers judged by reganswer.c, references expanded
 * by regref.c, results kept by regcache.c. Registry layer (docs/DESIGN.md
 * §3): this header is its public face, the others are its internals.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

enum {
	REGISTRY_OPT_TIMEOUT = 0x200, REGISTRY_OPT_CONNECT_TIMEOUT, REGISTRY_OPT_RETRIES,
	REGISTRY_OPT_CA, REGISTRY_OPT_CERT, REGISTRY_OPT_KEY, REGISTRY_OPT_AUTH_FILE, REGISTRY_OPT_TOKEN_FILE,
	REGISTRY_OPT_PROPERTIES
};

/* getopt_long entries, to splice into a tool's option table; -r is the short form of --registry */
#define REGISTRY_LONGOPTS \
	{"registry", required_argument, 0, 'r'}, \
	{"registry-timeout", required_argument, 0, REGISTRY_OPT_TIMEOUT}, \
	{"registry-connect-timeout", required_argument, 0, REGISTRY_OPT_CONNECT_TIMEOUT}, \
	{"registry-retries", required_argument, 0, REGISTRY_OPT_RETRIES}, \
	{"registry-ca", required_argument, 0, REGISTRY_OPT_CA}, \
	{"registry-cert", required_argument, 0, REGISTRY_OPT_CERT}, \
	{"registry-key", required_argument, 0, REGISTRY_OPT_KEY}, \
	{"registry-auth-file", required_argument, 0, REGISTRY_OPT_AUTH_FILE}, \
	{"registry-token-file", required_argument, 0, REGISTRY_OPT_TOKEN_FILE}, \
	{"registry-properties", required_argument, 0, REGISTRY_OPT_PROPERTIES}

struct registry_opts {
	/* -r or $SCHEMA_REGISTRY_URL: comma-separated http(s) URLs (fail-over,
	 * may carry a path prefix) or one file:DIR */
	const char *urls;
	double timeout, connect_timeout;	/* seconds per request; 30 and 5 */
	int retries;				/* extra attempts; 4 */
	const char *ca, *cert, *key, *auth_file, *token_file;
	/* --registry-properties or $SCHEMA_REGISTRY_PROPERTIES: a Confluent client
	 * properties file (regprops.h), read by registry_open for what the options
	 * and the environment left unset */
	const char *props;
	double latest_ttl;			/* seconds; 60 */
};

/*
 * Defaults, then the environment (SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_CA_LOCATION,
 * SCHEMA_REGISTRY_TIMEOUT, ...; a bad number dies with status 2 naming the variable).
 */
void registry_opts_init(struct registry_opts *o);
/* 1 if opt ('r' or a REGISTRY_OPT_*) was handled; a bad value dies with status 2. */
int registry_opts_set(struct registry_opts *o, int opt, const char *arg);
/* Dies with status 2 if no URL is configured or the options are unusable. */
struct registry *registry_open(const struct registry_opts *o);
void registry_close(struct registry *r);

/*
 * by id: version 0 and subject NULL (an id may live under many subjects).
 * A schema with Confluent schema references comes self-contained: each
 * referenced named type's definition put in place of the first use of its
 * name (regref.h); id, version and subject stay those of the schema asked
 * for, not of the schemas it references.
 */
struct registry_schema {
	uint32_t id;
	int version;
	const char *subject;
	const char *schema;	/* the schema JSON text */
};

/*
 * REGISTRY_NOTFOUND: 404-class answer (40401 subject, 40402 version, 40403 schema): a bad record.
 * REGISTRY_INVALID: the schema exists but is not usable (not AVRO; a reference missing,
 *   not AVRO, in a cycle, nested deeper than REGISTRY_REF_DEPTH, or defining a type
 *   another one defines differently), or the registry refused a schema given
 *   to it (409, 422): a bad record.
 * REGISTRY_FAIL: the environment: unreachable after retries, 401/403, 5xx after retries,
 *   a garbled answer: the caller dies with status 3.
 * On any non-OK return err holds a one-line message without the program name.
 * Returned pointers stay valid until the next call (the cache is bounded).
 */
enum { REGISTRY_OK = 0, REGISTRY_NOTFOUND = 1, REGISTRY_INVALID = 2, REGISTRY_FAIL = 3 };
#define REGISTRY_REF_DEPTH 32	/* references of references of ... */
#define REGISTRY_REF_MAX 1000	/* distinct references resolved for one schema */

int registry_by_id(struct registry *r, uint32_t id, const struct registry_schema **out,
    char *err, size_t errlen);
/* version -1 = latest (cached for latest_ttl seconds; explicit versions for good) */
int registry_subject_version(struct registry *r, const char *subject, int version,
    const struct registry_schema **out, char *err, size_t errlen);
/* POST /subjects/{s}: is this schema registered under the subject? */
int registry_lookup(struct registry *r, const char *subject, const char *schema_json,
    const struct registry_schema **out, char *err, size_t errlen);
/* POST /subjects/{s}/versions */
int registry_register(struct registry *r, const char *subject, const char *schema_json,
    uint32_t *id, char *err, size_t errlen);

#endif
