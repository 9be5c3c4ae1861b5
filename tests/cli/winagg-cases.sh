# The winagg case file (tests/winagg/cases): each case run with its input,
# stdout compared line for line, the status, a stderr substring and the
# --late file; the expected rows also checked against tests/winagg/reference.py
# (an independent implementation of the rules) where it knows the options.
# Then state files (split runs; truncated, foreign, damaged, unreadable ones)
# and tests/winagg/check.py: split runs at several points in both modes and
# random event sequences, winagg against the reference (WINAGG_SEED,
# WINAGG_RANDOM_N).
suite=winagg-cases
. "$TESTS/lib.sh"
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
{ winagg "${A[@]}" --state "$s" --at-eof keep <"$tmp/h1" && winagg "${A[@]}" --state "$s" <"$tmp/h2"; } >"$tmp/two" 2>"$tmp/err"
same_bytes "two runs with a state file give the rows of one" "$tmp/one" "$tmp/two"

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

# ---- split runs and random sequences against the reference ----
if [ -z "$py" ]; then
	notok "check.py" "no python3"
else
	"$py" "$TESTS/winagg/check.py" "$BIN/winagg" "$tmp/check" "${WINAGG_SEED:-1}" "${WINAGG_RANDOM_N:-200}"
fi
