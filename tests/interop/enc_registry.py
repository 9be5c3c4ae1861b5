#!/usr/bin/env python3
"""enc_registry.py BIN SRFAKE WORKDIR [N] [SEED]: avroencode against a live registry (an
srfake of its own, started here), its frames read by confluent-kafka-python's AvroDeserializer.

The schema is confluent.py's third version (records, enums, maps, a union
with a record, logical types in unions). N random values written by fastavro,
rendered as plain and Avro JSON by avrodecode, then:
  avroencode --schema F -r URL --subject enc-value --register   (plain input)
    the id is the one SchemaRegistryClient finds with get_latest_version and
    lookup_schema, and a second --register gives the same id, one version;
  avroencode -r URL --subject enc-value [--version 1] [--encoding avro] | cfframe
    frames with magic 0 and that id, each read by AvroDeserializer to the
    value fastavro reads from the original body.
"""
import json
import os
import random
import subprocess
import sys

import fastavro
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avrojson as aj  # noqa: E402
import enc_common as ec  # noqa: E402
from confluent import V3  # noqa: E402

SUBJECT = "enc-value"


def encode_frames(bindir, args, data):
    """avroencode ARGS | cfframe: (status of each, frames, stderr)."""
    enc = subprocess.Popen([os.path.join(bindir, "avroencode")] + args, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fr = subprocess.Popen([os.path.join(bindir, "cfframe")], stdin=enc.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    enc.stdout.close()
    enc.stdin.write(data)
    enc.stdin.close()
    out, ferr = fr.communicate(timeout=120)
    eerr = enc.stderr.read()
    enc.wait()
    try:
        frames = ec.records(out)
    except ValueError as e:
        frames = []
        ferr += str(e).encode()
    return enc.returncode, fr.returncode, frames, (eerr + ferr).decode("utf-8", "replace")


def start_srfake(srfake):
    """(process, URL) of a running srfake, or (None, its stderr); it stops at EOF on its stdin."""
    p = subprocess.Popen([srfake], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in p.stdout:
        if line.startswith(b"URL="):
            return p, line[4:].decode().strip()
    p.stdin.close()
    return None, p.stderr.read().decode("utf-8", "replace")


def main():
    bindir, srfake, work = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 20261123
    tap = aj.Tap("interop-avroencode")
    proc, url = start_srfake(srfake)
    if proc is None:
        tap.notok("srfake starts", url[:500])
        return 0
    try:
        run(bindir, url, work, n, seed, tap)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return 0


def run(bindir, url, work, n, seed, tap):
    rng = random.Random("enc-registry/%d" % seed)
    node = aj.norm(V3)
    parsed = fastavro.parse_schema(V3)
    path = os.path.join(work, "enc-registry.avsc")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(V3, f, indent=1)      # not canonical text: the registry gets avroencode's form
    bodies = [aj.write_body(parsed, aj.gen(node, rng)[0]) for _ in range(n)]
    want = [repr(aj.read_body(b, parsed)) for b in bodies]
    texts = {}
    for form, args in (("plain", []), ("avro", ["--encoding", "avro"])):
        st, lines, err = aj.run_decode(os.path.join(bindir, "avrodecode"), ["--schema", path] + args,
                                       aj.stream(bodies))
        if st != 0 or len(lines) != n:
            tap.notok("avrodecode --encoding %s of the values" % form, "status %d: %s" % (st, err[:500]))
            return
        texts[form] = ec.ndjson(lines)

    client = SchemaRegistryClient({"url": url})
    reg = ["--schema", path, "-r", url, "--subject", SUBJECT, "--register", "--in", "ndjson"]
    ids = []
    for k in range(2):
        st, recs, err = ec.run_encode(os.path.join(bindir, "avroencode"), reg, texts["plain"])
        ok = st == 0 and len(recs) == n and all(r is not None and len(r) > 4 for r in recs)
        ids.append(int.from_bytes(recs[0][:4], "big") if ok else None)
        tap.check("avroencode --register (%s time): %d tagged bodies, status 0" % (("first", "second")[k], n),
                  ok and all(r[:4] == recs[0][:4] for r in recs), "status %d, %d records: %s" % (st, len(recs), err[:500]))
    sid = ids[0]
    try:
        latest = client.get_latest_version(SUBJECT)
        found = client.lookup_schema(SUBJECT, Schema(json.dumps(V3), "AVRO"))
        same_schema = fastavro.parse_schema(json.loads(latest.schema.schema_str)) == parsed
        versions = client.get_versions(SUBJECT)
    except Exception as e:
        tap.notok("SchemaRegistryClient finds the registered schema", "%s: %r" % (type(e).__name__, e))
        return
    tap.check("SchemaRegistryClient.get_latest_version: the id avroencode tagged with (%s), "
              "the same schema" % sid, sid is not None and latest.schema_id == sid and same_schema,
              "latest %r (id %s), avroencode's id %s" % (latest.schema.schema_str[:300], latest.schema_id, sid))
    tap.check("SchemaRegistryClient.lookup_schema of the schema as written: the same id", found.schema_id == sid,
              "lookup id %s, avroencode's id %s" % (found.schema_id, sid))
    tap.check("a second --register gives the same id, one version", ids[1] == sid and versions == [1],
              "ids %r, versions %r" % (ids, versions))

    deser = AvroDeserializer(client)
    ctx = SerializationContext("enc", MessageField.VALUE)
    for label, args, form in (
            ("-r URL --subject (latest)", [], "plain"),
            ("-r URL --subject --version 1", ["--version", "1"], "plain"),
            ("-r URL --subject --encoding avro", ["--encoding", "avro"], "avro")):
        label = "avroencode %s | cfframe: %d frames read by AvroDeserializer" % (label, n)
        st1, st2, frames, err = encode_frames(bindir, ["-r", url, "--subject", SUBJECT, "--in", "ndjson"] + args,
                                              texts[form])
        if st1 != 0 or st2 != 0 or len(frames) != n:
            tap.notok(label, "status avroencode %d, cfframe %d, %d frames: %s" % (st1, st2, len(frames), err[:500]))
            continue
        bad = []
        for i, fr in enumerate(frames):
            if fr[0] != 0 or int.from_bytes(fr[1:5], "big") != sid:
                bad.append("frame %d: header %s, want magic 0 and id %s" % (i + 1, fr[:5].hex(), sid))
                continue
            try:
                got = repr(deser(fr, ctx))
            except Exception as e:
                got = "%s: %r" % (type(e).__name__, e)
            if got != want[i]:
                bad.append("frame %d: %s\n  want: %s\n  got:  %s" % (i + 1, fr.hex(), want[i], got))
        tap.check(label, not bad, "%d of %d frames differ" % (len(bad), n), bad[:10])


if __name__ == "__main__":
    sys.exit(main())
