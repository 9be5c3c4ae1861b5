# scripts/registry-snapshot against a hostile registry (issue 18): a Python
# server on 127.0.0.1 whose first path segment picks what it answers
# (URL/good/subjects, URL/endless/subjects, ...). Nothing may be written
# outside DIR, a refused or interrupted snapshot leaves no DIR, every answer,
# the whole and the time are capped, and credentials never reach argv nor
# carry a CR or LF into a header. Each run is under `ulimit -f` and
# `timeout`, so that a script without its caps fails the check, not the disk.
suite=registry-snapshot
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/registry/reglib.sh"
exit_on_signals
snapshot=${REGISTRY_SNAPSHOT:-$TESTS/../scripts/registry-snapshot}
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN \
    SCHEMA_REGISTRY_CA_LOCATION SCHEMA_REGISTRY_CERT_LOCATION SCHEMA_REGISTRY_KEY_LOCATION

cat >"$tmp/hostile.py" <<'PY'
import base64, json, os, sys, threading, time
from urllib.parse import unquote
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

held, release, seen = sys.argv[1], sys.argv[2], sys.argv[3]
SCHEMA = json.dumps({"type": "record", "name": "r", "fields": [{"name": "x", "type": "int"}]})

def version(s, v, i, **kw):
    d = {"subject": s, "version": v, "id": i, "schema": SCHEMA}
    d.update(kw)
    return d

GOOD = ["plain", "a/b c", ".dot", "100%", "..", "../../up"]

def good(parts):
    if parts == ["subjects"]:
        return GOOD
    if len(parts) == 3 and parts[0] == "subjects" and parts[2] == "versions":
        return [1, 2]
    if len(parts) == 4 and parts[0] == "subjects" and parts[1] in GOOD:
        i = GOOD.index(parts[1])
        return version(parts[1], int(parts[3]), 10 * i + int(parts[3]))
    if parts[:2] == ["schemas", "ids"]:
        return {"schema": SCHEMA}
    return None

# one subject "s" whose versions list, version answer or id answer is hostile
def one(versions=[1], vanswer=None, ianswer=None):
    def f(parts):
        if parts == ["subjects"]:
            return ["s"]
        if parts == ["subjects", "s", "versions"]:
            return versions
        if parts[:3] == ["subjects", "s", "versions"]:
            return vanswer(parts[3]) if vanswer else version("s", int(parts[3]), 1)
        if parts[:2] == ["schemas", "ids"]:
            return ianswer if ianswer is not None else {"schema": SCHEMA}
    return f

def subjects(lst):
    return lambda parts: lst if parts == ["subjects"] else good(parts)

BIG = {"schema": json.dumps({"type": "record", "name": "r", "doc": "x" * 600000, "fields": []})}
SCEN = {
    "good": good,
    "trav-version": one(versions=["../../../../escaped-version"]),
    "trav-version-abs": one(versions=["/abs"]),
    "trav-id": one(vanswer=lambda v: version("s", 1, "../../../escaped-id")),
    "id-abs": one(vanswer=lambda v: version("s", 1, "/etc/passwd")),
    "id-float": one(vanswer=lambda v: version("s", 1, 2.5)),
    "id-string": one(vanswer=lambda v: version("s", 1, "7")),
    "id-negative": one(vanswer=lambda v: version("s", 1, -4)),
    "id-missing": one(vanswer=lambda v: {"subject": "s", "version": 1}),
    "version-float": one(versions=[1.5]),
    "version-string": one(versions=["1"]),
    "version-zero": one(versions=[0]),
    "version-mismatch": one(vanswer=lambda v: version("s", 2, 1)),
    "subject-mismatch": one(vanswer=lambda v: version("t", 1, 1)),
    "subject-nul": subjects(["a\u0000b"]),
    "subject-newline": subjects(["a\nb"]),
    "subject-empty": subjects([""]),
    "subject-twice": subjects(["plain", "plain"]),
    "subject-number": subjects([7]),
    "subjects-object": subjects({"plain": 1}),
    "subject-long": subjects(["x" * 300]),
    "huge-list": subjects(["s%d" % i for i in range(20001)]),
    "many-versions": one(versions=list(range(1, 151))),
    "big-versions": one(versions=[1, 2, 3], ianswer=BIG,
                        vanswer=lambda v: version("s", int(v), int(v), schema=BIG["schema"])),
    "id-not-object": one(ianswer=["x"]),
}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *a):
        pass
    def send(self, code, body):
        b = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def stream(self, chunk, pause):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            while True:
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            pass
    def do_GET(self):
        # a client that followed a version or id ../ elsewhere (curl squashes
        # the dot segments of its URL) is answered, so that it would write
        if self.path.endswith("/escaped-version"):
            return self.send(200, version("s", 1, 1))
        if self.path.endswith("/escaped-id"):
            return self.send(200, {"schema": SCHEMA})
        parts = self.path.split("?")[0].strip("/").split("/")
        scen, parts = parts[0], [unquote(p) for p in parts[1:]]
        auth = self.headers.get("Authorization")
        if scen == "auth-basic" or scen == "auth-bearer":
            with open(seen, "a") as f:
                f.write("%s\n" % auth)
            want = ("Basic " + base64.b64encode(b"bob:pw-xyz").decode() if scen == "auth-basic"
                    else "Bearer tok-abc")
            if auth != want:
                return self.send(401, {"error_code": 401, "message": "Unauthorized"})
            scen = "good"
        if scen == "endless":
            return self.stream(b"[" + b'"x",' * 16384, 0)
        if scen == "endless-version" and parts[:3] == ["subjects", "s", "versions"] and len(parts) == 4:
            return self.stream(b"x" * 65536, 0)
        if scen == "endless-version":
            scen = "version-ok"
        if scen == "slow":
            return self.stream(b" ", 1)
        if scen == "hold" and parts[:3] == ["subjects", "plain", "versions"] and len(parts) == 4:
            open(held, "w").close()
            while not os.path.exists(release):
                time.sleep(0.05)
            scen = "good"
        elif scen == "hold":
            scen = "good"
        if scen == "version-ok":
            f = one()
        else:
            f = SCEN.get(scen)
        body = f(parts) if f else None
        if body is None:
            return self.send(404, {"error_code": 40401, "message": "not found: %s" % self.path})
        self.send(200, body)

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("URL=http://127.0.0.1:%d" % srv.server_address[1], flush=True)
threading.Thread(target=srv.serve_forever, daemon=True).start()
sys.stdin.read()
os._exit(0)
PY
serve h python3 "$tmp/hostile.py" "$tmp/held" "$tmp/release" "$tmp/seen" || exit 0

# snap NAME WANT SCENARIO [ARG...]: registry-snapshot URL/SCENARIO DIR, DIR in
# an area of its own ($area); a file size limit of 64 MiB and 120 s at most
area=$tmp/area
snap() {
	local name=$1 want=$2 scen=$3
	shift 3
	rm -rf "$area"
	mkdir -p "$area/in"
	dir=$area/in/snap
	rc "$name" "$want" bash -c 'ulimit -f 65536; exec timeout -k 5 120 "$@"' - "$snapshot" "$@" "$URL/$scen" "$dir"
}
# nothing outside DIR, and (refused) no DIR nor anything beside it
outside() { [ -z "$(find "$area" -mindepth 1 -not -path "$area/in" -not -path "$dir" -not -path "$dir/*")" ]; }
nothing() { [ -z "$(find "$area/in" -mindepth 1)" ]; }
one_message() { [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^registry-snapshot: [^ ]' "$tmp/err"; }
# refused NAME SCENARIO WORDS [ARG...]: status 3, the message holding WORDS, nothing written
refused() {
	local name=$1 scen=$2 words=$3
	shift 3
	snap "$name: status 3" 3 "$scen" "$@"
	check "$name: the message says \"$words\"" has "$tmp/err" "$words"
	check "$name: one line, from registry-snapshot" one_message
	check "$name: nothing outside DIR" outside
	check "$name: no DIR, nothing beside it" nothing
}

# ---- a good registry: the file: layout, the subject names encoded ----
snap "good registry" 0 good
for f in plain 'a%2Fb c' %2Edot 100%25 %2E. %2E.%2F..%2Fup; do
	check "good registry: subjects/$f/versions/2.json" test -f "$dir/subjects/$f/versions/2.json"
done
check "good registry: id 52 (../../up, version 2)" test -f "$dir/schemas/ids/52.json"
check "good registry: version 2 of plain is the answer" \
    test "$(jq -c '[.subject, .version, .id]' "$dir/subjects/plain/versions/2.json")" = '["plain",2,2]'
check "good registry: nothing outside DIR" outside
check "good registry: only the layout in DIR" test "$(ls -A "$dir")" = "$(printf 'schemas\nsubjects')"
check "good registry: a summary line" has "$tmp/err" "registry-snapshot: summary: 6 subjects, 12 versions, 12 schema ids"
# from the snapshot, as the tools read it
if [ -x "$BIN/avroencode" ] && [ -x "$BIN/avrodecode" ]; then
	rc "good registry: avroencode --print-id -r file:DIR --subject ../../up" 0 \
	    "$BIN/avroencode" --print-id -r "file:$dir" --subject ../../up
	check "good registry: avroencode --print-id: 52 (../../up, version 2)" test "$(cat "$tmp/out")" = 52
	rc "good registry: avroencode | avrodecode, both -r file:DIR" 0 \
	    sh -c 'echo "{\"x\":1}" | "$1/avroencode" --in ndjson -r "file:$2" --subject a/b\ c | "$1/avrodecode" -r "file:$2" --out ndjson' - "$BIN" "$dir"
	check "good registry: avroencode | avrodecode: the record" has "$tmp/out" '{"x":1}'
fi

# ---- 1. names, versions and ids that point elsewhere, or are not what they say ----
refused "version ../../../../escaped-version" trav-version '"../../../../escaped-version"'
refused "version /abs" trav-version-abs '"/abs"'
refused "id ../../../escaped-id" trav-id '"../../../escaped-id"'
refused "id /etc/passwd" id-abs '"/etc/passwd"'
refused "id 2.5" id-float "2.5"
refused "id \"7\" (a string)" id-string '"7"'
refused "id -4" id-negative "-4"
refused "no id" id-missing "id"
refused "version 1.5" version-float "1.5"
refused "version \"1\" (a string)" version-string '"1"'
refused "version 0" version-zero "version 0"
refused "version 1 answered as version 2" version-mismatch "version 2"
refused "subject s answered as subject t" subject-mismatch '"t"'
refused "a subject with a NUL" subject-nul '"a\u0000b"'
refused "a subject with a newline" subject-newline '"a\nb"'
refused "an empty subject" subject-empty '""'
refused "a subject listed twice" subject-twice '"plain"'
refused "a subject that is a number" subject-number "7"
refused "a subject list that is an object" subjects-object "/subjects"
refused "a subject too long for a file name" subject-long "xxxxxxxx"
refused "an id answer that is not an object" id-not-object "/schemas/ids/1"

# ---- 2. caps: per answer, in total, time, subjects and versions ----
t0=$SECONDS
refused "endless /subjects" endless "16777216"
refused "endless version answer" endless-version "/subjects/s/versions/1"
refused "slow /subjects (a byte a second)" slow "/subjects"
refused "slow /subjects with --timeout 3" slow "/subjects" --timeout 3
refused "20001 subjects" huge-list "20001 subjects"
check "20001 subjects: the message names the cap" has "$tmp/err" "--max-subjects"
refused "20001 subjects, --max-subjects 20000" huge-list "20001 subjects" --max-subjects 20000
refused "150 versions, --max-versions 100" many-versions "--max-versions 100" --max-versions 100
refused "3 answers of 600 kB, --max-total 1M" big-versions "--max-total 1M" --max-total 1M
snap "3 answers of 600 kB, --max-total 10M" 0 big-versions --max-total 10M
snap "--max-total 0" 2 good --max-total 0
snap "--max-total 1X" 2 good --max-total 1X
snap "--timeout 0" 2 good --timeout 0
snap "--max-subjects -1" 2 good --max-subjects -1
snap "--max-versions x" 2 good --max-versions x
snap "--max-total 2000G" 2 good --max-total 2000G
snap "an unknown option" 2 good --max-size 1M
echo "# caps: $((SECONDS - t0)) s"

# ---- atomicity: an interrupted snapshot leaves nothing; an existing DIR is kept ----
rm -rf "$area" "$tmp/held" "$tmp/release"
mkdir -p "$area/in"
dir=$area/in/snap
timeout -k 5 120 "$snapshot" "$URL/hold" "$dir" 2>"$tmp/err" &
pid=$!
if wait_for 30 "interrupted: the snapshot reaches a version answer" test -e "$tmp/held"; then
	kill -TERM "$pid"
	touch "$tmp/release"
	wait "$pid"
	st=$?
	check "interrupted: status not 0 (status $st)" test "$st" -ne 0
	check "interrupted: no DIR, nothing beside it" nothing
else
	touch "$tmp/release"
	wait "$pid"
fi
rm -f "$tmp/held" "$tmp/release"
rm -rf "$area"
mkdir -p "$area/in/snap"
echo keep >"$area/in/snap/mine"
rc "an existing DIR that is not empty: status 2" 2 "$snapshot" "$URL/good" "$area/in/snap"
check "an existing DIR that is not empty: the message says so" has "$tmp/err" "not empty"
check "an existing DIR that is not empty: left as it was" test "$(ls -A "$area/in/snap")" = mine
rmdir "$area/in/snap" 2>/dev/null; rm -rf "$area/in/snap"
mkdir -p "$area/in/empty"
ln -s empty "$area/in/snap"
rc "DIR a symbolic link to an empty directory: status 2" 2 "$snapshot" "$URL/good" "$area/in/snap"
check "DIR a symbolic link: nothing written through it" test -z "$(ls -A "$area/in/empty")"
rm -rf "$area/in"
mkdir -p "$area/in/snap"
rc "an existing empty DIR: filled" 0 "$snapshot" "$URL/good" "$area/in/snap"
check "an existing empty DIR: filled" test -f "$area/in/snap/subjects/plain/versions/1.json"

# ---- 3. credentials ----
: >"$tmp/seen"
snap "no credentials, the registry wants them: status 3" 3 auth-bearer
: >"$tmp/seen"
SCHEMA_REGISTRY_BEARER_TOKEN=tok-abc snap "bearer token from SCHEMA_REGISTRY_BEARER_TOKEN" 0 auth-bearer
check "bearer token: sent as the tools send it" has "$tmp/seen" "Bearer tok-abc"
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=bob:pw-xyz snap "user info from SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO" 0 auth-basic
check "user info: sent as the tools send it" has "$tmp/seen" "Basic $(printf bob:pw-xyz | base64)"
for v in SCHEMA_REGISTRY_BEARER_TOKEN SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO; do
	for c in '\n' '\r'; do
		val=$(printf "bob:pw-q7z${c}w8k")
		env "$v=$val" bash -c 'ulimit -f 65536; exec timeout -k 5 60 "$@"' - "$snapshot" "$URL/good" "$tmp/c" >"$tmp/out" 2>"$tmp/err"
		st=$?
		check "$v with $c: status 2 (status $st)" test "$st" -eq 2
		check "$v with $c: the message names $v" has "$tmp/err" "$v"
		check "$v with $c: the message does not hold the value" bash -c '! grep -qE "q7z|w8k" "$1"' - "$tmp/err"
		check "$v with $c: no DIR" test ! -e "$tmp/c"
		rm -rf "$tmp/c"
	done
done
SCHEMA_REGISTRY_BEARER_TOKEN=t SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=bob:pw-xyz snap "both credentials set: status 2" 2 good
check "both credentials set: the message names both" has "$tmp/err" "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO and SCHEMA_REGISTRY_BEARER_TOKEN"
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=bob snap "user info without ':': status 2" 2 good
check "user info without ':': user:password expected" has "$tmp/err" "user:password"
snap "a URL with a newline: status 2" 2 "good
x"
# the token never in a command line: looked at while a request is held
rm -f "$tmp/held" "$tmp/release"
rm -rf "$area"; mkdir -p "$area/in"
SCHEMA_REGISTRY_BEARER_TOKEN=tok-in-ps-9f3 timeout -k 5 120 "$snapshot" "$URL/hold" "$area/in/snap" 2>"$tmp/err" &
pid=$!
if wait_for 30 "credentials: the snapshot reaches a version answer" test -e "$tmp/held"; then
	procs=$(suite_procs)
	check "credentials: no command line holds the token" test -n "$procs" -a "${procs/tok-in-ps-9f3/}" = "$procs"
fi
touch "$tmp/release"
wait "$pid"
check "credentials: the held snapshot completes (status $?)" test -f "$area/in/snap/subjects/plain/versions/1.json"

stop h
