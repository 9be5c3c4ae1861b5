#!/usr/bin/env python3
"""producer_sse_server.py DIR LOG: serves DIR's files on 127.0.0.1 as server-sent events
for tests/e2e/producer.sh.

Prints "PORT=n" once listening; stops at EOF on its stdin. Every request's
method, path and headers go to LOG as one JSON line. Content-Type is
text/event-stream. GET /live/NAME sends the file NAME and then keeps the
connection open, as stream.wikimedia.org does between events (until the
client goes away or the server stops); GET /NAME sends it and closes.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    root, log = sys.argv[1], sys.argv[2]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def do_GET(self):
            with lock, open(log, "a") as f:
                f.write(json.dumps({"method": "GET", "path": self.path,
                                    "headers": {k.lower(): v for k, v in self.headers.items()}})
                        + "\n")
            live = self.path.startswith("/live/")
            name = self.path[len("/live/"):] if live else self.path.lstrip("/")
            path = os.path.join(root, os.path.basename(name))
            if not name or not os.path.isfile(path):
                self.send_error(404, "no such stream")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                with open(path, "rb") as f:
                    self.wfile.write(f.read())
                self.wfile.flush()
                with lock, open(log, "a") as f:
                    f.write(json.dumps({"sent": self.path}) + "\n")
                while live:  # a comment now and then, as a keep-alive
                    time.sleep(0.2)
                    self.wfile.write(b":\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    serve_until_eof(Handler)


def serve_until_eof(handler):
    """Serves HANDLER on 127.0.0.1, prints "PORT=n", and ends the process at
    EOF on stdin (requests in flight and all)."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("PORT=%d" % srv.server_address[1], flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
