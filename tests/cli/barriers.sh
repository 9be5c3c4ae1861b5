# Checkpoint barriers through the pipeline cfdeframe | avrodecode |
# avroencode | cfframe (docs/DESIGN.md §2; man cfkit.7, RECORD STREAM):
# what tests/cli/framing.cases cannot say. One pipeline over batches with a
# barrier after each writes, between its barriers, byte for byte what the
# same pipeline writes for each batch alone, the barriers' ids in order
# (random batch sizes, a fixed seed BARRIERS_SEED; empty batches, a barrier
# first, two in a row, ids near 2^63, the final barrier last: its id's top
# bit set, passed unchanged by every tool but winagg, which ends its input
# there); the same with a bad record before a barrier under --on-error skip
# and null. Each tool alone writes the final barrier last, unchanged. A barrier comes out of a
# live pipeline before the next record goes in (a fifo), and its flush does
# not wait for the tool to block on its input: avrodecode stalled opening a
# schema file (a fifo) after the barrier has written it.
suite=barriers
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
command -v python3 >/dev/null || { missing "python3" "python3 is needed to make the inputs"; exit 0; }
export PYTHONDONTWRITEBYTECODE=1
seed=${BARRIERS_SEED:-17}
schema=$TESTS/fixtures/wikimedia-value.avsc
reg=$tmp/reg
wikimedia_registry "$reg"
helper=$tmp/barriers.py
cat >"$helper" <<'PY'
# mk SEED FRAMES DIR [BAD [BADKIND]]: the record stream FRAMES cut into
# batches: DIR/in.rs (the batches, a barrier after each but the last),
# DIR/b.I.rs (batch I alone, I from 1), DIR/ids (the barriers' ids, one a
# line), DIR/n (the number of batches). The first and the last batch are
# empty (a barrier first, the final barrier last), and so is one in the
# middle (two in a row). BAD: batch BAD ends with a bad record: BADKIND "frame" (a bad magic
# byte) or "body" (a frame whose body is no Avro of the schema).
# split OUT DIR: OUT cut at its barriers into DIR/seg.I (I from 1) and
# DIR/outids; status 1 if OUT is no record stream.
# ends ID OUT: status 0 when OUT ends with barrier ID.
# barrier ID: the 12 bytes of barrier ID on stdout.
# head K FILE: the first K records of FILE on stdout; with "id2", each one's schema id made 2.
import random, struct, sys

def parse(b):
    out, i = [], 0
    while i < len(b):
        if len(b) - i < 4:
            raise ValueError("truncated at %d" % i)
        n = struct.unpack(">i", b[i:i + 4])[0]
        if n == -2:
            if len(b) - i < 12:
                raise ValueError("truncated barrier at %d" % i)
            out.append(("B", struct.unpack(">Q", b[i + 4:i + 12])[0]))
            i += 12
        elif n == -1:
            out.append(("R", b[i:i + 4]))
            i += 4
        elif n >= 0 and len(b) - i >= 4 + n:
            out.append(("R", b[i:i + 4 + n]))
            i += 4 + n
        else:
            raise ValueError("bad length %d at %d" % (n, i))
    return out

def barrier(i):
    return struct.pack(">iQ", -2, i)

def mk(seed, frames, d, bad=0, kind="frame"):
    r = random.Random(seed)
    recs = [x for _, x in parse(open(frames, "rb").read())]
    sizes, pos = [0], 0
    while pos < len(recs):
        k = 0 if r.random() < 0.1 else r.randint(1, 300)
        k = min(k, len(recs) - pos)
        sizes.append(k)
        pos += k
        if len(sizes) == 4:
            sizes.append(0)
    sizes.append(0)
    batches, pos = [], 0
    for k in sizes:
        batches.append(b"".join(recs[pos:pos + k]))
        pos += k
    if bad:
        if kind == "frame":
            junk = struct.pack(">i", 6) + b"\x07\0\0\0\1\2"
        else:
            junk = struct.pack(">i", 8) + b"\0\0\0\0\1\xff\xff\xff"
        batches[bad - 1] += junk
    # ids in order near the top of the ids (below 2^63: the top bit marks
    # the final barrier); the last barrier is the final one, its id's top
    # bit set (as cfjob --flush-at-end's last batch's)
    ids, i = [], (1 << 63) - (1 << 41) * len(batches) - 1
    for _ in batches[:-1]:
        i += r.randint(1, 1 << 41)
        ids.append(i)
    ids[-1] |= 1 << 63
    with open(d + "/in.rs", "wb") as f:
        for k, b in enumerate(batches):
            f.write(b)
            if k < len(ids):
                f.write(barrier(ids[k]))
    for k, b in enumerate(batches, 1):
        open("%s/b.%d.rs" % (d, k), "wb").write(b)
    open(d + "/ids", "w").write("".join("%d\n" % i for i in ids))
    open(d + "/n", "w").write("%d\n" % len(batches))

def split(out, d):
    try:
        items = parse(open(out, "rb").read())
    except ValueError as e:
        print("not a record stream: %s" % e)
        return 1
    segs, ids = [b""], []
    for kind, v in items:
        if kind == "B":
            ids.append(v)
            segs.append(b"")
        else:
            segs[-1] += v
    for k, s in enumerate(segs, 1):
        open("%s/seg.%d" % (d, k), "wb").write(s)
    open(d + "/outids", "w").write("".join("%d\n" % i for i in ids))
    return 0

def ends(i, out):
    b = open(out, "rb").read()
    return 0 if b.endswith(barrier(int(i))) else 1

if sys.argv[1] == "mk":
    mk(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 0,
       sys.argv[6] if len(sys.argv) > 6 else "frame")
elif sys.argv[1] == "split":
    sys.exit(split(sys.argv[2], sys.argv[3]))
elif sys.argv[1] == "ends":
    sys.exit(ends(sys.argv[2], sys.argv[3]))
elif sys.argv[1] == "head":
    for _, x in parse(open(sys.argv[3], "rb").read())[:int(sys.argv[2])]:
        if len(sys.argv) > 4:
            x = x[:5] + struct.pack(">I", 2) + x[9:]
        sys.stdout.buffer.write(x)
elif sys.argv[1] == "barrier":
    sys.stdout.buffer.write(barrier(int(sys.argv[2])))
PY
py() { python3 "$helper" "$@"; }

gen-events -n 3000 --seed "$seed" --format frames --schema-id 1 >"$tmp/frames" ||
	{ notok "gen-events" "status $?"; exit 0; }

# batches NAME DIR CMD [STDERR-TEXT]: CMD (a sh command) over DIR/in.rs
# writes between its barriers what CMD writes for each batch DIR/b.I.rs
# alone, and the barriers' ids in order; with STDERR-TEXT, its stderr holds it
batches() {
	local name=$1 d=$2 cmd=$3 errtext=${4:-} n i why=
	n=$(cat "$d/n")
	rm -f "$d"/seg.* "$d/outids"
	sh -c "$cmd" <"$d/in.rs" >"$d/out" 2>"$d/err" || why+=" [status $?: $(head -c 300 "$d/err")]"
	if ! py split "$d/out" "$d" >"$d/split.err"; then
		why+=" [$(cat "$d/split.err")]"
	else
		cmp -s "$d/ids" "$d/outids" ||
			why+=" [barrier ids: want $(wc -l <"$d/ids") $(head -c 60 "$d/ids" | tr '\n' ' '), got $(wc -l <"$d/outids") $(head -c 60 "$d/outids" | tr '\n' ' ')]"
		[ -n "$why" ] && n=0	# the segments are not the batches'
		for ((i = 1; i <= n; i++)); do
			sh -c "$cmd" <"$d/b.$i.rs" >"$d/want.$i" 2>/dev/null
			cmp -s "$d/want.$i" "$d/seg.$i" ||
				{ why+=" [batch $i of $n: $(wc -c <"$d/seg.$i") bytes between its barriers, $(wc -c <"$d/want.$i") alone]"; break; }
		done
		[ "$n" -eq 0 ] || [ ! -f "$d/seg.$((n + 1))" ] || why+=" [more segments than batches]"
	fi
	[ -z "$errtext" ] || grep -qF -- "$errtext" "$d/err" || why+=" [stderr lacks \"$errtext\": $(head -c 300 "$d/err")]"
	if [ -z "$why" ]; then ok "$name"; else notok "$name" "${why# }"; fi
}

mkdir -p "$tmp/good"
py mk "$seed" "$tmp/frames" "$tmp/good"
R="-r file:$reg"
E="--schema $schema --schema-id 1"
batches "cfdeframe | avrodecode | avroencode | cfframe: each batch as alone ($(cat "$tmp/good/n") batches)" "$tmp/good" \
    "cfdeframe | avrodecode $R | avroencode $E | cfframe"
check "the pipeline over the batches gives back the input frames, barriers included" \
    cmp -s "$tmp/good/in.rs" "$tmp/good/out"
batches "the same with --encoding avro on both sides" "$tmp/good" \
    "cfdeframe | avrodecode $R --encoding avro | avroencode $E --encoding avro | cfframe"
batches "the same with cfdeframe --bare and cfframe --schema-id" "$tmp/good" \
    "cfdeframe --bare | avrodecode --schema $schema | avroencode --schema $schema --bare | cfframe --schema-id 1"
batches "avrodecode --framed | avroencode | cfframe: each batch as alone" "$tmp/good" \
    "avrodecode --framed $R | avroencode $E | cfframe"
# The final barrier (the last, its id's top bit set) through each tool
# alone: written last, its id unchanged, every barrier before it in order.
fin=$(tail -1 "$tmp/good/ids")
mkdir -p "$tmp/fin"
cp "$tmp/good/in.rs" "$tmp/fin/s0"
k=0 why=
for t in cfdeframe "avrodecode $R" "avroencode $E" cfframe; do
	sh -c "$t" <"$tmp/fin/s$k" >"$tmp/fin/s$((k + 1))" 2>"$tmp/fin/err" || why+=" [${t%% *}: status $?]"
	k=$((k + 1))
	py split "$tmp/fin/s$k" "$tmp/fin" >/dev/null && cmp -s "$tmp/good/ids" "$tmp/fin/outids" ||
		why+=" [${t%% *}: the barriers' ids]"
	py ends "$fin" "$tmp/fin/s$k" || why+=" [${t%% *}: not ending with the final barrier $fin]"
done
check "the final barrier (id $fin, top bit set) through each tool alone: last, unchanged" test -z "$why"
[ -z "$why" ] || echo "#  $why"
check "... the ids: one final barrier, the last, the others' top bit clear" python3 -c '
import sys
ids = [int(x) for x in open(sys.argv[1])]
sys.exit(not [i >> 63 for i in ids] == [0] * (len(ids) - 1) + [1])' "$tmp/good/ids"
# cfframe -D (for kcat -P -D) consumes the barriers: its output is the batches' outputs end to end
D="cfframe -D '\\xfe\\xfd\\xfc\\xfb\\xfa\\xf9\\xf8\\xf7'"
sh -c "cfdeframe | avrodecode $R | avroencode $E | $D" <"$tmp/good/in.rs" >"$tmp/good/out.D"
for ((i = 1; i <= $(cat "$tmp/good/n"); i++)); do
	sh -c "cfdeframe | avrodecode $R | avroencode $E | $D" <"$tmp/good/b.$i.rs"
done >"$tmp/good/want.D"
same_bytes "cfframe -D drops the barriers: the batches' outputs end to end" "$tmp/good/want.D" "$tmp/good/out.D"

# A bad record at the end of a batch, just before its barrier.
mkdir -p "$tmp/badf" "$tmp/badb"
py mk "$seed" "$tmp/frames" "$tmp/badf" 3 frame
py mk "$seed" "$tmp/frames" "$tmp/badb" 6 body
batches "cfdeframe --on-error skip: a bad frame before a barrier is dropped, the barrier passes" "$tmp/badf" \
    "cfdeframe --on-error skip | avrodecode $R | avroencode $E | cfframe" "cfdeframe: 1 bad record skipped"
batches "avrodecode --on-error skip: a bad body before a barrier is dropped, the barrier passes" "$tmp/badb" \
    "cfdeframe | avrodecode $R --on-error skip | avroencode $E | cfframe" "avrodecode: 1 bad record skipped"
batches "avrodecode --on-error null: a bad body before a barrier is a null, the barrier a barrier" "$tmp/badb" \
    "cfdeframe | avrodecode $R --on-error null" "avrodecode: 1 bad record written as null"
bash -o pipefail -c "cfdeframe | avrodecode $R | avroencode $E | cfframe" <"$tmp/badf/in.rs" >"$tmp/badf/out.fail" 2>"$tmp/badf/err.fail"
st=$?
py split "$tmp/badf/out.fail" "$tmp/badf" >/dev/null
check "--on-error fail: status 1 at the bad frame, the barriers before it out, none after" \
    test "$st" -eq 1 -a "$(cat "$tmp/badf/outids")" = "$(head -2 "$tmp/badf/ids")"

# A live pipeline: records and a barrier into a fifo; the barrier must come
# out (everything before it with it) before anything more goes in.
live="cfdeframe | avrodecode $R | avroencode $E | cfframe"
rm -f "$tmp/fifo"
mkfifo "$tmp/fifo"
sh -c "$live" <"$tmp/fifo" >"$tmp/live.out" 2>"$tmp/live.err" &
pid=$!
exec 8>"$tmp/fifo"
n=$(cat "$tmp/good/n") why=
for ((i = 1; i < n; i++)); do
	id=$(sed -n "${i}p" "$tmp/good/ids")
	{ cat "$tmp/good/b.$i.rs"; py barrier "$id"; } >&8
	within 10 py ends "$id" "$tmp/live.out" || { why="barrier $i (id $id) not out within 10 s of going in"; break; }
done
exec 8>&-
wait "$pid" || why+=" [status $?: $(head -c 200 "$tmp/live.err")]"
[ -n "$why" ] || cmp -s "$tmp/good/in.rs" "$tmp/live.out" || why="the output is not the input"
if [ -z "$why" ]; then ok "a live pipeline writes each barrier before the next batch goes in ($((n - 1)) barriers)"
else notok "a live pipeline writes each barrier before the next batch goes in" "$why"; fi

# The barrier's own flush: avrodecode reads its whole input at once (a
# file), then stalls fetching the schema of id 2 for the record after the
# barrier: regdouble (tests/registry/regdouble.c) holds that request
# unanswered until it gets SIGUSR1 (a FIFO in a file: registry did this
# until the file: registry refused FIFOs, issue 18). avrodecode is not
# waiting on its input, so only the barrier's flush can have written what
# came before it.
regdouble=${REGDOUBLE:-${UNITDIR:-$TESTS/../build/tests/unit}/../regdouble}
mkdir -p "$tmp/reg2"
cp -r "$reg/." "$tmp/reg2/"
cp "$reg/schemas/ids/1.json" "$tmp/reg2/schemas/ids/2.json"
py head 5 "$tmp/frames" >"$tmp/stall.5"
{ cat "$tmp/stall.5"; py barrier 99; py head 1 "$tmp/frames" id2; } >"$tmp/stall.in"
cfdeframe <"$tmp/stall.in" >"$tmp/stall.tagged"
exec {rdfd}> >(exec "$regdouble" --hold /schemas/ids/2 "$tmp/reg2" >"$tmp/rd.addr" 2>"$tmp/rd.err")
rdpid=$!
rdurl=$(started URL "$tmp/rd.addr")
avrodecode -r "$rdurl" <"$tmp/stall.tagged" >"$tmp/stall.out" 2>"$tmp/stall.err" &
pid=$!
if within 10 py ends 99 "$tmp/stall.out"; then
	cfdeframe <"$tmp/stall.5" | avrodecode -r "file:$reg" >"$tmp/stall.want"
	py barrier 99 >>"$tmp/stall.want"
	same_bytes "a barrier is flushed at once, not when the tool next waits for input" "$tmp/stall.want" "$tmp/stall.out"
else
	notok "a barrier is flushed at once, not when the tool next waits for input" \
	    "no barrier 99 out of avrodecode within 10 s ($(wc -c <"$tmp/stall.out") bytes out; $(head -c 200 "$tmp/stall.err"))"
fi
check "avrodecode still waits for the schema of id 2 (held by regdouble)" alive "$pid"
kill -USR1 "$rdpid" 2>/dev/null
alive "$pid" && ! within 10 ended "$pid" && kill "$pid"
wait "$pid"
check "the stalled avrodecode ends well once its schema comes" test $? -eq 0
exec {rdfd}>&-
