# psup build. Sources are picked up by folder, so adding a file needs no edit here.
# Each folder is one archive and compiles with only the include paths it may
# use (INC_<folder> below), so a wrong dependency fails to build:
#   common/*.c               what every program needs (the keeper only pulls the
#                            libc-only ones: archives link what is referenced)
#   supervisor/wire/*.c      the daemon<->keeper<->CLI contract
#   supervisor/keeper/*.c    psup-keeper: libc only, linked with no -l flag
#   supervisor/config/*.c    the ecosystem loader
#   supervisor/daemon/*.c    the control plane
#   supervisor/cli/*.c       the psup command; *main.c files are program entries
#   worker/*.c               psup-worker: engine, outcome, commands
#   worker/store/*.c         the job store (SQLite, PostgreSQL)
#   worker/limits/*.c        rate limits: GCRA, shared pages, the cluster's row, pacing, AIMD, headers
#   web/*.c                  psup-web: the dashboard and /metrics (libmicrohttpd);
#                            web/page/* is embedded into it by web/embed.sh
#   tests/unit/test_*.c   one TAP program each, linked against all archives
#   tests/helpers/*.c     one small misbehaving app each (single file, libc)
#   tests/server/*.c      the test API server (libmicrohttpd)
#   tests/fuzz/fuzz_*.c   libFuzzer targets; `make fuzz` builds them with clang;
#                         every build links each with tests/fuzz/replay.c into
#                         a test that replays its corpus (tests/fuzz/corpus/NAME)
#
# `make BUILD=asan` builds everything with ASan+UBSan under build/asan/.

CC      ?= cc
BUILD   ?= release
PREFIX  ?= /usr/local
VERSION := 0.1.0

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wwrite-strings -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DPSUP_VERSION='"$(VERSION)"'
ALLCFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS)

# What each folder may include. The keeper sees only common/ and wire/.
SV      := supervisor
INC_common := common
INC_wire   := common $(SV)/wire
INC_keeper := common $(SV)/wire $(SV)/keeper
INC_config := common $(SV)/wire $(SV)/config
INC_daemon := common $(SV)/wire $(SV)/config $(SV)/daemon
INC_cli    := common $(SV)/wire $(SV)/config $(SV)/daemon $(SV)/cli
INC_store  := common worker/store
INC_limits := common worker/limits
INC_worker := common worker worker/store worker/limits
INC_web    := common $(SV)/wire web
INC_tests  := common $(addprefix $(SV)/,wire keeper config daemon cli) \
              worker worker/store worker/limits web tests
LIBINC     := $(shell pkg-config --cflags libcurl 2>/dev/null) -I/usr/include/postgresql

ifeq ($(BUILD),asan)
  O        := build/asan
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  BIN      := build/asan/bin
else ifeq ($(BUILD),fuzz)
  # libFuzzer: coverage in every archive, the fuzzer main only in fuzz_* programs
  O        := build/fuzz
  SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  BIN      := build/fuzz/bin
else
  O        := build
  SANFLAGS :=
  BIN      := bin
endif

PSUP_LIBS   := -lyaml -lcjson -lncursesw -lm
WORKER_LIBS := -lcurl -lsqlite3 -lpq -lyaml -lcjson -lm
WEB_LIBS    := -lmicrohttpd -lcjson -lm
TEST_LIBS   := $(sort $(PSUP_LIBS) $(WORKER_LIBS) $(WEB_LIBS))

# One archive per folder: lib<name>.a from SRC_<name>.
SRC_common := $(wildcard common/*.c)
SRC_wire   := $(wildcard $(SV)/wire/*.c)
SRC_keeper := $(filter-out %main.c,$(wildcard $(SV)/keeper/*.c))
SRC_config := $(wildcard $(SV)/config/*.c)
SRC_daemon := $(wildcard $(SV)/daemon/*.c)
SRC_cli    := $(filter-out %main.c,$(wildcard $(SV)/cli/*.c))
SRC_worker := $(filter-out %main.c,$(wildcard worker/*.c worker/store/*.c worker/limits/*.c))
# The page's files become one generated source of the web archive.
WEB_PAGE   := $(sort $(wildcard web/page/*))
SRC_web    := $(filter-out %main.c,$(wildcard web/*.c)) $(O)/web/web_page_data.c
ARCHIVES   := common wire keeper config daemon cli worker web
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)
SERVER_SRC := $(wildcard tests/server/*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst $(O)/%.c,$(O)/%.o,$(patsubst %.c,$(O)/%.o,$(filter-out $(O)/%,$(1))) $(filter $(O)/%,$(1)))

# Each archive depends on a file listing its sources, rewritten only when the
# list changes, so a removed or moved source rebuilds the archive instead of
# leaving a stale object in it.
srclist = $(shell mkdir -p $(O) && { echo '$(2)' | cmp -s - $(O)/$(1) || echo '$(2)' > $(O)/$(1); } && echo $(O)/$(1))
define archive_rule
$(O)/lib$(1).a: $(call obj,$(SRC_$(1))) $(call srclist,$(1).list,$(SRC_$(1)))
	@mkdir -p $$(dir $$@); rm -f $$@; ar rcs $$@ $$(filter %.o,$$^)
endef
$(foreach a,$(ARCHIVES),$(eval $(call archive_rule,$(a))))

lib = $(foreach a,$(1),$(O)/lib$(a).a)
# Link order: users before what they use.
LIBCOMMON := $(call lib,common)
LIBWK     := $(call lib,worker)
LIBPSUP   := $(call lib,cli daemon config wire)
LIBSV     := $(call lib,cli daemon config keeper wire)
LIBWEB    := $(call lib,web)

PROGS   := $(BIN)/psup $(BIN)/psup-keeper $(if $(wildcard worker/worker_main.c),$(BIN)/psup-worker) \
           $(BIN)/psup-web
UNITS   := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
REPLAYS := $(patsubst tests/fuzz/%.c,$(O)/tests/%,$(FUZZ_SRC))
HELPERS := $(patsubst tests/helpers/%.c,$(O)/tests/helpers/%,$(HELPER_SRC))
SERVER  := $(if $(SERVER_SRC),$(BIN)/psup-testapi)

# Keep the test objects make sees as intermediate, so a second run rebuilds nothing.
.SECONDARY:

.PHONY: all tests test test-unit test-e2e test-asan demo demo-stop deps \
        install clean fuzz fuzzers bench
all: $(PROGS)
tests: $(PROGS) $(UNITS) $(REPLAYS) $(HELPERS) $(SERVER)

$(O)/common/%.o:      INC = $(INC_common)
$(O)/$(SV)/wire/%.o:   INC = $(INC_wire)
$(O)/$(SV)/keeper/%.o: INC = $(INC_keeper)
$(O)/$(SV)/config/%.o: INC = $(INC_config)
$(O)/$(SV)/daemon/%.o: INC = $(INC_daemon)
$(O)/$(SV)/cli/%.o:    INC = $(INC_cli)
$(O)/worker/%.o:       INC = $(INC_worker) $(LIBINC)
$(O)/worker/store/%.o: INC = $(INC_store) $(LIBINC)
$(O)/worker/limits/%.o: INC = $(INC_limits) $(LIBINC)
$(O)/tests/%.o:        INC = $(INC_tests) $(LIBINC)
$(O)/web/%.o:          INC = $(INC_web)

$(O)/web/web_page_data.c: web/embed.sh $(WEB_PAGE)
	@mkdir -p $(dir $@)
	sh web/embed.sh $(WEB_PAGE) > $@.tmp && mv $@.tmp $@
$(O)/web/web_page_data.o: $(O)/web/web_page_data.c
	$(CC) $(CPPFLAGS) $(addprefix -I,$(INC_web)) $(ALLCFLAGS) -c -o $@ $<

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(addprefix -I,$(filter-out -I%,$(INC))) $(filter -I%,$(INC)) $(ALLCFLAGS) -MMD -MP -c -o $@ $<

$(BIN)/psup: $(O)/$(SV)/cli/psup_main.o $(LIBPSUP) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(PSUP_LIBS)
# The keeper links only libc: it must outlive anything the daemon depends on.
# Release builds link it statically: every keeper then shares all its code, and
# against musl where musl-gcc is installed (Debian's musl-tools): a musl keeper
# keeps ~48 KiB private against ~68 KiB with glibc, whose static start-up alone
# dirties eight pages of data (locale, stdio, TLS, tunables) in every keeper.
# Its objects are built apart (build/musl/) from the keeper's, wire's and
# common's sources that need no library's headers. `make KEEPER_CC=` links it
# with glibc; `make KEEPER_LDFLAGS= KEEPER_CC=` dynamically (for valgrind, which
# cannot follow malloc in a static binary). ASan builds link it with glibc.
ifeq ($(origin KEEPER_CC),undefined)
KEEPER_CC      := $(if $(SANFLAGS),,$(shell command -v musl-gcc 2>/dev/null))
endif
KEEPER_LDFLAGS ?= $(if $(SANFLAGS),,-static)
ifeq ($(KEEPER_CC),)
$(BIN)/psup-keeper: $(O)/$(SV)/keeper/keeper_main.o $(call lib,keeper wire common)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(KEEPER_LDFLAGS)
else
MO          := $(O)/musl
space       := $(subst ,, )
NONLIBC_H   := $(notdir $(shell grep -lE '^\#include <(yaml|cjson/|curl/|sqlite3|libpq|ncurses|microhttpd)' \
               common/*.h $(SV)/wire/*.h))
NONLIBC_RE  := $(subst $(space),|,$(strip $(NONLIBC_H) yaml cjson/))
NONLIBC_C   := $(shell grep -lE '^\#include [<"]($(NONLIBC_RE))' $(SRC_common) $(SRC_wire))
MUSL_SRC    := $(filter-out $(NONLIBC_C),$(SRC_common) $(SRC_wire)) $(SRC_keeper)
$(MO)/%.o: %.c
	@mkdir -p $(dir $@)
	$(KEEPER_CC) $(CPPFLAGS) $(addprefix -I,$(INC_keeper)) $(ALLCFLAGS) -MMD -MP -c -o $@ $<
$(MO)/libkeeper.a: $(patsubst %.c,$(MO)/%.o,$(MUSL_SRC)) $(call srclist,musl.list,$(MUSL_SRC))
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $(filter %.o,$^)
$(BIN)/psup-keeper: $(MO)/$(SV)/keeper/keeper_main.o $(MO)/libkeeper.a
	@mkdir -p $(dir $@)
	$(KEEPER_CC) $(ALLCFLAGS) -o $@ $^ $(KEEPER_LDFLAGS)
# the e2e valgrind test links a dynamic glibc keeper from this
tests: $(O)/$(SV)/keeper/keeper_main.o
endif
$(BIN)/psup-worker: $(O)/worker/worker_main.o $(LIBWK) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(WORKER_LIBS)
$(BIN)/psup-web: $(O)/web/web_main.o $(LIBWEB) $(call lib,wire) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(WEB_LIBS)
$(BIN)/psup-testapi: $(call obj,$(SERVER_SRC)) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $^ -lmicrohttpd -lcjson -lm

$(O)/tests/test_%: $(O)/tests/unit/test_%.o $(LIBWEB) $(LIBSV) $(LIBWK) $(LIBCOMMON)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(TEST_LIBS)
# The store's tests share their stores' set-up (storefix.c).
$(filter $(O)/tests/test_store%,$(UNITS)): $(O)/tests/%: $(O)/tests/unit/%.o \
    $(O)/tests/unit/storefix.o $(LIBWEB) $(LIBSV) $(LIBWK) $(LIBCOMMON)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(TEST_LIBS)
# The test API is no archive: a test of one of its pure files links that object.
$(O)/tests/test_testapi_%: $(O)/tests/unit/test_testapi_%.o $(O)/tests/server/testapi_%.o
	$(CC) $(ALLCFLAGS) -o $@ $^ -lm
# A fuzz target with the replay main: a unit test over its saved corpus.
$(O)/tests/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/replay.o $(LIBWEB) $(LIBSV) $(LIBWK) $(LIBCOMMON)
	$(CC) $(ALLCFLAGS) -o $@ $^ $(TEST_LIBS)
$(O)/tests/helpers/%: $(O)/tests/helpers/%.o
	$(CC) $(ALLCFLAGS) -o $@ $^

# `make fuzz` builds each tests/fuzz/fuzz_NAME.c with clang into build/fuzz/NAME;
# run one with: build/fuzz/fuzz_ecosystem -max_total_time=60 tests/fuzz/corpus/fuzz_ecosystem
FUZZERS := $(patsubst tests/fuzz/%.c,$(O)/%,$(FUZZ_SRC))
fuzz:
	$(MAKE) CC=clang BUILD=fuzz fuzzers
fuzzers: $(FUZZERS)
$(O)/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(LIBWEB) $(LIBSV) $(LIBWK) $(LIBCOMMON)
	$(CC) $(ALLCFLAGS) -fsanitize=fuzzer -o $@ $^ $(TEST_LIBS)

# Tests: prove runs the C unit programs and the shell end-to-end tests alike.
# PSUP_BIN and PSUP_TESTBIN tell the shell tests which build to drive.
# Two at a time: the end-to-end tests mostly wait (on polls, timers, the
# test API's delays), so one at a time kept the CPUs under half busy and
# the suite took twice as long; each test is written to pass on a loaded
# machine and touches only its own home, ports and processes.
TEST_JOBS ?= 2
PROVE    := prove --timer -f -j$(TEST_JOBS)
TESTENV  := PSUP_BIN=$(abspath $(BIN)) PSUP_TESTBIN=$(abspath $(O)/tests) PSUP_SRC=$(CURDIR)
E2E      := $(sort $(wildcard tests/e2e/*.t))
test: tests
	$(TESTENV) $(PROVE) $(UNITS) $(REPLAYS) $(E2E)
ifeq ($(BUILD),release)
	$(MAKE) -j2 BUILD=asan tests
	$(MAKE) BUILD=asan test
endif

test-unit: tests
	$(TESTENV) $(PROVE) $(UNITS) $(REPLAYS)
test-e2e: tests
	$(TESTENV) $(PROVE) $(E2E)
test-asan:
	$(MAKE) -j2 BUILD=asan tests
	$(MAKE) BUILD=asan test

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/

deps:
	@sh .ci/deps.sh

# Benchmarks against pm2, supervisord and runit (not tests; CI does not run
# them). BENCH_ARGS=--quick for a short run; see bench/README.md.
bench:
	bench/setup.sh
	bench/run.sh $(BENCH_ARGS)

clean:
	rm -rf build bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)

demo:
	@sh .ci/deps.sh
	$(MAKE) -j2 all tests
	bash scripts/demo.sh
demo-stop:
	@PSUP_HOME=$(CURDIR)/demo-data/home bin/psup kill 2>/dev/null || true
