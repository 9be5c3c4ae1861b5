# The job and secrets: no credential on a command line, librdkafka settings
# from a file instead (read by cfjob, in C), and a state directory nobody
# else can read; nothing from the input or a command line reaches a shell.
suite=job-security
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/../scripts/broker.sh"
broker_start "$tmp" -t wikimedia:2 -t wikimedia.processed:1
check "mock broker started" test -n "$BROKERS"
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
mkdir "$tmp/reg"
avroencode --print-id -r "file:$tmp/reg" --schema "$TESTS/fixtures/wikimedia-value.avsc" \
	--subject wikimedia-value --register >/dev/null
gen-events -n 500 --format frames | cfdeframe | cfframe -D "$D" | kcat -P -b "$BROKERS" -t wikimedia -D "$D"

for prop in sasl.password ssl.key.password sasl.oauthbearer.client.secret ssl.key.pem; do
	wikimedia-job -q -b "$BROKERS" -r "file:$tmp/reg" -X "$prop=hunter2" --exit-at-end >"$tmp/out" 2>"$tmp/err"
	check "-X $prop=...: refused with status 2" test $? -eq 2
	check "-X $prop=...: the value is not repeated" sh -c "! grep -q hunter2 '$tmp/err'"
	check "-X $prop=...: points to -F" grep -q 'put them in a file for -F' "$tmp/err"
done
cfjob -b "$BROKERS" --in-topic wikimedia --out-topic wikimedia.processed -X noequals -- true 2>"$tmp/err"
check "-X without =: status 2" test $? -eq 2
# -F: librdkafka properties read by cfjob itself (no kcat any more), where
# credentials go; read, not just accepted: a bad value in it is refused
printf 'client.id=cfkit-security-test\n' >"$tmp/kcat.conf"
chmod 600 "$tmp/kcat.conf"
wikimedia-job -q -b "$BROKERS" -r "file:$tmp/reg" -F "$tmp/kcat.conf" --state "$tmp/state" --exit-at-end 2>"$tmp/err"
check "-F file: the job runs with the librdkafka settings from the file" test $? -eq 0
check "-F file: committed" test -L "$tmp/state/current"
check "the state is private" test -z "$(find -L "$tmp/state" -perm /077 ! -type l)"
wikimedia-job -q -b "$BROKERS" -r "file:$tmp/reg" -F "$tmp/nope.conf" --exit-at-end 2>"$tmp/err"
check "-F missing file: status 2" test $? -eq 2
printf 'client.id=x\nsocket.timeout.ms=soon\n' >"$tmp/bad.conf"
cfjob -b "$BROKERS" --in-topic wikimedia --out-topic wikimedia.processed -F "$tmp/bad.conf" --exit-at-end -- true 2>"$tmp/err"
check "-F file: its properties are read (a bad value in it: status 2 naming it)" \
	sh -c "test $? -eq 2 && grep -q 'socket.timeout.ms' '$tmp/err'"
printf 'client.id=x\nsasl.password hunter2\n' >"$tmp/bad.conf"
cfjob -b "$BROKERS" --in-topic wikimedia --out-topic wikimedia.processed -F "$tmp/bad.conf" --exit-at-end -- true 2>"$tmp/err"
check "-F file with a malformed line: status 2, the file and line named" \
	sh -c "test $? -eq 2 && grep -q -- '-F $tmp/bad.conf: line 2' '$tmp/err'"
check "... without repeating the line (it may hold a secret)" sh -c "! grep -q hunter2 '$tmp/err'"
# credentials in the file are taken; when they fail, the message does not repeat them
printf 'security.protocol=ssl\nssl.key.pem=hunter2\nssl.key.password=hunter2\nsasl.password=hunter2\n' >"$tmp/cred.conf"
chmod 600 "$tmp/cred.conf"
timeout 60 cfjob -b "$BROKERS" --in-topic wikimedia --out-topic wikimedia.processed -F "$tmp/cred.conf" \
	--exit-at-end -- true 2>"$tmp/err"
st=$?
check "-F file with credentials (a bad key): taken from the file, refused naming it (status $st)" \
	sh -c "test $st -ne 0 && grep -q 'ssl.key.pem' '$tmp/err'"
check "... without repeating them" sh -c "! grep -q hunter2 '$tmp/err'"
check "registry credentials in the URL are refused" sh -c "! wikimedia-job -q -b '$BROKERS' -r http://user:hunter2@127.0.0.1:1 --exit-at-end 2>'$tmp/err'"
check "... without repeating the password" sh -c "! grep -q hunter2 '$tmp/err'"

# Nothing from the input reaches a shell: values made of shell syntax go
# through the job and the console consumer as data, and run nothing.
bait='$(touch '"$tmp"'/pwned1) `touch '"$tmp"'/pwned2`; touch '"$tmp"'/pwned3 | x && y'
gen-events -n 1 --format ndjson | BAIT=$bait python3 -c 'import json, os, sys
d = json.loads(sys.stdin.readline())
d["title"] = d["user"] = d["comment"] = os.environ["BAIT"]; d["type"] = "edit"
print(json.dumps(d))' >"$tmp/bait.json"
avroencode -r "file:$tmp/reg" --subject wikimedia-value --in ndjson --rename '$schema=schema' <"$tmp/bait.json" |
	cfframe -D "$D" | kcat -P -b "$BROKERS" -t wikimedia -p 1 -D "$D"
wikimedia-job -q -b "$BROKERS" -r "file:$tmp/reg" --state "$tmp/state3" --exit-at-end 2>"$tmp/err"
check "records holding shell syntax: the job runs" test $? -eq 0
avro-console-consumer -b "$BROKERS" -r "file:$tmp/reg" --partition 1 --from-beginning -e wikimedia \
	>"$tmp/console.json" 2>>"$tmp/err"
check "... the console consumer prints them as data" grep -qF "$(printf '%s' "$bait" | sed 's/"/\\"/g')" "$tmp/console.json"
check "... and nothing ran" test -z "$(ls "$tmp" | grep pwned)"
# cfjob (C now) runs its command with exec, never through a shell: arguments
# made of shell syntax reach the command as they are
cat >"$tmp/argv-cmd" <<'EOF2'
#!/usr/bin/env bash
printf '%s\n' "$@" >"$ARGV_OUT"
exec python3 "$TESTS/interop/eos_cmd.py" cat
EOF2
chmod +x "$tmp/argv-cmd"
ARGV_OUT=$tmp/argv timeout 60 cfjob -q -b "$BROKERS" --in-topic wikimedia --out-topic wikimedia.processed \
	--state "$tmp/state4" --exit-at-end -- "$tmp/argv-cmd" "$bait" '*' 2>"$tmp/err"
check "cfjob's command given shell syntax as arguments: the job runs" test $? -eq 0
check "... the command got them as they are" test "$(cat "$tmp/argv" 2>/dev/null)" = "$(printf '%s\n' "$bait" '*')"
check "... and nothing ran" test -z "$(ls "$tmp" | grep pwned)"
scripts=()
for f in wikimedia-job avro-console-consumer cfkit-sh-setup wikimedia-producer registry-snapshot demo; do
	scripts+=("$TESTS/../scripts/$f")
done
check "no eval, sh -c or bash -c in the scripts (${#scripts[@]})" \
	test -z "$(grep -nE '(^|[^a-z_])eval |(sh|bash) -c' "${scripts[@]}" 2>&1)"
check "no system() or popen() in the tools (cfjob included)" \
	sh -c "test -f '$TESTS/../tools/cfjob.c' && ! grep -nE '(^|[^a-z_])(system|popen)\(' '$TESTS'/../common/*.c '$TESTS'/../tools/*.c"
exec 9>&-
