# The README's crontab ("Cron batch replays") must work as written: its
# NAME=value lines and its command are taken from the block after the
# "crontab:" marker and run as cron runs them (/bin/sh -c, an environment of
# the crontab's lines and HOME), with only BROKERS, SCHEMA_REGISTRY_URL and
# HOME pointing at this test's local broker, file: registry and scratch
# directory, and this build's bin/ first on the crontab's PATH, then
# stand-ins for kcat, jq and flock that record any call (the README says the
# crontab's PATH needs none of them: cfjob is a librdkafka program).
#   - three cron runs while the topic grows (2,000 more records a partition
#     each time, late events and null bots among them) write exactly the rows
#     of one run over the whole topic in batches of 2,000 a partition that
#     keeps the windows still open (job_reference.py ... keep), print
#     nothing (cron mails nothing), and a fourth with nothing new neither;
#   - --flush-at-end on that state then writes the rest;
#   - no run calls kcat, jq or flock;
#   - a run while another holds the state exits 3 after about 10 s with the
#     message cron would mail;
#   - the README's "replaying a day from scratch" command, as written, writes
#     every window of the topic.
suite=readme-cron
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$(cd "$TESTS/.." && pwd)
ref=$TESTS/interop/job_reference.py
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
P=3 SEG=2000
GEN=(-n $((3 * P * SEG)) --seed 31 --start 1700000000 --rate 20 --late-share 0.02)

for t in kcat jq flock python3 "$BIN/mockbroker" "$BIN/gen-events" "$BIN/wikimedia-job"; do
	command -v "$t" >/dev/null || { notok "kcat, jq, flock, python3 and the tools present" "$t missing"; exit 0; }
done
cleanup() { exec 9>&-; rm -rf "$tmp"; }
trap cleanup EXIT
exit_on_signals

# ---- the crontab, from the README ----
awk '/<!-- crontab: tests\/e2e\/readme-cron.sh/ {on = 1; next}
	on && /^```crontab/ {inblk = 1; next}
	inblk && /^```/ {exit}
	inblk {print}' "$top/README.md" >"$tmp/crontab"
grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$tmp/crontab" >"$tmp/crontab.env"
grep -vE '^[A-Za-z_][A-Za-z0-9_]*=|^#|^$' "$tmp/crontab" >"$tmp/crontab.jobs"
check "the README holds a crontab with one job line" test "$(wc -l <"$tmp/crontab.jobs")" = 1
read -r m h dom mon dow cmd <"$tmp/crontab.jobs"
check "its schedule is five fields of a crontab ($m $h $dom $mon $dow)" \
	bash -c '[[ "$0 $1 $2 $3 $4" =~ ^([0-9*/,-]+\ ){4}[0-9*/,-]+$ ]]' "$m" "$h" "$dom" "$mon" "$dow"
echo "# command: $cmd"
for v in PATH BROKERS SCHEMA_REGISTRY_URL; do
	check "the crontab sets $v" grep -q "^$v=" "$tmp/crontab.env"
done
check "the command is a quiet --exit-at-end run of wikimedia-job with a --state" \
	bash -c '[[ $0 == wikimedia-job\ * && $0 == *" -q "* && $0 == *--exit-at-end* && $0 == *--state* ]]' "$cmd"

# ---- the world: a local broker, a file: registry, the events ----
. "$top/scripts/broker.sh"
broker_start "$tmp" -t wikimedia:$P -t wikimedia.processed:1 -t wikimedia.processed.replay:1 ||
	{ notok "the local broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
mkdir "$tmp/registry" "$tmp/home"
reg=file:$tmp/registry
id=$(SCHEMA_REGISTRY_URL=$reg avroencode --print-id --schema "$top/scripts/schemas/wikimedia-value.avsc" \
	--subject wikimedia-value --register)
gen-events "${GEN[@]}" --format frames --schema-id "$id" >"$tmp/frames.rs"
gen-events "${GEN[@]}" --format ndjson >"$tmp/events.ndjson"
n=$(python3 "$ref" split "$tmp/frames.rs" "$tmp" "$P")
check "$n events, split over $P partitions" test "$n" = $((3 * P * SEG))
# What the job must write: batches of $SEG records a partition, open windows
# kept (keep) or written at the end (flush); and one batch over everything.
python3 "$ref" rows "$tmp/events.ndjson" "$P" "$SEG" "$tmp/keep.meta" keep >"$tmp/keep.ref" &&
	python3 "$ref" rows "$tmp/events.ndjson" "$P" "$SEG" "$tmp/flush.meta" flush >"$tmp/flush.ref" &&
	python3 "$ref" rows "$tmp/events.ndjson" "$P" 0 "$tmp/one.meta" flush >"$tmp/one.ref" ||
	{ notok "reference computed" "job_reference.py failed"; exit 0; }
jq -r '"# reference: \(.edits) edits, \(.late_pairs) late pairs in batches of '$SEG', \(.rows) rows kept"' "$tmp/keep.meta"
check "the reference has null-group rows (counting 0) and late pairs" \
	test "$(jq -s 'map(select(.requested_by == null)) | length' "$tmp/keep.ref")" -gt 5 -a \
	"$(jq .late_pairs "$tmp/keep.meta")" -gt 0

# segment K: records [K*SEG, (K+1)*SEG) of each partition, produced to it
segment() {
	local k=$1 p bad=
	for p in $(seq 0 $((P - 1))); do
		python3 "$ref" slice "$tmp/p$p.rs" $((k * SEG)) $(((k + 1) * SEG)) |
		cfdeframe | cfframe -D "$D" | kcat -P -b "$B" -t wikimedia -p "$p" -D "$D" 2>>"$tmp/produce.err" ||
			bad+=" $p"
	done
	check "segment $k produced (offsets $((k * SEG)) to $(((k + 1) * SEG)) of each partition)${bad:+; failed:$bad}" \
		test -z "$bad"
}
# Stand-ins for what the job must not need: each records its call and fails.
mkdir "$tmp/stubs"
for t in kcat jq flock; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 127\n' "$t" "$tmp/stubs.called" >"$tmp/stubs/$t"
	chmod +x "$tmp/stubs/$t"
done
check "the stand-ins are the kcat, jq and flock the cron runs would find" \
	test "$(env -i PATH="$BIN:$tmp/stubs:$(sed -n 's/^PATH=//p' "$tmp/crontab.env")" /bin/sh -c \
	'command -v kcat; command -v jq; command -v flock' | paste -sd' ')" = "$tmp/stubs/kcat $tmp/stubs/jq $tmp/stubs/flock"
# as_cron NAME: the crontab's command run as cron runs it; output in NAME.out, status in rc
rc=
as_cron() {
	local t0
	t0=$(now)
	env -i $(grep -vE '^(PATH|BROKERS|SCHEMA_REGISTRY_URL|HOME)=' "$tmp/crontab.env") \
		PATH="$BIN:$tmp/stubs:$(sed -n 's/^PATH=//p' "$tmp/crontab.env")" BROKERS="$B" SCHEMA_REGISTRY_URL="$reg" \
		HOME="$tmp/home" LOGNAME="$(id -un)" SHELL=/bin/sh /bin/sh -c "$cmd" >"$tmp/$1.out" 2>&1
	rc=$?
	echo "# $1: exited $rc in $(secs "$t0" "$(now)") s"
	sed 's/^/#   /' "$tmp/$1.out" | head -10
}
# rows TOPIC: the rows in TOPIC, as job_reference.py writes them, sorted
rows() {
	kcat -C -b "$B" -t "$1" -e -q -f '%R%s' | cfdeframe | avrodecode -r "$reg" --out ndjson |
		jq -cS '{start: .window.start, end: .window.end, requested_by, counts}' | sort
}
norm() { jq -cS . "$1" | sort; }

state=$tmp/home/wikimedia-job.state
for k in 0 1 2; do
	segment "$k"
	as_cron "run$k"
	check "cron run $((k + 1)): exits 0 and writes nothing (cron mails nothing)" test "$rc" = 0 -a ! -s "$tmp/run$k.out"
	rows wikimedia.processed >"$tmp/got$k"
	check "cron run $((k + 1)): every row written is final (no window cut short; $(wc -l <"$tmp/got$k") rows)" \
		test -z "$(comm -23 "$tmp/got$k" <(norm "$tmp/flush.ref"))"
done
check "the three cron runs wrote the rows of one run in batches of $SEG a partition ($(wc -l <"$tmp/got2") rows, want $(jq .rows "$tmp/keep.meta"))" \
	cmp -s "$tmp/got2" <(norm "$tmp/keep.ref")
check "the state holds the offsets of the ends of the partitions" \
	test "$(cat "$state/current/offsets" 2>/dev/null | paste -sd' ')" = \
	"cfjob-offsets-1 wikimedia $(for p in $(seq 0 $((P - 1))); do printf '%s %s ' "$p" $((3 * SEG)); done | sed 's/ $//')"
as_cron run3
check "a cron run with nothing new exits 0 and writes nothing" test "$rc" = 0 -a ! -s "$tmp/run3.out"
check "... and adds no row" cmp -s <(rows wikimedia.processed) "$tmp/got2"
check "no cron run called kcat, jq or flock ($(paste -sd';' "$tmp/stubs.called" 2>/dev/null))" \
	test ! -e "$tmp/stubs.called"

# Someone holds the state (a run still going): the next run waits 10 s, then gives up.
# This shell holds it, on a descriptor of its own (cfjob opens another).
exec {lk}>>"$state/lock"
flock -n "$lk" || notok "the test takes the state's lock" "flock -n failed"
t0=$(now)
as_cron overlap {lk}>&-
took=$(secs "$t0" "$(now)")
exec {lk}>&-
check "an overlapping run exits 3 after about 10 s (${took} s)" \
	awk -v rc="$rc" -v t="$took" 'BEGIN { exit !(rc == 3 && t >= 9.5 && t < 20) }'
check "... with the message cron mails" grep -q '^cfjob: --state .*: another job (or the command of a killed one) is running on it$' "$tmp/overlap.out"
check "... and adds no row" cmp -s <(rows wikimedia.processed) "$tmp/got2"
said=$(tr '\n' ' ' <"$top/README.md" | tr -s ' ' | sed -n 's/.*then exits 3 with `\([^`]*\)`.*/\1/p')
check "... the line the README quotes (\"$said\")" \
	test -n "$said" -a "$(sed "s|$state|DIR|" "$tmp/overlap.out")" = "$said"

# The end of the stream: --flush-at-end on the same state writes the windows kept.
env PATH="$BIN:$PATH" SCHEMA_REGISTRY_URL="$reg" wikimedia-job -q -b "$B" --state "$state" --flush-at-end >"$tmp/flush.out" 2>&1
check "--flush-at-end on the cron job's state exits 0" test $? = 0
sed 's/^/#   /' "$tmp/flush.out" | head -5
check "... and the topic then holds every window ($(jq .rows "$tmp/flush.meta") rows)" \
	cmp -s <(rows wikimedia.processed) <(norm "$tmp/flush.ref")

# The README's replay of a day from scratch, as written.
awk '/Replaying a day from scratch/ {on = 1} on && /^ +wikimedia-job / {code = 1}
	code && /^$/ {exit} code {print}' "$top/README.md" | sed 's/^ *//' >"$tmp/replay.sh"
echo "# replay: $(paste -sd' ' "$tmp/replay.sh")"
check "the README holds the replay command" grep -q -- '--flush-at-end' "$tmp/replay.sh"
(cd "$tmp" && exec 9>&- && env PATH="$BIN:$PATH" BROKERS="$B" SCHEMA_REGISTRY_URL="$reg" bash -e "$tmp/replay.sh") \
	>"$tmp/replay.out" 2>&1
check "the replay command runs (status 0)" test $? = 0
grep -v '^winagg: summary' "$tmp/replay.out" | sed 's/^/#   /' | head -8
check "... writes every window of the topic, in one batch ($(jq .rows "$tmp/one.meta") rows)" \
	cmp -s <(rows wikimedia.processed.replay) <(norm "$tmp/one.ref")
check "... and removes its state" test ! -e /tmp/replay.state
