# Interoperability of avrodecode with fastavro and confluent-kafka-python
# (tests/interop/): random data over many schemas in the three JSON forms,
# AvroSerializer frames through franz-go's srfake registry and a snapshot of
# it, schema evolution against fastavro's resolver, and bad bodies under each
# --on-error policy. INTEROP_N: values per schema (default 300).
suite=interop-avrodecode
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py_env
interop=$TESTS/interop
n=${INTEROP_N:-300}
need_pyenv || exit 0

"$py" "$interop/random_data.py" "$BIN/avrodecode" "$tmp" "$n"
"$py" "$interop/evolution.py" "$BIN/avrodecode" "$tmp" "$n"
"$py" "$interop/bad_bodies.py" "$BIN/avrodecode" "$tmp"

need_srfake && srfake_start || exit 0
"$py" "$interop/confluent.py" "$BIN" "$url" "$tmp" "$(((n + 2) / 3))"
exec {srfd}>&-
