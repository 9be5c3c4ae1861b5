# Scaling winagg out (issue 19; man winagg, "Scaling out"): winagg --partial
# on the parts of each batch and winagg --merge on their rows must write what
# one winagg writes on the batches, byte for byte. The differential cases
# (tests/winagg/partial.py, plain winagg the reference): random batches
# split at random into 1 to 5 parts, one --partial per part or one for all
# the parts, the rows of a batch's parts shuffled; the rows, the status, the
# messages (the summary's counts, the bad records skipped) and the state file
# compared, for the wikimedia job's options and others (tumbling and sliding
# windows, --offset, several --group-by, every aggregate, --mode update,
# --back-to-back, --at-eof flush and keep, ISO and millisecond event times,
# bad records skipped, --out table), and with the merger stopped after a
# batch (or cut within the next) and restarted on its state file. A fixed
# seed (WINAGG_PARTIAL_SEED, 19) and WINAGG_PARTIAL_ITER cases per option
# set (4); under CONFORMANCE (make conformance) a seed of the time (or
# CONFORMANCE_SEED) and 100 cases per set unless WINAGG_PARTIAL_ITER says.
# Then the errors: rows that are no partial rows (each kind of damage a bad
# record, status 1, naming the record, or skipped under --on-error skip), rows
# made with other options, integer sums that overflow, and the options each
# mode refuses (status 2, naming the option).
suite=winagg-partial
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
command -v python3 >/dev/null || { missing "python3" "python3 is needed to make the inputs"; exit 0; }
export PYTHONDONTWRITEBYTECODE=1
helper=$TESTS/winagg/partial.py
winagg=$BIN/winagg
if [ -n "${CONFORMANCE:-}" ]; then
	seed=${CONFORMANCE_SEED:-$(date +%s)} iter=${WINAGG_PARTIAL_ITER:-100}
	echo "# WINAGG_PARTIAL_SEED=$seed WINAGG_PARTIAL_ITER=$iter"
else
	seed=${WINAGG_PARTIAL_SEED:-19} iter=${WINAGG_PARTIAL_ITER:-4}
fi

# differ NAME OPTIONS...: iter cases of these options (ONE_PART: see partial.py)
differ() {
	local name=$1 i bad=0 out
	shift
	for ((i = 0; i < iter; i++)); do
		mkdir -p "$tmp/c"
		if ! out=$(RESTART=1 python3 "$helper" case $((seed * 1000 + i)) "$tmp/c" "$winagg" -- "$@" 2>&1); then
			bad=$((bad + 1))
			[ "$bad" -le 2 ] && echo "$out" | head -c 4000 | sed 's/^#*/#/'
		fi
	done
	check "$name: --partial | --merge is winagg, $iter cases ($bad differ)" test "$bad" -eq 0
}

differ "the wikimedia job" --micro-batch --where type=edit --time timestamp --time-unit s \
	--window 60s --slide 30s --watermark 60s --group-by requested_by=bot \
	--label requested_by:true=Bot --label requested_by:false=Human --count-of counts=bot --state '{state}'
differ "tumbling, every aggregate" --micro-batch --time timestamp --window 60s --watermark 20s \
	--group-by wiki --count n --sum s=length.new --min lo=length.new --max hi=length.new \
	--avg av=score --count-distinct users=user --sum sc=score --count-of u=user
differ "--offset, --back-to-back, two --group-by" --back-to-back --time timestamp --window 90s \
	--slide 30s --offset 10s --watermark 45s --group-by wiki --group-by b=bot --sum s=length.new \
	--count-distinct u=user --min m=score --max x=score
differ "--mode update, a state" --micro-batch --mode update --time timestamp --window 60s --slide 20s \
	--watermark 30s --where 'type!=log' --group-by type --count n --max hi=length.new --avg a=length.old \
	--state '{state}'
differ "--back-to-back --mode update --at-eof flush, a state" --back-to-back --mode update \
	--time timestamp --window 40s --slide 20s --watermark 10s --group-by bot --sum s=score \
	--at-eof flush --state '{state}'
differ "--at-eof keep, ISO event times, --out table" --micro-batch --time meta.dt --time-unit iso \
	--window 30s --watermark 15s --group-by wiki --label wiki:enwiki=English --min lo=score \
	--count-distinct w=bot --at-eof keep --state '{state}' --out table
differ "milliseconds, --time-format iso, NDJSON" --micro-batch --time meta.ms --time-unit ms \
	--window 2m --slide 1m --offset 15s --watermark 0s --count n --sum s=length.new \
	--time-format iso --out ndjson --state '{state}'
differ "bad records skipped" --micro-batch --on-error skip --time timestamp --window 30s \
	--watermark 10s --group-by user --count n --avg a=length.new --sum s=score
ONE_PART=1 differ "any doubles, one part a batch" --micro-batch --time timestamp --window 60s \
	--slide 30s --watermark 30s --group-by wiki --sum s=score --avg a=score --min lo=score --max hi=score

# Several parts: their sums added in order of value, the same whatever order
# the rows come in (0.1 + 0.2 + 0.3 is 0.6 or 0.6000000000000001 by order)
dopts=(--time t --window 60s --sum s=x --avg a=x --count-of n=x)
for x in 0.1 0.2 0.3 1e16 1 -1e16; do
	echo "{\"t\":1764950400,\"x\":$x}" | "$winagg" --partial "${dopts[@]}" --in ndjson --out ndjson 2>/dev/null
done >"$tmp/parts"
python3 - "$tmp/parts" "$tmp/orders" <<'PY'
import itertools, random, sys
rows = open(sys.argv[1]).read().splitlines()
r = random.Random(5)
with open(sys.argv[2], "w") as f:
    for _ in range(12):
        r.shuffle(rows)
        f.write("\t".join(rows) + "\n")
PY
outs=$(while IFS= read -r line; do
	tr '\t' '\n' <<<"$line" | "$winagg" --merge --micro-batch "${dopts[@]}" --in ndjson --out ndjson 2>/dev/null
done <"$tmp/orders" | sort | uniq -c)
check "doubles of several parts: one result whatever the order of the rows ($(echo $outs))" \
	test "$(wc -l <<<"$outs")" = 1

# ---- errors ----
opts=(--time timestamp --window 60s --slide 30s --group-by wiki --count n --sum s=v --count-distinct d=u)
printf '%s\n' '{"timestamp":1764950400,"wiki":"en","v":5,"u":"a"}' '{"timestamp":1764950401,"wiki":"en","v":7,"u":"b"}' |
	"$winagg" --partial "${opts[@]}" --in ndjson --out ndjson >"$tmp/p" 2>"$tmp/perr"
check "--partial writes rows and a meta row ($(wc -l <"$tmp/p") lines)" test "$(wc -l <"$tmp/p")" -eq 3
row=$(head -1 "$tmp/p") meta=$(tail -1 "$tmp/p")
fp=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["partial"])' "$row")
check "the meta row counts the records" python3 -c '
import json, sys
m = json.loads(sys.argv[1])
sys.exit(not (m["read"] == 2 and m["max_time"] == 1764950401000000 and m["filtered"] == 0))' "$meta"

# bad NAME ROW-PYTHON: the row of winagg --partial, changed by ROW-PYTHON (r
# is the row as a dict; a str result is the record as it is), between the
# row and its meta row, is a bad record for --merge: status 1, "record 2"
# named, and skipped under --on-error skip
bad() {
	local name=$1 expr=$2 st
	python3 - "$row" "$expr" "$meta" >"$tmp/bad" <<-'PY' || { notok "$name" "the row could not be made"; return; }
	import json, sys
	r = json.loads(sys.argv[1])
	x = eval(sys.argv[2])
	if not isinstance(x, str):
	    x = json.dumps(r, separators=(",", ":"))
	print(sys.argv[1])
	print(x)
	print(sys.argv[3])
	PY
	"$winagg" --merge --micro-batch "${opts[@]}" --in ndjson --out ndjson <"$tmp/bad" >"$tmp/out" 2>"$tmp/err"
	st=$?
	check "$name: status 1 ($st), the record named ($(head -c 300 "$tmp/err"))" \
		eval '[ "$st" = 1 ] && grep -q "record 2" "$tmp/err"'
	"$winagg" --merge --micro-batch "${opts[@]}" --in ndjson --out ndjson --on-error skip <"$tmp/bad" >"$tmp/out" 2>"$tmp/err"
	st=$?
	check "$name: skipped under --on-error skip ($st)" eval '[ "$st" = 0 ] && grep -q "1 bad record skipped" "$tmp/err"'
}
bad "not JSON" '"{\"partial\":"'
bad "not an object" '"[1,2]"'
bad "no fingerprint" 'r.pop("partial")'
bad "an unknown member" 'r.update(extra=1)'
bad "a window not of --window" 'r.update(end=r["end"] + 1000000)'
bad "a window not at a slide" 'r.update(start=r["start"] + 1000000, end=r["end"] + 1000000)'
bad "a group value too many" 'r.update(key=r["key"] + "\u001f1")'
bad "a group value not JSON" 'r.update(key="{")'
bad "an aggregate too few" 'r["aggs"].pop()'
bad "a count not a number" 'r["aggs"][0].__setitem__(0, "2")'
bad "a count not the pairs" 'r["aggs"][0].__setitem__(0, r["pairs"] + 1)'
bad "no pairs" 'r.update(pairs=0)'
bad "pairs past 2^62" 'r.update(pairs=2**62 + 1)'
bad "a sum not a number" 'r["aggs"][1].__setitem__(2, [])'
bad "an integer sum in a count" 'r["aggs"][0].__setitem__(1, 3)'
bad "distinct values in a sum" 'r["aggs"][1].__setitem__(7, ["1"])'
bad "more distinct values than pairs" 'r["aggs"][2].__setitem__(7, ["\"a\"", "\"b\"", "\"c\""])'
bad "a distinct value not JSON" 'r["aggs"][2].__setitem__(7, ["nope"])'
bad "a meta row with a negative count" "json.dumps(dict(json.loads('''$meta'''), read=-1))"
bad "a meta row counting more than it read" "json.dumps(dict(json.loads('''$meta'''), filtered=3))"
bad "a meta row without max_time's type" "json.dumps(dict(json.loads('''$meta'''), max_time='x'))"
bad "JSON null" '"null"'

# rows without their meta row: the batch's end refuses them (its state would not load)
head -2 "$tmp/p" | "$winagg" --merge --micro-batch "${opts[@]}" --in ndjson --out ndjson --state "$tmp/nometa" >"$tmp/out" 2>"$tmp/err"
st=$?
check "rows without their meta row: status 1 ($st), said so, nothing saved" \
	eval '[ "$st" = 1 ] && grep -q "without their meta row" "$tmp/err" && [ ! -e "$tmp/nometa" ]'

# rows made with other options: refused whatever --on-error says
for other in "--window 120s --slide 30s" "--time-unit ms" "--offset 10s" "--where wiki=en" "--group-by u"; do
	"$winagg" --merge --micro-batch "${opts[@]}" $other --in ndjson --out ndjson --on-error skip <"$tmp/p" >"$tmp/out" 2>"$tmp/err"
	st=$?
	check "rows of other options ($other): status 1 ($st), said so" \
		eval '[ "$st" = 1 ] && grep -q "record 1 .*made with other options" "$tmp/err"'
done
"$winagg" --merge --micro-batch --time timestamp --window 1m --slide 30000ms --group-by wiki --count n \
	--sum s=v --count-distinct d=u --in ndjson --out ndjson <"$tmp/p" >/dev/null 2>"$tmp/err"
check "--window 1m is --window 60s to the fingerprint" test $? = 0

# integer sums that overflow when the parts add up: status 1, never wrapped
big=4611686018427387904
printf '%s\n' "{\"timestamp\":1764950400,\"wiki\":\"en\",\"v\":$big,\"u\":\"a\"}" |
	"$winagg" --partial "${opts[@]}" --in ndjson --out ndjson >"$tmp/big" 2>/dev/null
cat "$tmp/big" "$tmp/big" >"$tmp/big2"
"$winagg" --merge --micro-batch "${opts[@]}" --in ndjson --out ndjson <"$tmp/big2" >"$tmp/out" 2>"$tmp/err"
st=$?
check "2^62 + 2^62 within one window: status 1 ($st), overflow said" eval '[ "$st" = 1 ] && grep -q "record 4.*overflows" "$tmp/err"'
printf '%s\n' "{\"timestamp\":1764950400,\"wiki\":\"en\",\"v\":$big,\"u\":\"a\"}" "{\"timestamp\":1764950400,\"wiki\":\"en\",\"v\":$big,\"u\":\"a\"}" |
	"$winagg" --micro-batch "${opts[@]}" --in ndjson --out ndjson >/dev/null 2>&1
check "(winagg fails on those records too)" test $? = 1

# options refused
refused() {
	local mode=$1 opt=$2 st
	shift 2
	"$winagg" "$mode" "${opts[@]}" "$@" </dev/null >/dev/null 2>"$tmp/err"
	st=$?
	check "$mode $*: refused (status $st: $(head -c 200 "$tmp/err"))" eval '[ "$st" = 2 ] && grep -q -- "$opt" "$tmp/err"'
}
refused --partial --state --state "$tmp/s"
refused --partial --watermark --watermark 10s
refused --partial --late --late "$tmp/late"
refused --partial --mode --mode append
refused --partial --at-eof --at-eof flush
refused --partial --micro-batch --micro-batch
refused --partial --back-to-back --back-to-back
refused --partial --checkpoint-every --checkpoint-every 5
refused --partial --time-format --time-format iso
refused --partial "--out table" --out table
refused --partial --merge --merge
"$winagg" --partial --time timestamp --session 30s --count n </dev/null >/dev/null 2>"$tmp/err"
st=$?
check "--partial --session: refused ($(head -c 200 "$tmp/err"))" eval '[ "$st" = 2 ] && grep -q -- --session "$tmp/err"'
refused --merge --micro-batch
refused --merge --late --micro-batch --late "$tmp/late"
refused --merge --checkpoint-every --micro-batch --state "$tmp/s" --checkpoint-every 5
"$winagg" --merge --micro-batch --time timestamp --session 30s --count n </dev/null >/dev/null 2>"$tmp/err"
st=$?
check "--merge --session: refused ($(head -c 200 "$tmp/err"))" eval '[ "$st" = 2 ] && grep -q -- --session "$tmp/err"'
check "--label is taken by --partial (the merger labels)" eval \
	'"$winagg" --partial "${opts[@]}" --label wiki:en=English </dev/null >/dev/null 2>&1'
