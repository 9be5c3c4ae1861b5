/*
 * jobstate: the text files of cfjob's state directory (docs/DESIGN.md §8),
 * each parsed and written by one pair of functions: the offsets of a commit
 * (c.N/offsets), the plan of a batch (plan.N), the batch named in the
 * offsets committed to the consumer group, and librdkafka property files
 * (-F). The parsers accept exactly what the writers write (a file written
 * again from what was parsed is the same bytes) and report anything else
 * into a caller's buffer, never dying on bad input. Base layer: buf, err.
 */
#ifndef JOBSTATE_H
#define JOBSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The next offset to read of each partition, sorted by partition. */
struct jobstate_offs {
	int32_t *part;
	int64_t *next;
	size_t n, cap;
};

void jobstate_offs_free(struct jobstate_offs *f);
/* The slot of partition p, or NULL. */
int64_t *jobstate_offs_slot(const struct jobstate_offs *f, int32_t p);
/* Sets partition p's offset, adding it in order if new. */
void jobstate_offs_set(struct jobstate_offs *f, int32_t p, int64_t next);
void jobstate_offs_copy(struct jobstate_offs *dst, const struct jobstate_offs *src);

/*
 * "cfjob-offsets-1 TOPIC\n" then "PARTITION NEXT\n" per partition, partitions
 * strictly increasing, numbers in plain decimal. topic: the job's input
 * topic (a file of another topic is refused, saying so); NULL accepts any.
 * 0 on success; -1 with err set.
 */
int jobstate_offs_parse(const char *text, size_t len, const char *topic,
    struct jobstate_offs *f, char *err, size_t errlen);
void jobstate_offs_format(struct buf *b, const char *topic, const struct jobstate_offs *f);

/* The plan of batch id: [from, to) of each partition. */
struct jobstate_plan {
	uint64_t id;
	int flush;		/* at-eof flush: the batch ends with the end of input */
	size_t n;
	int32_t *part;
	int64_t *from, *to;
};

void jobstate_plan_free(struct jobstate_plan *p);
/*
 * "base ID-1\n", "at-eof keep|flush\n", then "part P FROM TO\n" per partition,
 * partitions strictly increasing, FROM <= TO. id: the batch expected (its
 * base is id - 1). 0 on success; -1 with err set.
 */
int jobstate_plan_parse(const char *text, size_t len, uint64_t id,
    struct jobstate_plan *p, char *err, size_t errlen);
void jobstate_plan_format(struct buf *b, const struct jobstate_plan *p);

/* The metadata cfjob commits with each offset: "cfjob batch N". */
#define JOBSTATE_BATCH_MD_MAX 40
void jobstate_batch_md(char *out, size_t n, uint64_t id);
/* The batch N of "cfjob batch N" (N >= 1), or 0 for anything else. */
uint64_t jobstate_batch_md_parse(const void *md, size_t len);

/*
 * A librdkafka (kcat -F) property file: "name=value" lines, blanks around
 * the name and before the value ignored, blank lines and lines starting
 * with # or ! skipped; names of [A-Za-z0-9._-]. Calls fn for each property
 * in order; a line that is none of these is refused with its number.
 * 0 on success; -1 with err set (fn may also return -1 to stop, having set err).
 */
int jobstate_props_parse(const char *text, size_t len,
    int (*fn)(const char *name, size_t nlen, const char *val, size_t vlen, void *arg, char *err, size_t errlen),
    void *arg, char *err, size_t errlen);

/*
 * The messages of a job on several machines (cfjob --driver and --worker,
 * cfjob(1)). In the plan topic (GROUP-plan), a request from the driver:
 *   "cfjob-request 1\n" "group GROUP\n" "batch N\n" "committed C\n"
 *   "try T\n" then a plan of batch N ("base N-1", "at-eof ...", "part P
 *   FROM TO" lines: the ranges still wanted, a subset of the batch's);
 * or the end of the driver's run: "cfjob-end 1\n" "group GROUP\n"
 * "batch N\n" (N: its last commit). C: the last batch the driver had
 * committed; T counts the requests for batch N (1 first).
 * In the repartition topic (GROUP-repartition), each partial row a worker
 * made of a range is keyed "cfjob-row N P FROM TO ATTEMPT", and the range's
 * end is a null record keyed "cfjob-done N P FROM TO ATTEMPT ROWS" (ROWS:
 * the rows before it under that key). ATTEMPT: 16 hex digits, unique to one
 * worker's work on one range.
 */
struct jobstate_req {
	int end;		/* a cfjob-end message */
	uint64_t batch, committed, try;
	struct jobstate_plan plan;	/* the ranges (a request) */
};

void jobstate_req_free(struct jobstate_req *r);
/* 0; -1 with err set. group: the job's (a message of another group is refused). */
int jobstate_req_parse(const char *text, size_t len, const char *group, struct jobstate_req *r,
    char *err, size_t errlen);
void jobstate_req_format(struct buf *b, const char *group, const struct jobstate_req *r);

struct jobstate_key {
	int done;		/* a cfjob-done key */
	uint64_t batch, attempt, rows;
	int32_t part;
	int64_t from, to;
};

#define JOBSTATE_KEY_MAX 128
/* The key's text (not NUL-terminated in the message), its length. */
size_t jobstate_key_format(char *out, size_t n, const struct jobstate_key *k);
/* 0, or -1 for anything but a key jobstate_key_format writes. */
int jobstate_key_parse(const void *p, size_t len, struct jobstate_key *k);

/*
 * A snapshot of a commit's files (the driver's changelog, cfjob(1)):
 * "cfjob-snapshot 1\n" "batch N\n", then one entry per file: "d PATH\n" a
 * directory, "f PATH SIZE\n" and SIZE bytes a regular file, "l PATH
 * TARGET\n" a symbolic link. PATH is relative: no leading '/', no empty,
 * "." or ".." component, no newline or NUL; a parent comes before what it
 * holds. The parser calls fn for each entry in order (fn's nonzero return
 * stops it); 0, or -1 with err set.
 */
struct jobstate_snap_entry {
	char kind;		/* 'd', 'f' or 'l' */
	const char *path, *data;	/* data: a file's bytes, a link's target */
	size_t plen, dlen;
};

void jobstate_snap_begin(struct buf *b, uint64_t batch);
void jobstate_snap_add(struct buf *b, const struct jobstate_snap_entry *e);
int jobstate_snap_parse(const char *text, size_t len, uint64_t *batch,
    int (*fn)(const struct jobstate_snap_entry *e, void *arg), void *arg, char *err, size_t errlen);

#endif
