/* cfdeframe: Confluent frames in, tagged bodies (schema id + body) out. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "be.h"
#include "err.h"
#include "frame.h"
#include "tool.h"

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: cfdeframe [--bare] [--expect-id id] [--on-error fail|skip] [--stats]\n"
	    "                 [--stamped [--until partition:offset,...]] [--max-record size]\n"
	    "       cfdeframe --inspect [--hex-bytes n] [--stats] [--stamped]\n"
	    "                 [--max-record size]\n"
	    "       cfdeframe --version\n");
	exit(status);
}

struct opts {
	int bare, inspect, stats, expect, stamped;
	uint32_t expect_id;
	size_t hex_bytes;
	struct until until;
};

struct counts {
	struct frame_stats ids;
	uint64_t nulls;
};

static void
put_hex(struct rs_writer *w, const unsigned char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, shown = n < max ? n : max;
	unsigned char *o = rs_reserve(w, 3 * shown + 5);
	unsigned char *s = o;

	for (i = 0; i < shown; i++) {
		if (i)
			*o++ = ' ';
		*o++ = (unsigned char)hex[p[i] >> 4];
		*o++ = (unsigned char)hex[p[i] & 15];
	}
	if (shown < n) {
		memcpy(o, " ...", 4);
		o += 4;
	}
	rs_commit(w, (size_t)(o - s));
}

static void
put_text(struct rs_writer *w, const char *s)
{
	rs_put(w, s, strlen(s));
}

/* One row of the --inspect table; bad frames are shown, not refused. */
static void
inspect(struct rs_writer *w, const struct rs_rec *r, size_t hex_bytes,
    struct counts *c)
{
	char line[128];
	struct frame f;
	int st;

	if (r->stamp) {
		snprintf(line, sizeof(line), "%9ld %12lld ", (long)r->stamp->partition,
		    (long long)r->stamp->offset);
		put_text(w, line);
	}
	if (r->len < 0) {
		c->nulls++;
		snprintf(line, sizeof(line), "%8llu %12llu %5s %10s %8s  null\n",
		    (unsigned long long)r->recno, (unsigned long long)r->off,
		    "-", "-", "-");
		put_text(w, line);
		return;
	}
	st = frame_parse(r->data, (size_t)r->len, &f);
	if (st == FRAME_SHORT) {
		snprintf(line, sizeof(line), "%8llu %12llu %5s %10s %8s  ",
		    (unsigned long long)r->recno, (unsigned long long)r->off,
		    "-", "-", "-");
		put_text(w, line);
		put_hex(w, r->data, (size_t)r->len, hex_bytes);
		snprintf(line, sizeof(line), "%s(short frame: %ld bytes)\n",
		    r->len ? "  " : "", (long)r->len);
		put_text(w, line);
		return;
	}
	snprintf(line, sizeof(line), "%8llu %12llu  0x%02x %10lu %8zu%s",
	    (unsigned long long)r->recno, (unsigned long long)r->off,
	    r->data[0], (unsigned long)be32_get(r->data + 1),
	    (size_t)r->len - FRAME_HEADER, (size_t)r->len > FRAME_HEADER ? "  " : "");
	put_text(w, line);
	put_hex(w, r->data + FRAME_HEADER, (size_t)r->len - FRAME_HEADER, hex_bytes);
	if (st == FRAME_BADMAGIC)
		put_text(w, "  (bad magic)");
	else
		frame_stats_add(&c->ids, f.id, f.len);
	put_text(w, "\n");
}

static void
deframe(struct tool *t, struct opts *o, const struct rs_rec *r,
    struct counts *c)
{
	struct frame f;
	unsigned char *p;
	size_t n;
	int st;

	if (r->stamp && until_beyond(&o->until, r->stamp))
		return;
	if (r->len < 0) {
		c->nulls++;
		if (r->stamp)
			rs_put_stamp(&t->out, r->stamp);
		rs_put_null(&t->out);
		return;
	}
	if ((st = frame_parse(r->data, (size_t)r->len, &f)) != FRAME_OK) {
		char why[128];

		tool_bad(t, r, "%s", frame_why(st, r->data, (size_t)r->len, why, sizeof(why)));
		return;
	}
	if (o->expect && f.id != o->expect_id) {
		tool_bad(t, r, "schema id %lu, expected %lu",
		    (unsigned long)f.id, (unsigned long)o->expect_id);
		return;
	}
	if (o->stats)
		frame_stats_add(&c->ids, f.id, f.len);
	/* The stamp goes out only with a record: a bad one leaves none behind. */
	if (r->stamp)
		rs_put_stamp(&t->out, r->stamp);
	/* Tagged: the frame minus its magic byte; bare: the body alone. */
	n = o->bare ? f.len : f.len + 4;
	if (n < RS_REF_MIN) {
		p = rs_reserve(&t->out, 4 + n);
		be32_put(p, (uint32_t)n);
		memcpy(p + 4, o->bare ? f.body : r->data + 1, n);
		rs_commit(&t->out, 4 + n);
		return;
	}
	/*
	 * Large records leave from the input buffer: the new length goes over
	 * the bytes just before the output (length and magic, or the schema
	 * id), which were read already. Saves the copy of each record.
	 */
	p = (o->bare ? r->data + FRAME_HEADER : r->data + 1) - 4;
	be32_put(p, (uint32_t)n);
	rs_put_ref(&t->out, p, 4 + n);
}

static void
report(const struct counts *c, uint64_t skipped)
{
	struct frame_stat *v = frame_stats_sorted(&c->ids);
	uint64_t recs = c->nulls + skipped, bytes = 0;
	size_t i;

	fprintf(stderr, "%10s %12s %14s\n", "schema_id", "records", "body_bytes");
	for (i = 0; i < c->ids.used; i++) {
		fprintf(stderr, "%10lu %12llu %14llu\n", (unsigned long)v[i].id,
		    (unsigned long long)v[i].recs, (unsigned long long)v[i].bytes);
		recs += v[i].recs;
		bytes += v[i].bytes;
	}
	if (c->nulls)
		fprintf(stderr, "%10s %12llu %14s\n", "null",
		    (unsigned long long)c->nulls, "-");
	if (skipped)
		fprintf(stderr, "%10s %12llu %14s\n", "bad",
		    (unsigned long long)skipped, "-");
	fprintf(stderr, "%10s %12llu %14llu\n", "total",
	    (unsigned long long)recs, (unsigned long long)bytes);
	free(v);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bare", no_argument, NULL, 'b' },
		{ "expect-id", required_argument, NULL, 'e' },
		{ "on-error", required_argument, NULL, 'E' },
		{ "stats", no_argument, NULL, 's' },
		{ "inspect", no_argument, NULL, 'i' },
		{ "hex-bytes", required_argument, NULL, 'x' },
		{ "max-record", required_argument, NULL, 'm' },
		{ "stamped", no_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .hex_bytes = 16 };
	struct counts c = { { NULL, 0, 0 }, 0 };
	size_t max = RS_MAX_DEFAULT;
	int on_error = ON_ERROR_FAIL, ch, status;
	struct rs_rec r;
	struct tool t;

	err_init(argv[0]);
	tool_version(argc, argv);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b': o.bare = 1; break;
		case 'e': o.expect = 1; o.expect_id = opt_u32("--expect-id", optarg); break;
		case 'E': on_error = opt_on_error(optarg, 0); break;
		case 's': o.stats = 1; break;
		case 'i': o.inspect = 1; break;
		case 'x':
			o.hex_bytes = opt_u32("--hex-bytes", optarg);
			if (o.hex_bytes > 4096)
				die(EXIT_USAGE, "--hex-bytes: at most 4096");
			break;
		case 'm': max = opt_size("--max-record", optarg); break;
		case 'S': o.stamped = 1; break;
		case 'u': opt_until(&o.until, optarg); break;
		case 'h': usage(0);
		default: usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	if (o.inspect && (o.bare || o.expect))
		die(EXIT_USAGE, "--inspect prints a table: it takes no --bare or --expect-id");
	if (o.until.n && (!o.stamped || o.inspect))
		die(EXIT_USAGE, "--until needs --stamped input, and no --inspect");
	tool_start(&t, max);
	t.in.stamped = o.stamped;
	t.on_error = on_error;
	t.text_out = o.inspect;	/* a table: a checkpoint barrier is flushed, not shown */
	if (o.inspect)
		put_text(&t.out, o.stamped ? "partition kafka_offset   record       offset magic  "
		    "schema_id   length  body\n" :
		    "  record       offset magic  schema_id   length  body\n");
	while (tool_next(&t, &r)) {
		if (r.len == RS_BARRIER)
			tool_barrier(&t, &r);
		else if (o.inspect)
			inspect(&t.out, &r, o.hex_bytes, &c);
		else
			deframe(&t, &o, &r, &c);
	}
	if (o.stats)
		report(&c, t.skipped);
	until_finish(&o.until);
	status = tool_finish(&t);
	frame_stats_free(&c.ids);
	return status;
}
