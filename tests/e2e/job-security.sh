# The job and secrets: no credential on a command line, kcat settings from a
# file instead, and a state directory nobody else can read.
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
printf 'client.id=cfkit-security-test\n' >"$tmp/kcat.conf"
chmod 600 "$tmp/kcat.conf"
wikimedia-job -q -b "$BROKERS" -r "file:$tmp/reg" -F "$tmp/kcat.conf" --state "$tmp/state" --exit-at-end 2>"$tmp/err"
check "-F file: the job runs with kcat's settings from the file" test $? -eq 0
check "-F file: committed" test -L "$tmp/state/current"
check "the state is private" test -z "$(find -L "$tmp/state" -perm /077 ! -type l)"
wikimedia-job -q -b "$BROKERS" -r "file:$tmp/reg" -F "$tmp/nope.conf" --exit-at-end 2>"$tmp/err"
check "-F missing file: status 2" test $? -eq 2
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
check "no eval, sh -c or bash -c in the scripts" \
	sh -c "! grep -nE '(^|[^a-z_])eval |(sh|bash) -c' '$TESTS'/../scripts/cfjob '$TESTS'/../scripts/wikimedia-job '$TESTS'/../scripts/avro-console-consumer '$TESTS'/../scripts/cfkit-sh-setup '$TESTS'/../scripts/wikimedia-producer '$TESTS'/../scripts/registry-snapshot"
check "no system() or popen() in the tools" sh -c "! grep -nE '(^|[^a-z_])(system|popen)\(' '$TESTS'/../common/*.c '$TESTS'/../tools/*.c"
exec 9>&-
