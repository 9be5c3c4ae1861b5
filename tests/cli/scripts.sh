# The scripts' shared functions, scripts/cfkit-sh-setup, sourced as the
# scripts source it: the -X credential filter, -F, need, die and usage, the
# reading and writing of each file of cfjob's state directory (round trips,
# atomic writes, missing and damaged files), and --version and --help of every
# script, from scripts/, from bin/, installed, and through a symbolic link.
suite=scripts
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$TESTS/..
setup=$top/scripts/cfkit-sh-setup
version=$(sed -n 's/^VERSION[[:space:]]*[:?]*=[[:space:]]*//p' "$top/Makefile")

prog=scripts-test
USAGE='scripts-test [-b brokers]'
# shellcheck source=../../scripts/cfkit-sh-setup
. "$setup"

# try NAME STATUS PATTERN COMMAND...: COMMAND, in a subshell (die exits),
# exits with STATUS and its stderr matches PATTERN (grep -E; "" for empty)
try() {
	local name=$1 want=$2 pat=$3 st
	shift 3
	("$@") >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ "$st" != "$want" ]; then
		notok "$name" "status $st, not $want: $(head -c 300 "$tmp/err")"
	elif [ -z "$pat" ] && [ -s "$tmp/err" ]; then
		notok "$name" "said: $(head -c 300 "$tmp/err")"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/err"; then
		notok "$name" "stderr lacks /$pat/: $(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}

# ---- -X: kafka_prop ----
for p in security.protocol=SSL client.id=x fetch.wait.max.ms=50 linger.ms= \
	ssl.ca.location=/etc/ssl/ca.crt sasl.username=reader sasl.mechanisms=SCRAM-SHA-512 \
	topic.metadata.propagation.max.ms=2000 'client.id=a=b c'; do
	try "-X $p: allowed" 0 "" kafka_prop "$p"
done
for p in sasl.password ssl.key.password ssl.keystore.password sasl.oauthbearer.client.secret \
	sasl.oauthbearer.token.endpoint.url ssl.key.pem ssl.certificate.pem sasl.oauthbearer.config \
	SASL.PASSWORD Ssl.Key.Pem my.Secret.thing x.key; do
	try "-X $p=...: refused, status 2, pointing to -F" 2 \
		"^scripts-test: -X $p: credentials do not belong on a command line: put them in a file for -F\$" \
		kafka_prop "$p=hunter2"
	check "-X $p=...: the value is not repeated" sh -c "! grep -q hunter2 '$tmp/err'"
done
try "-X sasl.password (no =): refused as a credential" 2 "^scripts-test: -X sasl.password: credentials" \
	kafka_prop sasl.password
try "-X 'my password=...' (malformed): refused as a credential, unnamed" 2 \
	"^scripts-test: -X: credentials do not belong on a command line" kafka_prop "my password=hunter2"
check "-X 'my password=...': the value is not repeated" sh -c "! grep -q hunter2 '$tmp/err'"
try "-X 'password:hunter2' (no =): refused as a credential, unnamed" 2 \
	"^scripts-test: -X: credentials do not belong" kafka_prop "password:hunter2"
check "-X 'password:hunter2': the value is not repeated" sh -c "! grep -q hunter2 '$tmp/err'"
for p in client.id "" =x "a b=c" "client.id;x=y" 'x$(y)=z' -x; do
	try "-X '$p': malformed, status 2" 2 "^scripts-test: -X: expected prop=val, got \"" kafka_prop "$p"
done

# ---- -F, need, die, warn, usage ----
echo client.id=x >"$tmp/kcat.conf"
try "-F readable file: accepted" 0 "" kafka_conf "$tmp/kcat.conf"
try "-F missing file: status 2" 2 "^scripts-test: -F: cannot read $tmp/nope\$" kafka_conf "$tmp/nope"
try "need -b x: ok" 0 "" need -b x
try "need -b (no value): status 2, says so" 2 "^scripts-test: -b needs a value\$" need -b
check "need -b (no value): the usage on stderr" grep -q '^usage: scripts-test \[-b brokers\]$' "$tmp/err"
try "need -b '' (empty value): status 2" 2 "^scripts-test: -b needs a value\$" need -b ""
try "die 3: status 3, the message" 3 "^scripts-test: it broke\$" die 3 "it broke"
try "warn: the message, status 0" 0 "^scripts-test: careful\$" warn careful
try "usage 0: status 0, nothing on stderr" 0 "" usage 0
check "usage 0: the usage on stdout" test "$(cat "$tmp/out")" = "usage: scripts-test [-b brokers]"
try "usage 2: status 2, the usage on stderr" 2 "^usage: scripts-test \[-b brokers\]\$" usage 2
check "usage 2: nothing on stdout" test ! -s "$tmp/out"
check "exit statuses as the tools'" test "$EX_OK $EX_DATA $EX_USAGE $EX_ENV" = "0 1 2 3"
try "version (scripts/: the Makefile's VERSION)" 0 "" version
check "version: \"scripts-test (cfkit) $version\"" test "$(cat "$tmp/out")" = "scripts-test (cfkit) $version"
if [ -f "$BIN/cfkit-sh-setup" ]; then
	check "bin/cfkit-sh-setup: the version put in by the Makefile" \
		grep -qx "CFKIT_VERSION=$version" "$BIN/cfkit-sh-setup"
else
	notok "bin/cfkit-sh-setup present" "missing: make"
fi

# ---- write_atomic ----
f=$tmp/file
echo old >"$f"
ino=$(stat -c %i "$f")
printf 'a\nb\n' | write_atomic "$f"
check "write_atomic: status 0, the new content" test $? -eq 0 -a "$(cat "$f")" = "$(printf 'a\nb')"
check "write_atomic: by a rename (a new inode), no temporary file left" \
	test "$(stat -c %i "$f")" != "$ino" -a ! -e "$f.tmp"
# A write that fails (a file-size limit of 0: the disk full) leaves the old file.
(ulimit -f 0; trap '' XFSZ; echo new | write_atomic "$f") 2>/dev/null
check "write_atomic that cannot write: fails" test $? -ne 0
check "write_atomic that cannot write: the old content intact" test "$(cat "$f")" = "$(printf 'a\nb')"
echo x | write_atomic "$tmp/no-such-dir/file" 2>/dev/null
check "write_atomic into a missing directory: fails" test $? -ne 0

# ---- cfjob's state: current ----
S=$tmp/state
mkdir -p "$S"
try "current_read of a new state: no error" 0 "" current_read "$S" cur
current_read "$S" cur
check "current_read of a new state: empty" test -z "$cur"
current_write "$S" 7
check "current_write 7: current -> c.7, no current.new left" \
	test "$(readlink "$S/current")" = c.7 -a ! -e "$S/current.new"
current_read "$S" cur
check "current_read: c.7 (round trip)" test "$cur" = c.7
current_write "$S" 8
current_read "$S" cur
check "current_write 8 over 7: c.8" test "$cur" = c.8
ln -sfn ../elsewhere "$S/current"
try "current_read of a damaged link: status 3" 3 \
	"^scripts-test: --state $S: cannot read the link current \(\"../elsewhere\"\): damaged state\?\$" current_read "$S" cur
current_write "$S" 8

# ---- offsets ----
mkdir -p "$S/c.8"
declare -A off=([0]=5 [2]=70 [10]=1)
offsets_write "$S" c.8 wikimedia off
check "offsets_write: status 0" test $? -eq 0
check "offsets_write: the format (magic and topic, partitions sorted)" \
	test "$(cat "$S/c.8/offsets")" = "$(printf 'cfjob-offsets-1 wikimedia\n0 5\n2 70\n10 1')"
check "offsets_write: no temporary file left" test ! -e "$S/c.8/offsets.tmp"
declare -A got=([3]=9) known=()
offsets_read "$S" c.8 wikimedia got known
check "offsets_read: the offsets written (round trip), other entries kept" \
	test "$(for p in "${!got[@]}"; do echo "$p ${got[$p]}"; done | sort -n | paste -sd,)" = "0 5,2 70,3 9,10 1"
check "offsets_read: the partitions known" test "$(printf '%s\n' "${!known[@]}" | sort -n | paste -sd,)" = "0,2,10"
declare -A got2=()
try "offsets_read without KNOWN" 0 "" offsets_read "$S" c.8 wikimedia got2
try "offsets_read of another topic: status 3" 3 \
	"^scripts-test: --state $S: offsets of topic \"wikimedia\", not \"other\" \(or damaged\)\$" \
	offsets_read "$S" c.8 other got2
try "offsets_read of a missing file: status 3" 3 \
	"^scripts-test: --state $S: c.9/offsets is missing: damaged state\$" offsets_read "$S" c.9 wikimedia got2
mkdir -p "$S/c.9"
printf 'cfjob-offsets-1 wikimedia\n0 5\n1 x\n' >"$S/c.9/offsets"
try "offsets_read of a damaged line: status 3" 3 \
	"^scripts-test: --state $S: damaged offsets line \"1 x\"\$" offsets_read "$S" c.9 wikimedia got2
printf 'cfjob-offsets-2 wikimedia\n0 5\n' >"$S/c.9/offsets"
try "offsets_read of another format: status 3" 3 "offsets of topic .*\(or damaged\)" offsets_read "$S" c.9 wikimedia got2
: >"$S/c.9/offsets"
try "offsets_read of an empty file: status 3" 3 "\(or damaged\)" offsets_read "$S" c.9 wikimedia got2
head -c 1000 /dev/urandom >"$S/c.9/offsets"
try "offsets_read of random bytes: status 3" 3 "damaged" offsets_read "$S" c.9 wikimedia got2
declare -A off2=([0]=6)
(ulimit -f 0; trap '' XFSZ; offsets_write "$S" c.8 wikimedia off2) 2>/dev/null
check "offsets_write that cannot write: fails" test $? -ne 0
check "offsets_write that cannot write: the old offsets intact" \
	test "$(cat "$S/c.8/offsets")" = "$(printf 'cfjob-offsets-1 wikimedia\n0 5\n2 70\n10 1')"

# ---- plan and plan.parts ----
try "plan_base without a plan: no error" 0 "" plan_base "$S" base
plan_base "$S" base
check "plan_base without a plan: empty" test -z "$base"
try "parts_read without plan.parts: status 3" 3 "^scripts-test: --state $S: cannot read the plan\$" parts_read "$S" parts
printf '0 5 9\n2 70 70\n10 1 4\n' | parts_write "$S"
check "parts_write: plan.parts, no temporary file left" \
	test "$(cat "$S/plan.parts")" = "$(printf '0 5 9\n2 70 70\n10 1 4')" -a ! -e "$S/plan.parts.tmp"
parts_read "$S" parts
check "parts_read: the lines written (round trip)" test "$parts" = "$(printf '0 5 9\n2 70 70\n10 1 4')"
plan_write "$S" 8 flush
check "plan_write: status 0" test $? -eq 0
check "plan_write: base, at-eof and the parts" \
	test "$(cat "$S/plan")" = "$(printf 'base 8\nat-eof flush\npart 0 5 9\npart 2 70 70\npart 10 1 4')"
check "plan_write: no temporary file left" test ! -e "$S/plan.tmp"
plan_base "$S" base
check "plan_base: \"base 8\"" test "$base" = "base 8"
rm "$S/plan.parts"
plan_read "$S" ateof
check "plan_read: at-eof flush" test "$ateof" = flush
check "plan_read: plan.parts again (round trip)" test "$(cat "$S/plan.parts")" = "$(printf '0 5 9\n2 70 70\n10 1 4')"
cp "$S/plan" "$tmp/plan.good"
bad_plan() {	# NAME PLAN-TEXT PATTERN
	printf '%s\n' "$2" >"$S/plan"
	try "plan_read of a damaged plan ($1): status 3" 3 "$3" plan_read "$S" ateof
}
bad_plan "at-eof missing" "$(printf 'base 8\npart 0 5 9')" "damaged plan \(at-eof \"\"\)"
bad_plan "at-eof unknown" "$(printf 'base 8\nat-eof maybe\npart 0 5 9')" "damaged plan \(at-eof \"maybe\"\)"
bad_plan "no parts" "$(printf 'base 8\nat-eof keep')" "^scripts-test: --state $S: damaged plan\$"
bad_plan "a part of two fields" "$(printf 'base 8\nat-eof keep\npart 0 5')" "damaged plan\$"
bad_plan "a part ending before it starts" "$(printf 'base 8\nat-eof keep\npart 0 9 5')" "damaged plan\$"
bad_plan "a part not a number" "$(printf 'base 8\nat-eof keep\npart 0 5 x')" "damaged plan\$"
bad_plan "random bytes" "$(head -c 1000 /dev/urandom | tr -d '\0')" "damaged plan"
cp "$tmp/plan.good" "$S/plan"
(ulimit -f 0; trap '' XFSZ; plan_write "$S" 9 keep) 2>/dev/null
check "plan_write that cannot write: fails" test $? -ne 0
check "plan_write that cannot write: the old plan intact" cmp -s "$tmp/plan.good" "$S/plan"
plan_remove "$S"
check "plan_remove: no plan" test ! -e "$S/plan"
plan_base "$S" base
check "plan_base after plan_remove: empty" test -z "$base"

# ---- every script: --version, --help, and where it finds cfkit-sh-setup ----
for s in cfjob wikimedia-job avro-console-consumer wikimedia-producer demo registry-snapshot; do
	out=$("$top/scripts/$s" --version 2>"$tmp/err")
	check "scripts/$s --version: \"$s (cfkit) $version\", status 0" \
		test $? -eq 0 -a "$out" = "$s (cfkit) $version" -a ! -s "$tmp/err"
	"$top/scripts/$s" --help >"$tmp/out" 2>"$tmp/err"
	check "scripts/$s --help: the usage on stdout, status 0" \
		test $? -eq 0 -a "$(head -c 7 "$tmp/out")" = "usage: " -a ! -s "$tmp/err"
done
for s in cfjob wikimedia-job avro-console-consumer; do
	out=$("$BIN/$s" --version 2>&1)
	check "bin/$s --version: \"$s (cfkit) $version\"" test "$out" = "$s (cfkit) $version"
done
# installed: PREFIX/bin/NAME and PREFIX/lib/cfkit/cfkit-sh-setup, as make install puts them
mkdir -p "$tmp/prefix/bin" "$tmp/prefix/lib/cfkit" "$tmp/links" "$tmp/alone"
cp "$BIN/cfjob" "$BIN/wikimedia-job" "$BIN/avro-console-consumer" "$tmp/prefix/bin/"
cp "$BIN/cfkit-sh-setup" "$tmp/prefix/lib/cfkit/"
for s in cfjob wikimedia-job avro-console-consumer; do
	out=$("$tmp/prefix/bin/$s" --version 2>&1)
	check "installed $s --version (cfkit-sh-setup from ../lib/cfkit)" test "$out" = "$s (cfkit) $version"
	ln -s "$tmp/prefix/bin/$s" "$tmp/links/$s"
	out=$("$tmp/links/$s" --version 2>&1)
	check "$s through a symbolic link elsewhere --version" test "$out" = "$s (cfkit) $version"
done
cp "$BIN/cfjob" "$tmp/alone/"
"$tmp/alone/cfjob" --version >"$tmp/out" 2>"$tmp/err"
check "cfjob without cfkit-sh-setup: status 3, says so" \
	test $? -eq 3 -a "$(grep -c '^cfjob: cfkit-sh-setup not found' "$tmp/err")" = 1
