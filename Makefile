# schedd: build, test, benchmark, install.
#
#   make            build build/schedd
#   make run        build and run schedd in the foreground on schedd.conf.example
#   make check      unit tests, fuzz corpora replayed, black-box tests, then the
#                   unit tests and the replay again under AddressSanitizer +
#                   UndefinedBehaviorSanitizer (build-asan/)
#   make bench      build and run the benchmarks in bench/
#   make install    PREFIX, DESTDIR, sysconfdir as usual
#
# Missing Debian build dependencies are installed when run as root
# (packaging/build-deps.sh), or the exact apt-get line is printed.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
sbindir    ?= $(PREFIX)/sbin
mandir     ?= $(PREFIX)/share/man
sysconfdir ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
unitdir    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
DESTDIR    ?=

B   ?= build
SAN ?=
CC  ?= cc

PKGS := libevent inih libsystemd check

WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -D_GNU_SOURCE -DSCHEDD_VERSION='"$(VERSION)"' -iquote config -iquote daemon -iquote $(B)
ifeq ($(SAN),1)
OPT      := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OPT      ?= -O2 -g
endif
ALL_CFLAGS  = $(WARN) $(OPT) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(OPT) $(LDFLAGS)

LIB_SRCS   := $(filter-out daemon/main.c,$(wildcard daemon/*.c config/*.c))
LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/%.o)
TEST_SRCS  := $(wildcard tests/check_*.c)
TEST_OBJS  := $(TEST_SRCS:%.c=$(B)/%.o)
SUITES     := $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(TEST_SRCS)))
BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCHES    := $(BENCH_SRCS:bench/%.c=$(B)/bench/%)

.PHONY: all run check check-unit check-cli check-asan bench install uninstall clean deps FORCE

all: $(B)/schedd

# Build flags come from pkg-config once the dependencies are known to be there.
NODEPS_GOALS := clean uninstall
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(B)/config.mk
endif

$(B)/config.mk: packaging/build-deps.sh
	@mkdir -p $(B)
	@sh packaging/build-deps.sh
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "LIBS_DAEMON := $$(pkg-config --libs libevent inih libsystemd) -lm"; \
	   echo "LIBS_CHECK := $$(pkg-config --libs check)"; } > $@.tmp && mv $@.tmp $@

deps: $(B)/config.mk

$(B)/%.o: %.c $(B)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libschedd.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/schedd: $(B)/daemon/main.o $(B)/libschedd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_DAEMON)

# One Check runner; each tests/check_NAME.c exports `Suite *NAME_suite(void)`.
$(B)/suites.h: FORCE
	@mkdir -p $(B)
	@printf '%s\n' $(foreach s,$(SUITES),'SUITE($(s))') > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(TEST_OBJS): $(B)/suites.h
$(TEST_OBJS): CPPFLAGS += -iquote tests

$(B)/check_schedd: $(TEST_OBJS) $(B)/libschedd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_CHECK) $(LIBS_DAEMON)

$(B)/bench/%: bench/%.c $(B)/libschedd.a $(B)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(B)/libschedd.a $(LIBS_DAEMON)

# Small programs the black-box tests use (tests/helpers/*.c).
HELPERS := $(patsubst tests/helpers/%.c,$(B)/helpers/%,$(wildcard tests/helpers/*.c))

$(B)/helpers/%: tests/helpers/%.c $(B)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $<

run: $(B)/schedd
	$(B)/schedd -c schedd.conf.example

check-unit: $(B)/check_schedd
	$(B)/check_schedd

check-cli: $(B)/schedd $(HELPERS)
	SCHEDD_HELPERS=$(abspath $(B)/helpers) sh tests/cli/run.sh $(B)/schedd

check-asan:
	$(MAKE) --no-print-directory B=build-asan SAN=1 check-unit check-fuzz-replay

# The fuzz corpora (fuzz/corpus/) replayed through every fuzz target, with
# the normal compiler: regressions of whatever fuzzing found.
check: check-unit check-fuzz-replay check-cli
	$(MAKE) --no-print-directory check-asan

bench: $(BENCHES) $(B)/schedd
	@for b in $(BENCHES); do echo "== $$b"; SCHEDD=$(B)/schedd $$b || exit 1; done

install: $(B)/schedd
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(mandir)/man8 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(sysconfdir)/schedd/conf.d $(DESTDIR)$(unitdir)
	install -m 755 $(B)/schedd $(DESTDIR)$(sbindir)/schedd
	install -m 644 man/schedd.8 $(DESTDIR)$(mandir)/man8/schedd.8
	install -m 644 man/schedd.conf.5 $(DESTDIR)$(mandir)/man5/schedd.conf.5
	sed 's|@SBINDIR@|$(sbindir)|g; s|@SYSCONFDIR@|$(sysconfdir)|g' packaging/schedd.service \
		> $(DESTDIR)$(unitdir)/schedd.service
	chmod 644 $(DESTDIR)$(unitdir)/schedd.service
	test -e $(DESTDIR)$(sysconfdir)/schedd/schedd.conf || \
		install -m 644 packaging/schedd.conf $(DESTDIR)$(sysconfdir)/schedd/schedd.conf

uninstall:
	rm -f $(DESTDIR)$(sbindir)/schedd $(DESTDIR)$(mandir)/man8/schedd.8 \
		$(DESTDIR)$(mandir)/man5/schedd.conf.5 $(DESTDIR)$(unitdir)/schedd.service
	-rmdir $(DESTDIR)$(sysconfdir)/schedd/conf.d 2>/dev/null

clean:
	rm -rf build build-asan build-fuzz

-include packaging/package.mk
-include fuzz/fuzz.mk
-include tests/soak/soak.mk
-include $(wildcard $(B)/*/*.d $(B)/*/*/*.d)
