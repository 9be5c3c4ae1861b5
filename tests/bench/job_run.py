"""Runs one command of tests/bench/job-kafka and measures its whole process tree.

    job_run.py [--broker PID] [--stamp-stderr FILE] [--interval S] OUT.json -- COMMAND [ARG ...]

The command runs with this process as its child subreaper
(PR_SET_CHILD_SUBREAPER), so that every process it starts, even one its
parent leaves behind (PySpark's JVM), is reaped here in the end:
getrusage(RUSAGE_CHILDREN) then holds the user and system CPU seconds of the
whole tree, exactly. Meanwhile, every INTERVAL seconds (default 0.05), the
tree is walked through /proc (PPid), and for each process its VmHWM, VmRSS
and CPU seconds so far are read. Written to OUT.json (one object):

  wall          seconds from the command's start to its exit
  status        its exit status (128 + N when killed by signal N)
  user, sys     CPU seconds of the whole tree (getrusage, exact)
  cpu           user + sys; or, when larger, the sum of each process's CPU
                seconds last sampled (cpu_from says which): a process that
                a parent ignoring SIGCHLD reaps (PySpark's daemon) never
                reaches getrusage
  hwm_max_kb    the largest peak RSS (VmHWM) of one process of the tree
                (not getrusage's ru_maxrss: a child forked from Python
                starts with this interpreter's peak in it)
  hwm_sum_kb    the sum of every process's peak RSS (VmHWM, last sampled):
                what the tree would hold if all peaked at once, an upper bound
  rss_peak_kb   the largest sum of VmRSS over the tree at one sample: a
                lower bound of the tree's peak
  procs         per command name: count, CPU seconds (last sampled, so a
                process living less than INTERVAL is missed), largest VmHWM
  broker_cpu    with --broker: CPU seconds of that process (the Kafka broker)
                over the same time, from /proc/PID/stat
  samples       the number of samples
  t0, t1        the command's start and exit (Unix time)

With --stamp-stderr, the command's standard error goes to FILE, each line
prefixed by its arrival time (Unix seconds, microseconds), and to nowhere
else. SIGTERM, SIGINT and SIGHUP received here are passed on to the command.
The command's standard input and output are this process's. After the
command exits, its leftover descendants get 30 s to end (then SIGKILL).
"""
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
TCK = os.sysconf("SC_CLK_TCK")
KB = {"VmHWM:": "hwm", "VmRSS:": "rss"}


def stat_of(pid):
    """(comm, ppid, cpu seconds) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            s = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    i, j = s.find("("), s.rfind(")")
    f = s[j + 2:].split()
    return s[i + 1:j], int(f[1]), (int(f[11]) + int(f[12])) / TCK


def mem_of(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k = line.split(None, 1)[0]
                if k in KB:
                    out[KB[k]] = int(line.split()[1])
    except OSError:
        pass
    return out


def broker_cpu(pid):
    st = stat_of(pid) if pid else None
    return st[2] if st else None


def main():
    a = sys.argv[1:]
    broker = stamp = None
    interval = 0.05
    while a and a[0].startswith("--") and a[0] != "--":
        if a[0] == "--broker":
            broker = int(a[1])
        elif a[0] == "--stamp-stderr":
            stamp = a[1]
        elif a[0] == "--interval":
            interval = float(a[1])
        else:
            sys.exit(__doc__)
        a = a[2:]
    if len(a) < 3 or a[1] != "--":
        sys.exit(__doc__)
    out_path, cmd = a[0], a[2:]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("job_run: prctl(PR_SET_CHILD_SUBREAPER) failed")
    me = os.getpid()
    b0 = broker_cpu(broker)
    t0 = time.time()
    child = subprocess.Popen(cmd, stderr=subprocess.PIPE if stamp else None)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda n, _f: child.send_signal(n))
    stamper = None
    if stamp:
        def copy():
            with open(stamp, "w") as w:
                for line in child.stderr:
                    w.write("%.6f %s" % (time.time(), line.decode("utf-8", "replace")))
                    w.flush()
        stamper = threading.Thread(target=copy, daemon=True)
        stamper.start()

    seen = {}  # pid -> [comm, cpu, hwm]
    rss_peak = samples = 0
    status = t1 = None
    deadline = None
    while True:
        # the tree under this process
        kids = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                st = stat_of(d)
                if st:
                    kids.setdefault(st[1], []).append((int(d), st))
        tree, todo = [], [me]
        while todo:
            p = todo.pop()
            for c, st in kids.get(p, ()):
                tree.append((c, st))
                todo.append(c)
        rss = 0
        for pid, (comm, _, cpu) in tree:
            m = mem_of(pid)
            if "rss" not in m:  # a zombie, or gone
                continue
            e = seen.setdefault(pid, [comm, 0.0, 0])
            e[0], e[1], e[2] = comm, cpu, max(e[2], m.get("hwm", 0))
            rss += m["rss"]
        rss_peak = max(rss_peak, rss)
        samples += 1
        # reap whatever ended: the command, or orphans handed to us
        while True:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = -1
                break
            if pid == 0:
                break
            if pid == child.pid:
                t1 = time.time()
                status = os.waitstatus_to_exitcode(st)
                status = 128 - status if status < 0 else status
                child.returncode = status
                deadline = t1 + 30
        if pid == -1 and status is not None:
            break
        if deadline and time.time() > deadline:
            for p, _ in tree:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(interval)
    if stamper:
        stamper.join(5)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    b1 = broker_cpu(broker)
    procs = {}
    for comm, cpu, hwm in seen.values():
        p = procs.setdefault(comm, {"n": 0, "cpu": 0.0, "hwm_kb": 0})
        p["n"] += 1
        p["cpu"] = round(p["cpu"] + cpu, 3)
        p["hwm_kb"] = max(p["hwm_kb"], hwm)
    cpu = ru.ru_utime + ru.ru_stime
    sampled = sum(e[1] for e in seen.values())
    res = {
        "wall": round(t1 - t0, 4), "status": status,
        "user": round(ru.ru_utime, 3), "sys": round(ru.ru_stime, 3),
        "cpu": round(max(cpu, sampled), 3), "cpu_from": "getrusage" if cpu >= sampled else "sampled",
        "hwm_max_kb": max((e[2] for e in seen.values()), default=0),
        "hwm_sum_kb": sum(e[2] for e in seen.values()), "rss_peak_kb": rss_peak,
        "procs": procs, "samples": samples, "t0": t0, "t1": t1,
    }
    if b0 is not None and b1 is not None:
        res["broker_cpu"] = round(b1 - b0, 3)
    with open(out_path, "w") as f:
        json.dump(res, f)
        f.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
