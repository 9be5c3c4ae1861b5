"""avrojson: what the interoperability tests of avrodecode share.

- norm(): a schema (parsed JSON) to a tree of plain dicts with every name
  reference resolved (recursive types become cycles), independent of both
  fastavro and avrodecode;
- gen(): random values for a schema, in fastavro's input form (unions in
  tuple notation, so the branch written is the one chosen) and as intended
  (unions as U(branch, value));
- render(): a value decoded by fastavro, in one of avrodecode's JSON forms
  ("plain", "raw" or "avro", the Avro specification's JSON encoding), with
  F32/F64/Rec markers for compare();
- compare(): a parsed avrodecode document against a rendered value: numbers
  by their bits (floats after rounding to float32), records with their field
  order, maps without;
- run_decode(): runs avrodecode over a record stream of bodies.
"""
import datetime
import decimal
import io
import json
import math
import struct
import subprocess
import uuid

import fastavro

PRIMS = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
NAMED = {"record", "error", "enum", "fixed"}


class U:
    """An intended union value: the branch index and its value."""

    def __init__(self, i, v):
        self.i, self.v = i, v


class F32(float):
    """A float field's value: compared after rounding to float32."""


class F64(float):
    """A double field's value: compared bit for bit."""


class Rec(dict):
    """A record: compared with its field order."""


# ---------------------------------------------------------------- schemas

def _full(name, ns):
    if "." in name:
        return name
    return ns + "." + name if ns else name


def norm(schema, ns="", names=None):
    """The schema as a tree of dicts: {"type": ..., ...}; names resolved."""
    if names is None:
        names = {}
    if isinstance(schema, str):
        if schema in PRIMS:
            return {"type": schema}
        full = _full(schema, ns)
        if full not in names and schema in names:
            full = schema
        return names[full]
    if isinstance(schema, list):
        return {"type": "union", "branches": [norm(b, ns, names) for b in schema]}
    t = schema["type"]
    if isinstance(t, (dict, list)) or (t not in PRIMS and t not in NAMED
                                       and t not in ("array", "map")):
        return norm(t, ns, names)
    if t in PRIMS:
        n = {"type": t}
        for k in ("logicalType", "precision", "scale"):
            if k in schema:
                n[k] = schema[k]
        return n
    if t == "array":
        return {"type": "array", "items": norm(schema["items"], ns, names)}
    if t == "map":
        return {"type": "map", "values": norm(schema["values"], ns, names)}
    full = _full(schema["name"], schema.get("namespace", ns) if "." not in schema["name"] else "")
    inner_ns = full.rsplit(".", 1)[0] if "." in full else ""
    n = {"type": t, "fullname": full}
    names[full] = n
    if t == "enum":
        n["symbols"] = list(schema["symbols"])
        if "default" in schema:
            n["default"] = schema["default"]
    elif t == "fixed":
        n["size"] = schema["size"]
        for k in ("logicalType", "precision", "scale"):
            if k in schema:
                n[k] = schema[k]
    else:
        n["type"] = "record"
        n["fields"] = []
        for f in schema["fields"]:
            fd = {"name": f["name"], "type": norm(f["type"], inner_ns, names)}
            if "default" in f:
                fd["default"] = f["default"]
            n["fields"].append(fd)
    return n


def strip_logical(schema):
    """A copy of a schema (JSON) without logicalType annotations."""
    if isinstance(schema, list):
        return [strip_logical(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "logicalType":
            continue
        if k in ("type", "items", "values"):
            v = strip_logical(v)
        elif k == "fields":
            v = [dict(f, type=strip_logical(f["type"])) for f in v]
        out[k] = v
    return out


def branch_name(n):
    """A union branch's name in the Avro JSON encoding and in fastavro's tuple notation."""
    return n.get("fullname", n["type"])


# ---------------------------------------------------------------- random values

INT32 = (-2**31, 2**31 - 1)
INT64 = (-2**63, 2**63 - 1)
CHARS = ([chr(c) for c in range(0x20)] + ["\x7f", "\"", "\\", "/", "\x80", "\x9f", "\xa0",
         "\xe9", "\xff", "\u0100", "\u07ff", "\u0800", "\u2028", "\u2029", "\ufeff",
         "\ud7ff", "\ue000", "\ufffd", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff",
         "\u4e2d", "\u0645", "\u05d0"])


def rand_int(rng, lo, hi):
    r = rng.random()
    if r < 0.2:
        return rng.choice([lo, hi, 0, -1, 1, lo + 1, hi - 1])
    if r < 0.5:
        return rng.randint(-300, 300)
    if r < 0.7:
        bits = rng.randint(1, hi.bit_length())
        v = rng.getrandbits(bits)
        return v if rng.random() < 0.5 else -v
    return rng.randint(lo, hi)


def rand_string(rng, maxlen=12):
    out = []
    for _ in range(rng.randint(0, maxlen)):
        r = rng.random()
        if r < 0.4:
            out.append(chr(rng.randint(0x20, 0x7e)))
        elif r < 0.7:
            out.append(rng.choice(CHARS))
        else:
            c = rng.randint(0x80, 0x10ffff)
            while 0xd800 <= c <= 0xdfff:
                c = rng.randint(0x80, 0x10ffff)
            out.append(chr(c))
    return "".join(out)


def rand_bytes(rng, n=None):
    if n is None:
        n = rng.randint(0, 12)
    b = bytearray(rng.getrandbits(8) for _ in range(n))
    if n and rng.random() < 0.5:
        b[rng.randrange(n)] = 0
    if n and rng.random() < 0.5:
        b[rng.randrange(n)] = 0xff
    return bytes(b)


def rand_float32(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.1,
                           struct.unpack("<f", struct.pack("<I", 1))[0],           # least denormal
                           struct.unpack("<f", struct.pack("<I", 0x807fffff))[0],  # greatest -denormal
                           struct.unpack("<f", struct.pack("<I", 0x00800000))[0],  # least normal
                           struct.unpack("<f", struct.pack("<I", 0x7f7fffff))[0],  # greatest finite
                           16777217.0, 3.4e38, 1e-45])
    if r < 0.5:
        return struct.unpack("<f", struct.pack("<f", rng.uniform(-1000, 1000)))[0]
    return struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]


def rand_double(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.1, 5e-324,
                           -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
                           1.7976931348623157e308, 9007199254740993.0, 1e300, 1e-300,
                           123456789012345680.0, 0.30000000000000004])
    if r < 0.5:
        return rng.uniform(-1e6, 1e6)
    return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]


def _date_day(rng, extremes):
    if extremes and rng.random() < 0.5:
        return rand_int(rng, *INT32)
    return rng.randint(-719162, 2932896)    # 0001-01-01 .. 9999-12-31


def _ts(rng, unit, extremes):
    if extremes and rng.random() < 0.5:
        return rand_int(rng, *INT64)
    lo, hi = -62135596800 * unit, 253402300799 * unit + unit - 1
    if rng.random() < 0.3:
        return rng.randint(-10 * 86400 * unit, 10 * 86400 * unit)
    return rng.randint(lo, hi)


def gen_logical(n, rng, extremes):
    """(fastavro input, intended) of a logical type, or None when n has none."""
    lt = n.get("logicalType")
    t = n["type"]
    if lt == "decimal" and t in ("bytes", "fixed"):
        p, s = n.get("precision", 10), n.get("scale", 0)
        if t == "fixed":
            p = min(p, math.floor(math.log10(2 ** (8 * n["size"] - 1) - 1)))
        lim = 10 ** p - 1
        unscaled = rng.choice([0, 1, -1, lim, -lim]) if rng.random() < 0.2 else rng.randint(-lim, lim)
        # exactly (scaleb would round to the context's 28 digits)
        d = decimal.Decimal((int(unscaled < 0), tuple(int(c) for c in str(abs(unscaled))), -s))
        return d, d
    if lt == "uuid" and t == "string":
        u = uuid.UUID(int=rng.getrandbits(128))
        return u, u
    if lt == "uuid" and t == "fixed" and n["size"] == 16:
        b = rand_bytes(rng, 16)
        return b, b
    if lt == "date" and t == "int":
        v = _date_day(rng, extremes)
        return v, v
    if lt == "time-millis" and t == "int":
        v = rand_int(rng, *INT32) if extremes and rng.random() < 0.3 else rng.randint(0, 86399999)
        return v, v
    if lt == "time-micros" and t == "long":
        v = rand_int(rng, *INT64) if extremes and rng.random() < 0.3 else rng.randint(0, 86399999999)
        return v, v
    unit = {"timestamp-millis": 1000, "local-timestamp-millis": 1000,
            "timestamp-micros": 10**6, "local-timestamp-micros": 10**6}.get(lt)
    if unit and t == "long":
        v = _ts(rng, unit, extremes)
        return v, v
    return None


def gen(n, rng, depth=0, extremes=False):
    """(fastavro input, intended value) of a random value of schema node n."""
    lg = gen_logical(n, rng, extremes)
    if lg is not None:
        return lg
    t = n["type"]
    if t == "null":
        return None, None
    if t == "boolean":
        v = rng.random() < 0.5
        return v, v
    simple = {"int": lambda: rand_int(rng, *INT32), "long": lambda: rand_int(rng, *INT64),
              "float": lambda: rand_float32(rng), "double": lambda: rand_double(rng),
              "bytes": lambda: rand_bytes(rng), "string": lambda: rand_string(rng),
              "fixed": lambda: rand_bytes(rng, n.get("size"))}
    if t in simple:
        v = simple[t]()
        return v, v
    if t == "enum":
        v = rng.choice(n["symbols"])
        return v, v
    if t == "record":
        fa, it = {}, {}
        for f in n["fields"]:
            fa[f["name"]], it[f["name"]] = gen(f["type"], rng, depth + 1, extremes)
        return fa, it
    if t in ("array", "map"):
        k = 0 if depth > 6 else rng.choice([0, 1, 2, 3, 5])
        sub = n["items" if t == "array" else "values"]
        pairs = [gen(sub, rng, depth + 1, extremes) for _ in range(k)]
        if t == "array":
            return [p[0] for p in pairs], [p[1] for p in pairs]
        keys = []
        while len(keys) < k:
            s = rand_string(rng, 6)
            if s not in keys:
                keys.append(s)
        return ({kk: p[0] for kk, p in zip(keys, pairs)},
                {kk: p[1] for kk, p in zip(keys, pairs)})
    if t == "union":
        br = n["branches"]
        nulls = [i for i, b in enumerate(br) if b["type"] == "null"]
        if depth > 12 and nulls:
            i = nulls[0]
        else:
            i = rng.randrange(len(br))
        fa, it = gen(br[i], rng, depth + 1, extremes)
        if br[i]["type"] == "null":
            return None, U(i, None)
        return (branch_name(br[i]), fa), U(i, it)
    raise ValueError("unknown type %r" % t)


# ---------------------------------------------------------------- rendering

EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()


def civil(days):
    """(year, month, day) of days since 1970-01-01, proleptic Gregorian, any year:
    Python's date, shifted by whole 400-year cycles (146097 days) into its range."""
    o = days + EPOCH_DAY
    shift = 0
    if o < 1 or o > 3652059:
        k = (o - 1) // 146097 - 5   # brings o into years 2001..2400
        o -= k * 146097
        shift = 400 * k
    d = datetime.date.fromordinal(o)
    return d.year + shift, d.month, d.day


def date_str(days):
    y, m, d = civil(days)
    if y > 9999:
        ys = "+%d" % y
    elif y < 0:
        ys = "-%04d" % -y
    else:
        ys = "%04d" % y
    return "%s-%02d-%02d" % (ys, m, d)


def ts_str(v, unit, utc):
    secs, frac = divmod(v, unit)
    days, sod = divmod(secs, 86400)
    return "%sT%02d:%02d:%02d.%0*d%s" % (date_str(days), sod // 3600, sod // 60 % 60, sod % 60,
                                         3 if unit == 1000 else 6, frac, "Z" if utc else "")


def time_str(v, unit):
    secs, frac = divmod(v, unit)
    return "%02d:%02d:%02d.%0*d" % (secs // 3600, secs // 60 % 60, secs % 60,
                                    3 if unit == 1000 else 6, frac)


def codepoints(b):
    return "".join(chr(c) for c in b)


def _float(v, cls):
    if isinstance(v, str):        # a float default spelled "NaN" etc.
        v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return cls(v)


def _from_fastavro_logical(n, lv):
    """Plain rendering of a logical value as fastavro returned it, or None if it is not one."""
    lt = n.get("logicalType")
    if lt == "decimal" and isinstance(lv, decimal.Decimal):
        return format(lv, "f")
    if lt == "uuid" and isinstance(lv, uuid.UUID):
        return str(lv)
    if lt == "date" and isinstance(lv, datetime.date):
        return "%04d-%02d-%02d" % (lv.year, lv.month, lv.day)
    if lt in ("time-millis", "time-micros") and isinstance(lv, datetime.time):
        if lt == "time-millis":
            return "%02d:%02d:%02d.%03d" % (lv.hour, lv.minute, lv.second, lv.microsecond // 1000)
        return "%02d:%02d:%02d.%06d" % (lv.hour, lv.minute, lv.second, lv.microsecond)
    if lt and "timestamp" in lt and isinstance(lv, datetime.datetime):
        utc = not lt.startswith("local-")
        if utc != (lv.tzinfo is not None):
            return None
        if utc:
            lv = lv.astimezone(datetime.timezone.utc)
        frac = ("%03d" % (lv.microsecond // 1000)) if lt.endswith("millis") else "%06d" % lv.microsecond
        return "%04d-%02d-%02dT%02d:%02d:%02d.%s%s" % (lv.year, lv.month, lv.day, lv.hour, lv.minute,
                                                       lv.second, frac, "Z" if utc else "")
    return None


def _plain_logical(n, raw, lv):
    """Plain rendering of a logical type: from fastavro's logical value where fastavro has one
    in range, else from the underlying value. None: n has no logical type we render."""
    lt = n.get("logicalType")
    t = n["type"]
    if lt == "decimal" and t in ("bytes", "fixed"):
        r = _from_fastavro_logical(n, lv)
        if r is not None:
            return r
        unscaled = int.from_bytes(raw, "big", signed=True) if raw else 0
        return format(decimal.Decimal(unscaled).scaleb(-n.get("scale", 0)), "f")
    if lt == "uuid" and t == "string":
        r = _from_fastavro_logical(n, lv)
        return r if r is not None else raw
    if lt == "uuid" and t == "fixed" and n["size"] == 16:
        return str(uuid.UUID(bytes=bytes(raw)))
    if lt == "date" and t == "int":
        if -719162 <= raw <= 2932896:
            r = _from_fastavro_logical(n, lv)
            if r is not None:
                return r
        return date_str(raw)
    if lt in ("time-millis", "time-micros") and t == ("int" if lt == "time-millis" else "long"):
        unit = 1000 if lt == "time-millis" else 10**6
        if not 0 <= raw < 86400 * unit:
            return raw            # not a time of day: the number
        r = _from_fastavro_logical(n, lv)
        return r if r is not None else time_str(raw, unit)
    if lt in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis",
              "local-timestamp-micros") and t == "long":
        unit = 1000 if lt.endswith("millis") else 10**6
        if -62135596800 * unit <= raw < 253402300800 * unit:
            r = _from_fastavro_logical(n, lv)
            if r is not None:
                return r
        return ts_str(raw, unit, not lt.startswith("local-"))
    return None


def infer_branch(n, v):
    """The branch of union n a decoded value belongs to (without an intended value)."""
    br = n["branches"]
    if isinstance(v, tuple):            # fastavro's return_named_type
        for i, b in enumerate(br):
            if b.get("fullname") == v[0]:
                return i
    want = []
    if v is None:
        want = ["null"]
    elif isinstance(v, bool):
        want = ["boolean"]
    elif isinstance(v, int):
        want = ["int", "long"]
    elif isinstance(v, float):
        want = ["double", "float"]
    elif isinstance(v, str):
        want = ["string", "enum", "bytes"]
    elif isinstance(v, (bytes, bytearray)):
        want = ["bytes", "fixed"]
    elif isinstance(v, list):
        want = ["array"]
    elif isinstance(v, dict):
        want = ["map", "record"]
    for t in want:
        for i, b in enumerate(br):
            if b["type"] == t:
                return i
    raise ValueError("no branch of %s for %r" % ([branch_name(b) for b in br], v))


def default_value(n, d):
    """A field default (JSON) as the value fastavro would give: bytes and fixed as bytes."""
    t = n["type"]
    if t == "union":
        return default_value(n["branches"][0], d)
    if t in ("bytes", "fixed"):
        return d.encode("latin-1") if isinstance(d, str) else d
    if t == "record":
        return {f["name"]: default_value(f["type"], d[f["name"]] if f["name"] in d else f["default"])
                for f in n["fields"]}
    if t == "array":
        return [default_value(n["items"], x) for x in d]
    if t == "map":
        return {k: default_value(n["values"], x) for k, x in d.items()}
    return d


def render(n, raw, mode, lv=None, intended=None):
    """Value raw (decoded by fastavro, without logical types) of schema node n in the JSON form
    mode; lv: the same value decoded with logical types (plain only); intended: the generator's
    value, for union branches (else they are inferred from the value)."""
    t = n["type"]
    if mode == "plain":
        r = _plain_logical(n, raw, lv)
        if r is not None:
            return r
    if t == "union":
        if isinstance(intended, U):
            i, intended = intended.i, intended.v
        else:
            i = infer_branch(n, raw)
        if isinstance(raw, tuple):
            raw = raw[1]
        if isinstance(lv, tuple):
            lv = lv[1]
        b = n["branches"][i]
        v = render(b, raw, mode, lv, intended)
        if mode == "avro" and b["type"] != "null":
            return {branch_name(b): v}
        return v
    if isinstance(raw, tuple):          # a named type outside a union
        raw = raw[1]
    if isinstance(lv, tuple):
        lv = lv[1]
    if t in ("null", "boolean", "int", "long", "string", "enum"):
        return raw
    if t == "float":
        return _float(raw, F32)
    if t == "double":
        return _float(raw, F64)
    if t in ("bytes", "fixed"):
        return codepoints(raw) if isinstance(raw, (bytes, bytearray)) else raw
    if t == "array":
        return [render(n["items"], x, mode, lv[k] if lv is not None else None,
                       intended[k] if intended is not None else None)
                for k, x in enumerate(raw)]
    if t == "map":
        return {k: render(n["values"], x, mode, lv[k] if lv is not None else None,
                          intended[k] if intended is not None else None)
                for k, x in raw.items()}
    if t == "record":
        out = Rec()
        for f in n["fields"]:
            name = f["name"]
            if name in raw:
                x = raw[name]
            else:                       # fastavro leaves out fields a record default omits
                x = default_value(f["type"], f["default"])
            out[name] = render(f["type"], x, mode,
                               lv.get(name) if isinstance(lv, dict) else None,
                               intended.get(name) if intended is not None else None)
        return out
    raise ValueError("unknown type %r" % t)


# ---------------------------------------------------------------- comparing

def _bits32(x):
    return struct.pack("<f", x)


def compare(want, got, path="$"):
    """None if got (parsed JSON) matches want (rendered), else a message naming the path."""
    if isinstance(want, F32):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return "%s: want float %r, got %r" % (path, float(want), got)
        try:
            if _bits32(float(got)) != _bits32(want):
                return "%s: want float %r, got %r (as float32 %r)" % (
                    path, float(want), got, struct.unpack("<f", _bits32(float(got)))[0])
        except OverflowError:
            return "%s: want float %r, got %r (out of float32 range)" % (path, float(want), got)
        return None
    if isinstance(want, F64):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return "%s: want double %r, got %r" % (path, float(want), got)
        try:
            g = float(got)
        except OverflowError:
            return "%s: want double %r, got %r (out of range)" % (path, float(want), got)
        if struct.pack("<d", g) != struct.pack("<d", want):
            return "%s: want double %r, got %r" % (path, float(want), got)
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: want an object, got %s" % (path, json.dumps(got, ensure_ascii=True)[:200])
        if isinstance(want, Rec) and list(want) != list(got):
            return "%s: want fields %s, got %s" % (path, list(want), list(got))
        if set(want) != set(got):
            return "%s: want keys %r, got %r" % (path, sorted(want), sorted(got))
        for k in want:
            m = compare(want[k], got[k], "%s.%s" % (path, json.dumps(k, ensure_ascii=True)))
            if m:
                return m
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: want an array of %d, got %s" % (path, len(want),
                                                       json.dumps(got, ensure_ascii=True)[:200])
        for k, (w, g) in enumerate(zip(want, got)):
            m = compare(w, g, "%s[%d]" % (path, k))
            if m:
                return m
        return None
    if type(want) is not type(got) or want != got:
        return "%s: want %s, got %s" % (path, json.dumps(want, ensure_ascii=True),
                                        json.dumps(got, ensure_ascii=True))
    return None


def mismatches(lines, want, bodies, what="record"):
    """One message per line of avrodecode output that does not match its rendered value."""
    bad = []
    for i, (line, w) in enumerate(zip(lines, want)):
        try:
            m = compare(w, parse_json(line))
        except ValueError as e:
            m = "not JSON (%s)" % e
        if m:
            bad.append("%s %d, %s: %s\n  want: %s\n  got:  %s"
                       % (what, i + 1, bodies[i].hex(), m, show(w), line))
    return bad


def _no_constant(name):
    raise ValueError("bare %s is not JSON" % name)


def parse_json(line):
    """Strict JSON: no bare NaN/Infinity; "-0" keeps its sign."""
    return json.loads(line, parse_constant=_no_constant,
                      parse_int=lambda s: -0.0 if s == "-0" else int(s))


def show(v):
    """A rendered value as JSON text for messages (floats by repr)."""
    def conv(x):
        if isinstance(x, float):
            return repr(float(x))
        if isinstance(x, dict):
            return {k: conv(y) for k, y in x.items()}
        if isinstance(x, list):
            return [conv(y) for y in x]
        return x
    return json.dumps(conv(v), ensure_ascii=True)


# ---------------------------------------------------------------- running avrodecode

def stream(payloads):
    """A record stream: each payload behind its 4-byte big-endian length (None: a null record)."""
    out = bytearray()
    for p in payloads:
        if p is None:
            out += struct.pack(">i", -1)
        else:
            out += struct.pack(">i", len(p)) + p
    return bytes(out)


def run_decode(avrodecode, args, data):
    """(status, stdout lines, stderr) of avrodecode --out ndjson ARGS on the stream data."""
    p = subprocess.run([avrodecode, "--out", "ndjson"] + args, input=data,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    lines = p.stdout.split(b"\n")     # not str.splitlines: U+2028 and the like are in strings
    if lines and lines[-1] == b"":
        lines.pop()
    return (p.returncode, [x.decode("utf-8", "replace") for x in lines],
            p.stderr.decode("utf-8", "replace"))


def write_body(parsed_schema, value):
    b = io.BytesIO()
    fastavro.schemaless_writer(b, parsed_schema, value)
    return b.getvalue()


def read_body(body, writer, reader=None, **kw):
    return fastavro.schemaless_reader(io.BytesIO(body), writer, reader, **kw)


class Tap:
    """TAP lines in the style of tests/lib.sh: "ok - SUITE: name"."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = self.failed = 0

    def ok(self, name):
        self.passed += 1
        print("ok - %s: %s" % (self.suite, name), flush=True)

    def notok(self, name, why, detail=()):
        self.failed += 1
        print("not ok - %s: %s: %s" % (self.suite, name, why))
        for line in detail:
            for sub in str(line).splitlines():
                print("#   " + sub)
        print(end="", flush=True)

    def check(self, name, cond, why="failed", detail=()):
        if cond:
            self.ok(name)
        else:
            self.notok(name, why, detail)


def f32_of_int(v):
    """An integer rounded once to the nearest float32 (ties to even), as a Python float."""
    mag = abs(v)
    e = mag.bit_length() - 24
    if e > 0:
        q, r = divmod(mag, 1 << e)
        half = 1 << (e - 1)
        if r > half or (r == half and q & 1):
            q += 1
        mag = q << e
    return float(-mag if v < 0 else mag)
