#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "io.h"

volatile sig_atomic_t io_stop;

ssize_t
io_read(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR && !io_stop);
	return r;
}

static _Noreturn void
broken_pipe(void)
{
	/* Die of SIGPIPE even if our parent left it ignored. */
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(128 + SIGPIPE);
}

void
io_writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				broken_pipe();
			die_errno(EXIT_ENV, "write error");
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

void
io_write_all(int fd, const void *buf, size_t n)
{
	struct iovec v = { (void *)(uintptr_t)buf, n };

	io_writev_all(fd, &v, 1);
}

int
io_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	return r != 0;	/* on error, let the read report it */
}
