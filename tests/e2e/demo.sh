# The README's first command ends in scripts/demo: it must run as written, and
# what it shows must be right. Its table is checked against counts computed
# here with jq from the same generated events (one batch would see no late
# pairs; the demo runs in batches, so the check allows what the batches drop
# and requires the rest to match).
suite=demo
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
"$TESTS/../scripts/demo" >"$tmp/out" 2>"$tmp/err"
check "scripts/demo exits 0" test $? -eq 0
sed 's/^/# /' "$tmp/err" | grep -E 'batch|demo:' | head -12
check "the job ran in batches and flushed at the end (--flush-at-end)" grep -q 'windows flushed' "$tmp/err"
check "the job registered its output schema" grep -q 'subject wikimedia.processed-value, id 2' "$tmp/err"
# cfjob's line per batch: "batch N: X records in, R rows to T, committed (...)"
sums=$(sed -n 's/^cfjob: batch [0-9]*: \([0-9]*\) records in, \([0-9]*\) rows to wikimedia.processed, committed (.*/\1 \2/p' "$tmp/err" |
	awk '{i += $1; r += $2; n++} END {print n + 0, i + 0, r + 0}')
read -r nb inrec outrows <<<"$sums"
check "the job committed its batches exactly once by default ($nb batches)" \
	grep -q '; exactly once, group cfjob.wikimedia.wikimedia.processed$' "$tmp/err"
check "its batches read every event of the topic once ($inrec records in, 108000 produced)" test "$inrec" = 108000
check "a table with a header and 20 rows" test "$(grep -c '^|20[0-9-]* [0-9:]*|' "$tmp/out")" -eq 20
# The seed counts count("bot"): a window's null row is there, counting 0.
check "the table's null rows count 0 (count(bot)), and it has some" \
	test "$(grep -c '|        null|     0|$' "$tmp/out")" -ge 5 -a "$(grep -c '|        null|' "$tmp/out")" = "$(grep -c '|        null|     0|$' "$tmp/out")"
check "the table starts with a window's first group" grep -q '^|20[0-9-]* [0-9:]*|20[0-9-]* [0-9:]*|         Bot|' <(grep '^|20' "$tmp/out" | head -1)
check "the table says how many rows" grep -qE '^[0-9]+ rows; summed over windows' "$tmp/out"
rows=$(sed -n 's/^\([0-9]*\) rows;.*/\1/p' "$tmp/out")
# An hour of 60 s windows sliding by 30 s: about 121 windows, up to 3 groups each.
check "an hour of windows ($rows rows)" test "${rows:-0}" -ge 300 -a "${rows:-0}" -le 400
check "the table's rows are the rows cfjob says it produced ($outrows)" test "${rows:-0}" = "$outrows"
# The totals against the events themselves: every edit counts in two windows,
# less the (record, window) pairs the batches found late (2% of events are late).
bin=$TESTS/../bin
want=$("$bin/gen-events" -n 108000 --rate 30 --late-share 0.02 --start 0 --format ndjson |
	jq -r 'select(.type == "edit") | if .bot == true then "Bot" elif .bot == false then "Human" else "null" end' |
	sort | uniq -c | awk '{printf "%s=%d ", $2, 2 * $1}')
got=$(sed -n 's/.*summed over windows (each edit counts in two): Bot \([0-9]*\), Human \([0-9]*\)$/Bot=\1 Human=\2/p' "$tmp/out")
echo "# edits x2 from the events: $want; from the table: $got"
close() {	# got want: within 3% below (late pairs dropped; 2% of events are late), never above
	[ "$1" -le "$2" ] && [ $(( ($2 - $1) * 100 )) -le $(( 3 * $2 )) ]
}
wb=$(sed -n 's/.*Bot=\([0-9]*\).*/\1/p' <<<"$want") wh=$(sed -n 's/.*Human=\([0-9]*\).*/\1/p' <<<"$want")
gb=$(sed -n 's/.*Bot=\([0-9]*\).*/\1/p' <<<"$got") gh=$(sed -n 's/.*Human=\([0-9]*\).*/\1/p' <<<"$got")
check "bot edits match the events (less late pairs)" close "${gb:-0}" "${wb:-0}"
check "human edits match the events (less late pairs)" close "${gh:-0}" "${wh:-0}"
