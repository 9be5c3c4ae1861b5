/*
 * avsc_parse on arbitrary schema text (the whole input). The seed corpus in
 * tests/fuzz/corpus/avsc/ holds valid and invalid schemas of each kind.
 *
 * Checked on every input, besides what the sanitizers and -timeout catch
 * (the quadratic and exponential schemas of issue 18 were timeouts):
 *  - a refusal says "invalid schema" first, and returns no schema;
 *  - an accepted schema has a root, and its canonical text parses again
 *    to the same canonical text;
 *  - every field of every record is found by its name at its index
 *    (avsc_field), every enum symbol likewise (avsc_symbol), and the
 *    names found hold no NUL and are valid Avro names;
 *  - every enum default is one of its symbols; no union holds a branch
 *    name twice; every named type's full name ends with its name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avsc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Noreturn void
fatal(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_avsc: %s: %s\n", what, detail ? detail : "");
	abort();
}

static int
valid_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void
check_node(const struct av_node *n)
{
	size_t i, k;

	switch (n->t) {
	case AV_RECORD:
		for (i = 0; i < n->nfields; i++) {
			const struct av_field *f = &n->fields[i];

			if (strlen(f->name) != f->namelen || !valid_name(f->name))
				fatal("field name", f->name);
			if (avsc_field(n, f->name, f->namelen) != (long)i)
				fatal("avsc_field does not find its field", f->name);
		}
		if (avsc_field(n, "", 0) != -1)
			fatal("avsc_field finds an empty name", n->fullname);
		break;
	case AV_ENUM:
		for (i = 0; i < n->nsymbols; i++) {
			if (!valid_name(n->symbols[i]))
				fatal("symbol", n->symbols[i]);
			if (avsc_symbol(n, n->symbols[i], strlen(n->symbols[i])) != (long)i)
				fatal("avsc_symbol does not find its symbol", n->symbols[i]);
		}
		if (n->enum_default >= 0 && (size_t)n->enum_default >= n->nsymbols)
			fatal("enum default out of range", n->fullname);
		break;
	case AV_UNION:
		for (i = 0; i < n->nbranches; i++)
			for (k = 0; k < i && n->nbranches < 64; k++)
				if (strcmp(avsc_type_name(n->branches[i]), avsc_type_name(n->branches[k])) == 0)
					fatal("union branch twice", avsc_type_name(n->branches[i]));
		break;
	default:
		break;
	}
	if (n->t == AV_RECORD || n->t == AV_ENUM || n->t == AV_FIXED) {
		size_t fl = strlen(n->fullname), nl = strlen(n->name);

		if (nl > fl || strcmp(n->fullname + fl - nl, n->name) != 0 || !valid_name(n->name))
			fatal("named type's name", n->fullname);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], err2[512];
	struct av_schema *s = avsc_parse((const char *)data, size, err, sizeof(err)), *again;
	size_t i;

	if (!s) {
		if (strncmp(err, "invalid schema", 14) != 0)
			fatal("refusal without \"invalid schema\"", err);
		return 0;
	}
	if (!s->root || !s->canonical)
		fatal("accepted without a root or canonical text", NULL);
	for (i = 0; i < s->nnodes; i++)
		check_node(s->nodes[i]);
	if (!(again = avsc_parse(s->canonical, strlen(s->canonical), err2, sizeof(err2))))
		fatal("the canonical text is refused", err2);
	if (strcmp(again->canonical, s->canonical) != 0)
		fatal("the canonical text parses to another", again->canonical);
	avsc_free(again);
	avsc_free(s);
	return 0;
}
