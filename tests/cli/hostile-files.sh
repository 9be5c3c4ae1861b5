# Hostile files around winagg and the file: registry writer (issue 18):
# symbolic links planted at the temporary names the old code used (the
# name and PID known in advance: STATE.tmp.PID, FILE.tmpPID), a FIFO or a
# device at a file: registry's file, a --late FIFO
# whose reader went away, a standard output that closes, and --state paths
# that are no regular file (/dev/zero, a FIFO) or too large to load.
suite=hostile-files
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
regcli=${REGCLI:-$UNITDIR/../regcli}
W=(winagg --in ndjson --out ndjson --time t --window 10s --count n)

# regular_with FILE TEXT: FILE is a regular file (not a link) that holds TEXT
regular_with() { [ -f "$1" ] && [ ! -L "$1" ] && grep -qF -- "$2" "$1"; }
# holds PID FILE: PID has FILE open
holds() {
	local f
	for f in /proc/"$1"/fd/*; do [ "$(readlink "$f")" = "$2" ] && return 0; done
	return 1
}

printf '{"t":1}\n{"t":2}\n{"t":15}\n{"t":27}\n' >"$tmp/in"
"${W[@]}" --state "$tmp/ref.state" <"$tmp/in" >/dev/null 2>&1
echo precious >"$tmp/target"
cp "$tmp/target" "$tmp/target.orig"

# ---- winagg's state file: a link at STATE.tmp.PID ----
# The tool's process, blocked opening its input FIFO, is $! before it
# starts; the link is planted before it reads a byte, so before any save.
mkfifo "$tmp/fifo"
"${W[@]}" --state "$tmp/s" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
pid=$!
ln -s "$tmp/target" "$tmp/s.tmp.$pid"
cat "$tmp/in" >"$tmp/fifo"
wait $pid
st=$?
check "state: a link at STATE.tmp.PID: status 0" test $st -eq 0
check "... the link's target untouched" cmp -s "$tmp/target.orig" "$tmp/target"
check "... the state file a regular file, not a link" regular_with "$tmp/s" winagg-state
check "... the state file as without the link" cmp -s "$tmp/ref.state" "$tmp/s"
check "... no temporary file of its own left" test "$(ls "$tmp" | grep -c '^s\.tmp\.')" = 1

# A link at the state's own name is read through (a state kept elsewhere)
# and replaced by the rename, its target never written.
cp "$tmp/ref.state" "$tmp/elsewhere.state"
ln -s "$tmp/elsewhere.state" "$tmp/s2"
printf '{"t":31}\n' | "${W[@]}" --state "$tmp/s2" >/dev/null 2>"$tmp/err"
st=$?
check "state: a link at the state's name: status 0" test $st -eq 0
check "... its target untouched" cmp -s "$tmp/ref.state" "$tmp/elsewhere.state"
check "... the link replaced by the new state" regular_with "$tmp/s2" '"max_time":31000000'

# ---- the file: registry writer: links at FILE.tmpPID ----
reg=$tmp/reg
mkdir -p "$reg/schemas/ids" "$reg/subjects/fresh/versions"
printf '{"type": "record", "name": "N", "fields": []}' >"$tmp/N.avsc"
rm -f "$tmp/fifo" && mkfifo "$tmp/fifo"
"$regcli" -r "file:$reg" register fresh "$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
pid=$!
ln -s "$tmp/target" "$reg/schemas/ids/1.json.tmp$pid"
ln -s "$tmp/target" "$reg/subjects/fresh/versions/1.json.tmp$pid"
cat "$tmp/N.avsc" >"$tmp/fifo"
wait $pid
st=$?
check "registry: links at FILE.tmpPID: status 0" test $st -eq 0
check "... id 1" test "$(cat "$tmp/out")" = "id=1"
check "... the links' target untouched" cmp -s "$tmp/target.orig" "$tmp/target"
check "... the id's file a regular file with the schema" regular_with "$reg/schemas/ids/1.json" '\"name\": \"N\"'
check "... the version's file a regular file with it" regular_with "$reg/subjects/fresh/versions/1.json" '"version":1,"id":1,'
check "... no temporary file of its own left" test "$(find "$reg" -name '*.tmp*' | wc -l)" = 2
rc=0
"$regcli" -r "file:$reg" id 1 >"$tmp/out" 2>"$tmp/err" || rc=$?
check "... read back by id" eval '[ $rc = 0 ] && grep -q "^id=1 " "$tmp/out"'

# A FIFO or a device at a registry file's name: an error naming it, not a
# hang (the open of a FIFO waited for a writer) nor 16 MiB of zeros read
mkfifo "$reg/schemas/ids/5.json"
ln -s /dev/zero "$reg/schemas/ids/6.json"
for id in 5 6; do
	timeout -s KILL 60 "$regcli" -r "file:$reg" id $id >"$tmp/out" 2>"$tmp/err"
	st=$?
	check "registry: id $id's file $([ $id = 5 ] && echo a FIFO || echo /dev/zero): status 3 (not a hang)" test $st -eq 3
	check "... says so" grep -qF "registry file:$reg: $reg/schemas/ids/$id.json: not a regular file" "$tmp/err"
done

# ---- a --late FIFO whose reader went away ----
# The suite holds the FIFO open for reading (so winagg's open of it does not
# wait) until winagg has it open, then closes it: every late line winagg
# writes after that meets no reader. The input comes after, through a FIFO.
# One on-time record, then 3000 late ones (many stdio buffers of them).
{
	printf '{"t":100}\n'
	for ((i = 0; i < 3000; i++)); do printf '{"t":1,"i":%d}\n' $i; done
} >"$tmp/late-in"
"${W[@]}" --state "$tmp/late-ref.state" <"$tmp/late-in" >/dev/null 2>&1
# late_run NAME [ENV=VALUE]: winagg --late a FIFO without a reader, --state $tmp/ls
late_run() {
	rm -f "$tmp/fifo" "$tmp/late" "$tmp/ls" && mkfifo "$tmp/fifo" "$tmp/late"
	exec 4<>"$tmp/late"
	env "$@" "${W[@]}" --state "$tmp/ls" --late "$tmp/late" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" 4<&- &
	pid=$!
	exec 3>"$tmp/fifo"
	wait_for 60 "--late: winagg opened its --late FIFO" holds $pid "$(readlink -f "$tmp/late")"
	exec 4<&-
	cat "$tmp/late-in" >&3
	exec 3>&-
	timeout 120 tail --pid=$pid -f /dev/null || kill $pid 2>/dev/null
	wait $pid
	st=$?
}
late_run
check "--late FIFO, reader gone: status 3 (not a death by SIGPIPE)" test $st -eq 3
check "... the message names --late, the file and the error" grep -q -- "--late $tmp/late: Broken pipe: late records not written" "$tmp/err"
check "... says the state is saved" grep -q "the state is saved, covering every record read" "$tmp/err"
check "... the state saved as at a stop" cmp -s "$tmp/late-ref.state" "$tmp/ls"
# run by cfjob (barrier-bearing input), the batch is not saved: a cut
late_run CFKIT_BARRIERS=1
check "--late FIFO, reader gone, CFKIT_BARRIERS=1: status 3" test $st -eq 3
check "... says the state file is as last saved" grep -q -- "--late $tmp/late: Broken pipe: .*the state file is as last saved" "$tmp/err"
check "... and saved nothing" test ! -e "$tmp/ls"

# ---- standard output going away: SIGPIPE, quietly, nothing saved ----
# (as before, and as the man page says: the rows since the last save are lost
# with the pipe, so the state stays as last saved); 20000 rows, far more
# than a pipe holds, so winagg writes after head has gone.
for ((i = 0; i < 20000; i++)); do printf '{"t":%d}\n' $((i * 10)); done >"$tmp/many"
for late in "" --late; do
	rm -f "$tmp/ms"
	"${W[@]}" --state "$tmp/ms" --at-eof flush ${late:+--late "$tmp/late.out"} <"$tmp/many" 2>"$tmp/err" | head -c 1 >/dev/null
	st=${PIPESTATUS[0]}
	check "stdout closed${late:+ (with --late)}: death by SIGPIPE (141)" test "$st" -eq 141
	check "... quietly" test ! -s "$tmp/err"
	check "... no state saved" test ! -e "$tmp/ms"
done

# ---- --state that is no regular file, or too large ----
# state_refused NAME PATH WHAT: status 3 at once, the message naming the file and WHAT
state_refused() {
	timeout -s KILL 60 "${W[@]}" --state "$2" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	st=$?
	check "--state $1: status 3 (not a hang)" test $st -eq 3
	check "... says so" grep -q "state file $2: $3" "$tmp/err"
	check "... nothing written" test ! -s "$tmp/out"
}
state_refused /dev/zero /dev/zero "a character device, not a regular file"
rm -f "$tmp/fifo" && mkfifo "$tmp/fifo"
state_refused "a FIFO" "$tmp/fifo" "a FIFO, not a regular file"
check "... the FIFO left a FIFO" test -p "$tmp/fifo"
mkdir "$tmp/adir"
state_refused "a directory" "$tmp/adir" "a directory, not a regular file"
# 1 GiB and a byte, sparse: refused before a byte is read
truncate -s $(((1 << 30) + 1)) "$tmp/huge"
state_refused "larger than 1 GiB" "$tmp/huge" "1073741825 bytes, larger than a state file may be (1024 MiB)"
check "... the file left as it was" test "$(stat -c %s "$tmp/huge")" = $(((1 << 30) + 1))
