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

/* Appends the tree of root, from its "root" line, to out; nesting past 64 levels is named, not shown. */
void avspark_tree(const struct av_node *root, struct buf *out);

#endif
