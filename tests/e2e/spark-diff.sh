#!/usr/bin/env bash
# Differential test of winagg against Spark 4 Structured Streaming, batch by
# batch (pyspark from PyPI in build/venv, local mode, Java 17): the same
# micro-batches go to Spark's streaming query (file source, foreachBatch) and
# to one winagg --micro-batch/--back-to-back process per batch (or, one event
# a batch, to one winagg run without --micro-batch), and every batch's rows
# must be the same, types included; see tests/interop/spark_diff.py.
#   default: the hand-written cases and a fixed seed's random cases (~2 min)
#   CONFORMANCE=1: CONFORMANCE_CASES (default 300) random cases from
#     CONFORMANCE_SEED (default: the time); `make conformance`
#   CONFORMANCE_REPLAY=SEED:INDEX: that one random case, printed in full
# SPARK_DIFF_PARALLEL: queries at once (default 6). SPARK_DIFF_CACHE=DIR: Spark's
# rows kept there and taken from there (.ci/run: the sanitizer pass reuses the
# first pass's); see spark_diff.py.
suite=spark-diff
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
py_env
export SPARK_LOCAL_IP=127.0.0.1 TZ=UTC

command -v java >/dev/null 2>&1 || { missing "java" "no java on PATH (Spark 4 needs Java 17)"; exit 0; }
"$py" -c 'import pyspark' 2>/dev/null || { missing "pyspark" "$py lacks pyspark: make pyenv"; exit 0; }

conformance_args 300
[ -z "${CONFORMANCE_REPLAY:-}" ] || export SPARK_DIFF_VERBOSE=1
"$py" "$TESTS/interop/spark_diff.py" "$BIN/winagg" "$tmp" "${conf_args[@]}" 2>"$tmp/spark.log" | tee "$tmp/tap"
st=${PIPESTATUS[0]}
if [ "$st" -ne 0 ] || ! grep -q '^ok ' "$tmp/tap"; then
	notok "spark run" "status $st"
	grep -v '^\s*at ' "$tmp/spark.log" | tail -20 | sed 's/^/#   /'
fi
conformance_seed
exit 0
