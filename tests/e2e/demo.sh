# The README's first command ends in scripts/demo: it must run as written.
suite=demo
. "$TESTS/lib.sh"
"$TESTS/../scripts/demo" >"$tmp/out" 2>"$tmp/err"
check "scripts/demo exits 0" test $? -eq 0
check "scripts/demo copies the topic byte for byte" grep -q "wikimedia.copy equals wikimedia byte for byte" "$tmp/err"
check "scripts/demo shows the frames" grep -q "^ *1 *0  0x00" "$tmp/out"
