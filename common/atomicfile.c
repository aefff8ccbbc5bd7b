/* Atomic whole-file writes (temp + rename) and bounded whole-file reads. */
#include "atomicfile.h"
#include "buf.h"
#include "fdio.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fsync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(copy);
}

int atomicfile_write(const char *path, const void *buf, size_t len, int mode,
    int durable, char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return fail(cause, "cannot create %s.tmp: %s", path, strerror(e));
	}
	if (fdio_write_all(fd, buf, len) < 0 || (durable && fsync(fd) < 0)) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return fail(cause, "cannot write %s: %s", path, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return fail(cause, "cannot replace %s: %s", path, strerror(e));
	}
	free(tmp);
	if (durable)
		fsync_dir_of(path);
	return 0;
}

int atomicfile_read(const char *path, size_t max, char **buf, size_t *len, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		fail(cause, "cannot open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	struct buf b = { 0 };
	for (;;) {
		if (b.len > max) {
			close(fd);
			buf_free(&b);
			errno = EFBIG;
			return fail(cause, "%s is larger than %zu bytes", path, max);
		}
		/* one byte past max tells a file of max bytes from a longer one */
		size_t room = b.len < 4096 ? 4096 : b.len;
		if (room > max + 1 - b.len)
			room = max + 1 - b.len;
		buf_reserve(&b, room);
		ssize_t r = read(fd, b.p + b.len, room);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf_free(&b);
			fail(cause, "cannot read %s: %s", path, strerror(e));
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
	}
	close(fd);
	*buf = buf_take(&b, len);
	return 0;
}
