# Conformance of winagg with Spark Structured Streaming (pyspark from PyPI in
# build/venv, local mode, Java 17): the seed's windowed count run by Spark on a
# JSON file source, one event per micro-batch, against winagg with
# --at-eof keep; see tests/interop/spark_winagg.py for why the rows must be
# the same and for the one difference (winagg flushes the open windows at the
# end of input by default; Spark never writes them). SPARK_SEED picks the
# random inputs (default 1). About a minute.
suite=spark-winagg
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py_env
export SPARK_LOCAL_IP=127.0.0.1 TZ=UTC

command -v java >/dev/null 2>&1 || { missing "java" "no java on PATH (Spark 4 needs Java 17)"; exit 0; }
"$py" -c 'import pyspark' 2>/dev/null || { missing "pyspark" "$py lacks pyspark: make pyenv"; exit 0; }

"$py" "$TESTS/interop/spark_winagg.py" "$BIN/winagg" "$tmp" "${SPARK_SEED:-1}" 2>"$tmp/spark.log" >"$tmp/tap"
st=$?
cat "$tmp/tap"
if [ $st -ne 0 ] || ! grep -q '^ok ' "$tmp/tap" || grep -q '^not ok' "$tmp/tap"; then
	[ $st -ne 0 ] && notok "spark run" "status $st"
	grep -v '^\s*at ' "$tmp/spark.log" | tail -20 | sed 's/^/#   /'
fi
