#!/usr/bin/env python3
"""producer_flaky_sse.py: an EventStreams-like server that drops connections,
for tests/e2e/producer-reconnect.sh (scripts/wikimedia-producer's reconnects).

  producer_flaky_sse.py serve LOG
      Listens on 127.0.0.1, prints "PORT=n", stops at EOF on its stdin.
      GET /flaky/SEED/N/RETRY: events 1..N, each with an id in EventStreams'
      forms (JSON arrays of topic/partition/offset or timestamp: the
      producer must keep them opaque), every 13th an "event: log" event
      that is not to be produced, every 5th a message whose data spans two
      data lines; ": ok", "retry: RETRY" and comments between. A request
      with Last-Event-ID resumes after that event (an id never sent: 400);
      after the last event, the next request gets 204 (the end, as the SSE
      specification has it). Each connection, random from SEED and its
      number: now and then a 503; else 0-30 events, then an end: a clean
      close, a close in the middle of an event's data line, in its id line,
      or before its blank line, a stall (after a whole event or in the
      middle of one) until the client goes away, or a reset (RST). Some
      connections' lines end in CRLF.
      GET /down: 503 always. GET /gone: 404.
      Every request goes to LOG as a JSON line: path, conn (its number on
      that path), lei (the Last-Event-ID header, null if none), status, and
      for a stream start (the index it resumed from), upto (the last event
      sent whole) and end (how it ended).

  producer_flaky_sse.py expect N
      The ids (numbers) of the message events of /flaky/SEED/N, one a line.

  producer_flaky_sse.py check LOG PATH N
      The requests of PATH: the first without Last-Event-ID, every other
      with the id of the last event sent whole before it (after a reset,
      whose last events may be lost in flight, one the server had sent),
      and the last answered 204. Prints "connections=K drops=D empty=E
      ends=..." (E: connections that sent no event whole); a
      failure on stderr, status 1.
"""
import json
import random
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler

from producer_sse_server import serve_until_eof

ENDS = ["close"] * 4 + ["mid-data", "mid-id", "before-blank", "stall", "stall-mid", "rst"]


def event_id(i):
    if i % 2:
        return json.dumps([{"topic": "eqiad.mediawiki.recentchange", "partition": 0,
                            "timestamp": 1764000000000 + 7 * i},
                           {"topic": "codfw.mediawiki.recentchange", "partition": 0,
                            "offset": -1}], separators=(",", ":"))
    return json.dumps([{"topic": "eqiad.mediawiki.recentchange", "partition": 0,
                        "offset": 4000000000 + i}], separators=(",", ":"))


def is_message(i):
    return i % 13 != 0


def event_lines(i):
    """The lines of event i, without the blank line that ends it."""
    data = {"$schema": "/mediawiki/recentchange/1.0.0", "id": i, "type": "edit",
            "title": "Event %d" % i, "comment": "caf\u00e9 \\ \"%d\" : data: id:" % i,
            "bot": i % 3 == 0, "timestamp": 1764000000 + i}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    lines = ["event: " + ("message" if is_message(i) else "log"), "id: " + event_id(i)]
    if i % 5 == 0:
        cut = text.index(',"title"') + 1
        lines += ["data: " + text[:cut], "data: " + text[cut:]]
    else:
        lines.append("data: " + text)
    return lines


def serve(log):
    lock = threading.Lock()
    conns = {}

    def record(entry):
        with lock, open(log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def do_GET(self):
            with lock:
                k = conns[self.path] = conns.get(self.path, -1) + 1
            entry = {"path": self.path, "conn": k, "lei": self.headers.get("Last-Event-ID")}
            parts = self.path.strip("/").split("/")
            if parts[0] == "down":
                entry["status"] = 503
                record(entry)
                self.send_error(503, "down")
                return
            if parts[0] != "flaky" or len(parts) != 4:
                entry["status"] = 404
                record(entry)
                self.send_error(404, "no such stream")
                return
            seed, n, retry = (int(p) for p in parts[1:])
            self.flaky(entry, random.Random(seed * 100003 + k), n, retry)

        def flaky(self, entry, rng, n, retry):
            start = 1
            if entry["lei"] is not None:
                ids = {event_id(i): i for i in range(1, n + 1)}
                if entry["lei"] not in ids:
                    entry["status"] = 400
                    record(entry)
                    self.send_error(400, "unknown Last-Event-ID")
                    return
                start = ids[entry["lei"]] + 1
            entry["start"] = start
            if start > n:
                entry["status"] = 204
                record(entry)
                self.send_response(204)
                self.end_headers()
                return
            if entry["conn"] > 0 and rng.random() < 0.12:
                entry["status"] = 503
                record(entry)
                self.send_error(503, "try later")
                return
            entry["status"] = 200
            eol = "\r\n" if rng.random() < 0.3 else "\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.end_headers()
            out = [":ok", "", "retry: %d" % retry, ""]
            last = min(n, start + rng.randint(0, 30) - 1)
            for i in range(start, last + 1):
                out += event_lines(i) + [""]
                if rng.random() < 0.2:
                    out += [":", ""]
            entry["upto"] = last
            end = "close" if last == n else rng.choice(ENDS)
            entry["end"] = end
            text = eol.join(out) + eol
            nxt = eol.join(event_lines(last + 1)) if last < n else ""
            if end in ("mid-data", "stall-mid"):
                text += nxt[:nxt.index("data: ") + 20]
            elif end == "mid-id":
                text += nxt[:nxt.index("id: ") + 9]
            elif end == "before-blank":
                text += nxt + eol
            record(entry)
            try:
                self.wfile.write(text.encode())
                self.wfile.flush()
                if end.startswith("stall"):  # until the client gives up
                    while self.connection.recv(4096):
                        pass
                elif end == "rst":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.connection.close()
            except OSError:
                pass

    serve_until_eof(Handler)


def check(log, path, n):
    reqs = [e for e in map(json.loads, open(log)) if e["path"] == path]
    bad = []
    if not reqs:
        bad.append("no request")
    elif reqs[0]["lei"] is not None:
        bad.append("request 0 had Last-Event-ID %s" % reqs[0]["lei"])
    pos = 0      # the last event the client got whole, as far as the server knows
    low = None   # after a reset: the least it may have got (events in flight are lost)
    for e in reqs:
        k, lei, got = e["conn"], e["lei"], 0
        if k > 0:
            got = next((i for i in range(1, n + 1) if event_id(i) == lei), None)
            if lei is None:
                bad.append("request %d: no Last-Event-ID" % k)
            elif got is None:
                bad.append("request %d: Last-Event-ID %r was never sent" % (k, lei))
            elif low is None and got != pos:
                bad.append("request %d: Last-Event-ID of event %d, not %d, the last one sent"
                           % (k, got, pos))
            elif low is not None and not low <= got <= pos:
                bad.append("request %d: Last-Event-ID of event %d, not one of %d-%d"
                           % (k, got, low, pos))
            if got is None:
                break
        if "upto" in e:
            pos, low = e["upto"], (got if e["end"] == "rst" else None)
        else:
            pos, low = got, None
    if reqs and reqs[-1].get("status") != 204:
        bad.append("the last request was answered %s, not 204 (the end)" % reqs[-1].get("status"))
    drops = sum(1 for e in reqs if e.get("status") == 200 and e.get("upto", n) < n)
    ends = sorted({e["end"] for e in reqs if "end" in e})
    empty = sum(1 for e in reqs if e.get("upto", 0) == e.get("start", 1) - 1)
    print("connections=%d drops=%d empty=%d ends=%s" % (len(reqs), drops, empty, ",".join(ends)))
    for b in bad:
        print(b, file=sys.stderr)
    return 1 if bad else 0


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "serve" and len(sys.argv) == 3:
        serve(sys.argv[2])
    elif cmd == "expect" and len(sys.argv) == 3:
        for i in range(1, int(sys.argv[2]) + 1):
            if is_message(i):
                print(i)
    elif cmd == "check" and len(sys.argv) == 5:
        sys.exit(check(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        sys.exit("usage: producer_flaky_sse.py serve LOG | expect N | check LOG PATH N")


if __name__ == "__main__":
    main()
