/*
 * frame: the Confluent wire format (magic byte 0, 4-byte big-endian schema
 * id, body), kcat's -D delimiter, and record counts per schema id.
 * Formats layer (docs/DESIGN.md §3): used by cfdeframe, cfframe, avrodecode.
 */
#ifndef FRAME_H
#define FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAGIC	0x00
#define FRAME_HEADER	5
#define FRAME_DELIM_MAX	64

enum frame_status { FRAME_OK, FRAME_SHORT, FRAME_BADMAGIC };

struct frame {
	uint32_t id;
	const unsigned char *body;
	size_t len;
};

int frame_parse(const unsigned char *p, size_t n, struct frame *f);
/* What is wrong with a frame frame_parse refused (status FRAME_SHORT or FRAME_BADMAGIC), in buf. */
const char *frame_why(int status, const unsigned char *p, size_t n, char *buf, size_t size);

/*
 * A delimiter in kcat's -D syntax: \n, \t and \xNN are unescaped, any other
 * byte (a lone backslash included) stands for itself. NUL bytes are refused
 * because kcat keeps the delimiter in a C string; so is \x followed by more
 * hex digits, which kcat would read as a single different byte.
 */
struct frame_delim {
	unsigned char b[FRAME_DELIM_MAX];
	size_t len;
};

int frame_delim_parse(const char *spec, struct frame_delim *d, char *err, size_t errlen);
/*
 * Whether a reader splitting "frame DELIM" at the first DELIM would cut the
 * frame short: DELIM occurs in the frame, or starts inside it and runs on into
 * the terminator. Returns the offset where it starts, or -1.
 */
long frame_delim_find(const struct frame_delim *d, const unsigned char *p, size_t n);

/* Record and byte counts per schema id, for --stats. */
struct frame_stat { uint32_t id; uint64_t recs, bytes; };
struct frame_stats {
	struct frame_stat *slot;	/* open addressing; recs == 0 marks a free slot */
	size_t cap, used;
};

void frame_stats_add(struct frame_stats *s, uint32_t id, size_t bytes);
/* The used entries sorted by id, in a new array of s->used elements. */
struct frame_stat *frame_stats_sorted(const struct frame_stats *s);
void frame_stats_free(struct frame_stats *s);

#endif
