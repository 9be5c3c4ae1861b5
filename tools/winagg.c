/*
 * winagg: JSON records in, aggregates over event-time windows out, with a
 * watermark (docs/DESIGN.md §7): the window engine (window.h) as a filter.
 * Here are its options, the record loop, the state file (§8), the --late
 * file, the table form and the signals that stop it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hash.h"
#include "io.h"
#include "tool.h"
#include "utf8.h"
#include "window.h"

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: winagg --time field [--time-unit s|ms|us|iso]\n"
	    "              --window dur [--slide dur] [--offset dur] | --session gap\n"
	    "              [--watermark dur] [--where cond ...] [--group-by [column=]field ...]\n"
	    "              [--label column:value=label ...] [--count name]\n"
	    "              [--count-of name=field] [--sum name=field] [--min name=field]\n"
	    "              [--max name=field] [--avg name=field] [--count-distinct name=field]\n"
	    "              [--mode append|update] [--at-eof flush|keep] [--state file]\n"
	    "              [--checkpoint-every n] [--late file] [--in stream|ndjson]\n"
	    "              [--out stream|ndjson|table] [--time-format spark|iso|epoch-ms]\n"
	    "              [--on-error fail|skip] [--micro-batch] [--back-to-back] [--max-record size]\n"
	    "              [--partial | --merge]\n"
	    "       winagg --version\n");
	exit(status);
}

/* The aggregates' options (O_COUNT to O_DISTINCT) in the order of enum wa_kind. */
enum {
	O_TIME = 0x100, O_UNIT, O_WINDOW, O_SLIDE, O_OFFSET, O_SESSION, O_WATERMARK, O_WHERE,
	O_GROUP, O_LABEL, O_COUNT, O_COUNT_OF, O_SUM, O_MIN, O_MAX, O_AVG, O_DISTINCT, O_MODE,
	O_ATEOF, O_STATE, O_CHECKPOINT, O_LATE, O_IN, O_OUT, O_TFMT, O_ON_ERROR, O_MAX_RECORD,
	O_BATCH, O_CHAINED, O_PARTIAL, O_MERGE, O_HELP
};

/*
 * The options. Those marked keyed give the state its meaning: as written
 * on the command line, they are its fingerprint, kept in the state file,
 * which a run with other keyed options refuses; the others (output, files)
 * may change from run to run.
 */
static const struct opt {
	const char *name;
	int arg, id, keyed;
} opts[] = {
	{"time", 1, O_TIME, 1}, {"time-unit", 1, O_UNIT, 1}, {"window", 1, O_WINDOW, 1},
	{"slide", 1, O_SLIDE, 1}, {"offset", 1, O_OFFSET, 1}, {"session", 1, O_SESSION, 1},
	{"watermark", 1, O_WATERMARK, 1}, {"where", 1, O_WHERE, 1}, {"group-by", 1, O_GROUP, 1},
	{"label", 1, O_LABEL, 1}, {"count", 1, O_COUNT, 1}, {"count-of", 1, O_COUNT_OF, 1},
	{"sum", 1, O_SUM, 1}, {"min", 1, O_MIN, 1}, {"max", 1, O_MAX, 1}, {"avg", 1, O_AVG, 1},
	{"count-distinct", 1, O_DISTINCT, 1}, {"mode", 1, O_MODE, 1},
	{"at-eof", 1, O_ATEOF, 0}, {"state", 1, O_STATE, 0}, {"checkpoint-every", 1, O_CHECKPOINT, 0},
	{"late", 1, O_LATE, 0}, {"in", 1, O_IN, 0}, {"out", 1, O_OUT, 0},
	{"time-format", 1, O_TFMT, 0}, {"on-error", 1, O_ON_ERROR, 0},
	{"max-record", 1, O_MAX_RECORD, 0}, {"help", 0, O_HELP, 0}, {"micro-batch", 0, O_BATCH, 0},
	{"back-to-back", 0, O_CHAINED, 0}, {"partial", 0, O_PARTIAL, 0}, {"merge", 0, O_MERGE, 0},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* The keyed options of argv, each with its value, in order, a space after each. */
static char *
fingerprint(int argc, char **argv)
{
	struct buf f = {0};
	size_t k, n;
	int i;

	for (i = 1; i < argc; i++)
		for (k = 0; k < NOPTS; k++) {
			const char *a = argv[i];

			n = strlen(opts[k].name);
			if (!opts[k].keyed || strncmp(a, "--", 2) != 0 || strncmp(a + 2, opts[k].name, n) != 0 ||
			    (a[n + 2] && a[n + 2] != '='))
				continue;
			buf_puts(&f, a);
			if (!a[n + 2] && i + 1 < argc) {
				buf_putc(&f, ' ');
				buf_puts(&f, argv[++i]);
			}
			buf_putc(&f, ' ');
			break;
		}
	return buf_detach(&f, NULL);
}

/*
 * The fingerprint of the rows of --partial: what they depend on, the time
 * unit and the window as the engine took them (--window 1m is --window 60s)
 * and --time, --where, --group-by and the aggregates as given (text, each
 * after the option's full name, in order: opts, as main collected them),
 * hashed (FNV-1a, 64 bits) into 16 hex digits. --merge takes only rows that
 * carry its own.
 */
static char *
partial_fingerprint(const struct buf *opts_given, const struct window_config *c)
{
	struct buf f = {0};
	char hex[17];

	buf_printf(&f, "winagg-partial 1 unit %d window %lld slide %lld offset %lld\x1f", (int)c->unit,
	    (long long)c->size, (long long)c->slide, (long long)c->offset);
	if (opts_given->len)
		buf_put(&f, opts_given->p, opts_given->len);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash_fnv1a(f.p, f.len));
	buf_free(&f);
	return xstrndup(hex, 16);
}

static int64_t
duration(const char *opt, const char *arg, int zero_ok)
{
	int64_t us;

	if (wa_duration(arg, &us) < 0 || us < 0 || (!zero_ok && us == 0))
		die(EXIT_USAGE, "%s: expected a %sduration such as 30s, 5m, 1h or 250ms, got \"%s\"",
		    opt, zero_ok ? "" : "positive ", arg);
	return us;
}

/* A keyed option, into the engine's config. */
static void
keyed_option(struct window_config *c, int id, const char *arg)
{
	static const char *const units[] = {"s", "ms", "us", "iso", NULL};
	static const char *const modes[] = {"append", "update", NULL};
	char err[256];
	int rc;

	switch (id) {
	case O_UNIT: c->unit = (enum window_unit)opt_choice("--time-unit", arg, units); break;
	case O_MODE: c->mode = (enum window_mode)opt_choice("--mode", arg, modes); break;
	case O_TIME:
		wa_path_free(&c->time);
		if (wa_path_parse(arg, &c->time) < 0)
			die(EXIT_USAGE, "--time: invalid field \"%s\"", arg);
		break;
	case O_WINDOW: c->size = duration("--window", arg, 0); break;
	case O_SLIDE: c->slide = duration("--slide", arg, 0); break;
	case O_OFFSET: c->offset = duration("--offset", arg, 1); break;
	case O_SESSION: c->gap = duration("--session", arg, 0); break;
	case O_WATERMARK: c->delay = duration("--watermark", arg, 1); break;
	case O_WHERE:
		if (window_add_where(c, arg, err, sizeof(err)) < 0)
			die(EXIT_USAGE, "--where %s: %s", arg, err);
		break;
	case O_GROUP:
		if (window_add_group(c, arg) < 0)
			die(EXIT_USAGE, "--group-by: expected field or column=field, got \"%s\"", arg);
		break;
	case O_LABEL:
		if ((rc = window_add_label(c, arg)) == -1)
			die(EXIT_USAGE, "--label: expected column:value=label, got \"%s\"", arg);
		if (rc < 0)
			die(EXIT_USAGE, "--label %s: no --group-by column \"%.*s\" before it", arg,
			    (int)(strchr(arg, ':') - arg), arg);
		break;
	default:	/* the aggregates */
		if (window_add_agg(c, (enum wa_kind)(id - O_COUNT), arg) == 0)
			break;
		if (id == O_COUNT)
			die(EXIT_USAGE, "--count: expected an output name");
		die(EXIT_USAGE, "--%s: expected name=field, got \"%s\"", wa_agg_name[id - O_COUNT], arg);
	}
}

/* Where the rows go: records, lines, or a table per emission (as Spark's console sink). */
enum form { OUT_STREAM, OUT_NDJSON, OUT_TABLE };

struct out {
	struct rs_writer *w;
	enum form form;
	const struct window_config *c;
	char **cell;		/* the table's rows, 1 + ngroup + nagg cells a row */
	size_t nrow, cap;
	uint64_t batches;
};

/* Value v of a row, a string without its quotes when unquote. */
static char *
cell(const struct window_row *r, size_t v, int unquote)
{
	const char *p = r->json + r->val[v].off;
	size_t n = r->val[v].len;

	if (unquote && *p == '"') {
		p++;
		n -= 2;
	}
	return xstrndup(p, n);
}

static void
table_add(struct out *o, const struct window_row *r)
{
	size_t nc = 1 + o->c->ngroup + o->c->nagg, i;
	char *start = cell(r, 0, 1), *end = cell(r, 1, 1);
	struct buf c = {0};

	o->cell = xgrowarray(o->cell, &o->cap, (o->nrow + 1) * nc, sizeof(char *));
	/* {start, end} as Spark shows a window struct, strings without their quotes */
	buf_printf(&c, "{%s, %s}", start, end);
	o->cell[o->nrow * nc] = buf_detach(&c, NULL);
	for (i = 1; i < nc; i++)
		o->cell[o->nrow * nc + i] = cell(r, 1 + i, i <= o->c->ngroup);
	o->nrow++;
	free(start);
	free(end);
}

static const char *
heading(const struct out *o, size_t i)
{
	return i == 0 ? "window" : i <= o->c->ngroup ? o->c->group[i - 1].column :
	    o->c->agg[i - 1 - o->c->ngroup].name;
}

/* The rows of one emission as a table headed "Batch: N", if there are any. */
static void
table_flush(struct out *o)
{
	size_t nc = 1 + o->c->ngroup + o->c->nagg, i, r, k, *wd;
	struct buf b = {0};

	if (!o->nrow)
		return;
	wd = xcalloc(nc, sizeof(size_t));
	for (i = 0; i < nc; i++) {
		wd[i] = strlen(heading(o, i));
		for (r = 0; r < o->nrow; r++)
			if (strlen(o->cell[r * nc + i]) > wd[i])
				wd[i] = strlen(o->cell[r * nc + i]);
	}
	buf_printf(&b, "-------------------------------------------\n"
	    "Batch: %llu\n-------------------------------------------\n",
	    (unsigned long long)o->batches++);
	for (r = 0; r < o->nrow + 4; r++) {
		int sep = r == 0 || r == 2 || r == o->nrow + 3;

		for (i = 0; i < nc; i++) {
			const char *s = r == 1 ? heading(o, i) : sep ? "" : o->cell[(r - 3) * nc + i];
			size_t len = strlen(s);

			buf_putc(&b, sep ? '+' : '|');
			for (k = 0; k < wd[i] - (sep ? 0 : len); k++)
				buf_putc(&b, sep ? '-' : ' ');
			if (!sep)
				buf_puts(&b, s);
		}
		buf_puts(&b, sep ? "+\n" : "|\n");
	}
	buf_putc(&b, '\n');
	rs_put(o->w, b.p, b.len);
	for (r = 0; r < o->nrow * nc; r++)
		free(o->cell[r]);
	o->nrow = 0;
	buf_free(&b);
	free(wd);
}

static void
emit_row(void *arg, const struct window_row *r)
{
	struct out *o = arg;

	if (o->form == OUT_TABLE)
		table_add(o, r);
	else if (o->form == OUT_NDJSON) {
		rs_put(o->w, r->json, r->len);
		rs_put(o->w, "\n", 1);
	} else
		rs_put_rec(o->w, r->json, r->len);
}

/* --partial: a row, as a record or a line. */
static void
put_row(void *arg, const char *row, size_t len)
{
	struct out *o = arg;

	if (o->form == OUT_NDJSON) {
		rs_put(o->w, row, len);
		rs_put(o->w, "\n", 1);
	} else
		rs_put_rec(o->w, row, len);
}

/* window_advance, or window_flush when flush, then the table of what they emitted. */
static void
advance(struct window_engine *w, struct out *o, int flush)
{
	if (flush)
		window_flush(w);
	else if (window_advance(w) < 0)
		die(EXIT_DATA, "%s", window_error(w));
	table_flush(o);
}

static void
save_state(struct window_engine *w, const char *path)
{
	if (window_save_file(w, path) < 0)
		die_errno(EXIT_ENV, "state file %s", window_error(w));
}

static void
load_state(struct window_engine *w, const char *path)
{
	size_t line;

	switch (window_load_file(w, path, &line)) {
	case WINDOW_LOADED:
		break;
	case WINDOW_LOAD_CONFIG:
		die(EXIT_ENV, "state file %s was written by another configuration:\n  it has:  %s\n"
		    "  now:     %s", path, window_error(w), window_get_config(w)->fingerprint);
	case WINDOW_LOAD_IOERR:
		if (*window_error(w))	/* not a regular file, or too large */
			die(EXIT_ENV, "state file %s: %s", path, window_error(w));
		die_errno(EXIT_ENV, "state file %s", path);
	default:
		die(EXIT_ENV, "state file %s: line %zu: %s (not winagg's, damaged, or from another "
		    "version; remove it to start afresh)", path, line, window_error(w));
	}
}

/* What main and record share. */
static struct run {
	struct window_engine *w;
	struct tool t;
	struct out out;
	const char *state, *late;
	FILE *late_f;
	uint32_t checkpoint;
	int after_barrier;	/* the last input was a barrier: the end of input ends no batch */
	/*
	 * Once a barrier has come, the state is saved at barriers only (not at
	 * the end of input, on a signal or by --checkpoint-every): whoever sends
	 * barriers copies the state file when one comes out, and it must be
	 * that barrier's (docs/DESIGN.md §2, §9).
	 */
	int seen_barrier;
	uint64_t nbarriers;	/* barriers that came */
	uint64_t last_barrier;	/* its id */
	uint64_t since_barrier;	/* records read since */
	int final;		/* the final barrier has come: the input is over */
	int late_errno;		/* writing the --late file failed: the run stops as at a signal */
	int partial, merge;	/* --partial, --merge */
	char *pfp;		/* their rows' fingerprint */
	uint64_t late_lost;	/* late records not written after that */
} run = {.out.w = &run.t.out};

/*
 * Writing the --late file failed (its reader went away: EPIPE, SIGPIPE being
 * ignored; a full disk): at once (now), at a checkpoint barrier, where the
 * batch ends unsaved as at a cut, or else once the run has stopped as at a
 * signal, the records already read processed and the state saved.
 */
static _Noreturn void
late_failed(int saved)
{
	int e = run.late_errno ? run.late_errno : errno ? errno : EIO;
	char lost[64] = "";

	fclose(run.late_f);
	run.late_f = NULL;
	if (run.late_lost)
		snprintf(lost, sizeof(lost), " and %llu after it", (unsigned long long)run.late_lost);
	die(EXIT_ENV, "--late %s: %s: late records not written (those since it was last flushed%s); %s",
	    run.late, strerror(e), lost, !run.state ? "no state file" : saved ?
	    "the state is saved, covering every record read, as at SIGTERM" :
	    "the state file is as last saved, before this batch");
}

/* A late record's line to the --late file; at a write error the run stops. */
static void
late_put(const struct rs_rec *r)
{
	if (run.late_errno) {
		run.late_lost++;
		return;
	}
	errno = 0;
	if (fwrite(r->data, 1, (size_t)r->len, run.late_f) != (size_t)r->len ||
	    fputc('\n', run.late_f) == EOF) {
		run.late_errno = errno ? errno : EIO;
		io_stop = 1;
	}
}

/*
 * A checkpoint barrier ends a batch as the end of a run per batch does, saves the
 * state, and is passed on once everything before it is out (docs/DESIGN.md §2, §9).
 */
static void
barrier(const struct rs_rec *r)
{
	const struct window_config *cf = window_get_config(run.w);

	if (run.final)
		die(EXIT_DATA, "a checkpoint barrier after the final one (record %llu at byte %llu)",
		    (unsigned long long)r->recno, (unsigned long long)r->off);
	if (run.partial) {
		/* the rows of the records since the last barrier (none: none) */
		if (run.since_barrier)
			window_partial(run.w, run.pfp, put_row, &run.out);
		if (r->barrier & RS_BARRIER_FINAL)
			run.final = 1;
	} else if (r->barrier & RS_BARRIER_FINAL) {
		/* the end of input, as a run ends: the batch (if records came
		 * since the last barrier, or none came), then --at-eof */
		run.final = 1;
		if (cf->batching != WINDOW_EACH_RECORD && !run.after_barrier)
			advance(run.w, &run.out, 0);
		if (cf->at_eof == WINDOW_FLUSH)
			advance(run.w, &run.out, 1);
	} else if (cf->batching != WINDOW_EACH_RECORD) {
		advance(run.w, &run.out, 0);
	}
	run.seen_barrier = 1;
	run.nbarriers++;
	run.last_barrier = r->barrier & ~RS_BARRIER_FINAL;
	run.since_barrier = 0;
	/* the --late file first: a batch whose late records are lost saves no state */
	if (run.late_f && (run.late_errno || fflush(run.late_f)))
		late_failed(0);
	if (run.state) {
		rs_flush(&run.t.out);	/* the rows out first: a broken pipe saves nothing */
		save_state(run.w, run.state);
	}
	tool_barrier(&run.t, r);
	run.after_barrier = 1;
}

/* --merge: a row of winagg --partial. */
static void
merge(const struct rs_rec *r, const char *json)
{
	char where[RS_TOPIC_MAX + 80] = "";
	uint64_t bad = window_stats(run.w)->bad;

	switch (window_merge(run.w, run.pfp, json, r->len < 0 ? 0 : (size_t)r->len)) {
	case WINDOW_MERGED:
		/* the parts' bad records, reported as winagg reports those it skipped */
		run.t.skipped += window_stats(run.w)->bad - bad;
		return;
	case WINDOW_MERGE_LATE:
		return;
	case WINDOW_MERGE_BAD:
		tool_bad(&run.t, r, "%s", window_error(run.w));
		return;
	default:
		/* never skipped: another job's rows, or a sum past 64 bits, is no record to drop */
		if (r->stamp)
			snprintf(where, sizeof(where), " (topic %s partition %ld offset %lld)",
			    r->stamp->topic, (long)r->stamp->partition, (long long)r->stamp->offset);
		die(EXIT_DATA, "record %llu at byte %llu%s: %s", (unsigned long long)r->recno,
		    (unsigned long long)r->off, where, window_error(run.w));
	}
}

static void
record(const struct rs_rec *r)
{
	const char *json = r->len < 0 ? NULL : r->len ? (const char *)r->data : "";
	enum window_fed fed;

	if (r->len == RS_BARRIER) {
		barrier(r);
		return;
	}
	if (run.final)
		die(EXIT_DATA, "record %llu at byte %llu: after the final checkpoint barrier",
		    (unsigned long long)r->recno, (unsigned long long)r->off);
	run.after_barrier = 0;
	run.since_barrier++;
	if (run.merge) {
		merge(r, json);
		return;
	}
	fed = window_feed(run.w, json, r->len < 0 ? 0 : (size_t)r->len);
	if (fed == WINDOW_BAD)
		tool_bad(&run.t, r, "%s", window_error(run.w));
	if (fed != WINDOW_TAKEN && fed != WINDOW_LATE)
		return;
	if (fed == WINDOW_LATE && run.late_f)
		late_put(r);
	if (window_get_config(run.w)->batching == WINDOW_EACH_RECORD && !run.partial)
		advance(run.w, &run.out, 0);
	if (run.checkpoint && run.state && !run.seen_barrier &&
	    window_stats(run.w)->read % run.checkpoint == 0) {
		rs_flush(&run.t.out);
		save_state(run.w, run.state);
	}
}

/*
 * --partial keeps no state and no watermark: what is the merger's (the
 * watermark, the output mode, the state, late records, the batching, the
 * form of window bounds) is refused there, as are session windows, which
 * parts cannot make exactly. --merge reads rows, not records (no --late),
 * and judges late once per batch, so it needs --micro-batch or
 * --back-to-back.
 */
static void
scale_out_options(const char *given, enum form form)
{
	static const int not_partial[] = {O_WATERMARK, O_MODE, O_ATEOF, O_STATE, O_CHECKPOINT, O_LATE,
	    O_TFMT, O_BATCH, O_CHAINED, O_SESSION, O_MERGE};
	static const int not_merge[] = {O_LATE, O_CHECKPOINT, O_SESSION};
	size_t i, k;

	for (i = 0; run.partial && i < sizeof(not_partial) / sizeof(not_partial[0]); i++)
		if (given[not_partial[i] - O_TIME]) {
			for (k = 0; opts[k].id != not_partial[i]; k++)
				;
			die(EXIT_USAGE, "--%s: not with --partial, %s", opts[k].name,
			    not_partial[i] == O_MERGE ? "which makes the rows --merge takes" :
			    not_partial[i] == O_SESSION ? "whose parts' sessions cannot be merged exactly "
			    "(whether a record is late for a session depends on its own time)" :
			    "which keeps no state, no watermark and no windows across barriers: give it to "
			    "winagg --merge");
		}
	if (run.partial && form == OUT_TABLE)
		die(EXIT_USAGE, "--out table: not with --partial, whose rows are for winagg --merge "
		    "(stream or ndjson)");
	for (i = 0; run.merge && i < sizeof(not_merge) / sizeof(not_merge[0]); i++)
		if (given[not_merge[i] - O_TIME]) {
			for (k = 0; opts[k].id != not_merge[i]; k++)
				;
			die(EXIT_USAGE, "--%s: not with --merge, %s", opts[k].name,
			    not_merge[i] == O_LATE ? "which reads the rows of winagg --partial, not records: "
			    "there are no late records to write" : not_merge[i] == O_SESSION ?
			    "as winagg --partial cannot make session windows exactly" :
			    "which saves the state at checkpoint barriers (or at the end of input)");
		}
	if (run.merge && !given[O_BATCH - O_TIME] && !given[O_CHAINED - O_TIME])
		die(EXIT_USAGE, "--merge needs --micro-batch or --back-to-back: the rows of a part say "
		    "nothing of the order of its records, which the watermark after each record would need");
}

static volatile sig_atomic_t stop_sig;

static void
on_signal(int sig)
{
	stop_sig = sig;
	io_stop = 1;
}

int
main(int argc, char **argv)
{
	static const char *const ateof[] = {"flush", "keep", NULL};
	static const char *const ins[] = {"stream", "ndjson", NULL};
	static const char *const outs[] = {"stream", "ndjson", "table", NULL};
	static const char *const tfmts[] = {"spark", "iso", "epoch-ms", NULL};
	struct option longopts[NOPTS + 1] = {{0}};
	char given[O_HELP - O_TIME] = {0};
	struct buf pf = {0};	/* the options of partial_fingerprint */
	struct window_config c = {0};
	const struct window_config *cf;
	const struct window_stats *st;
	int ch, ndjson = 0, on_error = ON_ERROR_FAIL, stopping;
	size_t max_record = RS_MAX_DEFAULT, i;
	struct sigaction sa;
	struct rs_rec r;
	char err[256];

	err_init(argv[0]);
	tool_version(argc, argv);
	for (i = 0; i < NOPTS; i++)
		longopts[i] = (struct option){opts[i].name, opts[i].arg, NULL, opts[i].id};
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch >= O_TIME && ch < O_HELP)
			given[ch - O_TIME] = 1;
		if (ch == O_TIME || ch == O_WHERE || ch == O_GROUP || (ch >= O_COUNT && ch <= O_DISTINCT)) {
			for (i = 0; opts[i].id != ch; i++)
				;
			buf_printf(&pf, "--%s %s\x1f", opts[i].name, optarg);
		}
		switch (ch) {
		case O_ATEOF: c.at_eof = WINDOW_FLUSH + opt_choice("--at-eof", optarg, ateof); break;
		case O_STATE: run.state = optarg; break;
		case O_CHECKPOINT: run.checkpoint = opt_u32("--checkpoint-every", optarg); break;
		case O_LATE: run.late = optarg; break;
		case O_IN: ndjson = opt_choice("--in", optarg, ins); break;
		case O_OUT: run.out.form = (enum form)opt_choice("--out", optarg, outs); break;
		case O_TFMT: c.time_format = (enum window_time_format)opt_choice("--time-format", optarg, tfmts); break;
		case O_ON_ERROR: on_error = opt_on_error(optarg, 0); break;
		case O_MAX_RECORD: max_record = opt_size("--max-record", optarg); break;
		case O_BATCH:
			if (c.batching == WINDOW_EACH_RECORD)
				c.batching = WINDOW_MICRO_BATCH;
			break;
		case O_CHAINED: c.batching = WINDOW_BACK_TO_BACK; break;
		case O_PARTIAL: run.partial = 1; break;
		case O_MERGE: run.merge = 1; break;
		case O_HELP: usage(0);
		default:
			for (i = 0; i < NOPTS && !(opts[i].id == ch && opts[i].keyed); i++)
				;
			if (i == NOPTS)
				usage(EXIT_USAGE);
			keyed_option(&c, ch, optarg);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	scale_out_options(given, run.out.form);
	c.partial = run.partial;
	c.persistent = run.state != NULL;
	c.fingerprint = fingerprint(argc, argv);
	c.emit = emit_row;
	c.emit_arg = &run.out;
	if (!(run.w = window_new(&c, err, sizeof(err))))
		die(EXIT_USAGE, "%s", err);
	cf = window_get_config(run.w);
	run.out.c = cf;
	if (run.partial || run.merge)
		run.pfp = partial_fingerprint(&pf, cf);
	buf_free(&pf);
	if (run.checkpoint && !run.state)
		die(EXIT_USAGE, "--checkpoint-every needs --state FILE");
	if (run.state && utf8_valid_prefix((const unsigned char *)cf->fingerprint,
	    strlen(cf->fingerprint)) != strlen(cf->fingerprint))
		die(EXIT_USAGE, "--state: the options are not UTF-8, which the state file cannot keep");
	if (run.state)
		load_state(run.w, run.state);
	if (run.late && !(run.late_f = fopen(run.late, "we")))
		die_errno(EXIT_ENV, "--late %s", run.late);
	/*
	 * A --late pipe whose reader went away is a write error (late_failed),
	 * not a silent death. Standard output gone still ends the run by
	 * SIGPIPE, quietly, as any filter's (io.c raises it whatever this says):
	 * the rows written since the state was last saved are lost with it, so
	 * the state file stays as last saved.
	 */
	if (run.late)
		signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/*
	 * Run by cfjob (CFKIT_BARRIERS=1), the input is barrier-bearing from
	 * its first byte: an end before the first barrier is a cut too (a
	 * stage before winagg died in the run's first batch), and the state is
	 * the one the run started from until a barrier saves it.
	 */
	{
		const char *b = getenv("CFKIT_BARRIERS");

		if (b && !strcmp(b, "1"))
			run.seen_barrier = 1;
	}
	tool_start(&run.t, max_record);
	run.t.in.lines = ndjson;
	run.t.on_error = on_error;
	run.t.text_out = run.out.form != OUT_STREAM;
	for (;;) {
		int rc = rs_next(&run.t.in, &r);

		if (rc == RS_OK) {
			record(&r);
			if (!stop_sig && !run.late_errno)
				continue;
		} else if (rc == RS_BAD)
			die(EXIT_DATA, "%s", run.t.in.msg);
		else if (rc == RS_IOERR && !stop_sig && !run.late_errno)
			die_errno(EXIT_ENV, "read error at byte %llu",
			    (unsigned long long)rs_offset(&run.t.in));
		break;
	}
	/*
	 * Interrupted: the records already read are processed (no more reads),
	 * so that the state covers exactly the input consumed; the open windows
	 * wait in the state file, as with --at-eof keep.
	 */
	stopping = stop_sig || run.late_errno;
	run.t.in.eof = stopping;
	while (stopping && rs_next(&run.t.in, &r) == RS_OK)
		record(&r);
	if (run.seen_barrier && !run.final && !run.partial) {
		/*
		 * Barriers came, then the end without the final one: a cut (a
		 * stage upstream stopped, or the sender did). The state stays
		 * as saved at the last barrier; nothing after it counts.
		 */
		rs_flush(&run.t.out);
		if (run.late_errno)
			late_failed(0);
		if (run.late_f && fclose(run.late_f) && !stop_sig)
			die_errno(EXIT_ENV, "--late %s", run.late);
		if (stop_sig) {
			warnmsg("interrupted (signal %d)%s", (int)stop_sig, run.state ?
			    "; the state file is as saved at the last checkpoint barrier" : "");
			signal((int)stop_sig, SIG_DFL);
			raise((int)stop_sig);
			return 128 + (int)stop_sig;
		}
		if (run.since_barrier > 0 && run.nbarriers == 0)
			die(EXIT_DATA, "the input ended %llu record%s in, without a final checkpoint barrier "
			    "(CFKIT_BARRIERS is set: a stage before winagg stopped?): %s not counted, and "
			    "the state file is as the run found it", (unsigned long long)run.since_barrier,
			    run.since_barrier == 1 ? "" : "s", run.since_barrier == 1 ? "it is" : "they are");
		if (run.since_barrier > 0)
			die(EXIT_DATA, "the input ended %llu record%s after checkpoint barrier %llu, without "
			    "a final barrier (a stage before winagg stopped?): %s not counted, and the "
			    "state file is as saved at that barrier", (unsigned long long)run.since_barrier,
			    run.since_barrier == 1 ? "" : "s", (unsigned long long)run.last_barrier,
			    run.since_barrier == 1 ? "it is" : "they are");
		warnmsg("the input ended right after checkpoint barrier %llu, without a final barrier: "
		    "nothing after it; the state file is as saved there", (unsigned long long)run.last_barrier);
		return tool_finish(&run.t);
	}
	if (run.final) {
		/* ended at the final barrier: rows written, state saved there */
		rs_flush(&run.t.out);
	} else if (run.partial) {
		if (run.since_barrier)
			window_partial(run.w, run.pfp, put_row, &run.out);
		rs_flush(&run.t.out);
	} else {
		if (cf->batching != WINDOW_EACH_RECORD && !run.after_barrier)
			advance(run.w, &run.out, 0);
		if (!stopping && cf->at_eof == WINDOW_FLUSH)
			advance(run.w, &run.out, 1);
		/*
		 * The rows out before the state is saved: if standard output
		 * has gone (SIGPIPE), rows the state says were written were
		 * not, so nothing is saved.
		 */
		rs_flush(&run.t.out);
		if (run.state)
			save_state(run.w, run.state);
	}
	if (run.late_errno)
		late_failed(1);
	if (stop_sig) {
		if (run.late_f)
			fclose(run.late_f);
		warnmsg("interrupted (signal %d)%s", (int)stop_sig, run.state ? "; state saved" : "");
		signal((int)stop_sig, SIG_DFL);
		raise((int)stop_sig);
		return 128 + (int)stop_sig;
	}
	if (run.late_f && fclose(run.late_f))
		die_errno(EXIT_ENV, "--late %s", run.late);
	st = window_stats(run.w);
	if (run.partial)
		warnmsg("summary: %llu records read, %llu filtered out, %llu without event time, %llu "
		    "partial rows written", (unsigned long long)st->read, (unsigned long long)st->filtered,
		    (unsigned long long)st->notime, (unsigned long long)st->rows);
	else
		warnmsg("summary: %llu records read, %llu filtered out, %llu without event time, %llu "
		    "late (record, window) pairs dropped, %llu rows emitted%s",
		    (unsigned long long)st->read, (unsigned long long)st->filtered,
		    (unsigned long long)st->notime, (unsigned long long)st->late,
		    (unsigned long long)st->rows,
		    cf->at_eof == WINDOW_KEEP ? "; open windows kept in the state file" : "");
	ch = tool_finish(&run.t);
	window_free(run.w);
	free(run.out.cell);
	return ch;
}
