/*
 * regcli: the registry client from the command line, for the tests.
 *
 *   regcli [registry options] id N | subject S V|latest | lookup S FILE | register S FILE
 *
 * Prints "id=<id> version=<v> subject=<s>" and the schema text (subject "-"
 * and version 0 when asked by id), or the error on stderr with status 1
 * (not found, not usable) or 3 (the registry failed). Several questions may
 * follow one another on the command line; each is answered in turn (after a
 * status 1 error too), which shows what the cache saves. REGCLI_TTL sets
 * latest_ttl in seconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "registry.h"

static const struct option longopts[] = {
	REGISTRY_LONGOPTS,
	{0, 0, 0, 0}
};

static char *
slurp(const char *path)
{
	struct buf b = {0};
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		die_errno(EXIT_USAGE, "%s", path);
	while ((n = fread(buf_room(&b, 4096), 1, 4096, f)) > 0)
		b.len += n;
	if (ferror(f))
		die_errno(EXIT_ENV, "%s", path);
	fclose(f);
	return buf_detach(&b, NULL);
}

static void
print(const struct registry_schema *s)
{
	printf("id=%u version=%d subject=%s\n%s\n", s->id, s->version,
	    s->subject ? s->subject : "-", s->schema);
}

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: regcli [registry options] id N | subject S V|latest | "
	    "lookup S FILE | register S FILE ...\n");
	exit(EXIT_USAGE);
}

int
main(int argc, char **argv)
{
	const struct registry_schema *s;
	struct registry_opts o;
	struct registry *r;
	char err[512], *text;
	uint32_t id;
	int ch, rc = REGISTRY_OK, worst = REGISTRY_OK, i;

	err_init(argv[0]);
	registry_opts_init(&o);
	o.latest_ttl = getenv("REGCLI_TTL") ? atof(getenv("REGCLI_TTL")) : o.latest_ttl;
	while ((ch = getopt_long(argc, argv, "r:", longopts, NULL)) != -1)
		if (!registry_opts_set(&o, ch, optarg))
			usage();
	if (optind == argc)
		usage();
	r = registry_open(&o);
	for (i = optind; i < argc && rc != REGISTRY_FAIL; i += 2) {
		if (!strcmp(argv[i], "id") && i + 1 < argc) {
			rc = registry_by_id(r, (uint32_t)strtoul(argv[i + 1], NULL, 10), &s,
			    err, sizeof(err));
		} else if (!strcmp(argv[i], "subject") && i + 2 < argc) {
			rc = registry_subject_version(r, argv[i + 1], strcmp(argv[i + 2], "latest") ?
			    atoi(argv[i + 2]) : -1, &s, err, sizeof(err));
			i++;
		} else if (!strcmp(argv[i], "lookup") && i + 2 < argc) {
			text = slurp(argv[i + 2]);
			rc = registry_lookup(r, argv[i + 1], text, &s, err, sizeof(err));
			free(text);
			i++;
		} else if (!strcmp(argv[i], "register") && i + 2 < argc) {
			text = slurp(argv[i + 2]);
			rc = registry_register(r, argv[i + 1], text, &id, err, sizeof(err));
			free(text);
			if (rc == REGISTRY_OK)
				printf("id=%u\n", id);
			i++;
			s = NULL;
		} else
			usage();
		fflush(stdout);
		if (rc == REGISTRY_OK && s)
			print(s);
		else if (rc != REGISTRY_OK)
			fprintf(stderr, "regcli: %s\n", err);
		if (rc > worst)
			worst = rc;
	}
	fflush(stdout);
	registry_close(r);
	return worst == REGISTRY_OK ? 0 : worst == REGISTRY_FAIL ? EXIT_ENV : EXIT_DATA;
}
