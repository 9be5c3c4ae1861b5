# A real single-node Apache Kafka broker (KRaft, combined broker+controller)
# for the end-to-end tests, from the jars tests/kafka/fetch puts in
# build/kafka/libs. Sourced by bash tests:
#
#   . tests/kafka/kafka.sh
#   trap 'kafka_stop; rm -rf "$tmp"' EXIT
#   kafka_start "$tmp" || exit 1      # sets KAFKA_BROKERS=127.0.0.1:PORT
#   kafka_create_topic in 3 || exit 1
#   ...
#   kafka_stop
#
# kafka_start DIR: formats a fresh KRaft log directory under DIR/kafka
#   (random cluster id), writes DIR/kafka/server.properties with PLAINTEXT
#   and CONTROLLER listeners on 127.0.0.1 (PLAINTEXT: see --bind) at free
#   ports, starts the broker in the background (log in DIR/kafka/server.log,
#   its stdout and stderr in DIR/kafka/server.out), waits until kcat -L
#   answers (KAFKA_START_TIMEOUT seconds, 60 by default) and sets
#   KAFKA_BROKERS and KAFKA_PID. On failure it prints the end of the server
#   log on stderr, stops the broker and returns 1.
#   Call it in the test's own shell, not in $(...) or a pipeline.
#   Options after DIR, for tests of security settings (the PLAINTEXT
#   listener, the one kafka_start waits on and KAFKA_BROKERS names, is always
#   there, for the test's own setup):
#     --listener NAME:PROTOCOL  one more listener NAME on 127.0.0.1 at a free
#         port, with security protocol PROTOCOL (SSL, SASL_SSL, SASL_PLAINTEXT,
#         PLAINTEXT), advertised as it is; its host:port is put in
#         KAFKA_LISTENER[NAME] (an associative array). Repeatable.
#     --prop KEY=VALUE  a line added to server.properties after kafka_start's
#         own (a later key wins: e.g. listener.name.NAME.ssl.client.auth=required,
#         sasl.enabled.mechanisms=..., ssl.keystore.type=PEM). Repeatable.
#     --format-arg ARG  an argument for kafka-storage format (StorageTool), e.g.
#         --format-arg --add-scram --format-arg 'SCRAM-SHA-512=[name=u,password=p]'.
#         Repeatable.
#     --bind ADDR  the PLAINTEXT listener on the IPv4 address ADDR (a local
#         one, e.g. tests/netns.sh's NETNS_HOST) instead of 127.0.0.1, and
#         advertised there: KAFKA_BROKERS=ADDR:PORT. The controller listener
#         and the --listener ones stay on 127.0.0.1.
# kafka_create_topic NAME PARTITIONS [TopicCommand options, e.g. --config k=v]:
#   creates a topic (replication factor 1) with org.apache.kafka.tools.TopicCommand
#   and waits until kcat sees every partition with a leader.
# kafka_stop: SIGTERM, up to 15 s for the broker to stop, then SIGKILL; safe to
#   call more than once (e.g. again from an EXIT trap) or with no broker started.
#   A watchdog also stops the broker if the shell that started it goes away
#   without calling kafka_stop (killed by SIGKILL, say).
#
# KAFKA_LIBS overrides the jar directory, KAFKA_HEAP_OPTS the heap (-Xmx512m).
# Needs java (17 or newer), kcat and python3 (to pick free ports).

KAFKA_LIBS=${KAFKA_LIBS:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/kafka/libs}
KAFKA_BROKERS=
KAFKA_PID=
declare -gA KAFKA_LISTENER=()
_kafka_watchdog=
_kafka_dir=

# kafka_available: true when the jars are there (tests/kafka/fetch has run).
kafka_available() {
	compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null &&
		compgen -G "$KAFKA_LIBS/kafka-tools-[0-9]*.jar" >/dev/null
}

_kafka_java() {
	java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-Dlog4j2.configurationFile="$_kafka_dir/tools-log4j2.properties" \
		-cp "$KAFKA_LIBS/*" "$@"
}

# _kafka_free_ports N [HOST]: N distinct free TCP ports, one a line, the first
# on HOST (127.0.0.1 by default), the others on 127.0.0.1.
_kafka_free_ports() {
	python3 - "$1" "${2:-127.0.0.1}" <<'EOF'
import socket, sys
socks = []
for i in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind((sys.argv[2] if i == 0 else "127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
    s.close()
EOF
}

_kafka_log_tail() {
	local f
	for f in "$_kafka_dir/server.log" "$_kafka_dir/server.out"; do
		[ -s "$f" ] || continue
		echo "kafka_start: last lines of $f:"
		tail -n 30 "$f" | sed 's/^/kafka_start:   /'
	done >&2
}

kafka_start() {
	local dir=${1:?kafka_start DIR} port cport cid ports attempt waited timeout=${KAFKA_START_TIMEOUT:-60} host=127.0.0.1
	local -a xnames=() xprotos=() xprops=() fargs=()
	local xl xmap i
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--listener)
			[[ ${2:-} =~ ^([A-Z][A-Z0-9_]*):(PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL)$ ]] &&
				[ "${BASH_REMATCH[1]}" != PLAINTEXT ] && [ "${BASH_REMATCH[1]}" != CONTROLLER ] || {
				echo "kafka_start: --listener: expected NAME:PROTOCOL (NAME upper case, not PLAINTEXT or CONTROLLER), got '${2:-}'" >&2
				return 1
			}
			xnames+=("${BASH_REMATCH[1]}") xprotos+=("${BASH_REMATCH[2]}") ;;
		--prop)
			[[ ${2:-} == ?*=* ]] || { echo "kafka_start: --prop: expected KEY=VALUE, got '${2:-}'" >&2; return 1; }
			xprops+=("$2") ;;
		--format-arg)
			[ $# -ge 2 ] || { echo "kafka_start: --format-arg needs a value" >&2; return 1; }
			fargs+=("$2") ;;
		--bind)
			[[ ${2:-} =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] ||
				{ echo "kafka_start: --bind: expected an IPv4 address, got '${2:-}'" >&2; return 1; }
			host=$2 ;;
		*)	echo "kafka_start: unknown option '$1'" >&2; return 1 ;;
		esac
		shift 2
	done
	if ! kafka_available; then
		echo "kafka_start: no Kafka jars in $KAFKA_LIBS: run tests/kafka/fetch (make kafka-server)" >&2
		return 1
	fi
	local t
	for t in java kcat python3; do
		command -v "$t" >/dev/null || { echo "kafka_start: needs $t on PATH" >&2; return 1; }
	done
	if [ -n "$KAFKA_PID" ] && kill -0 "$KAFKA_PID" 2>/dev/null; then
		echo "kafka_start: a broker is already running (pid $KAFKA_PID)" >&2
		return 1
	fi
	_kafka_dir=$(cd "$dir" && pwd)/kafka
	# Up to 3 tries, in case another process takes a port between picking and binding it.
	for attempt in 1 2 3; do
		rm -rf "$_kafka_dir"
		mkdir -p "$_kafka_dir/data" || return 1
		ports=$(_kafka_free_ports $((2 + ${#xnames[@]})) "$host") || { echo "kafka_start: could not pick free ports" >&2; return 1; }
		port=$(sed -n 1p <<<"$ports")
		cport=$(sed -n 2p <<<"$ports")
		KAFKA_LISTENER=()
		xl= xmap=
		for i in "${!xnames[@]}"; do
			KAFKA_LISTENER[${xnames[$i]}]=127.0.0.1:$(sed -n "$((i + 3))p" <<<"$ports")
			xl+=",${xnames[$i]}://${KAFKA_LISTENER[${xnames[$i]}]}"
			xmap+=",${xnames[$i]}:${xprotos[$i]}"
		done
		# A Kafka Uuid: 16 random bytes in URL-safe base64 without padding
		# (one in 64 starts with "-": hence --cluster-id=, not -t).
		cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
		cat >"$_kafka_dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://$host:$port,CONTROLLER://127.0.0.1:$cport$xl
advertised.listeners=PLAINTEXT://$host:$port$xl
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT$xmap
log.dirs=$_kafka_dir/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.segment.bytes=16777216
log.retention.hours=1
EOF
		[ ${#xprops[@]} -eq 0 ] || printf '%s\n' "${xprops[@]}" >>"$_kafka_dir/server.properties"
		cat >"$_kafka_dir/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $_kafka_dir/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
		cat >"$_kafka_dir/tools-log4j2.properties" <<EOF
status = warn
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = ERR
EOF
		if ! _kafka_java kafka.tools.StorageTool format --cluster-id="$cid" \
			-c "$_kafka_dir/server.properties" "${fargs[@]}" >"$_kafka_dir/format.out" 2>&1; then
			echo "kafka_start: kafka.tools.StorageTool format failed:" >&2
			sed 's/^/kafka_start:   /' "$_kafka_dir/format.out" >&2
			return 1
		fi
		# Every descriptor redirected: the broker must not hold a test's pipe open.
		java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
			-Djava.awt.headless=true \
			-Dlog4j2.configurationFile="$_kafka_dir/log4j2.properties" \
			-Dkafka.logs.dir="$_kafka_dir" \
			-cp "$KAFKA_LIBS/*" kafka.Kafka "$_kafka_dir/server.properties" \
			</dev/null >"$_kafka_dir/server.out" 2>&1 &
		KAFKA_PID=$!
		echo "$KAFKA_PID" >"$_kafka_dir/kafka.pid"
		# The watchdog: stops the broker if this shell dies without kafka_stop.
		(
			trap '' INT HUP
			while kill -0 "$KAFKA_PID" 2>/dev/null; do
				if ! kill -0 "$$" 2>/dev/null; then
					kill -TERM "$KAFKA_PID" 2>/dev/null
					for _ in $(seq 30); do
						kill -0 "$KAFKA_PID" 2>/dev/null || exit 0
						sleep 0.5
					done
					kill -KILL "$KAFKA_PID" 2>/dev/null
					exit 0
				fi
				sleep 1
			done
		) </dev/null >/dev/null 2>&1 &
		_kafka_watchdog=$!

		waited=0
		while [ "$waited" -lt $((timeout * 5)) ]; do
			if ! kill -0 "$KAFKA_PID" 2>/dev/null; then
				break
			fi
			if kcat -L -b "$host:$port" -m 1 2>/dev/null | grep -q '^ *broker 1 at'; then
				KAFKA_BROKERS=$host:$port
				return 0
			fi
			sleep 0.2
			waited=$((waited + 1))
		done
		if ! kill -0 "$KAFKA_PID" 2>/dev/null &&
			grep -qi 'address already in use' "$_kafka_dir/server.log" "$_kafka_dir/server.out" 2>/dev/null &&
			[ "$attempt" -lt 3 ]; then
			echo "kafka_start: a port was taken, trying again with others" >&2
			kafka_stop
			continue
		fi
		if kill -0 "$KAFKA_PID" 2>/dev/null; then
			echo "kafka_start: the broker did not answer on $host:$port within $timeout s" >&2
		else
			echo "kafka_start: the broker exited before it answered on $host:$port" >&2
		fi
		_kafka_log_tail
		kafka_stop
		return 1
	done
	return 1
}

kafka_create_topic() {
	local name=${1:?kafka_create_topic NAME PARTITIONS} parts=${2:?kafka_create_topic NAME PARTITIONS} i n
	shift 2
	[ -n "$KAFKA_BROKERS" ] || { echo "kafka_create_topic: no broker (kafka_start first)" >&2; return 1; }
	if ! _kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" \
		--create --topic "$name" --partitions "$parts" --replication-factor 1 "$@" \
		>"$_kafka_dir/topic-$name.out" 2>&1; then
		echo "kafka_create_topic: TopicCommand --create --topic $name failed:" >&2
		sed 's/^/kafka_create_topic:   /' "$_kafka_dir/topic-$name.out" >&2
		return 1
	fi
	for i in $(seq 150); do
		n=$(kcat -L -b "$KAFKA_BROKERS" -t "$name" -m 2 2>/dev/null |
			grep -cE '^ +partition [0-9]+, leader [0-9]+,')
		[ "$n" -eq "$parts" ] && return 0
		sleep 0.2
	done
	echo "kafka_create_topic: topic $name: $n of $parts partitions have a leader after 30 s" >&2
	return 1
}

kafka_stop() {
	local pid=$KAFKA_PID i
	if [ -n "$_kafka_watchdog" ]; then
		kill -KILL "$_kafka_watchdog" 2>/dev/null
		wait "$_kafka_watchdog" 2>/dev/null
		_kafka_watchdog=
	fi
	KAFKA_PID=
	KAFKA_BROKERS=
	KAFKA_LISTENER=()
	[ -n "$pid" ] || return 0
	if kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 75); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "kafka_stop: the broker (pid $pid) did not stop within 15 s of SIGTERM: SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	wait "$pid" 2>/dev/null
	return 0
}
