# The README's first command ends in scripts/demo: it must run as written.
suite=demo
. "$TESTS/lib.sh"
"$TESTS/../scripts/demo" >"$tmp/out" 2>"$tmp/err"
check "scripts/demo exits 0" test $? -eq 0
check "scripts/demo copies the topic byte for byte" grep -q "wikimedia.copy equals wikimedia byte for byte" "$tmp/err"
check "scripts/demo shows the frames" grep -q "^ *1 *0  0x00" "$tmp/out"
check "scripts/demo decodes the events" grep -q '"meta":{"dt":"2026-11-23T' "$tmp/out"
check "scripts/demo counts edits by bots and humans" test "$(grep -cE '^ *[0-9]+ \{"bot":(true|false|null),"type":"edit"\}$' "$tmp/out")" -eq 3
