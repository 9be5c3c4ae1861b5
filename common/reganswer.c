/*
 * reganswer: a registry answer judged in one place. A 200 must be a JSON
 * object with the fields asked for, a schema of type AVRO and well-formed
 * references; any other status is the registry's error (error_code and
 * message, made one short line) or, without one, an HTTP error.
 */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "reganswer.h"

static const char *
status_text(long st)
{
	switch (st) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "HTTP status";
	}
}

/* The registry's own words, made one short line: "40403: Schema not found". */
static void
describe_error(const struct reganswer *a, const char *msg, char *out, size_t outlen)
{
	size_t i, n;

	n = (size_t)snprintf(out, outlen, "%ld%s", a->code, msg ? ": " : "");
	for (i = 0; msg && msg[i] && n + 1 < outlen && i < 160; i++, n++)
		out[n] = (unsigned char)msg[i] < 0x20 ? ' ' : msg[i];
	if (n < outlen)
		out[n] = '\0';
}

static int
garbled(char *err, size_t errlen, const char *where, const char *what, const char *why)
{
	err_set(err, errlen, "registry %s: garbled answer for %s: %s", where, what, why);
	return REGISTRY_FAIL;
}

static int
judge_ok(json_t *root, unsigned need, const char *what, const char *where,
    struct reganswer *a, char *err, size_t errlen)
{
	json_t *v, *refs, *ref;
	char why[80];
	json_int_t n;
	size_t i;

	if (!json_is_object(root))
		return garbled(err, errlen, where, what,
		    root ? "not a JSON object" : "not JSON");
	v = json_object_get(root, "schemaType");
	if (v && !json_is_string(v))
		return garbled(err, errlen, where, what, "\"schemaType\" is not a string");
	if (v && strcmp(json_string_value(v), "AVRO")) {
		err_set(err, errlen, "%s is %.40s, not AVRO (at %s)", what,
		    json_string_value(v), where);
		return REGISTRY_INVALID;
	}
	refs = json_object_get(root, "references");
	if (refs && !json_is_array(refs) && !json_is_null(refs))
		return garbled(err, errlen, where, what, "\"references\" is not an array");
	json_array_foreach(refs, i, ref) {
		v = json_object_get(ref, "version");
		n = json_integer_value(v);
		if (!json_is_string(json_object_get(ref, "name")) ||
		    !json_string_value(json_object_get(ref, "subject")) ||
		    !*json_string_value(json_object_get(ref, "subject")) ||
		    !json_is_integer(v) || (n < 1 && n != -1) || n > INT_MAX) {
			snprintf(why, sizeof(why), "\"references\" entry %zu is not "
			    "{\"name\", \"subject\", \"version\"}", i + 1);
			return garbled(err, errlen, where, what, why);
		}
	}
	a->refs = json_array_size(refs) > 0 ? refs : NULL;
	a->schema = json_string_value(json_object_get(root, "schema"));
	if ((need & REGANSWER_NEED_SCHEMA) && !a->schema)
		return garbled(err, errlen, where, what, "no string \"schema\"");
	v = json_object_get(root, "id");
	if (v) {
		n = json_integer_value(v);
		if (!json_is_integer(v) || n < 0 || n > (json_int_t)UINT32_MAX)
			return garbled(err, errlen, where, what, "\"id\" is not a schema id");
		a->id = (uint32_t)n;
		a->has_id = 1;
	} else if (need & REGANSWER_NEED_ID)
		return garbled(err, errlen, where, what, "no \"id\"");
	v = json_object_get(root, "version");
	if (v) {
		n = json_integer_value(v);
		if (!json_is_integer(v) || n < 1 || n > INT_MAX)
			return garbled(err, errlen, where, what, "\"version\" is not a version");
		a->version = (int)n;
	} else if (need & REGANSWER_NEED_VERSION)
		return garbled(err, errlen, where, what, "no \"version\"");
	v = json_object_get(root, "subject");
	if (v && !json_is_string(v))
		return garbled(err, errlen, where, what, "\"subject\" is not a string");
	a->subject = json_string_value(v);
	return REGISTRY_OK;
}

int
reganswer_parse(long st, const char *body, size_t len, unsigned need,
    const char *what, const char *where, struct reganswer *a,
    char *err, size_t errlen)
{
	const char *msg = NULL;
	char desc[200];
	json_t *root, *v;
	json_error_t je;

	memset(a, 0, sizeof(*a));
	root = json_loadb(body ? body : "", len, 0, &je);
	a->root = root;
	if (st == 200)
		return judge_ok(root, need, what, where, a, err, errlen);
	if (json_is_object(root)) {
		v = json_object_get(root, "error_code");
		if (json_is_integer(v) && json_integer_value(v) > 0 &&
		    json_integer_value(v) < 1000000)
			a->code = (long)json_integer_value(v);
		msg = json_string_value(json_object_get(root, "message"));
	}
	if (!a->code) {
		err_set(err, errlen, "registry %s: %ld %s for %s%s", where, st,
		    status_text(st), what,
		    st == 404 ? " (not a registry error: is the URL right?)" : "");
		return REGISTRY_FAIL;
	}
	describe_error(a, msg, desc, sizeof(desc));
	if (st == 404 && a->code / 100 == 404) {
		err_set(err, errlen, "%s not found (%s) at %s", what, desc, where);
		return REGISTRY_NOTFOUND;
	}
	if (st == 409 || st == 422) {
		err_set(err, errlen, "registry %s refused %s: %ld %s (%s)", where,
		    what, st, status_text(st), desc);
		return REGISTRY_INVALID;
	}
	err_set(err, errlen, "registry %s: %ld %s (%s)", where, st, status_text(st), desc);
	return REGISTRY_FAIL;
}

void
reganswer_free(struct reganswer *a)
{
	json_decref(a->root);
	memset(a, 0, sizeof(*a));
}
