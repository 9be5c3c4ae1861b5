"""The driver's wall time in phases, from its standard error as
tests/bench/job_run.py --stamp-stderr writes it (each line after its
arrival time): before its first batch began, its batches, after the last
batch's commit until its exit; and the median time from a batch's commit to
the next batch's start (its plan). Shared by scale-kafka and scale_sim.py.

  phases.py STAMPED_ERR T0 T1   prints "before B s, batches S s (K), after A s"
"""
import re
import sys

BATCH = re.compile(r"^(\d+\.\d+) cfjob: batch (\d+): .*committed \((\d+(?:\.\d+)?) s")


def durations(path):
    """Each batch's "committed (T s)": from its start (its plan made) to its commit."""
    return [float(m.group(3)) for m in map(BATCH.match, open(path, errors="replace")) if m]


def split(path, t0, t1):
    """(before, batches, after, count) in seconds, or None without batch lines."""
    got = []
    for line in open(path, errors="replace"):
        m = BATCH.match(line)
        if m:
            got.append((float(m.group(1)), float(m.group(3))))
    if not got:
        return None
    first = got[0][0] - got[0][1]
    # from batch k's commit to batch k+1's start: the next plan (the feeder
    # plans k+1 once k's records or rows are fed, so about as k commits)
    gaps = sorted((b[0] - b[1]) - a[0] for a, b in zip(got, got[1:]))
    gap = gaps[len(gaps) // 2] if gaps else float("nan")
    durs = sorted(g[1] for g in got)
    return first - t0, got[-1][0] - first, t1 - got[-1][0], len(got), gap, durs[len(durs) // 2]


def driver_phases(path, t0, t1):
    s = split(path, t0, t1)
    if s is None:
        return "no batch lines"
    return (f"before its first batch {s[0]:.2f} s, {s[3]} batches {s[1]:.2f} s (from a commit to the next"
            f" batch's start, the next plan: {s[4]:.2f} s, the median), after the last commit {s[2]:.2f} s")


if __name__ == "__main__":
    print(driver_phases(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
