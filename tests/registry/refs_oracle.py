#!/usr/bin/env python3
"""refs_oracle.py: third-party views of Confluent schema references, for
tests/cli/registry-refs.sh.

  refs_oracle.py pcf SCHEMA [REF...]
      fastavro parses the REF files, in order, into one name space
      (named_schemas), then SCHEMA (a file), as confluent-kafka-python's
      AvroSerializer reads a schema with references; prints the result as
      JSON (full names, sorted keys, no namespaces or docs) with each use of a
      named type replaced by its definition, so that where a type is defined
      does not show. Without
      REFs: the same of a self-contained schema (cfkit's expansion).

  refs_oracle.py confluent URL SUBJECT SELF N SEED OUT
      confluent-kafka-python's AvroSerializer (use.latest.version, nothing
      registered) writes N random values of SUBJECT's latest schema, which has
      references, as Confluent frames: OUT.frames (a record stream of frames),
      OUT.want (the values as avrodecode must print them, plain and avro, from
      fastavro decoding each body with SELF, the equivalent self-contained
      schema) and OUT.deser (confluent-kafka-python's AvroDeserializer, which
      resolves the references itself, must agree with fastavro: "ok" or why
      not).

  refs_oracle.py compare OUT plain|avro LINES
      "ok" if avrodecode's ndjson output LINES is OUT.want's values, else the
      first differences.
"""
import pickle
import json
import os
import random
import sys

import fastavro
import fastavro.schema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
import avrojson as aj  # noqa: E402


def inline(s, named, seen=()):
    """A parsed schema with every use of a named type replaced by its definition
    (a recursive use stays a name): where a type is defined no longer shows."""
    if isinstance(s, str):
        return inline(named[s], named, seen + (s,)) if s in named and s not in seen else s
    if isinstance(s, list):
        return [inline(x, named, seen) for x in s]
    if isinstance(s, dict):
        out = dict(s)
        if s.get("type") in ("record", "error"):
            seen = seen + (s["name"],)
            out["fields"] = [dict(f, type=inline(f["type"], named, seen)) for f in s["fields"]]
        elif s.get("type") == "array":
            out["items"] = inline(s["items"], named, seen)
        elif s.get("type") == "map":
            out["values"] = inline(s["values"], named, seen)
        return out
    return s


def pcf(args):
    named = {}
    for path in args[1:]:
        fastavro.parse_schema(json.load(open(path)), named_schemas=named)
    parsed = fastavro.parse_schema(json.load(open(args[0])), named_schemas=named)
    print(json.dumps(canon(inline(parsed, named)), sort_keys=True, separators=(",", ":")))


def canon(s):
    """fastavro's parsed form (full names) without its own keys, the namespaces and docs."""
    if isinstance(s, list):
        return [canon(x) for x in s]
    if isinstance(s, dict):
        return {k: canon(v) for k, v in s.items()
                if not k.startswith("__") and k not in ("namespace", "doc", "aliases")}
    return s


def confluent(args):
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    url, subject, self_file, n, seed, out = args[0], args[1], args[2], int(args[3]), int(args[4]), args[5]
    client = SchemaRegistryClient({"url": url})
    latest = client.get_latest_version(subject)
    ser = AvroSerializer(client, latest.schema,
                         conf={"auto.register.schemas": False, "use.latest.version": True})
    deser = AvroDeserializer(client)
    ctx = SerializationContext(subject.rsplit("-", 1)[0], MessageField.VALUE)
    self_schema = json.load(open(self_file))
    node = aj.norm(self_schema)
    parsed = fastavro.parse_schema(self_schema)
    rng = random.Random(seed)
    frames, plain, avro, bad = [], [], [], []
    for i in range(n):
        value, intended = aj.gen(node, rng)
        frame = ser(value, ctx)
        if frame[0] != 0 or int.from_bytes(frame[1:5], "big") != latest.schema_id:
            bad.append("frame %d: header %s, want schema id %d" % (i + 1, frame[:5].hex(), latest.schema_id))
        frames.append(frame)
        raw = aj.read_body(frame[5:], parsed, return_named_type=True)
        plain.append(aj.render(node, raw, "plain", raw, intended))
        avro.append(aj.render(node, raw, "avro", None, intended))
        if deser(frame, ctx) != aj.read_body(frame[5:], parsed):
            bad.append("frame %d: AvroDeserializer and fastavro with the self-contained schema differ" % (i + 1))
    with open(out + ".frames", "wb") as f:
        f.write(aj.stream(frames))
    with open(out + ".want", "wb") as f:
        pickle.dump({"plain": plain, "avro": avro, "frames": frames}, f)
    with open(out + ".deser", "w") as f:
        f.write("\n".join(bad[:5]) if bad else "ok")


def compare(args):
    want = pickle.load(open(args[0] + ".want", "rb"))
    lines = open(args[2], encoding="utf-8").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != len(want[args[1]]):
        print("%d lines for %d frames" % (len(lines), len(want[args[1]])))
        return
    bad = aj.mismatches(lines, want[args[1]], want["frames"], "frame")
    print("\n".join(bad[:3]) if bad else "ok")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "pcf":
        pcf(sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "compare":
        compare(sys.argv[2:])
    elif len(sys.argv) == 8 and sys.argv[1] == "confluent":
        confluent(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
