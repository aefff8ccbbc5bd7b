/* Config files: bounded whole-file reads and lexical path resolution. */
#include "yaml_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	size_t cap = 4096, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > YFILE_MAX) {
				free(b);
				close(fd);
				return fail(cause, "cannot read %s: larger than %d bytes", path, YFILE_MAX);
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			return fail(cause, "cannot read %s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > YFILE_MAX) {
		free(b);
		return fail(cause, "cannot read %s: larger than %d bytes", path, YFILE_MAX);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
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
