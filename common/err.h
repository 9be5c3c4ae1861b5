/* Error reporting and the exit-status contract (DESIGN.md section 7). */
#ifndef ERR_H
#define ERR_H

enum {
	EXIT_DATA = 1,	/* bad data under the fail policy */
	EXIT_USAGE = 2,	/* bad command line */
	EXIT_ENV = 3	/* I/O error, registry unreachable, ... */
};

extern const char *progname;

void err_init(const char *argv0);
/* Called by die() before exiting, so good records already produced reach stdout. */
void err_on_exit(void (*fn)(void));
_Noreturn void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As die(), with ": strerror(errno)" appended. */
_Noreturn void die_errno(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stddef.h>

/* Allocation that dies with status 3 ("out of memory (N bytes)") instead of returning NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

#endif
