#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "opt.h"
#include "rs.h"

int
opt_choice(const char *opt, const char *arg, const char *const *words)
{
	char list[512];	/* on the stack: nothing for LeakSanitizer at the die */
	size_t len = 0;
	int i, n;

	for (i = 0; words[i]; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	list[0] = '\0';
	for (n = i, i = 0; i < n && len < sizeof(list); i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s",
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", words[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	die(EXIT_USAGE, "%s: expected %s, got \"%s\"", opt, list, arg);
}

int
opt_on_error(const char *arg, int allow_null)
{
	if (strcmp(arg, "fail") == 0)
		return ON_ERROR_FAIL;
	if (strcmp(arg, "skip") == 0)
		return ON_ERROR_SKIP;
	if (allow_null && strcmp(arg, "null") == 0)
		return ON_ERROR_NULL;
	die(EXIT_USAGE, "--on-error: expected fail%s or skip, got \"%s\"",
	    allow_null ? ", null" : "", arg);
}

size_t
opt_size(const char *opt, const char *arg)
{
	size_t v;

	if (rs_parse_size(arg, &v) < 0 || v == 0)
		die(EXIT_USAGE, "%s: expected a size from 1 to %zu "
		    "(suffixes k, M, G), got \"%s\"", opt, RS_MAX_LIMIT, arg);
	return v;
}

uint32_t
opt_u32(const char *opt, const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || v > UINT32_MAX)
		die(EXIT_USAGE, "%s: expected an integer from 0 to %lu, got \"%s\"",
		    opt, (unsigned long)UINT32_MAX, arg);
	return (uint32_t)v;
}

int
opt_int(const char *opt, const char *arg, int lo)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < lo || v > INT32_MAX)
		die(EXIT_USAGE, "%s: expected an integer from %d, got \"%s\"", opt, lo, arg);
	return (int)v;
}

void
opt_until(struct until *u, const char *arg)
{
	const char *p = arg;

	while (*p) {
		char *end;
		long long part, off;

		errno = 0;
		part = strtoll(p, &end, 10);
		if (end == p || *end != ':' || part < 0 || part > INT32_MAX || errno)
			goto bad;
		p = end + 1;
		off = strtoll(p, &end, 10);
		if (end == p || off < 0 || errno || (*end && *end != ','))
			goto bad;
		u->v = xreallocarray(u->v, u->n + 1, sizeof(*u->v));
		u->v[u->n].partition = (int32_t)part;
		u->v[u->n++].end = off;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;
	}
	if (u->n)
		return;
bad:
	die(EXIT_USAGE, "--until: expected partition:offset[,partition:offset...], got \"%s\"", arg);
}
