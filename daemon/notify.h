/*
 * notify: the systemd readiness protocol (SPEC §5) through sd_notify.
 * Without NOTIFY_SOCKET nothing is sent. The watchdog interval comes from
 * WATCHDOG_USEC (only when WATCHDOG_PID is unset or ours).
 */
#ifndef SCHEDD_NOTIFY_H
#define SCHEDD_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/* Reads the environment once. */
void notify_init(void);
/* True when NOTIFY_SOCKET is set. */
bool notify_enabled(void);
/* Half of WATCHDOG_USEC in milliseconds, or 0 when there is no watchdog. */
uint64_t notify_watchdog_interval_ms(void);

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
void notify_watchdog(void);
/* STATUS=text, sent only when it differs from the last one. */
void notify_status(const char *text);

#endif
