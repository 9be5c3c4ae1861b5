#!/usr/bin/env python3
"""An independent reference of winagg's window rules (docs/DESIGN.md §7),
written from the rules, not from tools/winagg.c, for the tests: it reads
NDJSON on stdin and writes the rows winagg should write, one per line.

It knows a subset of winagg's options, enough for the random and split
tests and to cross-check the hand-written case file:

  --time FIELD  --time-unit s|ms|us  --window DUR [--slide DUR] [--offset DUR]
  --session GAP  --watermark DUR  --where FIELD OP VALUE  --group-by [COL=]FIELD
  --label COL:VALUE=LABEL  --count NAME  --count-of NAME=FIELD
  --count-distinct NAME=FIELD  --sum NAME=FIELD (integers)  --mode append|update
  --at-eof flush|keep  --state FILE (its own JSON format)  --in ndjson  --out ndjson

Rules, times in integer microseconds:
  - windows [start, end), last_start = t - ((t - offset) mod slide) (mod
    non-negative), the record is in every start = last_start - k*slide with
    start <= t < start + size;
  - watermark = max event time seen - delay, in whole milliseconds (both
    truncated toward zero), never below 0 (1970-01-01, where it starts, as
    Spark's), advanced after each record;
  - a (record, window) pair is late when end <= watermark before the record:
    dropped;
  - append: windows emitted when watermark >= end, ordered by (end, start,
    group key), group key the JSON texts of the group values joined by 0x1f,
    compared as bytes; update: after each record, the rows it changed, in the
    same order; at EOF flush emits every open window (append), keep saves;
  - sessions: a record opens [t, t + gap), merged with every open session of
    its group that overlaps or touches it (Spark); late when t + gap <=
    watermark; no update mode (Spark refuses it);
  - event times that are not integers are truncated toward zero to
    microseconds, as Spark's cast truncates them;
  - with --state, the open windows are kept at EOF unless --at-eof flush.
"""
import json
import sys
from datetime import datetime, timedelta, timezone

UNITS = {"us": 1, "ms": 1000, "s": 10**6, "m": 60 * 10**6, "h": 3600 * 10**6, "d": 86400 * 10**6}
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def duration(s):
    for u in ("us", "ms", "s", "m", "h", "d"):
        num = s[: -len(u)]
        if s.endswith(u) and num and (num.replace(".", "", 1).isdigit()):
            if u == "s" and (num.endswith("m") or num.endswith("u")):
                continue
            whole, _, frac = num.partition(".")
            v = int(whole) * UNITS[u]
            if frac:
                v += int(frac) * UNITS[u] // 10 ** len(frac)
            return v
    raise SystemExit(f"reference: bad duration {s!r}")


def jtext(v):
    """The JSON text of a value as winagg writes group keys."""
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def spark_time(us):
    d = EPOCH + timedelta(microseconds=us)
    s = d.strftime("%Y-%m-%d %H:%M:%S")
    if d.microsecond:
        s += ("." + "%06d" % d.microsecond).rstrip("0")
    return s


def get(rec, path):
    v = rec
    for p in path.split("."):
        if not isinstance(v, dict) or p not in v:
            return None
        v = v[p]
    return v


class Where:
    OPS = ["!=", "<=", ">=", "=", "<", ">"]

    def __init__(self, s):
        at = min((s.find(c) for c in "=!<>" if c in s))
        for op in self.OPS:
            if s.startswith(op, at):
                break
        self.field, self.op = s[:at].rstrip(" "), op
        v = s[at + len(op):].lstrip(" ")
        if v == "null":
            self.kind, self.val = "null", None
        elif v in ("true", "false"):
            self.kind, self.val = "bool", v == "true"
        elif v.startswith('"'):
            self.kind, self.val = "str", json.loads(v)
        else:
            try:
                self.kind, self.val = "num", float(v)
            except ValueError:
                self.kind, self.val = "str", v

    def match(self, rec):
        v = get(rec, self.field)
        if self.kind == "null":
            eq = v is None
            return eq if self.op == "=" else not eq
        if self.kind == "bool":
            eq = isinstance(v, bool) and v == self.val
            return eq if self.op == "=" else not eq
        if self.kind == "num":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return self.op == "!="
            a, b = float(v), self.val
        else:
            if not isinstance(v, str):
                return self.op == "!="
            a, b = v.encode(), self.val.encode()
        c = (a > b) - (a < b)
        return {"=": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[self.op]


class Agg:
    def __init__(self, kind, name, field=None):
        self.kind, self.name, self.field = kind, name, field

    def new(self):
        return set() if self.kind == "count-distinct" else (0 if self.kind != "sum" else None)

    def add(self, acc, rec):
        if self.kind == "count":
            return acc + 1
        v = get(rec, self.field)
        if v is None:
            return acc
        if self.kind == "count-of":
            return acc + 1
        if self.kind == "count-distinct":
            acc.add(jtext(v))
            return acc
        return (acc or 0) + v

    def out(self, acc):
        return len(acc) if self.kind == "count-distinct" else acc

    def merge(self, a, b):
        if self.kind == "count-distinct":
            return a | b
        if self.kind == "sum":
            return b if a is None else a if b is None else a + b
        return a + b


class WinAgg:
    def __init__(self, argv):
        self.unit, self.size, self.slide, self.offset, self.gap = "s", None, None, 0, None
        self.delay, self.where, self.groups, self.labels, self.aggs = 0, [], [], {}, []
        self.update, self.keep, self.state = False, None, None
        it = iter(argv)
        for a in it:
            if a in ("--in", "--out"):
                next(it)
            elif a == "--time":
                self.time = next(it)
            elif a == "--time-unit":
                self.unit = next(it)
            elif a == "--window":
                self.size = duration(next(it))
            elif a == "--slide":
                self.slide = duration(next(it))
            elif a == "--offset":
                self.offset = duration(next(it))
            elif a == "--session":
                self.gap = duration(next(it))
            elif a == "--watermark":
                self.delay = duration(next(it))
            elif a == "--where":
                self.where.append(Where(next(it)))
            elif a == "--group-by":
                col, _, field = next(it).rpartition("=")
                self.groups.append((col or field, field))
            elif a == "--label":
                s = next(it)
                col, _, rest = s.partition(":")
                val, _, lab = rest.partition("=")
                try:
                    val = jtext(json.loads(val))
                except ValueError:
                    val = jtext(val)
                self.labels[(col, val)] = lab
            elif a in ("--count",):
                self.aggs.append(Agg("count", next(it)))
            elif a in ("--count-of", "--count-distinct", "--sum"):
                name, _, field = next(it).partition("=")
                self.aggs.append(Agg(a[2:], name, field))
            elif a == "--mode":
                self.update = next(it) == "update"
            elif a == "--at-eof":
                self.keep = next(it) == "keep"
            elif a == "--state":
                self.state = next(it)
            else:
                raise SystemExit(f"reference: unknown option {a}")
        if self.slide is None:
            self.slide = self.size
        if self.keep is None:
            self.keep = self.state is not None
        if not self.aggs:
            self.aggs.append(Agg("count", "count"))
        self.maxt = None
        self.win = {}  # (end, start) -> {key: [accs]}
        self.late = 0
        self.notime = 0
        if self.state:
            try:
                with open(self.state) as f:
                    s = json.load(f)
                self.maxt = s["maxt"]
                for e, st, key, accs in s["rows"]:
                    self.win.setdefault((e, st), {})[key] = [
                        set(a) if isinstance(a, list) else a for a in accs]
            except FileNotFoundError:
                pass

    def wm(self):
        if self.maxt is None:
            return 0
        ms = abs(self.maxt) // 1000 * (1 if self.maxt >= 0 else -1) - self.delay // 1000
        return max(ms, 0) * 1000

    def row(self, end, start, key):
        r = {"window": {"start": spark_time(start), "end": spark_time(end)}}
        parts = key.split("\x1f") if self.groups else []
        for (col, _), p in zip(self.groups, parts):
            r[col] = self.labels[(col, p)] if (col, p) in self.labels else json.loads(p)
        for a, acc in zip(self.aggs, self.win[(end, start)][key]):
            r[a.name] = a.out(acc)
        return r

    def emit(self, out, end, start, key):
        out.append(self.row(end, start, key))

    def record(self, rec, out):
        if any(not w.match(rec) for w in self.where):
            return
        t = get(rec, self.time)
        if t is None:
            self.notime += 1
            return
        t = int(t) * {"s": 10**6, "ms": 1000, "us": 1}[self.unit] if isinstance(t, int) else \
            int(t * {"s": 10**6, "ms": 1000, "us": 1}[self.unit])
        key = "\x1f".join(jtext(get(rec, f)) for _, f in self.groups)
        mark = self.wm()
        touched = []
        if self.gap is None:
            last = t - (t - self.offset) % self.slide
            s = last
            while s > t - self.size:
                if mark is not None and s + self.size <= mark:
                    self.late += 1
                else:
                    g = self.win.setdefault((s + self.size, s), {})
                    if key not in g:
                        g[key] = [a.new() for a in self.aggs]
                    g[key] = [a.add(acc, rec) for a, acc in zip(self.aggs, g[key])]
                    touched.append((s + self.size, s, key))
                s -= self.slide
        else:
            start, end = t, t + self.gap
            if mark is not None and end <= mark:
                self.late += 1
            else:
                accs = [a.add(a.new(), rec) for a in self.aggs]
                merged = True
                while merged:
                    merged = False
                    for (e, s), g in list(self.win.items()):
                        if key in g and s <= end and start <= e:
                            old = g.pop(key)
                            if not g:
                                del self.win[(e, s)]
                            accs = [a.merge(x, y) for a, x, y in zip(self.aggs, accs, old)]
                            start, end = min(start, s), max(end, e)
                            merged = True
                self.win.setdefault((end, start), {})[key] = accs
                touched.append((end, start, key))
        if self.maxt is None or t > self.maxt:
            self.maxt = t
        if self.update:
            for e, s, k in sorted(touched, key=lambda x: (x[0], x[1], x[2].encode())):
                self.emit(out, e, s, k)
        self.close(out, self.wm())

    def close(self, out, mark, everything=False):
        for e, s in sorted(self.win):
            if everything or e <= mark:
                if not self.update:
                    for k in sorted(self.win[(e, s)], key=lambda k: k.encode()):
                        self.emit(out, e, s, k)
                del self.win[(e, s)]

    def finish(self, out):
        if not self.keep:
            self.close(out, None, everything=True)
        if self.state:
            rows = [[e, s, k, [sorted(a) if isinstance(a, set) else a for a in accs]]
                    for (e, s), g in self.win.items() for k, accs in g.items()]
            with open(self.state, "w") as f:
                json.dump({"maxt": self.maxt, "rows": rows}, f)


def run(argv, lines):
    """The rows (dicts) for args argv over NDJSON lines."""
    w = WinAgg(argv)
    out = []
    for line in lines:
        if line.strip():
            w.record(json.loads(line), out)
    w.finish(out)
    return out


def dumps(row):
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


if __name__ == "__main__":
    for r in run(sys.argv[1:], sys.stdin):
        print(dumps(r))
