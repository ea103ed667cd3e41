/*
 * replay: runs a fuzz target's LLVMFuzzerTestOneInput on every file named
 * on the command line and on every regular file in the directories named
 * there (not recursively, in name order), without libFuzzer, so that the
 * corpora and reproducers are checked by the ordinary build and the ASan
 * build. Exit 0 when every input ran; 1 when a file could not be read or
 * nothing was replayed; a broken invariant aborts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Inputs larger than this are refused rather than read. */
#define MAX_INPUT_BYTES (64 * 1024 * 1024)

static const char *progname = "replay";

/*
 * Reads PATH whole into a buffer of exactly its size (so that a sanitizer
 * sees any read past the end, as under libFuzzer). Returns 0, or -1 after
 * printing why.
 */
static int
read_whole(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
		goto fail;
	}
	if (st.st_size > MAX_INPUT_BYTES) {
		fprintf(stderr, "%s: %s: larger than %d bytes\n", progname, path,
		    MAX_INPUT_BYTES);
		goto fail;
	}
	/* malloc(0) may return NULL: keep one byte, pass a length of 0. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL) {
		fprintf(stderr, "%s: %s: out of memory\n", progname, path);
		goto fail;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;		/* shrank while being read: replay what is there */
		len += (size_t)n;
	}
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

static int
replay_file(const char *path, unsigned long *count)
{
	uint8_t *buf;
	size_t len;

	if (read_whole(path, &buf, &len) != 0)
		return -1;
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
	return 0;
}

static int
skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
replay_dir(const char *dir, unsigned long *count)
{
	struct dirent **names;
	struct stat st;
	char *path;
	int i, n, rc = 0;

	if ((n = scandir(dir, &names, skip_dots, alphasort)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
			fprintf(stderr, "%s: %s: out of memory\n", progname, dir);
			rc = -1;
		} else {
			if (stat(path, &st) != 0) {
				fprintf(stderr, "%s: %s: %s\n", progname, path,
				    strerror(errno));
				rc = -1;
			} else if (S_ISREG(st.st_mode) && replay_file(path, count) != 0)
				rc = -1;
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	unsigned long count = 0;
	bool ok = true;
	int i;

	if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
		const char *slash = strrchr(argv[0], '/');
		progname = slash != NULL ? slash + 1 : argv[0];
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", progname);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s: %s\n", progname, argv[i], strerror(errno));
			ok = false;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) != 0)
				ok = false;
		} else if (replay_file(argv[i], &count) != 0)
			ok = false;
	}
	printf("%s: %lu inputs replayed\n", progname, count);
	if (count == 0) {
		fprintf(stderr, "%s: no input found\n", progname);
		ok = false;
	}
	return ok ? 0 : 1;
}
