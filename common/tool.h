/*
 * tool: what every filter in the toolkit shares: the stdin/stdout loop, the
 * bad-record policy, --version, reading a schema file. The top of the base
 * layer (docs/DESIGN.md §3), used by the tools and gen-events; it includes
 * opt.h (option values) and until.h (--until), which every tool also uses.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stdint.h>

#include "opt.h"
#include "rs.h"
#include "until.h"

struct tool {
	struct rs_reader in;
	struct rs_writer out;
	int on_error;
	uint64_t skipped;
	int text_out;	/* output is text (NDJSON, a table): tool_barrier writes no barrier */
};

/* Opens stdin and stdout as record streams; die() flushes stdout first. */
void tool_start(struct tool *t, size_t max_record);
/*
 * Next input record, or 0 at a clean end; a broken stream is fatal (exit 1 or 3).
 * A checkpoint barrier comes as a record with len == RS_BARRIER: check for it
 * first, and pass it on with tool_barrier once everything before it is out.
 */
int tool_next(struct tool *t, struct rs_rec *rec);
/*
 * Passes a checkpoint barrier on: writes it and flushes everything before it
 * (rs_put_barrier). A tool whose output is text (t->text_out) has no way to
 * carry one: its output is flushed and no barrier is written.
 */
void tool_barrier(struct tool *t, const struct rs_rec *rec);
/*
 * A record that cannot be processed: stops the run under "fail" (status 1,
 * everything before it already written), or is counted under "skip".
 * Returns only if the record is to be dropped or replaced by a null.
 */
void tool_bad(struct tool *t, const struct rs_rec *rec, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Flushes stdout, reports skipped records, returns the exit status. */
int tool_finish(struct tool *t);

/*
 * --version: prints "PROGNAME (cfkit) VERSION" and exits 0 when argv holds
 * --version before any "--", unless a whole number follows it (avrodecode's
 * and avroencode's --version N, the subject's version). Call after err_init.
 */
void tool_version(int argc, char **argv);

/* A whole file (a schema), NUL-terminated, at most 64 MiB; a file that cannot be opened dies with status open_status. */
char *tool_read_file(const char *path, size_t *len, int open_status);

#endif
