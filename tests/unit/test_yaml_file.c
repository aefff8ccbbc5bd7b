/* Paths (resolved against a base, folded; a file's folder) and reading a
 * file whole: errors with their cause, directories, the size limit, empty
 * files. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "yaml_file.h"

static void test_paths(void)
{
	char *p = ypath_resolve("/a/b", "c/../d/./e/");
	is_str(p, "/a/b/d/e", "relative folded");
	free(p);
	p = ypath_resolve("/a/b", "/x/../../y");
	is_str(p, "/y", "absolute folded, .. stops at root");
	free(p);
	p = ypath_resolve("/a", ".");
	is_str(p, "/a", "dot");
	free(p);
	p = ypath_dir("/a/b/c.yaml");
	is_str(p, "/a/b", "dir");
	free(p);
	p = ypath_dir("/c.yaml");
	is_str(p, "/", "dir of a root file");
	free(p);

	char *buf = NULL, *cause = NULL;
	size_t len;
	ok(yfile_read("/nonexistent/x.yaml", &buf, &len, &cause) == -1 && cause &&
	    strstr(cause, "cannot open /nonexistent/x.yaml: No such file"), "read error: %s",
	    cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(yfile_read("/", &buf, &len, &cause) == -1 && strstr(cause, "is a directory"),
	    "directory refused");
	free(cause);
	cause = NULL;

	/* the size limit: a file of YFILE_MAX bytes reads whole, one more is refused */
	char path[] = "/tmp/psup-test-yaml-XXXXXX";
	int fd = mkstemp(path);
	char *big = calloc(1, (size_t)YFILE_MAX + 1);
	memset(big, '#', (size_t)YFILE_MAX + 1);
	ok(fd >= 0 && big && write(fd, big, YFILE_MAX) == YFILE_MAX, "a file at the limit written");
	ok(yfile_read(path, &buf, &len, &cause) == 0 && len == YFILE_MAX && buf[len] == '\0' &&
	    buf[len - 1] == '#', "a file at the limit reads whole, NUL-terminated");
	free(buf);
	ok(write(fd, big, 1) == 1, "one byte more written");
	ok(yfile_read(path, &buf, &len, &cause) == -1 && cause && strstr(cause, "larger than"),
	    "a file past the limit is refused: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	ok(yfile_read("/dev/null", &buf, &len, &cause) == 0 && len == 0 && buf[0] == '\0',
	    "an empty file reads as an empty string");
	free(buf);
	free(big);
	if (fd >= 0)
		close(fd);
	unlink(path);
}

int main(void)
{
	plan_no_plan();
	test_paths();
	return done_testing();
}
