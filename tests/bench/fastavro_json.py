#!/usr/bin/env python3
"""fastavro_json: the fastavro baseline of the avrodecode benchmark.

    fastavro_json.py SCHEMA.avsc [N] <tagged-bodies >ndjson

Reads a record stream of tagged bodies (4-byte schema id, ignored, then the
Avro body), decodes each with fastavro.schemaless_reader and writes
json.dumps of it, one line per record (logical types that JSON has no type
for, fastavro's Decimal and datetime, as their str()); at most N records when
N is given.
"""
import io
import json
import struct
import sys

import fastavro


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: fastavro_json.py SCHEMA.avsc [N] <tagged-bodies")
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    limit = int(sys.argv[2]) if len(sys.argv) == 3 else -1
    inp = sys.stdin.buffer
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8",
                           write_through=False)
    read = fastavro.schemaless_reader
    while limit != 0:
        h = inp.read(4)
        if not h:
            break
        (n,) = struct.unpack(">i", h)
        body = inp.read(n)
        if n < 4 or len(body) != n:
            sys.exit("fastavro_json.py: null, impossible or truncated record")
        out.write(json.dumps(read(io.BytesIO(body[4:]), schema),
                             ensure_ascii=False, default=str))
        out.write("\n")
        limit -= 1
    out.flush()


if __name__ == "__main__":
    main()
