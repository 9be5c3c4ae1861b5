/*
 * What the Avro body fuzzers share. The schemas they (fuzz_avro_body.c, fuzz_avro_diff.c)
 * decode with: every primitive, nested and recursive records, containers of
 * records, unions (two records of one short name in different namespaces),
 * enums, fixed, logical types, items that take no bytes (null, empty records,
 * fixed of size 0: avro-c 1.11.1 cannot hold the last two), a top-level union,
 * and three writer/reader pairs for resolution (defaults, promotions, enum
 * default, aliases, reordering, writer fields the reader skips, defaults
 * that take no bytes).
 * An input's first byte picks one (modulo FZ_NSCHEMAS); the seed corpora in
 * tests/fuzz/corpus/avro_{body,diff}/ follow this order, so append only.
 * The Makefile's fuzz rule does not know of this file: after changing it,
 * remove build/fuzz/fuzz_avro_* before make fuzz.
 */
#ifndef FUZZ_AVRO_SCHEMAS_H
#define FUZZ_AVRO_SCHEMAS_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define FZ_MAXPROJ 3

struct fz_schema {
	const char *name;
	const char *writer;
	const char *reader;		/* NULL: the writer's */
	const char *proj[FZ_MAXPROJ];	/* projections valid for the reader (NULL ends) */
	int zero_items;			/* has arrays or maps of items that take no bytes */
	int logical;			/* has logical types: plain output differs from raw */
};

static const struct fz_schema fz_schemas[] = {
	{"primitives",
	 "{\"type\":\"record\",\"name\":\"Prims\",\"fields\":["
	 "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
	 "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
	 "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
	 "{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\",\"type\":\"string\"}]}",
	 NULL, {"i,s", "d,by,n"}, 0, 0},

	{"nested",
	 "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"org.ex\",\"fields\":["
	 "{\"name\":\"id\",\"type\":\"long\"},"
	 "{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
	 "{\"name\":\"x\",\"type\":\"int\"},"
	 "{\"name\":\"y\",\"type\":{\"type\":\"record\",\"name\":\"Leaf\",\"namespace\":\"other\",\"fields\":["
	 "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"boolean\"}]}}]}},"
	 "{\"name\":\"leaf2\",\"type\":\"other.Leaf\"},"
	 "{\"name\":\"inner2\",\"type\":\"Inner\"},"
	 "{\"name\":\"tail\",\"type\":\"string\"}]}",
	 NULL, {"a.y.s,tail", "inner2.y", "a.x,leaf2.b,id"}, 0, 0},

	{"containers",
	 "{\"type\":\"record\",\"name\":\"Coll\",\"fields\":["
	 "{\"name\":\"items\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Item\",\"fields\":["
	 "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"w\",\"type\":\"double\"}]}}},"
	 "{\"name\":\"byname\",\"type\":{\"type\":\"map\",\"values\":\"Item\"}},"
	 "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
	 "{\"name\":\"counts\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
	 "{\"name\":\"grid\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"int\"}}},"
	 "{\"name\":\"mm\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"map\",\"values\":\"bytes\"}}}]}",
	 NULL, {"items.name", "byname.id,tags", "grid,mm"}, 0, 0},

	{"unions",
	 "{\"type\":\"record\",\"name\":\"U\",\"namespace\":\"ns.a\",\"fields\":["
	 "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"long\",\"float\",\"double\",\"boolean\",\"string\",\"bytes\","
	 "{\"type\":\"record\",\"name\":\"Pt\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\"}]},"
	 "{\"type\":\"record\",\"name\":\"Pt\",\"namespace\":\"ns.b\",\"fields\":[{\"name\":\"z\",\"type\":\"string\"}]},"
	 "{\"type\":\"array\",\"items\":\"int\"},{\"type\":\"map\",\"values\":\"string\"},"
	 "{\"type\":\"enum\",\"name\":\"Sym\",\"symbols\":[\"A\",\"B\"]},"
	 "{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}]},"
	 "{\"name\":\"opt\",\"type\":[\"null\",\"string\"]},"
	 "{\"name\":\"opt2\",\"type\":[\"string\",\"null\"]},"
	 "{\"name\":\"optrec\",\"type\":[\"null\",\"ns.a.Pt\"]},"
	 "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"long\",\"ns.b.Pt\"]}}]}",
	 NULL, {"optrec.x", "opt,opt2", "u,arr"}, 0, 0},

	{"enums",
	 "{\"type\":\"record\",\"name\":\"E\",\"fields\":["
	 "{\"name\":\"c\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
	 "{\"name\":\"cs\",\"type\":{\"type\":\"array\",\"items\":\"Color\"}},"
	 "{\"name\":\"oc\",\"type\":[\"null\",\"Color\"]},"
	 "{\"name\":\"big\",\"type\":{\"type\":\"enum\",\"name\":\"Big\",\"symbols\":["
	 "\"S0\",\"S1\",\"S2\",\"S3\",\"S4\",\"S5\",\"S6\",\"S7\",\"S8\",\"S9\","
	 "\"S10\",\"S11\",\"S12\",\"S13\",\"S14\",\"S15\",\"S16\",\"S17\",\"S18\",\"S19\","
	 "\"S20\",\"S21\",\"S22\",\"S23\",\"S24\",\"S25\",\"S26\",\"S27\",\"S28\",\"S29\","
	 "\"S30\",\"S31\",\"S32\",\"S33\",\"S34\",\"S35\",\"S36\",\"S37\",\"S38\",\"S39\","
	 "\"S40\",\"S41\",\"S42\",\"S43\",\"S44\",\"S45\",\"S46\",\"S47\",\"S48\",\"S49\","
	 "\"S50\",\"S51\",\"S52\",\"S53\",\"S54\",\"S55\",\"S56\",\"S57\",\"S58\",\"S59\","
	 "\"S60\",\"S61\",\"S62\",\"S63\",\"S64\",\"S65\",\"S66\",\"S67\",\"S68\",\"S69\"]}},"
	 "{\"name\":\"cm\",\"type\":{\"type\":\"map\",\"values\":\"Color\"}}]}",
	 NULL, {"cs,cm", "big"}, 0, 0},

	{"fixed",
	 "{\"type\":\"record\",\"name\":\"Fx\",\"fields\":["
	 "{\"name\":\"md5\",\"type\":{\"type\":\"fixed\",\"name\":\"MD5\",\"size\":16}},"
	 "{\"name\":\"f3\",\"type\":{\"type\":\"fixed\",\"name\":\"F3\",\"size\":3}},"
	 "{\"name\":\"fa\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}}},"
	 "{\"name\":\"of\",\"type\":[\"null\",\"MD5\"]}]}",
	 NULL, {"md5,of", "fa"}, 0, 0},

	{"recursive",
	 "{\"type\":\"record\",\"name\":\"Rec\",\"fields\":["
	 "{\"name\":\"list\",\"type\":{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
	 "{\"name\":\"value\",\"type\":\"int\"},{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}},"
	 "{\"name\":\"tree\",\"type\":{\"type\":\"record\",\"name\":\"Tree\",\"fields\":["
	 "{\"name\":\"v\",\"type\":\"long\"},"
	 "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"Tree\"}},"
	 "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":\"Tree\"}}]}}]}",
	 NULL, {"list.value", "tree.kids.v", "list.next.next.value,tree.v"}, 0, 0},

	{"logical",
	 "{\"type\":\"record\",\"name\":\"L\",\"fields\":["
	 "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}},"
	 "{\"name\":\"decf\",\"type\":{\"type\":\"fixed\",\"name\":\"D8\",\"size\":8,\"logicalType\":\"decimal\",\"precision\":18,\"scale\":4}},"
	 "{\"name\":\"dec0\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":38,\"scale\":0}},"
	 "{\"name\":\"u\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
	 "{\"name\":\"uf\",\"type\":{\"type\":\"fixed\",\"name\":\"U16\",\"size\":16,\"logicalType\":\"uuid\"}},"
	 "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
	 "{\"name\":\"tm\",\"type\":{\"type\":\"int\",\"logicalType\":\"time-millis\"}},"
	 "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":\"time-micros\"}},"
	 "{\"name\":\"tsm\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
	 "{\"name\":\"tsu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}},"
	 "{\"name\":\"tsn\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-nanos\"}},"
	 "{\"name\":\"lm\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-millis\"}},"
	 "{\"name\":\"lu\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-micros\"}},"
	 "{\"name\":\"ln\",\"type\":{\"type\":\"long\",\"logicalType\":\"local-timestamp-nanos\"}},"
	 "{\"name\":\"od\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}]},"
	 "{\"name\":\"ad\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":76,\"scale\":38}}}]}",
	 NULL, {"dec,decf,ad", "tsm,tsn,ln,od"}, 0, 1},

	{"resolution",
	 "{\"type\":\"record\",\"name\":\"Ev\",\"namespace\":\"w\",\"fields\":["
	 "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"long\"},"
	 "{\"name\":\"c\",\"type\":\"float\"},{\"name\":\"i2f\",\"type\":\"int\"},"
	 "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"by\",\"type\":\"bytes\"},"
	 "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\",\"D\"]}},"
	 "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"]},"
	 "{\"name\":\"plain\",\"type\":\"int\"},"
	 "{\"name\":\"rec\",\"type\":{\"type\":\"record\",\"name\":\"R\",\"fields\":["
	 "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"gone\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}},"
	 "{\"name\":\"old\",\"type\":\"string\"},"
	 "{\"name\":\"dropped\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"R\"]}}]}",
	 "{\"type\":\"record\",\"name\":\"Ev\",\"namespace\":\"w\",\"fields\":["
	 "{\"name\":\"added\",\"type\":\"int\",\"default\":42},"
	 "{\"name\":\"rec\",\"type\":{\"type\":\"record\",\"name\":\"R\",\"fields\":["
	 "{\"name\":\"y\",\"type\":\"string\",\"default\":\"why\"},{\"name\":\"x\",\"type\":\"long\"}]}},"
	 "{\"name\":\"a\",\"type\":\"long\"},{\"name\":\"b\",\"type\":\"double\"},"
	 "{\"name\":\"c\",\"type\":\"double\"},{\"name\":\"i2f\",\"type\":\"float\"},"
	 "{\"name\":\"s\",\"type\":\"bytes\"},{\"name\":\"by\",\"type\":\"string\"},"
	 "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"Z\"],\"default\":\"Z\"}},"
	 "{\"name\":\"u\",\"type\":[\"null\",\"long\",\"bytes\"]},"
	 "{\"name\":\"plain\",\"type\":[\"null\",\"long\"]},"
	 "{\"name\":\"renamed\",\"aliases\":[\"old\"],\"type\":\"string\"},"
	 "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":\"int\"},\"default\":[1,2,3]},"
	 "{\"name\":\"bd\",\"type\":\"bytes\",\"default\":\"\\u00ff\\u0000a\"},"
	 "{\"name\":\"od\",\"type\":[\"null\",\"string\"],\"default\":null},"
	 "{\"name\":\"rd\",\"type\":{\"type\":\"record\",\"name\":\"RD\",\"fields\":[{\"name\":\"k\",\"type\":\"string\"}]},\"default\":{\"k\":\"v\"}},"
	 "{\"name\":\"md\",\"type\":{\"type\":\"map\",\"values\":\"double\"},\"default\":{\"pi\":3.5}}]}",
	 {"rec.y,added", "e,u,plain", "md,rd.k,renamed"}, 0, 0},

	{"zero-size items",
	 "{\"type\":\"record\",\"name\":\"Z\",\"fields\":["
	 "{\"name\":\"nulls\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
	 "{\"name\":\"empties\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Empty\",\"fields\":[]}}},"
	 "{\"name\":\"nm\",\"type\":{\"type\":\"map\",\"values\":\"null\"}},"
	 "{\"name\":\"nested\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"Empty\"}}},"
	 "{\"name\":\"allnull\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"AN\",\"fields\":["
	 "{\"name\":\"a\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"Empty\"}]}}},"
	 "{\"name\":\"zs\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"fixed\",\"name\":\"Z0\",\"size\":0}}}]}",
	 NULL, {"nulls,nm", "allnull.b,zs"}, 1, 0},

	{"top-level union",
	 "[\"null\",\"string\",\"long\",\"double\",{\"type\":\"array\",\"items\":\"bytes\"},"
	 "{\"type\":\"map\",\"values\":[\"int\",\"null\"]},"
	 "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"t\",\"type\":\"string\"}]}]",
	 NULL, {NULL}, 0, 0},

	{"skipped writer fields",
	 "{\"type\":\"record\",\"name\":\"S\",\"fields\":["
	 "{\"name\":\"keep1\",\"type\":\"string\"},"
	 "{\"name\":\"s1\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SI\",\"fields\":["
	 "{\"name\":\"a\",\"type\":[\"null\",\"string\"]},{\"name\":\"b\",\"type\":[\"long\",\"null\"]},"
	 "{\"name\":\"c\",\"type\":[\"null\",\"boolean\"]},"
	 "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"double\",\"bytes\"]}}]}}},"
	 "{\"name\":\"s2\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"enum\",\"name\":\"SE\",\"symbols\":[\"P\",\"Q\"]}}},"
	 "{\"name\":\"keep2\",\"type\":\"long\"},"
	 "{\"name\":\"s3\",\"type\":[\"null\",{\"type\":\"fixed\",\"name\":\"SF\",\"size\":4},\"float\",\"SI\"]},"
	 "{\"name\":\"s4\",\"type\":{\"type\":\"array\",\"items\":\"null\"}},"
	 "{\"name\":\"s5\",\"type\":[\"null\",\"int\"]},"
	 "{\"name\":\"keep3\",\"type\":{\"type\":\"array\",\"items\":\"SI\"}}]}",
	 "{\"type\":\"record\",\"name\":\"S\",\"fields\":["
	 "{\"name\":\"keep3\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"SI\",\"fields\":["
	 "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"double\",\"bytes\"]}}]}}},"
	 "{\"name\":\"keep2\",\"type\":\"long\"},"
	 "{\"name\":\"k1\",\"aliases\":[\"keep1\"],\"type\":\"string\"}]}",
	 {"keep2", "keep3.m,k1"}, 1, 0},

	/* Reader fields whose defaults take no bytes in binary. */
	{"zero-byte defaults",
	 "{\"type\":\"record\",\"name\":\"D\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}",
	 "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
	 "{\"name\":\"n\",\"type\":\"null\",\"default\":null},"
	 "{\"name\":\"x\",\"type\":\"int\"},"
	 "{\"name\":\"e\",\"type\":{\"type\":\"record\",\"name\":\"E0\",\"fields\":[]},\"default\":{}},"
	 "{\"name\":\"z\",\"type\":{\"type\":\"fixed\",\"name\":\"Z\",\"size\":0},\"default\":\"\"}]}",
	 {"x", "n,e"}, 0, 0},
};

#define FZ_NSCHEMAS (sizeof(fz_schemas) / sizeof(fz_schemas[0]))

/*
 * JSON text read as json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL | flags)
 * reads it, except that an object key may hold U+0000 (valid JSON, from a
 * map key, which jansson 2.14 refuses): then the text is read again with
 * each \u0000 turned into \u0001 (a change that keeps valid text valid and
 * invalid text invalid) and *nul_keys set.
 */
static json_t *
fz_json_load(const char *s, size_t n, size_t flags, int *nul_keys, json_error_t *je)
{
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL | flags, je);
	char *t;
	size_t i, o;

	*nul_keys = 0;
	if (j || !strstr(je->text, "NUL byte in object key"))
		return j;
	/*
	 * jansson refuses NUL in keys: stuff the text one to one, \u0001 as
	 * \u0001\u0001 and \u0000 as \u0001\u0002 (escapes only, a "\\"
	 * skipped whole), so that two keys are equal after it exactly when they
	 * were before. (Writing \u0000 as \u0001 made "\u0000" and "\u0001"
	 * one key: a duplicate our output did not have.)
	 */
	if (!(t = malloc(2 * n + 1)))
		abort();
	for (i = o = 0; i < n; i++) {
		if (s[i] == '\\' && i + 6 <= n && s[i + 1] == 'u' &&
		    (memcmp(s + i + 2, "0000", 4) == 0 || memcmp(s + i + 2, "0001", 4) == 0)) {
			memcpy(t + o, "\\u0001\\u000", 11);
			t[o + 11] = s[i + 5] == '0' ? '2' : '1';
			o += 12;
			i += 5;
			continue;
		}
		t[o++] = s[i];
		if (s[i] == '\\' && i + 1 < n)
			t[o++] = s[++i];
	}
	j = json_loadb(t, o, JSON_DECODE_ANY | JSON_ALLOW_NUL | flags, je);
	free(t);
	*nul_keys = 1;
	return j;
}

#endif
