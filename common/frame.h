/* The Confluent wire format: magic byte 0, 4-byte big-endian schema id, body. */
#ifndef FRAME_H
#define FRAME_H

#include <stddef.h>
#include <stdint.h>

#define CF_MAGIC	0x00
#define CF_HEADER	5
#define CF_DELIM_MAX	64

enum cf_status { CF_OK, CF_SHORT, CF_BADMAGIC };

struct cf_frame {
	uint32_t id;
	const unsigned char *body;
	size_t len;
};

int cf_parse(const unsigned char *p, size_t n, struct cf_frame *f);
/* What is wrong with a frame cf_parse refused (status CF_SHORT or CF_BADMAGIC), in buf. */
const char *cf_why(int status, const unsigned char *p, size_t n, char *buf, size_t size);

/*
 * A delimiter in kcat's -D syntax: \n, \t and \xNN are unescaped, any other
 * byte (a lone backslash included) stands for itself. NUL bytes are refused
 * because kcat keeps the delimiter in a C string; so is \x followed by more
 * hex digits, which kcat would read as a single different byte.
 */
struct cf_delim {
	unsigned char b[CF_DELIM_MAX];
	size_t len;
};

int cf_delim_parse(const char *spec, struct cf_delim *d, char *err, size_t errlen);
/*
 * Whether a reader splitting "frame DELIM" at the first DELIM would cut the
 * frame short: DELIM occurs in the frame, or starts inside it and runs on into
 * the terminator. Returns the offset where it starts, or -1.
 */
long cf_delim_find(const struct cf_delim *d, const unsigned char *p, size_t n);

/* Record and byte counts per schema id, for --stats. */
struct cf_stat { uint32_t id; uint64_t recs, bytes; };
struct cf_stats {
	struct cf_stat *slot;	/* open addressing; recs == 0 marks a free slot */
	size_t cap, used;
};

void cf_stats_add(struct cf_stats *s, uint32_t id, size_t bytes);
/* The used entries sorted by id, in a new array of s->used elements. */
struct cf_stat *cf_stats_sorted(const struct cf_stats *s);
void cf_stats_free(struct cf_stats *s);

#endif
