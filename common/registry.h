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
	REG_OPT_TIMEOUT = 0x200, REG_OPT_CONNECT_TIMEOUT, REG_OPT_RETRIES,
	REG_OPT_CA, REG_OPT_CERT, REG_OPT_KEY, REG_OPT_AUTH_FILE, REG_OPT_TOKEN_FILE
};

/* getopt_long entries, to splice into a tool's option table; -r is the short form of --registry */
#define REG_LONGOPTS \
	{"registry", required_argument, 0, 'r'}, \
	{"registry-timeout", required_argument, 0, REG_OPT_TIMEOUT}, \
	{"registry-connect-timeout", required_argument, 0, REG_OPT_CONNECT_TIMEOUT}, \
	{"registry-retries", required_argument, 0, REG_OPT_RETRIES}, \
	{"registry-ca", required_argument, 0, REG_OPT_CA}, \
	{"registry-cert", required_argument, 0, REG_OPT_CERT}, \
	{"registry-key", required_argument, 0, REG_OPT_KEY}, \
	{"registry-auth-file", required_argument, 0, REG_OPT_AUTH_FILE}, \
	{"registry-token-file", required_argument, 0, REG_OPT_TOKEN_FILE}

struct reg_opts {
	/* -r or $SCHEMA_REGISTRY_URL: comma-separated http(s) URLs (fail-over,
	 * may carry a path prefix) or one file:DIR */
	const char *urls;
	double timeout, connect_timeout;	/* seconds per request; 30 and 5 */
	int retries;				/* extra attempts; 4 */
	const char *ca, *cert, *key, *auth_file, *token_file;
	double latest_ttl;			/* seconds; 60 */
};

/* Defaults, then the environment (SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_CA_LOCATION, ...). */
void reg_opts_init(struct reg_opts *o);
/* 1 if opt ('r' or a REG_OPT_*) was handled; a bad value dies with status 2. */
int reg_opts_set(struct reg_opts *o, int opt, const char *arg);
/* Dies with status 2 if no URL is configured or the options are unusable. */
struct registry *reg_open(const struct reg_opts *o);
void reg_close(struct registry *r);

/*
 * by id: version 0 and subject NULL (an id may live under many subjects).
 * A schema with Confluent schema references comes self-contained: each
 * referenced named type's definition put in place of the first use of its
 * name (regref.h); id, version and subject stay those of the schema asked
 * for, not of the schemas it references.
 */
struct reg_schema {
	uint32_t id;
	int version;
	const char *subject;
	const char *schema;	/* the schema JSON text */
};

/*
 * REG_NOTFOUND: 404-class answer (40401 subject, 40402 version, 40403 schema): a bad record.
 * REG_INVALID: the schema exists but is not usable (not AVRO; a reference missing,
 *   not AVRO, in a cycle, nested deeper than REG_REF_DEPTH, or defining a type
 *   another one defines differently), or the registry refused a schema given
 *   to it (409, 422): a bad record.
 * REG_FAIL: the environment: unreachable after retries, 401/403, 5xx after retries,
 *   a garbled answer: the caller dies with status 3.
 * On any non-OK return err holds a one-line message without the program name.
 * Returned pointers stay valid until the next call (the cache is bounded).
 */
enum { REG_OK = 0, REG_NOTFOUND = 1, REG_INVALID = 2, REG_FAIL = 3 };
#define REG_REF_DEPTH 32	/* references of references of ... */
#define REG_REF_MAX 1000	/* distinct references resolved for one schema */

int reg_by_id(struct registry *r, uint32_t id, const struct reg_schema **out,
    char *err, size_t errlen);
/* version -1 = latest (cached for latest_ttl seconds; explicit versions for good) */
int reg_subject_version(struct registry *r, const char *subject, int version,
    const struct reg_schema **out, char *err, size_t errlen);
/* POST /subjects/{s}: is this schema registered under the subject? */
int reg_lookup(struct registry *r, const char *subject, const char *schema_json,
    const struct reg_schema **out, char *err, size_t errlen);
/* POST /subjects/{s}/versions */
int reg_register(struct registry *r, const char *subject, const char *schema_json,
    uint32_t *id, char *err, size_t errlen);

#endif
