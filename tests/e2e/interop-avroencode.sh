# Interoperability of avroencode with fastavro and confluent-kafka-python
# (tests/interop/enc_*.py): random data over the avrodecode interop schemas
# in plain and Avro JSON, byte for byte against fastavro.schemaless_writer
# (the known differences counted by kind) and back through avrodecode; errors
# with their record numbers and JSON paths; --register and frames through
# cfframe read by AvroDeserializer from franz-go's srfake registry.
# INTEROP_N: values per schema (default 300).
suite=interop-avroencode
. "$TESTS/lib.sh"
py=${PYENV_PYTHON:-$TESTS/../build/venv/bin/python}
srfake=${SRFAKE:-$TESTS/../build/srfake}
interop=$TESTS/interop
n=${INTEROP_N:-300}
export PYTHONDONTWRITEBYTECODE=1
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN

skip() { echo "ok - $suite: $1 # SKIP $2"; }
if ! "$py" -c 'import fastavro, confluent_kafka.schema_registry.avro' 2>/dev/null; then
	if [ -n "${CI:-}" ]; then notok "python environment" "$py: make pyenv"; else
		skip "python environment" "$py lacks fastavro or confluent-kafka: make pyenv"; fi
	exit 0
fi

"$py" "$interop/enc_random.py" "$BIN/avroencode" "$BIN/avrodecode" "$tmp" "$n"
"$py" "$interop/enc_errors.py" "$BIN/avroencode" "$tmp"

if [ ! -x "$srfake" ]; then
	if [ -n "${CI:-}" ]; then notok "srfake" "$srfake missing"; else
		skip "srfake" "$srfake missing: make registry-server"; fi
	exit 0
fi
"$py" "$interop/enc_registry.py" "$BIN" "$srfake" "$tmp" "$(((n + 2) / 3))"
