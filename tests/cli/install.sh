# make install PREFIX=... DESTDIR=... (issue 18, packaging): into an empty
# DESTDIR, every tool and script of the Makefile's TOOLS and SCRIPTS in
# PREFIX/bin, each with its man page in PREFIX/share/man/man1 (cfkit.7 in
# man7), cfkit-sh-setup in PREFIX/lib/cfkit, the schemas in
# PREFIX/share/cfkit/schemas and the systemd units in
# PREFIX/share/cfkit/examples/systemd with @PREFIX@ replaced; nothing outside
# DESTDIR/PREFIX. The installed commands run from there (--version; the
# scripts find cfkit-sh-setup in ../lib/cfkit and wikimedia-job its schemas
# in ../share/cfkit), and systemd-analyze verify passes each unit once its
# paths are the installed ones.
suite=install
. "${TESTS:?unset: run the suites with tests/run, which sets TESTS and BIN}/lib.sh"
top=$(cd "$TESTS/.." && pwd)
bin=$(cd "$BIN" && pwd)
build=${UNITDIR:-$top/build/tests/unit}
build=${build%/tests/unit}
version=$(sed -n 's/^VERSION = //p' "$top/Makefile")
P=/opt/cfkit-test
D=$tmp/root

for t in make sed mandoc; do
	command -v "$t" >/dev/null || { notok "$t present" "not on PATH"; exit 0; }
done
# the Makefile's lists
tools=$(sed -n 's/^TOOLS = //p' "$top/Makefile")
scripts=$(sed -n 's/^SCRIPTS = //p' "$top/Makefile")
check "the Makefile names its tools and scripts ($tools; $scripts)" test -n "$tools" -a -n "$scripts"

# (BIN and BUILD as the suite's: the tools under test, nothing rebuilt)
make -C "$top" -s --no-print-directory install PREFIX="$P" DESTDIR="$D" BIN="$bin" BUILD="$build" \
	>"$tmp/make.out" 2>&1
st=$?
check "make install PREFIX=$P DESTDIR=...: status 0 ($st)" test "$st" = 0
[ "$st" = 0 ] || tail -5 "$tmp/make.out" | sed 's/^/#   /'
outside=$(cd "$D" && find . -mindepth 1 -not -path "./${P#/}" -not -path "./${P#/}/*" \
	-not -path . $(p=; IFS=/; for c in ${P#/}; do p=$p/$c; printf ' -not -path .%s' "$p"; done))
check "nothing installed outside DESTDIR$P${outside:+ (found: $(head -3 <<<"$outside" | paste -sd' '))}" test -z "$outside"

for c in $tools $scripts; do
	f=$D$P/bin/$c
	check "$c installed, executable" test -x "$f"
	m=$D$P/share/man/man1/$c.1
	check "$c: its man page installed" test -s "$m"
	out=$(PATH="$D$P/bin:/usr/bin:/bin" "$f" --version 2>&1)
	check "installed $c --version: \"$c (cfkit) $version\" (got \"$out\")" test "$out" = "$c (cfkit) $version"
done
check "cfkit.7 installed" test -s "$D$P/share/man/man7/cfkit.7"
check "cfkit-sh-setup in lib/cfkit, its version put in" grep -qx "CFKIT_VERSION=$version" "$D$P/lib/cfkit/cfkit-sh-setup"
for s in "$top"/scripts/schemas/*.avsc; do
	check "schema $(basename "$s") installed as it is" cmp -s "$s" "$D$P/share/cfkit/schemas/$(basename "$s")"
done
# installed wikimedia-job finds its output schema in ../share/cfkit/schemas:
# it registers it in a file: registry before cfjob starts (which then waits
# for a broker that is not there: stopped after 5 s)
mkdir -p "$tmp/reg"
PATH="$D$P/bin:/usr/bin:/bin" SCHEMA_REGISTRY_URL=file:$tmp/reg timeout 5 "$D$P/bin/wikimedia-job" \
	-b 127.0.0.1:1 --exit-at-end --state "$tmp/st" </dev/null >/dev/null 2>"$tmp/wj.err"
check "installed wikimedia-job finds its schemas: the output schema registered ($(head -1 "$tmp/wj.err"))" \
	grep -q '^wikimedia-job: output schema: subject wikimedia.processed-value, id [0-9]' "$tmp/wj.err"

# the systemd units
units=$(ls "$D$P/share/cfkit/examples/systemd/"*.service 2>/dev/null)
check "systemd units installed ($(wc -w <<<"$units"))" test -n "$units"
for u in $units; do
	n=$(basename "$u")
	check "$n: @PREFIX@ replaced by $P" sh -c "! grep -q @PREFIX@ '$u' && grep -q '^ExecStart=$P/bin/' '$u'"
	cmd=$(sed -n "s|^ExecStart=$P/bin/\([^ ]*\).*|\1|p" "$u")
	check "$n: ExecStart runs an installed command ($cmd)" test -x "$D$P/bin/$cmd"
	if ! command -v systemd-analyze >/dev/null; then
		missing "$n: systemd-analyze verify" "systemd-analyze not on PATH (scripts/install-deps: systemd)"
		continue
	fi
	# the unit with the paths of this DESTDIR, its man pages there
	sed "s|$P/|$D$P/|g" "$u" >"$tmp/$n"
	MANPATH=$D$P/share/man systemd-analyze verify "$tmp/$n" >"$tmp/verify.out" 2>&1
	st=$?
	check "$n: systemd-analyze verify passes ($st)" test "$st" = 0
	[ "$st" = 0 ] || head -5 "$tmp/verify.out" | sed 's/^/#   /'
done
