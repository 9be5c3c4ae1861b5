# winagg stopped and started again: by SIGTERM (state saved, records already
# read still counted) and by SIGKILL after a checkpoint (--checkpoint-every);
# in both, the rows before the stop plus the rows of the run resumed on the
# rest of the input are exactly the rows of one uninterrupted run.
suite=winagg-stop
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
W=(winagg --in ndjson --out ndjson --where type=edit --time timestamp --window 60s --slide 30s
    --watermark 20s --group-by bot --count n)
"$BIN/gen-events" -n 4000 >"$tmp/all.json"
head -n 2000 "$tmp/all.json" >"$tmp/a.json"
tail -n +2001 "$tmp/all.json" >"$tmp/b.json"
"${W[@]}" <"$tmp/all.json" >"$tmp/want" 2>/dev/null

# drained PID: all we wrote to the fifo on descriptor 3 has been read (none
# of it left in the pipe) and PID sleeps (waiting for more): whatever it
# read, it has processed
drained() {
	[ "$(python3 -c 'import fcntl, struct, termios
print(struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"\0" * 4))[0])')" = 0 ] &&
		grep -q '^State:[[:space:]]*S' "/proc/$1/status"
}

# SIGTERM with the input still open: everything read is processed, state saved.
mkfifo "$tmp/fifo"
"${W[@]}" --state "$tmp/s1" <"$tmp/fifo" >"$tmp/out1" 2>"$tmp/err1" &
pid=$!
exec 3>"$tmp/fifo"
cat "$tmp/a.json" >&3
wait_for 10 "SIGTERM: winagg read its input" drained $pid
kill -TERM $pid
wait $pid
st=$?
exec 3>&-
check "SIGTERM: status 143" test $st -eq 143
check "... says the state was saved" grep -q "interrupted (signal 15); state saved" "$tmp/err1"
"${W[@]}" --state "$tmp/s1" --at-eof flush <"$tmp/b.json" >>"$tmp/out1" 2>/dev/null
check "... resumed on the rest: the rows of one run" cmp -s "$tmp/want" "$tmp/out1"

# SIGKILL right after a checkpoint at record 2000.
rm -f "$tmp/fifo" && mkfifo "$tmp/fifo"
"${W[@]}" --state "$tmp/s2" --checkpoint-every 2000 <"$tmp/fifo" >"$tmp/out2" 2>/dev/null &
pid=$!
exec 3>"$tmp/fifo"
cat "$tmp/a.json" >&3
within 10 test -s "$tmp/s2"
check "the checkpoint is written at record 2000" test -s "$tmp/s2"
wait_for 10 "SIGKILL: winagg done with its input" drained $pid
kill -KILL $pid
wait $pid 2>/dev/null
exec 3>&-
check "... the state file is readable by its owner only" test "$(stat -c %a "$tmp/s2")" = 600
"${W[@]}" --state "$tmp/s2" --at-eof flush <"$tmp/b.json" >>"$tmp/out2" 2>/dev/null
check "SIGKILL after the checkpoint, resumed: the rows of one run" cmp -s "$tmp/want" "$tmp/out2"
