/*
 * err: error reporting and the exit-status contract (docs/DESIGN.md §10),
 * allocation that dies rather than return NULL, and the one error setter.
 * Base layer (docs/DESIGN.md §3): every other module may use it.
 *
 * Names: besides err_*, this module exports the error vocabulary every C
 * program reads without a prefix: progname, die, die_errno, warnmsg, and the
 * x* allocators (xmalloc, ...), which return or exit, never NULL.
 */
#ifndef ERR_H
#define ERR_H

#include <stdarg.h>

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
/*
 * "progname: " and the message, without the newline. Every message goes
 * through it: control characters (C0 but tab and newline, DEL, C1) are
 * written as \xNN or \u00NN, so that input quoted in a message cannot act
 * on the terminal.
 */
void vwarnmsg(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#include <stddef.h>

/* Allocation that dies with status 3 ("out of memory (N bytes)") instead of returning NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);
/* n elements of size bytes, the product checked for overflow (status 3). */
void *xmallocarray(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
/*
 * Makes an array of *cap elements of size bytes hold at least need: doubles
 * *cap (from 16) until it does, every product checked; returns the array.
 */
void *xgrowarray(void *p, size_t *cap, size_t need, size_t size);

#include <stdarg.h>

/*
 * The one error setter: a message into a caller's buffer (err, errlen),
 * for the library functions that report rather than die. Does nothing when
 * errlen is 0; returns -1, so that "return err_set(...)" reads as failing.
 */
int err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_vset(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
