/*
 * regprops: a Confluent client properties file, read for its schema
 * registry settings. A logical line (continuations joined, escapes kept) is
 * split into key and value, each unescaped; the keys we know are kept, the
 * rest ignored, and the combinations checked at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "regprops.h"

#define WS " \t\f"

struct props_ctx {
	const char *name;	/* the file, for messages */
	int line;		/* the logical line's first line */
	char *basic_src, *bearer_src, *trust, *trust_type, *keystore, *keystore_type;
	char *err;
	size_t errlen;
};

/* c is one of set (never the NUL that ends it) */
static int
isin(const char *set, char c)
{
	return c && strchr(set, c);
}

/* s[0..n) with Java's escapes resolved (malloc'd, its length in *len), or NULL: a bad \u. */
static char *
unescape(const char *s, size_t n, size_t *len)
{
	struct buf b = {0};
	char hex[5] = "";
	size_t i;
	unsigned u;

	buf_grow(&b, n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			buf_putc(&b, s[i]);
			continue;
		}
		switch (s[++i]) {
		case 't': buf_putc(&b, '\t'); break;
		case 'n': buf_putc(&b, '\n'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 'f': buf_putc(&b, '\f'); break;
		case 'u':
			if (n - i - 1 >= 4)
				memcpy(hex, s + i + 1, 4);
			if (n - i - 1 < 4 || strspn(hex, "0123456789abcdefABCDEF") != 4) {
				buf_free(&b);
				return NULL;
			}
			u = (unsigned)strtoul(hex, NULL, 16);
			i += 4;
			if (u < 0x80) {
				buf_putc(&b, (char)u);
			} else if (u < 0x800) {
				buf_putc(&b, (char)(0xc0 | u >> 6));
				buf_putc(&b, (char)(0x80 | (u & 0x3f)));
			} else {
				buf_putc(&b, (char)(0xe0 | u >> 12));
				buf_putc(&b, (char)(0x80 | (u >> 6 & 0x3f)));
				buf_putc(&b, (char)(0x80 | (u & 0x3f)));
			}
			break;
		default: buf_putc(&b, s[i]);
		}
	}
	return buf_detach(&b, len);
}

static void
wipe(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static int fail(struct props_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* err: "NAME:LINE: why", or "NAME: why" for what no one line says */
static int
fail(struct props_ctx *c, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line)
		return err_set(c->err, c->errlen, "%s:%d: %s", c->name, c->line, msg);
	return err_set(c->err, c->errlen, "%s: %s", c->name, msg);
}

/* Keeps a value under a key we know (the last one given wins, as in Java); -1: refused. */
static int
keep(struct props_ctx *c, struct regprops *p, const char *key, char *val, size_t len)
{
	/* Java's names, and .NET's with the schema.registry. prefix; a credential
	 * notes the key it came from (where: a static string) */
	const struct { const char *key; char **to; const char **where; } known[] = {
		{"schema.registry.url", &p->url, NULL},
		{"schema.registry.ssl.ca.location", &p->ca, NULL},
		{"schema.registry.ssl.certificate.location", &p->cert, NULL},
		{"schema.registry.ssl.key.location", &p->key, NULL},
		{"basic.auth.user.info", &p->user_info, &p->user_key},
		{"schema.registry.basic.auth.user.info", &p->user_info, &p->user_key},
		{"bearer.auth.token", &p->token, &p->token_key},
		{"schema.registry.bearer.auth.token", &p->token, &p->token_key},
		{"basic.auth.credentials.source", &c->basic_src, NULL},
		{"schema.registry.basic.auth.credentials.source", &c->basic_src, NULL},
		{"bearer.auth.credentials.source", &c->bearer_src, NULL},
		{"schema.registry.bearer.auth.credentials.source", &c->bearer_src, NULL},
		{"schema.registry.ssl.truststore.location", &c->trust, NULL},
		{"schema.registry.ssl.truststore.type", &c->trust_type, NULL},
		{"schema.registry.ssl.keystore.location", &c->keystore, NULL},
		{"schema.registry.ssl.keystore.type", &c->keystore_type, NULL},
	};
	size_t i;

	if (!strcmp(key, "schema.registry.ssl.endpoint.identification.algorithm") &&
	    strcasecmp(val, "https"))
		return fail(c, "%s: host names are always checked (only https is accepted)", key);
	if (!strcmp(key, "schema.registry.enable.ssl.certificate.verification") &&
	    strcasecmp(val, "true"))
		return fail(c, "%s: certificates are always checked (only true is accepted)", key);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(key, known[i].key))
			continue;
		if (known[i].where && (strlen(val) != len || strpbrk(val, "\r\n")))
			return fail(c, "%s contains CR, LF or NUL", key);
		if (strlen(val) != len)
			return fail(c, "%s contains NUL", key);
		if (known[i].where)
			*known[i].where = known[i].key;
		wipe(known[i].to);
		*known[i].to = *val ? val : NULL;
		return *val ? 0 : 1;
	}
	return 1;	/* not ours: the caller frees the value */
}

/* A PEM store named by LOC_KEY (a JKS or PKCS12 one is refused), into *to. */
static int
pem_store(struct props_ctx *c, char **loc, char **type, const char *store, char **to)
{
	char msg[200];

	if (!*loc)
		return 0;
	if (!*type || strcasecmp(*type, "PEM")) {
		snprintf(msg, sizeof(msg), "schema.registry.ssl.%s.location: only a PEM store is "
		    "read (schema.registry.ssl.%s.type=PEM), not %.40s", store, store,
		    *type ? *type : "JKS (the default type)");
		c->line = 0;
		return fail(c, "%s", msg);
	}
	if (!*to) {
		*to = *loc;
		*loc = NULL;
	}
	return 0;
}

/* The combinations a line alone cannot judge. */
static int
finish(struct props_ctx *c, struct regprops *p)
{
	c->line = 0;
	if (c->basic_src && strcmp(c->basic_src, "USER_INFO"))
		return fail(c, "basic.auth.credentials.source=%s: only USER_INFO is supported",
		    c->basic_src);
	if (c->bearer_src && strcmp(c->bearer_src, "STATIC_TOKEN"))
		return fail(c, "bearer.auth.credentials.source=%s: only STATIC_TOKEN is supported",
		    c->bearer_src);
	if (c->basic_src && !p->user_info)
		return fail(c, "%s needs basic.auth.user.info (user:password)",
		    "basic.auth.credentials.source=USER_INFO");
	if (c->bearer_src && !p->token)
		return fail(c, "%s needs bearer.auth.token", "bearer.auth.credentials.source=STATIC_TOKEN");
	if (p->user_info && p->token)
		return fail(c, "%s and bearer.auth.token both given: keep one", p->user_key);
	if (p->user_info && !strchr(p->user_info, ':'))
		return fail(c, "%s: expected user:password", p->user_key);
	if (pem_store(c, &c->trust, &c->trust_type, "truststore", &p->ca) ||
	    pem_store(c, &c->keystore, &c->keystore_type, "keystore", &p->cert))
		return -1;
	return 0;
}

/* Splits a logical line (escapes still in) at its separator and keeps what is ours. */
static int
line(struct props_ctx *c, struct regprops *p, const char *s, size_t n)
{
	size_t k = 0, v, klen, vlen;
	char *key, *val;
	int rc;

	while (k < n && !isin("=:" WS, s[k]))
		k += s[k] == '\\' && k + 1 < n ? 2 : 1;
	v = k;
	while (v < n && isin(WS, s[v]))
		v++;
	if (v < n && (s[v] == '=' || s[v] == ':'))
		for (v++; v < n && isin(WS, s[v]); v++)
			;
	else if (v == k)
		return fail(c, "%s", "expected key=value");
	if (!(key = unescape(s, k, &klen)) || !(val = unescape(s + v, n - v, &vlen))) {
		free(key);
		return fail(c, "%s", "malformed \\uXXXX escape");
	}
	rc = strlen(key) == klen ? keep(c, p, key, val, vlen) : fail(c, "%s", "NUL in a key");
	if (rc)
		wipe(&val);
	free(key);
	return rc < 0 ? -1 : 0;
}

int
regprops_parse(const char *name, const char *text, size_t len, struct regprops *p,
    char *err, size_t errlen)
{
	struct props_ctx c = {name, 0, NULL, NULL, NULL, NULL, NULL, NULL, err, errlen};
	const char *s = text, *end = text + len, *eol;
	struct buf logical = {0};
	size_t n, bs;
	int lineno = 0, rc = 0, cont = 0;

	memset(p, 0, sizeof(*p));
	while (s < end && !rc) {
		eol = memchr(s, '\n', (size_t)(end - s));
		n = eol ? (size_t)(eol - s) : (size_t)(end - s);
		lineno++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		while (n > 0 && isin(WS, *s)) {
			s++;
			n--;
		}
		if (!cont) {
			logical.len = 0;
			c.line = lineno;
		}
		if (cont || (n > 0 && *s != '#' && *s != '!')) {
			for (bs = 0; bs < n && s[n - 1 - bs] == '\\'; bs++)
				;
			cont = bs % 2;
			buf_put(&logical, s, n - (size_t)cont);
			if (!cont && logical.len)
				rc = line(&c, p, logical.p, logical.len);
		}
		s = eol ? eol + 1 : end;
	}
	if (!rc && cont && logical.len)
		rc = line(&c, p, logical.p, logical.len);
	if (!rc)
		rc = finish(&c, p);
	if (logical.p)
		explicit_bzero(logical.p, logical.cap);
	buf_free(&logical);
	wipe(&c.basic_src);
	wipe(&c.bearer_src);
	wipe(&c.trust);
	wipe(&c.trust_type);
	wipe(&c.keystore);
	wipe(&c.keystore_type);
	if (rc)
		regprops_free(p);
	return rc;
}

void
regprops_free(struct regprops *p)
{
	wipe(&p->url);
	wipe(&p->ca);
	wipe(&p->cert);
	wipe(&p->key);
	wipe(&p->user_info);
	wipe(&p->token);
}
