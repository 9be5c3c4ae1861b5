#!/usr/bin/env python3
"""random_data.py AVRODECODE WORKDIR [N] [SEED]: the random-data interoperability test.

For each schema of schemas.py: N seeded random values written by
fastavro.schemaless_writer, decoded by avrodecode --schema in three forms
(plain, --raw, --encoding avro) and compared with fastavro.schemaless_reader's
result rendered in the same form by avrojson.render. One TAP line per schema
per form; every mismatch is printed with the schema, the hex body and both values.
"""
import json
import os
import random
import sys

import fastavro

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avrojson as aj  # noqa: E402
from schemas import SCHEMAS  # noqa: E402

FORMS = [("plain", []), ("raw", ["--raw"]), ("avro", ["--encoding", "avro"])]


def main():
    avrodecode, work = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261123
    tap = aj.Tap("interop-avrodecode")
    for k, (name, (schema, extremes)) in enumerate(SCHEMAS.items()):
        rng = random.Random("%d/%s" % (seed, name))
        node = aj.norm(schema)
        parsed = fastavro.parse_schema(schema)
        parsed_raw = fastavro.parse_schema(aj.strip_logical(schema))
        path = os.path.join(work, "random-%02d.avsc" % k)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(schema, f)
        bodies, want = [], {form: [] for form, _ in FORMS}
        setup_err = None
        for i in range(n):
            value, intended = aj.gen(node, rng, extremes=extremes)
            try:
                body = aj.write_body(parsed, value)
                raw = aj.read_body(body, parsed_raw, return_named_type=True)
                try:
                    lv = aj.read_body(body, parsed, return_named_type=True)
                except (ValueError, OverflowError):
                    lv = None       # out of the range of Python's datetime: rendered from raw
                for form, _ in FORMS:
                    want[form].append(aj.render(node, raw, form, lv if form == "plain" else None,
                                                intended))
            except Exception as e:  # the test's own failure, not avrodecode's
                setup_err = "record %d: %s: %r" % (i + 1, type(e).__name__, e)
                break
            bodies.append(body)
        if setup_err:
            for form, _ in FORMS:
                tap.notok("random %s, %s" % (name, form), "the test could not build its data: " + setup_err)
            continue
        data = aj.stream(bodies)
        for form, args in FORMS:
            label = "random %s, %s: %d values" % (name, form, n)
            st, lines, err = aj.run_decode(avrodecode, ["--schema", path] + args, data)
            if st != 0 or len(lines) != n:
                tap.notok(label, "status %d, %d lines for %d records" % (st, len(lines), n),
                          ["schema: " + json.dumps(schema), "stderr: " + err[:2000]])
                continue
            bad = aj.mismatches(lines, want[form], bodies, "record (body)")
            if not bad:
                tap.ok(label)
                continue
            detail = ["schema: " + json.dumps(schema),
                      "command: avrodecode --out ndjson --schema SCHEMA " + " ".join(args)]
            tap.notok(label, "%d of %d values differ from fastavro" % (len(bad), n), detail + bad)
    return 0


if __name__ == "__main__":
    sys.exit(main())
