# Interoperability of avrodecode with fastavro and confluent-kafka-python
# (tests/interop/): random data over many schemas in the three JSON forms,
# AvroSerializer frames through franz-go's srfake registry and a snapshot of
# it, schema evolution against fastavro's resolver, and bad bodies under each
# --on-error policy. INTEROP_N: values per schema (default 300).
suite=interop-avrodecode
. "$TESTS/lib.sh"
py=${PYENV_PYTHON:-$TESTS/../build/venv/bin/python}
srfake=${SRFAKE:-$TESTS/../build/srfake}
interop=$TESTS/interop
n=${INTEROP_N:-300}
export PYTHONDONTWRITEBYTECODE=1
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN

# missing NAME WHY: a failure in CI, a skip elsewhere
missing() {
	if [ -n "${CI:-}" ]; then notok "$1" "$2"; else echo "ok - $suite: $1 # SKIP $2"; fi
}
if ! "$py" -c 'import fastavro, confluent_kafka.schema_registry.avro' 2>/dev/null; then
	missing "python environment" "$py lacks fastavro or confluent-kafka: make pyenv"
	exit 0
fi

"$py" "$interop/random_data.py" "$BIN/avrodecode" "$tmp" "$n"
"$py" "$interop/evolution.py" "$BIN/avrodecode" "$tmp" "$n"
"$py" "$interop/bad_bodies.py" "$BIN/avrodecode" "$tmp"

if [ ! -x "$srfake" ]; then
	missing "srfake" "$srfake missing: make registry-server"
	exit 0
fi
# srfake prints URL=... and stops at EOF on its stdin: a descriptor we close at the end.
exec {srfd}> >(exec "$srfake" >"$tmp/srfake.url" 2>"$tmp/srfake.err")
url=
for _ in $(seq 50); do
	url=$(sed -n 's/^URL=//p' "$tmp/srfake.url" 2>/dev/null)
	[ -n "$url" ] && break
	sleep 0.1
done
if [ -z "$url" ]; then
	notok "srfake starts" "$(cat "$tmp/srfake.err")"
	exit 0
fi
"$py" "$interop/confluent.py" "$BIN" "$url" "$tmp" "$(((n + 2) / 3))"
exec {srfd}>&-
