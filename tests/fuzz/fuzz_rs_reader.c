/* The record stream reader on arbitrary bytes: never reads out of bounds, and
 * either ends cleanly at a record boundary or reports where the stream broke;
 * a checkpoint barrier (length -2, 8-byte id) is 12 bytes and no record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rs_reader r;
	struct rs_rec rec;
	uint64_t off = 0, recs = 0;
	int st;

	rs_reader_init_mem(&r, data, size, 4096);
	while ((st = rs_next(&r, &rec)) == RS_OK) {
		if (rec.off != off)
			abort();
		if (rec.len == RS_BARRIER) {
			uint64_t id = 0;
			int i;

			if (off + RS_BARRIER_SIZE > size || rec.recno != recs || rec.stamp)
				abort();
			for (i = 0; i < 8; i++)
				id = id << 8 | data[off + 4 + (size_t)i];
			if (rec.barrier != id)
				abort();
			off += RS_BARRIER_SIZE;
			continue;
		}
		if (rec.len < -1 || rec.recno != ++recs)
			abort();
		if (rec.len > 0 && memcmp(rec.data, data + off + 4, (size_t)rec.len))
			abort();
		off += 4 + (rec.len > 0 ? (size_t)rec.len : 0);
	}
	if (st == RS_EOF && off != size)
		abort();
	if (st == RS_BAD && r.msg[0] == '\0')
		abort();
	rs_reader_free(&r);
	return 0;
}
