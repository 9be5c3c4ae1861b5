/*
 * The JSON writers the toolkit shares, into a struct buf (buf.h): strings
 * (validated UTF-8, escaped as Jackson does), integers and shortest
 * round-trip floating point numbers. Written straight into the buffer, no DOM.
 * Layer: formats (docs/DESIGN.md §3); avrodecode's output and winagg's.
 */
#ifndef JW_H
#define JW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

/*
 * A JSON string from n bytes of UTF-8. Returns 0, or -1 with *bad set to
 * the offset of the first byte that is not valid UTF-8 (nothing is written).
 */
int jw_str(struct buf *w, const unsigned char *s, size_t n, size_t *bad);
/* A JSON string whose code points are the bytes 0-255 (Avro's bytes and fixed); avro-c 1.11.1's avro_value_to_json cuts bytes at the first 0x00. */
void jw_bytes(struct buf *w, const unsigned char *s, size_t n);
void jw_i64(struct buf *w, int64_t v);
/*
 * The text with the fewest significant digits that reads back as the same
 * value, of those the nearest to it (as Python's repr, and Java 19+ but for
 * its two digits where one would do: 4.9E-324), in Python's repr format:
 * positional from 1e-4 to below 1e16 with at least one digit after the
 * point ("100.0", "0.0001"), else scientific ("1e+16", "5e-324",
 * "1.5e-05"); floats the same way with the shortest float digits
 * ("3.4028235e+38"). NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (avro-c 1.11.1's avro_value_to_json fails on them). */
void jw_double(struct buf *w, double v);
void jw_float(struct buf *w, float v);

#endif
