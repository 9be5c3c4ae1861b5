/* The stamped record stream reader (kcat -f '%t %p %o %T %R%s') on arbitrary
 * bytes: never reads out of bounds; every record it returns lies where the
 * input says, with the stamp parsed from the text before it; a clean end is
 * at a record boundary, and a broken stream is reported with a message. A
 * checkpoint barrier has no stamp: byte 0xff, then the rest of length -2, and
 * its 8-byte id. */
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
	r.stamped = 1;
	while ((st = rs_next(&r, &rec)) == RS_OK) {
		struct rs_stamp s;
		size_t i, sp = 0, n;

		if (rec.len == RS_BARRIER) {
			static const uint8_t minus2[4] = { 0xff, 0xff, 0xff, 0xfe };
			uint64_t id = 0;
			int j;

			if (rec.off != off || rec.stamp || off + RS_BARRIER_SIZE > size ||
			    memcmp(data + off, minus2, 4) || rec.recno != recs)
				abort();
			for (j = 0; j < 8; j++)
				id = id << 8 | data[off + 4 + (size_t)j];
			if (rec.barrier != id)
				abort();
			off += RS_BARRIER_SIZE;
			continue;
		}
		if (rec.off != off || !rec.stamp || rec.len < -1 || rec.recno != ++recs)
			abort();
		for (i = (size_t)off; i < size && sp < 4; i++)
			sp += data[i] == ' ';
		if (sp != 4)
			abort();
		n = i - (size_t)off;
		if (rs_parse_stamp(data + off, n, &s) < 0 || strcmp(s.topic, rec.stamp->topic) ||
		    s.partition != rec.stamp->partition || s.offset != rec.stamp->offset ||
		    s.timestamp != rec.stamp->timestamp || s.partition < 0 || s.offset < 0 ||
		    s.timestamp < -1)
			abort();
		if (rec.len > 0 && memcmp(rec.data, data + off + n + 4, (size_t)rec.len))
			abort();
		off += n + 4 + (rec.len > 0 ? (size_t)rec.len : 0);
	}
	if (st == RS_EOF && off != size)
		abort();
	if (st == RS_BAD && r.msg[0] == '\0')
		abort();
	rs_reader_free(&r);
	return 0;
}
