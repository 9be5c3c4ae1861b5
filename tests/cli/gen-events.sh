# gen-events: determinism, -n in every format, frames that decode (fastavro,
# the fixture schema) to exactly the NDJSON events, the type, bot and
# late-event shares.
suite=gen-events
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py=$TESTS/../build/venv/bin/python
[ -x "$py" ] || "$TESTS/pyenv" >&2
# the fixture schema: the project's copy, else shared/ beside the clone
fix=$TESTS/fixtures/wikimedia-value.avsc
[ -f "$fix" ] || fix=$TESTS/../../shared/fixtures/wikimedia-value.avsc

for f in ndjson frames bodies; do
	gen-events -n 500 --seed 7 --format $f >"$tmp/a.$f"
	gen-events -n 500 --seed 7 --format $f >"$tmp/b.$f"
	same_bytes "$f: the same seed gives the same bytes" "$tmp/a.$f" "$tmp/b.$f"
	gen-events -n 500 --seed 8 --format $f >"$tmp/c.$f"
	cmp -s "$tmp/a.$f" "$tmp/c.$f"
	check "$f: another seed gives other bytes" test $? -eq 1
done

check "ndjson: -n 500 writes 500 lines" test "$(wc -l <"$tmp/a.ndjson")" -eq 500
gen-events -n 0 >"$tmp/zero"
check "-n 0 writes nothing" test ! -s "$tmp/zero"
gen-events --seed 3 -n 100000 | head -c 100 >/dev/null
check "gen-events | head: killed by SIGPIPE" test "${PIPESTATUS[0]}" -eq 141
gen-events --format xml >/dev/null 2>"$tmp/err"
check "--format xml: usage error, status 2" test $? -eq 2
check "--format xml: the message names the option" grep -q "^gen-events: --format" "$tmp/err"
gen-events --rate 0 >/dev/null 2>&1
check "--rate 0: status 2" test $? -eq 2
gen-events -n 3000 --start 2147483600 >/dev/null 2>&1
check "timestamps past the Avro int: status 2" test $? -eq 2
gen-events --help | grep -q "^usage: gen-events"
check "--help prints usage on stdout" test $? -eq 0

# The record streams: count, magic byte, schema id; frames equal bodies but for the magic byte.
"$py" - "$tmp" <<'PY' >"$tmp/out"
import struct, sys
d = sys.argv[1]
def recs(name):
    b = open(f"{d}/{name}", "rb").read()
    out, i = [], 0
    while i < len(b):
        (n,) = struct.unpack_from(">i", b, i)
        out.append(b[i + 4:i + 4 + n])
        i += 4 + n
    return out
fr, bo = recs("a.frames"), recs("a.bodies")
print("count", len(fr), len(bo))
print("magic", all(f[0] == 0 and f[1:5] == b"\0\0\0\1" for f in fr))
print("same", all(f[1:] == b for f, b in zip(fr, bo)))
PY
check "frames and bodies: -n 500 writes 500 records each" grep -qx "count 500 500" "$tmp/out"
check "frames: magic byte 0, schema id 1" grep -qx "magic True" "$tmp/out"
check "bodies: the frames without the magic byte" grep -qx "same True" "$tmp/out"
gen-events -n 3 --format frames --schema-id 258 | xxd -p -s 4 -l 5 >"$tmp/out"
check "--schema-id 258 in the frame header" grep -qx 0000000102 "$tmp/out"

# The Avro bodies are the NDJSON events ($schema as schema, absent as null).
gen-events -n 3000 --seed 11 >"$tmp/e.ndjson"
gen-events -n 3000 --seed 11 --format frames >"$tmp/e.frames"
"$py" - "$fix" "$tmp/e.ndjson" "$tmp/e.frames" <<'PY' >"$tmp/out" 2>&1
import io, json, struct, sys
import fastavro
schema = fastavro.parse_schema(json.load(open(sys.argv[1])))
names = [f["name"] for f in json.load(open(sys.argv[1]))["fields"]]
sub = {"length": ["new", "old"], "revision": ["new", "old"],
       "meta": ["domain", "dt", "id", "offset", "partition", "request_id",
                "stream", "topic", "uri"]}
def expect(j):
    j = dict(j)
    j["schema"] = j.pop("$schema")
    out = {}
    for k in names:
        v = j.pop(k, None)
        if k in sub and v is not None:
            v = {s: v.pop(s, None) for s in sub[k]}
        out[k] = v
    assert not j, f"keys outside the schema: {sorted(j)}"
    return out
b = open(sys.argv[3], "rb").read()
i = bad = n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    (size,) = struct.unpack_from(">i", b, i)
    buf = io.BytesIO(b[i + 9:i + 4 + size])
    got = fastavro.schemaless_reader(buf, schema)
    if buf.read() != b"":
        bad += 1
    if got != expect(json.loads(line)):
        bad += 1
        if bad < 3:
            print("mismatch", n, got, line)
    i += 4 + size
    n += 1
print("decoded", n, "bad", bad, "rest", len(b) - i)
PY
check "frames decode with fastavro to the NDJSON events" grep -qx "decoded 3000 bad 0 rest 0" "$tmp/out"
grep -qx "decoded 3000 bad 0 rest 0" "$tmp/out" || sed 's/^/#   /' "$tmp/out" | head -20

# Shares on 20,000 events, and what the events look like.
gen-events -n 20000 --seed 5 >"$tmp/s.ndjson"
"$py" - "$tmp/s.ndjson" <<'PY' >"$tmp/out" 2>&1
import datetime, json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
n = len(ev)
def say(name, ok, detail=""):
    print(f"{name}\t{'ok' if ok else 'bad ' + detail}")
def share(pred):
    return sum(1 for e in ev if pred(e)) / n
def within(name, got, want, tol):
    say(name, abs(got - want) <= tol, f"{got:.4f}, want {want} +- {tol}")
for t, want in (("edit", .60), ("categorize", .25), ("log", .08), ("new", .05), ("external", .02)):
    within("type " + t, share(lambda e: e["type"] == t), want, .015)
within("bot true", share(lambda e: e.get("bot") is True), .25, .015)
within("bot absent", share(lambda e: "bot" not in e), .01, .005)
# late: event time 50 s or more behind the highest seen before it
hi, late = None, 0
for e in ev:
    t = e["timestamp"]
    if hi is not None and t <= hi - 50:
        late += 1
    hi = t if hi is None else max(hi, t)
within("late share", late / n, .005, .002)
# out of order, but only by a few seconds for the rest
hi, behind = None, 0
for e in ev:
    t = e["timestamp"]
    if hi is not None and hi - 10 < t < hi:
        behind += 1
    hi = t if hi is None else max(hi, t)
say("a few seconds out of order", .1 < behind / n < .9, f"{behind / n:.3f}")
span = ev[-1]["timestamp"] - ev[0]["timestamp"]
within("rate 30/s", n / max(span, 1), 30, 1)
say("meta.dt is the timestamp", all(
    datetime.datetime.fromtimestamp(e["timestamp"], datetime.timezone.utc)
    .strftime("%Y-%m-%dT%H:%M:%SZ") == e["meta"]["dt"] for e in ev))
say("length, revision, minor only for edit and new", all(
    ("length" in e) == (e["type"] in ("edit", "new")) and
    ("revision" in e) == ("length" in e) and ("minor" in e) == ("length" in e)
    for e in ev))
say("new pages have no old length or revision", all(
    ("old" in e["length"]) == (e["type"] == "edit") for e in ev if "length" in e))
say("patrolled sometimes absent on edits", 0 < share(
    lambda e: e["type"] == "edit" and "patrolled" not in e) < .3)
say("server_url, meta.domain and meta.uri agree", all(
    e["server_url"] == "https://" + e["server_name"] == "https://" + e["meta"]["domain"]
    and e["meta"]["uri"].startswith(e["server_url"] + "/wiki/") for e in ev))
offs = [e["meta"]["offset"] for e in ev]
say("meta.offset counts up", offs == list(range(offs[0], offs[0] + n)))
say("comments of 0 to 200 characters", max(len(e["comment"]) for e in ev) <= 200
    and min(len(e["comment"]) for e in ev) == 0)
say("non-ASCII in titles and comments", share(
    lambda e: any(ord(c) > 0x7f for c in e["comment"] + e["title"])) > .05)
say("emoji in comments", any(any(ord(c) > 0xffff for c in e["comment"]) for e in ev))
say("several wikis", len({e["wiki"] for e in ev}) >= 8)
say("no schema key, only $schema", all("schema" not in e and
    e["$schema"] == "/mediawiki/recentchange/1.0.0" for e in ev))
PY
while IFS=$'\t' read -r name result; do
	check "20,000 events: $name" test "$result" = ok
	[ "$result" = ok ] || echo "#   $name: $result"
done <"$tmp/out"
