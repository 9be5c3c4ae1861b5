"""Differential test of winagg against Spark 4 Structured Streaming, batch by
batch (pyspark in local mode).

A case is a list of micro-batches of NDJSON events {"t": time, "g": group,
"v": value} (any of them null or missing; numbers written as raw JSON text, so
70-digit numbers can be fed), the winagg options (window kind, aggregates,
mode, watermark, time unit) and a schedule:

  A  "no-data batch between": one JSON file per micro-batch is written into
     the source directory, then processAllAvailable() and a wait until
     Spark's lastProgress shows the watermark the batch leads to (Spark then
     ran its no-data batch). winagg --micro-batch --state F, one process per
     batch: run i must write the rows of Spark's data batch i plus the
     no-data batch after it.
  B  "back to back": every file present before the query starts,
     maxFilesPerTrigger=1, so data batch i is Spark's batch i, with no no-data
     batch between; after the last one Spark runs one no-data batch.
     winagg --back-to-back --state F, one process per batch, then one run on
     empty input for that last no-data batch.
  R  "per record": every event a file of its own, each followed by a filler
     file whose one record the filter drops, all present up front; winagg
     without --micro-batch, one run over all of them: its rows must be those
     of all Spark's batches together (the filler batch makes an event's
     watermark the late-row watermark of the next event's batch, which is
     winagg's per-record watermark; this subsumes the old spark-winagg.sh).

Spark's query: schema t (long or double seconds, long ms or us), g (boolean,
string or long), v (long or double), type (string); with the seed's filter
(where: winagg --where type=edit) filter(type = 'edit') first; the time is cast(t as timestamp) (s),
timestamp_millis (ms) or timestamp_micros (us); withWatermark; groupBy(window
| session_window, g).agg(count(lit(1)), count(col), sum, min, max, avg);
foreachBatch collects every batch's rows as to_json(struct(window{start,end}
as strings, group, aggregates)) with ignoreNullFields=false. Session windows
are renamed "window", winagg's column name. Rows of one batch are compared as
multisets (Spark's order within a batch is its state store's), each row as
parsed JSON with ints and floats apart (5 is not 5.0). A query that fails
(ARITHMETIC_OVERFLOW, CAST_OVERFLOW, DATETIME_OVERFLOW) is compared as "fails
at batch i": winagg must exit 1 on the same batch, after the same rows.

Several cases run at once, each its own query in one SparkSession (local[2]),
stepped in lockstep.

usage:
  spark_diff.py WINAGG TMPDIR check            hand cases + fixed seeds (make check)
  spark_diff.py WINAGG TMPDIR random SEED N    N random cases from SEED
  spark_diff.py WINAGG TMPDIR replay SEED I    random case I of SEED only
  spark_diff.py WINAGG TMPDIR hand [NAME...]   the hand-written cases
Prints TAP. Environment: SPARK_DIFF_PARALLEL (queries at once, default 6),
SPARK_DIFF_VERBOSE=1 (print every case), SPARK_DIFF_CACHE=DIR (Spark's rows
for a case are kept in DIR, keyed by the case, this file and pyspark's version,
and taken from there when present: .ci/run sets it so that the sanitizer pass
compares its winagg with the rows Spark gave the first pass of the same run).
"""
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time

SUITE = "spark-diff"
winagg, tmp = sys.argv[1], sys.argv[2]
PARALLEL = int(os.environ.get("SPARK_DIFF_PARALLEL", "6"))
VERBOSE = os.environ.get("SPARK_DIFF_VERBOSE") == "1"
I64 = 2**63


class Raw(str):
    """A JSON number written as this exact text."""


def jtext(x):
    if isinstance(x, Raw):
        return str(x)
    return json.dumps(x)


def line(ev):
    return "{" + ",".join('"%s":%s' % (k, jtext(x)) for k, x in ev.items()) + "}"


# ---------------------------------------------------------------- cases

def case(name, batches, *, kind=("tumble", 10000000, None, 0), aggs=(("count", "c", None),),
         group=("g", "g"), gtype="bool", vtype="long", ttype="long", unit="s", delay=0,
         mode="append", schedule="A", note="", differs=None, where=False):
    """kind: ("tumble", len_us, None, offset_us) | ("slide", len_us, slide_us, offset_us)
    | ("session", gap_us); durations in microseconds. where: the seed's filter,
    type = 'edit' (winagg --where type=edit), before withWatermark. differs: a deliberate
    difference that man/winagg.1 documents ("spark-fails": Spark fails or
    refuses the query, winagg runs every batch), checked as such."""
    return dict(name=name, batches=batches, kind=kind, aggs=list(aggs), group=group, gtype=gtype,
                vtype=vtype, ttype=ttype, unit=unit, delay=delay, mode=mode, schedule=schedule, note=note,
                differs=differs, where=where)


def dur_w(us):
    return "%dus" % us


def dur_s(us):
    return "%d microseconds" % us


def winagg_args(c, state):
    a = [winagg, "--in", "ndjson", "--out", "ndjson", "--time", "t", "--time-unit", c["unit"],
         "--state", state, "--time-format", "spark", "--mode", c["mode"],
         "--watermark", "%dms" % c["delay"], "--at-eof", "keep"]
    if c["schedule"] != "R":
        a.append("--back-to-back" if c["schedule"] == "B" else "--micro-batch")
    if c["where"]:
        a += ["--where", "type=edit"]
    k = c["kind"]
    if k[0] == "session":
        a += ["--session", dur_w(k[1])]
    else:
        a += ["--window", dur_w(k[1])]
        if k[0] == "slide":
            a += ["--slide", dur_w(k[2])]
        if k[3]:
            a += ["--offset", dur_w(k[3])]
    if c["group"]:
        a += ["--group-by", "%s=%s" % c["group"]]
    for op, name, field in c["aggs"]:
        a += ["--" + op, name if field is None else "%s=%s" % (name, field)]
    return a


FILLER = {"type": "filler"}


def per_record_files(c):
    """R: every event a batch of its own, each followed by a filler batch the
    filter drops (the filler makes the event's watermark the late-row one of
    the next event's batch, as winagg's per-record watermark is)."""
    return [x for b in c["batches"] for e in b for x in ([e], [FILLER])]


def run_winagg(c, d):
    """[rows of batch i...], fail batch or None, message"""
    state = os.path.join(d, "winagg.state")
    args = winagg_args(c, state)
    if c["schedule"] == "R":
        # one run, the watermark moving after every record
        p = subprocess.run(args, input="".join(line(e) + "\n" for b in per_record_files(c) for e in b),
                           capture_output=True, text=True)
        out = [[l for l in p.stdout.splitlines() if l]]
        if p.returncode != 0:
            msg = [m for m in p.stderr.strip().splitlines() if not m.startswith("winagg: summary")]
            return out, 0, "status %d: %s" % (p.returncode, " | ".join(msg)[:300]), p.returncode
        return out, None, "", 0
    batches = list(c["batches"]) + ([[]] if c["schedule"] == "B" else [])
    out = []
    for i, b in enumerate(batches):
        p = subprocess.run(args, input="".join(line(e) + "\n" for e in b), capture_output=True, text=True)
        if p.returncode != 0:
            msg = p.stderr.strip().splitlines()
            msg = [m for m in msg if not m.startswith("winagg: summary")]
            return out, i, "status %d: %s" % (p.returncode, " | ".join(msg)[:300]), p.returncode
        out.append([l for l in p.stdout.splitlines() if l])
    return out, None, "", 0


def spark_query(spark, c, src):
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType
    T = {"long": LongType(), "double": DoubleType(), "bool": BooleanType(), "string": StringType()}
    schema = StructType([StructField("t", T[c["ttype"]]), StructField("g", T[c["gtype"]]),
                         StructField("v", T[c["vtype"]]), StructField("type", StringType())])
    df = spark.readStream.schema(schema).option("maxFilesPerTrigger", 1).json(src)
    if c["where"]:
        df = df.filter(F.col("type") == "edit")
    ts = {"s": F.col("t").cast("timestamp"), "ms": F.timestamp_millis("t"),
          "us": F.timestamp_micros("t")}[c["unit"]]
    df = df.withColumn("ts", ts).withWatermark("ts", "%d milliseconds" % c["delay"])
    k = c["kind"]
    if k[0] == "session":
        w = F.session_window("ts", dur_s(k[1]))
    elif k[0] == "slide":
        w = F.window("ts", dur_s(k[1]), dur_s(k[2]), dur_s(k[3]))
    else:
        w = F.window("ts", dur_s(k[1]), dur_s(k[1]), dur_s(k[3]))
    keys = [w.alias("window")] + ([F.col(c["group"][1]).alias(c["group"][0])] if c["group"] else [])
    aggs = []
    for op, name, field in c["aggs"]:
        f = {"count": lambda x: F.count(F.lit(1)), "count-of": F.count, "sum": F.sum, "min": F.min,
             "max": F.max, "avg": F.avg, "count-distinct": F.count_distinct}[op]
        aggs.append(f(field).alias(name))
    r = df.groupBy(*keys).agg(*aggs)
    cols = [F.struct(F.col("window.start").cast("string").alias("start"),
                     F.col("window.end").cast("string").alias("end")).alias("window")]
    cols += [F.col(c["group"][0])] if c["group"] else []
    cols += [F.col(n) for _, n, _ in c["aggs"]]
    return r.select(F.to_json(F.struct(*cols), {"ignoreNullFields": "false"}).alias("j"))


def write_file(src, i, b, mtime):
    path = os.path.join(src, "%05d.json" % i)
    with open(path + ".tmp", "w") as f:
        f.write("".join(line(e) + "\n" for e in b))
    os.utime(path + ".tmp", (mtime, mtime))
    os.rename(path + ".tmp", path)


def secs_of(c, e):
    """The event's time in microseconds as Spark reads it, or None."""
    t = e.get("t")
    if t is None:
        return None
    if c["ttype"] == "long":
        x = int(str(t)) if not isinstance(t, float) and "." not in str(t) and "e" not in str(t).lower() else None
        if x is None or not -I64 <= x < I64:
            return None
        if c["unit"] == "s":
            return max(min(x * 1000000, I64 - 1), -I64)
        return x * 1000 if c["unit"] == "ms" else x
    d = float(str(t))
    return int(d * 1e6)


def expected_wm(c, upto):
    """Spark's watermark in ms after data batches 0..upto."""
    m = None
    for b in c["batches"][:upto + 1]:
        for e in b:
            if c["where"] and e.get("type") != "edit":
                continue
            try:
                us = secs_of(c, e)
            except (ValueError, OverflowError):
                us = None
            if us is not None and -I64 <= us < I64:
                ms = us // 1000 if us >= 0 else -((-us) // 1000)
                m = ms if m is None else max(m, ms)
    return 0 if m is None else max(0, m - c["delay"])


def progress_wm(q):
    """lastProgress's watermark in ms (Spark writes years past 9999 as +10000)."""
    import re
    p = q.lastProgress
    wm = p and p.get("eventTime", {}).get("watermark")
    m = wm and re.fullmatch(r"([+-]?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z", wm)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(x) for x in m.groups()[:6])
    frac = int((m.group(7) or "0")[:3].ljust(3, "0"))
    y -= mo <= 2   # days from civil (proleptic Gregorian), Howard Hinnant's algorithm
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return ((days * 24 + hh) * 60 + mi) * 60000 + ss * 1000 + frac


class Run:
    """One case's Spark query and its per-batch rows."""

    def __init__(self, spark, c, d):
        self.c, self.d = c, d
        self.src = os.path.join(d, "in")
        os.makedirs(self.src)
        self.rows = {}          # batch id -> [json text]
        self.lock = threading.Lock()
        self.q = None
        self.fail = None        # (step, message)
        self.per_step = []      # A: the batch ids each data batch (and its no-data batch) took
        self.mtime = time.time() - 10000

    def start(self, spark):
        def fe(df, bid):
            rows = [r[0] for r in df.collect()]
            with self.lock:
                self.rows[bid] = rows
        w = (spark_query(spark, self.c, self.src).writeStream.foreachBatch(fe)
             .outputMode(self.c["mode"]).option("checkpointLocation", os.path.join(self.d, "ckpt")))
        self.q = w.start()

    def failed(self, step, e):
        import re
        msg = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
        # the error classes under foreachBatch's and the stream's wrappers
        cls = [x for x in dict.fromkeys(re.findall(r"\[([A-Z][A-Z_]{4,})[\].]", str(e)))
               if x not in ("FOREACH_BATCH_USER_FUNCTION_ERROR", "STREAM_FAILED")]
        self.fail = (step, ("[%s] " % ",".join(cls) if cls else "") + msg[:300])


def wait_settled(run, want_wm, timeout=30):
    """Waits until Spark's query is idle with the watermark want_wm in force."""
    q = run.q
    deadline = time.time() + timeout
    while time.time() < deadline:
        if q.exception() is not None:
            return False
        st = q.status
        if not st["isTriggerActive"] and not st["isDataAvailable"]:
            wm = progress_wm(q)
            if want_wm == 0 or (wm is not None and wm >= want_wm):
                return True
        time.sleep(0.05)
    raise RuntimeError("Spark's watermark stays at %s ms, want %s ms" % (progress_wm(q), want_wm))


def spark_cases(spark, cases, dirs):
    """Runs the cases' queries side by side: {name: (per-batch rows, fail)}."""
    runs = [Run(spark, c, d) for c, d in zip(cases, dirs)]
    res = {}
    try:
        # B: all files up front
        for r in runs:
            if r.c["schedule"] in "BR":
                files = r.c["batches"] if r.c["schedule"] == "B" else per_record_files(r.c)
                for i, b in enumerate(files):
                    write_file(r.src, i, b, r.mtime + i)
        for r in runs:
            try:
                r.start(spark)
            except Exception as e:
                r.failed(-1, e)
        nmax = max(len(r.c["batches"]) for r in runs)
        for i in range(nmax):
            live = [r for r in runs if r.c["schedule"] == "A" and r.fail is None and i < len(r.c["batches"])]
            for r in live:
                with r.lock:
                    r.seen = set(r.rows)
                write_file(r.src, i, r.c["batches"][i], r.mtime + i)
            for r in live:
                try:
                    r.q.processAllAvailable()
                    if not wait_settled(r, expected_wm(r.c, i)):
                        raise r.q.exception()
                except Exception as e:
                    r.failed(i, e)
                    continue
                with r.lock:
                    r.per_step.append(sorted(set(r.rows) - r.seen))
        for r in runs:
            if r.c["schedule"] in "BR" and r.fail is None:
                try:
                    r.q.processAllAvailable()
                    if not wait_settled(r, expected_wm(r.c, len(r.c["batches"]) - 1)):
                        raise r.q.exception()
                except Exception as e:
                    with r.lock:
                        r.failed(len(r.rows), e)
    finally:
        for r in runs:
            if r.q is not None:
                try:
                    r.q.stop()
                except Exception:
                    pass
    for r in runs:
        with r.lock:
            if r.c["schedule"] == "A":
                out = [[x for bid in ids for x in r.rows[bid]] for ids in r.per_step]
            elif r.c["schedule"] == "R":
                # every batch's rows together (winagg's one run); a failure is "fails" (step 0)
                n = len(per_record_files(r.c))
                out = [[x for bid in sorted(r.rows) for x in r.rows[bid]]]
                extra = sorted(set(r.rows) - set(range(n)))
                if r.fail is not None:
                    r.fail = (0, r.fail[1])
                elif extra:
                    r.fail = (0, "Spark ran more batches than files: %s" % extra)
            else:
                n = len(r.c["batches"]) + 1 if r.fail is None else r.fail[0]
                out = [r.rows.get(bid, []) for bid in range(n)]
                extra = sorted(set(r.rows) - set(range(n)))
                if extra and r.fail is None:
                    r.fail = (n, "Spark ran more batches than files + 1: %s" % extra)
        res[r.c["name"]] = (out, r.fail)
    return res


def canon(rows):
    """A batch's rows as a sorted list of canonical JSON texts (types kept)."""
    def key(x):
        if isinstance(x, dict):
            return {k: key(v) for k, v in x.items()}
        if isinstance(x, float):
            return ["float", repr(x)]
        if isinstance(x, bool) or x is None:
            return x
        if isinstance(x, int):
            return ["int", str(x)]
        return x
    return sorted(json.dumps(key(json.loads(r)), sort_keys=True) for r in rows)


def late_overflow(c, i):
    """True when Spark's partial aggregation of data batch i (per window and
    group, in input order, late rows included) overflows a long sum in a
    window that is late for that batch: the difference winagg.1 documents
    (winagg drops late rows first). Tumbling and sliding windows only."""
    if c["kind"][0] == "session" or c["schedule"] == "R" or c["vtype"] != "long" or i >= len(c["batches"]):
        return False
    sums = [f for op, _, f in c["aggs"] if op == "sum"]
    if not sums:
        return False
    _, wlen, slide, off = c["kind"]
    slide = slide or wlen
    j = i - 1 if c["schedule"] == "A" else i - 2
    late_wm = expected_wm(c, j) * 1000 if j >= 0 else 0
    part = {}
    for e in c["batches"][i]:
        if c["where"] and e.get("type") != "edit":
            continue
        try:
            t = secs_of(c, e)
        except (ValueError, OverflowError):
            t = None
        v = e.get("v")
        if t is None or v is None or isinstance(v, (float, Raw)):
            continue
        last = t - ((t - off) % slide)
        st = last
        while st + wlen > t:
            if st + wlen <= late_wm:
                k = (st, json.dumps(e.get("g")) if c["group"] else None)
                part[k] = part.get(k, 0) + v
                if not -I64 <= part[k] < I64:
                    return True
            st -= slide
    return False


def report(c, spark_out, spark_fail, w_out, w_fail, w_msg, w_status):
    diffs = []
    n = max(len(spark_out), len(w_out))
    for i in range(n):
        s = canon(spark_out[i]) if i < len(spark_out) else None
        w = canon(w_out[i]) if i < len(w_out) else None
        if s is None or w is None:
            continue
        if s != w:
            diffs.append("batch %d: rows differ" % i)
            for x in sorted(set(s) - set(w)) or ["(multiset differs)"]:
                diffs.append("  only Spark:  " + x)
            for x in sorted(set(w) - set(s)):
                diffs.append("  only winagg: " + x)
    sf = spark_fail[0] if spark_fail else None
    refused = spark_fail and "not supported" in spark_fail[1]
    if spark_fail and spark_fail[1].startswith("[ARITHMETIC_OVERFLOW]") and w_fail is None and \
            c.get("differs") is None and late_overflow(c, sf):
        # documented in winagg.1; the rows before must still agree
        c = dict(c, differs="spark-fails", note=(c["note"] + "; " if c["note"] else "") +
                 "Spark's partial aggregation overflows on late rows (winagg.1)")
    if refused and not (w_fail == 0 and w_status == 2):
        diffs.append("Spark refuses the query (%s); winagg %s" % (
            spark_fail[1][spark_fail[1].find("exception:"):][:120],
            "status %d at batch %d" % (w_status, w_fail) if w_fail is not None else "runs every batch"))
    elif not refused and (sf != w_fail or (w_fail is not None and w_status != 1)):
        diffs.append("Spark %s; winagg %s" % (
            "fails at batch %d (%s)" % spark_fail if spark_fail else "runs every batch",
            "fails at batch %d (%s)" % (w_fail, w_msg) if w_fail is not None else "runs every batch"))
    if c.get("differs") == "spark-fails":
        # documented in winagg.1: both sides must do what the page says
        if spark_fail and w_fail is None and not any(x.startswith("batch ") for x in diffs):
            print("ok - %s: %s: a documented difference: Spark %s at batch %d, winagg runs every batch "
                  "[%s]" % (SUITE, c["name"], "refuses the query" if refused else "fails", sf, c["note"]))
            return True
        print("not ok - %s: %s: the documented difference is gone: Spark %s; winagg %s" % (
            SUITE, c["name"], "fails at batch %d" % sf if spark_fail else "runs every batch",
            "fails at batch %d" % w_fail if w_fail is not None else "runs every batch"))
        dump(c, spark_out, w_out)
        return False
    if spark_fail and not refused and not spark_fail[1].startswith(
            ("[ARITHMETIC_OVERFLOW]", "[CAST_OVERFLOW]", "[DATETIME_OVERFLOW]")):
        diffs.insert(0, "Spark fails for another reason than an overflow: %s" % spark_fail[1][:200])
    what = "%s %s sched %s %s" % (c["kind"][0], c["mode"], c["schedule"],
                                 "fails at batch %d both (Spark: %s)" % (sf, spark_fail[1][:60]) if sf is not None else
                                 "%d rows" % sum(len(b) for b in spark_out))
    if not diffs:
        print("ok - %s: %s (%s)" % (SUITE, c["name"], what))
        if VERBOSE:
            dump(c, spark_out, w_out)
        return True
    print("not ok - %s: %s: %s%s" % (SUITE, c["name"], diffs[0], " [" + c["note"] + "]" if c["note"] else ""))
    for x in diffs[1:40]:
        print("#   " + x)
    dump(c, spark_out, w_out)
    return False


def dump(c, spark_out, w_out):
    print("#   winagg: " + " ".join(winagg_args(c, "STATE")[1:]))
    print("#   Spark: t %s (%s), g %s, v %s" % (c["ttype"], c["unit"], c["gtype"], c["vtype"]))
    for i, b in enumerate(c["batches"]):
        print("#   batch %d in: %s" % (i, " ".join(line(e) for e in b)))
    for i in range(max(len(spark_out), len(w_out))):
        print("#   batch %d Spark:  %s" % (i, " ".join(canon(spark_out[i])) if i < len(spark_out) else "-"))
        print("#   batch %d winagg: %s" % (i, " ".join(canon(w_out[i])) if i < len(w_out) else "-"))


CACHE = os.environ.get("SPARK_DIFF_CACHE") or None


def cache_path(c):
    """The cache file of case c's Spark rows (None without SPARK_DIFF_CACHE)."""
    if CACHE is None:
        return None
    def canon_case(x):
        if isinstance(x, Raw):
            return ["Raw", str(x)]
        if isinstance(x, dict):
            return [[k, canon_case(v)] for k, v in sorted(x.items())]
        if isinstance(x, (list, tuple)):
            return [canon_case(v) for v in x]
        return [type(x).__name__, x]
    import pyspark
    h = hashlib.sha256()
    with open(__file__, "rb") as f:
        h.update(f.read())
    h.update(pyspark.__version__.encode())
    h.update(json.dumps(canon_case(c)).encode())
    return os.path.join(CACHE, h.hexdigest() + ".json")


def cached(c):
    p = cache_path(c)
    if p is None or not os.path.exists(p):
        return None
    with open(p) as f:
        d = json.load(f)
    return d["out"], (tuple(d["fail"]) if d["fail"] is not None else None)


def keep(c, res):
    p = cache_path(c)
    if p is None:
        return
    os.makedirs(CACHE, exist_ok=True)
    with open(p + ".tmp", "w") as f:
        json.dump({"out": res[0], "fail": res[1]}, f)
    os.replace(p + ".tmp", p)


def run_cases(spark, cases):
    ok = 0
    res0 = {c["name"]: cached(c) for c in cases}
    hits = [c for c in cases if res0[c["name"]] is not None]
    if hits:
        print("# Spark's rows for %d of %d cases from %s (kept by an earlier run of this file)"
              % (len(hits), len(cases), CACHE))
        for c in hits:
            d = os.path.join(tmp, c["name"])
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            w_out, w_fail, w_msg, w_st = run_winagg(c, d)
            s_out, s_fail = res0[c["name"]]
            ok += report(c, s_out, s_fail, w_out, w_fail, w_msg, w_st)
            shutil.rmtree(d, ignore_errors=True)
        cases = [c for c in cases if res0[c["name"]] is None]
    # a chunk of queries runs in lockstep, as long as its longest: chunk alike lengths
    cases = sorted(cases, key=lambda c: -(len(per_record_files(c)) if c["schedule"] == "R" else len(c["batches"])))
    for k in range(0, len(cases), PARALLEL):
        chunk = cases[k:k + PARALLEL]
        dirs = []
        for c in chunk:
            d = os.path.join(tmp, c["name"])
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            dirs.append(d)
        try:
            res = spark_cases(spark, chunk, dirs)
        except Exception as e:
            for c in chunk:
                print("not ok - %s: %s: Spark harness: %s" % (SUITE, c["name"], str(e).splitlines()[0]))
            continue
        for c, d in zip(chunk, dirs):
            s_out, s_fail = res[c["name"]]
            w_out, w_fail, w_msg, w_st = run_winagg(c, d)
            agree = report(c, s_out, s_fail, w_out, w_fail, w_msg, w_st)
            if agree:   # (a disagreement, or a Spark harness's timeout, runs Spark again next time)
                keep(c, res[c["name"]])
            ok += agree
            shutil.rmtree(d, ignore_errors=True)
    return ok


# ---------------------------------------------------------------- hand cases

def hand_cases():
    S = 1000000
    E = lambda t, g=None, v=None, **kw: dict(t=t, g=g, v=v, **kw)
    cs = []
    # (1) count-of on the null group: Spark's count("bot") counts 0 there
    cs.append(case("hand-countof-null-group",
                   [[E(5, True), E(6, None), E(7, None)], [E(100, False)]],
                   aggs=[("count-of", "counts", "g"), ("count", "n", None)], note="known 1"))
    # (2) sessions that touch: 10 and 15 with gap 5 s: one session [10, 20]
    cs.append(case("hand-session-touch", [[E(10, True), E(15, True)], [E(100, True)]],
                   kind=("session", 5 * S), note="known 2"))
    cs.append(case("hand-session-touch-across", [[E(10, True)], [E(15, True)], [E(100, True)]],
                   kind=("session", 5 * S), delay=10000, note="known 2"))
    # (3) exact longs; a sum past int64 fails both
    cs.append(case("hand-minmax-exact-long", [[E(1, True, 9007199254740993), E(2, True, 1)], [E(100)]],
                   aggs=[("min", "mn", "v"), ("max", "mx", "v"), ("sum", "s", "v")], note="known 3"))
    cs.append(case("hand-sum-overflow", [[E(1, True, I64 - 1)], [E(2, True, 1)], [E(100)]],
                   aggs=[("sum", "s", "v")], delay=50000, note="known 3"))
    cs.append(case("hand-sum-overflow-one-batch", [[E(1, True, I64 - 1), E(2, True, 1)], [E(100)]],
                   aggs=[("sum", "s", "v")], note="known 3"))
    cs.append(case("hand-sum-overflow-negative", [[E(1, True, -I64), E(2, True, -1)], [E(100)]],
                   aggs=[("sum", "s", "v")], note="known 3"))
    # (4) the watermark floor: windows ending <= 0 are late from the first batch
    cs.append(case("hand-wm-floor", [[E(-10, True), E(-3, False), E(-1, None), E(0, True)], [E(20, True)],
                                     [E(-20, True), E(3, False)], [E(40)]],
                   kind=("tumble", 5 * S, None, 0), note="known 4"))
    cs.append(case("hand-wm-floor-b", [[E(-10, True), E(-3, False), E(0, None)], [E(20, True)], [E(-1, True)],
                                       [E(40)]],
                   kind=("tumble", 5 * S, None, 0), schedule="B", note="known 4"))
    # (5) years past 9999, sub-microsecond fractions, the watermark in ms
    cs.append(case("hand-year-10000", [[E(253402300800, True), E(253402300799, False)], [E(253402301000)]],
                   kind=("tumble", 60 * S, None, 0), note="known 5"))
    cs.append(case("hand-year-0000", [[E(-62135596801, True)], [E(-62135596700)]],
                   kind=("tumble", 1 * S, None, 0), note="known 5 (negative years; watermark floor: all late)"))
    cs.append(case("hand-sub-us", [[E(Raw("1.0000009"), True), E(Raw("2.0000019999999999"), True),
                                    E(Raw("-0.0000005"), False), E(Raw("1679319180.0000009"), None)],
                                   [E(1679319999)]],
                   kind=("tumble", 1, None, 0), ttype="double", note="known 5"))
    cs.append(case("hand-wm-ms", [[E(Raw("100.0015"), True)], [E(Raw("100.0011"), True)], [E(200)]],
                   kind=("tumble", 100, None, 0), ttype="double", note="known 5"))
    cs.append(case("hand-wm-ms-b", [[E(Raw("100.0015"), True)], [E(Raw("100.0011"), True)], [E(200)]],
                   kind=("tumble", 100, None, 0), ttype="double", schedule="B", note="known 5"))
    # (6) numbers of 64+ characters
    long1 = Raw("1." + "0" * 67 + "1")
    big = Raw("1" + "0" * 69)
    cs.append(case("hand-long-numbers-values",
                   [[E(1, True, long1), E(2, True, big), E(3, False, Raw("-" + big))], [E(100)]],
                   aggs=[("sum", "s", "v"), ("min", "mn", "v"), ("max", "mx", "v"), ("avg", "a", "v")],
                   vtype="double", note="known 6"))
    cs.append(case("hand-long-numbers-time", [[E(long1, True)], [E(100)]], ttype="double",
                   kind=("tumble", 1 * S, None, 0), note="known 6"))
    cs.append(case("hand-long-numbers-time-overflow", [[E(5, True)], [E(big, True)], [E(100)]],
                   ttype="double", note="known 6: both fail (Spark CAST_OVERFLOW)"))
    # times out of range in each unit
    cs.append(case("hand-ms-overflow", [[E(5000, True)], [E(I64 - 1, True)], [E(100000)]], unit="ms",
                   note="timestamp_millis DATETIME_OVERFLOW"))
    cs.append(case("hand-s-long-saturates", [[E(5, True)], [E(I64 // 1000, True)], [E(100)]],
                   note="Spark's cast of long seconds saturates"))
    # doubles: sums in Spark's order
    cs.append(case("hand-double-sum-order", [[E(1, True, 1e16), E(2, True, 1.0), E(3, True, 1.0)],
                                             [E(4, True, -1e16), E(5, True, 0.1)], [E(100)]],
                   aggs=[("sum", "s", "v"), ("avg", "a", "v")], vtype="double", delay=50000))
    cs.append(case("hand-avg-long-big", [[E(1, True, I64 - 1), E(2, True, I64 - 1), E(3, True, 3)], [E(100)]],
                   aggs=[("avg", "a", "v"), ("min", "mn", "v"), ("max", "mx", "v")]))
    cs.append(case("hand-update", [[E(1, True, 1), E(2, None, 2)], [E(3, True, 3), E(15, False)], [E(1, True)]],
                   mode="update", aggs=[("count", "n", None), ("sum", "s", "v")], delay=5000))
    cs.append(case("hand-update-b", [[E(1, True, 1), E(2, None, 2)], [E(3, True, 3), E(15, False)], [E(1, True)],
                                     [E(40, True)]],
                   mode="update", aggs=[("count", "n", None), ("sum", "s", "v")], delay=5000, schedule="B"))
    # found by the random cases: Spark's partial aggregation (before the
    # state store drops late rows) sums late rows too, so an overflow among
    # late rows fails the query
    cs.append(case("hand-late-overflow", [[E(100, True, 1)], [E(5, True, I64 - 1), E(6, True, 1)], [E(200)]],
                   aggs=[("sum", "s", "v")], note="Spark sums late rows before dropping them",
                   differs="spark-fails"))
    cs.append(case("hand-late-overflow-slide", [[E(100, True, 1)], [E(5, True, I64 - 1), E(6, True, 1)], [E(200)]],
                   aggs=[("sum", "s", "v")], kind=("slide", 10 * S, 5 * S, 0),
                   note="sliding: Spark sums late rows before dropping them", differs="spark-fails"))
    cs.append(case("hand-null-time-overflow", [[E(100, True, 1)], [E(None, True, I64 - 1), E(None, True, 1)],
                                               [E(200)]],
                   aggs=[("sum", "s", "v")]))
    # the seed's query: filter type = 'edit' before withWatermark, sliding
    # 60 s / 30 s, 60 s of watermark, by bot, count("bot") and count(*);
    # events of spark-winagg.sh's hand set, late and out of order
    b = 1679319180
    W = lambda t, bot, typ="edit": dict(type=typ, g=bot, t=t)
    seed_events = [W(b + 5, False), W(b + 12, True), W(b + 40, None), W(b + 31, False),
                   W(b + 61, True, "log"), W(b + 90, False), W(b + 30, True), W(b + 150, True),
                   W(b + 29, False), W(b + 60, None), W(b + 95, False), W(b + 240, True),
                   W(b + 150, False), W(b + 300, None), W(b + 301, False), W(b + 9999, True, None),
                   dict(g=True, t=b + 9999), W(b + 400, True)]
    seed_r = [seed_events[i] for i in (0, 1, 3, 5, 6, 7, 8, 9, 11, 12, 15, 17)]
    seed = dict(kind=("slide", 60 * S, 30 * S, 0), group=("bot", "g"), delay=60000, where=True,
                aggs=[("count-of", "counts", "g"), ("count", "n", None)])
    for sched in "AB":
        cs.append(case("hand-seed-" + sched, [seed_events[i:i + 3] for i in range(0, len(seed_events), 3)],
                       schedule=sched, **seed))
    cs.append(case("hand-seed-R", [seed_r], schedule="R", **seed))
    cs.append(case("hand-seed-update", [seed_events[i:i + 4] for i in range(0, len(seed_events), 4)],
                   mode="update", **seed))
    # a record the filter drops moves no watermark, however far ahead
    cs.append(case("hand-where-no-wm", [[E(5, True, type="edit")], [E(1000, True, type="log"), E(2000, True),
                                        E(3000, True, type=None)], [E(6, True, type="edit")],
                                        [E(100, False, type="edit")]], where=True))
    # found by make conformance: Spark's partial aggregation sums a batch's
    # longs per window and group first (here 1 + -1 = 0), then adds that to
    # the stored sum, so a stored 2^63-1 plus a batch of 1, -1 does not
    # overflow; winagg --micro-batch adds record by record and stops on the 1
    cs.append(case("hand-long-sum-batch-partial", [[E(1, True, I64 - 1)], [E(2, True, 1), E(3, True, -1)], [E(100)]],
                   aggs=[("sum", "s", "v")], note="Spark sums a batch's longs first, then into the state"))
    cs.append(case("hand-long-sum-batch-partial-b", [[E(1, True, I64 - 1)], [E(2, True, 1), E(3, True, -1)],
                                                     [E(100)]],
                   aggs=[("sum", "s", "v")], schedule="B", note="Spark sums a batch's longs first, then into the state"))
    # and the other way round: a batch of 1, 2^63-1 overflows Spark's
    # partial sum (the query fails), while winagg adds them to a stored -1
    cs.append(case("hand-long-sum-batch-partial-fails", [[E(1, True, -1)], [E(2, True, 1), E(3, True, I64 - 1)],
                                                         [E(100)]],
                   aggs=[("sum", "s", "v")], note="Spark sums a batch's longs first, then into the state"))
    # the ends of the timestamp range: Spark takes a time whose windows
    # start and end within 64-bit microseconds (a 10 s window ending at
    # 9223372036850 s; one starting at -9223372036840 s)
    cs.append(case("hand-range-top-s", [[E(5, True)], [E(9223372036849, True)], [E(9223372036849, True)]],
                   note="window [9223372036840 s, 9223372036850 s] fits a timestamp"))
    cs.append(case("hand-range-bottom-us", [[E(-9223372036840000000, True)], [E(100 * S, True)]], unit="us",
                   note="window [-9223372036840 s, -9223372036830 s] fits a timestamp"))
    # Spark refuses session windows without a group-by column
    cs.append(case("hand-session-no-group", [[E(1, True)], [E(100)]], kind=("session", 5 * S), group=None,
                   note="Spark: global aggregation with session window not supported", differs="spark-fails"))
    return cs


# ---------------------------------------------------------------- random cases

def rand_case(seed, idx):
    rnd = random.Random("%s/%d" % (seed, idx))
    S = 1000000
    unit = rnd.choice(["s", "s", "s", "ms", "us"])
    ttype = rnd.choice(["long", "double"]) if unit == "s" else "long"
    era = rnd.choice(["now", "now", "now", "epoch", "epoch", "y10000", "neg"])
    base_s = {"now": 1679319180, "epoch": -20, "y10000": 253402300700, "neg": -62135596900}[era]
    scale = rnd.choice([1, 1, 1000, 10])          # time spread
    wlen = rnd.choice([1, 2, 5, 10, 60]) * S // scale
    kind = rnd.choice(["tumble", "slide", "session"])
    if kind == "session":
        k = ("session", wlen)
    else:
        slide = wlen if kind == "tumble" else max(1, wlen // rnd.choice([2, 3, 5]))
        off = rnd.choice([0, 0, rnd.randrange(slide)])
        k = (kind, wlen, slide if kind == "slide" else None, off)
    delay = rnd.choice([0, 0, 1, 1000, 5000, 20000]) // (scale if scale > 1 else 1)
    vtype = rnd.choice(["long", "double"])
    extreme = rnd.random() < 0.25
    gtype = rnd.choice(["bool", "string", "long"])
    gvals = {"bool": [True, False, None], "string": ["a", "b", "", None], "long": [0, 1, -7, None]}[gtype]
    group = rnd.choice([("g", "g"), ("grp", "g")] + ([None] if kind != "session" else []))
    ops = [("count", "n", None), ("count-of", "cv", "v"), ("count-of", "cg", "g"), ("sum", "s", "v"),
           ("min", "mn", "v"), ("max", "mx", "v"), ("avg", "a", "v")]
    aggs = rnd.sample(ops, rnd.randint(1, len(ops)))
    mode = "append" if kind == "session" else rnd.choice(["append", "update"])
    schedule = rnd.choice(["A", "B"])
    where = rnd.random() < 0.4

    def value():
        r = rnd.random()
        if r < 0.12:
            return None
        if r < 0.17:
            return "missing"
        if vtype == "long":
            if extreme and rnd.random() < 0.5:
                return rnd.choice([I64 - 1, -I64, I64 - 2, 2**53 + 1, -(2**53) - 1, 2**62])
            return rnd.randint(-50, 50)
        if extreme and rnd.random() < 0.5:
            return rnd.choice([1e308, -1e308, 5e-324, 1e16, 0.1, 2.0**53 + 2, -0.0])
        return rnd.choice([round(rnd.uniform(-100, 100), rnd.randint(0, 3)), 0.1, 0.2, 0.3, 1e16, 2.5])

    def etime(us):
        if unit == "us":
            return us
        if unit == "ms":
            return us // 1000
        if ttype == "long":
            return us // S
        r = rnd.random()
        if r < 0.2:
            return Raw("%d.%07d" % divmod(us * 10 + rnd.randrange(10), 10**7)) if us >= 0 else us / S
        return us / S

    nb = rnd.randint(2, 5)
    t = base_s * S + rnd.randrange(wlen * 3)
    batches = []
    for _ in range(nb):
        b = []
        for _ in range(rnd.choice([0, 1, 2, 3, 3, 4, 4, 5, 6, 8])):
            t += rnd.choice([0, 1, wlen // 7 + 1, wlen // 2, wlen, delay * 1000])
            jit = rnd.choice([0, 0, 0, -1, -wlen // 2, -wlen, -delay * 1000, -delay * 1000 - wlen, -3 * wlen])
            ev = {}
            if rnd.random() < 0.07:
                ev["t"] = None
            elif rnd.random() > 0.02:
                ev["t"] = etime(t + jit)
            g = rnd.choice(gvals + ["missing"])
            if g != "missing":
                ev["g"] = g
            v = value()
            if v != "missing":
                ev["v"] = v
            if where:
                typ = rnd.choice(["edit"] * 5 + ["log", None, "missing"])
                if typ != "missing":
                    ev["type"] = typ
                if typ != "edit" and ev.get("t") is not None and rnd.random() < 0.5:
                    # far ahead: moves no watermark, being filtered out first
                    ev["t"] = etime(t + 50 * wlen + delay * 10000)
            b.append(ev)
        batches.append(b)
    if rnd.random() < 0.8:   # a last batch whose watermark closes what is open
        far = t + 3 * wlen + delay * 1000 + rnd.choice([0, 1, wlen // 3])
        batches.append([dict({"t": etime(far), "g": rnd.choice(gvals)}, **({"type": "edit"} if where else {}))])
    if where and sum(len(b) for b in batches) <= 14 and rnd.random() < 0.35:
        schedule = "R"   # winagg without --micro-batch, against one event a batch
    return case("r%s-%d" % (seed, idx), batches, kind=k, aggs=aggs, group=group, gtype=gtype, vtype=vtype,
                ttype=ttype, unit=unit, delay=delay, mode=mode, schedule=schedule, where=where)


# ---------------------------------------------------------------- refusals

def refusals(spark):
    """Session windows in update mode and count_distinct: Spark refuses, and winagg?"""
    c = case("refuse-session-update", [[{"t": 1, "g": True}]], kind=("session", 5000000), mode="update")
    d = os.path.join(tmp, c["name"])
    os.makedirs(d, exist_ok=True)
    os.makedirs(os.path.join(d, "in"), exist_ok=True)
    try:
        q = spark_query(spark, c, os.path.join(d, "in")).writeStream.format("noop").outputMode("update") \
            .option("checkpointLocation", os.path.join(d, "ckpt")).start()
        q.stop()
        sp = "starts"
    except Exception as e:
        sp = "refuses (%s)" % str(e).strip().splitlines()[0][:100]
    p = subprocess.run(winagg_args(c, os.path.join(d, "st")), input="", capture_output=True, text=True)
    good = sp.startswith("refuses") and p.returncode == 2
    print("%s - %s: session windows in update mode: Spark %s; winagg status %d" %
          ("ok" if good else "not ok", SUITE, sp, p.returncode))
    c = case("refuse-count-distinct", [[{"t": 1, "g": True}]], aggs=[("count-distinct", "d", "v")])
    try:
        q = spark_query(spark, c, os.path.join(d, "in")).writeStream.format("noop").outputMode("append") \
            .option("checkpointLocation", os.path.join(d, "ckpt2")).start()
        q.stop()
        sp = "starts"
    except Exception as e:
        sp = "refuses (%s)" % str(e).strip().splitlines()[0][:100]
    print("%s - %s: count_distinct in a streaming aggregation: Spark %s (winagg --count-distinct is not compared)"
          % ("ok" if sp.startswith("refuses") else "not ok", SUITE, sp))


CHECK_SEEDS = [(1, 24)]


def main():
    what = sys.argv[3] if len(sys.argv) > 3 else "check"
    if what == "random":
        seed, n = sys.argv[4], int(sys.argv[5])
        cases = [rand_case(seed, i) for i in range(n)]
        print("# seed %s, %d cases (replay one: spark_diff.py WINAGG TMP replay %s INDEX)" % (seed, n, seed))
    elif what == "replay":
        cases = [rand_case(sys.argv[4], int(sys.argv[5]))]
    elif what == "hand":
        cases = [c for c in hand_cases() if len(sys.argv) <= 4 or c["name"] in sys.argv[4:]]
    else:
        cases = hand_cases() + [rand_case(s, i) for s, n in CHECK_SEEDS for i in range(n)]
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("winagg-spark-diff")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.streaming.minBatchesToRetain", "2")
             .config("spark.sql.adaptive.enabled", "false")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    t0 = time.time()
    if what == "check":
        refusals(spark)
    ok = run_cases(spark, cases)
    print("# %d of %d cases agree, %.0f s" % (ok, len(cases), time.time() - t0))
    spark.stop()


main()
