/*
 * jansson_parse: the "jansson's parse alone" reference of the avroencode
 * benchmark.
 *
 *   jansson_parse <ndjson
 *
 * Reads lines and parses each with json_loadb, then frees it: nothing else,
 * no output. Exits 3 on a line jansson refuses.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

int
main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long long recs = 0;
	json_error_t e;
	json_t *j;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (!(j = json_loadb(line, (size_t)n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e))) {
			fprintf(stderr, "jansson_parse: line %llu: %s\n", recs + 1, e.text);
			return 3;
		}
		json_decref(j);
		recs++;
	}
	free(line);
	return 0;
}
