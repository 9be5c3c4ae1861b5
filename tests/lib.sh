# Helpers for the shell suites: TAP lines for tests/run.
# A suite's clean-up finds its processes by $tmp in their command lines: tmp
# must never be empty.
tmp=$(mktemp -d) && [ -d "$tmp" ] || { echo "not ok - ${suite:-suite}: mktemp -d"; exit 1; }
# run outside tests/run, the suite is still told apart (suite_procs)
export CFKIT_SUITE=${CFKIT_SUITE:-${suite:-suite}.$$}
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
# same_text NAME STATUS WANT GOT ERRFILE: ok when STATUS is 0 and GOT is WANT;
# else both texts and the command's standard error (ERRFILE)
same_text() {
	if [ "$2" -eq 0 ] && [ "$4" = "$3" ]; then ok "$1"; return; fi
	if [ "$2" -eq 0 ]; then notok "$1" "the text differs"; else notok "$1" "status $2"; fi
	printf '#   want: %s
#   got:  %s
' "$3" "$4"
	sed 's/^/#   /' "$5"
}
# skip NAME WHY: a check not run here, as a TAP SKIP
skip() { echo "ok - $suite: $1 # SKIP $2"; }
# missing NAME WHY: something a check needs is missing: a failure under $CI, a SKIP elsewhere
missing() { if [ -n "${CI:-}" ]; then notok "$1" "$2"; else skip "$1" "$2"; fi; }
# now: the time in seconds, with nanoseconds
now() { date +%s.%N; }
# secs T0 T1: the seconds from T0 to T1 (times from now), to a tenth
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# exit_on_signals: INT, TERM and HUP end the suite through its EXIT trap (status 128 + signal)
exit_on_signals() { trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP; }
# alive PID: PID runs (a zombie does not); ended PID: it does not
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
ended() { ! alive "$1"; }
# within SECONDS CMD...: runs CMD (its stderr dropped) every WAIT_EVERY
# seconds (0.05 by default) until it succeeds (status 0) or SECONDS (a
# decimal) have passed (status 1): a wait for an event, not a guess at its time
within() {
	local s=$1 f=000000 end
	shift
	[[ $s == *.* ]] && f=${s#*.}000000
	end=$((${EPOCHREALTIME/./} + ${s%%.*} * 1000000 + 10#${f:0:6}))
	until "$@" 2>/dev/null; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep "${WAIT_EVERY:-0.05}"
	done
}
# wait_for SECONDS WHAT CMD...: within, and if CMD has not succeeded then, a
# failure that says so: "not ok - SUITE: WHAT: not within SECONDS s (CMD)"
wait_for() {
	local s=$1 what=$2
	shift 2
	within "$s" "$@" && return 0
	notok "$what" "not within $s s ($*)"
	return 1
}
# started KEY FILE: the value of the line KEY=value a server writes to FILE once it listens (waits up to 5 s)
started() { within 5 started_read "$1" "$2" && echo "$started_v"; }
started_read() { started_v=$(sed -n "s/^$1=//p" "$2") && [ -n "$started_v" ]; }	# (one read: a file may be truncated between two)
# suite_procs [-v ERE] [ERE]: the processes of this suite still running, a
# "PID ARGS" line each (ARGS: its arguments joined by spaces, a newline in
# one made a space), those whose ARGS match ERE and not -v's ERE. Found by
# CFKIT_SUITE, which tests/run puts in the environment of every process a
# suite starts, whatever its process group or session, as long as it keeps
# its environment (tests/run finds a suite's leftovers so too, with
# CFKIT_SUITE=ID suite_procs). This shell and the subshells it runs in are
# left out; run it alone (x=$(suite_procs ...)): the other commands of a
# pipeline it is in would be listed too.
suite_procs() {
	local not='^$' want= e p a self=" $$ " q=$BASHPID IFS=$' \t\n'
	[ "${1:-}" = -v ] && { not=$2; shift 2; }
	want=${1:-}
	while [ -n "$q" ] && [ "$q" != "$$" ] && [ "$q" -gt 1 ]; do	# the subshells between $$ and here
		self+="$q "
		read -r q 2>/dev/null <"/proc/$q/stat" || break
		q=${q##*) } q=${q#* } q=${q%% *}	# "pid (comm) state ppid ...": ppid
	done
	for e in $(grep -lsxzF "CFKIT_SUITE=$CFKIT_SUITE" /proc/[0-9]*/environ); do
		p=${e#/proc/} p=${p%/environ}
		[[ $self == *" $p "* ]] && continue
		mapfile -d '' -t a 2>/dev/null <"/proc/$p/cmdline" || continue
		[ ${#a[@]} -gt 0 ] || continue	# gone, or a zombie
		a=("${a[@]//$'\n'/ }")	# one line a process
		[[ ${a[*]} =~ $want ]] && ! [[ ${a[*]} =~ $not ]] && echo "$p ${a[*]}"
	done
}
# py_env: sets py (build/venv's python) and srfake, and clears the registry settings a suite must not inherit
py_env() {
	py=${PYENV_PYTHON:-$TESTS/../build/venv/bin/python}
	srfake=${SRFAKE:-$TESTS/../build/srfake}
	export PYTHONDONTWRITEBYTECODE=1
	unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN \
		SCHEMA_REGISTRY_PROPERTIES SCHEMA_REGISTRY_TIMEOUT SCHEMA_REGISTRY_CONNECT_TIMEOUT SCHEMA_REGISTRY_RETRIES
}
# conformance_args CASES: the arguments of a differential driver (spark_diff.py,
# avro_diff.py) in conf_args: "replay SEED INDEX" under CONFORMANCE_REPLAY,
# "random SEED N" under CONFORMANCE (CASES cases by default, the seed the time,
# printed), else "check" (the fixed seed of make check)
conformance_args() {
	if [ -n "${CONFORMANCE_REPLAY:-}" ]; then
		conf_args=(replay "${CONFORMANCE_REPLAY%%:*}" "${CONFORMANCE_REPLAY##*:}")
	elif [ -n "${CONFORMANCE:-}" ]; then
		conf_seed=${CONFORMANCE_SEED:-$(date +%s)}
		echo "# CONFORMANCE_SEED=$conf_seed CONFORMANCE_CASES=${CONFORMANCE_CASES:-$1}"
		conf_args=(random "$conf_seed" "${CONFORMANCE_CASES:-$1}")
	else
		conf_args=(check)
	fi
}
# conformance_seed: after a random run, its seed again and how to replay a case
conformance_seed() {
	[ -z "${CONFORMANCE:-}" ] ||
		echo "# CONFORMANCE_SEED=$conf_seed (replay a case: CONFORMANCE_REPLAY=$conf_seed:INDEX make conformance)"
}
# need_pyenv: true when $py has fastavro and confluent-kafka, else reports it missing
need_pyenv() {
	"$py" -c 'import fastavro, confluent_kafka.schema_registry.avro' 2>/dev/null ||
		{ missing "python environment" "$py lacks fastavro or confluent-kafka: make pyenv"; return 1; }
}
# need_srfake: true when $srfake is there, else reports it missing
need_srfake() { [ -x "$srfake" ] || { missing "srfake" "$srfake missing: make registry-server"; return 1; }; }
# srfake_start: $srfake on a new descriptor srfd (it stops when srfd closes); sets url and srpid
srfake_start() {
	exec {srfd}> >(exec "$srfake" >"$tmp/srfake.url" 2>"$tmp/srfake.err")
	srpid=$!
	url=$(started URL "$tmp/srfake.url") && return 0
	notok "srfake starts" "$(cat "$tmp/srfake.err")"
	return 1
}

# wikimedia_registry DIR: a file: registry in DIR with the input's value
# schema (tests/fixtures/wikimedia-value.avsc) as id 1, version 1 of
# wikimedia-value, as scripts/demo makes it
wikimedia_registry() {
	mkdir -p "$1/schemas/ids" "$1/subjects/wikimedia-value/versions"
	python3 - "$TESTS/fixtures/wikimedia-value.avsc" "$1" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
json.dump({"schema": text}, open(sys.argv[2] + "/schemas/ids/1.json", "w"))
json.dump({"subject": "wikimedia-value", "version": 1, "id": 1, "schema": text},
          open(sys.argv[2] + "/subjects/wikimedia-value/versions/1.json", "w"))
PY
}
# traps PID SIG: PID has set a handler for signal SIG (SigCgt)
traps() {
	local c
	c=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	[ -n "$c" ] && [ $(((0x$c >> ($2 - 1)) & 1)) = 1 ]
}
# For the several-machine suites (scale.sh, scale-real.sh):
# settled LOG...: the workers' partitions are settled: the last "held by
# this worker" line of each LOG, together, name partitions 0-5 once each.
# (Waited for before the driver starts: a worker that held all 6 when a
# batch was asked for runs ranges the other also runs once the rebalance
# gives it their partitions; the range held could then be one the driver
# takes from the other, and the batch of a worker's K-th range depends on
# how many partitions it held.)
settled() {
	local f l all=
	for f; do
		l=$(grep -o 'held by this worker: .*' "$f" | tail -1)
		l=${l#*: }
		[ -n "$l" ] && [ "$l" != none ] || return 1
		all+=" $l"
	done
	[ "$(printf '%s\n' $all | sort -n | paste -sd' ')" = "0 1 2 3 4 5" ]
}
# held_batch STATE SECONDS: once a range is held, sets k to the batch before
# the held range's and waits (SECONDS at most) for it to be committed in the
# driver's STATE. (The driver asks for batch N+1 once N's rows are fed to
# its merge, before N's commit: with a range of batch H held, plan.H is its
# last plan, and batch H-1 may still be committing; "batch 1 committed"
# does not say which batch is held.)
held_batch() {
	local h
	h=$(ls "$1" 2>/dev/null | sed -n 's/^plan\.\([0-9][0-9]*\)$/\1/p' | sort -n | tail -1)
	k=$((${h:-1} - 1))
	wait_for "$2" "batch $k, before the held range's, committed" _committed_past "$k" "$1"
}
_committed_past() {	# N STATE: batch N committed (current -> c.M, M >= N)
	local c
	c=$(readlink "$2/current" 2>/dev/null) || c=c.0
	[ "${c#c.}" -ge "$1" ]
}
# split_frames FILE PREFIX N: the length-prefixed frames of FILE, frame i
# into PREFIX(i mod N) (a topic of N partitions filled round robin)
split_frames() {
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
np = int(sys.argv[3])
outs = [open(sys.argv[2] + str(p), "wb") for p in range(np)]
pos = i = 0
while pos < len(data):
    (n,) = struct.unpack(">i", data[pos:pos + 4])
    outs[i % np].write(data[pos:pos + 4 + n])
    pos += 4 + n
    i += 1
PY
}
