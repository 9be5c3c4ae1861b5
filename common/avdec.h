/*
 * The Avro binary decoder behind avrodecode: a plan compiled once per
 * (writer schema, reader schema, projection, output form), then run on each
 * body, writing JSON straight into a buffer.
 *
 * Why not avro-c's reader (1.11.1): its resolver fails on defaults ("NIY:
 * Default values"), it knows no aliases or logical types, avro_value_to_json
 * writes short union names, cuts bytes at the first 0x00 and fails on NaN,
 * and avro_value_read allocates whatever length a hostile body claims. It
 * also builds a value tree per record: with its JSON writer, 23 times the
 * CPU time of this path (200,000 recentchange bodies, the avrodecode
 * benchmark's avroc_json against --encoding avro: 4.9 s against 0.21 s).
 *
 * Layer: formats (docs/DESIGN.md §3, Avro in §5), above the schemas
 * (avsc.h) and the binary primitives (avbin.h); a reader field's default is
 * encoded by the encoder (avenc_default) and decoded by the plan.
 */
#ifndef AVDEC_H
#define AVDEC_H

#include <stddef.h>

#include "avsc.h"
#include "buf.h"

struct avdec_opts {
	int avro;	/* the Avro JSON encoding: unions wrapped, no logical rendering */
	int raw;	/* plain JSON without logical-type rendering */
};

/* A projection: the named fields of a record, each with its own sub-projection (none: all of it). */
struct avdec_proj {
	char *name;
	struct avdec_proj *kids;
	size_t nkids;
	int all;	/* named whole */
};

/* Parses "a,b.c,b.d"; NULL with err set on an empty name. */
struct avdec_proj *avdec_proj_parse(const char *list, char *err, size_t errlen);
void avdec_proj_free(struct avdec_proj *p);

struct avdec_plan;

/*
 * reader NULL: decode with the writer schema. proj NULL: everything.
 * NULL with a message in err when the schemas cannot be resolved or the
 * projection names a field the schema does not have (*proj_err set then).
 */
struct avdec_plan *avdec_compile(const struct av_schema *writer, const struct av_schema *reader,
    const struct avdec_proj *proj, const struct avdec_opts *o, int *proj_err,
    char *err, size_t errlen);
void avdec_free(struct avdec_plan *p);

struct avdec_err {
	size_t off;		/* byte offset in the body */
	char msg[200];
	size_t dupkeys;		/* set by avdec_decode, also on success: map keys the body gave again (each kept once) */
};

/* Appends the JSON of one body to out. 0, or -1 with e set (out is then left as it was). */
int avdec_decode(struct avdec_plan *p, const unsigned char *body, size_t len,
    struct buf *out, struct avdec_err *e);

#endif
