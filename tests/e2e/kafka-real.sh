# End to end through a real Apache Kafka broker (KRaft, single node, from the
# jars of tests/kafka/fetch, run by tests/kafka/kafka.sh): 3,000 Confluent
# frames from gen-events produced with kcat -P to a 3-partition topic,
# consumed with kcat -C -f '%R%s', copied through cfdeframe | cfframe -D into
# kcat -P on a 1-partition topic, and compared as multisets of frames (the
# order across partitions is not kept). Then wikimedia-job, run as a cron job
# would run it on a growing topic (null bots, late events), against
# tests/interop/job_reference.py, exactly once (nothing aborted, the offsets
# in the job's consumer group). Also pins what kcat -P does when its topic
# does not exist (auto.create.topics.enable=false).
suite=kafka-real
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/kafka/kafka.sh"
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'

kafka_available || { missing "kafka broker jars" "$KAFKA_LIBS missing: make kafka-server"; exit 0; }
for t in kcat java python3 jq; do
	if ! command -v $t >/dev/null; then
		notok "$t present" "$t not on PATH"
		exit 0
	fi
done

trap 'kafka_stop; rm -rf "$tmp"' EXIT
exit_on_signals
# hexrecs: a record stream (kcat -f '%R%s') on stdin, one hex line per record
# (null for a null record) on stdout, sorted: the multiset of the records.
hexrecs() {
	python3 -c '
import sys, struct
data = sys.stdin.buffer.read()
i = 0
out = []
while i < len(data):
    if len(data) - i < 4:
        sys.exit("hexrecs: truncated length at byte %d" % i)
    (n,) = struct.unpack(">i", data[i:i + 4])
    i += 4
    if n == -1:
        out.append("null")
        continue
    if n < 0 or i + n > len(data):
        sys.exit("hexrecs: bad record length %d at byte %d" % (n, i - 4))
    out.append(data[i:i + n].hex())
    i += n
out.sort()
sys.stdout.write("".join(s + "\n" for s in out))
'
}
total() { cfdeframe --stats <"$1" 2>&1 >/dev/null | awk '$1=="total"{print $2}'; }

t0=$(now)
if ! kafka_start "$tmp" 2>"$tmp/start.err"; then
	notok "broker started" "kafka_start failed"
	sed 's/^/# /' "$tmp/start.err"
	exit 0
fi
t1=$(now)
ok "broker started"
echo "# broker on $KAFKA_BROKERS answered kcat -L $(secs "$t0" "$t1") s after kafka_start (format included)"
B=$KAFKA_BROKERS

if kafka_create_topic in 3 2>"$tmp/topic.err" && kafka_create_topic out 1 2>>"$tmp/topic.err"; then
	ok "topics in (3 partitions) and out (1 partition) created"
else
	notok "topics in (3 partitions) and out (1 partition) created" "$(head -c 300 "$tmp/topic.err")"
	exit 0
fi
echo "# two topics created in $(secs "$t1" "$(now)") s"

gen-events -n 3000 --format frames >"$tmp/want.rs"
hexrecs <"$tmp/want.rs" >"$tmp/want.hex"

: >"$tmp/err"
gen-events -n 3000 --format frames | cfdeframe 2>>"$tmp/err" | cfframe -D "$D" 2>>"$tmp/err" |
	kcat -P -b "$B" -t in -D "$D" 2>>"$tmp/err"
st=("${PIPESTATUS[@]}")
check "produce pipeline exit statuses all zero (${st[*]})" test "${st[*]}" = "0 0 0 0"

kcat -C -b "$B" -t in -o beginning -e -q -f '%R%s' >"$tmp/in.rs" 2>>"$tmp/err"
check "kcat -C exit status zero on the input topic" test $? -eq 0
n=$(total "$tmp/in.rs")
check "3000 records in the input topic (cfdeframe --stats: $n)" test "$n" = 3000
hexrecs <"$tmp/in.rs" >"$tmp/in.hex"
check "input topic holds the generated frames (as a multiset)" cmp -s "$tmp/want.hex" "$tmp/in.hex"
echo "# records per partition of in: $(kcat -C -b "$B" -t in -o beginning -e -q -f '%p\n' 2>/dev/null |
	sort | uniq -c | awk '{print $2 ":" $1}' | paste -sd' ')"

kcat -C -b "$B" -t in -o beginning -e -q -f '%R%s' 2>>"$tmp/err" |
	cfdeframe 2>>"$tmp/err" | cfframe -D "$D" 2>>"$tmp/err" |
	kcat -P -b "$B" -t out -D "$D" 2>>"$tmp/err"
st=("${PIPESTATUS[@]}")
check "copy pipeline exit statuses all zero (${st[*]})" test "${st[*]}" = "0 0 0 0"

kcat -C -b "$B" -t out -o beginning -e -q -f '%R%s' >"$tmp/out.rs" 2>>"$tmp/err"
n=$(total "$tmp/out.rs")
check "3000 records in the output topic (cfdeframe --stats: $n)" test "$n" = 3000
hexrecs <"$tmp/out.rs" >"$tmp/out.hex"
if cmp -s "$tmp/in.hex" "$tmp/out.hex"; then
	ok "output topic holds the same multiset of frames as the input topic"
else
	notok "output topic holds the same multiset of frames as the input topic" \
		"$(diff "$tmp/in.hex" "$tmp/out.hex" | grep -c '^[<>]') lines differ"
fi
[ -s "$tmp/err" ] && sed 's/^/# stderr: /' "$tmp/err"

# wikimedia-job on the real broker: 9,000 events (about 1% of the edits with a
# null bot, 2% late) over 3 partitions, two --exit-at-end runs on one state
# while the topic grows (a cron job's), then --flush-at-end; the rows are
# compared with tests/interop/job_reference.py's: batches of 1,500 records a
# partition, the null group counting 0 (Spark's count("bot")), the windows
# still open kept by --exit-at-end and written by --flush-at-end.
ref=$TESTS/interop/job_reference.py
JP=3 JSEG=1500
JGEN=(-n $((2 * JP * JSEG)) --seed 41 --start 1700000000 --rate 20 --late-share 0.02)
if kafka_create_topic wikimedia "$JP" 2>"$tmp/jtopic.err" && kafka_create_topic wikimedia.processed 1 2>>"$tmp/jtopic.err"; then
	ok "wikimedia-job: topics wikimedia ($JP partitions) and wikimedia.processed created"
	mkdir "$tmp/registry"
	jreg=file:$tmp/registry
	id=$(SCHEMA_REGISTRY_URL=$jreg avroencode --print-id --schema "$TESTS/fixtures/wikimedia-value.avsc" \
		--subject wikimedia-value --register)
	mkdir "$tmp/job"
	gen-events "${JGEN[@]}" --format frames --schema-id "$id" >"$tmp/job/frames.rs"
	gen-events "${JGEN[@]}" --format ndjson >"$tmp/job/events.ndjson"
	python3 "$ref" split "$tmp/job/frames.rs" "$tmp/job" "$JP" >/dev/null &&
		python3 "$ref" rows "$tmp/job/events.ndjson" "$JP" "$JSEG" "$tmp/job/keep.meta" keep >"$tmp/job/keep.ref" &&
		python3 "$ref" rows "$tmp/job/events.ndjson" "$JP" "$JSEG" "$tmp/job/flush.meta" flush >"$tmp/job/flush.ref"
	check "wikimedia-job: reference computed" test $? = 0
	jq -r '"# wikimedia-job reference: \(.edits) edits, \(.late_pairs) late pairs, \(.rows) rows"' "$tmp/job/flush.meta"
	check "wikimedia-job: the reference has late pairs and null-group rows counting 0" \
		test "$(jq .late_pairs "$tmp/job/keep.meta")" -gt 0 -a \
		"$(jq -s 'map(select(.requested_by == null)) | length' "$tmp/job/keep.ref")" -gt 5 -a \
		"$(jq -s 'map(select(.requested_by == null) | .counts) | add' "$tmp/job/keep.ref")" = 0
	# jsegment K: records [K*JSEG, (K+1)*JSEG) of each partition, produced to it
	jsegment() {
		local p st bad=
		for p in $(seq 0 $((JP - 1))); do
			python3 -c '
import struct, sys
data = open(sys.argv[1], "rb").read()
a, b = int(sys.argv[2]), int(sys.argv[3])
i = n = 0
while i < len(data):
    (length,) = struct.unpack(">i", data[i:i + 4])
    if a <= n < b:
        sys.stdout.buffer.write(data[i:i + 4 + length])
    i += 4 + length
    n += 1
' "$tmp/job/p$p.rs" $(($1 * JSEG)) $((($1 + 1) * JSEG)) | cfdeframe | cfframe -D "$D" |
				kcat -P -b "$B" -t wikimedia -p "$p" -D "$D" 2>>"$tmp/job/produce.err"
			st=("${PIPESTATUS[@]}")
			[ "${st[*]}" = "0 0 0 0" ] || bad+=" $p:${st[*]}"
		done
		check "wikimedia-job: segment $1 produced${bad:+ (failed:$bad)}" test -z "$bad"
	}
	jrows() {
		kcat -C -b "$B" -t wikimedia.processed -e -q -f '%R%s' | cfdeframe | avrodecode -r "$jreg" --out ndjson |
			jq -cS '{start: .window.start, end: .window.end, requested_by, counts}' | sort
	}
	norm() { jq -cS . "$1" | sort; }
	for k in 0 1; do
		jsegment "$k"
		SCHEMA_REGISTRY_URL=$jreg wikimedia-job -q -b "$B" --state "$tmp/job/state" --exit-at-end >"$tmp/job/run$k.out" 2>&1
		check "wikimedia-job: --exit-at-end run $((k + 1)) on the growing topic exits 0, says nothing" \
			test $? = 0 -a ! -s "$tmp/job/run$k.out"
		sed 's/^/#   /' "$tmp/job/run$k.out" | head -5
	done
	check "wikimedia-job: the two runs wrote the reference's rows, open windows kept ($(jrows | wc -l) rows, want $(jq .rows "$tmp/job/keep.meta"))" \
		cmp -s <(jrows) <(norm "$tmp/job/keep.ref")
	SCHEMA_REGISTRY_URL=$jreg wikimedia-job -q -b "$B" --state "$tmp/job/state" --flush-at-end >"$tmp/job/flush.out" 2>&1
	check "wikimedia-job: --flush-at-end on that state exits 0" test $? = 0
	check "wikimedia-job: then the topic holds every window of the reference ($(jq .rows "$tmp/job/flush.meta") rows)" \
		cmp -s <(jrows) <(norm "$tmp/job/flush.ref")
	# cfjob runs exactly once here (the default): each batch's rows and
	# offsets in one transaction. Runs that all ended well aborted nothing:
	# read_uncommitted sees what read_committed sees (kcat reads
	# read_committed, librdkafka's default). The offsets go to the group
	# cfjob.<in>.<out>, at the end of every partition (as the state's last
	# commit says), lag 0 for kafka-consumer-groups.
	check "wikimedia-job: nothing aborted (read_uncommitted reads the same rows)" \
		cmp -s <(jrows) <(kcat -C -b "$B" -t wikimedia.processed -e -q -f '%R%s' -X isolation.level=read_uncommitted |
			cfdeframe | avrodecode -r "$jreg" --out ndjson |
			jq -cS '{start: .window.start, end: .window.end, requested_by, counts}' | sort)
	ends=$(for p in $(seq 0 $((JP - 1))); do
		kcat -Q -b "$B" -t "wikimedia:$p:-1" | sed -n "s/.* offset \([0-9]*\)\$/$p \1/p"; done)
	check "wikimedia-job: the state's last commit holds the partitions' ends ($(echo $ends))" \
		test "$(grep -c . <<<"$ends")" = "$JP" -a "$(sed 1d "$tmp/job/state/current/offsets" 2>/dev/null)" = "$ends"
	_kafka_java org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$B" \
		--describe --group cfjob.wikimedia.wikimedia.processed >"$tmp/job/describe" 2>&1
	check "wikimedia-job: group cfjob.wikimedia.wikimedia.processed: those offsets, lag 0 (kafka-consumer-groups)" \
		test -n "$ends" -a "$(awk '$2 == "wikimedia" && $4 == $5 && $6 == 0 {print $3, $4}' "$tmp/job/describe" | sort -n)" = "$ends"
	grep -q '^cfjob' "$tmp/job/describe" || sed 's/^/#   /' "$tmp/job/describe" | head -5
else
	notok "wikimedia-job: topics created" "$(head -c 300 "$tmp/jtopic.err")"
fi

# kcat -P to a topic that does not exist (auto.create.topics.enable=false):
# kcat 1.7.1 (librdkafka 2.0.2) waits topic.metadata.propagation.max.ms (30 s
# by default; 2 s here to keep the suite short), then fails every message with
# one "% Delivery failed for message: Broker: Unknown topic or partition" line
# on stderr each and exits 1. With no input at all it exits 0 and says nothing.
gen-events -n 10 --format frames | cfdeframe | cfframe -D "$D" >"$tmp/ten"
t2=$(now)
kcat -P -b "$B" -t nosuch -D "$D" -X topic.metadata.propagation.max.ms=2000 <"$tmp/ten" 2>"$tmp/nosuch.err"
rc=$?
echo "# kcat -P to a missing topic: exit status $rc after $(secs "$t2" "$(now)") s, stderr:"
sort "$tmp/nosuch.err" | uniq -c | sed 's/^/#   /'
check "kcat -P to a missing topic exits 1" test "$rc" -eq 1
check "kcat -P to a missing topic prints one delivery error a message" test \
	"$(grep -cx '% Delivery failed for message: Broker: Unknown topic or partition' "$tmp/nosuch.err")" -eq 10 -a \
	"$(wc -l <"$tmp/nosuch.err")" -eq 10
kcat -L -b "$B" -t nosuch -m 5 >"$tmp/nosuch.md" 2>&1
check "the missing topic was not created" grep -q 'topic "nosuch" with 0 partitions' "$tmp/nosuch.md"
kcat -P -b "$B" -t nosuch -X topic.metadata.propagation.max.ms=2000 </dev/null 2>"$tmp/nosuch0.err"
rc=$?
echo "# kcat -P with no input to a missing topic: exit status $rc, $(wc -c <"$tmp/nosuch0.err") bytes on stderr"
check "kcat -P with no input to a missing topic exits 0 silently" test "$rc" -eq 0 -a ! -s "$tmp/nosuch0.err"

pid=$KAFKA_PID
props=$tmp/kafka/server.properties
t3=$(now)
kafka_stop
echo "# broker stopped in $(secs "$t3" "$(now)") s"
check "broker process gone after kafka_stop" test -z "$(suite_procs "kafka\.Kafka $props")" -a ! -d "/proc/$pid"
echo "# suite took $(secs "$t0" "$(now)") s from kafka_start"
