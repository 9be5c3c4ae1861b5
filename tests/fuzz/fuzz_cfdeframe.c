/* cfdeframe's parsing on arbitrary record streams: records, frames, per-id stats. */
#include <stdint.h>
#include <stdlib.h>

#include "be.h"
#include "frame.h"
#include "rs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_stats s = { NULL, 0, 0 };
	struct rs_reader r;
	struct rs_rec rec;
	struct frame f;
	struct frame_stat *v;
	uint64_t good = 0, n = 0;
	size_t i;

	rs_reader_init_mem(&r, data, size, 1 << 16);
	while (rs_next(&r, &rec) == RS_OK) {
		if (rec.len < 0)
			continue;
		switch (frame_parse(rec.data, (size_t)rec.len, &f)) {
		case FRAME_OK:
			if (f.len + FRAME_HEADER != (size_t)rec.len ||
			    f.id != be32_get(rec.data + 1))
				abort();
			frame_stats_add(&s, f.id, f.len);
			good++;
			break;
		case FRAME_SHORT:
			if (rec.len >= FRAME_HEADER)
				abort();
			break;
		case FRAME_BADMAGIC:
			if (rec.data[0] == FRAME_MAGIC)
				abort();
			break;
		}
	}
	v = frame_stats_sorted(&s);
	for (i = 0; i < s.used; i++) {
		n += v[i].recs;
		if (i && v[i - 1].id >= v[i].id)
			abort();
	}
	if (n != good)
		abort();
	free(v);
	frame_stats_free(&s);
	rs_reader_free(&r);
	return 0;
}
