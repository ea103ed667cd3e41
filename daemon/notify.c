/*
 * notify: sd_notify messages for Type=notify units. File-scope state holds
 * what the environment said at start and the last STATUS= sent, so that an
 * unchanged status costs nothing.
 */
#include "notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

static bool notify_on;
static uint64_t notify_wd_usec;
static char notify_last_status[256];

void
notify_init(void)
{
	uint64_t usec = 0;
	const char *sock = getenv("NOTIFY_SOCKET");

	notify_on = sock != NULL && sock[0] != '\0';
	notify_wd_usec = 0;
	if (notify_on && sd_watchdog_enabled(0, &usec) > 0)
		notify_wd_usec = usec;
	notify_last_status[0] = '\0';
}

bool
notify_enabled(void)
{
	return notify_on;
}

uint64_t
notify_watchdog_interval_ms(void)
{
	uint64_t ms = notify_wd_usec / 2000;

	return notify_wd_usec == 0 ? 0 : (ms == 0 ? 1 : ms);
}

static void
notify_send(const char *msg)
{
	if (notify_on)
		(void)sd_notify(0, msg);
}

void
notify_ready(void)
{
	notify_send("READY=1");
}

void
notify_reloading(void)
{
	notify_send("RELOADING=1");
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}

void
notify_status(const char *text)
{
	char msg[300];

	if (!notify_on || strncmp(text, notify_last_status, sizeof(notify_last_status)) == 0)
		return;
	snprintf(notify_last_status, sizeof(notify_last_status), "%s", text);
	snprintf(msg, sizeof(msg), "STATUS=%s", notify_last_status);
	notify_send(msg);
}
