# Values that must not come out silently wrong (issue 15): decimals in the
# plain JSON form (exact arithmetic, Java's bytes, refusals naming the record
# and field), impossible dates and times refused (avroencode and winagg's
# event times), and doubles and floats printed with the fewest digits that
# read back, nearest the value (Python's repr for doubles, checked over
# AVRO_VALUES_N random doubles, default 2,000,000; an exact reference for
# floats). Java's bytes for the decimals were taken from Apache Avro 1.12's
# Conversions.DecimalConversion and are checked again live when java and the
# jars of make java-peer are there; the dates and times are held against
# java.time's parsers (LocalDate, LocalTime, OffsetDateTime, LocalDateTime).
suite=avro-values
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
unset SCHEMA_REGISTRY_URL SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO SCHEMA_REGISTRY_BEARER_TOKEN
root=$TESTS/..
pyexe=python3

run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/st"; }
hex() { xxd -p "$1" | tr -d '\n'; }
# schema FILE FIELD-TYPE: a record t.R with one field "price" of that type
schema() { printf '{"type":"record","name":"R","namespace":"t","fields":[{"name":"price","type":%s}]}\n' "$2" >"$1"; }

DB='{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}'
DF='{"type":"fixed","name":"D3","size":3,"logicalType":"decimal","precision":6,"scale":2}'
schema "$tmp/db.avsc" "$DB"
schema "$tmp/df.avsc" "$DF"
schema "$tmp/du.avsc" "[\"null\",$DF]"

# enc_ok NAME AVSC JSON-VALUE WANT-HEX [RENDERING]: encoded as Java does, and avrodecode gives RENDERING back
enc_ok() {
	local name=$1 avsc=$2 v=$3 want=$4 back=${5:-}
	printf '{"price":%s}\n' "$v" | run avroencode --schema "$avsc" --bare --in ndjson
	local got
	got=$(tail -c +5 "$tmp/out" | xxd -p | tr -d '\n')
	if [ "$(cat "$tmp/st")" -eq 0 ] && [ "$got" = "$want" ]; then
		ok "$name"
	else
		notok "$name" "status $(cat "$tmp/st"), body '$got', want '$want': $(cat "$tmp/err")"
	fi
	[ -n "$back" ] || return 0
	got=$(avrodecode --schema "$avsc" --out ndjson <"$tmp/out" 2>&1)
	if [ "$got" = "{\"price\":$back}" ]; then ok "$name: decoded as $back"; else notok "$name: decoded" "got $got"; fi
}
# enc_bad NAME AVSC JSON-VALUE MESSAGE: refused (status 1, nothing written) with the message
enc_bad() {
	local name=$1 avsc=$2 v=$3 msg=$4
	printf '{"price":%s}\n' "$v" | run avroencode --schema "$avsc" --bare --in ndjson
	if [ "$(cat "$tmp/st")" -eq 1 ] && [ ! -s "$tmp/out" ] && grep -qF -- "$msg" "$tmp/err"; then
		ok "$name"
	else
		notok "$name" "status $(cat "$tmp/st"), $(hex "$tmp/out" | head -c 40) : $(cat "$tmp/err"); want: $msg"
	fi
}

# Bodies: the length of bytes (zigzag) then the minimal two's complement; fixed sign-extended.
enc_ok "decimal \"-0.00\" is 0, not -2.56" "$tmp/db.avsc" '"-0.00"' 0200 '"0.00"'
enc_ok "decimal \"1e2\" is 100.00, not the bytes of the text" "$tmp/db.avsc" '"1e2"' 042710 '"100.00"'
enc_ok "decimal \"+1\"" "$tmp/db.avsc" '"+1"' 0264 '"1.00"'
enc_ok "decimal \".5\"" "$tmp/db.avsc" '".5"' 0232 '"0.50"'
enc_ok "decimal \"1.\"" "$tmp/db.avsc" '"1."' 0264 '"1.00"'
enc_ok "decimal \"1E-2\"" "$tmp/db.avsc" '"1E-2"' 0201 '"0.01"'
enc_ok "decimal \"-.5e+1\"" "$tmp/db.avsc" '"-.5e+1"' 04fe0c '"-5.00"'
enc_ok "decimal \"1.230\": zeros past the scale, no rounding (Java takes it)" "$tmp/db.avsc" '"1.230"' 027b '"1.23"'
enc_ok "decimal \"0e-99999\"" "$tmp/db.avsc" '"0e-99999"' 0200 '"0.00"'
enc_ok "decimal \"-1.28\": one byte" "$tmp/db.avsc" '"-1.28"' 0280 '"-1.28"'
enc_ok "decimal \"999.99\": the largest of decimal(5,2)" "$tmp/db.avsc" '"999.99"' 0601869f '"999.99"'
enc_ok "decimal as a JSON number 12.5" "$tmp/db.avsc" 12.5 0404e2 '"12.50"'
enc_ok "decimal as a JSON number -0.0" "$tmp/db.avsc" -0.0 0200 '"0.00"'
enc_ok "decimal as a JSON number 1e2" "$tmp/db.avsc" 1e2 042710 '"100.00"'
enc_ok "fixed decimal \"-0.00\"" "$tmp/df.avsc" '"-0.00"' 000000 '"0.00"'
enc_ok "fixed decimal \"-0.01\": sign-extended" "$tmp/df.avsc" '"-0.01"' ffffff '"-0.01"'
enc_ok "fixed decimal \"-1.28\"" "$tmp/df.avsc" '"-1.28"' ffff80 '"-1.28"'
enc_ok "fixed decimal \"9999.99\"" "$tmp/df.avsc" '"9999.99"' 0f423f '"9999.99"'
enc_ok "fixed decimal \"1e2\"" "$tmp/df.avsc" '"1e2"' 002710 '"100.00"'
enc_ok "an integer for a union with a decimal branch" "$tmp/du.avsc" 7 020002bc '"7.00"'
enc_ok "a decimal's other strings are its bytes (the underlying value, as --raw writes it)" "$tmp/db.avsc" '"\f"' 020c '"0.12"'

W='of field price of record t.R'
enc_bad "more digits than the precision: refused (Java refuses)" "$tmp/db.avsc" '"12345.67"' \
	"\$.price: \"12345.67\" does not fit decimal(5,2) $W: it has 7 digits at scale 2, more than the precision 5"
enc_bad "1000.00 in decimal(5,2)" "$tmp/db.avsc" '"1000.00"' "it has 6 digits at scale 2, more than the precision 5"
enc_bad "more places than the scale: refused, not rounded" "$tmp/db.avsc" '"1.235"' \
	"\$.price: \"1.235\" does not fit decimal(5,2) $W: it has 3 decimal places, more than the scale 2 (it would need rounding)"
enc_bad "more places than the scale, as a number" "$tmp/db.avsc" 0.001 "0.001 does not fit decimal(5,2) $W"
enc_bad "an exponent past the precision" "$tmp/db.avsc" '"2e200"' "it has 203 digits at scale 2, more than the precision 5"
enc_bad "an exponent out of range" "$tmp/db.avsc" 1e9999999999 "its exponent is out of range"
enc_bad "fixed: past the precision" "$tmp/df.avsc" '"10000.00"' "does not fit decimal(6,2) $W: it has 7 digits"
enc_bad "fixed in a union: past the precision, the reason given" "$tmp/du.avsc" '"10000.00"' "does not fit decimal(6,2)"
for v in '"1.2.3"' '"e5"' '"1e"' '"+-1"' '"NaN"' '"-Infinity"' '"1_000"' '" 1"' '"1 "'; do
	enc_bad "not decimal text: $v refused, not stored as its characters" "$tmp/db.avsc" "$v" \
		"\$.price: expected a decimal ([+-]digits[.digits][e[+-]digits]), got string $v"
done
enc_bad "not decimal text in a fixed" "$tmp/df.avsc" '"1.2.3"' "expected a decimal"

# Java itself, when there: the same bytes and the same refusals.
jar=$(ls "$root"/build/java/lib/avro-1.12*.jar 2>/dev/null | head -1)
if command -v java >/dev/null && [ -n "$jar" ]; then
	cat >"$tmp/DecimalRef.java" <<'EOF'
import java.io.*;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import org.apache.avro.*;
/* lines "schema<TAB>text": the bytes Conversions.DecimalConversion writes, or ERR */
public class DecimalRef {
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
    Conversions.DecimalConversion dc = new Conversions.DecimalConversion();
    for (String line; (line = r.readLine()) != null;) {
      String[] f = line.split("\t", -1);
      try {
        Schema s = new Schema.Parser().parse(f[0]);
        BigDecimal v = new BigDecimal(f[1]);
        byte[] b;
        if (s.getType() == Schema.Type.FIXED) b = dc.toFixed(v, s, s.getLogicalType()).bytes();
        else { ByteBuffer bb = dc.toBytes(v, s, s.getLogicalType()); b = new byte[bb.remaining()]; bb.get(b); }
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        System.out.println(sb);
      } catch (Exception e) { System.out.println("ERR"); }
    }
  }
}
EOF
	: >"$tmp/java.in"; : >"$tmp/ours"
	for s in "$DB" "$DF"; do
		schema "$tmp/j.avsc" "$s"
		for v in -0.00 1e2 +1 .5 1. 1E-2 -.5e+1 1.230 0e-99999 -1.28 999.99 12345.67 1000.00 1.235 0.001 2e200 \
		    -0.01 9999.99 10000.00 -9999.99 123.4e-1 0.000 -999.995 00012.50; do
			printf '%s\t%s\n' "$s" "$v" >>"$tmp/java.in"
			if printf '{"price":"%s"}\n' "$v" | avroencode --schema "$tmp/j.avsc" --bare --in ndjson >"$tmp/o" 2>/dev/null; then
				b=$(tail -c +5 "$tmp/o" | xxd -p | tr -d '\n')
				[ "$s" = "$DB" ] && b=${b:2}	# the length
				echo "$b" >>"$tmp/ours"
			else
				echo ERR >>"$tmp/ours"
			fi
		done
	done
	if java -cp "$(dirname "$jar")/*" "$tmp/DecimalRef.java" <"$tmp/java.in" >"$tmp/java.out" 2>"$tmp/java.err"; then
		if cmp -s "$tmp/java.out" "$tmp/ours"; then
			ok "48 decimals: the bytes and refusals of Java Avro 1.12's DecimalConversion"
		else
			notok "48 decimals against Java Avro 1.12" "differ (value, Java, ours):"
			paste "$tmp/java.in" "$tmp/java.out" "$tmp/ours" | awk -F'\t' '$3 != $4' | cut -f2- | sed 's/^/#   /'
		fi
	else
		missing "decimals against Java" "java failed: $(head -3 "$tmp/java.err")"
	fi
else
	missing "decimals against Java" "java or build/java/lib/avro-1.12*.jar missing: make java-peer"
fi

# Impossible dates and times: refused, not carried into the next day.
for lt in date timestamp-millis local-timestamp-micros time-millis; do
	t=int; case $lt in *timestamp*) t=long ;; esac
	printf '{"type":"record","name":"T","fields":[{"name":"t","type":{"type":"%s","logicalType":"%s"}}]}\n' "$t" "$lt" >"$tmp/$lt.avsc"
done
t_bad() {
	local lt=$1 v=$2 why=$3
	printf '{"t":"%s"}\n' "$v" | run avroencode --schema "$tmp/$lt.avsc" --bare --in ndjson
	if [ "$(cat "$tmp/st")" -eq 1 ] && [ ! -s "$tmp/out" ] && grep -qF -- "\$.t: \"$v\" is not a real" "$tmp/err" &&
	    grep -qF -- "$why" "$tmp/err"; then
		ok "$lt \"$v\" refused: $why"
	else
		notok "$lt \"$v\" refused" "status $(cat "$tmp/st"): $(avrodecode --schema "$tmp/$lt.avsc" --out ndjson <"$tmp/out" 2>&1) $(cat "$tmp/err")"
	fi
}
t_ok() {
	local lt=$1 v=$2 want=$3
	local got
	got=$(printf '{"t":"%s"}\n' "$v" | avroencode --schema "$tmp/$lt.avsc" --bare --in ndjson 2>&1 |
	    avrodecode --schema "$tmp/$lt.avsc" --out ndjson 2>&1)
	if [ "$got" = "{\"t\":\"$want\"}" ]; then ok "$lt \"$v\" taken"; else notok "$lt \"$v\" taken" "got $got, want $want"; fi
}
t_bad date 2026-02-30 "no such day in that month"
t_bad date 2026-02-29 "February 29 of a year that is not a leap year"
t_bad date 1900-02-29 "February 29 of a year that is not a leap year"
t_bad date 2026-04-31 "no such day in that month"
t_bad date 2026-13-01 "no month 00 or above 12"
t_bad date 2026-00-10 "no month 00 or above 12"
t_bad date 2026-01-00 "no day 00"
t_ok date 2024-02-29 2024-02-29
t_ok date 2000-02-29 2000-02-29
t_bad timestamp-millis 2026-02-30T00:00:00Z "no such day in that month"
t_bad timestamp-millis 2026-04-31T00:00:00Z "no such day in that month"
t_bad timestamp-millis 2026-01-01T24:00:00Z "hour above 23"
t_bad timestamp-millis 2026-01-01T10:60:00Z "minute above 59"
t_bad timestamp-millis 2026-06-30T23:59:60Z "leap seconds are not taken"
t_bad timestamp-millis 2026-01-01T10:00:00+25:00 "offset beyond +-18:00"
t_bad timestamp-millis 2026-01-01T10:00:00+18:01 "offset beyond +-18:00"
t_bad timestamp-millis 2026-01-01T10:00:00+05:60 "minutes above 59"
t_ok timestamp-millis 2026-01-01T10:00:00+18:00 2025-12-31T16:00:00.000Z
t_ok timestamp-millis 2026-01-01T10:00:00-18:00 2026-01-02T04:00:00.000Z
t_ok timestamp-millis 2024-02-29T23:59:59.999+05:30 2024-02-29T18:29:59.999Z
t_bad local-timestamp-micros 2026-02-30T00:00:00 "no such day in that month"
t_bad local-timestamp-micros 2026-02-28T24:00:00 "hour above 23"
t_bad time-millis 24:00:00 "hour above 23"
t_bad time-millis 23:59:60 "leap seconds are not taken"
t_bad time-millis 12:60:00 "minute above 59"

# java.time itself, when there: the same values and the same refusals, each
# text read by the parser of its type (LocalDate, LocalTime, OffsetDateTime,
# LocalDateTime) against avroencode, whose number avrodecode --raw shows.
if command -v java >/dev/null; then
	cat >"$tmp/TimeRef.java" <<'EOF'
import java.io.*;
import java.time.*;
import java.time.temporal.ChronoUnit;
/* lines "logical-type<TAB>text": the Avro number java.time gives, or ERR */
public class TimeRef {
  public static void main(String[] a) throws Exception {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
    LocalDateTime epoch = LocalDateTime.of(1970, 1, 1, 0, 0);
    for (String line; (line = r.readLine()) != null;) {
      String[] f = line.split("\t", -1);
      try {
        long v;
        switch (f[0]) {
        case "date": v = LocalDate.parse(f[1]).toEpochDay(); break;
        case "time-millis": v = LocalTime.parse(f[1]).toNanoOfDay() / 1000000; break;
        case "timestamp-millis": v = OffsetDateTime.parse(f[1]).toInstant().toEpochMilli(); break;
        default: v = ChronoUnit.MICROS.between(epoch, LocalDateTime.parse(f[1]));
        }
        System.out.println(v);
      } catch (Exception e) { System.out.println("ERR"); }
    }
  }
}
EOF
	: >"$tmp/tj.in"; : >"$tmp/tours"
	while read -r lt v; do
		printf '%s\t%s\n' "$lt" "$v" >>"$tmp/tj.in"
		if printf '{"t":"%s"}\n' "$v" | avroencode --schema "$tmp/$lt.avsc" --bare --in ndjson >"$tmp/o" 2>/dev/null; then
			avrodecode --schema "$tmp/$lt.avsc" --raw --out ndjson <"$tmp/o" | sed 's/^{"t":\(.*\)}$/\1/' >>"$tmp/tours"
		else
			echo ERR >>"$tmp/tours"
		fi
	done <<'TIMES'
date 2026-02-28
date 2026-02-29
date 2024-02-29
date 1900-02-29
date 2000-02-29
date 0000-02-29
date 2026-04-30
date 2026-04-31
date 2026-06-31
date 2026-13-01
date 2026-00-10
date 2026-01-00
date 1969-12-31
time-millis 00:00:00.000
time-millis 23:59:59.999
time-millis 12:30:15.250
time-millis 24:00:00.000
time-millis 23:60:00.000
time-millis 23:59:60.000
timestamp-millis 2026-02-28T23:59:59.999Z
timestamp-millis 2026-02-30T00:00:00.000Z
timestamp-millis 2026-04-31T00:00:00.000Z
timestamp-millis 2024-02-29T12:00:00.000Z
timestamp-millis 2026-01-01T24:00:00.000Z
timestamp-millis 2026-01-01T10:60:00.000Z
timestamp-millis 2026-06-30T23:59:60.000Z
timestamp-millis 2026-01-01T10:00:00.000+02:00
timestamp-millis 2026-01-01T10:00:00.000+18:00
timestamp-millis 2026-01-01T10:00:00.000-18:00
timestamp-millis 2026-01-01T10:00:00.000+18:01
timestamp-millis 2026-01-01T10:00:00.000+05:60
timestamp-millis 2026-01-01T10:00:00.123-03:30
local-timestamp-micros 2024-02-29T12:00:00.000001
local-timestamp-micros 2026-02-29T00:00:00.000000
local-timestamp-micros 2026-06-31T00:00:00.000000
local-timestamp-micros 2026-06-30T23:59:59.999999
local-timestamp-micros 2026-02-28T24:00:00.000000
TIMES
	if java "$tmp/TimeRef.java" <"$tmp/tj.in" >"$tmp/tj.out" 2>"$tmp/tj.err"; then
		if cmp -s "$tmp/tj.out" "$tmp/tours"; then
			ok "$(wc -l <"$tmp/tj.in") dates and times: the values and refusals of java.time"
		else
			notok "dates and times against java.time" "differ (type, text, Java, ours):"
			paste "$tmp/tj.in" "$tmp/tj.out" "$tmp/tours" | awk -F'\t' '$3 != $4' | sed 's/^/#   /'
		fi
	else
		missing "dates and times against java.time" "java failed: $(head -3 "$tmp/tj.err")"
	fi
else
	missing "dates and times against java.time" "no java on PATH"
fi

# winagg: an impossible event time is a bad record, not an event of the next day.
printf '{"t":"2026-02-30T00:00:00Z"}\n' >"$tmp/ev.json"
run winagg --in ndjson --out ndjson --time t --time-unit iso --window 1m --count n <"$tmp/ev.json"
check "winagg: event time 2026-02-30 is a bad record (status 1)" test "$(cat "$tmp/st")" -eq 1
printf '{"t":"2026-02-30T00:00:00Z"}\n{"t":"2026-03-02T00:00:10Z"}\n' >"$tmp/ev.json"
run winagg --in ndjson --out ndjson --time t --time-unit iso --window 1m --count n --on-error skip <"$tmp/ev.json"
check "winagg: ... skipped, the real one counted alone" grep -q '"n":1' "$tmp/out"

# Doubles and floats: the fewest digits that read back, nearest the value.
printf '"double"\n' >"$tmp/double.avsc"
printf '"float"\n' >"$tmp/float.avsc"
# bodies HEX...: each little-endian hex value as one record of the stream
bodies() { local h; for h; do printf '%08x%s' $((${#h} / 2)) "$h"; done | xxd -r -p; }
num_is() {
	local name=$1 type=$2 h=$3 want=$4 got
	got=$(bodies "$h" | avrodecode --schema "$tmp/$type.avsc" --out ndjson 2>&1)
	if [ "$got" = "$want" ]; then ok "$name: $want"; else notok "$name" "got $got, want $want"; fi
}
num_is "the smallest subnormal, not 4.94065645841247e-324" double 0100000000000000 5e-324
num_is "a subnormal: 14 digits, not 15" double 3f993b1dce600000 5.2587542003786e-310
num_is "a power of two: the 16 digits on the far side, not 17" double 0000000000006000 7.120236347223045e-307
num_is "another power of two" double 0000000000000001 7.291122019556398e-304
num_is "2^54" double 0000000000005043 1.8014398509481984e+16
num_is "the largest double" double ffffffffffffef7f 1.7976931348623157e+308
num_is "the smallest normal" double 0000000000001000 2.2250738585072014e-308
num_is "0.1" double 9a9999999999b93f 0.1
num_is "100" double 0000000000005940 100.0
num_is "1e16: scientific from 16 digits on" double 0080e03779c34143 1e+16
num_is "1e15: positional" double 00003426f56b0c43 1000000000000000.0
num_is "0.0001: positional" double 2d431cebe2361a3f 0.0001
num_is "1e-05: scientific" double f168e388b5f8e43e 1e-05
num_is "-0.0" double 0000000000000080 -0.0
num_is "the smallest float, not 1.4013e-45" float 01000000 1e-45
num_is "float 0.1" float cdcccc3d 0.1
num_is "float 2^24" float 0000804b 16777216.0
num_is "the largest float" float ffff7f7f 3.4028235e+38

n=${AVRO_VALUES_N:-2000000}
"$pyexe" - "$tmp" "$n" <<'PY' || notok "random doubles and floats" "the generator failed"
import random, struct, sys
tmp, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261123)
def dbits():
    k = rng.randrange(8)
    if k < 3: b = rng.getrandbits(64)
    elif k == 3: b = rng.getrandbits(52) | rng.getrandbits(1) << 63          # subnormal
    elif k == 4: b = rng.randrange(1, 2047) << 52 | rng.getrandbits(1) << 63   # a power of two
    elif k == 5: b = (rng.randrange(1, 2047) << 52) + rng.choice([-2, -1, 1, 2])  # next to one
    elif k == 6: b = struct.unpack('<Q', struct.pack('<d', float(rng.randrange(-2**62, 2**62) >> rng.randrange(63))))[0]
    else:                                                                      # a short decimal and its neighbours
        x = float('%.*g' % (rng.randrange(1, 18), rng.uniform(-1, 1) * 10.0 ** rng.randrange(-30, 30)))
        b = struct.unpack('<Q', struct.pack('<d', x))[0] ^ rng.choice([0, 0, 1, 2])
    b &= (1 << 64) - 1
    return b ^ (1 << 62) if (b >> 52) & 0x7ff == 0x7ff else b
def fbits():
    k = rng.randrange(4)
    if k < 2: b = rng.getrandbits(32)
    elif k == 2: b = rng.getrandbits(23) | rng.getrandbits(1) << 31
    else: b = rng.randrange(1, 255) << 23 | rng.getrandbits(1) << 31
    return b ^ (1 << 30) if (b >> 23) & 0xff == 0xff else b
with open(tmp + '/doubles.bin', 'wb') as f, open(tmp + '/doubles.bits', 'w') as g:
    for _ in range(n):
        b = dbits()
        f.write(b'\0\0\0\x08' + struct.pack('<Q', b))
        g.write('%016x\n' % b)
with open(tmp + '/floats.bin', 'wb') as f, open(tmp + '/floats.bits', 'w') as g:
    for _ in range(max(n // 20, 1000)):
        b = fbits()
        f.write(b'\0\0\0\x04' + struct.pack('<I', b))
        g.write('%08x\n' % b)
PY
avrodecode --schema "$tmp/double.avsc" --out ndjson <"$tmp/doubles.bin" >"$tmp/doubles.txt"
avrodecode --schema "$tmp/float.avsc" --out ndjson <"$tmp/floats.bin" >"$tmp/floats.txt"
"$pyexe" - "$tmp" <<'PY'
import struct, sys
from fractions import Fraction
tmp = sys.argv[1]
def dbl(h): return struct.unpack('<d', struct.pack('<Q', int(h, 16)))[0]
# doubles: Python's repr, the text itself (the same format rules)
bad, n = [], 0
with open(tmp + '/doubles.bits') as fb, open(tmp + '/doubles.txt') as ft:
    for h, t in zip(fb, ft):
        n += 1
        want = repr(dbl(h))
        if t.strip() != want:
            bad.append('%s: %s, Python %s' % (h.strip(), t.strip(), want))
        if n and len(bad) > 10: break
if bad or n == 0:
    print('not ok - avro-values: %d random doubles printed as Python\'s repr: %d differ' % (n, len(bad)))
    for b in bad: print('#   ' + b)
else:
    print('ok - avro-values: %d random doubles (bit patterns, subnormals, powers of two and neighbours, integers, short decimals) printed as Python\'s repr' % n)
# floats: an exact reference. The interval of decimals that read back as the
# float (halfway to each neighbour, the ends in when the significand is even);
# the fewest significant digits in it; of those, the nearest.
def flt_interval(b):
    e, m = (b >> 23) & 0xff, b & 0x7fffff
    if e: m |= 1 << 23
    ex = (e if e else 1) - 150
    v = Fraction(m) * Fraction(2) ** ex
    up = Fraction(1, 2) * Fraction(2) ** ex
    down = up / 2 if (m == 1 << 23 and e > 1) else up
    return v, v - down, v + up, m % 2 == 0
def shortest(v, lo, hi, incl):
    inside = (lambda x: lo <= x <= hi) if incl else (lambda x: lo < x < hi)
    e10 = len(str(v.numerator // v.denominator)) - 1 if v >= 1 else -len(str(v.denominator // v.numerator))
    while Fraction(10) ** (e10 + 1) <= v: e10 += 1
    while Fraction(10) ** e10 > v: e10 -= 1
    for p in range(1, 10):
        # decimals of p significant digits around v: multiples of 10^(e10 - p + 1)
        step = Fraction(10) ** (e10 - p + 1)
        f = v // step
        cands = [c * step for c in (f - 1, f, f + 1, f + 2) if c > 0 and inside(c * step)]
        if cands:
            return min(cands, key=lambda c: (abs(c - v), (c / step) % 2))
bad, n = [], 0
with open(tmp + '/floats.bits') as fb, open(tmp + '/floats.txt') as ft:
    for h, t in zip(fb, ft):
        n += 1
        b = int(h, 16)
        v, lo, hi, incl = flt_interval(b & 0x7fffffff)
        want = shortest(v, lo, hi, incl) if v else Fraction(0)
        if b >> 31: want = -want
        if Fraction(t.strip()) != want:
            bad.append('%s: %s, want %s' % (h.strip(), t.strip(), float(want)))
        if len(bad) > 10: break
if bad or n == 0:
    print('not ok - avro-values: %d random floats printed shortest and nearest: %d differ' % (n, len(bad)))
    for b in bad: print('#   ' + b)
else:
    print('ok - avro-values: %d random floats (bit patterns, subnormals, powers of two) printed shortest and nearest (an exact reference)' % n)
PY

# The decoder's speed on doubles is tests/bench's (make bench); a coarse
# guard here: 2,000,000 random doubles in a few seconds at most.
