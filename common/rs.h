/*
 * rs: the record stream (docs/DESIGN.md §2), read and written: a 4-byte
 * big-endian signed length N, then N bytes; N = -1 is a null record with no
 * bytes; N = -2 is a checkpoint barrier, followed by its 8-byte big-endian
 * id. Base layer (docs/DESIGN.md §3).
 */
#ifndef RS_H
#define RS_H

#include <stddef.h>
#include <stdint.h>

#define RS_MAX_DEFAULT	((size_t)64 << 20)
#define RS_MAX_LIMIT	((size_t)INT32_MAX)

/*
 * A checkpoint barrier: the length -2, then an 8-byte big-endian checkpoint
 * id, no payload. It is not a record (record numbers do not count it) and
 * has no stamp: in a stamped stream it starts where a stamp would, with the
 * byte 0xff that no topic name holds. A tool passes it on once everything
 * before it is written. NDJSON input has none.
 */
#define RS_BARRIER	(-2)
#define RS_BARRIER_SIZE	12
/*
 * The top bit of a barrier's id marks the final barrier: the end of input
 * follows it, and a tool ends there as at the end of input (winagg: the
 * --at-eof policy, its state saved). In a stream that holds barriers, an end
 * of input without a final barrier before it is a cut (a stage upstream
 * stopped): nothing after the last barrier counts.
 */
#define RS_BARRIER_FINAL	((uint64_t)1 << 63)

enum rs_status {
	RS_IOERR = -2,	/* read(2) failed: errno is set */
	RS_BAD = -1,	/* truncated or impossible record: see rs_reader.msg */
	RS_EOF = 0,	/* clean end, at a record boundary */
	RS_OK = 1
};

/*
 * Where a record came from in Kafka, when the stream is stamped: kcat's
 * consumer format '%t %p %o %T %R%s' puts "topic partition offset timestamp "
 * (decimal text, one space after each) before every record's length.
 */
#define RS_TOPIC_MAX 249	/* Kafka's limit on a topic name */
struct rs_stamp {
	char topic[RS_TOPIC_MAX + 1];
	int32_t partition;
	int64_t offset;
	int64_t timestamp;	/* ms since the epoch; -1: none */
};

struct rs_rec {
	unsigned char *data;	/* valid until the next rs_next(); writable */
	int32_t len;		/* -1: null record; RS_BARRIER: a checkpoint barrier */
	uint64_t recno;		/* 1-based; a barrier: the number of records before it */
	uint64_t off;		/* stream offset of the length header (or stamp) */
	const struct rs_stamp *stamp;	/* stamped streams only, else NULL; a barrier: NULL */
	uint64_t barrier;	/* the checkpoint id, when len == RS_BARRIER */
};

struct rs_reader {
	int fd;			/* -1: memory only */
	unsigned char *buf;
	size_t cap, pos, end;
	size_t max;		/* largest payload accepted */
	uint64_t base;		/* stream offset of buf[0] */
	uint64_t recno;
	int eof, short_read;
	int lines;		/* NDJSON: each non-blank line is a record */
	int stamped;		/* each record is preceded by a Kafka stamp */
	struct rs_stamp stamp;
	void (*idle)(void *);	/* called before a read that would block */
	void *idle_arg;
	void (*refill)(void *);	/* called before buf is moved or overwritten */
	void *refill_arg;
	char msg[160];
};

void rs_reader_init(struct rs_reader *r, int fd, size_t max);
/* A reader over a copy of n bytes, for tests and fuzzing. */
void rs_reader_init_mem(struct rs_reader *r, const void *p, size_t n, size_t max);
void rs_reader_free(struct rs_reader *r);
int rs_next(struct rs_reader *r, struct rs_rec *rec);
/* Bytes consumed so far (the offset of the next record). */
uint64_t rs_offset(const struct rs_reader *r);

struct rs_writer {
	int fd;
	unsigned char *buf;
	size_t cap, len;
	struct iovec *iov;	/* pending output, when rs_put_ref was used */
	int niov;
	size_t sealed;		/* buf[0..sealed) is already in iov */
};

void rs_writer_init(struct rs_writer *w, int fd);
void rs_writer_free(struct rs_writer *w);
/* Room for n bytes at the returned pointer; make them output with rs_commit. */
unsigned char *rs_reserve(struct rs_writer *w, size_t n);
void rs_commit(struct rs_writer *w, size_t n);
void rs_put(struct rs_writer *w, const void *p, size_t n);
void rs_put_rec(struct rs_writer *w, const void *p, size_t n);
void rs_put_null(struct rs_writer *w);
/*
 * A checkpoint barrier, then a flush: when it comes out, everything before it
 * has been written to the fd.
 */
void rs_put_barrier(struct rs_writer *w, uint64_t id);
/* The stamp "topic partition offset timestamp " that goes before a record's length. */
void rs_put_stamp(struct rs_writer *w, const struct rs_stamp *s);
/* Parses the decimal fields of a stamp; 0 on success. For tests. */
int rs_parse_stamp(const unsigned char *p, size_t n, struct rs_stamp *s);
/*
 * Output n bytes that stay where they are, in memory that must not change
 * before the next rs_flush (the reader's buffer, with its refill hook set to
 * flush this writer). Saves a copy of each large record.
 */
void rs_put_ref(struct rs_writer *w, const void *p, size_t n);
/* Below this size a record is cheaper copied than referenced. */
#define RS_REF_MIN 256
void rs_flush(struct rs_writer *w);

/* Parses a size such as 1048576, 512k, 64M or 1G (binary units). */
int rs_parse_size(const char *s, size_t *out);

#endif
