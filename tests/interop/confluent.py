#!/usr/bin/env python3
"""confluent.py BIN URL WORKDIR [N] [SEED]: confluent-kafka-python's AvroSerializer
against a live registry (srfake), decoded by cfdeframe | avrodecode -r URL.

Three versions of one schema (each adding fields with defaults), auto-registered
under the subject "t-value" by AvroSerializer, random values serialized with
each into Confluent frames (magic 0, schema id, body), the frames interleaved in
one stream, then:
  bin/cfdeframe | bin/avrodecode -r URL --out ndjson           (plain, avro encoding)
  the same with -r file:SNAPSHOT, a copy made by scripts/registry-snapshot
and each record compared with fastavro's decoding of its body with its own schema.
"""
import json
import os
import random
import subprocess
import sys

import fastavro
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avrojson as aj  # noqa: E402

V1 = {"type": "record", "name": "Event", "namespace": "com.example", "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "score", "type": "double"},
    {"name": "payload", "type": "bytes"},
    {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B", "C"]}},
    {"name": "tags", "type": {"type": "map", "values": "string"}},
    {"name": "who", "type": ["null", "string", {"type": "record", "name": "User", "fields": [
        {"name": "uid", "type": "int"}, {"name": "email", "type": ["null", "string"]}]}]},
    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}
V2 = dict(V1, fields=V1["fields"] + [
    {"name": "ratio", "type": "float", "default": 0.5},
    {"name": "items", "type": {"type": "array", "items": "com.example.User"}, "default": []}])
V3 = dict(V2, fields=V2["fields"] + [
    {"name": "day", "type": ["null", {"type": "int", "logicalType": "date"}], "default": None},
    {"name": "amount", "type": ["null", {"type": "bytes", "logicalType": "decimal",
                                         "precision": 12, "scale": 3}], "default": None},
    {"name": "uuid", "type": ["null", {"type": "string", "logicalType": "uuid"}], "default": None}])
VERSIONS = [V1, V2, V3]


def pipe(bindir, args, data):
    """cfdeframe | avrodecode --out ndjson ARGS: (status of each, lines, stderr)."""
    de = subprocess.Popen([os.path.join(bindir, "cfdeframe")], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dec = subprocess.Popen([os.path.join(bindir, "avrodecode"), "--out", "ndjson"] + args,
                           stdin=de.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    de.stdout.close()
    de.stdin.write(data)
    de.stdin.close()
    out, err = dec.communicate(timeout=120)
    derr = de.stderr.read()
    de.wait()
    lines = out.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return (de.returncode, dec.returncode, [x.decode("utf-8", "replace") for x in lines],
            (derr + err).decode("utf-8", "replace"))


def compare_lines(tap, label, lines, want, frames, extra):
    if len(lines) != len(want):
        tap.notok(label, "%d lines for %d frames" % (len(lines), len(want)), extra)
        return
    bad = aj.mismatches(lines, want, frames, "frame")
    tap.check(label, not bad, "%d of %d records differ from fastavro" % (len(bad), len(want)),
              extra + bad)


def main():
    bindir, url, work = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 20261123
    tap = aj.Tap("interop-avrodecode")
    rng = random.Random(seed)
    client = SchemaRegistryClient({"url": url})
    ctx = SerializationContext("t", MessageField.VALUE)
    frames, want = [], {"plain": [], "avro": []}
    ids = []
    try:
        for k, schema in enumerate(VERSIONS):
            ser = AvroSerializer(client, json.dumps(schema), conf={"auto.register.schemas": True})
            node = aj.norm(schema)
            parsed = fastavro.parse_schema(schema)
            parsed_raw = fastavro.parse_schema(aj.strip_logical(schema))
            for _ in range(n):
                value, intended = aj.gen(node, rng)
                frame = ser(value, ctx)
                frames.append(frame)
                body = frame[5:]
                raw = aj.read_body(body, parsed_raw, return_named_type=True)
                lv = aj.read_body(body, parsed, return_named_type=True)
                want["plain"].append(aj.render(node, raw, "plain", lv, intended))
                want["avro"].append(aj.render(node, raw, "avro", None, intended))
            ids.append(client.get_version("t-value", k + 1).schema_id)
    except Exception as e:
        tap.notok("AvroSerializer with srfake", "%s: %r" % (type(e).__name__, e))
        return 0
    tap.check("AvroSerializer: 3 schemas auto-registered under t-value, 3 ids",
              len(set(ids)) == 3 and [v for v in client.get_versions("t-value")] == [1, 2, 3],
              "ids %r, versions %r" % (ids, client.get_versions("t-value")))
    tap.check("AvroSerializer: Confluent frames (magic 0, the registered id)",
              all(fr[0] == 0 and int.from_bytes(fr[1:5], "big") == ids[i // n]
                  for i, fr in enumerate(frames)), "frames: %r" % [fr[:5].hex() for fr in frames[:5]])

    # interleave the three versions' frames: each record decoded with its own schema id
    order = list(range(len(frames)))
    rng.shuffle(order)
    frames = [frames[i] for i in order]
    for form in want:
        want[form] = [want[form][i] for i in order]
    data = aj.stream(frames)
    snap = os.path.join(work, "snapshot")
    snapshot = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                            "registry-snapshot")
    p = subprocess.run([snapshot, url, snap], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tap.check("registry-snapshot of srfake", p.returncode == 0 and all(
        os.path.exists(os.path.join(snap, "schemas", "ids", "%d.json" % i)) for i in ids),
        "status %d: %s" % (p.returncode, p.stderr.decode()[:500]))
    for reg, rname in ((url, "srfake"), ("file:" + snap, "file: snapshot")):
        for form, args in (("plain", []), ("avro", ["--encoding", "avro"])):
            label = "AvroSerializer frames | cfdeframe | avrodecode -r %s, %s: %d records" % (
                rname, form, len(frames))
            st1, st2, lines, err = pipe(bindir, ["-r", reg] + args, data)
            extra = ["registry: " + reg, "stderr: " + err[:2000]]
            if st1 != 0 or st2 != 0:
                tap.notok(label, "status cfdeframe %d, avrodecode %d" % (st1, st2), extra)
                continue
            compare_lines(tap, label, lines, want[form], frames, extra)

    # a frame whose body is cut short: the message names the schema id and the body byte
    cut = frames[:2] + [frames[2][:-1]] + frames[3:5]
    st1, st2, lines, err = pipe(bindir, ["-r", url], aj.stream(cut))
    sid = int.from_bytes(frames[2][1:5], "big")
    tap.check("truncated AvroSerializer frame: status 1, names record 3, schema id %d and the body byte" % sid,
              st2 == 1 and "record 3 " in err and "schema id %d, body byte" % sid in err and len(lines) == 2,
              "status %d, %d lines: %s" % (st2, len(lines), err.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
