#!/usr/bin/env python3
"""enc_errors.py AVROENCODE WORKDIR: documents avroencode refuses, and how it says so.

Each bad document is record 2, after a good one: exit status 1, the good
body written (as fastavro writes it), and one message, "record 2 at byte
N: $.json.path: what", N the offset of the record in the input (NDJSON: its
line; a record stream: its length header). Kinds: a wrong type, a missing
field without a default, an unknown field, an int out of range, a fixed of
the wrong size, an enum symbol not in the schema, bytes with a character
above U+00FF, invalid JSON; at the top, in nested records, in arrays, maps
and unions. Then --ignore-unknown (the unknown keys dropped, at every
level) and --on-error skip over all of them at once (the good ones
written, the count reported, status 0).
"""
import io
import json
import os
import struct
import sys

import fastavro

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avrojson as aj  # noqa: E402
import enc_common as ec  # noqa: E402

SCHEMA = {"type": "record", "name": "Ev", "namespace": "t", "fields": [
    {"name": "id", "type": "int"},
    {"name": "meta", "type": {"type": "record", "name": "Meta", "fields": [
        {"name": "offset", "type": "long"},
        {"name": "tags", "type": {"type": "map", "values": "string"}}]}},
    {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item", "fields": [
        {"name": "k", "type": {"type": "enum", "name": "K", "symbols": ["A", "B"]}},
        {"name": "h", "type": {"type": "fixed", "name": "H2", "size": 2}}]}}},
    {"name": "blob", "type": "bytes"},
    {"name": "opt", "type": ["null", "Meta"], "default": None}]}

GOOD = {"id": 1, "meta": {"offset": 5, "tags": {"x": "y"}}, "items": [{"k": "A", "h": "ab"}, {"k": "B", "h": "\u00ff\u0000"}],
        "blob": "\u00ff"}


def good_body(v):
    """fastavro's body of a document of SCHEMA (bytes and fixed as code points)."""
    v = json.loads(json.dumps(v))
    v["blob"] = v["blob"].encode("latin-1")
    for it in v["items"]:
        it["h"] = it["h"].encode("latin-1")
    b = io.BytesIO()
    fastavro.schemaless_writer(b, fastavro.parse_schema(SCHEMA), v)
    return b.getvalue()


def changed(path, value=None, drop=False):
    """GOOD with the value at path (a list of keys and indexes) replaced, or dropped."""
    v = json.loads(json.dumps(GOOD))
    o = v
    for k in path[:-1]:
        o = o[k]
    if drop:
        del o[path[-1]]
    else:
        o[path[-1]] = value
    return json.dumps(v)


# (name, JSON text, --encoding, the message after "record 2 at byte N: ")
BAD = [
    ("a string for a long, nested", changed(["meta", "offset"], "12a"), "plain",
     '$.meta.offset: expected long, got string "12a"'),
    ("a number for a string, in a map", changed(["meta", "tags", "x"], 5), "plain",
     "$.meta.tags.x: expected string, got number 5"),
    ("a wrong type inside a union's record (plain)", changed(["opt"], {"offset": True, "tags": {}}), "plain",
     "$.opt.offset: expected long, got true"),
    ("a wrong type inside a wrapped union branch (Avro JSON)",
     changed(["opt"], {"t.Meta": {"offset": 1, "tags": {"k": None}}}), "avro",
     "$.opt.t.Meta.tags.k: expected string, got null"),
    ("a union value of no branch", changed(["opt"], 7), "plain",
     "$.opt: expected one of null, t.Meta, got number 7"),
    ("a missing field without a default", changed(["blob"], drop=True), "plain",
     '$: missing field "blob" (no default)'),
    ("a missing field without a default, nested", changed(["meta", "offset"], drop=True), "plain",
     '$.meta: missing field "offset" (no default)'),
    ("an unknown field", changed(["extra"], 1), "plain",
     '$: unknown field "extra" (not in record t.Ev; --ignore-unknown drops it)'),
    ("an unknown field in an array's record", changed(["items", 1, "zz"], []), "plain",
     '$.items[1]: unknown field "zz" (not in record t.Item; --ignore-unknown drops it)'),
    ("an int above its range", changed(["id"], 2147483648), "plain", "$.id: 2147483648 is out of range for int"),
    ("an int below its range", changed(["id"], -2147483649), "plain", "$.id: -2147483649 is out of range for int"),
    ("a long beyond 64 bits", changed(["meta", "offset"], 9223372036854775808), "plain",
     "$.meta.offset: expected long, got number 9223372036854775808"),
    ("a fixed of the wrong size", changed(["items", 1, "h"], "abc"), "plain",
     "$.items[1].h: expected 2 bytes for fixed t.H2, got 3"),
    ("an enum symbol not in the schema", changed(["items", 0, "k"], "C"), "plain",
     '$.items[0].k: "C" is not a symbol of enum t.K'),
    ("bytes with a character above U+00FF", changed(["blob"], "\u00ff\u0100"), "plain",
     "$.blob: invalid bytes: a character above U+00FF"),
    ("invalid JSON", '{"id":1,"meta":', "plain", "invalid JSON at byte 15 of the record: unexpected end"),
    ("invalid JSON: a bare NaN", changed(["id"], 1).replace("1", "NaN", 1), "plain",
     "invalid JSON at byte 7 of the record: invalid number"),
]


def main():
    avroencode, work = sys.argv[1], sys.argv[2]
    tap = aj.Tap("interop-avroencode")
    path = os.path.join(work, "enc-errors.avsc")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(SCHEMA, f)
    first = json.dumps(GOOD)
    gb = good_body(GOOD)
    for name, text, enc, msg in BAD:
        for form in ("ndjson", "stream"):
            if form == "ndjson":
                data, off = ec.ndjson([first, text]), len(first.encode()) + 1
            else:
                data = aj.stream([first.encode(), text.encode()])
                off = 4 + len(first.encode())
            args = ["--schema", path, "--bare", "--in", form, "--encoding", enc]
            st, recs, err = ec.run_encode(avroencode, args, data)
            want = "avroencode: record 2 at byte %d: %s" % (off, msg)
            tap.check("%s (%s): status 1, record 1 written, \"record 2 at byte %d: %s\"" % (name, form, off, msg),
                      st == 1 and recs == [gb] and err.startswith(want) and err.count("\n") == 1,
                      "status %d, %d records, stderr: %s" % (st, len(recs), err.strip()),
                      ["input: " + text, "want:  " + want])

    # --ignore-unknown: keys the schema does not have, at every level, dropped
    v = json.loads(json.dumps(GOOD))
    v["zz"] = {"deep": [1, {"x": None}]}
    v["meta"]["zz"] = "\u0100"
    v["items"][0]["zz"] = 1.5
    text = json.dumps(v)
    st, recs, err = ec.run_encode(avroencode, ["--schema", path, "--bare", "--in", "ndjson", "--ignore-unknown"],
                                  ec.ndjson([text]))
    tap.check("--ignore-unknown: unknown keys at three levels dropped, fastavro's body",
              st == 0 and recs == [gb], "status %d, %r: %s" % (st, [r.hex() for r in recs if r], err.strip()))

    # --on-error skip: every bad document between good ones
    lines, goods = [], []
    for k, (_, text, enc, _) in enumerate(BAD):
        g = dict(GOOD, id=k)
        lines += [json.dumps(g), text]
        goods.append(good_body(g))
    lines.append(json.dumps(GOOD))
    goods.append(gb)
    st, recs, err = ec.run_encode(avroencode, ["--schema", path, "--bare", "--in", "ndjson", "--on-error", "skip"],
                                  ec.ndjson(lines))
    want = "avroencode: %d bad records skipped" % len(BAD)
    tap.check("--on-error skip: %d good records written, \"%s\", status 0" % (len(goods), want),
              st == 0 and recs == goods and err.strip() == want,
              "status %d, %d records (%d good ones wanted): %s" % (st, len(recs), len(goods), err.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
