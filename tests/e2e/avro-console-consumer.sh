# scripts/avro-console-consumer's kafka-avro-console-consumer options against
# the local broker and a file: registry: --property print.key, print.timestamp,
# print.partition, print.offset, key.separator, line.separator,
# key.deserializer, schema.registry.url; --key-format; --group (offsets
# committed to the group, and a second run going on from them); --topic and
# --bootstrap-server. Records with Avro keys (a record and a primitive
# string, each its own schema id), string keys, null keys and a tombstone go
# into two partitions with known timestamps (confluent-kafka's Producer);
# each output is compared byte for byte with what a Python reference makes
# of the records read back (confluent-kafka's Consumer, fastavro for the
# Avro JSON encoding), formatted as Confluent's SchemaMessageFormatter
# formats a record: timestamp, partition, offset, key, each followed by the
# key separator, then the value and the line separator.
suite=avro-console-consumer
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
py_env
acc=${ACC:-$(command -v avro-console-consumer || echo "$top/scripts/avro-console-consumer")}
unset BROKERS KCAT_CONFIG

for t in kcat perl "$BIN/mockbroker" "$acc"; do
	command -v "$t" >/dev/null || { missing "$t present" "$t not found"; exit 0; }
done
need_pyenv || exit 0

. "$top/scripts/broker.sh"
broker_start "$tmp" -t keyed:2 -t strkeys:1 -t grp:2 -t badval:1 -t live:1 ||
	{ notok "the local broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
unset BROKERS
trap 'exec 9>&- 2>/dev/null; rm -rf "$tmp"' EXIT

# The registry: id 1 the values' schema, id 2 a record key's, id 3 a string
# key's.
reg=$tmp/reg
mkdir -p "$reg/schemas/ids"
cat >"$tmp/schemas.json" <<'EOF'
{"1": {"type": "record", "name": "Event", "namespace": "acc.test", "fields": [
  {"name": "id", "type": "long"}, {"name": "name", "type": "string"},
  {"name": "note", "type": ["null", "string"]},
  {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}}]},
 "2": {"type": "record", "name": "Key", "namespace": "acc.test", "fields": [
  {"name": "user", "type": "long"}, {"name": "region", "type": ["null", "string"]}]},
 "3": "string"}
EOF

# acc.py produce|expect ...: the producer and the reference
cat >"$tmp/acc.py" <<'PY'
import io, json, sys
import fastavro
from confluent_kafka import (Consumer, KafkaError, Producer, TopicPartition,
                             OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME)

schemas = {int(k): fastavro.parse_schema(v) for k, v in json.load(open(sys.argv[2])).items()}
brokers = sys.argv[3]

def frame(sid, datum):
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, schemas[sid], datum)
    return b"\0" + sid.to_bytes(4, "big") + buf.getvalue()

def event(i, note=None, kind="A"):
    return frame(1, {"id": i, "name": "event %d \u00e9" % i, "note": note, "kind": kind})

# (partition, key, value, timestamp)
KEYED = [
    (0, frame(2, {"user": 7, "region": "eu"}), event(1, "first"), 1700000000000),
    (0, b"plain-key", event(2), 1700000000001),
    (0, None, event(3, None, "B"), 1700000000002),
    (0, frame(3, "avro string key"), event(4, "x"), 1700000000003),
    (0, b"tomb", None, 1700000000004),
    (0, "cl\u00e9 \u2713".encode(), event(5), 1700000000005),
    (1, frame(2, {"user": 8, "region": None}), event(6), 1600000000000),
    (1, b"", event(7, "empty key"), 1600000000001),
    (1, b"\0ab", event(8), 1600000000002),
    (1, None, None, 1600000000003),
    (1, b"k2", event(9, "last", "B"), 1600000000004),
    (1, b"bad \xff\xe2\x82 utf-8 \xed\xa0\x80 \xf0\x9f\x98", event(10), 1600000000005),
]
STRKEYS = [(0, b"s%d" % i, event(100 + i), 1500000000000 + i) for i in range(3)] + \
    [(0, frame(2, {"user": 1, "region": "us"}), event(103), 1500000000003)]
BADVAL = [(0, frame(2, {"user": 2, "region": None}), event(300), 1300000000000),
          (0, b"k", b"\x01\0\0\0\1junk", 1300000000001), (0, b"k", event(301), 1300000000002)]
GRP = [(i % 2, b"g%d" % i, event(200 + i), 1400000000000 + i) for i in range(10)]

def produce(topic, recs):
    p = Producer({"bootstrap.servers": brokers, "acks": "all", "enable.idempotence": True})
    for part, k, v, ts in recs:
        p.produce(topic, value=v, key=k, partition=part, timestamp=ts)
    assert p.flush(30) == 0

def avro_json(data):
    if data is None:
        return "null"
    if len(data) < 5 or data[0] != 0:
        raise ValueError("not a Confluent frame")
    s = schemas[int.from_bytes(data[1:5], "big")]
    rec = fastavro.schemaless_reader(io.BytesIO(data[5:]), s, return_named_type=True)
    buf = io.StringIO()
    fastavro.json_writer(buf, s, [rec])
    (line,) = buf.getvalue().splitlines()
    # Java's Avro JsonEncoder: no spaces, non-ASCII as it is
    return json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False)

def read(topic, parts):
    c = Consumer({"bootstrap.servers": brokers, "group.id": "reference",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    got, todo = [], set(parts)
    while todo:
        m = c.poll(10)
        assert m is not None, "no end of %s" % sorted(todo)
        if m.error():
            assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
            todo.discard(m.partition())
            continue
        got.append(m)
    c.close()
    return got

def fmt(m, props, keyfmt):
    """A record as Confluent's SchemaMessageFormatter writes it."""
    sep = props.get("key.separator", "\t").encode()
    out = b""
    if props.get("print.timestamp") == "true":
        t, ts = m.timestamp()
        out += {TIMESTAMP_CREATE_TIME: b"CreateTime:%d" % ts,
                TIMESTAMP_LOG_APPEND_TIME: b"LogAppendTime:%d" % ts}.get(t, b"NO_TIMESTAMP") + sep
    if props.get("print.partition") == "true":
        out += b"Partition:%d" % m.partition() + sep
    if props.get("print.offset") == "true":
        out += b"Offset:%d" % m.offset() + sep
    if props.get("print.key") == "true":
        k = m.key()
        framed = k is not None and len(k) >= 5 and k[0] == 0
        if k is None:
            out += b"null"
        elif keyfmt == "avro" or (keyfmt == "auto" and framed):
            out += avro_json(k).encode()
        else:
            out += k.decode("utf-8", "replace").encode()
        out += sep
    return out + avro_json(m.value()).encode() + props.get("line.separator", "\n").encode()

if sys.argv[1] == "produce":
    produce("keyed", KEYED)
    produce("strkeys", STRKEYS)
    produce("grp", GRP)
    produce("badval", BADVAL)
elif sys.argv[1] == "live":
    produce("live", [(0, frame(2, {"user": 9, "region": "ap"}), event(400), 1200000000000)])
else:
    # expect SCHEMAS BROKERS TOPIC PARTS KEYFMT OUT [prop=val ...]: the
    # records of partitions PARTS ("0,1") in partition order, in OUT
    topic, parts, keyfmt, out = sys.argv[4:8]
    props = dict(a.split("=", 1) for a in sys.argv[8:])
    ms = read(topic, [int(p) for p in parts.split(",")])
    ms.sort(key=lambda m: (m.partition(), m.offset()))
    with open(out, "wb") as f:
        for m in ms:  # up to the first record that is not a Confluent frame
            try:
                f.write(fmt(m, props, keyfmt))
            except ValueError:
                break
PY
"$py" "$tmp/acc.py" produce "$tmp/schemas.json" "$B" ||
	{ notok "records produced" "acc.py produce failed"; exit 0; }
"$py" - "$tmp/schemas.json" "$reg" <<'PY'
import json, sys
for k, v in json.load(open(sys.argv[1])).items():
    json.dump({"schema": json.dumps(v)}, open("%s/schemas/ids/%s.json" % (sys.argv[2], k), "w"))
PY

# expect NAME TOPIC PARTS KEYFMT PROP=VAL...: the reference's output in $tmp/NAME.want
expect() {
	local name=$1 topic=$2 parts=$3 keyfmt=$4
	shift 4
	"$py" "$tmp/acc.py" expect "$tmp/schemas.json" "$B" "$topic" "$parts" "$keyfmt" "$tmp/$name.want" "$@" ||
		notok "$name: the reference" "acc.py expect failed"
}
# run NAME ARGS...: the consumer, its output in $tmp/NAME.out, stderr in
# $tmp/NAME.err, status in $st; never more than 60 s
run() {
	local name=$1
	shift
	timeout 60 "$acc" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
	[ $st -eq 0 ] || sed "s/^/# $name stderr: /" "$tmp/$name.err"
}
# props PROP=VAL...: the same as --property arguments
props() { local a; pargs=(); for a; do pargs+=(--property "$a"); done; }
# same NAME [sorted]: the run's output is the reference's, byte for byte (or
# the same lines in any order: partitions interleave as they come)
same() {
	if [ -n "${2:-}" ]; then
		LC_ALL=C sort "$tmp/$1.want" >"$tmp/$1.want.s"
		LC_ALL=C sort "$tmp/$1.out" >"$tmp/$1.out.s"
		same_bytes "$1: the lines of the reference, in any order" "$tmp/$1.want.s" "$tmp/$1.out.s"
	else
		same_bytes "$1: the reference's output, byte for byte" "$tmp/$1.want" "$tmp/$1.out"
	fi
}

# --- print.key: Avro keys decoded, others as strings, null keys as null
for p in 0 1; do
	props print.key=true
	expect key$p keyed $p auto print.key=true
	run key$p -b "$B" -r "file:$reg" --partition $p --from-beginning -e "${pargs[@]}" keyed
	check "print.key, partition $p: status 0 ($st)" test $st -eq 0
	same key$p
done
check "print.key: a record key in the Avro JSON encoding" \
	grep -q $'^{"user":7,"region":{"string":"eu"}}\t{"id":1,' "$tmp/key0.out"
check "print.key: a string Avro key quoted, a string key as it is" \
	grep -q $'^"avro string key"\t{"id":4,' "$tmp/key0.out"
check "print.key: the tombstone and the null key" grep -qx $'tomb\tnull' "$tmp/key0.out"

# --- every print property, another separator, the whole topic
all=(print.timestamp=true print.partition=true print.offset=true print.key=true "key.separator= | ")
props "${all[@]}"
expect all keyed 0,1 auto "${all[@]}"
run all -b "$B" -r "file:$reg" --from-beginning -e "${pargs[@]}" keyed
check "timestamp, partition, offset and key, key.separator ' | ': status 0 ($st)" test $st -eq 0
same all sorted
check "print.timestamp: Confluent's CreateTime:ms" \
	grep -q '^CreateTime:1600000000003 | Partition:1 | Offset:3 | null | null$' "$tmp/all.out"

for p in print.timestamp print.partition print.offset; do
	props "$p=true"
	expect "$p" keyed 0 auto "$p=true"
	run "$p" -b "$B" -r "file:$reg" --partition 0 --from-beginning -e "${pargs[@]}" keyed
	check "$p alone: status 0 ($st)" test $st -eq 0
	same "$p"
done

props print.offset=true print.key=false "line.separator=;"
expect linesep keyed 1 auto print.offset=true "line.separator=;"
run linesep -b "$B" -r "file:$reg" --partition 1 --from-beginning -e "${pargs[@]}" keyed
check "line.separator ';', print.key=false: status 0 ($st)" test $st -eq 0
same linesep

# --- how keys are read: forced to strings or to Avro
props print.key=true key.deserializer=org.apache.kafka.common.serialization.StringDeserializer
expect strdeser keyed 0 string print.key=true
run strdeser -b "$B" -r "file:$reg" --partition 0 --from-beginning -e "${pargs[@]}" keyed
check "key.deserializer=StringDeserializer: status 0 ($st)" test $st -eq 0
same strdeser
props print.key=true
run keystring -b "$B" -r "file:$reg" --partition 0 --from-beginning -e --key-format string "${pargs[@]}" keyed
check "--key-format string: status 0 ($st)" test $st -eq 0
cp "$tmp/strdeser.want" "$tmp/keystring.want"
same keystring

props print.key=true
expect keyavro strkeys 0 auto print.key=true
run keyavro -b "$B" -r "file:$reg" --from-beginning -e --key-format avro "${pargs[@]}" strkeys
check "--key-format avro, a string key: status 1 ($st)" test $st -eq 1
check "--key-format avro, a string key: says which record" \
	grep -q 'topic strkeys partition 0 offset 0: the key is not a Confluent frame' "$tmp/keyavro.err"
check "--key-format avro, a string key: nothing printed" test $st -eq 1 -a ! -s "$tmp/keyavro.out"
props print.key=true key.deserializer=io.confluent.kafka.serializers.KafkaAvroDeserializer
run avrodeser -b "$B" -r "file:$reg" --offset 3 -e "${pargs[@]}" strkeys
check "key.deserializer=KafkaAvroDeserializer, an Avro key: status 0 ($st)" test $st -eq 0
tail -1 "$tmp/keyavro.want" >"$tmp/avrodeser.want"
same avrodeser

# --- --topic, --bootstrap-server, schema.registry.url
props print.key=true "schema.registry.url=file:$reg"
run longopts --bootstrap-server "$B" --topic keyed --partition 1 --from-beginning -e "${pargs[@]}"
check "--topic, --bootstrap-server, schema.registry.url: status 0 ($st)" test $st -eq 0
cp "$tmp/key1.want" "$tmp/longopts.want"
same longopts

# --- --group: the offsets of the records read committed to the group; a
# second run goes on from them
# committed GROUP TOPIC: "partition offset" a line, the group's committed offsets
committed() {
	"$py" - "$B" "$1" "$2" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "enable.auto.commit": False})
for tp in c.committed([TopicPartition(sys.argv[3], p) for p in (0, 1)], timeout=20):
    print(tp.partition, tp.offset)
c.close()
PY
}
props print.partition=true print.offset=true print.key=true
expect grp grp 0,1 auto print.partition=true print.offset=true print.key=true
gx=(-X session.timeout.ms=6000)
run grp1 -b "$B" -r "file:$reg" --group acc-g --from-beginning --max-messages 4 "${gx[@]}" "${pargs[@]}" grp
check "--group --from-beginning --max-messages 4: status 0 ($st)" test $st -eq 0
check "--group: 4 records" test "$(wc -l <"$tmp/grp1.out")" -eq 4
# what the group should have: per partition, one past the last offset printed
python3 - "$tmp/grp1.out" >"$tmp/grp1.commit.want" <<'PY'
import re, sys
last = {0: -1, 1: -1}
lines = open(sys.argv[1]).readlines()
if len(lines) != 4:
    sys.exit("not 4 records")
for line in lines:
    p, o = map(int, re.match(r"Partition:(\d+)\tOffset:(\d+)\t", line).groups())
    last[p] = max(last[p], o)
for p in (0, 1):
    print(p, last[p] + 1 if last[p] >= 0 else -1001)
PY
committed acc-g grp >"$tmp/grp1.commit" 2>"$tmp/grp1.commit.err"
same_bytes "--group: the offsets of the records printed committed" "$tmp/grp1.commit.want" "$tmp/grp1.commit"
run grp2 -b "$B" -r "file:$reg" --group acc-g --from-beginning -e "${gx[@]}" "${pargs[@]}" grp
check "--group again: status 0 ($st)" test $st -eq 0
cat "$tmp/grp1.out" "$tmp/grp2.out" >"$tmp/grpboth.out"
cp "$tmp/grp.want" "$tmp/grpboth.want"
same grpboth sorted
check "--group again: none of the first run's records" \
	test $st -eq 0 -a -s "$tmp/grp2.out" -a -z "$(grep -xF -f "$tmp/grp1.out" "$tmp/grp2.out")"
committed acc-g grp >"$tmp/grp2.commit" 2>"$tmp/grp2.commit.err"
printf '0 5\n1 5\n' >"$tmp/grp2.commit.want"
same_bytes "--group again: committed to the end" "$tmp/grp2.commit.want" "$tmp/grp2.commit"

# --- failures and ends through the formatter
props print.key=true print.offset=true
expect badval badval 0 auto print.key=true print.offset=true
run badval -b "$B" -r "file:$reg" --from-beginning -e "${pargs[@]}" badval
check "a bad value frame: status 1 ($st), after one record" test $st -eq 1 -a "$(wc -l <"$tmp/badval.want")" -eq 1
check "a bad value frame: cfdeframe's message" \
	grep -q '^cfdeframe: .*(topic badval partition 0 offset 1): bad magic byte 0x01' "$tmp/badval.err"
check "a bad value frame: names the stage" grep -q '^avro-console-consumer: cfdeframe failed (status 1)' "$tmp/badval.err"
same badval

# from the end, without -e: a record produced after the start comes through
# the formatter at once
# (the records produced are all alike but for their offsets, not printed:
# whichever it gets is the last one produced)
props print.key=true print.timestamp=true
timeout 60 "$acc" -b "$B" -r "file:$reg" --max-messages 1 "${pargs[@]}" live >"$tmp/live.out" 2>"$tmp/live.err" &
lpid=$!
produced_until() { ! kill -0 "$1" 2>/dev/null || { "$py" "$tmp/acc.py" live "$tmp/schemas.json" "$B"; false; }; }
WAIT_EVERY=0.5 within 30 produced_until $lpid
wait $lpid
st=$?
check "live, from the end: status 0 ($st)" test $st -eq 0
expect liveall live 0 auto print.key=true print.timestamp=true
tail -1 "$tmp/liveall.want" >"$tmp/live.want"
same live

# (like any filter, it sees the reader gone at the next record it writes:
# more records keep coming until it ends)
timeout 60 bash -c '"$@" 2>"$0" | head -1 >/dev/null; exit "${PIPESTATUS[0]}"' "$tmp/head.err" \
	"$acc" -b "$B" -r "file:$reg" --from-beginning "${pargs[@]}" live &
hpid=$!
WAIT_EVERY=0.5 within 30 produced_until $hpid
wait $hpid
st=$?
check "| head -1: SIGPIPE's status ($st)" test $st -eq 141
check "| head -1: quiet" test ! -s "$tmp/head.err"

"$acc" -b "$B" -r "file:$reg" -X client.id=acc-term-$$ "${pargs[@]}" keyed >"$tmp/term.out" 2>"$tmp/term.err" &
tpid=$!
ours="client\.id.acc-term-$$"'( |$)'
consuming() { [ -n "$(suite_procs "^kcat .*$ours")" ]; }
wait_for 10 "SIGTERM: the consumer's kcat started" consuming
kill -TERM $tpid
wait $tpid
st=$?
check "SIGTERM through the formatter: status 143 ($st), quiet" test $st -eq 143 -a ! -s "$tmp/term.err"
check "SIGTERM through the formatter: no kcat, perl or decoder left" \
	test $st -eq 143 -a -z "$(suite_procs "$ours|^perl -e|^cfdeframe --stamped|^avrodecode --stamped")"

# --- usage errors: status 2, the message saying what is wrong, nothing on stdout
# usage_case NAME ERE ARGS...: the run's stderr has a line matching ERE
usage_case() {
	local name=$1 want=$2
	shift 2
	timeout 10 "$acc" -b "$B" -r "file:$reg" "$@" >"$tmp/usage.out" 2>"$tmp/usage.err"
	local s=$?
	[ $s -eq 2 ] && [ ! -s "$tmp/usage.out" ] && grep -qE "^avro-console-consumer: $want" "$tmp/usage.err" &&
		{ ok "usage: $name: status 2, the message"; return; }
	notok "usage: $name" "status $s: $(head -c 300 "$tmp/usage.err")"
}
usage_case "--property print.key=yes" "--property print.key: expected true or false, got 'yes'" --property print.key=yes keyed
usage_case "--property without =" "--property: expected name=value, got 'print.key'" --property print.key keyed
usage_case "--property unknown" "--property: unknown property 'print.bogus'" --property print.bogus=true keyed
usage_case "--property key.deserializer unknown class" "--property key.deserializer: .* not 'x.Y'" \
	--property key.deserializer=x.Y keyed
usage_case "--key-format json" "--key-format: expected auto, avro or string, got 'json'" --key-format json keyed
usage_case "--group with --partition" "--group excludes --partition and --offset" --group g --partition 0 keyed
usage_case "--group with --offset" "--group excludes --partition and --offset" --group g --offset 3 keyed
usage_case "--topic and a topic argument" "--topic keyed and a topic argument" --topic keyed keyed
