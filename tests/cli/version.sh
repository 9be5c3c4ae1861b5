# --version: every tool and script prints "NAME (cfkit) VERSION", VERSION
# being the Makefile's, and exits 0; avrodecode's and avroencode's
# "--version N" stays the version of a subject.
suite=version
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"

version=$(sed -n 's/^VERSION[[:space:]]*[:?]*=[[:space:]]*//p' "$TESTS/../Makefile")
check "the Makefile gives one VERSION" test -n "$version" -a "$(printf '%s\n' "$version" | wc -l)" -eq 1

run() { "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; echo $? >"$tmp/st"; }
status_is() { [ "$(cat "$tmp/st")" -eq "$1" ]; }
out_is() { [ "$(cat "$tmp/out")" = "$1" ]; }
err_has() { grep -qF -- "$1" "$tmp/err"; }
err_empty() { [ ! -s "$tmp/err" ]; }

for t in cfdeframe cfframe avrodecode avroencode winagg gen-events mockbroker \
    cfjob wikimedia-job avro-console-consumer; do
	if ! [ -x "$BIN/$t" ]; then
		notok "$t --version" "$BIN/$t is not built"
		continue
	fi
	run "$t" --version
	check "$t --version: status 0" status_is 0
	check "$t --version: \"$t (cfkit) $version\"" out_is "$t (cfkit) $version"
	check "$t --version: nothing on stderr" err_empty
done

# Wherever it stands among the options, and before the tool reads its input.
run cfdeframe --stats --version
check "cfdeframe --stats --version: the version" out_is "cfdeframe (cfkit) $version"
run cfframe -D '\n' --version
check "cfframe -D '\\n' --version: the version" out_is "cfframe (cfkit) $version"

# avrodecode's and avroencode's --version N: a subject's version, never the toolkit's.
reg=$tmp/reg
A='{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}'
B='{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":7}]}'
mkdir -p "$reg/schemas/ids" "$reg/subjects/s/versions"
jstr() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }
echo "{\"schema\":$(jstr "$A")}" >"$reg/schemas/ids/1.json"
echo "{\"schema\":$(jstr "$B")}" >"$reg/schemas/ids/2.json"
echo "{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":$(jstr "$A")}" >"$reg/subjects/s/versions/1.json"
echo "{\"subject\":\"s\",\"version\":2,\"id\":2,\"schema\":$(jstr "$B")}" >"$reg/subjects/s/versions/2.json"
# one tagged body: schema id 1, {x: 1}
printf '\000\000\000\005\000\000\000\001\002' >"$tmp/in"

"$BIN/avrodecode" --version 2 --subject s -r "file:$reg" --out ndjson <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/st"
check "avrodecode --version 2 --subject s: status 0" status_is 0
check "avrodecode --version 2 --subject s: decoded with version 2 (y's default)" out_is '{"x":1,"y":7}'
"$BIN/avrodecode" --version 1 --subject s -r "file:$reg" --out ndjson <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/st"
check "avrodecode --version 1 --subject s: decoded with version 1" out_is '{"x":1}'
run avrodecode --version 2
check "avrodecode --version 2 without --subject: status 2" status_is 2
check "avrodecode --version 2 without --subject: says so" err_has "--version needs --subject"
check "avrodecode --version 2 without --subject: no version printed" out_is ""
run avroencode --version 1
check "avroencode --version 1 without --subject: status 2" status_is 2
check "avroencode --version 1 without --subject: says so" err_has "--version needs --subject"
check "avroencode --version 1 without --subject: no version printed" out_is ""
