/*
 * fsutil: the few file-system operations the daemon repeats: writing a file
 * atomically (status dump, state file), creating runtime directories, and
 * pidfiles. Syscall wrappers: they return 0/-1 and keep errno.
 */
#ifndef SCHEDD_FSUTIL_H
#define SCHEDD_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Replaces PATH with BUF: writes PATH.tmp.PID, then renames it over PATH,
 * so readers see the old or the new file, never a part. With durable, the
 * data is fsync'ed before the rename and the directory after it, so a power
 * loss leaves one of the two versions.
 */
int fs_write_atomic(const char *path, const void *buf, size_t len, mode_t mode, bool durable);

/* mkdir -p with MODE for the directories it creates. */
int fs_mkdir_p(const char *path, mode_t mode);

/* Creates the parent directory of PATH (mkdir -p). */
int fs_mkdir_parent(const char *path, mode_t mode);

/* Writes "PID\n" to PATH atomically. */
int fs_write_pidfile(const char *path, pid_t pid);

/* Reads a pid from PATH; -1 with errno when missing or malformed (EINVAL). */
pid_t fs_read_pidfile(const char *path);

/* write(2) until done, through EINTR and short writes. */
int fs_write_all(int fd, const void *buf, size_t len);

#endif
