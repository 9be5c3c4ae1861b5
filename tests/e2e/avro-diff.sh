#!/usr/bin/env bash
# Differential test of avroencode and avrodecode against Apache Avro 1.12's
# Java library (tests/interop/java/AvroPeer.java, one JVM) and fastavro:
# random writer and reader schemas (every type and logical type, schema
# evolution), random values, mutated bodies; bytes and values must agree,
# refusals too, except the KNOWN_DIFFERENCES of tests/interop/avro_diff.py.
#   default: a fixed seed's 200 cases (~15 s)
#   CONFORMANCE=1: CONFORMANCE_CASES (default 3000) random cases from
#     CONFORMANCE_SEED (default: the time); `make conformance`
#   CONFORMANCE_REPLAY=SEED:INDEX: that one random case, printed in full
suite=avro-diff
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py_env

command -v java >/dev/null 2>&1 || { missing "java" "no java on PATH (the Java peer needs Java 17)"; exit 0; }
"$py" -c 'import fastavro' 2>/dev/null || { missing "fastavro" "$py lacks fastavro: make pyenv"; exit 0; }
[ -f "$TESTS/../build/java/classes/AvroPeer.class" ] ||
	{ missing "java peer" "build/java/classes/AvroPeer.class missing: make java-peer"; exit 0; }

conformance_args 3000
"$py" "$TESTS/interop/avro_diff.py" "$BIN" "$tmp" "${conf_args[@]}" 2>"$tmp/err" | tee "$tmp/tap"
st=${PIPESTATUS[0]}
if [ "$st" -ne 0 ] || ! grep -q '^ok ' "$tmp/tap"; then
	notok "run" "status $st"
	tail -20 "$tmp/err" | sed 's/^/#   /'
fi
conformance_seed
exit 0
