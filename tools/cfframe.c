/* cfframe: tagged (or bare) bodies in, Confluent frames out, as records or for kcat -P -D. */
#include <getopt.h>
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
	    "usage: cfframe [--schema-id id] [-D delim] [--on-error fail|skip]\n"
	    "               [--max-record size]\n"
	    "       cfframe --version\n");
	exit(status);
}

struct opts {
	int bare;
	uint32_t id;
	int delimited;
	struct frame_delim delim;
};

/* Prints, in kcat's -D syntax, an 8-byte delimiter that this frame does not collide with. */
static void
suggest(const struct frame_delim *used, const unsigned char *frame, size_t n,
    char *out, size_t outlen)
{
	struct frame_delim d;
	unsigned start;
	size_t i;

	for (start = 0xfe; start >= 0x88; start--) {
		d.len = 8;
		for (i = 0; i < 8; i++)
			d.b[i] = (unsigned char)(start - i);
		if ((used->len != d.len || memcmp(used->b, d.b, d.len)) &&
		    frame_delim_find(&d, frame, n) < 0)
			break;
	}
	out[0] = '\0';
	for (i = 0; i < d.len && strlen(out) + 5 <= outlen; i++)
		snprintf(out + strlen(out), outlen - strlen(out), "\\x%02x", d.b[i]);
}

/* tmp: a copy of the frame p, freed before the end (LeakSanitizer counts it otherwise). */
static _Noreturn void
collision(const struct opts *o, const struct rs_rec *r, const unsigned char *p,
    size_t n, long at, void *tmp)
{
	char alt[8 * 4 + 1];

	suggest(&o->delim, p, n, alt, sizeof(alt));
	free(tmp);
	die(EXIT_DATA, "record %llu at byte %llu: the frame contains "
	    "the delimiter at frame byte %ld; nothing of it was "
	    "written; choose another delimiter, for example -D '%s'",
	    (unsigned long long)r->recno, (unsigned long long)r->off, at, alt);
}

/*
 * A large tagged body leaves from the input buffer, after a header from ours:
 * saves a copy of each record.
 */
static void
framed_ref(struct tool *t, const struct opts *o, const struct rs_rec *r, size_t n)
{
	unsigned char *p;
	long at;

	if (o->delimited) {
		/* the magic byte 0 cannot be part of a delimiter: no NUL there */
		at = frame_delim_find(&o->delim, r->data, (size_t)r->len);
		if (at >= 0) {
			unsigned char *f = xmalloc(n);

			f[0] = FRAME_MAGIC;
			memcpy(f + 1, r->data, (size_t)r->len);
			collision(o, r, f, n, at + 1, f);
		}
		rs_put(&t->out, &(const unsigned char){ FRAME_MAGIC }, 1);
		rs_put_ref(&t->out, r->data, (size_t)r->len);
		rs_put(&t->out, o->delim.b, o->delim.len);
		return;
	}
	p = rs_reserve(&t->out, FRAME_HEADER);
	be32_put(p, (uint32_t)n);
	p[4] = FRAME_MAGIC;
	rs_commit(&t->out, FRAME_HEADER);
	rs_put_ref(&t->out, r->data, (size_t)r->len);
}

static void
frame(struct tool *t, const struct opts *o, const struct rs_rec *r)
{
	size_t body, n, pre;
	unsigned char *p;
	long at;

	if (r->len < 0) {
		/* kcat 1.7.1 -P -D drops empty messages, even with -Z. */
		if (o->delimited)
			tool_bad(t, r, "a null record (tombstone) cannot be "
			    "written for kcat -P -D; use the record stream");
		else
			rs_put_null(&t->out);
		return;
	}
	if (!o->bare && r->len < 4) {
		tool_bad(t, r, "tagged body of %ld bytes is shorter than "
		    "its 4-byte schema id", (long)r->len);
		return;
	}
	body = (size_t)r->len - (o->bare ? 0 : 4);
	n = FRAME_HEADER + body;
	if (n > RS_MAX_LIMIT) {
		tool_bad(t, r, "a frame of %zu bytes cannot be a record", n);
		return;
	}
	if (!o->bare && (size_t)r->len >= RS_REF_MIN) {
		framed_ref(t, o, r, n);
		return;
	}
	pre = o->delimited ? 0 : 4;
	p = rs_reserve(&t->out, pre + n + (o->delimited ? o->delim.len : 0));
	if (!o->delimited)
		be32_put(p, (uint32_t)n);
	p[pre] = FRAME_MAGIC;
	if (o->bare) {
		be32_put(p + pre + 1, o->id);
		memcpy(p + pre + FRAME_HEADER, r->data, body);
	} else {
		memcpy(p + pre + 1, r->data, (size_t)r->len);
	}
	if (o->delimited) {
		at = frame_delim_find(&o->delim, p, n);
		if (at >= 0)
			collision(o, r, p, n, at, NULL);
		memcpy(p + n, o->delim.b, o->delim.len);
		n += o->delim.len;
	}
	rs_commit(&t->out, pre + n);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "schema-id", required_argument, NULL, 'i' },
		{ "delimiter", required_argument, NULL, 'D' },
		{ "on-error", required_argument, NULL, 'E' },
		{ "max-record", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { 0 };
	size_t max = RS_MAX_DEFAULT;
	int on_error = ON_ERROR_FAIL, ch;
	char msg[160];
	struct rs_rec r;
	struct tool t;

	err_init(argv[0]);
	tool_version(argc, argv);
	while ((ch = getopt_long(argc, argv, "D:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i': o.bare = 1; o.id = opt_u32("--schema-id", optarg); break;
		case 'D':
			if (frame_delim_parse(optarg, &o.delim, msg, sizeof(msg)) < 0)
				die(EXIT_USAGE, "-D: %s", msg);
			o.delimited = 1;
			break;
		case 'E': on_error = opt_on_error(optarg, 0); break;
		case 'm': max = opt_size("--max-record", optarg); break;
		case 'h': usage(0);
		default: usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	tool_start(&t, max);
	t.on_error = on_error;
	/* kcat -P -D input cannot hold a checkpoint barrier: flushed, not written */
	t.text_out = o.delimited;
	while (tool_next(&t, &r)) {
		if (r.len == RS_BARRIER)
			tool_barrier(&t, &r);
		else
			frame(&t, &o, &r);
	}
	return tool_finish(&t);
}
