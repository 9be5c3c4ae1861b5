/* cfjob's state files (common/jobstate.c): each parser against its writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jobstate.h"

static int
offs(const char *text, const char *topic, struct jobstate_offs *f, char *err)
{
	return jobstate_offs_parse(text, strlen(text), topic, f, err, 200);
}

static void
offsets_round_trip(void **state)
{
	const char *text = "cfjob-offsets-1 wikimedia\n0 12\n1 0\n7 9223372036854775807\n";
	struct jobstate_offs f = {0};
	struct buf b = {0};
	char err[200];

	assert_int_equal(offs(text, "wikimedia", &f, err), 0);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.part[2], 7);
	assert_true(f.next[2] == INT64_MAX);
	assert_non_null(jobstate_offs_slot(&f, 1));
	assert_null(jobstate_offs_slot(&f, 2));
	jobstate_offs_format(&b, "wikimedia", &f);
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.p, text, b.len);
	/* no partitions at all is a state too (an empty topic list) */
	assert_int_equal(offs("cfjob-offsets-1 t\n", "t", &f, err), 0);
	assert_int_equal(f.n, 0);
	buf_free(&b);
	jobstate_offs_free(&f);
}

static void
offsets_refused(void **state)
{
	static const char *const bad[] = {
		"", "cfjob-offsets-1 t", "cfjob-offsets-2 t\n", "cfjob-offsets-1 \n", "cfjob-offsets-1 t u\n",
		"cfjob-offsets-1 t\n0 1", "cfjob-offsets-1 t\n0  1\n", "cfjob-offsets-1 t\n01 1\n",
		"cfjob-offsets-1 t\n0 -1\n", "cfjob-offsets-1 t\n+0 1\n", "cfjob-offsets-1 t\n0 1 \n",
		"cfjob-offsets-1 t\n1 1\n0 1\n", "cfjob-offsets-1 t\n0 1\n0 2\n",
		"cfjob-offsets-1 t\n2147483648 1\n", "cfjob-offsets-1 t\n0 9223372036854775808\n",
		"cfjob-offsets-1 t\n\n",
	};
	struct jobstate_offs f = {0};
	char err[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		*err = '\0';
		if (offs(bad[i], "t", &f, err) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(*err != '\0');
	}
	assert_int_equal(offs("cfjob-offsets-1 other\n0 1\n", "t", &f, err), -1);
	assert_non_null(strstr(err, "topic other, not t"));
	jobstate_offs_free(&f);
}

static void
plan_round_trip(void **state)
{
	const char *text = "base 41\nat-eof flush\npart 0 5 5\npart 3 10 2000\n";
	struct jobstate_plan p = {0};
	struct buf b = {0};
	char err[200];

	assert_int_equal(jobstate_plan_parse(text, strlen(text), 42, &p, err, sizeof(err)), 0);
	assert_int_equal(p.flush, 1);
	assert_int_equal(p.n, 2);
	assert_true(p.from[1] == 10 && p.to[1] == 2000);
	jobstate_plan_format(&b, &p);
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.p, text, b.len);
	/* the plan of another batch */
	assert_int_equal(jobstate_plan_parse(text, strlen(text), 43, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "batch 42, not 43"));
	buf_free(&b);
	jobstate_plan_free(&p);
}

static void
plan_refused(void **state)
{
	static const char *const bad[] = {
		"", "base 0\n", "base 0\nat-eof kept\n", "base 0\nat-eof keep\npart 0 5 4\n",
		"base 0\nat-eof keep\npart 1 0 1\npart 0 0 1\n", "base 0\nat-eof keep\npart 0 0 1",
		"base 0\nat-eof keep\npart 0 0\n", "base 00\nat-eof keep\n", "base 0 \nat-eof keep\n",
		"base 0\r\nat-eof keep\n",
	};
	struct jobstate_plan p = {0};
	char err[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (jobstate_plan_parse(bad[i], strlen(bad[i]), 1, &p, err, sizeof(err)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	jobstate_plan_free(&p);
}

static void
batch_metadata(void **state)
{
	char md[JOBSTATE_BATCH_MD_MAX];

	jobstate_batch_md(md, sizeof(md), UINT64_MAX);
	assert_true(jobstate_batch_md_parse(md, strlen(md)) == UINT64_MAX);
	jobstate_batch_md(md, sizeof(md), 7);
	assert_string_equal(md, "cfjob batch 7");
	assert_int_equal(jobstate_batch_md_parse(md, strlen(md)), 7);
	assert_int_equal(jobstate_batch_md_parse(md, strlen(md) - 1), 0);	/* "cfjob batch " */
	assert_int_equal(jobstate_batch_md_parse("cfjob batch 7 ", 14), 0);
	assert_int_equal(jobstate_batch_md_parse("", 0), 0);
	assert_int_equal(jobstate_batch_md_parse(NULL, 0), 0);
}

struct seen {
	char text[512];
};

static int
collect(const char *name, size_t nlen, const char *val, size_t vlen, void *arg, char *err, size_t errlen)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "[%.*s]=[%.*s]", (int)nlen, name, (int)vlen, val);
	return 0;
}

static void
properties(void **state)
{
	const char *text = "# a comment\n! another\n\n  security.protocol = SASL_SSL  \r\n"
	    "sasl.password=p=q#r\nempty=\nlast=1";
	struct seen s = {""};
	char err[200];

	assert_int_equal(jobstate_props_parse(text, strlen(text), collect, &s, err, sizeof(err)), 0);
	assert_string_equal(s.text, "[security.protocol]=[SASL_SSL][sasl.password]=[p=q#r][empty]=[][last]=[1]");
	assert_int_equal(jobstate_props_parse("a=1\nno value here\n", 18, collect, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
	assert_int_equal(jobstate_props_parse("=1\n", 3, collect, &s, err, sizeof(err)), -1);
	assert_int_equal(jobstate_props_parse("a b=1\n", 6, collect, &s, err, sizeof(err)), -1);
	assert_int_equal(jobstate_props_parse("a=1\0\n", 5, collect, &s, err, sizeof(err)), -1);
}

/* The driver's requests (cfjob --driver): parsed, refused, written back the same. */
static void
requests(void **state)
{
	const char *text = "cfjob-request 1\ngroup g.1\nbatch 7\ncommitted 5\ntry 2\nbase 6\nat-eof keep\n"
	    "part 0 10 20\npart 3 0 1\n";
	const char *end = "cfjob-end 1\ngroup g.1\nbatch 9\n";
	static const char *const bad[] = {
		"", "cfjob-request 2\n", "cfjob-request 1\ngroup other\nbatch 1\ncommitted 0\ntry 1\nbase 0\nat-eof keep\n",
		"cfjob-request 1\ngroup g.1\nbatch 0\ncommitted 0\ntry 1\nbase 0\nat-eof keep\n",
		"cfjob-request 1\ngroup g.1\nbatch 2\ncommitted 2\ntry 1\nbase 1\nat-eof keep\n",
		"cfjob-request 1\ngroup g.1\nbatch 2\ncommitted 1\ntry 0\nbase 1\nat-eof keep\n",
		"cfjob-request 1\ngroup g.1\nbatch 2\ncommitted 1\ntry 1\nbase 0\nat-eof keep\n",
		"cfjob-request 1\ngroup g.1\nbatch 2\ncommitted 1\ntry 1\nbase 1\nat-eof keep\npart 1 5 4\n",
		"cfjob-end 1\ngroup g.1\nbatch 3\ncommitted 1\n", "cfjob-end 1\ngroup g.1\nbatch 3",
	};
	struct jobstate_req r = {0};
	struct buf b = {0};
	char err[300];

	assert_int_equal(jobstate_req_parse(text, strlen(text), "g.1", &r, err, sizeof(err)), 0);
	assert_false(r.end);
	assert_true(r.batch == 7 && r.committed == 5 && r.try == 2);
	assert_int_equal(r.plan.n, 2);
	assert_true(r.plan.part[1] == 3 && r.plan.from[0] == 10 && r.plan.to[0] == 20);
	jobstate_req_format(&b, "g.1", &r);
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.p, text, b.len);
	b.len = 0;
	assert_int_equal(jobstate_req_parse(end, strlen(end), "g.1", &r, err, sizeof(err)), 0);
	assert_true(r.end && r.batch == 9);
	jobstate_req_format(&b, "g.1", &r);
	assert_int_equal(b.len, strlen(end));
	assert_memory_equal(b.p, end, b.len);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(jobstate_req_parse(bad[i], strlen(bad[i]), "g.1", &r, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	assert_non_null(strstr((jobstate_req_parse(bad[2], strlen(bad[2]), "g.1", &r, err, sizeof(err)), err),
	    "a message of group other, not g.1"));
	buf_free(&b);
	jobstate_req_free(&r);
}

/* The keys of the workers' rows and range ends. */
static void
keys(void **state)
{
	static const char *const good[] = {
		"cfjob-row 3 5 100 200 00000000deadbeef", "cfjob-done 3 5 100 200 ffffffffffffffff 0",
		"cfjob-done 1 0 0 1 0123456789abcdef 18446744073709551615",
	};
	static const char *const bad[] = {
		"", "cfjob-row", "cfjob-row 3 5 100 200 deadbeef", "cfjob-row 3 5 100 200 00000000DEADBEEF",
		"cfjob-row 0 5 100 200 00000000deadbeef", "cfjob-row 3 5 200 200 00000000deadbeef",
		"cfjob-row 3 5 100 200 00000000deadbeef 1", "cfjob-done 3 5 100 200 00000000deadbeef",
		"cfjob-row 3 -5 100 200 00000000deadbeef", "cfjob-row 3 2147483648 100 200 00000000deadbeef",
		"cfjob-row 03 5 100 200 00000000deadbeef", "cfjob-done 3 5 100 200 00000000deadbeef 1 ",
	};
	struct jobstate_key k;
	char out[JOBSTATE_KEY_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(jobstate_key_parse(good[i], strlen(good[i]), &k), 0);
		assert_int_equal(jobstate_key_format(out, sizeof(out), &k), strlen(good[i]));
		assert_memory_equal(out, good[i], strlen(good[i]));
	}
	assert_int_equal(jobstate_key_parse(good[0], strlen(good[0]), &k), 0);
	assert_true(!k.done && k.batch == 3 && k.part == 5 && k.from == 100 && k.to == 200 && k.attempt == 0xdeadbeef);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(jobstate_key_parse(bad[i], strlen(bad[i]), &k), -1);
	assert_int_equal(jobstate_key_parse(NULL, 0, &k), -1);
}

/* The driver's state snapshots (its changelog): written back the same; paths out of the tree refused. */
static int
snap_collect(const struct jobstate_snap_entry *e, void *arg)
{
	jobstate_snap_add(arg, e);
	return 0;
}

static void
snapshots(void **state)
{
	static const char text[] = "cfjob-snapshot 1\nbatch 4\nd sub\nf sub/windows 5\nab\ncdf offsets 0\nl cur c.4\n";
	static const char *const bad[] = {
		"", "cfjob-snapshot 2\nbatch 1\n", "cfjob-snapshot 1\nbatch 0\n",
		"cfjob-snapshot 1\nbatch 1\nf ../x 1\na", "cfjob-snapshot 1\nbatch 1\nf /etc/x 1\na",
		"cfjob-snapshot 1\nbatch 1\nd a/../..\n", "cfjob-snapshot 1\nbatch 1\nd a//b\n",
		"cfjob-snapshot 1\nbatch 1\nf ./x 1\na", "cfjob-snapshot 1\nbatch 1\nf x 5\nab",
		"cfjob-snapshot 1\nbatch 1\nf x\n", "cfjob-snapshot 1\nbatch 1\nl x\n",
		"cfjob-snapshot 1\nbatch 1\nx y\n", "cfjob-snapshot 1\nbatch 1\nd a",
	};
	struct buf b = {0}, w = {0};
	uint64_t batch;
	char err[300];

	assert_int_equal(jobstate_snap_parse(text, sizeof(text) - 1, &batch, snap_collect, &w, err, sizeof(err)), 0);
	assert_true(batch == 4);
	jobstate_snap_begin(&b, batch);
	buf_put(&b, w.p, w.len);
	assert_int_equal(b.len, sizeof(text) - 1);
	assert_memory_equal(b.p, text, b.len);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w.len = 0;
		err[0] = '\0';
		assert_int_equal(jobstate_snap_parse(bad[i], strlen(bad[i]), &batch, snap_collect, &w, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	buf_free(&b);
	buf_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_round_trip),
		cmocka_unit_test(offsets_refused),
		cmocka_unit_test(plan_round_trip),
		cmocka_unit_test(plan_refused),
		cmocka_unit_test(batch_metadata),
		cmocka_unit_test(properties),
		cmocka_unit_test(requests),
		cmocka_unit_test(keys),
		cmocka_unit_test(snapshots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
