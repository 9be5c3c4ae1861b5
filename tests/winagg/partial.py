# The differential cases of winagg-partial.sh (scaling out, man winagg,
# "Scaling out"): one winagg over batch-structured input is the reference;
# the same batches, each split at random into 1 to 5 parts, each part through
# winagg --partial (one process per part, or one for all the parts with a
# barrier after each), the rows of one batch's parts shuffled, then the
# batch's barrier, through winagg --merge, must give the same rows byte for
# byte, the same status, the same messages (the summary's counts) and the
# same state file.
#
# case SEED DIR WINAGG -- OPTIONS...: one case; "{state}" in OPTIONS is a
# state file (the reference's and the merger's apart). Exit 0 when the two
# agree, else 1 with what differs. ONE_PART (the environment) 1: each batch
# is one part, and the values any doubles. RESTART (the environment) 1: the merger
# also runs as two processes on one state file, stopped after a batch's
# barrier, or in the middle of the next batch (a cut: status 1), and
# restarted from there; its rows must be the reference's all the same.
import json, os, random, struct, subprocess, sys

FINAL = 1 << 63


def rec(b):
    return struct.pack(">i", len(b)) + b


def barrier(i):
    return struct.pack(">iQ", -2, i)


def records(data):
    """The records of a stream: bytes, or an int for a barrier."""
    out, i = [], 0
    while i < len(data):
        n = struct.unpack(">i", data[i:i + 4])[0]
        if n == -2:
            out.append(struct.unpack(">Q", data[i + 4:i + 12])[0])
            i += 12
        else:
            out.append(data[i + 4:i + 4 + n])
            i += 4 + n
    return out


def gen(r, bad, exact=True):
    """Batches of recentchange-like records: event times moving on, some late,
    some without one, some filtered out, integer and non-integer values whose
    sums are exact in any order (multiples of 1/4, small), nulls."""
    t = 1764950400 + r.randint(0, 59)
    batches = []
    for _ in range(r.randint(1, 9)):
        b = []
        for _ in range(0 if r.random() < 0.15 else r.randint(1, 60)):
            t += r.choice([0, 0, 1, 1, 2, 3, 5, 8])
            ev = t - r.randint(10, 240) if r.random() < 0.2 else t
            o = {"type": r.choice(["edit"] * 5 + ["new", "log"]),
                 "bot": r.choice([True, False, False, None]),
                 "wiki": r.choice(["enwiki", "dewiki", "commonswiki", "x\u00e9\"\\"]),
                 "user": r.choice(["u%d" % r.randint(1, 8), r.randint(1, 3), None])}
            x = r.random()
            if x < 0.03:
                pass
            elif x < 0.05:
                o["timestamp"] = None
            else:
                o["timestamp"] = ev + r.choice([0, 0, 0, 0.25, 0.5])
                ms = int(o["timestamp"] * 1000)
                o["meta"] = {"dt": "%s.%03dZ" % (
                    __import__("time").strftime("%Y-%m-%dT%H:%M:%S", __import__("time").gmtime(ms // 1000)),
                    ms % 1000), "ms": ms}
            if r.random() < 0.9:
                o["length"] = {"new": r.choice([r.randint(-50, 5000), r.randint(0, 100) + 0.5]),
                               "old": r.randint(0, 5000)}
            o["score"] = r.choice([r.randint(-16, 16) / 4, r.randint(-1000, 1000), None] if exact else
                                  [r.uniform(-1, 1), 1e16, -1e16, 0.1, 1.0, 1e308, None])
            b.append(json.dumps(o, separators=(",", ":")).encode())
            if bad and r.random() < 0.03:
                b.append(r.choice([b'{"type":"edit","timestamp":"soon"}', b'[1]', b'{"timestamp":',
                                   b'{"type":"edit","timestamp":1764950500,"length":{"new":"x"},"score":"y"}']))
        batches.append(b)
    return batches


MERGER_ONLY = {"--watermark": 1, "--mode": 1, "--at-eof": 1, "--state": 1, "--time-format": 1,
               "--out": 1, "--micro-batch": 0, "--back-to-back": 0}


def worker_options(opts):
    out, i = [], 0
    while i < len(opts):
        k = MERGER_ONLY.get(opts[i])
        if k is None:
            out.append(opts[i])
            i += 1
        else:
            i += 1 + k
    return out


def run(cmd, data, env=None):
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return p.returncode, p.stdout, p.stderr


def state_lines(path):
    """A state file's lines; an integer sum kept past its first non-integer
    (the all-integers flag 0) is 0: it means nothing, and winagg keeps the one
    of the records before, which parts do not know."""
    if not os.path.exists(path):
        return None
    lines = open(path, "rb").read().decode().split("\n")
    for k in range(1, len(lines)):
        if lines[k]:
            g = json.loads(lines[k])
            for a in g["aggs"]:
                if a[5] == 0:
                    a[1] = 0
            lines[k] = json.dumps(g)
    return lines


def short(x):
    """x for a message: where it differs is in the test's output above."""
    s = repr(x)
    return s if len(s) < 600 else s[:600] + "..."


def main():
    seed, d, winagg = int(sys.argv[2]), sys.argv[3], sys.argv[4]
    opts = sys.argv[6:]
    r = random.Random(seed)
    bad = "skip" in opts
    # ONE_PART=1: any doubles (0.1, 1e16, 1e308), each batch in one part,
    # whose sums add up as one winagg adds them
    one = os.environ.get("ONE_PART") == "1"
    batches = gen(r, bad, not one)
    m = len(batches)
    # ends: the final barrier after the last batch's (0), the last batch's
    # barrier the final one (1), no final barrier (2), no barrier at all (3)
    end = r.choice([0, 0, 1, 2, 3]) if m > 1 else r.choice([0, 1, 2, 3])
    if end == 3:
        batches = [sum(batches, [])]
        m = 1
    ids = sorted(r.sample(range(1, 1 << 40), m + 1))
    if end == 1:
        ids[m - 1] |= FINAL
    whole = b""
    for k, b in enumerate(batches):
        whole += b"".join(rec(x) for x in b)
        if end != 3:
            whole += barrier(ids[k])
    if end == 0:
        whole += barrier(ids[m - 1] | FINAL)

    def opts_for(state):
        return [o.replace("{state}", state) for o in opts]

    ref_state, mrg_state = d + "/ref.state", d + "/merge.state"
    for f in (ref_state, mrg_state):
        if os.path.exists(f):
            os.unlink(f)
    ref = run([winagg] + opts_for(ref_state), whole)

    # the parts, through winagg --partial
    wopts = worker_options(opts)
    chain = r.random() < 0.3
    parts = []	# per batch, its parts' records
    for b in batches:
        np = 1 if one else r.randint(1, 5)
        ps = [[] for _ in range(np)]
        for x in b:
            ps[r.randrange(np)].append(x)
        parts.append(ps)
    rows = [[] for _ in range(m)]
    wid = 1

    def collect(out, who):
        got, cur = [], []
        for x in records(out):
            if isinstance(x, int):
                got.append(cur)
                cur = []
            else:
                cur.append(x)
        if cur:
            sys.exit("%s: rows after its last barrier" % who)
        return got

    if chain:
        data, owner = b"", []
        for k, ps in enumerate(parts):
            for p in ps:
                data += b"".join(rec(x) for x in p) + barrier(wid)
                wid += 1
                owner.append(k)
        st, out, err = run([winagg, "--partial"] + wopts, data)
        if st != 0:
            sys.stdout.write("winagg --partial (all parts): status %d: %s\n" % (st, err.decode()))
            return 1
        got = collect(out, "winagg --partial")
        if len(got) != len(owner):
            sys.exit("winagg --partial: %d barriers out, %d in" % (len(got), len(owner)))
        for k, g in zip(owner, got):
            rows[k] += g
    else:
        for k, ps in enumerate(parts):
            for p in ps:
                st, out, err = run([winagg, "--partial"] + wopts, b"".join(rec(x) for x in p) + barrier(wid))
                wid += 1
                if st != 0:
                    sys.stdout.write("winagg --partial: status %d: %s\n" % (st, err.decode()))
                    return 1
                got = collect(out, "winagg --partial")
                if len(got) != 1:
                    sys.exit("winagg --partial: %d barriers out, 1 in" % len(got))
                rows[k] += got[0]
    segs = []
    for k in range(m):
        r.shuffle(rows[k])
        seg = b"".join(rec(x) for x in rows[k])
        if end != 3:
            seg += barrier(ids[k])
        segs.append(seg)
    tail = barrier(ids[m - 1] | FINAL) if end == 0 else b""
    merged = b"".join(segs) + tail
    mrg = run([winagg, "--merge"] + opts_for(mrg_state), merged)
    fails = []
    for what, a, b in (("status", ref[0], mrg[0]), ("rows", ref[1], mrg[1]), ("messages", ref[2], mrg[2]),
                       ("state file", state_lines(ref_state), state_lines(mrg_state))):
        if a != b:
            fails.append("%s differ:\n#   winagg:            %s\n#   --partial/--merge: %s" % (
                what, short(a), short(b)))
    # (a table's "Batch: N" counts the tables of one process: not after a restart)
    if not fails and os.environ.get("RESTART") == "1" and "{state}" in opts and m > 1 and end != 3 and \
            "table" not in opts:
        # stopped after batch k's barrier (or cut within batch k + 1), restarted
        k = r.randrange(m - 1)
        os.unlink(mrg_state)
        head = b"".join(segs[:k + 1])
        cut = r.random() < 0.5 and rows[k + 1]
        if cut:
            head += b"".join(rec(x) for x in rows[k + 1][:r.randint(1, len(rows[k + 1]))])
        a = run([winagg, "--merge"] + opts_for(mrg_state), head)
        b = run([winagg, "--merge"] + opts_for(mrg_state), b"".join(segs[k + 1:]) + tail)
        if a[0] != (1 if cut else 0) or b[0] != ref[0] or a[1] + b[1] != ref[1] or \
                state_lines(mrg_state) != state_lines(ref_state):
            fails.append("restarted after batch %d%s: statuses %d, %d (winagg %d); rows %r + %r, "
                         "winagg %s; messages %s, %s" % (k + 1, " and a cut" if cut else "", a[0], b[0], ref[0],
                                                         short(a[1]), short(b[1]), short(ref[1]), short(a[2]),
                                                         short(b[2])))
    if fails:
        sys.stdout.write("# seed %d, %d batches, end %d, %s workers\n# %s\n" % (
            seed, m, end, "chained" if chain else "separate", "\n# ".join(fails)))
        return 1
    return 0


sys.exit(main())
