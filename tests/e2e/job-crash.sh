# wikimedia-job (cfjob) killed at any moment and started again with the same
# --state: the output topic must end up with the windows and counts of an
# uninterrupted run; a window written before a crash may be written again only
# if identical.
#
# Mock broker; "wikimedia" with 3 partitions holds 12,000 generated events
# (5 a second, 2 % of them 60 to 300 s late) dealt out by record number, and
# "small" the first 1,500 of them. Every run uses --flush-at-end --max-batch 100
# (records a partition: 40 batches of "wikimedia", 5 of "small"): winagg
# --micro-batch moves the watermark per batch, so the batching is part of the
# result.
#
#  1 references: one uninterrupted run per topic, and a second one of
#    "small" (reproducible: the same bodies in the same order)
#  2 deterministic: the kcat producer of batch 3 dies after its first row;
#    ^C (SIGINT to the job's process group) while kcat -P waits to deliver;
#    SIGKILL between the commit's rename and the removal of the previous
#    batch's directory; SIGKILL of cfjob's readlink of "current" at start;
#    SIGKILL of the sed that rereads the plan of the final batch on replay
#  3 the crash loop on "wikimedia": the job started in its own process group,
#    frozen (SIGSTOP) after a random delay (0 to the time to its first plan
#    plus two batches, measured on the reference run) or just after a batch's
#    command wrote its output; its phase read off its processes (its group's,
#    and the kcats cfjob runs in sessions of their own, found by the lock they
#    hold) and its state directory; then SIGKILL of the cfjob bash, of the
#    whole group or of one stage process (kcat -C, cfdeframe, avrodecode,
#    winagg, avroencode, cfframe, kcat -P: the first to run from then on,
#    looked for every 5 ms), SIGTERM of cfjob (a clean stop) or SIGINT to the
#    group (^C); then SIGCONT. After each stop, the rows in the output beyond
#    those of the committed batches (the replay writes them again) are counted
#    by phase. Then a final run, and the checks on the output, the state and
#    the processes.
#
# JOB_CRASH_SEED (the loop's choices and delays; default 42), JOB_CRASH_KILLS
# (default 48), JOB_CRASH_LOG (a file to copy the loop's table of stops to:
# number, action, target, phase, status, batch committed, rows to be written
# again, delay). Needs kcat, jq, flock, python3, pgrep.
suite=job-crash
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
MB=100
SEED=${JOB_CRASH_SEED:-42}
NKILL=${JOB_CRASH_KILLS:-48}
RANDOM=$SEED

for t in kcat jq flock python3 pgrep; do
	command -v $t >/dev/null || { notok "$t present" "$t not on PATH"; exit 0; }
done
[ -x "$BIN/mockbroker" ] || { notok "mockbroker present" "missing $BIN/mockbroker"; exit 0; }
REAL_KCAT=$(command -v kcat) REAL_RM=$(command -v rm) REAL_SED=$(command -v sed)
export REAL_KCAT REAL_RM REAL_SED

usec() { echo "${EPOCHREALTIME/./}"; }
secs_us() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b - a) / 1e6}'; }	# T0 T1 (from usec): seconds
t_suite=$(usec)
mkfifo "$tmp/nap"
exec {napfd}<>"$tmp/nap"
nap() { read -r -t "$1" -u "$napfd" _; }	# sleep without a fork

# ---- processes ----
# job_procs PGID STATE: a job's processes, "pid pgid args": those of this
# suite (suite_procs: its process group, the orphans of a killed cfjob and
# cfjob's kcats in sessions of their own alike) but the broker. Jobs run one
# at a time. Zombies are left out: PID 1 here reaps orphans only every second
# or two, and a zombie holds nothing. So is LeakSanitizer's tracer: under
# `make sanitize` a tool leaving clones a task with its own pid and the same
# command line to stop it and look for leaks; the tool spins until that task
# reports, so a SIGKILL of the tracer as "a stage" left its tool spinning for
# ever (CI's 5400 s ran out on it). A tool of ours never forks, so a child of
# one with the same command line is the tracer.
job_procs() {
	local l p pids=()
	l=$(suite_procs -v '^mockbroker( |$)')
	while read -r p _; do [ -n "$p" ] && pids+=("$p"); done <<<"$l"
	[ ${#pids[@]} -gt 0 ] || return 0
	ps -o pid=,ppid=,pgid=,stat=,args= -p "$(IFS=,; echo "${pids[*]}")" | awk '
		{
			line[NR] = $0; a = $0
			sub(/^ *[0-9]+ +[0-9]+ +[0-9]+ +[^ ]+ +/, "", a)
			args[$1] = a
		}
		END {
			for (i = 1; i <= NR; i++) {
				$0 = line[i]
				tracer = $5 ~ /(^|\/)(cfdeframe|cfframe|avrodecode|avroencode|winagg)$/ && args[$2] == args[$1]
				if ($4 !~ /^Z/ && !tracer) {
					$2 = ""; $4 = ""; print
				}
			}
		}'
}
kill_job() {	# PGID STATE: SIGKILL to the job's group and to each of its processes
	local p
	kill -KILL -- "-$1" 2>/dev/null
	for p in $(job_procs "$1" "$2" | awk '{print $1}'); do kill -KILL "$p" 2>/dev/null; done
}
job_gone() {	# PGID STATE: waits (15 s at most) until the job has no process left
	local i
	for i in $(seq 300); do
		[ -z "$(job_procs "$1" "$2")" ] && return 0
		nap 0.03
	done
	return 1
}
# ours: the pids of this suite's processes but the broker (suite_procs)
B=
ours() {
	local l p
	l=$(suite_procs -v '^mockbroker( |$)')
	while read -r p _; do [ -n "$p" ] && echo "$p"; done <<<"$l"
}
live=
cleanup() {
	local p
	[ -n "$live" ] && for p in $(ps -e -o pid=,pgid= | awk -v g="$live" '$2 == g {print $1}'); do
		kill -KILL "$p" 2>/dev/null
	done
	for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
	exec 9>&- 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
exit_on_signals

# ---- broker, registry, input ----
. "$top/scripts/broker.sh"
broker_start "$tmp" -t wikimedia:3 -t small:3 -t ref:1 -t ref2:1 -t out:1 -t sref:1 \
	-t det:1 -t sig:1 -t leak:1 -t rl:1 -t fin:1 ||
	{ notok "the mock broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
mkdir -p "$tmp/st" "$tmp/wrap"

# The registry: the input's value schema as id 1 (as scripts/demo makes it).
reg=$tmp/registry
wikimedia_registry "$reg"

# Record i goes to partition i mod 3 (kcat -P would put them all in one);
# "small" gets records 0 to 1,499.
gen-events -n 12000 --seed 11 --rate 5 --late-share 0.02 --format frames >"$tmp/frames"
python3 - "$tmp/frames" "$tmp/part." <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
big = [open(sys.argv[2] + str(p), "wb") for p in range(3)]
small = [open(sys.argv[2] + "small." + str(p), "wb") for p in range(3)]
pos = i = 0
while pos < len(data):
    (n,) = struct.unpack(">i", data[pos:pos + 4])
    big[i % 3].write(data[pos:pos + 4 + n])
    if i < 1500:
        small[i % 3].write(data[pos:pos + 4 + n])
    pos += 4 + n
    i += 1
PY
for p in 0 1 2; do
	cfdeframe <"$tmp/part.$p" | cfframe -D "$D" | kcat -P -b "$B" -t wikimedia -p $p -D "$D" ||
		notok "produce wikimedia partition $p" "status $?"
	cfdeframe <"$tmp/part.small.$p" | cfframe -D "$D" | kcat -P -b "$B" -t small -p $p -D "$D" ||
		notok "produce small partition $p" "status $?"
done
topic_end() { kcat -b "$B" -Q -t "$1:${2:-0}:-1" 2>/dev/null | sed -n 's/.* offset \([0-9]*\)$/\1/p'; }
check "input: 4000 records in each partition of wikimedia, 500 in each of small" \
	test "$(topic_end wikimedia 0) $(topic_end wikimedia 1) $(topic_end wikimedia 2) $(topic_end small 0) $(topic_end small 1) $(topic_end small 2)" = \
	"4000 4000 4000 500 500 500"

# The job. In the background as "${JOB[@]}" ... & so that $! is the job
# itself (wikimedia-job, which execs cfjob), not a subshell running a function.
JOB=(wikimedia-job -b "$B" -r "file:$reg" --flush-at-end --max-batch "$MB")
job() { "${JOB[@]}" --out-topic "$1" --state "$2" "${@:3}"; }	# TOPIC STATE [option ...]
sjob() { job "$@" --in-topic small; }				# the same on "small"
# bg_job ARGS...: "${JOB[@]}" ARGS in the background, in a process group of its own; live: its pid
bg_job() { set -m; "${JOB[@]}" "$@" & live=$!; set +m; }
# poll CMD...: until CMD succeeds or the job $live ends, every 5 ms (5 s at most)
poll() {
	for _ in $(seq 1000); do
		"$@" && return
		kill -0 "$live" 2>/dev/null || return
		nap 0.005
	done
}
planned() { [ "$(head -1 "$1/plan" 2>/dev/null)" = "$2" ]; }	# STATE LINE: the first line of its plan
# wait_live STATE: waits for the job $live to end, its status in st. Every job
# here ends within seconds of its stop; one still running a minute on is hung:
# a failure that names its processes, which are then killed (so a hang costs
# this suite a minute, not the CI run its time limit).
wait_live() {
	local i
	for ((i = 1; i <= 3000; i++)); do
		kill -0 "$live" 2>/dev/null || break
		nap 0.02
		# every 5 s, SIGCONT again: a freeze's SIGSTOP that reaches a tool
		# while LeakSanitizer's tracer holds it can be taken by the tracer
		# for its own, leaving that one to stop the tool after the thaw
		[ $((i % 250)) = 0 ] && kill -CONT -- "-$live" 2>/dev/null
	done
	if kill -0 "$live" 2>/dev/null; then
		notok "job $live ended within 60 s" "still running: $(job_procs "$live" "$1" | wc -l) processes"
		job_procs "$live" "$1" | sed 's/^/#   hung: /'
		kill_job "$live" "$1"
	fi
	wait "$live" 2>/dev/null
	st=$?
}
# reap STATE [SIGNAL PID]: sends SIGNAL to PID, waits for the job $live (status in st) and its processes
reap() {
	[ $# -gt 1 ] && kill "$2" -- "$3" 2>/dev/null
	wait_live "$1"
	job_gone "$live" "$1"
	live=
}
decoded() { kcat -C -b "$B" -t "$1" -e -q -f '%R%s' | cfdeframe | avrodecode -r "file:$reg" --out ndjson; }
bodies() { kcat -C -b "$B" -t "$1" -e -q -f '%R%s' | cfdeframe --bare; }
current() {	# STATE: the number of the committed batch, 0 if none
	local c
	c=$(readlink "$1/current" 2>/dev/null) || { echo 0; return; }
	echo "${c#c.}"
}
# counts FILE: its windows (start, end, requested_by) written with more than one count
counts() {
	jq -r '[.window.start, .window.end, .requested_by, .counts] | @tsv' "$1" | sort -u | cut -f1-3 | uniq -d
}
# batches LOG TOPIC ARRAY: cfjob's "batch k: ... r rows" lines; ARRAY[k] = rows of batches 1..k
batches() {
	local -n cum=$3
	local k r
	cum=(0)
	while read -r k r; do cum[k]=$((cum[k - 1] + r)); done < <(sed -n \
		"s/^cfjob: batch \([0-9]*\): [0-9]* records in, \([0-9]*\) rows to $2, committed.*/\1 \2/p" "$1")
}

# ---- 1. references ----
# The reference runs in the background so that the time to its first plan
# (T0) can be taken: the loop's delays are scaled on it and on the batch time.
t0=$(usec) T0=
job ref "$tmp/st/A" 2>"$tmp/ref.err" &
rp=$!
while kill -0 "$rp" 2>/dev/null; do
	[ -z "$T0" ] && [ -e "$tmp/st/A/plan" ] && T0=$(($(usec) - t0))
	nap 0.003
done
wait "$rp"
st=$?
t_ref=$(($(usec) - t0))
check "reference run exits 0" test $st -eq 0
[ $st -eq 0 ] || tail -5 "$tmp/ref.err" | sed 's/^/# ref: /'
batches "$tmp/ref.err" ref C
NB=$((${#C[@]} - 1))
decoded ref >"$tmp/ref.json"
check "reference: 40 batches" test "$NB" -eq 40
check "reference: the topic holds the rows of its batches (${C[NB]})" \
	test "$(wc -l <"$tmp/ref.json") $(topic_end ref)" = "${C[NB]} ${C[NB]}"
check "reference: one row per window (start, end, requested_by)" test -z "$(
	jq -r '[.window.start, .window.end, .requested_by] | @tsv' "$tmp/ref.json" | sort | uniq -d)"
late=$(awk '/^winagg: summary:/ {for (i = 1; i < NF; i++) if ($(i + 1) == "late") n += $i} END {print n + 0}' "$tmp/ref.err")
check "reference: late (record, window) pairs were dropped ($late)" test "$late" -gt 0
Tb=$(((t_ref - ${T0:-0}) / NB))
echo "# reference: $NB batches, ${C[NB]} rows, $late late (record, window) pairs dropped;" \
	"$(secs_us 0 "$t_ref") s: $((${T0:-0} / 1000)) ms to the first plan, then $((Tb / 1000)) ms a batch"

sjob sref "$tmp/st/SA" 2>"$tmp/sref.err"
st=$?
batches "$tmp/sref.err" sref SC
NS=$((${#SC[@]} - 1))
decoded sref >"$tmp/sref.json"
check "reference on small: exits 0, 5 batches, their ${SC[NS]} rows in the topic" \
	test "$st $NS $(wc -l <"$tmp/sref.json")" = "0 5 ${SC[NS]}"
sjob ref2 "$tmp/st/SA2" -q 2>"$tmp/ref2.err"
st=$?
check "second uninterrupted run on small exits 0" test $st -eq 0
bodies sref >"$tmp/sref.bodies"
bodies ref2 >"$tmp/ref2.bodies"
same_bytes "... the same Avro bodies in the same order (reproducible)" "$tmp/sref.bodies" "$tmp/ref2.bodies"

# ---- 2. deterministic cases, on "small" ----
# Stand-ins put first on PATH, each for one case (W_STATE: the job's state):
# a: kcat -P of the batch planned on base W_BASE produces its first message
#    only, then dies by SIGKILL
# c: rm of the plan once batch W_BATCH is committed SIGKILLs cfjob instead
# d: readlink dies by SIGKILL
# e1: kcat -P of the batch planned on base W_BASE produces, then SIGKILLs the
#    job's process group (its parent's: cfjob runs kcat in a session of its own)
# e2: sed -n 's/^part //p' of the plan dies by SIGKILL
mkdir -p "$tmp/wrap/a" "$tmp/wrap/c" "$tmp/wrap/d" "$tmp/wrap/e1" "$tmp/wrap/e2"
cat >"$tmp/wrap/a/kcat" <<'EOF'
#!/usr/bin/env bash
case " $* " in
*" -P "*)
	if [ "$(head -1 "$W_STATE/plan" 2>/dev/null)" = "base $W_BASE" ]; then
		"$REAL_KCAT" "$@" -c 1
		kill -KILL $$
	fi ;;
esac
exec "$REAL_KCAT" "$@"
EOF
cat >"$tmp/wrap/c/rm" <<'EOF'
#!/usr/bin/env bash
if [ "$*" = "-f $W_STATE/plan" ] && [ "$(readlink "$W_STATE/current")" = "c.$W_BATCH" ]; then
	kill -KILL "$PPID"
	exit 0
fi
exec "$REAL_RM" "$@"
EOF
cat >"$tmp/wrap/d/readlink" <<'EOF'
#!/usr/bin/env bash
kill -KILL $$
EOF
cat >"$tmp/wrap/e1/kcat" <<'EOF'
#!/usr/bin/env bash
case " $* " in
*" -P "*)
	if [ "$(head -1 "$W_STATE/plan" 2>/dev/null)" = "base $W_BASE" ]; then
		"$REAL_KCAT" "$@"
		kill -KILL -- "-$(ps -o pgid= -p "$PPID" | tr -d ' ')"
		exit 137
	fi ;;
esac
exec "$REAL_KCAT" "$@"
EOF
cat >"$tmp/wrap/e2/sed" <<'EOF'
#!/usr/bin/env bash
[ "$*" = "-n s/^part //p $W_STATE/plan" ] && kill -KILL $$
exec "$REAL_SED" "$@"
EOF
chmod +x "$tmp"/wrap/*/*

# 2a. The producer of batch 3 dies after its first row (stand-in a).
S1=$tmp/st/C
W_STATE=$S1 W_BASE=2 PATH="$tmp/wrap/a:$PATH" sjob det "$S1" -q 2>"$tmp/det.err"
st=$?
check "producer of batch 3 killed after its first row: the job exits 3" test $st -eq 3
check "... saying that producing batch 3 failed" grep -q 'batch 3: producing to det failed' "$tmp/det.err"
check "... batch 2 committed, batch 3 planned" \
	test "$(current "$S1") $(head -1 "$S1/plan" 2>/dev/null)" = "2 base 2"
check "... the topic holds batches 1-2 and the first row of batch 3" test "$(topic_end det)" = $((SC[2] + 1))
sjob det "$S1" -q 2>>"$tmp/det.err"
st=$?
check "started again: exits 0, all $NS batches committed" test "$st $(current "$S1")" = "0 $NS"
decoded det >"$tmp/det.json"
sed -n "$((SC[2] + 2)),$((SC[3] + 1))p" "$tmp/det.json" >"$tmp/det.b3"
sed -n "$((SC[2] + 1)),$((SC[3]))p" "$tmp/sref.json" >"$tmp/sref.b3"
check "... the replayed batch 3 wrote the reference's batch 3 rows ($((SC[3] - SC[2])))" \
	test -s "$tmp/sref.b3" -a "$(cat "$tmp/det.b3")" = "$(cat "$tmp/sref.b3")"
check "... the row written before the kill is the replay's first, identical" \
	test "$(sed -n "$((SC[2] + 1))p" "$tmp/det.json")" = "$(sed -n 1p "$tmp/sref.b3")"
sed "$((SC[2] + 1))d" "$tmp/det.json" >"$tmp/det.nodup"
same_bytes "... but for it, the reference's rows in the reference's order" "$tmp/sref.json" "$tmp/det.nodup"

# 2b. ^C (SIGINT to the job's process group) while kcat -P waits to deliver:
# -X linger.ms=1000 holds batch 1's rows in the producer for a second
# (librdkafka's default, 5 ms, leaves the same window, narrower); ^C 0.3 s into
# it. kcat exits 0 when a SIGINT cuts it short: a commit must not follow.
S2=$tmp/st/D
bg_job --in-topic small --out-topic sig --state "$S2" -q -X linger.ms=1000 2>"$tmp/sig.err"
delivering() { [ -n "$(suite_procs "^kcat .* -P -t sig ")" ]; }	# the job's kcat -P runs
poll delivering
nap 0.3	# the test itself: the ^C lands 0.3 s into kcat -P's 1 s linger (no event to wait for)
reap "$S2" -INT "-$live"
n=$(current "$S2")
e=$(topic_end sig)
echo "# ^C while kcat -P lingers: status $st, batch $n committed, the topic holds $e rows, batches 1-$n wrote ${SC[n]:-0} in the reference"
check "^C while kcat -P waits to deliver: the committed batches' rows are in the topic" test "$e" -ge "${SC[n]:-0}"
check "... the job stopped there, before its last batch (status $st; a ^C not ignored)" \
	test "$n" -lt "$NS" -a \( "$st" = 0 -o "$st" = 130 \)

# 2c. SIGKILL of cfjob right after the commit's rename of batch 3, before the
# cleanup (stand-in c): c.2 is left behind. Started again, the job goes on from
# batch 3 (no replay) and removes c.2; SIGTERM stops it after its next commit.
S3=$tmp/st/E
(W_STATE=$S3 W_BATCH=3 PATH="$tmp/wrap/c:$PATH" sjob leak "$S3" -q 2>"$tmp/leak.err") 2>/dev/null
st=$?
check "SIGKILL after batch 3's rename: status 137, current -> c.3, c.2 still there" \
	test "$st $(current "$S3") $(test -d "$S3/c.2" && echo c.2)" = "137 3 c.2"
bg_job --in-topic small --out-topic leak --state "$S3" -q 2>>"$tmp/leak.err"
poll planned "$S3" "base 3"
reap "$S3" -TERM "$live"
n=$(current "$S3")
check "... started again, stopped by SIGTERM: exits 0 after batch $n" test "$st" -eq 0 -a "$n" -ge 4
check "... the topic holds batches 1-$n once each" test "$(topic_end leak)" = "${SC[n]}"
check "... no c.* directory but the current one (found: $(cd "$S3" && echo c.*))" \
	test "$(ls -d "$S3"/c.* 2>/dev/null)" = "$S3/c.$n"

# 2d. SIGKILL of the readlink with which cfjob reads "current" at start
# (stand-in d). After 2 committed batches the job must go on from batch 2 (or
# fail), not start over.
S4=$tmp/st/F
bg_job --in-topic small --out-topic rl --state "$S4" -q 2>"$tmp/rl.err"
poll planned "$S4" "base 1"
reap "$S4" -TERM "$live"
n=$(current "$S4")
e=$(topic_end rl)
check "SIGTERM after batch 1: exits 0, batch 2 committed" test "$st $n $e" = "0 2 ${SC[2]}"
PATH="$tmp/wrap/d:$PATH" bg_job --in-topic small --out-topic rl --state "$S4" -q 2>>"$tmp/rl.err"
poll test -e "$S4/plan"
plan=$(head -1 "$S4/plan" 2>/dev/null)
reap "$S4" -TERM "$live"
echo "# readlink killed at start: status $st, first plan \"$plan\", current -> c.$(current "$S4"), the topic holds $(topic_end rl) rows (batches 1-2: ${SC[2]})"
check "readlink of current killed at start: the job does not start over from batch 1" \
	test "$st" != 0 -o "$plan" = "base 2"
check "... batches 1-2 still committed" test "$(current "$S4")" -ge 2

# 2e. SIGKILL of the sed that rereads the plan of the final batch on replay.
# First the job's group is killed right after batch 5 (the last, --flush-at-end:
# windows flushed) is produced (stand-in e1); then the job replays batch 5 and
# its sed that writes plan.parts dies (stand-in e2); then a plain run.
S5=$tmp/st/G
W_STATE=$S5 W_BASE=$((NS - 1)) PATH="$tmp/wrap/e1:$PATH" \
	bg_job --in-topic small --out-topic fin --state "$S5" -q 2>"$tmp/fin.err"
reap "$S5"
check "group killed after the final batch was produced: status 137, batch $((NS - 1)) committed, batch $NS planned" \
	test "$st $(current "$S5") $(sed -n 1,2p "$S5/plan" 2>/dev/null | tr '\n' ' ')" = \
	"137 $((NS - 1)) base $((NS - 1)) at-eof flush "
W_STATE=$S5 PATH="$tmp/wrap/e2:$PATH" bg_job --in-topic small --out-topic fin --state "$S5" -q 2>>"$tmp/fin.err"
reap "$S5"
n=$(current "$S5")
offs=$(tail -n +2 "$S5/c.$n/offsets" 2>/dev/null | sort | tr '\n' ' ')
echo "# sed killed on the replay of the final batch: status $st, current -> c.$n, offsets $offs"
check "... the replay either fails or reads its batch: not committed without its records" \
	test "$st" != 0 -o "$offs" = "0 500 1 500 2 500 "
sjob fin "$S5" -q 2>>"$tmp/fin.err"
st=$?
decoded fin >"$tmp/fin.json"
multi=$(counts "$tmp/fin.json")
nm=$(grep -c . <<<"$multi")
check "... then a plain run: exits 0, every window written with one count only ($nm not)" \
	test "$st $nm" = "0 0"
[ -n "$multi" ] && echo "$multi" | head -3 | sed 's/^/#   several counts: /'
check "... the rows of the reference as a set" cmp -s <(sort -u "$tmp/fin.json") <(sort -u "$tmp/sref.json")

# ---- 3. the crash loop ----
S=$tmp/st/B
SNAP=$tmp/snap
# freeze: SIGSTOP to the job's group, then to its processes outside it (its
# kcats first); $SNAP: its processes. thaw: SIGCONT to all of them.
freeze() {
	local p
	kill -STOP -- "-$live" 2>/dev/null || return 1
	for p in $(suite_procs "^kcat -b $B -m 10 " | cut -d' ' -f1); do kill -STOP "$p" 2>/dev/null; done
	job_procs "$live" "$S" >"$SNAP"
	awk -v g="$live" '$2 != g {print $1}' "$SNAP" | while read -r p; do kill -STOP "$p" 2>/dev/null; done
}
thaw() {
	kill -CONT -- "-$live" 2>/dev/null
	awk -v g="$live" '$2 != g {print $1}' "$SNAP" | while read -r p; do kill -CONT "$p" 2>/dev/null; done
}
# phase: read off the frozen job's processes ($SNAP: "pid pgid args"),
# whether cfjob has set its traps ($trapped) and the state directory
phase() {
	local n base w
	if [ "$trapped" = 0 ] ||
		grep -qE '^ *[0-9]+ +[0-9]+ +(bash [^ ]*wikimedia-job -b |avroencode --print-id|kcat .* -L |jq )' "$SNAP"; then
		echo start; return
	fi
	grep -qE '^ *[0-9]+ +[0-9]+ +(kcat .* -P |cfframe|cfdeframe --stats)' "$SNAP" && { echo produce; return; }
	grep -qE '^ *[0-9]+ +[0-9]+ +kcat .* -C ' "$SNAP" && { echo consume; return; }
	grep -qE '^ *[0-9]+ +[0-9]+ +(bash [^ ]*wikimedia-job --batch|cfdeframe --stamped|avrodecode|winagg|avroencode --schema)' \
		"$SNAP" && { echo command; return; }
	n=$(current "$S")
	base=$(sed -n '1s/^base //p' "$S/plan" 2>/dev/null)
	w=$S/c.$((n + 1))
	if [ -n "$base" ] && [ "$base" = $((n - 1)) ]; then
		echo commit	# renamed, plan not yet removed
	elif [ -z "$base" ]; then
		if ls -d "$S"/c.* 2>/dev/null | grep -qvx "$S/c.$n"; then echo commit; else echo plan; fi
	elif [ "$base" = "$n" ]; then
		if [ "$w/offsets.tmp" -nt "$tmp/mark" ] || [ "$w/offsets" -nt "$tmp/mark" ]; then
			echo commit
		elif [ "$w/out" -nt "$tmp/mark" ]; then
			echo produce	# the command is done
		elif [ "$w/windows" -nt "$tmp/mark" ]; then
			echo commit	# produced, out removed, offsets not yet written
		else
			echo plan
		fi
	else
		echo plan
	fi
}
# stage: one of the frozen job's stage processes, "pid name", the r-th mod their number
stage() {
	awk -v g="$live" -v r="$r" '$1 != g {
		pid = $1; $1 = ""; $2 = ""; sub(/^ +/, "")
		if ($0 ~ /^kcat .* -C /) name = "kcat-C"
		else if ($0 ~ /^kcat .* -P /) name = "kcat-P"
		else if ($0 ~ /^(cfdeframe|avrodecode|winagg|avroencode|cfframe)( |$)/) name = $1
		else next
		a[n++] = pid " " name
	} END {if (n) print a[r % n]}' "$SNAP"
}
# aim: waits until this run's first batch has written its output (its command
# is done), then 0 to 39 ms more: a stop in or about produce
aim() {
	local f t_end=$(($(usec) + 10000000))
	while kill -0 "$live" 2>/dev/null; do
		for f in "$S"/c.*/out; do
			if [ -s "$f" ] && [ "$f" -nt "$tmp/mark" ]; then
				nap "$(printf '0.%03d' $((RANDOM % 40)))"
				return
			fi
		done
		[ "${EPOCHREALTIME/./}" -gt "$t_end" ] && return
		nap 0.002
	done
}
shuffle() {	# ARRAY: in place
	local -n arr=$1
	local i j a
	for ((i = ${#arr[@]} - 1; i > 0; i--)); do
		j=$((RANDOM % (i + 1))) a=${arr[i]}
		arr[i]=${arr[j]} arr[j]=$a
	done
}
# Every 4th stop is aimed: 4 SIGKILLs of cfjob alone (its orphans produce),
# 3 of the group, 4 of a stage, 1 SIGTERM. The others wait a random delay:
# 3 SIGTERM, 3 SIGINT, the rest SIGKILL of cfjob, the group or a stage.
aimed=(kill-cfjob kill-cfjob kill-cfjob kill-cfjob kill-group kill-group kill-group
	kill-stage kill-stage kill-stage kill-stage term)
timed=(term term term int int int)
while [ $((${#timed[@]} + ${#aimed[@]})) -lt "$NKILL" ]; do
	case $((RANDOM % 3)) in 0) timed+=(kill-cfjob) ;; 1) timed+=(kill-group) ;; 2) timed+=(kill-stage) ;; esac
done
shuffle aimed
shuffle timed
dmax=$(((${T0:-300000} + 2 * Tb) / 1000))	# ms
[ "$dmax" -ge 100 ] || dmax=100

declare -A kills dups
X=0 lost=0 hung=0 stray=0 early=0 k=0 ia=0 it=0 term_bad=0 int_bad=0 produce_dup=0
: >"$tmp/kills"
t0=$(usec)
while [ "$k" -lt "$NKILL" ]; do
	k=$((k + 1))
	if [ $((k % 4)) = 0 ] && [ "$ia" -lt ${#aimed[@]} ]; then
		act=${aimed[ia]} ia=$((ia + 1)) how=aimed
	else
		act=${timed[it]} it=$((it + 1)) how=$((RANDOM % dmax))ms
	fi
	n0=$(current "$S")
	touch "$tmp/mark"
	bg_job --out-topic out --state "$S" -q 2>>"$tmp/crash.err"
	if [ "$how" = aimed ]; then aim; else nap "$(printf '%d.%03d' $((${how%ms} / 1000)) $((${how%ms} % 1000)))"; fi
	if ! freeze; then
		wait_live "$S"
		live=
		echo "$k $act none - $st $(current "$S") 0 $how" >>"$tmp/kills"
		[ "$st" = 0 ] && break	# finished before the stop
		early=$((early + 1))
		continue
	fi
	if [ "$act" = kill-stage ]; then
		# none running? let the job go on 5 ms at a time until one does
		tp=
		for _ in $(seq 200); do
			r=$RANDOM
			read -r tp target < <(stage)
			[ -n "$tp" ] && break
			thaw
			nap 0.005
			freeze || break
		done
	fi
	# has cfjob set its traps? (SIGTERM, signal 15, in SigCgt)
	cgt=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$live/status" 2>/dev/null)
	trapped=$(((0x${cgt:-0} >> 14) & 1))
	ph=$(phase)
	# (bash reports a job killed by a signal when it reaps it: not here)
	exec {errfd}>&2 2>/dev/null
	case $act in
	kill-cfjob) kill -KILL "$live"; target=cfjob ;;
	kill-group) kill -KILL -- "-$live"; target=group ;;
	kill-stage)
		[ -n "$tp" ] || { tp=$live; target=cfjob-no-stage; }
		kill -KILL "$tp" ;;
	term) kill -TERM "$live"; target=cfjob ;;
	int) kill -INT -- "-$live"; target=group ;;
	esac
	thaw
	wait_live "$S"
	exec 2>&"$errfd" {errfd}>&-
	if ! job_gone "$live" "$S"; then
		hung=$((hung + 1))
		echo "# stop $k ($act in $ph): processes still running 9 s later:"
		job_procs "$live" "$S" | sed 's/^/#   /'
		kill_job "$live" "$S"
		job_gone "$live" "$S"
	fi
	live=
	n=$(current "$S")
	x=$(($(topic_end out) - C[n]))	# rows beyond those of the committed batches
	inc=$((x - X))
	if [ "$inc" -lt 0 ]; then
		lost=$((lost - inc))
		echo "# stop $k ($act of $target in $ph, status $st): batch $n committed, but out lacks $((-inc)) of its batches' rows"
	fi
	X=$x
	kills[$ph]=$((${kills[$ph]:-0} + 1))
	[ "$inc" -gt 0 ] && dups[$ph]=$((${dups[$ph]:-0} + inc))
	[ "$ph" = produce ] && [ "$inc" -gt 0 ] && produce_dup=$((produce_dup + 1))
	if [ "$act" = term ]; then
		# a clean stop: exit 0 (143 only before cfjob's traps are set) with
		# its batch committed; a plan left only if it is a replay still to do
		base=$(sed -n '1s/^base //p' "$S/plan" 2>/dev/null)
		if { [ "$st" != 0 ] && ! { [ "$st" = 143 ] && [ "$trapped" = 0 ]; }; } ||
			{ [ "$st" = 0 ] && [ -n "$base" ] && [ "$base $n" != "$n0 $n0" ]; }; then
			term_bad=$((term_bad + 1))
			echo "# SIGTERM $k in $ph: status $st, batch $n0 -> $n committed, plan left: base $base"
		fi
	fi
	# ^C: a clean stop after the batch's commit (0), or interrupted (130),
	# whatever it hit (cfjob's man page, SIGNALS)
	if [ "$act" = int ] && [ "$st" != 0 ] && [ "$st" != 130 ]; then
		int_bad=$((int_bad + 1))
		echo "# SIGINT $k in $ph: status $st: $(grep -v '^winagg: summary' "$tmp/crash.err" | tail -1)"
	fi
	# a c.N neither committed nor the batch in flight (removed by the next start)
	ls -d "$S"/c.* 2>/dev/null | grep -qvE "/c\\.($n|$((n + 1)))\$" && stray=$((stray + 1))
	echo "$k $act $target $ph $st $n $inc $how" >>"$tmp/kills"
	[ "$n" -ge "$NB" ] && [ "$st" = 0 ] && break	# finished
done
t_loop=$(secs_us "$t0" "$(usec)")
[ -n "${JOB_CRASH_LOG:-}" ] && cp "$tmp/kills" "$JOB_CRASH_LOG"
nk=$(awk '$4 != "-"' "$tmp/kills" | wc -l)
before_final=$(current "$S")
t0=$(usec)
job out "$S" -q 2>>"$tmp/crash.err"
st=$?
t_final=$(secs_us "$t0" "$(usec)")
check "crash loop: the final run exits 0" test $st -eq 0
[ $st -eq 0 ] || tail -5 "$tmp/crash.err" | sed 's/^/# crash.err: /'

echo "# crash loop (seed $SEED): $nk stops in $t_loop s, delays 0 to $dmax ms or aimed;" \
	"$before_final of $NB batches committed before the final run ($t_final s)"
line=
for ph in start plan consume command produce commit; do line+=" $ph ${kills[$ph]:-0},"; done
echo "# stops by phase:${line%,}"
line=
for a in kill-cfjob kill-group kill-stage term int; do
	line+=" $a $(awk -v a="$a" '$2 == a && $4 != "-"' "$tmp/kills" | wc -l),"
done
echo "# stops by action:${line%,}"
echo "# stages killed: $(awk '$2 == "kill-stage" && $4 != "-" {print $3}' "$tmp/kills" | sort | uniq -c |
	awk '{printf "%s%s %d", s, $2, $1; s = ", "}')"
line=
for ph in start plan consume command produce commit; do line+=" $ph ${dups[$ph]:-0},"; done
echo "# rows written before a stop and again by the replay, by phase of the stop:${line%,}"
echo "# SIGINT to the group landed in: $(awk '$2 == "int" {printf "%s%s (status %s)", s, $4, $5; s = ", "}' "$tmp/kills")"
echo "# SIGTERM to cfjob landed in: $(awk '$2 == "term" {printf "%s%s (status %s)", s, $4, $5; s = ", "}' "$tmp/kills")"
echo "# $stray stops left the commit before the last behind (removed by the next start);" \
	"$early runs ended by themselves before their stop"

decoded out >"$tmp/out.json"
rows=$(wc -l <"$tmp/out.json")
distinct=$(sort -u "$tmp/out.json" | wc -l)
echo "# out: $rows rows, $distinct distinct, $((rows - distinct)) duplicates"
check "crash loop: out deduplicated equals the reference's rows as a set" \
	cmp -s <(sort -u "$tmp/out.json") <(sort -u "$tmp/ref.json")
if ! cmp -s <(sort -u "$tmp/out.json") <(sort -u "$tmp/ref.json"); then
	comm -13 <(sort -u "$tmp/out.json") <(sort -u "$tmp/ref.json") | head -5 | sed 's/^/#   missing: /'
	comm -23 <(sort -u "$tmp/out.json") <(sort -u "$tmp/ref.json") | head -5 | sed 's/^/#   extra: /'
fi
multi=$(counts "$tmp/out.json")
nm=$(grep -c . <<<"$multi")
check "crash loop: a window written again was identical (one count per window; $nm not)" test "$nm" -eq 0
[ -n "$multi" ] && echo "$multi" | head -5 | sed 's/^/#   several counts: /'
check "crash loop: the duplicates are rows written before stops ($((rows - distinct)) <= $((X + lost)))" \
	test "$((rows - distinct))" -le "$((X + lost))"
check "crash loop: no stop lost rows of a committed batch ($lost)" test "$lost" -eq 0
# Whether the loop reached the case at all: judged when it made at least half
# its stops (under the sanitizers on a loaded machine the 40 batches were seen
# done after 7; the checks above hold whatever the stops were).
if [ "$k" -ge $((NKILL / 2)) ]; then
	check "crash loop: stops during produce left rows that the replay wrote again ($produce_dup)" \
		test "$produce_dup" -gt 0
else
	echo "# crash loop: only $k of $NKILL stops before the job was done: whether one left produced rows is not judged"
fi
check "crash loop: the job's processes ended by themselves after every stop ($hung hung)" test "$hung" -eq 0
check "crash loop: every SIGTERM stop exited 0 with its batch committed" test "$term_bad" -eq 0
check "crash loop: every SIGINT to the group exited 0 or 130" test "$int_bad" -eq 0
n=$(current "$S")
check "state: current -> c.$n, all $NB batches committed" test "$n" -ge "$NB"
check "state: no plan left" test ! -e "$S/plan"
check "state: no c.* directory but the current one" test "$(ls -d "$S"/c.* 2>/dev/null)" = "$S/c.$n"
check "state: the offsets are the ends of the 3 partitions" \
	test "$(tail -n +2 "$S/c.$n/offsets" 2>/dev/null | sort | tr '\n' ' ')" = "0 4000 1 4000 2 4000 "
left=$(ours)
check "no process of the jobs left running" test -z "$left"
[ -n "$left" ] && ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" | sed 's/^/#   left: /'
echo "# the suite took $(secs_us "$t_suite" "$(usec)") s"
