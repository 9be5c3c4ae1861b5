# The bad-input matrix: for each tool and each kind of bad input, the input is
# N good records + the bad thing + M good records, and under the default policy
# the run stops with status 1, one message "tool: record N+1 at byte B: ..."
# and, on stdout, exactly what the tool writes for the N good records alone;
# under --on-error skip a bad record is dropped (status 0, the output of the
# N+M good records, a count on stderr) and a broken stream still stops (status
# 1, the good prefix). Then empty input, a lone null record, usage errors
# (status 2, nothing on stdout) and environment errors (status 3).
suite=bad-input
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN

N=3 M=2
S=$TESTS/fixtures/wikimedia-value.avsc
reg=$tmp/reg
mkdir -p "$reg/schemas/ids" "$tmp/p"
python3 -c 'import json,sys; print(json.dumps({"schema":open(sys.argv[1]).read()}))' "$S" >"$reg/schemas/ids/1.json"

# Good records, one file each: $tmp/p/FAMILY.K for K = 1..N+M.
"$BIN/gen-events" -n $((N + M)) --format frames >"$tmp/frames"
"$BIN/gen-events" -n $((N + M)) --format bodies >"$tmp/bodies"
"$BIN/gen-events" -n $((N + M)) --format ndjson >"$tmp/ndjson"
python3 - "$tmp" <<'EOF'
import struct, sys
t = sys.argv[1]
def split(data):
    out, i = [], 0
    while i < len(data):
        n = struct.unpack('>i', data[i:i+4])[0]
        out.append(data[i:i+4+max(n, 0)]); i += 4 + max(n, 0)
    return out
stamp = lambda k: b'wikimedia 0 %d 1700000000000 ' % k
fams = {}
fams['frames'] = split(open(t + '/frames', 'rb').read())
fams['bodies'] = split(open(t + '/bodies', 'rb').read())
fams['sframes'] = [stamp(k) + r for k, r in enumerate(fams['frames'])]
fams['sbodies'] = [stamp(k) + r for k, r in enumerate(fams['bodies'])]
lines = open(t + '/ndjson', 'rb').read().splitlines(keepends=True)
fams['jline'] = lines
fams['jstream'] = [struct.pack('>i', len(l) - 1) + l[:-1] for l in lines]
for f, recs in fams.items():
    for k, r in enumerate(recs, 1):
        open('%s/p/%s.%d' % (t, f, k), 'wb').write(r)
# A good event whose event time is a string: wrong type for the schema and for winagg.
import json
d = json.loads(lines[0]); d['timestamp'] = 'x'
open(t + '/p/wrongtime.json', 'w').write(json.dumps(d, separators=(',', ':')))
EOF

# piece NAME PRINTF-FORMAT: a bad thing, as raw bytes
piece() { printf "$2" >"$tmp/p/bad-$1"; }
# asrec NAME FILE: the bytes of FILE as one record of a record stream
asrec() { printf '%08x' "$(wc -c <"$2")" | xxd -r -p >"$tmp/p/bad-$1"; cat "$2" >>"$tmp/p/bad-$1"; }
piece trunc-len '\000\000'
piece trunc-payload '\000\000\000\144\000\000\000\000\001\002\003'
piece len-minus3 '\377\377\377\375'
piece len-huge '\177\377\377\377'
{ printf '\000\000\023\210'; head -c 5000 /dev/zero; } >"$tmp/p/bad-len-max"   # 5000 > --max-record 4000
piece null '\377\377\377\377'
piece bad-magic '\000\000\000\006\001\000\000\000\001\002'
piece short-frame '\000\000\000\004\000\000\000\001'
piece empty-frame '\000\000\000\000'
piece short-body '\000\000\000\003\000\000\000'
piece garbage-body '\000\000\000\014\000\000\000\001\377\377\377\377\377\377\377\377'
piece unknown-id '\000\000\000\006\000\000\000\143\002\002'
piece collision '\000\000\000\007\000\000\000\001\001\376\375'
piece trunc-stamp 'wikimedia 0 9 17'
{ printf 'wikimedia x 9 1700000000000 '; cat "$tmp/p/bodies.1"; } >"$tmp/p/bad-bad-stamp-b"
{ printf 'wikimedia x 9 1700000000000 '; cat "$tmp/p/frames.1"; } >"$tmp/p/bad-bad-stamp-f"
printf '{"a":' >"$tmp/notjson"; asrec notjson "$tmp/notjson"
printf '[1,2]' >"$tmp/notobj"; asrec notobj "$tmp/notobj"
asrec wrongtype "$tmp/p/wrongtime.json"
printf '{"a":\n' >"$tmp/p/line-notjson"
printf '[1,2]\n' >"$tmp/p/line-notobj"
{ cat "$tmp/p/wrongtime.json"; echo; } >"$tmp/p/line-wrongtype"
{ printf '{"x":"'; head -c 5000 /dev/zero | tr '\0' a; printf '"}\n'; } >"$tmp/p/line-len-max"
# stamped forms of the record-level pieces
for b in trunc-len trunc-payload len-minus3 len-huge len-max null bad-magic short-frame empty-frame short-body garbage-body unknown-id; do
	{ printf 'wikimedia 0 99 1700000000000 '; cat "$tmp/p/bad-$b"; } >"$tmp/p/bad-s-$b"
done

# Tools: label -> command (eval'd) and the family of its input.
declare -A CMD FAM TOOL
W="--time timestamp --time-unit s --window 10s --count n --at-eof keep --state $tmp/ws"
tool() { CMD[$1]=$2; FAM[$1]=$3; TOOL[$1]=${2%% *}; LABELS+=("$1"); }
LABELS=()
tool cfdeframe "cfdeframe" frames
tool "cfdeframe --stamped" "cfdeframe --stamped" sframes
tool cfframe "cfframe" bodies
tool "cfframe -D" "cfframe -D '\\xfe\\xfd'" bodies
tool avrodecode "avrodecode -r file:$reg" bodies
tool "avrodecode --stamped" "avrodecode --stamped -r file:$reg" sbodies
tool avroencode "avroencode --schema $S --schema-id 1 --rename '\$schema=schema'" jstream
tool "avroencode --in ndjson" "avroencode --in ndjson --schema $S --schema-id 1 --rename '\$schema=schema'" jline
tool winagg "winagg $W" jstream
tool "winagg --in ndjson" "winagg --in ndjson $W" jline

# run LABEL [EXTRA-OPTIONS] <input: $tmp/out, $tmp/err (without winagg's summary), $tmp/st
run() {
	local label=$1; shift
	rm -f "$tmp/ws" "$tmp/ws".*
	eval "${CMD[$label]} $*" >"$tmp/out" 2>"$tmp/err0"
	echo $? >"$tmp/st"
	grep -v '^winagg: summary: ' "$tmp/err0" >"$tmp/err"
}
goods() { local f=$1 a=$2 b=$3 k; for ((k = a; k <= b; k++)); do cat "$tmp/p/$f.$k"; done; }

declare -A RES
cells=0 failed_cells=0
# cell LABEL KIND CLASS PIECE MESSAGE [EXTRA-OPTIONS]
#   CLASS bad: a bad record (skip drops it); broken: stops under skip too;
#   trunc: broken, at the end of the input (no good records after it)
cell() {
	local label=$1 kind=$2 class=$3 pc=$4 msg=$5 extra=${6:-} f=${FAM[$1]} t=${TOOL[$1]}
	local m=$M name="$1: $2" bad=0 why= B K=$((N + 1)) st_fail st_skip
	[ "$class" = trunc ] && m=0
	goods "$f" 1 $N >"$tmp/good-n"; B=$(wc -c <"$tmp/good-n")
	{ cat "$tmp/good-n"; cat "$tmp/p/$pc"; goods "$f" $((N + 1)) $((N + m)); } >"$tmp/in"
	run "$label" <"$tmp/good-n"; cp "$tmp/out" "$tmp/want-fail"
	goods "$f" 1 $((N + m)) | run "$label"; cp "$tmp/out" "$tmp/want-skip"
	run "$label" "$extra" <"$tmp/in"
	st_fail=$(cat "$tmp/st")
	[ "$st_fail" = 1 ] || why+=" [fail: status $st_fail, want 1]"
	cmp -s "$tmp/want-fail" "$tmp/out" || why+=" [fail: stdout is not the output of the $N good records ($(wc -c <"$tmp/out") bytes, want $(wc -c <"$tmp/want-fail"))]"
	[ "$(wc -l <"$tmp/err")" = 1 ] || why+=" [fail: $(wc -l <"$tmp/err") lines on stderr, want 1]"
	grep -q "^$t: record $K at byte $B\\b" "$tmp/err" || why+=" [fail: stderr lacks \"$t: record $K at byte $B\"]"
	[ -z "$msg" ] || grep -qF -- "$msg" "$tmp/err" || why+=" [fail: stderr lacks \"$msg\"]"
	[ -z "$why" ] || why+=" stderr: $(head -c 300 "$tmp/err0")"
	run "$label" "$extra" --on-error skip <"$tmp/in"
	st_skip=$(cat "$tmp/st")
	if [ "$class" = bad ]; then
		[ "$st_skip" = 0 ] || why+=" [skip: status $st_skip, want 0]"
		cmp -s "$tmp/want-skip" "$tmp/out" || why+=" [skip: stdout is not the output of the $((N + m)) good records]"
		grep -q "^$t: 1 bad record skipped" "$tmp/err" || why+=" [skip: no \"$t: 1 bad record skipped\"]"
	else
		[ "$st_skip" = 1 ] || why+=" [skip on a broken stream: status $st_skip, want 1]"
		cmp -s "$tmp/want-fail" "$tmp/out" || why+=" [skip on a broken stream: stdout is not the good prefix]"
		grep -q "^$t: record $K at byte $B\\b" "$tmp/err" || why+=" [skip: stderr lacks \"$t: record $K at byte $B\"]"
	fi
	cells=$((cells + 1))
	if [ -z "$why" ]; then ok "$name"; RES[$label|$kind]="$st_fail/$st_skip"
	else notok "$name" "${why# }"; RES[$label|$kind]="$st_fail/$st_skip!"; failed_cells=$((failed_cells + 1)); fi
	KINDS+=("$kind")
}
KINDS=()

# The streams of length-prefixed records: the broken-stream kinds.
for l in cfdeframe cfframe "cfframe -D" avrodecode avroencode winagg; do
	cell "$l" trunc-len trunc bad-trunc-len "truncated length (2 of 4 bytes)"
	cell "$l" trunc-payload trunc bad-trunc-payload "truncated payload (7 of 100 bytes)"
	cell "$l" len-minus3 broken bad-len-minus3 "impossible length -3"
	cell "$l" len-huge broken bad-len-huge "impossible length 2147483647"
	cell "$l" len-max broken bad-len-max "impossible length 5000 (maximum 4000)" "--max-record 4000"
done
for l in "cfdeframe --stamped" "avrodecode --stamped"; do
	cell "$l" trunc-len trunc bad-s-trunc-len "truncated length (2 of 4 bytes)"
	cell "$l" trunc-payload trunc bad-s-trunc-payload "truncated payload (7 of 100 bytes)"
	cell "$l" len-minus3 broken bad-s-len-minus3 "impossible length -3"
	cell "$l" len-huge broken bad-s-len-huge "impossible length 2147483647"
	cell "$l" len-max broken bad-s-len-max "impossible length 5000 (maximum 4000)" "--max-record 4000"
	cell "$l" trunc-stamp trunc bad-trunc-stamp "truncated Kafka stamp"
done
cell "cfdeframe --stamped" bad-stamp broken bad-bad-stamp-f "bad Kafka stamp"
cell "avrodecode --stamped" bad-stamp broken bad-bad-stamp-b "bad Kafka stamp"
for l in "winagg --in ndjson" "avroencode --in ndjson"; do
	cell "$l" len-max broken line-len-max "" "--max-record 4000"
done

# A bad record in the middle.
declare -A WRONGTIME=([avroencode]='$.timestamp: expected one of null, int, got string "x"'
	["avroencode --in ndjson"]='$.timestamp: expected one of null, int, got string "x"'
	[winagg]="event time timestamp: expected a number" ["winagg --in ndjson"]="event time timestamp: expected a number")
cell cfdeframe bad-magic bad bad-bad-magic "bad magic byte 0x01 (expected 0x00)"
cell cfdeframe short-frame bad bad-short-frame "frame of 4 bytes is shorter than the 5-byte Confluent header"
cell cfdeframe empty-frame bad bad-empty-frame "frame of 0 bytes is shorter"
cell "cfdeframe --stamped" bad-magic bad bad-s-bad-magic "(topic wikimedia partition 0 offset 99): bad magic byte 0x01"
cell "cfdeframe --stamped" short-frame bad bad-s-short-frame "(topic wikimedia partition 0 offset 99): frame of 4 bytes"
cell cfframe short-body bad bad-short-body "tagged body of 3 bytes is shorter than its 4-byte schema id"
cell "cfframe -D" short-body bad bad-short-body "tagged body of 3 bytes is shorter than its 4-byte schema id"
cell "cfframe -D" null-record bad bad-null "a null record (tombstone) cannot be written for kcat -P -D"
cell "cfframe -D" collision broken bad-collision "the frame contains the delimiter at frame byte 6"
cell avrodecode garbage-body bad bad-garbage-body "schema id 1, body byte"
cell avrodecode unknown-id bad bad-unknown-id "schema id 99 not found"
cell avrodecode short-body bad bad-short-body "no room for a schema id"
cell "avrodecode --stamped" garbage-body bad bad-s-garbage-body "(topic wikimedia partition 0 offset 99): schema id 1, body byte"
cell "avrodecode --stamped" unknown-id bad bad-s-unknown-id "(topic wikimedia partition 0 offset 99): schema id 99 not found"
for l in avroencode winagg; do
	cell "$l" not-json bad bad-notjson "invalid JSON at byte 5 of the record"
	cell "$l" not-object bad bad-notobj ""
	cell "$l" wrong-time bad bad-wrongtype "${WRONGTIME[$l]}"
done
cell winagg null-record bad bad-null ""
for l in "avroencode --in ndjson" "winagg --in ndjson"; do
	cell "$l" not-json bad line-notjson "invalid JSON at byte 5 of the record"
	cell "$l" not-object bad line-notobj ""
	cell "$l" wrong-time bad line-wrongtype "${WRONGTIME[$l]}"
done

# avrodecode --on-error null: a JSON null (the record "null", not a tombstone) in the bad one's place.
{ goods bodies 1 $N; cat "$tmp/p/bad-unknown-id"; goods bodies $((N + 1)) $((N + M)); } >"$tmp/in"
{ goods bodies 1 $N | run avrodecode; cat "$tmp/out"; printf '\000\000\000\004null'; goods bodies $((N + 1)) $((N + M)) | run avrodecode; cat "$tmp/out"; } >"$tmp/want"
run avrodecode --on-error null <"$tmp/in"
check "avrodecode: --on-error null: status 0" test "$(cat "$tmp/st")" = 0
same_bytes "avrodecode: --on-error null: a JSON null in its place" "$tmp/want" "$tmp/out"
check "avrodecode: --on-error null: the count" grep -q '^avrodecode: 1 bad record written as null' "$tmp/err"

# Empty input: status 0, nothing written, nothing said (winagg: its summary).
for l in "${LABELS[@]}"; do
	run "$l" </dev/null
	if [ "$(cat "$tmp/st")" = 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then ok "$l: empty input"; RES[$l|empty]=0
	else notok "$l: empty input" "status $(cat "$tmp/st"), $(wc -c <"$tmp/out") bytes out: $(cat "$tmp/err")"; RES[$l|empty]="$(cat "$tmp/st")!"; fi
done

# A lone null record: passes through, or is a bad record (record 1 at byte 0).
lone() {
	local l=$1 want_st=$2 want_hex=$3 msg=${4:-}
	run "$l" <"$tmp/lone"
	local st got why=
	st=$(cat "$tmp/st"); got=$(xxd -p "$tmp/out" | tr -d '\n')
	[ "$st" = "$want_st" ] || why+=" status $st, want $want_st;"
	[ "$got" = "$want_hex" ] || why+=" stdout $got, want $want_hex;"
	if [ "$want_st" = 1 ]; then grep -q "^${TOOL[$l]}: record 1 at byte 0\\b" "$tmp/err" || why+=" no \"record 1 at byte 0\";"
		[ -z "$msg" ] || grep -qF -- "$msg" "$tmp/err" || why+=" stderr lacks \"$msg\";"
	else [ ! -s "$tmp/err" ] || why+=" stderr not empty;"; fi
	if [ -z "$why" ]; then ok "$l: a lone null record"; RES[$l|lone-null]=$st
	else notok "$l: a lone null record" "${why# } stderr: $(cat "$tmp/err")"; RES[$l|lone-null]="$st!"; fi
}
printf '\377\377\377\377' >"$tmp/lone"
lone cfdeframe 0 ffffffff
lone cfframe 0 ffffffff
lone "cfframe -D" 1 "" "a null record (tombstone) cannot be written"
lone avrodecode 0 ffffffff
lone avroencode 0 ffffffff
lone winagg 1 ""   # winagg(1) does not say what a null record is; it is a bad record
printf 'wikimedia 0 0 1700000000000 \377\377\377\377' >"$tmp/lone"
lone "cfdeframe --stamped" 0 "$(xxd -p "$tmp/lone" | tr -d '\n')"
lone "avrodecode --stamped" 0 ffffffff
echo null >"$tmp/lone"
lone "avroencode --in ndjson" 1 "" '$: expected an object (record), got null'
lone "winagg --in ndjson" 1 "" "expected a JSON object"

# Usage errors: status 2, nothing on stdout.
usage() {
	local l=$1; shift
	goods "${FAM[$l]}" 1 1 >"$tmp/in1"
	run "$l" "$@" <"$tmp/in1"
	if [ "$(cat "$tmp/st")" = 2 ] && [ ! -s "$tmp/out" ] && [ -s "$tmp/err" ]; then ok "$l $*: usage error"; RES[$l|usage]=2
	else notok "$l $*: usage error" "status $(cat "$tmp/st") (want 2), $(wc -c <"$tmp/out") bytes out: $(head -c 200 "$tmp/err")"; RES[$l|usage]="$(cat "$tmp/st")!"; fi
}
for l in "${LABELS[@]}"; do
	usage "$l" --bogus
	usage "$l" --on-error bogus
	usage "$l" --max-record 3G
done
usage avrodecode --on-error
usage cfdeframe --expect-id 5x
usage "cfframe -D" --schema-id -1

# Environment errors: status 3.
envfail() {
	local name=$1 l=$2; shift 2
	goods "${FAM[$l]}" 1 1 >"$tmp/in1"
	eval "$* <\"$tmp/in1\"" >"$tmp/out" 2>"$tmp/err"; local st=$?
	if [ "$st" = 3 ] && [ ! -s "$tmp/out" ] && [ -s "$tmp/err" ]; then ok "$name: status 3"; RES[$l|env]=3
	else notok "$name: status 3" "got status $st, $(wc -c <"$tmp/out") bytes out: $(head -c 200 "$tmp/err"); command: $*"; RES[$l|env]="$st!"; fi
}
mkdir -p "$tmp/adir"
envfail "avrodecode: registry unreachable" avrodecode avrodecode -r http://127.0.0.1:1 --registry-retries 0 --registry-timeout 2
envfail "avrodecode: schema file missing" avrodecode avrodecode --schema "$tmp/nonexistent.avsc"
envfail "avrodecode: schema file a directory" avrodecode avrodecode --schema "$tmp/adir"
envfail "avroencode: registry unreachable" avroencode avroencode -r http://127.0.0.1:1 --registry-retries 0 --registry-timeout 2 --subject t-value
envfail "avroencode: schema file missing" avroencode avroencode --schema "$tmp/nonexistent.avsc" --schema-id 1
envfail "winagg: state file a directory" winagg winagg --time timestamp --window 10s --count n --state "$tmp/adir"
envfail "cfdeframe: write error (/dev/full)" cfdeframe "cfdeframe >/dev/full"
envfail "cfframe: write error (/dev/full)" cfframe "cfframe >/dev/full"

# Names winagg writes as JSON keys (columns, aggregates) and labels it writes
# as values must be text: a byte that is not UTF-8 would make rows that are
# not JSON (the fuzzer found a column so); a usage error, naming the option.
for a in "--group-by $(printf '\377')=bot" "--count $(printf 'n\376')" \
    "--group-by bot --label bot:true=$(printf '\300')"; do
	# shellcheck disable=SC2086 # the words of $a are the options
	winagg --time timestamp --window 10s $a </dev/null >"$tmp/out" 2>"$tmp/err"; st=$?
	if [ "$st" = 2 ] && [ ! -s "$tmp/out" ] && grep -q 'not valid UTF-8' "$tmp/err"; then
		ok "winagg: a name or label not UTF-8 is a usage error (${a%% *})"
	else
		notok "winagg: a name or label not UTF-8 is a usage error (${a%% *})" "status $st: $(head -c 200 "$tmp/err")"
	fi
done

# The matrix: status under fail/skip per tool and kind ("!" marks a failing cell).
echo "# bad-input matrix: $cells record cells ($failed_cells failing); status fail/skip"
mapfile -t kinds < <(printf '%s\n' "${KINDS[@]}" empty lone-null usage env | awk '!seen[$0]++')
for l in "${LABELS[@]}"; do
	line=
	for k in "${kinds[@]}"; do [ -n "${RES[$l|$k]:-}" ] && line+=" $k=${RES[$l|$k]}"; done
	printf '#   %-24s%s\n' "$l:" "$line"
done
