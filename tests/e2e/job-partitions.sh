#!/usr/bin/env bash
# The job on a topic of many partitions (mock broker): cfjob kept pointers
# into its table of partitions while the table grew, so that from the 17th
# partition on it crashed, hung, or left a partition's range unread and
# committed the batch (batch 1 of a 20-partition topic read 950 of 1,000
# records). Here 40 partitions: every record read, and the rows of one
# batch over the 40 partitions equal those of one batch over 1 partition
# (winagg's rows do not depend on how a batch's records arrive); then
# batches of --max-batch on the 40 partitions, and the same on a driver and
# two workers, equal to each other.
suite=job-partitions
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
NP=40

command -v kcat >/dev/null || { notok "kcat present" "kcat not on PATH"; exit 0; }
[ -x "$BIN/mockbroker" ] || { notok "mockbroker present" "missing $BIN/mockbroker"; exit 0; }
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	exec 9>&- 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
exit_on_signals
. "$top/scripts/broker.sh"
broker_start "$tmp" -t many:$NP -t one:1 -t o1:1 -t o40:1 -t ob:1 -t od:1 \
	-t g-plan:1 -t g-repartition:$NP -t g-changelog:1 || { notok "the mock broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
reg=$tmp/registry
wikimedia_registry "$reg"
gen-events -n 4000 --seed 29 --rate 5 --late-share 0.02 --format frames >"$tmp/frames"
split_frames "$tmp/frames" "$tmp/part." "$NP"
for ((p = 0; p < NP; p++)); do
	cfdeframe <"$tmp/part.$p" | cfframe -D "$D" | kcat -P -b "$B" -t many -p $p -D "$D" ||
		notok "produce partition $p" "status $?"
done
cfdeframe <"$tmp/frames" | cfframe -D "$D" | kcat -P -b "$B" -t one -p 0 -D "$D"
mkdir -p "$tmp/st"
J=(wikimedia-job -b "$B" -r "file:$reg")
bodies() { kcat -C -b "$B" -t "$1" -e -q -f '%R%s' | cfdeframe --bare; }
records_in() { sed -n 's/^cfjob: batch [0-9]*: \([0-9]*\) records in.*/\1/p' "$1" | awk '{n += $1} END {print n + 0}'; }

timeout 120 "${J[@]}" --in-topic one --out-topic o1 --state "$tmp/st/1" --flush-at-end 2>"$tmp/1.err"
st1=$?
timeout 120 "${J[@]}" --in-topic many --out-topic o40 --state "$tmp/st/40" --flush-at-end 2>"$tmp/40.err"
st=$?
check "one batch over $NP partitions: exits 0 (status $st; over 1 partition: $st1)" test "$st $st1" = "0 0"
[ "$st" = 0 ] || tail -3 "$tmp/40.err" | sed 's/^/# /'
check "... every record read ($(records_in "$tmp/40.err") of 4000)" test "$(records_in "$tmp/40.err")" = 4000
bodies o1 >"$tmp/o1.bodies"
bodies o40 >"$tmp/o40.bodies"
same_bytes "... the rows of one batch over 1 partition" "$tmp/o1.bodies" "$tmp/o40.bodies"

timeout 120 "${J[@]}" --in-topic many --out-topic ob --state "$tmp/st/b" --flush-at-end --max-batch 20 2>"$tmp/b.err"
st=$?
check "batches of 20 records a partition over $NP partitions: exits 0 (status $st), every record read ($(records_in "$tmp/b.err"))" \
	test "$st $(records_in "$tmp/b.err")" = "0 4000"
for i in 1 2; do
	"${J[@]}" --worker --group g --in-topic many --exit-at-end -X session.timeout.ms=6000 2>"$tmp/w$i.err" &
	pids+=($!)
done
timeout 300 "${J[@]}" --driver --group g --in-topic many --out-topic od --state "$tmp/st/d" --flush-at-end --max-batch 20 2>"$tmp/d.err"
st=$?
for p in "${pids[@]}"; do
	for ((i = 0; i < 300; i++)); do alive "$p" || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
done
bodies ob >"$tmp/b.bodies"
bodies od >"$tmp/d.bodies"
check "... a driver and 2 workers on the same: exits 0 (status $st)" test "$st" = 0
[ "$st" = 0 ] || { tail -3 "$tmp/d.err"; tail -2 "$tmp/w1.err"; } | sed 's/^/# /'
same_bytes "... the rows of the job on one machine" "$tmp/b.bodies" "$tmp/d.bodies"
