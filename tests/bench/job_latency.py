"""Helpers of tests/bench/job-kafka (the whole wikimedia-job on a real broker).

  produce BROKERS TOPIC PARTITIONS RATE START FRAMES
      Produce the record stream FRAMES (Confluent frames from gen-events)
      with confluent-kafka, frame i at wall-clock time START + i / RATE to
      partition i % PARTITIONS: each time round, every frame that is due is
      handed to the producer (librdkafka's default linger.ms, 5 ms), then the
      loop sleeps until the next one is due, so that 10,000 frames a second
      keep to the schedule. Prints one line of JSON: frames sent, delivery
      errors, undelivered, the worst lag behind the schedule, the seconds it
      took.

  latency IN OUT PROGRESS ERRLOG [WARMUP]
      IN: the input topic as NDJSON from avrodecode --fields timestamp
      --kafka-field kafka; OUT: the output topic alike (the rows); PROGRESS:
      cfjob's --progress file (one JSON object per batch, Spark's
      StreamingQueryProgress: batchId, sources[].startOffset/endOffset,
      durationMs); ERRLOG: cfjob's standard error, each line prefixed with its
      arrival time (job_run.py --stamp-stderr). Prints the latency part of
      job-kafka's table:
      - per output row with window end E, its Kafka timestamp minus that of the
        first input record (by Kafka timestamp) whose event time is >= E + 60 s,
        the record that took the watermark past E;
      - per input record, the time from its Kafka timestamp until the batch
        that read it was committed (the arrival of cfjob's "batch N: ...
        committed" line; its offsets from PROGRESS): the same delay sampled
        at every record rather than at the few records that close a window;
      each also over the records that landed WARMUP seconds (default 5)
      or more after the first: the job's first transaction and fetches
      apart;
      - the batches: how many, records each, commit to commit, and the
        medians of cfjob's durationMs phases.

  Both topics of the latency run use message.timestamp.type=LogAppendTime,
  so every Kafka timestamp here is the broker's clock when the record landed.
"""
import bisect
import calendar
import json
import re
import statistics
import struct
import sys
import time

def records(path):
    data = open(path, "rb").read()
    i, out = 0, []
    while i < len(data):
        (n,) = struct.unpack_from(">i", data, i)
        i += 4
        if n < 0:
            sys.exit("job_latency: null record in %s" % path)
        out.append(data[i:i + n])
        i += n
    return out


def produce(brokers, topic, parts, rate, start, frames_path):
    from confluent_kafka import Producer

    frames = records(frames_path)
    parts, rate, start = int(parts), float(rate), float(start)
    errors = [0]

    def done(err, msg):
        if err is not None:
            errors[0] += 1

    p = Producer({"bootstrap.servers": brokers, "acks": "all"})
    behind, i, n = 0.0, 0, len(frames)
    while i < n:
        now = time.time()
        d = start + i / rate - now
        if d > 0:
            p.poll(0)
            time.sleep(d)
            continue
        behind = max(behind, -d)
        due = min(n, int((now - start) * rate) + 1)
        while i < due:
            try:
                p.produce(topic, frames[i], partition=i % parts, on_delivery=done)
                i += 1
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    left = p.flush(30)
    print(json.dumps({"sent": n, "errors": errors[0], "undelivered": left,
                      "max_behind_s": round(behind, 4), "seconds": round(time.time() - start, 2)}))
    return 1 if errors[0] or left else 0


def pct(xs, q):
    """Nearest-rank percentile of a sorted list."""
    k = max(1, -(-q * len(xs) // 100))
    return xs[min(k, len(xs)) - 1]


HEAD = "{:42} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7}"


def stats_line(label, xs, scale=1.0):
    xs = sorted(v * scale for v in xs)
    return (f"{label:42} {len(xs):6d} {xs[0]:7.0f} {statistics.median(xs):7.0f} "
            f"{pct(xs, 95):7.0f} {pct(xs, 99):7.0f} {xs[-1]:7.0f}")


def window_end(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


def offsets(v):
    """{partition: offset} of a progress startOffset/endOffset (one topic)."""
    if isinstance(v, str):
        v = json.loads(v)
    out = {}
    for parts in (v or {}).values():
        for p, o in parts.items():
            out[int(p)] = int(o)
    return out


def batches(progress_path, err_path):
    """[(batch id, commit time, {partition: (from, to)}, numInputRows, durationMs)]"""
    commit = {}
    for line in open(err_path):
        t, _, msg = line.rstrip("\n").partition(" ")
        m = re.search(r"batch (\d+): (\d+) records in.*committed", msg)
        if m:
            commit[int(m[1])] = float(t)
    out = []
    try:
        lines = open(progress_path).readlines()
    except OSError:
        lines = []
    for line in lines:
        try:
            pr = json.loads(line)
        except ValueError:
            continue
        b = pr.get("batchId")
        ranges = {}
        for src in pr.get("sources") or []:
            a, z = offsets(src.get("startOffset")), offsets(src.get("endOffset"))
            for p, o in z.items():
                ranges[p] = (a.get(p, o), o)
        t = commit.get(b)
        if t is None and pr.get("timestamp"):
            ts = calendar.timegm(time.strptime(pr["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))
            ts += float("0." + pr["timestamp"][20:23]) if len(pr["timestamp"]) > 20 else 0
            t = ts + (pr.get("durationMs") or {}).get("triggerExecution", 0) / 1000
        out.append((b, t, ranges, pr.get("numInputRows", 0), pr.get("durationMs") or {}))
    if not out:  # no --progress: the committed lines alone
        out = [(b, t, {}, None, {}) for b, t in sorted(commit.items())]
    return out


def latency(in_path, out_path, progress_path, err_path, warmup="5", delay=60):
    warmup = float(warmup)
    ins = []  # (kafka ms, event time s, partition, offset)
    for line in open(in_path):
        r = json.loads(line)
        k = r["kafka"]
        ins.append((k["timestamp"], r["timestamp"], k["partition"], k["offset"]))
    ins.sort()
    runmax, m = [], None  # highest event time up to each record, by Kafka timestamp
    for x in ins:
        m = x[1] if m is None or x[1] > m else m
        runmax.append(m)

    rows = []  # (window end, group, kafka ms)
    for line in open(out_path):
        r = json.loads(line)
        rows.append((window_end(r["window"]["end"]), r.get("requested_by"), r["kafka"]["timestamp"]))
    row_lat, untriggered = [], 0  # (latency ms, kafka ms of the closing record)
    for end, g, ts in rows:
        i = bisect.bisect_left(runmax, end + delay)
        if i == len(runmax):
            untriggered += 1
        else:
            row_lat.append((ts - ins[i][0], ins[i][0]))
    steady_from = ins[0][0] + warmup * 1000 if ins else 0

    bs = batches(progress_path, err_path)
    byp = {}  # partition -> sorted [(from, to, commit time)]
    for _, t, ranges, _, _ in bs:
        for p, (a, z) in ranges.items():
            if z > a and t is not None:
                byp.setdefault(p, []).append((a, z, t))
    for v in byp.values():
        v.sort()
    rec_lat, unread = [], 0
    for ts, _, p, o in ins:
        v = byp.get(p, [])
        i = bisect.bisect_right(v, (o, float("inf"), 0)) - 1
        if i >= 0 and v[i][0] <= o < v[i][1]:
            rec_lat.append((v[i][2] * 1000 - ts, ts))
        else:
            unread += 1

    out = [HEAD.format("latency, streaming (ms)", "n", "min", "median", "p95", "p99", "max")]
    if row_lat:
        out.append(stats_line("row: watermark passed E -> row in topic", [x[0] for x in row_lat]))
        steady = [x[0] for x in row_lat if x[1] >= steady_from]
        if steady:
            out.append(stats_line(f"  the same, after the first {warmup:g} s", steady))
        worst = sorted(row_lat, reverse=True)[:5]
        out.append("  worst rows (ms, s after the first input record): " + ", ".join(
            f"{ms} at {(t - ins[0][0]) / 1000:.1f}" for ms, t in worst))
    else:
        out.append(f"{'row: watermark passed E -> row in topic':42}      0  (no window closed)")
    if rec_lat:
        out.append(stats_line("record in topic -> its batch committed", [x[0] for x in rec_lat]))
        steady = [x[0] for x in rec_lat if x[1] >= steady_from]
        if steady:
            out.append(stats_line(f"  the same, after the first {warmup:g} s", steady))
    notes = []
    if untriggered:
        notes.append(f"{untriggered} rows with no closing record")
    if unread:
        notes.append(f"{unread} input records in no batch of --progress")
    if notes:
        out.append("  (" + "; ".join(notes) + ")")
    if row_lat:
        xs = sorted(x[0] for x in row_lat)
        ys = sorted(x[0] for x in row_lat if x[1] >= steady_from)
        p99 = pct(xs, 99)
        out.append(f"target (issue 17): row p99 at most 1200 ms: {p99} ms, "
                   f"{'met' if p99 <= 1200 else 'NOT met'}"
                   + (f"; after the first {warmup:g} s {pct(ys, 99)} ms" if ys else ""))
    data = [b for b in bs if b[3]]
    times = sorted(b[1] for b in bs if b[1] is not None)
    out.append(f"batches: {len(bs)}, {len(data)} with records, "
               f"{statistics.mean([b[3] for b in data]) if data else 0:,.0f} records each on average")
    if len(times) > 1:
        out.append(stats_line("  commit to next commit", [b - a for a, b in zip(times, times[1:])], 1000))
    keys = sorted({k for b in data for k in b[4]})
    for k in keys:
        xs = [b[4][k] for b in data if isinstance(b[4].get(k), (int, float))]
        if xs:
            out.append(stats_line(f"  durationMs.{k} (batches with records)", xs))
    print("\n".join(out))
    return 0


def main():
    cmds = {"produce": (produce, 6, 6), "latency": (latency, 4, 5)}
    if len(sys.argv) >= 2 and sys.argv[1] in cmds and \
            cmds[sys.argv[1]][1] <= len(sys.argv) - 2 <= cmds[sys.argv[1]][2]:
        return cmds[sys.argv[1]][0](*sys.argv[2:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
