# Kafka's security settings through every tool, against a real Apache Kafka
# broker (tests/kafka/kafka.sh) with three listeners besides the PLAINTEXT
# one the test sets up through: SASL_SSL taking SCRAM-SHA-512 and PLAIN, SSL
# with client certificates required (mTLS), on certificates made here by
# openssl (a private CA; the broker's for IP:127.0.0.1; a client's). The
# librdkafka properties go in -F files (and KCAT_CONFIG, the environment kcat
# reads): wikimedia-job (cfjob), wikimedia-producer, avro-console-consumer and
# kcat itself each work over each listener with the right settings (the job's
# output read back over the secure listener is a reference run's over
# PLAINTEXT on the same input), and fail with a clear error, status 3 and
# no hang with a wrong password, without the CA or without a client
# certificate. The passwords (random) never appear on a command line (every
# kcat the scripts start is a wrapper that logs its argv; ps is sampled
# all along), in stderr, or in the job's state directory.
# SCRAM and Kafka 4: librdkafka before 2.6.1 sends a wrong SCRAM proof (the
# client nonce twice, librdkafka#4895), which Kafka 4 rejects as invalid
# credentials. With such a librdkafka (Debian 12's 2.0.2, under kcat and
# cfjob) the tools with the right SCRAM password are checked to fail as with
# a wrong one (status 3, "Authentication failed"), and their SCRAM runs use
# the librdkafka of confluent-kafka's wheel (build/venv, 2.6.1 or later)
# through LD_LIBRARY_PATH; the broker's SCRAM user is also checked with
# confluent-kafka itself.
suite=kafka-secure
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
. "$TESTS/kafka/kafka.sh"
top=$TESTS/..
prod=$top/scripts/wikimedia-producer
D='\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7'

kafka_available || { missing "kafka broker jars" "$KAFKA_LIBS missing: make kafka-server"; exit 0; }
for t in kcat java python3 jq openssl curl; do
	command -v $t >/dev/null || { notok "$t present" "$t not on PATH"; exit 0; }
done
# librdkafka (Debian's, under kcat and cfjob) built with what this needs
feat=$(kcat -V 2>&1 | sed -n 's/.*builtin.features=\([^)]*\).*/\1/p')
for f in ssl sasl_scram sasl_plain; do
	check "librdkafka has $f (builtin.features=$feat)" grep -qw "$f" <<<"${feat//,/ }"
done
rdver=$(kcat -V 2>&1 | sed -n 's/.*librdkafka \([0-9][0-9.]*\).*/\1/p')
py_env
vs=(scram plain mtls) newlib=
if [ "$(printf '%s\n' "$rdver" 2.6.1 | sort -V | head -1)" != 2.6.1 ]; then
	echo "# librdkafka $rdver < 2.6.1: its SCRAM proof is refused by Kafka 4 (librdkafka#4895): checked to fail clearly;"
	echo "# the tools' SCRAM runs use confluent-kafka's librdkafka (build/venv) through LD_LIBRARY_PATH"
	lib=$(compgen -G "$TESTS/../build/venv/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1" | head -n 1)
	if [ -n "$lib" ] && mkdir "$tmp/rdk" && ln -s "$lib" "$tmp/rdk/librdkafka.so.1"; then
		newlib=$tmp/rdk
	else
		missing "a librdkafka 2.6.1 or later for SCRAM" "no librdkafka in confluent-kafka's wheel in build/venv: make pyenv"
		vs=(plain mtls)
	fi
fi
# with V CMD...: CMD, for SCRAM (V scram) with the newer librdkafka when the system's cannot log in
with() {
	if [ "$1" = scram ] && [ -n "$newlib" ]; then
		shift
		LD_LIBRARY_PATH=$newlib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$@"
	else
		shift
		"$@"
	fi
}
[ -z "$newlib" ] || echo "# SCRAM runs: $(with scram kcat -V 2>&1 | grep -o 'librdkafka [0-9.]*')"

ps_pid=
trap '[ -n "$ps_pid" ] && kill "$ps_pid" 2>/dev/null; exec {ssefd}>&- 2>/dev/null; kafka_stop; rm -rf "$tmp"' EXIT
exit_on_signals

# ---- certificates: a CA, the broker's (IP:127.0.0.1), a client's; and another CA ----
c=$tmp/certs
mkdir -m 700 "$c"
certs() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/ca.key" -out "$c/ca.pem" -days 2 -subj /CN=cfkit-test-ca &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/other-ca.key" -out "$c/other-ca.pem" -days 2 -subj /CN=cfkit-other-ca &&
		openssl req -newkey rsa:2048 -nodes -keyout "$c/broker.key" -out "$c/broker.csr" -subj /CN=127.0.0.1 &&
		printf 'subjectAltName=IP:127.0.0.1\n' >"$c/broker.ext" &&
		openssl x509 -req -in "$c/broker.csr" -CA "$c/ca.pem" -CAkey "$c/ca.key" -CAcreateserial -days 2 \
			-extfile "$c/broker.ext" -out "$c/broker.crt" &&
		cat "$c/broker.crt" "$c/broker.key" >"$c/broker.pem" &&
		openssl req -newkey rsa:2048 -nodes -keyout "$c/client.key" -out "$c/client.csr" -subj /CN=cfkit-client &&
		openssl x509 -req -in "$c/client.csr" -CA "$c/ca.pem" -CAkey "$c/ca.key" -CAcreateserial -days 2 -out "$c/client.pem" &&
		openssl req -newkey rsa:2048 -nodes -keyout "$c/rogue.key" -out "$c/rogue.csr" -subj /CN=cfkit-rogue &&
		openssl x509 -req -in "$c/rogue.csr" -CA "$c/other-ca.pem" -CAkey "$c/other-ca.key" -CAcreateserial -days 2 -out "$c/rogue.pem"
}
certs >"$tmp/openssl.out" 2>&1
check "openssl: CA, broker and client certificates made" test $? -eq 0 -a -s "$c/client.pem"

# random passwords: a fixed word could be in any output by chance
pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
apw=$(pw) bpw=$(pw)
t0=$(now)
kafka_start "$tmp" --listener SASL_SSL:SASL_SSL --listener MTLS:SSL \
	--prop ssl.keystore.type=PEM --prop "ssl.keystore.location=$c/broker.pem" \
	--prop ssl.truststore.type=PEM --prop "ssl.truststore.location=$c/ca.pem" \
	--prop sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN \
	--prop 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;' \
	--prop "listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_bob=\"$bpw\";" \
	--prop listener.name.mtls.ssl.client.auth=required \
	--format-arg --add-scram --format-arg "SCRAM-SHA-512=[name=\"alice\",password=\"$apw\"]" 2>"$tmp/start.err"
if [ -z "$KAFKA_BROKERS" ]; then
	notok "broker with SASL_SSL and SSL listeners started" "$(head -c 1500 "$tmp/start.err")"
	exit 0
fi
ok "broker with SASL_SSL and SSL listeners started"
echo "# broker: PLAINTEXT $KAFKA_BROKERS, SASL_SSL ${KAFKA_LISTENER[SASL_SSL]}, SSL (mTLS) ${KAFKA_LISTENER[MTLS]}, $(secs "$t0" "$(now)") s"
B=$KAFKA_BROKERS S=${KAFKA_LISTENER[SASL_SSL]} M=${KAFKA_LISTENER[MTLS]}

# ---- the client settings, each in a file only its owner reads ----
k=$tmp/conf
mkdir -m 700 "$k"
conf() { local f=$k/$1; shift; printf '%s\n' "$@" >"$f" && chmod 600 "$f"; }
conf scram.conf security.protocol=SASL_SSL sasl.mechanism=SCRAM-SHA-512 sasl.username=alice \
	"sasl.password=$apw" "ssl.ca.location=$c/ca.pem"
conf plain.conf security.protocol=SASL_SSL sasl.mechanism=PLAIN sasl.username=bob \
	"sasl.password=$bpw" "ssl.ca.location=$c/ca.pem"
conf mtls.conf security.protocol=SSL "ssl.ca.location=$c/ca.pem" \
	"ssl.certificate.location=$c/client.pem" "ssl.key.location=$c/client.key"
# the failures: a wrong password, no CA (the system's do not know ours), no client certificate, one from another CA
conf scram-badpw.conf security.protocol=SASL_SSL sasl.mechanism=SCRAM-SHA-512 sasl.username=alice \
	"sasl.password=${apw}x" "ssl.ca.location=$c/ca.pem"
conf plain-badpw.conf security.protocol=SASL_SSL sasl.mechanism=PLAIN sasl.username=bob \
	"sasl.password=${bpw}x" "ssl.ca.location=$c/ca.pem"
conf scram-noca.conf security.protocol=SASL_SSL sasl.mechanism=SCRAM-SHA-512 sasl.username=alice "sasl.password=$apw"
conf mtls-nocert.conf security.protocol=SSL "ssl.ca.location=$c/ca.pem"
conf mtls-rogue.conf security.protocol=SSL "ssl.ca.location=$c/ca.pem" \
	"ssl.certificate.location=$c/rogue.pem" "ssl.key.location=$c/rogue.key"
declare -A LIS=([scram]=$S [plain]=$S [mtls]=$M)

# ---- every kcat the scripts start logs its arguments; ps is sampled all along ----
mkdir "$tmp/wrap"
real_kcat=$(command -v kcat)
cat >"$tmp/wrap/kcat" <<EOF
#!/usr/bin/env bash
printf '%s ' kcat "\$@" >>"$tmp/kcat.argv"
echo >>"$tmp/kcat.argv"
exec "$real_kcat" "\$@"
EOF
chmod +x "$tmp/wrap/kcat"
export PATH=$tmp/wrap:$PATH
: >"$tmp/kcat.argv"
# (the passwords to look for in a file: on grep's command line, ps would show them)
printf '%s\n' "$apw" "$bpw" >"$k/pw.list"
: >"$tmp/ps.leaks"
(while :; do
	ps -eo args= >"$tmp/ps.now"
	grep -F -f "$k/pw.list" "$tmp/ps.now" >>"$tmp/ps.leaks"
	echo "$(wc -l <"$tmp/ps.now")" >>"$tmp/ps.n"
	sleep 0.1
done) </dev/null >/dev/null 2>&1 &
ps_pid=$!

# ---- kcat itself ----
for v in "${vs[@]}"; do
	with "$v" timeout 60 kcat -q -F "$k/$v.conf" -L -b "${LIS[$v]}" -m 15 >"$tmp/L.$v" 2>"$tmp/L.$v.err"
	check "kcat -F $v.conf -L on ${LIS[$v]}: the broker answers over it" \
		grep -q "^ *broker 1 at ${LIS[$v]}" "$tmp/L.$v"
done
timeout 60 kcat -q -L -b "$S" -m 5 >/dev/null 2>&1
check "kcat -L on the SASL_SSL listener without the settings fails" test $? -ne 0
timeout 60 kcat -q -L -b "$M" -m 5 >/dev/null 2>&1
check "kcat -L on the mTLS listener without the settings fails" test $? -ne 0

kafka_create_topic wikimedia 2 2>"$tmp/topic.err" && kafka_create_topic produced 1 2>>"$tmp/topic.err"
for v in ref scram plain mtls env; do kafka_create_topic "out.$v" 1 2>>"$tmp/topic.err"; done
check "topics created" test $? -eq 0 -a ! -s "$tmp/topic.err"

# ---- the input, over PLAINTEXT; the reference run over PLAINTEXT ----
mkdir "$tmp/reg"
id=$(avroencode --print-id -r "file:$tmp/reg" --schema "$TESTS/fixtures/wikimedia-value.avsc" \
	--subject wikimedia-value --register)
gen-events -n 1000 --format frames --schema-id "$id" | cfdeframe | cfframe -D "$D" |
	kcat -P -b "$B" -t wikimedia -D "$D" 2>"$tmp/produce.err"
check "1000 events produced over PLAINTEXT" test "${PIPESTATUS[*]}" = "0 0 0 0"
R=file:$tmp/reg
# rows TOPIC [kcat options]: the job's output rows, normalised and sorted
rows() {
	local t=$1
	shift
	timeout 60 "$real_kcat" -C -q -t "$t" -e -f '%R%s' "$@" | cfdeframe | avrodecode -r "$R" --out ndjson |
		jq -cS '{start: .window.start, end: .window.end, requested_by, counts}' | sort
}
timeout 120 wikimedia-job -q -b "$B" -r "$R" --out-topic out.ref --state "$tmp/state.ref" --flush-at-end \
	>"$tmp/job.ref.out" 2>&1
check "wikimedia-job over PLAINTEXT (the reference run) exits 0" test $? -eq 0
rows out.ref -b "$B" >"$tmp/ref.rows"
check "the reference run wrote rows ($(wc -l <"$tmp/ref.rows"))" test -s "$tmp/ref.rows"

# ---- wikimedia-job (cfjob) over each listener, read back over it ----
for v in "${vs[@]}"; do
	with "$v" timeout 120 wikimedia-job -q -b "${LIS[$v]}" -F "$k/$v.conf" -r "$R" --out-topic "out.$v" \
		--state "$tmp/state.$v" --flush-at-end >"$tmp/job.$v.out" 2>"$tmp/job.$v.err"
	st=$?
	check "wikimedia-job -F $v.conf on ${LIS[$v]}: exits 0 ($st), quiet" test $st -eq 0 -a ! -s "$tmp/job.$v.err"
	[ -s "$tmp/job.$v.err" ] && sed 's/^/#   /' "$tmp/job.$v.err" | head -5
	with "$v" rows "out.$v" -b "${LIS[$v]}" -F "$k/$v.conf" >"$tmp/$v.rows" 2>"$tmp/$v.rows.err"
	check "wikimedia-job over $v: out.$v read over ${LIS[$v]} holds the reference's rows" \
		cmp -s "$tmp/ref.rows" "$tmp/$v.rows"
done
# the environment: KCAT_CONFIG names the file, as kcat reads it; else
# ~/.config/kcat.conf. cfkit-sh-setup's kafka_conf_env finds it for the scripts.
ce() { (prog=ce && . "$top/scripts/cfkit-sh-setup" && kafka_conf_env); }
check "kafka_conf_env: KCAT_CONFIG's file" test "$(KCAT_CONFIG=$k/plain.conf ce)" = "$k/plain.conf"
mkdir -p "$tmp/home/.config"
check "kafka_conf_env: nothing with no KCAT_CONFIG and no ~/.config/kcat.conf" \
	test -z "$(unset KCAT_CONFIG; HOME=$tmp/home ce)"
cp "$k/plain.conf" "$tmp/home/.config/kcat.conf"
check "kafka_conf_env: else ~/.config/kcat.conf" \
	test "$(unset KCAT_CONFIG; HOME=$tmp/home ce)" = "$tmp/home/.config/kcat.conf"
KCAT_CONFIG=$tmp/nope ce >/dev/null 2>"$tmp/ce.err"
check "kafka_conf_env: KCAT_CONFIG unreadable: status 2 naming it" \
	sh -c "test $? -eq 2 && grep -q 'KCAT_CONFIG: cannot read $tmp/nope' '$tmp/ce.err'"
KCAT_CONFIG=$k/plain.conf timeout 120 wikimedia-job -q -b "$S" -r "$R" --out-topic out.env \
	--state "$tmp/state.env" --flush-at-end >"$tmp/job.env.out" 2>"$tmp/job.env.err"
st=$?
check "wikimedia-job with KCAT_CONFIG=plain.conf (no -F): exits 0 ($st)" test $st -eq 0
[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/job.env.err" | head -5
rows out.env -b "$S" -F "$k/plain.conf" >"$tmp/env.rows" 2>/dev/null
check "... and wrote the reference's rows" cmp -s "$tmp/ref.rows" "$tmp/env.rows"

# ---- avro-console-consumer over each listener, with -F and with KCAT_CONFIG ----
timeout 60 avro-console-consumer -b "$B" -r "$R" --from-beginning -e out.ref 2>"$tmp/cc.ref.err" | sort >"$tmp/ref.ndjson"
check "avro-console-consumer over PLAINTEXT: the reference run's $(wc -l <"$tmp/ref.ndjson") records" \
	test -s "$tmp/ref.ndjson" -a "$(wc -l <"$tmp/ref.ndjson")" = "$(wc -l <"$tmp/ref.rows")"
for v in "${vs[@]}"; do
	with "$v" timeout 60 avro-console-consumer -b "${LIS[$v]}" -F "$k/$v.conf" -r "$R" --from-beginning -e "out.$v" \
		>"$tmp/cc.$v" 2>"$tmp/cc.$v.err"
	st=$?
	check "avro-console-consumer -F $v.conf on ${LIS[$v]}: exits 0 ($st), the reference's records" \
		sh -c "test $st -eq 0 && sort '$tmp/cc.$v' | cmp -s - '$tmp/ref.ndjson'"
	[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/cc.$v.err" | head -5
done
KCAT_CONFIG=$k/mtls.conf timeout 60 avro-console-consumer -b "$M" -r "$R" --from-beginning -e out.mtls \
	>"$tmp/cc.env" 2>"$tmp/cc.env.err"
st=$?
check "avro-console-consumer with KCAT_CONFIG=mtls.conf: exits 0 ($st), the reference's records" \
	sh -c "test $st -eq 0 && sort '$tmp/cc.env' | cmp -s - '$tmp/ref.ndjson'"

# ---- wikimedia-producer from a local stream, over each listener ----
mkdir -p "$tmp/www" "$tmp/preg"
cp "$TESTS/fixtures/recentchange.sse" "$tmp/www/recentchange.sse"
exec {ssefd}> >(exec python3 "$TESTS/interop/producer_sse_server.py" "$tmp/www" "$tmp/requests" \
	>"$tmp/sse.port" 2>"$tmp/sse.err")
if port=$(started PORT "$tmp/sse.port"); then
	n=0
	for v in "${vs[@]}"; do
		with "$v" timeout 120 "$prod" -u "http://127.0.0.1:$port/recentchange.sse" -b "${LIS[$v]}" -F "$k/$v.conf" \
			-t produced -r "file:$tmp/preg" --subject produced-value -n 50 >"$tmp/prod.$v.out" 2>"$tmp/prod.$v.err"
		st=$?
		[ $st -eq 0 ] && n=$((n + 50))
		got=$("$real_kcat" -C -q -b "$B" -t produced -e -f '%R%s' | cfdeframe --stats 2>&1 >/dev/null |
			awk '$1=="total"{print $2}')
		check "wikimedia-producer -F $v.conf on ${LIS[$v]}: exits 0 ($st), the topic holds $n records ($got)" \
			test $st -eq 0 -a "$got" = "$n"
		[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/prod.$v.err" | head -5
	done
	timeout 120 "$prod" -u "http://127.0.0.1:$port/recentchange.sse" -b "$S" -F "$k/plain-badpw.conf" \
		-t produced -r "file:$tmp/preg" --subject produced-value -n 5 >/dev/null 2>"$tmp/prod.bad.err"
	st=$?
	check "wikimedia-producer with a wrong password: status 3 ($st), not a hang" test $st -eq 3
	check "... saying authentication failed" grep -q 'Authentication failed' "$tmp/prod.bad.err"
	[ $st -eq 3 ] || sed 's/^/#   /' "$tmp/prod.bad.err" | head -5
else
	notok "the stream server starts" "$(cat "$tmp/sse.err")"
fi

# ---- the failures: status 3, a clear message, within the timeout ----
# fails NAME PATTERN CMD...: starts CMD in the background (each waits for
# librdkafka's timeouts: together, not one after the other); fails_check:
# each exited 3 (not 124: timeout's) and its stderr matches its PATTERN
fnames=() fpats=() fpids=()
fails() {
	local i=${#fnames[@]}
	fnames+=("$1") fpats+=("$2")
	shift 2
	(
		t=$(now)
		timeout 120 "$@" >/dev/null 2>"$tmp/fail.$i.err"
		echo "$? $(secs "$t" "$(now)")" >"$tmp/fail.$i.st"
	) &
	fpids+=($!)
}
fails_check() {
	local i st s pat
	wait "${fpids[@]}"
	for i in "${!fnames[@]}"; do
		read -r st s <"$tmp/fail.$i.st"
		pat=${fpats[$i]}
		check "${fnames[$i]}: status 3 ($st after $s s), not a hang" test "$st" -eq 3
		check "${fnames[$i]}: says '$pat'" grep -qiE "$pat" "$tmp/fail.$i.err"
		{ [ "$st" -eq 3 ] && grep -qiE "$pat" "$tmp/fail.$i.err"; } || sed 's/^/#   /' "$tmp/fail.$i.err" | head -5
	done
}
authpat='authentication failed'
verpat='certificate verify failed'
tlspat='ssl|handshake|certificate'
# both NAME PATTERN LISTENER CONF: the job and the console consumer with CONF on LISTENER
both() {
	fails "wikimedia-job, $1" "$2" wikimedia-job -q -b "$3" -F "$k/$4" -r "$R" --out-topic out.ref \
		--state "$tmp/state.${4%.conf}" --exit-at-end
	fails "avro-console-consumer, $1" "$2" avro-console-consumer -b "$3" -F "$k/$4" -r "$R" --from-beginning -e out.ref
}
# SCRAM with a librdkafka that cannot log in with it: the right password fails as a wrong one
[ -z "$newlib" ] || both "SCRAM with librdkafka $rdver (librdkafka#4895)" "$authpat" "$S" scram.conf
both "SCRAM, wrong password" "$authpat" "$S" scram-badpw.conf
both "PLAIN, wrong password" "$authpat" "$S" plain-badpw.conf
both "no CA" "$verpat" "$S" scram-noca.conf
both "mTLS, no client certificate" "$tlspat" "$M" mtls-nocert.conf
both "mTLS, a client certificate from another CA" "$tlspat" "$M" mtls-rogue.conf
fails_check
# (kcat -q would hide librdkafka's log lines, the only ones that say why)
timeout 60 kcat -F "$k/plain-badpw.conf" -L -b "$S" -m 10 >/dev/null 2>"$tmp/kcat.bad.err"
check "kcat with a wrong password fails ($?), saying authentication failed" grep -qi "$authpat" "$tmp/kcat.bad.err"
timeout 60 kcat -F "$k/scram-noca.conf" -L -b "$S" -m 10 >/dev/null 2>"$tmp/kcat.noca.err"
check "kcat without the CA fails, saying certificate verify failed" grep -qi "$verpat" "$tmp/kcat.noca.err"

# ---- the broker's SCRAM user, through confluent-kafka's librdkafka ----
if [ -x "$py" ]; then
	scram_py() {
		timeout 60 "$py" - "$S" "$1" "$c/ca.pem" <<'EOF'
import sys
import confluent_kafka
from confluent_kafka.admin import AdminClient
bs, conf, ca = sys.argv[1:]
p = dict(l.rstrip("\n").split("=", 1) for l in open(conf) if "=" in l)
p.update({"bootstrap.servers": bs, "ssl.ca.location": ca})
try:
    md = AdminClient(p).list_topics(timeout=15)
except confluent_kafka.KafkaException as e:
    sys.exit("librdkafka %s: %s" % (confluent_kafka.libversion()[0], e.args[0].str()))
print("librdkafka %s: %d brokers, topic out.ref %s" % (confluent_kafka.libversion()[0], len(md.brokers),
      "there" if "out.ref" in md.topics else "missing"))
EOF
	}
	out=$(scram_py "$k/scram.conf" 2>&1)
	check "SCRAM-SHA-512 login with alice's password (confluent-kafka: $out)" grep -q 'topic out.ref there' <<<"$out"
	out=$(scram_py "$k/scram-badpw.conf" 2>&1)
	check "SCRAM-SHA-512 login with a wrong password is refused (confluent-kafka: $(tail -n 1 <<<"$out"))" \
		grep -qi "$authpat" <<<"$out"
else
	missing "confluent-kafka (build/venv)" "$py missing: make pyenv"
fi

# ---- the secrets: never on a command line, in stderr or in the state ----
kill "$ps_pid" 2>/dev/null
wait "$ps_pid" 2>/dev/null
ps_pid=
# leaked FILE...: no password in the files
leaked() { ! cat "$@" 2>/dev/null | grep -qF -f "$k/pw.list"; }
found() { ! leaked "$@"; }
check "the look for passwords finds one (in scram.conf)" found "$k/scram.conf"
check "the scripts started kcat with -F ($(grep -c -- ' -F ' "$tmp/kcat.argv") of $(wc -l <"$tmp/kcat.argv") times)" \
	grep -q -- ' -F ' "$tmp/kcat.argv"
check "no password in any kcat's arguments" leaked "$tmp/kcat.argv"
check "no password in ps, sampled all along ($(wc -l <"$tmp/ps.n") samples, $(awk '{ n += $1 } END { print n }' "$tmp/ps.n") lines)" \
	test -s "$tmp/ps.n" -a ! -s "$tmp/ps.leaks"
check "no password in any stderr" leaked "$tmp"/*.err "$tmp"/*.out
check "no password in the job's state directories" leaked $(find "$tmp"/state.* -type f)
check "the state directories are private" test -z "$(find -L "$tmp"/state.* -perm /077 ! -type l)"

t3=$(now)
kafka_stop
echo "# suite took $(secs "$t0" "$t3") s from kafka_start"
