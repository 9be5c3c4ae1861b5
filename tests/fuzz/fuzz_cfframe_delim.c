/* cfframe's delimiter: the kcat-syntax parser, and the collision check against
 * a naive model (the first delimiter in "frame DELIM" must be the terminator).
 * Input: a length byte, that many bytes of -D argument, then the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long
naive(const struct frame_delim *d, const uint8_t *p, size_t n)
{
	uint8_t *all = xmalloc(n + d->len);
	long at = -1;
	size_t i;

	memcpy(all, p, n);
	memcpy(all + n, d->b, d->len);
	for (i = 0; i < n; i++)
		if (memcmp(all + i, d->b, d->len) == 0) {
			at = (long)i;
			break;
		}
	free(all);
	return at;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_delim d;
	char spec[256], err[160];
	size_t k;

	if (size < 1)
		return 0;
	k = data[0];
	if (k > size - 1)
		k = size - 1;
	memcpy(spec, data + 1, k);
	spec[k] = '\0';
	if (frame_delim_parse(spec, &d, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (d.len == 0 || d.len > FRAME_DELIM_MAX || memchr(d.b, 0, d.len))
		abort();
	if (frame_delim_find(&d, data + 1 + k, size - 1 - k) !=
	    naive(&d, data + 1 + k, size - 1 - k))
		abort();
	return 0;
}
