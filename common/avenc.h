/*
 * JSON to Avro binary, driven by the schema (avro-c 1.11.1 has no JSON
 * decoder). Reads both JSON forms avrodecode writes: plain (unions by value,
 * logical types rendered) and the Avro JSON encoding (unions wrapped).
 * Layer: formats (docs/DESIGN.md §3, Avro in §5), above the schemas
 * (avsc.h), the JSON parser (jp.h), the binary primitives (avbin.h) and
 * the timestamp parsers (ts.h); beside the decoder, which calls
 * avenc_default for the defaults it renders.
 */
#ifndef AVENC_H
#define AVENC_H

#include <stddef.h>
#include <stdint.h>

#include "avsc.h"
#include "buf.h"
#include "jp.h"

enum { AVENC_PLAIN, AVENC_AVRO, AVENC_AUTO };

struct avenc_opts {
	int mode;		/* AVENC_* */
	int ignore_unknown;	/* drop object keys a record does not have */
};

struct avenc_ctx;

/* A context serves one schema: it remembers key orders by the schema's node ids. */
struct avenc_ctx *avenc_new(const struct avenc_opts *o);
void avenc_free(struct avenc_ctx *c);
/* The values or bytes an absent field's default may expand to (avenc_default): the --max-record size; RS_MAX_DEFAULT unless set. */
void avenc_set_max_default(struct avenc_ctx *c, size_t max);
/*
 * Appends the Avro binary of document d under schema s to out. 0, or -1
 * with msg set: "$.meta.offset: expected long, got string "12a"" (out is
 * left as it was).
 */
int avenc_encode(struct avenc_ctx *c, const struct av_node *s, const struct jp_doc *d,
    struct buf *out, char *msg, size_t msglen);

/*
 * The Avro binary of a JSON value in the form of a field default (the
 * specification's rules: a union's default may be of any branch, the first
 * it is valid for taken; bytes and fixed are strings of code points): the
 * encoder's for absent fields, and the decoder's for reader fields the
 * writer lacks (it decodes this binary). At most max values visited and
 * bytes written: a record's absent fields take their own defaults, which
 * can double at each level. 0, or -1 with err set.
 */
int avenc_default(const struct av_node *t, json_t *v, size_t max, struct buf *out, char *err,
    size_t errlen);

#endif
