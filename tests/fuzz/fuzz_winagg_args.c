/*
 * winagg's command-line languages: the input is "DURATION\nCONDITION\nJSON".
 * Durations parse or not, never crash, and a parsed one is what its text
 * says to the microsecond for whole units; conditions parse or refuse with a
 * message, and a parsed one evaluates on any document without crashing,
 * with != the negation of = .
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jp.h"
#include "jw.h"
#include "wa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *l1, *l2, *json;
	struct wa_where w;
	struct jp_doc d = {0};
	struct buf sbuf = {0};
	char err[256];
	int64_t us;

	memcpy(s, data, size);
	s[size] = 0;
	l1 = s;
	l2 = strchr(l1, '\n');
	if (l2)
		*l2++ = 0;
	else
		l2 = "";
	json = strchr(l2, '\n');
	if (json)
		*json++ = 0;
	else
		json = "";
	if (wa_duration(l1, &us) == 0) {
		size_t n = strlen(l1);

		if (us < 0)
			abort();
		/* Whole seconds read back: "90s" is 90,000,000 us. */
		if (n >= 2 && l1[n - 1] == 's' && l1[n - 2] >= '0' && l1[n - 2] <= '9' &&
		    !strchr(l1, '.') && n < 15 && us != atoll(l1) * 1000000)
			abort();
	}
	if (wa_where_parse(l2, &w, err, sizeof(err)) == 0) {
		if (jp_parse(&d, json, strlen(json)) == 0 && (w.op == WA_EQ || w.op == WA_NE)) {
			int m = wa_where_match(&w, &d, &sbuf);
			int op = w.op;

			w.op = op == WA_EQ ? WA_NE : WA_EQ;
			if (wa_where_match(&w, &d, &sbuf) == m)
				abort();
			w.op = op;
		}
		wa_where_free(&w);
	} else if (!err[0])
		abort();
	jp_free(&d);
	buf_free(&sbuf);
	free(s);
	return 0;
}
