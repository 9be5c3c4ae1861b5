# Stream behaviour of cfdeframe and cfframe beyond single records: large
# inputs, closed pipes, latency on a trickle, --stats.
suite=streams
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
gen=$TESTS/gen-frames

"$gen" 20000 --size 300 --nul-every 7 >"$tmp/frames"
cfdeframe <"$tmp/frames" >"$tmp/tagged"
cfframe <"$tmp/tagged" >"$tmp/back"
same_bytes "20000 frames survive cfdeframe | cfframe" "$tmp/frames" "$tmp/back"

cfdeframe --bare --expect-id 9 <"$tmp/frames" >/dev/null 2>"$tmp/err"
check "--expect-id names the first other id" grep -q "record 1 at byte 0: schema id" "$tmp/err"

# A record at the maximum size, and one byte over it.
python3 -c 'import sys; n=1<<20; sys.stdout.buffer.write((n+5).to_bytes(4,"big")+b"\0\0\0\0\3"+b"x"*n)' >"$tmp/big"
cfdeframe --max-record 1048581 <"$tmp/big" | cfframe --max-record 1048581 >"$tmp/bigback"
same_bytes "record at --max-record passes" "$tmp/big" "$tmp/bigback"
cfdeframe --max-record 1048580 <"$tmp/big" >/dev/null 2>"$tmp/err"
check "record over --max-record fails with status 1" test $? -eq 1
check "record over --max-record is named" grep -q "impossible length 1048581 (maximum 1048580)" "$tmp/err"

# A closed downstream pipe ends the tool by SIGPIPE, silently.
for t in "cfdeframe" "cfframe"; do
	in=$tmp/frames; [ $t = cfframe ] && in=$tmp/tagged
	$t <"$in" 2>"$tmp/err" | head -c 10 >/dev/null
	st=${PIPESTATUS[0]}
	check "$t | head -c 10: killed by SIGPIPE" test "$st" -eq 141
	check "$t | head -c 10: nothing on stderr" test ! -s "$tmp/err"
	(trap '' PIPE; $t <"$in" 2>"$tmp/err" | head -c 10 >/dev/null; exit "${PIPESTATUS[0]}")
	check "$t | head -c 10 with SIGPIPE ignored: still SIGPIPE" test $? -eq 141
	check "$t | head -c 10 with SIGPIPE ignored: nothing on stderr" test ! -s "$tmp/err"
done

# A trickle: one record must come out while stdin is still open.
trickle() {
	local name=$1 cmd=$2 in=$3 want=$4 pid
	rm -f "$tmp/fifo"; mkfifo "$tmp/fifo"
	printf '%b' "$want" >"$tmp/trickle.want"
	sh -c "$cmd" <"$tmp/fifo" >"$tmp/trickle.out" 2>/dev/null &
	pid=$!
	exec 8>"$tmp/fifo"
	printf '%b' "$in" >&8
	within 5 cmp -s "$tmp/trickle.want" "$tmp/trickle.out"
	same_bytes "$name" "$tmp/trickle.want" "$tmp/trickle.out"
	exec 8>&-
	wait "$pid"
}
F='\x00\x00\x00\x07\x00\x00\x00\x00\x05\xab\xcd'
T='\x00\x00\x00\x06\x00\x00\x00\x05\xab\xcd'
trickle "cfdeframe flushes while its input waits" cfdeframe "$F" "$T"
trickle "cfframe flushes while its input waits" cfframe "$T" "$F"
trickle "cfframe -D flushes while its input waits" "cfframe -D '\\n'" "$T" '\x00\x00\x00\x00\x05\xab\xcd\n'
trickle "a pipeline flushes while its input waits" "cfdeframe | cfframe | cfdeframe" "$F" "$T"

# --stats: counts per schema id on stderr, stdout untouched.
printf '%b' "$F$F"'\xff\xff\xff\xff\x00\x00\x00\x05\x00\x00\x00\x00\x01' >"$tmp/few"
cfdeframe --stats <"$tmp/few" >"$tmp/out" 2>"$tmp/err"
cat >"$tmp/want" <<'T'
 schema_id      records     body_bytes
         1            1              0
         5            2              4
      null            1              -
     total            4              4
T
same_bytes "--stats table" "$tmp/want" "$tmp/err"
cfdeframe <"$tmp/few" >"$tmp/out2"
same_bytes "--stats leaves stdout alone" "$tmp/out2" "$tmp/out"

# -D on large bodies (sent from the input buffer): a collision deep in the
# third frame stops the run with the first two frames written whole.
python3 - "$tmp" <<'PY'
import struct, sys
d = sys.argv[1]
bodies = [bytes([1]) * 600, bytes([2]) * 300, bytes([3]) * 400 + b"\xfe\xfd" + bytes([3]) * 10]
with open(d + "/big.tagged", "wb") as f:
    for b in bodies:
        f.write(struct.pack(">i", 4 + len(b)) + b"\0\0\0\7" + b)
with open(d + "/big.want", "wb") as f:
    for b in bodies[:2]:
        f.write(b"\0\0\0\0\7" + b + b"\xfe\xfd")
PY
cfframe -D '\xfe\xfd' <"$tmp/big.tagged" >"$tmp/big.got" 2>"$tmp/err"
check "-D collision in a large body: status 1" test $? -eq 1
same_bytes "-D collision in a large body: earlier frames whole" "$tmp/big.want" "$tmp/big.got"
check "-D collision in a large body: offset in the frame" grep -q "record 3 at byte 916: the frame contains the delimiter at frame byte 405" "$tmp/err"

# A write error (EAGAIN on a non-blocking pipe read slowly) stops the run with
# status 3 and one message; what reached the pipe is whole records (the last
# one cut where the write failed), never a block sent twice.
python3 - "$tmp" <<'PY'
import fcntl, os, struct, subprocess, sys
d = sys.argv[1]
body = b"\0\0\0\7" + b"E" * 995
with open(d + "/nb.in", "wb") as f:
    f.write((struct.pack(">i", len(body) + 1) + b"\0" + body) * 5000)
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)
fcntl.fcntl(w, 1031, 65536)  # F_SETPIPE_SZ
p = subprocess.Popen(["cfdeframe"], stdin=open(d + "/nb.in", "rb"), stdout=w, stderr=subprocess.PIPE)
os.close(w)
out = b""
while True:
    b = os.read(r, 4096)
    if not b:
        break
    out += b
err = p.stderr.read()
p.wait()
i = 0
ok = True
while i + 4 <= len(out):
    n = struct.unpack(">i", out[i:i + 4])[0]
    part = out[i + 4:i + 4 + n]
    if n != len(body) or part != body[:len(part)]:
        ok = False
        break
    i += 4 + n
name = "streams: a write error stops at status 3, sending nothing twice"
if p.returncode == 3 and err.count(b"write error") == 1 and ok:
    print("ok - " + name)
else:
    print("not ok - %s: status %d, %d messages, records aligned: %s"
          % (name, p.returncode, err.count(b"write error"), ok))
PY
