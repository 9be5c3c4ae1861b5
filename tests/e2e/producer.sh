# scripts/wikimedia-producer end to end: the recorded recentchange stream
# (tests/fixtures/recentchange.sse) served as server-sent events from
# 127.0.0.1, produced through curl | avroencode | cfframe | kcat -P into the
# local broker, read back with confluent-kafka-python's AvroDeserializer
# against franz-go's srfake registry, and with cfdeframe | avrodecode against
# a file: registry; -n, signals, SSE framing details and failures of each stage.
suite=producer
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
py_env
prod=$top/scripts/wikimedia-producer
check_py=$TESTS/interop/producer_check.py
sse=$TESTS/fixtures/recentchange.sse
schema=$TESTS/fixtures/wikimedia-value.avsc

if ! command -v kcat >/dev/null || [ ! -x "$BIN/mockbroker" ] || [ ! -x "$BIN/avroencode" ]; then
	notok "kcat, mockbroker and avroencode present" "missing kcat, $BIN/mockbroker or $BIN/avroencode"
	exit 0
fi

# The servers stop at EOF on their stdin: a descriptor closed at the end.
mkdir -p "$tmp/www"
cp "$sse" "$tmp/www/recentchange.sse"
exec {ssefd}> >(exec python3 "$TESTS/interop/producer_sse_server.py" "$tmp/www" "$tmp/requests" \
	>"$tmp/sse.port" 2>"$tmp/sse.err")
port=$(started PORT "$tmp/sse.port") ||
	{ notok "the stream server starts" "$(cat "$tmp/sse.err")"; exit 0; }
U=http://127.0.0.1:$port

. "$top/scripts/broker.sh"
broker_start "$tmp" -t wikimedia:1 -t wikimedia.file:1 -t n50:1 -t errs:1 -t live:1 -t live2:1 -t framing:1 -t file-url:1 -t installed:1 ||
	{ notok "the local broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
trap 'exec 9>&- {ssefd}>&- {srfd}>&- 2>/dev/null; rm -rf "$tmp"' EXIT

# topic_records TOPIC: the topic's records as a record stream
topic_records() { kcat -C -b "$B" -t "$1" -e -q -f '%R%s'; }
# decoded TOPIC DIR: the topic decoded with the file: registry DIR, NDJSON
decoded() { topic_records "$1" | cfdeframe | avrodecode -r "file:$2" --out ndjson; }
count() { topic_records "$1" | cfdeframe --stats 2>&1 >/dev/null | awk '$1=="total"{print $2}'; }

python3 "$check_py" expected "$sse" "$schema" >"$tmp/want" ||
	{ notok "expected events from the .sse file" "producer_check.py failed"; exit 0; }
check "the fixture holds 200 events" test "$(wc -l <"$tmp/want")" -eq 200
check "the fixture has the keys the schema lacks" \
	grep -q '"log_params":.*"log_action_comment":.*"notify_url"\|"title_url":' "$sse"

# The recorded stream ends, and its server ignores Last-Event-ID: --retries 0,
# so that the run ends with it (reconnects: producer-reconnect.sh).
# 1. A file: registry, empty: --register creates the subject TOPIC-value.
mkdir "$tmp/reg"
"$prod" -u "$U/recentchange.sse" -b "$B" -t wikimedia.file -r "file:$tmp/reg" --retries 0 \
	>"$tmp/out1" 2>"$tmp/err1"
st=$?
check "file registry: exits 0" test $st -eq 0
check "file registry: quiet" test ! -s "$tmp/err1" -a ! -s "$tmp/out1"
[ -s "$tmp/err1" ] && sed 's/^/# stderr: /' "$tmp/err1"
check "file registry: subject wikimedia.file-value registered" \
	test -f "$tmp/reg/subjects/wikimedia.file-value/versions/1.json"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' \
	"$tmp/reg/subjects/wikimedia.file-value/versions/1.json" 2>/dev/null)
check "file registry: schema id $id stored" test -f "$tmp/reg/schemas/ids/$id.json"
decoded wikimedia.file "$tmp/reg" >"$tmp/got1" 2>"$tmp/derr1"
python3 "$check_py" ndjson "file registry, avrodecode" "$tmp/got1" "$tmp/want"
check "file registry: every frame carries id $id" \
	test "$(topic_records wikimedia.file | cfdeframe --stats 2>&1 >/dev/null | awk '$1 ~ /^[0-9]+$/ {print $1}')" = "$id"
check "the stream was asked for text/event-stream with a User-Agent" \
	"$py" -c 'import json,sys
r = [json.loads(l) for l in open(sys.argv[1]) if "headers" in l][-1]["headers"]
sys.exit(not (r.get("accept") == "text/event-stream" and r.get("user-agent")))' "$tmp/requests"

# A recording as a file:// URL: read once, whatever --retries.
"$prod" -u "file://$sse" -b "$B" -t file-url -r "file:$tmp/reg" --subject wikimedia.file-value \
	>/dev/null 2>"$tmp/err1b"
st=$?
check "file:// stream: exits 0 ($st), quiet, every event once" \
	test $st -eq 0 -a ! -s "$tmp/err1b" -a "$(count file-url)" = 200

# Installed as make install puts it: the schema from PREFIX/share/cfkit/schemas.
mkdir -p "$tmp/prefix/bin" "$tmp/prefix/lib/cfkit" "$tmp/prefix/share/cfkit/schemas"
cp "$prod" "$tmp/prefix/bin/"
cp "$BIN/cfkit-sh-setup" "$tmp/prefix/lib/cfkit/"
cp "$top/scripts/schemas/wikimedia-value.avsc" "$tmp/prefix/share/cfkit/schemas/"
"$tmp/prefix/bin/wikimedia-producer" -u "file://$sse" -b "$B" -t installed -r "file:$tmp/reg" \
	--subject wikimedia.file-value >/dev/null 2>"$tmp/err1c"
st=$?
check "installed, no --schema: exits 0 ($st), quiet, every event once" \
	test $st -eq 0 -a ! -s "$tmp/err1c" -a "$(count installed)" = 200
[ -s "$tmp/err1c" ] && sed 's/^/# stderr: /' "$tmp/err1c"

# 2. -n 50: exactly the first 50, and no complaint from curl about the closed pipe.
"$prod" -u "$U/recentchange.sse" -b "$B" -t n50 -r "file:$tmp/reg" --subject wikimedia.file-value \
	-n 50 >/dev/null 2>"$tmp/err2"
st=$?
check "-n 50: exits 0" test $st -eq 0
check "-n 50: quiet" test ! -s "$tmp/err2"
[ -s "$tmp/err2" ] && sed 's/^/# stderr: /' "$tmp/err2"
check "-n 50: exactly 50 records" test "$(count n50)" = 50
decoded n50 "$tmp/reg" >"$tmp/got2"
head -50 "$tmp/want" >"$tmp/want50"
python3 "$check_py" ndjson "-n 50" "$tmp/got2" "$tmp/want50"
# the same against a stream that never ends: -n alone stops it
timeout 30 "$prod" -u "$U/live/recentchange.sse" -b "$B" -t n50 -r "file:$tmp/reg" \
	--subject wikimedia.file-value -n 5 >/dev/null 2>"$tmp/err2b"
st=$?
check "-n 5 on an endless stream: exits 0 (status $st)" test $st -eq 0
check "-n 5 on an endless stream: 55 records in all" test "$(count n50)" = 55

# 3. A live stream stopped by SIGTERM: curl stops, the rest drains, every event
# read is produced, status 143.
# sent: how many times the server has sent the live stream whole
sent() { grep -c '"sent": "/live/recentchange.sse"' "$tmp/requests"; }
# all_read N: the live stream sent N times, and all the server sent read by
# curl (no byte queued on an open connection to the server): what follows in
# the pipeline drains on a stop. (kcat 1.7.1 holds the last kilobyte of piped
# input until more comes or its input ends: the last events reach the topic
# only when the pipeline drains; nothing to wait for there.)
all_read() {
	[ "$(sent)" -ge "$1" ] && awk -v p=":$(printf '%04X' "$port")" '
		$4 == "01" && (substr($2, 9) == p || substr($3, 9) == p) { n++; if ($5 != "00000000:00000000") q++ }
		END { exit !(n && !q) }' /proc/net/tcp
}
n=$(sent)
"$prod" -u "$U/live/recentchange.sse" -b "$B" -t live -r "file:$tmp/reg" \
	--subject wikimedia.file-value >/dev/null 2>"$tmp/err3" &
ppid=$!
wait_for 20 "SIGTERM: the live stream sent and read" all_read $((n + 1))
kill -TERM "$ppid"
wait "$ppid"
st=$?
check "SIGTERM: exits 143 (status $st)" test $st -eq 143
check "SIGTERM: says so" grep -q 'stopped by a signal' "$tmp/err3"
check "SIGTERM: every event produced" test "$(count live)" = 200
# ^C at a terminal: SIGINT to the whole process group (kcat must not get it),
# once the file $tmp/go3b says the stream was read.
n=$(sent)
python3 - "$tmp/go3b" "$prod" -u "$U/live/recentchange.sse" -b "$B" -t live2 -r "file:$tmp/reg" \
	--subject wikimedia.file-value >"$tmp/out3b" 2>&1 <<'PY' &
import os, signal, subprocess, sys, time
p = subprocess.Popen(sys.argv[2:], start_new_session=True, stdout=subprocess.DEVNULL,
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
os.killpg(p.pid, signal.SIGINT)
try:
    p.wait(timeout=20)
except subprocess.TimeoutExpired:
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
print("status", p.returncode)
PY
pypid=$!
wait_for 20 "SIGINT: the live stream sent and read" all_read $((n + 1))
touch "$tmp/go3b"
wait "$pypid"
check "SIGINT to the process group: exits 130" grep -q '^status 130$' "$tmp/out3b"
check "SIGINT to the process group: every event produced" test "$(count live2)" = 200

# 4. SSE framing: CRLF lines, comments, retry and id lines, an event whose data
# spans several lines, a non-message event, a data line without the space, and
# an event cut off by the end of the stream (not dispatched).
printf '%s\r\n' ':ok' '' 'retry: 1000' 'event: message' 'id: [1]' \
	'data: {"type":"edit","title":"A",' 'data:  "bot":true}' '' >"$tmp/www/framing.sse"
printf '%s\n' ': keep-alive' 'event: error' 'data: {"type":"not a message"}' '' \
	'data:{"type":"log","title":"B","$schema":"/x/1","unknown":[1,{"a":2}]}' '' \
	'event: message' 'data: {"type":"cut off"}' >>"$tmp/www/framing.sse"
"$prod" -u "$U/framing.sse" -b "$B" -t framing -r "file:$tmp/reg" --subject wikimedia.file-value \
	--retries 0 2>"$tmp/err4"
check "framing: exits 0" test $? -eq 0
decoded framing "$tmp/reg" | "$py" -c 'import json,sys
print(" ".join("%s/%s/%s/%s" % (d["type"], d["title"], d["bot"], d["schema"]) for d in map(json.loads, sys.stdin)))' \
	>"$tmp/got4"
echo "edit/A/True/None log/B/None//x/1" >"$tmp/want4"
same_bytes "framing: two events, joined data lines, CRLF, renamed \$schema" "$tmp/want4" "$tmp/got4"

# 5. Failures stop the run with the failing stage's message and status.
"$prod" -u "http://127.0.0.1:1/recentchange.sse" -b "$B" -t errs -r "file:$tmp/reg" --retries 0 \
	>/dev/null 2>"$tmp/err5"
st=$?
check "unreachable stream, --retries 0: status 3 ($st)" test $st -eq 3
check "unreachable stream: curl's message" grep -q '^curl: (7) ' "$tmp/err5"
check "unreachable stream: names the stage" grep -q '^wikimedia-producer: curl failed' "$tmp/err5"
"$prod" -u "$U/no-such-stream" -b "$B" -t errs -r "file:$tmp/reg" >/dev/null 2>"$tmp/err6"
st=$?
check "HTTP 404: status 3 ($st)" test $st -eq 3
check "HTTP 404: curl's message" grep -q '^curl: (22) .*404' "$tmp/err6"
"$prod" -u "$U/recentchange.sse" -b "$B" -t errs -r "http://127.0.0.1:1" --retries 0 >/dev/null 2>"$tmp/err7"
st=$?
check "unreachable registry: status 3 ($st)" test $st -eq 3
check "unreachable registry: avroencode's message" grep -q '^avroencode: .*127.0.0.1:1' "$tmp/err7"
check "unreachable registry: no curl noise" test "$(grep -c '^curl:' "$tmp/err7")" -eq 0
[ -n "${VERBOSE:-}" ] && sed 's/^/# stderr: /' "$tmp/err5" "$tmp/err6" "$tmp/err7"
"$prod" -u "$U/recentchange.sse" -b "$B" -t errs -r "file:$tmp/no-such-dir" --retries 0 >/dev/null 2>"$tmp/err8"
st=$?
check "missing file: registry: non-zero status ($st)" test $st -ne 0
check "missing file: registry: avroencode's message" grep -q '^avroencode: ' "$tmp/err8"
check "nothing reached the topic of the failed runs" test "$(count errs)" = 0
"$prod" -u "$U/recentchange.sse" -r "file:$tmp/reg" >/dev/null 2>"$tmp/err9"
check "no -b: usage, status 2" test $? -eq 2 -a "$(grep -c '^usage: wikimedia-producer' "$tmp/err9")" -eq 1
"$prod" -b "$B" -r "file:$tmp/reg" -X sasl.password=x >/dev/null 2>"$tmp/err10"
check "a secret in -X: refused, status 2" test $? -eq 2
"$prod" -b "$B" -r "https://u:p@registry.example" >/dev/null 2>"$tmp/err11"
check "credentials in the registry URL: refused, status 2" test $? -eq 2

# 6. The seed's setup: topic wikimedia, a live registry (srfake), read back by
# confluent-kafka-python's Consumer and AvroDeserializer.
need_pyenv && need_srfake && srfake_start || exit 0
SCHEMA_REGISTRY_URL=$url "$prod" -u "$U/recentchange.sse" -b "$B" --retries 0 >/dev/null 2>"$tmp/err12"
st=$?
check "srfake: exits 0 (registry from SCHEMA_REGISTRY_URL)" test $st -eq 0
[ -s "$tmp/err12" ] && sed 's/^/# stderr: /' "$tmp/err12"
"$py" "$check_py" kafka "srfake, AvroDeserializer" "$B" wikimedia "$url" wikimedia-value \
	"$tmp/want" "$schema"
# A second run finds the schema registered: same id, no new version.
SCHEMA_REGISTRY_URL=$url "$prod" -u "$U/recentchange.sse" -b "$B" -n 1 >/dev/null 2>"$tmp/err13"
check "srfake: a second run exits 0" test $? -eq 0
check "srfake: one version of wikimedia-value" \
	test "$(curl -sS "$url/subjects/wikimedia-value/versions")" = "[1]"
