# Confluent schema references (common/registry.c): a schema naming types
# another subject defines, resolved from a file: registry, from regdouble
# serving it over REST, and from franz-go's srfake; the schema handed to the
# tools is self-contained. Oracles: fastavro parsing the referenced schemas
# into one name space (as confluent-kafka-python does), and
# confluent-kafka-python's AvroSerializer/AvroDeserializer against srfake.
suite=registry-refs
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
regcli=${REGCLI:-$UNITDIR/../regcli}
regdouble=${REGDOUBLE:-$UNITDIR/../regdouble}
oracle=$TESTS/registry/refs_oracle.py
snapshot=$TESTS/../scripts/registry-snapshot
py_env

. "$TESTS/registry/reglib.sh"

# mk SUBJECT VERSION ID SCHEMA [REFS [TYPE]]: a version of a subject and its id in the file: registry $reg
reg=$tmp/reg
mk() {
	local s=$1 v=$2 id=$3 sc=$4 refs=${5:-null} type=${6:-}
	mkdir -p "$reg/schemas/ids" "$reg/subjects/$s/versions"
	jq -cn --arg s "$sc" --argjson r "$refs" --arg t "$type" \
	    '{schema:$s} + (if $t != "" then {schemaType:$t} else {} end) + (if $r then {references:$r} else {} end)' \
	    >"$reg/schemas/ids/$id.json"
	jq -cn --arg sub "$s" --argjson v "$v" --argjson id "$id" --arg s "$sc" --argjson r "$refs" --arg t "$type" \
	    '{subject:$sub,version:$v,id:$id,schema:$s} + (if $t != "" then {schemaType:$t} else {} end) + (if $r then {references:$r} else {} end)' \
	    >"$reg/subjects/$s/versions/$v.json"
}
ref() { printf '{"name":"%s","subject":"%s","version":%s}' "$1" "$2" "$3"; }

# The schemas: Order (com.acme) names Address twice, Person (which names
# Address again: a reference used twice) and Country (only through Address:
# references of references), the short name "Address" in the namespace
# com.acme, a record of another namespace naming com.acme.Address, and Money
# of the null namespace from there (Java's parser falls back to it). Event is
# a union of two referenced types, Confluent's several-types-in-a-topic form.
COUNTRY='{"type":"enum","name":"Country","namespace":"com.acme","symbols":["NL","FR","DE"]}'
MONEY='{"type":"fixed","name":"Money","size":4}'
ADDRESS='{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},{"name":"country","type":"Country"}]}'
PERSON='{"type":"record","name":"com.acme.Person","fields":[{"name":"name","type":"string"},{"name":"home","type":"com.acme.Address"},{"name":"tags","type":{"type":"array","items":"string"}}]}'
ORDER='{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"ship","type":"Address"},{"name":"bill","type":["null","Address"]},{"name":"buyer","type":"Person"},{"name":"origin","type":"Country"},{"name":"note","type":{"type":"record","name":"Note","namespace":"org.other","fields":[{"name":"at","type":"com.acme.Address"},{"name":"memo","type":{"type":"record","name":"Memo","namespace":"","fields":[{"name":"cost","type":"Money"}]}}]}},{"name":"by_city","type":{"type":"map","values":"com.acme.Person"}}]}'
EVENT='["com.acme.Order","com.acme.Person"]'
mk country-value 1 1 "$COUNTRY"
mk money-value 1 2 "$MONEY"
mk address-value 1 3 "$ADDRESS" "[$(ref com.acme.Country country-value 1)]"
mk person-value 1 4 "$PERSON" "[$(ref com.acme.Address address-value 1)]"
mk order-value 1 5 "$ORDER" "[$(ref com.acme.Address address-value 1),$(ref com.acme.Person person-value 1),$(ref Money money-value 1)]"
mk event-value 1 6 "$EVENT" "[$(ref com.acme.Order order-value 1),$(ref com.acme.Person person-value 1)]"
# The self-contained equivalents, written by hand: each definition at its first use.
ADDRESS_SELF='{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"},{"name":"country","type":{"type":"enum","name":"Country","namespace":"com.acme","symbols":["NL","FR","DE"]}}]}'
PERSON_IN='{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"home","type":"com.acme.Address"},{"name":"tags","type":{"type":"array","items":"string"}}]}'
ORDER_SELF='{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"ship","type":'$ADDRESS_SELF'},{"name":"bill","type":["null","Address"]},{"name":"buyer","type":'$PERSON_IN'},{"name":"origin","type":"Country"},{"name":"note","type":{"type":"record","name":"Note","namespace":"org.other","fields":[{"name":"at","type":"com.acme.Address"},{"name":"memo","type":{"type":"record","name":"Memo","namespace":"","fields":[{"name":"cost","type":{"type":"fixed","name":"Money","namespace":"","size":4}}]}}]}},{"name":"by_city","type":{"type":"map","values":"com.acme.Person"}}]}'
printf '%s\n' "$ORDER_SELF" >"$tmp/order-self.avsc"
for s in COUNTRY MONEY ADDRESS PERSON ORDER EVENT; do printf '%s\n' "${!s}" >"$tmp/$s.avsc"; done

# ---- file: registry ----
rc "file: by id: a record whose references have references" 0 "$regcli" -r "file:$reg" id 5
tail -n +2 "$tmp/out" >"$tmp/order.got"
check "file: by id: id 5, no subject" has "$tmp/out" "id=5 version=0 subject=-"
jq -c . <<<"$ORDER_SELF" >"$tmp/order.want"
same_bytes "file: by id: each referenced type defined at its first use, full name spelt out" "$tmp/order.want" "$tmp/order.got"
rc "file: subject latest: the same text, the referencing version and id" 0 "$regcli" -r "file:$reg" subject order-value latest
check "file: subject latest: id 5, version 1 of order-value" has "$tmp/out" "id=5 version=1 subject=order-value"
tail -n +2 "$tmp/out" >"$tmp/order.got2"
same_bytes "file: subject latest: the text by id" "$tmp/order.want" "$tmp/order.got2"
rc "file: a referenced schema by itself" 0 "$regcli" -r "file:$reg" subject address-value 1
check "file: a referenced schema by itself: its own reference put in" has "$tmp/out" '"name":"country","type":{"type":"enum","name":"Country","namespace":"com.acme"'
rc "file: a union of referenced types" 0 "$regcli" -r "file:$reg" id 6
tail -n +2 "$tmp/out" >"$tmp/event.got"
check "file: a union of referenced types: Order defined (with Person inside), then Person named" \
    test "$(jq -r '.[0].name, .[1]' "$tmp/event.got" | tr '\n' ' ')" = "Order com.acme.Person "
rc "file: a schema without references: the text as stored" 0 "$regcli" -r "file:$reg" id 1
check "file: a schema without references: the text as stored, unchanged" test "$(tail -n +2 "$tmp/out")" = "$COUNTRY"

# the tools read the expanded text: avroencode with the subject's schema, avrodecode by id
printf '%s\n' \
  '{"ship":{"street":"Main 1","country":"NL"},"bill":null,"buyer":{"name":"Ann","home":{"street":"Elm 2","country":"FR"},"tags":["a"]},"origin":"DE","note":{"at":{"street":"x","country":"NL"},"memo":{"cost":"\u0000\u0001\u0002ÿ"}},"by_city":{}}' \
  '{"ship":{"street":"","country":"FR"},"bill":{"street":"Bill St","country":"DE"},"buyer":{"name":"Bo","home":{"street":"h","country":"NL"},"tags":[]},"origin":"NL","note":{"at":{"street":"y","country":"DE"},"memo":{"cost":"abcd"}},"by_city":{"Paris":{"name":"C","home":{"street":"z","country":"FR"},"tags":["p","q"]}}}' \
  >"$tmp/orders.json"
rc "avroencode --subject order-value (latest has references)" 0 avroencode --in ndjson -r "file:$reg" --subject order-value <"$tmp/orders.json"
cp "$tmp/out" "$tmp/orders.bin"
check "avroencode: the bodies carry the referencing schema's id 5" test "$(xxd -p -s 4 -l 4 "$tmp/orders.bin")" = 00000005
rc "avroencode --print-id: the referencing id" 0 avroencode -r "file:$reg" --subject order-value --print-id
check "avroencode --print-id: 5" test "$(cat "$tmp/out")" = 5
rc "avrodecode by id 5: decodes" 0 avrodecode -r "file:$reg" --out ndjson <"$tmp/orders.bin"
same_bytes "avrodecode: the values avroencode read" "$tmp/orders.json" "$tmp/out"
rc "avroencode --schema (self-contained equivalent) --bare" 0 avroencode --in ndjson --schema "$tmp/order-self.avsc" --bare <"$tmp/orders.json"
cp "$tmp/out" "$tmp/orders-self.bin"
rc "avroencode --subject --bare" 0 avroencode --in ndjson -r "file:$reg" --subject order-value --bare <"$tmp/orders.json"
same_bytes "the bodies of the expanded schema are those of its self-contained equivalent" "$tmp/orders-self.bin" "$tmp/out"
rc "avrodecode --print-schema --schema-id 5" 0 avrodecode --print-schema -r "file:$reg" --schema-id 5
check "avrodecode --print-schema: Money, of the null namespace, as a fixed" has "$tmp/out" "cost: binary"
# Java's parser falls back to the null namespace for a name not found in the
# enclosing one (fastavro does not): the definition put there says "namespace": ""
mk fallback-value 1 7 '{"type":"record","name":"F","namespace":"com.x","fields":[{"name":"m","type":"Money"}]}' "[$(ref Money money-value 1)]"
rc "a null-namespace type named in a namespace" 0 "$regcli" -r "file:$reg" id 7
check "a null-namespace type named in a namespace: defined with \"namespace\": \"\"" has "$tmp/out" '{"name":"m","type":{"type":"fixed","name":"Money","namespace":"","size":4}}'
printf '\0\0\0\10\0\0\0\7abcd' | avrodecode -r "file:$reg" --out ndjson --encoding avro >"$tmp/out" 2>"$tmp/err"
check "a null-namespace type named in a namespace: decodes" has "$tmp/out" '{"m":"abcd"}'

# fastavro as Confluent's clients read references (named_schemas), against the expansion
if "$py" -c 'import fastavro' 2>/dev/null; then
	"$py" "$oracle" pcf "$tmp/ORDER.avsc" "$tmp/COUNTRY.avsc" "$tmp/ADDRESS.avsc" "$tmp/PERSON.avsc" "$tmp/MONEY.avsc" >"$tmp/pcf.want" 2>&1
	"$py" "$oracle" pcf "$tmp/order.got" >"$tmp/pcf.got" 2>&1
	same_bytes "fastavro: the expansion is Order read with its references (each type inlined everywhere)" "$tmp/pcf.want" "$tmp/pcf.got"
	"$py" "$oracle" pcf "$tmp/EVENT.avsc" "$tmp/COUNTRY.avsc" "$tmp/ADDRESS.avsc" "$tmp/PERSON.avsc" "$tmp/MONEY.avsc" "$tmp/ORDER.avsc" >"$tmp/pcf.want" 2>&1
	"$py" "$oracle" pcf "$tmp/event.got" >"$tmp/pcf.got" 2>&1
	same_bytes "fastavro: the same for the union Event" "$tmp/pcf.want" "$tmp/pcf.got"
	"$py" - "$tmp/order-self.avsc" "$tmp/orders.json" "$tmp/orders-self.bin" <<'PY' >"$tmp/fa.out" 2>&1
import io, json, struct, sys, fastavro
s = fastavro.parse_schema(json.load(open(sys.argv[1])))
data = open(sys.argv[3], "rb").read()
out, i = [], 0
while i < len(data):
    n = struct.unpack(">i", data[i:i + 4])[0]
    out.append(fastavro.schemaless_reader(io.BytesIO(data[i + 4:i + 4 + n]), s))
    i += 4 + n
want = [json.loads(l) for l in open(sys.argv[2])]
for w in want:
    w["note"]["memo"]["cost"] = w["note"]["memo"]["cost"].encode("latin-1")
print("same" if out == want else "differ: %r" % out)
PY
	check "fastavro decodes the bodies with the self-contained schema to the input" has "$tmp/fa.out" same
else
	missing "fastavro" "$py lacks fastavro: make pyenv"
fi

# ---- bad references: a bad record (status 1) naming the schema and the reference ----
mk cyc-a 1 20 '{"type":"record","name":"A","fields":[{"name":"b","type":["null","B"]}]}' "[$(ref B cyc-b 1)]"
mk cyc-b 1 21 '{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}' "[$(ref A cyc-a 1)]"
mk cyc-self 1 22 '{"type":"record","name":"S","fields":[]}' "[$(ref S cyc-self 1)]"
mk uses-missing 1 23 '{"type":"record","name":"M","fields":[{"name":"x","type":"X"}]}' "[$(ref X nosuch-value 1)]"
mk uses-missing-version 1 24 "$ORDER" "[$(ref com.acme.Address address-value 9)]"
mk proto-value 1 25 'syntax = "proto3"; message P {}' null PROTOBUF
mk uses-proto 1 26 '{"type":"record","name":"M","fields":[{"name":"p","type":"P"}]}' "[$(ref P proto-value 1)]"
for i in $(seq 1 40); do
	mk "deep-$i" 1 $((100 + i)) "{\"type\":\"record\",\"name\":\"D$i\",\"fields\":[{\"name\":\"n\",\"type\":[\"null\",\"D$((i + 1))\"]}]}" \
	    "[$(ref "D$((i + 1))" "deep-$((i + 1))" 1)]"
done
mk deep-41 1 141 '{"type":"record","name":"D41","fields":[]}'
mk addr2-value 1 27 '{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"line","type":"string"}]}'
mk uses-both 1 28 '{"type":"record","name":"M","fields":[{"name":"a","type":"com.acme.Address"}]}' "[$(ref com.acme.Address address-value 1),$(ref other.Address addr2-value 1)]"
mk garbled-ref 1 29 '{"type":"record","name":"M","fields":[]}' '[{"name":"X","version":1}]'
mk not-json-ref 1 30 '{"type":"record","name":"M","fields":[{"name":"x","type":"X"}]}' "[$(ref X notjson-value 1)]"
mk notjson-value 1 31 '{"type":"record",'
mk short-chain 1 32 '{"type":"record","name":"M","fields":[{"name":"d","type":"D10"}]}' "[$(ref D10 deep-10 1)]"
mk refs-same 1 33 '{"type":"record","name":"M","fields":[]}' "[$(ref com.acme.Country country-value 1)]"

rc "cycle: status 1" 1 "$regcli" -r "file:$reg" id 20
check "cycle: the chain named" has "$tmp/err" 'schema id 20: reference cycle: B (subject "cyc-b" version 1) -> A (subject "cyc-a" version 1) -> B (subject "cyc-b" version 1)'
rc "a schema referencing itself: status 1" 1 "$regcli" -r "file:$reg" subject cyc-self 1
check "a schema referencing itself: a cycle" has "$tmp/err" 'subject "cyc-self" version 1: reference cycle: S (subject "cyc-self" version 1) -> S'
rc "missing subject: status 1" 1 "$regcli" -r "file:$reg" id 23
check "missing subject: names the reference and the 40401" has "$tmp/err" 'schema id 23: reference X (subject "nosuch-value" version 1): subject "nosuch-value" version 1 not found (40401'
rc "missing version: status 1" 1 "$regcli" -r "file:$reg" id 24
check "missing version: 40402" has "$tmp/err" 'reference com.acme.Address (subject "address-value" version 9): subject "address-value" version 9 not found (40402'
rc "PROTOBUF reference: status 1" 1 "$regcli" -r "file:$reg" id 26
check "PROTOBUF reference: says so" has "$tmp/err" 'schema id 26: reference P (subject "proto-value" version 1): subject "proto-value" version 1 is PROTOBUF, not AVRO'
rc "40 levels of references: status 1" 1 "$regcli" -r "file:$reg" id 101
check "40 levels of references: too deep" has "$tmp/err" "schema id 101: references nested more than 32 deep"
rc "32 levels of references: resolved" 0 "$regcli" -r "file:$reg" id 32
check "32 levels: all 33 records defined" test "$(tail -n +2 "$tmp/out" | grep -o '"type":"record"' | wc -l)" -eq 33
rc "a type two references define differently: status 1" 1 "$regcli" -r "file:$reg" id 28
check "a type two references define differently: both named" has "$tmp/err" 'schema id 28: type com.acme.Address is defined both by reference com.acme.Address (subject "address-value" version 1) and, differently, by reference other.Address (subject "addr2-value" version 1)'
rc "a referenced schema not JSON: status 1" 1 "$regcli" -r "file:$reg" id 30
check "a referenced schema not JSON: named" has "$tmp/err" 'schema id 30: reference X (subject "notjson-value" version 1) is not JSON'
rc "a reference without a subject: garbled, status 3" 3 "$regcli" -r "file:$reg" id 29
check "a reference without a subject: says which entry" has "$tmp/err" 'garbled answer for schema id 29: "references" entry 1 is not {"name", "subject", "version"}'
printf '%s' '{"type":"record","name":"M","fields":[]}' >"$tmp/M.avsc"
rc "lookup: a stored schema with references is not the same text without them" 1 "$regcli" -r "file:$reg" lookup refs-same "$tmp/M.avsc"
check "lookup: not found (40403)" has "$tmp/err" 'the schema under subject "refs-same" not found (40403'

# the tools: a bad record with the message, the other records decoded
printf '\0\0\0\4\0\0\0\027' >"$tmp/bad.bin"	# a body of schema id 23 (missing reference), nothing else
cat "$tmp/orders.bin" >>"$tmp/bad.bin"
rc "avrodecode: a record of a schema with a missing reference: status 1" 1 avrodecode -r "file:$reg" --out ndjson <"$tmp/bad.bin"
check "avrodecode: the message names the record, the id and the reference" has "$tmp/err" 'reference X (subject "nosuch-value" version 1): subject "nosuch-value" version 1 not found (40401'
rc "avrodecode --on-error skip: the other records" 0 avrodecode -r "file:$reg" --out ndjson --on-error skip <"$tmp/bad.bin"
same_bytes "avrodecode --on-error skip: the good records decoded" "$tmp/orders.json" "$tmp/out"
rc "avroencode --subject with a reference cycle: status 2" 2 avroencode --in ndjson -r "file:$reg" --subject cyc-a </dev/null
check "avroencode --subject with a reference cycle: says so" has "$tmp/err" "--subject cyc-a: subject \"cyc-a\" version latest: reference cycle"

# register: the self-contained schema is another schema than the one with references
rc "register the self-contained Order under order-value" 0 "$regcli" -r "file:$reg" register order-value "$tmp/order-self.avsc" subject order-value latest
check "register: a new id and version 2 (the one with references is not reused)" has "$tmp/out" "version=2 subject=order-value"
check "register: not id 5" sh -c "! grep -q 'id=5 ' '$tmp/out'"

# ---- over REST: regdouble serving the same directory; each reference fetched once ----
serve d "$regdouble" --log "$tmp/d.log" "$reg" || exit 0
rc "REST: by id, then the union, then Order by subject" 0 "$regcli" -r "$URL" id 5 id 6 subject order-value 1 subject person-value 1
tail -n +2 "$tmp/out" | head -1 >"$tmp/rest.got"
same_bytes "REST: the same text as file:" "$tmp/order.want" "$tmp/rest.got"
check "REST: each referenced version asked once" test "$(grep -c 'GET /subjects/address-value/versions/1 ' "$tmp/d.log")$(grep -c 'GET /subjects/country-value/versions/1 ' "$tmp/d.log")$(grep -c 'GET /subjects/person-value/versions/1 ' "$tmp/d.log")" = 112
check "REST: 9 requests (4 asked, 5 referenced once each)" test "$(wc -l <"$tmp/d.log")" -eq 9
rc "REST: missing reference" 1 "$regcli" -r "$URL" id 23
check "REST: missing reference: named" has "$tmp/err" 'schema id 23: reference X (subject "nosuch-value" version 1): subject "nosuch-value" version 1 not found (40401: Subject not found) at http://'
rc "REST: avrodecode" 0 avrodecode -r "$URL" --out ndjson <"$tmp/orders.bin"
same_bytes "REST: avrodecode: the values" "$tmp/orders.json" "$tmp/out"
stop d
serve d "$regdouble" --fail 0,503 --log "$tmp/f.log" "$reg" || exit 0
rc "REST: a reference's registry failing: status 3" 3 "$regcli" -r "$URL" --registry-retries 0 id 3
check "REST: a reference's registry failing: names the reference and the failure" has "$tmp/err" 'schema id 3: reference com.acme.Country (subject "country-value" version 1): registry http://'
rc "REST: asked again, the registry back" 0 "$regcli" -r "$URL" --registry-retries 0 id 3 id 3
check "REST: 4 requests: id 3 and its reference, twice; then cached" test "$(wc -l <"$tmp/f.log")" -eq 4
stop d

# ---- franz-go's srfake: references registered through the REST API ----
need_srfake || exit 0
serve s "$srfake" || exit 0
S=$URL
post() {	# post SUBJECT SCHEMA [REFS]: registers, prints the id
	jq -cn --arg s "$2" --argjson r "${3:-[]}" '{schema:$s,references:$r}' |
	    curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' --data-binary @- "$S/subjects/$1/versions" | jq -e .id
}
ok_post=1
c=$(post country-value "$COUNTRY") && m=$(post money-value "$MONEY") &&
a=$(post address-value "$ADDRESS" "[$(ref com.acme.Country country-value 1)]") &&
p=$(post person-value "$PERSON" "[$(ref com.acme.Address address-value 1)]") &&
o=$(post order-value "$ORDER" "[$(ref com.acme.Address address-value 1),$(ref com.acme.Person person-value 1),$(ref Money money-value 1)]") &&
e=$(post event-value "$EVENT" "[$(ref com.acme.Order order-value 1),$(ref com.acme.Person person-value 1)]") || ok_post=0
check "srfake: registers schemas with references" test "$ok_post" = 1
check "srfake: serves the references" sh -c "curl -sf '$S/schemas/ids/$o' | jq -e '.references | length == 3' >/dev/null"
rc "srfake: by id" 0 "$regcli" -r "$S" id "$o"
tail -n +2 "$tmp/out" >"$tmp/srfake.got"
same_bytes "srfake: the text of the file: registry" "$tmp/order.want" "$tmp/srfake.got"
rc "srfake: subject latest" 0 "$regcli" -r "$S" subject order-value latest
check "srfake: subject latest: the referencing id and version" has "$tmp/out" "id=$o version=1 subject=order-value"
rc "srfake: the union" 0 "$regcli" -r "$S" id "$e"
tail -n +2 "$tmp/out" >"$tmp/srfake-event.got"
check "srfake: the union as from file:" test -s "$tmp/event.got" -a -s "$tmp/srfake-event.got"
same_bytes "srfake: the union as from file: the same text" "$tmp/event.got" "$tmp/srfake-event.got"
rc "srfake: avroencode | avrodecode" 0 sh -c "avroencode --in ndjson -r '$S' --subject order-value <'$tmp/orders.json' | avrodecode -r '$S' --out ndjson"
same_bytes "srfake: avroencode | avrodecode: the values" "$tmp/orders.json" "$tmp/out"
rc "registry-snapshot of srfake" 0 "$snapshot" "$S" "$tmp/snap"
rc "the snapshot: by id" 0 "$regcli" -r "file:$tmp/snap" id "$o"
tail -n +2 "$tmp/out" >"$tmp/snap.got"
same_bytes "the snapshot: the text from srfake" "$tmp/order.want" "$tmp/snap.got"

# confluent-kafka-python: AvroSerializer writes with the references, cfkit decodes and re-encodes
if need_pyenv; then
	"$py" "$oracle" confluent "$S" order-value "$tmp/order-self.avsc" 200 20261205 "$tmp/cf" >"$tmp/cf.log" 2>&1
	check "AvroSerializer with references: 200 frames" test -s "$tmp/cf.frames"
	check "AvroDeserializer (resolving the references itself) agrees with fastavro on the self-contained schema" has "$tmp/cf.deser" ok
	for form in plain avro; do
		args=(); [ $form = avro ] && args=(--encoding avro)
		for r in "$S" "file:$tmp/snap"; do
			cfdeframe <"$tmp/cf.frames" | avrodecode -r "$r" --out ndjson "${args[@]}" >"$tmp/cf.$form" 2>"$tmp/cf.err"
			"$py" "$oracle" compare "$tmp/cf" $form "$tmp/cf.$form" >"$tmp/cf.cmp" 2>&1
			check "AvroSerializer frames | cfdeframe | avrodecode -r ${r%%:*}, $form: fastavro's values" has "$tmp/cf.cmp" ok
		done
	done
	cfdeframe <"$tmp/cf.frames" >"$tmp/cf.bodies"
	avroencode --in ndjson -r "$S" --subject order-value <"$tmp/cf.plain" >"$tmp/cf.again" 2>"$tmp/cf.err"
	same_bytes "avrodecode | avroencode --subject order-value: AvroSerializer's bodies, byte for byte" "$tmp/cf.bodies" "$tmp/cf.again"
fi
stop s
