#!/usr/bin/env python3
"""bad_bodies.py AVRODECODE WORKDIR: bodies that are not Avro of their schema.

Each bad body sits between two good ones. --on-error fail (the default):
status 1, a message naming record 2 and the body byte, the first record
written; skip: the two good ones and status 0; null: a JSON null between them.
The same for tagged bodies from a file: registry ("schema id 1, body byte").
"""
import json
import os
import struct
import sys

import fastavro

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avrojson as aj  # noqa: E402

SCHEMA = {"type": "record", "name": "B", "fields": [
    {"name": "i", "type": "int"}, {"name": "u", "type": ["null", "string"]},
    {"name": "b", "type": "bytes"}]}


def good(i):
    # i (zigzag), union branch 1 "ok", bytes 00 ff
    return bytes([2 * i]) + bytes.fromhex("02046f6b0400ff")


G1, G3 = good(1), good(3)
WANT1 = {"i": 1, "u": "ok", "b": "\u0000\u00ff"}
WANT3 = {"i": 3, "u": "ok", "b": "\u0000\u00ff"}

BLOCKS = {"type": "record", "name": "Bl", "fields": [
    {"name": "a", "type": {"type": "array", "items": "long"}},
    {"name": "m", "type": {"type": "map", "values": "string"}},
    {"name": "r", "type": {"type": "array", "items": {"type": "record", "name": "P", "fields": [
        {"name": "s", "type": "string"}]}}},
    {"name": "z", "type": "int"}]}
# a: a block of -2 items in 2 bytes [1, 2], a block of 1 [3], the end; m: -1 item in 4 bytes
# {"k": "v"}, the end; r: -1 item in 3 bytes [{"s": "ab"}], 1 item [{"s": ""}], the end; z: 5
BLOCKS_BODY = bytes.fromhex("03040204020600" "0108026b027600" "0106046162020000" "0a")

BAD = [
    ("truncated body", G1[:-1]),
    ("truncated in a number", bytes.fromhex("8080")),
    ("empty body", b""),
    ("trailing bytes", G1 + b"\x00"),
    ("union index out of range", bytes.fromhex("0206046f6b0400ff")),
    ("negative union index", bytes.fromhex("0201046f6b0400ff")),
    ("negative length", bytes.fromhex("020001")),
    ("negative string length", bytes.fromhex("0202030400ff")),
    ("length larger than the body", bytes.fromhex("0200c8010000ff")),
    ("invalid UTF-8 in a string", bytes.fromhex("020204c3280400ff")),
    ("UTF-8 surrogate in a string", bytes.fromhex("020206eda0800400ff")),
    ("overlong UTF-8 in a string", bytes.fromhex("020204c0af0400ff")),
    ("varint longer than 10 bytes", bytes.fromhex("02ffffffffffffffffffff0104")),
    ("int beyond 32 bits", bytes.fromhex("808080801002046f6b0400ff")),
]


def main():
    avrodecode, work = sys.argv[1], sys.argv[2]
    tap = aj.Tap("interop-avrodecode")
    spath = os.path.join(work, "bad.avsc")
    with open(spath, "w") as fo:
        json.dump(SCHEMA, fo)
    reg = os.path.join(work, "badreg")
    os.makedirs(os.path.join(reg, "schemas", "ids"), exist_ok=True)
    with open(os.path.join(reg, "schemas", "ids", "1.json"), "w") as fo:
        json.dump({"schema": json.dumps(SCHEMA)}, fo)

    st, lines, err = aj.run_decode(avrodecode, ["--schema", spath], aj.stream([G1, G3]))
    tap.check("bad bodies: the good bodies decode", st == 0 and [json.loads(x) for x in lines] == [WANT1, WANT3],
              "status %d" % st, [err] + lines)

    # Hand-made good bodies fastavro never writes: negative block counts (followed by the
    # block's byte size, as Java's block encoders write them) and several blocks.
    bpath = os.path.join(work, "blocks.avsc")
    with open(bpath, "w") as fo:
        json.dump(BLOCKS, fo)
    parsed = fastavro.parse_schema(BLOCKS)
    want = aj.render(aj.norm(BLOCKS), aj.read_body(BLOCKS_BODY, parsed), "plain")
    for args, w in (([], want), (["--fields", "z"], {"z": want["z"]})):
        st, lines, err = aj.run_decode(avrodecode, ["--schema", bpath] + args, aj.stream([BLOCKS_BODY]))
        m = aj.compare(w, aj.parse_json(lines[0])) if st == 0 and len(lines) == 1 else "status %d" % st
        tap.check("negative block counts with byte sizes, several blocks %s(%s)" % (
            " ".join(args) + " " if args else "", BLOCKS_BODY.hex()), not m, m or "", [err] + lines)

    for name, body in BAD:
        for mode, args, tag, prefix in (("bare", ["--schema", spath], "body byte", b""),
                                        ("tagged", ["-r", "file:" + reg], "schema id 1, body byte",
                                         struct.pack(">I", 1))):
            data = aj.stream([prefix + G1, prefix + body, prefix + G3])
            label = "bad body, %s: %s (%s)" % (mode, name, body.hex())
            st, lines, err = aj.run_decode(avrodecode, args, data)
            tap.check(label + ": --on-error fail: status 1", st == 1, "status %d" % st, [err] + lines)
            tap.check(label + ": the message names record 2 and the " + tag,
                      "record 2 " in err and tag in err, "stderr: " + err.strip())
            tap.check(label + ": the good record before it is written",
                      [json.loads(x) for x in lines] == [WANT1], "stdout: %r" % lines)
            st, lines, err = aj.run_decode(avrodecode, args + ["--on-error", "skip"], data)
            tap.check(label + ": --on-error skip drops it",
                      st == 0 and [json.loads(x) for x in lines] == [WANT1, WANT3],
                      "status %d" % st, [err] + lines)
            st, lines, err = aj.run_decode(avrodecode, args + ["--on-error", "null"], data)
            tap.check(label + ": --on-error null writes null in its place",
                      st == 0 and [json.loads(x) for x in lines] == [WANT1, None, WANT3],
                      "status %d" % st, [err] + lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
