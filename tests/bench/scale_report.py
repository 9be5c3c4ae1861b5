"""The table of tests/bench/scale-kafka, from job_run.py's measurements.

  scale_report.py DIR N "1 2 3"

DIR holds single.RUN.json (the single job), drvW.RUN.json (the driver with
W workers) and wW-I.RUN.json (worker I of W), with .extra.json beside them
(a worker's: its tree's CPU when the driver started, cpu_before). Prints a
markdown table: medians over the runs, and ratios to the single job of the
same run (the median of each run's ratio); then where the CPU goes.
"""
import glob
import json
import os
import statistics
import sys

import phases


def med(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def load(path):
    m = json.load(open(path))
    x = path[:-5] + ".extra.json"
    m["extra"] = json.load(open(x)) if os.path.exists(x) else {}
    return m


def main():
    d, n, workers = sys.argv[1], int(sys.argv[2]), [int(w) for w in sys.argv[3].split()]
    per_m = 1e6 / n
    rows = {}  # name -> run -> dict of figures
    procs = {}  # name -> run -> (driver procs, a worker's procs)
    for p in sorted(glob.glob(os.path.join(d, "single.*.json"))):
        if p.endswith(".extra.json"):
            continue
        r = os.path.basename(p).split(".")[1]
        m = load(p)
        rows.setdefault("single", {})[r] = {
            "wall": m["wall"], "cpu": m["cpu"], "drv_cpu": m["cpu"], "drv_rss": m["hwm_sum_kb"],
            "drv_cfjob_rss": m["procs"].get("cfjob", {}).get("hwm_kb", 0), "w_rss": float("nan"),
            "broker": m.get("broker_cpu", float("nan")), "w_cpu": 0.0, "join": float("nan")}
        procs.setdefault("single", {})[r] = (m["procs"], {})
    for w in workers:
        name = f"w{w}"
        for p in sorted(glob.glob(os.path.join(d, f"drv{w}.*.json"))):
            if p.endswith(".extra.json"):
                continue
            r = os.path.basename(p).split(".")[1]
            m = load(p)
            ws = [load(q) for q in sorted(glob.glob(os.path.join(d, f"w{w}-*.{r}.json")))
                  if not q.endswith(".extra.json")]
            wcpu = [x["cpu"] - x["extra"].get("cpu_before", 0) for x in ws]
            end = max([m["t1"]] + [x["t1"] for x in ws])
            rows.setdefault(name, {})[r] = {
                "wall": end - m["t0"], "cpu": m["cpu"] + sum(wcpu), "drv_cpu": m["cpu"],
                "drv_rss": m["hwm_sum_kb"], "drv_cfjob_rss": m["procs"].get("cfjob", {}).get("hwm_kb", 0),
                "w_rss": max(x["hwm_sum_kb"] for x in ws), "broker": m.get("broker_cpu", float("nan")),
                "w_cpu": sum(wcpu), "join": ws[0]["extra"].get("join_s", float("nan")),
                "w_idle": sum(x["extra"].get("cpu_before", 0) for x in ws)}
            procs.setdefault(name, {})[r] = (m["procs"], ws[0]["procs"])
    single = rows.get("single", {})

    def ratio(name, key):
        return med([v[key] / single[r][key] for r, v in rows[name].items()
                    if r in single and single[r][key]])

    label = {"single": "single machine: wikimedia-job --flush-at-end"}
    for w in workers:
        label[f"w{w}"] = f"driver + {w} worker{'s' if w > 1 else ''}"
    print()
    print("| run | wall s | x single | CPU s / 1M events | x single | driver CPU s / 1M | driver share "
          "| workers CPU s / 1M | driver peak RSS MB (cfjob) | worker peak RSS MB | broker CPU s / 1M "
          "| x single |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ["single"] + [f"w{w}" for w in workers]:
        rs = rows.get(name)
        if not rs:
            continue
        v = lambda k: med([x[k] for x in rs.values()])
        share = med([x["drv_cpu"] / x["cpu"] for x in rs.values()])
        wall = [x["wall"] for x in rs.values()]
        print(f"| {label[name]} | {v('wall'):.2f} ({min(wall):.2f}-{max(wall):.2f}) | {ratio(name, 'wall'):.2f}x "
              f"| {v('cpu') * per_m:.2f} | {ratio(name, 'cpu'):.2f}x "
              f"| {v('drv_cpu') * per_m:.2f} | {100 * share:.0f}% "
              f"| {v('w_cpu') * per_m:.2f} "
              f"| {v('drv_rss') / 1024:.1f} ({v('drv_cfjob_rss') / 1024:.1f}) "
              f"| {v('w_rss') / 1024:.1f} "
              f"| {v('broker') * per_m:.2f} | {ratio(name, 'broker'):.2f}x |")
    print()
    print("Medians over the runs; \"x single\": the median of each run's figure over the single job's in")
    print("the same run. CPU: user+system of every process tree (job_run.py: getrusage), the driver's")
    print("and the workers' together; a worker's counts from the driver's start (its CPU while it")
    print("joined the group and waited is left out: " + ", ".join(
        f"{w} worker{'s' if w > 1 else ''} {med([x['w_idle'] for x in rows.get(f'w{w}', {}).values()]):.2f} s"
        for w in workers if rows.get(f"w{w}")) + "). Driver share: the driver's")
    print("tree (cfjob, winagg --merge, avroencode) over the total. Peak RSS: the sum of the tree's")
    print("VmHWM (the driver's cfjob alone in brackets); the worker's is the largest of the workers'.")
    print("Broker: the Kafka broker's CPU over the single job's or the driver's run. Wall: the driver's")
    print("start to the last exit. This machine has 2 cores for the broker, the driver and every worker:")
    print("more workers cannot be faster here; the point is the CPU per 1M events and the driver's share.")

    print("\nThe wall time of the single job and of the driver in phases (from their standard error,")
    print("stamped as it came: cfjob's \"batch N: ... committed (T s)\" lines), medians:")
    print("| run | start to batch 1 s | the batches s | a commit to the next batch's start s (its plan) "
          "| last commit to exit s | batches |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ["single"] + [f"w{w}" for w in workers]:
        got = []
        for p in glob.glob(os.path.join(d, ("single" if name == "single" else f"drv{name[1:]}") + ".*.stamped")):
            m = json.load(open(p[:-len(".stamped")] + ".json"))
            x = phases.split(p, m["t0"], m["t1"])
            if x:
                got.append(x)
        if got:
            print(f"| {label[name]} | {med([g[0] for g in got]):.2f} | {med([g[1] for g in got]):.2f} "
                  f"| {med([g[4] for g in got]):.2f} | {med([g[2] for g in got]):.2f} | {med([g[3] for g in got]):.0f} |")

    for name in dict.fromkeys([f"w{workers[0]}", f"w{workers[-1]}"]):
        rs = rows.get(name)
        if not rs:
            continue
        mid = sorted(rs, key=lambda r: rs[r]["wall"])[len(rs) // 2]
        dp, wp = procs[name][mid]
        print(f"\nwhere the CPU goes, {label[name]} (run {mid}): "
              + ("the driver's tree" if name != "single" else "the job's tree"))
        print("| process | n | CPU s | peak RSS MB |")
        print("|---|---:|---:|---:|")
        for c, p in sorted(dp.items(), key=lambda kv: -kv[1]["cpu"]):
            print(f"| {c} | {p['n']} | {p['cpu']:.2f} | {p['hwm_kb'] / 1024:.1f} |")
        if wp:
            print(f"\n  worker 1's tree (from its start: {rs[mid]['join']:.1f} s to join the group before the driver started)")
            print("| process | n | CPU s | peak RSS MB |")
            print("|---|---:|---:|---:|")
            for c, p in sorted(wp.items(), key=lambda kv: -kv[1]["cpu"]):
                print(f"| {c} | {p['n']} | {p['cpu']:.2f} | {p['hwm_kb'] / 1024:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
