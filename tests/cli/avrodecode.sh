# avrodecode with its inputs and registries: tagged bodies of several schema
# ids in one stream, reader schemas from a file or a subject, bad records under
# each policy, registry faults, tombstones, --print-schema, usage errors.
suite=avrodecode
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
regdouble=${REGDOUBLE:-$UNITDIR/../regdouble}
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN

# A file registry: ids 1 and 2 are versions 1 and 2 of subject t-value; 7 is PROTOBUF.
reg=$tmp/reg
A='{"type":"record","name":"A","namespace":"t","fields":[{"name":"x","type":"int"}]}'
B='{"type":"record","name":"A","namespace":"t","fields":[{"name":"x","type":"int"},{"name":"y","type":["null","string"],"default":null}]}'
mkdir -p "$reg/schemas/ids" "$reg/subjects/t-value/versions"
jstr() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
echo "{\"schema\":$(jstr "$A")}" >"$reg/schemas/ids/1.json"
echo "{\"schema\":$(jstr "$B")}" >"$reg/schemas/ids/2.json"
echo '{"schemaType":"PROTOBUF","schema":"syntax = \"proto3\"; message M {}"}' >"$reg/schemas/ids/7.json"
echo "{\"subject\":\"t-value\",\"version\":1,\"id\":1,\"schema\":$(jstr "$A")}" >"$reg/subjects/t-value/versions/1.json"
echo "{\"subject\":\"t-value\",\"version\":2,\"id\":2,\"schema\":$(jstr "$B")}" >"$reg/subjects/t-value/versions/2.json"
printf '%s\n' "$A" >"$tmp/A.avsc"
printf '%s\n' "$B" >"$tmp/B.avsc"

# rec HEX: one record of the stream holding those bytes; null: a null record
rec() {
	if [ "$1" = null ]; then printf '\377\377\377\377'; return; fi
	printf '%08x' $((${#1} / 2)) | xxd -r -p
	printf '%s' "$1" | xxd -r -p
}
# Tagged bodies: id 1 {x:1}; id 2 {x:2, y:"hi"}; id 2 {x:3, y:null}
T1=0000000102 T2=000000020402046869 T3=000000020600

run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/st"; }
status_is() { [ "$(cat "$tmp/st")" -eq "$1" ]; }
out_is() { [ "$(cat "$tmp/out")" = "$1" ]; }
err_has() { grep -qF -- "$1" "$tmp/err"; }
err_empty() { [ ! -s "$tmp/err" ]; }

{ rec $T1; rec $T2; rec $T3; } >"$tmp/in"
run avrodecode -r "file:$reg" --out ndjson <"$tmp/in"
check "each record decoded with the schema of its own id" out_is '{"x":1}
{"x":2,"y":"hi"}
{"x":3,"y":null}'
check "... and nothing on stderr" err_empty

SCHEMA_REGISTRY_URL=file:$reg run avrodecode --out ndjson --encoding avro <"$tmp/in"
check "SCHEMA_REGISTRY_URL and the Avro JSON form" out_is '{"x":1}
{"x":2,"y":{"string":"hi"}}
{"x":3,"y":null}'

run avrodecode -r "file:$reg" --reader-schema "$tmp/B.avsc" --out ndjson <"$tmp/in"
check "--reader-schema: the old id gets the new field's default" out_is '{"x":1,"y":null}
{"x":2,"y":"hi"}
{"x":3,"y":null}'

run avrodecode -r "file:$reg" --subject t-value --version 1 --out ndjson <"$tmp/in"
check "--subject --version 1: the new field is dropped" out_is '{"x":1}
{"x":2}
{"x":3}'

run avrodecode -r "file:$reg" --subject t-value --out ndjson <"$tmp/in"
check "--subject: the latest version" out_is '{"x":1,"y":null}
{"x":2,"y":"hi"}
{"x":3,"y":null}'

run avrodecode -r "file:$reg" --subject nope-value <"$tmp/in"
check "--subject that does not exist: status 2" status_is 2
check "... and says so" err_has "nope-value"

rec $T1 | run avrodecode -r "file:$reg"
printf '\000\000\000\007{"x":1}' >"$tmp/want"
same_bytes "record stream out: a length, then the JSON" "$tmp/want" "$tmp/out"

{ rec $T1; rec 0000006302; rec $T3; } >"$tmp/in"
run avrodecode -r "file:$reg" --out ndjson <"$tmp/in"
check "unknown schema id: status 1" status_is 1
check "... the record before it is written" out_is '{"x":1}'
check "... the message names the record, the id and the code" \
    err_has "avrodecode: record 2 at byte 9: schema id 99 not found (40403"
run avrodecode -r "file:$reg" --out ndjson --on-error skip <"$tmp/in"
check "--on-error skip: the others are written" out_is '{"x":1}
{"x":3,"y":null}'
check "... and the count reported" err_has "avrodecode: 1 bad record skipped"
check "... status 0" status_is 0
run avrodecode -r "file:$reg" --out ndjson --on-error null <"$tmp/in"
check "--on-error null: a JSON null in its place" out_is '{"x":1}
null
{"x":3,"y":null}'
check "... and the count reported" err_has "1 bad record written as null"

{ rec $T1; rec 0000000702; } | run avrodecode -r "file:$reg" --out ndjson
check "a PROTOBUF schema id is a bad record" status_is 1
check "... named as such" err_has "schema id 7 is PROTOBUF, not AVRO"

{ rec $T1; rec 000000010280; rec $T3; } | run avrodecode -r "file:$reg" --out ndjson
check "trailing bytes: status 1" status_is 1
check "... the offset counts the id" err_has "record 2 at byte 9: schema id 1, body byte 1: 1 trailing bytes"

{ rec $T1; rec 000001; } | run avrodecode -r "file:$reg" --out ndjson --on-error null
check "a tagged body too short for an id" out_is '{"x":1}
null'
check "... is a bad record" err_has "written as null"

{ rec $T1; rec null; rec $T3; } >"$tmp/in"
run avrodecode -r "file:$reg" --out ndjson <"$tmp/in"
check "a tombstone is the line null in NDJSON" out_is '{"x":1}
null
{"x":3,"y":null}'
run avrodecode -r "file:$reg" <"$tmp/in"
{ printf '\000\000\000\007{"x":1}\377\377\377\377\000\000\000\020{"x":3,"y":null}'; } >"$tmp/want"
same_bytes "a tombstone stays a null record in the stream" "$tmp/want" "$tmp/out"

rec 02 | run avrodecode --schema "$tmp/A.avsc" --out ndjson
check "--schema: bare bodies" out_is '{"x":1}'
rec 02 | run avrodecode -r "file:$reg" --schema-id 1 --out ndjson
check "--schema-id: bare bodies, schema from the registry" out_is '{"x":1}'
rec 02 | run avrodecode -r "file:$reg" --schema-id 99 --out ndjson
check "--schema-id that does not exist: status 2" status_is 2

run avrodecode --print-schema --schema "$tmp/B.avsc"
check "--print-schema: Spark's tree" out_is 'root
 |-- x: integer (nullable = false)
 |-- y: string (nullable = true)'
{ rec $T1; rec $T2; rec $T3; } | run avrodecode --print-schema -r "file:$reg"
check "--print-schema on tagged input: once per id" out_is 'schema id 1:
root
 |-- x: integer (nullable = false)
schema id 2:
root
 |-- x: integer (nullable = false)
 |-- y: string (nullable = true)'
run avrodecode --print-schema --schema "$TESTS/fixtures/wikimedia-value.avsc"
check "--print-schema: nested records" grep -qxF ' |    |-- offset: long (nullable = true)' "$tmp/out"

# Registry over HTTP: the double, with faults.
if [ -x "$regdouble" ]; then
	exec {dfd}> >(exec "$regdouble" --log "$tmp/log" --fail 503,500 "$reg" >"$tmp/url" 2>"$tmp/derr")
	URL=$(started URL "$tmp/url")
	{ for _ in $(seq 100); do rec $T1; rec 0000006302; rec $T3; done; } >"$tmp/in"
	run avrodecode -r "$URL" --out ndjson --on-error skip <"$tmp/in"
	check "HTTP registry after 503 and 500: every good record" test "$(grep -c . "$tmp/out")" -eq 200
	check "... 100 records of an unknown id skipped" err_has "100 bad records skipped"
	check "... one request per id, whatever the record count" \
	    test "$(grep -c 'GET /schemas/ids/' "$tmp/log")" -eq 5
	exec {dfd}>&-
else
	notok "regdouble built" "missing: $regdouble"
fi
rec $T1 | run avrodecode -r http://127.0.0.1:1 --registry-retries 1 --registry-timeout 2
check "registry unreachable: status 3" status_is 3
check "... nothing written" out_is ''

run avrodecode </dev/null
check "tagged input without a registry: status 2" status_is 2
check "... the message says what to give" err_has "give -r URL or set SCHEMA_REGISTRY_URL"
run avrodecode --schema "$tmp/A.avsc" --schema-id 1
check "--schema with --schema-id: status 2" status_is 2
run avrodecode --version 2 -r "file:$reg"
check "--version without --subject: status 2" status_is 2
run avrodecode --encoding xml
check "--encoding xml: status 2" status_is 2
printf '{"type":"record"}' >"$tmp/bad.avsc"
run avrodecode --schema "$tmp/bad.avsc"
check "an invalid schema file: status 2" status_is 2
check "... with avro-c's reason" err_has "invalid schema"
rec 02 | run avrodecode --schema "$tmp/A.avsc" --fields nope
check "--fields naming no field: status 2" status_is 2
check "... names the field" err_has 'no field "nope"'

"$BIN/gen-events" -n 20000 --format bodies >"$tmp/big"
mkdir -p "$tmp/wreg/schemas/ids"
echo "{\"schema\":$(jstr "$(cat "$TESTS/fixtures/wikimedia-value.avsc")")}" >"$tmp/wreg/schemas/ids/1.json"
(trap '' PIPE; avrodecode -r "file:$tmp/wreg" --out ndjson <"$tmp/big" | head -c 100 >/dev/null) 2>"$tmp/err"
check "| head: a quiet end" err_empty
avrodecode -r "file:$tmp/wreg" --out ndjson <"$tmp/big" >"$tmp/all.json"
check "20,000 generated events decode" test "$(wc -l <"$tmp/all.json")" -eq 20000
avrodecode -r "file:$tmp/wreg" --out ndjson --fields type,bot,timestamp <"$tmp/big" >"$tmp/proj.json"
check "projection gives the same values as the full decode" \
    cmp -s "$tmp/proj.json" <(python3 -c '
import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); print(json.dumps({k:d[k] for k in ("bot","timestamp","type")},separators=(",",":"),ensure_ascii=False))' "$tmp/all.json")

# --framed: Confluent frames in, the output and messages of cfdeframe | avrodecode
"$BIN/gen-events" -n 5000 --format frames --schema-id 1 >"$tmp/frames"
avrodecode --framed -r "file:$tmp/wreg" --out ndjson --fields type,bot,timestamp <"$tmp/frames" >"$tmp/framed.json"
"$BIN/cfdeframe" <"$tmp/frames" | avrodecode -r "file:$tmp/wreg" --out ndjson --fields type,bot,timestamp >"$tmp/piped.json"
check "--framed: 5,000 frames decode as cfdeframe | avrodecode does" \
    eval 'cmp -s "$tmp/framed.json" "$tmp/piped.json" && [ "$(wc -l <"$tmp/framed.json")" -eq 5000 ]'
F1=000000000102 F2=00000000020402046869
{ rec $F1; rec 01000000010a; rec 00000000 ; rec $F2; } >"$tmp/badframes"
run avrodecode --framed -r "file:$reg" --out ndjson <"$tmp/badframes"
check "--framed, a bad magic byte: status 1" status_is 1
check "... the good frame before it written" out_is '{"x":1}'
check "... the message names the record and the byte" \
    err_has "record 2 at byte 10: bad magic byte 0x01 (expected 0x00): not a Confluent frame"
"$BIN/cfdeframe" <"$tmp/badframes" 2>&1 >/dev/null | sed 's/^cfdeframe/avrodecode/' >"$tmp/cferr"
check "... as cfdeframe says it" cmp -s "$tmp/err" "$tmp/cferr"
run avrodecode --framed -r "file:$reg" --out ndjson --on-error skip <"$tmp/badframes"
check "--framed --on-error skip: the two good frames" out_is '{"x":1}
{"x":2,"y":"hi"}'
check "... both bad frames counted" err_has "2 bad records skipped"
{ rec $F1; rec 00000000; } | run avrodecode --framed -r "file:$reg" --out ndjson
check "--framed, a short frame: status 1, the message names it" \
    eval 'status_is 1 && err_has "record 2 at byte 10: frame of 4 bytes is shorter than the 5-byte Confluent header"'
rec 000000000702 | run avrodecode --framed --schema "$tmp/A.avsc" --out ndjson
check "--framed --schema: the frame's id is ignored" out_is '{"x":1}'

# --until: with --stamped, records at or past their partition's offset dropped
stamped() { printf 'wikimedia %s %s 1700000000000 ' "$1" "$2"; rec "$3"; }
{ stamped 0 5 $F1; stamped 1 7 $F2; stamped 0 6 $F2; stamped 1 8 $F1; stamped 2 0 $F1; } >"$tmp/st"
run avrodecode --framed --stamped --until 0:6,1:8 -r "file:$reg" --out ndjson <"$tmp/st"
check "--until 0:6,1:8: the records before those offsets, and all of partition 2" out_is '{"x":1}
{"x":2,"y":"hi"}
{"x":1}'
check "... the dropped ones counted at exit" err_has "summary: 2 records at or past the --until offsets dropped"
run avrodecode --until 0:6 -r "file:$reg" </dev/null
check "--until without --stamped: status 2" status_is 2
run avrodecode --stamped --until 0:x -r "file:$reg" </dev/null
check "--until 0:x: status 2, the expected form named" \
    eval 'status_is 2 && err_has "expected partition:offset[,partition:offset...]"'
