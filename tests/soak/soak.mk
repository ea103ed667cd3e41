# Long-running checks of the daemon, outside `make check` (included by the
# top Makefile):
#
#   make soak       SOAK_SECONDS (600) of SOAK_JOBS (300) jobs of every kind
#                   under reloads and status bursts, then zombies, fds, RSS,
#                   the log and the status counters are checked
#                   (tests/soak/soak.sh); SOAK_SEED=N repeats a run; the
#                   logs stay in $(B)/soak/
#   make valgrind   the daemon's black-box tests and the short soak with
#                   schedd under valgrind memcheck (tests/soak/valgrind.sh);
#                   one log per process in $(B)/valgrind/logs/

SOAK_SECONDS ?= 600
SOAK_JOBS    ?= 300

.PHONY: soak valgrind

soak: $(B)/schedd
	SCHEDD=$(abspath $(B)/schedd) SOAK_SECONDS=$(SOAK_SECONDS) SOAK_JOBS=$(SOAK_JOBS) \
		$(if $(SOAK_SEED),SOAK_SEED=$(SOAK_SEED)) sh tests/soak/soak.sh $(B)/soak

valgrind: $(B)/schedd $(HELPERS)
	SCHEDD_HELPERS=$(abspath $(B)/helpers) sh tests/soak/valgrind.sh $(B)/schedd $(B)/valgrind
