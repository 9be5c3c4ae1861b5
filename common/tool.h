/*
 * tool: what every filter in the toolkit shares: the stdin/stdout loop, the
 * bad-record policy, --version, option values, --until. The top of the base
 * layer (docs/DESIGN.md §3), used by the tools and gen-events.
 *
 * Names: tool_* for the loop and --version; opt_* for option values (each
 * dies with status 2); until_* and opt_until for --until.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stdint.h>

#include "rs.h"

enum on_error { ON_ERROR_FAIL, ON_ERROR_SKIP, ON_ERROR_NULL };

struct tool {
	struct rs_reader in;
	struct rs_writer out;
	int on_error;
	uint64_t skipped;
};

/* Opens stdin and stdout as record streams; die() flushes stdout first. */
void tool_start(struct tool *t, size_t max_record);
/* Next input record, or 0 at a clean end; a broken stream is fatal (exit 1 or 3). */
int tool_next(struct tool *t, struct rs_rec *rec);
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

/* Option values shared by the tools. Each dies with status 2 on a bad value. */
int opt_on_error(const char *arg, int allow_null);
size_t opt_size(const char *opt, const char *arg);
uint32_t opt_u32(const char *opt, const char *arg);
/* An integer from lo to INT32_MAX. */
int opt_int(const char *opt, const char *arg, int lo);

/*
 * --until P:O,...: the end (exclusive) of the offsets wanted from each
 * partition listed; a stamped record at or past its partition's end is
 * dropped (a consumer read past the plan of a batch). opt_until dies with
 * status 2 on a bad list.
 */
struct until {
	struct until_part { int32_t partition; int64_t end; } *v;
	size_t n;
	uint64_t dropped;
};
void opt_until(struct until *u, const char *arg);
/* Whether the record is to be dropped (counted). */
int until_beyond(struct until *u, const struct rs_stamp *s);
/* Reports the records dropped, if any, on stderr; frees the list. */
void until_finish(struct until *u);

/* A whole file (a schema), NUL-terminated, at most 64 MiB; a file that cannot be opened dies with status open_status. */
char *tool_read_file(const char *path, size_t *len, int open_status);

#endif
