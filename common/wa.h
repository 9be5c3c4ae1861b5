/*
 * The small languages of winagg, apart so they can be fuzzed: durations
 * ("30s", "5m", "250ms") and --where conditions ("type=edit") of its command
 * line, the value of an aggregate, and the lines of its state file. The
 * window engine (window.h) is built on them.
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
	int isint;		/* an integer that fits int64_t: inum, compared exactly */
	int64_t inum;
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
struct buf;
/* Whether the document satisfies w; sbuf is scratch for unescaping. */
int wa_where_match(const struct wa_where *w, const struct jp_doc *d, struct buf *sbuf);

/* Aggregates: the option --NAME is wa_agg_name[kind]. */
enum wa_kind { WA_COUNT, WA_COUNT_OF, WA_SUM, WA_MIN, WA_MAX, WA_AVG, WA_DISTINCT };
extern const char *const wa_agg_name[];

/*
 * A set of JSON texts, for exact distinct counts: open addressing (FNV-1a,
 * linear probing), at most half full; NULL slots are empty. The state file
 * lists a set sorted (bytewise).
 */
struct wa_set {
	char **v;
	size_t cap, n;
};

/* Adds a copy of the n bytes at v: 1, or 0 when the set has them already. */
int wa_set_add(struct wa_set *s, const char *v, size_t n);
void wa_set_free(struct wa_set *s);

/*
 * The value of one aggregate over the rows of one window and group: what
 * the window engine (window.h) keeps and a state line holds.
 */
struct wa_agg {
	int64_t cnt;		/* rows, non-null values, or numbers */
	int64_t isum;		/* the sum while every number is an integer (--sum's alone) */
	int64_t imin, imax;	/* exact, while every number is an integer */
	double sum, min, max;	/* may be infinite or NaN (written as jw_double writes them) */
	double bsum;		/* --micro-batch: this batch's sums, added to sum and isum at */
	int64_t bisum;		/* its end; a state line holds them added (these 0) */
	int allint, has;	/* every number an integer; some number */
	/*
	 * --merge: the sums of this batch's parts, added up at its end in order
	 * of value (so whatever order the parts' rows came in), into bsum
	 */
	double *bpart;
	size_t nbpart, bpartcap;
	struct wa_set distinct;	/* --count-distinct: the values as JSON texts */
};

/*
 * The state file (--state): a header line, then one line per (window, group).
 * The parsers take one line without its newline and accept only what the
 * writers can produce for the configuration; otherwise they return -1 with
 * err naming what is wrong, having freed what they made. The writers append
 * the line, without its newline, to o.
 */
struct wa_state_cfg {
	int session;
	int64_t size, slide, offset, gap;	/* microseconds */
	size_t ngcol;		/* --group-by columns: the parts of a key */
	const enum wa_kind *kind;	/* one per aggregate */
	size_t nagg;
};

struct wa_state_head {
	char *config;		/* the options that give the state its meaning */
	int64_t max_time;	/* the highest event time; INT64_MIN: none yet */
	size_t windows;		/* open windows: the distinct (start, end) of the group lines */
	int64_t late_mark;	/* --back-to-back: the watermark of the last batch; INT64_MIN: none */
};

/*
 * The largest count a state file may hold, and the most the counts of one
 * aggregate over all its lines may add up to: 2^62. Records counted after
 * the load (2^62 of them would take 36,000 years at 4 million a second) and
 * merged sessions then stay within int64_t.
 */
#define WA_COUNT_MAX ((int64_t)1 << 62)

struct wa_state_group {
	int64_t start, end;	/* the window [start, end) */
	char *key;		/* the group values, JSON texts separated by \x1f */
	size_t keylen;
	struct wa_agg *agg;	/* bsum and bisum 0 */
	size_t nagg;
};

int wa_state_head_parse(const char *s, size_t n, struct wa_state_head *h, char *err, size_t errlen);
void wa_state_head_free(struct wa_state_head *h);
void wa_state_put_head(struct buf *o, const struct wa_state_head *h);
/* A group line of the file whose header is h. */
int wa_state_group_parse(const char *s, size_t n, const struct wa_state_cfg *c,
    const struct wa_state_head *h, struct wa_state_group *g, char *err, size_t errlen);
void wa_state_group_free(struct wa_state_group *g);
void wa_state_put_group(struct buf *o, const struct wa_state_group *g);

/*
 * The rows of winagg --partial (man winagg, "Scaling out"): one per (window,
 * group), a state group line with the members "partial" (the fingerprint of
 * the options the rows depend on) and "pairs" (the (record, window) pairs
 * it holds); and a meta row of the records read:
 *   {"partial":FP,"max_time":T|null,"read":R,"filtered":F,"no_time":N,"bad":B}
 */
struct wa_partial {
	char *fp;		/* the row's fingerprint, also when it is not the one expected */
	size_t fplen;
	int meta;		/* a meta row: the counts; else a (window, group) row: g, pairs */
	int64_t max_time;	/* the highest event time of the records in windows; INT64_MIN: none */
	uint64_t read, filtered, notime, bad;
	struct wa_state_group g;	/* bsum and bisum 0 */
	int64_t pairs;
};

void wa_partial_put_group(struct buf *o, const char *fp, const struct wa_state_group *g, int64_t pairs);
void wa_partial_put_meta(struct buf *o, const char *fp, const struct wa_partial *m);
/*
 * A row of winagg --partial, made with the options of fingerprint fp and
 * the configuration c: 0; -1 (err set) when it is not such a row; -2 when its
 * fingerprint is another (m->fp is that one: free m).
 */
int wa_partial_parse(const char *s, size_t n, const struct wa_state_cfg *c, const char *fp,
    struct wa_partial *m, char *err, size_t errlen);
void wa_partial_free(struct wa_partial *m);

#endif
