/*
 * until: --until P:O,...: the end (exclusive) of the offsets wanted from
 * each partition listed; a stamped record at or past its partition's end is
 * dropped (a consumer read past the plan of a batch, docs/DESIGN.md §9).
 * opt_until (opt.h) parses the list. Base layer (docs/DESIGN.md §3).
 */
#ifndef UNTIL_H
#define UNTIL_H

#include <stddef.h>
#include <stdint.h>

#include "rs.h"

struct until {
	struct until_part { int32_t partition; int64_t end; } *v;
	size_t n;
	uint64_t dropped;
};
/* Whether the record is to be dropped (counted). */
int until_beyond(struct until *u, const struct rs_stamp *s);
/* Reports the records dropped, if any, on stderr; frees the list. */
void until_finish(struct until *u);

#endif
