"""The tables of tests/bench/job-kafka, from job_run.py's measurements.

  job_report.py table DIR N MAX_BATCH
      DIR holds NAME.RUN.json (job_run.py) and NAME.RUN.extra.json (rows,
      last row's Kafka timestamp, batches; Spark's own timings) for NAME in
      kcat, kcatw, pipeline, job1, jobmb, spark. Prints the throughput
      table (medians over the runs), where the job's CPU goes, and the
      issue's targets against the one-batch job.

  job_report.py live RUN.json EVENTS
      The CPU and memory lines of the streaming run.
"""
import glob
import json
import os
import statistics
import sys

TARGET_X, TARGET_CPU, TARGET_MB = 1.0, 3.0, 100


def load(d):
    runs = {}
    for p in glob.glob(os.path.join(d, "*.json")):
        base = os.path.basename(p)
        if base.endswith(".extra.json"):
            continue
        name, run = base.split(".")[:2]
        m = json.load(open(p))
        x = p[:-5] + ".extra.json"
        m["extra"] = json.load(open(x)) if os.path.exists(x) else {}
        m["progress"] = p[:-5] + ".progress"
        runs.setdefault(name, {})[run] = m
    return runs


def phases(path):
    """durationMs of a --progress file, summed over its batches."""
    out = {}
    try:
        lines = open(path).readlines()
    except (OSError, TypeError):
        return out
    for line in lines:
        try:
            d = json.loads(line).get("durationMs") or {}
        except ValueError:
            continue
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out if {"triggerExecution", "consume", "commit"} <= out.keys() else {}


def mb(kb):
    return kb / 1024


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def table(d, n, maxb):
    n = int(n)
    runs = load(d)
    kc = runs.get("kcat", {})
    names = {
        "kcat": "kcat -C -e -q -f '%R%s' >/dev/null (floor)",
        "kcatw": "  the same, -X fetch.wait.max.ms=10",
        "pipeline": "pipeline alone, file (wikimedia-job --batch)",
        "job1": "wikimedia-job --exit-at-end (1 batch)",
        "jobmb": f"wikimedia-job --exit-at-end --max-batch {maxb}",
        "spark": "PySpark, seed's code, Kafka source+sink",
    }
    print(f"{'whole command':46} {'wall s':>6} {'min-max':>11} {'events/s':>10} {'x kcat':>6} "
          f"{'CPU s':>6} {'/1M ev':>6} {'RSS MB':>13} {'broker':>6}")
    for k, label in names.items():
        rs = runs.get(k)
        if not rs:
            continue
        t = [m["wall"] for m in rs.values()]
        ratios = [m["wall"] / kc[r]["wall"] for r, m in rs.items() if r in kc]
        if not ratios and kc:
            ratios = [m["wall"] / med([v["wall"] for v in kc.values()]) for m in rs.values()]
        cpu = med([m["cpu"] for m in rs.values()])
        hwm = med([m["hwm_sum_kb"] for m in rs.values()])
        low = med([m["rss_peak_kb"] for m in rs.values()])
        bro = med([m.get("broker_cpu", float("nan")) for m in rs.values()])
        x = f"{med(ratios):5.2f}x" if ratios else "     -"
        print(f"{label:46} {med(t):6.2f} {min(t):5.2f}-{max(t):<5.2f} {n / med(t):10,.0f} {x} "
              f"{cpu:6.2f} {cpu * 1e6 / n:6.2f} {mb(hwm):6.1f}/{mb(low):<6.1f} {bro:6.2f}")
        mid = sorted(rs.values(), key=lambda m: m["wall"])[len(rs) // 2]
        e = mid["extra"]
        if k.startswith("job") and e:
            last = e["last_row_ms"] / 1000 - mid["t0"] if e.get("last_row_ms") else float("nan")
            print(f"    median run: start -> last row in topic {last:.2f} s; {e['batches']} batch(es), "
                  f"{e['rows']} rows; user {mid['user']:.2f} s, sys {mid['sys']:.2f} s")
            ph = phases(mid.get("progress"))
            if ph:
                print(f"    its batches (--progress durationMs, summed): {ph['triggerExecution'] / 1000:.2f} s: "
                      f"consume {ph['consume'] / 1000:.2f} s, then the barrier through the pipeline "
                      f"{(ph['triggerExecution'] - ph['consume'] - ph['commit']) / 1000:.2f} s, "
                      f"commit {ph['commit'] / 1000:.2f} s")
        if k == "spark" and e:
            print(f"    median run: session ready at {e['startup']:.1f} s, query started at "
                  f"{e['started']:.1f} s, ended at {e['end']:.1f} s (query alone "
                  f"{e['end'] - e['started']:.1f} s, {n / (e['end'] - e['started']):,.0f} events/s); "
                  f"{e.get('batches', '?')} batches, {e.get('topic_rows', e.get('rows'))} rows")
    print("(wall s: median; x kcat: median of each run's wall time over kcat's in the same run;")
    print(" CPU s: user+system of the whole process tree (getrusage), median, and per 1M events;")
    print(" RSS MB: peak of the tree, sum of each process's VmHWM / largest sum of VmRSS sampled")
    print(" every 50 ms; broker: the Kafka broker's CPU s meanwhile)")

    for k in ("job1", "jobmb", "pipeline", "spark"):
        rs = runs.get(k)
        if not rs:
            continue
        mid = sorted(rs.values(), key=lambda m: m["wall"])[len(rs) // 2]
        procs = sorted(mid["procs"].items(), key=lambda kv: -kv[1]["cpu"])
        seen = sum(p["cpu"] for _, p in procs)
        print(f"\nwhere the CPU goes, {names[k].strip()} (median run): {mid['cpu']:.2f} s in all")
        print(f"  {'process':20} {'n':>3} {'CPU s':>7} {'peak RSS MB':>12}")
        for c, p in procs:
            print(f"  {c:20} {p['n']:3d} {p['cpu']:7.2f} {mb(p['hwm_kb']):12.1f}")
        print(f"  {'(not sampled)':20} {'':3} {mid['cpu'] - seen:7.2f}")

    j = runs.get("job1")
    if j:
        print("\ntargets (issue 17), wikimedia-job --exit-at-end, one batch, median:")
        wall = med([m["wall"] for m in j.values()])
        ratios = [m["wall"] / kc[r]["wall"] for r, m in j.items() if r in kc]
        cpu = med([m["cpu"] for m in j.values()]) * 1e6 / n
        hwm = mb(med([m["hwm_sum_kb"] for m in j.values()]))
        if ratios:
            x = med(ratios)
            print(f"  wall time over kcat's    {x:6.2f}x  (at most {TARGET_X}x)  "
                  f"{'met' if x <= TARGET_X else 'NOT met'}")
        print(f"  CPU s per 1M events      {cpu:6.2f}   (at most {TARGET_CPU})    "
              f"{'met' if cpu <= TARGET_CPU else 'NOT met'}")
        print(f"  peak RSS, MB (upper)     {hwm:6.1f}   (at most {TARGET_MB})    "
              f"{'met' if hwm <= TARGET_MB else 'NOT met'}")
        print(f"  ({wall:.2f} s)")
    return 0


def live(path, events):
    m = json.load(open(path))
    events = int(events)
    procs = sorted(m["procs"].items(), key=lambda kv: -kv[1]["cpu"])
    print(f"  the streaming job, start to SIGTERM ({m['wall']:.1f} s, status {m['status']}): "
          f"CPU {m['cpu']:.2f} s ({m['cpu'] * 1e6 / events:.2f} s per 1M events, "
          f"{100 * m['cpu'] / m['wall']:.0f}% of a core), "
          f"peak RSS {mb(m['hwm_sum_kb']):.1f} MB (sum of VmHWM; {mb(m['rss_peak_kb']):.1f} sampled); "
          f"broker {m.get('broker_cpu', float('nan')):.2f} s")
    print("    " + ", ".join(f"{c} {p['cpu']:.2f} s {mb(p['hwm_kb']):.1f} MB" for c, p in procs))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "table":
        return table(*a[1:])
    if len(a) == 3 and a[0] == "live":
        return live(*a[1:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
