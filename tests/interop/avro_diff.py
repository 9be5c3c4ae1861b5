"""Differential test of avroencode and avrodecode against Apache Avro 1.12's
Java library (tests/interop/avro_peer.py, one JVM) and fastavro.

A case is a random writer schema W, a reader schema R derived from it by
schema evolution (promotions int->long->float->double, string<->bytes,
fields added with defaults, removed, renamed through aliases, reordered,
enum symbols changed with an enum default, a type wrapped in a union or a
union cut to one branch, named types renamed through aliases), and random
values of W in the Avro JSON encoding, plus a few values W does not hold.
Every primitive, every logical type (underlying values: no conversion on
either side), records, enums (with defaults), fixed, arrays, maps, unions
inside records, arrays and maps, namespaces, aliases and field defaults
occur. For each case:

  schemas   Java's Schema.Parser and avroencode --schema accept W and R alike;
  encode    avroencode --encoding avro --bare, Java (JsonDecoder ->
            GenericDatumWriter) and fastavro.schemaless_writer (the value in
            tuple notation, schema without logical types) write the same
            bytes, or avroencode and Java both refuse the value;
  decode    avrodecode --encoding avro --schema W, and with --reader-schema
            R, against Java's GenericDatumReader(W[, R]) + JsonEncoder:
            the same value, types included (union branches, int vs float,
            floats and doubles by their bits: values are parsed, never
            compared as text), or both refuse; fastavro.schemaless_reader
            too, compared without union branches (fastavro's values do not
            name them); and avrodecode --raw (plain JSON) against the same;
  mutate    bodies truncated, with a byte changed, a varint made over-long,
            a byte appended: avrodecode and Java both refuse or give the
            same value.

Every C tool runs once per case and step over all its values (a refused
record starts a new run at the next one). Differences that are deliberate
are listed in KNOWN_DIFFERENCES (each recognised by a predicate, counted, and
printed); anything else fails the case with a reproducer (schemas, value,
every answer).

usage:
  avro_diff.py BIN TMPDIR check            the fixed seed (make check)
  avro_diff.py BIN TMPDIR random SEED N    N random cases from SEED
  avro_diff.py BIN TMPDIR replay SEED I    case I of SEED only, printed in full
Prints TAP. AVRO_DIFF_VERBOSE=1 prints every case.
"""
import copy
import io
import json
import math
import os
import random
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastavro  # noqa: E402

import avrojson as aj  # noqa: E402
from avro_peer import AvroPeer, available  # noqa: E402
from enc_common import records  # noqa: E402

SUITE = "avro-diff"
CHECK_SEED, CHECK_CASES = 20261205, 200
VERBOSE = os.environ.get("AVRO_DIFF_VERBOSE") == "1"

# Constructs the generator leaves out while the C code does not handle them
# as Avro 1.12 does (issue 15); each is removed once its fix lands.
AVOID = set()
# The AVOID entries that come from random mutations, not from a construct the
# generator can leave out: a disagreement they match is dropped (and counted).
AVOID_FILTERS = {}

# Deliberate differences: (name, what differs and why, predicate over a
# disagreement d: {step, writer, reader, value | hex, c, java, fastavro},
# answers ("ok", value) or ("err", message)). Nothing else may differ.
def _c_err(d, *words):
    return d["c"][0] == "err" and all(w in d["c"][1] for w in words) and d["java"][0] == "ok"


def _json(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def any_node(n, pred, seen=None):
    """Whether pred holds for the normalised type n or a type inside it (record
    fields, array items, map values, union branches; each node visited once)."""
    seen = set() if seen is None else seen
    if id(n) in seen:
        return False
    seen.add(id(n))
    if pred(n):
        return True
    t = n["type"]
    subs = ([f["type"] for f in n["fields"]] if t == "record" else [n["items"]] if t == "array"
            else [n["values"]] if t == "map" else n["branches"] if t == "union" else [])
    return any(any_node(m, pred, seen) for m in subs)


def _ambiguous_union(n):
    def ambiguous(u):
        if u["type"] != "union":
            return False
        ts = {b["type"] for b in u["branches"]}
        empty = any(b["type"] == "record" and not b["fields"] for b in u["branches"])
        return (empty and "map" in ts) or bool(ts & {"bytes", "fixed"} and ts & {"string", "enum"})
    return any_node(n, ambiguous)


def _has_empty_record(d):
    return any(any_node(aj.norm(json.loads(t)), lambda n: n["type"] == "record" and not n["fields"])
               for t in (d["writer"], d["reader"]) if t)


def loosened(c):
    """A canon() with every integer as the double it converts to, every string as
    its UTF-8 bytes (the promotions a union branch may take)."""
    if isinstance(c, tuple):
        if len(c) == 2 and c[0] == "int":
            try:
                return ("num", fbits(float(c[1]), "double"))
            except OverflowError:
                return c
        if len(c) == 2 and c[0] == "str":
            return ("bytes", c[1].encode("utf-8", "surrogatepass"))
        return tuple(loosened(x) for x in c)
    return c


def nums32(c):
    """A canon(loose) with every number rounded to float32."""
    if isinstance(c, tuple):
        if len(c) == 2 and c[0] == "num" and c[1] != "nan":
            x = struct.unpack(">d", bytes.fromhex(c[1]))[0]
            try:
                return ("num32", struct.pack(">f", x).hex())
            except OverflowError:
                return ("num32", "inf" if x > 0 else "-inf")
        return tuple(nums32(x) for x in c)
    return c


def _records(js):
    """Every record definition (JSON dict) in a schema's JSON."""
    if isinstance(js, list):
        for b in js:
            yield from _records(b)
    elif isinstance(js, dict):
        if js.get("type") in ("record", "error") and isinstance(js.get("fields"), list):
            yield js
            for f in js["fields"]:
                yield from _records(f.get("type"))
        else:
            for k in ("type", "items", "values"):
                if isinstance(js.get(k), (dict, list)):
                    yield from _records(js[k])


def _short(name):
    return name.rsplit(".", 1)[-1]


def _alias_other_field(d):
    """Whether a reader field has an alias that is the name of another field of a
    writer record of the same name (or an alias of it) that has the reader
    field's name too: Java's Schema.applyAliases renames the writer's field into
    a second field of that name ("Duplicate field")."""
    w = json.loads(d["writer"])
    for r in _records(json.loads(d["reader"])):
        rnames = {_short(r["name"])} | {_short(a) for a in r.get("aliases", [])}
        for wr in _records(w):
            if _short(wr["name"]) not in rnames:
                continue
            wf = {f["name"] for f in wr["fields"]}
            for f in r["fields"]:
                if f["name"] in wf and any(a != f["name"] and a in wf for a in f.get("aliases", [])):
                    return True
    return False


def _valid_first(n, v):
    """Whether a default v (JSON) is a value of node n, roughly as Java's encoder
    of defaults takes it (a union takes its first branch)."""
    t = n["type"]
    if t == "union":
        return _valid_first(n["branches"][0], v)
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t in ("int", "long"):
        return isinstance(v, int) and not isinstance(v, bool)
    if t in ("float", "double"):
        return (isinstance(v, (int, float)) and not isinstance(v, bool)) or v in ("NaN", "Infinity", "-Infinity")
    if t in ("string", "bytes"):
        return isinstance(v, str)
    if t == "fixed":
        return isinstance(v, str) and len(v) == n["size"]
    if t == "enum":
        return isinstance(v, str) and v in n["symbols"]
    if t == "array":
        return isinstance(v, list) and all(_valid_first(n["items"], x) for x in v)
    if t == "map":
        return isinstance(v, dict) and all(_valid_first(n["values"], x) for x in v.values())
    if t == "record":
        return isinstance(v, dict) and all(
            _valid_first(f["type"], v[f["name"]] if f["name"] in v else f.get("default"))
            for f in n["fields"] if f["name"] in v or "default" in f)
    return False


def _union_default_non_first(d):
    """Whether the reader schema has a field default (or a value inside one) of
    a union that is not a value of the union's first branch."""
    return any_node(aj.norm(json.loads(d["reader"])), lambda n: n["type"] == "record" and any(
        "default" in f and not _valid_first(f["type"], f["default"]) for f in n["fields"]))


def _named_short_names(js, out=None):
    """The unqualified names and aliases of every named type in a schema's JSON."""
    out = set() if out is None else out
    if isinstance(js, list):
        for b in js:
            _named_short_names(b, out)
    elif isinstance(js, dict):
        if js.get("type") in ("record", "error", "enum", "fixed") and isinstance(js.get("name"), str):
            out.add(_short(js["name"]))
            out.update(_short(a) for a in js.get("aliases", []))
        for f in js.get("fields", []) if isinstance(js.get("fields"), list) else []:
            _named_short_names(f.get("type"), out)
        for k in ("type", "items", "values"):
            if isinstance(js.get(k), (dict, list)):
                _named_short_names(js[k], out)
    return out


def _union_branch_by_structure(d):
    """avrodecode refuses a writer union branch whose named type no reader branch
    names (by name or alias), Java reads it: its resolver takes a reader branch of
    the same kind by structure when no name matches."""
    import re
    m = re.search(r"union branch \d+ \(([^)]*)\) has no match", d["c"][1])
    return m is not None and _short(m.group(1)) not in _named_short_names(json.loads(d["reader"]))


def _writer_default_renamed(d):
    """Java's "Invalid default for field X" where X is a writer field with a
    default (or the reader's new name of one, through an alias): Java applies the
    reader's aliases by renaming the writer schema and checks the writer's
    defaults again against the renamed types."""
    import re
    m = re.search(r"Invalid default for field ([A-Za-z_][A-Za-z0-9_]*)", d["java"][1])
    if not m:
        return False
    x = m.group(1)
    names = {x}
    for r in _records(json.loads(d["reader"])):
        for f in r["fields"]:
            if f["name"] == x:
                names.update(f.get("aliases", []))
    return any(f["name"] in names and "default" in f
               for wr in _records(json.loads(d["writer"])) for f in wr["fields"])


def _string_before_bytes(d):
    """Whether a union of the reader schema has a string branch before a bytes one."""
    def walk(js):
        if isinstance(js, list):
            ts = [b if isinstance(b, str) else b.get("type") if isinstance(b, dict) else None for b in js]
            if "string" in ts and "bytes" in ts and ts.index("string") < ts.index("bytes"):
                return True
            return any(walk(b) for b in js)
        if isinstance(js, dict):
            return any(walk(js[k]) for k in ("type", "items", "values") if k in js) or \
                any(walk(f.get("type")) for f in js.get("fields", []) if isinstance(f, dict))
        return False
    return walk(json.loads(d["reader"] or d["writer"]))


def _union_default_integer_for_float(d):
    """Whether the reader has a union field whose first branch is float or double
    and whose default is an integer."""
    for r in _records(json.loads(d["reader"])):
        for f in r["fields"]:
            t = f["type"]
            if isinstance(t, list) and "default" in f and isinstance(f["default"], int) \
                    and not isinstance(f["default"], bool):
                b = t[0]
                if (b if isinstance(b, str) else b.get("type")) in ("float", "double"):
                    return True
    return False


def _alias_namespace_miss(d):
    """Java's "Found X, expecting Y" where the reader's Y has an alias of X's
    unqualified name but another full name."""
    import re
    u = re.search(r"Found ([\w.]+), expecting union\[([^\]]*)\]", d["java"][1])
    if u:
        x = u.group(1)
        return any(_short(b.strip()) == _short(x) and b.strip() != x for b in u.group(2).split(","))
    m = re.search(r"Found ([\w.]+), expecting ([\w.]+)", d["java"][1])
    if not m:
        return False
    x, y = m.group(1), m.group(2)

    def walk(js, ns):
        if isinstance(js, list):
            return any(walk(b, ns) for b in js)
        if not isinstance(js, dict):
            return False
        if js.get("type") in ("record", "error", "enum", "fixed") and isinstance(js.get("name"), str):
            full = fullname(js, ns)
            inner = full.rsplit(".", 1)[0] if "." in full else ""
            if full == y or _short(full) == _short(y):
                for a in js.get("aliases", []):
                    af = a if "." in a else (inner + "." + a if inner else a)
                    if _short(af) == _short(x) and af != x:
                        return True
            ns = inner
        return any(walk(js[k], ns) for k in ("type", "items", "values") if k in js) or \
            any(walk(f.get("type"), ns) for f in js.get("fields", []) if isinstance(f, dict))
    return walk(json.loads(d["reader"]), "")


JAVA_DEFAULT_ERRORS = ("default", "is not in the enum symbol set", "EOFException")


def _c_is_fastavro(d):
    """Whether avrodecode's answer is fastavro's (values compared without union
    branch names, as fastavro's do not name them; refusals alike). Where fastavro
    crashes on the reader's record defaults (fastavro-crash), whether Java's
    refusal is about a default."""
    c, f = d.get("c_loose"), d.get("fastavro_loose")
    if f and f[0] == "err" and f[1].startswith("TypeError") and c and c[0] == "ok":
        return d["java"][0] == "err" and any(w in d["java"][1] for w in JAVA_DEFAULT_ERRORS)
    # A mutated body: fastavro checks the UTF-8 of a writer string read as
    # reader bytes, Java and avrodecode take the bytes as they are
    if f and f[0] == "err" and f[1].startswith("UnicodeDecodeError") and "mutated" in d["step"] \
            and c and c[0] == "ok":
        return True
    if c is None or f is None or c[0] != f[0]:
        return False
    if c[0] == "err" or c[1] == f[1]:
        return True
    try:
        if nums32(loosened(c[1])) == nums32(loosened(f[1])):
            return True
    except ValueError:
        pass
    # canon_py cannot always tell which record branch of a union fastavro's
    # default is (a dict without its name): values compared without a schema
    return "fastavro_raw" in d and _plain_canon(c[1]) == _plain_py(d["fastavro_raw"])


def _f32(x):
    try:
        return struct.unpack(">f", struct.pack(">f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _plain_canon(c):
    """A canon(loose) as plain Python: numbers as float32, bytes as text."""
    k = c[0]
    if k in ("record", "map"):
        return {x: _plain_canon(y) for x, y in c[1]}
    if k == "array":
        return [_plain_canon(x) for x in c[1]]
    if k == "num":
        return _f32(struct.unpack(">d", bytes.fromhex(c[1]))[0]) if c[1] != "nan" else "nan"
    if k == "int":
        return _f32(float(c[1]))
    if k == "bytes":
        return c[1].decode("latin-1")
    if k == "null":
        return None
    return c[1]


def _plain_py(v):
    """A value fastavro read as _plain_canon has it."""
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], dict):
        v = v[1]
    if isinstance(v, dict):
        return {x: _plain_py(y) for x, y in v.items()}
    if isinstance(v, list):
        return [_plain_py(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return "nan" if v != v else _f32(float(v))
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("latin-1")
    return repr(v)


KNOWN_DIFFERENCES = [
    ("integer-from-float-text",
     "Java's JsonDecoder reads an int or long from a JSON number with a fraction or "
     "exponent when its value is integral (1000.0, 1e3: Jackson coerces), avroencode "
     "only from integer text: a float where the schema says int is a wrong value",
     lambda d: d["step"] == "encode" and (_c_err(d, "expected int, got number")
                                         or _c_err(d, "expected long, got number"))),
    ("java-empty-record",
     "Java's JsonDecoder reads nothing for a record without fields, so any JSON value "
     "(null, [], 5) encodes as one, and its JsonEncoder writes nothing for one (not "
     "JSON); avroencode wants an object and avrodecode writes {}",
     lambda d: _has_empty_record(d) and (
         (d["step"] == "encode" and _c_err(d, "expected an object"))
         or (d["step"].startswith("decode") and d["java"][0] == "ok" and not _json(d["java"][1])))),
    ("boolean-byte",
     "a boolean byte other than 0 or 1: Java reads it as false, avrodecode refuses it "
     "(no Avro writer produces it: the body is corrupt)",
     lambda d: d["step"].startswith("decode mutated") and _c_err(d, "invalid boolean byte")),
    ("bytes-above-ff",
     "a bytes or fixed value in JSON with a character above U+00FF: Java's JsonDecoder "
     "writes '?' for it (ISO-8859-1 encoding), avroencode refuses it",
     lambda d: d["step"] == "encode" and _c_err(d, "a character above U+00FF")),
    ("varint-beyond-width",
     "an int varint of 5 bytes whose value needs more than 32 bits, a long varint of 10 "
     "bytes that needs more than 64: Java keeps the low bits, avrodecode refuses it (no "
     "Avro writer produces it: the body is corrupt)",
     lambda d: d["step"].startswith("decode mutated") and (
         _c_err(d, "does not fit in 32 bits") or _c_err(d, "varint longer than 64 bits"))),
    ("block-size-false",
     "an array or map block whose byte size (the count negative) is not the bytes its "
     "items take: Java reads the items and ignores the size, avrodecode refuses the body "
     "(corrupt: a reader that skips the block by its size would read another value)",
     lambda d: d["step"].startswith("decode mutated") and _c_err(d, "block size", "but its items take")),
    ("enum-index-beyond-writer",
     "an enum index past the writer's symbols, read into a reader enum whose symbols "
     "start with the writer's: Java checks it against the reader's symbols only and "
     "gives a symbol the writer never had; avrodecode refuses it (corrupt body)",
     lambda d: d["step"].startswith("decode mutated") and _c_err(d, "enum index")),
    ("java-skip-negative-length",
     "a negative string or bytes length in a writer field the reader schema drops: "
     "Java skips nothing and reads on, avrodecode refuses the body (corrupt)",
     lambda d: d["step"] == "decode mutated with reader" and _c_err(d, "negative", "length")),
    ("fastavro-union-value-ambiguous",
     "fastavro's union values do not name their branch, and some cannot be told apart: "
     "an empty dict is an empty record or a map, a default of bytes or fixed stays the "
     "JSON string (so looks like a string or enum): not compared where the reader "
     "schema has such a union",
     lambda d: "fastavro" in d["step"] and d["fastavro"][0] == "ok" and d["java"][0] == "ok"
     and _ambiguous_union(aj.norm(json.loads(d["reader"] or d["writer"])))),
    ("java-collection-check-reader-size",
     "Java 1.12 checks an array's or map's count against the bytes left with the size "
     "of the reader's item type (8 for a double) where the writer's items are smaller "
     "(a float, 4): it refuses valid bodies (EOFException \"Collection claims N "
     "elements\"); avrodecode and fastavro read them",
     lambda d: d["step"].startswith("decode") and d["java"][0] == "err"
     and " claims " in d["java"][1] and d.get("c", d.get("fastavro"))[0] == "ok"),
    ("reader-checked-up-front",
     "a reader schema that cannot read some values of the writer schema (a field without "
     "default, a fixed of another size, a branch with no match): avrodecode refuses the "
     "pair at start, as Java's SchemaCompatibility does, where Java's reader fails only "
     "on a value that reaches the part that does not resolve",
     lambda d: d["step"].startswith("decode") and d.get("compat") is False and (
         ("c" in d and _c_err(d, "cannot be read with the reader schema"))
         or "SchemaResolutionError" in d.get("fastavro", ("", ""))[1])),
    ("unknown-field-ignored",
     "Java's JsonDecoder skips object keys the record does not have; avroencode "
     "refuses them unless --ignore-unknown (a misspelt field would be lost silently)",
     lambda d: d["step"] == "encode" and _c_err(d, "unknown field")),
    ("invalid-utf8",
     "a string or map key of invalid UTF-8 in a body: Java decodes it with U+FFFD "
     "in place of the bad bytes, avrodecode refuses the record (its JSON would not "
     "be the data)",
     lambda d: d["step"].startswith("decode") and d["java"][0] == "ok" and "\ufffd" in d["java"][1]
     and (("c" in d and _c_err(d, "invalid UTF-8")) or "UnicodeDecodeError" in d.get("fastavro", ("", ""))[1])),
    ("fastavro-union-promotion-first",
     "a union resolved against a reader union: fastavro takes the first reader branch "
     "the writer's branch promotes to (long read as an earlier double, string as an "
     "earlier bytes, bytes as an earlier string: then it fails on bytes that are not "
     "UTF-8), Java and "
     "avrodecode the branch of the same type first, as the specification says",
     lambda d: "fastavro" in d["step"] and d["java"][0] == "ok" and (
         (d["fastavro"][0] == "ok" and loosened(d["fastavro_canon"]) == loosened(d["java_canon"]))
         or (d["fastavro"][1].startswith("UnicodeDecodeError") and _string_before_bytes(d)))),
    ("fastavro-union-default-integer",
     "a union field default that is an integer, the union's first branch float or "
     "double: fastavro gives the integer (a later long or int branch), Java and "
     "avrodecode the first branch it is valid for, as the specification says",
     lambda d: "fastavro" in d["step"] and d["fastavro"][0] == "ok" and d["java"][0] == "ok"
     and _union_default_integer_for_float(d)
     and nums32(loosened(d["fastavro_canon"])) == nums32(loosened(d["java_canon"]))),
    ("missing-field-default",
     "a record field missing from an object in the Avro JSON form: Java's JsonDecoder "
     "refuses it, avroencode writes the field's default (as in the plain form)",
     lambda d: d["step"] == "encode" and d["c"][0] == "ok" and d["java"][0] == "err"
     and d["bad"] == "missing field"),
    ("fastavro-promotion-to-float",
     "an int or long read as a reader float: fastavro gives the exact double, Java and "
     "avrodecode the float32 it rounds to (the reader type is float)",
     lambda d: "fastavro" in d["step"] and d["fastavro"][0] == "ok" and d["java"][0] == "ok"
     and nums32(d["fastavro_canon"]) == nums32(d["java_canon"])),
    ("fastavro-crash",
     "fastavro 1.13 fails with a TypeError (unhashable type: 'dict', string indices "
     "must be integers) resolving reader schemas whose new fields default to records; "
     "Java and avrodecode read them",
     lambda d: "fastavro" in d["step"] and d["fastavro"][0] == "err" and d["fastavro"][1].startswith("TypeError")
     and d["java"][0] == "ok"),
    ("alias-other-writer-field",
     "a reader field whose alias is the name of another field of the writer record, "
     "the reader field's own name being a writer field too: Java applies the reader's "
     "aliases by renaming the writer's fields (Schema.applyAliases) and refuses the pair "
     "(\"Duplicate field\"); avrodecode follows the specification: a field is matched "
     "by its name first, its aliases only for writer fields no name matches",
     lambda d: d["step"].startswith("decode") and "fastavro" not in d["step"] and d["java"][0] == "err"
     and "Duplicate field" in d["java"][1] and _alias_other_field(d)),
    ("java-union-default-first-branch",
     "a union field default of another branch than the first (valid since the 1.12 "
     "specification: the first branch the value is valid for): Java 1.12.2's parser "
     "accepts it but its resolver writes the default with the first branch, so the read "
     "fails (\"enum value ... is not in the enum symbol set\", \"Non-boolean default\", "
     "EOFException) or gives another value (a null, 1.5 read as the long 1); "
     "avrodecode gives the specification's value, fastavro's",
     lambda d: d["step"].startswith("decode") and d["reader"] and _union_default_non_first(d)
     and (_c_is_fastavro(d) or (
         # fastavro against Java where avrodecode refuses the pair up front
         "fastavro" in d["step"] and d.get("compat") is False and d["fastavro"][0] == "ok"
         and "cannot be read with the reader schema" in (d.get("c_loose") or ("", ""))[1]))),
    ("fastavro-alias-namespace",
     "a reader named type whose alias, relative to the reader's namespace, is not the "
     "writer type's full name but has its unqualified name, or a union branch of the "
     "writer's unqualified name in another namespace: Java refuses the pair, fastavro "
     "matches them by the unqualified name (avrodecode: see avro-conformance.sh)",
     lambda d: "fastavro" in d["step"] and d["fastavro"][0] == "ok" and d["java"][0] == "err"
     and _alias_namespace_miss(d)),
    ("java-alias-checks-writer-default",
     "a writer field default that uses a field name the reader renames (through an "
     "alias): Java renames the writer schema by the reader's aliases "
     "(Schema.applyAliases) and checks the writer's defaults again against the "
     "renamed records, so it refuses the pair (\"Invalid default for field\"); a "
     "writer's defaults are never used to read, avrodecode reads the body (fastavro too)",
     lambda d: d["step"].startswith("decode") and d["reader"] and d["java"][0] == "err"
     and _writer_default_renamed(d) and _c_is_fastavro(d)),
    ("union-branch-by-structure",
     "a writer union branch of a named type (record, enum, fixed) that no reader "
     "branch names, by its name or an alias: Java's resolver falls back to a reader "
     "branch of the same kind whatever its name (a record A read as a record B); "
     "avrodecode refuses it as the specification says (named types match by name; a "
     "reader alias gives Java's result)",
     lambda d: d["step"].startswith("decode") and d["reader"] and d["java"][0] == "ok"
     and d["c"][0] == "err" and _union_branch_by_structure(d)),
    ("nul-in-object-key",
     "a \\u0000 in an object key of a schema (a map default's key): Java accepts the "
     "schema; avroencode and avrodecode refuse it, naming the key (their JSON parser, "
     "jansson, cannot hold a NUL in a key)",
     lambda d: d["step"] == "schema" and d["java"][0] == "ok" and _c_err(d, "NUL byte in object key")),
    ("fastavro-alias-of-other-field",
     "a reader field whose alias is the name of another writer field: Java refuses the "
     "pair (\"Duplicate field\"), fastavro resolves it by the alias",
     lambda d: "fastavro" in d["step"] and d["java"][0] == "err" and "Duplicate field" in d["java"][1]),
]


# ---------------------------------------------------------------- schemas

PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
LOGICAL = [("int", "date"), ("int", "time-millis"), ("long", "time-micros"),
           ("long", "timestamp-millis"), ("long", "timestamp-micros"), ("long", "timestamp-nanos"),
           ("long", "local-timestamp-millis"), ("long", "local-timestamp-micros"),
           ("long", "local-timestamp-nanos"), ("string", "uuid"), ("bytes", "decimal"),
           ("fixed", "decimal"), ("fixed", "uuid")]
SPECIAL_NAMES = ["record", "error", "enum", "fixed", "array", "map", "union", "a_b", "_x", "Z9"]


class SchemaGen:
    """Random schemas as JSON (dicts, lists, strings), names unique per case."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0
        self.named = []         # (fullname, JSON) of every named type defined so far
        self.allow_refs = True

    def name(self, kind):
        self.n += 1
        r = self.rng.random()
        if r < 0.05:
            base = self.rng.choice(SPECIAL_NAMES)
            if base == "record" and "record-named-record" in AVOID:
                base = "rec"
            return "%s%s" % (base, "" if self.n == 1 else self.n)
        return "%s%d" % (kind, self.n)

    def named_type(self, kind, ns, body):
        nm = self.name(kind)
        d = {"type": kind, "name": nm}
        r = self.rng.random()
        if r < 0.2:
            d["namespace"] = self.rng.choice(["a", "a.b", "org.x_y", ""])
        elif r < 0.3:
            d["name"] = "%s.%s" % (self.rng.choice(["n", "p.q"]), nm)
        if self.rng.random() < 0.15:
            d["aliases"] = ["old_%s" % nm]
        full = d["name"] if "." in d["name"] else (
            (d["namespace"] + "." + nm if d["namespace"] else nm) if "namespace" in d
            else (ns + "." + nm if ns else nm))
        inner = full.rsplit(".", 1)[0] if "." in full else ""
        d.update(body(inner))
        self.named.append((full, d))
        return d

    def typ(self, depth, ns, in_union=False):
        rng = self.rng
        r = rng.random()
        if depth > 3:
            r = r * 0.55
        if r < 0.3:
            return rng.choice(PRIMS if not in_union else PRIMS)
        if r < 0.45:
            return self.logical(ns)
        if r < 0.55 and self.allow_refs:
            ref = self.named_ref(ns)
            if ref:
                return ref
        if r < 0.62:
            return self.enum(ns)
        if r < 0.68:
            return self.named_type("fixed", ns, lambda inner: {"size": rng.choice([0, 1, 2, 4, 8, 16])})
        if r < 0.76:
            return {"type": "array", "items": self.typ(depth + 1, ns)}
        if r < 0.84:
            return {"type": "map", "values": self.typ(depth + 1, ns)}
        if r < 0.92 and not in_union:
            return self.union(depth, ns)
        return self.record(depth, ns)

    def named_ref(self, ns):
        """A reference to a named type defined before, by a name that means it here."""
        ok = [full for full, _ in self.named if "." in full or not ns]
        return self.rng.choice(ok) if ok else None

    def logical(self, ns):
        rng = self.rng
        t, lt = rng.choice(LOGICAL)
        if lt == "decimal":
            if t == "bytes":
                p = rng.randint(1, 40)
                return {"type": "bytes", "logicalType": "decimal", "precision": p, "scale": rng.randint(0, p)}
            size = rng.randint(1, 16)
            maxp = math.floor(math.log10(2 ** (8 * size - 1) - 1))
            p = rng.randint(1, maxp) if maxp >= 1 else 1
            return self.named_type("fixed", ns, lambda inner: {
                "size": size, "logicalType": "decimal", "precision": p, "scale": rng.randint(0, p)})
        if t == "fixed":
            return self.named_type("fixed", ns, lambda inner: {"size": 16, "logicalType": "uuid"})
        return {"type": t, "logicalType": lt}

    def enum(self, ns):
        rng = self.rng
        k = rng.randint(1, 5)
        syms = ["S%d" % i for i in rng.sample(range(10), k)]
        body = {"symbols": syms}
        if rng.random() < 0.3:
            body["default"] = rng.choice(syms)
        return self.named_type("enum", ns, lambda inner: body)

    def union(self, depth, ns):
        rng = self.rng
        k = rng.randint(1, 4)
        out, keys = [], set()
        for _ in range(k * 3):
            if len(out) >= k:
                break
            b = self.typ(depth + 1, ns, in_union=True)
            key = union_key(b)
            if key in keys:
                continue
            keys.add(key)
            out.append(b)
        if rng.random() < 0.5 and "null" not in keys:
            out.insert(0 if rng.random() < 0.7 else len(out), "null")
        return out

    def record(self, depth, ns):
        rng = self.rng

        def body(inner):
            fields = []
            for i in range(rng.randint(0, 5)):
                f = {"name": "f%d" % i, "type": self.typ(depth + 1, inner)}
                if rng.random() < 0.1:
                    f["aliases"] = ["g%d" % i]
                fields.append(f)
            return {"fields": fields}
        return self.named_type("record", ns, body)


def union_key(b):
    """What makes two union branches alike (Avro forbids two alike in a union)."""
    if isinstance(b, str):
        return b
    if isinstance(b, list):
        return "union"
    if b["type"] in ("record", "error", "enum", "fixed"):
        return "named:" + b["name"]
    return b["type"]


def add_defaults(js, nd, rng, p, seen):
    """Gives fields of the schema js (nd: its avrojson node) defaults, each with probability p."""
    if isinstance(js, str):
        return
    if isinstance(js, list):
        for j, b in zip(js, nd["branches"]):
            add_defaults(j, b, rng, p, seen)
        return
    t = js["type"]
    if t in ("record", "error"):
        if id(js) in seen:
            return
        seen.add(id(js))
        for f, fn in zip(js["fields"], nd["fields"]):
            add_defaults(f["type"], fn["type"], rng, p, seen)
            if "default" not in f and rng.random() < p:
                f["default"] = to_default(fn["type"], gen_value(fn["type"], rng, 0, default=True))
    elif t == "array":
        add_defaults(js["items"], nd["items"], rng, p, seen)
    elif t == "map":
        add_defaults(js["values"], nd["values"], rng, p, seen)


def to_default(n, v):
    """An Avro JSON value as a default value: union values unwrapped."""
    t = n["type"]
    if t == "union":
        if v is None:
            return None
        (k, x), = v.items()
        b = next(b for b in n["branches"] if aj.branch_name(b) == k)
        return to_default(b, x)
    if t == "record":
        return {f["name"]: to_default(f["type"], v[f["name"]]) for f in n["fields"]}
    if t == "array":
        return [to_default(n["items"], x) for x in v]
    if t == "map":
        return {k: to_default(n["values"], x) for k, x in v.items()}
    return v


# ---------------------------------------------------------------- values (Avro JSON form)

def jfloat(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def gen_value(n, rng, depth, default=False):
    """A random value of node n in the Avro JSON encoding (as parsed JSON);
    default: one for a default value (finite numbers, union branch rules)."""
    finite = default
    t = n["type"]
    lt = n.get("logicalType")
    if t == "null":
        return None
    if t == "boolean":
        return rng.random() < 0.5
    if t == "int":
        if lt == "date" and rng.random() < 0.7:
            return rng.randint(-800000, 3000000)
        if lt == "time-millis" and rng.random() < 0.7:
            return rng.randint(0, 86399999)
        return aj.rand_int(rng, *aj.INT32)
    if t == "long":
        return aj.rand_int(rng, *aj.INT64)
    if t in ("float", "double"):
        x = aj.rand_float32(rng) if t == "float" else aj.rand_double(rng)
        if finite and not math.isfinite(x):
            x = 0.5
        return jfloat(x)
    if t == "bytes":
        return aj.rand_bytes(rng).decode("latin-1")
    if t == "string":
        if lt == "uuid" and rng.random() < 0.8:
            return str(__import__("uuid").UUID(int=rng.getrandbits(128)))
        return aj.rand_string(rng)
    if t == "fixed":
        return aj.rand_bytes(rng, n["size"]).decode("latin-1")
    if t == "enum":
        return rng.choice(n["symbols"])
    if t == "array":
        k = 0 if depth > 5 else rng.choice([0, 1, 2, 3])
        return [gen_value(n["items"], rng, depth + 1, default) for _ in range(k)]
    if t == "map":
        k = 0 if depth > 5 else rng.choice([0, 1, 2, 3])
        out = {}
        for _ in range(k):
            out[aj.rand_string(rng, 5)] = gen_value(n["values"], rng, depth + 1, default)
        return out
    if t == "union":
        br = n["branches"]
        i = 0 if default and "union-default-non-first" in AVOID else rng.randrange(len(br))
        if br[i]["type"] == "null":
            return None
        return {aj.branch_name(br[i]): gen_value(br[i], rng, depth + 1, default)}
    if t == "record":
        return {f["name"]: gen_value(f["type"], rng, depth + 1, default) for f in n["fields"]}
    raise ValueError(t)


def bad_value(n, v, rng, depth=0):
    """v (a value of node n, Avro JSON) with one part made wrong for n, or None."""
    t = n["type"]
    subs = []
    if t == "record" and n["fields"]:
        subs = [(f["name"], f["type"]) for f in n["fields"]]
    elif t == "array" and v:
        subs = [(i, n["items"]) for i in range(len(v))]
    elif t == "map" and v:
        subs = [(k, n["values"]) for k in v]
    elif t == "union" and isinstance(v, dict):
        (k, x), = v.items()
        b = next(b for b in n["branches"] if aj.branch_name(b) == k)
        subs = [(k, b)]
    if subs and rng.random() < 0.7:
        k, sn = rng.choice(subs)
        w = bad_value(sn, v[k], rng, depth + 1)
        if w is not None:
            v = copy.copy(v)
            v[k] = w[0]
            return (v, w[1])
    choices = {
        "null": [0, False, "null"],
        "boolean": [0, "true", None],
        "int": [2**31, -2**31 - 1, 1.5, "1", None, 1e3],
        "long": [2**63, -2**63 - 1, 2.5, "1", None, 1e3],
        "float": ["x", None, True, "nan"],
        "double": ["x", None, True, "inf"],
        "bytes": ["\u0100", 5, None],
        "string": [5, None, ["a"]],
        "fixed": ["x" * (n.get("size", 0) + 1), 5],
        "enum": ["NOPE", 0, None],
        "array": [{}, "a", None],
        "map": [[], "a", None, {"k": "\u0100"} if False else 5],
        "union": [{"nope": 1}, 5, {}, [1]],
        "record": [[], 5, None],
    }[t]
    if t == "record" and n["fields"] and isinstance(v, dict):
        choices = choices + ["missing", "extra"]
    if t == "fixed" and n["size"]:
        choices.append("x" * (n["size"] - 1))
    c = rng.choice(choices)
    if c == "missing":
        v = dict(v)
        del v[rng.choice(n["fields"])["name"]]
        return (v, "missing field")
    if c == "extra":
        v = dict(v)
        v["zz_extra"] = 1
        return (v, "extra field")
    return (c, "wrong value")


# ---------------------------------------------------------------- evolution

PROMOTE = {"int": ["long", "float", "double"], "long": ["float", "double"], "float": ["double"],
           "string": ["bytes"], "bytes": ["string"]}


class Evolve:
    """A reader schema derived from a writer schema (JSON) by random evolution."""

    def __init__(self, rng, writer, refs):
        self.rng = rng
        self.refs = refs            # names the writer refers to by name: never renamed
        self.fresh = SchemaGen(rng)
        self.fresh.n = 1000         # new named types get names the writer does not use
        self.fresh.allow_refs = False
        self.done = {}

    def typ(self, js, in_union=False):
        rng = self.rng
        if isinstance(js, str):
            if js in PROMOTE and rng.random() < 0.25:
                js = rng.choice(PROMOTE[js])
            elif not in_union and rng.random() < 0.06:
                return self.wrap(js)
            return js
        if isinstance(js, list):
            return self.union(js)
        t = js["type"]
        if id(js) in self.done:
            return self.done[id(js)]
        out = dict(js)
        if t not in ("record", "error", "enum", "fixed", "array", "map"):   # logical type
            if rng.random() < 0.1:
                out = self.typ(t)
        elif t in ("record", "error"):
            self.done[id(js)] = out
            out["fields"] = self.fields(js["fields"])
        elif t == "enum":
            syms = list(js["symbols"])
            if rng.random() < 0.3 and len(syms) > 1:
                syms.remove(rng.choice(syms))
            if rng.random() < 0.3:
                syms.append("T%d" % rng.randint(0, 9))
                syms = list(dict.fromkeys(syms))
            if rng.random() < 0.2:
                rng.shuffle(syms)
            out["symbols"] = syms
            if rng.random() < 0.4:
                out["default"] = rng.choice(syms)
            elif out.get("default") not in syms:
                out.pop("default", None)
        elif t == "fixed" and rng.random() < 0.03:
            out["size"] = js["size"] + 1
        elif t == "array":
            out["items"] = self.typ(js["items"])
        elif t == "map":
            out["values"] = self.typ(js["values"])
        if t in ("record", "error", "enum", "fixed") and rng.random() < 0.1 and not self.named_in_refs(js):
            out["aliases"] = list(js.get("aliases", [])) + [js["name"]]
            out["name"] = "renamed_" + js["name"].replace(".", "_")
        self.done[id(js)] = out
        if not in_union and rng.random() < 0.05:
            return self.wrap(out)
        return out

    def named_in_refs(self, js):
        nm = js["name"]
        return any(r == nm or r.endswith("." + nm) for r in self.refs)

    def wrap(self, t):
        if self.rng.random() < 0.5:
            return ["null", t] if t != "null" else t
        return [t, "string"] if t not in ("string", "bytes") and union_key(t) != "string" else t

    def union(self, br):
        rng = self.rng
        out = [self.typ(b, in_union=True) for b in br]
        if len({union_key(b) for b in out}) < len(out):
            out = list(br)
        if len(out) > 1 and rng.random() < 0.15:
            out.pop(rng.randrange(len(out)))
        if rng.random() < 0.1:
            extra = self.fresh.typ(3, "", in_union=True)
            if union_key(extra) not in {union_key(b) for b in out}:
                out.insert(rng.randrange(len(out) + 1), extra)
        if len(out) == 1 and rng.random() < 0.5:
            return out[0]
        return out

    def fields(self, fields):
        rng = self.rng
        out = []
        names = [f["name"] for f in fields]
        for f in fields:
            if rng.random() < 0.12:
                continue                                   # removed
            g = dict(f, type=self.typ(f["type"]))
            r = rng.random()
            if r < 0.1:
                g["name"] = "r_" + f["name"]
                g["aliases"] = [f["name"]]
            elif r < 0.14 and "alias-other-writer-field" not in AVOID and len(names) > 1:
                g["aliases"] = [rng.choice([x for x in names if x != f["name"]])]
            out.append(g)
        for i in range(rng.choice([0, 0, 0, 1, 2])):
            t = self.fresh.typ(2, "")
            nf = {"name": "new%d" % i, "type": t}
            if rng.random() < 0.9:
                nd = aj.norm(t)
                nf["default"] = to_default(nd, gen_value(nd, rng, 0, default=True))
            out.insert(rng.randrange(len(out) + 1), nf)
        if rng.random() < 0.2:
            rng.shuffle(out)
        return out


def fullname(d, ns):
    nm = d["name"]
    if "." in nm:
        return nm
    space = d.get("namespace", ns)
    return space + "." + nm if space else nm


def rehome(js, ev, wnamed):
    """The evolved schema js with every named type defined before its first use
    (fields removed or reordered may have moved a definition after a reference
    to it, or away): a reference seen first becomes the definition, a later
    definition a reference. None when that cannot be written."""
    defined = set()
    wdefs = dict(wnamed)

    def walk(x, ns):
        if isinstance(x, str):
            if x in PRIMS or x in defined:
                return x
            d = dict(ev.done.get(id(wdefs[x])) or ev.typ(wdefs[x], in_union=True))
            space = x.rsplit(".", 1)[0] if "." in x else ""
            if "." not in d["name"]:
                d["namespace"] = space
            return walk(d, ns)
        if isinstance(x, list):
            return [walk(b, ns) for b in x]
        t = x["type"]
        if t in ("record", "error", "enum", "fixed"):
            full = fullname(x, ns)
            if full in defined:
                if "." not in full and ns:
                    raise LookupError(full)
                return full
            defined.add(full)
            if t in ("record", "error"):
                inner = full.rsplit(".", 1)[0] if "." in full else ""
                x = dict(x, fields=[dict(f, type=walk(f["type"], inner)) for f in x["fields"]])
            return x
        if t == "array":
            return dict(x, items=walk(x["items"], ns))
        if t == "map":
            return dict(x, values=walk(x["values"], ns))
        return x
    try:
        return walk(js, "")
    except LookupError:
        return None


def string_refs(js, out):
    if isinstance(js, str):
        if js not in PRIMS:
            out.add(js)
    elif isinstance(js, list):
        for b in js:
            string_refs(b, out)
    elif isinstance(js, dict):
        t = js["type"]
        if t in ("record", "error"):
            for f in js["fields"]:
                string_refs(f["type"], out)
        elif t == "array":
            string_refs(js["items"], out)
        elif t == "map":
            string_refs(js["values"], out)
    return out


# ---------------------------------------------------------------- a case

def make_case(seed, index):
    rng = random.Random("%s/%d" % (seed, index))
    g = SchemaGen(rng)
    r = rng.random()
    w = g.record(0, "") if r < 0.7 else g.typ(1, "")
    wn = aj.norm(w)
    add_defaults(w, wn, rng, 0.3, set())
    rd = None
    if rng.random() < 0.8:
        ev = Evolve(rng, w, string_refs(w, set()))
        rd = rehome(ev.typ(w), ev, g.named)
    if rd is not None:
        try:
            add_defaults(rd, aj.norm(rd), rng, 0.3, set())
        except KeyError:    # a reference rehome() could not place: no reader schema
            rd = None
    values = [gen_value(wn, rng, 0) for _ in range(rng.randint(2, 8))]
    bad = []
    for _ in range(rng.randint(0, 3)):
        b = bad_value(wn, rng.choice(values), rng)
        if b is not None:
            bad.append(b)
    return {"seed": seed, "index": index, "writer": w, "reader": rd, "values": values, "bad": bad,
            "mutseed": rng.getrandbits(32)}


def mutations(body, rng, k):
    out = []
    for _ in range(k):
        r = rng.random()
        b = bytearray(body)
        if r < 0.3 and b:
            b = b[:rng.randrange(len(b))]
        elif r < 0.6 and b:
            i = rng.randrange(len(b))
            b[i] = rng.choice([0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff, rng.getrandbits(8)])
        elif r < 0.8:
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes([0x80] * rng.randint(1, 10) + [rng.choice([0, 1, 0x7f])])
        else:
            b += bytes([rng.getrandbits(8)])
        if bytes(b) != body:
            out.append(bytes(b))
    return out


def zero_width(n):
    """True when an array or map of n's could hold items of no bytes (Java would
    build a huge array of them from a mutated count)."""
    def width0(m):
        if m["type"] == "null" or (m["type"] == "fixed" and m["size"] == 0):
            return True
        if m["type"] == "record":
            return all(width0(f["type"]) for f in m["fields"])
        return False
    return any_node(n, lambda c: c["type"] in ("array", "map")
                    and width0(c["items" if c["type"] == "array" else "values"]))


# ---------------------------------------------------------------- comparable values

def pairs_hook(p):
    return Pairs(p)


class Pairs(list):
    """A JSON object as its (key, value) pairs, duplicates and order kept."""


def parse(text):
    return json.loads(text, object_pairs_hook=pairs_hook, parse_constant=aj._no_constant)


def fbits(x, t):
    if isinstance(x, str):
        x = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[x]
    if math.isnan(x):
        return "nan"
    if t == "float":
        return struct.pack(">f", x).hex()
    return struct.pack(">d", x).hex()


def canon(n, v, loose=False):
    """A hashable form of v, a value of node n in the Avro JSON encoding (parsed
    with parse()): what must be equal. Strict: union branches named, a float's
    bits as float32, a double's as float64, integral text of a float marked.
    loose: what fastavro's values keep (no union branch, floats as the double
    they widen to). A value that does not fit n is ("bad", text)."""
    t = n["type"]
    bad = ("bad", repr(v)[:200])
    try:
        if t == "null":
            return ("null",) if v is None else bad
        if t == "boolean":
            return ("bool", v) if isinstance(v, bool) else bad
        if t in ("int", "long"):
            return ("int", v) if isinstance(v, int) and not isinstance(v, bool) else bad
        if t in ("float", "double"):
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                return bad
            if loose:
                x = v if isinstance(v, str) else float(v)
                if t == "float" and not isinstance(x, str):
                    x = struct.unpack(">f", struct.pack(">f", x))[0]
                return ("num", fbits(x, "double"))
            return (t + ("-integral-text" if isinstance(v, int) else ""), fbits(v, t))
        if t in ("bytes", "fixed"):
            return ("bytes", v.encode("latin-1")) if isinstance(v, str) else bad
        if t in ("string", "enum"):
            return ("str", v) if isinstance(v, str) else bad
        if t == "array":
            return ("array", tuple(canon(n["items"], x, loose) for x in v)) if isinstance(v, list) \
                and not isinstance(v, Pairs) else bad
        if t == "map":
            if not isinstance(v, Pairs):
                return bad
            return ("map", tuple(sorted(((k, canon(n["values"], x, loose)) for k, x in v), key=repr)))
        if t == "record":
            if not isinstance(v, Pairs):
                return bad
            return ("record", tuple((k, canon(f["type"], x, loose))
                                    for (k, x), f in zip(v, n["fields"]))
                    + (() if len(v) == len(n["fields"]) else ("fields", tuple(k for k, _ in v))))
        if t == "union":
            if v is None:
                return ("null",) if any(b["type"] == "null" for b in n["branches"]) else bad
            if not isinstance(v, Pairs) or len(v) != 1:
                return bad
            (k, x), = v
            for b in n["branches"]:
                if aj.branch_name(b) == k:
                    c = canon(b, x, loose)
                    if loose:
                        return c
                    return ("branch", k, c)
            return bad
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, UnicodeError):
        return bad
    raise ValueError(t)


def canon_py(n, v):
    """canon(loose=True) of a value fastavro read (records in unions as
    (name, dict): return_record_name)."""
    try:
        return _canon_py(n, v)
    except (TypeError, ValueError, KeyError, AttributeError, StopIteration):
        return ("bad", repr(v)[:200])


def _canon_py(n, v):
    t = n["type"]
    bad = ("bad", repr(v)[:200])
    if t == "null":
        return ("null",) if v is None else bad
    if t == "boolean":
        return ("bool", v)
    if t in ("int", "long"):
        return ("int", v)
    if t in ("float", "double"):
        return ("num", fbits(v, "double"))
    if t in ("bytes", "fixed"):
        # fastavro gives a default value of bytes as the JSON string itself
        return ("bytes", v.encode("latin-1") if isinstance(v, str) else bytes(v))
    if t in ("string", "enum"):
        return ("str", v)
    if t == "array":
        return ("array", tuple(canon_py(n["items"], x) for x in v))
    if t == "map":
        return ("map", tuple(sorted(((k, canon_py(n["values"], x)) for k, x in v.items()), key=repr)))
    if t == "record":
        if isinstance(v, tuple):        # a writer union's record read as a record
            v = v[1]
        return ("record", tuple((f["name"], canon_py(f["type"], v[f["name"]])) for f in n["fields"]))
    if t == "union":
        br = n["branches"]
        if v is None:
            return ("null",)
        if isinstance(v, tuple):        # return_record_name: (name, value) of a named branch
            b = next(b for b in br if b.get("fullname") == v[0])
            return canon_py(b, v[1])
        if isinstance(v, dict):
            recs = [b for b in br if b["type"] == "record" and {f["name"] for f in b["fields"]} == set(v)]
            if recs:
                return canon_py(recs[0], v)
        kinds = {bool: ("boolean",), int: ("int", "long"), float: ("float", "double"),
                 bytes: ("bytes", "fixed"), str: ("string", "enum"), list: ("array",), dict: ("map",)}
        for b in br:
            if b["type"] in kinds.get(type(v), ()):
                return canon_py(b, v)
        for b in br:        # a default value of bytes or fixed, which fastavro leaves a str
            if isinstance(v, str) and b["type"] in ("bytes", "fixed"):
                return canon_py(b, v)
        return bad
    raise ValueError(t)


def py_value(n, v):
    """A value in the Avro JSON encoding (parsed by json.loads) as fastavro's
    writer input: unions in tuple notation, bytes as bytes, NaN as float."""
    t = n["type"]
    if t in ("float", "double") and isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
    if t in ("float", "double") and isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    if t in ("bytes", "fixed"):
        return v.encode("latin-1")
    if t == "array":
        return [py_value(n["items"], x) for x in v]
    if t == "map":
        return {k: py_value(n["values"], x) for k, x in v.items()}
    if t == "record":
        return {f["name"]: py_value(f["type"], v[f["name"]]) for f in n["fields"]}
    if t == "union":
        if v is None:
            return None
        (k, x), = v.items()
        b = next(b for b in n["branches"] if aj.branch_name(b) == k)
        return (k, py_value(b, x))
    return v


# ---------------------------------------------------------------- running the tools

def run(cmd, data, timeout=120):
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").strip()


def c_encode(bindir, schema_file, texts):
    """avroencode --encoding avro --bare over the JSON texts: per text ("ok", body) or
    ("err", message); a refused record starts a new run at the next one."""
    out = []
    while len(out) < len(texts):
        rest = texts[len(out):]
        st, o, err = run([bindir + "/avroencode", "--schema", schema_file, "--encoding", "avro", "--bare"],
                         aj.stream([t.encode() for t in rest]))
        try:
            got = records(o)
        except ValueError as e:
            got, st, err = [], 99, "bad record stream out: %s; %s" % (e, err)
        out += [("ok", b) for b in got]
        if st == 0 and len(got) == len(rest):
            break
        if st == 1 and len(got) < len(rest):
            out.append(("err", err))
            continue
        out += [("err", "status %d: %s" % (st, err))] * (len(texts) - len(out))
    return out


def can_be_null(n):
    return n["type"] == "null" or (n["type"] == "union" and any(b["type"] == "null" for b in n["branches"]))


def c_decode(bindir, args, bodies, rnode):
    """avrodecode --out ndjson --on-error null ARGS over the bodies: per body ("ok", text)
    or ("err", message). A null line the value could be is asked again alone."""
    cmd = [bindir + "/avrodecode", "--out", "ndjson"] + args
    st, o, err = run(cmd + ["--on-error", "null"], aj.stream(bodies))
    lines = o.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if st != 0 or len(lines) != len(bodies):
        return [("err", "status %d, %d lines: %s" % (st, len(lines), err))] * len(bodies)
    out = []
    for b, ln in zip(bodies, lines):
        ln = ln.decode("utf-8", "replace")
        if ln != "null":
            out.append(("ok", ln))
            continue
        if not can_be_null(rnode):
            out.append(("err", "refused"))
            continue
        st1, o1, err1 = run(cmd, aj.stream([b]))
        out.append(("ok", o1.decode("utf-8", "replace").rstrip("\n")) if st1 == 0 else ("err", err1))
    return out


def java_answers(java, reqs):
    out = []
    for a in java.requests(reqs):
        if not a.get("ok"):
            out.append(("err", a.get("error", "?")))
        else:
            out.append(("ok", a.get("hex", a.get("json"))))
    return out


def fa_encode(schema, values):
    out = []
    for v in values:
        try:
            b = io.BytesIO()
            fastavro.schemaless_writer(b, schema, v)
            out.append(("ok", b.getvalue().hex()))
        except Exception as e:  # noqa: BLE001 - any refusal
            out.append(("err", "%s: %s" % (type(e).__name__, e)))
    return out


def fa_decode(writer, reader, bodies):
    out = []
    for b in bodies:
        try:
            f = io.BytesIO(b)
            v = fastavro.schemaless_reader(f, writer, reader, return_record_name=True)
            out.append(("ok", v) if f.tell() == len(b) else ("err", "bytes left after the value"))
        except Exception as e:  # noqa: BLE001
            out.append(("err", "%s: %s" % (type(e).__name__, e)))
    return out


# ---------------------------------------------------------------- one case

def known(d):
    """The name of the KNOWN_DIFFERENCES entry a disagreement is, or None."""
    for name, _why, pred in KNOWN_DIFFERENCES:
        try:
            if pred(d):
                return name
        except Exception:  # noqa: BLE001 - a predicate that does not apply
            pass
    return None


def agree(n, a, b, loose=False):
    """Whether two answers ("ok", value text or parsed) / ("err", why) agree."""
    if a[0] != b[0]:
        return False
    if a[0] == "err":
        return True
    return value_of(n, a[1], loose) == value_of(n, b[1], loose)


def value_of(n, v, loose=False):
    """canon() of an answer's JSON text (as it is without a node)."""
    if not isinstance(v, str) or n is None:
        return v
    try:
        return canon(n, parse(v), loose)
    except ValueError as e:
        return ("not JSON", str(e), v)


def fastavro_schema(js):
    try:
        return fastavro.parse_schema(aj.strip_logical(js)), None
    except Exception as e:  # noqa: BLE001
        return None, "%s: %s" % (type(e).__name__, e)


def c_accepts(bindir, path):
    st, _, err = run([bindir + "/avroencode", "--schema", path, "--bare"], b"")
    return ("ok", "") if st == 0 else ("err", err)


def loose_answer(n, a):
    """An answer of avrodecode or Java as canon(loose) (no union branch names)."""
    return ("ok", value_of(n, a[1], True)) if a[0] == "ok" else a


def fa_loose(n, a):
    """A fastavro answer as canon_py."""
    try:
        return ("ok", canon_py(n, a[1])) if a[0] == "ok" else a
    except Exception as e:  # noqa: BLE001
        return ("err", "canon_py: %s" % e)


def run_case(c, java, bindir, tmp):
    """(disagreements, stats) of case c."""
    diffs, stats = [], {"values": 0, "bodies": 0}
    W, R = c["writer"], c["reader"]
    wt, rt = json.dumps(W), json.dumps(R) if R is not None else None
    wf, rf = os.path.join(tmp, "w.avsc"), os.path.join(tmp, "r.avsc")
    with open(wf, "w") as f:
        f.write(wt)
    if R is not None:
        with open(rf, "w") as f:
            f.write(rt)

    def diff(step, **kw):
        d = dict(step=step, writer=wt, reader=rt if "reader" not in kw else kw.pop("reader"), **kw)
        d["known"] = known(d)
        for name, pred in AVOID_FILTERS.items():
            if name in AVOID and not d["known"] and pred(d):
                d["known"] = "AVOID " + name
        diffs.append(d)

    # schemas
    jw, jr = java_answers(java, [{"op": "parse", "schema": wt}] +
                          ([{"op": "parse", "schema": rt}] if rt else []) + [{"op": "parse", "schema": wt}])[:2]
    cw = c_accepts(bindir, wf)
    if jw[0] != cw[0]:
        diff("schema", schema=wt, c=cw, java=jw)
    if jw[0] == "err" or cw[0] == "err":
        stats["writer refused"] = 1
        return diffs, stats
    if rt:
        cr = c_accepts(bindir, rf)
        if jr[0] != cr[0]:
            diff("schema", schema=rt, c=cr, java=jr)
        if jr[0] == "err" or cr[0] == "err":
            R = rt = None
    wn = aj.norm(W)
    rn = aj.norm(R) if R is not None else None
    compat = java.compat(wt, rt).get("compatible") if rt else None
    fw, fwerr = fastavro_schema(W)
    fr, frerr = fastavro_schema(R) if R is not None else (None, None)
    if fwerr:
        diff("schema (fastavro)", schema=wt, fastavro=("err", fwerr), java=jw)
        fw = None
    if frerr:
        diff("schema (fastavro)", schema=rt, fastavro=("err", frerr), java=jr)
        fr = None

    # encode
    rng = random.Random(c["mutseed"])
    texts = [json.dumps(v, ensure_ascii=rng.random() < 0.5) for v in c["values"] + [b[0] for b in c["bad"]]]
    kinds = ["good"] * len(c["values"]) + [b[1] for b in c["bad"]]
    stats["values"] = len(texts)
    je = java_answers(java, [{"op": "encode", "schema": wt, "json": t} for t in texts])
    ce = [(k, v.hex() if k == "ok" else v) for k, v in c_encode(bindir, wf, texts)]
    fe = fa_encode(fw, [py_value(wn, v) for v in c["values"]]) if fw else []
    for i, t in enumerate(texts):
        if not agree(None, ce[i], je[i]):
            diff("encode", value=t, c=ce[i], java=je[i], bad=kinds[i])
        if i < len(fe) and not agree(None, fe[i], je[i]) and je[i][0] == "ok":
            diff("encode (fastavro)", value=t, fastavro=fe[i], java=je[i])
    bodies = [bytes.fromhex(h) for k, h in je if k == "ok"]
    stats["bodies"] = len(bodies)
    if not bodies:
        return diffs, stats

    # decode, then decode into the reader schema, then mutated bodies
    mut = []
    if not zero_width(wn):
        for b in bodies:
            mut += mutations(b, rng, 3)
    stats["mutated"] = len(mut)
    steps = [("decode", None, None, bodies, fr or fw)]
    if R is not None:
        steps.append(("decode with reader", rt, rf, bodies, fr))
    if mut:
        steps.append(("decode mutated", None, None, mut, None))
        if R is not None:
            steps.append(("decode mutated with reader", rt, rf, mut, None))
    for step, rtext, rfile, bs, fread in steps:
        node = rn if rtext else wn
        args = ["--schema", wf, "--encoding", "avro"] + (["--reader-schema", rfile] if rfile else [])
        cd = c_decode(bindir, args, bs, node)
        jd = java_answers(java, [{"op": "decode", "writer": wt, "reader": rtext, "hex": b.hex()} for b in bs])
        fd = fa_decode(fw, fr if rtext else None, bs) if fw and (fread or not rtext) and not step.endswith("mutated") \
            and "mutated" not in step else []
        for i, b in enumerate(bs):
            if not agree(node, cd[i], jd[i]):
                if cd[i] == ("err", "refused"):
                    cd[i] = ("err", run([bindir + "/avrodecode", "--out", "ndjson"] + args, aj.stream([b]))[2])
                fa = fd[i] if i < len(fd) else fa_decode(fw, fr if rtext else None, [b])[0] \
                    if fw and (fr or not rtext) else None
                diff(step, reader=rtext, hex=b.hex(), c=cd[i], java=jd[i], compat=compat,
                     c_loose=loose_answer(node, cd[i]), fastavro_loose=fa and fa_loose(node, fa),
                     **({"fastavro_raw": fa[1]} if fa and fa[0] == "ok" else {}))
            if i < len(fd):
                fv = fa_loose(node, fd[i])
                jv = loose_answer(node, jd[i])
                if not agree(None, fv, jv):
                    diff(step + " (fastavro)", reader=rtext, hex=b.hex(), fastavro=fd[i], java=jd[i],
                         fastavro_canon=fv[1], java_canon=jv[1], compat=compat,
                         c_loose=loose_answer(node, cd[i]), fastavro_loose=fv,
                         **({"fastavro_raw": fd[i][1]} if fd[i][0] == "ok" else {}))
    return diffs, stats


def show_diff(d):
    out = ["step: %s" % d["step"]]
    if d.get("known"):
        out[0] += "  (known difference: %s)" % d["known"]
    out.append("writer schema: %s" % d["writer"])
    if d.get("reader"):
        out.append("reader schema: %s" % d["reader"])
    for k in ("schema", "value", "hex"):
        if k in d:
            out.append("%s: %s" % (k, d[k]))
    for k in ("c", "java", "fastavro"):
        if k in d:
            v = d[k]
            out.append("%-9s %s" % (k + ":", v[0] + " " + (v[1] if isinstance(v[1], str) else repr(v[1]))[:600]))
    return out


def main():
    bindir, tmp, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    tap = aj.Tap(SUITE)
    why = available()
    if why:
        tap.notok("java peer", why)
        return 1
    if mode == "check":
        seed, idx = CHECK_SEED, range(CHECK_CASES)
    elif mode == "random":
        seed, idx = int(sys.argv[4]), range(int(sys.argv[5]))
    elif mode == "replay":
        seed, idx = int(sys.argv[4]), [int(sys.argv[5])]
    else:
        sys.exit("usage: avro_diff.py BIN TMPDIR check|random SEED N|replay SEED I")
    verbose = VERBOSE or mode == "replay"
    t0 = time.time()
    counts, total, known_counts = {}, 0, {}
    with AvroPeer() as java:
        for i in idx:
            c = make_case(seed, i)
            if verbose:
                print("# case %d:%d\n#   writer: %s\n#   reader: %s\n#   values: %s\n#   bad: %s"
                      % (seed, i, json.dumps(c["writer"]), json.dumps(c["reader"]),
                         json.dumps(c["values"]), json.dumps(c["bad"])))
            diffs, stats = run_case(c, java, bindir, tmp)
            for k, v in stats.items():
                counts[k] = counts.get(k, 0) + v
            total += 1
            bad = [d for d in diffs if not d["known"]]
            for d in diffs:
                if d["known"]:
                    known_counts[d["known"]] = known_counts.get(d["known"], 0) + 1
            name = "case %d:%d (%d values, %d bodies)" % (seed, i, stats.get("values", 0), stats.get("bodies", 0))
            if bad:
                detail = ["replay: CONFORMANCE_REPLAY=%d:%d make conformance" % (seed, i)]
                for d in bad[:6]:
                    detail += show_diff(d)
                if len(bad) > 6:
                    detail.append("... and %d more" % (len(bad) - 6))
                tap.notok(name, "%d disagreement(s), first in %s" % (len(bad), bad[0]["step"]), detail)
            else:
                tap.ok(name)
            if verbose:
                for d in diffs:
                    for ln in show_diff(d):
                        print("#   " + ln)
    print("# %d cases in %.1f s: %s" % (total, time.time() - t0,
                                         ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for name, why, _ in KNOWN_DIFFERENCES:
        print("# known difference %s: %d time(s): %s" % (name, known_counts.get(name, 0), why))
    if AVOID:
        print("# avoided constructs (fixes pending): %s" % ", ".join(sorted(AVOID)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
