"""Helpers of tests/bench/job-kafka (the whole wikimedia-job on a real broker).

  produce BROKERS TOPIC PARTITIONS RATE START FRAMES
      Produce the record stream FRAMES (Confluent frames from gen-events
      --start START --rate RATE) with confluent-kafka, frame i at wall-clock
      time START + i / RATE to partition i % PARTITIONS, each frame sent as
      soon as it is due (linger.ms=0), so event time runs with the clock.
      Prints one line of JSON: frames sent, delivery errors, undelivered,
      the worst lag behind the schedule.

  latency IN OUT KCAT_LOG PROGRESS
      IN: the input topic as NDJSON from avrodecode --fields timestamp
      --kafka-field kafka; OUT: the output topic alike (the rows); KCAT_LOG:
      one line per kcat the job ran (mode, start, end, status, partition,
      offset, count), written by job-kafka's kcat wrapper; PROGRESS: the
      job's standard error, each line prefixed with its arrival time. Prints
      the latency part of job-kafka's table:
      - per output row with window end E, its Kafka timestamp minus that of the
        first input record (by Kafka timestamp) whose event time is >= E + 60 s,
        the record that took the watermark past E;
      - per input record, the time from its Kafka timestamp until the batch
        that read it was committed (its rows, if any, were produced just
        before): the same delay sampled at every record rather than at the
        few records that close a window;
      - the phases of the batches (as below).

  phases KCAT_LOG PROGRESS
      The phases of a job's batches alone, from the same two files.

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

HEAD = "{:40} {:>5} {:>8} {:>8} {:>8} {:>8}"


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

    p = Producer({"bootstrap.servers": brokers, "linger.ms": 0, "acks": "all"})
    behind = 0.0
    for i, f in enumerate(frames):
        due = start + i / rate
        d = due - time.time()
        if d > 0:
            time.sleep(d)
        else:
            behind = max(behind, -d)
        while True:
            try:
                p.produce(topic, f, partition=i % parts, on_delivery=done)
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    left = p.flush(30)
    print(json.dumps({"sent": len(frames), "errors": errors[0], "undelivered": left,
                      "max_behind_s": round(behind, 4)}))
    return 1 if errors[0] or left else 0


def pct(xs, q):
    """Nearest-rank percentile of a sorted list."""
    k = max(1, -(-q * len(xs) // 100))
    return xs[min(k, len(xs)) - 1]


def stats_line(label, xs, scale=1.0):
    xs = sorted(v * scale for v in xs)
    return (f"{label:40} {len(xs):5d} {xs[0]:8.0f} {statistics.median(xs):8.0f} "
            f"{pct(xs, 95):8.0f} {xs[-1]:8.0f}")


def window_end(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%d %H:%M:%S"))


class Job:
    """A job's batches: its progress lines and the kcat calls of each batch."""

    def __init__(self, log_path, progress_path):
        self.batches = []  # (commit time, batch, records, rows)
        self.pipe_end = []  # arrival of winagg's summary line: the pipeline's winagg exited
        for line in open(progress_path):
            t, _, msg = line.rstrip("\n").partition(" ")
            m = re.match(r"cfjob: batch (\d+): (\d+) records in, (\d+) rows", msg)
            if m:
                self.batches.append((float(t), int(m[1]), int(m[2]), int(m[3])))
            elif msg.startswith("winagg: summary"):
                self.pipe_end.append(float(t))
        calls = []  # (mode, start, end, partition, offset, count)
        for line in open(log_path):
            f = line.split()
            calls.append((f[0], float(f[1]), float(f[2]),
                          *(int(v) if v.isdigit() else None for v in f[4:7])))
        calls.sort(key=lambda c: c[1])
        self.calls = calls
        # a call belongs to the first batch committed after it ended
        ends = [b[0] for b in self.batches]
        self.of = {b[1]: [] for b in self.batches}
        for c in calls:
            i = bisect.bisect_left(ends, c[2])
            if i < len(self.batches):
                self.of[self.batches[i][1]].append(c)

    def ranges(self):
        """partition -> sorted [(first offset, end offset, commit time)]"""
        byp = {}
        for t, b, _, _ in self.batches:
            for c in self.of[b]:
                if c[0] == "C" and c[3] is not None and c[4] is not None and c[5] is not None:
                    byp.setdefault(c[3], []).append((c[4], c[4] + c[5], t))
        for v in byp.values():
            v.sort()
        return byp

    def idle(self):
        """A line on the polls before the first record arrived."""
        first_c = next((c[1] for c in self.calls if c[0] == "C"), float("inf"))
        pre = [c for c in self.calls if c[1] < first_c]
        polls = [c[1] for c in pre if c[0] == "L"][2:]  # the first two are the job's start
        if len(polls) < 3:
            return None
        busy = []
        for a in polls:
            qs = [c for c in pre if c[0] == "Q" and c[1] > a][:2]
            if len(qs) == 2:
                busy.append(qs[1][2] - a)
        gaps = [b - a for a, b in zip(polls, polls[1:])]
        return (f"idle, before the first record: {len(polls)} polls, one every "
                f"{statistics.median(gaps) * 1000:.0f} ms (median), each "
                f"{statistics.median(busy) * 1000:.0f} ms from kcat -L to the second kcat -Q's exit")

    def phases(self):
        """Lines of the phase table."""
        ph = {k: [] for k in ("cycle", "idle", "parts", "plan", "consume", "after", "winagg",
                              "tail", "produce", "commit", "kcatL", "kcatQ", "kcatC", "kcatP")}
        nrec, idle_polls, prev = [], 0, None
        for t, b, n, _ in self.batches:
            cs = self.of[b]
            C = [c for c in cs if c[0] == "C"]
            if not C:
                prev = t
                continue
            before = [c for c in cs if c[1] < C[0][1]]
            plan_q = [c for c in before if c[0] == "Q"][-2:]
            # a streaming cfjob re-reads the partitions (kcat -L -J | jq) just before each plan
            L = [c for c in before[-3:-2] if c[0] == "L"] if len(plan_q) == 2 else []
            P = [c for c in cs if c[0] == "P" and c[1] > C[-1][1]][:1]
            if prev is not None:  # between two batches (the first waited for input, or started)
                ph["cycle"].append(t - prev)
                start = L[0][1] if L else plan_q[0][1] if plan_q else None
                if start is not None:
                    ph["idle"].append(start - prev)
                idle_polls += max(0, len([c for c in before if c[0] == "Q"]) - 2) // 2
            if L:
                ph["parts"].append(plan_q[0][1] - L[0][1])
                ph["kcatL"].append(L[0][2] - L[0][1])
            if plan_q:
                ph["plan"].append(C[0][1] - plan_q[0][1])
                ph["kcatQ"] += [c[2] - c[1] for c in plan_q]
            ph["consume"].append(C[-1][2] - C[0][1])
            ph["kcatC"] += [c[2] - c[1] for c in C]
            ph["after"].append(t - C[-1][2])
            j = bisect.bisect_left(self.pipe_end, C[-1][2])
            if j < len(self.pipe_end) and self.pipe_end[j] <= t:
                ph["winagg"].append(self.pipe_end[j] - C[-1][2])
            if P:
                ph["tail"].append(P[0][1] - C[-1][2])
                ph["produce"].append(P[0][2] - P[0][1])
                ph["kcatP"].append(P[0][2] - P[0][1])
                ph["commit"].append(t - P[0][2])
            nrec.append(n)
            prev = t
        out = [f"batches that read records: {len(nrec)}, "
               f"{statistics.mean(nrec) if nrec else 0:,.0f} records each on average; "
               f"{idle_polls} polls between them found nothing (each then sleeps --trigger)",
               HEAD.format("batch phases (ms)", "n", "min", "median", "p95", "max")]
        names = {
            "cycle": "cycle: commit to next commit",
            "idle": "  commit -> next batch's first kcat",
            "parts": "  kcat -L -J | jq (partitions)",
            "plan": "  plan: 2x kcat -Q, write+sync plan",
            "consume": "  4x kcat -C in turn (pipeline beside)",
            "after": "  last kcat -C exit -> committed",
            "winagg": "    last kcat -C exit -> winagg exited",
            "tail": "    with rows: ... -> kcat -P start",
            "produce": "    with rows: cfframe -D | kcat -P",
            "commit": "    with rows: kcat -P exit -> committed",
            "kcatL": "one kcat -L -J (metadata)",
            "kcatQ": "one kcat -Q (offsets of 4 partitions)",
            "kcatC": "one kcat -C (a partition's range)",
            "kcatP": "one kcat -P (the batch's rows)",
        }
        for k, label in names.items():
            if ph[k]:
                out.append(stats_line(label, ph[k], 1000))
        return out


def latency(in_path, out_path, log_path, progress_path, delay=60):
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
    row_lat, untriggered = [], 0
    for end, g, ts in rows:
        i = bisect.bisect_left(runmax, end + delay)
        if i == len(runmax):
            untriggered += 1
        else:
            row_lat.append((end, g, ts - ins[i][0]))

    job = Job(log_path, progress_path)
    byp = job.ranges()
    rec_lat, unread = [], 0
    for ts, _, p, o in ins:
        v = byp.get(p, [])
        i = bisect.bisect_right(v, (o, float("inf"), 0)) - 1
        if i >= 0 and v[i][0] <= o < v[i][1]:
            rec_lat.append(v[i][2] * 1000 - ts)
        else:
            unread += 1

    out = [HEAD.format("latency, streaming (ms)", "n", "min", "median", "p95", "max")]
    if row_lat:
        out.append(stats_line("row: watermark passed E -> row in topic", [x[2] for x in row_lat]))
        out.append("  each row (window end UTC, group, ms): " + ", ".join(
            f"{time.strftime('%H:%M:%S', time.gmtime(e))} {'null' if g is None else g} {ms}"
            for e, g, ms in row_lat))
    else:
        out.append(f"{'row: watermark passed E -> row in topic':40}     0  (no window closed)")
    if rec_lat:
        out.append(stats_line("record in topic -> its batch committed", rec_lat))
    notes = []
    if untriggered:
        notes.append(f"{untriggered} rows with no closing record")
    if unread:
        notes.append(f"{unread} input records not read by a logged batch")
    if notes:
        out.append("  (" + "; ".join(notes) + ")")
    out += job.phases()
    idle = job.idle()
    if idle:
        out.append(idle)
    print("\n".join(out))
    return 0


def phases(log_path, progress_path):
    print("\n".join(Job(log_path, progress_path).phases()))
    return 0


def main():
    cmds = {"produce": (produce, 6), "latency": (latency, 4), "phases": (phases, 2)}
    if len(sys.argv) >= 2 and sys.argv[1] in cmds and len(sys.argv) == 2 + cmds[sys.argv[1]][1]:
        return cmds[sys.argv[1]][0](*sys.argv[2:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
