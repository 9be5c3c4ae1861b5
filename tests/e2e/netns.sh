# The network namespace harness (tests/netns.sh) itself, the machines of the
# distributed job's tests: two machines on a bridge; a TCP echo server on the
# bridge's address (NETNS_HOST) reachable from both, and one in machine 1
# reachable from the host; machine 1 cut: neither reachable across the cut
# (each try bounded by timeout), machine 2 still; a connection open across
# the cut stalls (no answer, no reset) and carries on once healed; healed:
# all reachable again. Then the real Apache Kafka broker (tests/kafka/kafka.sh)
# with its PLAINTEXT listener on NETNS_HOST (kafka_start --bind): kcat -L
# answers from the host and from each machine, a record produced in machine 1
# is consumed in machine 2, and a cut machine gets no metadata (kcat -m 3
# under timeout) until healed. After netns_teardown (twice), no namespace,
# interface, route or process of the suite is left. A machine that cannot
# make namespaces, veth pairs or a bridge is a failure with netns_available's
# reason, not a skip: CI runs as root on a fresh Debian 12.
suite=netns
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/kafka/kafka.sh"
. "$TESTS/netns.sh"

trap 'kill $srv 2>/dev/null; kafka_stop; netns_teardown; rm -rf "$tmp"' EXIT
exit_on_signals
srv=

for t in python3 timeout kcat; do
	command -v $t >/dev/null || { notok "$t present" "$t not on PATH"; exit 0; }
done
if ! netns_available 2>"$tmp/avail.err"; then
	notok "network namespaces, veth pairs and a bridge can be made" "$(cat "$tmp/avail.err")"
	exit 0
fi
ok "network namespaces, veth pairs and a bridge can be made"
if ! netns_setup 2 2>"$tmp/setup.err"; then
	notok "netns_setup 2" "$(cat "$tmp/setup.err")"
	exit 0
fi
ok "netns_setup 2 (host $NETNS_HOST, machines ${NETNS_ADDR[*]})"
tag=$$ net=${NETNS_HOST%.*}

# loopback I: a TCP connection on machine I's 127.0.0.1
loopback() {
	netns_exec "$1" timeout 5 python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname(), timeout=2)'
}
# step NAME CMD...: ok when CMD succeeds, else not ok with its stderr
step() {
	local name=$1
	shift
	if "$@" 2>"$tmp/step.err"; then ok "$name"; else notok "$name" "$(cat "$tmp/step.err")"; fi
}
# stall_says WORD SECONDS NAME: ok when the stalled client (stall.py) says WORD within SECONDS
stall_says() {
	if within "$2" grep -q "$1" "$tmp/stall.out"; then ok "$3"; return; fi
	notok "$3" "no '$1' from the client within $2 s"
	sed 's/^/#   /' "$tmp/stall.out"
}

# the machines' own view: their address on eth0, loopback up, the route
for i in 1 2; do
	check "machine $i has ${NETNS_ADDR[i]} on eth0" grep -q "inet ${NETNS_ADDR[i]}/24 " \
		<<<"$(netns_exec "$i" ip -4 -o addr show dev eth0)"
	check "machine $i has its loopback up" loopback "$i"
	check "machine $i routes through $NETNS_HOST" grep -q "via $NETNS_HOST dev eth0" \
		<<<"$(netns_exec "$i" ip -4 route get 192.0.2.99)"
done
export CHECK_VAR=kept
check "netns_exec keeps the environment" test "$(netns_exec 1 bash -c 'echo "$CHECK_VAR $PATH"')" = "kept $PATH"
check "netns_exec 3 refused (2 machines)" eval '! netns_exec 3 true 2>/dev/null'

# An echo server: "hello" to each connection, then each line back.
cat >"$tmp/echo.py" <<'EOF'
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 0))
s.listen(16)
print("PORT=%d" % s.getsockname()[1], flush=True)
def serve(c):
    with c:
        c.sendall(b"hello\n")
        for line in c.makefile("rb"):
            c.sendall(line)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
# A client whose connection is opened before the cut: one line echoed; once
# DIR/cut exists, a line sent gets no answer within 2 s ("stalled"); once
# DIR/healed exists, the answer comes within 60 s ("resumed").
cat >"$tmp/stall.py" <<'EOF'
import os, socket, sys, time
host, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = socket.create_connection((host, port), timeout=5)
def line():
    b = b""
    while not b.endswith(b"\n"):
        r = c.recv(100)
        if not r:
            sys.exit("closed by the server")
        b += r
    return b
assert line() == b"hello\n"
c.sendall(b"a\n")
assert line() == b"a\n"
print("exchanged", flush=True)
def wait_file(f):
    for _ in range(1200):
        if os.path.exists(os.path.join(d, f)):
            return
        time.sleep(0.05)
    sys.exit("no " + f + " after 60 s")
wait_file("cut")
c.sendall(b"b\n")
c.settimeout(2)
try:
    print("answered across the cut: %r" % c.recv(100), flush=True)
    sys.exit(1)
except socket.timeout:
    print("stalled", flush=True)
wait_file("healed")
c.settimeout(60)
print("resumed" if line() == b"b\n" else "wrong answer", flush=True)
EOF
# reach I HOST PORT: a connection from machine I (0: the host) to HOST:PORT
# gets the echo server's hello (within 5 s)
reach() {
	local -a run=()
	[ "$1" -eq 0 ] || run=(netns_exec "$1")
	"${run[@]}" timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && read -r -t 4 l <&3 && [ "$l" = hello ]' _ "$2" "$3" 2>/dev/null
}
unreach() { ! reach "$@"; }

python3 "$tmp/echo.py" "$NETNS_HOST" >"$tmp/srv.out" 2>"$tmp/srv.err" &
srv=$!
port=$(started PORT "$tmp/srv.out") || { notok "an echo server on $NETNS_HOST" "$(cat "$tmp/srv.err")"; exit 0; }
netns_spawn 1 python3 "$tmp/echo.py" "${NETNS_ADDR[1]}" >"$tmp/srv1.out" 2>"$tmp/srv1.err"
srv1=$NETNS_PID
port1=$(started PORT "$tmp/srv1.out") || { notok "an echo server in machine 1" "$(cat "$tmp/srv1.err")"; exit 0; }
check "netns_spawn's NETNS_PID is the command's own pid" grep -q echo.py "/proc/$srv1/cmdline"
check "machine 1 reaches $NETNS_HOST:$port" reach 1 "$NETNS_HOST" "$port"
check "machine 2 reaches $NETNS_HOST:$port" reach 2 "$NETNS_HOST" "$port"
check "the host reaches machine 1 (${NETNS_ADDR[1]}:$port1)" reach 0 "${NETNS_ADDR[1]}" "$port1"
check "machine 2 reaches machine 1" reach 2 "${NETNS_ADDR[1]}" "$port1"

netns_spawn 1 python3 "$tmp/stall.py" "$NETNS_HOST" "$port" "$tmp" >"$tmp/stall.out" 2>&1
stall=$NETNS_PID
stall_says exchanged 10 "a connection from machine 1 is open"
step "netns_cut 1" netns_cut 1
touch "$tmp/cut"
stall_says stalled 10 "the open connection stalls across the cut"
check "cut: machine 1 does not reach $NETNS_HOST" unreach 1 "$NETNS_HOST" "$port"
check "cut: the host does not reach machine 1" unreach 0 "${NETNS_ADDR[1]}" "$port1"
check "cut: machine 2 does not reach machine 1" unreach 2 "${NETNS_ADDR[1]}" "$port1"
check "cut: machine 2 still reaches $NETNS_HOST" reach 2 "$NETNS_HOST" "$port"
check "cut: machine 1's loopback still works" loopback 1
step "netns_cut 1 again: nothing to do" netns_cut 1
step "netns_heal 1" netns_heal 1
touch "$tmp/healed"
stall_says resumed 60 "healed: the stalled connection carries on"
check "healed: machine 1 reaches $NETNS_HOST" reach 1 "$NETNS_HOST" "$port"
check "healed: the host reaches machine 1" reach 0 "${NETNS_ADDR[1]}" "$port1"
check "healed: machine 2 reaches machine 1" reach 2 "${NETNS_ADDR[1]}" "$port1"
wait "$stall" 2>/dev/null
kill "$srv"
wait "$srv" 2>/dev/null
srv=

# The real broker on the bridge
if ! kafka_available; then
	missing "kafka broker jars" "$KAFKA_LIBS missing: make kafka-server"
elif ! kafka_start "$tmp" --bind "$NETNS_HOST" 2>"$tmp/start.err"; then
	notok "kafka_start --bind $NETNS_HOST" "kafka_start failed"
	sed 's/^/# /' "$tmp/start.err"
else
	check "kafka_start --bind: KAFKA_BROKERS on $NETNS_HOST ($KAFKA_BROKERS)" test "${KAFKA_BROKERS%:*}" = "$NETNS_HOST"
	# meta I: kcat -L from machine I (0: the host) names the broker at KAFKA_BROKERS
	meta() {
		local -a run=()
		[ "$1" -eq 0 ] || run=(netns_exec "$1")
		"${run[@]}" timeout 20 kcat -L -b "$KAFKA_BROKERS" -m 3 2>/dev/null | grep -q "^ *broker 1 at $KAFKA_BROKERS"
	}
	nometa() { ! meta "$@"; }
	check "kcat -L from the host" meta 0
	check "kcat -L from machine 1" meta 1
	check "kcat -L from machine 2" meta 2
	if kafka_create_topic t 2 2>"$tmp/topic.err"; then
		echo across | netns_exec 1 timeout 30 kcat -P -b "$KAFKA_BROKERS" -t t -p 1 2>"$tmp/p.err"
		got=$(netns_exec 2 timeout 30 kcat -C -b "$KAFKA_BROKERS" -t t -p 1 -o beginning -e -q 2>"$tmp/c.err")
		same_text "produced in machine 1, consumed in machine 2" $? across "$got" "$tmp/c.err"
	else
		notok "kafka_create_topic t 2" "$(cat "$tmp/topic.err")"
	fi
	step "netns_cut 2" netns_cut 2
	check "cut: no metadata in machine 2" nometa 2
	check "cut: kcat -L from machine 1" meta 1
	step "netns_heal 2" netns_heal 2
	check "healed: kcat -L from machine 2" meta 2
	kafka_stop
fi

# Teardown: processes, namespaces, interfaces, routes
netns_teardown
check "netns_teardown ends the processes left in the machines" ended "$srv1"
check "netns_teardown twice" netns_teardown
check "no namespace of the suite left" eval '! ip netns list | grep -q "^cfkit-$tag-"'
check "no interface of the suite left" eval '! ip -o link show | grep -qE "^[0-9]+: cf[bv]-$tag[-:@]"'
check "no route or address on $net.0/24 left" eval '! ip -4 route show table all | grep -qF " $net." && ! ip -4 route show table all | grep -q "^$net\." && ! ip -4 -o addr show | grep -qF " $net."'
check "netns_cut after teardown refused" eval '! netns_cut 1 2>/dev/null'
