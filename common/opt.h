/*
 * opt: option values the tools share (--on-error, one of a list of words,
 * sizes, integers, --until's list). Each dies with status 2 (EXIT_USAGE) on a bad value, naming the
 * option. Base layer (docs/DESIGN.md §3).
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>
#include <stdint.h>

#include "until.h"

enum on_error { ON_ERROR_FAIL, ON_ERROR_SKIP, ON_ERROR_NULL };

/*
 * The index of arg in words (NULL-terminated); else dies naming opt and
 * the words: "--mode: expected a, b or c, got \"x\"".
 */
int opt_choice(const char *opt, const char *arg, const char *const *words);
/* fail, skip, or (allow_null) null. */
int opt_on_error(const char *arg, int allow_null);
/* A size from 1 to RS_MAX_LIMIT, with suffixes k, M, G. */
size_t opt_size(const char *opt, const char *arg);
uint32_t opt_u32(const char *opt, const char *arg);
/* An integer from lo to INT32_MAX. */
int opt_int(const char *opt, const char *arg, int lo);
/* --until P:O[,P:O...] into u (appended). */
void opt_until(struct until *u, const char *arg);

#endif
