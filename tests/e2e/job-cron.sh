# Cron batch replays: wikimedia-job --exit-at-end run again and again on one
# --state while the topic grows must write exactly the rows of one run over
# the whole topic with the same batches (the open windows stay in the state,
# as Spark's trigger(availableNow=True) leaves them), and --flush-at-end on
# the last run writes the rest.
#
# Mock broker, file: registry; "wikimedia" (3 partitions) gets 12,000
# generated events (2% late, about 1% of the edits with a null bot) in three
# steps, offsets [0, 1500), [1500, 3000) and [3000, 4000) of each partition.
# After each step the cron-like runs read what is new (one batch each); the
# single runs afterwards read the whole topic with --max-batch 1500, the same
# three batches. Compared: the output topics row for row, and the rows with
# tests/interop/job_reference.py (keep, flush; micro-batch, back-to-back).
# Also: a run with nothing new (no batch, no row), and the old behaviour,
# every run flushing, which writes partial windows: not the one run's rows.
# After each cron run the state directory is cfjob's (cfjob(1), FILES): the
# lock, current -> c.N, c.N (the offsets and the command's files: winagg's
# windows as the command left them at its last barrier) and work/, nothing
# else (no plan, no pending commit).
suite=job-cron
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
ref=$TESTS/interop/job_reference.py
P=3 K=1500
STEPS=(0 1500 3000 4000)

for t in kcat jq python3; do
	command -v $t >/dev/null || { notok "$t present" "$t not on PATH"; exit 0; }
done
[ -x "$BIN/mockbroker" ] || { notok "mockbroker present" "missing $BIN/mockbroker"; exit 0; }
trap 'exec 9>&- 2>/dev/null; rm -rf "$tmp"' EXIT
exit_on_signals

. "$top/scripts/broker.sh"
OUTS=(cron cronf one onef flushy b2b-cron b2b-one)
topics=()
for o in "${OUTS[@]}"; do topics+=(-t "$o:1"); done
broker_start "$tmp" -t wikimedia:$P "${topics[@]}" || { notok "the mock broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS

# The registry: the input's value schema as id 1.
reg=$tmp/registry
wikimedia_registry "$reg"

GEN=(-n 12000 --seed 14 --start 1700000000 --rate 10 --late-share 0.02)
gen-events "${GEN[@]}" --format frames --schema-id 1 >"$tmp/frames"
gen-events "${GEN[@]}" --format ndjson >"$tmp/events.ndjson"
n=$(python3 "$ref" split "$tmp/frames" "$tmp" "$P")
check "12000 events dealt out to $P partitions ($n)" test "$n" = 12000
nulls=$(jq -r 'select(.type == "edit" and .bot == null) | 1' "$tmp/events.ndjson" | wc -l)
check "some edits have a null bot ($nulls)" test "$nulls" -gt 20
# part P FROM TO: records [FROM, TO) of partition P's file, as a record stream
part() { python3 "$ref" slice "$tmp/p$1.rs" "$2" "$3"; }
# grow STEP: the topic gains offsets [STEPS[STEP-1], STEPS[STEP]) of each partition
grow() {
	local p bad=
	for p in $(seq 0 $((P - 1))); do
		part "$p" "${STEPS[$1 - 1]}" "${STEPS[$1]}" | cfdeframe | cfframe -D "$D" |
			kcat -P -b "$B" -t wikimedia -p "$p" -D "$D" 2>>"$tmp/produce.err" || bad+=" $p"
	done
	check "step $1: offsets ${STEPS[$1 - 1]} to ${STEPS[$1]} produced to each partition${bad:+ (not:$bad)}" test -z "$bad"
}
rc=
# job NAME OUT STATE ARGS...: wikimedia-job into topic OUT; status in rc, stderr in $tmp/NAME.err
job() {
	local name=$1 out=$2 state=$3
	shift 3
	wikimedia-job -b "$B" -r "file:$reg" --out-topic "$out" --state "$tmp/$state" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	if [ "$rc" != 0 ] || [ -s "$tmp/$name.out" ]; then
		echo "# $name: wikimedia-job $* exited $rc"
		sed 's/^/#   /' "$tmp/$name.err" | head -10
	fi
}
# batches NAME: "records kept|flushed" of each batch the run NAME committed, comma-separated
batches() {
	awk '/^cfjob: batch [0-9]+: [0-9]+ records in, [0-9]+ rows to .*, committed \(/ {
		print $4, (/, windows flushed\)$/ ? "flushed" : "kept") }' "$tmp/$1.err" | paste -sd,
}
# rows TOPIC: the topic's rows in order, decoded, one JSON line each
rows() {
	kcat -C -b "$B" -t "$1" -o beginning -e -q -f '%R%s' 2>/dev/null | cfdeframe |
		avrodecode -r "file:$reg" --out ndjson
}
# as_ref TOPIC: the topic's rows as job_reference.py writes them, sorted
as_ref() {
	rows "$1" | jq -c '{counts, end: .window.end, requested_by, start: .window.start}' |
		jq -cS . | sort
}
want() {	# AT_EOF SCHEDULE: the reference's rows for the three batches, sorted
	python3 "$ref" rows "$tmp/events.ndjson" "$P" "$K" "$tmp/ref.meta" "$1" "$2" | jq -cS . | sort
}

# ---- the cron-like runs: one after each step ----
for step in 1 2 3; do
	grow "$step"
	new=$(( (STEPS[step] - STEPS[step - 1]) * P ))
	last=kept
	[ "$step" = 3 ] && last=flushed
	job "cron$step" cron cron.state -q --exit-at-end --progress "$tmp/cron.progress"
	got="$rc $(readlink "$tmp/cron.state/current") $(tail -n +2 "$tmp/cron.state/current/offsets" | paste -sd' ')"
	check "cron run $step (--exit-at-end -q): status 0, batch $step committed, the partitions read to ${STEPS[step]} ($got)" \
		test "$got" = "0 c.$step 0 ${STEPS[step]} 1 ${STEPS[step]} 2 ${STEPS[step]}"
	check "cron run $step: -q, so nothing on stderr (cron mails what a run writes)" test ! -s "$tmp/cron$step.err"
	got=$(cd "$tmp/cron.state" && ls -A | paste -sd' ')
	check "cron run $step: the state holds c.$step, current, lock and work, nothing else ($got)" \
		test "$got" = "c.$step current lock work"
	check "cron run $step: c.$step holds the command's files as work/ does (winagg's windows), and the offsets" \
		diff -r -x offsets "$tmp/cron.state/c.$step" "$tmp/cron.state/work"
	check "cron run $step: winagg's windows are there" test -s "$tmp/cron.state/c.$step/windows"
	job "cronf$step" cronf cronf.state --exit-at-end $([ "$step" = 3 ] && echo --flush-at-end)
	check "cron run $step of the one ending with --flush-at-end: one batch, $last ($(batches "cronf$step"))" \
		test "$rc $(batches "cronf$step")" = "0 $new $last"
	job "flushy$step" flushy flushy.state --flush-at-end
	job "b2b$step" b2b-cron b2b.state --exit-at-end --back-to-back
	check "cron run $step, --back-to-back: one batch ($(batches "b2b$step"))" \
		test "$rc $(batches "b2b$step")" = "0 $new kept"
done
cron_rows=$(rows cron | wc -l)
job cron4 cron cron.state --exit-at-end --progress "$tmp/cron.progress"
check "a cron run with nothing new: status 0, no batch ($(batches cron4))" test "$rc" = 0 -a -z "$(batches cron4)"
check "... it says so" grep -q '^cfjob: nothing new in wikimedia; the last commit is batch 3$' "$tmp/cron4.err"
check "... and writes no row ($cron_rows rows)" test "$(rows cron | wc -l)" = "$cron_rows"


# ---- --progress across the cron runs (Spark's StreamingQueryProgress) ----
pj() { jq -r "$1" "$tmp/cron.progress" 2>/dev/null | paste -sd' '; }
check "--progress: a line per batch of the cron runs, batchId 1 2 3, none for the run with nothing new ($(pj .batchId))" \
	test "$(pj .batchId)" = "1 2 3"
want=
for step in 1 2 3; do
	for p in $(seq 0 $((P - 1))); do want+="$p:${STEPS[step - 1]}-${STEPS[step]} "; done
	want+="$(( (STEPS[step] - STEPS[step - 1]) * P ))|"
done
got=$(jq -r '.sources[0] | [(.startOffset.wikimedia | to_entries[] | .key + ":" + (.value | tostring)) as $f |
	$f] as $s | [(.endOffset.wikimedia | to_entries[] | .value | tostring)] as $e |
	([range(0; $s | length) | $s[.] + "-" + $e[.] + " "] | add) + (.numInputRows | tostring) + "|"' \
	"$tmp/cron.progress" 2>/dev/null | paste -sd '')
check "--progress: each batch's startOffset and endOffset are the step's bounds in every partition, numInputRows its records" \
	test "$got" = "$want"
[ "$got" = "$want" ] || printf '#   want %s\n#   got  %s\n' "$want" "$got"
check "--progress: the rows of the sinks are the rows in the output topic ($(jq -s 'map(.sink.numOutputRows) | add' "$tmp/cron.progress" 2>/dev/null) of $cron_rows)" \
	test "$(jq -s 'map(.sink.numOutputRows) | add' "$tmp/cron.progress" 2>/dev/null)" = "$cron_rows"
check "--progress: id and name are the job's group, in every run ($(pj '.id + " " + .name' | tr ' ' '\n' | sort -u | paste -sd' '))" \
	test "$(pj '.id + " " + .name' | tr ' ' '\n' | sort -u)" = cfjob.wikimedia.cron
check "--progress: each run has a runId of its own ($(pj .runId))" \
	test "$(jq -r '.runId | strings' "$tmp/cron.progress" 2>/dev/null | sort -u | wc -l)" = 3
# the last batch's watermark and rows: those of winagg's state it committed (its --watermark is 60 s)
hdr=$(head -1 "$tmp/cron.state/c.3/windows")
wm=$(jq -r '(.max_time / 1000000 - 60) | todate' <<<"$hdr")
nr=$(($(wc -l <"$tmp/cron.state/c.3/windows") - 1))	# its (window, group) lines, Spark's numRowsTotal
got=$(tail -1 "$tmp/cron.progress" | jq -r '"\(.eventTime.watermark) \(.stateOperators[0].numRowsTotal)"' 2>/dev/null)
check "--progress: the last batch's eventTime.watermark and stateOperators' numRowsTotal are its winagg state's ($got; want ${wm%Z}.000Z $nr)" \
	test "$got" = "${wm%Z}.000Z $nr"
check "--progress: the watermark never moves back ($(pj .eventTime.watermark))" \
	test "$(pj .eventTime.watermark)" = "$(pj .eventTime.watermark | tr ' ' '\n' | sort | paste -sd' ')" -a -n "$(pj .eventTime.watermark)"

# ---- one run over the whole topic, the same batches ----
job one one one.state --exit-at-end --max-batch "$K"
check "one run, --exit-at-end --max-batch $K: 3 batches ($(batches one))" \
	test "$rc $(batches one)" = "0 4500 kept,4500 kept,3000 kept"
job onef onef onef.state --flush-at-end --max-batch "$K"
check "one run, --flush-at-end --max-batch $K: 3 batches, the last flushing ($(batches onef))" \
	test "$rc $(batches onef)" = "0 4500 kept,4500 kept,3000 flushed"
job b2b-one b2b-one b2b-one.state --exit-at-end --back-to-back --max-batch "$K"

rows cron >"$tmp/cron.rows"
rows one >"$tmp/one.rows"
check "the cron runs wrote exactly the one run's rows, in order ($(wc -l <"$tmp/one.rows") rows)" \
	cmp -s "$tmp/cron.rows" "$tmp/one.rows"
check "... and the windows still open are in neither" \
	test "$(wc -l <"$tmp/one.rows")" -lt "$(rows onef | wc -l)"
rows cronf >"$tmp/cronf.rows"
rows onef >"$tmp/onef.rows"
check "the cron runs ending with --flush-at-end wrote exactly the one --flush-at-end run's rows ($(wc -l <"$tmp/onef.rows"))" \
	cmp -s "$tmp/cronf.rows" "$tmp/onef.rows"
check "--back-to-back: the cron runs wrote exactly the one run's rows ($(rows b2b-one | wc -l))" \
	cmp -s <(rows b2b-cron) <(rows b2b-one)
differ() { ! cmp -s "$1" "$2"; }
check "... which are not those of --micro-batch" differ "$tmp/one.rows" <(rows b2b-one)
bad=$(comm -3 <(as_ref flushy) <(as_ref onef) | wc -l)
check "every cron run flushing (the old --exit-at-end) writes partial windows: $bad rows not the one run's" \
	test "$bad" -gt 0

# ---- against the reference ----
for c in "cron keep micro-batch" "cronf flush micro-batch" "b2b-cron keep back-to-back"; do
	set -- $c
	want "$2" "$3" >"$tmp/want"
	as_ref "$1" >"$tmp/got"
	d=$(comm -3 "$tmp/got" "$tmp/want" | wc -l)
	check "$1: the rows of job_reference.py ($2, $3; $(wc -l <"$tmp/want") rows, $(jq -c 'del(.events)' "$tmp/ref.meta"); $d differ)" \
		test "$d" = 0 -a -s "$tmp/want"
	[ "$d" = 0 ] || comm -3 "$tmp/got" "$tmp/want" | head -5 | sed 's/^/#   /'
done
zero=$(jq -c 'select(.requested_by == null)' "$tmp/cronf.rows" | jq -s 'map(.counts) | "\(length) \(add // 0)"' -r)
check "null-bot rows are there, counting 0 (count(\"bot\"): rows, sum: $zero)" \
	bash -c 'read -r n s <<<"$0"; [ "$n" -gt 0 ] && [ "$s" = 0 ]' "$zero"
