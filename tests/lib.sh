# Helpers for the shell suites: TAP lines for tests/run.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "ok - $suite: $1"; }
notok() { echo "not ok - $suite: $1: $2"; }
# check NAME CONDITION-COMMAND...: ok when the command succeeds
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else notok "$name" "failed: $*"; fi
}
# same_bytes NAME WANT GOT: compares files, hex dumps the start of both on mismatch
same_bytes() {
	if cmp -s "$2" "$3"; then ok "$1"; return; fi
	notok "$1" "$(cmp "$2" "$3" 2>&1 | head -1)"
	echo "#   want:"; xxd "$2" | head -5 | sed 's/^/#     /'
	echo "#   got:"; xxd "$3" | head -5 | sed 's/^/#     /'
}
