# scripts/avro-console-consumer against the local broker and a file: registry:
# every line it prints equals, as a parsed JSON document, the Avro JSON
# encoding of the same record as fastavro writes it (fastavro.json_writer;
# the topic read with confluent-kafka-python's Consumer, each value decoded
# with the schema of its id), in order; tombstones as null; records of a
# second schema id; the start options, --partition and --max-messages; each
# stage's failure (a missing registry, a schema id the registry lacks, a bad
# frame, a missing topic or partition, unreachable brokers) ends the run with
# that stage's message and a non-zero status, with -e and without it (no
# hang); a closed output, SIGTERM; usage errors.
suite=console-consumer
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
py_env
acc=${ACC:-$(command -v avro-console-consumer || echo "$top/scripts/avro-console-consumer")}
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
unset BROKERS KCAT_CONFIG

if ! command -v kcat >/dev/null || [ ! -x "$BIN/mockbroker" ] || [ ! -x "$acc" ]; then
	notok "kcat, mockbroker and avro-console-consumer present" "missing kcat, $BIN/mockbroker or $acc"
	exit 0
fi

. "$top/scripts/broker.sh"
broker_start "$tmp" -t events:1 -t multi:3 -t bad:1 -t live:1 ||
	{ notok "the local broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
unset BROKERS
trap 'exec 9>&- 2>/dev/null; rm -rf "$tmp"' EXIT

# A file: registry with the recentchange schema as id 1 and the windowed
# counts' schema as id 2; another with id 1 alone.
reg=$tmp/reg
reg1=$tmp/reg1
python3 - "$TESTS/fixtures" "$reg" "$reg1" <<'PY'
import json, os, sys
fx, reg, reg1 = sys.argv[1:]
for d, ids in ((reg, (1, 2)), (reg1, (1,))):
    os.makedirs(d + "/schemas/ids")
    for i, f in ((1, "wikimedia-value.avsc"), (2, "wikimedia.processed-value.avsc")):
        if i in ids:
            json.dump({"schema": open(fx + "/" + f).read()}, open("%s/schemas/ids/%d.json" % (d, i), "w"))
PY

# produce TOPIC PARTITION: the frames (a record stream) on stdin into the topic
produce() { cfdeframe | cfframe -D "$D" | kcat -P -b "$B" -t "$1" -p "$2" -D "$D"; }
# tombstone TOPIC: a null value (kcat -P sends one only with a key: -K and -Z)
tombstone() { printf 'k:\n' | kcat -P -b "$B" -t "$1" -p 0 -K: -Z; }
# The windowed counts' record: schema id 2, from a different schema.
printf '%s\n' '{"window":{"start":"2026-11-23T10:00:00Z","end":null},"requested_by":"Bot","counts":42}' |
	avroencode --in ndjson --schema "$TESTS/fixtures/wikimedia.processed-value.avsc" --schema-id 2 |
	cfframe >"$tmp/processed.frame"
check "avroencode made the schema id 2 frame" test -s "$tmp/processed.frame"

# events: 100 events, a tombstone, the id 2 record, 100 more events.
gen-events -n 100 --seed 1 --format frames | produce events 0
tombstone events
produce events 0 <"$tmp/processed.frame"
gen-events -n 100 --seed 2 --format frames | produce events 0
# multi: 30 events in each of 3 partitions.
for p in 0 1 2; do gen-events -n 30 --seed $((10 + p)) --format frames | produce multi $p; done
# bad: 3 events, a frame with magic byte 1, 2 events.
gen-events -n 3 --seed 3 --format frames | produce bad 0
printf 'k:\001\000\000\000\001\002\004\006\n' | kcat -P -b "$B" -t bad -p 0 -K:
gen-events -n 2 --seed 4 --format frames | produce bad 0
# live: 5 events already there before the consumer starts.
gen-events -n 5 --seed 5 --format frames | produce live 0

# run NAME ARGS...: the consumer, its output in $tmp/NAME.out, stderr in
# $tmp/NAME.err, status in $st; never more than 30 s.
run() {
	local name=$1
	shift
	timeout 30 "$acc" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
}
quiet() { test ! -s "$tmp/$1.err" || { sed "s/^/# $1 stderr: /" "$tmp/$1.err"; false; }; }
# said NAME REGEX: the run's stderr has a line matching
said() { grep -qE "$2" "$tmp/$1.err" || { sed "s/^/# $1 stderr: /" "$tmp/$1.err"; false; }; }
# same_docs NAME WANT GOT [sorted]: the same JSON documents, one a line, in
# order (or as multisets)
same_docs() {
	local out
	if out=$(python3 - "$2" "$3" "${4:-}" <<'PY'
import json, sys
want, got, srt = sys.argv[1:]
def docs(f):
    return [json.loads(l) for l in open(f, encoding="utf-8")]
try:
    w, g = docs(want), docs(got)
except ValueError as e:
    print("not JSON lines: %s" % e); sys.exit(1)
if srt:
    w = sorted(json.dumps(d, sort_keys=True) for d in w)
    g = sorted(json.dumps(d, sort_keys=True) for d in g)
if w == g:
    sys.exit(0)
for i, (a, b) in enumerate(zip(w, g)):
    if a != b:
        print("line %d differs: want %.300s got %.300s" % (i + 1, json.dumps(a), json.dumps(b)))
        sys.exit(1)
print("want %d documents, got %d" % (len(w), len(g)))
sys.exit(1)
PY
	); then ok "$1"; else notok "$1" "$out"; fi
}

# --- usage: status 2, before any broker is asked
"$acc" --help >"$tmp/help.out" 2>&1
check "--help: exits 0" test $? -eq 0
check "--help: prints the usage" grep -q '^usage: avro-console-consumer \[-b brokers\]' "$tmp/help.out"
usage_case() {
	local name=$1
	shift
	timeout 10 "$acc" "$@" >"$tmp/usage.out" 2>"$tmp/usage.err"
	local s=$?
	if [ $s -eq 2 ] && [ ! -s "$tmp/usage.out" ] && grep -q '^avro-console-consumer: ' "$tmp/usage.err"; then
		ok "usage: $name: status 2 with a message"
	else
		notok "usage: $name" "status $s: $(head -c 300 "$tmp/usage.err")"
	fi
}
usage_case "unknown option" -b "$B" -r "file:$reg" --bogus events
usage_case "no topic" -b "$B" -r "file:$reg"
usage_case "two topics" -b "$B" -r "file:$reg" events multi
usage_case "no brokers (no -b, no BROKERS)" -r "file:$reg" events
usage_case "no registry (no -r, no SCHEMA_REGISTRY_URL)" -b "$B" events
usage_case "--max-messages 0" -b "$B" -r "file:$reg" --max-messages 0 events
usage_case "--max-messages abc" -b "$B" -r "file:$reg" --max-messages abc events
usage_case "--max-messages without a value" -b "$B" -r "file:$reg" events --max-messages
usage_case "--offset x" -b "$B" -r "file:$reg" --offset x events
usage_case "--partition -1" -b "$B" -r "file:$reg" --partition -1 events
usage_case "--from-beginning with --offset" -b "$B" -r "file:$reg" --from-beginning --offset 3 events
usage_case "a topic name with a space" -b "$B" -r "file:$reg" 'a b'
usage_case "-X without =" -b "$B" -r "file:$reg" -X client.id events
usage_case "a secret in -X" -b "$B" -r "file:$reg" -X sasl.password=x events
usage_case "credentials in the registry URL" -b "$B" -r "https://u:p@registry.example" events
usage_case "-F file unreadable" -b "$B" -r "file:$reg" -F "$tmp/no-such-file" events
"$acc" -b "$B" -r "file:$reg" --bogus events 2>&1 >/dev/null | grep -q '^usage: avro-console-consumer'
check "an unknown option: the usage on stderr" test $? -eq 0

# --- what fastavro and confluent-kafka-python make of the same records
if ! need_pyenv; then
	havepy=
else
	havepy=1
	"$py" - "$B" "$reg" "$tmp" <<'PY'
import io, json, sys
import fastavro
from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING

brokers, reg, out = sys.argv[1:]
schemas = {}

def schema(sid):
    if sid not in schemas:
        doc = json.load(open("%s/schemas/ids/%d.json" % (reg, sid)))
        schemas[sid] = fastavro.parse_schema(json.loads(doc["schema"]))
    return schemas[sid]

def avro_json(value):
    """A Kafka value, a Confluent frame, in the Avro JSON encoding (one line);
    None for a value that is not a Confluent frame."""
    if value is None:
        return "null"
    if len(value) < 5 or value[0] != 0:
        return None
    s = schema(int.from_bytes(value[1:5], "big"))
    rec = fastavro.schemaless_reader(io.BytesIO(value[5:]), s, return_named_type=True)
    buf = io.StringIO()
    fastavro.json_writer(buf, s, [rec])
    (line,) = buf.getvalue().splitlines()
    return line

def partitions(*tps):
    """The records of each (topic, partition), read to its end at once."""
    c = Consumer({"bootstrap.servers": brokers, "group.id": "reference",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in tps])
    lines = {tp: [] for tp in tps}
    todo = set(tps)
    while todo:
        m = c.poll(10)
        assert m is not None, "no end of %s" % sorted(todo)
        tp = (m.topic(), m.partition())
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                raise SystemExit("%s [%d]: %s" % (tp + (m.error(),)))
            todo.discard(tp)
            continue
        if tp not in todo:
            continue
        line = avro_json(m.value())
        if line is None:  # the records before the first bad frame
            todo.discard(tp)
            continue
        lines[tp].append(line)
    c.close()
    return lines

def save(name, lines):
    with open("%s/%s.want" % (out, name), "w") as f:
        f.writelines(l + "\n" for l in lines)

got = partitions(("events", 0), ("multi", 0), ("multi", 1), ("multi", 2), ("bad", 0), ("live", 0))
save("events", got["events", 0])
for p in range(3):
    save("multi.%d" % p, got["multi", p])
save("bad", got["bad", 0])
save("live", got["live", 0])
PY
	[ $? -eq 0 ] || { notok "reference decoding with fastavro" "the python script failed"; havepy=; }
fi
if [ -n "$havepy" ]; then
	check "reference: 202 records in events" test "$(wc -l <"$tmp/events.want")" -eq 202
	check "reference: the tombstone is null" test "$(sed -n 101p "$tmp/events.want")" = null
	check "reference: record 102 has schema id 2" grep -q '"requested_by": {"string": "Bot"}' <(sed -n 102p "$tmp/events.want")
	check "reference: 30 records in each partition of multi, 3 before the bad frame, 5 in live" \
		test "$(cat "$tmp"/multi.[012].want | wc -l) $(wc -l <"$tmp/bad.want") $(wc -l <"$tmp/live.want")" = "90 3 5"
fi

# compare NAME WANT-FILE: the run's output against the reference, when there is one
compare() {
	if [ -n "$havepy" ]; then same_docs "$1: every line the Avro JSON encoding of fastavro" "$2" "$tmp/$1.out" ${3:-}; fi
	check "$1: one line per record" test "$(wc -l <"$tmp/$1.out")" -eq "$(wc -l <"$2")"
}

# --- the whole topic, the start options, --max-messages
run all -b "$B" -r "file:$reg" --from-beginning -e events
check "--from-beginning -e: status 0 ($st)" test $st -eq 0
check "--from-beginning -e: quiet" quiet all
check "--from-beginning -e: the tombstone printed as null" test "$(sed -n 101p "$tmp/all.out")" = null
check "--from-beginning -e: the id 2 record decoded with its own schema" \
	grep -q '^{"window":{"start":{"string":"2026-11-23T10:00:00Z"},"end":null},"requested_by":{"string":"Bot"},"counts":{"long":42}}$' \
	<(sed -n 102p "$tmp/all.out")
check "the unions wrapped with the branch's full name" grep -q '"meta":{"wikimedia.Meta":{' <(head -1 "$tmp/all.out")
[ -n "$havepy" ] && compare all "$tmp/events.want"
[ -n "$havepy" ] || cp "$tmp/all.out" "$tmp/events.want" # the rest against our own run, then

run max5 -b "$B" -r "file:$reg" --from-beginning --max-messages 5 events
check "--max-messages 5 (no -e): status 0 ($st)" test $st -eq 0
head -5 "$tmp/events.want" >"$tmp/first5"
compare max5 "$tmp/first5"

run mid -b "$B" -r "file:$reg" --offset 99 --max-messages 4 -e events
check "--offset 99 --max-messages 4: status 0 ($st)" test $st -eq 0
sed -n 100,103p "$tmp/events.want" >"$tmp/mid.want"
compare mid "$tmp/mid.want"

run tail3 -b "$B" -r "file:$reg" --offset -3 -e events
check "--offset -3: status 0 ($st)" test $st -eq 0
tail -3 "$tmp/events.want" >"$tmp/tail3.want"
compare tail3 "$tmp/tail3.want"

run earliest -b "$B" -r "file:$reg" --offset earliest --max-messages 2 events
check "--offset earliest: status 0 ($st)" test $st -eq 0
head -2 "$tmp/events.want" >"$tmp/first2"
compare earliest "$tmp/first2"

run atend -b "$B" -r "file:$reg" -e events
check "no start option: starts at the end (-e: nothing, status 0) ($st)" test $st -eq 0 -a ! -s "$tmp/atend.out"
run latest -b "$B" -r "file:$reg" --offset latest --exit-at-end events
check "--offset latest --exit-at-end: nothing, status 0 ($st)" test $st -eq 0 -a ! -s "$tmp/latest.out"

BROKERS=$B SCHEMA_REGISTRY_URL=file:$reg run env --from-beginning --max-messages 2 events
check "BROKERS and SCHEMA_REGISTRY_URL as defaults: status 0 ($st)" test $st -eq 0
compare env "$tmp/first2"

printf 'client.id=console-consumer-test\n' >"$tmp/kcat.conf"
run conf -b "$B" -r "file:$reg" -F "$tmp/kcat.conf" -X fetch.wait.max.ms=50 --from-beginning --max-messages 2 events
check "-F file and -X consumer property: status 0, quiet ($st)" test $st -eq 0 -a ! -s "$tmp/conf.err"
compare conf "$tmp/first2"

# the tools next to the script (../bin) when PATH lacks them
mkdir -p "$tmp/inst/scripts"
cp "$top/scripts/avro-console-consumer" "$tmp/inst/scripts/"
ln -s "$(cd "$BIN" && pwd)" "$tmp/inst/bin"
PATH=$(dirname "$(command -v kcat)"):/usr/bin:/bin timeout 30 "$tmp/inst/scripts/avro-console-consumer" \
	-b "$B" -r "file:$reg" --from-beginning --max-messages 2 events >"$tmp/inst.out" 2>"$tmp/inst.err"
st=$?
check "tools found in ../bin when not on PATH: status 0 ($st)" test $st -eq 0
compare inst "$tmp/first2"

# --- partitions
for p in 0 1 2; do
	run "part$p" -b "$B" -r "file:$reg" --partition $p --from-beginning -e multi
	check "--partition $p: status 0 ($st)" test $st -eq 0
	[ -n "$havepy" ] && compare "part$p" "$tmp/multi.$p.want"
done
run multi -b "$B" -r "file:$reg" --from-beginning -e multi
check "every partition: status 0 ($st)" test $st -eq 0
cat "$tmp"/part[012].out >"$tmp/multi.want"
compare multi "$tmp/multi.want" sorted
run nopart -b "$B" -r "file:$reg" --partition 5 -e events
check "a partition the topic lacks: status 3 ($st)" test $st -eq 3
check "a partition the topic lacks: kcat's message" said nopart 'partition 5 does not exist'
check "a partition the topic lacks: names the stage" said nopart '^avro-console-consumer: kcat failed'

# --- starting at the end: only records produced after the start
timeout 30 "$acc" -b "$B" -r "file:$reg" --max-messages 1 live >"$tmp/live.out" 2>"$tmp/live.err" &
lpid=$!
# produced_until PID: true once PID has ended, else one more record to "live"
# (the consumer starts at the end: records before its start are not its)
produced_until() { ! kill -0 "$1" 2>/dev/null || { produce live 0 <"$tmp/processed.frame"; false; }; }
WAIT_EVERY=0.2 within 20 produced_until $lpid
wait $lpid
st=$?
check "from the end: status 0 ($st)" test $st -eq 0
check "from the end: the new record, not the old ones" \
	test "$(cat "$tmp/live.out")" = '{"window":{"start":{"string":"2026-11-23T10:00:00Z"},"end":null},"requested_by":{"string":"Bot"},"counts":{"long":42}}'

# --- failures: the failing stage's message, a non-zero status, no hang
run noreg -b "$B" -r "file:$tmp/no-such-registry" --from-beginning -e events
check "missing registry: status 2 ($st)" test $st -eq 2
check "missing registry: avrodecode's message" said noreg '^avrodecode: .*no-such-registry'
check "missing registry: names the stage" said noreg '^avro-console-consumer: avrodecode failed'

run noid -b "$B" -r "file:$reg1" --from-beginning -e events
check "a schema id the registry lacks: status 1 ($st)" test $st -eq 1
check "a schema id the registry lacks: avrodecode's message" said noid '^avrodecode: .*schema id 2'
head -101 "$tmp/events.want" >"$tmp/noid.want"
compare noid "$tmp/noid.want"
run noid-live -b "$B" -r "file:$reg1" --from-beginning events
check "a schema id the registry lacks, without -e: status 1, no hang ($st)" test $st -eq 1

run unreg -b "$B" -r "http://127.0.0.1:1" --from-beginning -e events
check "unreachable registry: status 3 ($st)" test $st -eq 3
check "unreachable registry: avrodecode's message" said unreg '^avrodecode: .*127\.0\.0\.1:1'

run badframe -b "$B" -r "file:$reg" --from-beginning -e bad
check "bad frame: status 1 ($st)" test $st -eq 1
check "bad frame: cfdeframe's message" said badframe '^cfdeframe: record 4 .*bad magic byte 0x01'
check "bad frame: names the stage" said badframe '^avro-console-consumer: cfdeframe failed \(status 1\)'
check "bad frame: no echo of the closed pipe from kcat" test "$(grep -c 'Broken pipe' "$tmp/badframe.err")" -eq 0
check "bad frame: the 3 records before it printed" test "$(wc -l <"$tmp/badframe.out")" -eq 3
[ -n "$havepy" ] && compare badframe "$tmp/bad.want"
run badframe-live -b "$B" -r "file:$reg" --from-beginning bad
check "bad frame, without -e: status 1, no hang ($st)" test $st -eq 1

run notopic -b "$B" -r "file:$reg" --from-beginning -e no-such-topic
check "missing topic: status 3 ($st)" test $st -eq 3
check "missing topic: the message" said notopic '^avro-console-consumer: no topic no-such-topic at '
check "missing topic: not created" test "$(kcat -L -b "$B" | grep -c '"no-such-topic"')" -eq 0

SECONDS=0
run nobroker -b 127.0.0.1:1 -r "file:$reg" --from-beginning -e events
check "unreachable brokers: status 3 ($st)" test $st -eq 3
check "unreachable brokers: kcat's message" said nobroker '^% ERROR: Failed to acquire metadata'
check "unreachable brokers: names the stage" said nobroker '^avro-console-consumer: kcat failed'
check "unreachable brokers: gives up within 10 s (${SECONDS}s)" test $SECONDS -le 10

# --- the reader of the output goes away; SIGTERM
# (like any filter, at the next record it writes: more records keep coming)
{
	timeout 30 "$acc" -b "$B" -r "file:$reg" --from-beginning live 2>"$tmp/head.err" | head -1 >"$tmp/head.out"
	echo "${PIPESTATUS[0]}" >"$tmp/head.st"
} &
hpid=$!
WAIT_EVERY=0.2 within 20 produced_until $hpid
wait $hpid
check "| head -1 on a live topic: ends, SIGPIPE's status ($(cat "$tmp/head.st"))" test "$(cat "$tmp/head.st")" = 141
check "| head -1: quiet" quiet head
if [ -n "$havepy" ]; then
	head -1 "$tmp/live.want" >"$tmp/first1"
	compare head "$tmp/first1"
fi

"$acc" -b "$B" -r "file:$reg" -X client.id=acc-sigterm-$$ events >"$tmp/term.out" 2>"$tmp/term.err" &
tpid=$!
# (kcat cuts its -X arguments at "=": its command line reads "client.id acc-sigterm-...")
ours="client\.id.acc-sigterm-$$"'( |$)'
consuming() { [ -n "$(suite_procs "^kcat -C .*$ours")" ]; }	# its kcat runs
wait_for 10 "SIGTERM: the consumer's kcat started" consuming
kill -TERM $tpid
SECONDS=0
wait $tpid
st=$?
check "SIGTERM: status 143 ($st)" test $st -eq 143
check "SIGTERM: within 5 s" test $SECONDS -le 5
check "SIGTERM: quiet" quiet term
check "SIGTERM: no kcat left behind" test -z "$(suite_procs "$ours")"
