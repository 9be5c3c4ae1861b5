#!/usr/bin/env python3
"""enc_random.py AVROENCODE AVRODECODE WORKDIR [N] [SEED]: random data through avroencode.

For each schema of schemas.py (the avrodecode interop test's): N seeded random
values written by fastavro.schemaless_writer; each value as JSON text in
three ways: avrodecode's plain output, avrodecode's Avro JSON output
(--encoding avro), and avrojson.render's values dumped by Python's json
(ASCII only: every non-ASCII character an escape, astral ones as surrogate
pairs). Each fed to avroencode --schema S --bare --in ndjson with the
matching --encoding, and plain and Avro JSON also with --encoding auto: the
bodies must be fastavro's, byte for byte, but for the differences
enc_common.diff allows, which each TAP line counts by kind:
  plain JSON: unions where the plain value fits more than one branch,
    decimals that fastavro writes a byte longer than the minimal form, NaN
    payloads;
  Avro JSON: NaN payloads.
--encoding auto on Avro JSON is not run (a "#" line) for schemas with a union
auto reads as plain by the man page's rule (a map branch, or a record branch
with a field named as a branch).
Then avroencode | avrodecode must give back avrodecode's text, byte for byte,
for the plain and the Avro JSON forms; in plain JSON a number of a
[float, double] union may come back written another way (the float 2^53 as
9.007199e+15, the double -21686712000000.0 for the float -2.1686712e+13):
those lines must hold the same numbers, and are counted.
Last, four negative decimals fastavro writes a byte longer than the minimal
form (-1.28 at scale 2: ff80 for avroencode's 80), checked to differ just so.
"""
import decimal
import json
import os
import random
import sys

import fastavro

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avrojson as aj  # noqa: E402
import enc_common as ec  # noqa: E402
from schemas import SCHEMAS  # noqa: E402

PLAIN_ALLOW = {"union", "decimal", "nan"}
AVRO_ALLOW = {"nan"}


def dumps(v):
    return json.dumps(v, ensure_ascii=True, allow_nan=False)


def main():
    avroencode, avrodecode, work = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 20261123
    tap = aj.Tap("interop-avroencode")
    for k, (name, (schema, extremes)) in enumerate(SCHEMAS.items()):
        rng = random.Random("enc/%d/%s" % (seed, name))
        node = aj.norm(schema)
        parsed = fastavro.parse_schema(schema)
        parsed_raw = fastavro.parse_schema(aj.strip_logical(schema))
        path = os.path.join(work, "enc-%02d.avsc" % k)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(schema, f)
        bodies, py_plain, py_avro = [], [], []
        try:
            for _ in range(n):
                value, intended = aj.gen(node, rng, extremes=extremes)
                body = aj.write_body(parsed, value)
                raw = aj.read_body(body, parsed_raw, return_named_type=True)
                try:
                    lv = aj.read_body(body, parsed, return_named_type=True)
                except (ValueError, OverflowError):
                    lv = None
                bodies.append(body)
                py_plain.append(dumps(aj.render(node, raw, "plain", lv, intended)))
                py_avro.append(dumps(aj.render(node, raw, "avro", None, intended)))
        except Exception as e:  # the test's own failure
            tap.notok("random %s" % name, "the test could not build its data: %s: %r" % (type(e).__name__, e))
            continue
        want = [ec.walk(node, b) for b in bodies]
        data = aj.stream(bodies)
        texts = {}
        for form, args in (("plain", []), ("avro", ["--encoding", "avro"])):
            st, lines, err = aj.run_decode(avrodecode, ["--schema", path] + args, data)
            if st != 0 or len(lines) != n:
                tap.notok("random %s: avrodecode --encoding %s" % (name, form),
                          "status %d, %d lines for %d records: %s" % (st, len(lines), n, err[:500]))
            texts[form] = lines
        if len(texts["plain"]) != n or len(texts["avro"]) != n:
            continue

        runs = [("plain (avrodecode's text)", texts["plain"], "plain", PLAIN_ALLOW),
                ("plain (avrodecode's text), --encoding auto", texts["plain"], "auto", PLAIN_ALLOW),
                ("plain (Python's json, escaped)", py_plain, "plain", PLAIN_ALLOW),
                ("Avro JSON (avrodecode's text)", texts["avro"], "avro", AVRO_ALLOW),
                ("Avro JSON (avrodecode's text), --encoding auto", texts["avro"], "auto", AVRO_ALLOW),
                ("Avro JSON (Python's json, escaped)", py_avro, "avro", AVRO_ALLOW)]
        doubt = ec.auto_doubt(node)
        for label, lines, enc, allow in runs:
            label = "random %s, %s: %d values" % (name, label, n)
            if doubt and enc == "auto" and allow is AVRO_ALLOW:
                # not a check (a SKIP would count against CI, which skips nothing)
                print("# interop-avroencode: %s: not run: the union %s has a map branch or a record "
                      "branch with a field named as a branch: auto reads it as plain (the man page)"
                      % (label, doubt))
                continue
            args = ["--schema", path, "--bare", "--in", "ndjson", "--encoding", enc]
            st, got, err = ec.run_encode(avroencode, args, ec.ndjson(lines))
            detail = ["schema: " + json.dumps(schema), "command: avroencode " + " ".join(args)]
            if st != 0 or len(got) != n:
                tap.notok(label, "status %d, %d bodies for %d values" % (st, len(got), n),
                          detail + ["stderr: " + err[:2000]])
                continue
            kinds, bad = {}, []
            for i, (body, w) in enumerate(zip(got, want)):
                if body == bodies[i]:
                    continue
                try:
                    m = ec.diff(node, w, ec.walk(node, body), allow, kinds)
                except ValueError as e:
                    m = "not a body of the schema: %s" % e
                if m:
                    bad.append("value %d: %s\n  json:     %s\n  fastavro: %s\n  got:      %s"
                               % (i + 1, m, lines[i][:1000], bodies[i].hex(), body.hex()))
            if bad:
                tap.notok(label, "%d of %d bodies differ from fastavro's" % (len(bad), n), detail + bad[:20])
                continue
            if kinds:
                label += "; explained differences: " + ", ".join(
                    "%s %d" % (w, c) for w, c in sorted(kinds.items()))
            tap.ok(label)

        for form, args in (("plain", []), ("avro", ["--encoding", "avro"])):
            label = "random %s: avroencode | avrodecode gives back the %s text" % (name, form)
            st, got, err = ec.run_encode(avroencode, ["--schema", path, "--bare", "--in", "ndjson"] + args,
                                         ec.ndjson(texts[form]))
            if st != 0 or len(got) != n:
                tap.notok(label, "avroencode status %d, %d bodies: %s" % (st, len(got), err[:500]))
                continue
            st, back, err = aj.run_decode(avrodecode, ["--schema", path] + args, aj.stream(got))
            bad, numbers = [], 0
            for i, (a, b) in enumerate(zip(texts[form], back)):
                if a == b:
                    continue
                if form == "plain" and ec.same_numbers(aj.parse_json(a), aj.parse_json(b)):
                    numbers += 1    # a number of a [float, double] union took the other branch
                    continue
                bad.append("value %d:\n  first:  %s\n  second: %s" % (i + 1, a, b))
            if numbers:
                label += "; %d with a number written another way (a float/double union)" % numbers
            tap.check(label, st == 0 and len(back) == n and not bad,
                      "status %d, %d lines, %d differ" % (st, len(back), len(bad)), bad[:20])
    decimals(avroencode, work, tap)
    return 0


def decimals(avroencode, work, tap):
    """Negative decimals whose unscaled magnitude is a power of two from 2^7 on a byte
    boundary: fastavro writes them a byte longer (-128 as ff80) than the minimal two's
    complement avroencode (and Java) writes (80). Both read as the same value."""
    dec = {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}
    schema = {"type": "record", "name": "D", "fields": [{"name": "d", "type": dec},
                                                        {"name": "o", "type": ["null", dec]}]}
    node, parsed = aj.norm(schema), fastavro.parse_schema(schema)
    path = os.path.join(work, "enc-decimals.avsc")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(schema, f)
    values = ["-1.28", "-327.68", "-83886.08", "-21474836.48"]
    bodies = [aj.write_body(parsed, {"d": decimal.Decimal(v), "o": decimal.Decimal(v)}) for v in values]
    lines = [json.dumps({"d": v, "o": v}) for v in values]
    st, got, err = ec.run_encode(avroencode, ["--schema", path, "--bare", "--in", "ndjson"], ec.ndjson(lines))
    label = "decimals %s: fastavro's bodies a byte longer, avroencode's minimal, the same values" % ", ".join(values)
    if st != 0 or len(got) != len(values):
        tap.notok(label, "status %d, %d bodies: %s" % (st, len(got), err[:500]))
        return
    kinds, bad = {}, []
    for i, (a, b) in enumerate(zip(bodies, got)):
        m = "the same bytes as fastavro (%s)" % a.hex() if a == b else ec.diff(
            node, ec.walk(node, a), ec.walk(node, b), {"decimal"}, kinds)
        if m:
            bad.append("%s: %s (fastavro %s, avroencode %s)" % (values[i], m, a.hex(), b.hex()))
    tap.check(label + ": " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())),
              not bad and sum(kinds.values()) == 2 * len(values), "%d differ otherwise" % len(bad), bad)


if __name__ == "__main__":
    sys.exit(main())
