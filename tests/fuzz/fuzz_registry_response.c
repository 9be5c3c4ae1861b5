/* The registry answer parser on arbitrary bodies, under every status class and
 * field requirement: never reads out of bounds, always says why it refused,
 * and what it accepts has the fields asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 401, 404, 409, 422, 429, 500, 503};
	struct reg_answer a;
	char err[256];
	unsigned need;
	long st;
	int rc;

	if (size < 1)
		return 0;
	st = statuses[data[0] & 7];
	need = (data[0] >> 3) & 7;
	err[0] = '\0';
	rc = reg_parse_response(st, (const char *)data + 1, size - 1, need,
	    "schema id 1", "http://127.0.0.1:1", &a, err, sizeof(err));
	if (rc < REG_OK || rc > REG_FAIL)
		abort();
	if (rc != REG_OK && (!err[0] || strlen(err) >= sizeof(err)))
		abort();
	if (rc == REG_OK) {
		if (st != 200)
			abort();
		if ((need & REG_NEED_SCHEMA) && !a.schema)
			abort();
		if ((need & REG_NEED_ID) && !a.has_id)
			abort();
		if ((need & REG_NEED_VERSION) && a.version < 1)
			abort();
		if (a.schema)
			(void)strlen(a.schema);
		if (a.subject)
			(void)strlen(a.subject);
	}
	reg_answer_free(&a);
	return 0;
}
