# avroencode from the command line: schema sources (file and id, subject,
# version, --register on a file registry), both inputs, renames, unknown
# keys, tombstones, every kind of bad record with its JSON path, usage errors.
suite=avroencode
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN

S='{"type":"record","name":"E","namespace":"t","fields":[{"name":"a","type":"int"},{"name":"meta","type":["null",{"type":"record","name":"M","fields":[{"name":"offset","type":["null","long"],"default":null}]}],"default":null},{"name":"e","type":{"type":"enum","name":"En","symbols":["X","Y"]},"default":"X"},{"name":"f","type":{"type":"fixed","name":"F2","size":2},"default":"ab"},{"name":"b","type":"bytes","default":""}]}'
printf '%s\n' "$S" >"$tmp/e.avsc"
S2='{"type":"record","name":"E","namespace":"t","fields":[{"name":"a","type":"long"},{"name":"c","type":"string","default":"c"}]}'
printf '%s\n' "$S2" >"$tmp/e2.avsc"

run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/st"; }
status_is() { [ "$(cat "$tmp/st")" -eq "$1" ]; }
hex_is() { [ "$(xxd -p "$tmp/out" | tr -d '\n')" = "$1" ]; }
err_has() { grep -qF -- "$1" "$tmp/err"; }
# {"a":1}: a=1 (02), meta null (00), e X (00), f "ab" (6162), b "" (00)
B1=0200006162 B5=0a00006162

echo '{"a":1}' | run avroencode --schema "$tmp/e.avsc" --schema-id 7 --in ndjson
check "--schema --schema-id: a tagged body, defaults filled" hex_is 0000000a00000007${B1}00
echo '{"a":1}' | run avroencode --schema "$tmp/e.avsc" --bare --in ndjson
check "--bare: the body alone" hex_is 00000006${B1}00
printf '\000\000\000\007{"a":1}' | run avroencode --schema "$tmp/e.avsc" --bare
check "record stream in" hex_is 00000006${B1}00
printf '{"a":1}\n\n  \n{"a":5}\r\n' | run avroencode --schema "$tmp/e.avsc" --bare --in ndjson
check "NDJSON: blank lines skipped, CRLF taken" hex_is 00000006${B1}0000000006${B5}00
printf '\377\377\377\377\000\000\000\007{"a":1}' | run avroencode --schema "$tmp/e.avsc" --bare
check "a tombstone stays a null record" hex_is ffffffff00000006${B1}00

echo '{"$a":1}' | run avroencode --schema "$tmp/e.avsc" --bare --in ndjson --rename '$a=a'
check "--rename" hex_is 00000006${B1}00
echo '{"a":1,"zz":{"deep":[1]},"meta":{"offset":3,"other":true}}' |
	run avroencode --schema "$tmp/e.avsc" --bare --in ndjson --ignore-unknown
check "--ignore-unknown drops keys at every level" hex_is 000000080202020600616200

# Bad records: the good one before is written, the message has the path.
bad() {
	local name=$1 json=$2 msg=$3
	printf '{"a":1}\n%s\n' "$json" | run avroencode --schema "$tmp/e.avsc" --bare --in ndjson
	if status_is 1 && hex_is 00000006${B1}00 && err_has "avroencode: record 2 at byte 8: $msg"; then
		ok "$name"
	else
		notok "$name" "status $(cat "$tmp/st"): $(cat "$tmp/err")"
	fi
}
bad "wrong type, with the JSON path" '{"a":2,"meta":{"offset":"12a"}}' '$.meta.offset: expected one of null, long, got string "12a"'
bad "int out of range" '{"a":4294967296}' '$.a: 4294967296 is out of range for int'
bad "a fraction for an int" '{"a":1.5}' '$.a: expected int, got number 1.5'
bad "enum symbol not in the schema" '{"a":1,"e":"Z"}' '$.e: "Z" is not a symbol of enum t.En'
bad "fixed of the wrong size" '{"a":1,"f":"abc"}' '$.f: expected 2 bytes for fixed t.F2, got 3'
bad "bytes above U+00FF" '{"a":1,"b":"\u0100"}' '$.b: invalid bytes: a character above U+00FF'
bad "missing field without a default" '{"meta":null}' '$: missing field "a" (no default)'
bad "unknown field" '{"a":1,"zz":1}' '$: unknown field "zz" (not in record t.E; --ignore-unknown drops it)'
bad "invalid JSON" '{"a":1' 'invalid JSON at byte 6 of the record: expected'
bad "trailing garbage" '{"a":1} x' 'invalid JSON at byte 8 of the record: trailing characters'
bad "invalid UTF-8 in a string" "$(printf '{"a":1,"meta":{"offset":null},"e":"\377"}')" '$.e: invalid string'
bad "a lone surrogate escape" '{"a":1,"e":"\ud800"}' '$.e: invalid string'
bad "not an object" '[1,2]' '$: expected an object (record), got an array'

printf '{"a":1}\n{"a":"x"}\n{"a":5}\n' | run avroencode --schema "$tmp/e.avsc" --bare --in ndjson --on-error skip
check "--on-error skip: the others written" hex_is 00000006${B1}0000000006${B5}00
check "... the count reported" err_has "avroencode: 1 bad record skipped"
check "... status 0" status_is 0

# Registry: a file registry, register, subject, version.
reg=$tmp/reg
mkdir "$reg"
echo '{"a":1}' | run avroencode --schema "$tmp/e.avsc" -r "file:$reg" --subject t-value --register --in ndjson
check "--register on a new file registry" status_is 0
check "... the id is 1" hex_is 0000000a00000001${B1}00
check "... the schema is stored by id" test -s "$reg/schemas/ids/1.json"
check "... and as version 1 of the subject" test -s "$reg/subjects/t-value/versions/1.json"
echo '{"a":1}' | run avroencode --schema "$tmp/e.avsc" -r "file:$reg" --subject t-value --register --in ndjson
check "--register again: the same id" hex_is 0000000a00000001${B1}00
echo '{"a":1}' | run avroencode --schema "$tmp/e2.avsc" -r "file:$reg" --subject t-value --register --in ndjson
check "--register a new version: a new id" hex_is 0000000700000002020263
echo '{"a":1}' | SCHEMA_REGISTRY_URL=file:$reg run avroencode --subject t-value --in ndjson
check "--subject: the latest version and its id" hex_is 0000000700000002020263
echo '{"a":1}' | run avroencode -r "file:$reg" --subject t-value --version 1 --in ndjson
check "--subject --version 1" hex_is 0000000a00000001${B1}00
echo '{"a":1}' | run avroencode -r "file:$reg" --subject nope --in ndjson
check "--subject the registry lacks: status 2" status_is 2
check "... says so" err_has "--subject nope"
echo '{"a":1}' | run avroencode -r http://127.0.0.1:1 --registry-retries 0 --subject t-value --in ndjson
check "registry unreachable: status 3" status_is 3

# Both forms come back through avrodecode.
printf '{"a":7,"meta":{"offset":9},"e":"Y","f":"\\u0000\303\277","b":"\303\251"}\n' >"$tmp/plain.json"
avroencode --schema "$tmp/e.avsc" --bare --in ndjson <"$tmp/plain.json" |
	avrodecode --schema "$tmp/e.avsc" --out ndjson >"$tmp/back.json"
check "avroencode | avrodecode gives the JSON back" cmp -s "$tmp/plain.json" "$tmp/back.json"
avroencode --schema "$tmp/e.avsc" --bare --in ndjson <"$tmp/plain.json" |
	avrodecode --schema "$tmp/e.avsc" --encoding avro --out ndjson >"$tmp/avro.json"
avroencode --schema "$tmp/e.avsc" --bare --in ndjson --encoding avro <"$tmp/avro.json" |
	avrodecode --schema "$tmp/e.avsc" --out ndjson >"$tmp/back2.json"
check "... and through the Avro JSON form" cmp -s "$tmp/plain.json" "$tmp/back2.json"
check "... which wraps the union" grep -qF '"meta":{"t.M":{"offset":{"long":9}}}' "$tmp/avro.json"

"$BIN/gen-events" -n 5000 --format ndjson >"$tmp/ev.json"
"$BIN/gen-events" -n 5000 --format bodies >"$tmp/ev.bodies"
avroencode --in ndjson --schema "$TESTS/fixtures/wikimedia-value.avsc" --schema-id 1 \
    --rename '$schema=schema' <"$tmp/ev.json" >"$tmp/ev.out"
same_bytes "5,000 generated events: the bodies gen-events writes itself" "$tmp/ev.bodies" "$tmp/ev.out"

run avroencode --schema "$tmp/e.avsc"
check "--schema without an id or --bare: status 2" status_is 2
run avroencode
check "no schema: status 2" status_is 2
run avroencode --schema "$tmp/e.avsc" --subject x
check "--schema with --subject but no --register: status 2" status_is 2
run avroencode --schema "$tmp/e.avsc" --bare --encoding xml
check "--encoding xml: status 2" status_is 2
run avroencode --schema "$tmp/e.avsc" --bare --rename nothing
check "--rename without =: status 2" status_is 2
