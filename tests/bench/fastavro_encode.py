#!/usr/bin/env python3
"""fastavro_encode: the fastavro baseline of the avroencode benchmark.

    fastavro_encode.py SCHEMA.avsc SCHEMA_ID [N] <ndjson >tagged-bodies

Reads JSON documents, one per line, parses each with json.loads, renames
the key "$schema" to "schema" (as avroencode --rename '$schema=schema'),
writes it with fastavro.schemaless_writer to a BytesIO and writes a record
stream of tagged bodies (4-byte big-endian length, 4-byte schema id, body),
as avroencode does; at most N records when N is given.
"""
import io
import json
import struct
import sys

import fastavro


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: fastavro_encode.py SCHEMA.avsc SCHEMA_ID [N] <ndjson")
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    tag = struct.pack(">I", int(sys.argv[2]))
    limit = int(sys.argv[3]) if len(sys.argv) == 4 else -1
    out = sys.stdout.buffer
    write = fastavro.schemaless_writer
    loads = json.loads
    pack = struct.Struct(">i").pack
    for line in sys.stdin.buffer:
        if limit == 0:
            break
        if not line.strip():
            continue
        doc = loads(line)
        if "$schema" in doc:
            doc["schema"] = doc.pop("$schema")
        b = io.BytesIO()
        b.write(tag)
        write(b, schema, doc)
        body = b.getvalue()
        out.write(pack(len(body)))
        out.write(body)
        limit -= 1
    out.flush()


if __name__ == "__main__":
    main()
