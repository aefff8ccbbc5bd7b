/* Config files: bounded whole-file reads and lexical path resolution. */
#include "yaml_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

int yfile_read(const char *path, char **buf, size_t *len, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(cause, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return fail(cause, "cannot stat %s: %s", path, strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(cause, "cannot read %s: it is a directory", path);
	}
	struct buf b = { 0 };
	for (;;) {
		/* read one byte past the limit, to tell "too large" from "just fits" */
		buf_reserve(&b, 65536);
		size_t room = b.cap - b.len - 1;
		if (room > (size_t)YFILE_MAX + 1 - b.len)
			room = (size_t)YFILE_MAX + 1 - b.len;
		ssize_t r = read(fd, b.p + b.len, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			buf_free(&b);
			close(fd);
			return fail(cause, "cannot read %s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		if (b.len > YFILE_MAX) {
			buf_free(&b);
			close(fd);
			return fail(cause, "cannot read %s: larger than %d bytes", path, YFILE_MAX);
		}
	}
	close(fd);
	*buf = buf_take(&b, len);
	return 0;
}

char *ypath_resolve(const char *base, const char *path)
{
	char *joined;
	const char *home = getenv("HOME");
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home && *home) {
		joined = xasprintf("%s/%s", home, path + 1);
	} else if (path[0] == '/') {
		joined = xstrdup(path);
	} else if (base) {
		joined = xasprintf("%s/%s", base, path);
	} else {
		char *cwd = getcwd(NULL, 0);
		joined = xasprintf("%s/%s", cwd ? cwd : "/", path);
		free(cwd);
	}
	/* fold the components in place: out never grows past joined */
	char *out = xmalloc(strlen(joined) + 2);
	size_t o = 0;
	const char *p = joined;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 1 && p[0] == '.') {
			/* skip */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, p, l);
			o += l;
		}
		p += l;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	free(joined);
	return out;
}

char *ypath_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}
