# Machines for the tests of a distributed job: each in a Linux network
# namespace of its own, joined to the host by a veth pair on a bridge, so
# that a test can cut a machine's network (a partition, a pulled cable) and
# heal it, while servers (the real Kafka broker of tests/kafka/kafka.sh with
# --bind "$NETNS_HOST") listen on the bridge's address. Sourced by bash tests,
# run as root (CAP_NET_ADMIN and CAP_SYS_ADMIN); needs ip (iproute2) and
# flock (util-linux), and the tests timeout (coreutils), with which every
# wait across a cut must be bounded:
#
#   . "$TESTS/netns.sh"
#   trap 'kafka_stop; netns_teardown; rm -rf "$tmp"' EXIT
#   netns_available || { notok "network namespaces" "see the reason above"; exit 0; }
#   netns_setup 2 || exit 1
#   kafka_start "$tmp" --bind "$NETNS_HOST" || exit 1
#   netns_spawn 1 cfjob ... >"$tmp/w1.out" 2>&1; w1=$NETNS_PID
#   netns_spawn 2 cfjob ... >"$tmp/w2.out" 2>&1; w2=$NETNS_PID
#   netns_cut 1            # machine 1 off the network: worker 2 takes over
#   ...
#   netns_heal 1           # back: worker 1 rejoins
#   netns_teardown
#
# netns_available: 0 when this machine lets us make namespaces, veth pairs
#   and a bridge (it makes a probe of each, and runs a command in the
#   namespace, then removes them), else 1 with the precise reason on stderr
#   ("netns_available: ...": the step that failed and ip's message).
# netns_setup N: makes N namespaces (machines 1..N) and a bridge: the bridge
#   has the address 10.231.X.1/24, a /24 no address or route of this machine
#   overlaps (X starts from the shell's pid, $$, and goes on to the next one
#   free; a lock, /run/lock/cfkit-netns.lock, keeps two suites that set up at
#   once from taking the same); machine I has 10.231.X.(I+1) on its eth0 (a
#   veth whose host end is a port of the bridge), its loopback up and a
#   default route via the bridge's address. Names carry the pid: namespaces
#   cfkit-PID-I, bridge cfb-PID, host ends cfv-PID-I. Sets NETNS_HOST (the
#   bridge's address: servers for the machines listen there), NETNS_ADDR[I]
#   (machine I's address), NETNS_NAME[I] (its namespace, for
#   ip netns exec / ip -n) and NETNS_N. Returns 1 with the reason on stderr
#   (what it made by then removed) if a step fails. N from 1 to 250.
# netns_exec I CMD...: runs CMD in machine I's network namespace, in the
#   foreground, with this shell's environment (exported variables, PATH) and
#   descriptors; its status is CMD's. CMD is a program (ip netns exec runs
#   it), not a shell function: bash -c '...' for a script. (It also gets a
#   mount namespace of its own, with the network namespace's /sys.)
# netns_spawn I CMD...: CMD in machine I's namespace in the background; sets
#   NETNS_PID to CMD's own pid (ip netns exec execs CMD: kill "$NETNS_PID"
#   signals CMD itself, which $! of "netns_exec I CMD &" would not, that
#   being a subshell's). Redirect the call: netns_spawn 1 cmd >out 2>err.
# netns_cut I: cuts machine I from the network, as a pulled cable: the host
#   end of its veth is set down, so no packet goes in or out (its eth0 loses
#   its carrier; its addresses, routes and loopback stay). Connections
#   already open stall (nothing is reset: each side only retransmits until
#   its own timeout); a new connection fails with "No route to host" once
#   ARP gives up (about 3 s), as on a real LAN. Cutting a cut machine does
#   nothing.
# netns_heal I: undoes netns_cut I (the host end up again, back in the
#   bridge, forwarding at once: the bridge has no STP) and waits (up to 5 s)
#   for the machine's eth0 to have its carrier back. Stalled connections
#   carry on with the next retransmission, unless a side gave up on them.
# netns_teardown: kills the processes still running in the namespaces
#   (SIGTERM, up to 5 s, then SIGKILL), then deletes the namespaces, the veth
#   pairs and the bridge (and so its address and route). Safe to call twice,
#   with nothing set up, after a setup that failed midway and from an EXIT
#   trap: it finds what to delete by name (the pid in it), not by what it
#   remembers having made. A watchdog that netns_setup starts calls it too
#   (within a second) if the shell that set up goes away without it (killed
#   by SIGKILL, say).

NETNS_HOST=
NETNS_N=0
NETNS_PID=
declare -ga NETNS_ADDR=() NETNS_NAME=()
_netns_tag=
_netns_br=
_netns_watchdog=

_netns_err() { echo "$1: $2" >&2; }

# _netns_run WHO WHAT CMD...: CMD, its stderr kept; on failure, "WHO: WHAT: stderr"
_netns_run() {
	local who=$1 what=$2 out
	shift 2
	out=$("$@" 2>&1 >/dev/null) && return 0
	_netns_err "$who" "$what failed${out:+: $out}"
	return 1
}

netns_available() {
	local t ns=cfkit-probe-$$ br=cfbp-$$ v=cfvp-$$ ok=1
	if [ "$(id -u)" -ne 0 ]; then
		_netns_err netns_available "not root (uid $(id -u)): namespaces, veth pairs and bridges need CAP_NET_ADMIN and CAP_SYS_ADMIN"
		return 1
	fi
	for t in ip flock timeout; do
		command -v "$t" >/dev/null || { _netns_err netns_available "needs $t on PATH (ip: iproute2, flock: util-linux, timeout: coreutils)"; return 1; }
	done
	ip netns list >/dev/null 2>&1 || { _netns_err netns_available "'ip netns list' fails: this ip has no netns support"; return 1; }
	_netns_run netns_available "ip netns add $ns" ip netns add "$ns" || return 1
	_netns_run netns_available "ip link add $br type bridge" ip link add "$br" type bridge &&
		_netns_run netns_available "ip link add $v type veth peer (in namespace $ns)" \
			ip link add "$v" type veth peer name eth0 netns "$ns" &&
		_netns_run netns_available "ip link set $v master $br" ip link set "$v" master "$br" &&
		_netns_run netns_available "ip -n $ns link set lo up" ip -n "$ns" link set lo up &&
		_netns_run netns_available "ip netns exec $ns true" ip netns exec "$ns" true &&
		ok=0
	ip link del "$v" 2>/dev/null
	ip link del "$br" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	return $ok
}

# _netns_ip4 A.B.C.D: the address as a 32-bit number in _netns_v
_netns_ip4() {
	local IFS=. a b c d
	read -r a b c d <<<"$1"
	_netns_v=$(((a << 24) | (b << 16) | (c << 8) | d))
}

# _netns_prefixes: every IPv4 prefix of this machine's addresses and routes
# (all tables), one A.B.C.D/LEN a line, the default routes left out
_netns_prefixes() {
	ip -4 -o addr show 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "inet") print $(i + 1) }'
	ip -4 route show table all 2>/dev/null | awk '
		$1 ~ /^(unicast|local|broadcast|multicast|unreachable|blackhole|prohibit|throw|anycast|nat)$/ { $1 = $2 }
		$1 != "default" && $1 ~ /^[0-9.]+(\/[0-9]+)?$/ { print $1 }'
}

# _netns_used X: true when 10.231.X.0/24 overlaps an address or route of this machine
_netns_used() {
	local p len net lo=$(((10 << 24) | (231 << 16) | ($1 << 8))) m
	while read -r p; do
		len=${p#*/}
		[ "$len" = "$p" ] && len=32
		[ "$len" -gt 0 ] || continue
		_netns_ip4 "${p%/*}"
		net=$_netns_v
		# overlap: the shorter of the two prefixes contains the other's network
		[ "$len" -lt 24 ] || len=24
		m=$(((0xffffffff << (32 - len)) & 0xffffffff))
		[ $((net & m)) -eq $((lo & m)) ] && return 0
	done < <(_netns_prefixes)
	return 1
}

netns_setup() {
	local n=${1:?netns_setup N} x i lock ns v st=0
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 250 ] ||
		{ _netns_err netns_setup "N must be from 1 to 250, got '$n'"; return 1; }
	[ -z "$_netns_br" ] || { _netns_err netns_setup "already set up (bridge $_netns_br): netns_teardown first"; return 1; }
	_netns_tag=$$
	_netns_br=cfb-$_netns_tag
	if ip link show "$_netns_br" >/dev/null 2>&1; then
		_netns_err netns_setup "a bridge $_netns_br exists already (another shell with pid $_netns_tag, in another pid namespace?)"
		_netns_br=
		return 1
	fi
	mkdir -p /run/lock 2>/dev/null
	exec {lock}>/run/lock/cfkit-netns.lock || { _netns_err netns_setup "cannot open /run/lock/cfkit-netns.lock"; _netns_br=; return 1; }
	if ! flock -w 30 "$lock"; then
		exec {lock}>&-
		_netns_err netns_setup "/run/lock/cfkit-netns.lock still locked after 30 s"
		_netns_br=
		return 1
	fi
	# the /24: from the pid, the next free one
	for i in $(seq 0 255); do
		x=$((($_netns_tag + i) % 256))
		_netns_used "$x" || break
		x=
	done
	if [ -z "$x" ]; then
		_netns_err netns_setup "every 10.231.X.0/24 overlaps an address or route of this machine"
		st=1
	else
		NETNS_HOST=10.231.$x.1
		# an address of its own: else the bridge takes its lowest port's,
		# which changes when a port goes down, and the other machines' ARP
		# entries for NETNS_HOST go stale
		_netns_run netns_setup "ip link add $_netns_br type bridge" \
			ip link add "$_netns_br" address "$(printf '02:cf:%02x:%02x:%02x:01' $((_netns_tag >> 16 & 255)) $((_netns_tag >> 8 & 255)) $((_netns_tag & 255)))" type bridge &&
			_netns_run netns_setup "ip addr add $NETNS_HOST/24 dev $_netns_br" ip addr add "$NETNS_HOST/24" dev "$_netns_br" &&
			_netns_run netns_setup "ip link set $_netns_br up" ip link set "$_netns_br" up || st=1
	fi
	flock -u "$lock"
	exec {lock}>&-
	for ((i = 1; st == 0 && i <= n; i++)); do
		ns=cfkit-$_netns_tag-$i v=cfv-$_netns_tag-$i
		NETNS_NAME[i]=$ns NETNS_ADDR[i]=10.231.$x.$((i + 1))
		_netns_run netns_setup "ip netns add $ns" ip netns add "$ns" &&
			_netns_run netns_setup "ip link add $v type veth peer (eth0 in $ns)" \
				ip link add "$v" type veth peer name eth0 netns "$ns" &&
			_netns_run netns_setup "ip link set $v master $_netns_br" ip link set "$v" master "$_netns_br" &&
			_netns_run netns_setup "ip link set $v up" ip link set "$v" up &&
			_netns_run netns_setup "ip -n $ns link set lo up" ip -n "$ns" link set lo up &&
			_netns_run netns_setup "ip -n $ns addr add ${NETNS_ADDR[i]}/24 dev eth0" \
				ip -n "$ns" addr add "${NETNS_ADDR[i]}/24" dev eth0 &&
			_netns_run netns_setup "ip -n $ns link set eth0 up" ip -n "$ns" link set eth0 up &&
			_netns_run netns_setup "ip -n $ns route add default via $NETNS_HOST" \
				ip -n "$ns" route add default via "$NETNS_HOST" || st=1
		NETNS_N=$i
	done
	for ((i = 1; st == 0 && i <= n; i++)); do
		_netns_carrier "$i" || { _netns_err netns_setup "eth0 of ${NETNS_NAME[i]} has no carrier after 5 s"; st=1; }
	done
	if [ "$st" -eq 0 ]; then
		# the watchdog: tears down if this shell dies without netns_teardown
		(
			trap '' INT HUP TERM
			while kill -0 "$_netns_tag" 2>/dev/null; do sleep 1; done
			netns_teardown
		) </dev/null >/dev/null 2>&1 &
		_netns_watchdog=$!
		return 0
	fi
	netns_teardown
	return 1
}

# _netns_carrier I: waits up to 5 s for eth0 of machine I to be up with its carrier
_netns_carrier() {
	local k
	for k in $(seq 100); do
		ip -n "${NETNS_NAME[$1]}" -o link show eth0 2>/dev/null | grep -q 'state UP' && return 0
		sleep 0.05
	done
	return 1
}

# _netns_i FUNC I: true when I names a machine of the setup
_netns_i() {
	[[ ${2:-} =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le "$NETNS_N" ] && [ -n "$_netns_br" ] && return 0
	_netns_err "$1" "no machine '${2:-}' (set up: ${NETNS_N} machines${_netns_br:+ on $_netns_br})"
	return 1
}

netns_exec() {
	_netns_i netns_exec "${1:-}" || return 1
	local ns=${NETNS_NAME[$1]}
	shift
	ip netns exec "$ns" "$@"
}

netns_spawn() {
	_netns_i netns_spawn "${1:-}" || return 1
	local ns=${NETNS_NAME[$1]}
	shift
	ip netns exec "$ns" "$@" &
	NETNS_PID=$!
}

netns_cut() {
	_netns_i netns_cut "${1:-}" || return 1
	_netns_run netns_cut "ip link set cfv-$_netns_tag-$1 down" ip link set "cfv-$_netns_tag-$1" down
}

netns_heal() {
	_netns_i netns_heal "${1:-}" || return 1
	_netns_run netns_heal "ip link set cfv-$_netns_tag-$1 up" ip link set "cfv-$_netns_tag-$1" up || return 1
	_netns_carrier "$1" || { _netns_err netns_heal "eth0 of ${NETNS_NAME[$1]} has no carrier 5 s after its host end went up"; return 1; }
}

netns_teardown() {
	local tag=${_netns_tag:-$$} ns pids l k
	local -a all=()
	if [ -n "$_netns_watchdog" ] && [ "$_netns_watchdog" != "$BASHPID" ]; then
		kill -KILL "$_netns_watchdog" 2>/dev/null
		wait "$_netns_watchdog" 2>/dev/null
	fi
	mapfile -t all < <(ip netns list 2>/dev/null | awk -v p="cfkit-$tag-" 'index($1, p) == 1 { print $1 }')
	# the processes first: a namespace a process is still in outlives its name
	pids=
	for ns in "${all[@]}"; do pids+=" $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"; done
	if [ -n "${pids// /}" ]; then
		kill -TERM $pids 2>/dev/null
		for k in $(seq 50); do
			l=
			for ns in "${all[@]}"; do l+=$(ip netns pids "$ns" 2>/dev/null); done
			[ -n "$l" ] || break
			sleep 0.1
		done
		for ns in "${all[@]}"; do
			pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
			[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
		done
	fi
	for ns in "${all[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# the host ends (gone with their namespace's end, unless the setup failed
	# before moving it), then the bridge
	for l in $(ip -o link show 2>/dev/null | awk -F': ' -v p="cfv-$tag-" '{ sub(/@.*/, "", $2) } index($2, p) == 1 { print $2 }'); do
		ip link del "$l" 2>/dev/null
	done
	ip link del "cfb-$tag" 2>/dev/null
	NETNS_HOST= NETNS_N=0 NETNS_PID= NETNS_ADDR=() NETNS_NAME=() _netns_br= _netns_watchdog=
	return 0
}
