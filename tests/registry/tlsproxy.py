#!/usr/bin/env python3
"""tlsproxy: TLS in front of a test registry (tests/cli/registry-tls.sh).

    tlsproxy.py CERT KEY UPSTREAM_PORT [CLIENT_CA]

Listens on 127.0.0.1 (a free port), prints URL=https://127.0.0.1:PORT, and
forwards each connection's bytes, once its TLS handshake is done, to
127.0.0.1:UPSTREAM_PORT (regdouble). With CLIENT_CA a client certificate
signed by it is required (mutual TLS). Runs until its stdin closes.
"""
import os
import select
import socket
import ssl
import sys
import threading


def relay(conn, ctx, upstream):
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()  # the client refused us, or we refused it
        return
    up = socket.create_connection(("127.0.0.1", upstream))
    try:
        while True:
            ready = [tls] if tls.pending() else select.select([tls, up], [], [])[0]
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (up if s is tls else tls).sendall(data)
    except (ssl.SSLError, OSError):
        pass
    finally:
        tls.close()
        up.close()


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: tlsproxy.py CERT KEY UPSTREAM_PORT [CLIENT_CA]")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    if len(sys.argv) == 5:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(sys.argv[4])
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    print("URL=https://127.0.0.1:%d" % ls.getsockname()[1], flush=True)

    def accept():
        while True:
            conn, _ = ls.accept()
            threading.Thread(target=relay, args=(conn, ctx, int(sys.argv[3])),
                             daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()
    os._exit(0)


main()
