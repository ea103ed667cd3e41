/*
 * values: the scalar value syntaxes of schedd.conf (SPEC §3), pure.
 * Each parser takes the whole value text (already trimmed by the caller),
 * returns 0 and fills *out, or returns -1 and writes a message to err
 * (no FILE:LINE prefix: the caller adds it).
 */
#ifndef SCHEDD_VALUES_H
#define SCHEDD_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "500ms", "30s", "5m", "2h", "1d", combinations ("1h30m"), or a bare
 * number of seconds. Result in milliseconds, 0 .. 100 years. */
int value_duration_ms(const char *text, int64_t *out_ms, char *err, size_t errlen);

/* Bytes: "4096", "64KiB", "1MiB", "1GiB" (also "B"). */
int value_size_bytes(const char *text, uint64_t *out_bytes, char *err, size_t errlen);

/* true/false/yes/no/on/off/1/0, case-insensitive. */
int value_bool(const char *text, bool *out, char *err, size_t errlen);

/* A signal by name ("TERM", "SIGTERM", case-insensitive) or number (1..64). */
int value_signal(const char *text, int *out_signo, char *err, size_t errlen);

/* Octal umask "022" or "0022", 0..0777. */
int value_umask(const char *text, mode_t *out_mask, char *err, size_t errlen);

/* An integer in [min, max]. */
int value_int_range(const char *text, long min, long max, long *out, char *err, size_t errlen);

/* A finite decimal number in [min, max] ("2", "2.0", "1.5"). */
int value_double_range(const char *text, double min, double max, double *out,
    char *err, size_t errlen);

/* The name of a signal without "SIG" ("TERM"), or NULL when unknown. */
const char *value_signal_name(int signo);

/* Formats ms as the shortest duration text ("1h30m", "500ms", "0s").
 * Always NUL-terminates; returns buf. */
char *value_format_duration(int64_t ms, char *buf, size_t buflen);

#endif
