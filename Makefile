# Adding a tool: tools/NAME.c, man/NAME.1, and NAME in TOOLS.
TOOLS = cfdeframe cfframe avrodecode avroencode winagg cfjob
# Shell scripts with a man page, copied into bin/ beside the tools. They
# source scripts/cfkit-sh-setup (their shared functions; not a command),
# copied beside them and installed in $(PREFIX)/lib/cfkit.
SCRIPTS = wikimedia-job avro-console-consumer wikimedia-producer registry-snapshot
# The library every tool links: each common/NAME.c (see docs/DESIGN.md, "Layers").
LIB = $(sort $(basename $(notdir $(wildcard common/*.c))))
# Unit tests (tests/unit/test_NAME.c, cmocka) and libFuzzer targets (tests/fuzz/fuzz_NAME.c).
UNIT = $(sort $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c)))
FUZZ = $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))

# The one version of the toolkit: every tool's and script's --version prints it.
VERSION = 0.16.0

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
BUILD ?= build
BIN ?= bin

PKGS = libcurl jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# avro-c is no longer the tools' (common/avsc.c validates schemas itself): it
# stays the peer of fuzz_avro_diff and the baseline of the avrodecode benchmark.
AVROC := $(shell pkg-config --cflags --libs avro-c 2>/dev/null)

CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Icommon $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = -Wl,--as-needed $(LDFLAGS)
LDLIBS += $(PKG_LIBS) -lm

LIBOBJ = $(LIB:%=$(BUILD)/common/%.o)
LIBA = $(BUILD)/libcommon.a
TOOL_BINS = $(TOOLS:%=$(BIN)/%)

all: $(TOOL_BINS) $(BIN)/mockbroker $(BIN)/gen-events $(SCRIPTS:%=$(BIN)/%)

$(SCRIPTS:%=$(BIN)/%): $(BIN)/%: scripts/% $(BIN)/cfkit-sh-setup Makefile
	@mkdir -p $(BIN)
	sed 's/@VERSION@/$(VERSION)/g' $< >$@
	chmod +x $@

$(BIN)/cfkit-sh-setup: scripts/cfkit-sh-setup Makefile
	@mkdir -p $(BIN)
	sed 's/@VERSION@/$(VERSION)/g' $< >$@

$(BUILD)/%.o: %.c common/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/common/tool.o: ALL_CFLAGS += -DCFKIT_VERSION='"$(VERSION)"'
$(BUILD)/common/tool.o: Makefile

$(LIBA): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(BUILD)/tools/%.o $(LIBA)
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# cfjob is the one tool on librdkafka (the library kcat is built on).
$(BUILD)/tools/cfjob.o: ALL_CFLAGS += $$(pkg-config --cflags rdkafka)
$(BIN)/cfjob: LDLIBS += $$(pkg-config --libs rdkafka) -lpthread

# The local Kafka broker for tests and the demo (librdkafka's mock cluster).
$(BIN)/mockbroker: scripts/mockbroker.c Makefile
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) -DCFKIT_VERSION='"$(VERSION)"' $(ALL_LDFLAGS) -o $@ $< $$(pkg-config --cflags --libs rdkafka)

# Realistic Wikimedia recentchange events for the demo, tests and benchmarks.
$(BIN)/gen-events: $(BUILD)/scripts/gen-events.o $(LIBA)
	@mkdir -p $(BIN)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

UNIT_BINS = $(UNIT:%=$(BUILD)/tests/unit/test_%)
$(BUILD)/tests/unit/test_%: tests/unit/test_%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

# The registry client's test driver and its fault-injecting registry double.
REG_TEST_BINS = $(BUILD)/tests/regcli $(BUILD)/tests/regdouble
$(BUILD)/tests/reg%: tests/registry/reg%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# The third-party registry for tests/cli/registry.sh: franz-go's srfake (Go >= 1.24).
registry-server: build/srfake
build/srfake: tests/registry/srfake/main.go tests/registry/srfake/go.mod tests/registry/srfake/go.sum
	@command -v go >/dev/null || { echo "registry-server: needs Go >= 1.24 on PATH (https://go.dev/dl/)" >&2; exit 1; }
	@mkdir -p build
	cd tests/registry/srfake && GOFLAGS=-mod=mod go build -o $(abspath build/srfake) .

# A real Apache Kafka broker (KRaft) for the end-to-end tests: jars from Maven Central.
kafka-server:
	tests/kafka/fetch

# The Java peer of the Avro differential test (tests/interop/avro_peer.py):
# Apache Avro 1.12's jars fetched by Maven into build/java/lib, AvroPeer.java
# compiled into build/java/classes.
JAVA_PEER = build/java/classes/AvroPeer.class
java-peer: $(JAVA_PEER)
$(JAVA_PEER): tests/interop/java/AvroPeer.java tests/interop/java/pom.xml
	tests/interop/java/fetch
	@mkdir -p $(dir $@)
	javac -d $(dir $@) -cp 'build/java/lib/*' tests/interop/java/AvroPeer.java

# The servers the suites run are built too where their toolchains are (Go for
# the registry, Java and Maven for Kafka); where not, their suites skip, and
# tests/run's last line names them and the command that builds what they need.
check: all $(UNIT_BINS) pyenv $(REG_TEST_BINS) java-peer \
	$(if $(shell command -v go),registry-server) \
	$(if $(and $(shell command -v java),$(shell command -v mvn)),kafka-server)
	BIN=$(abspath $(BIN)) UNITDIR=$(abspath $(BUILD)/tests/unit) tests/run

# winagg against Spark 4 batch by batch (tests/interop/spark_diff.py), and
# avroencode/avrodecode against Java Avro 1.12 and fastavro
# (tests/interop/avro_diff.py): CONFORMANCE_CASES (300 for Spark, 3000 for
# Avro) random cases from CONFORMANCE_SEED (default: the time, printed);
# CONFORMANCE_REPLAY=SEED:INDEX runs one case and prints it.
SPARK_DIFF = $(firstword $(wildcard tests/e2e/spark-diff.sh tests/interop/spark-diff.sh.wip))
conformance: all pyenv java-peer
	BIN=$(abspath $(BIN)) CONFORMANCE=1 SUITE_TIMEOUT=$${SUITE_TIMEOUT:-172800} tests/run $(SPARK_DIFF) tests/e2e/avro-diff.sh tests/cli/winagg-partial.sh

# The whole suite again under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer; every report any process writes lands in
# SAN_REPORTS and fails the run, whatever its test checked.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_REPORTS = build/san/reports
sanitize:
	rm -rf $(SAN_REPORTS) && mkdir -p $(SAN_REPORTS)
	ASAN_OPTIONS=detect_leaks=1:log_path=$(abspath $(SAN_REPORTS))/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(abspath $(SAN_REPORTS))/ubsan \
	$(MAKE) BUILD=build/san BIN=build/san/bin CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" check
	tests/sanitizer-reports $(SAN_REPORTS)

# libFuzzer targets; FUZZ_TIME seconds each (CI uses the default).
FUZZ_TIME ?= 60
FUZZ_BINS = $(FUZZ:%=build/fuzz/fuzz_%)
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB:%=common/%.c) common/*.h
	@mkdir -p build/fuzz
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Icommon -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -DCFKIT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -o $@ $< $(LIB:%=common/%.c) $(PKG_LIBS) $(AVROC)
fuzz: $(FUZZ_BINS)
	FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run $(FUZZ_BINS)

# The test-only Python environment (fastavro, confluent-kafka) in build/venv.
pyenv:
	tests/pyenv

# avro-c's generic to_json: the baseline avrodecode is measured against.
$(BUILD)/tests/bench/avroc_json: tests/bench/avroc_json.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS) $(AVROC)

bench: all $(BUILD)/tests/bench/avroc_json pyenv registry-server kafka-server
	BIN=$(abspath $(BIN)) BENCHDIR=$(abspath $(BUILD)/tests/bench) tests/bench/run

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	mkdir -p $(DESTDIR)$(PREFIX)/share/cfkit/schemas $(DESTDIR)$(PREFIX)/lib/cfkit
	cp $(TOOL_BINS) $(SCRIPTS:%=$(BIN)/%) $(DESTDIR)$(PREFIX)/bin/
	cp $(BIN)/cfkit-sh-setup $(DESTDIR)$(PREFIX)/lib/cfkit/
	cp $(TOOLS:%=man/%.1) $(wildcard $(SCRIPTS:%=man/%.1)) $(DESTDIR)$(MANDIR)/man1/
	cp scripts/schemas/*.avsc $(DESTDIR)$(PREFIX)/share/cfkit/schemas/
	cp man/*.7 $(DESTDIR)$(MANDIR)/man7/
	mkdir -p $(DESTDIR)$(PREFIX)/share/cfkit/examples/systemd
	for f in examples/systemd/*; do \
		sed 's|@PREFIX@|$(PREFIX)|g' $$f >$(DESTDIR)$(PREFIX)/share/cfkit/examples/systemd/$${f##*/} || exit 1; \
	done

clean:
	rm -rf build bin

.PHONY: all check sanitize fuzz bench install clean pyenv registry-server kafka-server conformance java-peer
.SECONDARY:
