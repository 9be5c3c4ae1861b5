# Hostile schemas (issue 18): sizes that made the parser quadratic or
# exponential, names holding \u0000, and field defaults of every type,
# whose verdict (accepted or refused at load) is Java Avro 1.12's.
#
# Sizes are checked with generous limits under timeout (linear parsing takes
# well under a second for each; the quadratic code took 15-25 s and the
# exponential one never ended), never with timed assertions.
suite=schema-hostile
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py_env
limit=${SCHEMA_HOSTILE_TIMEOUT:-20}

# ---- sizes ----
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
def put(name, s):
    with open("%s/%s.avsc" % (d, name), "w") as f:
        json.dump(s, f, separators=(",", ":"))
n = 100000
put("enum", {"type": "record", "name": "R", "fields": [{"name": "e", "type":
    {"type": "enum", "name": "E", "symbols": ["S%d" % i for i in range(n)]}}]})
put("fields", {"type": "record", "name": "R", "fields": [{"name": "f%d" % i, "type": "int"} for i in range(200000)]})
put("named", {"type": "record", "name": "R", "fields": [{"name": "f%d" % i, "type":
    {"type": "fixed", "name": "F%d" % i, "size": 1}} for i in range(50000)]})
put("union", {"type": "record", "name": "R", "fields": [{"name": "u", "type":
    [{"type": "fixed", "name": "F%d" % i, "size": 1} for i in range(50000)]}]})
# A registry's big schema: 20,000 record types in namespaces, each with
# fields referring to the ones before it by name (about 12 MB).
recs = []
for i in range(20000):
    fs = [{"name": "id", "type": "long", "doc": "x" * 200}, {"name": "name", "type": ["null", "string"], "default": None}]
    if i:
        fs.append({"name": "prev", "type": ["null", "ns%d.T%d" % ((i - 1) % 7, i - 1)], "default": None})
    fs += [{"name": "a%d" % k, "type": "int", "default": k} for k in range(5)]
    recs.append({"type": "record", "name": "T%d" % i, "namespace": "ns%d" % (i % 7), "fields": fs})
put("registry", {"type": "record", "name": "Top", "fields": [{"name": "all", "type": ["null"] + recs, "default": None}]})
# Defaults that expand to 2^40 checks: each level's two fields hold the
# level below, each with the default {} (every field of it defaulted).
t = {"type": "record", "name": "T0", "fields": [{"name": "v", "type": "int", "default": 0}]}
for i in range(1, 41):
    t = {"type": "record", "name": "T%d" % i, "fields": [{"name": "x", "type": t, "default": {}},
                                                          {"name": "y", "type": "T%d" % (i - 1), "default": {}}]}
put("doubling", t)
PY
# avroencode --schema with no input parses the schema and nothing more (an
# avrodecode --schema also compiles its decoding plan: see the report in
# the commit that added this suite for that plan's own sizes).
for s in enum fields named union registry doubling; do
	timeout "$limit" avroencode --schema "$tmp/$s.avsc" --bare </dev/null >/dev/null 2>"$tmp/err"
	st=$?
	check "size: $s ($(stat -c %s "$tmp/$s.avsc") bytes) loads within ${limit} s" test $st -eq 0
	[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/err"
done
# the 12 MB schema is at least as big as the issue's
check "size: the registry schema is over 12 MB" test "$(stat -c %s "$tmp/registry.avsc")" -gt 12000000

# The hash tables find what they hold: the last symbol, every field, the
# last union branch; the bodies are computed here (zigzag varints).
python3 - "$tmp" <<'PY'
import json, struct, sys
d = sys.argv[1]
def zz(n):
    u, b = (n << 1) ^ (n >> 63), b""
    while u >= 0x80:
        b += bytes([u & 0x7f | 0x80]); u >>= 7
    return b + bytes([u])
def rec(path, body):
    open(path, "wb").write(struct.pack(">i", len(body)) + body)
open(d + "/e.json", "w").write('{"e":"S99999"}\n')
rec(d + "/e.want", zz(99999))
open(d + "/f.json", "w").write(json.dumps({"f%d" % i: i % 100 - 50 for i in range(200000)}, separators=(",", ":")) + "\n")
rec(d + "/f.want", b"".join(zz(i % 100 - 50) for i in range(200000)))
open(d + "/u.json", "w").write('{"u":{"F49999":"\\u0007"}}\n')
rec(d + "/u.want", zz(49999) + b"\x07")
PY
for s in e:enum f:fields u:union; do
	timeout "$limit" avroencode --schema "$tmp/${s#*:}.avsc" --bare --in ndjson --encoding avro <"$tmp/${s%:*}.json" >"$tmp/${s%:*}.bin" 2>"$tmp/err"
	[ -s "$tmp/err" ] && sed 's/^/#   /' "$tmp/err"
	same_bytes "size: ${s#*:}: the last name found, encoded as computed here" "$tmp/${s%:*}.want" "$tmp/${s%:*}.bin"
done

# ---- names holding \u0000 (avro-c's validation stopped at the NUL; ours did too) ----
cat >"$tmp/nul" <<'EOF'
R\u0000x|{"type":"record","name":"R\u0000x","fields":[]}
a\u0000b|{"type":"record","name":"R","namespace":"a\u0000b","fields":[]}
x\u0000y|{"type":"record","name":"R","fields":[{"name":"x\u0000y","type":"int"}]}
A\u0000B|{"type":"enum","name":"E","symbols":["A\u0000B"]}
S\u0000|{"type":"record","name":"R","aliases":["S\u0000"],"fields":[]}
R\u0000junk|{"type":"record","name":"R","fields":[{"name":"x","type":["null","R\u0000junk"]}]}
int\u0000|{"type":"record","name":"R","fields":[{"name":"x","type":"int\u0000"}]}
record\u0000|{"type":"record\u0000","name":"R","fields":[]}
A\u0000b|{"type":"enum","name":"E","symbols":["A"],"default":"A\u0000b"}
ascending\u0000x|{"type":"record","name":"R","fields":[{"name":"x","type":"int","order":"ascending\u0000x"}]}
EOF
while IFS='|' read -r name schema; do
	printf '%s\n' "$schema" >"$tmp/n.avsc"
	avroencode --schema "$tmp/n.avsc" --bare </dev/null >/dev/null 2>"$tmp/err"
	st=$?
	if [ $st -eq 2 ] && grep -qF "invalid schema" "$tmp/err" && grep -qF "$name" "$tmp/err"; then
		ok "NUL: $schema refused, naming $name"
	else
		notok "NUL: $schema refused, naming $name" "status $st"
		sed 's/^/#   /' "$tmp/err"
	fi
done <"$tmp/nul"
# A field alias with a NUL: refused as well (Java takes any string as a
# field alias; ours would match the writer's field "a").
printf '%s\n' '{"type":"record","name":"R","fields":[{"name":"x","type":"int","aliases":["a\u0000"]}]}' >"$tmp/n.avsc"
avrodecode --print-schema --schema "$tmp/n.avsc" >/dev/null 2>"$tmp/err"
check "NUL: a field alias holding one is refused, named" test $? -eq 2 -a -n "$(grep -F 'invalid alias "a\u0000"' "$tmp/err")"
# A logical type holding one is no logical type (ignored, as Java ignores an unknown one).
printf '%s\n' '{"type":"int","logicalType":"date\u0000"}' >"$tmp/n.avsc"
printf '7\n' | avroencode --schema "$tmp/n.avsc" --bare --in ndjson 2>"$tmp/err" | avrodecode --schema "$tmp/n.avsc" --out ndjson >"$tmp/out" 2>>"$tmp/err"
same_text "NUL: logicalType \"date\\u0000\" is not date" $? 7 "$(cat "$tmp/out")" "$tmp/err"

# ---- field defaults: every type against values of every JSON kind ----
# The verdict (avroencode --schema: status 0, or 2 with the field and the
# default named) must be Java's: there is no difference to list.
"$py" - "$tmp/defaults" <<'PY'
import json, sys
types = {
    "null": "null", "boolean": "boolean", "int": "int", "long": "long",
    "float": "float", "double": "double", "bytes": "bytes", "string": "string",
    "enum": {"type": "enum", "name": "E", "symbols": ["A", "B"]},
    "fixed": {"type": "fixed", "name": "F", "size": 2},
    "array": {"type": "array", "items": "int"},
    "map": {"type": "map", "values": "int"},
    "record": {"type": "record", "name": "S", "fields": [{"name": "i", "type": "int"}]},
    "record_defaulted": {"type": "record", "name": "S", "fields": [{"name": "i", "type": "int", "default": 1}]},
    "decimal": {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 2},
    "timestamp": {"type": "long", "logicalType": "timestamp-millis"},
    "null_string": ["null", "string"], "string_null": ["string", "null"],
    "int_string": ["int", "string"], "null_record": ["null", {"type": "record", "name": "S", "fields": [{"name": "i", "type": "int"}]}],
    "null_array": ["null", {"type": "array", "items": "string"}],
    "enum_null": [{"type": "enum", "name": "E", "symbols": ["A"]}, "null"],
}
values = [None, True, 0, -1, 2147483648, 9223372036854775807, 1.5, 1.0, "abc", "A", "", "NaN", "Infinity",
          "\u00ff", [], [1], ["x"], [None], {}, {"i": 1}, {"i": "x"}, {"a": 1}, {"a": "x"}, {"j": 2}]
with open(sys.argv[1], "w") as f:
    for tn, t in types.items():
        for v in values:
            s = {"type": "record", "name": "R", "fields": [{"name": "f", "type": t, "default": v}]}
            f.write(json.dumps(s, separators=(",", ":")) + "\n")
PY
# fastavro's verdicts (parse_schema checks defaults too, more loosely: it
# takes true for an int, ints beyond 32 bits, array items and record fields
# of any kind, anything for a union whose first branch is null, 80 of these
# that Java refuses): what it refuses, we refuse.
fastavro=
if [ -x "$py" ] && "$py" - "$tmp/defaults" >"$tmp/fastavro" 2>"$tmp/fastavro.err" <<'PY'
import json, sys
import fastavro
for line in open(sys.argv[1]):
    try:
        fastavro.parse_schema(json.loads(line), _write_hint=False)
        print("accept")
    except Exception:
        print("refuse")
PY
then fastavro=$tmp/fastavro; else sed 's/^/# /' "$tmp/fastavro.err"; missing "defaults: fastavro's verdicts" "no fastavro (make pyenv)"; fi
java=
if [ -f "$TESTS/../build/java/classes/AvroPeer.class" ] && [ -x "$py" ]; then
	"$py" - "$tmp/defaults" "$tmp/nul" >"$tmp/java" 2>"$tmp/java.err" <<'PY' && java=$tmp/java
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["TESTS"], "interop"))
from avro_peer import AvroPeer
with AvroPeer() as peer:
    for line in open(sys.argv[1]):
        r = peer.request({"op": "parse", "schema": line.rstrip("\n")})
        print("accept" if r["ok"] else "refuse")
    for line in open(sys.argv[2]):
        r = peer.request({"op": "parse", "schema": line.rstrip("\n").split("|", 1)[1]})
        print("accept" if r["ok"] else "refuse")
PY
fi
[ -n "$java" ] || { sed 's/^/# /' "$tmp/java.err" 2>/dev/null; missing "defaults: Java's verdicts" "the Java peer is not built (make java-peer)"; }
if [ -n "$java" ]; then
	n=0 same=0 bad=0
	while IFS= read -r schema; do
		n=$((n + 1))
		printf '%s\n' "$schema" >"$tmp/d.avsc"
		avroencode --schema "$tmp/d.avsc" --bare </dev/null >/dev/null 2>"$tmp/err"
		st=$?
		case $st in 0) ours=accept ;; 2) ours=refuse ;; *) ours="status $st" ;; esac
		jv=$(sed -n "${n}p" "$java")
		if [ "$ours" = refuse ] && ! grep -q 'field "f": default .* is not a valid\|field "f": default nested' "$tmp/err"; then
			notok "defaults: $schema" "refused without naming the field and its default: $(cat "$tmp/err")"
			bad=$((bad + 1))
		elif [ "$ours" != "$jv" ]; then
			notok "defaults: $schema" "we $ours, Java ${jv}s"
			sed 's/^/#   /' "$tmp/err"
			bad=$((bad + 1))
		else
			same=$((same + 1))
		fi
		if [ -n "$fastavro" ] && [ "$(sed -n "${n}p" "$fastavro")" = refuse ] && [ "$ours" != refuse ]; then
			notok "defaults: fastavro refuses $schema" "we $ours"
			bad=$((bad + 1))
		fi
	done <"$tmp/defaults"
	check "defaults: $same of $n verdicts are Java's, none accepts what fastavro refuses" \
	    test "$bad" -eq 0 -a "$n" -gt 300
	# Java refuses each NUL name too.
	k=$(wc -l <"$tmp/defaults")
	check "NUL: Java refuses every one of them too" test -z "$(tail -n +$((k + 1)) "$java" | grep -v refuse)"
fi

# The status of a refused default is that of any invalid schema: 2 from a
# file, and from avrodecode the field and default named.
printf '%s\n' '{"type":"record","name":"R","fields":[{"name":"x","type":"int","default":"abc"}]}' >"$tmp/d.avsc"
avrodecode --schema "$tmp/d.avsc" </dev/null >/dev/null 2>"$tmp/err"
check "defaults: avrodecode --schema with a wrong-type default: status 2, named" \
    test $? -eq 2 -a -n "$(grep -F 'field "x": default "abc" is not a valid int' "$tmp/err")"

# From a registry: a writer schema fetched by a body's id makes the bodies
# it tags bad records (status 1), the first named with the field; a
# --subject schema is a usage error (status 2), as any invalid schema there.
reg=$tmp/reg
mkdir -p "$reg/schemas/ids" "$reg/subjects/t-value/versions"
"$py" - "$reg" <<'PY'
import json, sys
d = sys.argv[1]
bad = {"type": "record", "name": "R", "fields": [{"name": "x", "type": "int", "default": "abc"}]}
nul = {"type": "record", "name": "R\u0000x", "fields": [{"name": "x", "type": "int"}]}
good = {"type": "record", "name": "R", "fields": [{"name": "x", "type": "int"}]}
for i, s in ((1, bad), (2, nul), (3, good)):
    json.dump({"schema": json.dumps(s)}, open("%s/schemas/ids/%d.json" % (d, i), "w"))
json.dump({"subject": "t-value", "version": 1, "id": 1, "schema": json.dumps(bad)},
          open(d + "/subjects/t-value/versions/1.json", "w"))
PY
# tagged bodies: 4-byte id, then {"x": 1} (the int 1 is 02), each a record of the stream
for id in 3 1 2; do printf '\0\0\0\5\0\0\0%b\2' "\\$(printf %o $id)"; done >"$tmp/tagged"
avrodecode -r "file:$reg" --out ndjson <"$tmp/tagged" >"$tmp/out" 2>"$tmp/err"
st=$?
check "registry: a body of a schema id with a wrong-type default: status 1" test $st -eq 1
check "registry: the good record before it is written" test "$(cat "$tmp/out")" = '{"x":1}'
check "registry: the message names the record, the field and the default" \
    grep -q 'record 2 .*field "x": default "abc" is not a valid int' "$tmp/err"
tail -c 9 "$tmp/tagged" | avrodecode -r "file:$reg" --out ndjson >/dev/null 2>"$tmp/err"
st=$?
check "registry: a schema id whose name holds \\u0000: status 1, named" \
    test $st -eq 1 -a -n "$(grep -F 'record 1 ' "$tmp/err" | grep -F 'invalid name "R\u0000x"')"
avrodecode -r "file:$reg" --subject t-value --out ndjson <"$tmp/tagged" >/dev/null 2>"$tmp/err"
st=$?
check "registry: --subject with a wrong-type default: status 2, named" \
    test $st -eq 2 -a -n "$(grep -F -- '--subject t-value: invalid schema: record R: field "x": default "abc"' "$tmp/err")"

# ---- the decoder's plan, the encoder's lookups, defaults and --print-schema ----
# avrodecode resolves the schema against itself into a plan: enum symbols,
# union branches and the plan's nodes were matched pairwise (20-60 s for
# these; now a hash lookup each). The records encoded above are decoded back.
for s in e:enum f:fields u:union; do
	timeout "$limit" avrodecode --schema "$tmp/${s#*:}.avsc" --encoding avro --out ndjson <"$tmp/${s%:*}.want" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ -s "$tmp/err" ] && sed 's/^/#   /' "$tmp/err"
	if [ $st -eq 0 ] && cmp -s "$tmp/out" "$tmp/${s%:*}.json"; then
		ok "plan: ${s#*:}: the record decoded within ${limit} s, as it was given"
	else
		notok "plan: ${s#*:}: the record decoded within ${limit} s, as it was given" "status $st (124: timed out)"
	fi
done
# A reader union whose branches are the writer's in another namespace: each
# writer branch found by its unqualified name (the reader's branches were
# scanned for each, by full name, alias and short name).
sed 's/^{"type":"record","name":"R",/&"namespace":"b",/' "$tmp/union.avsc" >"$tmp/unionb.avsc"
timeout "$limit" avrodecode --schema "$tmp/union.avsc" --reader-schema "$tmp/unionb.avsc" --encoding avro --out ndjson <"$tmp/u.want" >"$tmp/out" 2>"$tmp/err"
st=$?
[ -s "$tmp/err" ] && sed 's/^/#   /' "$tmp/err"
check "plan: a 50,000-branch union read by short names within ${limit} s, as b.F49999" \
    test $st -eq 0 -a "$(cat "$tmp/out")" = '{"u":{"b.F49999":"\u0007"}}'
# The encoder remembers where each field was in the last object; keys in
# another order were looked for one by one (2 min for these 200,000).
"$py" - "$tmp" <<'PY'
import sys
d = sys.argv[1]
keys = ['"f%d":%d' % (i, i % 100 - 50) for i in reversed(range(200000))]
open(d + "/frev.json", "w").write("{" + ",".join(keys) + "}\n")
open(d + "/fdup.json", "w").write("{" + ",".join(keys + ['"f7":1']) + "}\n")
PY
timeout "$limit" avroencode --schema "$tmp/fields.avsc" --bare --in ndjson <"$tmp/frev.json" >"$tmp/f.bin" 2>"$tmp/err"
[ -s "$tmp/err" ] && sed 's/^/#   /' "$tmp/err"
same_bytes "encoder: 200,000 fields given in reverse order, within ${limit} s" "$tmp/f.want" "$tmp/f.bin"
timeout "$limit" avroencode --schema "$tmp/fields.avsc" --bare --in ndjson <"$tmp/fdup.json" >/dev/null 2>"$tmp/err"
check "encoder: 200,000 fields and one given twice: status 1 within ${limit} s, named" \
    test $? -eq 1 -a -n "$(grep -F '$: field "f7" given twice' "$tmp/err")"
# An enum default is compared by its length: "A\u0000b" is not the symbol A.
printf '%s\n' '{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"enum","name":"E","symbols":["A"]},"default":"A\u0000b"}]}' >"$tmp/n.avsc"
echo '{}' | avroencode --schema "$tmp/n.avsc" --bare --in ndjson >/dev/null 2>"$tmp/err"
check "encoder: the enum default \"A\\u0000b\" is no symbol: status 1, named" \
    test $? -eq 1 -a -n "$(grep -F '$.f: the schema'"'"'s default: default is not a valid E' "$tmp/err")"
# Filling a default takes the defaults of the fields it leaves out: 2^40
# values for the doubling schema. Bounded by the --max-record size.
echo '{}' | timeout "$limit" avroencode --schema "$tmp/doubling.avsc" --bare --in ndjson >/dev/null 2>"$tmp/err"
st=$?
check "defaults: filling the doubling schema's {} stops at the bound within ${limit} s: status 1, named" \
    test $st -eq 1 -a -n "$(grep -F '$.x: the schema'"'"'s default: the default expands to more than' "$tmp/err")"
[ $st -eq 1 ] || sed 's/^/#   /' "$tmp/err"
# --max-record sets that bound (avroencode.1): 64 KiB stops where 64 MiB would not
echo '{}' | timeout "$limit" avroencode --max-record 64k --schema "$tmp/doubling.avsc" --bare --in ndjson >/dev/null 2>"$tmp/err"
check "defaults: --max-record 64k is the bound (the message names 65536)" \
    grep -qF 'the default expands to more than 65536' "$tmp/err"
printf '%s\n' '{"type":"record","name":"T40","fields":[]}' >"$tmp/w40.avsc"
printf '\0\0\0\0' | timeout "$limit" avrodecode --schema "$tmp/w40.avsc" --reader-schema "$tmp/doubling.avsc" >/dev/null 2>"$tmp/err"
st=$?
check "defaults: a reader's doubling default the writer lacks stops at the bound within ${limit} s: status 2, named" \
    test $st -eq 2 -a -n "$(grep -F 'default of field "x": the default expands to more than' "$tmp/err")"
[ $st -eq 2 ] || sed 's/^/#   /' "$tmp/err"
# --print-schema shows a named type in full wherever it is used, as Spark
# does: the doubling schema's tree has 2^40 lines. Cut, with a line saying so.
timeout "$limit" avrodecode --schema "$tmp/doubling.avsc" --print-schema >"$tmp/tree" 2>"$tmp/err"
st=$?
check "print-schema: the doubling tree ends within ${limit} s, at most 64 MiB and a line" \
    test $st -ne 124 -a "$(stat -c %s "$tmp/tree")" -le $(((64 << 20) + 1000))
check "print-schema: its last line names the limit" \
    test "$(tail -1 "$tmp/tree")" = " |-- (more than 1000000 lines or 64 MiB, the limit of --print-schema: the rest not shown)"
rm -f "$tmp/tree"
