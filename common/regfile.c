/*
 * regfile: the file: registry. Each question is answered as the REST API
 * would answer it, an HTTP status and the body it would send: the stored
 * file for a 200, the registry's error body ({"error_code": 40401, ...})
 * for a 404 or 422. Registering writes new files atomically (link(2) of a
 * synced temporary file), so concurrent writers never replace each other's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "reganswer.h"
#include "regfile.h"

struct regfile {
	char *dir;
	char *where;		/* "file:DIR", for messages */
	struct buf body;	/* the answer */
};

/* A subject as a file name: '/', '%' and a leading '.' percent-encoded. */
static char *
file_subject(const char *s)
{
	char *out = xmallocarray(strlen(s) + 1, 3), *o = out;
	const char *p;

	for (p = s; *p; p++)
		if (*p == '/' || *p == '%' || (p == s && *p == '.'))
			o += sprintf(o, "%%%02X", (unsigned char)*p);
		else
			*o++ = *p;
	*o = '\0';
	return out;
}

static char *
file_path(struct regfile *f, const char *subject, const char *fmt, long long n)
{
	char *enc = subject ? file_subject(subject) : NULL;
	size_t len = strlen(f->dir) + (enc ? strlen(enc) : 0) + strlen(fmt) + 64;
	char *p = xmalloc(len);
	int k = snprintf(p, len, "%s/", f->dir);

	if (enc)
		snprintf(p + k, len - (size_t)k, fmt, enc, n);
	else
		snprintf(p + k, len - (size_t)k, fmt, n);
	free(enc);
	return p;
}

/* A 404 answer with the registry's error body. */
static int
not_found(struct regfile *f, long code, const char *msg, long *st)
{
	f->body.len = 0;
	buf_printf(&f->body, "{\"error_code\":%ld,\"message\":\"%s\"}", code, msg);
	*st = 404;
	return REGISTRY_OK;
}

/* Reads a file as the body of a 200 answer; a missing one is a 404 with `code`. */
static int
file_get(struct regfile *f, const char *path, long code, const char *msg, long *st,
    char *err, size_t errlen)
{
	const char *why = NULL;
	struct stat sb;
	ssize_t n;
	int fd;

	f->body.len = 0;
	/* without waiting: a FIFO planted there must not block the open */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			err_set(err, errlen, "registry %s: %s: %s", f->where, path, strerror(errno));
			return REGISTRY_FAIL;
		}
		return not_found(f, code, msg, st);
	}
	if (fstat(fd, &sb) < 0 || fcntl(fd, F_SETFL, 0) < 0)
		why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	if (why) {
		err_set(err, errlen, "registry %s: %s: %s", f->where, path, why);
		close(fd);
		return REGISTRY_FAIL;
	}
	while ((n = read(fd, buf_room(&f->body, 65536), 65536)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (size_t)n > REGANSWER_MAX - f->body.len) {
			err_set(err, errlen, "registry %s: %s: %s", f->where, path,
			    n < 0 ? strerror(errno) : "too large");
			close(fd);
			return REGISTRY_FAIL;
		}
		f->body.len += (size_t)n;
	}
	close(fd);
	*st = 200;
	return REGISTRY_OK;
}

/* Calls fn on each "<n>.json" in dir, n >= 1; returns the highest n, 0 if none, -1 if no dir. */
static long long
file_numbers(const char *dir, int (*fn)(void *, long long), void *arg)
{
	struct dirent *d;
	long long n, max = 0;
	char *end;
	DIR *dp;

	if (!(dp = opendir(dir)))
		return -1;
	while ((d = readdir(dp))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		errno = 0;
		n = strtoll(d->d_name, &end, 10);
		if (errno || strcmp(end, ".json") || n > UINT32_MAX)
			continue;
		if (fn && fn(arg, n)) {
			max = n;
			break;
		}
		if (n > max)
			max = n;
	}
	closedir(dp);
	return max;
}

static int
file_version(struct regfile *f, const char *subject, int version, long *st,
    char *err, size_t errlen)
{
	char *path = file_path(f, subject, "subjects/%s/versions", 0);
	long long n = version;
	int rc;

	if (version < 0 && (n = file_numbers(path, NULL, NULL)) <= 0) {
		free(path);
		return not_found(f, 40401, "Subject not found", st);
	}
	free(path);
	path = file_path(f, subject, "subjects/%s/versions/%lld.json", n);
	rc = file_get(f, path, 40402, "Version not found", st, err, errlen);
	free(path);
	if (rc == REGISTRY_OK && *st == 404) {
		path = file_path(f, subject, "subjects/%s", 0);
		if (access(path, F_OK))
			not_found(f, 40401, "Subject not found", st);
		free(path);
	}
	return rc;
}

/* Schema text in one canonical form, for comparing: parsed and dumped with
 * sorted keys. Not Avro's Parsing Canonical Form, but enough to match a
 * schema registered from the same file or a reformatted copy of it. */
static char *
canon(const char *schema)
{
	json_t *j = json_loads(schema, JSON_DECODE_ANY, NULL);
	char *s;

	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

struct file_scan {
	struct regfile *f;
	const char *subject;	/* NULL: scan schemas/ids */
	const char *want;	/* canonical schema */
	struct buf found;	/* body of the matching file */
	int error;
	char *err;
	size_t errlen;
};

static int
scan_one(void *arg, long long n)
{
	struct file_scan *fs = arg;
	struct regfile *f = fs->f;
	struct reganswer a = {0};
	char *path, *c;
	long st;
	int match = 0;

	path = fs->subject ? file_path(f, fs->subject, "subjects/%s/versions/%lld.json", n) :
	    file_path(f, NULL, "schemas/ids/%lld.json", n);
	if (file_get(f, path, 0, "", &st, fs->err, fs->errlen) != REGISTRY_OK) {
		fs->error = 1;
		free(path);
		return 1;
	}
	free(path);
	/* one with references is another schema, however its text reads */
	if (st == 200 && reganswer_parse(st, f->body.p, f->body.len, REGANSWER_NEED_SCHEMA,
	    "a stored schema", f->where, &a, NULL, 0) == REGISTRY_OK && !a.refs) {
		if ((c = canon(a.schema)) && !strcmp(c, fs->want)) {
			match = 1;
			fs->found.len = 0;
			buf_put(&fs->found, f->body.p, f->body.len);
		}
		free(c);
	}
	reganswer_free(&a);
	return match;
}

/* Finds the stored schema equal to want; *n its version or id, 0 if none, -1 if no dir. */
static int
file_scan(struct file_scan *fs, long long *n, long long *max)
{
	char *dir = fs->subject ? file_path(fs->f, fs->subject, "subjects/%s/versions", 0) :
	    file_path(fs->f, NULL, "schemas/ids", 0);

	*n = file_numbers(dir, scan_one, fs);
	*max = file_numbers(dir, NULL, NULL);
	free(dir);
	if (fs->error)
		return REGISTRY_FAIL;
	if (!fs->found.len && *n > 0)
		*n = 0;
	return REGISTRY_OK;
}

static int
file_lookup(struct regfile *f, const char *subject, const char *schema, long *st,
    char *err, size_t errlen)
{
	struct file_scan fs = {f, subject, NULL, {0}, 0, err, errlen};
	long long n, max;
	int rc;

	if (!(fs.want = canon(schema))) {
		f->body.len = 0;
		buf_puts(&f->body, "{\"error_code\":42201,\"message\":\"Invalid schema: not JSON\"}");
		*st = 422;
		return REGISTRY_OK;
	}
	rc = file_scan(&fs, &n, &max);
	free((char *)fs.want);
	if (rc == REGISTRY_OK && n > 0) {
		f->body.len = 0;
		buf_put(&f->body, fs.found.p, fs.found.len);
		*st = 200;
	} else if (rc == REGISTRY_OK) {
		not_found(f, n < 0 ? 40401 : 40403, n < 0 ? "Subject not found" :
		    "Schema not found", st);
	}
	buf_free(&fs.found);
	return rc;
}

static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0777) && errno != EEXIST ? -1 : 0;
}

/*
 * Creates path's temporary file, PATH.tmp and 12 random letters (getrandom),
 * with O_EXCL: never through a link planted there, never another writer's
 * file; a name taken is tried again with others. The mode is 0666 less the
 * umask, as the registry's other files. Returns the descriptor, or -1
 * (errno), *tmp then NULL.
 */
static int
open_tmp(const char *path, char **tmp)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(path) + 20, k, i;
	unsigned char r[12];
	int fd = -1, tries, e = EEXIST;

	*tmp = xmalloc(len);
	for (tries = 0; tries < 100 && fd < 0; tries++) {
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			e = errno;
			break;
		}
		k = (size_t)snprintf(*tmp, len, "%s.tmp", path);
		for (i = 0; i < sizeof(r); i++)
			(*tmp)[k++] = abc[r[i] % (sizeof(abc) - 1)];
		(*tmp)[k] = '\0';
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		e = errno;
		if (fd < 0 && e != EEXIST)
			break;
	}
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
		errno = e;
	}
	return fd;
}

/*
 * Writes a new file atomically and without replacing one: a temporary file,
 * fsync, then link(2) to the name (EEXIST if another writer got there first,
 * or anything else is there, a symbolic link too: link never follows one).
 * Returns 0, 1 if the name exists, -1 on error (errno).
 */
static int
write_new(const char *path, const char *data)
{
	size_t n = strlen(data), off = 0;
	char *tmp = NULL, *dir = xstrndup(path, strlen(path));
	int fd, rc = -1, e;
	ssize_t w;

	*strrchr(dir, '/') = '\0';
	if (mkdirs(dir) || (fd = open_tmp(path, &tmp)) < 0)
		goto out;
	while (off < n && ((w = write(fd, data + off, n - off)) > 0 || errno == EINTR))
		off += w > 0 ? (size_t)w : 0;
	if (off < n || fsync(fd)) {
		e = errno;
		close(fd);
		errno = e;
		goto unlink;
	}
	if (close(fd))
		goto unlink;
	if (link(tmp, path))
		rc = errno == EEXIST ? 1 : -1;
	else
		rc = 0;
	if (!rc && (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
unlink:
	e = errno;
	unlink(tmp);
	errno = e;
out:
	free(tmp);
	free(dir);
	return rc;
}

/* Stores body as fmt(n) for the first free n from *n on (setting body's `key`, if any, to n). */
static int
file_store(struct regfile *f, const char *subject, const char *fmt, json_t *body,
    const char *key, long long *n, char *err, size_t errlen)
{
	char *path, *text;
	int rc;

	for (;; (*n)++) {
		if (key)
			json_object_set_new(body, key, json_integer(*n));
		text = json_dumps(body, JSON_COMPACT);
		path = file_path(f, subject, fmt, *n);
		rc = text ? write_new(path, text) : -1;
		if (rc < 0)
			err_set(err, errlen, "registry %s: cannot write %s: %s", f->where, path,
			    text ? strerror(errno) : "out of memory");
		free(path);
		free(text);
		if (rc <= 0)
			return rc ? REGISTRY_FAIL : REGISTRY_OK;
	}
}

/* Registers as the REST API would: the subject's version if it has the
 * schema, else a new version with the id of an equal schema or a new id. */
static int
file_register(struct regfile *f, const char *subject, const char *schema, long *st,
    char *err, size_t errlen)
{
	struct file_scan fs = {f, NULL, NULL, {0}, 0, err, errlen};
	long long id, max, version;
	json_t *body;
	char *dir;
	int rc;

	if ((rc = file_lookup(f, subject, schema, st, err, errlen)) != REGISTRY_OK || *st != 404)
		return rc;
	fs.want = canon(schema);
	rc = file_scan(&fs, &id, &max);
	free((char *)fs.want);
	buf_free(&fs.found);
	if (rc != REGISTRY_OK)
		return rc;
	if (id <= 0) {
		id = max > 0 ? max + 1 : 1;
		body = json_pack("{s:s}", "schema", schema);
		rc = file_store(f, NULL, "schemas/ids/%lld.json", body, NULL, &id, err, errlen);
		json_decref(body);
		if (rc != REGISTRY_OK)
			return rc;
	}
	dir = file_path(f, subject, "subjects/%s/versions", 0);
	version = file_numbers(dir, NULL, NULL);
	free(dir);
	version = version > 0 ? version + 1 : 1;
	body = json_pack("{s:s,s:I,s:I,s:s}", "subject", subject, "version",
	    (json_int_t)version, "id", (json_int_t)id, "schema", schema);
	rc = file_store(f, subject, "subjects/%s/versions/%lld.json", body, "version",
	    &version, err, errlen);
	json_decref(body);
	if (rc != REGISTRY_OK)
		return rc;
	f->body.len = 0;
	buf_printf(&f->body, "{\"id\":%lld}", id);
	*st = 200;
	return REGISTRY_OK;
}

/* ---- the questions ---- */

struct regfile *
regfile_open(const char *url)
{
	const char *dir = url + 5;
	struct regfile *f;
	struct stat st;

	if (!strncmp(dir, "//", 2))
		dir += 2;
	if (!*dir)
		die(EXIT_USAGE, "registry %s: no directory", url);
	if (stat(dir, &st))
		die_errno(EXIT_USAGE, "registry %s", url);
	if (!S_ISDIR(st.st_mode))
		die(EXIT_USAGE, "registry %s: not a directory", url);
	f = xcalloc(1, sizeof(*f));
	f->dir = xstrndup(dir, strlen(dir));
	f->where = xmalloc(strlen(dir) + 6);
	sprintf(f->where, "file:%s", dir);
	return f;
}

void
regfile_close(struct regfile *f)
{
	if (!f)
		return;
	free(f->dir);
	free(f->where);
	buf_free(&f->body);
	free(f);
}

const char *
regfile_where(const struct regfile *f)
{
	return f->where;
}

int
regfile_by_id(struct regfile *f, uint32_t id, long *st, const struct buf **body,
    char *err, size_t errlen)
{
	char *path = file_path(f, NULL, "schemas/ids/%lld.json", id);
	int rc = file_get(f, path, 40403, "Schema not found", st, err, errlen);

	free(path);
	*body = &f->body;
	return rc;
}

int
regfile_version(struct regfile *f, const char *subject, int version, long *st,
    const struct buf **body, char *err, size_t errlen)
{
	*body = &f->body;
	return file_version(f, subject, version, st, err, errlen);
}

int
regfile_lookup(struct regfile *f, const char *subject, const char *schema, long *st,
    const struct buf **body, char *err, size_t errlen)
{
	*body = &f->body;
	return file_lookup(f, subject, schema, st, err, errlen);
}

int
regfile_register(struct regfile *f, const char *subject, const char *schema, long *st,
    const struct buf **body, char *err, size_t errlen)
{
	*body = &f->body;
	return file_register(f, subject, schema, st, err, errlen);
}
