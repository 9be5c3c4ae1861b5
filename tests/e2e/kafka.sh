# End to end through a broker: frames produced with kcat -P, consumed with
# kcat -C -f '%R%s', passed through cfdeframe | cfframe -D into kcat -P on a
# second topic, consumed again and compared byte for byte.
suite=kafka
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
DHEX=fefdfcfbfaf9f8f7

if ! command -v kcat >/dev/null || [ ! -x "$BIN/mockbroker" ]; then
	notok "kcat and mockbroker present" "missing kcat or $BIN/mockbroker"
	exit 0
fi
. "$TESTS/../scripts/broker.sh"
broker_start "$tmp" -t in:1 -t out:1
check "mock broker started" test -n "$BROKERS"
B=$BROKERS

# 3,000 frames of about 1 KB (the mock keeps about 5 MB a partition), some all NUL bytes.
"$TESTS/gen-frames" 3000 --size 1000 --nul-every 10 --ids 1,2,300 >"$tmp/want"
"$TESTS/gen-frames" 3000 --size 1000 --nul-every 10 --ids 1,2,300 --delim $DHEX >"$tmp/in.delim"
kcat -P -b "$B" -t in -p 0 -D "$D" <"$tmp/in.delim" 2>"$tmp/err"
check "kcat -P produced the input topic" test $? -eq 0

kcat -C -b "$B" -t in -p 0 -o beginning -e -q -f '%R%s' 2>>"$tmp/err" |
	cfdeframe 2>>"$tmp/err" | cfframe -D "$D" 2>>"$tmp/err" |
	kcat -P -b "$B" -t out -p 0 -D "$D" 2>>"$tmp/err"
st=("${PIPESTATUS[@]}")
check "pipeline exit statuses all zero (${st[*]})" test "${st[*]}" = "0 0 0 0"

kcat -C -b "$B" -t out -p 0 -o beginning -e -q -f '%R%s' >"$tmp/got" 2>>"$tmp/err"
same_bytes "output topic equals the input frames byte for byte" "$tmp/want" "$tmp/got"
check "3000 records came back" test "$(cfdeframe --stats <"$tmp/got" 2>&1 >/dev/null | awk '$1=="total"{print $2}')" = 3000
[ -s "$tmp/err" ] && sed 's/^/# stderr: /' "$tmp/err"
exec 9>&-
