/*
 * regdouble: a fault-injecting Confluent schema registry for the tests.
 * Serves a file registry DIR (the layout of registry.c's file: back end) over
 * HTTP/1.1 with keep-alive on 127.0.0.1, single-threaded with poll(2).
 * Prints URL=http://127.0.0.1:PORT[PREFIX] and runs until its stdin closes.
 *
 *   regdouble [--port N] [--prefix /path] [--fail 500,503,429] [--hang N]
 *             [--garble] [--auth user:pass] [--token T] [--log FILE] DIR
 *
 * Faults, in this order: the first --hang N requests get no answer (the
 * connection stays open until the client gives up); the next ones get the
 * --fail statuses in turn (429 with Retry-After: 1; 0: the normal answer);
 * with --garble every other answer is a 200 with a non-JSON body; with --auth or --token a
 * request without that Authorization header gets 401. --log FILE writes a
 * line per request: method, path, auth=yes|no, and ctype=Content-Type when
 * there is a body.
 *
 * GETs serve the files as they are; POST /subjects/S (lookup) and
 * POST /subjects/S/versions (register) go through the client's file back end.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "registry.h"

#define MAXCONN 64
#define MAXREQ (17u << 20)

struct conn {
	int fd, hung, continued;
	char *buf;
	size_t len;
};

static struct {
	const char *dir, *prefix;
	int fails[32], nfail, hang, garble;
	char *auth;	/* the expected Authorization header value */
	FILE *log;
	unsigned long nreq;
	struct registry *reg;
} d;

static const char *
reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void
reply(struct conn *c, int st, const char *type, const char *body, size_t len)
{
	char head[512];
	size_t off = 0;
	ssize_t n;
	int hl;

	hl = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s\r\n", st, reason(st), type, len,
	    st == 429 ? "Retry-After: 1\r\n" : "");
	while (off < (size_t)hl + len) {
		if (off < (size_t)hl)
			n = write(c->fd, head + off, (size_t)hl - off);
		else
			n = write(c->fd, body + off - (size_t)hl, len - (off - (size_t)hl));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

static void
reply_json(struct conn *c, int st, const char *body)
{
	reply(c, st, "application/vnd.schemaregistry.v1+json", body, strlen(body));
}

static void
reply_error(struct conn *c, int st, long code, const char *msg)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"error_code\":%ld,\"message\":\"%s\"}", code, msg);
	reply_json(c, st, body);
}

static void
reply_file(struct conn *c, const char *path, long code, const char *msg)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		reply_error(c, 404, code, msg);
		return;
	}
	if (!(body = malloc(MAXREQ)))
		die(EXIT_ENV, "out of memory");
	len = fread(body, 1, MAXREQ, f);
	fclose(f);
	reply(c, 200, "application/vnd.schemaregistry.v1+json", body, len);
	free(body);
}

static void
base64(const char *in, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = strlen(in);
	const unsigned char *s = (const unsigned char *)in;

	for (i = 0; i + 2 < n; i += 3) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*out++ = tab[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
		*out++ = tab[s[i + 2] & 63];
	}
	if (n - i == 1) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[(s[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*out++ = tab[(s[i + 1] & 15) << 2];
		*out++ = '=';
	}
	*out = '\0';
}

/* Decodes %XX in place. */
static void
unescape(char *s)
{
	char *o = s, hex[3] = {0};

	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			hex[0] = s[1];
			hex[1] = s[2];
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* The file registry's name for a subject directory: '/', '%', leading '.' encoded. */
static void
subject_dir(const char *subject, char *out, size_t outlen)
{
	const char *p;
	size_t n = (size_t)snprintf(out, outlen, "%s/subjects/", d.dir);

	for (p = subject; *p && n + 4 < outlen; p++)
		if (*p == '/' || *p == '%' || (p == subject && *p == '.'))
			n += (size_t)snprintf(out + n, outlen - n, "%%%02X", (unsigned char)*p);
		else
			out[n++] = *p;
	out[n] = '\0';
}

static long
latest(const char *vdir)
{
	struct dirent *e;
	long n, max = 0;
	char *end;
	DIR *dp = opendir(vdir);

	while (dp && (e = readdir(dp)))
		if ((n = strtol(e->d_name, &end, 10)) > max && !strcmp(end, ".json"))
			max = n;
	if (dp)
		closedir(dp);
	return max;
}

static void
get_version(struct conn *c, const char *subject, const char *version)
{
	char dir[4096], path[4200];
	long v;

	subject_dir(subject, dir, sizeof(dir));
	if (access(dir, F_OK)) {
		reply_error(c, 404, 40401, "Subject not found");
		return;
	}
	v = strcmp(version, "latest") ? atol(version) : latest(strcat(dir, "/versions"));
	subject_dir(subject, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/versions/%ld.json", dir, v);
	reply_file(c, path, 40402, "Version not found");
}

static void
post_subject(struct conn *c, const char *subject, int reg, const char *body)
{
	const struct reg_schema *s;
	char err[512], out[256], *p;
	json_int_t code = 40403;
	uint32_t id;
	int rc;
	json_t *j = json_loads(body, 0, NULL);
	const char *schema = json_string_value(json_object_get(j, "schema"));

	if (!schema) {
		reply_error(c, 422, 42201, "Invalid schema");
		json_decref(j);
		return;
	}
	rc = reg ? reg_register(d.reg, subject, schema, &id, err, sizeof(err)) :
	    reg_lookup(d.reg, subject, schema, &s, err, sizeof(err));
	if (rc == REG_OK && reg) {
		snprintf(out, sizeof(out), "{\"id\":%u}", id);
		reply_json(c, 200, out);
	} else if (rc == REG_OK) {
		json_decref(j);
		j = json_pack("{s:s,s:i,s:I,s:s}", "subject", s->subject, "version", s->version,
		    "id", (json_int_t)s->id, "schema", s->schema);
		p = json_dumps(j, JSON_COMPACT);
		reply_json(c, 200, p);
		free(p);
	} else if (rc == REG_NOTFOUND) {
		if ((p = strstr(err, "(404")))
			code = strtol(p + 1, NULL, 10);
		reply_error(c, 404, (long)code, code == 40401 ? "Subject not found" :
		    "Schema not found");
	} else if (rc == REG_INVALID)
		reply_error(c, 422, 42201, "Invalid schema");
	else
		reply_error(c, 500, 50001, "Error in the backend data store");
	json_decref(j);
}

static void
route(struct conn *c, const char *method, char *path, const char *body)
{
	char *seg[8], *p, file[4200];
	size_t plen = strlen(d.prefix);
	int n = 0;

	path[strcspn(path, "?")] = '\0';
	if (strncmp(path, d.prefix, plen) || path[plen] != '/') {
		reply(c, 404, "text/plain", "no such path\n", 13);
		return;
	}
	for (p = strtok(path + plen, "/"); p && n < 8; p = strtok(NULL, "/"))
		unescape(seg[n++] = p);
	if (!strcmp(method, "GET") && n == 3 && !strcmp(seg[0], "schemas") &&
	    !strcmp(seg[1], "ids")) {
		snprintf(file, sizeof(file), "%s/schemas/ids/%ld.json", d.dir, atol(seg[2]));
		reply_file(c, file, 40403, "Schema not found");
	} else if (!strcmp(method, "GET") && n == 4 && !strcmp(seg[0], "subjects") &&
	    !strcmp(seg[2], "versions"))
		get_version(c, seg[1], seg[3]);
	else if (!strcmp(method, "POST") && n == 2 && !strcmp(seg[0], "subjects"))
		post_subject(c, seg[1], 0, body);
	else if (!strcmp(method, "POST") && n == 3 && !strcmp(seg[0], "subjects") &&
	    !strcmp(seg[2], "versions"))
		post_subject(c, seg[1], 1, body);
	else
		reply_error(c, 404, 404, "HTTP 404 Not Found");
}

static const char *
header(const char *head, const char *name, char *out, size_t outlen)
{
	const char *p = head;
	size_t n = strlen(name), k;

	while ((p = strstr(p, "\r\n")) && p[2] != '\r') {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			k = strcspn(p, "\r");
			snprintf(out, outlen, "%.*s", (int)k, p);
			return out;
		}
	}
	return NULL;
}

/* Handles every complete request in c's buffer; returns -1 to close. */
static int
serve(struct conn *c)
{
	char method[16], path[4096], val[512], *end, *body;
	size_t hlen, blen;
	unsigned long fault;
	const char *auth;
	int keep;

	while (!c->hung && (end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
		hlen = (size_t)(end - c->buf) + 4;
		*end = '\0';
		blen = header(c->buf, "Content-Length", val, sizeof(val)) ? strtoul(val, NULL, 10) : 0;
		if (blen > MAXREQ) {
			reply_error(c, 413, 413, "too large");
			return -1;
		}
		if (header(c->buf, "Expect", val, sizeof(val)) && !c->continued) {
			c->continued = 1;
			if (write(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) < 0)
				return -1;
		}
		if (c->len < hlen + blen) {
			*end = '\r';
			return 0;
		}
		c->continued = 0;
		if (sscanf(c->buf, "%15s %4095s", method, path) != 2)
			return -1;
		auth = header(c->buf, "Authorization", val, sizeof(val));
		keep = !header(c->buf, "Connection", val + 256, 256) || strcasecmp(val + 256, "close");
		d.nreq++;
		if (d.log) {
			fprintf(d.log, "%s %s auth=%s%s%s\n", method, path, auth ? "yes" : "no",
			    blen ? " ctype=" : "", blen && header(c->buf, "Content-Type", val + 256,
			    256) ? val + 256 : "");
			fflush(d.log);
		}
		if (!(body = malloc(blen + 1)))
			die(EXIT_ENV, "out of memory");
		memcpy(body, c->buf + hlen, blen);
		body[blen] = '\0';
		fault = d.nreq - (unsigned long)d.hang;
		if (d.nreq <= (unsigned long)d.hang)
			c->hung = 1;
		else if (fault <= (unsigned long)d.nfail && d.fails[fault - 1])
			reply_error(c, d.fails[fault - 1], d.fails[fault - 1] * 100L + 1,
			    "injected failure");
		else if (d.garble)
			reply(c, 200, "text/html", "<html>garbled</html>\n", 21);
		else if (d.auth && (!auth || strcmp(auth, d.auth)))
			reply_error(c, 401, 40101, "Unauthorized");
		else
			route(c, method, path, body);
		free(body);
		memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
		c->len -= hlen + blen;
		if (!keep)
			return -1;
	}
	if (c->hung)
		c->len = 0;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: regdouble [--port N] [--prefix /path] [--fail 500,...] "
	    "[--hang N] [--garble] [--auth user:pass] [--token T] [--log FILE] DIR\n");
	exit(EXIT_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"port", required_argument, 0, 'p'}, {"prefix", required_argument, 0, 'P'},
		{"fail", required_argument, 0, 'f'}, {"hang", required_argument, 0, 'h'},
		{"garble", no_argument, 0, 'g'}, {"auth", required_argument, 0, 'a'},
		{"token", required_argument, 0, 't'}, {"log", required_argument, 0, 'l'},
		{0, 0, 0, 0}
	};
	struct conn conns[MAXCONN] = {{0}};
	struct pollfd pfd[MAXCONN + 2];
	struct sockaddr_in sa = {0};
	socklen_t slen = sizeof(sa);
	struct reg_opts o;
	char *url, *p, b64[1024], sink[4096];
	int ch, ls, i, n, port = 0, one = 1;
	ssize_t got;

	err_init(argv[0]);
	d.prefix = "";
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'P': d.prefix = optarg; break;
		case 'h': d.hang = atoi(optarg); break;
		case 'g': d.garble = 1; break;
		case 'f':
			for (p = strtok(optarg, ","); p && d.nfail < 32; p = strtok(NULL, ","))
				d.fails[d.nfail++] = atoi(p);
			break;
		case 'a':
			if (strlen(optarg) > 600)
				usage();
			base64(optarg, b64);
			if (asprintf(&d.auth, "Basic %s", b64) < 0)
				die(EXIT_ENV, "out of memory");
			break;
		case 't':
			if (asprintf(&d.auth, "Bearer %s", optarg) < 0)
				die(EXIT_ENV, "out of memory");
			break;
		case 'l':
			if (!(d.log = fopen(optarg, "a")))
				die_errno(EXIT_USAGE, "%s", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	d.dir = argv[optind];
	if (asprintf(&url, "file:%s", d.dir) < 0)
		die(EXIT_ENV, "out of memory");
	reg_opts_init(&o);
	o.urls = url;
	o.latest_ttl = 1e-9;	/* the files may change under us */
	d.reg = reg_open(&o);

	if ((ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die_errno(EXIT_ENV, "socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 16) ||
	    getsockname(ls, (struct sockaddr *)&sa, &slen))
		die_errno(EXIT_ENV, "listen on 127.0.0.1:%d", port);
	printf("URL=http://127.0.0.1:%d%s\n", ntohs(sa.sin_port), d.prefix);
	fflush(stdout);

	for (;;) {
		pfd[0] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		pfd[1] = (struct pollfd){ls, POLLIN, 0};
		for (i = 0; i < MAXCONN; i++)
			pfd[i + 2] = (struct pollfd){conns[i].buf ? conns[i].fd : -1, POLLIN, 0};
		if (poll(pfd, MAXCONN + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die_errno(EXIT_ENV, "poll");
		}
		if (pfd[0].revents) {
			got = read(STDIN_FILENO, sink, sizeof(sink));
			if (got == 0 || (got < 0 && errno != EINTR))
				break;
		}
		if (pfd[1].revents & POLLIN) {
			int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

			for (i = 0; fd >= 0 && i < MAXCONN && conns[i].buf; i++)
				;
			if (fd >= 0 && i == MAXCONN)
				close(fd);
			else if (fd >= 0) {
				conns[i] = (struct conn){fd, 0, 0, malloc(MAXREQ + 8192), 0};
				if (!conns[i].buf)
					die(EXIT_ENV, "out of memory");
			}
		}
		for (i = 0; i < MAXCONN; i++) {
			struct conn *c = &conns[i];

			if (!c->buf || !pfd[i + 2].revents)
				continue;
			n = (int)read(c->fd, c->buf + c->len, MAXREQ + 8191 - c->len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0) {
				c->len += (size_t)n;
				c->buf[c->len] = '\0';
			}
			if (n <= 0 || c->len >= MAXREQ + 8191 || serve(c) < 0) {
				close(c->fd);
				free(c->buf);
				c->buf = NULL;
			}
		}
	}
	reg_close(d.reg);
	free(url);
	free(d.auth);
	return 0;
}
