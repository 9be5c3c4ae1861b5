# The README's second example ("Your own job") must work as written: the
# block after the "example:" marker is run in a scratch directory holding the
# repository's scripts/ and bin/, and its output checked against the events.
suite=readme-example
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
awk '/<!-- example: tests\/e2e\/readme-example.sh/ {on = 1; next}
	on && /^```sh/ {inblk = 1; next}
	inblk && /^```/ {exit}
	inblk {print}' "$top/README.md" >"$tmp/example.sh"
check "the README holds the example" test "$(wc -l <"$tmp/example.sh")" -gt 20
mkdir "$tmp/run"
ln -s "$(cd "$top" && pwd)/scripts" "$tmp/run/scripts"
ln -s "$BIN" "$tmp/run/bin"
(cd "$tmp/run" && exec 9>&- && bash -e "$tmp/example.sh") >"$tmp/all" 2>"$tmp/err"
check "the example runs (status 0)" test $? -eq 0
check "it prints the output schema's id" test "$(head -1 "$tmp/all")" = 2
grep '^{' "$tmp/all" >"$tmp/out"
sed 's/^/# /' "$tmp/err" | grep -v summary | head -5
check "it prints 5 rows" test "$(wc -l <"$tmp/out")" -eq 5
quiet() { "$@" >/dev/null; }
check "rows in the Avro JSON form of the output schema" \
	quiet jq -se 'all(has("window") and has("wiki") and (.added | type == "number") and (.editors >= 1))' "$tmp/out"
# The bytes added per wiki in the first 5-minute window, from the events themselves.
first=$(head -1 "$tmp/out" | jq -r '[.window.start, .wiki, .added, .editors] | @tsv')
IFS=$'\t' read -r wstart wiki added editors <<<"$first"
ws=$(date -u -d "$wstart" +%s)
want=$("$BIN/gen-events" -n 2000 --format ndjson | jq -s --arg w "$wiki" --argjson s "$ws" '
	map(select(.wiki == $w and .timestamp >= $s and .timestamp < $s + 300)) |
	"\(map((.length.new // 0) - (.length.old // 0)) | add) \(map(.user) | unique | length)"' -r)
check "first row's sum and distinct editors match the events ($want)" test "$want" = "$added $editors"
check "the job committed its state" test -L "$tmp/run/wiki-bytes.state/current"
check "the job's state is private (no file readable by others)" \
	test -z "$(find -L "$tmp/run/wiki-bytes.state" -perm /077 ! -type l)"
