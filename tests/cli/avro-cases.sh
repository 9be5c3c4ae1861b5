# The avrodecode case file (tests/avro/decode.cases): each case decoded in
# each JSON form, output compared as text; bad bodies must fail with status 1,
# the message, and nothing on stdout. Then the way back: avroencode of the
# expected plain and Avro JSON must give the body byte for byte (cases
# without a reader schema or projection, unless marked "roundtrip no"; "auto
# no" where --encoding auto reads the Avro JSON another way, as documented).
suite=avro-cases
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"

# record HEX: the body as one record of the stream
record() {
	local hex=$1
	[ "$hex" = - ] && hex=
	printf '%08x' $((${#hex} / 2)) | xxd -r -p
	printf '%s' "$hex" | xxd -r -p
}

# form NAME WANT ARGS...: one decode of the current case
form() {
	local name=$1 want=$2; shift 2
	local got st
	got=$(record "$body" | avrodecode --schema "$tmp/w.avsc" --out ndjson "${extra[@]}" "$@" 2>"$tmp/err")
	st=$?
	same_text "$case ($name)" $st "$want" "$got" "$tmp/err"
}

# back NAME JSON ARGS...: avroencode of JSON must be the case's body
back() {
	local name=$1 json=$2; shift 2
	local want=${body#-}
	local got
	got=$(printf '%s\n' "$json" | avroencode --schema "$tmp/w.avsc" --bare --in ndjson "$@" 2>"$tmp/err" |
	    tail -c +5 | xxd -p | tr -d '\n')
	same_text "$case (back from $name)" 0 "$want" "$got" "$tmp/err"
}

run_case() {
	[ -n "$case" ] || return 0
	printf '%s\n' "$schema" >"$tmp/w.avsc"
	extra=()
	if [ -n "$reader" ]; then
		printf '%s\n' "$reader" >"$tmp/r.avsc"
		extra+=(--reader-schema "$tmp/r.avsc")
	fi
	[ -n "$fields" ] && extra+=(--fields "$fields")
	if [ -n "$error" ]; then
		local got st
		got=$(record "$body" | avrodecode --schema "$tmp/w.avsc" --out ndjson "${extra[@]}" 2>"$tmp/err")
		st=$?
		if [ $st -eq 1 ] && [ -z "$got" ] && grep -qF -- "avrodecode: record 1 at byte 0: $error" "$tmp/err" ||
		    { [ $st -eq 1 ] && [ -z "$got" ] && grep -qF -- "$error" "$tmp/err"; }; then
			ok "$case (refused)"
		else
			notok "$case (refused)" "status $st, stdout '$got'"
			printf '#   want: %s\n' "$error"
			sed 's/^/#   got:  /' "$tmp/err"
		fi
	else
		form plain "$plain"
		form avro "${avro:-$plain}" --encoding avro
		form raw "${raw:-$plain}" --raw
		if [ -z "$reader$fields" ] && [ "$roundtrip" != no ]; then
			back plain "$plain"
			back avro "${avro:-$plain}" --encoding avro
			[ "$auto" = no ] || back "avro, read as auto" "${avro:-$plain}" --encoding auto
		fi
	fi
	case= schema= reader= fields= body= plain= avro= raw= error= roundtrip= auto=
}

case= schema= reader= fields= body= plain= avro= raw= error= roundtrip= auto=
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	'## '*) run_case; case=${line#\#\# } ;;
	'#'* | '') ;;
	schema\ *) schema=${line#schema } ;;
	reader\ *) reader=${line#reader } ;;
	fields\ *) fields=${line#fields } ;;
	body\ *) body=${line#body } ;;
	plain\ *) plain=${line#plain } ;;
	avro\ *) avro=${line#avro } ;;
	raw\ *) raw=${line#raw } ;;
	error\ *) error=${line#error } ;;
	roundtrip\ *) roundtrip=${line#roundtrip } ;;
	auto\ *) auto=${line#auto } ;;
	*) notok "case file" "unknown line: $line" ;;
	esac
done <"$TESTS/avro/decode.cases"
run_case
