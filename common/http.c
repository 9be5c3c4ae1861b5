/*
 * http: the registry's libcurl client. All state lives in struct http: the
 * handle, its two header lists, the credentials (wiped when freed), the
 * answer's body and the generator of the backoff's jitter.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "http.h"
#include "regprops.h"

#define SECRET_MAX 65536	/* largest credentials file */
#define BACKOFF_BASE 0.1
#define BACKOFF_CAP 5.0

struct http {
	char **urls;		/* http(s) base URLs, no trailing '/' */
	int nurls, cur;
	double timeout, connect_timeout;
	int retries;
	char cred_src[300];	/* where the credentials came from, for hints; "" if none */
	int ca_given;
	char *user, *password, *token;
	CURL *curl;
	struct curl_slist *hdr_get, *hdr_post;
	char curlerr[CURL_ERROR_SIZE];
	struct buf body;
	size_t body_max;
	int body_over;		/* the answer passed body_max */
	uint64_t rng;
};

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *
copy_str(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* ---- credentials and URLs ---- */

static void
free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
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
	if (!n || memchr(s, '\n', n) || memchr(s, '\r', n) || memchr(s, '\0', n)) {
		explicit_bzero(s, n);
		free(s);
		die(EXIT_USAGE, "%s %s: expected one line (no CR, LF or NUL in a credential)",
		    opt, path);
	}
	return s;
}

/* A credential from the environment or a properties file, refused if it could end a header. */
static void
check_secret(const char *what, const char *v)
{
	if (v && strpbrk(v, "\r\n"))
		die(EXIT_USAGE, "%s contains CR or LF: refused (it would end the Authorization "
		    "header)", what);
}

static void
check_readable(const char *what, const char *path)
{
	if (path && access(path, R_OK))
		die_errno(EXIT_USAGE, "%s %s", what, path);
}

/*
 * The credentials from the first place that has any: the options' files,
 * the environment, the properties file.
 */
static void
set_credentials(struct http *h, const struct registry_opts *o, const struct regprops *p)
{
	const char *basic = env("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO");
	const char *token = env("SCHEMA_REGISTRY_BEARER_TOKEN");
	char bsrc[300] = "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO";
	char tsrc[300] = "SCHEMA_REGISTRY_BEARER_TOKEN";
	char *userinfo = NULL, *colon;

	if (o->auth_file && o->token_file)
		die(EXIT_USAGE, "give --registry-auth-file or --registry-token-file, not both");
	if (o->auth_file || o->token_file) {
		basic = token = NULL;
	} else if (!basic && !token && p && (p->user_info || p->token)) {
		basic = p->user_info;
		token = p->token;
		snprintf(bsrc, sizeof(bsrc), "%s in %s", p->user_key, o->props);
		snprintf(tsrc, sizeof(tsrc), "%s in %s", p->token_key, o->props);
	}
	check_secret(bsrc, basic);
	check_secret(tsrc, token);
	if (basic && token)
		die(EXIT_USAGE, "both SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO and "
		    "SCHEMA_REGISTRY_BEARER_TOKEN are set: unset one");
	if (o->auth_file) {
		userinfo = read_secret("--registry-auth-file", o->auth_file);
		snprintf(bsrc, sizeof(bsrc), "--registry-auth-file");
	} else if (basic)
		userinfo = copy_str(basic);
	if (userinfo) {
		if (!(colon = strchr(userinfo, ':'))) {
			free_secret(userinfo);
			die(EXIT_USAGE, "%s: expected user:password", bsrc);
		}
		*colon = '\0';
		h->user = copy_str(userinfo);
		h->password = copy_str(colon + 1);
		explicit_bzero(colon + 1, strlen(colon + 1));
		free(userinfo);
		snprintf(h->cred_src, sizeof(h->cred_src), "%s", bsrc);
	}
	if (o->token_file) {
		h->token = read_secret("--registry-token-file", o->token_file);
		snprintf(h->cred_src, sizeof(h->cred_src), "--registry-token-file");
	} else if (token) {
		h->token = copy_str(token);
		snprintf(h->cred_src, sizeof(h->cred_src), "%s", tsrc);
	}
}

/* Splits the comma-separated list; refuses anything but http(s) without credentials. */
static void
set_urls(struct http *h, const char *list)
{
	const char *p, *end, *host;
	size_t n;

	for (n = 1, p = list; *p; p++)
		n += *p == ',';
	h->urls = xmallocarray(n, sizeof(*h->urls));
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
		h->urls[h->nurls++] = xstrndup(p, n);
		if (!*end)
			break;
		p = end + 1;
	}
}

static size_t
on_body(char *d, size_t size, size_t n, void *arg)
{
	struct http *h = arg;

	if (n > h->body_max - h->body.len) {
		h->body_over = 1;
		return 0;
	}
	buf_put(&h->body, d, n);
	(void)size;
	return n;
}

static void
setup_curl(struct http *h, const struct registry_opts *o)
{
	CURL *c;
	int ok = 1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(c = curl_easy_init()))
		die(EXIT_ENV, "cannot initialise libcurl");
	h->curl = c;
	check_readable("--registry-ca", o->ca);
	check_readable("--registry-cert", o->cert);
	check_readable("--registry-key", o->key);
	if (o->key && !o->cert)
		die(EXIT_USAGE, "--registry-key needs --registry-cert");
	h->hdr_get = curl_slist_append(NULL,
	    "Accept: application/vnd.schemaregistry.v1+json, application/json");
	h->hdr_post = curl_slist_append(NULL,
	    "Accept: application/vnd.schemaregistry.v1+json, application/json");
	h->hdr_post = curl_slist_append(h->hdr_post,
	    "Content-Type: application/vnd.schemaregistry.v1+json");
	h->hdr_post = curl_slist_append(h->hdr_post, "Expect:");
	if (!h->hdr_get || !h->hdr_post)
		die(EXIT_ENV, "out of memory");
	ok &= !curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	ok &= !curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curlerr);
	ok &= !curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	ok &= !curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	ok &= !curl_easy_setopt(c, CURLOPT_USERAGENT, "cfkit");
	ok &= !curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
	ok &= !curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(o->connect_timeout * 1000));
	ok &= !curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_LOW_SPEED);
	ok &= !curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)HTTP_LOW_SPEED_TIME);
	ok &= !curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	ok &= !curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
	ok &= !curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	if (o->ca)
		ok &= !curl_easy_setopt(c, CURLOPT_CAINFO, o->ca);
	h->ca_given = o->ca != NULL;
	if (o->cert)
		ok &= !curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert);
	if (o->key)
		ok &= !curl_easy_setopt(c, CURLOPT_SSLKEY, o->key);
	if (h->user) {
		ok &= !curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		ok &= !curl_easy_setopt(c, CURLOPT_USERNAME, h->user);
		ok &= !curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
	}
	if (h->token) {
		ok &= !curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		ok &= !curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, h->token);
	}
	if (!ok)
		die(EXIT_ENV, "libcurl refused an option (built without TLS?)");
}

/* ---- requests ---- */

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
rnd(struct http *h)
{
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return (double)(h->rng >> 11) / (double)(1ull << 53);
}

/* Full jitter: a random wait below min(cap, base * 2^attempt); Retry-After as a floor. */
static void
backoff(struct http *h, int attempt, double retry_after)
{
	double t = BACKOFF_BASE;
	struct timespec ts;

	while (attempt-- > 0 && t < BACKOFF_CAP)
		t *= 2;
	t = rnd(h) * (t < BACKOFF_CAP ? t : BACKOFF_CAP);
	if (retry_after > t)
		t = retry_after < BACKOFF_CAP ? retry_after : BACKOFF_CAP;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static CURLcode
http_once(struct http *h, const char *path, const char *post, long *st,
    double *retry_after)
{
	const char *base = h->urls[h->cur];
	char *url = xmalloc(strlen(base) + strlen(path) + 1);
	curl_off_t ra = 0;
	CURLcode c;

	sprintf(url, "%s%s", base, path);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->hdr_post);
	} else {
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->hdr_get);
	}
	h->body.len = 0;
	h->body_over = 0;
	h->curlerr[0] = '\0';
	c = curl_easy_perform(h->curl);
	free(url);
	*st = 0;
	*retry_after = 0;
	if (c == CURLE_OK) {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, st);
		if (!curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &ra) && ra > 0)
			*retry_after = (double)ra;
	}
	return c;
}

static void
curl_failure(struct http *h, CURLcode c, int requests, char *err, size_t errlen)
{
	const char *where = h->urls[h->cur];
	const char *why = h->curlerr[0] ? h->curlerr : curl_easy_strerror(c);

	if (h->body_over)
		err_set(err, errlen, "registry %s: answer larger than %zu bytes", where,
		    h->body_max);
	else if (c == CURLE_OPERATION_TIMEDOUT && strstr(why, "too slow"))
		err_set(err, errlen, "registry %s: answer slower than %d bytes/s for %d s "
		    "(%d attempt%s)", where, HTTP_LOW_SPEED, HTTP_LOW_SPEED_TIME, requests,
		    requests == 1 ? "" : "s");
	else if (c == CURLE_PEER_FAILED_VERIFICATION)
		err_set(err, errlen, "registry %s: %s (%s)", where, why, h->ca_given ?
		    "is the host name the certificate's, and the CA file its issuer's?" :
		    "give the registry's CA: --registry-ca, SCHEMA_REGISTRY_CA_LOCATION or "
		    "schema.registry.ssl.ca.location");
	else if (c == CURLE_OPERATION_TIMEDOUT)
		err_set(err, errlen, "registry %s: timed out after %g s (%d attempt%s)", where,
		    strncmp(why, "Operation", 9) ? h->connect_timeout : h->timeout,
		    requests, requests == 1 ? "" : "s");
	else
		err_set(err, errlen, "registry %s: %s (%d attempt%s)", where, why, requests,
		    requests == 1 ? "" : "s");
}

int
http_request(struct http *h, const char *path, const char *post, long *st,
    const struct buf **body, int *attempts, char *err, size_t errlen)
{
	int attempt, tried, requests = 0, failover;
	double retry_after;
	CURLcode c;

	/* a round tries the URLs from the current one until one answers */
	for (attempt = 0;; attempt++) {
		for (tried = 1;; tried++) {
			c = http_once(h, path, post, st, &retry_after);
			requests++;
			if (c == CURLE_OK && !retryable_status(*st))
				goto answer;
			if (c != CURLE_OK && !retryable_curl(c)) {
				curl_failure(h, c, requests, err, errlen);
				return HTTP_FAIL;
			}
			failover = c != CURLE_OK || *st >= 500;
			if (!failover || tried >= h->nurls)
				break;
			h->cur = (h->cur + 1) % h->nurls;
		}
		if (attempt >= h->retries)
			break;
		if (failover)
			h->cur = (h->cur + 1) % h->nurls;
		backoff(h, attempt, retry_after);
	}
	if (c != CURLE_OK) {
		curl_failure(h, c, requests, err, errlen);
		return HTTP_FAIL;
	}
answer:
	*body = &h->body;
	*attempts = requests;
	return retryable_status(*st) ? HTTP_GAVE_UP : HTTP_ANSWER;
}

char *
http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmallocarray(strlen(s) + 1, 3), *o = out;
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

struct http *
http_open(const struct registry_opts *o, const struct regprops *props, size_t body_max)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct timespec ts;

	h->timeout = o->timeout;
	h->connect_timeout = o->connect_timeout;
	h->retries = o->retries;
	h->body_max = body_max;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->rng = (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_sec * 1000000000u ^
	    (uint64_t)ts.tv_nsec ^ (uintptr_t)h;
	set_urls(h, o->urls);
	set_credentials(h, o, props);
	setup_curl(h, o);
	return h;
}

void
http_close(struct http *h)
{
	int u;

	if (!h)
		return;
	for (u = 0; u < h->nurls; u++)
		free(h->urls[u]);
	free(h->urls);
	free(h->user);
	free_secret(h->password);
	free_secret(h->token);
	if (h->curl) {
		curl_easy_cleanup(h->curl);
		curl_slist_free_all(h->hdr_get);
		curl_slist_free_all(h->hdr_post);
		curl_global_cleanup();
	}
	buf_free(&h->body);
	free(h);
}

const char *
http_url(const struct http *h)
{
	return h->urls[h->cur];
}

const char *
http_credentials(const struct http *h)
{
	return h->cred_src[0] ? h->cred_src : NULL;
}
