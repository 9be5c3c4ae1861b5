/*
 * reganswer: judging one answer of a Confluent schema registry, an HTTP
 * status and a JSON body, whether the REST API gave it or the file:
 * registry made it (docs/DESIGN.md §6). Fuzzed on its own
 * (tests/fuzz/fuzz_registry_response.c). Registry layer (docs/DESIGN.md §3),
 * internal to registry.c and regfile.c.
 */
#ifndef REGANSWER_H
#define REGANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"

#define REGANSWER_MAX (16u << 20)	/* the largest answer, of either back end */

/* The fields an answer of status 200 must hold. */
enum { REGANSWER_NEED_SCHEMA = 1, REGANSWER_NEED_ID = 2, REGANSWER_NEED_VERSION = 4 };

struct reganswer {
	void *root;		/* the parsed body (a json_t) */
	const char *schema, *subject;	/* NULL when absent */
	void *refs;		/* the "references" array (a json_t), NULL if none;
				 * each entry has a string name, a non-empty
				 * string subject, a version >= 1 or -1 */
	uint32_t id;
	int version;		/* 0 when absent */
	int has_id;
	long code;		/* the registry's error_code, 0 if none */
};

/*
 * Judges one answer (status, body) to a request about `what` ("schema id 7")
 * sent to `where` (a URL without credentials, or file:DIR), requiring the
 * fields in `need`. Returns a REG_* status (registry.h): on REGISTRY_OK the fields
 * point into a->root; otherwise err says why. Either way a is freed with
 * reganswer_free.
 */
int reganswer_parse(long http_status, const char *body, size_t len, unsigned need,
    const char *what, const char *where, struct reganswer *a, char *err, size_t errlen);
void reganswer_free(struct reganswer *a);

#endif
