/*
 * http: the schema registry's HTTP client (docs/DESIGN.md §6, REST,
 * Credentials): one reused libcurl handle (keep-alive) over a list of base
 * URLs with fail-over, timeouts, retries with backoff, answers limited in
 * size, redirects not followed, http and https only, TLS
 * always verified, credentials from the environment or a file, never from
 * the URL. Registry layer (docs/DESIGN.md §3), internal to registry.c: it
 * knows the registry's options and environment, not its paths or answers.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "buf.h"
#include "registry.h"

/*
 * From the options' comma-separated http(s) URLs, TLS files and credential
 * files; else the environment's SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO and
 * SCHEMA_REGISTRY_BEARER_TOKEN; else the properties file's credentials
 * (props, may be NULL). Dies with status 2 on unusable options (a URL with
 * user:password@, both credentials, an unreadable file, a credential with
 * CR, LF or NUL: it would end the Authorization header), 3 if libcurl
 * cannot be set up. An answer longer than body_max bytes is a failure, and
 * so is one slower than HTTP_LOW_SPEED bytes a second for HTTP_LOW_SPEED_TIME
 * seconds.
 */
#define HTTP_LOW_SPEED 1024
#define HTTP_LOW_SPEED_TIME 10
struct regprops;
struct http *http_open(const struct registry_opts *o, const struct regprops *props,
    size_t body_max);
void http_close(struct http *h);

/* The result of http_request. */
enum {
	HTTP_ANSWER = 0,	/* an answer to judge */
	HTTP_GAVE_UP = 1,	/* a retryable status (408, 429, 5xx) to the last attempt */
	HTTP_FAIL = -1		/* no answer (connection, timeout, too large): err says why */
};

/*
 * One request: GET base+path, or POST of the JSON text post. Connection
 * errors, timeouts, 408, 429 and 5xx are retried (retries more rounds, each
 * after a backoff with full jitter, Retry-After as the least wait); a
 * connection error or 5xx moves on to the next URL, which stays current
 * once it answers. On HTTP_ANSWER and HTTP_GAVE_UP, *status and *body (valid
 * until the next request) hold the last answer and *attempts the number of
 * requests sent.
 */
int http_request(struct http *h, const char *path, const char *post, long *status,
    const struct buf **body, int *attempts, char *err, size_t errlen);

/* The current base URL (no credentials, no trailing '/'), for messages. */
const char *http_url(const struct http *h);
/* Where the credentials came from ("--registry-auth-file", ...), NULL if none. */
const char *http_credentials(const struct http *h);
/* s with all but RFC 3986's unreserved characters percent-encoded (malloc'd). */
char *http_escape(const char *s);

#endif
