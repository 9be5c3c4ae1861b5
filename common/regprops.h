/*
 * regprops: the schema registry settings of a Confluent client properties
 * file (docs/DESIGN.md §6, Credentials), so that a file written for
 * Confluent's tools configures ours. Registry layer (docs/DESIGN.md §3),
 * internal to registry.c; parses text only (no files opened), never dies.
 */
#ifndef REGPROPS_H
#define REGPROPS_H

#include <stddef.h>

struct regprops {
	char *url;		/* schema.registry.url */
	char *ca, *cert, *key;	/* PEM files */
	char *user_info;	/* user:password (USER_INFO); wiped when freed */
	char *token;		/* STATIC_TOKEN; wiped when freed */
	const char *user_key, *token_key;	/* the keys they came from, for messages */
};

/*
 * Java's properties syntax (key=value, key:value or key value; # and !
 * comments; a trailing backslash continues a line; \t \n \r \f \uXXXX and
 * \c escapes). The keys it knows fill p, the others are ignored (a Kafka
 * client's file holds many). 0, or -1 with "NAME:LINE: why" in err: a
 * malformed line, a setting it cannot honour (JKS stores, a credentials
 * source but USER_INFO or STATIC_TOKEN, host name checks off), a credential
 * with CR, LF or NUL (named by its key, never its value). p is freed then.
 */
int regprops_parse(const char *name, const char *text, size_t len, struct regprops *p,
    char *err, size_t errlen);
void regprops_free(struct regprops *p);

#endif
