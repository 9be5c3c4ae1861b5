"""winagg against tests/winagg/reference.py, printing TAP lines:

- split runs: for several inputs, configurations and split points, a run over
  the first part with --state F --at-eof keep followed by a run over the rest
  with --state F writes exactly the rows of one run over the whole input (and
  those are the reference's rows);
- random: seeded random event sequences (in order, out of order, late by
  less and more than the delay, negative times, several groups) through
  random window configurations; winagg's rows must be the reference's, line
  for line.

usage: check.py WINAGG TMPDIR SEED N
"""
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

SUITE = "winagg-cases"
winagg, tmp, seed, nrand = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(tmp, exist_ok=True)
passed = failed = 0


def ok(name):
    print(f"ok - {SUITE}: {name}")


def notok(name, why, detail=()):
    print(f"not ok - {SUITE}: {name}: {why}")
    for d in detail:
        print("#   " + d)


def winagg_run(args, lines, state=None, keep=False):
    extra = []
    if state:
        extra += ["--state", state]
    if state:
        extra += ["--at-eof", "keep" if keep else "flush"]
    p = subprocess.run([winagg, "--in", "ndjson", "--out", "ndjson"] + args + extra,
                       input="".join(l + "\n" for l in lines), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"winagg status {p.returncode}: {p.stderr.strip()}")
    return p.stdout.splitlines()


def ref_run(args, lines):
    return [reference.dumps(r) for r in reference.run(args, lines)]


def first_diff(a, b):
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "(none)"
        y = b[i] if i < len(b) else "(none)"
        if x != y:
            return [f"line {i + 1}: want {x}", f"line {i + 1}: got  {y}"]
    return []


def events(rnd, n, unit="s", groups=("a", "b"), spread=(0, 1, 2, 5, 9, 13), back=(0, 0, 0, 3, 8, 15, 30)):
    t = rnd.randrange(-40, 40)
    out = []
    for _ in range(n):
        t += rnd.choice(spread)
        e = t - rnd.choice(back)
        mul = {"s": 1, "ms": 1000, "us": 1000000}[unit]
        e = e * mul + (rnd.randrange(mul) if mul > 1 and rnd.random() < 0.5 else 0)
        g = rnd.choice(groups)
        out.append('{"t":%d,"g":%s}' % (e, reference.jtext(g)))
    return out


CONFIGS = [
    ["--time", "t", "--window", "10s", "--watermark", "5s", "--group-by", "g"],
    ["--time", "t", "--window", "10s", "--slide", "4s", "--watermark", "7s", "--group-by", "g"],
    ["--time", "t", "--window", "60s", "--slide", "25s", "--offset", "7s", "--watermark", "12s",
     "--group-by", "g", "--count", "n", "--count-distinct", "d=g"],
    ["--time", "t", "--session", "6s", "--watermark", "4s", "--group-by", "g"],
]


def split_tests():
    rnd = random.Random(seed * 7919 + 1)
    for ci, conf in enumerate(CONFIGS):
        for mode in ("append",) if "--session" in conf else ("append", "update"):
            args = conf + ["--mode", mode]
            lines = events(rnd, 40)
            name = f"split runs, config {ci}, {mode}"
            try:
                whole = winagg_run(args, lines)
                want = ref_run(args, lines)
                if whole != want:
                    notok(name + " (one run as the reference)", "rows differ", first_diff(want, whole))
                else:
                    ok(name + " (one run as the reference)")
                bad = []
                for k in sorted({0, 1, 7, 20, 33, 39, 40}):
                    st = os.path.join(tmp, "split.state")
                    if os.path.exists(st):
                        os.unlink(st)
                    two = winagg_run(args, lines[:k], st, keep=True) + winagg_run(args, lines[k:], st)
                    if two != whole:
                        bad.append(f"split at {k}: " + " / ".join(first_diff(whole, two)))
                if bad:
                    notok(name, "two runs differ from one", bad + ["input: " + " ".join(lines)])
                else:
                    ok(name + " (7 split points)")
            except RuntimeError as e:
                notok(name, str(e))
    # three runs, a state file carried through
    args = CONFIGS[1]
    lines = events(rnd, 60)
    st = os.path.join(tmp, "three.state")
    if os.path.exists(st):
        os.unlink(st)
    three = (winagg_run(args, lines[:15], st, keep=True) + winagg_run(args, lines[15:16], st, keep=True)
             + winagg_run(args, [], st, keep=True) + winagg_run(args, lines[16:], st))
    whole = winagg_run(args, lines)
    if three == whole:
        ok("four runs (one empty) with a state file give the rows of one")
    else:
        notok("four runs (one empty) with a state file give the rows of one", "rows differ",
              first_diff(whole, three))


def random_tests():
    rnd = random.Random(seed)
    fails = []
    kinds = {"append": 0, "update": 0, "session": 0}
    for i in range(nrand):
        unit = rnd.choice(["s", "s", "ms", "us"])
        size = rnd.choice([1, 2, 5, 10, 10, 30, 60])
        slide = rnd.choice([d for d in range(1, size + 1) if rnd.random() < 0.5] or [size])
        offset = rnd.randrange(slide)
        delay = rnd.choice([0, 0, 1, 3, 5, 10, 20])
        groups = rnd.choice([("a",), ("a", "b"), (True, False, None), (1, "1", None, "x")])
        if i % 5 == 4:
            args = ["--time", "t", "--time-unit", unit, "--session", f"{rnd.choice([1, 3, 7])}s"]
            kind = "session"
        else:
            args = ["--time", "t", "--time-unit", unit, "--window", f"{size}s", "--slide", f"{slide}s",
                    "--offset", f"{offset}s"]
            kind = "append"
        args += ["--watermark", f"{delay}s", "--group-by", "g"]
        if i % 3 == 2 and kind == "append":
            args += ["--mode", "update"]
            kind = "update"
        kinds[kind] += 1
        lines = events(rnd, rnd.randrange(0, 60), unit, groups)
        try:
            got = winagg_run(args, lines)
        except RuntimeError as e:
            fails.append(f"#{i} {' '.join(args)}: {e}")
            continue
        want = ref_run(args, lines)
        if got != want:
            fails.append(f"#{i} winagg {' '.join(args)}")
            fails += ["  " + d for d in first_diff(want, got)]
            fails.append("  input: " + " ".join(lines))
    name = (f"random sequences against the reference (seed {seed}: {kinds['append']} append, "
            f"{kinds['update']} update, {kinds['session']} session)")
    if fails:
        notok(name, f"{sum(1 for f in fails if f.startswith('#'))} differ", fails[:12])
    else:
        ok(name)


split_tests()
random_tests()
