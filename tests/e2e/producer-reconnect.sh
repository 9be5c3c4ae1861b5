# scripts/wikimedia-producer against a stream that drops its connections, as
# stream.wikimedia.org does: tests/interop/producer_flaky_sse.py on
# 127.0.0.1 serves numbered events and, at points random from a seed, closes
# the connection (between events, in a data or id line, before an event's
# blank line), stalls, resets it or answers 503; it resumes after the
# Last-Event-ID it is sent and answers 204 once all is sent. Every message
# event must reach the topic (the local broker) exactly once and in order,
# every reconnect carry the id of the last event produced, its delay follow
# the server's retry: doubled and jittered, and a message on stderr; and the
# producer gives up, or is stopped while it waits, as documented.
suite=producer-reconnect
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
prod=$top/scripts/wikimedia-producer
flaky=$TESTS/interop/producer_flaky_sse.py

for t in kcat python3 "$BIN/mockbroker" "$BIN/avroencode" "$BIN/avrodecode" "$BIN/cfdeframe"; do
	command -v "$t" >/dev/null || { missing "$t present" "$t not found"; exit 0; }
done

# The servers stop at EOF on their stdin: descriptors closed at the end.
exec {ssefd}> >(exec python3 "$flaky" serve "$tmp/requests" >"$tmp/sse.port" 2>"$tmp/sse.err")
port=$(started PORT "$tmp/sse.port") ||
	{ notok "the stream server starts" "$(cat "$tmp/sse.err")"; exit 0; }
U=http://127.0.0.1:$port
. "$top/scripts/broker.sh"
broker_start "$tmp" -t flaky:1 -t n:1 -t down:1 -t stop:1 ||
	{ notok "the local broker starts" "no BROKERS line"; exit 0; }
B=$BROKERS
trap 'exec 9>&- {ssefd}>&- 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/reg"

# ids TOPIC: the "id" field of each record of TOPIC, one a line
ids() {
	kcat -C -b "$B" -t "$1" -e -q -f '%R%s' | cfdeframe | avrodecode -r "file:$tmp/reg" --out ndjson |
		python3 -c 'import json, sys
for line in sys.stdin:
    print(json.loads(line)["id"])'
}
# delays_ok ERRFILE RETRY CAP: every "reconnecting in S s" of ERRFILE within
# its bounds: the reconnection time RETRY (ms) doubled for each try in a row
# without an event, at most CAP, jittered into its upper half; and not all
# the same (the jitter)
delays_ok() {
	python3 - "$@" <<'PY'
import re, sys
retry, cap = int(sys.argv[2]), int(sys.argv[3])
seen = []
for line in open(sys.argv[1]):
    m = re.search(r"reconnecting in (\d+)\.(\d{3}) s( \(try (\d+) of)?", line)
    if not m:
        continue
    ms, k = int(m[1]) * 1000 + int(m[2]), int(m[4] or 0)
    d = min(retry << k, max(cap, retry))
    seen.append(ms)
    if not d - d // 2 <= ms <= d:
        sys.exit("%s: not within %d-%d ms" % (line.strip(), d - d // 2, d))
if len(seen) < 2 or len(set(seen)) < 2:
    sys.exit("delays %s: fewer than two, or all the same" % seen)
PY
}
export SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=wp-user:wp-s3cret-sentinel

# 1. 300 events through a connection dropped every 1-30 events, in every way.
path=/flaky/33/300/40
timeout 300 "$prod" -u "$U$path" -b "$B" -t flaky -r "file:$tmp/reg" \
	--stall 1 --backoff 5000 --backoff-max 300 >"$tmp/out1" 2>"$tmp/err1"
st=$?
check "flaky stream: exits 0 (status $st)" test $st -eq 0
[ $st -eq 0 ] || sed 's/^/# stderr: /' "$tmp/err1"
python3 "$flaky" expect 300 >"$tmp/want1"
ids flaky >"$tmp/got1"
same_bytes "flaky stream: every message event once, in order" "$tmp/want1" "$tmp/got1"
python3 "$flaky" check "$tmp/requests" "$path" 300 >"$tmp/log1" 2>"$tmp/logerr1"
check "flaky stream: each reconnect sent Last-Event-ID, the last event's id" test $? -eq 0
sed 's/^/# /' "$tmp/log1" "$tmp/logerr1"
drops=$(sed -n 's/.*drops=\([0-9]*\).*/\1/p' "$tmp/log1")
check "flaky stream: at least 5 connections dropped ($drops)" test "${drops:-0}" -ge 5
check "flaky stream: dropped in every way (closed, mid-line, mid-event, stalled, reset), and before any event" \
	grep -q ' empty=[1-9][0-9]* ends=before-blank,close,mid-data,mid-id,rst,stall,stall-mid$' "$tmp/log1"
conns=$(grep -c "\"path\": \"$path\"" "$tmp/requests")
check "flaky stream: a message for each reconnect ($((conns - 1))), no secret in them" \
	test "$conns" -ge 6 -a "$(grep -c '^wikimedia-producer: .*: reconnecting in ' "$tmp/err1")" -eq $((conns - 1)) \
	-a "$(grep -c wp-s3cret-sentinel "$tmp/err1")" -eq 0
check "flaky stream: the end (HTTP 204) said" \
	grep -q '^wikimedia-producer: the server ended the stream (HTTP 204 No Content) after 277 events$' "$tmp/err1"
delays_ok "$tmp/err1" 40 300 2>"$tmp/d1"
check "flaky stream: delays from the server's retry: 40 ms, doubled, jittered" test $? -eq 0
sed 's/^/# /' "$tmp/d1"

# 2. -n across reconnects: exactly that many, then the end.
path=/flaky/7/200/10
timeout 300 "$prod" -u "$U$path" -b "$B" -t n -r "file:$tmp/reg" -n 150 \
	--stall 1 --backoff-max 100 >/dev/null 2>"$tmp/err2"
st=$?
check "-n 150 over reconnects: exits 0 (status $st), having reconnected" \
	test $st -eq 0 -a "$(grep -c 'reconnecting in' "$tmp/err2")" -gt 0
python3 "$flaky" expect 200 >"$tmp/all2"
head -n 150 "$tmp/all2" >"$tmp/want2"
ids n >"$tmp/got2"
same_bytes "-n 150 over reconnects: the first 150 message events once, in order" "$tmp/want2" "$tmp/got2"

# 3. A server that answers 503 forever: --retries 4 gives up after the fifth
# request, with curl's message and its own, status 3; the delays doubled from
# --backoff up to --backoff-max.
timeout 60 "$prod" -u "$U/down" -b "$B" -t down -r "file:$tmp/reg" \
	--retries 4 --backoff 10 --backoff-max 40 >/dev/null 2>"$tmp/err3"
st=$?
check "503 forever, --retries 4: status 3 ($st)" test $st -eq 3
check "503 forever, --retries 4: five requests" test "$(grep -c '"path": "/down"' "$tmp/requests")" -eq 5
check "503 forever, --retries 4: says it gave up, with curl's message" \
	test "$(grep -c '^wikimedia-producer: giving up after 4 reconnects in a row without an event$' "$tmp/err3")" -eq 1 \
	-a "$(grep -c '^curl: (22) .*503' "$tmp/err3")" -eq 1
check "503 forever: four tries said" test "$(grep -c '^wikimedia-producer: HTTP 503 (0 events, 0 in all): reconnecting in .* (try [1-4] of 4 without an event)$' "$tmp/err3")" -eq 4
delays_ok "$tmp/err3" 10 40 2>"$tmp/d3"
check "503 forever: delays from --backoff 10 ms, doubled to --backoff-max 40" test $? -eq 0
sed 's/^/# /' "$tmp/d3"
[ -n "${VERBOSE:-}" ] && sed 's/^/# stderr: /' "$tmp/err3"
# 404 is not retried
timeout 60 "$prod" -u "$U/gone" -b "$B" -t down -r "file:$tmp/reg" --backoff 10 >/dev/null 2>"$tmp/err3b"
st=$?
check "404: status 3 at once ($st), one request, no reconnect" \
	test $st -eq 3 -a "$(grep -c '"path": "/gone"' "$tmp/requests")" -eq 1 \
	-a "$(grep -c reconnecting "$tmp/err3b")" -eq 0

# 4. SIGTERM while it waits to reconnect: it stops at once, status 143.
timeout 60 "$prod" -u "$U/down" -b "$B" -t stop -r "file:$tmp/reg" --retries forever \
	--backoff 600000 >/dev/null 2>"$tmp/err4" &
ppid=$!
waiting() { grep -q 'reconnecting in' "$tmp/err4"; }
wait_for 30 "--retries forever: waiting to reconnect" waiting
kill -TERM "$ppid"
wait "$ppid"
st=$?
check "SIGTERM while waiting to reconnect: status 143 ($st)" test $st -eq 143
check "SIGTERM while waiting to reconnect: says so" grep -q 'stopped by a signal' "$tmp/err4"

# 5. Usage errors name the option.
for a in "--retries -1" "--retries never" "--stall 1.5" "--backoff x" "--backoff-max ''"; do
	eval "set -- $a"
	"$prod" -b "$B" -r "file:$tmp/reg" "$@" >/dev/null 2>"$tmp/err5"
	st=$?
	check "$a: status 2 ($st), names the option" \
		test $st -eq 2 -a "$(grep -c -- "^wikimedia-producer: $1[: ]" "$tmp/err5")" -eq 1
done
