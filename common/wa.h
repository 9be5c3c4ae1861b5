/*
 * The small languages of winagg's command line, apart so they can be fuzzed:
 * durations ("30s", "5m", "250ms") and --where conditions ("type=edit").
 */
#ifndef WA_H
#define WA_H

#include <stddef.h>
#include <stdint.h>

#include "jp.h"

/* A duration in microseconds: a number with a unit us, ms, s, m, h or d ("90s", "1.5m"). 0, or -1. */
int wa_duration(const char *s, int64_t *us);

enum { WA_EQ, WA_NE, WA_LT, WA_LE, WA_GT, WA_GE };
enum { WA_VNULL, WA_VBOOL, WA_VNUM, WA_VSTR };

struct wa_path {
	char **seg;		/* field names, outermost first */
	size_t *len;
	size_t n;
};

struct wa_where {
	struct wa_path path;
	int op;
	int vt;			/* WA_V* */
	int b;
	double num;
	char *str;
	size_t slen;
};

/* "a.b.c" (no empty names). 0, or -1. */
int wa_path_parse(const char *s, struct wa_path *p);
void wa_path_free(struct wa_path *p);
/* The value at path p in doc d, or NULL when a name is missing or a step is not an object. */
const struct jp_node *wa_get(const struct jp_doc *d, const struct wa_path *p);

/*
 * FIELD OP VALUE, OP one of = != < <= > >=; VALUE null, true, false, a
 * number, a JSON string, or bare text (a string). 0, or -1 with err set.
 */
int wa_where_parse(const char *s, struct wa_where *w, char *err, size_t errlen);
void wa_where_free(struct wa_where *w);
struct jw;
/* Whether the document satisfies w; sbuf is scratch for unescaping. */
int wa_where_match(const struct wa_where *w, const struct jp_doc *d, struct jw *sbuf);

#endif
