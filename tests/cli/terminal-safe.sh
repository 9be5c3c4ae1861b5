# Input quoted in a message cannot act on the terminal (issue 18): every
# message goes through common/err.c, which writes the control characters a
# terminal acts on (C0 but tab and newline, DEL, C1 as UTF-8) as \xNN or
# \u00NN. For each tool, an input whose bad part holds ESC sequences (a
# clear-screen, a window title ending in BEL, a CSI as the one C1 byte pair
# U+009B), a CR and a DEL: the run fails as it did before, and its stderr
# holds none of those bytes, but their visible forms.
suite=terminal-safe
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
unset SCHEMA_REGISTRY_URL

# clean FILE: no control byte but tab and newline, no DEL, no C1 pair
clean() {
	python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
bad = [i for i, c in enumerate(d) if (c < 0x20 and c not in (9, 10)) or c == 0x7f]
bad += [i for i in range(len(d) - 1) if d[i] == 0xC2 and 0x80 <= d[i + 1] <= 0x9F]
sys.exit(1 if bad else 0)
EOF
}
# one NAME WANT-STATUS VISIBLE CMD... (stdin from $tmp/in): the status, a clean
# stderr, and the visible form VISIBLE (a fixed string) in it
one() {
	local name=$1 want=$2 vis=$3 st
	shift 3
	"$@" <"$tmp/in" >/dev/null 2>"$tmp/err"
	st=$?
	check "$name: status $want ($st)" test "$st" = "$want"
	check "$name: no control character on stderr ($(head -c 120 "$tmp/err" | od -An -c | tr -s ' ' | head -c 200))" clean "$tmp/err"
	check "$name: shows them as $vis" grep -qF -- "$vis" "$tmp/err"
}

# a Kafka stamp (cfdeframe, avrodecode --stamped)
printf 'x\033]0;owned\007\033[2J\r\177 1 2 3 \0\0\0\1A' >"$tmp/in"
one "cfdeframe --stamped, a bad stamp" 1 '\x1b]0;owned\x07\x1b[2J\x0d\x7f' "$BIN/cfdeframe" --stamped
one "avrodecode --stamped, a bad stamp" 1 '\x1b]0;owned' "$BIN/avrodecode" --framed --stamped -r "file:$tmp"
# an enum symbol (avroencode): JSON escapes make the bytes
echo '{"type":"enum","name":"e","symbols":["A","B"]}' >"$tmp/e.avsc"
printf '"\\u001b[2J\\u009b31m\\r"\n' >"$tmp/in"
one "avroencode, a bad enum symbol" 1 '\x1b[2J\u009b31m\x0d' "$BIN/avroencode" --schema "$tmp/e.avsc" --schema-id 1 --in ndjson
# a field name (avroencode, --ignore-unknown off)
echo '{"type":"record","name":"r","fields":[{"name":"a","type":"int"}]}' >"$tmp/r.avsc"
printf '{"a":1,"\\u001b]2;x\\u0007":2}\n' >"$tmp/in"
one "avroencode, an unknown field (quoted as written)" 1 '\u001b]2;x\u0007' "$BIN/avroencode" --schema "$tmp/r.avsc" --schema-id 1 --in ndjson
