/* avroencode: JSON records in, tagged (or bare) Avro bodies out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avenc.h"
#include "avsc.h"
#include "be.h"
#include "err.h"
#include "jp.h"
#include "jw.h"
#include "registry.h"
#include "tool.h"

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: avroencode [-r url] [--schema file]\n"
	    "                  [--schema-id id | --subject name [--version n] [--register]]\n"
	    "                  [--in stream|ndjson] [--encoding plain|avro|auto] [--bare]\n"
	    "                  [--rename from=to ...] [--ignore-unknown]\n"
	    "                  [--on-error fail|skip] [--max-record size] [registry options]\n"
	    "       avroencode --print-id [-r url] [--schema file] --subject name\n"
	    "                  [--version n | --register] [registry options]\n"
	    "       avroencode --version\n");
	exit(status);
}

enum {
	O_SCHEMA = 0x100, O_SCHEMA_ID, O_SUBJECT, O_VERSION, O_REGISTER, O_IN, O_ENCODING,
	O_BARE, O_RENAME, O_IGNORE, O_ON_ERROR, O_MAX_RECORD, O_PRINT_ID, O_HELP
};

static const struct option longopts[] = {
	{"schema", required_argument, 0, O_SCHEMA},
	{"schema-id", required_argument, 0, O_SCHEMA_ID},
	{"subject", required_argument, 0, O_SUBJECT},
	{"version", required_argument, 0, O_VERSION},
	{"register", no_argument, 0, O_REGISTER},
	{"in", required_argument, 0, O_IN},
	{"encoding", required_argument, 0, O_ENCODING},
	{"bare", no_argument, 0, O_BARE},
	{"rename", required_argument, 0, O_RENAME},
	{"ignore-unknown", no_argument, 0, O_IGNORE},
	{"on-error", required_argument, 0, O_ON_ERROR},
	{"max-record", required_argument, 0, O_MAX_RECORD},
	{"print-id", no_argument, 0, O_PRINT_ID},
	{"help", no_argument, 0, O_HELP},
	REGISTRY_LONGOPTS,
	{0, 0, 0, 0}
};

struct run {
	struct avenc_ctx *enc;
	const char **ren_from, **ren_to;
	size_t nren;
	const struct av_node *root;
	uint32_t id;
	int bare;
};

static void
run(struct run *rn, struct tool *t)
{
	struct rs_rec r;
	struct jp_doc doc = {0};
	struct buf o = {0};
	char msg[400];

	while (tool_next(t, &r)) {
		if (r.len == RS_BARRIER) {
			tool_barrier(t, &r);
			continue;
		}
		if (r.len < 0) {
			rs_put_null(&t->out);	/* a tombstone stays one */
			continue;
		}
		if (jp_parse(&doc, (const char *)r.data, (size_t)r.len) < 0) {
			tool_bad(t, &r, "invalid JSON at byte %zu of the record: %s", doc.erroff, doc.msg);
			continue;
		}
		jp_rename(&doc, rn->ren_from, rn->ren_to, rn->nren);
		o.len = 0;
		if (!rn->bare) {
			be32_put((unsigned char *)buf_room(&o, 4), rn->id);
			o.len = 4;
		}
		if (avenc_encode(rn->enc, rn->root, &doc, &o, msg, sizeof(msg)) < 0) {
			tool_bad(t, &r, "%s", msg);
			continue;
		}
		rs_put_rec(&t->out, o.p, o.len);
	}
	buf_free(&o);
	jp_free(&doc);
}

int
main(int argc, char **argv)
{
	struct registry_opts ro;
	struct registry *reg = NULL;
	struct avenc_opts ao = {.mode = AVENC_PLAIN};
	struct run rn = {0};
	struct tool t;
	struct av_schema *schema = NULL;
	const char *schema_file = NULL, *subject = NULL;
	char *text = NULL, err[512];
	size_t len = 0, maxren = 0;
	int c, version = -1, has_id = 0, do_register = 0, ndjson = 0, on_error = ON_ERROR_FAIL;
	int print_id = 0;
	size_t max_record = RS_MAX_DEFAULT;

	err_init(argv[0]);
	tool_version(argc, argv);
	registry_opts_init(&ro);
	while ((c = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		if (registry_opts_set(&ro, c, optarg))
			continue;
		switch (c) {
		case O_SCHEMA: schema_file = optarg; break;
		case O_SCHEMA_ID: rn.id = opt_u32("--schema-id", optarg); has_id = 1; break;
		case O_SUBJECT: subject = optarg; break;
		case O_VERSION: version = opt_int("--version", optarg, 1); break;
		case O_REGISTER: do_register = 1; break;
		case O_PRINT_ID: print_id = 1; break;
		case O_IN:
			if (strcmp(optarg, "ndjson") == 0)
				ndjson = 1;
			else if (strcmp(optarg, "stream") != 0)
				die(EXIT_USAGE, "--in: expected stream or ndjson, got \"%s\"", optarg);
			break;
		case O_ENCODING:
			if (strcmp(optarg, "avro") == 0)
				ao.mode = AVENC_AVRO;
			else if (strcmp(optarg, "auto") == 0)
				ao.mode = AVENC_AUTO;
			else if (strcmp(optarg, "plain") != 0)
				die(EXIT_USAGE, "--encoding: expected plain, avro or auto, got \"%s\"", optarg);
			break;
		case O_BARE: rn.bare = 1; break;
		case O_RENAME: {
			char *eq = strchr(optarg, '=');

			if (!eq || eq == optarg || !eq[1])
				die(EXIT_USAGE, "--rename: expected from=to, got \"%s\"", optarg);
			if (rn.nren == maxren) {
				size_t cap = maxren;

				rn.ren_from = xgrowarray(rn.ren_from, &cap, rn.nren + 1, sizeof(char *));
				rn.ren_to = xgrowarray(rn.ren_to, &maxren, rn.nren + 1, sizeof(char *));
			}
			*eq = 0;
			rn.ren_from[rn.nren] = optarg;
			rn.ren_to[rn.nren++] = eq + 1;
			break;
		}
		case O_IGNORE: ao.ignore_unknown = 1; break;
		case O_ON_ERROR: on_error = opt_on_error(optarg, 0); break;
		case O_MAX_RECORD: max_record = opt_size("--max-record", optarg); break;
		case O_HELP: usage(0);
		default: usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	if (has_id && subject)
		die(EXIT_USAGE, "--schema-id and --subject: give one");
	if (version > 0 && !subject)
		die(EXIT_USAGE, "--version needs --subject");
	if (do_register && (!subject || !schema_file || version > 0))
		die(EXIT_USAGE, "--register needs --schema FILE and --subject NAME (and no --version)");
	if (print_id && !subject)
		die(EXIT_USAGE, "--print-id needs --subject NAME");
	if (!schema_file && !subject)
		die(EXIT_USAGE, "no schema: give --schema FILE (with --schema-id or --bare), "
		    "or -r URL --subject NAME");
	if (schema_file && !has_id && !subject && !rn.bare)
		die(EXIT_USAGE, "--schema FILE writes tagged bodies: give --schema-id N, "
		    "--subject NAME --register, or --bare");
	if (schema_file && subject && !do_register)
		die(EXIT_USAGE, "--schema with --subject: add --register to register it "
		    "(or drop --schema to use the subject's own)");
	if (schema_file) {
		text = tool_read_file(schema_file, &len, EXIT_ENV);
		if (!(schema = avsc_parse(text, len, err, sizeof(err))))
			die(EXIT_USAGE, "--schema %s: %s", schema_file, err);
	}
	if (subject) {
		const struct registry_schema *rs;
		int st;

		reg = registry_open(&ro);
		if (do_register) {
			st = registry_register(reg, subject, schema->canonical, &rn.id, err, sizeof(err));
			if (st != REGISTRY_OK)
				die(st == REGISTRY_FAIL ? EXIT_ENV : EXIT_USAGE, "--register %s: %s", subject, err);
		} else {
			st = registry_subject_version(reg, subject, version, &rs, err, sizeof(err));
			if (st != REGISTRY_OK)
				die(st == REGISTRY_FAIL ? EXIT_ENV : EXIT_USAGE, "--subject %s: %s", subject, err);
			rn.id = rs->id;
			if (!(schema = avsc_parse(rs->schema, strlen(rs->schema), err, sizeof(err))))
				die(EXIT_USAGE, "--subject %s: %s", subject, err);
		}
	}
	if (print_id) {
		/* The id the subject's schema has (registered first with --register), for scripts. */
		if (printf("%lu\n", (unsigned long)rn.id) < 0 || fflush(stdout))
			die_errno(EXIT_ENV, "write error");
		avsc_free(schema);
		registry_close(reg);
		free(text);
		return 0;
	}
	rn.root = schema->root;
	rn.enc = avenc_new(&ao);
	avenc_set_max_default(rn.enc, max_record);	/* an absent field's default expands to at most this */
	tool_start(&t, max_record);
	t.in.lines = ndjson;
	t.on_error = on_error;
	run(&rn, &t);
	c = tool_finish(&t);
	avenc_free(rn.enc);
	avsc_free(schema);
	if (reg)
		registry_close(reg);
	free(text);
	free(rn.ren_from);
	free(rn.ren_to);
	return c;
}
