/*
 * JSON to Avro binary, driven by the schema (avro-c 1.11.1 has no JSON
 * decoder). Reads both JSON forms avrodecode writes: plain (unions by value,
 * logical types rendered) and the Avro JSON encoding (unions wrapped).
 */
#ifndef AVENC_H
#define AVENC_H

#include <stddef.h>

#include "avsc.h"
#include "jp.h"
#include "jw.h"

enum { AVE_PLAIN, AVE_AVRO, AVE_AUTO };

struct ave_opts {
	int mode;		/* AVE_* */
	int ignore_unknown;	/* drop object keys a record does not have */
};

struct ave_ctx;

struct ave_ctx *ave_new(const struct ave_opts *o);
void ave_free(struct ave_ctx *c);
/*
 * Appends the Avro binary of document d under schema s to out. 0, or -1
 * with msg set: "$.meta.offset: expected long, got string "12a"" (out is
 * left as it was).
 */
int ave_encode(struct ave_ctx *c, const struct av_node *s, const struct jp_doc *d,
    struct jw *out, char *msg, size_t msglen);

#endif
