#!/usr/bin/env bash
# One job on several machines (issue 19; cfjob(1), SEVERAL MACHINES) on the
# real Kafka broker (tests/kafka/kafka.sh), each worker a machine of its own:
# a network namespace with an address of its own on a bridge
# (tests/netns.sh), the broker listening on the bridge. The output topic is
# read with isolation.level=read_committed and compared, byte for byte and
# in order, with a single wikimedia-job's run (exactly once, 10 batches over
# 6 partitions):
#   A. 1 driver (on the host) and 3 workers (machines 1-3); the driver
#      creates the job's topics itself (GROUP-plan, GROUP-repartition).
#      B-D's are made beforehand, so that their workers join their group
#      before the driver starts.
#   B. A network partition: worker 1 holds a range of the batch in flight
#      (scale_hold.py), then machine 1 is cut off the network and the range
#      released; a worker is added on machine 3. After the group's session
#      timeout worker 2 and the new one run the missing ranges; then machine
#      1 is healed: what worker 1 wrote meanwhile (a late attempt of a batch
#      committed) is dropped, and it comes back (it ends with the driver's
#      run).
#   B2. A machine lost: worker 1 holds a range, then it and its command
#      are SIGKILLed, and a worker is added on machine 3.
#   C. The driver SIGKILLed while a worker holds a range of the batch in
#      flight, and worker 2 SIGKILLed with it; the driver started again on
#      its state (it replays the batch), worker 2 started again.
#   D. The driver's machine lost with its disk: the driver SIGKILLed while
#      a worker holds a range, then started with a new, empty --state: it
#      takes the last committed state from GROUP-changelog (written in each
#      batch's transaction) and plans the batch in flight again; the workers
#      run again the ranges a new driver asks for.
suite=scale-real
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/kafka/kafka.sh"
. "$TESTS/netns.sh"
top=$TESTS/..
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
MB=200

for t in kcat python3 ip; do
	command -v $t >/dev/null || { notok "$t present" "$t not on PATH"; exit 0; }
done
kafka_available || { missing "kafka broker jars" "$KAFKA_LIBS missing: make kafka-server"; exit 0; }
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	kafka_stop
	netns_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
exit_on_signals
netns_available 2>"$tmp/netns.err" || { notok "network namespaces" "$(cat "$tmp/netns.err")"; exit 0; }
netns_setup 3 2>"$tmp/netns.err" || { notok "network namespaces: 3 machines" "$(cat "$tmp/netns.err")"; exit 0; }
kafka_start "$tmp" --bind "$NETNS_HOST" 2>"$tmp/start.err" || { notok "broker on $NETNS_HOST" "kafka_start failed"; exit 0; }
B=$KAFKA_BROKERS
echo "# broker on $B; machines ${NETNS_ADDR[*]}"
for t in wikimedia:6 ref:1 outA:1 outB:1 outB2:1 outC:1 outD:1; do
	kafka_create_topic "${t%:*}" "${t#*:}" 2>>"$tmp/topic.err" || { notok "topic $t" "$(tail -2 "$tmp/topic.err")"; exit 0; }
done
# B-D's job topics are made here, as the driver would make them (A checks
# that it does): a worker waits for its group's topics before it joins the
# group, and B-D start their driver only once the workers' partitions are
# settled (settled, tests/lib.sh). (Made at once: a TopicCommand is a JVM of its own.)
jt=()
for g in gB gB2 gC gD; do
	kafka_create_topic "$g-plan" 1 2>"$tmp/topic.$g-plan.err" &
	jt+=("$!:$g-plan")
	kafka_create_topic "$g-repartition" 6 2>"$tmp/topic.$g-repartition.err" &
	jt+=("$!:$g-repartition")
	kafka_create_topic "$g-changelog" 1 --config cleanup.policy=compact 2>"$tmp/topic.$g-changelog.err" &
	jt+=("$!:$g-changelog")
done
for t in "${jt[@]}"; do
	wait "${t%%:*}" || { notok "topic ${t#*:}" "$(tail -2 "$tmp/topic.${t#*:}.err")"; exit 0; }
done
reg=$tmp/registry
wikimedia_registry "$reg"
gen-events -n 12000 --seed 23 --rate 5 --late-share 0.02 --format frames >"$tmp/frames"
split_frames "$tmp/frames" "$tmp/part." 6
for p in 0 1 2 3 4 5; do
	cfdeframe <"$tmp/part.$p" | cfframe -D "$D" | kcat -P -b "$B" -t wikimedia -p $p -D "$D" ||
		notok "produce partition $p" "status $?"
done
mkdir -p "$tmp/st"

# Workers: session.timeout.ms=6000 (a lost worker's partitions move in
# 6 s), socket.timeout.ms=5000 (a stalled connection is given up in 5 s,
# not 60: a healed machine comes back before librdkafka has given up on
# every broker connection).
WX=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 -X socket.timeout.ms=5000)
J=(wikimedia-job -b "$B" -r "file:$reg")
committed_bodies() {
	kcat -C -b "$B" -t "$1" -e -q -X isolation.level=read_committed -f '%R%s' | cfdeframe --bare
}
current() { local c; c=$(readlink "$1/current" 2>/dev/null) || { echo 0; return; }; echo "${c#c.}"; }
past() { [ "$(current "$2")" -ge "$1" ]; }	# N STATE: batch N committed
# worker I GROUP LOG [option ...]: a worker on machine I; its pid in wpid
worker() {
	netns_spawn "$1" "${J[@]}" --worker --group "$2" "${WX[@]}" "${@:4}" 2>"$3"
	wpid=$NETNS_PID
	pids+=("$wpid")
}
# hworker I GROUP LOG K: a worker on machine I whose command holds its K-th range (scale_hold.py)
cat >"$tmp/wcmd" <<'EOF'
#!/usr/bin/env bash
set -o pipefail
wikimedia-job --batch-partial | python3 "$HOLD_PY" "$@"
EOF
chmod +x "$tmp/wcmd"
hworker() {
	rm -f "$tmp/held" "$tmp/go"
	SCHEMA_REGISTRY_URL=file:$reg ON_ERROR=fail QUIET=0 HOLD_PY=$TESTS/e2e/scale_hold.py HELD=$tmp/held GO=$tmp/go \
		netns_spawn "$1" cfjob --worker -b "$B" --in-topic wikimedia --group "$2" "${WX[@]}" --exit-at-end \
		-- "$tmp/wcmd" "$4" 2>"$3"
	wpid=$NETNS_PID
	pids+=("$wpid")
}
held() { wait_for 60 "a worker holds a range" test -e "$tmp/held"; }
# settled LOG... and held_batch STATE SECONDS: tests/lib.sh
# bg_driver GROUP OUT STATE LOG: the driver on the host; its pid (cfjob's) in dp
bg_driver() {
	"${J[@]}" --driver --group "$1" --out-topic "$2" --state "$3" --flush-at-end --max-batch "$MB" 2>"$4" &
	dp=$!
	pids+=("$dp")
}
# finish PID...: waits for each (60 s at most), killing what is left
finish() {
	local p i
	for p in "$@"; do
		for ((i = 0; i < 600; i++)); do alive "$p" || break; sleep 0.1; done
		alive "$p" && { kill -KILL "$p"; echo "# $p still running 60 s on: killed"; }
		wait "$p" 2>/dev/null
	done
}

# ---- the reference: one machine ----
"${J[@]}" --out-topic ref --state "$tmp/st/ref" --flush-at-end --max-batch "$MB" 2>"$tmp/ref.err"
st=$?
committed_bodies ref >"$tmp/ref.bodies"
nb=$(grep -c '^cfjob: batch [0-9]*:.*committed' "$tmp/ref.err")
check "reference (one machine, exactly once): exits 0, $nb batches, $(wc -c <"$tmp/ref.bodies") bytes of rows" \
	test "$st" = 0 -a "$nb" -ge 8 -a -s "$tmp/ref.bodies"
[ "$st" = 0 ] || { tail -5 "$tmp/ref.err" | sed 's/^/# ref: /'; exit 0; }

# ---- A. a driver and three workers, each on a machine of its own ----
w=()
for i in 1 2 3; do worker "$i" gA "$tmp/a.w$i.err" --exit-at-end; w+=("$wpid"); done
bg_driver gA outA "$tmp/st/A" "$tmp/a.d.err"
wait "$dp"
st=$?
finish "${w[@]}"
committed_bodies outA >"$tmp/a.bodies"
check "A. 1 driver, 3 workers on 3 machines: the driver exits 0 (status $st)" test "$st" = 0
[ "$st" = 0 ] || tail -3 "$tmp/a.d.err" | sed 's/^/# driver: /'
check "... it created the job's topics (gA-plan, gA-repartition, gA-changelog)" \
	test "$(grep -c '^cfjob: created topic gA-' "$tmp/a.d.err")" = 3
same_bytes "... read_committed, the output topic holds the single run's rows, in its order" "$tmp/ref.bodies" "$tmp/a.bodies"
n=0
for i in 1 2 3; do grep -q 'the driver.s run ended: [1-9][0-9]* ranges' "$tmp/a.w$i.err" && n=$((n + 1)); done
check "... each machine's worker ran ranges and ended with the driver's run ($n of 3)" test "$n" = 3

# ---- B. a network partition, then healing; a worker added ----
hworker 1 gB "$tmp/b.w1.err" 4
w1=$wpid
worker 2 gB "$tmp/b.w2.err" --exit-at-end
w2=$wpid
wait_for 60 "the workers of gB hold partitions 0-5 between them" settled "$tmp/b.w1.err" "$tmp/b.w2.err"
bg_driver gB outB "$tmp/st/B" "$tmp/b.d.err"
held
h=$?
held_batch "$tmp/st/B" 60
netns_cut 1
touch "$tmp/go"
worker 3 gB "$tmp/b.w3.err" --exit-at-end
w3=$wpid
within 120 grep -q "^cfjob: batch $((k + 1)): .*committed" "$tmp/b.d.err"
c=$?
netns_heal 1
wait "$dp"
st=$?
finish "$w1" "$w2" "$w3"
committed_bodies outB >"$tmp/b.bodies"
check "B. machine 1 cut off while its worker held a range of batch $((k + 1)): the others ran it, batch $((k + 1)) committed during the cut" \
	test "$h $c" = "0 0"
check "... healed: the driver exits 0 (status $st)" test "$st" = 0
[ "$st" = 0 ] || tail -3 "$tmp/b.d.err" | sed 's/^/# driver: /'
same_bytes "... read_committed, the output topic holds the single run's rows once, in its order" "$tmp/ref.bodies" "$tmp/b.bodies"
check "... the worker added on machine 3 ran ranges" grep -q 'the driver.s run ended: [1-9][0-9]* ranges' "$tmp/b.w3.err"
check "... worker 1, healed, comes back: it ends with the driver's run" grep -q 'the driver.s run ended' "$tmp/b.w1.err"
echo "# worker 1: $(grep -E 'held by this worker|run ended|stopped' "$tmp/b.w1.err" | tr '\n' ';' | cut -c1-400)"

# ---- B2. a machine lost: its worker SIGKILLed with its command; a worker added ----
hworker 1 gB2 "$tmp/b2.w1.err" 4
w1=$wpid
worker 2 gB2 "$tmp/b2.w2.err" --exit-at-end
w2=$wpid
wait_for 60 "the workers of gB2 hold partitions 0-5 between them" settled "$tmp/b2.w1.err" "$tmp/b2.w2.err"
bg_driver gB2 outB2 "$tmp/st/B2" "$tmp/b2.d.err"
held
h=$?
c=$(pgrep -P "$w1" | head -1)
kill -KILL "$w1" 2>/dev/null
[ -n "$c" ] && kill -KILL -- "-$c" 2>/dev/null
worker 3 gB2 "$tmp/b2.w3.err" --exit-at-end
w3=$wpid
wait "$dp"
st=$?
finish "$w2" "$w3"
committed_bodies outB2 >"$tmp/b2.bodies"
check "B2. machine 1's worker and its command SIGKILLed while holding a range, a worker added on machine 3: the driver exits 0 (status $st)" \
	test "$h $st" = "0 0"
same_bytes "... read_committed, the output topic holds the single run's rows once, in its order" "$tmp/ref.bodies" "$tmp/b2.bodies"
check "... the worker added on machine 3 ran ranges" grep -q 'the driver.s run ended: [1-9][0-9]* ranges' "$tmp/b2.w3.err"

# ---- C. the driver and a worker SIGKILLed mid-batch, both started again ----
hworker 1 gC "$tmp/c.w1.err" 4
w1=$wpid
worker 2 gC "$tmp/c.w2.err" --exit-at-end
w2=$wpid
wait_for 60 "the workers of gC hold partitions 0-5 between them" settled "$tmp/c.w1.err" "$tmp/c.w2.err"
bg_driver gC outC "$tmp/st/C" "$tmp/c.d.err"
held
h=$?
held_batch "$tmp/st/C" 60
kill -KILL "$dp" "$w2"
wait "$dp" 2>/dev/null
e0=$(committed_bodies outC | wc -c)
e0ref=$(sed -n "s/^cfjob: batch \([0-9]*\): [0-9]* records in, \([0-9]*\) rows.*/\1 \2/p" "$tmp/ref.err" |
	awk -v k="$k" '$1 <= k {n += $2} END {print n + 0}')
worker 2 gC "$tmp/c.w2b.err" --exit-at-end
w2=$wpid
bg_driver gC outC "$tmp/st/C" "$tmp/c.d2.err"
wait_for 60 "the driver started again replays batch $((k + 1))" grep -q "batch $((k + 1)): replaying" "$tmp/c.d2.err"
touch "$tmp/go"
wait "$dp"
st=$?
finish "$w1" "$w2"
committed_bodies outC >"$tmp/c.bodies"
check "C. the driver and worker 2 SIGKILLed with batch $((k + 1)) in flight (held by worker 1): started again, the driver exits 0 (status $st)" \
	test "$h $st" = "0 0"
[ "$st" = 0 ] || tail -3 "$tmp/c.d2.err" | sed 's/^/# driver: /'
same_bytes "... read_committed, the output topic holds the single run's rows once, in its order" "$tmp/ref.bodies" "$tmp/c.bodies"
echo "# C: $e0 bytes of rows committed at the kill (batches 1-$k: $e0ref rows in the reference)"

# ---- D. the driver's machine lost with its disk ----
hworker 1 gD "$tmp/d.w1.err" 5
w1=$wpid
worker 2 gD "$tmp/d.w2.err" --exit-at-end
w2=$wpid
wait_for 60 "the workers of gD hold partitions 0-5 between them" settled "$tmp/d.w1.err" "$tmp/d.w2.err"
bg_driver gD outD "$tmp/st/D" "$tmp/d.d.err"
held
h=$?
held_batch "$tmp/st/D" 60
kill -KILL "$dp"
wait "$dp" 2>/dev/null
bg_driver gD outD "$tmp/st/D2" "$tmp/d.d2.err"
wait_for 60 "the new driver took the state from gD-changelog" grep -q "state of batch $k taken from gD-changelog" "$tmp/d.d2.err"
touch "$tmp/go"
wait "$dp"
st=$?
finish "$w1" "$w2"
committed_bodies outD >"$tmp/d.bodies"
check "D. the driver lost with its --state after batch $k: a new driver with an empty --state takes batch $k's state from gD-changelog, exits 0 (status $st)" \
	test "$h $st" = "0 0" -a "$k" -gt 0
[ "$st" = 0 ] || tail -3 "$tmp/d.d2.err" | sed 's/^/# driver: /'
same_bytes "... read_committed, the output topic holds the single run's rows once, in its order" "$tmp/ref.bodies" "$tmp/d.bodies"
