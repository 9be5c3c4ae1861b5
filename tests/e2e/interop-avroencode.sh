# Interoperability of avroencode with fastavro and confluent-kafka-python
# (tests/interop/enc_*.py): random data over the avrodecode interop schemas
# in plain and Avro JSON, byte for byte against fastavro.schemaless_writer
# (the known differences counted by kind) and back through avrodecode; errors
# with their record numbers and JSON paths; --register and frames through
# cfframe read by AvroDeserializer from franz-go's srfake registry.
# INTEROP_N: values per schema (default 300).
suite=interop-avroencode
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py_env
interop=$TESTS/interop
n=${INTEROP_N:-300}
need_pyenv || exit 0

"$py" "$interop/enc_random.py" "$BIN/avroencode" "$BIN/avrodecode" "$tmp" "$n"
"$py" "$interop/enc_errors.py" "$BIN/avroencode" "$tmp"

need_srfake || exit 0
"$py" "$interop/enc_registry.py" "$BIN" "$srfake" "$tmp" "$(((n + 2) / 3))"
