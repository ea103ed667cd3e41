# Fuzzing rules, included by the top Makefile.
#
#   make fuzz               build the libFuzzer targets with clang in build-fuzz/
#                           and run each for FUZZ_SECONDS (default 60) on a
#                           scratch copy of its corpus (fuzz/corpus/TARGET/ is
#                           never grown by a run); extra libFuzzer flags in
#                           FUZZ_FLAGS, e.g. FUZZ_FLAGS=-jobs=2
#   make fuzz-build         only build them
#   make check-fuzz-replay  replay every corpus file through every target,
#                           built with the normal compiler and flags into
#                           $(B)/fuzz/ (B=build-asan SAN=1 for the ASan build)
#
# A crash found by a run is left in build-fuzz/run/TARGET/ (crash-*,
# timeout-*, leak-*). Keep the reproducer in fuzz/crashes/ until it is fixed,
# then move it into the target's corpus so that the replay guards it.

FUZZ_B       := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_TIMEOUT ?= 10
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
# The library gets coverage feedback; the harnesses (and their reference
# searches, most of the run time) only the sanitizers.
FUZZ_OPT     := -O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_HARNESS_OPT := -O2 -g $(FUZZ_SAN)

FUZZ_NAMES   := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_B)/%)
FUZZ_REPLAYS := $(FUZZ_NAMES:fuzz_%=$(B)/fuzz/replay_%)
FUZZ_CORPORA := $(wildcard fuzz/corpus/*)

.PHONY: fuzz fuzz-build check-fuzz-replay
# Objects that only pattern rules reach: keep them between builds.
.SECONDARY: $(FUZZ_NAMES:%=$(B)/fuzz/%.o) $(B)/fuzz/replay.o

# The libFuzzer build; only meaningful in the sub-make below, where CC is
# clang and OPT carries the sanitizers.
$(FUZZ_B)/fuzz/fuzz_%.o: fuzz/fuzz_%.c $(FUZZ_B)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(FUZZ_HARNESS_OPT) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/fuzz/fuzz_%.o $(FUZZ_B)/libschedd.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_DAEMON)

fuzz-build:
	@sh fuzz/deps.sh $(FUZZ_CC)
	@$(MAKE) --no-print-directory B=$(FUZZ_B) SAN= CC=$(FUZZ_CC) OPT='$(FUZZ_OPT)' \
		$(FUZZ_BINS)

fuzz: fuzz-build
	@for t in $(FUZZ_NAMES); do \
		w=$(FUZZ_B)/run/$$t; \
		rm -rf $$w && mkdir -p $$w/corpus || exit 1; \
		if [ -d fuzz/corpus/$$t ]; then cp fuzz/corpus/$$t/* $$w/corpus/ || exit 1; fi; \
		dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
		echo "== $$t for $(FUZZ_SECONDS)s (crashes in $$w/)"; \
		$(FUZZ_B)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
			-print_final_stats=1 -artifact_prefix=$$w/ $$dict $(FUZZ_FLAGS) \
			$$w/corpus || exit 1; \
	done

# The same targets without libFuzzer: fuzz/replay.c supplies main().
$(B)/fuzz/replay_%: $(B)/fuzz/fuzz_%.o $(B)/fuzz/replay.o $(B)/libschedd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_DAEMON)

check-fuzz-replay: $(FUZZ_REPLAYS)
	@for r in $(FUZZ_REPLAYS); do \
		$$r $(FUZZ_CORPORA) || exit 1; \
	done
