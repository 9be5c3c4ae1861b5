#!/usr/bin/env python3
"""progress_diff.py: cfjob's --progress held against Spark's own StreamingQueryProgress.

  progress_diff.py SPARK_PROGRESS CFJOB_PROGRESS

SPARK_PROGRESS: Spark's progress.json of every batch of the seed's query, in
order (tests/interop/job_spark.py PROGRESS), data batches each followed by
the no-data batch that moves the watermark (and its idle reports, left out); CFJOB_PROGRESS: the --progress
lines of a wikimedia-job run over the same batches (--max-batch, the same
events in the same offsets). One cfjob batch is one Spark data batch and the
no-data batch after it (winagg --micro-batch runs both), so for cfjob batch
k and Spark's k-th data batch D, N being the batch after D in Spark's list:

  numInputRows, sources[0].numInputRows   equal to D's;
  eventTime.watermark                     N's (the watermark once D is
                                          done: Spark reports in each batch
                                          the watermark it ran with);
  stateOperators[0].numRowsTotal          N's if N is a no-data batch (the
                                          state after its evictions), else D's.

Then the types: every key the two share, at the top level and in eventTime,
stateOperators[0], sources[0], durationMs and sink, holds the same JSON type
(a number with a point in one and without in the other is a difference:
Spark writes its doubles as 12.0, its longs as 12), and a key of cfjob's
that Spark does not have must be one of cfjob's own, listed in cfjob(1):
durationMs.consume, durationMs.commit.

Prints one line per difference and a summary; exits 1 on any difference.
"""
import json
import sys

OWN = {("durationMs", "consume"), ("durationMs", "commit")}


def load(path):
    out = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except ValueError as e:
                sys.exit("progress_diff.py: %s line %d: not JSON: %s" % (path, n, e))
    return out


def jtype(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "double"
    if v is None:
        return "null"
    return type(v).__name__


def types(where, mine, theirs, bad):
    for k, v in mine.items():
        if k not in theirs:
            if (where, k) not in OWN:
                bad.append("%s.%s: cfjob's, not in Spark's progress" % (where or "(top)", k))
            continue
        t = theirs[k]
        if isinstance(v, dict) and isinstance(t, dict) and k in ("eventTime", "durationMs", "sink"):
            types(k, v, t, bad)
        elif isinstance(v, list) and isinstance(t, list) and k in ("stateOperators", "sources"):
            if v and t and isinstance(v[0], dict) and isinstance(t[0], dict):
                types(k + "[0]", {x: y for x, y in v[0].items()
                                  if x not in ("startOffset", "endOffset", "latestOffset")},
                      t[0], bad)
        elif jtype(v) != jtype(t):
            bad.append("%s.%s: cfjob %s (%s), Spark %s (%s)"
                       % (where or "(top)", k, jtype(v), json.dumps(v)[:40], jtype(t), json.dumps(t)[:40]))


def main():
    spark, mine = load(sys.argv[1]), load(sys.argv[2])
    # the batches Spark ran: not its idle reports (no data, nothing run:
    # durationMs without addBatch, the batchId of the batch to come)
    spark = [p for p in spark if "addBatch" in p.get("durationMs", {})]
    bad = []
    ids = [p.get("batchId") for p in spark]
    if ids != list(range(ids[0] if ids else 0, (ids[0] if ids else 0) + len(ids))):
        sys.exit("progress_diff.py: %s: Spark's batches are not all there: %s" % (sys.argv[1], ids))
    data = [i for i, p in enumerate(spark) if p.get("numInputRows", 0) > 0]
    if len(data) != len(mine):
        bad.append("batches with input: Spark %d, cfjob %d" % (len(data), len(mine)))
    for k, (i, m) in enumerate(zip(data, mine), 1):
        d = spark[i]
        nxt = spark[i + 1] if i + 1 < len(spark) else None

        def same(what, got, want):
            if got != want or jtype(got) != jtype(want):
                bad.append("batch %d (Spark's %d): %s: cfjob %s, Spark %s"
                           % (k, d.get("batchId"), what, json.dumps(got), json.dumps(want)))

        same("numInputRows", m.get("numInputRows"), d.get("numInputRows"))
        same("sources[0].numInputRows", (m.get("sources") or [{}])[0].get("numInputRows"),
             (d.get("sources") or [{}])[0].get("numInputRows"))
        if nxt is not None:
            same("eventTime.watermark", m.get("eventTime", {}).get("watermark"),
                 nxt.get("eventTime", {}).get("watermark"))
            st = nxt if nxt.get("numInputRows", 0) == 0 else d
            same("stateOperators[0].numRowsTotal",
                 (m.get("stateOperators") or [{}])[0].get("numRowsTotal"),
                 (st.get("stateOperators") or [{}])[0].get("numRowsTotal"))
        types("", m, d, bad)
    seen = set()
    for b in bad:
        if b not in seen:
            print(b)
            seen.add(b)
    print("progress_diff.py: %d cfjob batches against %d Spark batches (%d with input): %d differences"
          % (len(mine), len(spark), len(data), len(seen)), file=sys.stderr)
    sys.exit(1 if seen else 0)


if __name__ == "__main__":
    main()
