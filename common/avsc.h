/*
 * Avro schemas as the decoder and encoder need them: parsed and validated
 * here (avsc.c says why avro-c no longer is the validator), with what avro-c
 * 1.11.1 drops: logical types, field defaults and aliases. Layer: formats
 * (docs/DESIGN.md §3, Avro in §5), below the decoder (avdec.h), the encoder
 * (avenc.h) and the Spark tree (avspark.h). The functions are avsc_*; the
 * schema model's types, which every Avro module shares, keep the short
 * prefix av_ (AV_, AVL_ and AVSK_ for their enums).
 */
#ifndef AVSC_H
#define AVSC_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

enum av_type {
	AV_NULL, AV_BOOLEAN, AV_INT, AV_LONG, AV_FLOAT, AV_DOUBLE, AV_BYTES,
	AV_STRING, AV_RECORD, AV_ENUM, AV_ARRAY, AV_MAP, AV_UNION, AV_FIXED
};

enum av_logical {
	AVL_NONE, AVL_DECIMAL, AVL_UUID, AVL_DATE, AVL_TIME_MS, AVL_TIME_US,
	AVL_TS_MS, AVL_TS_US, AVL_TS_NS, AVL_LTS_MS, AVL_LTS_US, AVL_LTS_NS
};

struct av_node;

/* Limits of avsc_parse, each named in its error message. */
#define AVSC_MAX_NESTING 200		/* types nested in one schema */
#define AVSC_MAX_DEFAULT_DEPTH 1000	/* values nested in a field default (records through their fields' defaults) */
#define AVSC_MAX_FIXED (1 << 30)	/* bytes of a fixed */
#define AVSC_MAX_FIELDS (UINT32_MAX / 4)	/* fields of a record */

/* Shapes a decoder can skip without a walk: the value, or [null, value] (OPT).
 * An enum's index is checked against its symbols even when skipped. */
enum { AVSK_GENERIC, AVSK_LEN, AVSK_VARINT, AVSK_BYTE, AVSK_ENUM,
	AVSK_OPT_LEN, AVSK_OPT_VARINT, AVSK_OPT_BYTE, AVSK_OPT_ENUM };

struct av_field {
	const char *name;
	size_t namelen;
	struct av_node *type;
	json_t *def;		/* NULL: no default */
	const char **aliases;
	size_t naliases;
};

struct av_node {
	enum av_type t;
	enum av_logical lt;
	const char *name, *fullname;	/* named types */
	const char **aliases;		/* full names */
	size_t naliases;
	int precision, scale;		/* decimal */
	size_t size;			/* fixed */
	struct av_field *fields;	/* record */
	size_t nfields;
	uint32_t *fidx;			/* record: field index + 1 by name hash (avsc_field); 0 empty */
	size_t fidxmask;
	const char **symbols;		/* enum */
	size_t nsymbols;
	uint32_t *sidx;			/* enum: symbol index + 1 by name hash (avsc_symbol); 0 empty */
	size_t sidxmask;
	int enum_default;		/* -1: none */
	struct av_node *items;		/* array items, map values */
	struct av_node **branches;	/* union */
	size_t nbranches;
	uint32_t *bidx;			/* union: branch index + 1 by type name hash (avsc_branch); 0 empty */
	size_t bidxmask;
	uint32_t *bshort;		/* union: the same by unqualified name, the first of each (avsc_branch_short) */
	size_t bshortmask;
	size_t naliased;		/* union: branches with aliases */
	int id;				/* index in av_schema.nodes */
	size_t minsz;			/* least bytes a value takes (a lower bound for recursive types) */
	unsigned char sk, sk_null;	/* how a decoder skips it fast (AVSK_*); the null branch of [null, x] */
};

struct av_schema {
	struct av_node *root;
	struct av_node **nodes;
	size_t nnodes;
	json_t *json;		/* owns the strings and defaults */
	char *canonical;	/* compact text */
	char **strs;		/* full names built while parsing */
	size_t nstrs;
};

/* Parses schema text; NULL with a message in err when it is not a valid Avro schema. */
struct av_schema *avsc_parse(const char *text, size_t len, char *err, size_t errlen);
void avsc_free(struct av_schema *s);
/* The index of record r's field called name (n bytes), or -1: a hash lookup. */
long avsc_field(const struct av_node *r, const char *name, size_t n);
/* The index of enum e's symbol called name (n bytes), or -1: a hash lookup. */
long avsc_symbol(const struct av_node *e, const char *name, size_t n);
/* The index of union u's branch whose avsc_type_name is name (n bytes), or -1: a hash lookup. */
long avsc_branch(const struct av_node *u, const char *name, size_t n);
/* The first branch of union u whose unqualified type name is name (n bytes), or -1. */
long avsc_branch_short(const struct av_node *u, const char *name, size_t n);
/* "int", "array", or a named type's full name: the union branch name of the Avro JSON encoding. */
const char *avsc_type_name(const struct av_node *n);
/*
 * Nonzero for names that mean the same named type, by how loose a match is
 * allowed: AVSC_EXACT the full name, AVSC_ALIAS also a reader alias,
 * AVSC_SHORT also the unqualified name.
 */
enum { AVSC_EXACT, AVSC_ALIAS, AVSC_SHORT };
int avsc_names_match(const struct av_node *writer, const struct av_node *reader, int how);

#endif
