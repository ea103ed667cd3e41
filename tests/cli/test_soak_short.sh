# A short soak (about 25 s, see tests/soak/soak.sh): 300 jobs that
# succeed, fail, time out, daemonize, hold or flood their output, die by
# signal or cannot spawn, under overlap policies, retries and a small
# max_concurrent, with SIGHUP and SIGUSR1 bursts; then no zombie, no fd
# leak, bounded RSS, every attempt logged once, status counters equal to the
# log, and no job process left after SIGTERM. `make soak` runs it longer;
# SOAK_SHORT_SECONDS and SOAK_SHORT_JOBS resize this one (make valgrind).
here=$(cd "$(dirname "$0")" && pwd)
SOAK_SECONDS=${SOAK_SHORT_SECONDS:-12} SOAK_JOBS=${SOAK_SHORT_JOBS:-300} \
	exec sh "$here/../soak/soak.sh" "$TMPDIR/soak"
