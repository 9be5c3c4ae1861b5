/*
 * regdouble: a fault-injecting Confluent schema registry for the tests.
 * Serves a file registry DIR (the layout of regfile.c, the file: back end) over
 * HTTP/1.1 with keep-alive on 127.0.0.1, single-threaded with poll(2).
 * Prints URL=http://127.0.0.1:PORT[PREFIX] and runs until its stdin closes.
 *
 *   regdouble [--port N] [--prefix /path] [--fail 500,503,429] [--hang N]
 *             [--garble] [--trickle MS] [--auth user:pass] [--token T] [--log FILE]
 *             [--hold TEXT] DIR
 *
 * Faults, in this order: the first --hang N requests get no answer (the
 * connection stays open until the client gives up); the next ones get the
 * --fail statuses in turn (429 with Retry-After: 1; 0: the normal answer);
 * with --garble every other answer is a 200 with a non-JSON body; with
 * --trickle MS every answer goes out a byte every MS milliseconds (the
 * double does nothing else meanwhile); with --auth or --token a
 * request without that Authorization header gets 401. --log FILE writes a
 * line per request: method, path, auth=yes|no, and ctype=Content-Type when
 * there is a body. --hold TEXT: a request whose path holds TEXT waits,
 * unanswered and not yet counted or logged, until the double gets SIGUSR1
 * (then it and every later one are served): a stall as long as the test
 * wants, at one request it chooses (tests/cli/barriers.sh).
 *
 * The answers, faults aside, are the client's file back end's (regfile.c):
 * GETs serve the files as they are, POST /subjects/S (lookup) and
 * POST /subjects/S/versions (register) search and write DIR.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "regfile.h"
#include "registry.h"

#define MAXCONN 64
#define MAXREQ (17u << 20)

struct conn {
	int fd, hung, continued, held;
	char *buf;
	size_t len;
};

static struct {
	const char *dir, *prefix;
	int fails[32], nfail, hang, garble, trickle;
	char *auth;	/* the expected Authorization header value */
	FILE *log;
	const char *hold;	/* --hold: a path holding this waits for SIGUSR1 */
	int released;
	unsigned long nreq;
	struct regfile *file;	/* the answers */
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
	struct timespec ts = {d.trickle / 1000, d.trickle % 1000 * 1000000L};
	char head[512];
	size_t off = 0;
	ssize_t n;
	int hl;

	hl = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s\r\n", st, reason(st), type, len,
	    st == 429 ? "Retry-After: 1\r\n" : "");

	while (off < (size_t)hl + len) {
		if (d.trickle && off)
			nanosleep(&ts, NULL);
		if (off < (size_t)hl)
			n = write(c->fd, head + off, d.trickle ? 1 : (size_t)hl - off);
		else
			n = write(c->fd, body + off - (size_t)hl,
			    d.trickle ? 1 : len - (off - (size_t)hl));
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

/* Sends the file registry's answer, or a 500 if it could not give one. */
static void
answer(struct conn *c, int rc, long st, const struct buf *body)
{
	if (rc == REGISTRY_OK)
		reply(c, (int)st, "application/vnd.schemaregistry.v1+json", body->p, body->len);
	else
		reply_error(c, 500, 50001, "Error in the backend data store");
}

static void
get_id(struct conn *c, const char *id)
{
	const struct buf *body;
	char err[512], *end;
	long long n;
	long st = 0;
	int rc;

	errno = 0;
	n = strtoll(id, &end, 10);
	if (errno || *end || n < 0 || n > UINT32_MAX) {
		reply_error(c, 404, 40403, "Schema not found");
		return;
	}
	rc = regfile_by_id(d.file, (uint32_t)n, &st, &body, err, sizeof(err));
	answer(c, rc, st, body);
}

static void
get_version(struct conn *c, const char *subject, const char *version)
{
	const struct buf *body;
	char err[512], *end;
	long v = -1;
	long st = 0;
	int rc;

	if (strcmp(version, "latest")) {
		errno = 0;
		v = strtol(version, &end, 10);
		if (errno || *end || v < 1 || v > INT_MAX)
			v = 0;	/* no such version */
	}
	rc = regfile_version(d.file, subject, (int)v, &st, &body, err, sizeof(err));
	answer(c, rc, st, body);
}

static void
post_subject(struct conn *c, const char *subject, int reg, const char *body)
{
	const struct buf *out;
	char err[512];
	long st = 0;
	int rc;
	json_t *j = json_loads(body, 0, NULL);
	const char *schema = json_string_value(json_object_get(j, "schema"));

	if (!schema) {
		reply_error(c, 422, 42201, "Invalid schema");
		json_decref(j);
		return;
	}
	rc = reg ? regfile_register(d.file, subject, schema, &st, &out, err, sizeof(err)) :
	    regfile_lookup(d.file, subject, schema, &st, &out, err, sizeof(err));
	answer(c, rc, st, out);
	json_decref(j);
}

static void
route(struct conn *c, const char *method, char *path, const char *body)
{
	char *seg[8], *p;
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
	    !strcmp(seg[1], "ids"))
		get_id(c, seg[2]);
	else if (!strcmp(method, "GET") && n == 4 && !strcmp(seg[0], "subjects") &&
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
		if (d.hold && !d.released && strstr(path, d.hold)) {
			*end = '\r';	/* served as it is once released */
			c->held = 1;
			return 0;
		}
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

static volatile sig_atomic_t release_sig;

static void
on_usr1(int sig)
{
	(void)sig;
	release_sig = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: regdouble [--port N] [--prefix /path] [--fail 500,...] "
	    "[--hang N] [--garble] [--trickle MS] [--auth user:pass] [--token T] [--log FILE] "
	    "[--hold TEXT] DIR\n");
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
		{"trickle", required_argument, 0, 'T'}, {"hold", required_argument, 0, 'H'},
		{0, 0, 0, 0}
	};
	struct conn conns[MAXCONN] = {{0}};
	struct pollfd pfd[MAXCONN + 2];
	struct sockaddr_in sa = {0};
	socklen_t slen = sizeof(sa);
	char *url, *p, b64[1024], sink[4096];
	int ch, ls, i, n, port = 0, one = 1;
	ssize_t got;

	err_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);	/* a client that gave up is not the double's end */
	signal(SIGUSR1, on_usr1);	/* --hold: release */
	d.prefix = "";
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'P': d.prefix = optarg; break;
		case 'h': d.hang = atoi(optarg); break;
		case 'g': d.garble = 1; break;
		case 'T': d.trickle = atoi(optarg); break;
		case 'H': d.hold = optarg; break;
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
	d.file = regfile_open(url);

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
		if (d.hold && !d.released && release_sig) {
			d.released = 1;	/* the held requests, served now */
			for (i = 0; i < MAXCONN; i++)
				if (conns[i].buf && conns[i].held) {
					conns[i].held = 0;
					if (serve(&conns[i]) < 0) {
						close(conns[i].fd);
						free(conns[i].buf);
						conns[i].buf = NULL;
					}
				}
		}
		pfd[0] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
		pfd[1] = (struct pollfd){ls, POLLIN, 0};
		for (i = 0; i < MAXCONN; i++)
			pfd[i + 2] = (struct pollfd){conns[i].buf ? conns[i].fd : -1, POLLIN, 0};
		/* (holding: a look every 100 ms, for a SIGUSR1 between two polls) */
		if (poll(pfd, MAXCONN + 2, d.hold && !d.released ? 100 : -1) < 0) {
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
				conns[i] = (struct conn){.fd = fd, .buf = malloc(MAXREQ + 8192)};
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
	for (i = 0; i < MAXCONN; i++)	/* connections still open at the end */
		if (conns[i].buf) {
			close(conns[i].fd);
			free(conns[i].buf);
		}
	regfile_close(d.file);
	free(url);
	free(d.auth);
	return 0;
}
