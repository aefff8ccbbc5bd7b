/* Whole-file writes and reads: a written file reads back whole, a file of
 * max bytes is read and one byte more is refused, a missing file says so. */
#include "tap.h"
#include "atomicfile.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char dir[] = "/tmp/psup-afile-XXXXXX";
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	char *path = xasprintf("%s/f", dir), *cause = NULL, *buf = NULL;
	size_t len = 0;

	/* bigger than one read, so the buffer grows */
	size_t big = 10000;
	char *data = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	ok(atomicfile_write(path, data, big, 0640, 1, &cause) == 0, "write");
	struct stat st;
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "with its mode");
	ok(atomicfile_read(path, big, &buf, &len, &cause) == 0 && len == big &&
	    memcmp(buf, data, big) == 0 && buf[len] == '\0',
	    "a file of exactly max bytes reads back whole, NUL-terminated");
	free(buf);
	buf = NULL;
	errno = 0;
	ok(atomicfile_read(path, big - 1, &buf, &len, &cause) < 0 && errno == EFBIG && buf == NULL,
	    "one byte over max is refused");
	ok(cause && strstr(cause, "larger than"), "and says so: %s", cause ? cause : "");
	free(cause);
	cause = NULL;

	ok(atomicfile_write(path, "", 0, 0600, 0, &cause) == 0 &&
	    atomicfile_read(path, 64, &buf, &len, NULL) == 0 && len == 0 && buf[0] == '\0',
	    "an empty file reads as an empty string");
	free(buf);
	unlink(path);
	errno = 0;
	ok(atomicfile_read(path, 64, &buf, &len, &cause) < 0 && errno == ENOENT,
	    "a missing file fails with ENOENT");
	ok(cause && strstr(cause, "cannot open"), "and names the failure: %s", cause ? cause : "");
	free(cause);
	free(data);
	free(path);
	rmdir(dir);
	return done_testing();
}
