/*
 * JSON to Avro binary, driven by the schema (avro-c 1.11.1 has no JSON
 * decoder). Reads both JSON forms avrodecode writes: plain (unions by value,
 * logical types rendered) and the Avro JSON encoding (unions wrapped).
 */
#ifndef AVENC_H
#define AVENC_H

#include <stddef.h>
#include <stdint.h>

#include "avsc.h"
#include "jp.h"
#include "jw.h"

enum { AVE_PLAIN, AVE_AVRO, AVE_AUTO };

struct ave_opts {
	int mode;		/* AVE_* */
	int ignore_unknown;	/* drop object keys a record does not have */
};

struct ave_ctx;

/* A context serves one schema: it remembers key orders by the schema's node ids. */
struct ave_ctx *ave_new(const struct ave_opts *o);
void ave_free(struct ave_ctx *c);
/*
 * Appends the Avro binary of document d under schema s to out. 0, or -1
 * with msg set: "$.meta.offset: expected long, got string "12a"" (out is
 * left as it was).
 */
int ave_encode(struct ave_ctx *c, const struct av_node *s, const struct jp_doc *d,
    struct buf *out, char *msg, size_t msglen);

/*
 * An ISO-8601 date-time ("2026-11-23T10:00:01.123Z", an offset such as
 * +02:00, or no zone when local) to units (1000: ms, ...) since the epoch.
 * 0; -1 when it is not one; -2 when it has more fraction than unit holds,
 * unless truncate, which drops the finer digits (as Spark's cast does); -3
 * when it names no real instant: a day past the month's end (2026-02-30,
 * February 29 of a common year), hour 24, minute or second 60, an offset
 * beyond +-18:00 or with minutes above 59.
 */
int ave_parse_ts(const char *s, size_t n, int64_t unit, int local, int truncate, int64_t *v);

#endif
