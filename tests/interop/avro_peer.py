"""Apache Avro 1.12's Java library as a peer for tests: one long-running JVM
(tests/interop/java/AvroPeer.java) answering JSON requests, one per line.

Build it first: `make java-peer` (fetches the jars into build/java/lib with
Maven, compiles the class into build/java/classes; `make check` does it too).

    from avro_peer import AvroPeer           # tests/interop on sys.path
    with AvroPeer() as java:                  # starts the JVM once (~0.5 s)
        java.request({"op": "parse", "schema": '"int"'})
        # {"ok": True, "canonical": '"int"', "full": '"int"'}
        java.request({"op": "encode", "schema": '["null","long"]', "json": '{"long":3}'})
        # {"ok": True, "hex": "0206"}
        java.request({"op": "decode", "writer": '"int"', "reader": '"long"', "hex": "06"})
        # {"ok": True, "json": "3"}
        java.request({"op": "compat", "writer": '"int"', "reader": '"string"'})
        # {"ok": True, "compatible": False, "description": ...}
        java.encode(schema, json_text) / java.decode(writer, hex, reader=None)
        # shorthands returning the answer dict

Operations (see AvroPeer.java): parse (Schema.Parser, 1.12 defaults:
names and defaults validated; answers the Parsing Canonical Form),
encode (value in the Avro JSON encoding read by JsonDecoder, written by
GenericDatumWriter + BinaryEncoder; hex), decode (GenericDatumReader(writer,
reader) over the whole body, bytes left over an error, written with
JsonEncoder: the Avro JSON encoding), compat (SchemaCompatibility). A
failure is {"ok": False, "error": "ExceptionClass: message"}; schemas are
passed as JSON text. Logical types are their underlying values (no
conversions). Java prints doubles with Double.toString (not always the
shortest form): compare parsed values.

From the shell, for a one-off question:
    build/venv/bin/python tests/interop/avro_peer.py '{"op":"parse","schema":"\\"int\\""}'
(each argument one request, answers printed one per line).

Environment: AVRO_PEER_CLASSPATH (default build/java/classes:build/java/lib/*),
AVRO_PEER_TIMEOUT (seconds an answer may take, default 60).
"""
import json
import os
import select
import subprocess
import sys
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLASSES = os.path.join(ROOT, "build", "java", "classes")
LIB = os.path.join(ROOT, "build", "java", "lib")


class PeerError(RuntimeError):
    """The JVM died, hung or answered something that is not JSON."""


def available():
    """None when the peer can run, else why not."""
    if not os.path.exists(os.path.join(CLASSES, "AvroPeer.class")):
        return "build/java/classes/AvroPeer.class missing: make java-peer"
    if not os.path.isdir(LIB) or not any(f.startswith("avro-1.12") for f in os.listdir(LIB)):
        return "no avro-1.12 jar in build/java/lib: make java-peer"
    return None


class AvroPeer:
    def __init__(self, java="java", timeout=None):
        cp = os.environ.get("AVRO_PEER_CLASSPATH") or CLASSES + os.pathsep + os.path.join(LIB, "*")
        self.timeout = float(timeout or os.environ.get("AVRO_PEER_TIMEOUT", "60"))
        self.proc = subprocess.Popen(
            [java, "-Xss16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp, "AvroPeer"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _line(self):
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            r, _, _ = select.select([fd], [], [], self.timeout)
            if not r:
                self.proc.kill()
                raise PeerError("the Java peer gave no answer in %g s" % self.timeout)
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace")
                raise PeerError("the Java peer exited: " + err[-2000:])
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line

    def request(self, req):
        """One request (a dict), its answer (a dict)."""
        self.proc.stdin.write(json.dumps(req).encode() + b"\n")
        self.proc.stdin.flush()
        line = self._line()
        try:
            return json.loads(line)
        except ValueError:
            raise PeerError("the Java peer answered %r" % line[:200])

    def requests(self, reqs):
        """Several requests written at once (pipelined), their answers in order."""
        reqs = list(reqs)
        data = b"".join(json.dumps(r).encode() + b"\n" for r in reqs)

        def write():  # in a thread, so neither pipe fills while the other waits
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except OSError:
                pass
        t = threading.Thread(target=write, daemon=True)
        t.start()
        out = []
        for _ in reqs:
            line = self._line()
            try:
                out.append(json.loads(line))
            except ValueError:
                raise PeerError("the Java peer answered %r" % line[:200])
        t.join()
        return out

    def parse(self, schema):
        return self.request({"op": "parse", "schema": schema})

    def encode(self, schema, json_text):
        return self.request({"op": "encode", "schema": schema, "json": json_text})

    def decode(self, writer, hexbody, reader=None):
        return self.request({"op": "decode", "writer": writer, "reader": reader, "hex": hexbody})

    def compat(self, writer, reader):
        return self.request({"op": "compat", "writer": writer, "reader": reader})

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()


if __name__ == "__main__":
    why = available()
    if why:
        sys.exit("avro_peer: " + why)
    with AvroPeer() as peer:
        for a in sys.argv[1:]:
            print(json.dumps(peer.request(json.loads(a))))
