/*
 * io: the one place for raw reads and writes (EINTR, short writes, EPIPE).
 * Base layer (docs/DESIGN.md §3).
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <sys/types.h>

#include <signal.h>

/* Set by a signal handler: a read interrupted by the signal returns -1 (EINTR) instead of retrying. */
extern volatile sig_atomic_t io_stop;

/* One read(2), retried on EINTR (unless io_stop). Returns bytes read, 0 at EOF, -1 on error. */
ssize_t io_read(int fd, void *buf, size_t n);
/*
 * Writes all n bytes. A closed downstream pipe ends the process by SIGPIPE,
 * quietly, as a shell user expects of "tool | head"; any other error is fatal
 * (exit 3).
 */
void io_write_all(int fd, const void *buf, size_t n);
struct iovec;
/* As io_write_all, for n buffers; iov is consumed (modified). */
void io_writev_all(int fd, struct iovec *iov, int n);
/* Nonzero when a read from fd would not block right now. */
int io_ready(int fd);

#endif
