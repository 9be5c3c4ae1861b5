#!/usr/bin/env bash
# One job on several machines (issue 19; cfjob(1), SEVERAL MACHINES), on the
# mock broker: wikimedia-job --driver and wikimedia-job --worker against
# the same job on one machine, over "wikimedia" with 6 partitions of
# generated events in batches of --max-batch records a partition. Each case
# compares the output topic with the single run's: the same Avro bodies in
# the same order.
#   1. 1 driver, 3 workers (--exit-at-end: they end with the driver's run).
#   2. A worker lost mid-run: worker 1 of 2 holds one of its ranges (its
#      command holds the range's barrier), so the driver cannot finish that
#      batch; then worker 1 and its command are SIGKILLed (a machine lost)
#      and a third worker starts. After the group's session timeout the
#      others hold worker 1's partitions and run the missing ranges (the
#      driver asks again every 2 s); the driver drops the rows worker 1 made
#      of the held range (no cfjob-done) and takes the new attempt's.
#   2b. A worker whose command hangs (holds a range's barrier for ever):
#      with --range-timeout 3 it kills its command and stops, status 3,
#      naming the range; the other worker takes its partitions and runs
#      the range again.
#   3. The driver lost mid-run: SIGKILLed while a worker holds a range of
#      the batch in flight, started again on its state: it asks for the same
#      ranges (plan.N, rpart.N) and goes on; nothing written twice.
#   4. Records that are not the job's in its topics (a request of another
#      group, junk, a row keyed wrong): skipped with a warning naming them.
#   5. Usage: a worker given the driver's options, no --group, a group that
#      cannot name topics.
# The mock broker cannot create topics: each case's GROUP-plan,
# GROUP-repartition and GROUP-changelog are made with the broker. The real broker, with the
# workers in network namespaces and cut networks: tests/e2e/scale-real.sh.
suite=scale
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
MB=150

for t in kcat python3; do
	command -v $t >/dev/null || { notok "$t present" "$t not on PATH"; exit 0; }
done
[ -x "$BIN/mockbroker" ] || { notok "mockbroker present" "missing $BIN/mockbroker"; exit 0; }

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
		pkill -KILL -P "$p" 2>/dev/null
	done
	exec 9>&- 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
exit_on_signals

. "$top/scripts/broker.sh"
topics=(-t wikimedia:6 -t ref:1)
for g in A B C D E; do topics+=(-t "out$g:1" -t "g$g-plan:1" -t "g$g-repartition:6" -t "g$g-changelog:1"); done
broker_start "$tmp" "${topics[@]}" || { notok "the mock broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
reg=$tmp/registry
wikimedia_registry "$reg"

# Record i goes to partition i mod 6.
gen-events -n 9000 --seed 21 --rate 5 --late-share 0.02 --format frames >"$tmp/frames"
split_frames "$tmp/frames" "$tmp/part." 6
for p in 0 1 2 3 4 5; do
	cfdeframe <"$tmp/part.$p" | cfframe -D "$D" | kcat -P -b "$B" -t wikimedia -p $p -D "$D" ||
		notok "produce partition $p" "status $?"
done

mkdir -p "$tmp/st"
J=(wikimedia-job -b "$B" -r "file:$reg")
bodies() { kcat -C -b "$B" -t "$1" -e -q -f '%R%s' | cfdeframe --bare; }
topic_end() { kcat -b "$B" -Q -t "$1:0:-1" 2>/dev/null | sed -n 's/.* offset \([0-9]*\)$/\1/p'; }
current() { local c; c=$(readlink "$1/current" 2>/dev/null) || { echo 0; return; }; echo "${c#c.}"; }
past() { [ "$(current "$2")" -ge "$1" ]; }	# N STATE: batch N committed
# worker GROUP LOG [option ...]: a worker in the background; its pid in wpid
worker() {
	"${J[@]}" --worker --group "$1" -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 "${@:3}" 2>"$2" &
	wpid=$!
	pids+=("$wpid")
	wlog[$wpid]=$2
}
declare -A wlog
# driver GROUP OUT STATE LOG [option ...]: the driver, in the foreground;
# bg_driver the same in the background, its pid (cfjob's: wikimedia-job
# execs it) in dp
driver() {
	"${J[@]}" --driver --group "$1" --out-topic "$2" --state "$3" --flush-at-end --max-batch "$MB" "${@:5}" 2>"$4"
}
bg_driver() {
	"${J[@]}" --driver --group "$1" --out-topic "$2" --state "$3" --flush-at-end --max-batch "$MB" "${@:5}" 2>"$4" &
	dp=$!
	pids+=("$dp")
}
# finish PID...: waits for the workers (30 s at most), killing what is left
finish() {
	local p i
	for p in "$@"; do
		for ((i = 0; i < 300; i++)); do alive "$p" || break; sleep 0.1; done
		if alive "$p"; then
			echo "# worker $p (${wlog[$p]##*/}) still running 30 s after the driver's end: killed; its last lines:"
			tail -3 "${wlog[$p]}" | sed 's/^/#   /'
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
}

# ---- the reference: one machine ----
"${J[@]}" --out-topic ref --state "$tmp/st/ref" --flush-at-end --max-batch "$MB" 2>"$tmp/ref.err"
st=$?
bodies ref >"$tmp/ref.bodies"
nref=$(topic_end ref)
nb=$(grep -c '^cfjob: batch [0-9]*:.*committed' "$tmp/ref.err")
check "reference (one machine): exits 0, $nb batches, $nref rows" test "$st" = 0 -a "$nb" -ge 8 -a "${nref:-0}" -gt 0
[ "$st" = 0 ] || { tail -5 "$tmp/ref.err" | sed 's/^/# ref: /'; exit 0; }

# ---- 1. a driver and three workers ----
w=()
for i in 1 2 3; do worker gA "$tmp/a.w$i.err" --exit-at-end; w+=("$wpid"); done
driver gA outA "$tmp/st/A" "$tmp/a.d.err"
st=$?
finish "${w[@]}"
bodies outA >"$tmp/a.bodies"
check "1 driver, 3 workers: the driver exits 0 (status $st)" test "$st" = 0
same_bytes "... the output topic holds the single run's rows, in its order" "$tmp/ref.bodies" "$tmp/a.bodies"
n=0
for i in 1 2 3; do grep -q 'the driver.s run ended: [1-9][0-9]* ranges' "$tmp/a.w$i.err" && n=$((n + 1)); done
check "... every worker ran ranges and ended with the driver's run ($n of 3)" test "$n" = 3
check "... the driver's batches are the single run's ($(grep -c 'committed' "$tmp/a.d.err") of $nb)" \
	test "$(sed -n 's/^cfjob: batch \([0-9]*\): \([0-9]*\) records in, \([0-9]*\) rows.*/\1 \2 \3/p' "$tmp/a.d.err")" = \
	"$(sed -n 's/^cfjob: batch \([0-9]*\): \([0-9]*\) records in, \([0-9]*\) rows.*/\1 \2 \3/p' "$tmp/ref.err")"

# A worker's command that holds its K-th range's barrier until $GO exists
# (scale_hold.py).
cat >"$tmp/wcmd" <<'EOF'
#!/usr/bin/env bash
set -o pipefail
wikimedia-job --batch-partial | python3 "$HOLD_PY" "$@"
EOF
chmod +x "$tmp/wcmd"
# hworker GROUP LOG K [option ...]: a worker (cfjob --worker, wikimedia-job's
# command) holding its K-th range; its pid in wpid
hworker() {
	rm -f "$tmp/held" "$tmp/go"
	SCHEMA_REGISTRY_URL=file:$reg ON_ERROR=fail QUIET=0 HOLD_PY=$TESTS/e2e/scale_hold.py HELD=$tmp/held GO=$tmp/go \
		cfjob --worker -b "$B" --in-topic wikimedia --group "$1" -X session.timeout.ms=6000 \
		-X heartbeat.interval.ms=500 "${@:4}" -- "$tmp/wcmd" "$3" 2>"$2" &
	wpid=$!
	pids+=("$wpid")
	wlog[$wpid]=$2
}
held() { wait_for 30 "a worker holds a range" test -e "$tmp/held"; }
# settled LOG... and held_batch STATE SECONDS: tests/lib.sh
# lose PID: SIGKILL of a worker and of its command's process group (a machine lost)
lose() {
	local c
	c=$(pgrep -P "$1" | head -1)
	kill -KILL "$1" 2>/dev/null
	[ -n "$c" ] && kill -KILL -- "-$c" 2>/dev/null
	wait "$1" 2>/dev/null
}

# ---- 2. a worker lost mid-run, one added ----
hworker gB "$tmp/b.w1.err" 4
w1=$wpid
worker gB "$tmp/b.w2.err" --exit-at-end
w2=$wpid
wait_for 30 "the workers of gB hold partitions 0-5 between them" settled "$tmp/b.w1.err" "$tmp/b.w2.err"
bg_driver gB outB "$tmp/st/B" "$tmp/b.d.err"
held
h=$?
[ $h = 0 ] || tail -5 "$tmp/b.w1.err" | sed 's/^/# worker 1: /'
held_batch "$tmp/st/B" 30
lose "$w1"
worker gB "$tmp/b.w3.err" --exit-at-end
w3=$wpid
wait "$dp"
st=$?
finish "$w2" "$w3"
bodies outB >"$tmp/b.bodies"
check "a worker holding a range of batch $((k + 1)) lost (SIGKILL of it and its command), a worker added: the driver exits 0 (status $st)" \
	test "$h" = 0 -a "$st" = 0
same_bytes "... the output topic holds the single run's rows, in its order" "$tmp/ref.bodies" "$tmp/b.bodies"
check "... the driver said it asked again for the range held" grep -q "batch $((k + 1)): .* still missing after 2 s .*: asked again" "$tmp/b.d.err"
n=$(grep -o 'the driver.s run ended: [0-9]* ranges' "$tmp/b.w3.err" | grep -o '[0-9]*')
check "... the added worker ran ranges (${n:-none})" test "${n:-0}" -gt 0

# ---- 2b. a worker's command hangs: --range-timeout ----
t2b=$(date +%s)
hworker gE "$tmp/e.w1.err" 4 --range-timeout 3
w1=$wpid
worker gE "$tmp/e.w2.err" --exit-at-end
w2=$wpid
wait_for 30 "the workers of gE hold partitions 0-5 between them" settled "$tmp/e.w1.err" "$tmp/e.w2.err"
bg_driver gE outE "$tmp/st/E" "$tmp/e.d.err"
held
h=$?
t0=$(date +%s)
wait "$w1"
wst=$?
t1=$(date +%s)
wait "$dp"
st=$?
finish "$w2"
bodies outE >"$tmp/e.bodies"
echo "# 2b: the worker stopped $((t1 - t0)) s after the hold, the driver $(($(date +%s) - t1)) s later; $(($(date +%s) - t2b)) s in all"
msg=$(grep -- '--range-timeout' "$tmp/e.w1.err" | tail -1)
check "a worker whose command holds a range (--range-timeout 3): it stops, status 3, within 10 s of the hold ($((t1 - t0)) s)" \
	test "$h $wst" = "0 3" -a $((t1 - t0)) -le 10
check "... naming the range and what it did (${msg:-nothing})" \
	grep -qE '^cfjob: batch [0-9]+ partition [0-5], offsets [0-9]+ to [0-9]+: the command has not passed the range.s barrier back in 3 s \(--range-timeout\): killed; this worker stops' "$tmp/e.w1.err"
check "... its command killed (no process of it left)" test -z "$(suite_procs "$TESTS/e2e/scale_hold.py")"
check "... the driver exits 0 (status $st)" test "$st" = 0
same_bytes "... the output topic holds the single run's rows, in its order" "$tmp/ref.bodies" "$tmp/e.bodies"
rm -f "$tmp/held"

# ---- 3. the driver lost mid-run, started again ----
hworker gC "$tmp/c.w1.err" 5
w1=$wpid
worker gC "$tmp/c.w2.err"
w2=$wpid
wait_for 30 "the workers of gC hold partitions 0-5 between them" settled "$tmp/c.w1.err" "$tmp/c.w2.err"
bg_driver gC outC "$tmp/st/C" "$tmp/c.d.err"
held
h=$?
[ $h = 0 ] || tail -5 "$tmp/c.w1.err" | sed 's/^/# worker 1: /'
held_batch "$tmp/st/C" 30
kill -KILL "$dp"
wait "$dp" 2>/dev/null
plan=$(cd "$tmp/st/C" && ls -d plan.* rpart.* 2>/dev/null | paste -sd' ')
e0=$(topic_end outC)
bg_driver gC outC "$tmp/st/C" "$tmp/c.d2.err"
wait_for 30 "the driver started again replays the batch in flight" grep -q 'batch [0-9]*: replaying' "$tmp/c.d2.err"
touch "$tmp/go"
wait "$dp"
st=$?
kill -TERM "$w1" "$w2" 2>/dev/null
finish "$w1" "$w2"
bodies outC >"$tmp/c.bodies"
check "the driver SIGKILLed with batch $((k + 1)) in flight ($plan): nothing of it written ($e0 rows, batches 1-$k)" \
	test "$h" = 0 -a -n "$plan" -a "$e0" = "$(sed -n "s/^cfjob: batch \([0-9]*\): [0-9]* records in, \([0-9]*\) rows.*/\1 \2/p" "$tmp/ref.err" |
		awk -v k="$k" '$1 <= k {n += $2} END {print n + 0}')"
check "... started again on its state: replays batch $((k + 1)), exits 0 (status $st)" \
	sh -c "test $st = 0 && grep -q 'batch $((k + 1)): replaying' '$tmp/c.d2.err'"
same_bytes "... the output topic holds the single run's rows once, in its order" "$tmp/ref.bodies" "$tmp/c.bodies"
for i in 1 2; do
	check "... worker $i stopped by SIGTERM: exits 0" grep -q "stopped by SIGTERM" "$tmp/c.w$i.err"
done

# ---- 4. records that are not the job's ----
# (written while a worker holds a range of the first batch: the driver reads
# its topics from where it starts, as they come)
hworker gD "$tmp/d.w1.err" 2 --exit-at-end
w1=$wpid
bg_driver gD outD "$tmp/st/D" "$tmp/d.d.err"
held
# (one message each: kcat splits at the delimiter, not at newlines)
printf "cfjob-request 1\ngroup other\nbatch 1\ncommitted 0\ntry 1\nbase 0\nat-eof keep\npart 0 0 5\n$D" |
	kcat -P -b "$B" -t gD-plan -p 0 -D "$D"
printf 'junk\n' | kcat -P -b "$B" -t gD-plan -p 0
printf '{"partial":"0"}\n' | kcat -P -b "$B" -t gD-repartition -p 0 -k 'cfjob-row 1 0 0 5 zz'
printf '{"partial":"0"}\n' | kcat -P -b "$B" -t gD-repartition -p 1
# The range stays held until the worker has said it skipped the two
# foreign requests and the driver the two foreign rows (it reads the
# repartition topic while it waits for batch 1), which the checks below
# count: a nap of 3 s stood for this wait.
foreign_read() {
	[ "$(grep -c 'not a request' "$tmp/d.w1.err")" -ge 2 ] &&
		[ "$(grep -c 'not a worker.s record' "$tmp/d.d.err")" -ge 2 ]
}
within 30 foreign_read
touch "$tmp/go"
wait "$dp"
st=$?
finish "$w1"
bodies outD >"$tmp/d.bodies"
same_bytes "foreign records in the job's topics: skipped, the single run's rows (driver status $st)" \
	"$tmp/ref.bodies" "$tmp/d.bodies"
check "... the driver names the records it skipped ($(grep -c 'not a worker' "$tmp/d.d.err"))" \
	test "$(grep -c 'gD-repartition partition [01] offset [0-9]*: not a worker.s record' "$tmp/d.d.err")" = 2
check "... the worker names the requests it skipped ($(grep -c 'not a request' "$tmp/d.w1.err"))" \
	sh -c "grep -q 'gD-plan offset [0-9]*: not a request of the driver of group gD: a message of group other' '$tmp/d.w1.err' &&
		grep -q 'gD-plan offset [0-9]*: not a request of the driver of group gD: line 1: expected' '$tmp/d.w1.err'" ||
	grep 'not a request' "$tmp/d.w1.err" | head -3 | sed 's/^/# worker: /'
check "... one line each ($(grep -c 'not a request' "$tmp/d.w1.err"))" test "$(grep -c 'not a request' "$tmp/d.w1.err")" = 2

# ---- 5. usage ----
usage_case() {	# WHAT WANT-TEXT ARGS...
	local what=$1 want=$2
	shift 2
	"$@" >/dev/null 2>"$tmp/u.err"
	local st=$?
	check "usage: $what: status 2, says \"$want\" ($(head -1 "$tmp/u.err"))" test "$st $(grep -cF -- "$want" "$tmp/u.err")" = "2 1"
}
usage_case "a worker given --out-topic" "--out-topic: the driver's option, not a worker's" \
	cfjob --worker -b "$B" --in-topic wikimedia --out-topic x --group g -- cat
usage_case "a worker given --state" "--state: the driver's option" \
	cfjob --worker -b "$B" --in-topic wikimedia --state "$tmp/x" --group g -- cat
usage_case "a worker without --group" "--worker: --group ID is required" \
	cfjob --worker -b "$B" --in-topic wikimedia -- cat
usage_case "a driver without --group" "--driver: --group ID is required" \
	cfjob --driver -b "$B" --in-topic wikimedia --out-topic ref -- cat
usage_case "--driver and --worker" "--driver and --worker: one or the other" \
	cfjob --driver --worker -b "$B" --in-topic wikimedia --group g -- cat
usage_case "a group that cannot name topics" "names the job's own topics" \
	cfjob --driver -b "$B" --in-topic wikimedia --out-topic ref --group 'a b' -- cat
usage_case "a driver given --range-timeout" "--range-timeout: a worker's option" \
	cfjob --driver -b "$B" --in-topic wikimedia --out-topic ref --group g --range-timeout 5 -- cat
usage_case "--range-timeout 1x" "--range-timeout: expected seconds" \
	cfjob --worker -b "$B" --in-topic wikimedia --group g --range-timeout 1x -- cat
usage_case "wikimedia-job --worker --out-topic" "--out-topic: the driver's option" \
	"${J[@]}" --worker --group g --out-topic x
