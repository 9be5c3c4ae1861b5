# The schema registry client's limits (common/http.c): credentials that
# could end the Authorization header refused before any request, the time
# a request may take (SCHEMA_REGISTRY_TIMEOUT, ..._CONNECT_TIMEOUT,
# ..._RETRIES, the low-speed limit) and the size of an answer.
suite=registry-budget
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
regcli=${REGCLI:-$UNITDIR/../regcli}
regdouble=${REGDOUBLE:-$UNITDIR/../regdouble}
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN \
    SCHEMA_REGISTRY_CA_LOCATION SCHEMA_REGISTRY_CERT_LOCATION SCHEMA_REGISTRY_KEY_LOCATION \
    SCHEMA_REGISTRY_PROPERTIES SCHEMA_REGISTRY_TIMEOUT SCHEMA_REGISTRY_CONNECT_TIMEOUT \
    SCHEMA_REGISTRY_RETRIES
. "$TESTS/registry/reglib.sh"
command -v jq >/dev/null || { missing "registry limits" "jq not on PATH"; exit 0; }

reg=$tmp/reg
A='{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}'
mkdir -p "$reg/schemas/ids"
echo "{\"schema\":$(jq -cn --arg s "$A" '$s')}" >"$reg/schemas/ids/1.json"

# ---- credentials with CR, LF or NUL: status 2, nothing sent ----
serve d "$regdouble" --token 'tok-123' --log "$tmp/inj.log" "$reg" || exit 0
: >"$tmp/inj.log"
SCHEMA_REGISTRY_BEARER_TOKEN=$'tok-123\r\nX-Injected: 1' rc "a bearer token with CR LF: status 2" 2 "$regcli" -r "$URL" id 1
check "a bearer token with CR LF: names the variable" has "$tmp/err" "SCHEMA_REGISTRY_BEARER_TOKEN contains CR or LF"
check "a bearer token with CR LF: not its value" sh -c "! grep -q -e tok-123 -e X-Injected '$tmp/err'"
check "a bearer token with CR LF: no request sent" nlines "$tmp/inj.log" 0
SCHEMA_REGISTRY_BEARER_TOKEN=$'tok-123\nX-Injected: 1' rc "a bearer token with LF: status 2" 2 "$regcli" -r "$URL" id 1
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=$'alice:pw\r\nX-Injected: 1' rc "user info with CR LF: status 2" 2 "$regcli" -r "$URL" id 1
check "user info with CR LF: names the variable" has "$tmp/err" "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO contains CR or LF"
printf 'tok-123\rX-Injected: 1\n' >"$tmp/tok-cr"
rc "a token file with a CR inside: status 2" 2 "$regcli" -r "$URL" --registry-token-file "$tmp/tok-cr" id 1
check "a token file with a CR inside: named" has "$tmp/err" "--registry-token-file $tmp/tok-cr: expected one line (no CR, LF or NUL in a credential)"
printf 'tok-123\0junk\n' >"$tmp/tok-nul"
rc "a token file with a NUL: status 2" 2 "$regcli" -r "$URL" --registry-token-file "$tmp/tok-nul" id 1
printf 'alice:pw\0junk\n' >"$tmp/auth-nul"
rc "an auth file with a NUL: status 2" 2 "$regcli" -r "$URL" --registry-auth-file "$tmp/auth-nul" id 1
printf 'schema.registry.url=%s\nbearer.auth.token=tok-123\\r\\nX-Injected: 1\n' "$URL" >"$tmp/inj.properties"
rc "a properties token with an escaped CR LF: status 2" 2 "$regcli" --registry-properties "$tmp/inj.properties" id 1
check "a properties token with an escaped CR LF: names file, line and key" has "$tmp/err" "registry properties $tmp/inj.properties:2: bearer.auth.token contains CR, LF or NUL"
check "a properties token with an escaped CR LF: not its value" sh -c "! grep -q -e tok-123 -e X-Injected '$tmp/err'"
printf 'schema.registry.url=%s\nbasic.auth.user.info=alice:pw\\u0000x\n' "$URL" >"$tmp/nul.properties"
rc "properties user info with \\u0000: status 2" 2 "$regcli" --registry-properties "$tmp/nul.properties" id 1
check "properties user info with \\u0000: names the key" has "$tmp/err" ":2: basic.auth.user.info contains CR, LF or NUL"
check "none of them reached the registry" nlines "$tmp/inj.log" 0
printf 'tok-123\r\n' >"$tmp/tok-crlf"
rc "a token file ending in CR LF is one line" 0 "$regcli" -r "$URL" --registry-token-file "$tmp/tok-crlf" id 1
stop d

# ---- time ----
serve d "$regdouble" --hang 5 "$reg" || exit 0
SCHEMA_REGISTRY_TIMEOUT=1 SCHEMA_REGISTRY_RETRIES=1 rc "SCHEMA_REGISTRY_TIMEOUT and _RETRIES: status 3" 3 timeout 60 "$regcli" -r "$URL" id 1
check "SCHEMA_REGISTRY_TIMEOUT: timed out after 1 s, 2 attempts" has "$tmp/err" "timed out after 1 s (2 attempts)"
SCHEMA_REGISTRY_TIMEOUT=1 SCHEMA_REGISTRY_RETRIES=0 rc "the option wins over the variable" 3 timeout 60 "$regcli" -r "$URL" --registry-timeout 2 id 1
check "the option wins over the variable: 2 s" has "$tmp/err" "timed out after 2 s (1 attempt)"
stop d
SCHEMA_REGISTRY_TIMEOUT=soon rc "SCHEMA_REGISTRY_TIMEOUT not a number: status 2" 2 "$regcli" -r http://127.0.0.1:1 id 1
check "SCHEMA_REGISTRY_TIMEOUT not a number: named" has "$tmp/err" "SCHEMA_REGISTRY_TIMEOUT: expected seconds (0 < s <= 86400), got 'soon'"
SCHEMA_REGISTRY_CONNECT_TIMEOUT=0 rc "SCHEMA_REGISTRY_CONNECT_TIMEOUT 0: status 2" 2 "$regcli" -r http://127.0.0.1:1 id 1
SCHEMA_REGISTRY_RETRIES=-1 rc "SCHEMA_REGISTRY_RETRIES -1: status 2" 2 "$regcli" -r http://127.0.0.1:1 id 1
check "SCHEMA_REGISTRY_RETRIES -1: named" has "$tmp/err" "SCHEMA_REGISTRY_RETRIES: expected 0 to 100, got '-1'"

# a slow sender: an answer a byte every 100 ms (about 20 s in all) ends at the timeout
serve d "$regdouble" --trickle 100 "$reg" || exit 0
SCHEMA_REGISTRY_TIMEOUT=2 SCHEMA_REGISTRY_RETRIES=1 rc "a slow answer: status 3" 3 timeout 60 "$regcli" -r "$URL" id 1
check "a slow answer: timed out after 2 s, 2 attempts" has "$tmp/err" "timed out after 2 s (2 attempts)"
stop d
# and below the low-speed limit (1024 bytes/s for 10 s) well before the 30 s timeout
serve d "$regdouble" --trickle 200 "$reg" || exit 0
SCHEMA_REGISTRY_RETRIES=0 rc "an answer below the low-speed limit: status 3" 3 timeout 60 "$regcli" -r "$URL" id 1
check "an answer below the low-speed limit: says so" has "$tmp/err" "registry $URL: answer slower than 1024 bytes/s for 10 s (1 attempt)"
stop d

# ---- size: an answer over 16 MiB is refused (served by Python: regdouble's file back end has the same cap) ----
command -v python3 >/dev/null || { missing "an answer over 16 MiB" "python3 not on PATH"; exit 0; }
mkdir -p "$tmp/big/schemas/ids"
awk 'BEGIN { printf "{\"schema\":\"{\\\"type\\\":\\\"enum\\\",\\\"name\\\":\\\"E\\\",\\\"symbols\\\":[\\\"a\\\"],\\\"doc\\\":\\\""
	for (i = 0; i < 17 * 1024; i++) { s = sprintf("%1024s", ""); printf "%s", s }
	printf "\\\"}\"}\n" }' >"$tmp/big/schemas/ids/2"
serve b python3 -c '
import functools, http.server, sys, threading
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
print("URL=http://127.0.0.1:%d" % s.server_address[1], flush=True)
threading.Thread(target=s.serve_forever, daemon=True).start()
sys.stdin.read()' "$tmp/big" || exit 0
rc "an answer over 16 MiB: status 3" 3 timeout 60 "$regcli" -r "$URL" id 2
check "an answer over 16 MiB: says so" has "$tmp/err" "registry $URL: answer larger than 16777216 bytes"
stop b
