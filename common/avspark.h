/*
 * An Avro schema as Spark's printSchema() shows it (spark-avro's type
 * mapping: records and unions of several types as structs, [null, X] as a
 * nullable X, enums as strings, logical types as date, timestamp,
 * timestamp_ntz, decimal(p,s)), for avrodecode --print-schema. Layer:
 * formats (docs/DESIGN.md §3, Avro in §5), above the schema model (avsc.h).
 */
#ifndef AVSPARK_H
#define AVSPARK_H

#include "avsc.h"

struct buf;

/* Lines a tree may have: a named type used twice is shown twice, so a tree can double at each level. */
#define AVSPARK_MAX_LINES 1000000
#define AVSPARK_MAX_BYTES (64 << 20)

/*
 * Appends the tree of root, from its "root" line, to out; nesting past 64
 * levels is named, not shown. 0, or -1 when the tree has more than
 * AVSPARK_MAX_LINES lines or AVSPARK_MAX_BYTES: those are appended, then a line naming the limit.
 */
int avspark_tree(const struct av_node *root, struct buf *out);

#endif
