# A worker's command's last stage in tests/e2e/scale.sh and scale-real.sh:
# passes the record stream on unchanged but holds the barrier of its K-th
# range (argv[1]), the range's rows already out (so its cfjob-done is not
# yet made), until the file $GO exists, having made the file $HELD.
import os, struct, sys, time

k = int(sys.argv[1])
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    h = inp.read(4)
    if len(h) < 4:
        break
    (n,) = struct.unpack(">i", h)
    if n == -2:
        bid = inp.read(8)
        if struct.unpack(">Q", bid)[0] == k:
            out.flush()
            open(os.environ["HELD"], "w").close()
            while not os.path.exists(os.environ["GO"]):
                time.sleep(0.01)
        out.write(h + bid)
        out.flush()
        continue
    out.write(h + (inp.read(n) if n > 0 else b""))
out.flush()
