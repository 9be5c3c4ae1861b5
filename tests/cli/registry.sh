# The schema registry client (common/registry.c) through tests/registry/regcli:
# against regdouble (our fault-injecting double), a file: registry, and
# franz-go's srfake (a third-party implementation of the REST API).
suite=registry
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
regcli=${REGCLI:-$UNITDIR/../regcli}
regdouble=${REGDOUBLE:-$UNITDIR/../regdouble}
srfake=${SRFAKE:-$TESTS/../build/srfake}
snapshot=$TESTS/../scripts/registry-snapshot
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN \
    SCHEMA_REGISTRY_CA_LOCATION SCHEMA_REGISTRY_CERT_LOCATION SCHEMA_REGISTRY_KEY_LOCATION \
    SCHEMA_REGISTRY_PROPERTIES SCHEMA_REGISTRY_TIMEOUT SCHEMA_REGISTRY_CONNECT_TIMEOUT SCHEMA_REGISTRY_RETRIES

# A file registry to serve: schema ids 1 and 2 (subject wiki-value, versions
# 1 and 2), 7 (PROTOBUF), 8 (with a reference to a subject it does not have).
reg=$tmp/reg
A='{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}'
B='{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"y","type":"string","default":""}]}'
mkdir -p "$reg/schemas/ids" "$reg/subjects/wiki-value/versions"
jstr() { jq -cn --arg s "$1" '$s'; }
echo "{\"schema\":$(jstr "$A")}" >"$reg/schemas/ids/1.json"
echo "{\"schema\":$(jstr "$B")}" >"$reg/schemas/ids/2.json"
echo '{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message M {}"}' >"$reg/schemas/ids/7.json"
echo "{\"schema\":$(jstr "$A"),\"references\":[{\"name\":\"com.x.Ref\",\"subject\":\"ref\",\"version\":1}]}" \
    >"$reg/schemas/ids/8.json"
echo "{\"subject\":\"wiki-value\",\"version\":1,\"id\":1,\"schema\":$(jstr "$A")}" \
    >"$reg/subjects/wiki-value/versions/1.json"
echo "{\"subject\":\"wiki-value\",\"version\":2,\"id\":2,\"schema\":$(jstr "$B")}" \
    >"$reg/subjects/wiki-value/versions/2.json"
printf '%s\n' "$A" >"$tmp/A.avsc"
printf '%s\n' "$B" >"$tmp/B.avsc"

. "$TESTS/registry/reglib.sh"

# ---- regdouble: answers ----
serve d "$regdouble" --log "$tmp/d.log" "$reg" || exit 0
U=$URL
printf 'id=1 version=0 subject=-\n%s\n' "$A" >"$tmp/want"
rc "by id" 0 "$regcli" -r "$U" id 1
same_bytes "by id: the schema text" "$tmp/want" "$tmp/out"
rc "subject latest" 0 "$regcli" -r "$U" subject wiki-value latest
printf 'id=2 version=2 subject=wiki-value\n%s\n' "$B" >"$tmp/want"
same_bytes "subject latest is version 2" "$tmp/want" "$tmp/out"
rc "subject version 1" 0 "$regcli" -r "$U" subject wiki-value 1
check "subject version 1 is id 1" has "$tmp/out" "id=1 version=1 subject=wiki-value"
SCHEMA_REGISTRY_URL=$U rc "SCHEMA_REGISTRY_URL" 0 "$regcli" id 2
rc "no registry: status 2" 2 "$regcli" id 1
check "no registry: says how to give one" has "$tmp/err" "no schema registry: give -r URL or set SCHEMA_REGISTRY_URL"

rc "unknown id: status 1" 1 "$regcli" -r "$U" id 221
check "unknown id: named with the code" has "$tmp/err" "schema id 221 not found (40403"
rc "unknown subject: status 1" 1 "$regcli" -r "$U" subject nosuch latest
check "unknown subject: 40401" has "$tmp/err" '"nosuch" version latest not found (40401'
rc "unknown version: status 1" 1 "$regcli" -r "$U" subject wiki-value 9
check "unknown version: 40402" has "$tmp/err" "(40402"
rc "PROTOBUF schema: status 1" 1 "$regcli" -r "$U" id 7
check "PROTOBUF schema: says it is not AVRO" has "$tmp/err" "schema id 7 is PROTOBUF, not AVRO (at http://"
rc "a missing schema reference: status 1" 1 "$regcli" -r "$U" id 8
check "a missing schema reference: names it, with the registry's answer" has "$tmp/err" 'schema id 8: reference com.x.Ref (subject "ref" version 1): subject "ref" version 1 not found (40401'
# (tests/cli/registry-refs.sh has the references that resolve)

# the cache: ids for good (found or not), latest for latest_ttl
: >"$tmp/d.log"
rc "repeated questions" 1 "$regcli" -r "$U" id 1 id 1 id 5 id 5 id 5 subject wiki-value latest subject wiki-value latest id 2
check "repeated questions: one request each (ids from subject answers too)" nlines "$tmp/d.log" 3
: >"$tmp/d.log"
REGCLI_TTL=0.000001 rc "latest expires" 0 "$regcli" -r "$U" subject wiki-value latest subject wiki-value latest
check "latest expires: asked twice" nlines "$tmp/d.log" 2

# lookup and register through the REST API (regdouble writes its directory)
rc "lookup" 0 "$regcli" -r "$U" lookup wiki-value "$tmp/B.avsc"
check "lookup finds version 2" has "$tmp/out" "id=2 version=2 subject=wiki-value"
printf '{"type":"record","name":"Z","fields":[]}' >"$tmp/Z.avsc"
rc "lookup of an unknown schema: status 1" 1 "$regcli" -r "$U" lookup wiki-value "$tmp/Z.avsc"
check "lookup of an unknown schema: 40403" has "$tmp/err" "(40403"
rc "register" 0 "$regcli" -r "$U" register wiki-value "$tmp/Z.avsc" register wiki-value "$tmp/Z.avsc"
check "register: a new id, the same one again" test "$(cat "$tmp/out")" = "$(printf 'id=9\nid=9')"
check "register: Content-Type sent" has "$tmp/d.log" "ctype=application/vnd.schemaregistry.v1+json"
rc "register under an odd subject" 0 "$regcli" -r "$U" register "a/b c%.x" "$tmp/A.avsc" subject "a/b c%.x" latest
check "odd subject: reuses the id, version 1" has "$tmp/out" "id=1 version=1 subject=a/b c%.x"
check "odd subject: file name encoded" test -f "$reg/subjects/a%2Fb c%25.x/versions/1.json"
check "odd subject: URL-encoded in the path" has "$tmp/d.log" "POST /subjects/a%2Fb%20c%25.x/versions"
stop d

# ---- regdouble: faults ----
serve d "$regdouble" --fail 500,503,429 --log "$tmp/f.log" "$reg" || exit 0
rc "500, 503, 429, then success" 0 "$regcli" -r "$URL" id 1
check "500, 503, 429, then success: 4 requests" nlines "$tmp/f.log" 4
stop d
serve d "$regdouble" --fail 500,502,503 --log "$tmp/f2.log" "$reg" || exit 0
rc "more failures than retries: status 3" 3 "$regcli" -r "$URL" --registry-retries 1 id 1
check "more failures than retries: names the status and the attempts" has "$tmp/err" "502 Bad Gateway (50201: injected failure) (2 attempts)"
check "more failures than retries: 2 requests" nlines "$tmp/f2.log" 2
stop d
rc "unreachable: status 3" 3 "$regcli" -r http://127.0.0.1:1 --registry-retries 2 id 1
check "unreachable: says so, with the attempts" grep -q "registry http://127.0.0.1:1: .*(3 attempts)" "$tmp/err"

serve d "$regdouble" --hang 5 "$reg" || exit 0
t0=$(date +%s%N)
rc "hang: status 3" 3 "$regcli" -r "$URL" --registry-timeout 1 --registry-retries 1 id 1
t1=$(date +%s%N)
check "hang: timed out" has "$tmp/err" "timed out after 1 s (2 attempts)"
check "hang: gave up within 4 s" test $(((t1 - t0) / 1000000)) -lt 4000
stop d

serve d "$regdouble" --garble "$reg" || exit 0
rc "garbled answer: status 3" 3 "$regcli" -r "$URL" id 1
check "garbled answer: says so" has "$tmp/err" "garbled answer for schema id 1: not JSON"
stop d

# ---- credentials ----
serve d "$regdouble" --auth 'alice:s3cr3t-pw' --log "$tmp/a.log" "$reg" || exit 0
U=$URL
rc "401 without credentials: status 3" 3 "$regcli" -r "$U" id 1
check "401: the hint" has "$tmp/err" "401 Unauthorized (40101: Unauthorized): set SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or --registry-auth-file"
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO='alice:s3cr3t-pw' rc "basic auth from the environment" 0 "$regcli" -r "$U" id 1
printf 'alice:s3cr3t-pw\n' >"$tmp/auth"
rc "basic auth from --registry-auth-file" 0 "$regcli" -r "$U" --registry-auth-file "$tmp/auth" id 1
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO='alice:wrong-pw' rc "wrong password: status 3" 3 "$regcli" -r "$U" id 1
check "wrong password: names where the credentials came from" has "$tmp/err" "check the credentials from SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"
check "wrong password: not in the message" sh -c "! grep -q wrong-pw '$tmp/err'"
check "the log shows the Authorization header" has "$tmp/a.log" "auth=yes"
rc "credentials in the URL: status 2" 2 "$regcli" -r "http://alice:s3cr3t-pw@${U#http://}" id 1
check "credentials in the URL: says what to use" has "$tmp/err" "use SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO or --registry-auth-file"
check "credentials in the URL: password not echoed" sh -c "! grep -q s3cr3t '$tmp/err'"
stop d
serve d "$regdouble" --token 'tok-123' "$reg" || exit 0
SCHEMA_REGISTRY_BEARER_TOKEN=tok-123 rc "bearer token from the environment" 0 "$regcli" -r "$URL" id 1
printf 'tok-123\n' >"$tmp/token"
rc "bearer token from --registry-token-file" 0 "$regcli" -r "$URL" --registry-token-file "$tmp/token" id 1
stop d

# ---- fail-over, path prefix ----
serve d "$regdouble" --prefix /registry/v1 --log "$tmp/p.log" "$reg" || exit 0
P=$URL
check "prefix: in the URL printed" has "$tmp/d.url" "/registry/v1"
rc "path prefix" 0 "$regcli" -r "$P/" id 1
check "path prefix: the path asked" has "$tmp/p.log" "GET /registry/v1/schemas/ids/1"
rc "fail-over from a dead URL" 0 "$regcli" -r "http://127.0.0.1:1,$P" id 1 subject wiki-value 1
rc "prefix missing: status 3" 3 "$regcli" -r "${P%/registry/v1}" id 1
check "prefix missing: not taken for a missing schema" has "$tmp/err" "404 Not Found for schema id 1 (not a registry error: is the URL right?)"
serve e "$regdouble" --fail 503,503,503,503,503,503,503,503 --log "$tmp/e.log" "$reg" || exit 0
rc "fail-over from a 503" 0 "$regcli" -r "$URL,$P" id 1 id 2 subject wiki-value 1
check "fail-over from a 503: stays with the one that works" nlines "$tmp/e.log" 1
stop e
rc "https to a plain HTTP server: status 3" 3 "$regcli" -r "https://${P#http://}" --registry-connect-timeout 0.5 --registry-retries 1 id 1
check "https to a plain HTTP server: the connect timeout" has "$tmp/err" "timed out after 0.5 s (2 attempts)"
stop d
rc "bad --registry-timeout: status 2" 2 "$regcli" -r "$P" --registry-timeout 0 id 1
rc "missing --registry-ca: status 2" 2 "$regcli" -r "$P" --registry-ca "$tmp/nope.pem" id 1
check "missing --registry-ca: named" has "$tmp/err" "--registry-ca $tmp/nope.pem: No such file"
rc "--registry-key without --registry-cert: status 2" 2 "$regcli" -r "$P" --registry-key "$tmp/A.avsc" id 1
rc "auth file and token file: status 2" 2 "$regcli" -r "$P" --registry-auth-file "$tmp/auth" --registry-token-file "$tmp/token" id 1
rc "ftp:// refused: status 2" 2 "$regcli" -r ftp://x id 1

# ---- file: registry ----
rc "file: by id" 0 "$regcli" -r "file:$reg" id 1
printf 'id=1 version=0 subject=-\n%s\n' "$A" >"$tmp/want"
same_bytes "file: by id: the schema text" "$tmp/want" "$tmp/out"
rc "file: latest" 0 "$regcli" -r "file://$reg" subject wiki-value latest
check "file: latest is the highest version" has "$tmp/out" "id=9 version=3 subject=wiki-value"
rc "file: version 1" 0 "$regcli" -r "file:$reg" subject wiki-value 1
check "file: version 1 is id 1" has "$tmp/out" "id=1 version=1"
rc "file: unknown id" 1 "$regcli" -r "file:$reg" id 99
check "file: unknown id: 40403" has "$tmp/err" "schema id 99 not found (40403"
rc "file: PROTOBUF refused" 1 "$regcli" -r "file:$reg" id 7
printf '{"type": "record", "name": "N", "fields": []}' >"$tmp/N.avsc"
printf '{"fields":[],"name":"N","type":"record"}' >"$tmp/N2.avsc"
rc "file: register" 0 "$regcli" -r "file:$reg" register fresh "$tmp/N.avsc"
check "file: register: a new id" test "$(cat "$tmp/out")" = "id=10"
check "file: register: wrote the id" test -f "$reg/schemas/ids/10.json"
check "file: register: wrote version 1" test -f "$reg/subjects/fresh/versions/1.json"
check "file: register: no temporary files left" test -z "$(find "$reg" -name '*.tmp*')"
rc "file: register again (reformatted)" 0 "$regcli" -r "file:$reg" register fresh "$tmp/N2.avsc"
check "file: register again: the same id" test "$(cat "$tmp/out")" = "id=10"
check "file: register again: no new version" test ! -f "$reg/subjects/fresh/versions/2.json"
rc "file: lookup" 0 "$regcli" -r "file:$reg" lookup fresh "$tmp/N2.avsc"
check "file: lookup: id and version" has "$tmp/out" "id=10 version=1 subject=fresh"
rc "file: register a second version" 0 "$regcli" -r "file:$reg" register fresh "$tmp/B.avsc" subject fresh latest
check "file: second version: id of the equal schema, version 2" has "$tmp/out" "id=2 version=2 subject=fresh"
rc "file: missing directory: status 2" 2 "$regcli" -r "file:$tmp/nope" id 1

# ---- franz-go's srfake, a third-party registry ----
need_srfake || exit 0
serve s "$srfake" || exit 0
S=$URL
rc "srfake: register two versions" 0 "$regcli" -r "$S" register wiki-value "$tmp/A.avsc" register wiki-value "$tmp/B.avsc"
sid1=$(curl -s "$S/subjects/wiki-value/versions/1" | jq .id)
sid2=$(curl -s "$S/subjects/wiki-value/versions/2" | jq .id)
check "srfake: the ids the server gives" test "$(cat "$tmp/out")" = "$(printf 'id=%s\nid=%s' "$sid1" "$sid2")"
curl -s "$S/schemas/ids/$sid2" | jq -r .schema >"$tmp/want.schema"
rc "srfake: by id" 0 "$regcli" -r "$S" id "$sid2"
tail -n +2 "$tmp/out" >"$tmp/got.schema"
same_bytes "srfake: by id: the server's schema text" "$tmp/want.schema" "$tmp/got.schema"
rc "srfake: latest" 0 "$regcli" -r "$S" subject wiki-value latest
check "srfake: latest is version 2" has "$tmp/out" "id=$sid2 version=2 subject=wiki-value"
rc "srfake: version 1" 0 "$regcli" -r "$S" subject wiki-value 1
check "srfake: version 1" has "$tmp/out" "id=$sid1 version=1 subject=wiki-value"
rc "srfake: lookup" 0 "$regcli" -r "$S" lookup wiki-value "$tmp/A.avsc"
check "srfake: lookup finds version 1" has "$tmp/out" "id=$sid1 version=1 subject=wiki-value"
rc "srfake: unknown id" 1 "$regcli" -r "$S" id 999
check "srfake: unknown id: 40403" has "$tmp/err" "(40403"
rc "srfake: unknown version" 1 "$regcli" -r "$S" subject wiki-value 7
check "srfake: unknown version: 40402" has "$tmp/err" "(40402"
rc "srfake: odd subject" 0 "$regcli" -r "$S" register "a/b c" "$tmp/Z.avsc" subject "a/b c" latest
check "srfake: odd subject round trip" has "$tmp/out" "version=1 subject=a/b c"

# registry-snapshot, then the same answers from the snapshot
snap=$tmp/snap
rc "registry-snapshot" 0 "$snapshot" "$S" "$snap"
check "registry-snapshot: odd subject file name" test -f "$snap/subjects/a%2Fb c/versions/1.json"
same_answers() {
	local name=$1
	shift
	"$regcli" -r "$S" "$@" >"$tmp/live" 2>&1
	"$regcli" -r "file:$snap" "$@" >"$tmp/snapped" 2>&1
	same_bytes "snapshot answers like the server: $name" "$tmp/live" "$tmp/snapped"
}
same_answers "id $sid1" id "$sid1"
same_answers "id $sid2" id "$sid2"
same_answers "version 1" subject wiki-value 1
same_answers "latest" subject wiki-value latest
same_answers "odd subject" subject "a/b c" latest
same_answers "lookup" lookup wiki-value "$tmp/B.avsc"
rc "snapshot: unknown id, as on the server" 1 "$regcli" -r "file:$snap" id 999
check "snapshot: unknown id: 40403" has "$tmp/err" "schema id 999 not found (40403"
stop s
serve s "$srfake" -auth "Basic $(printf 'bob:pw-xyz' | base64)" || exit 0
rc "srfake with auth: regcli" 0 env SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=bob:pw-xyz "$regcli" -r "$URL" register x "$tmp/A.avsc"
rc "registry-snapshot with credentials" 0 env SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=bob:pw-xyz "$snapshot" "$URL" "$tmp/snap2"
check "registry-snapshot with credentials: copied" test -f "$tmp/snap2/subjects/x/versions/1.json"
rc "registry-snapshot without credentials: fails" 3 "$snapshot" "$URL" "$tmp/snap3"
stop s
