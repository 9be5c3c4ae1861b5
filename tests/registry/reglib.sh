# Helpers of the registry suites (tests/cli/registry.sh, registry-refs.sh,
# registry-tls.sh, registry-budget.sh), sourced after tests/lib.sh.

# serve NAME CMD...: starts a server that prints URL=... with its stdin on a
# new descriptor (closing it stops the server); sets URL and NAME_fd.
serve() {
	local name=$1 fd
	shift
	rm -f "$tmp/$name.url"	# not the URL of a server of that name stopped before
	exec {fd}> >(exec "$@" >"$tmp/$name.url" 2>"$tmp/$name.err")
	eval "${name}_fd=$fd"
	URL=$(started URL "$tmp/$name.url") && return 0
	notok "$name starts" "$(cat "$tmp/$name.err")"
	return 1
}
stop() { local v=${1}_fd; eval "exec ${!v}>&-"; }

# rc NAME WANT CMD...: runs CMD (stdout in $tmp/out, stderr in $tmp/err), checks its status.
rc() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else
		notok "$name" "status $got, want $want: $(head -c 300 "$tmp/err")"; fi
}
has() { grep -qF -- "$2" "$1"; }
nlines() { [ "$(wc -l <"$1")" -eq "$2" ]; }
