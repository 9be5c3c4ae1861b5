# wikimedia-job end to end: 20,000 generated recentchange events as Confluent
# Avro frames (schema registered in franz-go's srfake) spread over the 3
# partitions of "wikimedia" (about 1% of the edits with a null bot, 2% late),
# the job run by cfjob (C, librdkafka: one command for the whole run, a
# checkpoint barrier after each batch, exactly once by default) with
# --flush-at-end or --exit-at-end, and its output topic read back with
# confluent-kafka's Consumer (read_committed) and AvroDeserializer, compared
# with a plain Python reference computed from the same events as NDJSON
# (tests/interop/job_reference.py, job_read_output.py); the null group's rows
# count 0 (Spark's count("bot")):
#   1. the local mock broker, one batch, --flush-at-end: every edit counted,
#      every window flushed;
#   2. the same with --max-batch 2000: Spark's per-batch watermark, batch k
#      reading offsets [2000k, 2000(k+1)) of every partition, simulated exactly;
#      with --exit-at-end (the open windows kept, as Spark's availableNow);
#      with --back-to-back --flush-at-end (Spark's schedule without no-data
#      batches); with --delivery at-least-once (no transactions: the same
#      rows, and the offsets committed to the group after each batch);
#   Spark: the seed's aggregation run by pyspark (tests/interop/job_spark.py,
#      a file source fed the same batches one at a time, each followed by its
#      no-data batch) writes the rows of the --exit-at-end --max-batch 2000
#      run, on the mock broker and on real Kafka (needs java and pyspark);
#   3. a real Kafka broker (tests/kafka/kafka.sh): as 1, then --max-batch 2000
#      with --exit-at-end (late pairs, null bots), each with the group's
#      committed offsets (the partitions' ends, "cfjob batch N" of the state's
#      last commit), a second run on the same state (nothing new: no batch),
#      --flush-at-end on it (an empty batch that flushes, its offsets
#      committed as batch 2), --from end on a new state with a group of its
#      own (nothing, its offsets committed), a new state with the used group
#      (refused: the group's offsets are another state's batch), and --from
#      end on the used state (refused).
suite=job
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/kafka/kafka.sh"
top=$TESTS/..
py_env
ref=$TESTS/interop/job_reference.py
reader=$TESTS/interop/job_read_output.py
in_schema=$TESTS/fixtures/wikimedia-value.avsc
out_schema=$TESTS/fixtures/wikimedia.processed-value.avsc
job=$BIN/wikimedia-job
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
P=3 MAXB=2000
GEN=(-n 20000 --seed 20 --start 1700000000 --rate 20 --late-share 0.02)

for t in kcat jq "$BIN/mockbroker" "$BIN/gen-events" "$BIN/cfjob" "$job"; do
	if ! command -v "$t" >/dev/null; then
		notok "kcat, jq, mockbroker, gen-events, cfjob and wikimedia-job present" "$t missing"
		exit 0
	fi
done
need_pyenv && need_srfake || exit 0

srfd= srpid= mbpid= sparkpid=
cleanup() {
	local p
	# Spark's JVM ends with its python (its gateway's stdin closes)
	[ -n "$sparkpid" ] && kill "$sparkpid" 2>/dev/null && wait "$sparkpid" 2>/dev/null
	[ -n "$srfd" ] && exec {srfd}>&-
	exec 9>&-
	kafka_stop
	# srfake and mockbroker stop at EOF on their stdin, just closed.
	for p in $srpid $mbpid; do
		within 5 ended "$p"
		case $(cat "/proc/$p/comm" 2>/dev/null) in srfake|mockbroker) kill -KILL "$p" ;; esac
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
exit_on_signals
t_suite=$(now)

srfake_start || exit 0

id=$(avroencode --print-id -r "$url" --schema "$in_schema" --subject wikimedia-value --register 2>"$tmp/reg.err")
if ! [[ $id =~ ^[0-9]+$ ]]; then
	notok "input schema registered under wikimedia-value" "$(cat "$tmp/reg.err")"
	exit 0
fi
ok "input schema registered under wikimedia-value (id $id)"

# The events, as frames split by record number over the partitions, and as
# NDJSON for the reference.
gen-events "${GEN[@]}" --format frames --schema-id "$id" >"$tmp/frames.rs"
gen-events "${GEN[@]}" --format ndjson >"$tmp/events.ndjson"
n=$("$py" "$ref" split "$tmp/frames.rs" "$tmp" "$P")
check "gen-events wrote 20000 frames and 20000 events (frames $n, lines $(wc -l <"$tmp/events.ndjson"))" \
	test "$n" = 20000 -a "$(wc -l <"$tmp/events.ndjson")" = 20000
check "frames and NDJSON are the same events (type, bot, timestamp by fastavro)" \
	test "$("$py" "$ref" agree "$tmp/frames.rs" "$tmp/events.ndjson" "$in_schema")" = 0
sizes=()
for p in $(seq 0 $((P - 1))); do
	sizes[p]=$(cfdeframe --stats <"$tmp/p$p.rs" 2>&1 >/dev/null | awk '$1 == "total" {print $2}')
done
"$py" "$ref" rows "$tmp/events.ndjson" "$P" 0 "$tmp/ref1.meta" >"$tmp/ref1" &&
	"$py" "$ref" rows "$tmp/events.ndjson" "$P" "$MAXB" "$tmp/refb.meta" >"$tmp/refb" ||
	{ notok "reference computed" "job_reference.py failed"; exit 0; }
meta() { jq -r ".$2" "$1"; }
echo "# reference: $(meta "$tmp/ref1.meta" edits) edits; one batch: $(meta "$tmp/ref1.meta" rows) rows;" \
	"--max-batch $MAXB: $(meta "$tmp/refb.meta" batches) batches, $(meta "$tmp/refb.meta" rows) rows," \
	"$(meta "$tmp/refb.meta" late_pairs) late (record, window) pairs"
check "the reference drops late pairs with --max-batch $MAXB, and none in one batch" \
	test "$(meta "$tmp/refb.meta" late_pairs)" -gt 0 -a "$(meta "$tmp/ref1.meta" late_pairs)" = 0
check "the two references differ (the batch split matters for these events)" \
	bash -c '! cmp -s "$0" "$1"' "$tmp/ref1" "$tmp/refb"
"$py" "$ref" rows "$tmp/events.ndjson" "$P" "$MAXB" "$tmp/refk.meta" keep >"$tmp/refk" &&
	"$py" "$ref" rows "$tmp/events.ndjson" "$P" "$MAXB" "$tmp/ref2b.meta" flush back-to-back >"$tmp/ref2b" ||
	{ notok "reference computed (keep, back-to-back)" "job_reference.py failed"; exit 0; }
check "keeping the open windows writes fewer rows ($(meta "$tmp/refk.meta" rows) of $(meta "$tmp/refb.meta" rows)), none other" \
	test "$(meta "$tmp/refk.meta" rows)" -lt "$(meta "$tmp/refb.meta" rows)" -a \
	-z "$(comm -23 <(sort "$tmp/refk") <(sort "$tmp/refb"))"
# Spark's rows for the batches of --max-batch $MAXB, computed while the job runs
if ! command -v java >/dev/null 2>&1 || ! "$py" -c 'import pyspark' 2>/dev/null; then
	missing "Spark's rows for the job's batches" "needs java and pyspark in $py: make pyenv"
else
	(SPARK_LOCAL_IP=127.0.0.1 TZ=UTC exec "$py" "$TESTS/interop/job_spark.py" "$tmp/events.ndjson" "$P" "$MAXB" \
		"$tmp/spark" "$tmp/spark.progress" >"$tmp/sparkk" 2>"$tmp/spark.err") &
	sparkpid=$!
fi
# spark_rows: waits for Spark (once) and checks its rows are the reference's; true if Spark's rows are there
spark_done=
spark_rows() {
	if [ -z "$spark_done" ] && [ -n "$sparkpid" ]; then
		wait "$sparkpid"
		spark_done=$? sparkpid=
		check "Spark ran the seed's query on the $(meta "$tmp/refk.meta" batches) batches (status $spark_done; $(grep -o 'job_spark.py: [0-9]* batches.*' "$tmp/spark.err"))" \
			test "$spark_done" = 0
		[ "$spark_done" = 0 ] || grep -v '^\s*at \|WARN' "$tmp/spark.err" | tail -5 | sed 's/^/#   /'
		check "Spark's rows are the reference's with the open windows kept ($(wc -l <"$tmp/sparkk") rows, nulls counting 0)" \
			cmp -s <(jq -cS . "$tmp/sparkk" | sort) <(jq -cS . "$tmp/refk" | sort)
	fi
	[ "$spark_done" = 0 ]
}
# spark_progress NAME LABEL: the run's --progress against Spark's own
# StreamingQueryProgress of the same batches (tests/interop/progress_diff.py:
# input rows, the watermark after each batch, the state's rows, the JSON types)
spark_progress() {
	local out rc
	out=$("$py" "$TESTS/interop/progress_diff.py" "$tmp/spark.progress" "$tmp/$1.progress" 2>&1)
	rc=$?
	check "$2: --progress agrees with Spark's StreamingQueryProgress ($(tail -1 <<<"$out" | sed 's/^progress_diff.py: //'))" \
		test "$rc" = 0
	sed '$d' <<<"$out" | head -8 | sed 's/^/#   /'
}
check "back to back drops fewer late pairs ($(meta "$tmp/ref2b.meta" late_pairs), $(meta "$tmp/refb.meta" late_pairs) with a no-data batch between)" \
	test "$(meta "$tmp/ref2b.meta" late_pairs)" -lt "$(meta "$tmp/refb.meta" late_pairs)"
# gen-events makes about 1% of bots null: the seed counts count("bot"), so the
# null group's rows are there with counts 0 (winagg --count would say more).
nulls() { jq -s '[.[] | select(.requested_by == null)] | "\(length) \(map(.counts) | add // 0)"' -r "$1"; }
read -r n0 c0 <<<"$(nulls "$tmp/ref1")"
check "the reference has null-group rows, each counting 0 ($n0 rows, counts summed $c0)" \
	test "$n0" -gt 10 -a "$c0" = 0

# produce B: the split frames into partition p of wikimedia, in order; checked by reading back
produce() {
	local b=$1 p st bad=
	for p in $(seq 0 $((P - 1))); do
		cfdeframe <"$tmp/p$p.rs" | cfframe -D "$D" | kcat -P -b "$b" -t wikimedia -p "$p" -D "$D" 2>"$tmp/produce.err"
		st=("${PIPESTATUS[@]}")
		[ "${st[*]}" = "0 0 0" ] && ! grep -q . "$tmp/produce.err" ||
			bad+=" partition $p: statuses ${st[*]} $(head -c 200 "$tmp/produce.err")"
	done
	check "$2: frames produced to the $P partitions of wikimedia${bad:+ ($bad)}" test -z "$bad"
	bad=
	for p in $(seq 0 $((P - 1))); do
		kcat -C -b "$b" -t wikimedia -p "$p" -o beginning -e -q -f '%R%s' 2>/dev/null | cmp -s - "$tmp/p$p.rs" ||
			bad+=" $p"
	done
	check "$2: each partition holds its third of the frames in generated order (${sizes[*]})${bad:+; not:$bad}" \
		test -z "$bad"
}

# run_job NAME ARGS...: the job, timed; stderr in $tmp/NAME.err, status in $rc
rc=
run_job() {
	local name=$1 t0
	shift
	t0=$(now)
	"$job" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	echo "# $name: wikimedia-job $* exited $rc in $(secs "$t0" "$(now)") s"
	if [ "$rc" != 0 ] || [ -s "$tmp/$name.out" ]; then
		sed 's/^/#   stderr: /' "$tmp/$name.err" | head -20
		sed 's/^/#   stdout: /' "$tmp/$name.out" | head -5
	fi
}
# batch_lines NAME: "records rows flushed|kept" for each batch cfjob committed
batch_lines() {
	awk '/^cfjob: batch [0-9]+: [0-9]+ records in, [0-9]+ rows to .*, committed \(/ {
		print $4, $7, (/, windows flushed\)$/ ? "flushed" : "kept") }' "$tmp/$1.err"
}
# want_batches MAXB [LAST]: "records flushed|kept" for each batch cfjob must
# commit over the whole topic; LAST (flushed by default) for the last
want_batches() {
	local k=0 total more
	while :; do
		total=0 more=0
		for p in "${!sizes[@]}"; do
			local f=$((k * $1)) t=${sizes[p]}
			[ "$1" -gt 0 ] && [ $((f + $1)) -lt "$t" ] && t=$((f + $1)) && more=1
			[ "$t" -gt "$f" ] && total=$((total + t - f))
		done
		[ "$more" = 1 ] && echo "$total kept" || { echo "$total ${2:-flushed}"; break; }
		k=$((k + 1))
	done
}
late_pairs() { sed -n 's/^winagg: summary: .* \([0-9]*\) late (record, window) pairs dropped.*/\1/p' "$tmp/$1.err" | awk '{s += $1} END {print s + 0}'; }
topic_count() {
	kcat -C -b "$1" -t "$2" -o beginning -e -q -f '%R%s' 2>/dev/null | cfdeframe --stats 2>&1 >/dev/null |
		awk '$1 == "total" {t = $2} END {print t + 0}'
}
# offsets_committed NAME STATE: the state's committed offsets are the ends of the partitions
offsets_committed() {
	local want got
	want=$(printf 'cfjob-offsets-1 wikimedia\n'; for p in "${!sizes[@]}"; do echo "$p ${sizes[p]}"; done)
	got=$(cat "$2/current/offsets" 2>/dev/null)
	if [ "$got" = "$want" ]; then ok "$1: committed offsets are the ends of the partitions"; else
		notok "$1: committed offsets are the ends of the partitions" "got $(echo $got)"; fi
}
# group_offsets LABEL BROKERS GROUP STATE: the group's committed offsets are
# the ends of the partitions, each with the metadata "cfjob batch N", N the
# state's last commit (read as kafka-consumer-groups --describe does, without
# joining the group). Read through librdkafka itself (ctypes): confluent-kafka
# 2.16's TopicPartition.metadata reads the bytes as a C string, past their
# length, and shows what follows them in memory too.
cat >"$tmp/group_offsets.py" <<'PY'
import ctypes, ctypes.util, sys
brokers, group, topic, nparts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lib = ctypes.CDLL(ctypes.util.find_library("rdkafka") or "librdkafka.so.1")
class TP(ctypes.Structure):	# rd_kafka_topic_partition_t
    _fields_ = [("topic", ctypes.c_char_p), ("partition", ctypes.c_int32), ("offset", ctypes.c_int64),
                ("metadata", ctypes.c_void_p), ("metadata_size", ctypes.c_size_t),
                ("opaque", ctypes.c_void_p), ("err", ctypes.c_int), ("_private", ctypes.c_void_p)]
class TPL(ctypes.Structure):
    _fields_ = [("cnt", ctypes.c_int), ("size", ctypes.c_int), ("elems", ctypes.POINTER(TP))]
vp, cp = ctypes.c_void_p, ctypes.c_char_p
lib.rd_kafka_conf_new.restype = vp
lib.rd_kafka_conf_set.argtypes = [vp, cp, cp, cp, ctypes.c_size_t]
lib.rd_kafka_new.restype, lib.rd_kafka_new.argtypes = vp, [ctypes.c_int, vp, cp, ctypes.c_size_t]
lib.rd_kafka_topic_partition_list_new.restype = ctypes.POINTER(TPL)
lib.rd_kafka_topic_partition_list_add.argtypes = [ctypes.POINTER(TPL), cp, ctypes.c_int32]
lib.rd_kafka_topic_partition_list_add.restype = ctypes.POINTER(TP)
lib.rd_kafka_committed.argtypes = [vp, ctypes.POINTER(TPL), ctypes.c_int]
lib.rd_kafka_err2str.restype = cp
lib.rd_kafka_destroy.argtypes = [vp]
err = ctypes.create_string_buffer(512)
conf = lib.rd_kafka_conf_new()
for k, v in (("bootstrap.servers", brokers), ("group.id", group), ("enable.auto.commit", "false"),
             ("isolation.level", "read_committed"), ("log_level", "0")):
    if lib.rd_kafka_conf_set(conf, k.encode(), v.encode(), err, 512) != 0:
        sys.exit("%s: %s" % (k, err.value.decode()))
rk = lib.rd_kafka_new(1, conf, err, 512)	# a consumer, which joins nothing
if not rk:
    sys.exit(err.value.decode())
tl = lib.rd_kafka_topic_partition_list_new(nparts)
for p in range(nparts):
    lib.rd_kafka_topic_partition_list_add(tl, topic.encode(), p)
e = lib.rd_kafka_committed(rk, tl, 20000)
if e:
    sys.exit("rd_kafka_committed: %s" % lib.rd_kafka_err2str(e).decode())
for i in range(tl.contents.cnt):
    tp = tl.contents.elems[i]
    md = ctypes.string_at(tp.metadata, tp.metadata_size) if tp.metadata else b""
    print(tp.partition, tp.offset, md.decode() if all(32 <= b < 127 for b in md) else repr(md))
lib.rd_kafka_destroy(rk)
PY
group_offsets() {
	local n want got
	n=$(readlink "$4/current" 2>/dev/null) n=${n#c.}
	want=$(for p in "${!sizes[@]}"; do echo "$p ${sizes[p]} cfjob batch $n"; done)
	got=$(python3 "$tmp/group_offsets.py" "$2" "$3" wikimedia "$P" 2>"$tmp/offsets.err")
	if [ -n "$n" ] && [ "$got" = "$want" ]; then
		ok "$1: group $3 holds the ends of the partitions, as batch $n"
	else
		notok "$1: group $3 holds the ends of the partitions, as the state's last commit (${n:-none})" \
			"got \"$(echo $got)\", want \"$(echo $want)\""
		head -5 "$tmp/offsets.err" | sed 's/^/#   stderr: /'
	fi
}
# check_run NAME LABEL BROKERS TOPIC REF STATE MAXB [LAST]: everything about one
# run over the whole topic; LAST: flushed (the default) or kept
check_run() {
	local name=$1 label=$2 b=$3 topic=$4 want=$5 state=$6 maxb=$7 last=${8:-flushed} got rows
	check "$label: exits 0, nothing on stdout" test "$rc" = 0 -a ! -s "$tmp/$name.out"
	got=$(batch_lines "$name" | awk '{print $1, $3}' | paste -sd,)
	check "$label: cfjob committed the batches planned ($(want_batches "$maxb" "$last" | paste -sd,); got $got)" \
		test "$got" = "$(want_batches "$maxb" "$last" | paste -sd,)"
	check "$label: the output schema's subject is named on stderr" \
		grep -q "^wikimedia-job: output schema: subject $topic-value, id [0-9]*$" "$tmp/$name.err"
	got=$(late_pairs "$name")
	check "$label: winagg dropped as many late pairs as the reference ($got, want $(meta "$want.meta" late_pairs))" \
		test "$got" = "$(meta "$want.meta" late_pairs)"
	offsets_committed "$label" "$state"
	"$py" "$reader" "$label" "$b" "$topic" "$url" "$topic-value" "$out_schema" "$want" "$tmp/$name.got"
	rows=$(batch_lines "$name" | awk '{s += $2} END {print s + 0}')
	check "$label: the rows cfjob reported ($rows) are the rows in $topic" \
		test "$rows" = "$(topic_count "$b" "$topic")"
}

# ---- 1 and 2: the local mock broker ----
t0=$(now)
. "$top/scripts/broker.sh"
broker_start "$tmp" -t wikimedia:$P -t wikimedia.processed:1 -t wikimedia.processed.mb:1 \
	-t wikimedia.processed.keep:1 -t wikimedia.processed.b2b:1 -t wikimedia.processed.alo:1
st=$? mbpid=$!
if [ "$st" = 0 ]; then
	MB=$BROKERS
	produce "$MB" "mock broker"
	run_job mock1 -b "$MB" -r "$url" --state "$tmp/mock1" --flush-at-end
	check_run mock1 "mock broker, one batch" "$MB" wikimedia.processed "$tmp/ref1" "$tmp/mock1" 0
	run_job mockb -b "$MB" -r "$url" --state "$tmp/mockb" --flush-at-end --max-batch "$MAXB" \
		--out-topic wikimedia.processed.mb
	check_run mockb "mock broker, --max-batch $MAXB" "$MB" wikimedia.processed.mb "$tmp/refb" "$tmp/mockb" "$MAXB"
	run_job mockk -b "$MB" -r "$url" --state "$tmp/mockk" --exit-at-end --max-batch "$MAXB" \
		--out-topic wikimedia.processed.keep --progress "$tmp/mockk.progress"
	check_run mockk "mock broker, --exit-at-end --max-batch $MAXB (open windows kept)" "$MB" \
		wikimedia.processed.keep "$tmp/refk" "$tmp/mockk" "$MAXB" kept
	spark_rows && "$py" "$reader" "mock broker, --exit-at-end --max-batch $MAXB: Spark's rows" "$MB" \
		wikimedia.processed.keep "$url" wikimedia.processed.keep-value "$out_schema" "$tmp/sparkk" "$tmp/mockk.spark.got"
	spark_rows && spark_progress mockk "mock broker, --exit-at-end --max-batch $MAXB"
	run_job mock2b -b "$MB" -r "$url" --state "$tmp/mock2b" --flush-at-end --back-to-back \
		--max-batch "$MAXB" --out-topic wikimedia.processed.b2b
	check_run mock2b "mock broker, --back-to-back --max-batch $MAXB" "$MB" \
		wikimedia.processed.b2b "$tmp/ref2b" "$tmp/mock2b" "$MAXB"
	# without transactions: the same rows, and the offsets in the group (a
	# plain commit, which the mock cluster keeps; it keeps no transactional one)
	run_job mockalo -b "$MB" -r "$url" --state "$tmp/mockalo" --flush-at-end --max-batch "$MAXB" \
		--delivery at-least-once --out-topic wikimedia.processed.alo
	check_run mockalo "mock broker, --delivery at-least-once --max-batch $MAXB" "$MB" \
		wikimedia.processed.alo "$tmp/refb" "$tmp/mockalo" "$MAXB"
	check "mock broker, --delivery at-least-once: says so" \
		grep -q '; at least once, group cfjob.wikimedia.wikimedia.processed.alo$' "$tmp/mockalo.err"
	group_offsets "mock broker, --delivery at-least-once" "$MB" cfjob.wikimedia.wikimedia.processed.alo "$tmp/mockalo"
	exec 9>&-
	echo "# mock broker part: $(secs "$t0" "$(now)") s"
else
	notok "the mock broker starts" "no BROKERS line"
fi

# ---- 3: a real Kafka broker ----
if ! kafka_available; then
	missing "real Kafka broker" "$KAFKA_LIBS missing: make kafka-server"
	exit 0
fi
t0=$(now)
if ! kafka_start "$tmp" 2>"$tmp/kafka-start.err"; then
	notok "real Kafka: broker started" "kafka_start failed"
	sed 's/^/# /' "$tmp/kafka-start.err"
	exit 0
fi
KB=$KAFKA_BROKERS
echo "# real Kafka: broker on $KB answered after $(secs "$t0" "$(now)") s"
if kafka_create_topic wikimedia "$P" 2>"$tmp/topic.err" && kafka_create_topic wikimedia.processed 1 2>>"$tmp/topic.err" &&
	kafka_create_topic wikimedia.processed.keep 1 2>>"$tmp/topic.err"; then
	ok "real Kafka: topics wikimedia ($P partitions), wikimedia.processed and wikimedia.processed.keep (1) created"
else
	notok "real Kafka: topics created" "$(head -c 300 "$tmp/topic.err")"
	exit 0
fi
produce "$KB" "real Kafka"
run_job kafka1 -b "$KB" -r "$url" --state "$tmp/kafka1" --flush-at-end
check_run kafka1 "real Kafka, one batch" "$KB" wikimedia.processed "$tmp/ref1" "$tmp/kafka1" 0
check "real Kafka, one batch: exactly once, the default, in the group named after the topics" \
	grep -q '; exactly once, group cfjob.wikimedia.wikimedia.processed$' "$tmp/kafka1.err"
group_offsets "real Kafka, one batch" "$KB" cfjob.wikimedia.wikimedia.processed "$tmp/kafka1"
rows=$(topic_count "$KB" wikimedia.processed)
run_job kafkak -b "$KB" -r "$url" --state "$tmp/kafkak" --exit-at-end --max-batch "$MAXB" \
	--out-topic wikimedia.processed.keep --progress "$tmp/kafkak.progress"
check_run kafkak "real Kafka, --exit-at-end --max-batch $MAXB (late pairs, null bots, open windows kept)" \
	"$KB" wikimedia.processed.keep "$tmp/refk" "$tmp/kafkak" "$MAXB" kept
group_offsets "real Kafka, --exit-at-end --max-batch $MAXB" "$KB" cfjob.wikimedia.wikimedia.processed.keep "$tmp/kafkak"
spark_rows && "$py" "$reader" "real Kafka, --exit-at-end --max-batch $MAXB: Spark's rows" "$KB" \
	wikimedia.processed.keep "$url" wikimedia.processed.keep-value "$out_schema" "$tmp/sparkk" "$tmp/kafkak.spark.got"
spark_rows && spark_progress kafkak "real Kafka, --exit-at-end --max-batch $MAXB"

# nothing_new NAME LABEL STATE BATCHES: the run NAME read nothing new: status 0,
# the batches BATCHES ("records rows flushed|kept", comma-separated), no rows added
nothing_new() {
	check "$2: exits 0" test "$rc" = 0
	check "$2: batches \"$4\" ($(batch_lines "$1" | paste -sd,))" test "$(batch_lines "$1" | paste -sd,)" = "$4"
	check "$2: nothing new in wikimedia.processed ($rows rows)" test "$(topic_count "$KB" wikimedia.processed)" = "$rows"
	offsets_committed "$2" "$3"
}
run_job kafka2 -b "$KB" -r "$url" --state "$tmp/kafka1" --exit-at-end
nothing_new kafka2 "real Kafka, --exit-at-end again on the same state" "$tmp/kafka1" ""
check "real Kafka, --exit-at-end again on the same state: says there is nothing new" \
	grep -q '^cfjob: nothing new in wikimedia; the last commit is batch 1$' "$tmp/kafka2.err"
run_job kafka2f -b "$KB" -r "$url" --state "$tmp/kafka1" --flush-at-end
nothing_new kafka2f "real Kafka, --flush-at-end again on the same state" "$tmp/kafka1" "0 0 flushed"
group_offsets "real Kafka, --flush-at-end again on the same state" "$KB" cfjob.wikimedia.wikimedia.processed "$tmp/kafka1"
# A group belongs to one state: a new state (a job's first run) starts from
# a group of its own. In the group of kafka1's state it is refused, having
# read and written nothing: the group's offsets name a batch it does not hold.
used=$(readlink "$tmp/kafka1/current") used=${used#c.}
run_job kafka3g -b "$KB" -r "$url" --state "$tmp/kafka3g" --from end --exit-at-end
check "real Kafka, a new state in the group of another: refused with status 3 ($rc)" test "$rc" = 3
check "real Kafka, a new state in the group of another: says the group holds batch $used of another state" \
	grep -q "^cfjob: group cfjob.wikimedia.wikimedia.processed has the offsets of batch $used committed, but --state .*/kafka3g holds batch 0 (no commit)" "$tmp/kafka3g.err"
check "real Kafka, a new state in the group of another: nothing new in wikimedia.processed" \
	test "$(topic_count "$KB" wikimedia.processed)" = "$rows"
check "real Kafka, a new state in the group of another: nothing committed, to the state or the group" \
	test ! -e "$tmp/kafka3g/current" -a ! -e "$tmp/kafka3g/c.1"
group_offsets "real Kafka, a new state in the group of another: the group" "$KB" cfjob.wikimedia.wikimedia.processed "$tmp/kafka1"
run_job kafka3 -b "$KB" -r "$url" --state "$tmp/kafka3" --from end --exit-at-end --group job.from-end
nothing_new kafka3 "real Kafka, --from end on a new state and group" "$tmp/kafka3" "0 0 kept"
group_offsets "real Kafka, --from end on a new state and group" "$KB" job.from-end "$tmp/kafka3"

run_job kafka4 -b "$KB" -r "$url" --state "$tmp/kafka1" --from end --exit-at-end
check "real Kafka, --from end on a used state: refused with status 2 ($rc)" test "$rc" = 2
check "real Kafka, --from end on a used state: says why" grep -q 'already holds offsets' "$tmp/kafka4.err"
check "real Kafka, --from end on a used state: nothing new in wikimedia.processed" \
	test "$(topic_count "$KB" wikimedia.processed)" = "$rows"
echo "# real Kafka part: $(secs "$t0" "$(now)") s"
kafka_stop
echo "# suite: $(secs "$t_suite" "$(now)") s"
