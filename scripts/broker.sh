# Sourced by the demo and the tests: broker_start DIR [-t topic:partitions ...]
# starts bin/mockbroker (found on PATH) with its stdin on fd 9 and sets BROKERS;
# closing fd 9 (exec 9>&-) stops it. Returns 1 if it did not come up in 20 s.
broker_start() {
	local dir=$1
	shift
	# A file left by an earlier broker would be read before the new one
	# truncates it: the old, dead address.
	rm -f "$dir/brokers"
	exec 9> >(exec mockbroker "$@" >"$dir/brokers")
	for _ in $(seq 200); do
		grep -q BROKERS= "$dir/brokers" 2>/dev/null && break
		sleep 0.1
	done
	BROKERS=$(sed -n 's/^BROKERS=//p' "$dir/brokers")
	[ -n "$BROKERS" ]
}
