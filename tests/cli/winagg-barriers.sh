# Checkpoint barriers through winagg (docs/DESIGN.md §2, §9; man winagg,
# "Checkpoint barriers"): one winagg over batches with a barrier after each,
# the input ended by the final barrier (its id's top bit set), must write,
# batch by batch, the rows (byte for byte) of one winagg process per batch on
# one state file, the final barrier being the last process's end of input;
# each batch's barrier after its rows, the ids in order, the final barrier
# last, and end with the same state file and the same --late records. Random
# recentchange-like inputs (a fixed seed, WINAGG_BARRIER_SEED; event times
# moving forward, some late, some without one, some filtered out), split
# into 1 to 10 batches, some empty, sometimes a barrier after the last batch
# before the final one; for --micro-batch, --back-to-back and the per-record
# default, append and update modes, with and without --state, groups and
# every aggregate; sliding, tumbling and session windows. Then the edges: a
# barrier first, barriers in a row (empty batches: Spark's no-data batch),
# only barriers, the final barrier with and without records since the last
# barrier under --at-eof flush and keep, NDJSON output (barriers consumed),
# and a bad record before a barrier under --on-error skip and fail (status 1,
# the state saved at the barrier before it on disk, intact). Then the rules
# once a barrier has come: the state is saved at barriers only (not on
# SIGTERM or SIGINT, not by --checkpoint-every; before any barrier both still
# save); an end of input without the final barrier is a cut (status 1 with
# records since the last barrier, 0 right after one; the state file as at the
# last barrier, nothing flushed); a record or a barrier after the final
# barrier is a broken stream (status 1).
suite=winagg-barriers
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py=$(command -v python3) || { missing "python3" "python3 is needed to make the inputs"; exit 0; }
export PYTHONDONTWRITEBYTECODE=1
seed=${WINAGG_BARRIER_SEED:-17}
helper=$tmp/barriers.py
cat >"$helper" <<'PY'
# gen SEED DIR [SIZES [TRAILING [BAD [FINAL]]]]: a case in DIR: in.rs (every
# batch, a barrier after each but the last, and after the last when
# TRAILING; then, unless FINAL is 0, the final barrier), b.I.rs (batch I
# alone, I from 1), ids (the barriers' ids, the final one's included), m
# (the number of batches), trailing (0 or 1). SIZES: the records per batch,
# "10,0,5"; BAD: the batch that ends with a bad record (an event time not a
# number).
# split OUT DIR: OUT, rows and barriers, into DIR/seg.I (the bytes of the
# rows before barrier I, and after the last one), DIR/outids.
# barrier ID: the 12 bytes of barrier ID on stdout.
# ends ID OUT: status 0 when OUT ends with barrier ID.
import json, random, struct, sys

def rec(b):
    return struct.pack(">i", len(b)) + b

FINAL = 1 << 63

def gen(seed, d, sizes=None, trailing=None, bad=0, final=1):
    r = random.Random(seed)
    if sizes is None:
        sizes = [0 if r.random() < 0.15 else r.randint(1, 40) for _ in range(r.randint(1, 10))]
    if trailing is None:
        trailing = r.random() < 0.5
    while not trailing and len(sizes) > 1 and sizes[-1] == 0 and bad != len(sizes):
        # the same bytes as a barrier at the end of the batch before, which
        # is what winagg sees: the end of input right after a barrier ends no batch
        sizes, trailing = sizes[:-1], True
    t = 1764950400 + r.randint(0, 59)
    batches = []
    for k, n in enumerate(sizes):
        b = []
        for _ in range(n):
            t += r.choice([0, 0, 1, 1, 2, 3, 5, 8])
            ev = t - r.randint(20, 240) if r.random() < 0.12 else t
            o = {"type": r.choice(["edit"] * 5 + ["new", "log"]),
                 "bot": r.choice([True, False, False, None]),
                 "wiki": r.choice(["enwiki", "dewiki", "commonswiki"]),
                 "user": "u%d" % r.randint(1, 8)}
            x = r.random()
            if x < 0.03:
                pass  # no event time
            elif x < 0.05:
                o["timestamp"] = None
            else:
                o["timestamp"] = ev + r.choice([0, 0, 0, 0.25, 0.5])
            if r.random() < 0.9:
                o["length"] = {"new": r.choice([r.randint(-50, 5000), r.randint(0, 100) + 0.5]),
                               "old": r.randint(0, 5000)}
            o["score"] = r.choice([r.uniform(-1, 1), 1e16, -1e16, 0.1, 1.0, None])
            b.append(json.dumps(o, separators=(",", ":")).encode())
        if k + 1 == bad:
            b.append(b'{"type":"edit","timestamp":"soon","wiki":"enwiki"}')
        batches.append(b)
    # ids with the top bit clear (a set one marks the final barrier), in
    # order, sometimes the largest; then the final barrier: after the last
    # batch's barrier its id with the top bit (cfjob --exit-at-end), else
    # the last batch's barrier itself (cfjob --flush-at-end), sometimes ~0
    nbar = len(sizes) - (0 if trailing else 1)
    ids = sorted(r.getrandbits(63) for _ in range(nbar + 1))
    if r.random() < 0.3:
        ids[-1] = 2 ** 63 - 1
    if final:
        ids[nbar] |= FINAL
        if trailing:
            ids[nbar] = ids[nbar - 1] | FINAL
        if r.random() < 0.2:
            ids[nbar] = 2 ** 64 - 1
        nbar += 1
    ids = ids[:nbar]
    whole = b""
    for k, b in enumerate(batches):
        body = b"".join(rec(x) for x in b)
        open("%s/b.%d.rs" % (d, k + 1), "wb").write(body)
        whole += body
        if k < len(sizes) - 1 or trailing:
            whole += struct.pack(">iQ", -2, ids[k])
    if final:
        whole += struct.pack(">iQ", -2, ids[-1])
    open(d + "/in.rs", "wb").write(whole)
    open(d + "/ids", "w").write("".join("%d\n" % i for i in ids))
    open(d + "/m", "w").write("%d\n" % len(sizes))
    open(d + "/trailing", "w").write("%d\n" % trailing)

def split(out, d):
    p, segs, ids, cur = open(out, "rb").read(), [], [], b""
    i = 0
    while i < len(p):
        if len(p) - i < 4:
            sys.exit("split: truncated length at byte %d" % i)
        n = struct.unpack(">i", p[i:i + 4])[0]
        if n == -2:
            if len(p) - i < 12:
                sys.exit("split: truncated barrier at byte %d" % i)
            ids.append(struct.unpack(">Q", p[i + 4:i + 12])[0])
            segs.append(cur)
            cur, i = b"", i + 12
        elif n < 0 or len(p) - i - 4 < n:
            sys.exit("split: not a row at byte %d" % i)
        else:
            cur += p[i:i + 4 + n]
            i += 4 + n
    segs.append(cur)
    for k, s in enumerate(segs):
        open("%s/seg.%d" % (d, k + 1), "wb").write(s)
    open(d + "/outids", "w").write("".join("%d\n" % i for i in ids))

if sys.argv[1] == "gen":
    a = sys.argv[2:] + [""] * 4
    gen(int(a[0]), a[1], [int(x) for x in a[2].split(",")] if a[2] else None,
        None if a[3] == "" else a[3] == "1", int(a[4] or 0), int(a[5] or 1))
elif sys.argv[1] == "split":
    split(sys.argv[2], sys.argv[3])
elif sys.argv[1] == "barrier":
    sys.stdout.buffer.write(struct.pack(">iQ", -2, int(sys.argv[2])))
elif sys.argv[1] == "ends":
    sys.exit(0 if open(sys.argv[3], "rb").read().endswith(struct.pack(">iQ", -2, int(sys.argv[2]))) else 1)
PY

SLIDING=(--time timestamp --where 'type!=log' --window 60s --slide 30s --watermark 60s
    --group-by requested_by=bot --label requested_by:true=Bot --label requested_by:false=Human
    --group-by wiki --count n --count-of counts=bot --sum bytes=length.new --min lo=length.new
    --max hi=length.new --avg mean=score --sum total=score --count-distinct users=user)
TUMBLING=(--time timestamp --window 60s --watermark 10s --group-by wiki --count n --sum total=score
    --max hi=length.new)
SESSION=(--time timestamp --session 45s --watermark 30s --group-by wiki --group-by bot --count n
    --sum total=score --count-distinct users=user)

# compare NAME DIR STATE ATEOF ARGS...: in DIR (made by the helper's gen), one
# process per batch on one state file, then one winagg over the barriered
# input (with --state when STATE is 1, --at-eof ATEOF unless it is "-"),
# compared batch by batch. The input ends with the final barrier, which ends
# the input as the last process's end does: it ends the last batch if records
# came since the barrier before it (or none came at all), then --at-eof. Right
# after the last batch's own barrier (trailing), it ends no batch: its rows
# (--at-eof flush) come between the two, and the rows before the last batch's
# barrier are those of the last batch's process with --at-eof keep.
compare() {
	local name=$1 d=$2 stateful=$3 at=$4 m trailing i flush=0 bad= st
	shift 4
	m=$(<"$d/m") trailing=$(<"$d/trailing")
	if [ "$at" = flush ] || { [ "$at" = - ] && [ "$stateful" = 0 ]; }; then flush=1; fi
	rm -f "$d/ref.state" "$d/ref.err"
	for ((i = 1; i <= m; i++)); do
		local this=keep
		[ $i -eq "$m" ] && [ $flush = 1 ] && this=flush
		if [ $i -eq "$m" ] && [ $flush = 1 ] && [ "$trailing" = 1 ]; then
			rm -f "$d/keep.state"
			[ ! -e "$d/ref.state" ] || cp "$d/ref.state" "$d/keep.state"
			winagg "$@" --state "$d/keep.state" --at-eof keep <"$d/b.$i.rs" >"$d/ref.keep" 2>>"$d/ref.err"
		fi
		winagg "$@" --state "$d/ref.state" --at-eof $this --late "$d/ref.late.$i" \
		    <"$d/b.$i.rs" >"$d/ref.$i" 2>>"$d/ref.err" || bad="the process of batch $i: status $?"
	done
	local opt=(--late "$d/bar.late")
	[ "$stateful" = 0 ] || opt+=(--state "$d/bar.state")
	[ "$at" = - ] || opt+=(--at-eof "$at")
	rm -f "$d/bar.state" "$d"/seg.*
	winagg "$@" "${opt[@]}" <"$d/in.rs" >"$d/bar.out" 2>"$d/bar.err"
	st=$?
	[ $st -eq 0 ] || bad="${bad:+$bad; }status $st"
	"$py" "$helper" split "$d/bar.out" "$d" 2>>"$d/bar.err" || bad="${bad:+$bad; }the output is not rows and barriers"
	cmp -s "$d/ids" "$d/outids" || bad="${bad:+$bad; }barrier ids $(tr '\n' ' ' <"$d/outids")want $(tr '\n' ' ' <"$d/ids")"
	for ((i = 1; i < m; i++)); do
		cmp -s "$d/ref.$i" "$d/seg.$i" || { bad="${bad:+$bad; }the rows of batch $i"; break; }
	done
	local last=$((m + 1))	# the segment after the final barrier
	if [ "$trailing" = 0 ]; then
		cmp -s "$d/ref.$m" "$d/seg.$m" || bad="${bad:+$bad; }the rows of the last batch"
	elif [ $flush = 1 ]; then
		cmp -s "$d/ref.keep" "$d/seg.$m" || bad="${bad:+$bad; }the rows of the last batch, before its barrier"
		cat "$d/seg.$m" "$d/seg.$((m + 1))" 2>/dev/null | cmp -s "$d/ref.$m" - ||
			bad="${bad:+$bad; }the rows flushed at the final barrier"
		last=$((m + 2))
	else
		cmp -s "$d/ref.$m" "$d/seg.$m" || bad="${bad:+$bad; }the rows of the last batch"
		[ ! -s "$d/seg.$((m + 1))" ] || bad="${bad:+$bad; }rows between the last barrier and the final one"
		last=$((m + 2))
	fi
	[ ! -s "$d/seg.$last" ] || bad="${bad:+$bad; }rows after the final barrier"
	[ "$stateful" = 0 ] || cmp -s "$d/ref.state" "$d/bar.state" || bad="${bad:+$bad; }the state file"
	cat $(seq -f "$d/ref.late.%g" 1 "$m") | cmp -s - "$d/bar.late" || bad="${bad:+$bad; }the --late file"
	if [ -z "$bad" ]; then ok "$name"; return; fi
	notok "$name" "$bad"
	echo "#   winagg $* ${opt[*]}  ($(wc -c <"$d/in.rs") bytes, $m batches, trailing barrier $trailing)"
	sed 's/^/#   /' "$d/bar.err" "$d/ref.err" | sort -u | head -5
}

# gen DIR ARGS...: a fresh case directory
gen() {
	local d=$1
	shift
	rm -rf "$d" && mkdir -p "$d" && "$py" "$helper" gen "$1" "$d" "${@:2}"
}

# ---- random inputs: every schedule and mode, with and without --state ----
n=0
for sched in micro-batch back-to-back per-record; do
	flag=(--$sched)
	[ $sched = per-record ] && flag=()
	for mode in append update; do
		for stateful in 1 0; do
			for k in 1 2 3; do
				n=$((n + 1))
				gen "$tmp/r$n" $((seed * 1000 + n)) || { notok "gen" "case $n"; continue; }
				compare "random $k, sliding, --$sched, $mode, $([ $stateful = 1 ] && echo with || echo without) --state" \
				    "$tmp/r$n" $stateful - "${SLIDING[@]}" "${flag[@]}" --mode $mode
			done
		done
	done
	for stateful in 1 0; do
		for k in 1 2; do
			n=$((n + 1))
			gen "$tmp/r$n" $((seed * 1000 + n))
			compare "random $k, sessions, --$sched, $([ $stateful = 1 ] && echo with || echo without) --state" \
			    "$tmp/r$n" $stateful - "${SESSION[@]}" "${flag[@]}"
		done
	done
	n=$((n + 1))
	gen "$tmp/r$n" $((seed * 1000 + n))
	compare "random, tumbling, --$sched, update, --state, --at-eof flush" "$tmp/r$n" 1 flush \
	    "${TUMBLING[@]}" "${flag[@]}" --mode update
	n=$((n + 1))
	gen "$tmp/r$n" $((seed * 1000 + n)) 15,20,0,18 1
	compare "random, tumbling, --$sched, --state, --at-eof flush, a barrier at the end" "$tmp/r$n" 1 flush \
	    "${TUMBLING[@]}" "${flag[@]}"
done

# ---- the edges ----
for sched in micro-batch back-to-back; do
	for mode in append update; do
		A=("${SLIDING[@]}" --$sched --mode $mode)
		gen "$tmp/first" 101 0,25,30 1
		compare "a barrier first (an empty first batch), --$sched, $mode" "$tmp/first" 1 - "${A[@]}"
		gen "$tmp/twice" 102 30,0,30 0
		compare "two barriers in a row (an empty batch, as Spark's no-data batch), --$sched, $mode" \
		    "$tmp/twice" 1 - "${A[@]}"
		gen "$tmp/thrice" 103 40,0,0,0,25 1
		compare "four barriers in a row, --$sched, $mode, without --state" "$tmp/thrice" 0 - "${A[@]}"
		gen "$tmp/only" 104 0,0,0 1
		compare "only barriers, --$sched, $mode" "$tmp/only" 1 - "${A[@]}"
		gen "$tmp/skip" 105 20,20,20,20 1 3
		compare "a bad record before a barrier, --on-error skip, --$sched, $mode" "$tmp/skip" 1 - \
		    "${A[@]}" --on-error skip
	done
done

# The final barrier is the end of a run: with records since the last barrier
# it ends their batch, right after a barrier it ends none; then --at-eof. Alone
# (no record, no barrier before it) and after one batch, a process's end.
for sched in micro-batch back-to-back per-record; do
	flag=(--$sched)
	[ $sched = per-record ] && flag=()
	for at in flush keep; do
		gen "$tmp/fin" 111 25,30 0
		compare "the final barrier ends the last batch (records since the last barrier), --$sched, --at-eof $at" \
		    "$tmp/fin" 1 $at "${TUMBLING[@]}" "${flag[@]}" --mode update
		gen "$tmp/fin" 112 25,30 1
		compare "the final barrier right after the last batch's barrier, --$sched, --at-eof $at" \
		    "$tmp/fin" 1 $at "${TUMBLING[@]}" "${flag[@]}" --mode update
		gen "$tmp/fin" 113 40 0
		compare "one batch, then the final barrier: one process, --$sched, --at-eof $at" \
		    "$tmp/fin" 1 $at "${SLIDING[@]}" "${flag[@]}"
		gen "$tmp/fin" 114 0 0
		compare "the final barrier alone: a process over no input, --$sched, --at-eof $at" \
		    "$tmp/fin" 1 $at "${SLIDING[@]}" "${flag[@]}"
	done
done

# A text output has no way to carry a barrier: consumed, the rows flushed.
gen "$tmp/nd" 106 30,0,30,25 1
for ((i = 1; i <= 4; i++)); do
	winagg "${SLIDING[@]}" --micro-batch --out ndjson --state "$tmp/nd/ref.state" <"$tmp/nd/b.$i.rs" 2>/dev/null
done >"$tmp/nd/want"
winagg "${SLIDING[@]}" --micro-batch --out ndjson --state "$tmp/nd/bar.state" <"$tmp/nd/in.rs" >"$tmp/nd/got" 2>"$tmp/nd/err"
st=$?
check "--out ndjson: the barriers are consumed, the rows those of a process per batch" \
    test $st -eq 0 -a -s "$tmp/nd/want"
same_bytes "--out ndjson: rows" "$tmp/nd/want" "$tmp/nd/got"
check "--out ndjson: the state" cmp -s "$tmp/nd/ref.state" "$tmp/nd/bar.state"
winagg "${SLIDING[@]}" --micro-batch --out table <"$tmp/nd/in.rs" >"$tmp/nd/table" 2>/dev/null
check "--out table: no barrier bytes, a table per batch with rows" \
    test "$(grep -c '^Batch: ' "$tmp/nd/table")" -ge 2 -a "$(tr -d '[:print:]\n' <"$tmp/nd/table" | wc -c)" -eq 0

# A bad record under --on-error fail, in batch 3, right before its barrier:
# status 1, the rows of batches 1 and 2 and their barriers written (with
# the per-record default, batch 3's rows before the bad record too), and
# the state file the one saved at barrier 2, intact.
for sched in micro-batch back-to-back per-record; do
	flag=(--$sched)
	[ $sched = per-record ] && flag=()
	d=$tmp/fail.$sched
	gen "$d" 107 20,20,20,20 1 3
	rm -f "$d/ref.state"
	for ((i = 1; i <= 4; i++)); do
		winagg "${SLIDING[@]}" "${flag[@]}" --on-error skip --state "$d/ref.state" <"$d/b.$i.rs" >"$d/ref.$i" 2>/dev/null
		cp "$d/ref.state" "$d/ref.state.$i"
	done
	winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/bar.state" <"$d/in.rs" >"$d/bar.out" 2>"$d/bar.err"
	st=$?
	check "--on-error fail before barrier 3, --$sched: status 1, naming the record" \
	    eval 'test $st -eq 1 && grep -q "record 61 at byte" "$d/bar.err"'
	"$py" "$helper" split "$d/bar.out" "$d"
	check "... barriers 1 and 2 written, in order" eval 'test "$(<"$d/outids")" = "$(head -2 "$d/ids")"'
	check "... the rows of batches 1 and 2" eval 'cmp -s "$d/ref.1" "$d/seg.1" && cmp -s "$d/ref.2" "$d/seg.2"'
	if [ $sched = per-record ]; then
		check "... batch 3's rows before the bad record" cmp -s "$d/ref.3" "$d/seg.3"
	else
		check "... nothing of batch 3" test ! -s "$d/seg.3"
	fi
	check "... the state saved at barrier 2, on disk, intact" cmp -s "$d/ref.state.2" "$d/bar.state"
	check "... no temporary file left" eval '! ls "$d"/bar.state.tmp.* >/dev/null 2>&1'
done

# ---- once a barrier has come: the state is saved at barriers only ----

# drained PID: all we wrote to the fifo on descriptor 3 has been read (none
# of it left in the pipe) and PID sleeps (waiting for more): whatever it
# read, it has processed
drained() {
	[ "$(python3 -c 'import fcntl, struct, termios
print(struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"\0" * 4))[0])')" = 0 ] &&
		grep -q '^State:[[:space:]]*S' "/proc/$1/status"
}
bar() { "$py" "$helper" barrier "$1"; }
FINAL=9223372036854775808	# 1 << 63
final() { "$py" -c "print($1 | $FINAL)"; }

# SIGTERM (SIGINT) with batch 2's records read: before any barrier, the state
# is saved as at the end of a process's input (--at-eof keep); after barrier
# 1, it stays as saved there, and winagg says so.
for sched in micro-batch per-record; do
	flag=(--$sched)
	[ $sched = per-record ] && flag=()
	sig=TERM signo=15
	[ $sched = per-record ] && sig=INT signo=2
	d=$tmp/sig.$sched
	gen "$d" 120 25,25 1 0 0
	id1=$(sed -n 1p "$d/ids")
	rm -f "$d/ref.state"
	winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/ref.state" <"$d/b.1.rs" >"$d/ref.1" 2>/dev/null
	for before in 1 0; do
		rm -f "$d/fifo" "$d/bar.state" "$d"/seg.* && mkfifo "$d/fifo"
		winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/bar.state" <"$d/fifo" >"$d/bar.out" 2>"$d/bar.err" &
		pid=$!
		exec 3>"$d/fifo"
		if [ $before = 1 ]; then
			cat "$d/b.1.rs" >&3
			what="SIG$sig before any barrier, --$sched"
		else
			{ cat "$d/b.1.rs"; bar "$id1"; cat "$d/b.2.rs"; } >&3
			what="SIG$sig after barrier 1 with batch 2 read, --$sched"
		fi
		wait_for 10 "$what: winagg read its input" drained $pid
		kill -$sig $pid
		wait $pid
		st=$?
		exec 3>&-
		check "$what: status $((128 + signo))" test $st -eq $((128 + signo))
		if [ $before = 1 ]; then
			check "... says the state was saved" grep -q "interrupted (signal $signo); state saved" "$d/bar.err"
			check "... the state saved: a process's over batch 1 (--at-eof keep)" cmp -s "$d/ref.state" "$d/bar.state"
			same_bytes "... the rows: that process's" "$d/ref.1" "$d/bar.out"
		else
			check "... says the state file is as at the last barrier" \
			    grep -q "interrupted (signal $signo); the state file is as saved at the last checkpoint barrier" "$d/bar.err"
			check "... the state file: as saved at barrier 1 (batch 2 not in it)" cmp -s "$d/ref.state" "$d/bar.state"
			"$py" "$helper" split "$d/bar.out" "$d"
			check "... the rows of batch 1, barrier 1 last" \
			    eval 'cmp -s "$d/ref.1" "$d/seg.1" && test "$(<"$d/outids")" = "$id1"'
		fi
	done
done

# --checkpoint-every 1: it saves before any barrier; once barrier 1 has
# come, batch 2's records save nothing; the final barrier saves.
for sched in micro-batch per-record; do
	flag=(--$sched)
	[ $sched = per-record ] && flag=()
	d=$tmp/ck.$sched
	gen "$d" 121 25,25 0 0 1
	id1=$(sed -n 1p "$d/ids") id2=$(sed -n 2p "$d/ids")
	rm -f "$d/ref.state" "$d/fifo" "$d/bar.state" && mkfifo "$d/fifo"
	winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/ref.state" <"$d/b.1.rs" >"$d/ref.1" 2>/dev/null
	cp "$d/ref.state" "$d/ref.state.1"
	winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/ref.state" <"$d/b.2.rs" >"$d/ref.2" 2>/dev/null
	winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/bar.state" --checkpoint-every 1 <"$d/fifo" >"$d/bar.out" 2>"$d/bar.err" &
	pid=$!
	exec 3>"$d/fifo"
	cat "$d/b.1.rs" >&3
	wait_for 10 "--checkpoint-every 1, --$sched: winagg read batch 1" drained $pid
	check "--checkpoint-every 1, --$sched: before any barrier, it saves the state" test -s "$d/bar.state"
	bar "$id1" >&3
	wait_for 10 "... barrier 1 out" "$py" "$helper" ends "$id1" "$d/bar.out"
	check "... at barrier 1, the state saved as a process's over batch 1" cmp -s "$d/ref.state.1" "$d/bar.state"
	cat "$d/b.2.rs" >&3
	wait_for 10 "... winagg read batch 2" drained $pid
	check "... batch 2's records after barrier 1 save nothing" cmp -s "$d/ref.state.1" "$d/bar.state"
	bar "$id2" >&3
	exec 3>&-
	wait $pid
	st=$?
	check "... the final barrier: status 0, the state saved as after the two processes" \
	    eval 'test $st -eq 0 && cmp -s "$d/ref.state" "$d/bar.state"'
	"$py" "$helper" split "$d/bar.out" "$d"
	check "... the rows of both batches, the barriers in order" \
	    eval 'cmp -s "$d/ref.1" "$d/seg.1" && cmp -s "$d/ref.2" "$d/seg.2" && cmp -s "$d/ids" "$d/outids" && test ! -s "$d/seg.3"'
done

# ---- an end of input without the final barrier: a cut ----
# Records after the last barrier: status 1, the message, the state file as
# saved at that barrier, nothing flushed (--at-eof flush is not done; with
# the per-record default the rows the records gave as they came stay
# written, those of batch 3's process with --at-eof keep). Right after a
# barrier: status 0, the same state file, nothing after the barrier.
for sched in micro-batch back-to-back per-record; do
	flag=(--$sched)
	[ $sched = per-record ] && flag=()
	for after in 15 0; do
		d=$tmp/cut.$sched.$after
		if [ $after = 0 ]; then gen "$d" 122 20,20 1 0 0; else gen "$d" 122 20,20,$after 0 0 0; fi
		id2=$(sed -n 2p "$d/ids")
		rm -f "$d/ref.state"
		for i in 1 2 3; do
			[ -e "$d/b.$i.rs" ] || continue
			[ $i = 3 ] && cp "$d/ref.state" "$d/ref.state.2"
			winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/ref.state" --at-eof keep <"$d/b.$i.rs" >"$d/ref.$i" 2>/dev/null
		done
		[ -e "$d/ref.state.2" ] || cp "$d/ref.state" "$d/ref.state.2"
		rm -f "$d/bar.state" "$d"/seg.*
		winagg "${SLIDING[@]}" "${flag[@]}" --state "$d/bar.state" --at-eof flush <"$d/in.rs" >"$d/bar.out" 2>"$d/bar.err"
		st=$?
		"$py" "$helper" split "$d/bar.out" "$d"
		if [ $after = 0 ]; then
			what="a cut right after barrier 2, --$sched, --at-eof flush"
			check "$what: status 0" test $st -eq 0
			check "... nothing after barrier 2 (no flush)" test ! -s "$d/seg.3"
		else
			what="a cut $after records after barrier 2, --$sched, --at-eof flush"
			check "$what: status 1, the message" eval 'test $st -eq 1 &&
			    grep -q "the input ended $after records after checkpoint barrier $id2, without a final barrier" "$d/bar.err"'
			if [ $sched = per-record ]; then
				check "... after barrier 2, the rows batch 3's records gave, nothing flushed" cmp -s "$d/ref.3" "$d/seg.3"
			else
				check "... nothing after barrier 2 (batch 3 not ended, no flush)" test ! -s "$d/seg.3"
			fi
		fi
		check "... the state file as saved at barrier 2" cmp -s "$d/ref.state.2" "$d/bar.state"
		check "... the rows of batches 1 and 2, barriers 1 and 2" \
		    eval 'cmp -s "$d/ref.1" "$d/seg.1" && cmp -s "$d/ref.2" "$d/seg.2" && cmp -s "$d/ids" "$d/outids"'
	done
done

# ---- after the final barrier: a broken stream ----
# A record or a barrier after it: status 1, saying so; the final barrier and
# the rows before it out, the state as saved there (a process's, --at-eof flush).
d=$tmp/after
gen "$d" 123 30,10 0 0 0
fid=$(final "$(sed -n 1p "$d/ids")")
rm -f "$d/ref.state"
winagg "${SLIDING[@]}" --micro-batch --state "$d/ref.state" --at-eof flush <"$d/b.1.rs" >"$d/ref.1" 2>/dev/null
for what in record barrier; do
	{ cat "$d/b.1.rs"; bar "$fid"; if [ $what = record ]; then cat "$d/b.2.rs"; else bar 7; fi; } >"$d/in.$what"
	rm -f "$d/bar.state" "$d"/seg.*
	winagg "${SLIDING[@]}" --micro-batch --state "$d/bar.state" --at-eof flush <"$d/in.$what" >"$d/bar.out" 2>"$d/bar.err"
	st=$?
	if [ $what = record ]; then msg="record 31 at byte [0-9]*: after the final checkpoint barrier"
	else msg="a checkpoint barrier after the final one"; fi
	check "a $what after the final barrier: status 1, saying so" eval 'test $st -eq 1 && grep -q "$msg" "$d/bar.err"'
	"$py" "$helper" split "$d/bar.out" "$d"
	check "... the rows of the run and the final barrier out, nothing after" \
	    eval 'cmp -s "$d/ref.1" "$d/seg.1" && test "$(<"$d/outids")" = "$fid" && test ! -s "$d/seg.2"'
	check "... the state as saved at the final barrier" cmp -s "$d/ref.state" "$d/bar.state"
done
