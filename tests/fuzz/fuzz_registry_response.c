/* The registry answer parser (reganswer_parse) on arbitrary bodies, under
 * every status class and field requirement: never reads out of bounds, always
 * says why it refused, and what it accepts has the fields asked for
 * (references well formed). With bit 6 of the first byte set, the rest is a
 * schema and the schemas it references, split at NUL bytes, for
 * regref_expand: JSON out, or a reason. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reganswer.h"
#include "regref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
expand(const char *p, size_t n)
{
	const char *refs[8];
	char *copy = malloc(n + 1), *s, *out, err[256];
	size_t nrefs = 0, i;
	json_t *j;

	if (!copy)
		return 0;
	memcpy(copy, p, n);
	copy[n] = '\0';
	for (s = copy, i = 0; i < n && nrefs < 8; i++)
		if (!copy[i])
			refs[nrefs++] = copy + i + 1;
	err[0] = '\0';
	out = regref_expand(s, refs, NULL, nrefs, err, sizeof(err));
	if (!out && (!err[0] || strlen(err) >= sizeof(err)))
		abort();
	if (out) {
		if (!(j = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)))
			abort();
		json_decref(j);
		free(out);
	}
	free(copy);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 401, 404, 409, 422, 429, 500, 503};
	struct reganswer a;
	char err[256];
	unsigned need;
	long st;
	int rc;

	if (size < 1)
		return 0;
	if (data[0] & 0x40)
		return expand((const char *)data + 1, size - 1);
	st = statuses[data[0] & 7];
	need = (data[0] >> 3) & 7;
	err[0] = '\0';
	rc = reganswer_parse(st, (const char *)data + 1, size - 1, need,
	    "schema id 1", "http://127.0.0.1:1", &a, err, sizeof(err));
	if (rc < REGISTRY_OK || rc > REGISTRY_FAIL)
		abort();
	if (rc != REGISTRY_OK && (!err[0] || strlen(err) >= sizeof(err)))
		abort();
	if (rc == REGISTRY_OK) {
		if (st != 200)
			abort();
		if ((need & REGANSWER_NEED_SCHEMA) && !a.schema)
			abort();
		if ((need & REGANSWER_NEED_ID) && !a.has_id)
			abort();
		if ((need & REGANSWER_NEED_VERSION) && a.version < 1)
			abort();
		if (a.schema)
			(void)strlen(a.schema);
		if (a.subject)
			(void)strlen(a.subject);
		if (a.refs && (!json_is_array((json_t *)a.refs) ||
		    !json_array_size((json_t *)a.refs)))
			abort();
	}
	reganswer_free(&a);
	return 0;
}
