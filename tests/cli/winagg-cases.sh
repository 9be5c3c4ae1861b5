# The winagg case file (tests/winagg/cases): each case run with its input,
# stdout compared line for line, the status, a stderr substring and the
# --late file; the expected rows also checked against tests/winagg/reference.py
# (an independent implementation of the rules) where it knows the options.
# Then state files (split runs; truncated, foreign, damaged, unreadable ones;
# each kind of damage the parser refuses, with the line and what is wrong)
# and tests/winagg/check.py: split runs at several points in both modes and
# random event sequences, winagg against the reference (WINAGG_SEED,
# WINAGG_RANDOM_N).
suite=winagg-cases
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
ref=$TESTS/winagg/reference.py
py=$(command -v python3)
export PYTHONDONTWRITEBYTECODE=1

run_case() {
	[ -n "$case" ] || return 0
	local c=$tmp/case args got st want_st=${status:-0} bad=
	rm -rf "$c"; mkdir -p "$c"
	eval "args=(${argline//@TMP/$c})"
	printf '%s' "$input" >"$c/in"
	winagg --in ndjson --out ndjson "${args[@]}" <"$c/in" >"$c/out" 2>"$c/err"
	st=$?
	printf '%s' "$output" >"$c/want"
	[ "$st" = "$want_st" ] || bad="status $st, want $want_st"
	cmp -s "$c/want" "$c/out" || bad="${bad:+$bad; }stdout differs"
	[ -z "$errtext" ] || grep -qF -- "$errtext" "$c/err" || bad="${bad:+$bad; }stderr lacks: $errtext"
	if [ -n "$late" ]; then
		printf '%s' "$late" | cmp -s - "$c/late" || bad="${bad:+$bad; }--late file differs"
	fi
	if [ -z "$bad" ]; then
		ok "$case"
	else
		notok "$case" "$bad"
		echo "#   winagg ${args[*]}"
		diff "$c/want" "$c/out" | sed 's/^/#   /' | head -20
		sed 's/^/#   stderr: /' "$c/err" | head -5
	fi
	# The hand-derived rows against the reference, where it applies.
	if [ "$refcheck" != no ] && [ "$want_st" = 0 ] && [ -n "$py" ]; then
		eval "args=(${argline//@TMP/$c/ref})"
		mkdir -p "$c/ref"
		if "$py" "$ref" "${args[@]}" <"$c/in" >"$c/ref.out" 2>"$c/ref.err"; then
			if cmp -s "$c/want" "$c/ref.out"; then ok "$case (reference agrees)"; else
				notok "$case (reference agrees)" "reference.py gives other rows"
				diff "$c/want" "$c/ref.out" | sed 's/^/#   /' | head -10
			fi
		fi
	fi
	case= argline= input= output= late= errtext= status= refcheck=
}

case= argline= input= output= late= errtext= status= refcheck=
nl=$'\n'
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'## '*) run_case; case=${line#\#\# } ;;
	'#'* | '') ;;
	args\ *) argline=${line#args } ;;
	in\ *) input+=${line#in }$nl ;;
	out) output+=$nl ;;
	out\ *) output+=${line#out }$nl ;;
	late\ *) late+=${line#late }$nl ;;
	err\ *) errtext=${line#err } ;;
	status\ *) status=${line#status } ;;
	ref\ *) refcheck=${line#ref } ;;
	*) notok "case file" "unknown line: $line" ;;
	esac
done <"$TESTS/winagg/cases"
run_case

# ---- state files ----
A=(--in ndjson --out ndjson --time t --window 10s --watermark 5s --group-by g)
s=$tmp/state.json
ev() { printf '{"t":%s,"g":"%s"}\n' "$@"; }
{ ev 1 a; ev 3 b; ev 12 a; } >"$tmp/h1"
{ ev 9 b; ev 14 a; ev 27 b; ev 2 a; } >"$tmp/h2"
cat "$tmp/h1" "$tmp/h2" >"$tmp/whole"
rm -f "$s"
winagg "${A[@]}" <"$tmp/whole" >"$tmp/one" 2>/dev/null
{ winagg "${A[@]}" --state "$s" --at-eof keep <"$tmp/h1" && winagg "${A[@]}" --state "$s" --at-eof flush <"$tmp/h2"; } >"$tmp/two" 2>"$tmp/err"
same_bytes "two runs with a state file give the rows of one" "$tmp/one" "$tmp/two"
# With a state file the open windows wait in it by default (--at-eof keep):
# a cron replay run twice equals one run of a stream (nothing flushed early).
rm -f "$s"
winagg "${A[@]}" --state "$s" <"$tmp/whole" >"$tmp/kept" 2>/dev/null
winagg "${A[@]}" --at-eof keep --state "$s.2" <"$tmp/whole" >"$tmp/kept2" 2>/dev/null
same_bytes "with --state, --at-eof keep is the default" "$tmp/kept2" "$tmp/kept"
check "with --state, the open windows are not written" test "$(wc -l <"$tmp/kept")" -lt "$(wc -l <"$tmp/one")"

# expect NAME STATUS TEXT: the last run's status and a stderr substring
expect() {
	if [ "$st" = "$2" ] && grep -qF -- "$3" "$tmp/err"; then ok "$1"; else
		notok "$1" "status $st, want $2 and stderr with: $3"
		sed 's/^/#   /' "$tmp/err" | head -5
	fi
}
keep() { rm -f "$s"; winagg "${A[@]}" --state "$s" --at-eof keep <"$tmp/h1" >/dev/null 2>&1; }

keep
head -c -20 "$s" >"$s.x" && mv "$s.x" "$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file truncated mid-line: refused" 3 "state file $s"
check "state file truncated: nothing written" test ! -s "$tmp/out"

keep
head -n 1 "$s" >"$s.x" && mv "$s.x" "$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file truncated at a line end: refused" 3 "truncated"

keep
: >"$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file empty: refused" 3 "empty"

keep
winagg --in ndjson --out ndjson --time t --window 20s --watermark 5s --group-by g --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file from another window: refused" 3 "another configuration"
winagg "${A[@]}" --where 'g=a' --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file from another filter: refused" 3 "another configuration"
winagg "${A[@]}" --count n --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file from other aggregates: refused" 3 "another configuration"
winagg "${A[@]}" --out table --late "$tmp/late" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file: output options may change" 0 "summary"

printf 'hello\n' >"$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file not JSON: refused" 3 "not JSON"
printf '{"format":"other"}\n' >"$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file of another program: refused" 3 "no winagg-state header"
keep
sed -i '1s/"version":1/"version":99/' "$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file of another version: refused" 3 "unknown version"
keep
sed -i '2s/"aggs":\[\[/"aggs":[[7,/' "$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file with a malformed aggregate: refused" 3 "malformed aggregate"

rm -rf "$s"; mkdir "$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file unreadable (a directory): refused" 3 "state file $s"
rm -rf "$s"
winagg "${A[@]}" --state "$tmp/h1/x" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file unreadable (under a file): refused" 3 "state file $tmp/h1/x"
if [ "$(id -u)" != 0 ]; then
	keep; chmod 000 "$s"
	winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
	expect "state file unreadable (mode 000): refused" 3 "state file $s"
	chmod 600 "$s"
fi

# ---- damaged state files ----
# A good state file edited by a sed script: the next run refuses it with
# status 3, "state file PATH: line N: WHAT (... remove it to start afresh)"
# and nothing on stdout.
B=(--in ndjson --out ndjson --time t --window 10s --slide 5s --group-by g --count-distinct d=y --sum s=x)
printf '%s\n' '{"t":1,"g":"a","x":2,"y":"u"}' '{"t":3,"g":"b","x":1.5,"y":"v"}' '{"t":4,"g":"a","y":"w"}' >"$tmp/b1"
printf '%s\n' '{"t":12,"g":"a","x":1,"y":"u"}' >"$tmp/b2"
# refused NAME LINE WHAT: the last run's status, stderr and stdout
refused() {
	local want="state file $s: line $2: $3"
	if [ "$st" = 3 ] && [ ! -s "$tmp/out" ] && grep -qF -- "$want" "$tmp/err" &&
	    grep -qF "remove it to start afresh" "$tmp/err"; then ok "state file with $1: refused"; else
		notok "state file with $1: refused" "status $st, $(wc -c <"$tmp/out") bytes out; want 3, none and: $want"
		sed 's/^/#   /' "$tmp/err" | head -3
	fi
}
# damaged NAME LINE WHAT SED-SCRIPT: the state of options D after b1, edited, then b2
damaged() {
	rm -f "$s"
	winagg "${D[@]}" --state "$s" --at-eof keep <"$tmp/b1" >/dev/null 2>&1
	sed -i "$4" "$s"
	winagg "${D[@]}" --state "$s" <"$tmp/b2" >"$tmp/out" 2>"$tmp/err"; st=$?
	refused "$1" "$2" "$3"
}
D=("${B[@]}")
damaged "a distinct value not a string" 2 'malformed aggregate 1 (--count-distinct): distinct value 1: expected a string' '2s/,1,0,\[[^]]*\]\]/,1,0,[7]]/'
damaged "a distinct value not JSON" 2 'malformed aggregate 1 (--count-distinct): distinct value 1 is not JSON' '2s/,1,0,\[[^]]*\]\]/,1,0,["u"]]/'
damaged "a distinct value twice" 2 'malformed aggregate 1 (--count-distinct): distinct value' '2s/,1,0,\[\("[^]]*"\)\]\]/,1,0,[\1,\1]]/'
damaged "distinct values for a sum" 2 'malformed aggregate 2 (--sum): distinct values' '2s/,\[\]\]\]}$/,["1"]]]}/'
damaged "a count for a distinct count" 2 'malformed aggregate 1 (--count-distinct): a count, but it counts distinct values' '2s/"aggs":\[\[0,/"aggs":[[3,/'
damaged "a negative count" 2 'malformed aggregate 1 (--count-distinct): the count: expected an integer from 0 to 2^62' '2s/"aggs":\[\[0,/"aggs":[[-1,/'
damaged "a count as a string" 2 'malformed aggregate 1 (--count-distinct): the count: expected an integer from 0 to 2^62' '2s/"aggs":\[\[0,/"aggs":[["0",/'
damaged "a count over 2^62" 2 'malformed aggregate 2 (--sum): the count: expected an integer from 0 to 2^62' '2s/\],\[1,/],[4611686018427387905,/'
damaged "counts of one aggregate adding up to more than 2^62" 4 'the counts of one aggregate add up to more than 2^62' '2s/\],\[1,/],[3000000000000000000,/;4s/\],\[1,/],[3000000000000000000,/'
damaged "a flag of 2" 2 'malformed aggregate 1 (--count-distinct): the all-integers flag: expected 0 or 1' '2s/"aggs":\[\[0,0,0,0,0,1,/"aggs":[[0,0,0,0,0,2,/'
damaged "a sum with a count and no values" 2 'malformed aggregate 2 (--sum): a count of 1 with the has-values flag 0' '2s/,[01],1,\[\]\]\]}$/,1,0,[]]]}/'
damaged "a minimum above the maximum" 2 'malformed aggregate 2 (--sum): the minimum above the maximum' '2s/,\[[^][]*,\[\]\]\]}$/,[1,2,2,5,3,1,1,[]]]}/'
damaged "an aggregate too many" 2 '"aggs": expected an array of 2 aggregates' '2s/"aggs":\[/"aggs":[[0,0,0,0,0,1,0,[]],/'
damaged "the end not after the start" 2 'window [-5000000, -5000000): the end is not after the start' '2s/"start":\([0-9-]*\),"end":[0-9-]*/"start":\1,"end":\1/'
damaged "a window of another size" 2 'window [-5000000, 99000000): 104000000 us long, not the --window of 10000000 us' '2s/"start":\([0-9-]*\),"end":[0-9-]*/"start":\1,"end":99000000/'
damaged "a window off the slide" 2 'window [1000000, 11000000): not a start of the --slide 5000000 us, --offset 0 us' '2s/"start":[0-9-]*,"end":[0-9-]*/"start":1000000,"end":11000000/'
damaged "a window after the last event" 2 'window [500000000, 510000000): starts after the last event time ("max_time")' '2s/"start":[0-9-]*,"end":[0-9-]*/"start":500000000,"end":510000000/'
damaged "a start not an integer" 2 '"start": expected an event time' '2s/"start":\([0-9-]*\)/"start":"\1"/'
damaged "two group values for one --group-by" 2 '"key": more than the 1 group values' '2s/"key":"\\"\([ab]\)\\""/"key":"\\"\1\\"\\u001f1"/'
damaged "a group value not JSON" 2 '"key": group value 1 is not JSON' '2s/"key":"[^,]*",/"key":"a",/'
damaged "a member unknown" 1 'unexpected member "extra"' '1s/}$/,"extra":1}/'
damaged "a member twice" 2 '"start" twice' '2s/^{/{"start":0,/'
damaged "a member missing" 2 'no "key"' '2s/"key":"[^,]*",//'
damaged "a negative windows count" 1 '"windows": expected a count' '1s/"windows":[0-9]*/"windows":-2/'
damaged "a windows count not an integer" 1 '"windows": expected a count' '1s/"windows":\([0-9]*\)/"windows":\1.5/'
damaged "a max_time not a number" 1 '"max_time": expected an event time' '1s/"max_time":[0-9]*/"max_time":"soon"/'
damaged "open windows and no max_time" 1 'open windows but no event time' '1s/"max_time":[0-9]*/"max_time":null/'
damaged "more windows than the header says" 5 'more windows than the header says' '1s/"windows":2/"windows":1/'
damaged "the lines of a window missing" 3 'fewer windows than the header says: truncated' '4,5d'
damaged "a group line twice" 3 'the window and group of an earlier line again' '2p'
damaged "an empty line" 2 'not JSON' '2{x;p;x}'
damaged "a group line not an object" 2 'expected a JSON object' '2s/.*/[1]/'
rm -f "$s"
winagg "${D[@]}" --state "$s" --at-eof keep <"$tmp/b1" >/dev/null 2>&1
head -c -1 "$s" >"$s.x" && mv "$s.x" "$s"
winagg "${D[@]}" --state "$s" <"$tmp/b2" >"$tmp/out" 2>"$tmp/err"; st=$?
refused "no newline at the end" 5 'truncated: no newline at the end'
D=(--in ndjson --out ndjson --time t --session 5s --group-by g)
damaged "a session shorter than the gap" 2 'window [1000000, 2000000): shorter than the --session gap of 5000000 us' '2s/"start":[0-9]*,"end":[0-9]*/"start":1000000,"end":2000000/'
damaged "two sessions of one group that overlap" 3 'its session overlaps or touches the one of line 2, of the same group' 's/"key":"\\"b\\""/"key":"\\"a\\""/'

# Counts up to 2^62 in a state file are carried on exactly (b's [0, 10) gets t=9).
rm -f "$s"
winagg "${A[@]}" --state "$s" --at-eof keep <"$tmp/h1" >/dev/null 2>&1
sed -i '/"start":0,.*"key":"\\"b\\""/s/"aggs":\[\[[0-9]*,/"aggs":[[4611686018427387900,/' "$s"
winagg "${A[@]}" --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
check "state file: a count of 2^62 - 4 carried on (status $st)" grep -qF '"g":"b","count":4611686018427387901}' "$tmp/out"

# Sums beyond the doubles (Infinity, NaN) go through a state file as through one run.
I=(--in ndjson --out ndjson --time t --window 10s --group-by g --sum s=x --min lo=x --max hi=x)
printf '%s\n' '{"t":1,"g":"a","x":1e400}' '{"t":2,"g":"a","x":-1e400}' '{"t":3,"g":"b","x":1e308}' >"$tmp/i1"
printf '%s\n' '{"t":4,"g":"b","x":1e308}' '{"t":30,"g":"a","x":1}' >"$tmp/i2"
rm -f "$s"
cat "$tmp/i1" "$tmp/i2" | winagg "${I[@]}" >"$tmp/one" 2>/dev/null
{ winagg "${I[@]}" --state "$s" --at-eof keep <"$tmp/i1" && winagg "${I[@]}" --state "$s" --at-eof flush <"$tmp/i2"; } >"$tmp/two" 2>/dev/null
check "state file: infinite and NaN sums (the case has them)" grep -q '"s":"NaN".*"hi":"Infinity"' "$tmp/one"
same_bytes "state file: infinite and NaN sums carried over" "$tmp/one" "$tmp/two"

# --back-to-back: Spark 4's data batches with no no-data batch between. Batch 1
# (t=5, 25) starts with watermark 0: nothing closes. Batch 2 (t=7, 12) drops
# late rows against batch 1's watermark (0), so t=7 still counts in W[0,10),
# and closes with its own (25): W[0,10) with 2, W[10,20) with 1. Batch 3
# (t=8): W[0,10) ends <= batch 2's watermark (25): late. --micro-batch (a
# no-data batch between) closes W[0,10) with 1 after batch 1 and drops t=7
# and t=12 (W[10,20) ends <= 25) as late.
B=(--in ndjson --out ndjson --time t --window 10s)
for mode in micro-batch back-to-back; do
	rm -f "$s"
	for b in '5 25' '7 12' '8 26'; do
		for t in $b; do echo "{\"t\":$t}"; done |
			winagg "${B[@]}" --$mode --state "$s" 2>>"$tmp/err.$mode" | sed "s/^/[$b] /"
	done >"$tmp/out.$mode"
done
W0='{"window":{"start":"1970-01-01 00:00:00","end":"1970-01-01 00:00:10"},'
W1='{"window":{"start":"1970-01-01 00:00:10","end":"1970-01-01 00:00:20"},'
printf '%s\n' "[7 12] $W0\"count\":2}" "[7 12] $W1\"count\":1}" >"$tmp/want.back-to-back"
printf '%s\n' "[5 25] $W0\"count\":1}" >"$tmp/want.micro-batch"
same_bytes "--back-to-back: late against the batch before's watermark, closed with the batch's own" \
	"$tmp/want.back-to-back" "$tmp/out.back-to-back"
same_bytes "--micro-batch: late against the batch's watermark, closed with the next" \
	"$tmp/want.micro-batch" "$tmp/out.micro-batch"
check "--back-to-back: the state file keeps the batch before's watermark" grep -q '"late_watermark":25000000' "$s"

# --min and --max of longs over two batches near 2^63: no sum is kept for
# them, so none overflows (batch 2 stopped as "--sum hi: ... overflows" before,
# and its 1 never became the minimum).
rm -f "$s"
for b in 9223372036854775807 1; do
	echo "{\"t\":1,\"v\":$b}" | winagg "${B[@]}" --min lo=v --max hi=v --micro-batch --state "$s" --at-eof keep 2>>"$tmp/err.max"
done >/dev/null
echo '{"t":20}' | winagg "${B[@]}" --min lo=v --max hi=v --micro-batch --state "$s" >"$tmp/out.max" 2>>"$tmp/err.max"
check "--min, --max of longs near 2^63 over two batches: both batches counted, no overflow" \
	grep -qF '"end":"1970-01-01 00:00:10"},"lo":1,"hi":9223372036854775807}' "$tmp/out.max"

# The options are kept in the state file as a JSON string: they must be UTF-8.
rm -f "$s"
winagg "${A[@]}" --where $'g=\xff' --state "$s" <"$tmp/h2" >"$tmp/out" 2>"$tmp/err"; st=$?
expect "state file: options not UTF-8 refused at the start" 2 "--state: the options are not UTF-8"
check "... and no state file written" test ! -e "$s"

# ---- split runs and random sequences against the reference ----
if [ -z "$py" ]; then
	notok "check.py" "no python3"
else
	"$py" "$TESTS/winagg/check.py" "$BIN/winagg" "$tmp/check" "${WINAGG_SEED:-1}" "${WINAGG_RANDOM_N:-200}"
fi
