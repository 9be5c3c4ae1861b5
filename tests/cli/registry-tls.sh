# The schema registry over HTTPS (a CA the suite makes, regdouble behind
# tests/registry/tlsproxy.py), with basic auth, bearer tokens and client
# certificates, configured by options, the environment or a Confluent client
# properties file (--registry-properties, SCHEMA_REGISTRY_PROPERTIES).
suite=registry-tls
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
regcli=${REGCLI:-$UNITDIR/../regcli}
regdouble=${REGDOUBLE:-$UNITDIR/../regdouble}
proxy=$TESTS/registry/tlsproxy.py
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN \
    SCHEMA_REGISTRY_CA_LOCATION SCHEMA_REGISTRY_CERT_LOCATION SCHEMA_REGISTRY_KEY_LOCATION \
    SCHEMA_REGISTRY_PROPERTIES SCHEMA_REGISTRY_TIMEOUT SCHEMA_REGISTRY_CONNECT_TIMEOUT \
    SCHEMA_REGISTRY_RETRIES
. "$TESTS/registry/reglib.sh"
for t in openssl python3 jq; do
	command -v $t >/dev/null || { missing "registry over TLS" "$t not on PATH"; exit 0; }
done

reg=$tmp/reg
A='{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}'
mkdir -p "$reg/schemas/ids" "$reg/subjects/wiki-value/versions"
echo "{\"schema\":$(jq -cn --arg s "$A" '$s')}" >"$reg/schemas/ids/1.json"
echo "{\"subject\":\"wiki-value\",\"version\":1,\"id\":1,\"schema\":$(jq -cn --arg s "$A" '$s')}" \
    >"$reg/subjects/wiki-value/versions/1.json"

# ---- a CA, the server's certificate for IP 127.0.0.1, a client's, and a stranger CA ----
cd "$tmp" || exit 1
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>>"$tmp/ssl.err"; }
ca() { key "$1.key" && openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>>"$tmp/ssl.err"; }
signed() {	# NAME CA EXTENSIONS
	key "$1.key" && openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1" 2>>"$tmp/ssl.err" &&
	    printf '%b' "$3" >"$1.ext" &&
	    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
	    -extfile "$1.ext" -out "$1.pem" 2>>"$tmp/ssl.err"
}
if ! { ca ca && ca stranger && signed server ca 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' &&
    signed client ca 'extendedKeyUsage=clientAuth\n'; }; then
	notok "the certificates are made" "$(tail -3 "$tmp/ssl.err")"
	exit 0
fi
cat client.pem client.key >client-store.pem
cd - >/dev/null || exit 1

# tls NAME REGDOUBLE-OPTIONS... [-- CLIENT_CA]: regdouble behind tlsproxy; sets T (https) and H (http)
tls() {
	local name=$1 cca=
	shift
	serve "${name}h" "$regdouble" "$@" "$reg" || return 1
	H=$URL
	[ -n "${CCA:-}" ] && cca=$CCA
	serve "${name}s" python3 "$proxy" "$tmp/server.pem" "$tmp/server.key" "${H##*:}" $cca || return 1
	T=$URL
}
untls() { stop "${1}s"; stop "${1}h"; }
R="--registry-retries 0"

# ---- TLS ----
tls p || exit 0
rc "https with --registry-ca" 0 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" id 1
check "https with --registry-ca: the schema" has "$tmp/out" 'id=1 version=0'
SCHEMA_REGISTRY_CA_LOCATION=$tmp/ca.pem rc "https with SCHEMA_REGISTRY_CA_LOCATION" 0 "$regcli" -r "$T" $R id 1
rc "https without the CA: status 3" 3 "$regcli" -r "$T" $R id 1
check "https without the CA: a certificate error" grep -qi "certificate" "$tmp/err"
check "https without the CA: says how to give it" has "$tmp/err" "give the registry's CA: --registry-ca, SCHEMA_REGISTRY_CA_LOCATION or schema.registry.ssl.ca.location"
check "https without the CA: names the registry" has "$tmp/err" "registry $T:"
rc "https with another CA: status 3" 3 "$regcli" -r "$T" $R --registry-ca "$tmp/stranger.pem" id 1
check "https with another CA: a certificate error" grep -qi "certificate" "$tmp/err"
L="https://localhost:${T##*:}"
rc "https to a name the certificate does not have: status 3" 3 "$regcli" -r "$L" $R --registry-ca "$tmp/ca.pem" id 1
check "https, wrong name: says so" grep -q "registry $L: .*localhost" "$tmp/err"
rc "avrodecode --print-schema over https" 0 avrodecode --print-schema -r "$T" --registry-ca "$tmp/ca.pem" --schema-id 1
check "avrodecode --print-schema over https: the schema" has "$tmp/out" 'x: integer'
echo '{"x":5}' >"$tmp/in.json"
avroencode -r "$T" --registry-ca "$tmp/ca.pem" --subject wiki-value --in ndjson <"$tmp/in.json" >"$tmp/frames" 2>"$tmp/err"
check "avroencode over https: status 0" test $? -eq 0
rc "avroencode | avrodecode over https" 0 sh -c "avrodecode -r '$T' --registry-ca '$tmp/ca.pem' --out ndjson <'$tmp/frames'"
check "avroencode | avrodecode over https: the value" has "$tmp/out" '{"x":5}'
untls p

# ---- credentials over TLS ----
tls b --auth 'alice:s3cr3t-pw' || exit 0
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO='alice:s3cr3t-pw' rc "https + basic auth" 0 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" id 1
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO='alice:wrong-pw' rc "https + wrong password: status 3" 3 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" id 1
check "https + wrong password: 401, naming the registry" has "$tmp/err" "registry $T: 401 Unauthorized"
check "https + wrong password: not printed" sh -c "! grep -q wrong-pw '$tmp/err'"
printf 'alice:wrong-pw\n' >"$tmp/auth"
rc "avrodecode, wrong password: status 3" 3 avrodecode --print-schema -r "$T" --registry-ca "$tmp/ca.pem" --registry-auth-file "$tmp/auth" --schema-id 1
check "avrodecode, wrong password: where the credentials came from" has "$tmp/err" "check the credentials from --registry-auth-file"
check "avrodecode, wrong password: not printed" sh -c "! grep -q wrong-pw '$tmp/err'"
untls b
tls t --token 'tok-123' || exit 0
SCHEMA_REGISTRY_BEARER_TOKEN=tok-123 rc "https + bearer token" 0 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" id 1
SCHEMA_REGISTRY_BEARER_TOKEN=tok-456 rc "https + wrong bearer token: status 3" 3 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" id 1
check "https + wrong bearer token: not printed" sh -c "! grep -q tok-456 '$tmp/err'"
untls t

# ---- Confluent's properties ----
tls c --auth 'alice:s3cr3t-pw' || exit 0
cat >"$tmp/client.properties" <<EOF
# a Kafka client's file: its own keys are ignored
bootstrap.servers=127.0.0.1:9092
security.protocol=SASL_SSL
ssl.truststore.location=/nonexistent/kafka.jks
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="kafka" password="kafka-pw";
value.deserializer=io.confluent.kafka.serializers.KafkaAvroDeserializer
auto.register.schemas=false
schema.registry.url=$T
basic.auth.credentials.source=USER_INFO
basic.auth.user.info=alice:s3cr3t-pw
schema.registry.ssl.truststore.location=$tmp/ca.pem
schema.registry.ssl.truststore.type=PEM
EOF
P=$tmp/client.properties
rc "--registry-properties: URL, basic auth, PEM truststore" 0 "$regcli" --registry-properties "$P" $R id 1
SCHEMA_REGISTRY_PROPERTIES=$P rc "SCHEMA_REGISTRY_PROPERTIES" 0 "$regcli" $R id 1
rc "avrodecode --registry-properties" 0 avrodecode --print-schema --registry-properties "$P" --schema-id 1
SCHEMA_REGISTRY_PROPERTIES=$P rc "avrodecode of frames with SCHEMA_REGISTRY_PROPERTIES" 0 sh -c "avrodecode --out ndjson <'$tmp/frames'"
check "avrodecode of frames with SCHEMA_REGISTRY_PROPERTIES: the value" has "$tmp/out" '{"x":5}'
SCHEMA_REGISTRY_PROPERTIES=$P rc "avroencode with SCHEMA_REGISTRY_PROPERTIES" 0 avroencode --print-id --subject wiki-value
check "avroencode with SCHEMA_REGISTRY_PROPERTIES: id 1" has "$tmp/out" 1
rc "-r wins over schema.registry.url" 3 "$regcli" --registry-properties "$P" -r http://127.0.0.1:1 $R id 1
check "-r wins over schema.registry.url: asked there" has "$tmp/err" "registry http://127.0.0.1:1:"
sed 's/^basic.auth.user.info=.*/basic.auth.user.info=alice:wrong-pw/' "$P" >"$tmp/wrong.properties"
rc "properties, wrong password: status 3" 3 "$regcli" --registry-properties "$tmp/wrong.properties" $R id 1
check "properties, wrong password: names the key and file" has "$tmp/err" "check the credentials from basic.auth.user.info in $tmp/wrong.properties"
check "properties, wrong password: not printed" sh -c "! grep -q wrong-pw '$tmp/err'"
SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO='alice:s3cr3t-pw' rc "the environment's credentials win over the file's" 0 "$regcli" --registry-properties "$tmp/wrong.properties" $R id 1
printf 'schema.registry.url=%s\nschema.registry.basic.auth.user.info = alice:s3cr3t-pw\nschema.registry.ssl.ca.location: %s\n' "$T" "$tmp/ca.pem" >"$tmp/p2.properties"
rc "properties: schema.registry.ssl.ca.location, user info without a source" 0 "$regcli" --registry-properties "$tmp/p2.properties" $R id 1
untls c

tls d --token 'tok-123' || exit 0
printf 'schema.registry.url=%s\nbearer.auth.credentials.source=STATIC_TOKEN\nbearer.auth.token=tok-123\nschema.registry.ssl.ca.location=%s\n' "$T" "$tmp/ca.pem" >"$tmp/tok.properties"
rc "properties: STATIC_TOKEN" 0 "$regcli" --registry-properties "$tmp/tok.properties" $R id 1
untls d

CCA=$tmp/ca.pem tls m || exit 0
printf 'schema.registry.url=%s\nschema.registry.ssl.ca.location=%s\nschema.registry.ssl.certificate.location=%s\nschema.registry.ssl.key.location=%s\n' \
    "$T" "$tmp/ca.pem" "$tmp/client.pem" "$tmp/client.key" >"$tmp/m.properties"
rc "mutual TLS: a client certificate from the properties" 0 "$regcli" --registry-properties "$tmp/m.properties" $R id 1
printf 'schema.registry.url=%s\nschema.registry.ssl.ca.location=%s\nschema.registry.ssl.keystore.location=%s\nschema.registry.ssl.keystore.type=PEM\n' \
    "$T" "$tmp/ca.pem" "$tmp/client-store.pem" >"$tmp/ks.properties"
rc "mutual TLS: a PEM keystore" 0 "$regcli" --registry-properties "$tmp/ks.properties" $R id 1
rc "mutual TLS: the options' certificate" 0 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" --registry-cert "$tmp/client.pem" --registry-key "$tmp/client.key" id 1
rc "mutual TLS without a client certificate: status 3" 3 "$regcli" -r "$T" $R --registry-ca "$tmp/ca.pem" id 1
untls m

# ---- properties the client refuses: status 2, the file and line named ----
refused() {	# NAME LINE-IN-ERR CONTENT
	printf '%b' "$3" >"$tmp/bad.properties"
	rc "properties, $1: status 2" 2 "$regcli" --registry-properties "$tmp/bad.properties" id 1
	check "properties, $1: says so" has "$tmp/err" "registry properties $tmp/bad.properties$2"
}
refused "a line without a value" ":3: expected key=value" '# x\nschema.registry.url=http://127.0.0.1:1\nbasic.auth.user.info\n'
refused 'a bad \u escape' ':1: malformed \uXXXX escape' 'schema.registry.url=http\\u00zz\n'
refused "a JKS truststore" ": schema.registry.ssl.truststore.location: only a PEM store is read (schema.registry.ssl.truststore.type=PEM), not JKS" \
    'schema.registry.url=http://127.0.0.1:1\nschema.registry.ssl.truststore.location=/x/t.jks\n'
refused "SASL_INHERIT" ": basic.auth.credentials.source=SASL_INHERIT: only USER_INFO is supported" \
    'schema.registry.url=http://127.0.0.1:1\nbasic.auth.credentials.source=SASL_INHERIT\n'
refused "USER_INFO without user info" ": basic.auth.credentials.source=USER_INFO needs basic.auth.user.info" \
    'schema.registry.url=http://127.0.0.1:1\nbasic.auth.credentials.source=USER_INFO\n'
refused "OAUTHBEARER" ": bearer.auth.credentials.source=OAUTHBEARER: only STATIC_TOKEN is supported" \
    'bearer.auth.credentials.source=OAUTHBEARER\n'
refused "host name checks off" ":2: schema.registry.ssl.endpoint.identification.algorithm: host names are always checked" \
    'schema.registry.url=http://127.0.0.1:1\nschema.registry.ssl.endpoint.identification.algorithm=\n'
refused "both credentials" ": basic.auth.user.info and bearer.auth.token both given" \
    'basic.auth.user.info=a:b\nbearer.auth.token=t\n'
refused "user info without a colon" ": basic.auth.user.info: expected user:password" 'basic.auth.user.info=nocolon\n'
check "user info without a colon: not printed" sh -c "! grep -q nocolon '$tmp/err'"
rc "properties: a missing file: status 2" 2 "$regcli" --registry-properties "$tmp/nope.properties" id 1
check "properties: a missing file: named" has "$tmp/err" "registry properties $tmp/nope.properties: No such file"
printf 'bootstrap.servers=x:9092\n' >"$tmp/nourl.properties"
rc "properties without schema.registry.url: status 2" 2 "$regcli" --registry-properties "$tmp/nourl.properties" id 1
check "properties without schema.registry.url: says so" has "$tmp/err" "no schema registry: give -r URL or set SCHEMA_REGISTRY_URL or schema.registry.url"
