# The scripts' shared functions, scripts/cfkit-sh-setup, sourced as the
# scripts source it: the -X credential filter (against cfjob's, in C), -F,
# need, die and usage; cfjob's state directory as the C cfjob writes and
# reads it (round trips, a plan left by a stop, missing and damaged files, on
# a mock broker); and --version and --help of every script, from scripts/,
# from bin/, installed, and through a symbolic link.
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

# ---- -X: cfjob (C) applies the same rule ----
# Each argument above, and the -X of every script, goes to cfjob too, which
# checks -X itself: refused with the same message (its own name first), or
# accepted (then the --bogus after it is the usage error). cfjob reaches no
# broker here.
same_x() {	# ARG: kafka_prop's verdict and cfjob's agree
	local want got st
	want=$( (kafka_prop "$1") 2>&1 >/dev/null) && want=accepted
	want=${want/#scripts-test: /cfjob: }
	timeout 10 "$BIN/cfjob" -b 127.0.0.1:1 --in-topic a --out-topic b -X "$1" --bogus -- true >/dev/null 2>"$tmp/cf.err"
	st=$?
	got=$(head -1 "$tmp/cf.err")
	[[ $got == *": unrecognized option '--bogus'" ]] && got=accepted	# (getopt names argv[0])
	if [ "$st" = 2 ] && [ "$got" = "$want" ]; then ok "cfjob -X '$1': as kafka_prop ($want)"; else
		notok "cfjob -X '$1': as kafka_prop" "status $st, want \"$want\", got \"$got\""; fi
}
for p in security.protocol=SSL client.id=x fetch.wait.max.ms=50 linger.ms= 'client.id=a=b c' \
	sasl.password=hunter2 ssl.key.password=hunter2 sasl.oauthbearer.config=hunter2 SASL.PASSWORD=hunter2 \
	Ssl.Key.Pem=hunter2 my.Secret.thing=hunter2 x.key=hunter2 sasl.oauthbearer.token.endpoint.url=hunter2 \
	sasl.password "my password=hunter2" password:hunter2 client.id "" =x "a b=c" "client.id;x=y" 'x$(y)=z' -x; do
	same_x "$p"
done

# ---- one of a list of words (common/opt.c opt_choice): cfjob's and winagg's ----
word_opt() {	# LABEL WANT-STDERR CMD...: status 2 and exactly that message
	local st got
	timeout 10 "${@:3}" >/dev/null 2>"$tmp/w.err"
	st=$?
	got=$(head -1 "$tmp/w.err")
	if [ "$st" = 2 ] && [ "$got" = "$2" ]; then ok "$1: status 2, $2"; else
		notok "$1: status 2, $2" "status $st, got \"$got\""; fi
}
word_opt "cfjob --delivery maybe" 'cfjob: --delivery: expected at-least-once or exactly-once, got "maybe"' \
	"$BIN/cfjob" -b 127.0.0.1:1 --in-topic a --out-topic b --delivery maybe -- true
word_opt "cfjob --on-data-loss ignore" 'cfjob: --on-data-loss: expected fail or continue, got "ignore"' \
	"$BIN/cfjob" -b 127.0.0.1:1 --in-topic a --out-topic b --on-data-loss ignore -- true
word_opt "cfjob --delivery '' (empty)" 'cfjob: --delivery: expected at-least-once or exactly-once, got ""' \
	"$BIN/cfjob" -b 127.0.0.1:1 --in-topic a --out-topic b --delivery '' -- true
word_opt "winagg --at-eof later" 'winagg: --at-eof: expected flush or keep, got "later"' \
	"$BIN/winagg" --window 1m --at-eof later

# ---- cfjob without -F reads kcat's default property file, as kcat does ----
# $KCAT_CONFIG (it must be readable), else ~/.config/kcat.conf; -F overrides
# both. Each file holds a property librdkafka does not know: read, it stops
# cfjob at the start with status 2 naming it.
echo "no.such.prop=1" >"$tmp/kc.conf"
echo "client.id=x" >"$tmp/ok.conf"
mkdir -p "$tmp/home/.config" "$tmp/home2"
echo "home.only.prop=1" >"$tmp/home/.config/kcat.conf"
CF=("$BIN/cfjob" -b 127.0.0.1:1 --in-topic a --out-topic b)
KCAT_CONFIG=$tmp/kc.conf HOME=$tmp/home2 word_opt "cfjob, KCAT_CONFIG read" \
	'cfjob: no.such.prop (-X or -F): no such librdkafka property' "${CF[@]}" -- true
KCAT_CONFIG=$tmp/nope HOME=$tmp/home2 word_opt "cfjob, KCAT_CONFIG unreadable" \
	"cfjob: KCAT_CONFIG: cannot read $tmp/nope: No such file or directory" "${CF[@]}" -- true
KCAT_CONFIG=$tmp/nope HOME=$tmp/home word_opt "cfjob -F: KCAT_CONFIG and ~/.config/kcat.conf not read" \
	'cfjob: bogus.prop (-X or -F): no such librdkafka property' "${CF[@]}" -F "$tmp/ok.conf" -X bogus.prop=2 -- true
KCAT_CONFIG= HOME=$tmp/home word_opt "cfjob, ~/.config/kcat.conf read" \
	'cfjob: home.only.prop (-X or -F): no such librdkafka property' "${CF[@]}" -- true

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

# ---- cfjob's state directory, as cfjob writes and reads it ----
# cfjob is a C program now and reads and writes its state itself (the shell
# functions that did are gone): the same round trips and damaged files,
# through cfjob on a mock broker. Every damaged state is refused with status
# 3 and a message naming the file, before anything is produced.
if ! command -v kcat >/dev/null || ! [ -x "$BIN/mockbroker" ] || ! [ -x "$BIN/cfjob" ]; then
	missing "cfjob's state directory" "kcat, bin/mockbroker or bin/cfjob missing"
else
	. "$top/scripts/broker.sh"
	trap 'exec 9>&-; rm -rf "$tmp"' EXIT
	broker_start "$tmp" -t in:2 -t out:1
	B=$BROKERS
	D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'
	CMD=(python3 "$TESTS/interop/eos_cmd.py" cat)	# stamped frames in, tagged bodies out, barriers passed on
	S=$tmp/state
	seed=1
	put() {	# P N: N generated frames into partition P of "in"
		seed=$((seed + 1))
		gen-events -n "$2" --seed "$seed" --format frames | cfdeframe | cfframe -D "$D" |
			kcat -P -b "$B" -t in -p "$1" -D "$D"
	}
	hw() { kcat -Q -b "$B" -t "in:$1:-1" 2>/dev/null | sed -n 's/.* offset \([0-9]*\)$/\1/p'; }
	# nout: the records in "out", those of aborted transactions too
	nout() { kcat -C -b "$B" -t out -o beginning -e -q -f '%o\n' 2>/dev/null | wc -l; }
	job() {	# STATE [option ...]
		local s=$1
		shift
		timeout 60 cfjob -b "$B" --in-topic in --out-topic out --state "$s" --exit-at-end "$@" -- "${CMD[@]}" \
			>"$tmp/job.out" 2>"$tmp/job.err"
		rc=$?
	}
	says() { grep -Eq -- "$1" "$tmp/job.err"; }
	put 0 13 && put 1 7
	check "cfjob's state: the input (13 and 7 records)" test "$(hw 0) $(hw 1)" = "13 7"
	job "$S"
	check "cfjob writes its state: status 0" test "$rc" = 0
	[ "$rc" = 0 ] || sed 's/^/#   /' "$tmp/job.err"
	check "cfjob writes its state: current -> c.1, no plan, no pending (lock, current, c.1, work)" \
		test "$(readlink "$S/current") $(ls -A "$S" | sort | paste -sd,)" = "c.1 c.1,current,lock,work"
	check "cfjob writes its state: c.1/offsets: magic and topic, the partitions sorted, each at its end" \
		test "$(cat "$S/c.1/offsets" 2>/dev/null)" = "$(printf 'cfjob-offsets-1 in\n0 %s\n1 %s' "$(hw 0)" "$(hw 1)")"
	check "cfjob writes its state: nothing private readable by others" test -z "$(find -L "$S" -perm /077 ! -type l)"
	n1=$(nout)
	check "cfjob writes its state: the 20 rows produced" test "$n1" = 20
	job "$S"
	check "cfjob reads its state back: status 0, nothing new" test "$rc" = 0
	check "cfjob reads its state back: says so" says "nothing new in in; the last commit is batch 1"
	check "cfjob reads its state back: nothing produced again, current -> c.1" \
		test "$(nout) $(readlink "$S/current")" = "$n1 c.1"
	# a plan left by a stop: base, at-eof, parts; replayed as planned, not as
	# far as the partitions' ends now
	put 0 5
	printf 'base 1\nat-eof keep\npart 0 13 16\npart 1 7 7\n' >"$S/plan.2"
	job "$S"
	check "a plan left (plan.2, partition 0 from 13 to 16): status 0" test "$rc" = 0
	check "a plan left: replayed" says "batch 2: replaying the batch planned before a stop"
	check "a plan left: batch 2 read its 3 records, batch 3 the 2 after" \
		says "batch 2: 3 records in, 3 rows to out, committed"
	check "a plan left: ... and batch 3 the 2 after them" says "batch 3: 2 records in, 2 rows to out, committed"
	check "a plan left: current -> c.3, offsets at the ends, no plan left" \
		test "$(readlink "$S/current") $(sed 1d "$S/c.3/offsets" 2>/dev/null | paste -sd,) $(ls "$S" | grep -c '^plan')" = "c.3 0 18,1 7 0"
	check "a plan left: 25 rows in all" test "$(nout)" = 25
	n1=$(nout)
	# damaged: NAME ERE SETUP...: a copy of the good state, SETUP run in it, then cfjob
	damaged() {
		local name=$1 ere=$2 d=$tmp/damaged before
		shift 2
		rm -rf "$d" && cp -a "$S" "$d" && (cd "$d" && "$@")
		before=$(readlink "$d/current"; cat "$d/current/offsets" 2>/dev/null)
		job "$d"
		if [ "$rc" = 3 ] && says "$ere"; then ok "cfjob on a damaged state ($name): status 3, says /$ere/"; else
			notok "cfjob on a damaged state ($name): status 3, says /$ere/" "status $rc: $(head -c 300 "$tmp/job.err" | tr '\n' '|')"; fi
		check "cfjob on a damaged state ($name): nothing produced, the commit as it was" \
			test "$(nout)" = "$n1" -a "$(readlink "$d/current"; cat "$d/current/offsets" 2>/dev/null)" = "$before"
	}
	damaged "current -> ../elsewhere" "current points at \"\.\./elsewhere\", not at a commit c\.N: damaged" \
		ln -sfn ../elsewhere current
	damaged "current -> c.9, missing" "--state $tmp/damaged: .*(c\.9|the last commit has no offsets file)" \
		ln -sfn c.9 current
	damaged "offsets missing" "the last commit has no offsets file" rm c.3/offsets
	damaged "offsets of another topic" "holds the offsets of topic other, not in" \
		sed -i 's/^cfjob-offsets-1 in$/cfjob-offsets-1 other/' c.3/offsets
	damaged "a damaged offsets line" "c\.3/offsets: damaged: line 3" sed -i 's/^1 7$/1 x/' c.3/offsets
	damaged "another format" "offsets: damaged" sed -i 's/^cfjob-offsets-1/cfjob-offsets-2/' c.3/offsets
	damaged "an empty offsets file" "offsets: damaged" truncate -s 0 c.3/offsets
	damaged "random bytes for offsets" "offsets: damaged" sh -c 'head -c 1000 /dev/urandom | tr -d "\0" >c.3/offsets'
	damaged "a plan without at-eof" "plan\.4: damaged" sh -c 'printf "base 3\npart 0 18 18\n" >plan.4'
	damaged "a plan with at-eof maybe" "plan\.4: damaged" sh -c 'printf "base 3\nat-eof maybe\npart 0 18 18\n" >plan.4'
	damaged "a plan's part of two fields" "plan\.4: damaged" sh -c 'printf "base 3\nat-eof keep\npart 0 18\n" >plan.4'
	damaged "a plan's part not a number" "plan\.4: damaged" sh -c 'printf "base 3\nat-eof keep\npart 0 18 x\n" >plan.4'
	damaged "a plan's part ending before it starts" "plan\.4: damaged" \
		sh -c 'printf "base 3\nat-eof keep\npart 0 18 9\npart 1 7 7\n" >plan.4'
	damaged "a plan of random bytes" "plan\.4: damaged" sh -c 'head -c 1000 /dev/urandom | tr -d "\0" >plan.4'
	damaged "the state a file" "--state $tmp/damaged: not a directory" sh -c 'cd .. && rm -rf damaged && echo x >damaged'
	exec 9>&-
fi

# ---- every script: --version, --help, and where it finds cfkit-sh-setup ----
for s in wikimedia-job avro-console-consumer wikimedia-producer demo registry-snapshot; do
	out=$("$top/scripts/$s" --version 2>"$tmp/err")
	check "scripts/$s --version: \"$s (cfkit) $version\", status 0" \
		test $? -eq 0 -a "$out" = "$s (cfkit) $version" -a ! -s "$tmp/err"
	"$top/scripts/$s" --help >"$tmp/out" 2>"$tmp/err"
	check "scripts/$s --help: the usage on stdout, status 0" \
		test $? -eq 0 -a "$(head -c 7 "$tmp/out")" = "usage: " -a ! -s "$tmp/err"
done
# cfjob is a C tool now (tools/cfjob.c), not a script: its --help as theirs
"$BIN/cfjob" --help >"$tmp/out" 2>"$tmp/err"
check "bin/cfjob --help: the usage on stdout, status 0" \
	test $? -eq 0 -a "$(head -c 13 "$tmp/out")" = "usage: cfjob " -a ! -s "$tmp/err"
check "scripts/cfjob is gone (the C cfjob replaces it)" test ! -e "$top/scripts/cfjob"
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
# A script alone (no cfkit-sh-setup beside it, in ../lib/cfkit or ../bin)
# says so; cfjob, a C program, needs none.
cp "$BIN/cfjob" "$BIN/wikimedia-job" "$tmp/alone/"
"$tmp/alone/wikimedia-job" --version >"$tmp/out" 2>"$tmp/err"
check "wikimedia-job without cfkit-sh-setup: status 3, says so" \
	test $? -eq 3 -a "$(grep -c '^wikimedia-job: cfkit-sh-setup not found' "$tmp/err")" = 1
"$tmp/alone/cfjob" --version >"$tmp/out" 2>"$tmp/err"
check "cfjob alone (a C program: no cfkit-sh-setup needed): --version, status 0" \
	test $? -eq 0 -a "$(cat "$tmp/out")" = "cfjob (cfkit) $version" -a ! -s "$tmp/err"
