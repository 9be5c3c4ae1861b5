/*
 * A small strict JSON parser into a flat array of nodes, reused record after
 * record. jansson builds a hash table per object and copies every string:
 * about 77 MB/s on recentchange events, a fifth of what avroencode parses
 * and encodes together (the figures are in jp.c). Here objects keep their keys in order, strings
 * stay where they are in the input (unescaped on demand), numbers keep their
 * text. Layer: formats (docs/DESIGN.md §3); avroencode's input and
 * winagg's.
 */
#ifndef JP_H
#define JP_H

#include <stddef.h>
#include <stdint.h>

enum jp_type { JP_NULL, JP_FALSE, JP_TRUE, JP_NUM, JP_STR, JP_ARR, JP_OBJ };

struct jp_node {
	uint8_t t;
	uint8_t esc;		/* JP_STR: has backslash escapes */
	uint8_t isint;		/* JP_NUM: no fraction or exponent */
	uint32_t n;		/* JP_STR, JP_NUM: text length; JP_ARR: items; JP_OBJ: members */
	uint32_t kids;		/* JP_ARR: first item; JP_OBJ: first key (key, value, key, ...) */
	const char *s;		/* JP_STR (inside the quotes), JP_NUM: the text */
};

struct jp_doc {
	struct jp_node root;
	struct jp_node *v;	/* the children of every array and object, each run contiguous */
	size_t nv, capv;
	struct jp_node *stack;	/* children in progress */
	size_t nstack, capstack;
	char msg[128];
	size_t erroff;
};

/* Parses one JSON document (whitespace around it allowed). 0, or -1 with msg and erroff set. */
int jp_parse(struct jp_doc *d, const char *s, size_t n);
void jp_free(struct jp_doc *d);

/*
 * The string of node v, unescaped and checked as UTF-8, in *out (pointing
 * into the input when there is nothing to unescape, else into buf, which
 * grows). 0, or -1 when the string is not valid (bad escape, lone surrogate,
 * invalid UTF-8).
 */
struct buf;
int jp_str(const struct jp_node *v, struct buf *buf, const char **out, size_t *len);

/*
 * Renames object keys, in every object of the document: a key written as
 * from[i] (its JSON text, escapes and all) becomes to[i]. The names must
 * outlive the document.
 */
void jp_rename(struct jp_doc *d, const char **from, const char **to, size_t n);

/*
 * The value of a JP_NUM node, whatever its length: 1 with *iv when it is an
 * integer (no fraction or exponent) that fits int64_t, else 0; *d is the
 * correctly rounded double either way (+-HUGE_VAL past a double's range).
 */
int jp_number(const struct jp_node *v, int64_t *iv, double *d);

/* The node of object member i: its key and value. */
static inline const struct jp_node *
jp_key(const struct jp_doc *d, const struct jp_node *o, uint32_t i)
{
	return &d->v[o->kids + 2 * i];
}

static inline const struct jp_node *
jp_val(const struct jp_doc *d, const struct jp_node *o, uint32_t i)
{
	return &d->v[o->kids + 2 * i + 1];
}

static inline const struct jp_node *
jp_item(const struct jp_doc *d, const struct jp_node *a, uint32_t i)
{
	return &d->v[a->kids + i];
}

#endif
