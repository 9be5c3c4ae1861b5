#!/usr/bin/env python3
"""eos_cmd.py: commands for cfjob in tests/e2e/job-eos.sh.

  eos_cmd.py cat
      a stamped record stream of Confluent frames in (cfkit(7): "topic
      partition offset timestamp ", the 4-byte length, the value; a
      checkpoint barrier is ff ff ff fe and an 8-byte id), tagged bodies out:
      each value without its first byte (the magic byte), so that cfjob's
      framing (0x00, id, body) gives back the input's frame byte for byte.
      Null records stay null; barriers pass on, the output flushed first.
  eos_cmd.py count LOG
      cat, and at each barrier, before passing it on: adds one to the number
      in $CFJOB_STATE_DIR/.count, writes the barrier's id to
      $CFJOB_STATE_DIR/sub/last, appends it to $CFJOB_STATE_DIR/sub/ids, and
      writes one more record, tagged 0x7ffffffe: "count K barrier N" (N
      without the top bit, which marks the final barrier; a final barrier
      that repeats the last barrier's N ends no batch: passed on alone). The
      first barrier must be $CFJOB_BATCH and each next one the one after,
      else status 1. At start, appends one line to LOG: "start PID
      CFJOB_BATCH=.. CFJOB_AT_EOF=.. CFJOB_UNTIL=.. .count=..", and at the
      end of its input "end PID".
"""
import os
import struct
import sys

BARRIER = b"\xff\xff\xff\xfe"
COUNT_TAG = struct.pack(">i", 0x7FFFFFFE)
FINAL = 1 << 63


class In:
    def __init__(self, f):
        self.f = f
        self.buf = bytearray()
        self.eof = False

    def need(self, n):
        """True when n bytes are buffered; False at the end of input before them."""
        while len(self.buf) < n and not self.eof:
            b = self.f.read1(1 << 16)
            if not b:
                self.eof = True
            self.buf += b
        return len(self.buf) >= n

    def take(self, n):
        b = bytes(self.buf[:n])
        del self.buf[:n]
        return b


def die(msg):
    sys.stderr.write("eos_cmd.py: %s\n" % msg)
    sys.exit(1)


def run(mode, log):
    inp = In(sys.stdin.buffer)
    out = sys.stdout.buffer
    state = os.environ.get("CFJOB_STATE_DIR", "")
    expect = None
    if mode == "count":
        if not state:
            die("CFJOB_STATE_DIR is not set")
        expect = int(os.environ.get("CFJOB_BATCH", "-1"))
        try:
            count = open(os.path.join(state, ".count")).read().strip()
        except OSError:
            count = "none"
        with open(log, "a") as f:
            f.write("start %d CFJOB_BATCH=%s CFJOB_AT_EOF=%s CFJOB_UNTIL=%s .count=%s\n" % (
                os.getpid(), os.environ.get("CFJOB_BATCH", "unset"),
                os.environ.get("CFJOB_AT_EOF", "unset"),
                os.environ.get("CFJOB_UNTIL", "unset"), count))
    nrec = 0
    while inp.need(1):
        if inp.buf[0] == 0xFF:
            if not inp.need(12):
                die("truncated barrier")
            b = inp.take(12)
            if b[:4] != BARRIER:
                die("0xff without a barrier at record %d" % nrec)
            (bid,) = struct.unpack(">Q", b[4:])
            final = bid & FINAL != 0
            bid &= ~FINAL
            # the final barrier (the end of input follows) ends batch N, or
            # repeats the last barrier's N after it (--exit-at-end): no batch
            if mode == "count" and not (final and expect is not None and bid == expect - 1):
                if bid != expect:
                    die("barrier %d, expected %d" % (bid, expect))
                expect = bid + 1
                p = os.path.join(state, ".count")
                try:
                    k = int(open(p).read()) + 1
                except OSError:
                    k = 1
                os.makedirs(os.path.join(state, "sub"), exist_ok=True)
                with open(p + ".tmp", "w") as f:
                    f.write("%d\n" % k)
                os.rename(p + ".tmp", p)
                with open(os.path.join(state, "sub", "last"), "w") as f:
                    f.write("%d\n" % bid)
                with open(os.path.join(state, "sub", "ids"), "a") as f:
                    f.write("%d\n" % bid)
                body = COUNT_TAG + b"count %d barrier %d" % (k, bid)
                out.write(struct.pack(">i", len(body)) + body)
            out.write(b)
            out.flush()
            continue
        # the stamp: four fields, each followed by a space
        i, spaces = 0, 0
        while spaces < 4:
            if not inp.need(i + 1):
                die("truncated stamp at record %d" % nrec)
            if inp.buf[i] == 0x20:
                spaces += 1
            i += 1
            if i > 4096:
                die("no stamp at record %d" % nrec)
        inp.take(i)
        if not inp.need(4):
            die("truncated length at record %d" % nrec)
        (n,) = struct.unpack(">i", inp.take(4))
        if n == -1:
            out.write(struct.pack(">i", -1))
        elif n < 1:
            die("record %d: length %d" % (nrec, n))
        else:
            if not inp.need(n):
                die("truncated record %d" % nrec)
            v = inp.take(n)
            out.write(struct.pack(">i", n - 1) + v[1:])
        nrec += 1
    out.flush()
    if mode == "count":
        with open(log, "a") as f:
            f.write("end %d\n" % os.getpid())


def main():
    if sys.argv[1:] == ["cat"]:
        run("cat", None)
    elif len(sys.argv) == 3 and sys.argv[1] == "count":
        run("count", sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
