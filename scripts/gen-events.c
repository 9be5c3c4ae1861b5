/*
 * gen-events: deterministic, realistic Wikimedia recentchange events for the
 * demo, the tests and the benchmarks, following fixtures/wikimedia-value.avsc.
 *
 * Outputs: NDJSON as the real stream looks ("$schema", absent fields left
 * out), Confluent frames or tagged bodies as a record stream (absent fields
 * are Avro nulls). Event time runs at --rate events a second from --start,
 * a few seconds out of order, with a --late-share of events 60 to 300 s late.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "be.h"
#include "err.h"
#include "rs.h"
#include "tool.h"

static _Noreturn void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: gen-events [-n count] [--seed N] [--start EPOCH_SECONDS]\n"
	    "                  [--rate events_per_s] [--late-share fraction]\n"
	    "                  [--format ndjson|frames|bodies] [--schema-id N]\n");
	exit(status);
}

/* xoshiro256**, seeded by splitmix64: the same bytes for the same seed everywhere. */
struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rnext(struct rng *r)
{
	uint64_t *s = r->s, v = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return v;
}

/* Uniform in [0, n). */
static inline uint32_t
rbelow(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnext(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability per-mille / 1000. */
static inline int
rpermille(struct rng *r, unsigned pm)
{
	return rbelow(r, 1000) < pm;
}

#define PICK(r, a)	((a)[rbelow((r), (uint32_t)(sizeof(a) / sizeof((a)[0])))])

/* Strings of one event live in an arena; a field is a slice of it, absent when p is NULL. */
struct str {
	const char *p;
	size_t n;
};

#define ARENA	16384

struct arena {
	char b[ARENA];
	size_t n;
};

static void
cat(struct arena *a, const char *s, size_t n)
{
	if (n > ARENA - a->n)
		n = ARENA - a->n;
	memcpy(a->b + a->n, s, n);
	a->n += n;
}

static void
cats(struct arena *a, const char *s)
{
	cat(a, s, strlen(s));
}

static void
catc(struct arena *a, char c)
{
	if (a->n < ARENA)
		a->b[a->n++] = c;
}

static void
catu(struct arena *a, uint64_t v)
{
	char t[24];
	int i = sizeof(t);

	do
		t[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	cat(a, t + i, sizeof(t) - (size_t)i);
}

static struct str
since(const struct arena *a, size_t start)
{
	struct str s = { a->b + start, a->n - start };

	return s;
}

static struct str
lit(const char *s)
{
	struct str v = { s, strlen(s) };

	return v;
}

/* Word lists, one per language; the non-Latin ones make the UTF-8 cases. */
static const char *const w_en[] = {
	"history", "river", "county", "station", "album", "football", "school",
	"church", "railway", "battle", "island", "election", "championship",
	"season", "film", "band", "village", "district", "university", "museum",
	"bridge", "mountain", "lake", "airport", "company", "language", "war",
	"king", "national", "park", "league", "club", "team", "song", "novel",
	"award", "street", "castle", "temple", "festival", "tower", "Smith",
	"John", "New", "York", "London", "Texas", "Ontario", "Victoria", "Saint",
};
static const char *const w_de[] = {
	"Straßenbahn", "Geschichte", "Fluss", "Bahnhof", "Kirche", "Schloss",
	"Gemeinde", "Landkreis", "Brücke", "Müller", "Universität", "Fußball",
	"Bürgermeister", "Österreich", "Zürich", "Köln", "München", "Wahl",
	"Verein", "Düsseldorf",
};
static const char *const w_fr[] = {
	"Église", "château", "rivière", "gare", "école", "élection",
	"département", "commune", "Québec", "musée", "Français", "théâtre",
	"île", "pont", "forêt", "bataille", "société", "équipe", "cinéma", "Hôtel",
};
static const char *const w_es[] = {
	"río", "estación", "iglesia", "año", "España", "educación", "canción",
	"película", "castillo", "municipio", "fútbol", "Málaga", "José",
	"García", "selección", "región", "batalla", "música", "León", "Córdoba",
};
static const char *const w_ja[] = {
	"東京", "駅", "日本", "大学", "高等学校", "鉄道", "川", "神社", "寺",
	"選挙", "アニメ", "野球", "株式会社", "放送", "一覧", "線", "市", "県",
	"城", "映画",
};
static const char *const w_zh[] = {
	"北京", "中国", "大学", "火车站", "河", "历史", "电影", "公司", "足球",
	"列表", "上海", "香港", "台灣", "寺", "省", "县", "战役", "语言", "音乐",
	"小说",
};
static const char *const w_ru[] = {
	"Москва", "река", "станция", "история", "Россия", "город", "область",
	"футбол", "университет", "церковь", "район", "выборы", "фильм", "список",
	"улица", "война", "Санкт-Петербург", "музей", "мост", "озеро",
};
static const char *const w_ar[] = {
	"القاهرة", "مصر", "نهر", "تاريخ", "جامعة", "مدينة", "كرة القدم", "قائمة",
	"محطة", "مسجد",
};

struct lang {
	const char *const *w;
	unsigned nw;
	int spaced;		/* words separated by spaces */
	const char *category;	/* the Category: namespace's local name */
};

#define LANG(w, sp, cat)	{ w, sizeof(w) / sizeof(w[0]), sp, cat }
enum { EN, DE, FR, ES, JA, ZH, RU, AR };
static const struct lang langs[] = {
	LANG(w_en, 1, "Category"), LANG(w_de, 1, "Kategorie"),
	LANG(w_fr, 1, "Catégorie"), LANG(w_es, 1, "Categoría"),
	LANG(w_ja, 0, "Category"), LANG(w_zh, 0, "Category"),
	LANG(w_ru, 1, "Категория"), LANG(w_ar, 1, "تصنيف"),
};

enum { K_WIKIPEDIA, K_WIKIDATA, K_COMMONS, K_OTHER };

struct wiki {
	const char *wiki, *server;
	int lang, kind;
	unsigned weight;	/* per mille of the events */
	int patrol;		/* edits carry "patrolled" */
};

/* Roughly the real stream's mix: Wikidata and Commons lead. */
static const struct wiki wikis[] = {
	{ "wikidatawiki", "www.wikidata.org", EN, K_WIKIDATA, 300, 1 },
	{ "commonswiki", "commons.wikimedia.org", EN, K_COMMONS, 200, 1 },
	{ "enwiki", "en.wikipedia.org", EN, K_WIKIPEDIA, 180, 1 },
	{ "dewiki", "de.wikipedia.org", DE, K_WIKIPEDIA, 50, 1 },
	{ "frwiki", "fr.wikipedia.org", FR, K_WIKIPEDIA, 45, 0 },
	{ "eswiki", "es.wikipedia.org", ES, K_WIKIPEDIA, 35, 1 },
	{ "jawiki", "ja.wikipedia.org", JA, K_WIKIPEDIA, 35, 0 },
	{ "ruwiki", "ru.wikipedia.org", RU, K_WIKIPEDIA, 30, 1 },
	{ "zhwiki", "zh.wikipedia.org", ZH, K_WIKIPEDIA, 25, 1 },
	{ "itwiki", "it.wikipedia.org", EN, K_WIKIPEDIA, 25, 1 },
	{ "arwiki", "ar.wikipedia.org", AR, K_WIKIPEDIA, 20, 1 },
	{ "enwiktionary", "en.wiktionary.org", EN, K_OTHER, 35, 1 },
	{ "metawiki", "meta.wikimedia.org", EN, K_OTHER, 20, 0 },
};
#define NWIKI	(sizeof(wikis) / sizeof(wikis[0]))

static const char *const bots[] = {
	"InternetArchiveBot", "ClueBot NG", "Cewbot", "KrBot",
	"QuickStatementsBot", "SchlurcherBot", "Pi bot", "DeltaBot",
	"Citation bot", "MatSuBot", "Emijrpbot", "Ladsgroup Bot", "FuzzyBot",
	"Reinheitsgebot", "Edoderoobot", "GZWDer (flood)",
};
static const char *const first[] = {
	"Alice", "Bob", "Marta", "Jean-Luc", "Olga", "Ahmed", "Wei", "Yuki",
	"Carlos", "Ingrid", "Pablo", "Fatima", "Søren", "Zoë", "Łukasz",
	"Mbali", "Raj", "Hannah", "Tomás", "Chloé",
};
static const char *const last_[] = {
	"Smith", "Wiki", "Editor", "Schmidt", "Dupont", "García", "Tanaka",
	"Ivanov", "Nowak", "Rossi", "Müller", "Jensen", "Kovač", "Nakamura",
};
static const char *const enc_emoji[] = {
	"🙂", "👍", "🎉", "🚀", "❤️", "🇩🇪", "😂", "✅",
};
static const char *const edit_words[] = {
	"fix typo", "copyedit", "ce", "+cat", "update infobox", "added reference",
	"rm unsourced claim", "grammar", "wikilink", "expand section",
	"per talk page", "source: \"Annual report\"", "fixed C:\\ path",
	"clean up", "update stats", "tidy", "rvv", "→ better wording",
};
static const char *const sections[] = {
	"Early life", "History", "Career", "References", "External links",
	"Geography", "Demographics", "Reception", "Plot", "See also",
};
static const char *const wd_ops[] = {
	"wbsetclaim-create:2||1", "wbsetclaim-update:2||1",
	"wbsetlabel-add:1|fr", "wbsetdescription-set:1|de",
	"wbeditentity-update:0|", "wbsetaliases-add:1|ja",
	"wbsetreference-add:2|", "wbsetsitelink-add:1|eswiki",
};
static const char *const log_comments[] = {
	"", "", "Spam", "Vandalism", "Uploaded own work with UploadWizard",
	"Created page with '{{Infobox'", "[[WP:CSD#G11|G11]]: Unambiguous advertising",
	"Long-term abuse", "Requested by uploader", "Housekeeping",
};

enum { T_EDIT, T_CATEGORIZE, T_LOG, T_NEW, T_EXTERNAL };
static const char *const types[] = { "edit", "categorize", "log", "new", "external" };
static const unsigned type_cum[] = { 600, 850, 930, 980, 1000 };	/* per mille */

struct ev {
	int bot;		/* -1: absent */
	struct str comment;
	int32_t id;
	int length, len_has_old;	/* length{new, old}; old absent for "new" */
	int32_t len_new, len_old;
	struct str m_domain, m_dt, m_id, m_request_id, m_stream, m_topic, m_uri;
	int64_t m_offset;
	int32_t m_partition;
	int minor;		/* -1: absent */
	int32_t ns;
	struct str parsedcomment;
	int patrolled;		/* -1: absent */
	int revision, rev_has_old;
	int32_t rev_new, rev_old;
	struct str schema, server_name, server_script_path, server_url;
	int32_t timestamp;
	struct str title, type, user, wiki;
};

struct gen {
	struct rng r;
	uint64_t n;
	int64_t start;
	double rate;
	unsigned late_ppm;	/* late events, parts per million */
	int32_t rcid[NWIKI], rev[NWIKI];
	unsigned wcum[NWIKI];
	int64_t dt_sec;
	char dt[64];
	struct arena a;
	struct ev e;
};

/* Adds w's words, up to n of them, in language l. */
static void
words(struct gen *g, int l, unsigned n)
{
	const struct lang *L = &langs[l];
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i && L->spaced)
			catc(&g->a, ' ');
		cats(&g->a, L->w[rbelow(&g->r, L->nw)]);
	}
}

/* The page name part of a title, first letter capital when it is ASCII. */
static void
page_name(struct gen *g, int l)
{
	size_t s = g->a.n;

	words(g, l, 1 + rbelow(&g->r, 3));
	if (g->a.b[s] >= 'a' && g->a.b[s] <= 'z')
		g->a.b[s] = (char)(g->a.b[s] - 'a' + 'A');
	if (rpermille(&g->r, 150)) {
		cats(&g->a, " (");
		catu(&g->a, 1900 + rbelow(&g->r, 127));
		catc(&g->a, ')');
	}
}

static void
ipv4(struct gen *g)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			catc(&g->a, '.');
		catu(&g->a, i == 0 ? 1 + rbelow(&g->r, 223) : rbelow(&g->r, 256));
	}
}

static void
hex(struct arena *a, uint64_t v, int digits, int upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	while (digits-- > 0)
		catc(a, d[(v >> (4 * digits)) & 15]);
}

static void
user_name(struct gen *g, int bot, const struct wiki *w)
{
	unsigned k = rbelow(&g->r, 100);

	if (bot) {
		cats(&g->a, PICK(&g->r, bots));
	} else if (k < 12) {		/* an IP editor */
		if (rpermille(&g->r, 700)) {
			ipv4(g);
		} else {
			cats(&g->a, "2001:DB8:");
			hex(&g->a, rnext(&g->r), 4, 1);
			cats(&g->a, ":");
			hex(&g->a, rnext(&g->r), 3, 1);
			cats(&g->a, "::");
			hex(&g->a, rnext(&g->r), 2, 1);
		}
	} else if (k < 16) {		/* a temporary account */
		cats(&g->a, "~2026-");
		catu(&g->a, 10000 + rbelow(&g->r, 90000));
		catc(&g->a, '-');
		catu(&g->a, 10 + rbelow(&g->r, 90));
	} else if (k < 24 && langs[w->lang].w != w_en) {
		words(g, w->lang, 1 + rbelow(&g->r, 2));
	} else {
		cats(&g->a, PICK(&g->r, first));
		if (rpermille(&g->r, 500)) {
			catc(&g->a, rpermille(&g->r, 500) ? ' ' : '_');
			cats(&g->a, PICK(&g->r, last_));
		}
		if (rpermille(&g->r, 300))
			catu(&g->a, rbelow(&g->r, 2000));
	}
}

/* A title and its namespace for the event's wiki and type. */
static void
title(struct gen *g, const struct wiki *w, int type)
{
	struct ev *e = &g->e;
	size_t s = g->a.n;
	unsigned k = rbelow(&g->r, 100);

	if (type == T_CATEGORIZE) {	/* the category page */
		e->ns = 14;
		cats(&g->a, langs[w->lang].category);
		catc(&g->a, ':');
		page_name(g, w->lang);
	} else if (w->kind == K_WIKIDATA && k < 90) {
		e->ns = k < 84 ? 0 : k < 87 ? 120 : 146;
		cats(&g->a, e->ns == 0 ? "Q" : e->ns == 120 ? "Property:P" : "Lexeme:L");
		catu(&g->a, 1 + rbelow(&g->r, e->ns == 0 ? 130000000 : 12000));
	} else if (w->kind == K_COMMONS && k < 80) {
		e->ns = 6;
		cats(&g->a, "File:");
		page_name(g, w->lang);
		catc(&g->a, ' ');
		catu(&g->a, 1990 + rbelow(&g->r, 37));
		cats(&g->a, k < 60 ? ".jpg" : k < 70 ? ".png" : ".pdf");
	} else if (k < 70) {
		e->ns = 0;
		page_name(g, w->lang);
	} else if (k < 85) {
		e->ns = k < 78 ? 2 : 3;
		cats(&g->a, e->ns == 2 ? "User:" : "User talk:");
		user_name(g, 0, w);
	} else {
		static const int nss[] = { 1, 4, 10, 828 };
		static const char *const pre[] = {
			"Talk:", "Wikipedia:", "Template:", "Module:"
		};
		unsigned i = rbelow(&g->r, 4);

		e->ns = nss[i];
		cats(&g->a, pre[i]);
		page_name(g, w->lang);
	}
	e->title = since(&g->a, s);
}

/* Cuts a string to at most max bytes, at a UTF-8 character boundary. */
static void
cut_utf8(struct gen *g, size_t start, size_t max)
{
	size_t n = g->a.n - start;

	if (n <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)g->a.b[start + n] & 0xc0) == 0x80)
		n--;
	g->a.n = start + n;
}

static void
user_link(struct gen *g, const struct wiki *w)
{
	size_t s = g->a.n, n;

	cats(&g->a, "[[Special:Contributions/");
	user_name(g, 0, w);
	n = g->a.n - s - 24;
	catc(&g->a, '|');
	cat(&g->a, g->a.b + s + 24, n);
	cats(&g->a, "]]");
}

static void
comment(struct gen *g, const struct wiki *w, int type)
{
	struct ev *e = &g->e;
	size_t s = g->a.n;
	unsigned k = rbelow(&g->r, 100), i, nw;

	switch (type) {
	case T_CATEGORIZE:
		cats(&g->a, "[[:");
		page_name(g, w->lang);
		cats(&g->a, k < 70 ? "]] added to category" :
		    "]] removed from category");
		break;
	case T_LOG:
		cats(&g->a, PICK(&g->r, log_comments));
		break;
	case T_NEW:
		if (w->kind == K_WIKIDATA) {
			cats(&g->a, "/* wbeditentity-create-item:0| */ ");
			words(g, w->lang, 1 + rbelow(&g->r, 3));
		} else {
			cats(&g->a, "Created page with \"");
			words(g, w->lang, 3 + rbelow(&g->r, 20));
			catc(&g->a, '"');
		}
		break;
	case T_EXTERNAL:
		if (k < 50)
			cats(&g->a, "Bot: adding interwiki links");
		break;
	default:		/* T_EDIT */
		if (w->kind == K_WIKIDATA) {
			cats(&g->a, "/* ");
			cats(&g->a, PICK(&g->r, wd_ops));
			cats(&g->a, " */ ");
			if (k < 60) {
				cats(&g->a, "[[Property:P");
				catu(&g->a, 1 + rbelow(&g->r, 12000));
				cats(&g->a, "]]: [[Q");
				catu(&g->a, 1 + rbelow(&g->r, 130000000));
				cats(&g->a, "]]");
			} else {
				words(g, rbelow(&g->r, 8), 1 + rbelow(&g->r, 3));
			}
		} else if (e->bot == 1 && k < 70) {
			cats(&g->a, k < 30 ? "Rescuing 1 sources and tagging 0 as dead.) #IABot (v2.0.9.5" :
			    k < 50 ? "Alter: title. Add: doi. | [[WP:UCB|Use this bot]]." :
			    "Bot: Migrating 2 interwiki links, now provided by [[Wikipedia:Wikidata|Wikidata]]");
		} else if (k < 20) {
			/* empty */
		} else if (k < 40) {
			cats(&g->a, "/* ");
			cats(&g->a, PICK(&g->r, sections));
			cats(&g->a, " */ ");
			cats(&g->a, PICK(&g->r, edit_words));
		} else if (k < 48) {
			cats(&g->a, "Reverted edits by ");
			user_link(g, w);
			cats(&g->a, " to last version by ");
			user_name(g, 0, w);
		} else if (k < 55) {
			cats(&g->a, "Undid revision ");
			catu(&g->a, 1000000 + rbelow(&g->r, 1200000000));
			cats(&g->a, " by ");
			user_link(g, w);
		} else {
			cats(&g->a, PICK(&g->r, edit_words));
			nw = k < 95 ? rbelow(&g->r, 8) : 20 + rbelow(&g->r, 40);
			for (i = 0; i < nw; i++) {
				catc(&g->a, ' ');
				words(g, rpermille(&g->r, 700) ? w->lang : EN, 1);
			}
			if (rpermille(&g->r, 80)) {
				catc(&g->a, ' ');
				cats(&g->a, PICK(&g->r, enc_emoji));
			}
		}
	}
	cut_utf8(g, s, 200);
	e->comment = since(&g->a, s);
}

static unsigned char url_plain[256], html_plain[256], json_plain[256];

static void
tables(void)
{
	const char *p;
	int c;

	for (c = 0; c < 256; c++) {
		url_plain[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
		html_plain[c] = c != '&' && c != '<' && c != '>' && c != '"';
		json_plain[c] = c >= 0x20 && c != '"' && c != '\\';
	}
	for (p = "-_.~:/()!*,;@$"; *p; p++)
		url_plain[(unsigned char)*p] = 1;
}

/*
 * The end of the run of plain bytes from i: 8 at a time while none of them is
 * x, y or below 0x20 (SWAR), then by the table. Plain text dominates the run time.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
static inline size_t
plain_run(const char *p, size_t i, size_t n, char x, char y,
    const unsigned char *plain)
{
	uint64_t v, bx = ONES * (unsigned char)x, by = ONES * (unsigned char)y;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		if ((((v ^ bx) - ONES) & ~(v ^ bx) & HIGHS) |
		    (((v ^ by) - ONES) & ~(v ^ by) & HIGHS) |
		    ((v - ONES * 0x20) & ~v & HIGHS))
			break;
	}
	while (i < n && plain[(unsigned char)p[i]])
		i++;
	return i;
}

/* Percent-encodes a title for a URL, as MediaWiki does (spaces become underscores). */
static void
urlencode(struct arena *a, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ' ')
			catc(a, '_');
		else if (url_plain[c])
			catc(a, (char)c);
		else {
			catc(a, '%');
			hex(a, c, 2, 1);
		}
	}
}

static void
htmlesc(struct arena *a, const char *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		j = plain_run(p, i, n, '&', '"', html_plain);
		cat(a, p + i, j - i);
		if ((i = j) == n)
			break;
		switch (p[i]) {
		case '&': cats(a, "&amp;"); break;
		case '<': cats(a, "&lt;"); break;
		case '>': cats(a, "&gt;"); break;
		case '"': cats(a, "&quot;"); break;
		}
	}
}

static const char *
find(const char *p, const char *end, const char *needle)
{
	size_t k = strlen(needle);

	for (; p + k <= end; p++)
		if (memcmp(p, needle, k) == 0)
			return p;
	return NULL;
}

/* parsedcomment: the comment as MediaWiki renders it, autocomment and links as HTML. */
static void
parsed(struct gen *g)
{
	struct ev *e = &g->e;
	const char *p = e->comment.p, *end = p + e->comment.n, *q, *bar;
	size_t s = g->a.n;
	int span = 0;

	if (e->comment.n > 6 && memcmp(p, "/* ", 3) == 0 &&
	    (q = find(p + 3, end, " */")) != NULL) {
		cats(&g->a, "<span dir=\"auto\"><span class=\"autocomment\"><a href=\"/wiki/");
		urlencode(&g->a, e->title.p, e->title.n);
		catc(&g->a, '#');
		urlencode(&g->a, p + 3, (size_t)(q - p - 3));
		cats(&g->a, "\" title=\"");
		htmlesc(&g->a, e->title.p, e->title.n);
		cats(&g->a, "\">→\xe2\x80\x8e");
		htmlesc(&g->a, p + 3, (size_t)(q - p - 3));
		cats(&g->a, "</a>: </span>");
		p = q + 3;
		span = 1;
	}
	while (p < end) {
		if (end - p > 4 && p[0] == '[' && p[1] == '[' &&
		    (q = find(p + 2, end, "]]")) != NULL) {
			const char *t = p + 2;

			if (*t == ':')
				t++;
			bar = memchr(t, '|', (size_t)(q - t));
			cats(&g->a, "<a href=\"/wiki/");
			urlencode(&g->a, t, (size_t)((bar ? bar : q) - t));
			cats(&g->a, "\" title=\"");
			htmlesc(&g->a, t, (size_t)((bar ? bar : q) - t));
			cats(&g->a, "\">");
			if (bar)
				htmlesc(&g->a, bar + 1, (size_t)(q - bar - 1));
			else
				htmlesc(&g->a, t, (size_t)(q - t));
			cats(&g->a, "</a>");
			p = q + 2;
			continue;
		}
		htmlesc(&g->a, p, 1);
		p++;
	}
	if (span)
		cats(&g->a, "</span>");
	e->parsedcomment = since(&g->a, s);
}

static void
uuid4(struct gen *g, struct str *out)
{
	static const char d[] = "0123456789abcdef";
	uint64_t hi = rnext(&g->r), lo = rnext(&g->r);
	char u[36];
	int i, k = 0;

	hi = (hi & ~0xf000ULL) | 0x4000ULL;
	lo = (lo & ~(3ULL << 62)) | (2ULL << 62);
	for (i = 0; i < 32; i++) {
		uint64_t v = i < 16 ? hi : lo;

		if (i == 8 || i == 12 || i == 16 || i == 20)
			u[k++] = '-';
		u[k++] = d[(v >> (60 - 4 * (i & 15))) & 15];
	}
	out->p = g->a.b + g->a.n;
	cat(&g->a, u, sizeof(u));
	out->n = (size_t)(g->a.b + g->a.n - out->p);
}

/* YYYY-MM-DDTHH:MM:SSZ for Unix seconds t (Howard Hinnant's civil_from_days). */
static void
iso8601(char *out, int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t sec = t - days * 86400, z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m,
	    (int)d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}


static void
make_event(struct gen *g, uint64_t i)
{
	struct ev *e = &g->e;
	const struct wiki *w;
	unsigned k, wi, type;
	int64_t arrival_us, delay_us, t;
	size_t s;

	g->a.n = 0;
	memset(e, 0, sizeof(*e));

	/* event time: arrival order plus a little jitter, a few events late */
	arrival_us = g->start * 1000000 + (int64_t)((double)i * 1e6 / g->rate);
	if (rbelow(&g->r, 1000000) < g->late_ppm) {
		delay_us = 60000000 + (int64_t)rbelow(&g->r, 240000001);
	} else {
		uint64_t u = rbelow(&g->r, 1000);

		delay_us = (int64_t)(u * u * u / 125);	/* 0-8 s, half < 1 s */
	}
	t = arrival_us - delay_us;
	t = t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
	e->timestamp = (int32_t)t;
	if (t != g->dt_sec) {
		g->dt_sec = t;
		iso8601(g->dt, t);
	}
	e->m_dt = lit(g->dt);

	k = rbelow(&g->r, 1000);
	for (wi = 0; k >= g->wcum[wi]; wi++)
		;
	w = &wikis[wi];
	k = rbelow(&g->r, 1000);
	for (type = 0; k >= type_cum[type]; type++)
		;
	e->type = lit(types[type]);
	e->wiki = lit(w->wiki);
	e->server_name = lit(w->server);
	e->m_domain = e->server_name;
	s = g->a.n;
	cats(&g->a, "https://");
	cats(&g->a, w->server);
	e->server_url = since(&g->a, s);
	e->server_script_path = lit("/w");
	e->schema = lit("/mediawiki/recentchange/1.0.0");
	e->m_stream = lit("mediawiki.recentchange");
	e->m_topic = lit("eqiad.mediawiki.recentchange");
	e->m_partition = 0;
	e->m_offset = 5000000000LL + (int64_t)i;

	k = rbelow(&g->r, 1000);
	e->bot = k < 10 ? -1 : k < 260;
	g->rcid[wi] += 1 + (int32_t)rbelow(&g->r, 4);
	e->id = g->rcid[wi];

	title(g, w, (int)type);
	s = g->a.n;
	user_name(g, e->bot == 1, w);
	e->user = since(&g->a, s);
	comment(g, w, (int)type);
	parsed(g);

	s = g->a.n;
	cats(&g->a, "https://");
	cats(&g->a, w->server);
	cats(&g->a, "/wiki/");
	urlencode(&g->a, e->title.p, e->title.n);
	e->m_uri = since(&g->a, s);
	uuid4(g, &e->m_request_id);
	uuid4(g, &e->m_id);

	e->minor = e->patrolled = -1;
	if (type == T_EDIT || type == T_NEW) {
		int isnew = type == T_NEW;

		e->minor = isnew ? 0 : rpermille(&g->r, 300);
		if (w->patrol && rpermille(&g->r, 950))
			e->patrolled = rpermille(&g->r, 650);
		g->rev[wi] += 1 + (int32_t)rbelow(&g->r, 5);
		e->revision = e->length = 1;
		e->rev_new = g->rev[wi];
		e->len_new = (int32_t)rbelow(&g->r, 4000);
		if (!isnew) {
			uint32_t big = rbelow(&g->r, 10);

			e->rev_has_old = e->len_has_old = 1;
			e->rev_old = e->rev_new - 1 - (int32_t)rbelow(&g->r, 5000000);
			e->len_old = (int32_t)rbelow(&g->r, big < 7 ? 40000 : 400000);
			e->len_new = e->len_old + (int32_t)rbelow(&g->r, 3000) - 1000;
			if (e->len_new < 0)
				e->len_new = 0;
		}
	}
}

/* JSON: strings escaped as RFC 8259 asks; UTF-8 passes through. */
static unsigned char *
jstr(unsigned char *o, struct str s)
{
	size_t i, j;

	*o++ = '"';
	for (i = 0; i < s.n; i++) {
		unsigned char c;

		j = plain_run(s.p, i, s.n, '"', '\\', json_plain);
		memcpy(o, s.p + i, j - i);
		o += j - i;
		if ((i = j) == s.n)
			break;
		c = (unsigned char)s.p[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = c;
		} else if (c < 0x20) {
			o += sprintf((char *)o, "\\u%04x", c);
		} else {
			*o++ = c;
		}
	}
	*o++ = '"';
	return o;
}

static unsigned char *
jkey(unsigned char *o, const char *k)
{
	size_t n = strlen(k);

	memcpy(o, k, n);
	return o + n;
}

static unsigned char *
jint(unsigned char *o, int64_t v)
{
	unsigned char t[24];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int k = sizeof(t);

	do
		t[--k] = (unsigned char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		t[--k] = '-';
	memcpy(o, t + k, sizeof(t) - (size_t)k);
	return o + sizeof(t) - k;
}

static unsigned char *
jbool(unsigned char *o, int v)
{
	return jkey(o, v ? "true" : "false");
}

/* In the real stream's key order. */
static size_t
write_json(const struct ev *e, unsigned char *o0)
{
	unsigned char *o = o0;

	o = jstr(jkey(o, "{\"$schema\":"), e->schema);
	o = jstr(jkey(o, ",\"meta\":{\"uri\":"), e->m_uri);
	o = jstr(jkey(o, ",\"request_id\":"), e->m_request_id);
	o = jstr(jkey(o, ",\"id\":"), e->m_id);
	o = jstr(jkey(o, ",\"dt\":"), e->m_dt);
	o = jstr(jkey(o, ",\"domain\":"), e->m_domain);
	o = jstr(jkey(o, ",\"stream\":"), e->m_stream);
	o = jstr(jkey(o, ",\"topic\":"), e->m_topic);
	o = jint(jkey(o, ",\"partition\":"), e->m_partition);
	o = jint(jkey(o, ",\"offset\":"), e->m_offset);
	o = jint(jkey(o, "},\"id\":"), e->id);
	o = jstr(jkey(o, ",\"type\":"), e->type);
	o = jint(jkey(o, ",\"namespace\":"), e->ns);
	o = jstr(jkey(o, ",\"title\":"), e->title);
	o = jstr(jkey(o, ",\"comment\":"), e->comment);
	o = jint(jkey(o, ",\"timestamp\":"), e->timestamp);
	o = jstr(jkey(o, ",\"user\":"), e->user);
	if (e->bot >= 0)
		o = jbool(jkey(o, ",\"bot\":"), e->bot);
	if (e->minor >= 0)
		o = jbool(jkey(o, ",\"minor\":"), e->minor);
	if (e->patrolled >= 0)
		o = jbool(jkey(o, ",\"patrolled\":"), e->patrolled);
	if (e->length) {
		o = jkey(o, ",\"length\":{");
		if (e->len_has_old)
			o = jkey(jint(jkey(o, "\"old\":"), e->len_old), ",");
		o = jkey(jint(jkey(o, "\"new\":"), e->len_new), "}");
	}
	if (e->revision) {
		o = jkey(o, ",\"revision\":{");
		if (e->rev_has_old)
			o = jkey(jint(jkey(o, "\"old\":"), e->rev_old), ",");
		o = jkey(jint(jkey(o, "\"new\":"), e->rev_new), "}");
	}
	o = jstr(jkey(o, ",\"server_url\":"), e->server_url);
	o = jstr(jkey(o, ",\"server_name\":"), e->server_name);
	o = jstr(jkey(o, ",\"server_script_path\":"), e->server_script_path);
	o = jstr(jkey(o, ",\"wiki\":"), e->wiki);
	o = jstr(jkey(o, ",\"parsedcomment\":"), e->parsedcomment);
	o = jkey(o, "}\n");
	return (size_t)(o - o0);
}

/* Avro binary: zigzag varints; a ["null", T] union is branch 0 or 1 then T. */
static inline unsigned char *
alng(unsigned char *o, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);

	while (z > 0x7f) {
		*o++ = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	*o++ = (unsigned char)z;
	return o;
}

static inline unsigned char *
anull(unsigned char *o)
{
	*o++ = 0;
	return o;
}

static inline unsigned char *
aint(unsigned char *o, int64_t v)
{
	*o++ = 2;
	return alng(o, v);
}

static inline unsigned char *
abool(unsigned char *o, int v)
{
	if (v < 0)
		return anull(o);
	*o++ = 2;
	*o++ = (unsigned char)v;
	return o;
}

static inline unsigned char *
astr(unsigned char *o, struct str s)
{
	if (!s.p)
		return anull(o);
	*o++ = 2;
	o = alng(o, (int64_t)s.n);
	memcpy(o, s.p, s.n);
	return o + s.n;
}

/* In the fixture schema's field order. */
static size_t
write_avro(const struct ev *e, unsigned char *o0)
{
	unsigned char *o = o0;

	o = abool(o, e->bot);
	o = astr(o, e->comment);
	o = aint(o, e->id);
	if (e->length) {
		*o++ = 2;
		o = aint(o, e->len_new);
		o = e->len_has_old ? aint(o, e->len_old) : anull(o);
	} else {
		o = anull(o);
	}
	*o++ = 2;		/* meta */
	o = astr(o, e->m_domain);
	o = astr(o, e->m_dt);
	o = astr(o, e->m_id);
	o = aint(o, e->m_offset);
	o = aint(o, e->m_partition);
	o = astr(o, e->m_request_id);
	o = astr(o, e->m_stream);
	o = astr(o, e->m_topic);
	o = astr(o, e->m_uri);
	o = abool(o, e->minor);
	o = aint(o, e->ns);
	o = astr(o, e->parsedcomment);
	o = abool(o, e->patrolled);
	if (e->revision) {
		*o++ = 2;
		o = aint(o, e->rev_new);
		o = e->rev_has_old ? aint(o, e->rev_old) : anull(o);
	} else {
		o = anull(o);
	}
	o = astr(o, e->schema);
	o = astr(o, e->server_name);
	o = astr(o, e->server_script_path);
	o = astr(o, e->server_url);
	o = aint(o, e->timestamp);
	o = astr(o, e->title);
	o = astr(o, e->type);
	o = astr(o, e->user);
	o = astr(o, e->wiki);
	return (size_t)(o - o0);
}

enum { F_NDJSON, F_FRAMES, F_BODIES };

static uint64_t
opt_u64(const char *opt, const char *arg)
{
	unsigned long long v;
	char *end;

	if (*arg < '0' || *arg > '9')
		goto bad;
	v = strtoull(arg, &end, 10);
	if (*end || v == ~0ULL)
		goto bad;
	return v;
bad:
	die(EXIT_USAGE, "%s: expected a non-negative integer, got \"%s\"", opt, arg);
}

static double
opt_double(const char *opt, const char *arg, double lo, double hi)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end || !(v >= lo && v <= hi))
		die(EXIT_USAGE, "%s: expected a number from %g to %g, got \"%s\"",
		    opt, lo, hi, arg);
	return v;
}

static struct rs_writer out;

static void
flush_out(void)
{
	rs_flush(&out);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "late-share", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "schema-id", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct gen g;
	uint64_t seed = 1, i;
	uint32_t schema_id = 1;
	unsigned acc = 0;
	size_t wi;
	int ch, fmt = F_NDJSON;

	err_init(argv[0]);
	tool_version(argc, argv);
	g.n = 1000;
	g.start = 1795428000;	/* 2026-11-23T10:00:00Z */
	g.rate = 30;
	g.late_ppm = 5000;
	while ((ch = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			g.n = opt_u64("-n", optarg);
			break;
		case 's':
			seed = opt_u64("--seed", optarg);
			break;
		case 't':
			g.start = (int64_t)opt_u64("--start", optarg);
			if (g.start > INT32_MAX)
				die(EXIT_USAGE, "--start: timestamps are Avro ints "
				    "(up to %ld), got %s", (long)INT32_MAX, optarg);
			break;
		case 'r':
			g.rate = opt_double("--rate", optarg, 1e-3, 1e9);
			break;
		case 'l':
			g.late_ppm = (unsigned)(opt_double("--late-share", optarg,
			    0, 1) * 1e6 + 0.5);
			break;
		case 'f':
			if (strcmp(optarg, "ndjson") == 0)
				fmt = F_NDJSON;
			else if (strcmp(optarg, "frames") == 0)
				fmt = F_FRAMES;
			else if (strcmp(optarg, "bodies") == 0)
				fmt = F_BODIES;
			else
				die(EXIT_USAGE, "--format: expected ndjson, frames "
				    "or bodies, got \"%s\"", optarg);
			break;
		case 'i':
			schema_id = opt_u32("--schema-id", optarg);
			break;
		case 'h':
			usage(0);
		default:
			usage(EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(EXIT_USAGE);
	if ((double)g.start + (double)g.n / g.rate + 1 > (double)INT32_MAX)
		die(EXIT_USAGE, "timestamps would pass %ld (Avro int): lower -n, "
		    "--start or raise --rate", (long)INT32_MAX);

	tables();
	rng_seed(&g.r, seed);
	for (wi = 0; wi < NWIKI; wi++) {
		acc += wikis[wi].weight;
		g.wcum[wi] = acc;
		g.rcid[wi] = 100000000 + (int32_t)rbelow(&g.r, 1000000000);
		g.rev[wi] = 100000000 + (int32_t)rbelow(&g.r, 1000000000);
	}
	g.wcum[NWIKI - 1] = 1000;
	g.dt_sec = INT64_MIN;

	rs_writer_init(&out, STDOUT_FILENO);
	err_on_exit(flush_out);
	for (i = 0; i < g.n; i++) {
		unsigned char *o;
		size_t n;

		make_event(&g, i);
		if (fmt == F_NDJSON) {
			o = rs_reserve(&out, 6 * g.a.n + 2048);
			rs_commit(&out, write_json(&g.e, o));
			continue;
		}
		/* length, [magic byte 0], schema id, body */
		o = rs_reserve(&out, g.a.n + 1024);
		n = fmt == F_FRAMES ? 5 : 4;
		o[4] = 0;
		be32_put(o + n, schema_id);
		n += write_avro(&g.e, o + 4 + n);
		be32_put(o, (uint32_t)n);
		rs_commit(&out, 4 + n);
	}
	rs_flush(&out);
	rs_writer_free(&out);
	return 0;
}
