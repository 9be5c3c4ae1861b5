/*
 * avroc_json: the "avro-c to_json" baseline of the avrodecode benchmark.
 *
 *   avroc_json SCHEMA.avsc <tagged-bodies >ndjson
 *
 * Reads a record stream of tagged bodies (4-byte schema id, ignored, then the
 * Avro body), decodes each with avro-c's generic value API and writes
 * avro_value_to_json's text and a newline per record.
 */
#include <avro.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "avroc_json: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(3);
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t cap = 0, len = 0, r;

	if (!f)
		fail("cannot open", path);
	do {
		if (cap - len < 65536 && !(p = realloc(p, cap = 2 * cap + 65536)))
			fail("out of memory", NULL);
		len += r = fread(p + len, 1, cap - len - 1, f);
	} while (r > 0);
	fclose(f);
	p[len] = '\0';
	*n = len;
	return p;
}

int
main(int argc, char **argv)
{
	static char obuf[1 << 20];
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value;
	avro_reader_t reader;
	unsigned char h[4], *body = NULL;
	size_t n, cap = 0;
	uint64_t recno = 0;
	char *text, *json;

	if (argc != 2) {
		fprintf(stderr, "usage: avroc_json SCHEMA.avsc <tagged-bodies\n");
		return 2;
	}
	text = slurp(argv[1], &n);
	if (avro_schema_from_json_length(text, n, &schema))
		fail("bad schema", avro_strerror());
	free(text);
	if (!(iface = avro_generic_class_from_schema(schema)) ||
	    avro_generic_value_new(iface, &value))
		fail("cannot make a value", avro_strerror());
	reader = avro_reader_memory("", 0);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

	while ((n = fread(h, 1, 4, stdin)) == 4) {
		uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
		    (uint32_t)h[2] << 8 | h[3];

		recno++;
		if (len == UINT32_MAX || len < 4 || len > (1u << 30))
			fail("null or impossible record", NULL);
		if (len > cap && !(body = realloc(body, cap = len)))
			fail("out of memory", NULL);
		if (fread(body, 1, len, stdin) != len)
			fail("truncated record", NULL);
		avro_reader_memory_set_source(reader, (const char *)body + 4,
		    (int64_t)len - 4);
		avro_value_reset(&value);
		if (avro_value_read(reader, &value))
			fail("cannot decode a body", avro_strerror());
		if (avro_value_to_json(&value, 1, &json))
			fail("cannot render JSON", avro_strerror());
		fputs(json, stdout);
		putchar('\n');
		free(json);
	}
	if (n != 0)
		fail("truncated record header", NULL);
	if (fflush(stdout) == EOF)
		fail("cannot write", NULL);
	avro_value_decref(&value);
	avro_value_iface_decref(iface);
	avro_reader_free(reader);
	avro_schema_decref(schema);
	free(body);
	return 0;
}
