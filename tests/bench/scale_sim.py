"""How one driver's cost grows with many workers and many input partitions
(issue 19), measured with the real tools where they can run here, modelled
where they cannot. Run with build/venv/bin/python (confluent-kafka) from
anywhere after make and tests/pyenv:

    build/venv/bin/python tests/bench/scale_sim.py

1. Requests. The driver's request for a batch lists every range: its size
   from jobstate_req_format's text for 10 to 10,000 partitions, at offsets
   of 10^9 (a topic that has run a while). Every worker reads every
   request (and each re-send, every 2 s, of the ranges still missing).

2. Partial rows and the merge, real winagg: a batch is SIM_PARTITIONS
   (1,000) ranges of SIM_MAX_BATCH (100) records
   (gen-events' recentchange events, round robin over the partitions, as a
   producer without keys spreads them), SIM_BATCHES batches in a row, at
   each event-time rate of SIM_RATES (events a second of event time over the
   whole topic: the rows of a range depend on how many windows its records
   span; default 300, 10,000 and 1,000,000). winagg --partial (the
   wikimedia job's options) writes each
   range's rows, a barrier after each range; the table gives rows and bytes
   per range and per batch. Then winagg --merge --micro-batch --state (one
   process for all the batches, the driver's) on the rows of each batch, in
   partition order, a barrier after each batch: its CPU per batch
   (getrusage, the best of SIM_REPEAT runs).

3. The real driver and workers on bin/mockbroker: an input topic of
   SIM_PARTITIONS partitions holding SIM_DRIVER_BATCHES (2) x SIM_MAX_BATCH
   records a partition at SIM_DRIVER_RATE events a second of event time,
   SIM_DRIVER_WORKERS (4) wikimedia-job --worker (until they hold every
   partition), then wikimedia-job --driver --flush-at-end --max-batch
   SIM_MAX_BATCH (GROUP-repartition with as many partitions as the input,
   as the driver makes it): the driver's CPU (its cfjob alone, sampled
   from /proc, and its tree from getrusage), wall time in phases, the
   plan's offset queries (durationMs.latestOffset: two ListOffsets requests
   a leader for the input and two for GROUP-repartition), then the requests
   in GROUP-plan and the records of GROUP-repartition (read back with
   kcat) and the single wikimedia-job on the same topic, whose output the
   driver's must equal byte for byte (read_committed; exit 1 if not). If
   the single job fails, the table says so and nothing is compared.

4. The model (modelled numbers, from 2 and 3): W workers (SIM_WORKERS,
   100), one core each; the driver's plan's offset queries and
   a range's latency at a worker measured in 3, a worker's CPU per event
   (avrodecode + winagg --partial) and the merge's CPU per row measured in
   2, the driver's cfjob at the share of a core it used in 3. A batch's
   wall time and the events a second one driver takes at SIM_PARTITIONS
   partitions for --max-batch 100 to 100,000, what bounds it, and whether
   it keeps up with the stream's rate.

About 6 minutes at the defaults on 2 cores, most of it the driver's plans
at 1,000 partitions. Numbers on stdout (markdown), progress on stderr.
SIM_* environment variables change the defaults (SIM_SKIP: words among
driver and rows to leave out; SIM_KEEP=1 keeps the temporary directory);
BIN is the tools' directory.
"""
import json
import os
import phases
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BIN", os.path.join(REPO, "bin"))
os.environ["PATH"] = BIN + os.pathsep + os.environ["PATH"]
PY = os.path.join(REPO, "build", "venv", "bin", "python")
FIXTURE = os.path.join(REPO, "tests", "fixtures", "wikimedia-value.avsc")
START = 1795428000

P = int(os.environ.get("SIM_PARTITIONS", 1000))
N = int(os.environ.get("SIM_MAX_BATCH", 100))
NB = int(os.environ.get("SIM_BATCHES", 3))
DNB = int(os.environ.get("SIM_DRIVER_BATCHES", 2))
RATES = [float(x) for x in os.environ.get("SIM_RATES", "300,10000,1000000").split(",")]
DRATE = float(os.environ.get("SIM_DRIVER_RATE", 10000))
WORKERS = int(os.environ.get("SIM_WORKERS", 100))
NW = int(os.environ.get("SIM_DRIVER_WORKERS", 4))
SINGLE_TIMEOUT = int(os.environ.get("SIM_SINGLE_TIMEOUT", 120))
REPEAT = int(os.environ.get("SIM_REPEAT", 3))
SKIP = os.environ.get("SIM_SKIP", "").split()

WINDOWS = ["--where", "type=edit", "--time", "timestamp", "--time-unit", "s", "--window", "60s",
           "--slide", "30s", "--group-by", "requested_by=bot", "--label", "requested_by:true=Bot",
           "--label", "requested_by:false=Human", "--count-of", "counts=bot"]
BARRIER = 0xFFFFFFFE


def say(*a):
    print("scale_sim:", *a, file=sys.stderr, flush=True)


def stream_records(data):
    """(body or None, barrier id or None) of a record stream."""
    i, out = 0, []
    while i < len(data):
        (n,) = struct.unpack_from(">I", data, i)
        if n == BARRIER:
            out.append((None, struct.unpack_from(">Q", data, i + 4)[0]))
            i += 12
        else:
            out.append((data[i + 4:i + 4 + n], None))
            i += 4 + n
    return out


def rec(body):
    return struct.pack(">I", len(body)) + body


def barrier(k):
    return struct.pack(">IQ", BARRIER, k)


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, data, **kw):
    """Runs cmd on data; (stdout, CPU seconds of it)."""
    c0 = cpu_children()
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    c1 = cpu_children()
    if p.returncode != 0:
        sys.exit(f"scale_sim: {' '.join(cmd[:2])} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return p.stdout, c1 - c0


def registry(d):
    os.makedirs(os.path.join(d, "schemas", "ids"), exist_ok=True)
    os.makedirs(os.path.join(d, "subjects", "wikimedia-value", "versions"), exist_ok=True)
    text = open(FIXTURE).read()
    json.dump({"schema": text}, open(os.path.join(d, "schemas", "ids", "1.json"), "w"))
    json.dump({"subject": "wikimedia-value", "version": 1, "id": 1, "schema": text},
              open(os.path.join(d, "subjects", "wikimedia-value", "versions", "1.json"), "w"))


# ---- 1. requests ----
def request_text(group, batch, committed, tries, parts, n, base):
    s = f"cfjob-request 1\ngroup {group}\nbatch {batch}\ncommitted {committed}\ntry {tries}\n"
    s += "base 0\nat-eof keep\n"  # the plan's header lines (jobstate_plan_format; sizes checked in 3)
    for p in range(parts):
        s += f"part {p} {base} {base + n}\n"
    return s


def section_requests(real):
    print("\n## 1. The driver's request per batch (it lists every range)\n")
    print("| input partitions | request bytes | x workers reading it (100 workers) | a re-send (all missing) |")
    print("|---:|---:|---:|---:|")
    for parts in (6, 10, 100, 1000, 10000):
        b = len(request_text("wikimedia-job", 1000, 999, 1, parts, N, 10**9))
        print(f"| {parts:,} | {b:,} | {b * 100:,} | {b:,} |")
    print(f"\n(the text of common/jobstate.c's jobstate_req_format at offsets of 10^9, --max-batch {N};"
          " about 26 bytes a partition.")
    if real:
        print(f" The real driver's requests in section 3, {P:,} partitions at small offsets: {real}.)")
    else:
        print(")")


# ---- 2. partial rows and the merge ----
def events_stream(tmp, n, rate, seed=1):
    """n events as a record stream of {type, bot, timestamp} JSON bodies; avrodecode's CPU."""
    reg = os.path.join(tmp, "reg")
    bodies = subprocess.run(["gen-events", "-n", str(n), "--seed", str(seed), "--rate", repr(rate),
                             "--start", str(START), "--late-share", "0.01", "--format", "bodies"],
                            stdout=subprocess.PIPE, check=True).stdout
    out, cpu = timed(["avrodecode", "-r", "file:" + reg, "--fields", "type,bot,timestamp", "--out", "stream"],
                     bodies)
    return [b for b, _ in stream_records(out)], cpu


def section_rows(tmp):
    print(f"\n## 2. Partial rows per batch and the merge (real winagg, {P:,} ranges of {N:,} records a batch)\n")
    print("| events/s of event time | a batch spans (s) | rows per range (median, max) | rows per batch "
          "| bytes per batch (values + keys) | row bytes (mean) | avrodecode + winagg --partial CPU s per batch "
          "| merge CPU s per batch | merge rows/s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    res = {}
    for rate in RATES:
        evs, dcpu = events_stream(tmp, P * N * NB, rate)
        # record i to partition i % P; batch b's range of p: the partition's records b*N..(b+1)*N
        parts = [evs[p::P] for p in range(P)]
        inp, order = [], []
        for b in range(NB):
            for p in range(P):
                for body in parts[p][b * N:(b + 1) * N]:
                    inp.append(rec(body))
                inp.append(barrier(len(order) + 1))
                order.append((b, p))
        out, pcpu = timed(["winagg", "--partial", "--in", "stream", "--out", "stream"] + WINDOWS,
                          b"".join(inp))
        ranges, cur = [], []
        for body, bar in stream_records(out):
            if bar is None:
                cur.append(body)
            else:
                ranges.append(cur)
                cur = []
        if cur or len(ranges) != len(order):
            sys.exit(f"scale_sim: winagg --partial gave {len(ranges)} ranges' rows, not {len(order)}")
        # the merge: each batch's rows in partition order, then its barrier
        merge_in = []
        for b in range(NB):
            for k, (bb, p) in enumerate(order):
                if bb == b:
                    merge_in.extend(rec(x) for x in ranges[k])
            merge_in.append(barrier(b + 1))
        merge_in = b"".join(merge_in)
        best = None
        for _ in range(REPEAT):
            st = os.path.join(tmp, "merge.state")
            if os.path.exists(st):
                os.remove(st)
            mout, mcpu = timed(["winagg", "--merge", "--micro-batch", "--state", st, "--at-eof", "keep",
                                "--watermark", "60s", "--in", "stream", "--out", "stream"] + WINDOWS, merge_in)
            best = mcpu if best is None else min(best, mcpu)
        per_range = sorted(len(r) for r in ranges)
        nrows = sum(per_range)
        vbytes = sum(len(x) for r in ranges for x in r)
        # a row's key: "cfjob-row BATCH PART FROM TO ATTEMPT" at offsets of 10^9; + a done record a range
        kbytes = nrows * len(f"cfjob-row 1000 {P - 1} {10**9} {10**9 + N} {0:016x}") + \
            len(ranges) * len(f"cfjob-done 1000 {P - 1} {10**9} {10**9 + N} {0:016x} 10")
        span = N * P / rate
        rb, mb = nrows / NB, best / NB
        res[rate] = {"rows_per_batch": rb, "bytes_per_batch": (vbytes + kbytes) / NB, "merge_cpu": mb,
                     "worker_cpu_per_event": (dcpu + pcpu) / len(evs),
                     "partial_cpu": pcpu / NB, "rows_per_range": per_range[len(per_range) // 2]}
        print(f"| {rate:,.0f} | {span:,.1f} | {per_range[len(per_range) // 2]} ({per_range[-1]}) | {rb:,.0f} "
              f"| {(vbytes + kbytes) / NB:,.0f} | {vbytes / max(nrows, 1):.0f} | {(dcpu + pcpu) / NB:.3f} "
              f"| {mb:.3f} | {rb / mb if mb else float('inf'):,.0f} |")
        say(f"rate {rate:g}: {nrows / NB:,.0f} rows a batch, merge {mb:.3f} s a batch")
    print(f"\n({NB} batches of {P * N:,} events at each rate, gen-events --late-share 0.01; rows per range: "
          "(window, group) rows + 1 meta row; the merge: winagg --merge --micro-batch --state (the"
          f" driver's, avroencode of its few output rows left out), the best of {REPEAT} runs over all"
          " the batches, divided by the batches; a batch spans P x max-batch / rate seconds of event"
          " time, each range the same span: a window of 60 s sliding by 30 s takes a record twice)")
    return res


# ---- 3. the real driver on the mock broker ----
def section_driver(tmp):
    print(f"\n## 3. The real driver and {NW} workers on bin/mockbroker: {P:,} partitions, "
          f"{DNB} batches of {N:,} records a partition\n")
    from confluent_kafka import Producer
    reg = os.path.join(tmp, "reg")
    topics = ["-t", f"wikimedia:{P}", "-t", "out:1", "-t", "out1:1", "-t", "g-plan:1", "-t", f"g-repartition:{P}",
              "-t", "g-changelog:1"]
    mb = subprocess.Popen(["mockbroker"] + topics, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=open(os.path.join(tmp, "mockbroker.err"), "w"))
    procs = []
    try:
        for line in mb.stdout:
            m = re.match(r"BROKERS=(\S+)", line.decode())
            if m:
                break
        else:
            sys.exit("scale_sim: mockbroker gave no address")
        brokers = m.group(1)
        say(f"mockbroker {brokers}: producing {P * N * DNB:,} events into {P} partitions")
        frames = subprocess.run(["gen-events", "-n", str(P * N * DNB), "--rate", repr(DRATE), "--start",
                                 str(START), "--late-share", "0.01", "--format", "frames"],
                                stdout=subprocess.PIPE, check=True).stdout
        pr = Producer({"bootstrap.servers": brokers, "linger.ms": 50, "batch.num.messages": 10000})
        i = k = 0
        while i < len(frames):
            (n,) = struct.unpack_from(">i", frames, i)
            while True:
                try:
                    pr.produce("wikimedia", frames[i + 4:i + 4 + n], partition=k % P)
                    break
                except BufferError:
                    pr.poll(0.1)
            i += 4 + n
            k += 1
        if pr.flush(60) != 0:
            sys.exit("scale_sim: producing to the mock broker failed")
        env = dict(os.environ, SCHEMA_REGISTRY_URL="file:" + reg)
        job = ["wikimedia-job", "-b", brokers]
        run = os.path.join(HERE, "job_run.py")
        ws = []
        for k in range(NW):
            werr = os.path.join(tmp, f"worker{k}.err")
            ws.append((subprocess.Popen([PY, run, os.path.join(tmp, f"worker{k}.json"), "--"] + job +
                                        ["--worker", "--group", "g", "--exit-at-end", "-X",
                                         "session.timeout.ms=6000"], env=env, stderr=open(werr, "w")), werr))
            procs.append(ws[-1][0])
        t0 = time.time()
        while time.time() < t0 + 120:
            held = 0
            for w, werr in ws:
                h = [l for l in open(werr) if "held by this worker" in l]
                held += len([x for x in h[-1].split("worker:")[1].split() if x.isdigit()]) if h else 0
                if w.poll() is not None:
                    sys.exit(f"scale_sim: a worker exited: {open(werr).read()[-500:]}")
            if held == P:
                break
            time.sleep(0.2)
        else:
            sys.exit(f"scale_sim: the workers hold {held} partitions of {P} after 120 s")
        time.sleep(0.5)
        say(f"the {NW} workers hold the {P} partitions after {time.time() - t0:.1f} s; the driver starts")
        md = os.path.join(tmp, "driver.json")
        prog = os.path.join(tmp, "driver.progress")
        derr = os.path.join(tmp, "driver.err")
        if subprocess.run([PY, run, "--stamp-stderr", derr, md, "--"] + job +
                          ["--out-topic", "out", "--state", os.path.join(tmp, "st"), "--group", "g", "--driver",
                           "--flush-at-end", "--max-batch", str(N), "--progress", prog], env=env).returncode:
            sys.exit(f"scale_sim: the driver failed: {open(derr).read()[-500:]}")
        for w, werr in ws:
            if w.wait(60) != 0:
                sys.exit(f"scale_sim: a worker failed: {open(werr).read()[-500:]}")
            procs.remove(w)
        # then the single job, the reference output
        m1 = os.path.join(tmp, "single.json")
        serr = os.path.join(tmp, "single.err")
        sp = subprocess.Popen([PY, run, m1, "--"] + job + ["--out-topic", "out1", "--state", os.path.join(tmp, "st1"),
                              "--group", "s", "--flush-at-end", "--max-batch", str(N)], env=env,
                              stderr=open(serr, "w"), start_new_session=True)
        try:
            sst = sp.wait(SINGLE_TIMEOUT)
        except subprocess.TimeoutExpired:
            # (seen at 20 partitions: the C cfjob's first batch over more than 16 partitions)
            os.killpg(sp.pid, signal.SIGKILL)
            sp.wait()
            sst = f"none: killed after {SINGLE_TIMEOUT} s"
            with open(serr, "a") as f:
                f.write(f"scale_sim: killed after {SINGLE_TIMEOUT} s\n")
        if sst != 0:
            say(f"the single job failed, status {sst}: {open(serr).read()[-300:]}")
        d = json.load(open(md))
        s = json.load(open(m1)) if sst == 0 else {}
        wks = [json.load(open(os.path.join(tmp, f"worker{k}.json"))) for k in range(NW)]
        wk = {"wall": max(x["wall"] for x in wks), "cpu": sum(x["cpu"] for x in wks), "procs": {}}
        for x in wks:
            for c, v in x["procs"].items():
                e = wk["procs"].setdefault(c, {"cpu": 0, "hwm_kb": 0})
                e["cpu"] += v["cpu"]
                e["hwm_kb"] = max(e["hwm_kb"], v["hwm_kb"])

        def kc(topic, fmt, committed=True):
            a = ["kcat", "-b", brokers, "-C", "-t", topic, "-e", "-q", "-f", fmt]
            if committed:
                a += ["-X", "isolation.level=read_committed"]
            return subprocess.run(a, stdout=subprocess.PIPE, check=True).stdout
        same = kc("out", "%R%s") == kc("out1", "%R%s") if sst == 0 else None

        def records_in(path):
            return sum(int(m.group(1)) for m in
                       (re.search(r"cfjob: batch \d+: (\d+) records in", l) for l in open(path, errors="replace")) if m)
        rin = (records_in(derr), records_in(serr))
        plan = kc("g-plan", "%S\n", False).split()
        reqs = [int(x) for x in plan]
        rp = kc("g-repartition", "%k %S\n", False).decode().splitlines()
        rows = sum(1 for l in rp if l.startswith("cfjob-row "))
        done = sum(1 for l in rp if l.startswith("cfjob-done "))
        rbytes = sum(len(l.rsplit(" ", 1)[0]) + int(l.rsplit(" ", 1)[1])
                     for l in rp if l.startswith("cfjob-row "))
        nb = max(1, sum(1 for _ in open(prog))) if os.path.exists(prog) else DNB
        cf = d["procs"].get("cfjob", {}).get("cpu", 0)
        wa = d["procs"].get("winagg", {}).get("cpu", 0)
        wcpu = wk["cpu"]
        print("| | wall s | CPU s (tree) | cfjob CPU s | winagg --merge CPU s | peak RSS MB (cfjob) |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| the driver | {d['wall']:.2f} | {d['cpu']:.2f} | {cf:.2f} | {wa:.2f} "
              f"| {d['procs'].get('cfjob', {}).get('hwm_kb', 0) / 1024:.1f} |")
        print(f"| the {NW} workers ({P // NW} partitions each; CPU summed, RSS the largest) | {wk['wall']:.2f} | {wcpu:.2f} "
              f"| {wk['procs'].get('cfjob', {}).get('cpu', 0):.2f} | {wk['procs'].get('winagg', {}).get('cpu', 0):.2f} "
              f"| {wk['procs'].get('cfjob', {}).get('hwm_kb', 0) / 1024:.1f} |")
        if sst == 0:
            print(f"| the single job (reference) | {s['wall']:.2f} | {s['cpu']:.2f} "
                  f"| {s['procs'].get('cfjob', {}).get('cpu', 0):.2f} | {s['procs'].get('winagg', {}).get('cpu', 0):.2f} "
                  f"| {s['procs'].get('cfjob', {}).get('hwm_kb', 0) / 1024:.1f} |")
        else:
            print(f"| the single job (reference) | failed, status {sst} | | | | |")
        ph = phases.driver_phases(derr, d["t0"], d["t1"])
        print(f"\nthe driver's wall time: {ph}")
        print(f"\n{nb} batches (--progress lines); {len(reqs)} requests in g-plan (re-sends included), "
              f"{min(reqs):,}-{max(reqs):,} bytes; g-repartition: {rows:,} rows ({rows / nb:,.0f} a batch), "
              f"{done:,} done records, {rbytes:,} bytes of rows and keys; the driver's output "
              f"{'EQUALS' if same else 'DIFFERS FROM' if same is False else 'was not compared with'} the single job's"
              f" (read_committed, byte for byte){'' if sst == 0 else ': the single job failed (status %s)' % sst};"
              f" records read: the driver's batches {rin[0]:,}, the single job's {rin[1]:,} (of {P * N * DNB:,}). "
              f"CPU per process sampled every 50 ms (a lower bound); tree CPU from getrusage.")
        sp = phases.split(derr, d["t0"], d["t1"])
        # the plan's offset queries: durationMs.latestOffset of the driver's
        # batches (its input's ends and its repartition topic's), the median
        lat = sorted(json.loads(l)["durationMs"].get("latestOffset", float("nan")) / 1000
                     for l in open(prog) if l.strip())
        if lat:
            print(f"\nthe plan's offset queries (durationMs.latestOffset, the input's {P:,} partitions and the"
                  f" repartition topic's {P:,}): {lat[len(lat) // 2] * 1000:.1f} ms a batch, the median of {len(lat)}")
        real = {"plan_s": lat[len(lat) // 2] if lat else float("nan"),
                "batch_s": min(phases.durations(derr)) if sp else float("nan"), "req_bytes": max(reqs), "nreq": len(reqs), "rows": rows, "done": done, "batches": nb,
                "driver_cpu": d["cpu"], "cfjob_cpu": cf, "merge_cpu": wa, "worker_cpu": wcpu,
                "events": P * N * DNB, "driver_wall": d["wall"], "same": same}
        return real
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        mb.stdin.close()
        mb.wait(10)


# ---- 4. the model ----
def section_model(real, rows):
    print(f"\n## 4. Where one driver stops keeping up (MODELLED from 2 and 3): {P:,} partitions, "
          f"{WORKERS} workers\n")
    l_range = real["batch_s"] * NW / P  # a range's latency at a worker (all of the batch's time: an upper bound)
    cf_rate = real["cfjob_cpu"] / real["driver_wall"]  # the driver's cfjob: CPU per second of its run
    print(f"Inputs, measured in section 3 ({P:,} partitions, {NW} workers, mock broker): the plan between two"
          f" batches (its offset queries: two ListOffsets requests a leader for the input's {P:,} partitions"
          f" and two for the repartition topic's, durationMs.latestOffset) {real['plan_s'] * 1000:.1f} ms;"
          f" a batch's ranges once the workers have started their partitions"
          f" {real['batch_s']:.2f} s, i.e. at most {l_range * 1000:.1f} ms per range at a worker (ranges run one at"
          f" a time); the driver's cfjob used {100 * cf_rate:.1f}% of a core through its run (a consumer of"
          f" {P:,} partitions of GROUP-repartition; {real['rows'] + real['done']:,} records read in all). From"
          f" section 2: a worker's avrodecode + winagg --partial CPU per event (cfjob's own consuming left out;"
          f" tests/bench/scale-kafka measures a whole worker) and winagg --merge's CPU per row."
          f" The plan's requests do not grow with the partitions a leader holds: it is taken as measured.\n")
    print("A batch: the driver plans it (its offset queries), sends the request, the workers run their"
          " ranges (P/W each, one at a time), the driver reads the rows and feeds the merge; the next plan"
          " starts only then, so these add up. Batch wall = plan + P/W x (range latency + max-batch x worker"
          " CPU per event) + the merge (taken whole: it runs beside, in its own process, but the next"
          " batch's rows wait for it only if it falls behind).\n")
    print("| events/s of event time | --max-batch | events a batch | rows a batch | plan s | workers' part s "
          "| merge CPU s | batch wall s | driver's cfjob CPU s | events/s one driver takes "
          "| repartition records/s | what bounds it | keeps up with the rate? | events/s without the plan |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for rate, r in rows.items():
        rows_per_range = r["rows_per_batch"] / P
        merge_per_row = r["merge_cpu"] / r["rows_per_batch"]
        w_ev = r["worker_cpu_per_event"]
        for n in (100, 1000, 10000, 100000):
            span, span0 = n * P / rate, N * P / rate
            rpr = max(rows_per_range, rows_per_range * (span / 30 + 2) / (span0 / 30 + 2))
            rb = rpr * P
            plan = real["plan_s"]
            work = P / WORKERS * (l_range + n * w_ev)
            mg = rb * merge_per_row
            wall = plan + work + mg
            parts = {"the plan": plan, "the workers": work, "the merge": mg}
            bound = max(parts, key=parts.get)
            print(f"| {rate:,.0f} | {n:,} | {n * P:,} | {rb:,.0f} | {plan:.3f} | {work:.2f} | {mg:.3f} "
                  f"| {wall:.1f} | {cf_rate * wall:.2f} | {n * P / wall:,.0f} | {(rb + P) / wall:,.0f} | {bound} "
                  f"| {'yes' if n * P / wall >= rate else 'NO'} | {n * P / (work + mg):,.0f} |")
    print(f"\n(the rows of a range at another --max-batch scaled by the windows it spans, span / 30 s + 2, from"
          f" those measured at --max-batch {N}; repartition records: rows + a done record a range; each of the"
          f" {WORKERS} workers also reads every request, {real['req_bytes']:,} bytes a batch in section 3, and its"
          f" re-sends every 2 s while ranges are missing. \"Keeps up\": the events a second it takes against the"
          f" rate of the stream, if event time runs with the clock; without the plan's {real['plan_s'] * 1000:.0f} ms a batch,"
          f" the workers' part + the merge.)")


def main():
    tmp = tempfile.mkdtemp(prefix="scale_sim.")
    try:
        registry(os.path.join(tmp, "reg"))
        print(f"# scale_sim: the driver's cost at {P:,} partitions and {WORKERS} workers "
              f"({os.cpu_count()} cores here; load {open('/proc/loadavg').read().split()[0]})")
        real = None
        if "driver" not in SKIP:
            real = section_driver(tmp)
        section_requests(f"{real['req_bytes']:,} bytes, {real['nreq']} sent" if real else None)
        rows = section_rows(tmp) if "rows" not in SKIP else {}
        if real and rows:
            section_model(real, rows)
        if real and real["same"] is False:
            print("\nWRONG: the driver's output differs from the single job's")
            return 1
        return 0
    finally:
        if os.environ.get("SIM_KEEP"):
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
