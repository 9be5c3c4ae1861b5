/*
 * winagg's command-line languages and the engine they configure: the input
 * is "DURATION\nCONDITION\nJSON\nGROUP\nLABEL\nAGGREGATE" (lines missing
 * are empty; the aggregate's first byte chooses its kind, the rest is its
 * argument). Durations parse or not, never crash, and a parsed one is what
 * its text says to the microsecond for whole units; conditions parse or
 * refuse with a message, and a parsed one evaluates on any document without
 * crashing, with != the negation of = . Then a window engine with the
 * arguments that parse (a window of the duration, else 10 s) takes the JSON
 * as a record: filtered when the condition does not hold, a bad record with
 * a message, or one row, a JSON object, unless late.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jp.h"
#include "wa.h"
#include "window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of *s, NUL-terminated in place ("" when there is none). */
static char *
next_line(char **s)
{
	char *l = *s, *nl = strchr(l, '\n');

	if (nl) {
		*nl = 0;
		*s = nl + 1;
	} else
		*s = l + strlen(l);
	return l;
}

static void
check_row(void *arg, const struct window_row *r)
{
	struct jp_doc d = {0};

	if (jp_parse(&d, r->json, r->len) < 0 || d.root.t != JP_OBJ)
		abort();
	jp_free(&d);
	++*(int *)arg;
}

static void
engine(int64_t us, const char *cond, const char *json, const char *group, const char *label,
    const char *agg)
{
	struct window_config c = {.emit = check_row, .size = us > 0 ? us : 10000000};
	struct window_engine *w;
	struct jp_doc d = {0};
	struct buf sbuf = {0};
	enum window_fed fed;
	char err[256];
	int rows = 0;

	c.emit_arg = &rows;
	if (wa_path_parse("t", &c.time) < 0)
		abort();
	if (window_add_where(&c, cond, err, sizeof(err)) < 0)
		c.nwhere = 0;
	if (window_add_group(&c, group) == 0)
		window_add_label(&c, label);
	if (*agg)
		window_add_agg(&c, (enum wa_kind)((unsigned char)*agg % 7), agg + 1);
	/* every config here is valid but for names that are not UTF-8 (refused: the rows would not be JSON) */
	if (!(w = window_new(&c, err, sizeof(err)))) {
		if (!strstr(err, "not valid UTF-8"))
			abort();
		return;
	}
	fed = window_feed(w, json, strlen(json));
	if (fed == WINDOW_BAD && !*window_error(w))
		abort();
	if (jp_parse(&d, json, strlen(json)) == 0 && d.root.t == JP_OBJ && window_get_config(w)->nwhere &&
	    !wa_where_match(&window_get_config(w)->where[0], &d, &sbuf) && fed != WINDOW_FILTERED)
		abort();
	if (window_advance(w) < 0)
		abort();
	window_flush(w);
	if (rows != (fed == WINDOW_TAKEN))
		abort();
	jp_free(&d);
	buf_free(&sbuf);
	window_free(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *rest = s, *l1, *l2, *json, *group, *label, *agg;
	struct wa_where w;
	struct jp_doc d = {0};
	struct buf sbuf = {0};
	char err[256];
	int64_t us = 0;

	memcpy(s, data, size);
	s[size] = 0;
	l1 = next_line(&rest);
	l2 = next_line(&rest);
	json = next_line(&rest);
	group = next_line(&rest);
	label = next_line(&rest);
	agg = next_line(&rest);
	if (wa_duration(l1, &us) == 0) {
		size_t n = strlen(l1);

		if (us < 0)
			abort();
		/* Whole seconds read back: "90s" is 90,000,000 us. */
		if (n >= 2 && l1[n - 1] == 's' && l1[n - 2] >= '0' && l1[n - 2] <= '9' &&
		    !strchr(l1, '.') && n < 15 && us != atoll(l1) * 1000000)
			abort();
	} else
		us = 0;
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
	engine(us, l2, json, group, label, agg);
	jp_free(&d);
	buf_free(&sbuf);
	free(s);
	return 0;
}
