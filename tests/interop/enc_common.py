"""enc_common: what the interoperability tests of avroencode share (beside avrojson).

- run_encode(): runs avroencode on some input, returns its status, the
  payloads of its record stream and its stderr;
- walk(): an Avro body read along a schema node (avrojson.norm) into a tree
  that keeps what a body holds and fastavro's values lose: the branch of
  every union, the bits of every float, the exact bytes of every decimal;
- diff(): two such trees, the one of fastavro's body and the one of
  avroencode's, compared exactly, except for differences of a kind the
  caller allows, each counted by kind (never passed over in silence):
    "union": another branch of a union that holds the same plain JSON value
             (["int","long"], ["float","double"], string, bytes, enum and
             fixed of the same text, a decimal and the string of its text);
    "decimal": a bytes decimal of the same value in fewer bytes (fastavro
             writes -128 as ff80, avroencode, as Java, 80);
    "nan": a NaN with another payload (JSON has one NaN).
"""
import decimal
import math
import struct
import subprocess

import avrojson as aj


def records(data):
    """The payloads of a record stream (None for a null record); ValueError when it is cut short."""
    out, p = [], 0
    while p < len(data):
        if p + 4 > len(data):
            raise ValueError("a record header cut short at byte %d" % p)
        (n,) = struct.unpack(">i", data[p:p + 4])
        p += 4
        if n < 0:
            out.append(None)
            continue
        if p + n > len(data):
            raise ValueError("a record cut short at byte %d" % p)
        out.append(data[p:p + n])
        p += n
    return out


def run_encode(avroencode, args, data, timeout=120):
    """(status, payloads, stderr) of avroencode ARGS with data on stdin."""
    p = subprocess.run([avroencode] + args, input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    try:
        recs = records(p.stdout)
    except ValueError as e:
        recs = ["bad output: %s" % e]
    return p.returncode, recs, p.stderr.decode("utf-8", "replace")


def ndjson(lines):
    """NDJSON input from JSON texts (str)."""
    return "".join(x + "\n" for x in lines).encode("utf-8")


# ---------------------------------------------------------------- reading bodies

class Flt:
    """A float or double as its bits."""

    def __init__(self, kind, raw):
        self.kind, self.raw = kind, raw
        self.value = struct.unpack("<f" if kind == "float" else "<d", raw)[0]

    def __repr__(self):
        return "%s(%r)" % (self.kind, self.value)


class _Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        if n < 0 or self.p + n > len(self.b):
            raise ValueError("body cut short at byte %d" % self.p)
        s = self.b[self.p:self.p + n]
        self.p += n
        return s

    def long(self):
        shift = u = 0
        while True:
            c = self.take(1)[0]
            u |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return (u >> 1) ^ -(u & 1)


def _read(n, r):
    t = n["type"]
    if t == "null":
        return None
    if t == "boolean":
        return bool(r.take(1)[0])
    if t in ("int", "long"):
        return r.long()
    if t in ("float", "double"):
        return Flt(t, r.take(4 if t == "float" else 8))
    if t in ("bytes", "string"):
        return r.take(r.long())
    if t == "fixed":
        return r.take(n["size"])
    if t == "enum":
        return n["symbols"][r.long()]
    if t == "record":
        return [_read(f["type"], r) for f in n["fields"]]
    if t in ("array", "map"):
        out = []
        while True:
            k = r.long()
            if k == 0:
                return out
            if k < 0:
                k = -k
                r.long()
            for _ in range(k):
                if t == "map":
                    out.append((r.take(r.long()), _read(n["values"], r)))
                else:
                    out.append(_read(n["items"], r))
    if t == "union":
        i = r.long()
        return aj.U(i, _read(n["branches"][i], r))
    raise ValueError("unknown type %r" % t)


def walk(n, body):
    """The tree of a body of schema node n; ValueError when it is not one, to its end."""
    r = _Reader(body)
    v = _read(n, r)
    if r.p != len(body):
        raise ValueError("%d bytes after the value" % (len(body) - r.p))
    return v


# ---------------------------------------------------------------- comparing

def _signed(b):
    return int.from_bytes(b, "big", signed=True) if b else 0


def _minimal(b):
    """The shortest two's complement of the same value (Java's BigInteger.toByteArray)."""
    v = _signed(b)
    k = 1
    while not -(1 << (8 * k - 1)) <= v < (1 << (8 * k - 1)):
        k += 1
    return v.to_bytes(k, "big", signed=True)


def _is_nan(v):
    return isinstance(v, Flt) and math.isnan(v.value)


def plain_text(n, v):
    """The plain JSON value a leaf of node n holds: what avrodecode writes, before quoting."""
    t, lt = n["type"], n.get("logicalType")
    if lt == "decimal" and t in ("bytes", "fixed"):
        return format(decimal.Decimal(_signed(v)).scaleb(-n.get("scale", 0)), "f")
    if t == "string":
        return v.decode("utf-8")
    if t in ("bytes", "fixed"):
        return aj.codepoints(v)
    if isinstance(v, Flt):
        return "NaN" if math.isnan(v.value) else v.value
    return v


def _same_plain(ba, va, bb, vb):
    """Do branch ba's value va and branch bb's value vb read as one plain JSON value?"""
    nums = ("int", "long", "float", "double")
    if ba["type"] in nums and bb["type"] in nums and not ba.get("logicalType") and not bb.get("logicalType"):
        a, b = plain_text(ba, va), plain_text(bb, vb)
        if a == "NaN" or b == "NaN":
            return a == b
        if ba["type"] == "float":       # what avrodecode wrote is the float's shortest text
            try:
                return struct.pack("<f", float(b)) == va.raw
            except OverflowError:
                return False
        return float(a) == float(b) if isinstance(a, float) or isinstance(b, float) else a == b
    texts = ("string", "bytes", "fixed", "enum")
    if ba["type"] in texts and bb["type"] in texts:
        return plain_text(ba, va) == plain_text(bb, vb)
    return False


def auto_doubt(n, seen=None):
    """A union of node n (or below) where --encoding auto cannot read the Avro form (the man
    page: a map branch, or a record branch with a field named as a branch): its branches, or None."""
    if seen is None:
        seen = set()
    if id(n) in seen:
        return None
    seen.add(id(n))
    t = n["type"]
    if t == "union":
        br = n["branches"]
        names = set()
        for b in br:
            names.add(b["type"] if b["type"] not in aj.NAMED else b["fullname"])
            if "fullname" in b:
                names.add(b["fullname"].rsplit(".", 1)[-1])
        if any(b["type"] == "map" or (b["type"] == "record" and
                                      any(f["name"] in names for f in b["fields"])) for b in br):
            return [aj.branch_name(b) for b in br]
    kids = n.get("branches", []) + [f["type"] for f in n.get("fields", [])]
    kids += [n[k] for k in ("items", "values") if k in n]
    for k in kids:
        r = auto_doubt(k, seen)
        if r:
            return r
    return None


def same_numbers(a, b):
    """Parsed JSON a and b alike but for numbers of one value (as doubles, or as floats: one
    of them a float's shortest text): what plain [float, double] unions allow."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_numbers(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_numbers(x, y) for x, y in zip(a, b))
    nums = (int, float)
    if isinstance(a, nums) and isinstance(b, nums) and not isinstance(a, bool) and not isinstance(b, bool):
        try:
            return float(a) == float(b) or struct.pack("<f", float(a)) == struct.pack("<f", float(b))
        except OverflowError:
            return False
    return type(a) is type(b) and a == b


def diff(n, a, b, allow, kinds, path="$"):
    """None when tree b (avroencode's) matches tree a (fastavro's) under node n, but for
    differences whose kind is in allow (each counted in kinds), else a message with the path."""
    t = n["type"]
    if t == "union":
        if a.i == b.i:
            return diff(n["branches"][a.i], a.v, b.v, allow, kinds, path)
        ba, bb = n["branches"][a.i], n["branches"][b.i]
        what = "union branch %s written as %s" % (aj.branch_name(ba), aj.branch_name(bb))
        if "union" in allow and _same_plain(ba, a.v, bb, b.v):
            kinds[what] = kinds.get(what, 0) + 1
            return None
        return "%s: %s (values %r and %r)" % (path, what, a.v, b.v)
    if t == "record":
        for f, x, y in zip(n["fields"], a, b):
            m = diff(f["type"], x, y, allow, kinds, "%s.%s" % (path, f["name"]))
            if m:
                return m
        return None
    if t in ("array", "map"):
        if len(a) != len(b):
            return "%s: %d items for %d" % (path, len(b), len(a))
        for k, (x, y) in enumerate(zip(a, b)):
            if t == "map":
                if x[0] != y[0]:
                    return "%s: key %r for %r" % (path, y[0], x[0])
                m = diff(n["values"], x[1], y[1], allow, kinds, "%s.%s" % (path, x[0].decode()))
            else:
                m = diff(n["items"], x, y, allow, kinds, "%s[%d]" % (path, k))
            if m:
                return m
        return None
    if isinstance(a, Flt):
        if a.raw == b.raw:
            return None
        if "nan" in allow and _is_nan(a) and _is_nan(b):
            kinds["NaN payload"] = kinds.get("NaN payload", 0) + 1
            return None
        return "%s: %r (%s) for %r (%s)" % (path, b, b.raw.hex(), a, a.raw.hex())
    if a == b:
        return None
    if ("decimal" in allow and t == "bytes" and n.get("logicalType") == "decimal" and
            _signed(a) == _signed(b) and b == _minimal(a) and len(b) < len(a)):
        what = "decimal in %d bytes for fastavro's %d" % (len(b), len(a))
        kinds[what] = kinds.get(what, 0) + 1
        return None
    return "%s: %r for %r" % (path, b, a)
