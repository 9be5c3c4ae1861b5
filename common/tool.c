#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "tool.h"

static struct tool *current;

static void
flush_current(void)
{
	if (current)
		rs_flush(&current->out);
}

static void
flush_idle(void *arg)
{
	rs_flush(arg);
}

/* Output queued by rs_put_ref points into the reader's buffer: send it before the buffer changes. */
static void
flush_refs(void *arg)
{
	struct rs_writer *w = arg;

	if (w->niov)
		rs_flush(w);
}

void
tool_start(struct tool *t, size_t max_record)
{
	memset(t, 0, sizeof(*t));
	rs_reader_init(&t->in, STDIN_FILENO, max_record);
	rs_writer_init(&t->out, STDOUT_FILENO);
	t->in.idle = flush_idle;
	t->in.idle_arg = &t->out;
	t->in.refill = flush_refs;
	t->in.refill_arg = &t->out;
	current = t;
	err_on_exit(flush_current);
}

int
tool_next(struct tool *t, struct rs_rec *rec)
{
	switch (rs_next(&t->in, rec)) {
	case RS_OK:
		return 1;
	case RS_EOF:
		return 0;
	case RS_BAD:
		die(EXIT_DATA, "%s", t->in.msg);
	default:
		die_errno(EXIT_ENV, "read error at byte %llu",
		    (unsigned long long)rs_offset(&t->in));
	}
}

void
tool_barrier(struct tool *t, const struct rs_rec *rec)
{
	if (t->text_out)
		rs_flush(&t->out);
	else
		rs_put_barrier(&t->out, rec->barrier);
}

void
tool_bad(struct tool *t, const struct rs_rec *rec, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Where the record came from in Kafka, when the stream is stamped. */
	char where[RS_TOPIC_MAX + 80] = "";

	if (rec->stamp)
		snprintf(where, sizeof(where), " (topic %s partition %ld offset %lld)",
		    rec->stamp->topic, (long)rec->stamp->partition, (long long)rec->stamp->offset);
	if (t->on_error == ON_ERROR_FAIL)
		die(EXIT_DATA, "record %llu at byte %llu%s: %s", (unsigned long long)rec->recno,
		    (unsigned long long)rec->off, where, msg);
	if (rec->stamp && t->skipped < 10)
		warnmsg("skipped record %llu%s: %s", (unsigned long long)rec->recno, where, msg);
	t->skipped++;
}

int
tool_finish(struct tool *t)
{
	rs_flush(&t->out);
	if (t->skipped)
		warnmsg("%llu bad record%s %s",
		    (unsigned long long)t->skipped, t->skipped == 1 ? "" : "s",
		    t->on_error == ON_ERROR_NULL ? "written as null" : "skipped");
	rs_reader_free(&t->in);
	rs_writer_free(&t->out);
	current = NULL;
	return 0;
}

#define FILE_MAX ((size_t)64 << 20)

char *
tool_read_file(const char *path, size_t *len, int open_status)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { NULL, 0, 0 };
	size_t k;

	if (!f)
		die_errno(open_status, "%s", path);
	do {
		/* one byte past the limit is enough to know the file is too large */
		size_t want = FILE_MAX + 1 - b.len;

		buf_room(&b, want < 65536 ? want : 65536);
		if (want > b.cap - b.len)
			want = b.cap - b.len;
		k = fread(b.p + b.len, 1, want, f);
		b.len += k;
		if (b.len > FILE_MAX)
			die(EXIT_USAGE, "%s: larger than 64 MiB", path);
	} while (k);
	if (ferror(f))
		die_errno(EXIT_ENV, "%s", path);
	fclose(f);
	return buf_detach(&b, len);
}

#ifndef CFKIT_VERSION
#define CFKIT_VERSION "unknown"
#endif
static const char version[] = CFKIT_VERSION;

void
tool_version(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(argv[i], "--"))
			return;
		if (strcmp(argv[i], "--version"))
			continue;
		if (*next && strspn(next, "0123456789") == strlen(next))
			continue;
		printf("%s (cfkit) %s\n", progname, version);
		exit(fflush(stdout) ? EXIT_ENV : 0);
	}
}
