/*
 * The window engine: JSON records in, aggregates over event-time windows
 * out, with a watermark, as Spark Structured Streaming's window(),
 * session_window() and withWatermark() (docs/DESIGN.md §7), and a state that
 * is saved and loaded across runs (§8). winagg is its command line; the job
 * links it too. Layer: the engine, on wa.h's languages and aggregate values.
 *
 * Everything is in one struct window_engine, made from a struct
 * window_config: feed it records, advance the watermark, and it hands its
 * rows to the config's emit callback; save and load its state. Times are
 * int64_t microseconds.
 *
 * The engine never exits on bad data: a record it cannot take, a batch sum
 * that overflows or a state it cannot load is reported to the caller, with
 * window_error's message. Only memory running out ends the process (err.h).
 */
#ifndef WINDOW_H
#define WINDOW_H

#include <stdint.h>
#include <stdio.h>

#include "wa.h"

/* How the event time is written (--time-unit). */
enum window_unit { WINDOW_SECONDS, WINDOW_MILLIS, WINDOW_MICROS, WINDOW_ISO };

/* Output mode (--mode): rows once, when the window closes, or its changed rows each time. */
enum window_mode { WINDOW_APPEND, WINDOW_UPDATE };

/*
 * When the watermark moves and what late is judged against: after each
 * record; once per batch (--micro-batch: late against the watermark the
 * batch started with); once per batch with no no-data batch between
 * (--back-to-back: late against the watermark of the batch before).
 */
enum window_batching { WINDOW_EACH_RECORD, WINDOW_MICRO_BATCH, WINDOW_BACK_TO_BACK };

/*
 * At the end of input (--at-eof), whether the caller flushes the open windows
 * (window_flush) or keeps them in the saved state; the default is keep when
 * the state persists, else flush.
 */
enum window_at_eof { WINDOW_AT_EOF_DEFAULT, WINDOW_FLUSH, WINDOW_KEEP };

/* Window bounds in rows (--time-format): "2026-11-23 10:00:00", "2026-11-23T10:00:00Z", ms. */
enum window_time_format { WINDOW_TIME_SPARK, WINDOW_TIME_ISO, WINDOW_TIME_EPOCH_MS };

/* A --group-by column, with its --label mappings. */
struct window_group {
	char *column;
	struct wa_path path;
	char **value;		/* the canonical JSON text of a value, */
	char **label;		/* and the label written instead */
	size_t nlabel;
};

/* An aggregate (--count name, --sum name=field, ...). */
struct window_aggdef {
	enum wa_kind kind;
	char *name;
	struct wa_path path;	/* none for WA_COUNT */
};

struct window_row;

struct window_config {
	struct wa_path time;	/* --time */
	enum window_unit unit;
	int64_t size;		/* --window; 0: not given */
	int64_t slide;		/* --slide; 0: not given, windows tumble */
	int64_t offset;		/* --offset */
	int64_t gap;		/* --session; 0: not given, no session windows */
	int64_t delay;		/* --watermark */
	struct wa_where *where;
	size_t nwhere;
	struct window_group *group;
	size_t ngroup;
	struct window_aggdef *agg;	/* none: --count count */
	size_t nagg;
	enum window_mode mode;
	enum window_batching batching;
	enum window_at_eof at_eof;
	enum window_time_format time_format;
	int persistent;		/* the state is saved for a later run (--state) */
	/*
	 * --partial: no watermark, nothing late, no state; window_partial
	 * writes what the records made (batching WINDOW_EACH_RECORD, no session
	 * windows, window_advance and window_flush never called).
	 */
	int partial;
	/*
	 * The options that give the state its meaning, kept in it: a state
	 * saved under another config is refused. UTF-8.
	 */
	char *fingerprint;
	/* Receives each row, in order; the row is valid during the call. */
	void (*emit)(void *arg, const struct window_row *row);
	void *emit_arg;
};

/*
 * The arguments of --group-by ([column=]field), of --count (name) and the
 * other aggregates (name=field), and of --label (column:value=label, for a
 * column already added), added to c: 0, or -1 when arg is not of that form
 * (--label: -2 when c has no such column). --where: -1 with err set.
 */
int window_add_where(struct window_config *c, const char *arg, char *err, size_t errlen);
int window_add_group(struct window_config *c, const char *arg);
int window_add_agg(struct window_config *c, enum wa_kind kind, const char *arg);
int window_add_label(struct window_config *c, const char *arg);
/* Frees what c holds and empties it. */
void window_config_free(struct window_config *c);

struct window_engine;

/*
 * An engine for c, which it takes over (c is emptied, also on failure):
 * NULL with err set when the options do not go together (no --time, no
 * window, a slide longer than the window, ...), as winagg's messages.
 */
struct window_engine *window_new(struct window_config *c, char *err, size_t errlen);
void window_free(struct window_engine *w);
/* The config it runs, with the defaults filled in (the slide, the aggregate, at_eof). */
const struct window_config *window_get_config(const struct window_engine *w);

/* What window_feed did with a record. */
enum window_fed {
	WINDOW_BAD = -1,	/* a bad record, which nothing took: window_error says why */
	WINDOW_TAKEN,		/* in every window of its event time */
	WINDOW_LATE,		/* late for some or all of its windows (counted), in the others */
	WINDOW_FILTERED,	/* a --where condition does not hold */
	WINDOW_NO_TIME		/* no event time, or null */
};

/*
 * A record: the n bytes of one JSON document, NULL for a null record (a
 * Kafka tombstone, which is bad). Emits nothing: after each record taken
 * or late, call window_advance (WINDOW_EACH_RECORD); at the end of a batch,
 * window_advance once (the others).
 */
enum window_fed window_feed(struct window_engine *w, const char *json, size_t n);

/*
 * Moves the watermark to the event times fed so far and emits: in update
 * mode the rows that changed, in append mode those of the windows the
 * watermark finished, which are then freed. With batching, this ends the
 * batch (the next one starts from here): 0, or -1 when a --sum's batch total
 * added to the stored one overflows (window_error says where; the engine is
 * then beyond use, and the state saved before the batch is the one to keep).
 * Each call of window_advance or window_flush emits one group of rows at
 * most (one table of winagg's --out table, one "Batch" of Spark's console).
 */
int window_advance(struct window_engine *w);
/*
 * At the end of input, when at_eof is WINDOW_FLUSH (after window_advance,
 * with batching): emits (append mode) and frees every open window. With a
 * persistent state the watermark moves past them, so that they stay final:
 * a later run counts records for them as late.
 */
void window_flush(struct window_engine *w);

/* The message of the last failure of window_feed, window_advance or window_load. */
const char *window_error(const struct window_engine *w);

/*
 * A row: the window, its group values (labelled) and aggregates, as one JSON
 * object {"window":{"start":S,"end":E},COLUMN:V,...,NAME:A,...}; val gives
 * where S, E, each V and each A are in it, for other forms (a table).
 */
struct window_span {
	size_t off, len;
};

struct window_row {
	int64_t start, end;
	const char *json;
	size_t len;
	const struct window_span *val;	/* 2 + ngroup + nagg */
};

struct window_stats {
	uint64_t read;		/* records fed */
	uint64_t filtered;	/* dropped by --where */
	uint64_t notime;	/* without event time */
	uint64_t late;		/* late (record, window) pairs dropped */
	uint64_t rows;		/* rows emitted */
	uint64_t bad;		/* bad records */
};
const struct window_stats *window_stats(const struct window_engine *w);

/*
 * --partial: the rows of every (window, group) the records fed since the
 * last call made, sorted by window (end, start) and group, then the meta
 * row of those records (wa.h, struct wa_partial), each to put; the windows
 * are then forgotten. fp is the fingerprint the rows carry.
 */
void window_partial(struct window_engine *w, const char *fp,
    void (*put)(void *arg, const char *row, size_t len), void *arg);

/* What window_merge did with a row of winagg --partial. */
enum window_merged {
	WINDOW_MERGED,		/* merged into the state, or a meta row taken */
	WINDOW_MERGE_LATE,	/* its window ended at or before the watermark: dropped, its pairs counted late */
	WINDOW_MERGE_BAD,	/* not such a row: window_error says why */
	WINDOW_MERGE_OTHER,	/* made with other options: window_error says so */
	WINDOW_MERGE_OVERFLOW	/* a count or an integer sum would overflow: window_error says where */
};

/*
 * --merge (batching only): a row of winagg --partial (the n bytes of one JSON
 * object), made with the options of fingerprint fp, into the batch as its
 * records would have gone: a (window, group) row into that window and group
 * unless the window is late for the batch, a meta row's highest event time
 * to the watermark's and its counts to the stats (bad: the parts' bad
 * records skipped). Nothing changes unless WINDOW_MERGED.
 */
enum window_merged window_merge(struct window_engine *w, const char *fp, const char *json, size_t n);

/* Writes the state (docs/DESIGN.md §8) to f: 0, or -1 when f has an error. */
int window_save(const struct window_engine *w, FILE *f);
/*
 * The state into the file path, replaced whole: written to path.tmp.PID,
 * synced, renamed over path, and the directory synced, so that a crash
 * leaves the old state or the new one, readable by the owner only. 0, or -1
 * with errno set and window_error the name of the file that failed.
 */
int window_save_file(struct window_engine *w, const char *path);

/* What window_load found. */
enum window_loaded {
	WINDOW_LOADED = 0,
	WINDOW_LOAD_BAD = -1,	/* not a state winagg writes: window_error says why, *line where (0: empty) */
	WINDOW_LOAD_CONFIG = -2,	/* saved under another fingerprint: window_error is that one */
	WINDOW_LOAD_IOERR = -3	/* reading f failed: errno */
};

/*
 * Loads the state saved in f into a new engine, checking every line against
 * what window_save can write for its config. After a failure the engine
 * holds part of the state: free it.
 */
enum window_loaded window_load(struct window_engine *w, FILE *f, size_t *line);
/*
 * As window_load, from the file path; no such file is a first run: nothing
 * to load. Only a regular file of at most 1 GiB is loaded; otherwise
 * WINDOW_LOAD_IOERR with errno EINVAL (not a regular file) or EFBIG (too
 * large), and window_error says which.
 */
enum window_loaded window_load_file(struct window_engine *w, const char *path, size_t *line);

#endif
