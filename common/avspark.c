/*
 * The schema as Spark's printSchema() shows it (avspark.h): spark-avro's
 * SchemaConverters type mapping, written as a tree of " |-- name: type
 * (nullable = ...)" lines.
 */
#include <stdio.h>

#include "avspark.h"
#include "buf.h"

/* Spark's name for the type of n (spark-avro's SchemaConverters); *nullable set for [null, X]. */
static const struct av_node *
spark_unwrap(const struct av_node *n, int *nullable)
{
	size_t i, nonnull = 0;
	const struct av_node *only = NULL;

	*nullable = 0;
	if (n->t != AV_UNION)
		return n;
	for (i = 0; i < n->nbranches; i++) {
		if (n->branches[i]->t == AV_NULL)
			*nullable = 1;
		else {
			nonnull++;
			only = n->branches[i];
		}
	}
	return nonnull == 1 ? only : n;
}

static void
spark_type(const struct av_node *n, char *s, size_t len)
{
	switch (n->t) {
	case AV_NULL: snprintf(s, len, "void"); break;
	case AV_BOOLEAN: snprintf(s, len, "boolean"); break;
	case AV_INT: snprintf(s, len, n->lt == AVL_DATE ? "date" : "integer"); break;
	case AV_LONG:
		snprintf(s, len, n->lt >= AVL_TS_MS && n->lt <= AVL_TS_NS ? "timestamp" :
		    n->lt >= AVL_LTS_MS ? "timestamp_ntz" : "long");
		break;
	case AV_FLOAT: snprintf(s, len, "float"); break;
	case AV_DOUBLE: snprintf(s, len, "double"); break;
	case AV_STRING: case AV_ENUM: snprintf(s, len, "string"); break;
	case AV_BYTES: case AV_FIXED:
		if (n->lt == AVL_DECIMAL)
			snprintf(s, len, "decimal(%d,%d)", n->precision, n->scale);
		else
			snprintf(s, len, "binary");
		break;
	case AV_RECORD: case AV_UNION: snprintf(s, len, "struct"); break;
	case AV_ARRAY: snprintf(s, len, "array"); break;
	case AV_MAP: snprintf(s, len, "map"); break;
	}
}

/*
 * The lines written, against AVSPARK_MAX_LINES: a named type met again is
 * shown again (Spark's SchemaConverters expands it; it refuses only
 * recursive ones), so a record of two fields of a record of two fields...
 * is a tree of 2^n lines (40 levels in 4.6 KB of schema).
 */
struct lines {
	size_t n, start;	/* lines written; where the tree starts in the buffer */
	int cut;
};

static void spark_children(const struct av_node *n, const char *prefix, struct buf *o,
    const struct av_node **stack, int depth, struct lines *l);

#define SPARK_MAX_DEPTH 64	/* levels --print-schema shows */

/* Room for one more line; else the tree is cut. */
static int
spark_room(struct lines *l, const struct buf *o)
{
	if (l->n >= AVSPARK_MAX_LINES || o->len - l->start >= AVSPARK_MAX_BYTES) {
		l->cut = 1;
		return 0;
	}
	l->n++;
	return 1;
}

/* Whether spark_children prints anything under n. */
static int
spark_children_of(const struct av_node *n)
{
	return (n->t == AV_RECORD && n->nfields) || (n->t == AV_UNION && n->nbranches) ||
	    n->t == AV_ARRAY || n->t == AV_MAP;
}

static void
spark_line(const char *prefix, const char *name, const struct av_node *t, const char *nullword,
    struct buf *o, const struct av_node **stack, int depth, struct lines *l)
{
	char type[64], line[200];
	int nullable, i;
	const struct av_node *u = spark_unwrap(t, &nullable);

	if (!spark_room(l, o))
		return;

	spark_type(u, type, sizeof(type));
	if (u->t == AV_RECORD)
		for (i = 0; i < depth; i++)
			if (stack[i] == u) {
				buf_puts(o, prefix);
				buf_puts(o, "-- ");
				buf_puts(o, name);
				buf_puts(o, ": struct (recursive reference to ");
				buf_puts(o, u->fullname);
				buf_puts(o, ")\n");
				return;
			}
	/* In pieces: a name may be longer than any line buffer. */
	buf_puts(o, prefix);
	buf_puts(o, "-- ");
	buf_puts(o, name);
	buf_puts(o, ": ");
	buf_puts(o, type);
	if (nullword) {
		snprintf(line, sizeof(line), " (%s = %s)", nullword, nullable ? "true" : "false");
		buf_puts(o, line);
	}
	buf_putc(o, '\n');
	if (spark_children_of(u) && depth >= SPARK_MAX_DEPTH) {
		if (!spark_room(l, o))
			return;
		buf_puts(o, prefix);
		snprintf(line, sizeof(line), "    |-- (nested deeper than %d levels, the limit of "
		    "--print-schema: not shown)\n", SPARK_MAX_DEPTH);
		buf_puts(o, line);
	} else if (depth < SPARK_MAX_DEPTH) {
		char sub[5 * SPARK_MAX_DEPTH + 8];

		snprintf(sub, sizeof(sub), "%s    |", prefix);
		stack[depth] = u;
		spark_children(u, sub, o, stack, depth + 1, l);
	}
}

static void
spark_children(const struct av_node *n, const char *prefix, struct buf *o,
    const struct av_node **stack, int depth, struct lines *l)
{
	size_t i, m = 0;
	char name[32];

	switch (n->t) {
	case AV_RECORD:
		for (i = 0; i < n->nfields && !l->cut; i++)
			spark_line(prefix, n->fields[i].name, n->fields[i].type, "nullable", o, stack, depth, l);
		break;
	case AV_UNION:
		/* Several non-null branches: a struct of member0, member1, ... */
		for (i = 0; i < n->nbranches && !l->cut; i++)
			if (n->branches[i]->t != AV_NULL) {
				snprintf(name, sizeof(name), "member%zu", m++);
				spark_line(prefix, name, n->branches[i], "nullable", o, stack, depth, l);
			}
		break;
	case AV_ARRAY:
		spark_line(prefix, "element", n->items, "containsNull", o, stack, depth, l);
		break;
	case AV_MAP:
		if (!spark_room(l, o))
			break;
		buf_puts(o, prefix);
		buf_puts(o, "-- key: string\n");
		spark_line(prefix, "value", n->items, "valueContainsNull", o, stack, depth, l);
		break;
	default:
		break;
	}
}

int
avspark_tree(const struct av_node *root, struct buf *o)
{
	const struct av_node *stack[SPARK_MAX_DEPTH];
	int nullable;
	const struct av_node *u = spark_unwrap(root, &nullable);
	struct lines l = {0, o->len, 0};
	char line[200];

	buf_puts(o, "root\n");
	if (u->t == AV_RECORD) {
		stack[0] = u;
		spark_children(u, " |", o, stack, 1, &l);
	} else
		spark_line(" |", "value", root, "nullable", o, stack, 0, &l);
	if (!l.cut)
		return 0;
	snprintf(line, sizeof(line), " |-- (more than %d lines or %d MiB, the limit of --print-schema: "
	    "the rest not shown)\n", AVSPARK_MAX_LINES, AVSPARK_MAX_BYTES >> 20);
	buf_puts(o, line);
	return -1;
}
